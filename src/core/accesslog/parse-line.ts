import type {AccessLogEntry, SourceRef} from '../model.js'
import {type Parsed, type SkipReason, ok, skipped, skippedWith} from '../result.js'
import {type TextPlan, compileTextFormat} from './compile.js'
import {PRESETS, presetByName} from './formats.js'
import {type JsonPlan, compileJsonFormat, defaultJsonPlan, parseJsonLine} from './parse-json.js'
import {Outcome, buildEntry, lastMatch, matchClean, matchText, quoteInValue} from './parse-text.js'

export type Plan = TextPlan | JsonPlan

/**
 * Compiles what `--format` names: a preset, an Envoy text format string, or a JSON object of operators.
 * @example compileFormat('istio-1.8'); compileFormat('[%START_TIME%] %REQ(:AUTHORITY)% %UPSTREAM_CLUSTER%')
 */
export function compileFormat(spec: string): Parsed<Plan> {
  const preset = presetByName(spec)
  if (preset) return preset.encoding === 'json' ? compileJsonFormat(preset.name, preset.format) : compileTextFormat(preset.name, preset.format)
  if (!spec.includes('%')) {
    return skippedWith('no-format-matched', `unknown format '${spec}': not a preset (${PRESETS.map((p) => p.name).join(', ')}) and no %OPERATOR% in it`)
  }
  return spec.trimStart().startsWith('{') ? compileJsonFormat('custom-json', spec) : compileTextFormat('custom', spec)
}

// Presets tried during detection, most fields first, each shape once.
let detectionPlans: TextPlan[] | undefined
function textPresets(): TextPlan[] {
  if (!detectionPlans) {
    detectionPlans = []
    for (const p of PRESETS) {
      if (p.encoding !== 'text' || p.sameShapeAs) continue
      const plan = compileTextFormat(p.name, p.format)
      if (!plan.ok) throw new Error(`preset ${p.name} does not compile: ${plan.detail}`) // ours; tests catch it
      detectionPlans.push(plan.value)
    }
  }
  return detectionPlans
}

const isDigit = (c: number) => c >= 48 && c <= 57

/**
 * Turns log lines into entries. Without a pinned format each line's format is detected: JSON lines by
 * key, text lines against every preset — trying first the one that matched the previous line, so a
 * homogeneous log costs one match per line while a mixed one still parses.
 */
export class AccessLogParser {
  private readonly pinned: Plan | undefined
  private readonly json: JsonPlan
  private readonly texts: TextPlan[]
  private sticky = 0
  /**
   * After a text line matched: no value of it holds a `"` (a free-text field swallowing a separator, read
   * by backtracking, is taken to). Its JSON then needs no escaping if the line is plain (ndjson.ts).
   */
  quoteFree = false

  /** The text formats in detection order (the pinned one alone), or none when a JSON format is pinned. */
  get textPlans(): readonly TextPlan[] {
    return this.pinned?.kind === 'json' ? [] : this.texts
  }

  /** The index in textPlans of the format a line is tried against first: the one the last line matched. */
  get firstText(): number {
    return this.sticky
  }

  constructor(pinned?: Plan) {
    this.pinned = pinned
    this.json = pinned?.kind === 'json' ? pinned : defaultJsonPlan()
    this.texts = pinned?.kind === 'text' ? [pinned] : textPresets()
  }

  /** The entry, or why the line is skipped. Never throws. `line` has no envelope (see unwrapEnvelope). */
  parse(line: string, source: SourceRef): AccessLogEntry | SkipReason {
    const r = this.match(line, source)
    return isTextPlan(r) ? buildEntry(line, r, source) : r
  }

  /**
   * As parse, but a text line's entry is not built: the plan that matched is returned, its field
   * boundaries left in parse-text's state for buildEntry or matchedRow (until the next match).
   */
  match(line: string, source: SourceRef): TextPlan | AccessLogEntry | SkipReason {
    const c0 = line.charCodeAt(0)
    if (c0 === 0x7b /* { */ && this.pinned?.kind !== 'text') return parseJsonLine(line, this.json, source)
    if (this.pinned?.kind === 'json') return line.trim() === '' ? 'blank' : 'not-access-log'
    if (c0 !== 0x5b /* [ */ && !this.pinned) return classifyOther(line)
    const entry = this.detectText(line)
    if (entry !== 'no-format-matched') return entry
    // Nothing matched: say what the line is, if it is something we know (a blank, a proxy log line).
    const other = classifyOther(line)
    return other === 'not-access-log' && (c0 === 0x5b || this.pinned) ? 'no-format-matched' : other
  }

