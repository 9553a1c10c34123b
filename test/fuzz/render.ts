// Writing access-log lines the way Envoy does, for round trips: a compiled text plan and generated field
// values give a line and the entry fields the line stands for. The expected fields come from the format's
// documented meaning (`-` is null, numbers are numbers, flags split on commas, a cluster's trailing `;`
// dropped), not from the parser, so a round trip checks the parser against an oracle of its own.

import fc from 'fast-check'

import type {Step, TextPlan} from '../../src/core/accesslog/compile.js'
import type {FieldSpec} from '../../src/core/accesslog/operators.js'
import type {AccessLogEntry} from '../../src/core/model.js'

export type Fields = Record<string, unknown>

/** A value as written in the line, and what it sets in the entry. */
interface Written {
  text: string
  set: (fields: Fields) => void
}

/** Does `text` end where its separator starts? Only then does the first alignment read it back whole. */
export const endsAtSeparator = (text: string, sep: string): boolean => sep === '' || (text + sep).indexOf(sep) === text.length

/** Drops characters until the value no longer holds its separator (or the start of it, overlapping the end). */
function withoutSeparator(text: string, sep: string): string {
  let t = text
  for (let at = (t + sep).indexOf(sep); sep !== '' && at !== t.length; at = (t + sep).indexOf(sep)) t = t.slice(0, at) + t.slice(at + 1)
  return t
}

const nullable = (text: string): string | null => (text === '-' ? null : text)

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
const pad = (n: number, width = 2): string => String(n).padStart(width, '0')

/**
 * A time as one START_TIME form prints it, from epoch ms in 1970–9998 (so that every offset keeps four-digit
 * years). Returns the text and the epoch ms it stands for at its precision.
 */
export interface TimeForm {
  /** The START_TIME argument, or undefined for Envoy's default RFC 3339 form. */
  pattern: string | undefined
  write: (ms: number, offsetMin: number, extraDigits: string) => {text: string; ms: number}
}

function local(ms: number, offsetMin: number) {
  const d = new Date(ms + offsetMin * 60_000)
  return {y: d.getUTCFullYear(), mo: d.getUTCMonth() + 1, d: d.getUTCDate(), h: d.getUTCHours(), mi: d.getUTCMinutes(), s: d.getUTCSeconds(), ms: d.getUTCMilliseconds()}
}
const offsetText = (min: number, colon: boolean): string => `${min < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(min) / 60))}${colon ? ':' : ''}${pad(Math.abs(min) % 60)}`
const seconds = (ms: number): number => Math.floor(ms / 1000) * 1000

export const TIME_FORMS: readonly TimeForm[] = [
  // Envoy's default: always UTC, milliseconds.
  {pattern: undefined, write: (ms) => ({text: new Date(ms).toISOString(), ms})},
  // RFC 3339 with more fraction digits and a numeric offset, as other tools and kubelet print it.
  {
    pattern: undefined,
    write: (ms, offsetMin, extra) => {
      const t = local(ms, offsetMin)
      const frac = `${pad(t.ms, 3)}${extra}`
      return {text: `${t.y}-${pad(t.mo)}-${pad(t.d)}T${pad(t.h)}:${pad(t.mi)}:${pad(t.s)}.${frac}${offsetText(offsetMin, true)}`, ms}
    },
  },
  {pattern: '%s', write: (ms) => ({text: String(Math.floor(ms / 1000)), ms: seconds(ms)})},
  {
    pattern: '%d/%b/%Y:%H:%M:%S %z',
    write: (ms, offsetMin) => {
      const t = local(ms, offsetMin)
      return {text: `${pad(t.d)}/${MONTHS[t.mo - 1]}/${t.y}:${pad(t.h)}:${pad(t.mi)}:${pad(t.s)} ${offsetText(offsetMin, false)}`, ms: seconds(ms)}
    },
  },
  {
    pattern: '%Y-%m-%dT%H:%M:%E3SZ',
    write: (ms) => {
      const t = local(ms, 0)
      return {text: `${t.y}-${pad(t.mo)}-${pad(t.d)}T${pad(t.h)}:${pad(t.mi)}:${pad(t.s)}.${pad(t.ms, 3)}Z`, ms}
    },
  },
  {
    pattern: '%F %T',
    write: (ms) => {
      const t = local(ms, 0)
      return {text: `${t.y}-${pad(t.mo)}-${pad(t.d)} ${pad(t.h)}:${pad(t.mi)}:${pad(t.s)}`, ms: seconds(ms)}
    },
  },
]

// 1970-01-01 to 9998-12-31: every form stays within four-digit years at any offset.
const epochMs = fc.integer({min: 0, max: Date.UTC(9998, 11, 31)})
const offsetMin = fc.integer({min: -14 * 60, max: 14 * 60})
/** Digits past the millisecond: read, and cut. */
const extraDigits = fc.string({unit: fc.constantFrom('0', '1', '5', '9'), maxLength: 6})

