// The format-string compiler (src/core/accesslog/compile.ts, compileFormat in parse-line.ts, JSON formats
// in parse-json.ts). Any --format string compiles to a plan or comes back as its documented refusal,
// never a throw; a plan parses any line without throwing; tokenizing is exact (writing the tokens back
// gives the format string); and a line written from a generated format parses back to its values.

import {deepStrictEqual} from 'node:assert/strict'

import fc from 'fast-check'
import {describe} from 'vitest'

import {compileTextFormat, tokenizeFormat} from '../../src/core/accesslog/compile.js'
import {PRESETS} from '../../src/core/accesslog/formats.js'
import type {FieldSpec} from '../../src/core/accesslog/operators.js'
import {AccessLogParser, compileFormat} from '../../src/core/accesslog/parse-line.js'
import type {SourceRef} from '../../src/core/model.js'
import {ACCESS_LINES} from './corpus.js'
import {PARSER_SKIPS, check, expectEntryShape} from './entries.js'
import {OUTCOMES_CHECKED_FROM, fuzz} from './fuzz.js'
import {anyText, mutated} from './mutate.js'
import {type Fields, TIME_FORMS, renderedLine} from './render.js'

const source = (): SourceRef => ({input: 'fuzz.log', line: 3})
const PRESET_NAMES = PRESETS.map((p) => p.name)

// ---- any format string --------------------------------------------------------------------------------

/** Pieces of Envoy's format grammar, so generated strings get past the first `%` often. */
const GRAMMAR = ['%', '%%', 'START_TIME', 'REQ', 'RESP', 'UPSTREAM_CLUSTER', 'A', '_', '9', '(', ')', ':', ':16', '?', 'X-Y', '%Y-%m', ' ', '"', '{', '}', '"k":', ',', '[', ']', '\\', 'é', '\x1b', '\ud800']
const formatText = fc.oneof(
  anyText(120),
  fc.array(fc.constantFrom(...GRAMMAR), {maxLength: 30}).map((a) => a.join('')),
  fc.constantFrom(...PRESET_NAMES),
  fc.dictionary(fc.string({maxLength: 6}), fc.oneof(fc.array(fc.constantFrom(...GRAMMAR), {maxLength: 8}).map((a) => a.join('')), fc.integer(), fc.constant(null)), {maxKeys: 4}).map((o) => JSON.stringify(o)),
)

/** Writes tokens back as a format string: `%` in literals doubled, each field as `%OPERATOR%`. */
const writeTokens = (tokens: Array<string | FieldSpec>): string => tokens.map((t) => (typeof t === 'string' ? t.replace(/%/g, '%%') : `%${t.operator}%`)).join('')

describe('any format string', () => {
  const seen = {ok: 0, refused: 0}
  fuzz('compiles to a plan or is refused with a reason and a detail; a plan parses any line into an entry of its format or a skip',
    fc.property(formatText, fc.oneof(anyText(200), mutated(ACCESS_LINES, 2)), (format, line) => {
      const plan = compileFormat(format)
      if (!plan.ok) {
        seen.refused++
        check((plan.reason === 'no-format-matched' || plan.reason === 'bad-json') && typeof plan.detail === 'string' && plan.detail !== '', () => `refusal ${JSON.stringify(plan)}`)
        return
      }
      seen.ok++
      const {value} = plan
      check(value.kind === 'text' || value.kind === 'json', () => `plan kind ${String(value.kind)}`)
      check(PRESET_NAMES.includes(value.name) || value.name === 'custom' || value.name === 'custom-json', () => `plan name ${value.name}`)
      const src = source()
      const r = new AccessLogParser(value).parse(line, src)
      if (typeof r === 'string') return check(PARSER_SKIPS.includes(r), () => `unknown skip reason ${r}`)
      expectEntryShape(r, src, {customTime: true, ...(value.kind === 'text' ? {textLine: line} : {})})
      check(r.format === value.name, () => `entry format ${r.format} under plan ${value.name}`)
    }),
    {after: () => check(seen.ok + seen.refused < OUTCOMES_CHECKED_FROM || (seen.ok > 0 && seen.refused > 0), () => `compiled ${seen.ok}, refused ${seen.refused}`)})

  fuzz('tokenizing is exact: a format that tokenizes is its tokens written back',
    fc.property(formatText, (format) => {
      const tokens = tokenizeFormat(format)
      if (tokens.ok) check(writeTokens(tokens.value) === format, () => `tokens ${JSON.stringify(tokens.value)} write back as ${JSON.stringify(writeTokens(tokens.value))}`)
      else check(tokens.reason === 'no-format-matched' && /offset \d+/.test(tokens.detail ?? ''), () => `refusal without an offset: ${JSON.stringify(tokens)}`)
    }))
})

// ---- generated formats: round trips --------------------------------------------------------------------

