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

// ---- Hops, chains, findings, the analysis result (the analyze pipeline: src/core/analyze.ts) ----------

/** Why a hop's role was decided as it was, most trusted first. */
export type RoleBasis =
  | 'flag-pod'      // --gateway-pod matched the kubectl/stern pod name
  | 'flag-address'  // --gateway-address matched the listener address
  | 'pod-name'      // the pod name from the kubectl/stern envelope
  | 'cluster'       // the upstream cluster (inbound|…, PassthroughCluster, a cluster whose host is the gateway)
  | 'listener'      // the listener: addressed to the proxy itself on 8080/8443 (80/443 before Istio 1.6)
  | 'fields'        // other fields (X-Forwarded-For, addresses): a guess
  | 'none'          // nothing to go on

/** Which way a hop's traffic went, seen from the proxy that wrote it. */
export type HopDirection = 'outbound' | 'inbound' | 'unknown'

/** One proxy's view of one request (HTTP) or connection (TCP): one access-log line. */
export interface Hop {
  /** `input:line` of the line: also the hop's id. */
  ref: string
  role: ProxyRole
  roleBasis: RoleBasis
  /** True when the role rests on fields alone (no pod name, no flag): a guess, said so in findings. */
  roleGuessed: boolean
  /** The role decision in words, for evidence ("pod istio-egressgateway-… (kubectl --prefix)"). */
  roleReason: string
  direction: HopDirection
  /** `http` when the line shows a request (method), `tcp` for `"- - -"` lines. */
  kind: 'http' | 'tcp'
  /** upstreamCluster parsed; null when the line has none. */
  cluster: Cluster | null
  /** UPSTREAM_HOST split. Its port, not the cluster's, is where the bytes went (targetPort remaps 80→443). */
  upstreamIp: string | null
  upstreamPort: number | null
  /** A sidecar hop whose upstream is an egress gateway (its cluster host, or --gateway-address). */
  toGateway: boolean
  downstream: DownstreamTransport
  upstream: UpstreamTransport
  /** Whether TLS fields (the egress-audit preset) show the transport, rather than ports, SNI and names. */
  downstreamProven: boolean
  upstreamProven: boolean
  /** START_TIME and START_TIME + DURATION in epoch ms; Envoy writes the line at the end. */
  startMs: number | null
  endMs: number | null
  entry: AccessLogEntry
}

/** One fact an auditor can check by hand: where it is, what it says, the decisive values. */
export interface Evidence {
  /** `input:line` for a log line; `Header-Name @ capture:line` for a header. */
  ref: string
  kind: 'log' | 'header' | 'join' | 'policy'
  fact: string
  /** The decisive field values as the line or header shows them. */
  fields: Record<string, string | number | boolean | null>
  strength: Strength
}

/** What kind of traffic a chain is. Only `egress` chains are judged by the verdict table's findings and policy. */
export type ChainScope = 'egress' | 'mesh' | 'inbound' | 'ingress' | 'unknown'

/** How two pieces of a chain were put together. */
export type JoinKey =
  | 'request-id'         // the same x-request-id on both proxies' lines
  | 'connection'         // sidecar UPSTREAM_LOCAL_ADDRESS = gateway DOWNSTREAM_REMOTE_ADDRESS, in the window
  | 'pod-time'           // no sidecar UPSTREAM_LOCAL_ADDRESS: the sidecar's pod IP, the gateway listener and time (weak)
  | 'header-request-id'  // an echo's X-Request-Id equals a line's
  | 'header-peer-time'   // the echo's X-Envoy-Peer-Metadata-Id IP is the exit proxy's, X-Amzn-Trace-Id's second its START_TIME's
  | 'header-time'        // Host and X-Amzn-Trace-Id's second only (no peer headers: TLS passed through)

