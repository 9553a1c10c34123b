// Hostile values: what an attacker-controlled echo or a mangled capture can put in front of the decoders.
import {randomBytes} from 'node:crypto'

import {describe, expect, test} from 'vitest'

import {buildHeaderEvidence, decodeDecoratorOperation, decodePeerId, decodePeerMetadata, decodeXfcc, parseCapture, parseXfcc} from '../../../src/core/headers/index.js'
import {seedHeaders} from './fixtures.js'

const MB = 1 << 20
const SIDECAR_MD = seedHeaders('direct-http')['X-Envoy-Peer-Metadata'] as string
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/

const detail = (r: {ok: boolean; detail?: string}) => (r.ok ? 'decoded' : r.detail)
/** Runs fn and returns its result and how long it took: every hostile input must stay near-linear. */
const timed = <T>(fn: () => T): [T, number] => {
  const start = performance.now()
  const out = fn()
  return [out, performance.now() - start]
}

describe('peer metadata', () => {
  test('truncated at every 4-character boundary: a one-line error, or the entries before the cut', () => {
    const full = decodePeerMetadata(SIDECAR_MD)
    let errors = 0
    for (let n = 4; n < SIDECAR_MD.length; n += 4) {
      const r = decodePeerMetadata(SIDECAR_MD.slice(0, n))
      if (r.ok) {
        // Protobuf has no end marker: a cut that falls between two entries is a shorter, valid Struct.
        expect(full.ok && Object.entries(r.value).every(([k, v]) => JSON.stringify(full.value[k]) === JSON.stringify(v))).toBe(true)
      } else {
        errors++
        expect(detail(r)).toMatch(/^peer metadata: (truncated protobuf|not a protobuf Struct): [^\n]+$/)
      }
    }
    expect(errors).toBeGreaterThan(140) // of 146 cuts
  })

  test('random bytes are not a Struct', () => {
    let errors = 0
    for (let i = 0; i < 500; i++) {
      const r = decodePeerMetadata(randomBytes(1 + (i % 300)).toString('base64'))
      if (!r.ok) errors++
      if (!r.ok) expect(r.detail).toMatch(/^peer metadata: [^\n]+$/)
    }
    // A handful of short random strings are valid protobuf by chance; nearly all are not.
    expect(errors).toBeGreaterThan(490)
  })

  test('a Struct nested beyond the recursion limit', () => {
    // {"a": {"a": {"a": …}}} 200 deep, built inside out
    let inner = new Uint8Array(0)
    for (let i = 0; i < 200; i++) {
      const value = [0x2a, ...varint(inner.length), ...inner] // Value.struct_value
      const entry = [0x0a, 0x01, 0x61, 0x12, ...varint(value.length), ...value]
      inner = new Uint8Array([0x0a, ...varint(entry.length), ...entry])
    }
    expect(detail(decodePeerMetadata(Buffer.from(inner).toString('base64')))).toMatch(/^peer metadata: not a protobuf Struct: nested deeper than 100 levels at byte \d+$/)
  })

  test('a 1 MB value', () => {
    const [r, ms] = timed(() => decodePeerMetadata(randomBytes(768 * 1024).toString('base64')))
    expect(r.ok).toBe(false)
    expect(ms).toBeLessThan(2000)
    const [bad, ms2] = timed(() => decodePeerMetadata('A'.repeat(MB - 1) + '!'))
    expect(detail(bad)).toBe(`peer metadata: invalid base64 character "!" at offset ${MB - 1}`)
    expect(ms2).toBeLessThan(2000)
  })
})

