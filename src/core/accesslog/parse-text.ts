import type {AccessLogEntry, EntryField, SourceRef} from '../model.js'
import type {Step, TextPlan} from './compile.js'

// Matching a line against a compiled text plan. Each field runs to the next occurrence of the literal
// that follows it; typed fields (times, numbers, flags, tokens) must fit their type. A free-text field
// (a header value, a path) may itself contain its separator — a user-agent with `" "` in it — so when the
// fields after it do not fit, the matcher tries that field's next separator, within a small budget so a
// hostile line cannot make it run long. The common line matches on the first try: one indexOf per field.

export const enum Outcome {
  Ok = 1,
  /** A field does not fit its type. */
  Bad = 0,
  /** The line ended before the format did. */
  Short = -1,
}

/** What the last failed match found, for choosing a skip reason. Module state: matching is synchronous. */
export const lastMatch = {furthest: 0, badTime: false, backtracked: false}

const MAX_RETRIES = 64
let retries = 0
// Field boundaries of the current match: [start0, end0, start1, end1, ...], reused across lines.
let bounds = new Int32Array(128)
let timeMs = NaN

/** Matches `line` from `from` against `plan`. On success the boundaries are in module state for buildEntry. */
export function matchText(line: string, plan: TextPlan, from = 0): Outcome {
  const {prefix, steps} = plan
  if (prefix && !line.startsWith(prefix, from)) {
    lastMatch.furthest = 0
    lastMatch.badTime = false
    return line.length - from < prefix.length && prefix.startsWith(line.slice(from)) ? Outcome.Short : Outcome.Bad
  }
  if (bounds.length < steps.length * 2) bounds = new Int32Array(steps.length * 2)
  retries = MAX_RETRIES
  lastMatch.furthest = 0
  lastMatch.badTime = false
  const outcome = walk(line, steps, 0, from + prefix.length)
  lastMatch.backtracked = retries < MAX_RETRIES
  return outcome
}

function walk(line: string, steps: Step[], i: number, p: number): Outcome {
  if (i > lastMatch.furthest) lastMatch.furthest = i
  const step = steps[i]!
  const {sep} = step
  if (i === steps.length - 1) {
    let e: number
    if (sep === '') e = line.length
    else if (line.endsWith(sep) && line.length - sep.length >= p) e = line.length - sep.length
    else return Outcome.Short
    if (!fits(step, line, p, e)) return Outcome.Bad
    bounds[2 * i] = p
    bounds[2 * i + 1] = e
    return Outcome.Ok
  }
  let e = line.indexOf(sep, p)
  if (e < 0) return Outcome.Short
  const free = step.spec.kind === 'text'
  let result: Outcome = Outcome.Bad
  for (;;) {
    if (!fits(step, line, p, e)) return result === Outcome.Bad ? Outcome.Bad : result
    bounds[2 * i] = p
    bounds[2 * i + 1] = e
    result = walk(line, steps, i + 1, e + sep.length)
    if (result === Outcome.Ok || !free || --retries <= 0) return result
    e = line.indexOf(sep, e + 1)
    if (e < 0) return result
  }
}

function fits(step: Step, s: string, p: number, e: number): boolean {
  switch (step.spec.kind) {
    case 'text':
      return true
    case 'int':
      return isIntOrDash(s, p, e)
    case 'time': {
      timeMs = step.readTime!(s, p, e)
      if (Number.isNaN(timeMs)) {
        lastMatch.badTime = true
        return false
      }
      return true
    }
    case 'flags':
      return isFlags(s, p, e)
    case 'protocol':
      return isProtocol(s, p, e)
    case 'token':
      return e > p && noSpace(s, p, e)
  }
}

function isIntOrDash(s: string, p: number, e: number): boolean {
  if (e === p) return false
  if (e === p + 1 && s.charCodeAt(p) === 0x2d /* - */) return true
  if (e - p > 15) return false
  for (let k = p; k < e; k++) {
    const d = s.charCodeAt(k) - 48
    if (d < 0 || d > 9) return false
  }
  return true
}

// `-`, or comma-joined flags. Envoy's are upper-case letters (UH, UF,URX) or their long names
// (NoHealthyUpstream); custom flags registered by extensions are kept too, so allow digits and '_'.
function isFlags(s: string, p: number, e: number): boolean {
  if (e === p) return false
  for (let k = p; k < e; k++) {
    const c = s.charCodeAt(k)
    const letter = (c >= 65 && c <= 90) || (c >= 97 && c <= 122)
    if (!letter && !(c >= 48 && c <= 57) && c !== 0x2c /* , */ && c !== 0x5f /* _ */ && !(c === 0x2d && e === p + 1)) return false
  }
  return true
}

function isProtocol(s: string, p: number, e: number): boolean {
  if (e === p + 1) return s.charCodeAt(p) === 0x2d
  return e - p >= 5 && e - p <= 16 && s.startsWith('HTTP/', p) && noSpace(s, p, e)
}

function noSpace(s: string, p: number, e: number): boolean {
  for (let k = p; k < e; k++) if (s.charCodeAt(k) === 0x20) return false
  return true
}

const isDash = (s: string, p: number, e: number) => e === p + 1 && s.charCodeAt(p) === 0x2d

/** Reads a non-negative integer already checked by isIntOrDash. */
function readInt(s: string, p: number, e: number): number {
  let n = 0
  for (let k = p; k < e; k++) n = n * 10 + (s.charCodeAt(k) - 48)
  return n
}

/** Builds the entry of the last successful matchText. */
export function buildEntry(line: string, plan: TextPlan, source: SourceRef): AccessLogEntry {
  const entry = {} as AccessLogEntry
  const {steps} = plan
  for (let i = 0; i < steps.length; i++) {
    const {spec} = steps[i]!
    const p = bounds[2 * i]!
    const e = bounds[2 * i + 1]!
    const {field} = spec
    if (field === null) {
      ;(entry.extra ??= {})[spec.operator] = isDash(line, p, e) ? null : line.slice(p, e)
      continue
    }
    setField(entry, field, spec.kind, line, p, e)
  }
  entry.source = source
  entry.format = plan.name
  return entry
}

function setField(entry: AccessLogEntry, field: EntryField, kind: Step['spec']['kind'], s: string, p: number, e: number): void {
  const target = entry as unknown as Record<string, unknown>
  if (kind === 'time') {
    entry.startTime = s.slice(p, e)
    entry.startMs = timeMs
    return
  }
  if (kind === 'flags') {
    entry.responseFlags = isDash(s, p, e) ? [] : s.slice(p, e).split(',')
    return
  }
  if (isDash(s, p, e)) {
    target[field] = null
    return
  }
  if (kind === 'int') {
    target[field] = readInt(s, p, e)
    return
  }
  // Istio 1.23 gives clusters an alt_stat_name ending in ';' that %UPSTREAM_CLUSTER% prints: drop it.
  if (field === 'upstreamCluster' && s.charCodeAt(e - 1) === 0x3b /* ; */) e--
  target[field] = s.slice(p, e)
}
