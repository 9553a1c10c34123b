import fc from 'fast-check'
import {describe, expect, test} from 'vitest'

import {LineSplitter, MAX_LINE} from '../../../src/core/input/lines.js'
import {isPlainText} from '../../../src/core/text/plain.js'

type Line = [text: string | null, n: number]

/** Feeds the chunks, ends the input, and returns every line emitted with its number. */
function split(chunks: string[], max?: number): Line[] {
  const out: Line[] = []
  const splitter = new LineSplitter(max)
  const onLine = (text: string | null, n: number) => out.push([text, n])
  for (const chunk of chunks) splitter.push(chunk, onLine)
  splitter.end(onLine)
  expect(splitter.count).toBe(out.length)
  return out
}

/** What the splitter must agree with: split on \n, a trailing \r trimmed, the empty remainder after the last \n dropped. */
function reference(s: string, max: number): Line[] {
  const parts = s.split('\n')
  if (parts.at(-1) === '') parts.pop()
  return parts.map((p, i) => {
    const text = p.endsWith('\r') ? p.slice(0, -1) : p
    return [text.length > max ? null : text, i + 1]
  })
}

const GW =
  '[2024-06-21T19:24:00.453Z] "GET /headers HTTP/2" 200 - via_upstream - "-" 0 1450 57 57 "10.244.0.7" "curl/7.83.1-DEV" "51ed62d9-1da8-4250-9923-df406ca9fd57" "httpbin.org" "3.213.1.197:80" outbound|80||httpbin.org 10.244.0.6:41144 10.244.0.6:8080 10.244.0.7:55490 - -'

describe('LineSplitter: chunk boundaries', () => {
  test.each([
    {name: 'one line with its newline', chunks: ['a\n'], want: [['a', 1]]},
    {name: 'no final newline: the last line still counts', chunks: ['a\nb'], want: [['a', 1], ['b', 2]]},
    {name: 'the empty remainder after the last newline is not a line', chunks: ['a\nb\n'], want: [['a', 1], ['b', 2]]},
    {name: 'empty input has no lines', chunks: [], want: []},
    {name: 'empty chunks change nothing', chunks: ['', 'a', '', '\n', ''], want: [['a', 1]]},
    {name: 'a chunk of only newlines gives empty lines', chunks: ['a', '\n\n\n'], want: [['a', 1], ['', 2], ['', 3]]},
    {name: 'CRLF is trimmed', chunks: ['a\r\nb\r\n'], want: [['a', 1], ['b', 2]]},
    {name: 'CRLF split between chunks', chunks: ['a\r', '\nb\r', '\n'], want: [['a', 1], ['b', 2]]},
    {name: 'CRLF split, the next chunk holding only the \\n', chunks: ['a\r', '\n'], want: [['a', 1]]},
    {name: 'a lone CR inside a line is kept', chunks: ['a\rb\n'], want: [['a\rb', 1]]},
    {name: 'a CR-only line is an empty line', chunks: ['\r\n'], want: [['', 1]]},
    {name: 'a CR at the very end is trimmed', chunks: ['a\nb\r'], want: [['a', 1], ['b', 2]]},
    {name: 'a line split across many chunks', chunks: ['[2024', '-06-21', 'T19:24', ':00.453Z]', ' "GET', '\nnext\n'], want: [['[2024-06-21T19:24:00.453Z] "GET', 1], ['next', 2]]},
    {name: 'one character per chunk', chunks: [...'ab\r\ncd\n\ne'], want: [['ab', 1], ['cd', 2], ['', 3], ['e', 4]]},
    {name: 'a real gateway line in two halves', chunks: [GW.slice(0, 100), `${GW.slice(100)}\n`], want: [[GW, 1]]},
  ] satisfies {name: string; chunks: string[]; want: Line[]}[])('$name', ({chunks, want}) => {
    expect(split(chunks)).toEqual(want)
  })
})

