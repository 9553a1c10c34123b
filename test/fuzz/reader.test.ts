// The reader (src/core/accesslog/reader.ts): lines split from chunks, envelopes taken off, each line
// parsed or skipped. However the text is cut into chunks, the entries, the skips and the counts are those
// of reading it in one piece; every line read is counted once, parsed or skipped (`parsed + skipped =
// lines read`), numbered 1, 2, 3, …; a line over the limit is 'too-long'; NDJSON output is the entries.

import {deepStrictEqual} from 'node:assert/strict'

import fc from 'fast-check'

import {PRESETS} from '../../src/core/accesslog/formats.js'
import {type Plan, compileFormat} from '../../src/core/accesslog/parse-line.js'
import {AccessLogReader, type ReadOptions} from '../../src/core/accesslog/reader.js'
import type {AccessLogEntry} from '../../src/core/model.js'
import {type LineStats, type SkippedLine, newLineStats} from '../../src/core/result.js'
import {stringifySafe} from '../../src/core/text/json.js'
import {LOG_LINES} from './corpus.js'
import {builtScanner} from '../helpers/scanner.js'
import {READER_SKIPS, check} from './entries.js'
import {OUTCOMES_CHECKED_FROM, fuzz} from './fuzz.js'
import {anyText, chunked, decodedBytes, mutated} from './mutate.js'

interface Read {
  entries: AccessLogEntry[]
  skipped: SkippedLine[]
  ndjson: string
  stats: LineStats
}

const utf8 = new TextDecoder('utf-8', {fatal: true})
const scanner = builtScanner()

function read(chunks: string[], options: ReadOptions = {}): Read {
  const stats = newLineStats()
  const reader = new AccessLogReader('fuzz.log', stats, options)
  const out: Read = {entries: [], skipped: [], ndjson: '', stats}
  for (const batch of [...chunks.map((c) => reader.push(c)), reader.end()]) {
    out.entries.push(...batch.entries)
    out.skipped.push(...batch.skipped)
    out.ndjson += utf8.decode(batch.ndjson)
  }
  return out
}

/** The lines of a text as the splitter must see them: split on \n, a trailing \r dropped, no empty last line. */
function linesOf(text: string): string[] {
  const lines = text.split('\n')
  if (lines.at(-1) === '') lines.pop()
  return lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l))
}

/**
 * Every line read is exactly one entry or one skip, numbered from `firstLine` with no gap; the counts
 * agree with the lists; a line over `maxLine` is 'too-long' and keeps no text; a skip keeps its line's
 * text (cut to the preview), except blank lines.
 */
function expectAccounting(text: string, r: Read, {maxLine, firstLine = 1, preview = 1000}: {maxLine: number; firstLine?: number; preview?: number}): void {
  const lines = linesOf(text)
  const {stats} = r
  check(stats.linesRead === lines.length, () => `${stats.linesRead} lines read, the text has ${lines.length}`)
  check(stats.parsed + stats.skipped === stats.linesRead, () => `parsed ${stats.parsed} + skipped ${stats.skipped} ≠ read ${stats.linesRead}`)
  check(r.entries.length === stats.parsed && r.skipped.length === stats.skipped, () => 'the lists and the counts disagree')
  const numbers = [...r.entries.map((e) => e.source.line), ...r.skipped.map((s) => s.line)].sort((a, b) => a - b)
  numbers.forEach((n, i) => check(n === firstLine + i, () => `line numbers ${JSON.stringify(numbers)} are not ${firstLine}, ${firstLine + 1}, …`))
  for (const s of r.skipped) {
    check(READER_SKIPS.includes(s.reason), () => `unknown skip reason ${s.reason}`)
    const line = lines[s.line - firstLine]!
    if (line.length > maxLine) check(s.reason === 'too-long' && s.text === undefined, () => `line ${s.line} (${line.length} > ${maxLine} chars) skipped as ${s.reason}`)
    else if (s.reason === 'blank') check(s.text === undefined, () => `blank line ${s.line} keeps text`)
    else check(s.text === (line.length > preview ? `${line.slice(0, preview)}…` : line), () => `skip of line ${s.line} keeps ${JSON.stringify(s.text)}`)
  }
  for (const e of r.entries) check(lines[e.source.line - firstLine]!.length <= maxLine, () => `line ${e.source.line} is over the limit but parsed`)
}

