import fc from 'fast-check'
import {describe, expect, test} from 'vitest'

import {jsonPieces, safeJson, stringifySafe} from '../../../src/core/text/json.js'

const UNSAFE = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/

describe('safeJson', () => {
  test('C1 controls, DEL and bidi overrides become \\u escapes; the value reads back the same', () => {
    const value = {ua: 'a\u009b31mred\u007f \u202eevil\u2066', ok: 'plain ✓'}
    const text = stringifySafe(value)
    expect(text).not.toMatch(UNSAFE)
    expect(text).toContain('\\u009b')
    expect(text).toContain('\\u202e')
    expect(JSON.parse(text)).toEqual(value)
  })

  test('text without them is returned as it is', () => {
    const text = JSON.stringify({a: 'é✓ "quoted"'})
    expect(safeJson(text)).toBe(text)
  })

  test('any string survives the round trip and leaves nothing raw', () => {
    fc.assert(
      fc.property(fc.string({unit: 'binary'}), (s) => {
        const text = stringifySafe({s})
        expect(text).not.toMatch(UNSAFE)
        expect(JSON.parse(text)).toEqual({s})
      }),
    )
  })
})

describe('jsonPieces', () => {
  test('the same text as stringifySafe of the whole, in pieces per array element', () => {
    const value = {chains: [{a: 1}, {b: '\u009b'}], empty: [], skipped: undefined, n: 3, o: {x: [1, 2]}}
    const pieces = [...jsonPieces(value)]
    expect(pieces.join('')).toBe(stringifySafe(value))
    expect(pieces.length).toBeGreaterThan(5)
  })

  test('for any object of arrays and values', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.oneof(fc.array(fc.jsonValue()), fc.jsonValue())), (value) => {
        expect([...jsonPieces(value)].join('')).toBe(stringifySafe(value))
      }),
    )
  })
})