describe('LineSplitter: the line limit', () => {
  test.each([
    {name: 'a line of exactly max fits', chunks: ['abcd\n'], want: [['abcd', 1]]},
    {name: 'one over max is too long', chunks: ['abcde\nok\n'], want: [[null, 1], ['ok', 2]]},
    {name: 'max plus its CR still fits', chunks: ['abcd\r\n'], want: [['abcd', 1]]},
    {name: 'max plus a CR split from its LF still fits', chunks: ['abcd\r', '\n'], want: [['abcd', 1]]},
    {name: 'max plus a CR that is not followed by LF is too long', chunks: ['abcd\r', 'e\n'], want: [[null, 1]]},
    {name: 'the carry alone grows too long', chunks: ['ab', 'cd', 'e', 'fgh', '\nok\n'], want: [[null, 1], ['ok', 2]]},
    {name: 'carry plus the head of the next chunk is too long', chunks: ['abc', 'de\nok\n'], want: [[null, 1], ['ok', 2]]},
    {name: 'a too-long last line without newline', chunks: ['ok\nabcdef'], want: [['ok', 1], [null, 2]]},
    {name: 'too long, then ends with CR at end of input', chunks: ['abcdefgh\r'], want: [[null, 1]]},
    {name: 'max plus CR at end of input fits', chunks: ['abcd\r'], want: [['abcd', 1]]},
  ] satisfies {name: string; chunks: string[]; want: Line[]}[])('$name (max 4)', ({chunks, want}) => {
    expect(split(chunks, 4)).toEqual(want)
  })

  test('a 10 MB line is skipped and the good line after it keeps its number', () => {
    const big = 'x'.repeat(64 * 1024)
    const chunks = ['first\n', ...Array.from({length: 160}, () => big), `tail of the huge line\n${GW}\n`]
    const lines = split(chunks)
    expect(lines).toEqual([['first', 1], [null, 2], [GW, 3]])
  })

  test('the default limit is 1 MiB characters', () => {
    expect(MAX_LINE).toBe(1 << 20)
    const fits = 'y'.repeat(MAX_LINE)
    expect(split([fits.slice(0, 1000), `${fits.slice(1000)}\n`])).toEqual([[fits, 1]])
    expect(split([`${fits}z\n`])).toEqual([[null, 1]])
  })

  test('count goes on across push and end', () => {
    const s = new LineSplitter()
    const seen: number[] = []
    s.push('a\nb', (_, n) => seen.push(n))
    expect(s.count).toBe(1)
    s.end((_, n) => seen.push(n))
    expect([s.count, seen]).toEqual([2, [1, 2]])
  })
})

describe('LineSplitter: plain lines', () => {
  /** Each line with whether it was reported plain. */
  function plain(chunks: string[], test = true): [string | null, boolean][] {
    const out: [string | null, boolean][] = []
    const splitter = new LineSplitter(MAX_LINE, test ? isPlainText : undefined)
    const onLine = (text: string | null, _n: number, p: boolean) => out.push([text, p])
    for (const chunk of chunks) splitter.push(chunk, onLine)
    splitter.end(onLine)
    return out
  }

  test('a chunk of printable ASCII: every line of it is plain', () => {
    expect(plain(['a b\n"c"\n', 'd'])).toEqual([['a b', true], ['"c"', true], ['d', true]])
  })

  test('one odd character makes every line of its chunk not plain, and only those', () => {
    expect(plain(['a\nb\n', 'c\tx\nd\n', 'e\n'])).toEqual([['a', true], ['b', true], ['c\tx', false], ['d', false], ['e', true]])
  })

  test('a line across chunks is plain when every chunk it came from is', () => {
    expect(plain(['a\nb', 'c', 'd\ne\n'])).toEqual([['a', true], ['bcd', true], ['e', true]])
    expect(plain(['a\nb', 'é', 'd\ne\n'])).toEqual([['a', true], ['béd', false], ['e', true]])
    expect(plain(['a\nb\\', 'c\n', 'd'])).toEqual([['a', false], ['b\\c', false], ['d', true]])
    expect(plain(['a\nb', 'c\\'])).toEqual([['a', true], ['bc\\', false]])
  })

  test('CRLF lines are not plain (their chunks hold a CR)', () => {
    expect(plain(['a\r\nb\r\n'])).toEqual([['a', false], ['b', false]])
  })

  test('a too-long line is not plain; without the test no line is', () => {
    const out: boolean[] = []
    const splitter = new LineSplitter(3, isPlainText)
    splitter.push('abcdef\nab\n', (_t, _n, p) => out.push(p))
    expect(out).toEqual([false, true])
    expect(plain(['a\nb\n'], false)).toEqual([['a', false], ['b', false]])
  })
})

describe('LineSplitter: properties', () => {
  // Text rich in the characters that matter here, plus arbitrary code units.
  const text = fc.oneof(
    fc.string({unit: fc.constantFrom('a', 'b', '\n', '\r', 'é', '\u{1F600}'), maxLength: 80}),
    fc.string({unit: 'binary', maxLength: 80}),
  )
  const cuts = fc.array(fc.nat(), {maxLength: 12})

  test('any string, cut into any chunks, gives the lines of split("\\n") numbered 1, 2, 3, …', () => {
    fc.assert(
      fc.property(text, cuts, fc.integer({min: 0, max: 12}), (s, at, max) => {
        const points = [...new Set(at.map((i) => i % (s.length + 1)))].sort((a, b) => a - b)
        const chunks = [...points, s.length].map((end, i) => s.slice(i === 0 ? 0 : points[i - 1], end))
        expect(split(chunks, max)).toEqual(reference(s, max))
      }),
    )
  })
})