/** Operators a user's format may hold: fields of their own, header operators, unknown ones (kept under extra). */
const OPERATORS = [
  'PROTOCOL', 'RESPONSE_CODE', 'RESPONSE_FLAGS', 'RESPONSE_FLAGS_LONG', 'RESPONSE_CODE_DETAILS', 'CONNECTION_TERMINATION_DETAILS', 'UPSTREAM_TRANSPORT_FAILURE_REASON',
  'BYTES_RECEIVED', 'BYTES_SENT', 'DURATION', 'UPSTREAM_HOST', 'UPSTREAM_CLUSTER', 'UPSTREAM_CLUSTER_RAW', 'UPSTREAM_LOCAL_ADDRESS', 'DOWNSTREAM_LOCAL_ADDRESS',
  'DOWNSTREAM_REMOTE_ADDRESS', 'REQUESTED_SERVER_NAME', 'ROUTE_NAME', 'UPSTREAM_TLS_VERSION', 'UPSTREAM_PEER_URI_SAN', 'UPSTREAM_PEER_SUBJECT', 'DOWNSTREAM_TLS_VERSION',
  'DOWNSTREAM_PEER_URI_SAN', 'DOWNSTREAM_PEER_SUBJECT', 'REQ(:METHOD)', 'REQ(X-ENVOY-ORIGINAL-PATH?:PATH)', 'REQ(:PATH)', 'REQ(:AUTHORITY)', 'REQ(host)',
  'REQ(X-FORWARDED-FOR)', 'REQ(User-Agent)', 'REQ(X-REQUEST-ID)', 'RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)', 'DYNAMIC_METADATA(istio.mixer:status)', 'REQ(X-B3-TRACEID):16',
  'RESPONSE_DURATION', 'UPSTREAM_REQUEST_ATTEMPT_COUNT', 'FILTER_STATE(a.b:PLAIN)', 'TRAILER(grpc-status)', 'CUSTOM_OPERATOR_9',
]
const TIME_OPERATORS = [...new Set(TIME_FORMS.map((f) => (f.pattern === undefined ? 'START_TIME' : `START_TIME(${f.pattern})`)))]

/** Literal text between fields, as the line shows it. It starts with a character no typed value holds. */
const separator = fc
  .tuple(fc.constantFrom(' ', '"', '|', '\t', ']', '[', ';', '=', '<', '>', '#', '!', "'", '%', ' "', '" "', '" ', '] ['), fc.string({unit: 'binary-ascii', maxLength: 3}))
  .map(([head, tail]) => (head + tail).replace(/[\r\n]/g, ''))

interface Generated {
  format: string
  /** Two fields with nothing between them: the compiler must refuse the format. */
  adjacent: boolean
}

/** A text format: an optional prefix, then operators, each followed by a separator (the last maybe none). */
const textFormat: fc.Arbitrary<Generated> = fc
  .tuple(
    fc.string({unit: 'binary', maxLength: 4}).map((p) => p.replace(/[\r\n]/g, '')),
    fc.array(fc.tuple(fc.oneof({arbitrary: fc.constantFrom(...OPERATORS), weight: 6}, fc.constantFrom(...TIME_OPERATORS)), separator), {minLength: 1, maxLength: 10}),
    fc.boolean(),
    fc.nat(),
    fc.boolean(),
  )
  .map(([prefix, fields, endsWithField, gapAt, adjacent]) => {
    const parts = fields.map(([op, sep], i) => {
      // A time pattern that can hold its separator's first character would make the line ambiguous.
      const pattern = /^START_TIME\((.*)\)$/.exec(op)?.[1]
      const operator = pattern !== undefined && pattern.includes(sep[0]!) ? 'START_TIME' : op
      const last = i === fields.length - 1
      const noText = (last && endsWithField) || (adjacent && fields.length > 1 && i === gapAt % (fields.length - 1))
      return `%${operator}%${noText ? '' : sep.replace(/%/g, '%%')}`
    })
    return {format: prefix.replace(/%/g, '%%') + parts.join(''), adjacent: adjacent && fields.length > 1}
  })

describe('generated formats', () => {
  fuzz('a format with two fields side by side is refused, naming both; any other compiles',
    fc.property(textFormat, ({format, adjacent}) => {
      const plan = compileTextFormat('custom', format)
      if (adjacent) check(!plan.ok && /have no text between them/.test(plan.detail ?? ''), () => `${JSON.stringify(format)} compiled: ${JSON.stringify(plan)}`)
      else check(plan.ok, () => `${JSON.stringify(format)} refused: ${plan.ok ? '' : plan.detail}`)
    }))

  fuzz('a line written from a generated format, with any values, parses back to those values',
    fc.property(
      textFormat.filter((g) => !g.adjacent).chain(({format}) => {
        const plan = compileTextFormat('custom', format)
        if (!plan.ok) throw new Error(`generated format does not compile: ${plan.detail}`)
        return fc.tuple(fc.constant(plan.value), renderedLine(plan.value, 'any'))
      }),
      ([plan, {line, fields}]) => {
        const src = source()
        deepStrictEqual(new AccessLogParser(plan).parse(line, src), {...fields, source: src, format: 'custom'})
      },
    ))
})

