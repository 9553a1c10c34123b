// Trace headers. B3 came from Istio's default Zipkin tracing (gone in 1.22, brief §7), traceparent from
// W3C tracers, X-Amzn-Trace-Id from the AWS load balancer in front of httpbin.org. The last one matters
// most: httpbin hides X-Request-Id, but the Root id's epoch second equals the egress gateway log's
// START_TIME second (brief §7), so it is how an echo joins its log lines.

import {ok, skippedWith, type Parsed} from '../result.js'
import {clip} from '../text/scrub.js'
import type {AmznTraceId, TraceIds} from './types.js'

const HEX16 = /^[0-9a-f]{16}$/
const HEX16_OR_32 = /^(?:[0-9a-f]{16}|[0-9a-f]{32})$/

type B3 = NonNullable<TraceIds['b3']>
type Traceparent = NonNullable<TraceIds['traceparent']>

/** X-B3-TraceId / -SpanId / -ParentSpanId / -Sampled / -Flags, given as found (undefined = absent). */
export function decodeB3Headers(h: {traceId?: string; spanId?: string; parentSpanId?: string; sampled?: string; flags?: string}): Parsed<B3> {
  const traceId = h.traceId?.trim().toLowerCase() ?? ''
  const spanId = h.spanId?.trim().toLowerCase() ?? ''
  if (!HEX16_OR_32.test(traceId)) return skippedWith('bad-field', `b3: X-B3-TraceId ${JSON.stringify(clip(h.traceId ?? '', 40))} is not 16 or 32 hex digits`)
  if (!HEX16.test(spanId)) return skippedWith('bad-field', `b3: X-B3-SpanId ${JSON.stringify(clip(h.spanId ?? '', 40))} is not 16 hex digits`)
  const b3: B3 = {traceId, spanId, sampled: readSampled(h.sampled)}
  const parent = h.parentSpanId?.trim().toLowerCase()
  if (parent !== undefined) {
    if (!HEX16.test(parent)) return skippedWith('bad-field', `b3: X-B3-ParentSpanId ${JSON.stringify(clip(parent, 40))} is not 16 hex digits`)
    b3.parentSpanId = parent
  }
  if (h.flags?.trim() === '1') b3.debug = true
  return ok(b3)
}

const readSampled = (s: string | undefined): boolean | null => {
  const v = s?.trim().toLowerCase()
  return v === '1' || v === 'true' || v === 'd' ? true : v === '0' || v === 'false' ? false : null
}

/** The single `b3` header: `TRACEID-SPANID[-SAMPLED[-PARENTSPANID]]`; a lone `0`/`1`/`d` carries no ids. */
export function decodeB3Single(value: string): Parsed<B3 | null> {
  const parts = value.trim().toLowerCase().split('-')
  if (parts.length === 1) return ['0', '1', 'd'].includes(parts[0] ?? '') ? ok(null) : skippedWith('bad-field', 'b3: expected TRACEID-SPANID[-SAMPLED[-PARENTSPANID]]')
  if (parts.length > 4) return skippedWith('bad-field', 'b3: more than four fields')
  const [traceId, spanId, sampled, parentSpanId] = parts
  return decodeB3Headers({traceId, spanId, sampled, parentSpanId, flags: sampled === 'd' ? '1' : undefined})
}

/** W3C traceparent: `00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>`. */
export function decodeTraceparent(value: string): Parsed<Traceparent> {
  const m = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/.exec(value.trim())
  if (!m) return skippedWith('bad-field', 'traceparent: expected VERSION-TRACEID(32 hex)-PARENTID(16 hex)-FLAGS(2 hex)')
  const [, version, traceId, parentId, flags] = m as unknown as [string, string, string, string, string]
  if (version === 'ff') return skippedWith('bad-field', 'traceparent: version ff is invalid')
  if (/^0+$/.test(traceId) || /^0+$/.test(parentId)) return skippedWith('bad-field', 'traceparent: an all-zero id is invalid')
  return ok({version, traceId, parentId, flags, sampled: (Number.parseInt(flags, 16) & 1) === 1})
}

/**
 * X-Amzn-Trace-Id: `Root=1-6675d2e5-5a8cf34f1b08829c1201f79f[;Parent=…][;Sampled=1]`, maybe with `Self=`
 * before Root when an ALB forwards an already-traced request. Root's second field is the epoch second.
 */
export function decodeAmznTraceId(value: string): Parsed<AmznTraceId> {
  const fields = new Map<string, string>()
  for (const part of value.split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0) fields.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim())
  }
  const root = fields.get('root')
  if (root === undefined) return skippedWith('bad-field', 'amzn trace id: no Root= field')
  const m = /^1-([0-9a-fA-F]{8})-([0-9a-fA-F]{24})$/.exec(root)
  if (!m) return skippedWith('bad-field', `amzn trace id: Root ${JSON.stringify(clip(root, 50))} is not 1-<8 hex>-<24 hex>`)
  const epochSeconds = Number.parseInt(m[1] as string, 16)
  const trace: AmznTraceId = {root, time: new Date(epochSeconds * 1000).toISOString(), epochSeconds}
  const parent = fields.get('parent')
  const self = fields.get('self')
  const sampled = fields.get('sampled')
  if (parent !== undefined) trace.parent = parent
  if (self !== undefined) trace.self = self
  if (sampled === '1' || sampled === '0') trace.sampled = sampled === '1'
  return ok(trace)
}
