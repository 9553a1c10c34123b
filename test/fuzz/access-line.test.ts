// The access-log line parser (src/core/accesslog/parse-line.ts), per line: with detection and with each
// preset pinned, text and JSON. Any line is an entry of the documented shape or a skip reason; a parsed
// line written back and parsed again gives the same entry; a line gets the same answer whatever the
// parser read before it; and a line written from a preset with generated values parses back to them.

import {deepStrictEqual} from 'node:assert/strict'

import fc from 'fast-check'
import {describe} from 'vitest'

import type {TextPlan} from '../../src/core/accesslog/compile.js'
import {ISTIO_JSON_KEYS, PRESETS, TLS_JSON_KEYS} from '../../src/core/accesslog/formats.js'
import {type JsonPlan, defaultJsonPlan} from '../../src/core/accesslog/parse-json.js'
import {AccessLogParser, type Plan, compileFormat} from '../../src/core/accesslog/parse-line.js'
import {readStartTime} from '../../src/core/accesslog/start-time.js'
import type {AccessLogEntry, SourceRef} from '../../src/core/model.js'
import type {SkipReason} from '../../src/core/result.js'
import {ACCESS_LINES, JSON_ACCESS_LINES} from './corpus.js'
import {DETECTED_FORMATS, PARSER_SKIPS, check, expectEntryShape, withoutSource} from './entries.js'
import {OUTCOMES_CHECKED_FROM, fuzz} from './fuzz.js'
import {anyText, decodedBytes, mutated} from './mutate.js'
import {endsAtSeparator, renderedLine, writeEntry, writeValue} from './render.js'

const source = (): SourceRef => ({input: 'fuzz.log', line: 7})

function planOf(name: string): Plan {
  const plan = compileFormat(name)
  if (!plan.ok) throw new Error(`preset ${name} does not compile: ${plan.detail}`)
  return plan.value
}
const PLANS: Record<string, Plan> = Object.fromEntries(PRESETS.map((p) => [p.name, planOf(p.name)]))
const TEXT_PRESETS = PRESETS.filter((p) => p.encoding === 'text').map((p) => p.name)
const DEFAULT_JSON = defaultJsonPlan()

// Parsers are reused across runs (a new one compiles the JSON keys: ~150 µs). Which lines a parser met
// before must not matter; the history property below checks exactly that.
const DETECT = new AccessLogParser()
const PINNED: Record<string, AccessLogParser> = Object.fromEntries(PRESETS.map((p) => [p.name, new AccessLogParser(PLANS[p.name])]))

type Answer = AccessLogEntry | SkipReason
const comparable = (r: Answer) => (typeof r === 'string' ? r : withoutSource(r))

/** Parses and checks the answer's shape; returns the entry, or null for a skip. */
function parseChecked(line: string, preset?: string): AccessLogEntry | null {
  const src = source()
  const plan = preset === undefined ? undefined : PLANS[preset]
  const r = (preset === undefined ? DETECT : PINNED[preset]!).parse(line, src)
  if (typeof r === 'string') {
    check(PARSER_SKIPS.includes(r), () => `unknown skip reason ${r}`)
    return null
  }
  const isText = plan ? plan.kind === 'text' : line.charCodeAt(0) !== 0x7b
  expectEntryShape(r, src, isText ? {textLine: line} : {})
  if (plan) check(r.format === plan.name, () => `format ${r.format} under --format ${plan.name}`)
  else check(DETECTED_FORMATS.includes(r.format), () => `detection named format ${r.format}`)
  return r
}

/** Writes a parsed text entry back as a line of the plan that read it and parses that: the same entry. */
function expectWriteBackStable(entry: AccessLogEntry): void {
  const plan = PLANS[entry.format]
  if (plan?.kind !== 'text') return
  const line = writeEntry(entry, plan)
  const again = PINNED[entry.format]!.parse(line, source())
  check(typeof again !== 'string', () => `the entry written back (${JSON.stringify(line)}) is skipped as ${String(again)}`)
  deepStrictEqual(withoutSource(again), withoutSource(entry))
}

