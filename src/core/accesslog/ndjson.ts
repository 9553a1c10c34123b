// The NDJSON `parse` prints, written as UTF-8 bytes straight from a matched line's field boundaries.
// JSON.stringify of an entry object cost 60% of `parse` (building the object, escaping every string,
// then encoding the result to UTF-8 on write); here a field that is printable ASCII without `"` or `\`
// — nearly all of them — is copied byte by byte from the line, keys are constant bytes compiled once
// per format, and only a field holding anything else goes through stringifySafe. The bytes are exactly
// `stringifySafe(buildEntry(...)) + '\n'` (a property test holds the two together).

import type {SourceRef} from '../model.js'
import {stringifySafe} from '../text/json.js'
import type {TextPlan} from './compile.js'
import {isDash, readInt} from './field-text.js'

const encoder = new TextEncoder()

/**
 * A growable byte buffer, kept across batches: take() hands over a copy of what was written and starts
 * again in the same memory. Copying a batch out is one memcpy; a fresh buffer per batch costs more
 * (large allocations come back zeroed, page by page, from the kernel, and grow by copying anyway).
 */
export class ByteSink {
  bytes: Uint8Array
  length = 0

  constructor(initial = 1 << 16) {
    this.bytes = new Uint8Array(initial)
  }

  /** Room for n more bytes. */
  ensure(n: number): void {
    if (this.length + n <= this.bytes.length) return
    const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.length + n))
    grown.set(this.bytes.subarray(0, this.length))
    this.bytes = grown
  }

  /** Any string, as UTF-8 (lone surrogates become U+FFFD, as every encoder does; JSON text has none). */
  writeString(s: string): void {
    this.ensure(s.length * 3)
    this.length += encoder.encodeInto(s, this.bytes.subarray(this.length)).written
  }

  /** What was written since the last take(), in its own buffer (transferable to another thread). */
  take(): Uint8Array {
    const out = this.bytes.slice(0, this.length)
    this.length = 0
    return out
  }
}

const QUOTE = 0x22
const BACKSLASH = 0x5c
const COMMA = 0x2c

// The writers below take the buffer and a position and return the new position: locals the compiler
// keeps in registers (module state, written per byte, measured 40% slower).

function putBytes(o: Uint8Array, a: number, b: Uint8Array): number {
  // TypedArray.set, even for a dozen bytes: a JS loop over typed arrays costs V8 11 (Node 20) about 34
  // instructions a byte, set about 360 a call (callgrind).
  o.set(b, a)
  return a + b.length
}

/** s[p, e) as a JSON string, quotes included; -1 (nothing written) when a character needs escaping or is not ASCII. */
function putText(o: Uint8Array, a: number, s: string, p: number, e: number): number {
  o[a++] = QUOTE
  for (let k = p; k < e; k++) {
    const c = s.charCodeAt(k)
    // Printable ASCII but `"` and `\`: the characters JSON.stringify and safeJson leave as they are.
    if (c < 0x20 || c > 0x7e || c === QUOTE || c === BACKSLASH) return -1
    o[a++] = c
  }
  o[a++] = QUOTE
  return a
}

/**
 * The rare value that needs escaping, is not ASCII or is not a small integer: JSON.stringify's text as
 * UTF-8. It may grow the sink's buffer: the caller takes `sink.bytes` afresh. Returns the new position.
 */
function putJson(sink: ByteSink, a: number, value: unknown, reserve: number): number {
  sink.length = a
  sink.writeString(stringifySafe(value))
  sink.ensure(reserve)
  return sink.length
}

/** A non-negative integer below 10^15 (what the parser reads), or -1 for anything else. */
function putInteger(o: Uint8Array, a: number, n: number): number {
  if (n >= 0 && n < 1e9 && (n | 0) === n) return putDigits(o, a, n, 0)
  if (!(n >= 0 && n < 1e15 && Number.isInteger(n))) return -1
  // Epoch milliseconds: two int32 halves, the lower nine digits zero-padded.
  const high = Math.floor(n / 1e9)
  return putDigits(o, putDigits(o, a, high, 0), n - high * 1e9, 9)
}

function putDigits(o: Uint8Array, a: number, n: number, width: number): number {
  let digits = 1
  for (let m = n; m >= 10; m = (m / 10) | 0) digits++
  if (digits < width) digits = width
  const end = a + digits
  for (let k = end - 1; k >= a; k--) {
    o[k] = 48 + (n % 10)
    n = (n / 10) | 0
  }
  return end
}

/** How each field of a plan is written: the same decisions as parse-text's compiled builder. */
const enum Op {
  Str,
  Int,
  Flags,
  Cluster,
  Time,
}

interface Writer {
  plan: TextPlan
  /** `{"k0":`, `,"k1":`, …: each field's key and what precedes it. */
  keys: Uint8Array[]
  ops: Op[]
  /** The constant bytes of a line: keys, `startMs`, source keys, format. */
  fixed: number
  /** `},"format":"NAME"}` and the newline. */
  tail: Uint8Array
}

const writers = new WeakMap<TextPlan, Writer | null>()
let last: Writer | null = null

/** The plan's writer, or null when entries of this plan carry `extra` (custom operators): those go through JSON.stringify. */
function writerFor(plan: TextPlan): Writer | null {
  if (last !== null && last.plan === plan) return last
  let w = writers.get(plan)
  if (w === undefined) {
    w = plan.steps.every((s) => s.spec.field !== null) ? compileWriter(plan) : null
    writers.set(plan, w)
  }
  if (w !== null) last = w
  return w
}