const cuts = fc.array(fc.nat(), {maxLength: 16})
// eslint-disable-next-line no-control-regex
const ACTING = /[\x00-\x1f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/
const PLANS: (Plan | undefined)[] = [undefined, ...PRESETS.map((p) => {
  const plan = compileFormat(p.name)
  if (!plan.ok) throw new Error(`preset ${p.name} does not compile`)
  return plan.value
})]

fuzz('any bytes decoded as UTF-8, cut into any chunks: the same entries, skips and counts as in one piece; every line counted once',
  fc.property(fc.oneof(decodedBytes(600), anyText(600)), cuts, (text, at) => {
    const whole = read([text])
    deepStrictEqual(read(chunked(text, at)), whole)
    expectAccounting(text, whole, {maxLine: 1 << 20})
  }))

/** A log of real lines (with their kubectl/stern envelopes), some mutated, CRLF or LF, maybe no final newline. */
const log = fc
  .tuple(
    fc.array(fc.oneof({arbitrary: fc.constantFrom(...LOG_LINES), weight: 3}, mutated(LOG_LINES, 2), fc.constantFrom('', ' ', '\r', '\t')), {maxLength: 12}),
    fc.constantFrom('\n', '\r\n'),
    fc.boolean(),
  )
  .map(([lines, eol, last]) => lines.join(eol) + (last && lines.length > 0 ? eol : ''))

const outcomes = {entries: 0, skips: 0}
fuzz('a log of real and mutated lines, any format pinned or none, any line limit, cut anywhere: the same as in one piece; every line counted once; NDJSON is the entries',
  fc.property(log, cuts, fc.constantFrom(...PLANS), fc.oneof(fc.constant(1 << 20), fc.integer({min: 0, max: 400})), fc.integer({min: 1, max: 1_000_000}), (text, at, plan, maxLine, firstLine) => {
    const base = {maxLine, ...(plan ? {plan} : {})}
    const whole = read([text], base)
    expectAccounting(text, whole, base)
    outcomes.entries += whole.entries.length
    outcomes.skips += whole.skipped.length
    // In chunks, and as a later block of an input (the parallel reader numbers it from its first line):
    // the same entries and skips, only numbered from firstLine.
    const pieces = read(chunked(text, at), {...base, firstLine})
    expectAccounting(text, pieces, {maxLine, firstLine})
    const renumber = (n: number) => n - firstLine + 1
    deepStrictEqual(pieces.entries.map((e) => ({...e, source: {...e.source, line: renumber(e.source.line)}})), whole.entries)
    deepStrictEqual(pieces.skipped.map((s) => ({...s, line: renumber(s.line)})), whole.skipped)
    deepStrictEqual({...pieces.stats, firstSkipped: {}}, {...whole.stats, firstSkipped: {}})
    // `parse` prints Batch.ndjson: the entries, one JSON object per line, losslessly, with nothing a
    // terminal acts on left raw (JSON.stringify escapes C0; DEL, C1, bidi overrides and U+2028/9 too).
    const ndjson = read(chunked(text, at), {...base, ndjson: true})
    deepStrictEqual(ndjson.stats, whole.stats)
    // The WebAssembly scanner writes the rows of the lines it is sure of: the very same bytes.
    const scanned = read(chunked(text, at), {...base, ndjson: true, scanner})
    deepStrictEqual(scanned.stats, whole.stats)
    check(scanned.ndjson === ndjson.ndjson, () => `the scanner's NDJSON differs:\n${scanned.ndjson}\n${ndjson.ndjson}`)
    check(ndjson.entries.length === 0 && (ndjson.ndjson === '' || ndjson.ndjson.endsWith('\n')), () => 'NDJSON mode gave entries, or a row without its newline')
    const rows = ndjson.ndjson.split('\n').slice(0, -1)
    check(rows.length === whole.entries.length, () => `${rows.length} NDJSON lines for ${whole.entries.length} entries`)
    rows.forEach((row, i) => {
      check(!ACTING.test(row), () => `NDJSON line ${i + 1} holds a raw control character: ${JSON.stringify(row)}`)
      // Joined from the line's fields, it must be exactly what JSON.stringify writes.
      check(row === stringifySafe(whole.entries[i]), () => `NDJSON line ${i + 1} is not JSON.stringify's:\n${row}\n${stringifySafe(whole.entries[i])}`)
    })
  }),
  {
    after: () => {
      if (outcomes.entries + outcomes.skips < OUTCOMES_CHECKED_FROM) return
      check(outcomes.entries > 0 && outcomes.skips > 0, () => `entries ${outcomes.entries}, skips ${outcomes.skips}: the logs reached only one outcome`)
    },
  })