export function timeValue(spec: FieldSpec, sep: string): fc.Arbitrary<Written> {
  const forms = TIME_FORMS.filter((f) => f.pattern === spec.timeFormat)
  if (forms.length === 0) throw new Error(`no writer for START_TIME(${spec.timeFormat ?? ''})`)
  return fc
    .tuple(fc.constantFrom(...forms), epochMs, offsetMin, extraDigits)
    .map(([form, ms, off, extra]) => form.write(ms, off, extra))
    .filter(({text}) => endsAtSeparator(text, sep))
    .map(({text, ms}) => ({
      text,
      set: (f: Fields) => {
        f.startTime = text
        f.startMs = ms
      },
    }))
}

const flagName = fc.oneof(fc.constantFrom('UH', 'UF', 'URX', 'NR', 'UO', 'DC', 'NoHealthyUpstream', 'UpstreamRetryLimitExceeded'), fc.stringMatching(/^[A-Za-z0-9_]{1,6}$/))
const protocols = ['-', 'HTTP/1.0', 'HTTP/1.1', 'HTTP/2', 'HTTP/3']

/** Text for a free-text field: anything, or realistic words (no quotes, no separators of other fields). */
export type Style = 'any' | 'realistic'
const realisticText = fc.stringMatching(/^[A-Za-z0-9./:_@=+-]{1,24}$/)
const anyFieldText = fc.oneof(fc.string({unit: 'binary', maxLength: 24}), fc.string({unit: fc.constantFrom('a', ' ', '"', '-', '\\', ',', '|', '%', '[', ']', '\t', 'é', '\u{1f600}', '\x1b'), maxLength: 12}))

/** A value for one field of a plan, never holding its separator, and the fields it sets. */
export function fieldValue(step: Step, style: Style): fc.Arbitrary<Written> {
  const {spec, sep} = step
  const assign = (value: unknown) => (f: Fields) => {
    if (spec.field === null) ((f.extra ??= {}) as Record<string, unknown>)[spec.operator] = value
    else f[spec.field] = value
  }
  switch (spec.kind) {
    case 'time':
      return timeValue(spec, sep)
    case 'int':
      return fc.oneof(
        fc.constant({text: '-', set: assign(null)}),
        fc.integer({min: 0, max: 999_999_999_999_999}).map((n) => ({text: String(n), set: assign(spec.field === null ? String(n) : n)})),
        // Leading zeros: read as the number, kept as text under `extra`.
        fc.tuple(fc.integer({min: 1, max: 3}), fc.integer({min: 0, max: 99_999})).map(([z, n]) => {
          const text = '0'.repeat(z) + String(n)
          return {text, set: assign(spec.field === null ? text : n)}
        }),
      )
    case 'flags':
      return fc.oneof(
        fc.constant({text: '-', set: assign([])}),
        fc.array(flagName, {minLength: 1, maxLength: 4}).map((names) => ({text: names.join(','), set: assign(names)})),
      )
    case 'protocol':
      return fc.constantFrom(...protocols).map((p) => (endsAtSeparator(p, sep) ? p : '-')).map((p) => ({text: p, set: assign(nullable(p))}))
    case 'token': {
      // One word; spaces only where the separator starts with one (the matcher allows it there).
      const word = style === 'realistic' ? realisticText : anyFieldText.map((t) => (step.sepStartsWithSpace ? t : t.replace(/ /g, '')))
      return fc
        .oneof(word, fc.constant('-'))
        .map((t) => withoutSeparator(t, sep))
        .filter((t) => t !== '')
        .map((text) => ({text, set: assign(spec.field === 'upstreamCluster' ? nullable(text.endsWith(';') ? text.slice(0, -1) : text) : nullable(text))}))
    }
    case 'text':
      return fc
        .oneof(style === 'realistic' ? realisticText : anyFieldText, fc.constant('-'), fc.constant(''))
        .map((t) => withoutSeparator(t, sep))
        .map((text) => ({text, set: assign(nullable(text))}))
  }
}

export interface RenderedLine {
  line: string
  /** The entry fields the line stands for (source and format apart). */
  fields: Fields
}

/** A line of `plan` with generated values, and the fields it must parse to. */
export function renderedLine(plan: TextPlan, style: Style): fc.Arbitrary<RenderedLine> {
  return fc.tuple(...plan.steps.map((step) => fieldValue(step, style))).map((values) => {
    const fields: Fields = {}
    let line = plan.prefix
    values.forEach((v, i) => {
      line += v.text + plan.steps[i]!.sep
      v.set(fields)
    })
    return {line, fields}
  })
}

/** Writes an entry back as a line of `plan`: null as `-`, flags comma-joined. For idempotence checks. */
export function writeEntry(entry: AccessLogEntry, plan: TextPlan): string {
  let line = plan.prefix
  for (const step of plan.steps) line += writeValue(entry, step.spec) + step.sep
  return line
}

/** One field as the line shows it. */
export function writeValue(entry: AccessLogEntry, spec: FieldSpec): string {
  if (spec.field === null) return entry.extra?.[spec.operator] ?? '-'
  if (spec.kind === 'time') return entry.startTime ?? '-'
  const value = entry[spec.field]
  if (value === null || value === undefined) return '-'
  // A cluster of only Istio's `;` suffix reads as '': write the `;` back (a token is never empty).
  if (spec.field === 'upstreamCluster' && value === '') return ';'
  if (Array.isArray(value)) return value.length === 0 ? '-' : value.join(',')
  return String(value)
}