function compileWriter(plan: TextPlan): Writer {
  const keys: Uint8Array[] = []
  const ops: Op[] = []
  plan.steps.forEach(({spec}, i) => {
    const field = spec.kind === 'time' ? 'startTime' : spec.field!
    keys.push(encoder.encode(`${i === 0 ? '{' : ','}${JSON.stringify(field)}:`))
    if (spec.kind === 'time') ops.push(Op.Time)
    else if (spec.kind === 'flags') ops.push(Op.Flags)
    else if (spec.kind === 'int') ops.push(Op.Int)
    else if (spec.field === 'upstreamCluster') ops.push(Op.Cluster)
    else ops.push(Op.Str)
  })
  const tail = encoder.encode(`},"format":${stringifySafe(plan.name)}}\n`)
  const fixed = keys.reduce((n, k) => n + k.length, 0) + START_MS.length + tail.length
  return {plan, keys, ops, fixed, tail}
}

const START_MS = encoder.encode(',"startMs":')
const NULL = encoder.encode('null')
const NO_FLAGS = encoder.encode('[]')

// `,"source":{"input":"NAME","line":` for the input being read (a reader reads one input at a time).
let sourceInput: string | undefined
let sourceHead = new Uint8Array(0)

/**
 * Writes the entry of a successful match — `b` holds its field boundaries, `t` its start time — as one
 * NDJSON line. Returns false (and writes nothing) for a plan whose entries need the generic path.
 */
export function writeTextEntry(sink: ByteSink, s: string, plan: TextPlan, b: Int32Array, t: number, source: SourceRef): boolean {
  const w = writerFor(plan)
  if (w === null) return false
  if (source.input !== sourceInput) {
    sourceInput = source.input
    sourceHead = encoder.encode(`,"source":{"input":${stringifySafe(source.input)},"line":`)
  }
  // Enough for the fast path: the constant bytes, and for the line's characters at most three bytes
  // each (a flag `A,B` becomes `"A","B"`), numbers included. Only putJson may need more; it makes sure.
  const reserve = w.fixed + sourceHead.length + 3 * s.length + 64
  sink.ensure(reserve)
  let o = sink.bytes
  let a = sink.length
  const {keys, ops} = w
  for (let i = 0; i < ops.length; i++) {
    a = putBytes(o, a, keys[i]!)
    const p = b[2 * i]!
    let e = b[2 * i + 1]!
    const op = ops[i]
    let r: number
    if (op === Op.Int) {
      // A dash is null; digits, checked by the matcher, are a number.
      r = isDash(s, p, e) ? putBytes(o, a, NULL) : putInteger(o, a, readInt(s, p, e))
      if (r < 0) r = putJson(sink, a, readInt(s, p, e), reserve)
    } else if (op === Op.Flags) {
      r = isDash(s, p, e) ? putBytes(o, a, NO_FLAGS) : putFlags(o, a, s, p, e)
      if (r < 0) r = putJson(sink, a, s.slice(p, e).split(','), reserve)
    } else {
      // Istio 1.23's alt_stat_name ends in ';': dropped, as the builder does.
      if (op === Op.Cluster && s.charCodeAt(e - 1) === 0x3b) e--
      if (op !== Op.Time && isDash(s, p, e)) r = putBytes(o, a, NULL)
      else if ((r = putText(o, a, s, p, e)) < 0) r = putJson(sink, a, s.slice(p, e), reserve)
      if (op === Op.Time) {
        o = sink.bytes
        r = putBytes(o, r, START_MS)
        const after = putInteger(o, r, t)
        r = after < 0 ? putJson(sink, r, t, reserve) : after
      }
    }
    o = sink.bytes
    a = r
  }
  a = putBytes(o, a, sourceHead)
  a = putInteger(o, a, source.line)
  // What an envelope added (pod, container, namespace, timestamp), in the order it was set.
  if (source.pod !== undefined || source.timestamp !== undefined || source.container !== undefined || source.namespace !== undefined) {
    a = putEnvelope(sink, a, source, reserve)
    o = sink.bytes
  }
  sink.length = putBytes(o, a, w.tail)
  return true
}

/** `UF,URX` → `["UF","URX"]` (the split the builder makes); -1 when a flag needs escaping. */
function putFlags(o: Uint8Array, a: number, s: string, p: number, e: number): number {
  o[a++] = 0x5b /* [ */
  let from = p
  for (let k = p; k <= e; k++) {
    if (k < e && s.charCodeAt(k) !== COMMA) continue
    if (from > p) o[a++] = COMMA
    a = putText(o, a, s, from, k)
    if (a < 0) return -1
    from = k + 1
  }
  o[a++] = 0x5d /* ] */
  return a
}

/** The source's keys after input and line, as JSON.stringify orders them (as they were set). */
function putEnvelope(sink: ByteSink, a: number, source: SourceRef, reserve: number): number {
  for (const key in source) {
    if (key === 'input' || key === 'line') continue
    const v = source[key as keyof SourceRef]
    if (v === undefined) continue
    const k = sourceKey(key)
    sink.length = a
    sink.ensure(k.length + (typeof v === 'string' ? v.length : 0) + 2 + reserve)
    const o = sink.bytes
    a = putBytes(o, a, k)
    const r = typeof v === 'string' ? putText(o, a, v, 0, v.length) : -1
    a = r < 0 ? putJson(sink, a, v, reserve) : r
  }
  return a
}

// `,"pod":`, `,"timestamp":`, …: the few keys an envelope sets, encoded once.
const sourceKeys = new Map<string, Uint8Array>()
function sourceKey(key: string): Uint8Array {
  let k = sourceKeys.get(key)
  if (k === undefined) {
    k = encoder.encode(`,${stringifySafe(key)}:`)
    if (sourceKeys.size < 64) sourceKeys.set(key, k)
  }
  return k
}