  private detectText(line: string): TextPlan | SkipReason {
    const plans = this.texts
    // Most lines fit a format cleanly, most often the previous line's: scans only.
    for (let k = 0; k < plans.length; k++) {
      const idx = (this.sticky + k) % plans.length
      if (!matchClean(line, plans[idx]!)) continue
      // A quote inside a value may let the line fit other formats cleanly too: then the first in the
      // table's order, whatever matched the line before, as for backtracked matches below.
      if (quoteInValue(line, plans[idx]!)) {
        this.quoteFree = false
        return this.firstClean(line, idx)
      }
      this.quoteFree = true
      this.sticky = idx
      return plans[idx]!
    }
    // None does: a free-text field may hold its own separator (backtracking), and how far each format got
    // says why the line is skipped if none fits at all.
    let best = 0
    let short = false
    let badTime = false
    let fallback = -1
    for (let k = 0; k < plans.length; k++) {
      const idx = (this.sticky + k) % plans.length
      const plan = plans[idx]!
      const outcome = matchText(line, plan)
      if (outcome === Outcome.Ok) {
        // Not a clean fit (the first loop took those): a match that needed a free-text field to swallow a
        // separator ('"-" "-"' read as one value), kept only as no format fits the line cleanly.
        // The first such format in the table's order, whatever matched the line before: the same line
        // reads the same way in any context (and in the parallel reader's blocks).
        if (fallback < 0 || idx < fallback) fallback = idx
        continue
      }
      if (lastMatch.badTime) badTime = true
      if (lastMatch.furthest > best || (lastMatch.furthest === best && outcome === Outcome.Short)) {
        best = lastMatch.furthest
        short = outcome === Outcome.Short
      }
    }
    if (fallback >= 0) {
      this.quoteFree = false
      matchText(line, plans[fallback]!)
      return plans[fallback]!
    }
    if (badTime && best <= 1) return isOldEnvoyLog(line) ? 'envoy-log' : 'bad-time'
    // Four fields in (time, request line, code) and then the line ends: it was cut off.
    if (best >= 4) return short ? 'truncated' : 'bad-field'
    return 'no-format-matched'
  }

  /** The first format in the table's order that fits the line cleanly; one does (the caller found it). */
  private firstClean(line: string, found: number): TextPlan {
    const plans = this.texts
    for (let k = 0; k < plans.length; k++) {
      if (matchClean(line, plans[k]!)) {
        this.sticky = k
        return plans[k]!
      }
    }
    matchText(line, plans[found]!) // not reached: plans[found] fits, and matching is deterministic
    return plans[found]!
  }
}

/** A match's plan, told from a JSON line's entry and a skip reason. */
export const isTextPlan = (r: TextPlan | AccessLogEntry | SkipReason): r is TextPlan => typeof r === 'object' && (r as TextPlan).kind === 'text'

/** Parses one line with a fresh parser (detection, no envelope). For tests and one-off use. */
export function parseAccessLine(line: string, source: SourceRef = {input: '-', line: 1}, plan?: Plan): Parsed<AccessLogEntry> {
  const r = new AccessLogParser(plan).parse(line, source)
  return typeof r === 'string' ? skipped(r) : ok(r)
}

// Envoy's application log in its default pattern: "[2020-06-30 16:17:56.763][18][warning][config] …"
function isOldEnvoyLog(line: string): boolean {
  return line.charCodeAt(11) === 0x20 && isDigit(line.charCodeAt(1)) && /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+\]\[\d+\]\[\w+\]/.test(line)
}

// eslint-disable-next-line no-control-regex
const BINARY = /[\x00-\x08\x0e-\x1a\x1c-\x1f\ufffd]/

/** Why a line that is not an access-log line is skipped. Off the hot path: runs only for other lines. */
export function classifyOther(line: string): SkipReason {
  if (line.trim() === '') return 'blank'
  if (isOldEnvoyLog(line)) return 'envoy-log'
  // pilot-agent / Envoy console lines: "2022-12-27T22:07:16.522359Z\tinfo\tenvoy upstream\t…"
  if (isDigit(line.charCodeAt(0)) && line.charCodeAt(10) === 0x54 /* T */) {
    const tab = line.indexOf('\t')
    if (tab > 0 && tab < 40) return /^[^\t]*\t\w+\tenvoy /.test(line) ? 'envoy-log' : 'agent-log'
  }
  if (BINARY.test(line)) return 'binary'
  return 'not-access-log'
}
