// One header set → HeaderEvidence: every header the audit understands, decoded, and what they support.
// Nothing here throws: a header that will not decode is null in the evidence and named in `errors`.

import type {Parsed} from '../result.js'
import {concludeFromHeaders} from './conclusions.js'
import {decodeAttemptCount, decodeDecoratorOperation, decodeEnvoyInternal, decodeForwardedFor} from './envoy-headers.js'
import {firstHeader, headerFields, toHeaderSet, type HeaderInput} from './header-set.js'
import {decodePeerId} from './peer-id.js'
import {decodePeerMetadata} from './peer-metadata.js'
import {decodeAmznTraceId, decodeB3Headers, decodeB3Single, decodeTraceparent} from './trace.js'
import type {HeaderError, HeaderEvidence, HeaderField, TraceIds, XfccElement} from './types.js'
import {decodeXfcc} from './xfcc.js'

export interface EvidenceOptions {
  /** The time to check certificates against when the headers do not carry the request's own time. */
  now: Date | number
  /** Whether the echo service is outside the mesh; when unset, judged from the Host header. */
  external?: boolean
}

/** Decodes one header set into evidence. Never throws. */
export function buildHeaderEvidence(input: HeaderInput, options: EvidenceOptions): HeaderEvidence {
  const set = toHeaderSet(input)
  const errors: HeaderError[] = []
  const decodeFirst = <T>(name: string, decode: (value: string) => Parsed<T>): T | null => {
    const fields = headerFields(set.headers, name)
    const first = fields[0]
    if (first === undefined) return null
    if (fields.some((f) => f.value !== first.value)) {
      errors.push({header: first.name, line: first.line, message: `${first.name} appears ${fields.length} times with different values; the first is used`})
    }
    return keep(first, decode(first.value), errors)
  }

  const amznTraceId = decodeFirst('X-Amzn-Trace-Id', decodeAmznTraceId)
  // A certificate matters as it was when presented: the request's own time, when the headers carry it.
  const checkedAt = new Date(amznTraceId?.time ?? options.now)
  const evidence: Omit<HeaderEvidence, 'conclusions'> = {
    source: set.source,
    kind: set.kind,
    headers: set.headers,
    peerMetadata: decodeFirst('X-Envoy-Peer-Metadata', decodePeerMetadata),
    peerId: decodeFirst('X-Envoy-Peer-Metadata-Id', decodePeerId),
    xfcc: decodeXfccHeaders(set.headers, checkedAt, errors),
    decoratorOperation: decodeFirst('X-Envoy-Decorator-Operation', decodeDecoratorOperation),
    envoyInternal: decodeFirst('X-Envoy-Internal', decodeEnvoyInternal),
    attemptCount: decodeFirst('X-Envoy-Attempt-Count', decodeAttemptCount),
    requestId: firstHeader(set.headers, 'X-Request-Id')?.value.trim() ?? null,
    forwardedFor: decodeForwardedForHeaders(set.headers, errors),
    trace: decodeTraceHeaders(set.headers, errors),
    amznTraceId,
    amznTraceTime: amznTraceId?.time ?? null,
    // An invalid `now` is the caller's bug, but evidence still must not throw: it is shown as given.
    certificatesCheckedAt: Number.isNaN(checkedAt.getTime()) ? String(options.now) : checkedAt.toISOString(),
    errors,
  }
  return {...evidence, conclusions: concludeFromHeaders(evidence, options.external)}
}

function keep<T>(field: HeaderField, decoded: Parsed<T>, errors: HeaderError[]): T | null {
  if (decoded.ok) return decoded.value
  errors.push({header: field.name, line: field.line, message: decoded.detail ?? decoded.reason})
  return null
}

/** Repeated XFCC headers are one comma-separated list (each proxy appends an element). */
function decodeXfccHeaders(headers: readonly HeaderField[], at: Date, errors: HeaderError[]): XfccElement[] | null {
  const fields = headerFields(headers, 'X-Forwarded-Client-Cert')
  const first = fields[0]
  if (first === undefined) return null
  const elements = keep(first, decodeXfcc(fields.map((f) => f.value).join(','), {now: at}), errors)
  for (const problem of elements?.flatMap((e) => e.problems) ?? []) errors.push({header: first.name, line: first.line, message: problem})
  return elements
}

function decodeForwardedForHeaders(headers: readonly HeaderField[], errors: HeaderError[]): string[] | null {
  const fields = headerFields(headers, 'X-Forwarded-For')
  const first = fields[0]
  return first === undefined ? null : keep(first, decodeForwardedFor(fields.map((f) => f.value)), errors)
}

function decodeTraceHeaders(headers: readonly HeaderField[], errors: HeaderError[]): TraceIds | null {
  const trace: TraceIds = {}
  const value = (name: string) => firstHeader(headers, name)?.value
  const traceIdField = firstHeader(headers, 'X-B3-TraceId')
  const single = firstHeader(headers, 'b3')
  if (traceIdField) {
    const b3 = keep(traceIdField, decodeB3Headers({
      traceId: traceIdField.value,
      spanId: value('X-B3-SpanId'),
      parentSpanId: value('X-B3-ParentSpanId'),
      sampled: value('X-B3-Sampled'),
      flags: value('X-B3-Flags'),
    }), errors)
    if (b3) trace.b3 = b3
  } else if (single) {
    const b3 = keep(single, decodeB3Single(single.value), errors)
    if (b3) trace.b3 = b3
  }
  const parent = firstHeader(headers, 'traceparent')
  if (parent) {
    const tp = keep(parent, decodeTraceparent(parent.value), errors)
    if (tp) trace.traceparent = tp
  }
  return trace.b3 || trace.traceparent ? trace : null
}
