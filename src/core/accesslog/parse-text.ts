import type {AccessLogEntry, SourceRef} from '../model.js'
import type {Step, TextPlan} from './compile.js'
import {isDash, readInt} from './field-text.js'
import {rowWriter} from './ndjson.js'

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
  // Most lines fit on the first alignment: one pass, no recursion. Only a line that does not is walked
  // again with backtracking, which also finds how far it got (for the skip reason).
  if (scan(line, steps, from + prefix.length)) {
    lastMatch.backtracked = false
    return Outcome.Ok
  }
  retries = MAX_RETRIES
  lastMatch.furthest = 0
  lastMatch.badTime = false
  const outcome = walk(line, steps, 0, from + prefix.length)
  lastMatch.backtracked = retries < MAX_RETRIES
  return outcome
}

/**
 * Whether `line` fits `plan` cleanly: on the first alignment, no free-text field swallowing a separator.
 * matchText's answer for such a line without its backtracking walk, which costs more than the scan and
 * is only needed when no format fits cleanly. On success the boundaries are in module state, as there.
 */
export function matchClean(line: string, plan: TextPlan): boolean {
  const {prefix, steps} = plan
  if (prefix && !line.startsWith(prefix)) return false
  if (bounds.length < steps.length * 2) bounds = new Int32Array(steps.length * 2)
  return scan(line, steps, prefix.length)
}

/** The first alignment only: each field runs to the first occurrence of its separator. */
function scan(line: string, steps: Step[], p: number): boolean {
  const last = steps.length - 1
  for (let i = 0; i < last; i++) {
    const step = steps[i]!
    const e = line.indexOf(step.sep, p)
    if (e < 0 || !fits(step, line, p, e)) return false
    bounds[2 * i] = p
    bounds[2 * i + 1] = e
    p = e + step.sep.length
  }
  const step = steps[last]!
  let e = line.length
  if (step.sep !== '') {
    if (!line.endsWith(step.sep) || line.length - step.sep.length < p) return false
    e -= step.sep.length
  }
  if (!fits(step, line, p, e)) return false
  bounds[2 * last] = p
  bounds[2 * last + 1] = e
  return true
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
  // Free text may hold its own separator; so may a custom time pattern ("21/Jun/2024:19:24:00 +0000").
  const extendable = step.spec.kind === 'text' || (step.spec.kind === 'time' && step.spec.timeFormat !== undefined)
  // The first alignment tried is the natural one: if no other works, its failure is the one reported.
  let first: Outcome | undefined
  for (;;) {
    let result: Outcome = Outcome.Bad
    if (fits(step, line, p, e)) {
      bounds[2 * i] = p
      bounds[2 * i + 1] = e
      result = walk(line, steps, i + 1, e + sep.length)
      if (result === Outcome.Ok) return result
    }
    first ??= result
    if (!extendable || --retries <= 0) return first
    e = line.indexOf(sep, e + 1)
    if (e < 0) return first
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
      return e > p && (step.sepStartsWithSpace || noSpace(s, p, e))
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

// indexOf, not a loop of charCodeAt: V8's loop costs ~57 instructions a character, indexOf's memchr a few.
const noSpace = (s: string, p: number, e: number): boolean => {
  const space = s.indexOf(' ', p)
  return space === -1 || space >= e
}


/** Builds the entry of the last successful matchText. */
export function buildEntry(line: string, plan: TextPlan, source: SourceRef): AccessLogEntry {
  let build = builders.get(plan)
  if (!build) builders.set(plan, (build = compileBuilder(plan)))
  return build(line, bounds, timeMs, source)
}

/**
 * Whether a field of the last successful matchText holds a `"` (numbers and flags cannot). Envoy does not
 * escape quotes in values, so such a line may fit another format cleanly too (a user-agent `" 0 - "-"`
 * lines up with other fields); the parser then does not trust the one it tried first.
 */
export function quoteInValue(line: string, plan: TextPlan): boolean {
  const lastQuote = line.lastIndexOf('"')
  const {steps} = plan
  for (let i = 0; i < steps.length; i++) {
    const p = bounds[2 * i]!
    // A field that starts at the last quote holds it: only one starting after it cannot.
    if (p > lastQuote) return false
    const kind = steps[i]!.spec.kind
    if (kind === 'int' || kind === 'flags') continue
    const q = line.indexOf('"', p)
    if (q !== -1 && q < bounds[2 * i + 1]!) return true
  }
  return false
}

/**
 * The entry of the last successful matchText as an NDJSON row (newline included), for a plain line
 * (ndjson.ts); `quoted`: its values may hold a `"`. `source` is its source as JSON. Null when the plan's
 * rows are not written this way: then the row is stringifySafe(buildEntry(…)).
 */
export function matchedRow(line: string, plan: TextPlan, source: string, quoted: boolean): string | null {
  const write = rowWriter(plan, quoted)
  return write === null ? null : write(line, bounds, timeMs, source)
}

type Builder = (s: string, b: Int32Array, t: number, source: SourceRef) => AccessLogEntry
const builders = new WeakMap<TextPlan, Builder>()

const str = (s: string, p: number, e: number): string | null => (isDash(s, p, e) ? null : s.slice(p, e))
const int = (s: string, p: number, e: number): number | null => (isDash(s, p, e) ? null : readInt(s, p, e))
const flags = (s: string, p: number, e: number): string[] => (isDash(s, p, e) ? [] : s.slice(p, e).split(','))
// Istio 1.23 gives clusters an alt_stat_name ending in ';' that %UPSTREAM_CLUSTER% prints: drop it.
const cluster = (s: string, p: number, e: number): string | null => str(s, p, s.charCodeAt(e - 1) === 0x3b /* ; */ ? e - 1 : e)

/**
 * Compiles a plan's entry constructor: one object literal with the plan's fields in order, so every entry
 * of a format has the same shape (V8 keeps one hidden class; stores are not keyed lookups). Property names
 * come from the fixed EntryField list or, for `extra`, are written with JSON.stringify: nothing from a
 * format string reaches the generated code unquoted.
 */
function compileBuilder(plan: TextPlan): Builder {
  const fields: string[] = []
  const extra: string[] = []
  plan.steps.forEach(({spec}, i) => {
    const at = `s, b[${2 * i}], b[${2 * i + 1}]`
    if (spec.field === null) return void extra.push(`${JSON.stringify(spec.operator)}: str(${at})`)
    const key = JSON.stringify(spec.field)
    if (spec.kind === 'time') fields.push(`"startTime": s.slice(b[${2 * i}], b[${2 * i + 1}])`, '"startMs": t')
    else if (spec.kind === 'flags') fields.push(`${key}: flags(${at})`)
    else if (spec.kind === 'int') fields.push(`${key}: int(${at})`)
    else if (spec.field === 'upstreamCluster') fields.push(`${key}: cluster(${at})`)
    else fields.push(`${key}: str(${at})`)
  })
  if (extra.length > 0) fields.push(`"extra": {${extra.join(', ')}}`)
  fields.push('"source": source', `"format": ${JSON.stringify(plan.name)}`)
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const make = new Function('str', 'int', 'flags', 'cluster', `return function build(s, b, t, source) {\n  return {${fields.join(',\n    ')}}\n}`)
  return make(str, int, flags, cluster) as Builder
}