describe('XFCC', () => {
  test.each([
    {value: 'Subject="', want: 'XFCC element 1: unterminated quote at offset 8'},
    {value: 'Subject="\\"', want: 'XFCC element 1: unterminated quote at offset 8'},
    {value: 'By=a,Subject="x"y', want: 'XFCC element 2: unexpected "y" after a quoted value at offset 16'},
    {value: 'By=a,"', want: 'XFCC element 2: "\\"" has no \'=\' at offset 5'},
    {value: '"By"="a"', want: 'XFCC element 1: quote in key "\\"By\\"" at offset 0'},
    {value: 'By=a;U"RI=b', want: 'XFCC element 1: quote in key "U\\"RI" at offset 6'},
  ])('broken quoting: $value', ({value, want}) => expect(detail(parseXfcc(value))).toBe(want))

  test.each([
    {name: '1 MB unquoted value', value: `By=${'a'.repeat(MB)}`, ok: true},
    {name: '1 MB of pairs without =', value: 'a;'.repeat(MB / 2), ok: false},
    {name: '1 MB unterminated quote', value: `Subject="${'x'.repeat(MB)}`, ok: false},
    {name: '1 MB of escaped quotes', value: `Subject="${'\\"'.repeat(MB / 2)}"`, ok: true},
    {name: '1 MB of elements', value: 'URI=u,'.repeat(MB / 6) + 'URI=u', ok: true},
    {name: '1 MB Cert that is not a certificate', value: `Cert="${'%41'.repeat(MB / 3)}"`, ok: true},
    {name: '1 MB Chain of BEGIN markers', value: `Chain="${'-----BEGIN%20CERTIFICATE-----'.repeat(MB / 29)}"`, ok: true},
  ])('$name', ({value, ok}) => {
    const [r, ms] = timed(() => decodeXfcc(value, {now: 0}))
    expect(r.ok).toBe(ok)
    expect(ms).toBeLessThan(3000)
  })
})

describe('terminal escape sequences', () => {
  const ESC = '\u001b]8;;https://evil.example\u0007click\u001b]8;;\u0007\u001b[2J'
  test.each([
    {name: 'peer id type', run: () => decodePeerId(`${ESC}~1.2.3.4~a.b~c`)},
    {name: 'peer id ip', run: () => decodePeerId(`sidecar~${ESC}~a.b~c`)},
    {name: 'peer id pod', run: () => decodePeerId(`sidecar~1.2.3.4~${ESC}~c`)},
    {name: 'peer metadata', run: () => decodePeerMetadata(`AAAA${ESC}`)},
    {name: 'xfcc key', run: () => parseXfcc(`${ESC};By=a`)},
    {name: 'xfcc after quote', run: () => parseXfcc(`Subject="a"${ESC}`)},
    {name: 'decorator', run: () => decodeDecoratorOperation(`${ESC}:99999/`)},
  ])('errors quote $name as JSON: no raw control character reaches a message', ({run}) => {
    const r = run()
    expect(r.ok).toBe(false)
    expect(detail(r)).not.toMatch(CONTROL)
  })

  test('values are kept as they came: scrubbing is the printer\'s job, and JSON escapes them', () => {
    const e = buildHeaderEvidence({Host: 'httpbin.org', 'User-Agent': ESC, 'X-Request-Id': ESC}, {now: 0})
    expect(e.requestId).toBe(ESC)
    expect(JSON.stringify(e)).not.toMatch(CONTROL)
  })

  test('a capture with escapes in values still parses', () => {
    const c = parseCapture(`Host: httpbin.org\nUser-Agent: ${ESC}\n`)
    expect(c.sets[0]?.headers[1]?.value).toBe(ESC)
  })
})

describe('captures', () => {
  test('a 1 MB header line', () => {
    const [c, ms] = timed(() => parseCapture(`Host: a\nX-Big: ${'v'.repeat(MB)}\n`))
    expect(c.sets[0]?.headers[1]?.value).toHaveLength(MB)
    expect(ms).toBeLessThan(2000)
  })

  test('100 000 lines that open JSON and never close stay linear', () => {
    const [c, ms] = timed(() => parseCapture('{\n'.repeat(100_000)))
    expect(c.sets).toEqual([])
    expect(c.skipped.length).toBeGreaterThan(0)
    expect(ms).toBeLessThan(3000)
  })

  test('a 1 MB JSON document', () => {
    const doc = JSON.stringify({headers: {Host: 'httpbin.org', 'X-Big': 'v'.repeat(MB)}})
    const [c, ms] = timed(() => parseCapture(doc))
    expect(c.sets[0]?.headers[1]?.value).toHaveLength(MB)
    expect(ms).toBeLessThan(2000)
  })

  test('an evidence of 1 MB headers', () => {
    const big = 'x'.repeat(MB)
    const [e, ms] = timed(() => buildHeaderEvidence({Host: big, 'X-Envoy-Peer-Metadata': big, 'X-Envoy-Peer-Metadata-Id': big, 'X-Forwarded-Client-Cert': big, 'X-Envoy-Decorator-Operation': big}, {now: 0}))
    expect(e.errors.length).toBeGreaterThan(0)
    expect(ms).toBeLessThan(3000)
  })
})

function varint(n: number): number[] {
  const out: number[] = []
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80)
    n >>>= 7
  }
  out.push(n)
  return out
}
