// The NDJSON writer (src/core/accesslog/ndjson.ts) writes `parse`'s rows from a matched plain line's
// fields. Its contract is to write exactly what JSON.stringify (through stringifySafe) writes for the
// entry the builder makes: checked here on every fixture and on the edges of the fast path (quotes,
// backslashes, non-ASCII, control characters, CRLF, numbers, flags, envelopes, lines across chunks,
// formats whose keys JSON.stringify would reorder).

import {readdirSync, readFileSync, statSync} from 'node:fs'
import {join} from 'node:path'

import {describe, expect, test} from 'vitest'

import {PRESETS} from '../../../src/core/accesslog/formats.js'
import {compileFormat} from '../../../src/core/accesslog/parse-line.js'
import {AccessLogReader, type ReadOptions} from '../../../src/core/accesslog/reader.js'
import type {Scanner} from '../../../src/core/accesslog/scanner.js'
import {newLineStats} from '../../../src/core/result.js'
import {stringifySafe} from '../../../src/core/text/json.js'
import {FORMATS, generateLog} from '../../bench/generate.mjs'
import {builtScanner} from '../../helpers/scanner.js'

const utf8 = new TextDecoder('utf-8', {fatal: true})

/**
 * The NDJSON the reader writes (fed in chunks of `chunk` characters) with and without the WebAssembly
 * scanner, and the NDJSON of its entries through JSON.stringify: `written` when the first two agree.
 */
function both(text: string, options: ReadOptions = {}, input = 'w.log', chunk = text.length): {written: string; stringified: string; scanned: number} {
  const rows = (scanner?: Scanner) => {
    const reader = new AccessLogReader(input, newLineStats(), {...options, ndjson: true, scanner})
    let out = ''
    const batches = []
    for (let at = 0; at < text.length; at += Math.max(1, chunk)) batches.push(reader.push(text.slice(at, at + chunk)))
    for (const batch of [...batches, reader.end()]) out += utf8.decode(batch.ndjson)
    return out
  }
  const scanner = builtScanner()
  const joined = rows()
  const scannedRows = rows(scanner)
  const written = scannedRows === joined ? joined : `the scanner wrote:\n${scannedRows}\nthe JavaScript path:\n${joined}`
  const asEntries = new AccessLogReader(input, newLineStats(), options)
  let stringified = ''
  for (const batch of [asEntries.push(text), asEntries.end()]) for (const e of batch.entries) stringified += `${stringifySafe(e)}\n`
  return {written, stringified, scanned: scanner.rowsWritten}
}

const LINE = `[2024-06-21T19:24:00.453Z] "GET /headers HTTP/2" 200 - via_upstream - "-" 0 1450 57 57 "10.244.0.7" "curl/7.83.1-DEV" "51ed62d9-1da8-4250-9923-df406ca9fd57" "httpbin.org" "3.213.1.197:80" outbound|80||httpbin.org 10.244.0.6:41144 10.244.0.6:8080 10.244.0.7:55490 - -`
const withAgent = (agent: string) => LINE.replace('curl/7.83.1-DEV', agent)

function* files(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) yield* files(path)
    else if (/\.(log|txt)$/.test(name)) yield path
  }
}

