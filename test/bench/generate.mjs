#!/usr/bin/env node
// A deterministic generator of realistic Istio/Envoy access logs, with an oracle.
//
// It models requests, not lines: each request follows one row of the scenario matrix
// (shared/domain-brief.md §10) and yields the sidecar line and, where the request passes an egress
// gateway, the gateway line, with the join keys a real mesh produces (same x-request-id; gateway
// DOWNSTREAM_REMOTE_ADDRESS = sidecar UPSTREAM_LOCAL_ADDRESS; sidecar UPSTREAM_HOST = gateway pod
// IP:8080/8443; gateway X-Forwarded-For = sidecar pod IP; gateway START_TIME a few ms later and its
// DURATION shorter, brief §4.3). Every line comes with `expected`: the AccessLogEntry fields the
// generator put in, so a parser can be checked against values that never went through a parser.
//
// Plain ESM JavaScript so that `node` runs it without a build and vitest imports it; the types live
// in generate.d.mts. No Math.random: one seeded PRNG (mulberry32) per concern, so the same seed gives
// the same bytes on every machine.
//
//   node test/bench/generate.mjs --lines 1000000 --seed 1 [--format istio[,envoy,...]] \
//        [--prefix-share 0.3] [--timestamp-share 0.1] > file.log

import {pathToFileURL} from 'node:url'

// ---------------------------------------------------------------------------------------------
// Format strings. Copied from the brief (§1.1, §1.3) and, for the older Istio releases, built from
// the brief's change table; the 1.1/1.2/1.3 strings match istio/istio's EnvoyTextLogFormat,
// EnvoyTextLogFormat12 and EnvoyTextLogFormat13 constants. Each ends with the newline Envoy appends.

const REQ_LINE = '"%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%"'
const COMMON_TAIL =
  '%BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%" "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%"'
const ADDRS = '%UPSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_REMOTE_ADDRESS% %REQUESTED_SERVER_NAME%'
const TLS_FIELDS =
  '%UPSTREAM_TLS_VERSION% "%UPSTREAM_PEER_URI_SAN%" "%UPSTREAM_PEER_SUBJECT%" %DOWNSTREAM_TLS_VERSION% "%DOWNSTREAM_PEER_URI_SAN%" "%DOWNSTREAM_PEER_SUBJECT%"'

const ISTIO_CURRENT = `[%START_TIME%] ${REQ_LINE} %RESPONSE_CODE% %RESPONSE_FLAGS% %RESPONSE_CODE_DETAILS% %CONNECTION_TERMINATION_DETAILS% "%UPSTREAM_TRANSPORT_FAILURE_REASON%" ${COMMON_TAIL} %UPSTREAM_CLUSTER_RAW% ${ADDRS} %ROUTE_NAME%`

/** Envoy format strings, keyed by preset name. */
export const FORMAT_STRINGS = Object.freeze({
  // Istio ≥1.23 (proxy), 22 fields (brief §1.1). 1.9–1.22 print %UPSTREAM_CLUSTER% in the same place.
  istio: `${ISTIO_CURRENT}\n`,
  // Istio 1.8: mixer status dropped, no details yet (20 fields).
  'istio-1.8': `[%START_TIME%] ${REQ_LINE} %RESPONSE_CODE% %RESPONSE_FLAGS% "%UPSTREAM_TRANSPORT_FAILURE_REASON%" ${COMMON_TAIL} %UPSTREAM_CLUSTER% ${ADDRS} %ROUTE_NAME%\n`,
  // Istio 1.3–1.7: mixer status and UTFR after the flags, route name at the end (21 fields).
  'istio-1.3': `[%START_TIME%] ${REQ_LINE} %RESPONSE_CODE% %RESPONSE_FLAGS% "%DYNAMIC_METADATA(istio.mixer:status)%" "%UPSTREAM_TRANSPORT_FAILURE_REASON%" ${COMMON_TAIL} %UPSTREAM_CLUSTER% ${ADDRS} %ROUTE_NAME%\n`,
  // Istio 1.2: as 1.3 without the route name (20 fields).
  'istio-1.2': `[%START_TIME%] ${REQ_LINE} %RESPONSE_CODE% %RESPONSE_FLAGS% "%DYNAMIC_METADATA(istio.mixer:status)%" "%UPSTREAM_TRANSPORT_FAILURE_REASON%" ${COMMON_TAIL} %UPSTREAM_CLUSTER% ${ADDRS}\n`,
  // Istio 1.1: mixer status, no UTFR (19 fields).
  'istio-1.1': `[%START_TIME%] ${REQ_LINE} %RESPONSE_CODE% %RESPONSE_FLAGS% "%DYNAMIC_METADATA(istio.mixer:status)%" ${COMMON_TAIL} %UPSTREAM_CLUSTER% ${ADDRS}\n`,
  // Envoy's own default (brief §1.3).
  envoy: `[%START_TIME%] ${REQ_LINE} %RESPONSE_CODE% %RESPONSE_FLAGS% ${COMMON_TAIL}\n`,
  // Istio's JSON encoding (brief §1.2): the key → operator object, keys in the brief's (Istio's source)
  // order. Envoy prints the keys in another order (see JSON_KEYS below); parsers must not care.
  'istio-json': JSON.stringify({
    start_time: '%START_TIME%',
    route_name: '%ROUTE_NAME%',
    method: '%REQ(:METHOD)%',
    path: '%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%',
    protocol: '%PROTOCOL%',
    response_code: '%RESPONSE_CODE%',
    response_flags: '%RESPONSE_FLAGS%',
    response_code_details: '%RESPONSE_CODE_DETAILS%',
    connection_termination_details: '%CONNECTION_TERMINATION_DETAILS%',
    bytes_received: '%BYTES_RECEIVED%',
    bytes_sent: '%BYTES_SENT%',
    duration: '%DURATION%',
    upstream_service_time: '%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%',
    x_forwarded_for: '%REQ(X-FORWARDED-FOR)%',
    user_agent: '%REQ(USER-AGENT)%',
    request_id: '%REQ(X-REQUEST-ID)%',
    authority: '%REQ(:AUTHORITY)%',
    upstream_host: '%UPSTREAM_HOST%',
    upstream_cluster: '%UPSTREAM_CLUSTER_RAW%',
    upstream_local_address: '%UPSTREAM_LOCAL_ADDRESS%',
    downstream_local_address: '%DOWNSTREAM_LOCAL_ADDRESS%',
    downstream_remote_address: '%DOWNSTREAM_REMOTE_ADDRESS%',
    requested_server_name: '%REQUESTED_SERVER_NAME%',
    upstream_transport_failure_reason: '%UPSTREAM_TRANSPORT_FAILURE_REASON%',
  }),
  // Our preset: Istio's current format followed by the TLS evidence fields.
  'egress-audit': `${ISTIO_CURRENT} ${TLS_FIELDS}\n`,
})

/** Formats the generator can write, in FORMAT_STRINGS order. */
export const FORMATS = Object.freeze(Object.keys(FORMAT_STRINGS))

/**
 * Shapes the generator can render but does not emit: `istio-1.0`, the 18-field lines of the 2019
 * istio.io pages (no mixer status, no UTFR, no route, RNS last; a 2019 Envoy config dump shows this
 * string). Used to check the hand-written expectations of real lines.
 */
export const EXTRA_FORMAT_STRINGS = Object.freeze({
  'istio-1.0': `[%START_TIME%] ${REQ_LINE} %RESPONSE_CODE% %RESPONSE_FLAGS% ${COMMON_TAIL} %UPSTREAM_CLUSTER% ${ADDRS}\n`,
})

// Text layouts: model field names in line order. 'REQ' = the quoted method/path/protocol triple;
// {q: name} = a quoted field.
const REQ = 'REQ'
/** @param {string} f */
const q = (f) => ({q: f})
const T_TAIL = [q('xForwardedFor'), q('userAgent'), q('requestId'), q('authority'), q('upstreamHost')]
const T_NUMS = ['bytesReceived', 'bytesSent', 'duration', 'upstreamServiceTime']
const T_ADDRS = ['upstreamLocalAddress', 'downstreamLocalAddress', 'downstreamRemoteAddress', 'requestedServerName']
const L_ISTIO = ['startTime', REQ, 'responseCode', 'responseFlags', 'responseCodeDetails', 'connectionTerminationDetails', q('upstreamTransportFailureReason'), ...T_NUMS, ...T_TAIL, 'upstreamCluster', ...T_ADDRS, 'routeName']
const LAYOUTS = {
  istio: L_ISTIO,
  'istio-1.8': ['startTime', REQ, 'responseCode', 'responseFlags', q('upstreamTransportFailureReason'), ...T_NUMS, ...T_TAIL, 'upstreamCluster', ...T_ADDRS, 'routeName'],
  'istio-1.3': ['startTime', REQ, 'responseCode', 'responseFlags', q('mixerStatus'), q('upstreamTransportFailureReason'), ...T_NUMS, ...T_TAIL, 'upstreamCluster', ...T_ADDRS, 'routeName'],
  'istio-1.2': ['startTime', REQ, 'responseCode', 'responseFlags', q('mixerStatus'), q('upstreamTransportFailureReason'), ...T_NUMS, ...T_TAIL, 'upstreamCluster', ...T_ADDRS],
  'istio-1.1': ['startTime', REQ, 'responseCode', 'responseFlags', q('mixerStatus'), ...T_NUMS, ...T_TAIL, 'upstreamCluster', ...T_ADDRS],
  envoy: ['startTime', REQ, 'responseCode', 'responseFlags', ...T_NUMS, ...T_TAIL],
  'egress-audit': [...L_ISTIO, 'upstreamTlsVersion', q('upstreamPeerUriSan'), q('upstreamPeerSubject'), 'downstreamTlsVersion', q('downstreamPeerUriSan'), q('downstreamPeerSubject')],
  'istio-1.0': ['startTime', REQ, 'responseCode', 'responseFlags', ...T_NUMS, ...T_TAIL, 'upstreamCluster', ...T_ADDRS],
}

