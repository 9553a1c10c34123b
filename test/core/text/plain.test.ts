import fc from 'fast-check'
import {describe, expect, test} from 'vitest'

import {isPlainText} from '../../../src/core/text/plain.js'

/** The definition, one character at a time: printable ASCII but the backslash, or a newline. */
const reference = (s: string): boolean => [...s].every((c) => c === '\n' || (c >= ' ' && c <= '~' && c !== '\\'))

describe('isPlainText', () => {
  test.each([
    ['an access-log line', '[2024-06-21T19:24:00.453Z] "GET /headers HTTP/2" 200 - via_upstream - "-" 0 1450', true],
    ['lines and their newlines', 'a b\n"c"\n\n', true],
    ['the empty text', '', true],
    ['a tab', 'a\tb', false],
    ['a carriage return (a CRLF log)', 'a\r\nb', false],
    ['a backslash', 'C:\\agent', false],
    ['DEL', 'a\u007fb', false],
    ['NUL', 'a\u0000b', false],
    ['ESC (a terminal escape)', 'a\u001b[31mb', false],
    ['Latin-1', 'caf\u00e9', false],
    ['a C1 control', 'a\u009bb', false],
    ['the replacement character of an invalid byte', 'a\ufffdb', false],
    ['a lone surrogate', 'a\ud800b', false],
    ['an emoji', 'a\u{1f600}b', false],
  ])('%s', (_name, text, want) => {
    expect(isPlainText(text)).toBe(want)
    expect(reference(text)).toBe(want)
  })

  test('a text longer than one encoding slice (64 KiB), with the odd character anywhere', () => {
    const long = 'x'.repeat(200_000)
    expect(isPlainText(long)).toBe(true)
    for (const at of [0, 65_535, 65_536, 131_072, 199_999]) {
      for (const c of ['é', '\t', '\\']) expect(isPlainText(`${long.slice(0, at)}${c}${long.slice(at + 1)}`), `${JSON.stringify(c)} at ${at}`).toBe(false)
    }
  })

  test('agrees with the definition on any text', () => {
    fc.assert(
      fc.property(fc.string({unit: fc.oneof(fc.constantFrom('a', ' ', '"', '\n', '\\', '\r', '\t', '\u007f', '\u0080', 'é', '\ufffd'), fc.string({unit: 'binary', maxLength: 1}))}), (s) => {
        expect(isPlainText(s)).toBe(reference(s))
      }),
    )
  })
})
