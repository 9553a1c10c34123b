// X-Envoy-Peer-Metadata: base64 of a serialized google.protobuf.Struct holding the sending proxy's node
// metadata (istio/proxy peer_metadata filter; brief §5.1). The bytes are decoded by @bufbuild/protobuf's
// well-known Struct, never by hand. The library's own errors ("premature EOF", "illegal tag: …") say
// little, so when it fails we walk the tags once with its BinaryReader to say which field, of what wire
// type, at which byte broke the Struct shape. That walk only words the error: it never decides.

import {fromBinary, toJson} from '@bufbuild/protobuf'
import {BinaryReader, WireType} from '@bufbuild/protobuf/wire'
import {StructSchema} from '@bufbuild/protobuf/wkt'

import {ok, skippedWith, type Parsed} from '../result.js'
import type {JsonValue, PeerMetadata} from './types.js'

const WHAT = 'peer metadata'

/** Decodes an X-Envoy-Peer-Metadata value to plain JSON. Never throws. */
export function decodePeerMetadata(value: string): Parsed<PeerMetadata> {
  const bytes = decodeBase64(value, WHAT)
  if (!bytes.ok) return bytes
  if (bytes.value.length === 0) return skippedWith('bad-field', `${WHAT}: empty value`)
  return decodeStruct(bytes.value)
}

/**
 * Standard or URL-safe base64, padding optional. Buffer's decoder silently drops characters it does not
 * know, so the alphabet is checked first: a header cut or mangled in transit must fail, not shrink.
 */
export function decodeBase64(value: string, what: string): Parsed<Uint8Array> {
  const text = value.trim()
  const lead = value.length - value.trimStart().length
  let end = text.length
  while (end > 0 && text.charCodeAt(end - 1) === 0x3d /* = */) end--
  if (text.length - end > 2) return skippedWith('bad-field', `${what}: invalid base64: too much '=' padding at offset ${lead + end}`)
  for (let i = 0; i < end; i++) {
    if (!isBase64Char(text.charCodeAt(i))) {
      return skippedWith('bad-field', `${what}: invalid base64 character ${JSON.stringify(text[i])} at offset ${lead + i}`)
    }
  }
  if (end % 4 === 1) return skippedWith('bad-field', `${what}: invalid base64: ${end} characters cannot encode whole bytes`)
  if (text.length !== end && text.length % 4 !== 0) return skippedWith('bad-field', `${what}: invalid base64: padding does not fill the last group`)
  return ok(new Uint8Array(Buffer.from(text.slice(0, end), 'base64')))
}

function isBase64Char(c: number): boolean {
  return (
    (c >= 0x41 && c <= 0x5a) || // A-Z
    (c >= 0x61 && c <= 0x7a) || // a-z
    (c >= 0x30 && c <= 0x39) || // 0-9
    c === 0x2b || c === 0x2f || // + /   standard
    c === 0x2d || c === 0x5f //    - _   URL-safe
  )
}

/**
 * The library accepts what it can read: it keeps fields Struct does not define as unknown fields and
 * does not check the wire type of known ones. Unknown fields anywhere mean the bytes are not a Struct.
 */
function decodeStruct(bytes: Uint8Array): Parsed<PeerMetadata> {
  let json: unknown
  try {
    const message = fromBinary(StructSchema, bytes)
    if (hasUnknownFields(message)) return skippedWith('bad-field', describeFailure(bytes, 'it has fields a Struct does not define'))
    json = toJson(StructSchema, message)
  } catch (err) {
    return skippedWith('bad-field', describeFailure(bytes, libraryMessage(err)))
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return skippedWith('bad-field', `${WHAT}: not a protobuf Struct`)
  return ok(json as {[key: string]: JsonValue})
}

function libraryMessage(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err)
  return message.replace(/\s*\n\s*/g, ' ')
}

