// Properties: nothing throws, whatever the input, and XFCC written by formatXfcc parses back equal.
import fc from 'fast-check'
import {describe, expect, test} from 'vitest'

import {
  buildHeaderEvidence,
  decodeAmznTraceId,
  decodeB3Single,
  decodeDecoratorOperation,
  decodePeerId,
  decodePeerMetadata,
  decodeTraceparent,
  decodeXfcc,
  formatXfcc,
  parseCapture,
  parseXfcc,
  type XfccFields,
} from '../../../src/core/headers/index.js'
import {readFixture, seedHeaders} from './fixtures.js'

const NOW = 0
const anyText = fc.string({unit: 'binary', maxLength: 300})
const SIDECAR_MD = seedHeaders('direct-http')['X-Envoy-Peer-Metadata'] as string
const SEED_XFCC = seedHeaders('gateway-mtls-originated')['X-Forwarded-Client-Cert'] as string

/** A near-valid value: a real one cut, with a character replaced and some text inserted. */
const mutated = (base: string) =>
  fc.tuple(fc.nat({max: base.length}), fc.nat({max: base.length}), anyText, fc.boolean()).map(([cut, at, insert, shorten]) => {
    const s = shorten ? base.slice(0, cut) : base
    return s.slice(0, at) + insert + s.slice(at + 1)
  })

const decoders: Record<string, (v: string) => unknown> = {
  decodePeerMetadata,
  decodePeerId,
  parseXfcc,
  decodeXfcc: (v) => decodeXfcc(v, {now: NOW}),
  decodeDecoratorOperation,
  decodeAmznTraceId,
  decodeTraceparent,
  decodeB3Single,
  parseCapture,
  buildHeaderEvidence: (v) => buildHeaderEvidence({'X-Envoy-Peer-Metadata': v, 'X-Forwarded-Client-Cert': v, 'X-Envoy-Peer-Metadata-Id': v, Host: v, 'X-Amzn-Trace-Id': v, b3: v}, {now: NOW}),
}

describe('no input throws', () => {
  test.each(Object.keys(decoders))('%s on any string', (name) => {
    const decode = decoders[name] as (v: string) => unknown
    fc.assert(fc.property(anyText, (v) => void decode(v)), {numRuns: 300})
  })

  test('decodePeerMetadata on base64 of any bytes: an error or a Struct, never a throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({maxLength: 200}), fc.boolean(), (bytes, urlSafe) => {
        const b64 = Buffer.from(bytes).toString(urlSafe ? 'base64url' : 'base64')
        const r = decodePeerMetadata(b64)
        if (!r.ok) expect(r.detail).toMatch(/^peer metadata: /)
      }),
      {numRuns: 500},
    )
  })

  test('decodePeerMetadata on the seed value, mutated', () => {
    fc.assert(fc.property(mutated(SIDECAR_MD), (v) => void decodePeerMetadata(v)), {numRuns: 300})
  })

  test('decodeXfcc on the seed value, mutated', () => {
    fc.assert(fc.property(mutated(SEED_XFCC), (v) => void decodeXfcc(v, {now: NOW})), {numRuns: 200})
  })

  test('parseXfcc on strings built from its own grammar pieces', () => {
    const piece = fc.constantFrom('By=', 'Hash=', 'URI=', 'DNS=', 'Cert="', 'Subject=', ';', ',', '"', '\\', '\\"', '=', ' ', 'a', '%0A', 'spiffe://x/ns/a/sa/b')
    fc.assert(
      fc.property(fc.array(piece, {maxLength: 40}), (pieces) => {
        const r = parseXfcc(pieces.join(''))
        if (!r.ok) expect(r.detail).toMatch(/^XFCC( element \d+)?: /)
      }),
      {numRuns: 1000},
    )
  })

  test('parseCapture on captures spliced from the fixtures', () => {
    const sources = ['curl-verbose.txt', 'echo.har', 'httpbin.ndjson', 'raw-blocks.txt', 'curl-dump.txt'].map((f) => readFixture(`headers/captures/${f}`))
    fc.assert(
      fc.property(fc.constantFrom(...sources), fc.nat(), fc.nat(), anyText, (text, a, b, insert) => {
        const at = a % (text.length + 1)
        const c = parseCapture(text.slice(0, at) + insert + text.slice(at + (b % 50)))
        for (const s of c.skipped) expect(s.line).toBeGreaterThan(0)
        for (const s of c.sets) expect(s.source.line).toBeGreaterThan(0)
      }),
      {numRuns: 300},
    )
  })
})

// ---- round trip ---------------------------------------------------------------------------------------

// Values may hold every character the grammar treats specially; fc's 'binary' unit adds the rest.
const special = fc.constantFrom(',', ';', '=', '"', '\\', ' ', '\t', '\\"', '%0A', '\u00a0')
const value = fc.oneof(fc.string({unit: 'binary', maxLength: 30}), fc.array(fc.oneof(special, fc.string({maxLength: 3})), {maxLength: 8}).map((a) => a.join('')))
const otherKey = fc
  .stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,10}$/)
  .filter((k) => !['by', 'hash', 'cert', 'chain', 'subject', 'uri', 'dns'].includes(k.toLowerCase()))

const fields: fc.Arbitrary<XfccFields> = fc
  .record(
    {
      by: value,
      hash: value,
      cert: value,
      chain: value,
      subject: value,
      uri: fc.array(value, {maxLength: 3}),
      dns: fc.array(value, {maxLength: 3}),
      other: fc.array(fc.record({key: otherKey, value}), {minLength: 1, maxLength: 2}),
    },
    {requiredKeys: ['uri', 'dns']},
  )
  // An element needs at least one pair: an empty one is not something Envoy writes.
  .filter((e) => Object.keys(e).length > 2 || e.uri.length + e.dns.length > 0)

describe('round trip', () => {
  test('parseXfcc(formatXfcc(elements)) equals elements', () => {
    fc.assert(
      fc.property(fc.array(fields, {minLength: 1, maxLength: 4}), (elements) => {
        expect(parseXfcc(formatXfcc(elements))).toEqual({ok: true, value: elements})
      }),
      {numRuns: 1000},
    )
  })

  test('formatXfcc(parseXfcc(v)) is a fixed point after one pass', () => {
    fc.assert(
      fc.property(fc.array(fields, {minLength: 1, maxLength: 3}), (elements) => {
        const once = formatXfcc(elements)
        const parsed = parseXfcc(once)
        expect(parsed.ok && formatXfcc(parsed.value)).toBe(once)
      }),
      {numRuns: 300},
    )
  })
})