/**
 * Did the parser read the line at its first alignment, every field up to the first occurrence of its
 * separator? Otherwise a free-text field swallowed a separator (a user-agent holding `" "`): detection
 * takes such a reading only when no preset reads the line cleanly.
 */
function isCleanMatch(entry: AccessLogEntry): boolean {
  const plan = PLANS[entry.format]
  if (plan?.kind !== 'text') return true
  return plan.steps.every((step, i) => i === plan.steps.length - 1 || step.spec.kind !== 'text' || endsAtSeparator(writeValue(entry, step.spec), step.sep))
}

function outcomes() {
  const seen = {parsed: 0, skipped: 0}
  return {
    count: (e: AccessLogEntry | null) => void (e ? seen.parsed++ : seen.skipped++),
    expectBoth: () => {
      if (seen.parsed + seen.skipped < OUTCOMES_CHECKED_FROM) return
      check(seen.parsed > 0, () => 'no input parsed: the property only exercised skips')
      check(seen.skipped > 0, () => 'no input was skipped: the mutations never broke a line')
    },
  }
}

describe('detection (no --format)', () => {
  fuzz('any text, or any bytes decoded as UTF-8, is an entry of the documented shape or a skip reason',
    fc.property(fc.oneof(anyText(400), decodedBytes(400)), (line) => void parseChecked(line)))

  const mutations = outcomes()
  fuzz('real lines mutated (cut, spliced, quotes, controls, fields duplicated or dropped): an entry or a skip; written back, the same entry',
    fc.property(mutated(ACCESS_LINES), (line) => {
      const entry = parseChecked(line)
      mutations.count(entry)
      if (entry) expectWriteBackStable(entry)
    }),
    {after: mutations.expectBoth})
})

// ---- history ----------------------------------------------------------------------------------------

// Detection tries first the preset that matched the previous line. One parser per text preset shape,
// each having just read a line of that shape, covers every state that choice can be in; each run puts
// the line to one of them, and to a parser that read random lines before it.
const SHAPES = DETECTED_FORMATS.filter((f) => PLANS[f]?.kind === 'text')
const SEASONING = SHAPES.map((name) => {
  const [rendered] = fc.sample(renderedLine(PLANS[name] as TextPlan, 'realistic'), {numRuns: 1, seed: 42})
  const parser = new AccessLogParser()
  const r = parser.parse(rendered!.line, source())
  if (typeof r === 'string' || r.format !== name) throw new Error(`seasoning line for ${name} is read as ${typeof r === 'string' ? r : r.format}`)
  return {parser, line: rendered!.line}
})

/** The line's answer from one detection state (the `state`-th seasoned parser), and from a parser that read `before` first. */
function answersAfter(line: string, state: number, before: string[]): Answer[] {
  const {parser, line: seasoning} = SEASONING[state % SEASONING.length]!
  parser.parse(seasoning, source())
  const answers = [parser.parse(line, source())]
  for (const b of before) DETECT.parse(b, source())
  answers.push(DETECT.parse(line, source()))
  return answers
}

const historyInput = fc.tuple(
  fc.oneof(mutated(ACCESS_LINES, 2), fc.constantFrom(...ACCESS_LINES)),
  fc.nat(),
  fc.array(fc.oneof(fc.constantFrom(...ACCESS_LINES), mutated(ACCESS_LINES, 1)), {minLength: 1, maxLength: 3}),
)

/**
 * The readings a text line has: each preset shape pinned, split into those read at the first alignment
 * (clean) and those that needed a free-text field to swallow a separator. Detection prefers clean ones.
 */
function readings(line: string): {clean: AccessLogEntry[]; swallowed: AccessLogEntry[]} {
  const out = {clean: [] as AccessLogEntry[], swallowed: [] as AccessLogEntry[]}
  if (line.charCodeAt(0) !== 0x5b /* [ */) return out
  for (const name of SHAPES) {
    const r = PINNED[name]!.parse(line, source())
    if (typeof r !== 'string') (isCleanMatch(r) ? out.clean : out.swallowed).push(r)
  }
  return out
}

