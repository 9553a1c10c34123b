// Parsers in the core never throw on bad input: they return a value or a reason to skip.
// Skips are frozen singletons, so the per-line path allocates nothing when it rejects a line.

export type SkipReason =
  | 'blank'                // empty or whitespace-only line
  | 'too-long'             // longer than the line limit; its text is not kept
  | 'binary'               // NUL or other control bytes / invalid UTF-8 that no log line has
  | 'envoy-log'            // Envoy's own application log line (…Z\twarning\tenvoy config\t…)
  | 'agent-log'            // pilot-agent / istiod zap console line (…Z\tinfo\t…)
  | 'not-access-log'       // text that is neither an access-log line nor a known proxy log line
  | 'json-not-access-log'  // a JSON value that is not an access-log entry
  | 'bad-json'             // starts like JSON but does not parse
  | 'truncated'            // matches the start of a known access-log format but stops early
  | 'bad-time'             // the start time field is not a time
  | 'bad-field'            // a typed field (status code, byte count, address) does not fit its type
  | 'no-format-matched'    // looks like an access-log line but fits no known format
  | 'envelope'             // a kubectl/stern envelope that could not be read
  | 'out-of-range'         // outside --since/--until (counted, not shown)

export type Parsed<T> = {readonly ok: true; readonly value: T} | {readonly ok: false; readonly reason: SkipReason; readonly detail?: string}

const skipCache = new Map<SkipReason, Parsed<never>>()
/** The frozen, shared skip result for a reason. */
export function skipped(reason: SkipReason): Parsed<never> {
  let s = skipCache.get(reason)
  if (!s) {
    s = Object.freeze({ok: false, reason} as const)
    skipCache.set(reason, s)
  }
  return s
}

/** A skip that carries a detail (where in the value it went wrong). Allocates: use off the hot path. */
export function skippedWith(reason: SkipReason, detail: string): Parsed<never> {
  return {ok: false, reason, detail}
}

export const ok = <T>(value: T): Parsed<T> => ({ok: true, value})

/** One skipped line: where it was and why. The text is kept (bounded) so `--skipped` can show it. */
export interface SkippedLine {
  input: string
  line: number
  reason: SkipReason
  detail?: string
  /** The line's text, cut to a preview length; absent for too-long lines. */
  text?: string
}

/** Counts of what a stage saw: every line read is either parsed or skipped. */
export interface LineStats {
  linesRead: number
  parsed: number
  parsedByFormat: Record<string, number>
  skipped: number
  skippedByReason: Partial<Record<SkipReason, number>>
  /** The first few skipped line numbers per reason, as `input:line`. */
  firstSkipped: Partial<Record<SkipReason, string[]>>
}

export function newLineStats(): LineStats {
  return {linesRead: 0, parsed: 0, parsedByFormat: {}, skipped: 0, skippedByReason: {}, firstSkipped: {}}
}

export const FIRST_SKIPPED_KEPT = 5

export function countParsed(stats: LineStats, format: string, lines = 1): void {
  stats.linesRead += lines
  stats.parsed += lines
  stats.parsedByFormat[format] = (stats.parsedByFormat[format] ?? 0) + lines
}

export function countSkipped(stats: LineStats, reason: SkipReason, input: string, line: number): void {
  stats.linesRead++
  stats.skipped++
  stats.skippedByReason[reason] = (stats.skippedByReason[reason] ?? 0) + 1
  const first = (stats.firstSkipped[reason] ??= [])
  if (first.length < FIRST_SKIPPED_KEPT) first.push(`${input}:${line}`)
}

/** Adds one stage's counts into another (blocks parsed in parallel, merged in input order). */
export function mergeLineStats(into: LineStats, from: LineStats): void {
  into.linesRead += from.linesRead
  into.parsed += from.parsed
  into.skipped += from.skipped
  for (const [format, n] of Object.entries(from.parsedByFormat)) into.parsedByFormat[format] = (into.parsedByFormat[format] ?? 0) + n
  for (const [reason, n] of Object.entries(from.skippedByReason) as [SkipReason, number][]) {
    into.skippedByReason[reason] = (into.skippedByReason[reason] ?? 0) + n
    const first = (into.firstSkipped[reason] ??= [])
    for (const at of from.firstSkipped[reason] ?? []) if (first.length < FIRST_SKIPPED_KEPT) first.push(at)
  }
}
