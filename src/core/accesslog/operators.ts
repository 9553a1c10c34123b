import type {EntryField} from '../model.js'

/**
 * How a field's text is read and checked. The checks are what keeps a line from being parsed against the
 * wrong format: a misaligned split puts words where numbers, times or flags belong, and the match fails.
 * - time: %START_TIME% (default or a strftime pattern)
 * - int: digits, or `-` for unset
 * - flags: %RESPONSE_FLAGS% (`-` or comma-joined codes)
 * - protocol: `HTTP/1.1`, `HTTP/2`, `HTTP/3`, `-`
 * - token: one word without spaces (addresses, cluster and route names, details, TLS versions)
 * - text: anything, including the separators around it (header values, paths, subjects): the matcher may
 *   try a later separator for a text field when the fields after it do not fit.
 */
export type FieldKind = 'time' | 'int' | 'flags' | 'protocol' | 'token' | 'text'

export interface FieldSpec {
  /** The operator as written in the format, without the % signs: `REQ(USER-AGENT)`, `START_TIME(%s)`. */
  operator: string
  /** The AccessLogEntry field it fills, or null for a field that goes under `extra`. */
  field: EntryField | null
  kind: FieldKind
  /** The strftime pattern of START_TIME(fmt), when one is given. */
  timeFormat?: string
}

// Request and response headers that have a field of their own. Header names are case-insensitive.
const REQ_HEADERS: Record<string, EntryField> = {
  ':METHOD': 'method',
  ':PATH': 'path',
  'X-ENVOY-ORIGINAL-PATH?:PATH': 'path',
  ':AUTHORITY': 'authority',
  'HOST': 'authority',
  'X-FORWARDED-FOR': 'xForwardedFor',
  'USER-AGENT': 'userAgent',
  'X-REQUEST-ID': 'requestId',
}
const RESP_HEADERS: Record<string, EntryField> = {
  'X-ENVOY-UPSTREAM-SERVICE-TIME': 'upstreamServiceTime',
}

const SIMPLE: Record<string, [EntryField, FieldKind]> = {
  START_TIME: ['startTime', 'time'],
  PROTOCOL: ['protocol', 'protocol'],
  RESPONSE_CODE: ['responseCode', 'int'],
  RESPONSE_FLAGS: ['responseFlags', 'flags'],
  RESPONSE_FLAGS_LONG: ['responseFlags', 'flags'],
  RESPONSE_CODE_DETAILS: ['responseCodeDetails', 'token'],
  CONNECTION_TERMINATION_DETAILS: ['connectionTerminationDetails', 'token'],
  UPSTREAM_TRANSPORT_FAILURE_REASON: ['upstreamTransportFailureReason', 'text'],
  BYTES_RECEIVED: ['bytesReceived', 'int'],
  BYTES_SENT: ['bytesSent', 'int'],
  DURATION: ['duration', 'int'],
  UPSTREAM_HOST: ['upstreamHost', 'token'],
  UPSTREAM_CLUSTER: ['upstreamCluster', 'token'],
  UPSTREAM_CLUSTER_RAW: ['upstreamCluster', 'token'],
  UPSTREAM_LOCAL_ADDRESS: ['upstreamLocalAddress', 'token'],
  DOWNSTREAM_LOCAL_ADDRESS: ['downstreamLocalAddress', 'token'],
  DOWNSTREAM_REMOTE_ADDRESS: ['downstreamRemoteAddress', 'token'],
  REQUESTED_SERVER_NAME: ['requestedServerName', 'token'],
  ROUTE_NAME: ['routeName', 'token'],
  UPSTREAM_TLS_VERSION: ['upstreamTlsVersion', 'token'],
  UPSTREAM_PEER_URI_SAN: ['upstreamPeerUriSan', 'text'],
  UPSTREAM_PEER_SUBJECT: ['upstreamPeerSubject', 'text'],
  DOWNSTREAM_TLS_VERSION: ['downstreamTlsVersion', 'token'],
  DOWNSTREAM_PEER_URI_SAN: ['downstreamPeerUriSan', 'text'],
  DOWNSTREAM_PEER_SUBJECT: ['downstreamPeerSubject', 'text'],
}

// Fields whose unset value is a number in Envoy's JSON output but which have no field of their own.
const EXTRA_INT = new Set(['RESPONSE_DURATION', 'REQUEST_DURATION', 'RESPONSE_TX_DURATION', 'UPSTREAM_REQUEST_ATTEMPT_COUNT', 'BYTES_RETRANSMITTED', 'PACKETS_RETRANSMITTED', 'UPSTREAM_WIRE_BYTES_SENT', 'UPSTREAM_WIRE_BYTES_RECEIVED', 'DOWNSTREAM_WIRE_BYTES_SENT', 'DOWNSTREAM_WIRE_BYTES_RECEIVED'])

/**
 * Describes one command operator. Unknown operators are accepted as text under `extra`: Envoy grows new
 * operators every release and a user's format must not be refused because of one we have not met.
 * @example describeOperator('REQ(USER-AGENT)') // {field: 'userAgent', kind: 'text', …}
 * @example describeOperator('REQ(X-B3-TRACEID):16') // extra, the `:16` length limit dropped
 */
export function describeOperator(operator: string): FieldSpec {
  const m = /^([A-Z0-9_]+)(?:\((.*)\))?(?::(\d+))?$/.exec(operator)
  if (!m) return {operator, field: null, kind: 'text'}
  const name = m[1]!
  const arg = m[2]
  if (name === 'START_TIME') {
    return arg ? {operator, field: 'startTime', kind: 'time', timeFormat: arg} : {operator, field: 'startTime', kind: 'time'}
  }
  if ((name === 'REQ' || name === 'RESP' || name === 'TRAILER') && arg !== undefined) {
    const key = arg.toUpperCase()
    const field = name === 'REQ' ? REQ_HEADERS[key] : name === 'RESP' ? RESP_HEADERS[key] : undefined
    if (field === 'method') return {operator, field, kind: 'token'}
    if (field === 'upstreamServiceTime') return {operator, field, kind: 'int'}
    return {operator, field: field ?? null, kind: 'text'}
  }
  if (name === 'DYNAMIC_METADATA' && arg === 'istio.mixer:status') return {operator, field: 'mixerStatus', kind: 'text'}
  const simple = arg === undefined ? SIMPLE[name] : undefined
  if (simple) return {operator, field: simple[0], kind: simple[1]}
  if (EXTRA_INT.has(name)) return {operator, field: null, kind: 'int'}
  return {operator, field: null, kind: 'text'}
}