const ISTIO_1_2_SPACE_IN_PATH =
  '[2024-06-21T19:00:00.000Z] "GET /a b HTTP/1.1" 200 - "-" "-" 0 26000 39 38 "-" "okhttp/4.12.0" "c3aad2ff-a383-4c0b-bb13-c41a0f4d5d9c" "crl3.digicert.com" "72.21.91.29:80" outbound|80||crl3.digicert.com 10.244.1.31:58949 72.21.91.29:80 10.244.1.31:38312 -'
const ISTIO_1_1_LINE =
  '[2024-06-21T19:00:00.000Z] "GET /DigiCertGlobalG2TLSRSASHA2562020CA1-1.crl HTTP/1.1" 200 - "-" 0 26000 39 38 "-" "okhttp/4.12.0" "c3aad2ff-a383-4c0b-bb13-c41a0f4d5d9c" "crl3.digicert.com" "72.21.91.29:80" outbound|80||crl3.digicert.com 10.244.1.31:58949 72.21.91.29:80 10.244.1.31:38312 -'
const FITS_1_8_AND_1_2 =
  '[2024-06-21T19:00:01.545Z] "GET / HTTP/2" 200 - "-" 0 833 66 66 "10.244.1.40" " 0 - "-" 1284 10130 518 - "-" "-" "-" "-" "140.82.113.6:443" x 10.244.0.7:58819 140.82.114.6:443 10.244.0.7:58854 api.github.com'
const ISTIO_1_2_LINE = ISTIO_1_2_SPACE_IN_PATH.replace('/a b', '/')

// Found by this property and fixed in d56caf7: a line no preset fits cleanly, but several fit once a
// free-text field swallows a separator, was read as the first of those *in sticky order*: the Istio 1.2
// line with a space in its path (the first example) was istio-1.1 right after an istio-1.1 line.
fuzz('a line gets the reading --format gives: its first clean reading (in PRESETS order), or else the first that swallowed a separator, whatever lines the parser read before it',
  fc.property(historyInput, ([line, state, before]) => {
    const answers = answersAfter(line, state, before)
    const {clean, swallowed} = readings(line)
    for (const r of answers) deepStrictEqual(comparable(r), comparable(answers[0]!))
    const reading = clean[0] ?? swallowed[0]
    if (reading) deepStrictEqual(comparable(answers[0]!), withoutSource(reading))
  }),
  {examples: [[[ISTIO_1_2_SPACE_IN_PATH, 0, [ISTIO_1_1_LINE]]]]})

// Found by `npm run fuzz`: a line that fits several presets cleanly (quotes inside a quoted value, which
// Envoy does not escape, can do it) was read as the first that fit *in sticky order*, so the same line
// got different fields depending on the line before it (istio-1.8 for a fresh parser, istio-1.2 after an
// istio-1.2 line), and the parallel reader could read it differently from the serial one.
fuzz('any line gets the same answer whatever lines the parser read before it',
  fc.property(historyInput, ([line, state, before]) => {
    const [first, ...rest] = answersAfter(line, state, before)
    for (const r of rest) deepStrictEqual(comparable(r), comparable(first!))
  }),
  {examples: [[[FITS_1_8_AND_1_2, 0, [ISTIO_1_2_LINE]]]]})

// ---- pinned presets and round trips -----------------------------------------------------------------