/** Host and port as the outside world saw them: `httpbin.org:443`. The key joins with configured intent. */
export interface Destination {
  host: string | null
  port: number | null
  /** `host:port`, `host:?` when the port is unknown, `?` when nothing is known. */
  key: string
}

/** Who sent the request, as far as the evidence says. */
export interface ChainSource {
  namespace?: string
  workload?: string
  pod?: string
  ip?: string
  /** A SPIFFE id (XFCC URI, DOWNSTREAM_PEER_URI_SAN). */
  identity?: string
  /** Where each of the above came from, in words. */
  from: string[]
}

export interface RequestChain {
  /** Its lines' refs joined by `+` (`sidecar.log:3+gateway.log:1`), or `capture:line` for an echo alone. */
  id: string
  scope: ChainScope
  /** In order: sidecar first, then gateway. */
  hops: Hop[]
  headers: import('./headers/types.js').HeaderEvidence[]
  joinedBy: JoinKey[]
  destination: Destination
  source: ChainSource
  verdict: Verdict
  /** Id of the rule (src/core/classify/rules.ts) that gave the verdict. */
  rule: string
  /** The verdict in one sentence, with the decisive values. */
  reason: string
  /** For `unknown` (and low confidence): which evidence would decide it. */
  missing: string[]
  confidence: Confidence
  strength: Strength
  evidence: Evidence[]
  /** Ids of the findings this chain contributed to. */
  findings: string[]
  /** START_TIME of its earliest line (or the echo's time). */
  startMs: number | null
  startTime: string | null
}

export type FindingKind =
  | 'bypassed-gateway'
  | 'plaintext-left-mesh'
  | 'plaintext-to-gateway'
  | 'passthrough-egress'
  | 'blocked-attempt'
  | 'metadata-leaked'
  | 'double-encryption'
  | 'xfcc-hash-mismatch'
  | 'unexpected-identity'
  | 'missing-identity'
  | 'expired-certificate'
  | 'upstream-tls-failure'
  | 'egress-failed'
  | 'unclassified'
  | 'guessed-role'
  | 'guessed-format'
  | 'policy-violation'

/**
 * One finding: chains with the same kind, destination and source are counted together, so a finding
 * list stays readable (and memory bounded) over a million lines. `chains` keeps the first few ids.
 */
export interface Finding {
  /** `kind|destination|source|detail`: stable across runs, so reports can be compared. */
  id: string
  kind: FindingKind
  severity: Severity
  title: string
  detail: string
  destination: string | null
  source: string | null
  /** The policy rule it breaks, for policy violations. */
  policyRule?: string
  count: number
  chains: string[]
  firstSeen: string | null
  lastSeen: string | null
  /** From the first chain: the facts it rests on. */
  evidence: Evidence[]
}

/** One row of the summary: a destination and a verdict, with counts and the time span observed. */
export interface SummaryRow {
  destination: string
  scope: ChainScope
  verdict: Verdict
  chains: number
  proven: number
  confidence: Record<Confidence, number>
  firstSeen: string | null
  lastSeen: string | null
}

/** The options an analysis ran with, as they go into --json (so a result says how it was made). */
export interface AnalysisOptionsUsed {
  windowMs: number | null
  gatewayPods: string[]
  gatewayAddresses: string[]
  since: string | null
  until: string | null
  policy: string
}

export interface AnalysisResult {
  /** Every chain, when the analyzer keeps them (--json, tests); [] when it streamed them out. */
  chains: RequestChain[]
  findings: Finding[]
  summary: SummaryRow[]
  accounting: import('./result.js').LineStats
  totals: {
    chains: number
    egress: number
    /** Egress chains whose verdict is proven by TLS fields or XFCC. */
    proven: number
    byVerdict: Partial<Record<Verdict, number>>
    byScope: Partial<Record<ChainScope, number>>
    headerSets: number
    headerSetsJoined: number
  }
  /** proven / egress, 0 when there is no egress chain. */
  provenShare: number
  options: AnalysisOptionsUsed
}