// JSON keys → model fields, in the order Envoy printed them in a real 1.9.5 line (istio/istio#33281;
// fixtures/seeds/i33281-blackhole-json.log): protobuf map order, neither sorted nor Istio's.
const NUMERIC = new Set(['responseCode', 'bytesReceived', 'bytesSent', 'duration'])
const JSON_KEYS = /** @type {[string, string][]} */ ([
  ['response_code', 'responseCode'],
  ['upstream_service_time', 'upstreamServiceTime'],
  ['upstream_host', 'upstreamHost'],
  ['upstream_local_address', 'upstreamLocalAddress'],
  ['request_id', 'requestId'],
  ['downstream_remote_address', 'downstreamRemoteAddress'],
  ['bytes_sent', 'bytesSent'],
  ['upstream_cluster', 'upstreamCluster'],
  ['upstream_transport_failure_reason', 'upstreamTransportFailureReason'],
  ['authority', 'authority'],
  ['duration', 'duration'],
  ['response_code_details', 'responseCodeDetails'],
  ['response_flags', 'responseFlags'],
  ['protocol', 'protocol'],
  ['user_agent', 'userAgent'],
  ['path', 'path'],
  ['connection_termination_details', 'connectionTerminationDetails'],
  ['method', 'method'],
  ['downstream_local_address', 'downstreamLocalAddress'],
  ['route_name', 'routeName'],
  ['x_forwarded_for', 'xForwardedFor'],
  ['requested_server_name', 'requestedServerName'],
  ['start_time', 'startTime'],
  ['bytes_received', 'bytesReceived'],
])

/** The model fields a format carries (what `expected` holds besides startMs, format and source). */
export function fieldsOf(format) {
  if (format === 'istio-json') return JSON_KEYS.map(([, f]) => f)
  const layout = LAYOUTS[format]
  if (!layout) throw new Error(`unknown format ${format}`)
  const out = []
  for (const item of layout) {
    if (item === REQ) out.push('method', 'path', 'protocol')
    else out.push(typeof item === 'string' ? item : item.q)
  }
  return out
}

// ---------------------------------------------------------------------------------------------
// Rendering

const dash = (v) => (v === null || v === undefined ? '-' : String(v))
const flagsText = (f) => (f && f.length ? f.join(',') : '-')

/**
 * Renders one entry (AccessLogEntry-shaped: model field names, null for `-`) in a format.
 * @param {Record<string, any>} e
 * @param {string} format
 */
export function renderLine(e, format) {
  if (format === 'istio-json') {
    let s = '{'
    for (let i = 0; i < JSON_KEYS.length; i++) {
      const [key, f] = JSON_KEYS[i]
      let v = e[f]
      if (f === 'responseFlags') v = flagsText(v)
      else if (v === undefined || v === null) v = null
      else if (f === 'upstreamServiceTime') v = String(v)
      else if (!NUMERIC.has(f)) v = String(v)
      s += (i ? ',' : '') + JSON.stringify(key) + ':' + JSON.stringify(v)
    }
    return s + '}'
  }
  const layout = LAYOUTS[format]
  if (!layout) throw new Error(`unknown format ${format}`)
  const parts = []
  for (const item of layout) {
    if (item === 'startTime') parts.push(`[${e.startTime}]`)
    else if (item === REQ) parts.push(`"${dash(e.method)} ${dash(e.path)} ${dash(e.protocol)}"`)
    else if (item === 'responseFlags') parts.push(flagsText(e.responseFlags))
    else if (typeof item === 'string') parts.push(dash(e[item]))
    else parts.push(`"${dash(e[item.q])}"`)
  }
  return parts.join(' ')
}

/**
 * The oracle: the entry projected on the fields the format carries (null for `-`), plus startMs
 * and the format name. `source` is added by the envelope, not here.
 * @param {Record<string, any>} e
 * @param {string} format
 */
export function expectedFor(e, format) {
  /** @type {Record<string, any>} */
  const out = {}
  for (const f of fieldsOf(format)) {
    const v = e[f]
    if (f === 'responseFlags') out[f] = v ? [...v] : []
    else out[f] = v === undefined ? null : v
    if (f === 'startTime') out.startMs = e.startMs ?? Date.parse(e.startTime)
  }
  out.format = format
  return out
}

// kubectl / stern envelopes ------------------------------------------------------------------

/** Kubelet's RFC3339NanoFixed: always nine fraction digits. */
export function kubeletTimestamp(ms, nanosInMs = 0) {
  const iso = new Date(ms).toISOString() // 2024-06-21T19:24:00.453Z
  return `${iso.slice(0, 23)}${String(nanosInMs).padStart(6, '0')}Z`
}

/** Go's json.Marshal escapes <, > and & (and U+2028/9); stern's `-o json` goes through it. */
function goJson(value) {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
}

export const ENVELOPES = Object.freeze(['plain', 'prefix', 'timestamps', 'prefix-timestamps', 'stern', 'stern-raw', 'stern-json'])

/**
 * Wraps a line as kubectl or stern would print it, and returns the `source` fields a reader
 * should recover (none for plain lines).
 * @param {string} line
 * @param {string} kind one of ENVELOPES
 * @param {{pod: string, container?: string, namespace: string, node?: string, timestamp?: string}} who
 */
export function wrapEnvelope(line, kind, who) {
  const container = who.container ?? 'istio-proxy'
  switch (kind) {
    case 'plain':
    case 'stern-raw':
      return {text: line, source: undefined}
    case 'prefix':
      return {text: `[pod/${who.pod}/${container}] ${line}`, source: {pod: who.pod, container}}
    case 'timestamps':
      return {text: `${who.timestamp} ${line}`, source: {timestamp: who.timestamp}}
    case 'prefix-timestamps':
      return {text: `[pod/${who.pod}/${container}] ${who.timestamp} ${line}`, source: {pod: who.pod, container, timestamp: who.timestamp}}
    case 'stern':
      return {text: `${who.pod} ${container} ${line}`, source: {pod: who.pod, container}}
    case 'stern-json':
      return {
        text: goJson({message: line, nodeName: who.node ?? 'kind-control-plane', namespace: who.namespace, podName: who.pod, containerName: container}),
        source: {pod: who.pod, container, namespace: who.namespace},
      }
    default:
      throw new Error(`unknown envelope ${kind}`)
  }
}

// ---------------------------------------------------------------------------------------------
// Randomness