describe('pinned format (--format PRESET)', () => {
  // What a pinned parser mostly meets: lines of its own format (from the corpus, and written with
  // realistic values), whole or mutated; and lines of anything else.
  const LINES_OF: Record<string, string[]> = Object.fromEntries(
    PRESETS.map((p) => {
      const own = ACCESS_LINES.filter((l) => typeof PINNED[p.name]!.parse(l, source()) !== 'string')
      const written = p.encoding === 'text' ? fc.sample(renderedLine(PLANS[p.name] as TextPlan, 'realistic'), {numRuns: 5, seed: 7}).map((r) => r.line) : []
      return [p.name, [...own, ...written]]
    }),
  )
  const pinnedLine = fc
    .constantFrom(...PRESETS.map((p) => p.name))
    .chain((name) => fc.tuple(fc.constant(name), fc.oneof(anyText(300), mutated(ACCESS_LINES), mutated(LINES_OF[name]!), fc.constantFrom(...LINES_OF[name]!))))
  const pinned = outcomes()
  fuzz('each preset, text or JSON, on any text or a mutated real line: an entry in that format or a skip; written back, the same entry',
    fc.property(pinnedLine, ([name, line]) => {
      const entry = parseChecked(line, name)
      pinned.count(entry)
      if (entry) expectWriteBackStable(entry)
    }),
    {after: pinned.expectBoth})

  const presetLine = (style: 'any' | 'realistic') =>
    fc.constantFrom(...TEXT_PRESETS).chain((name) => fc.tuple(fc.constant(name), renderedLine(PLANS[name] as TextPlan, style)))

  fuzz('each text preset reads back the values of a line written in it (any values: quotes, controls, separators of other fields)',
    fc.property(presetLine('any'), ([name, {line, fields}]) => {
      const src = source()
      deepStrictEqual(PINNED[name]!.parse(line, src), {...fields, source: src, format: name})
    }))

  // Realistic values (no quotes in headers, one word per token): with hostile ones a line can fit two
  // presets cleanly, and which one it is read as is then a choice, not a fact.
  const SHAPE_OF: Record<string, string> = Object.fromEntries(PRESETS.map((p) => [p.name, p.sameShapeAs ?? p.name]))
  fuzz('detection reads a line written by a text preset with realistic values as that preset (or its same-shape twin), with the same values',
    fc.property(presetLine('realistic'), ([name, {line, fields}]) => {
      const src = source()
      deepStrictEqual(DETECT.parse(line, src), {...fields, source: src, format: SHAPE_OF[name]})
    }))
})

// ---- JSON lines ---------------------------------------------------------------------------------------

const JSON_KEYS = {...ISTIO_JSON_KEYS, ...TLS_JSON_KEYS}
const jsonScalar = fc.oneof(
  fc.constantFrom(null, '-', '', '0', '200', '-1', '1.5', 'UH,URX', 'HTTP/1.1', '2024-06-21T19:24:00.453Z', '2024-02-30T00:00:00Z', '2024-06-21T19:24:00.453+05:30'),
  fc.string({unit: 'binary', maxLength: 20}),
  fc.integer({min: -5, max: 70_000}),
  fc.constantFrom(2 ** 53 - 1, 2 ** 53, 2 ** 53 + 2, 1e300, -0),
  fc.double(),
  fc.boolean(),
)
const jsonValue = fc.oneof({arbitrary: jsonScalar, weight: 5}, fc.array(jsonScalar, {maxLength: 3}), fc.dictionary(fc.string({maxLength: 4}), jsonScalar, {maxKeys: 2}))
const validTime = fc.integer({min: 0, max: Date.UTC(9998, 0, 1)}).map((ms) => new Date(ms).toISOString())
/** A well-typed value for each key, as Envoy writes it (numbers as numbers or digit strings, `-` or null unset). */
function typedValue(key: string): fc.Arbitrary<unknown> {
  const kind = DEFAULT_JSON.keys.get(key)?.kind
  const unset = fc.constantFrom(null, '-')
  switch (kind) {
    case 'time':
      return validTime
    case 'int':
      return fc.oneof(unset, fc.nat(), fc.nat().map(String))
    case 'flags':
      return fc.oneof(unset, fc.constantFrom('UH', 'UH,URX', 'NR'))
    default:
      return fc.oneof(unset, fc.string({unit: 'binary', maxLength: 20}), fc.nat())
  }
}
/**
 * An access-log-shaped object: the preset keys with well-typed values (the time always there), then up
 * to three keys given values of any type, and unknown keys.
 */
const accessObject = fc
  .tuple(
    fc.record(Object.fromEntries(Object.keys(JSON_KEYS).map((k) => [k, typedValue(k)])), {requiredKeys: ['start_time'], noNullPrototype: true}),
    fc.dictionary(fc.constantFrom(...Object.keys(JSON_KEYS)), jsonValue, {maxKeys: 3}),
    fc.dictionary(fc.string({unit: 'binary', maxLength: 10}), jsonValue, {maxKeys: 3}),
  )
  .map(([typed, anyTyped, unknown]) => ({...unknown, ...typed, ...anyTyped}))

