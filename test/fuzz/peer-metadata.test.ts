// X-Envoy-Peer-Metadata (src/core/headers/peer-metadata.ts): base64 of a protobuf Struct. Any value
// decodes to plain JSON or to an error that names the header, never a throw; base64 is never shrunk
// silently (every alphabet character counts); and a Struct written with @bufbuild/protobuf, in any
// base64 spelling Envoy or a proxy may use, decodes back to the same JSON (a round trip).

import {deepStrictEqual} from 'node:assert/strict'

import {fromJson, toBinary} from '@bufbuild/protobuf'
import {StructSchema} from '@bufbuild/protobuf/wkt'
import fc from 'fast-check'

import {decodeBase64, decodePeerMetadata, findFirstProblem} from '../../src/core/headers/peer-metadata.js'
import type {JsonValue} from '../../src/core/headers/types.js'
import {PEER_METADATA_VALUES} from './corpus.js'
import {check} from './entries.js'
import {fuzz} from './fuzz.js'
import {anyText, mutated} from './mutate.js'

/** Any spelling of base64 a header may carry: standard or URL-safe, padded or not, spaces around. */
const spellings = fc.record({urlSafe: fc.boolean(), padded: fc.boolean(), lead: fc.constantFrom('', ' ', '\t'), trail: fc.constantFrom('', ' ', '\t')})
type Spelling = {urlSafe: boolean; padded: boolean; lead: string; trail: string}
function spell(bytes: Uint8Array, {urlSafe, padded, lead, trail}: Spelling): string {
  const std = Buffer.from(bytes).toString('base64')
  const body = padded ? std : std.replace(/=+$/, '')
  return lead + (urlSafe ? body.replace(/\+/g, '-').replace(/\//g, '_') : body) + trail
}

/** Real metadata as bytes, then cut, flipped, or spliced: near-Structs that break in every way. */
const REAL_BYTES = PEER_METADATA_VALUES.map((v) => new Uint8Array(Buffer.from(v, 'base64')))
const mutatedStruct = fc
  .tuple(fc.constantFrom(...REAL_BYTES), fc.array(fc.record({at: fc.nat(), byte: fc.integer({min: 0, max: 255}), kind: fc.constantFrom('flip', 'cut', 'insert', 'truncate')}), {minLength: 1, maxLength: 4}))
  .map(([real, edits]) => {
    let b = Array.from(real)
    for (const {at, byte, kind} of edits) {
      const i = at % (b.length + 1)
      if (kind === 'flip') b[i] = byte
      else if (kind === 'cut') b.splice(i, 1 + (byte % 8))
      else if (kind === 'insert') b.splice(i, 0, byte)
      else b = b.slice(0, i)
    }
    return new Uint8Array(b)
  })

/** The decoded value must be plain JSON: what JSON.stringify writes and JSON.parse reads back unchanged. */
function expectDecoded(value: string): void {
  const r = decodePeerMetadata(value)
  if (r.ok) {
    check(r.value !== null && typeof r.value === 'object' && !Array.isArray(r.value), () => `decoded to ${JSON.stringify(r.value)}`)
    deepStrictEqual(JSON.parse(JSON.stringify(r.value)), r.value)
  } else {
    check(r.reason === 'bad-field' && /^peer metadata: /.test(r.detail ?? ''), () => `error ${JSON.stringify(r)}`)
  }
}

fuzz('any value: plain JSON or an error that names the header',
  fc.property(fc.oneof(anyText(300), mutated(PEER_METADATA_VALUES)), (value) => expectDecoded(value)))

fuzz('base64 of any bytes, and of real metadata cut, flipped or spliced: plain JSON or an error; the error wording never throws either',
  fc.property(fc.oneof(fc.uint8Array({maxLength: 300}), mutatedStruct), spellings, (bytes, how) => {
    expectDecoded(spell(bytes, how))
    const problem = findFirstProblem(bytes)
    check(problem === undefined || typeof problem === 'string', () => `findFirstProblem gave ${typeof problem}`)
  }))

fuzz('base64: any bytes in any spelling decode to the same bytes; any text decodes to as many bytes as its characters carry, or fails',
  fc.property(fc.uint8Array({maxLength: 200}), spellings, anyText(60), (bytes, how, text) => {
    const r = decodeBase64(spell(bytes, how), 'x')
    check(r.ok, () => `refused ${JSON.stringify(spell(bytes, how))}: ${r.ok ? '' : r.detail}`)
    deepStrictEqual(Array.from(r.value), Array.from(bytes))
    // Buffer drops characters it does not know; decodeBase64 must refuse them instead.
    const any = decodeBase64(text, 'x')
    const chars = text.trim().replace(/=+$/, '').length
    if (any.ok) check(any.value.length === Math.floor((chars * 6) / 8), () => `${JSON.stringify(text)}: ${chars} characters gave ${any.value.length} bytes`)
    else check(/^x: (invalid base64|.*empty)/.test(any.detail ?? ''), () => `error ${JSON.stringify(any.detail)}`)
  }))

// ---- round trip ---------------------------------------------------------------------------------------

// Struct holds JSON: objects, arrays, strings (well-formed: protobuf strings are UTF-8), finite numbers,
// booleans, null. JSON.parse(JSON.stringify()) is the normal form (-0 is 0).
const {struct} = fc.letrec<{value: JsonValue; struct: {[key: string]: JsonValue}}>((tie) => ({
  value: fc.oneof(
    {depthSize: 'small', withCrossShrink: true},
    fc.constant(null),
    fc.boolean(),
    fc.double({noNaN: true, noDefaultInfinity: true}),
    fc.integer(),
    fc.string({unit: 'binary', maxLength: 20}),
    fc.array(tie('value'), {maxLength: 4}),
    tie('struct'),
  ),
  struct: fc.dictionary(fc.string({unit: 'binary', maxLength: 12}), tie('value'), {maxKeys: 5}),
}))
const normal = (v: unknown): unknown => JSON.parse(JSON.stringify(v))

fuzz('a Struct written by @bufbuild/protobuf, in any base64 spelling, decodes back to the same JSON',
  fc.property(struct, spellings, (json, how) => {
    const bytes = toBinary(StructSchema, fromJson(StructSchema, normal(json) as {[key: string]: JsonValue}))
    fc.pre(bytes.length > 0) // an empty Struct is an empty header value: refused as empty, by design
    const r = decodePeerMetadata(spell(bytes, how))
    check(r.ok, () => `refused: ${r.ok ? '' : r.detail}`)
    deepStrictEqual(normal(r.value), normal(json))
  }))