/** mulberry32: a tiny, fast, well-mixed 32-bit PRNG. Returns floats in [0, 1). */
export function mulberry32(seed) {
  let a = seed >>> 0
  return function next() {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

class Rand {
  constructor(seed) {
    this.next = mulberry32(seed)
  }
  /** integer in [lo, hi] */
  int(lo, hi) {
    return lo + Math.floor(this.next() * (hi - lo + 1))
  }
  chance(p) {
    return this.next() < p
  }
  pick(arr) {
    return arr[Math.floor(this.next() * arr.length)]
  }
  /** items: [value, weight][] */
  weighted(items) {
    let total = 0
    for (const [, w] of items) total += w
    let r = this.next() * total
    for (const [v, w] of items) {
      r -= w
      if (r < 0) return v
    }
    return items[items.length - 1][0]
  }
  /** log-normal with the given median and spread (sigma), rounded, clamped at >= min */
  lognormal(median, sigma, min = 0) {
    const u = Math.max(this.next(), 1e-12)
    const v = this.next()
    const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)
    return Math.max(min, Math.round(median * Math.exp(sigma * z)))
  }
  exp(mean) {
    return -mean * Math.log(1 - this.next())
  }
  hex(n) {
    let s = ''
    while (s.length < n) s += ((this.next() * 4294967296) >>> 0).toString(16).padStart(8, '0')
    return s.slice(0, n)
  }
  uuid() {
    const h = this.hex(32)
    const variant = '89ab'[this.int(0, 3)]
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`
  }
  /** Linux ip_local_port_range default: 32768–60999 */
  port() {
    return this.int(32768, 60999)
  }
}

// ---------------------------------------------------------------------------------------------
// The mesh: workloads, gateways, destinations. Fixed (not seeded) so hosts and pods are stable
// across seeds. Pod IPs follow kind's 10.244.<node>.x; the curl pod and the egress gateway pod
// 10.244.0.6 are the ones in seed 001.

const NODES = ['kind-control-plane', 'kind-worker', 'kind-worker2', 'kind-worker3']
const nodeOf = (ip) => NODES[Number(ip.split('.')[2]) % NODES.length] ?? NODES[0]

const UA = {
  curl: 'curl/7.83.1-DEV',
  curl8: 'curl/8.7.1',
  okhttp: 'okhttp/4.12.0',
  stripeNode: 'Stripe/v1 NodeBindings/14.25.0',
  requests: 'python-requests/2.31.0',
  twilio: 'twilio-python/9.0.5 (Linux x86_64) Python/3.12.3',
  go: 'Go-http-client/1.1',
  npm: 'npm/10.5.0 node/v20.12.2 linux x64 workspaces/false',
  pip: 'pip/24.0 {"ci":null,"cpu":"x86_64","implementation":{"name":"CPython","version":"3.12.3"}}',
  java: 'Apache-HttpClient/4.5.14 (Java/17.0.10)',
  axios: 'axios/1.6.8',
  apt: 'Debian APT-HTTP/1.3 (2.6.1)',
  apk: 'apk-tools/2.14.4, Linux/x86_64',
}

/** @typedef {{name: string, ip: string}} Pod */
/** @typedef {{ns: string, app: string, sa: string, ua: string, weight: number, pods: Pod[]}} Workload */
/** @type {Workload[]} */
const WORKLOADS = [
  {ns: 'default', app: 'curl', sa: 'default', ua: UA.curl, weight: 3, pods: [{name: 'curl', ip: '10.244.0.7'}]},
  {ns: 'default', app: 'sleep', sa: 'sleep', ua: UA.curl8, weight: 3, pods: [{name: 'sleep-9454cc476-4d9rj', ip: '10.244.1.12'}, {name: 'sleep-9454cc476-pq8xm', ip: '10.244.3.8'}]},
  {ns: 'shop', app: 'checkout', sa: 'checkout', ua: UA.okhttp, weight: 6, pods: [{name: 'checkout-7d9f8b6c4d-x2kqz', ip: '10.244.1.31'}, {name: 'checkout-7d9f8b6c4d-m5wlt', ip: '10.244.2.17'}, {name: 'checkout-7d9f8b6c4d-7hrvd', ip: '10.244.3.22'}]},
  {ns: 'shop', app: 'cart', sa: 'cart', ua: UA.go, weight: 3, pods: [{name: 'cart-5b6f9d8c7-4kzpn', ip: '10.244.2.23'}, {name: 'cart-5b6f9d8c7-wq9js', ip: '10.244.1.40'}]},
  {ns: 'payments', app: 'payments-api', sa: 'payments-api', ua: UA.stripeNode, weight: 6, pods: [{name: 'payments-api-6c8d7b9f5-hx4tq', ip: '10.244.2.41'}, {name: 'payments-api-6c8d7b9f5-r2npb', ip: '10.244.3.15'}]},
  {ns: 'payments', app: 'fraud-scorer', sa: 'fraud-scorer', ua: UA.java, weight: 2, pods: [{name: 'fraud-scorer-84f7c6d5b-9vzlk', ip: '10.244.1.57'}]},
  {ns: 'notifications', app: 'mailer', sa: 'mailer', ua: UA.requests, weight: 4, pods: [{name: 'mailer-7c9d8f6b4-tn6wq', ip: '10.244.3.33'}, {name: 'mailer-7c9d8f6b4-b8mzx', ip: '10.244.2.52'}]},
  {ns: 'notifications', app: 'sms-sender', sa: 'sms-sender', ua: UA.twilio, weight: 2, pods: [{name: 'sms-sender-5f6c7d8b9-jx2rv', ip: '10.244.1.64'}]},
  {ns: 'news', app: 'news-fetcher', sa: 'news-fetcher', ua: UA.go, weight: 3, pods: [{name: 'news-fetcher-66b8c9d7f-5lqwm', ip: '10.244.2.60'}]},
  {ns: 'ci', app: 'build-runner', sa: 'build-runner', ua: UA.npm, weight: 3, pods: [{name: 'build-runner-0', ip: '10.244.3.41'}, {name: 'build-runner-1', ip: '10.244.1.73'}]},
  {ns: 'legacy', app: 'report-generator', sa: 'default', ua: UA.java, weight: 2, pods: [{name: 'report-generator-7b5c4d9f8-8dkwz', ip: '10.244.2.66'}]},
  {ns: 'auth', app: 'identity', sa: 'identity', ua: UA.axios, weight: 3, pods: [{name: 'identity-5d7f8c6b9-qzr4n', ip: '10.244.3.50'}, {name: 'identity-5d7f8c6b9-vw7hx', ip: '10.244.1.81'}]},
  {ns: 'analytics', app: 'event-exporter', sa: 'event-exporter', ua: UA.pip, weight: 2, pods: [{name: 'event-exporter-6f9b8c7d5-ck3tp', ip: '10.244.2.74'}]},
]

/** @typedef {{name: string, ip: string}} GwPod */
/** @typedef {{id: string, svc: string, ns: string, sa: string, pods: GwPod[], httpPort: number, tlsPort: number, plainProtocol: string, sidecarRoute: string | null, gatewayRoute: string | null}} Gateway */
/** @type {Record<string, Gateway>} */
const GATEWAYS = {
  istio: {
    id: 'istio',
    svc: 'istio-egressgateway.istio-system.svc.cluster.local',
    ns: 'istio-system',
    sa: 'istio-egressgateway-service-account',
    pods: [{name: 'istio-egressgateway-75c5457c56-htpvz', ip: '10.244.0.6'}, {name: 'istio-egressgateway-75c5457c56-q7lfz', ip: '10.244.2.9'}],
    httpPort: 8080, // targetPort of service port 80 (named http2, brief §4.1)
    tlsPort: 8443, // targetPort of service port 443
    plainProtocol: 'HTTP/2',
    sidecarRoute: null,
    gatewayRoute: null,
  },
  // A Gateway API egress gateway (istio.io egress-gateway task): listens on the declared port.
  cnn: {
    id: 'cnn',
    svc: 'cnn-egress-gateway-istio.default.svc.cluster.local',
    ns: 'default',
    sa: 'cnn-egress-gateway-istio',
    pods: [{name: 'cnn-egress-gateway-istio-7f8d9c6b5-2xkqp', ip: '10.244.1.23'}],
    httpPort: 80,
    tlsPort: 443,
    plainProtocol: 'HTTP/1.1',
    sidecarRoute: 'default.direct-cnn-to-egress-gateway.0',
    gatewayRoute: 'default.forward-cnn-from-egress-gateway.0',
  },
}

/** @typedef {[string, string, number, number]} PathSpec method, path, min bytes, max bytes */
const P = {
  httpbin: /** @type {PathSpec[]} */ ([
    ['GET', '/headers', 1400, 3200], ['GET', '/get', 1500, 3300], ['GET', '/ip', 31, 45], ['GET', '/uuid', 53, 53],
    ['GET', '/status/200', 0, 0], ['GET', '/status/418', 135, 135], ['POST', '/post', 1800, 4200], ['GET', '/anything?x=1&y=2', 1600, 3400],
    ['GET', '/bytes/1024', 1024, 1024], ['HEAD', '/', 0, 0], ['GET', '/delay/1', 1500, 3000],
  ]),
  stripe: /** @type {PathSpec[]} */ ([
    ['POST', '/v1/payment_intents', 1800, 2600], ['POST', '/v1/charges', 2600, 3400], ['GET', '/v1/customers/cus_Q1xLr8a9ZkPz3T', 900, 1400],
    ['GET', '/v1/payment_intents?limit=10&starting_after=pi_3PTx7b2eZvKYlo2C1', 9000, 24000], ['POST', '/v1/refunds', 800, 1200], ['GET', '/v1/balance', 400, 700],
  ]),
  cnn: /** @type {PathSpec[]} */ ([['GET', '/politics', 1200000, 2500000], ['GET', '/world', 1100000, 2300000], ['GET', '/business', 900000, 2000000], ['GET', '/', 1300000, 2600000]]),
  slack: /** @type {PathSpec[]} */ ([['POST', '/services/T04KQ6R7N/B06HZ9L2M8D/Xk2VfQ8nLr4pTz6Ys1Wc9aHd', 2, 2], ['POST', '/services/T04KQ6R7N/B05QW3E8RTY/Ma7Lp2Zx9Kv4Qt1Rn8Sb6Yd3', 2, 2]]),
  pagerduty: /** @type {PathSpec[]} */ ([['POST', '/v2/enqueue', 80, 120], ['GET', '/incidents?statuses%5B%5D=triggered', 2000, 9000]]),
  sendgrid: /** @type {PathSpec[]} */ ([['POST', '/v3/mail/send', 0, 0], ['GET', '/v3/suppression/bounces', 200, 4000]]),
  twilio: /** @type {PathSpec[]} */ ([['POST', '/2010-04-01/Accounts/AC3f9d2b7c1e8a4f6d0b5c9e2a7d4f1b8c/Messages.json', 900, 1100]]),
  googleapis: /** @type {PathSpec[]} */ ([['GET', '/storage/v1/b/acme-exports/o?prefix=daily%2F', 1500, 12000], ['POST', '/upload/storage/v1/b/acme-exports/o?uploadType=media&name=daily%2Fevents.json', 700, 900]]),
  nginx: /** @type {PathSpec[]} */ ([['GET', '/', 615, 615], ['GET', '/index.html', 615, 615]]),
  partnerMtls: /** @type {PathSpec[]} */ ([['POST', '/api/v2/transfers', 300, 900], ['GET', '/api/v2/accounts/DE89370400440532013000/balance', 180, 260]]),
  debian: /** @type {PathSpec[]} */ ([['GET', '/debian/dists/bookworm/InRelease', 151000, 151000], ['GET', '/debian/pool/main/c/curl/curl_7.88.1-10+deb12u5_amd64.deb', 315000, 315000], ['GET', '/debian-security/dists/bookworm-security/InRelease', 48000, 48000]]),
  alpine: /** @type {PathSpec[]} */ ([['GET', '/alpine/v3.19/main/x86_64/APKINDEX.tar.gz', 540000, 540000], ['GET', '/alpine/v3.19/community/x86_64/APKINDEX.tar.gz', 1800000, 1800000]]),
  ubuntu: /** @type {PathSpec[]} */ ([['GET', '/ubuntu/dists/jammy-updates/InRelease', 128000, 128000], ['GET', '/ubuntu/dists/jammy/Release.gpg', 833, 833]]),
  ocsp: /** @type {PathSpec[]} */ ([['POST', '/', 471, 471], ['GET', '/MFEwTzBNMEswSTAJBgUrDgMCGgUABBSAUQYBMq2awn1Rh6Doh%2FsBYgFV7gQUA95QNVbRTLtm8KPiGxvDl7I90VUCEAJ0LqoXyo4hxxe7H%2Fz9DKA%3D', 471, 471]]),
  crl: /** @type {PathSpec[]} */ ([['GET', '/DigiCertGlobalG2TLSRSASHA2562020CA1-1.crl', 26000, 26000]]),
  neverssl: /** @type {PathSpec[]} */ ([['GET', '/', 3500, 3500], ['GET', '/online/', 2000, 2000]]),
  legacyErp: /** @type {PathSpec[]} */ ([['POST', '/erp/ws/InvoiceService', 1200, 5200], ['GET', '/erp/ws/InvoiceService?wsdl', 14000, 14000]]),
  ipify: /** @type {PathSpec[]} */ ([['GET', '/?format=json', 27, 27], ['GET', '/', 13, 13]]),
  ifconfig: /** @type {PathSpec[]} */ ([['GET', '/ip', 13, 13], ['GET', '/all.json', 420, 520]]),
  example: /** @type {PathSpec[]} */ ([['GET', '/', 1256, 1256]]),
  google: /** @type {PathSpec[]} */ ([['HEAD', '/', 0, 0], ['GET', '/', 17000, 22000]]),
  yahoo: /** @type {PathSpec[]} */ ([['HEAD', '/', 0, 0], ['GET', '/', 19, 19]]),
  pastebin: /** @type {PathSpec[]} */ ([['POST', '/api/api_post.php', 19, 19], ['GET', '/raw/Xk29fLqP', 19, 19]]),
}

/**
 * @typedef {{ips: string[], tls?: string, subject?: string, paths?: PathSpec[], vip?: string,
 *   gateway?: string, subset?: string, mtlsPort?: number, ms?: number}} Host
 * ms = median upstream latency. subset = the DestinationRule subset the sidecar uses toward the
 * gateway. mtlsPort = the gateway service port the mTLS hop uses (443, or 80 as in the Istio blog).
 */
/** @type {Record<string, Host>} */
const HOSTS = {
  'httpbin.org': {ips: ['3.213.1.197', '3.211.196.247', '44.195.190.188', '18.211.234.122', '54.204.94.184'], tls: 'TLSv1.2', paths: P.httpbin, ms: 70},
  'api.stripe.com': {ips: ['54.187.174.169', '54.187.205.235', '54.187.216.72'], tls: 'TLSv1.3', paths: P.stripe, subset: 'stripe', ms: 180},
  'files.stripe.com': {ips: ['54.187.159.182'], tls: 'TLSv1.3', ms: 120},
  'edition.cnn.com': {ips: ['151.101.1.67', '151.101.65.67', '151.101.129.67', '151.101.193.67'], tls: 'TLSv1.3', paths: P.cnn, gateway: 'cnn', mtlsPort: 80, ms: 60},
  'hooks.slack.com': {ips: ['3.121.77.112', '18.159.197.225'], tls: 'TLSv1.3', paths: P.slack, ms: 140},
  'events.pagerduty.com': {ips: ['54.244.255.45', '35.161.38.163'], tls: 'TLSv1.2', paths: P.pagerduty, ms: 110},
  'api.sendgrid.com': {ips: ['3.222.203.176', '54.90.204.52'], tls: 'TLSv1.2', paths: P.sendgrid, vip: '240.240.0.14', ms: 160},
  'api.twilio.com': {ips: ['54.172.60.0', '54.244.51.0'], tls: 'TLSv1.2', paths: P.twilio, vip: '240.240.0.22', ms: 230},
  'storage.googleapis.com': {ips: ['142.250.72.59', '142.251.32.187'], tls: 'TLSv1.3', paths: P.googleapis, ms: 90},
  'developers.google.com': {ips: ['173.194.217.101', '173.194.217.113'], tls: 'TLSv1.3', paths: P.google, subset: 'google', mtlsPort: 80, ms: 380},
  'developer.yahoo.com': {ips: ['74.6.231.20', '98.137.11.163'], tls: 'TLSv1.3', paths: P.yahoo, subset: 'yahoo', mtlsPort: 80, ms: 300},
  'pastebin.com': {ips: ['104.20.67.143', '172.67.19.24'], tls: 'TLSv1.3', paths: P.pastebin, ms: 90},
  'my-nginx.mesh-external.svc.cluster.local': {ips: ['10.107.176.65'], tls: 'TLSv1.3', subject: 'O=some organization,CN=my-nginx.mesh-external.svc.cluster.local', paths: P.nginx, ms: 1},
  'api.partner-bank.example': {ips: ['203.0.113.40', '203.0.113.41'], tls: 'TLSv1.2', paths: P.partnerMtls, ms: 95},
  'deb.debian.org': {ips: ['151.101.2.132', '151.101.66.132'], paths: P.debian, ms: 40},
  'dl-cdn.alpinelinux.org': {ips: ['151.101.86.133'], paths: P.alpine, ms: 35},
  'archive.ubuntu.com': {ips: ['91.189.91.82', '185.125.190.36'], paths: P.ubuntu, subset: 'ubuntu', ms: 120},
  'ocsp.digicert.com': {ips: ['72.21.91.29'], paths: P.ocsp, ms: 20},
  'crl3.digicert.com': {ips: ['72.21.91.29'], paths: P.crl, ms: 25},
  'neverssl.com': {ips: ['34.223.124.45'], paths: P.neverssl, ms: 80},
  'legacy-erp.partner.example': {ips: ['198.51.100.23'], paths: P.legacyErp, ms: 450},
  'api.github.com': {ips: ['140.82.112.6', '140.82.113.6', '140.82.114.6'], tls: 'TLSv1.3', ms: 120},
  'www.google.com': {ips: ['142.250.72.196', '172.217.161.36'], tls: 'TLSv1.3', ms: 40},
  'pypi.org': {ips: ['151.101.0.223', '151.101.64.223'], tls: 'TLSv1.3', ms: 30},
  'registry.npmjs.org': {ips: ['104.16.2.35', '104.16.3.35', '104.16.24.34'], tls: 'TLSv1.3', ms: 30},
  'o450123.ingest.sentry.io': {ips: ['34.120.195.249'], tls: 'TLSv1.3', ms: 60},
  'oauth2.googleapis.com': {ips: ['142.250.69.202', '142.251.33.74'], tls: 'TLSv1.3', ms: 50},
  'login.microsoftonline.com': {ips: ['20.190.151.68', '40.126.23.97'], tls: 'TLSv1.2', ms: 110},
  'api.openai.com': {ips: ['104.18.7.192', '104.18.6.192'], tls: 'TLSv1.3', ms: 400},
  'www.dropbox.com': {ips: ['162.125.1.18'], tls: 'TLSv1.3', ms: 100},
  // Not registered anywhere: reached through PassthroughCluster (ALLOW_ANY) or refused (REGISTRY_ONLY).
  'api.ipify.org': {ips: ['104.26.12.205', '172.67.74.152'], tls: 'TLSv1.3', paths: P.ipify, ms: 25},
  'ifconfig.me': {ips: ['34.117.118.44'], tls: 'TLSv1.3', paths: P.ifconfig, ms: 30},
  'example.com': {ips: ['93.184.215.14'], tls: 'TLSv1.3', paths: P.example, ms: 90},
  'raw.githubusercontent.com': {ips: ['185.199.108.133', '185.199.111.133'], tls: 'TLSv1.3', ms: 40},
  'www.espn.com': {ips: ['13.249.75.75'], tls: 'TLSv1.3', ms: 40},
  'sqa.ory.sh': {ips: ['142.250.217.115'], tls: 'TLSv1.3', ms: 40},
}

// Non-HTTP destinations (databases, SSH) reached through PassthroughCluster or BlackHoleCluster.
const RAW_TCP = [
  {ip: '34.64.97.34', port: 3306}, // a Cloud SQL MySQL (istio-proxy JSON sample, 2022)
  {ip: '34.64.126.18', port: 3306},
  {ip: '35.197.41.12', port: 5432},
  {ip: '52.14.180.201', port: 6379},
  {ip: '140.82.121.3', port: 22}, // github.com ssh
]

const SCENARIO_HOSTS = {
  'direct-http': ['deb.debian.org', 'dl-cdn.alpinelinux.org', 'crl3.digicert.com', 'neverssl.com'],
  'direct-https': ['api.github.com', 'www.google.com', 'pypi.org', 'registry.npmjs.org', 'o450123.ingest.sentry.io', 'oauth2.googleapis.com', 'login.microsoftonline.com'],
  'sidecar-simple-origination': ['api.sendgrid.com', 'api.twilio.com', 'storage.googleapis.com'],
  'sidecar-mutual-origination': ['my-nginx.mesh-external.svc.cluster.local', 'api.partner-bank.example'],
  'gateway-http': ['httpbin.org', 'edition.cnn.com', 'archive.ubuntu.com'],
  'gateway-origination': ['httpbin.org', 'hooks.slack.com', 'events.pagerduty.com'],
  'gateway-mtls-origination': ['httpbin.org', 'api.stripe.com', 'developers.google.com', 'edition.cnn.com'],
  'gateway-mtls-http': ['httpbin.org', 'ocsp.digicert.com', 'legacy-erp.partner.example'],
  'gateway-sni-passthrough': ['httpbin.org', 'api.stripe.com', 'files.stripe.com', 'edition.cnn.com'],
  'passthrough-http': ['api.ipify.org', 'ifconfig.me', 'example.com'],
  'passthrough-tls': ['raw.githubusercontent.com', 'api.ipify.org', 'example.com'],
  'blocked-tls': ['www.espn.com', 'sqa.ory.sh', 'raw.githubusercontent.com', 'ifconfig.me'],
  'blocked-http': ['example.com', 'api.ipify.org', 'ifconfig.me'],
  'gateway-no-filter-chain': ['api.openai.com', 'www.dropbox.com'],
  'gateway-rbac-denied': ['developer.yahoo.com', 'pastebin.com'],
}

// ---------------------------------------------------------------------------------------------
// Scenarios (brief §10 plus the gateway NR and RBAC rows of §3.1). `verdict` uses DESIGN.md's names.

/** @typedef {{row: string, title: string, verdict: string, gateway: boolean, weight: number, note?: string}} ScenarioInfo */
/** @type {Record<string, ScenarioInfo>} */
export const SCENARIOS = Object.freeze({
  'direct-http': {row: '1', title: 'Direct HTTP via a ServiceEntry', verdict: 'direct-plaintext', gateway: false, weight: 6},
  'direct-https': {row: '2', title: "Direct HTTPS: the app's own TLS, straight from the sidecar", verdict: 'direct-tls', gateway: false, weight: 22},
  'sidecar-simple-origination': {row: '3', title: 'Sidecar TLS origination (DestinationRule SIMPLE)', verdict: 'sidecar-originated', gateway: false, weight: 6},
  'sidecar-mutual-origination': {row: '4', title: 'Sidecar mutual TLS origination (DestinationRule MUTUAL)', verdict: 'sidecar-mtls-originated', gateway: false, weight: 3, note: 'SIMPLE and MUTUAL look alike in the log (brief §4.4): from the lines alone only sidecar-originated can be proven'},
  'sidecar-mutual-origination-failed': {row: '4', title: 'Sidecar MUTUAL origination without a client certificate: UF + SSLV3_ALERT_HANDSHAKE_FAILURE', verdict: 'failed', gateway: false, weight: 1},
  'gateway-http': {row: '5', title: 'Plain HTTP through the egress gateway and out', verdict: 'gateway-plaintext', gateway: true, weight: 6},
  'gateway-origination': {row: '6', title: 'Plain HTTP to the gateway, TLS originated at the gateway', verdict: 'gateway-originated', gateway: true, weight: 10},
  'gateway-mtls-origination': {row: '7', title: 'mTLS sidecar→gateway, TLS originated at the gateway', verdict: 'gateway-mtls-originated', gateway: true, weight: 14},
  'gateway-mtls-http': {row: '8', title: 'mTLS sidecar→gateway, plain HTTP out', verdict: 'gateway-mtls-plaintext', gateway: true, weight: 4},
  'gateway-sni-passthrough': {row: '9', title: "SNI passthrough: the app's TLS routed through the gateway", verdict: 'gateway-passthrough', gateway: true, weight: 10},
  'passthrough-http': {row: '10', title: 'ALLOW_ANY: HTTP to an unregistered host via PassthroughCluster', verdict: 'passthrough-cluster', gateway: false, weight: 4},
  'passthrough-tcp': {row: '10', title: 'ALLOW_ANY: TLS/TCP to an unregistered host via PassthroughCluster', verdict: 'passthrough-cluster', gateway: false, weight: 5},
  'blocked-tcp': {row: '11', title: 'REGISTRY_ONLY: TLS/TCP refused by BlackHoleCluster (UH)', verdict: 'blocked', gateway: false, weight: 2},
  'blocked-http': {row: '11', title: 'REGISTRY_ONLY: HTTP answered 502 direct_response by route block_all', verdict: 'blocked', gateway: false, weight: 2},
  'double-encryption': {row: '12', title: "Double encryption: the app's TLS wrapped in another TLS", verdict: 'failed', gateway: false, weight: 1.5, note: 'three variants; two pass through the gateway'},
  'gateway-no-filter-chain': {row: '§3.1', title: 'Gateway has no filter chain for the SNI: NR filter_chain_not_found', verdict: 'failed', gateway: true, weight: 1},
  'gateway-rbac-denied': {row: '§3.1', title: 'AuthorizationPolicy denies at the gateway: 403 rbac_access_denied', verdict: 'blocked', gateway: true, weight: 1.5},
})

/** Scenario ids, in matrix order. */
export const SCENARIO_IDS = Object.freeze(Object.keys(SCENARIOS))

// ---------------------------------------------------------------------------------------------
// Building one request

const addr = (ip, port) => `${ip}:${port}`
const outbound = (port, subset, host) => `outbound|${port}|${subset}|${host}`
const spiffe = (ns, sa) => `spiffe://cluster.local/ns/${ns}/sa/${sa}`
const CONNECT_FAILURE_BODY = 'upstream connect error or disconnect/reset before headers. retried and the latest reset reason: connection failure'
const HANDSHAKE_UTFR = 'TLS error: 268436496:SSL routines:OPENSSL_internal:SSLV3_ALERT_HANDSHAKE_FAILURE'
const HANDSHAKE_DETAILS = 'upstream_reset_before_response_started{connection_failure,TLS_error:_268436496:SSL_routines:OPENSSL_internal:SSLV3_ALERT_HANDSHAKE_FAILURE}'
const HANDSHAKE_BODY = `${CONNECT_FAILURE_BODY}, transport failure reason: ${HANDSHAKE_UTFR}`

/** A blank entry: every field `-`, so builders only set what a line shows. */
function blank(startMs) {
  return {
    startTime: new Date(startMs).toISOString(),
    startMs,
    method: null, path: null, protocol: null,
    responseCode: 0, responseFlags: [], responseCodeDetails: null, connectionTerminationDetails: null,
    upstreamTransportFailureReason: null,
    bytesReceived: 0, bytesSent: 0, duration: 0, upstreamServiceTime: null,
    xForwardedFor: null, userAgent: null, requestId: null, authority: null, upstreamHost: null,
    upstreamCluster: null, upstreamLocalAddress: null, downstreamLocalAddress: null, downstreamRemoteAddress: null,
    requestedServerName: null, routeName: null,
    upstreamTlsVersion: null, upstreamPeerUriSan: null, upstreamPeerSubject: null,
    downstreamTlsVersion: null, downstreamPeerUriSan: null, downstreamPeerSubject: null,
    mixerStatus: null,
  }
}

/**
 * What the far end did with an HTTP request: method, path, status, bytes, latency, and any local
 * failure of the last proxy (connection failure, timeout, downstream gone).
 * @param {Rand} r
 * @param {string} hostName
 * @param {{ua: string}} src
 * @param {{allowDc?: boolean}} [opt]
 */
function httpExchange(r, hostName, src, opt = {}) {
  const host = HOSTS[hostName]
  const [method, path, lo, hi] = r.pick(host.paths ?? P.example)
  let code = method === 'POST' && hostName === 'api.sendgrid.com' ? 202 : method === 'POST' && hostName === 'api.twilio.com' ? 201 : 200
  let bytesSent = r.int(lo, hi)
  const bytesReceived = method === 'POST' || method === 'PUT' ? r.int(90, 4200) : 0
  let duration = r.lognormal(host.ms ?? 80, 0.6, 1)
  if (path.startsWith('/delay/')) duration += 1000
  let ust = Math.max(0, duration - r.int(0, 1))
  let flags = []
  let details = 'via_upstream'
  let utfr = null
  const roll = r.next()
  if (roll < 0.012) {
    // The last proxy could not connect (DNS gone stale, endpoint down): two attempts, then 503.
    code = 503; flags = ['UF', 'URX']; details = 'upstream_reset_before_response_started{connection_failure}'
    bytesSent = CONNECT_FAILURE_BODY.length; ust = null; duration = r.int(2, 60)
  } else if (roll < 0.017) {
    code = 504; flags = ['UT']; details = 'upstream_response_timeout'; bytesSent = 24; ust = null; duration = r.pick([5000, 10000, 15000]) + r.int(0, 3)
  } else if (opt.allowDc && roll < 0.022) {
    code = 0; flags = ['DC']; details = 'downstream_remote_disconnect'; bytesSent = 0; ust = null
  } else if (roll < 0.09) {
    code = r.weighted([[301, 2], [304, 2], [400, 2], [401, 2], [404, 4], [429, 2], [500, 1], [502, 1], [503, 2]])
    bytesSent = code === 304 || code === 301 ? 0 : r.int(9, 420)
    duration = Math.max(1, Math.round(duration / 2)); ust = Math.max(0, duration - r.int(0, 1))
  }
  if (method === 'HEAD') bytesSent = 0
  const ua = r.chance(0.08) ? UA.curl : src.ua
  return {method, path, code, bytesReceived, bytesSent, duration, ust, flags, details, utfr, ua}
}

/** An app's TLS session, as TCP proxy counts it: bytes each way and how long the connection lived. */
function tlsSession(r, hostName) {
  const host = HOSTS[hostName]
  const long = r.chance(0.03)
  return {
    bytesReceived: 517 + r.lognormal(900, 1.1, 40), // ClientHello and the app's requests
    bytesSent: 2800 + r.lognormal(6000, 1.4, 50), // certificates and the answers
    duration: long ? r.int(10_000, 600_000) : r.lognormal((host?.ms ?? 80) * 2.5, 0.7, 5),
  }
}

/**
 * Makes the gateway hop of a request from its sidecar hop: the join keys of brief §4.3.
 * @param {Rand} r
 * @param {ReturnType<typeof blank>} sc the sidecar entry (upstreamLocalAddress set)
 * @param {string} gwIp
 * @param {number} listenPort
 */
function gatewayHopFrom(r, sc, gwIp, listenPort) {
  const lag = r.int(1, 9)
  const gw = blank(sc.startMs + lag)
  gw.downstreamLocalAddress = addr(gwIp, listenPort)
  gw.downstreamRemoteAddress = sc.upstreamLocalAddress
  gw.duration = Math.max(0, sc.duration - lag - r.int(0, 3))
  return gw
}

/** Sidecar's address fields for an outbound connection. */
function sidecarAddrs(r, e, podIp, dialed) {
  e.downstreamRemoteAddress = addr(podIp, r.port())
  e.downstreamLocalAddress = dialed
  e.upstreamLocalAddress = addr(podIp, r.port())
}

/** The address the app dialed for a host: one of its IPs, or the auto-allocated VIP. */
function dialedIp(r, hostName) {
  const h = HOSTS[hostName]
  return h.vip && r.chance(0.8) ? h.vip : r.pick(h.ips)
}

/** The endpoint Envoy picked: with DNS resolution not always the IP the app resolved. */
function endpointIp(r, hostName, dialed) {
  const h = HOSTS[hostName]
  return h.ips.includes(dialed) && r.chance(0.7) ? dialed : r.pick(h.ips)
}

const upstreamTls = (hostName) => ({tls: HOSTS[hostName].tls ?? 'TLSv1.3', subject: HOSTS[hostName].subject ?? `CN=${hostName}`})

/**
 * Builds the hops of one request.
 * @param {Rand} r
 * @param {string} scenario
 * @param {number} t start time (ms) at the sidecar
 * @param {{wl: Workload, pod: Pod}} src
 * @param {{gatewayPod?: string, host?: string, variant?: string}} pin
 * @returns {{hops: {role: 'sidecar' | 'egress-gateway', pod: string, namespace: string, entry: any}[], host: string, variant?: string}}
 */
function buildRequest(r, scenario, t, src, pin) {
  const podIp = src.pod.ip
  const sidecar = (entry) => ({role: /** @type {const} */ ('sidecar'), pod: src.pod.name, namespace: src.wl.ns, entry})
  const gwHop = (gw, pod, entry) => ({role: /** @type {const} */ ('egress-gateway'), pod: pod.name, namespace: gw.ns, entry})
  const chooseHost = (key) => pin.host && SCENARIO_HOSTS[key].includes(pin.host) ? pin.host : r.pick(SCENARIO_HOSTS[key])
  const gwPod = (gw) => gw.pods.find((p) => p.name === pin.gatewayPod) ?? r.pick(gw.pods)

  switch (scenario) {
    case 'direct-http': {
      const host = chooseHost('direct-http')
      const x = httpExchange(r, host, src.wl, {allowDc: true})
      const e = blank(t)
      const ip = dialedIp(r, host)
      Object.assign(e, {method: x.method, path: x.path, protocol: 'HTTP/1.1', responseCode: x.code, responseFlags: x.flags, responseCodeDetails: x.details,
        bytesReceived: x.bytesReceived, bytesSent: x.bytesSent, duration: x.duration, upstreamServiceTime: x.ust, userAgent: x.ua,
        requestId: r.uuid(), authority: host, upstreamHost: x.flags.includes('DC') && r.chance(0.5) ? null : addr(endpointIp(r, host, ip), 80),
        upstreamCluster: outbound(80, '', host), routeName: 'default'})
      if (host === 'dl-cdn.alpinelinux.org') e.userAgent = UA.apk
      else if (host === 'deb.debian.org') e.userAgent = UA.apt
      sidecarAddrs(r, e, podIp, addr(ip, 80))
      return {hops: [sidecar(e)], host}
    }
    case 'direct-https': {
      const host = chooseHost('direct-https')
      const s = tlsSession(r, host)
      const e = blank(t)
      const ip = dialedIp(r, host)
      Object.assign(e, s, {upstreamHost: addr(endpointIp(r, host, ip), 443), upstreamCluster: outbound(443, '', host), requestedServerName: host})
      sidecarAddrs(r, e, podIp, addr(ip, 443))
      return {hops: [sidecar(e)], host}
    }
    case 'sidecar-simple-origination':
    case 'sidecar-mutual-origination':
    case 'sidecar-mutual-origination-failed': {
      const mutual = scenario !== 'sidecar-simple-origination'
      const host = chooseHost(mutual ? 'sidecar-mutual-origination' : 'sidecar-simple-origination')
      const wl = mutual && host.startsWith('my-nginx') ? {...src.wl, ua: UA.curl} : src.wl
      const x = httpExchange(r, host, wl, {allowDc: true})
      const e = blank(t)
      const ip = dialedIp(r, host)
      const tls = upstreamTls(host)
      Object.assign(e, {method: x.method, path: x.path, protocol: 'HTTP/1.1', responseCode: x.code, responseFlags: x.flags, responseCodeDetails: x.details,
        bytesReceived: x.bytesReceived, bytesSent: x.bytesSent, duration: x.duration, upstreamServiceTime: x.ust, userAgent: x.ua,
        requestId: r.uuid(), authority: host, upstreamHost: addr(endpointIp(r, host, ip), 443), upstreamCluster: outbound(80, '', host), routeName: 'default',
        upstreamTlsVersion: tls.tls, upstreamPeerSubject: tls.subject})
      sidecarAddrs(r, e, podIp, addr(ip, 80))
      if (x.flags.includes('UF')) Object.assign(e, {upstreamTlsVersion: null, upstreamPeerSubject: null, upstreamLocalAddress: null})
      if (scenario === 'sidecar-mutual-origination-failed') {
        // The server demands a client certificate the sidecar does not have (brief §2.3).
        Object.assign(e, {responseCode: 503, responseFlags: ['UF', 'URX'], responseCodeDetails: HANDSHAKE_DETAILS, upstreamTransportFailureReason: HANDSHAKE_UTFR,
          bytesSent: HANDSHAKE_BODY.length, duration: r.int(2, 45), upstreamServiceTime: null, upstreamLocalAddress: null,
          upstreamTlsVersion: null, upstreamPeerSubject: null})
      }
      return {hops: [sidecar(e)], host}
    }
    case 'gateway-http':
    case 'gateway-origination':
    case 'gateway-mtls-origination':
    case 'gateway-mtls-http':
    case 'gateway-rbac-denied': {
      const host = chooseHost(scenario)
      const h = HOSTS[host]
      const gw = GATEWAYS[h.gateway ?? 'istio']
      const pod = gwPod(gw)
      const mtls = scenario === 'gateway-mtls-origination' || scenario === 'gateway-mtls-http' || scenario === 'gateway-rbac-denied'
      const originate = scenario === 'gateway-origination' || scenario === 'gateway-mtls-origination' || scenario === 'gateway-rbac-denied'
      // The hop to the gateway: plaintext on service port 80 (→8080), or ISTIO_MUTUAL on 443 (→8443)
      // or, as in the Istio blog and the Gateway API task, on port 80.
      const svcPort = mtls ? (h.mtlsPort ?? 443) : 80
      const listenPort = svcPort === 443 ? gw.tlsPort : gw.httpPort
      const gwProtocol = gw.id === 'istio' && svcPort === 443 ? null : gw.plainProtocol // null: keeps the app's
      const x = httpExchange(r, host, src.wl)
      const ip = dialedIp(r, host)
      const rid = r.uuid()
      const sc = blank(t)
      const lagBudget = r.int(2, 12) // gateway overhead seen by the sidecar
      Object.assign(sc, {method: x.method, path: x.path, protocol: 'HTTP/1.1', responseCode: x.code, responseFlags: [], responseCodeDetails: 'via_upstream',
        bytesReceived: x.bytesReceived, bytesSent: x.bytesSent, duration: x.duration + lagBudget, userAgent: x.ua, requestId: rid, authority: host,
        upstreamHost: addr(pod.ip, listenPort), upstreamCluster: outbound(svcPort, gw.id === 'istio' ? (h.subset ?? '') : '', gw.svc), routeName: gw.sidecarRoute})
      sc.upstreamServiceTime = sc.duration - r.int(0, 1)
      sidecarAddrs(r, sc, podIp, addr(ip, 80))
      if (mtls) Object.assign(sc, {upstreamTlsVersion: 'TLSv1.3', upstreamPeerUriSan: spiffe(gw.ns, gw.sa)})
      const g = gatewayHopFrom(r, sc, pod.ip, listenPort)
      const outPort = originate ? 443 : 80
      Object.assign(g, {method: x.method, path: x.path, protocol: gwProtocol ?? sc.protocol, responseCode: x.code, responseFlags: x.flags, responseCodeDetails: x.details,
        bytesReceived: x.bytesReceived, bytesSent: x.bytesSent, xForwardedFor: podIp, userAgent: x.ua, requestId: rid, authority: host,
        upstreamHost: addr(endpointIp(r, host, ip), outPort), upstreamCluster: outbound(outPort, '', host), upstreamLocalAddress: addr(pod.ip, r.port()),
        requestedServerName: mtls ? host : null, routeName: gw.gatewayRoute})
      g.upstreamServiceTime = x.ust === null ? null : Math.max(0, g.duration - r.int(0, 1))
      if (mtls) Object.assign(g, {downstreamTlsVersion: 'TLSv1.3', downstreamPeerUriSan: spiffe(src.wl.ns, src.wl.sa)})
      if (originate && !x.flags.length) {
        const tls = upstreamTls(host)
        Object.assign(g, {upstreamTlsVersion: tls.tls, upstreamPeerSubject: tls.subject})
      }
      if (x.flags.includes('UF')) g.upstreamLocalAddress = null
      if (scenario === 'gateway-rbac-denied') {
        // AuthorizationPolicy DENY at the gateway (Istio blog 2022): no upstream at all.
        const body = x.method === 'HEAD' ? 0 : 19 // "RBAC: access denied"
        Object.assign(g, {responseCode: 403, responseFlags: [], responseCodeDetails: `rbac_access_denied_matched_policy[ns[istio-system]-policy[external-deny-${host.replaceAll('.', '-')}]-rule[0]]`,
          bytesSent: body, bytesReceived: 0, duration: r.int(0, 1), upstreamServiceTime: null, upstreamHost: null, upstreamLocalAddress: null,
          upstreamTlsVersion: null, upstreamPeerSubject: null})
        Object.assign(sc, {responseCode: 403, bytesSent: body, bytesReceived: 0, duration: g.duration + r.int(1, 4)})
        sc.upstreamServiceTime = sc.duration - r.int(0, 1)
        g.startMs = sc.startMs + r.int(1, sc.duration - g.duration)
        g.startTime = new Date(g.startMs).toISOString()
      }
      return {hops: [sidecar(sc), gwHop(gw, pod, g)], host}
    }
    case 'gateway-sni-passthrough':
    case 'gateway-no-filter-chain': {
      const host = chooseHost(scenario)
      const h = HOSTS[host]
      const gw = GATEWAYS[scenario === 'gateway-sni-passthrough' ? (h.gateway ?? 'istio') : 'istio']
      const pod = gwPod(gw)
      const ip = dialedIp(r, host)
      const sc = blank(t)
      const s = scenario === 'gateway-sni-passthrough' ? tlsSession(r, host) : {bytesReceived: 517, bytesSent: 0, duration: r.int(1, 4)}
      Object.assign(sc, s, {upstreamHost: addr(pod.ip, gw.tlsPort), upstreamCluster: outbound(443, gw.id === 'istio' ? (h.subset ?? '') : '', gw.svc), requestedServerName: host})
      sidecarAddrs(r, sc, podIp, addr(ip, 443))
      const g = gatewayHopFrom(r, sc, pod.ip, gw.tlsPort)
      if (scenario === 'gateway-sni-passthrough') {
        Object.assign(g, {bytesReceived: s.bytesReceived, bytesSent: s.bytesSent, upstreamHost: addr(endpointIp(r, host, ip), 443), upstreamCluster: outbound(443, '', host),
          upstreamLocalAddress: addr(pod.ip, r.port()), requestedServerName: host})
      } else {
        // The Gateway's servers do not list this SNI (istio/istio#41380): the listener refuses it.
        Object.assign(g, {responseFlags: ['NR'], responseCodeDetails: 'filter_chain_not_found', duration: r.int(0, 2)})
        sc.duration = g.startMs - sc.startMs + g.duration + r.int(0, 2) // the gateway hung up: so did the sidecar
      }
      return {hops: [sidecar(sc), gwHop(gw, pod, g)], host}
    }
    case 'passthrough-http': {
      const host = chooseHost('passthrough-http')
      const x = httpExchange(r, host, src.wl, {allowDc: true})
      const e = blank(t)
      const ip = r.pick(HOSTS[host].ips)
      Object.assign(e, {method: x.method, path: x.path, protocol: 'HTTP/1.1', responseCode: x.code, responseFlags: x.flags, responseCodeDetails: x.details,
        bytesReceived: x.bytesReceived, bytesSent: x.bytesSent, duration: x.duration, upstreamServiceTime: x.ust, userAgent: x.ua,
        requestId: r.uuid(), authority: host, upstreamHost: addr(ip, 80), upstreamCluster: 'PassthroughCluster', routeName: 'allow_any'})
      sidecarAddrs(r, e, podIp, addr(ip, 80))
      return {hops: [sidecar(e)], host}
    }
    case 'passthrough-tcp':
    case 'blocked-tcp': {
      const raw = r.chance(0.3) ? r.pick(RAW_TCP) : null
      const host = raw ? null : chooseHost(scenario === 'passthrough-tcp' ? 'passthrough-tls' : 'blocked-tls')
      const ip = raw ? raw.ip : r.pick(HOSTS[/** @type {string} */ (host)].ips)
      const port = raw ? raw.port : 443
      const e = blank(t)
      e.downstreamRemoteAddress = addr(podIp, r.port())
      e.downstreamLocalAddress = addr(ip, port)
      e.requestedServerName = host // TLS inspector reads the SNI; `-` for database protocols
      if (scenario === 'passthrough-tcp') {
        const s = raw ? {bytesReceived: r.lognormal(30000, 1.5, 200), bytesSent: r.lognormal(40000, 1.5, 200), duration: r.int(1000, 900_000)} : tlsSession(r, /** @type {string} */ (host))
        Object.assign(e, s, {upstreamHost: addr(ip, port), upstreamCluster: 'PassthroughCluster', upstreamLocalAddress: addr(podIp, r.port())})
      } else {
        // REGISTRY_ONLY: istio/istio#51178 shows this exact shape.
        Object.assign(e, {responseFlags: ['UH'], upstreamCluster: 'BlackHoleCluster', duration: r.weighted([[0, 8], [1, 1], [8, 1]])})
      }
      return {hops: [sidecar(e)], host: host ?? `${ip}:${port}`}
    }
    case 'blocked-http': {
      const host = chooseHost('blocked-http')
      const e = blank(t)
      const [method, path] = r.pick(HOSTS[host].paths ?? P.example)
      const ip = r.pick(HOSTS[host].ips)
      Object.assign(e, {method, path, protocol: 'HTTP/1.1', responseCode: 502, responseCodeDetails: 'direct_response', userAgent: r.chance(0.5) ? UA.curl : src.wl.ua,
        requestId: r.uuid(), authority: host, routeName: 'block_all'})
      e.downstreamRemoteAddress = addr(podIp, r.port())
      e.downstreamLocalAddress = addr(ip, 80)
      return {hops: [sidecar(e)], host}
    }
    case 'double-encryption': {
      const drawn = r.weighted([['gateway-reencrypts', 5], ['sidecar-reencrypts', 3], ['mtls-into-passthrough', 2]])
      const variant = pin.variant ?? drawn
      if (variant === 'sidecar-reencrypts') {
        // ServiceEntry 443 protocol HTTPS + DestinationRule SIMPLE: the sidecar wraps the app's TLS
        // (istio.io network-issues). The server answers the nested ClientHello with a short error.
        const host = pin.host && HOSTS[pin.host] ? pin.host : r.pick(['api.sendgrid.com', 'api.twilio.com'])
        const ip = dialedIp(r, host)
        const e = blank(t)
        const tls = upstreamTls(host)
        Object.assign(e, {bytesReceived: r.int(517, 583), bytesSent: r.pick([0, r.int(120, 260)]), duration: r.int(20, 250), upstreamHost: addr(endpointIp(r, host, ip), 443),
          upstreamCluster: outbound(443, '', host), requestedServerName: host, upstreamTlsVersion: tls.tls, upstreamPeerSubject: tls.subject})
        sidecarAddrs(r, e, podIp, addr(ip, 443))
        return {hops: [sidecar(e)], host, variant}
      }
      const host = 'httpbin.org'
      const gw = GATEWAYS.istio
      const pod = gwPod(gw)
      const ip = dialedIp(r, host)
      const sc = blank(t)
      if (variant === 'gateway-reencrypts') {
        // Seed 001: Gateway PASSTHROUGH while the DestinationRule originate-tls-for-httpbin (SIMPLE)
        // remained: the gateway wraps the app's ClientHello; curl then fails "wrong version number".
        const bs = r.pick([0, r.int(150, 290)])
        Object.assign(sc, {bytesReceived: r.int(517, 583), bytesSent: bs, duration: r.int(30, 260), upstreamHost: addr(pod.ip, gw.tlsPort),
          upstreamCluster: outbound(443, '', gw.svc), requestedServerName: host})
        sidecarAddrs(r, sc, podIp, addr(ip, 443))
        const g = gatewayHopFrom(r, sc, pod.ip, gw.tlsPort)
        const tls = upstreamTls(host)
        Object.assign(g, {bytesReceived: sc.bytesReceived, bytesSent: bs, upstreamHost: addr(endpointIp(r, host, ip), 443), upstreamCluster: outbound(443, '', host),
          upstreamLocalAddress: addr(pod.ip, r.port()), requestedServerName: host, upstreamTlsVersion: tls.tls, upstreamPeerSubject: tls.subject})
        return {hops: [sidecar(sc), gwHop(gw, pod, g)], host, variant}
      }
      // Seed 001's "unsupported" case: the mtls-to-gateway DestinationRule (ISTIO_MUTUAL, sni
      // httpbin.org) left in place with a PASSTHROUGH gateway. The sidecar wraps the app's TLS in
      // Istio mTLS; the gateway passes that through to httpbin.org, whose certificate the sidecar
      // cannot verify against the mesh CA: UF at the sidecar, the app sees a connection reset.
      const d = r.int(40, 300)
      Object.assign(sc, {responseFlags: ['UF'], bytesReceived: 0, bytesSent: 0, duration: d, upstreamHost: addr(pod.ip, gw.tlsPort),
        upstreamCluster: outbound(443, '', gw.svc), requestedServerName: host})
      sidecarAddrs(r, sc, podIp, addr(ip, 443))
      const sidecarPort = sc.upstreamLocalAddress
      sc.upstreamLocalAddress = null // the connection never became ready: Envoy logs no local address
      const g = gatewayHopFrom(r, {...sc, upstreamLocalAddress: sidecarPort}, pod.ip, gw.tlsPort)
      Object.assign(g, {bytesReceived: r.int(1700, 2400), bytesSent: r.int(5200, 6100), upstreamHost: addr(endpointIp(r, host, ip), 443), upstreamCluster: outbound(443, '', host),
        upstreamLocalAddress: addr(pod.ip, r.port()), requestedServerName: host})
      return {hops: [sidecar(sc), gwHop(gw, pod, g)], host, variant}
    }
    default:
      throw new Error(`unknown scenario ${scenario}`)
  }
}

// ---------------------------------------------------------------------------------------------
// Request stream

const SINGLE_LINE = SCENARIO_IDS.filter((s) => !SCENARIOS[s].gateway && s !== 'double-encryption')

/** Source workloads that may run a scenario (the MUTUAL DestinationRule selects app: sleep). */
function sourceFor(r, scenario, pinPod) {
  if (pinPod) {
    for (const wl of WORKLOADS) for (const pod of wl.pods) if (pod.name === pinPod) return {wl, pod}
    throw new Error(`unknown pod ${pinPod}`)
  }
  const wl = scenario.startsWith('sidecar-mutual') && r.chance(0.7)
    ? /** @type {Workload} */ (WORKLOADS.find((w) => w.app === 'sleep'))
    : r.weighted(WORKLOADS.map((w) => [w, w.weight]))
  return {wl, pod: r.pick(wl.pods)}
}

/**
 * Requests, in order of their start time at the sidecar.
 * @param {{seed?: number, start?: number | string, scenarios?: string[], sequence?: string[], count?: number,
 *   meanGapMs?: number, pin?: {sourcePod?: string, gatewayPod?: string, host?: string, variant?: string}, budget?: () => number}} [opts]
 */
export function* generateRequests(opts = {}) {
  const r = new Rand((opts.seed ?? 1) * 2654435761)
  const allowed = opts.scenarios ?? SCENARIO_IDS
  const weights = allowed.map((s) => /** @type {[string, number]} */ ([s, SCENARIOS[s].weight]))
  const singles = weights.filter(([s]) => SINGLE_LINE.includes(s))
  let t = typeof opts.start === 'string' ? Date.parse(opts.start) : opts.start ?? Date.UTC(2024, 5, 21, 19, 0, 0, 0)
  const gap = opts.meanGapMs ?? 25
  for (let i = 0; opts.sequence ? i < opts.sequence.length : opts.count === undefined || i < opts.count; i++) {
    let scenario
    if (opts.sequence) scenario = opts.sequence[i]
    else if (opts.budget && opts.budget() < 2 && singles.length) scenario = r.weighted(singles)
    else scenario = r.weighted(weights)
    const src = sourceFor(r, scenario, opts.pin?.sourcePod)
    const built = buildRequest(r, scenario, t, src, opts.pin ?? {})
    yield {id: i, scenario, verdict: SCENARIOS[scenario].verdict, host: built.host, variant: built.variant, source: {pod: src.pod.name, namespace: src.wl.ns, ip: src.pod.ip}, hops: built.hops}
    t += Math.max(1, Math.round(r.exp(gap)))
  }
}

// ---------------------------------------------------------------------------------------------
// Line stream: requests → lines in the order `kubectl logs -f` over several pods would print them.
// Envoy writes a line when the request ends and flushes its access-log buffer once a second
// (--file-flush-interval-msec 1000), so each pod's lines arrive in per-second batches.

function phaseOf(pod) {
  let h = 2166136261
  for (let i = 0; i < pod.length; i++) h = Math.imul(h ^ pod.charCodeAt(i), 16777619)
  return (h >>> 0) % 1000
}

class Heap {
  constructor(less) {
    /** @type {any[]} */
    this.a = []
    this.less = less
  }
  get size() {
    return this.a.length
  }
  peek() {
    return this.a[0]
  }
  push(x) {
    const a = this.a
    a.push(x)
    let i = a.length - 1
    while (i > 0) {
      const p = (i - 1) >> 1
      if (!this.less(a[i], a[p])) break
      ;[a[i], a[p]] = [a[p], a[i]]
      i = p
    }
  }
  pop() {
    const a = this.a
    const top = a[0]
    const last = a.pop()
    if (a.length) {
      a[0] = last
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        const rr = l + 1
        let m = i
        if (l < a.length && this.less(a[l], a[m])) m = l
        if (rr < a.length && this.less(a[rr], a[m])) m = rr
        if (m === i) break
        ;[a[i], a[m]] = [a[m], a[i]]
        i = m
      }
    }
    return top
  }
}

const lineLess = (x, y) => x.flushMs !== y.flushMs ? x.flushMs < y.flushMs : x.pod !== y.pod ? x.pod < y.pod : x.endMs !== y.endMs ? x.endMs < y.endMs : x.seq < y.seq

/**
 * Lines of a realistic mixed capture, each with its oracle.
 * @param {{lines?: number, seed?: number, prefixShare?: number, timestampShare?: number, formats?: string[],
 *   scenarios?: string[], start?: number | string, withExpected?: boolean, meanGapMs?: number}} [opts]
 */
export function* generateLog(opts = {}) {
  const total = opts.lines ?? 1000
  const seed = opts.seed ?? 1
  const prefixShare = opts.prefixShare ?? 0.3
  const timestampShare = opts.timestampShare ?? 0.1
  const formats = opts.formats ?? ['istio']
  for (const f of formats) if (!(f in FORMAT_STRINGS)) throw new Error(`unknown format ${f}; known: ${FORMATS.join(', ')}`)
  const withExpected = opts.withExpected ?? true
  const envR = new Rand(seed * 40503 + 17)
  const fmtR = new Rand(seed * 69069 + 5)
  const heap = new Heap(lineLess)
  /** @type {Map<string, number>} last kubelet timestamp per pod, in ns since the start */
  const lastTs = new Map()
  let created = 0
  let emitted = 0
  let seq = 0

  const emit = (item) => {
    const fmt = item.format
    const e = item.hop.entry
    let text = renderLine(e, fmt)
    const who = {pod: item.hop.pod, namespace: item.hop.namespace}
    let source
    const wantPrefix = envR.chance(prefixShare)
    const wantTs = envR.chance(timestampShare)
    const jitterNs = envR.int(20_000, 900_000) // kubelet reads a flushed batch a little later
    if (wantPrefix || wantTs) {
      let ts
      if (wantTs) {
        // kubelet timestamps of one container's stream never go backwards
        const base = (item.flushMs - BASE_MS) * 1e6 + jitterNs
        const prev = lastTs.get(item.hop.pod) ?? -Infinity
        const ns = Math.max(base, prev + envR.int(2_000, 40_000))
        lastTs.set(item.hop.pod, ns)
        ts = kubeletTimestamp(BASE_MS + Math.floor(ns / 1e6), Math.floor(ns % 1e6))
      }
      const kind = wantPrefix && wantTs ? 'prefix-timestamps' : wantPrefix ? 'prefix' : 'timestamps'
      const w = wrapEnvelope(text, kind, {...who, timestamp: ts})
      text = w.text
      source = w.source
    }
    emitted++
    if (!withExpected) return {text}
    const expected = expectedFor(e, fmt)
    if (source) expected.source = source
    return {text, expected, meta: {request: item.request, scenario: item.scenario, role: item.hop.role, pod: item.hop.pod, namespace: item.hop.namespace, variant: item.variant}}
  }

  const BASE_MS = typeof opts.start === 'string' ? Date.parse(opts.start) : opts.start ?? Date.UTC(2024, 5, 21, 19, 0, 0, 0)
  const reqs = generateRequests({seed, start: BASE_MS, scenarios: opts.scenarios, meanGapMs: opts.meanGapMs, budget: () => total - created})
  while (created < total) {
    const req = /** @type {any} */ (reqs.next().value)
    const t = req.hops[0].entry.startMs
    while (heap.size && heap.peek().flushMs < t) yield emit(heap.pop())
    const format = formats.length === 1 ? formats[0] : fmtR.pick(formats)
    for (const hop of req.hops) {
      if (created >= total) break
      const endMs = hop.entry.startMs + hop.entry.duration
      const phase = phaseOf(hop.pod)
      const flushMs = Math.ceil((endMs - phase) / 1000) * 1000 + phase
      heap.push({flushMs, pod: hop.pod, endMs, seq: seq++, hop, format, request: req.id, scenario: req.scenario, variant: req.variant})
      created++
    }
  }
  while (heap.size) yield emit(heap.pop())
  if (emitted !== total) throw new Error(`internal: emitted ${emitted} of ${total}`)
}

// ---------------------------------------------------------------------------------------------
// For fixtures: build the sidecar line that pairs with a real gateway line.

/**
 * A constructed sidecar entry that matches a gateway entry by every join key of brief §4.3.
 * @param {Record<string, any>} g the gateway entry (model fields)
 * @param {{seed?: number, gatewayService: string, servicePort: number, subset?: string, route?: string | null,
 *   dialedIp: string, userAgent?: string, mtls?: boolean, gatewaySa?: string, gatewayNs?: string}} o
 */
export function sidecarPartnerFor(g, o) {
  const r = new Rand((o.seed ?? 7) * 97 + 3)
  const lag = r.int(3, 9)
  const startMs = (g.startMs ?? Date.parse(g.startTime)) - lag
  const e = blank(startMs)
  const tcp = g.method === null || g.method === undefined
  const podIp = /** @type {string} */ (g.downstreamRemoteAddress).split(':')[0]
  const listenPort = /** @type {string} */ (g.downstreamLocalAddress).split(':')[1]
  Object.assign(e, {
    bytesReceived: g.bytesReceived, bytesSent: g.bytesSent, duration: g.duration + lag + r.int(0, 3),
    upstreamHost: `${g.downstreamLocalAddress.split(':')[0]}:${listenPort}`,
    upstreamCluster: outbound(o.servicePort, o.subset ?? '', o.gatewayService),
    upstreamLocalAddress: g.downstreamRemoteAddress,
    downstreamLocalAddress: `${o.dialedIp}:${tcp ? 443 : 80}`,
    downstreamRemoteAddress: `${podIp}:${r.port()}`,
    routeName: o.route ?? null,
  })
  if (tcp) {
    e.requestedServerName = g.requestedServerName
  } else {
    Object.assign(e, {method: g.method, path: g.path, protocol: 'HTTP/1.1', responseCode: g.responseCode, responseCodeDetails: 'via_upstream',
      userAgent: o.userAgent ?? g.userAgent, requestId: g.requestId, authority: g.authority})
    e.upstreamServiceTime = e.duration - r.int(0, 1)
  }
  if (o.mtls) Object.assign(e, {upstreamTlsVersion: 'TLSv1.3', upstreamPeerUriSan: spiffe(o.gatewayNs ?? 'istio-system', o.gatewaySa ?? 'istio-egressgateway-service-account')})
  return e
}

/** The topology, for fixture READMEs and tests. */
export const TOPOLOGY = Object.freeze({workloads: WORKLOADS, gateways: GATEWAYS, hosts: HOSTS, nodeOf})

// ---------------------------------------------------------------------------------------------
// CLI

const CLI_OPTIONS = ['lines', 'seed', 'format', 'prefix-share', 'timestamp-share']

function parseArgs(argv) {
  /** @type {Record<string, string>} */
  const out = {}
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--help' || a === '-h') {
      out.help = ''
      continue
    }
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`)
    const eq = a.indexOf('=')
    const name = eq > 0 ? a.slice(2, eq) : a.slice(2)
    if (!CLI_OPTIONS.includes(name)) throw new Error(`unknown option --${name}`)
    const value = eq > 0 ? a.slice(eq + 1) : argv[++i]
    if (value === undefined) throw new Error(`--${name} needs a value`)
    out[name] = value
  }
  return out
}

async function main() {
  let args
  try {
    args = parseArgs(process.argv.slice(2))
  } catch (err) {
    process.stderr.write(`${/** @type {Error} */ (err).message}\nusage: node test/bench/generate.mjs --lines N --seed S [--format F[,F...]] [--prefix-share X] [--timestamp-share X]\n`)
    process.exit(2)
  }
  if ('help' in args) {
    process.stdout.write(`usage: node test/bench/generate.mjs --lines N --seed S [--format F[,F...]] [--prefix-share X] [--timestamp-share X]\nformats: ${FORMATS.join(', ')}\n`)
    return
  }
  const lines = Number(args.lines ?? 1000)
  const seed = Number(args.seed ?? 1)
  const prefixShare = Number(args['prefix-share'] ?? 0.3)
  const timestampShare = Number(args['timestamp-share'] ?? 0.1)
  const formats = (args.format ?? 'istio').split(',').filter(Boolean)
  const unknown = formats.filter((f) => !FORMATS.includes(f))
  if (unknown.length || !formats.length) {
    process.stderr.write(`unknown format ${unknown.join(', ') || '(none)'}; known: ${FORMATS.join(', ')}\n`)
    process.exit(2)
  }
  if (!Number.isInteger(lines) || lines < 0 || !Number.isFinite(seed) || !(prefixShare >= 0 && prefixShare <= 1) || !(timestampShare >= 0 && timestampShare <= 1)) {
    process.stderr.write('bad --lines, --seed, --prefix-share or --timestamp-share\n')
    process.exit(2)
  }
  const out = process.stdout
  let broken = false
  out.on('error', (err) => {
    if (/** @type {any} */ (err).code === 'EPIPE') broken = true
    else throw err
  })
  let buf = ''
  for (const {text} of generateLog({lines, seed, prefixShare, timestampShare, formats, withExpected: false})) {
    if (broken) break
    buf += text + '\n'
    if (buf.length > 1 << 16) {
      if (!out.write(buf)) await new Promise((res) => out.once('drain', res))
      buf = ''
    }
  }
  if (buf && !broken) out.write(buf)
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err) => {
    process.stderr.write(`${err.stack ?? err}\n`)
    process.exit(1)
  })
}