/** Writes a JSON entry back under the plan's keys (unknown keys from `extra`) and parses it: the same entry. */
function expectJsonWriteBackStable(entry: AccessLogEntry, preset: string | undefined): void {
  const keys = (preset === undefined ? DEFAULT_JSON : (PLANS[preset] as JsonPlan)).keys
  const obj: Record<string, unknown> = {...entry.extra}
  for (const [key, spec] of keys) {
    if (spec.field === null || !(spec.field in entry)) continue
    const value = spec.kind === 'time' ? entry.startTime : entry[spec.field]
    obj[key] = Array.isArray(value) ? (value.length === 0 ? '-' : value.join(',')) : value
  }
  const again = (preset === undefined ? DETECT : PINNED[preset]!).parse(JSON.stringify(obj), source())
  check(typeof again !== 'string', () => `the entry written back is skipped as ${String(again)}`)
  deepStrictEqual(withoutSource(again), withoutSource(entry))
}

describe('JSON lines', () => {
  const json = outcomes()
  fuzz('an object under the access-log keys with values of any type: an entry of the documented shape or a skip; written back, the same entry',
    fc.property(accessObject, fc.constantFrom(undefined, 'istio-json', 'egress-audit-json'), (obj, preset) => {
      const entry = parseChecked(JSON.stringify(obj), preset)
      json.count(entry)
      if (entry) expectJsonWriteBackStable(entry, preset)
    }),
    {after: json.expectBoth})

  fuzz('real JSON lines mutated: an entry or a skip',
    fc.property(mutated(JSON_ACCESS_LINES), fc.constantFrom(undefined, 'istio-json'), (line, preset) => void parseChecked(line, preset)))
})

// Found by this file (a key "__proto__" set the prototype of `extra` and vanished); fixed in 0c7bf43.
fuzz('every unknown key of a JSON access line is kept under extra, "__proto__" too',
  fc.property(fc.dictionary(fc.string({maxLength: 10}), fc.string({maxLength: 5}), {minKeys: 1, maxKeys: 3}), (unknown) => {
    const known = {start_time: '2024-06-21T19:24:00.453Z', method: 'GET', path: '/', response_code: 200}
    fc.pre(Object.keys(unknown).every((k) => !Object.hasOwn(known, k)))
    const r = DETECT.parse(JSON.stringify({...known, ...unknown}), source())
    check(typeof r !== 'string', () => `skipped as ${String(r)}`)
    deepStrictEqual(Object.keys(r.extra ?? {}).sort(), Object.keys(unknown).sort())
  }),
  {examples: [[JSON.parse('{"__proto__": "x"}') as Record<string, string>]]})

// ---- START_TIME ----------------------------------------------------------------------------------

// Both found by this file and fixed in 0c7bf43: years 0–99 were read as 1900–1999 (Date.UTC), and
// fraction digits past the millisecond that were all nines rounded up into the next millisecond (or day).
fuzz('START_TIME of any year 0000–9999 reads as the instant it names',
  fc.property(fc.date({min: new Date('0000-01-01T00:00:00.000Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true}), (d) => {
    deepStrictEqual(readStartTime(d.toISOString()), d.getTime())
  }),
  {examples: [[new Date('0050-01-01T00:00:00.000Z')]]})

fuzz('START_TIME with any number of fraction digits truncates to the millisecond',
  fc.property(fc.date({min: new Date(0), max: new Date('9998-12-31T00:00:00.000Z'), noInvalidDate: true}), fc.string({unit: fc.constantFrom('0', '5', '9'), minLength: 1, maxLength: 6}), (d, more) => {
    const text = d.toISOString().replace('Z', `${more}Z`)
    deepStrictEqual(readStartTime(text), d.getTime())
  }),
  {examples: [[new Date(0), '999999'], [new Date('2024-12-31T23:59:59.999Z'), '999999']]})