describe('the same bytes as JSON.stringify', () => {
  test.each([...files('fixtures')])('%s', (path) => {
    const {written, stringified} = both(readFileSync(path, 'utf8'), {}, path)
    expect(written).toBe(stringified)
  })

  test.each([
    ['a quote in a value (read by backtracking)', withAgent('say "hi"')],
    ['a backslash', withAgent('C:\\agent')],
    ['non-ASCII', withAgent('agent/1.0 (Ünïcode; 日本語; 😀)')],
    ['C0 and C1 controls, DEL, a bidi override', withAgent('a\u0001b\u0085c\u007fd\u202ee')],
    ['a lone surrogate', withAgent('x\ud800y')],
    ['numbers with leading zeros', LINE.replace(' 0 1450 57 57 ', ' 000 0001450 0 00057 ')],
    ['a 15-digit number', LINE.replace(' 0 1450 57 57 ', ' 999999999999999 1000000000 4294967296 2147483648 ')],
    ['a year before 1970 (negative epoch ms)', LINE.replace('2024-06-21', '0042-06-21')],
    ['flags', LINE.replace('200 - via_upstream', '503 UF,URX,NoHealthyUpstream via_upstream')],
    ['an empty flag', LINE.replace('200 - via_upstream', '503 UF,,URX, via_upstream')],
    ['an alt_stat_name cluster', LINE.replace('outbound|80||httpbin.org', 'outbound|80||httpbin.org;')],
    ['a long value', withAgent('é'.repeat(200_000))],
    ['a long plain value', withAgent('a'.repeat(200_000))],
    ['a tab', withAgent('a\tb')],
    ['a carriage return inside the line', withAgent('a\rb')],
    ['a quote in the protocol', LINE.replace('HTTP/2"', 'HTTP/2"x"')],
    ['a quote in the path', LINE.replace('/headers', '/a"b')],
    ['a value that is the last quote of the line (found by the fuzzer)', LINE.replace('outbound|80||httpbin.org 10.244.0.6:41144', '" 10.244.0.6:41144')],
    ['the replacement character of an invalid byte', withAgent('a\ufffdb')],
  ])('%s', (_name, line) => {
    const {written, stringified} = both(`${line}\n`)
    expect(stringified).not.toBe('')
    expect(written).toBe(stringified)
  })

  test('kubectl --prefix and --timestamps, stern: the envelope keys in the order they were set', () => {
    const text = [
      `[pod/istio-egressgateway-6c9b5d8f6d-x2x9q/istio-proxy] 2024-06-21T19:24:00.453716513Z ${LINE}`,
      `[pod/curl-7d9f8b6c4d-m5wlt/istio-proxy] ${LINE}`,
      `2024-06-21T19:24:00.453716513Z ${LINE}`,
      `curl-7d9f8b6c4d-m5wlt istio-proxy ${LINE}`,
      JSON.stringify({message: LINE, podName: 'curl-7d9f8b6c4d-m5wlt', containerName: 'istio-proxy', namespace: 'default'}),
    ].join('\n')
    const {written, stringified} = both(text)
    expect(stringified.split('\n').length).toBeGreaterThan(4)
    expect(written).toBe(stringified)
  })

  test('an input name that is not ASCII: the batch is written as UTF-8', () => {
    const {written, stringified} = both(`${LINE}\n${LINE}\n`, {}, 'журнал-日本.log')
    expect(written).toContain('журнал-日本.log')
    expect(written).toBe(stringified)
  })

  test('an input name that needs escaping', () => {
    const {written, stringified} = both(`${LINE}\n`, {}, 'dir "a"\\\u001b[31m.log')
    expect(written).toBe(stringified)
  })

  test('a custom format with operators outside the model (extra) goes the generic way, with the same result', () => {
    const plan = compileFormat('[%START_TIME%] %REQ(:AUTHORITY)% %UPSTREAM_CLUSTER% %REQ(X-CUSTOM)%')
    if (!plan.ok) throw new Error(plan.detail)
    const {written, stringified} = both('[2024-06-21T19:24:00.453Z] httpbin.org outbound|80||httpbin.org hello\n', {plan: plan.value})
    expect(stringified).toContain('"extra"')
    expect(written).toBe(stringified)
  })
})

