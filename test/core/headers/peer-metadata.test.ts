import {describe, expect, test} from 'vitest'

import {decodeBase64, decodePeerMetadata, findFirstProblem} from '../../../src/core/headers/index.js'
import {GATEWAY_METADATA, GATEWAY_METADATA_1_19, seedHeaders, SIDECAR_METADATA} from './fixtures.js'

const SIDECAR = seedHeaders('direct-http')['X-Envoy-Peer-Metadata'] as string
const GATEWAY = seedHeaders('gateway-http')['X-Envoy-Peer-Metadata'] as string

const decoded = (value: string) => {
  const r = decodePeerMetadata(value)
  if (!r.ok) throw new Error(`expected a decode, got ${r.detail}`)
  return r.value
}
const problem = (value: string) => {
  const r = decodePeerMetadata(value)
  if (r.ok) throw new Error(`expected an error, decoded ${JSON.stringify(r.value)}`)
  return r.detail
}

describe('seed 001 peer metadata (brief §5.2)', () => {
  test.each([
    {scenario: 'direct-http', want: SIDECAR_METADATA, chars: 588},
    {scenario: 'gateway-http', want: GATEWAY_METADATA, chars: 980},
    {scenario: 'gateway-originated', want: GATEWAY_METADATA, chars: 980},
    {scenario: 'gateway-mtls-originated', want: GATEWAY_METADATA, chars: 980},
    {scenario: 'gateway-mtls-plaintext', want: GATEWAY_METADATA_1_19, chars: 980},
  ] as const)('$scenario decodes to the hand-checked Struct', ({scenario, want, chars}) => {
    const value = seedHeaders(scenario)['X-Envoy-Peer-Metadata'] as string
    expect(value).toHaveLength(chars)
    expect(decoded(value)).toEqual(want)
  })

  test('the sidecar bytes start as the brief says: 0a 18 0a 0e "APP_CONTAINERS"', () => {
    const bytes = decodeBase64(SIDECAR, 'x')
    expect(bytes.ok && Buffer.from(bytes.value.subarray(0, 18)).toString('latin1')).toBe('\x0a\x18\x0a\x0eAPP_CONTAINERS')
    expect(bytes.ok && bytes.value.length).toBe(441)
  })

  test('the gateway Struct has no APP_CONTAINERS', () => {
    expect(decoded(GATEWAY)).not.toHaveProperty('APP_CONTAINERS')
  })
})