// ---- JSON formats ---------------------------------------------------------------------------------------

/** A JSON value as a JSON-encoded Envoy line holds it, and what the entry must say. */
interface JsonWritten {
  value: unknown
  set: (f: Fields, key: string) => void
}

function jsonValueFor(spec: FieldSpec): fc.Arbitrary<JsonWritten> {
  const assign = (v: unknown) => (f: Fields, key: string) => {
    // defineProperty: a key "__proto__" is a key, as the parser keeps it.
    if (spec.field === null) Object.defineProperty((f.extra ??= {}) as object, key, {value: v, enumerable: true, writable: true, configurable: true})
    else f[spec.field] = v
  }
  const unset = fc.constantFrom(null, '-').map((value) => ({value, set: assign(spec.kind === 'flags' ? [] : null)}))
  if (spec.field === null) {
    // Not a field of ours: kept under extra, keyed by the JSON key, as text.
    return fc.oneof(unset, fc.string({unit: 'binary', maxLength: 12}).filter((s) => s !== '-').map((s) => ({value: s, set: assign(s)})), fc.nat().map((n) => ({value: n, set: assign(String(n))})))
  }
  switch (spec.kind) {
    case 'time': {
      const forms = TIME_FORMS.filter((t) => t.pattern === spec.timeFormat)
      return fc
        .tuple(fc.constantFrom(...forms), fc.integer({min: 0, max: Date.UTC(9998, 11, 31)}), fc.integer({min: -840, max: 840}))
        .map(([form, ms, off]) => form.write(ms, off, ''))
        .map(({text, ms}) => ({value: text, set: (f: Fields) => Object.assign(f, {startTime: text, startMs: ms})}))
    }
    case 'int':
      return fc.oneof(unset, fc.maxSafeNat().map((n) => ({value: n, set: assign(n)})), fc.integer({min: 0, max: 999_999}).map((n) => ({value: String(n), set: assign(n)})))
    case 'flags':
      return fc.oneof(unset, fc.array(fc.stringMatching(/^[A-Za-z0-9_]{1,5}$/), {minLength: 1, maxLength: 3}).map((names) => ({value: names.join(','), set: assign(names)})))
    default:
      return fc.oneof(
        unset,
        fc.string({unit: 'binary', maxLength: 16}).filter((s) => s !== '-' && s !== '').map((s) => ({value: s, set: assign(spec.field === 'upstreamCluster' && s.endsWith(';') ? s.slice(0, -1) : s)})),
        fc.nat().map((n) => ({value: n, set: assign(String(n))})),
      )
  }
}

/** `extra` with an ordinary prototype (the parser makes it prototype-less; only its keys are the contract). */
const plainExtra = <T>(r: T): T => (r !== null && typeof r === 'object' && 'extra' in r ? {...r, extra: {...(r.extra as object)}} : r)

const jsonKey = fc.string({unit: 'binary', maxLength: 8})

/** A JSON format {key: "%OPERATOR%"} with a START_TIME and two more fields, and a line of it. */
const jsonFormatAndLine = fc
  .tuple(
    jsonKey,
    fc.constantFrom(...TIME_OPERATORS),
    fc.uniqueArray(fc.tuple(jsonKey, fc.constantFrom(...OPERATORS)), {minLength: 2, maxLength: 8, selector: ([k]) => k}),
  )
  .filter(([timeKey, , fields]) => fields.every(([k]) => k !== timeKey))
  .chain(([timeKey, timeOp, fields]) => {
    const keys: [string, string][] = [[timeKey, timeOp], ...fields]
    const format = JSON.stringify(Object.fromEntries(keys.map(([k, op]) => [k, `%${op}%`])))
    const plan = compileFormat(format)
    if (!plan.ok || plan.value.kind !== 'json') throw new Error(`generated JSON format does not compile: ${JSON.stringify(plan)}`)
    const specs = plan.value.keys
    return fc.tuple(fc.constant(plan.value), fc.tuple(...keys.map(([k]) => jsonValueFor(specs.get(k)!).map((w) => [k, w] as const))))
  })

fuzz('a line written in a generated JSON format parses back to its values (or is json-not-access-log without a time and two more fields of ours)',
  fc.property(jsonFormatAndLine, ([plan, values]) => {
    const line = JSON.stringify(Object.fromEntries(values.map(([k, w]) => [k, w.value])))
    // JSON objects keep integer-like keys first: the line's own key order decides which of two keys for one field wins.
    const byKey = new Map(values)
    const fields: Fields = {}
    for (const key of Object.keys(JSON.parse(line) as object)) byKey.get(key)!.set(fields, key)
    const src = source()
    const ours = values.filter(([k]) => plan.keys.get(k)!.field !== null).length
    deepStrictEqual(plainExtra(new AccessLogParser(plan).parse(line, src)), ours >= 3 ? {...fields, source: src, format: 'custom-json'} : 'json-not-access-log')
  }))