/** Walks the decoded message (not the bytes) for `$unknown`, the library's record of undefined fields. */
function hasUnknownFields(node: unknown, depth = 0): boolean {
  if (node === null || typeof node !== 'object' || depth > 200) return false
  const unknown = (node as {$unknown?: unknown[]}).$unknown
  if (unknown !== undefined && unknown.length > 0) return true
  for (const child of Object.values(node)) {
    if (child !== null && typeof child === 'object' && hasUnknownFields(child, depth + 1)) return true
  }
  return false
}

function describeFailure(bytes: Uint8Array, fallback: string): string {
  const problem = findFirstProblem(bytes)
  if (problem?.startsWith('truncated')) return `${WHAT}: ${problem}`
  return `${WHAT}: not a protobuf Struct: ${problem ?? fallback}`
}

// ---- error wording only ------------------------------------------------------------------------------

type Shape = 'Struct' | 'Struct entry' | 'Value' | 'ListValue'
type FieldShape = {wire: WireType; child?: Shape}

// google/protobuf/struct.proto, field by field (Value: 1 null, 2 number, 3 string, 4 bool, 5 struct, 6 list);
// a map entry is the message {1: key, 2: value}.
const SHAPES: Record<Shape, Record<number, FieldShape>> = {
  Struct: {1: {wire: WireType.LengthDelimited, child: 'Struct entry'}},
  'Struct entry': {
    1: {wire: WireType.LengthDelimited},
    2: {wire: WireType.LengthDelimited, child: 'Value'},
  },
  Value: {
    1: {wire: WireType.Varint},
    2: {wire: WireType.Bit64},
    3: {wire: WireType.LengthDelimited},
    4: {wire: WireType.Varint},
    5: {wire: WireType.LengthDelimited, child: 'Struct'},
    6: {wire: WireType.LengthDelimited, child: 'ListValue'},
  },
  ListValue: {1: {wire: WireType.LengthDelimited, child: 'Value'}},
}

const MAX_DEPTH = 100

/** The first tag that does not fit Struct's shape, as "field 1 wire type 0 at byte 3"; undefined if none. */
export function findFirstProblem(bytes: Uint8Array): string | undefined {
  try {
    return walk(new BinaryReader(bytes), bytes.length, 'Struct', 0)
  } catch {
    return undefined
  }
}

function walk(reader: BinaryReader, end: number, shape: Shape, depth: number): string | undefined {
  if (depth > MAX_DEPTH) return `nested deeper than ${MAX_DEPTH} levels at byte ${reader.pos}`
  while (reader.pos < end) {
    const at = reader.pos
    let fieldNo: number, wire: WireType
    try {
      ;[fieldNo, wire] = reader.tag()
    } catch {
      return `invalid tag at byte ${at}`
    }
    if (reader.pos > end) return `truncated protobuf: tag at byte ${at} runs past the end`
    const field = SHAPES[shape][fieldNo]
    if (!field) return `unknown field ${fieldNo} (wire type ${wire}) in a ${shape} at byte ${at}`
    if (field.wire !== wire) return `field ${fieldNo} wire type ${wire} at byte ${at}`
    const problem = walkValue(reader, end, field, fieldNo, at, depth)
    if (problem) return problem
  }
  return undefined
}

function walkValue(reader: BinaryReader, end: number, field: FieldShape, fieldNo: number, at: number, depth: number): string | undefined {
  if (field.wire !== WireType.LengthDelimited) {
    try {
      reader.skip(field.wire)
    } catch {
      return `truncated protobuf: field ${fieldNo} at byte ${at} stops early`
    }
    return reader.pos > end ? `truncated protobuf: field ${fieldNo} at byte ${at} runs past the end` : undefined
  }
  let length: number
  try {
    length = reader.uint32()
  } catch {
    return `truncated protobuf: field ${fieldNo} at byte ${at} has no length`
  }
  const start = reader.pos
  if (start + length > end) return `truncated protobuf: field ${fieldNo} at byte ${at} declares ${length} bytes, ${Math.max(0, end - start)} remain`
  if (field.child) {
    const problem = walk(reader, start + length, field.child, depth + 1)
    if (problem) return problem
  }
  reader.pos = start + length
  return undefined
}
