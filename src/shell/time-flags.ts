// Durations and times given on the command line: --window, --since, --until. Apart from the rest of the
// analysis input so that commands which only need these (parse has -f, not --since) do not load it.

// One module per function: the package's index loads all of date-fns (+20 MB of RSS at startup).
import {isValid} from 'date-fns/isValid'
import {parseISO} from 'date-fns/parseISO'
import {sub} from 'date-fns/sub'

import {UsageError} from './errors.js'

const UNITS: Record<string, keyof Duration | 'ms'> = {ms: 'ms', s: 'seconds', m: 'minutes', h: 'hours', d: 'days', w: 'weeks'}
type Duration = {seconds: number; minutes: number; hours: number; days: number; weeks: number}
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/
const MS: Record<string, number> = {ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000}

/** `5s`, `500ms`, `2m` → ms; `all` → Infinity (join across the whole input). */
export function parseWindow(text: string): number {
  if (text === 'all') return Infinity
  const m = DURATION.exec(text.trim())
  if (!m) throw new UsageError(`--window: '${text}' is not a duration like 5s, 500ms, 2m, or 'all'`)
  return Number(m[1]) * MS[m[2]!]!
}

/** RFC 3339 (`2024-06-21T19:00:00Z`) or a time ago (`2h`, `30m`, `7d`) → epoch ms. */
export function parseTimeFlag(flag: string, text: string, now: Date = new Date()): number {
  const m = DURATION.exec(text.trim())
  if (m) {
    const unit = UNITS[m[2]!]!
    return unit === 'ms' ? now.getTime() - Number(m[1]) : sub(now, {[unit]: Number(m[1])}).getTime()
  }
  const d = parseISO(text.trim())
  if (!isValid(d)) throw new UsageError(`--${flag}: '${text}' is neither an RFC 3339 time (2024-06-21T19:00:00Z) nor a duration ago (2h, 30m)`)
  return d.getTime()
}
