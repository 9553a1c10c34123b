// Types of header evidence: what an echo service (httpbin.org/headers and the like) saw, decoded.
// Names are part of the contract (shared/DESIGN.md, HeaderEvidence): they appear in `decode` output
// and in the analyzer's evidence. A header that is absent is null; one that is present but cannot be
// decoded is null too, with its problem in `errors`.

/** Plain JSON, as google.protobuf.Struct decodes to. */
export type JsonValue = null | boolean | number | string | JsonValue[] | {[key: string]: JsonValue}

/**
 * X-Envoy-Peer-Metadata decoded: the sending proxy's node metadata (NAME, NAMESPACE, LABELS,
 * WORKLOAD_NAME, OWNER, CLUSTER_ID, INSTANCE_IPS, ISTIO_VERSION, MESH_ID, APP_CONTAINERS, ...).
 * Every key the Struct carries is kept, known or not.
 */
export type PeerMetadata = {[key: string]: JsonValue}

/** The Envoy node type that starts an Istio node id (pilot-agent): `router` is any gateway. */
export type PeerProxyType = 'sidecar' | 'router' | 'waypoint' | 'ztunnel'
export const PEER_PROXY_TYPES: readonly PeerProxyType[] = ['sidecar', 'router', 'waypoint', 'ztunnel']

/** X-Envoy-Peer-Metadata-Id, `TYPE~IP~POD.NS~NS.svc.cluster.local`, split. */
export interface PeerId {
  type: PeerProxyType
  ip: string
  /** The third field as sent: `POD.NAMESPACE`. */
  id: string
  pod: string
  namespace: string
  /** The DNS domain of the proxy's namespace: `NS.svc.cluster.local`. */
  domain: string
}

/** An XFCC element's key/value pairs, as carried on the wire (Cert and Chain still URL-encoded). */
export interface XfccFields {
  /** URI SAN of the proxy that added the element (the server side of the mTLS hop). */
  by?: string
  /** SHA-256 of the client certificate's DER, hex. */
  hash?: string
  /** URL-encoded PEM of the client certificate. */
  cert?: string
  /** URL-encoded PEM chain of the client certificate, leaf first. */
  chain?: string
  /** Subject of the client certificate (Envoy always quotes it; "" for Istio workload certs). */
  subject?: string
  /** URI SANs of the client certificate. */
  uri: string[]
  /** DNS SANs of the client certificate, one DNS key each. */
  dns: string[]
  /** Keys Envoy does not define, kept in order so nothing is lost. */
  other?: {key: string; value: string}[]
}

/** A SPIFFE id split; namespace and serviceAccount only for Istio's `/ns/NS/sa/SA` path. */
export interface SpiffeId {
  uri: string
  trustDomain: string
  path: string
  namespace?: string
  serviceAccount?: string
}

/** An X.509 certificate as node:crypto reads it, in the terms an audit needs. */
export interface CertificateInfo {
  /** RFC 2253-ish `O=cluster.local, CN=x`; "" when the subject is empty (Istio workload certs). */
  subject: string
  issuer: string
  /** Colon hex as openssl prints it: `fc:c5:40:26:…`. */
  serial: string
  uris: string[]
  dnsNames: string[]
  ipAddresses: string[]
  /** The first spiffe:// URI SAN, split. */
  spiffe: SpiffeId | null
  /** ISO 8601. */
  validFrom: string
  validTo: string
  /** At the time the caller checked it (`checkedAt`). */
  expired: boolean
  notYetValid: boolean
  checkedAt: string
  /** SHA-256 of the DER, lowercase hex: what XFCC's Hash should equal. */
  sha256: string
  isCA: boolean
  /** `rsa`, `ec`, `ed25519`…; bits for RSA, curve for EC. */
  keyType: string | null
  keyBits: number | null
  keyCurve: string | null
}

/** One XFCC element: the fields plus what the certificates in it say. */
export interface XfccElement extends XfccFields {
  /** The decoded Cert; null when the element has none or it cannot be read (see `problems`). */
  certificate: CertificateInfo | null
  /** Every certificate of Chain, leaf first; [] without a Chain. */
  chainCertificates: CertificateInfo[]
  /** Whether Hash equals the SHA-256 of Cert's DER (or Chain's leaf); null when either is missing. */
  hashMatches: boolean | null
  /** Why Cert or Chain could not be read; the element's other fields still stand. */
  problems: string[]
}

/** `host:port/path` from X-Envoy-Decorator-Operation (route operation: cluster host:port + path). */
export interface DecoratorOperation {
  host: string
  port: number | null
  path: string | null
}