describe('base64 forms', () => {
  const urlSafe = SIDECAR.replace(/\+/g, '-').replace(/\//g, '_')
  test.each([
    {name: 'standard, padded', value: SIDECAR},
    {name: 'standard, unpadded', value: SIDECAR.replace(/=+$/, '')},
    {name: 'URL-safe, padded', value: urlSafe},
    {name: 'URL-safe, unpadded', value: urlSafe.replace(/=+$/, '')},
    {name: 'surrounding spaces', value: `  ${SIDECAR}\n`},
  ])('$name', ({value}) => expect(decoded(value)).toEqual(SIDECAR_METADATA))

  test('a value mixing both alphabets decodes (Buffer reads both)', () => {
    const bytes = new Uint8Array([0xfb, 0xff, 0xbf])
    expect(Buffer.from(bytes).toString('base64')).toBe('+/+/')
    expect(decodeBase64('-_+/', 'x')).toEqual({ok: true, value: bytes})
  })
})

describe('errors are one line naming what and where', () => {
  test.each([
    {name: 'empty', value: '', want: 'peer metadata: empty value'},
    {name: 'only spaces', value: '   ', want: 'peer metadata: empty value'},
    {name: 'a character outside both alphabets', value: 'ChgK!DkFQ', want: 'peer metadata: invalid base64 character "!" at offset 4'},
    {name: 'a space inside', value: 'ChgK DkFQ', want: 'peer metadata: invalid base64 character " " at offset 4'},
    {name: 'an escape character', value: 'Ch\u001bgK', want: 'peer metadata: invalid base64 character "\\u001b" at offset 2'},
    {name: 'padding in the middle', value: 'Ch=gKDkF', want: 'peer metadata: invalid base64 character "=" at offset 2'},
    {name: 'three padding characters', value: 'Ch===', want: "peer metadata: invalid base64: too much '=' padding at offset 2"},
    {name: 'a length that cannot be whole bytes', value: 'ChgKD', want: 'peer metadata: invalid base64: 5 characters cannot encode whole bytes'},
    {name: 'partial padding', value: 'ChgKDk=', want: 'peer metadata: invalid base64: padding does not fill the last group'},
    // 08 01 = field 1, wire type 0 (varint): Struct's field 1 is a length-delimited map entry
    {name: 'field 1 as a varint', value: Buffer.from([0x08, 0x01]).toString('base64'), want: 'peer metadata: not a protobuf Struct: field 1 wire type 0 at byte 0'},
    // an entry {key "A"}, then field 1 with the wrong wire type at byte 5
    {name: 'wrong wire type after an entry', value: Buffer.from([0x0a, 0x03, 0x0a, 0x01, 0x41, 0x08, 0x00]).toString('base64').replace(/=+$/, ''), want: 'peer metadata: not a protobuf Struct: field 1 wire type 0 at byte 5'},
    {name: 'an unknown field', value: Buffer.from([0x12, 0x00]).toString('base64'), want: 'peer metadata: not a protobuf Struct: unknown field 2 (wire type 2) in a Struct at byte 0'},
    {name: 'a Value of an unknown kind', value: Buffer.from([0x0a, 0x05, 0x0a, 0x01, 0x41, 0x12, 0x00, 0x0a, 0x06, 0x0a, 0x00, 0x12, 0x02, 0x38, 0x01]).toString('base64'), want: 'peer metadata: not a protobuf Struct: unknown field 7 (wire type 0) in a Value at byte 13'},
    {name: 'a nested Struct that breaks', value: Buffer.from([0x0a, 0x08, 0x0a, 0x01, 0x4c, 0x12, 0x03, 0x2a, 0x01, 0x08]).toString('base64'), want: 'peer metadata: not a protobuf Struct: field 1 wire type 0 at byte 9'},
    {name: 'invalid UTF-8 in a key', value: Buffer.from([0x0a, 0x06, 0x0a, 0x02, 0xff, 0xfe, 0x12, 0x00]).toString('base64'), want: 'peer metadata: not a protobuf Struct: The encoded data was not valid for encoding utf-8'},
  ])('$name', ({value, want}) => expect(problem(value)).toBe(want))

  test('a truncated seed value names the field and the bytes missing', () => {
    // Cut at a 4-character boundary so the base64 itself is valid and the protobuf is what breaks.
    expect(problem(SIDECAR.slice(0, 400))).toMatch(/^peer metadata: truncated protobuf: field 1 at byte \d+ declares \d+ bytes, \d+ remain$/)
  })

  test('a Value with no kind set is not a Struct JSON can show', () => {
    // entry {key "A", value {}}: the library decodes it; toJson refuses an empty Value.
    const value = Buffer.from([0x0a, 0x05, 0x0a, 0x01, 0x41, 0x12, 0x00]).toString('base64')
    expect(problem(value)).toMatch(/^peer metadata: not a protobuf Struct: /)
  })
})

describe('findFirstProblem only describes', () => {
  test('it finds nothing wrong in a good value', () => {
    const bytes = decodeBase64(GATEWAY, 'x')
    expect(bytes.ok && findFirstProblem(bytes.value)).toBeUndefined()
  })
})

describe('other Value kinds decode as JSON', () => {
  test('number, bool, null and list', () => {
    // {"n": 1.5, "b": true, "z": null, "l": ["x"]} serialised by hand, key-sorted as Envoy does
    const entry = (key: string, value: number[]) => [0x0a, 2 + 1 + 1 + value.length + 1, 0x0a, 0x01, key.charCodeAt(0), 0x12, value.length, ...value]
    const double = [0x11, ...new Uint8Array(new Float64Array([1.5]).buffer)]
    const bytes = [...entry('b', [0x20, 0x01]), ...entry('l', [0x32, 0x05, 0x0a, 0x03, 0x1a, 0x01, 0x78]), ...entry('n', double), ...entry('z', [0x08, 0x00])]
    const want = {b: true, l: ['x'], n: 1.5, z: null}
    expect(decoded(Buffer.from(bytes).toString('base64'))).toEqual(want)
  })
})