describe('the WebAssembly scanner', () => {
  test('writes the rows of the plain lines, bare and behind a kubectl --prefix; the JavaScript path the others, in order', () => {
    const text = [
      LINE,
      `[pod/istio-egressgateway-6c9b5d8f6d-x2x9q/istio-proxy] ${LINE}`,
      withAgent('say "hi"'), // a quote in a value: the JavaScript path weighs the other formats
      `[pod/curl-1/] ${LINE}`, // a prefix without a container name
      LINE.replace(' 0 1450 57 57 ', ' 000 0017 0 00057 '),
      LINE.replace('200 - via_upstream', '503 UF,,URX via_upstream'),
      LINE.replace('outbound|80||httpbin.org', 'outbound|80||httpbin.org;'),
      LINE.replace('2024-06-21T19:24:00.453Z', '0042-02-29T23:59:60.999999+14:00'), // not a leap year: skipped
      LINE.replace('2024-06-21T19:24:00.453Z', '2024-02-29 23:59:60,5-01:30'),
      LINE.replace('2024-06-21T19:24:00.453Z', '1969-12-31T23:59:59Z'),
      `2024-06-21T19:24:00.453716513Z ${LINE}`, // kubectl --timestamps
      `[pod/gw-1/istio-proxy] 2024-06-21T19:24:00Z ${LINE}`, // --prefix and --timestamps
      `2024-06-21T19:24:00.1+09:00 ${LINE}`,
      `2024-06-21T19:24:00.4537165131Z ${LINE}`, // ten fraction digits: not a stamp
      `2024-06-21T19:24:00.Z ${LINE}`,
      `06-21 19:24:00 ${LINE}`, // stern's short time: the JavaScript path
      `2024-06-21T19:24:00Z  ${LINE}`, // two spaces
      `[pod/a/b]${LINE}`, // no space after the prefix: an envelope that cannot be read
      '',
      LINE,
    ].join('\n')
    const {written, stringified, scanned} = both(`${text}\n`)
    expect(written).toBe(stringified)
    expect(scanned).toBeGreaterThanOrEqual(11)
  })

  test.each([...PRESETS.filter((p) => p.encoding === 'text').map((p) => p.name)])('every line of the fixtures, pinned to %s', (name) => {
    const plan = compileFormat(name)
    if (!plan.ok) throw new Error(plan.detail)
    for (const path of files('fixtures')) {
      const r = both(readFileSync(path, 'utf8'), {plan: plan.value}, path, 4096)
      expect(r.written, path).toBe(r.stringified)
    }
  })

  test.each(FORMATS.filter((f) => f !== 'istio-json'))('generated %s lines of every scenario, a share behind kubectl prefixes and timestamps', (format) => {
    let text = ''
    for (const line of generateLog({lines: 600, seed: 11, formats: [format], withExpected: false})) text += `${line.text}\n`
    const r = both(text, {}, 'gen.log', 32 * 1024)
    expect(r.written).toBe(r.stringified)
    expect(r.scanned).toBeGreaterThan(300)
  })

  test('the fixtures as detected: most rows are the scanner\'s', () => {
    let scanned = 0
    let rows = 0
    for (const path of files('fixtures')) {
      const r = both(readFileSync(path, 'utf8'), {}, path, 1000)
      expect(r.written, path).toBe(r.stringified)
      scanned += r.scanned
      rows += r.stringified.split('\n').length - 1
    }
    expect(scanned).toBeGreaterThan(rows / 3)
  })
})

describe('lines across chunks, CRLF, mixed batches', () => {
  const plain = [LINE, LINE.replace('curl', 'wget'), withAgent('ünï'), LINE.replace('/headers', '/x\\y'), LINE].join('\n')

  test.each([1, 7, 100, 300, 301, 1000])('fed %i characters at a time', (chunk) => {
    const {written, stringified} = both(`${plain}\n`, {}, 'w.log', chunk)
    expect(stringified.split('\n')).toHaveLength(6)
    expect(written).toBe(stringified)
  })

  test('CRLF line ends', () => {
    const {written, stringified} = both(`${LINE}\r\n${LINE}\r\n`, {}, 'w.log', 200)
    expect(stringified.split('\n')).toHaveLength(3)
    expect(written).toBe(stringified)
  })

  test('a stern JSON envelope whose message holds an escape: the decoded line is not plain', () => {
    const text = JSON.stringify({message: withAgent('a\u001b[31mb'), podName: 'p', containerName: 'c', namespace: 'n'})
    const {written, stringified} = both(`${text}\n`)
    expect(stringified).toContain('\\u001b')
    expect(written).toBe(stringified)
  })
})

describe('formats whose entries JSON.stringify orders otherwise', () => {
  test.each([
    ['a field named twice', '[%START_TIME%] %REQ(:AUTHORITY)% %REQ(:AUTHORITY)%', '[2024-06-21T19:24:00.453Z] a.org b.org'],
    ['the start time twice', '[%START_TIME%] %START_TIME% %REQ(:AUTHORITY)%', '[2024-06-21T19:24:00.453Z] 2024-06-21T19:24:01.000Z a.org'],
    ['an extra operator twice', '[%START_TIME%] %REQ(X-A)% %REQ(X-A)%', '[2024-06-21T19:24:00.453Z] one two'],
    ['only extra operators and a time', '[%START_TIME%] %REQ(X-A)% %RESP(X-B)%', '[2024-06-21T19:24:00.453Z] one -'],
  ])('%s', (_name, format, line) => {
    const plan = compileFormat(format)
    if (!plan.ok) throw new Error(plan.detail)
    const {written, stringified} = both(`${line}\n`, {plan: plan.value})
    expect(stringified).not.toBe('')
    expect(written).toBe(stringified)
  })
})