/** Trace context as the echo saw it: B3 multi- or single-header, and W3C traceparent. */
export interface TraceIds {
  b3?: {traceId: string; spanId: string; parentSpanId?: string; sampled: boolean | null; debug?: boolean}
  traceparent?: {version: string; traceId: string; parentId: string; flags: string; sampled: boolean}
}

/** X-Amzn-Trace-Id as an AWS load balancer writes it. */
export interface AmznTraceId {
  root: string
  /** The epoch second in the Root id, as ISO 8601: the second the balancer first saw the request. */
  time: string
  epochSeconds: number
  parent?: string
  self?: string
  sampled?: boolean
}

/** Where a header set came from: a capture and the 1-based line where it starts. */
export interface HeaderSource {
  input: string
  line: number
}

/**
 * What a header set is: `echo` = the request headers as an echo service received them (httpbin JSON);
 * `request` = headers a client sent (curl -v `>` lines, HAR request); `response` = response headers;
 * `headers` = a raw block of `Name: value` lines (maybe after a request line, as `nc -l` shows what it
 * received) whose direction the capture does not say; it is read like an echo.
 */
export type HeaderSetKind = 'echo' | 'request' | 'response' | 'headers'

/** How the header set was written in the capture. */
export type CaptureFormat = 'httpbin-json' | 'har' | 'curl-verbose' | 'curl-dump' | 'raw'

/** One header line. `line` is where it stands in the capture, when it came from one. */
export interface HeaderField {
  name: string
  value: string
  line?: number
}

export interface HeaderSet {
  kind: HeaderSetKind
  format: CaptureFormat
  source: HeaderSource
  /** In capture order; a repeated header appears once per occurrence. */
  headers: HeaderField[]
  /** Request line or status line, when the capture shows one. */
  method?: string
  path?: string
  status?: number
}

/** Why a capture line was not read as part of a header set. */
export type CaptureSkipReason =
  | 'unrecognised'      // text that fits none of the capture formats
  | 'bad-json'          // starts like JSON but does not parse (or never ends)
  | 'json-no-headers'   // a JSON value that holds no header set
  | 'bad-header-line'   // inside a header block, a line that is not `Name: value`
  | 'binary'            // NUL or other control bytes that no header capture has

export interface CaptureSkip {
  line: number
  reason: CaptureSkipReason
  detail?: string
}

export interface Capture {
  sets: HeaderSet[]
  skipped: CaptureSkip[]
  linesRead: number
}

/** What the headers alone support. One claim per conclusion, with its reason and the header it rests on. */
export type Claim =
  | 'last-hop-sidecar'      // the last Envoy before the echo was a sidecar
  | 'last-hop-gateway'      // … a gateway (`router~`): the request left through it
  | 'last-hop-waypoint'
  | 'last-hop-ztunnel'
  | 'via-gateway'           // X-Envoy-Internal: an Envoy with use_remote_address (a gateway) handled it
  | 'mtls-hop'              // an XFCC element: a hop into `By` was mutual TLS from `URI`
  | 'xfcc-hash-mismatch'    // XFCC Hash is not the SHA-256 of its Cert
  | 'xfcc-cert-expired'     // the client certificate was outside its validity when checked
  | 'left-tls-originated'   // decorator port 443: the last Envoy originated TLS
  | 'left-plaintext'        // decorator port 80: plain HTTP left the mesh
  | 'left-on-port'          // another port: named, without a transport claim
  | 'metadata-leaked'       // mesh metadata headers reached a service outside the mesh
  | 'no-metadata-headers'   // no peer metadata: stripped at the edge or TLS passed through (not "no sidecar")

export interface Conclusion {
  claim: Claim
  reason: string
  /** The header the claim rests on (absent headers are named too) and its line in the capture. */
  source: {header: string; line?: number}
}

export interface HeaderError {
  header: string
  line?: number
  message: string
}

export interface HeaderEvidence {
  source: HeaderSource
  kind: HeaderSetKind
  /** Raw headers, in order, repeated ones kept; look up with `headerValues` (case-insensitive). */
  headers: HeaderField[]
  peerMetadata: PeerMetadata | null
  peerId: PeerId | null
  xfcc: XfccElement[] | null
  decoratorOperation: DecoratorOperation | null
  envoyInternal: boolean | null
  attemptCount: number | null
  requestId: string | null
  forwardedFor: string[] | null
  trace: TraceIds | null
  amznTraceId: AmznTraceId | null
  /** X-Amzn-Trace-Id's second as ISO 8601: joins an httpbin echo to the gateway log's START_TIME. */
  amznTraceTime: string | null
  /** When certificate validity was checked: the request time when the headers carry one, else `now`. */
  certificatesCheckedAt: string
  conclusions: Conclusion[]
  errors: HeaderError[]
}
