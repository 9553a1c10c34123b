// The data model. Names are part of the contract (shared/DESIGN.md): they appear in --json output,
// reports and the TUI. Access-log field names follow Envoy's command operators in camelCase;
// a field the line shows as `-` is null; a field the format does not carry is absent.

/** Where a parsed line came from. `line` is 1-based within its input. */
export interface SourceRef {
  input: string
  line: number
  /** From a kubectl `--prefix` ([pod/NAME/CONTAINER]) or stern envelope. */
  pod?: string
  container?: string
  namespace?: string
  /** From kubectl `--timestamps` (RFC3339, kept as printed) or stern's JSON. */
  timestamp?: string
}

export interface AccessLogEntry {
  /** %START_TIME% as printed. */
  startTime?: string | null
  /** %START_TIME% as epoch milliseconds (UTC); null where the line has no parseable time. */
  startMs?: number | null
  method?: string | null
  path?: string | null
  protocol?: string | null
  responseCode?: number | null
  /** Comma-joined flags split; [] for `-`. Unknown (custom) flags are kept. */
  responseFlags?: string[]
  responseCodeDetails?: string | null
  connectionTerminationDetails?: string | null
  upstreamTransportFailureReason?: string | null
  bytesReceived?: number | null
  bytesSent?: number | null
  duration?: number | null
  upstreamServiceTime?: number | null
  xForwardedFor?: string | null
  userAgent?: string | null
  requestId?: string | null
  authority?: string | null
  upstreamHost?: string | null
  upstreamCluster?: string | null
  upstreamLocalAddress?: string | null
  downstreamLocalAddress?: string | null
  downstreamRemoteAddress?: string | null
  requestedServerName?: string | null
  routeName?: string | null
  /** TLS evidence: what the `egress-audit` preset adds to Istio's default fields. */
  upstreamTlsVersion?: string | null
  upstreamPeerUriSan?: string | null
  upstreamPeerSubject?: string | null
  downstreamTlsVersion?: string | null
  downstreamPeerUriSan?: string | null
  downstreamPeerSubject?: string | null
  /** Istio 1.1–1.7 %DYNAMIC_METADATA(istio.mixer:status)%. */
  mixerStatus?: string | null
  /** Fields of a custom format outside this list, keyed by their operator text. */
  extra?: Record<string, string | null>
  source: SourceRef
  /** Which preset or custom format matched the line. */
  format: string
}

/** The fields of AccessLogEntry that parsers fill from the log line (everything but source, format, extra). */
export type EntryField = Exclude<keyof AccessLogEntry, 'source' | 'format' | 'extra'>

/** `outbound|443||httpbin.org` parsed. */
export type Cluster =
  | {kind: 'service'; direction: 'outbound' | 'inbound' | 'inbound-vip'; port: number | null; subset: string; host: string; raw: string}
  | {kind: 'passthrough' | 'blackhole' | 'inbound-passthrough' | 'allow-any-dns'; raw: string}
  | {kind: 'other'; raw: string}

export type ProxyRole = 'sidecar' | 'egress-gateway' | 'ingress-gateway' | 'waypoint' | 'unknown'

export type DownstreamTransport = 'plaintext' | 'mtls' | 'tls' | 'unknown'
export type UpstreamTransport = 'plaintext' | 'tls-originated' | 'mtls-originated' | 'tls-passthrough' | 'none' | 'unknown'

export type Severity = 'high' | 'medium' | 'low' | 'info'
export const SEVERITIES: readonly Severity[] = ['high', 'medium', 'low', 'info']

export const VERDICTS = [
  'gateway-mtls-originated',
  'gateway-mtls-plaintext',
  'gateway-originated',
  'gateway-plaintext',
  'gateway-passthrough',
  'sidecar-originated',
  'sidecar-mtls-originated',
  'direct-tls',
  'direct-plaintext',
  'passthrough-cluster',
  'blocked',
  'failed',
  'unknown',
] as const
export type Verdict = (typeof VERDICTS)[number]

export type Confidence = 'high' | 'medium' | 'low'
export type Strength = 'proven' | 'inferred'
