// Types for generate.mjs (plain JavaScript so node runs it without a build).
import type {AccessLogEntry, SourceRef} from '../../src/core/model.js'

export type FormatName = 'istio' | 'istio-1.8' | 'istio-1.3' | 'istio-1.2' | 'istio-1.1' | 'envoy' | 'istio-json' | 'egress-audit'
export type ScenarioId =
  | 'direct-http'
  | 'direct-https'
  | 'sidecar-simple-origination'
  | 'sidecar-mutual-origination'
  | 'sidecar-mutual-origination-failed'
  | 'gateway-http'
  | 'gateway-origination'
  | 'gateway-mtls-origination'
  | 'gateway-mtls-http'
  | 'gateway-sni-passthrough'
  | 'passthrough-http'
  | 'passthrough-tcp'
  | 'blocked-tcp'
  | 'blocked-http'
  | 'double-encryption'
  | 'gateway-no-filter-chain'
  | 'gateway-rbac-denied'
export type Envelope = 'plain' | 'prefix' | 'timestamps' | 'prefix-timestamps' | 'stern' | 'stern-raw' | 'stern-json'
export type Role = 'sidecar' | 'egress-gateway'

/** What the parser must produce: the fields the format carries (null for `-`), startMs, format, and source fields an envelope gives. */
export type ExpectedEntry = Omit<Partial<AccessLogEntry>, 'source'> & {format: string; source?: Partial<SourceRef>}
/** An entry as the generator builds it: every model field, null for `-`. */
export type Entry = Required<Omit<AccessLogEntry, 'source' | 'format' | 'extra'>>

export interface LineMeta {
  request: number
  scenario: ScenarioId
  role: Role
  pod: string
  namespace: string
  variant?: string
}
export interface GeneratedLine {
  text: string
  expected: ExpectedEntry
  meta: LineMeta
}

export interface GenerateLogOptions {
  /** Exactly this many lines (default 1000). */
  lines?: number
  seed?: number
  /** Share of lines with a kubectl --prefix envelope (default 0.3). */
  prefixShare?: number
  /** Share of lines with a kubectl --timestamps prefix (default 0.1), independent of the prefix. */
  timestampShare?: number
  /** Formats to draw from, one per request (default ['istio']). */
  formats?: FormatName[]
  scenarios?: ScenarioId[]
  /** Start time of the first request (epoch ms or ISO string; default 2024-06-21T19:00:00.000Z). */
  start?: number | string
  /** Mean gap between requests in ms (default 25). */
  meanGapMs?: number
  /** false: yield only {text} (the CLI's fast path). */
  withExpected?: boolean
}

export interface Hop {
  role: Role
  pod: string
  namespace: string
  entry: Entry
}
export interface GeneratedRequest {
  id: number
  scenario: ScenarioId
  verdict: string
  host: string
  variant?: string
  source: {pod: string; namespace: string; ip: string}
  hops: Hop[]
}
export interface GenerateRequestsOptions {
  seed?: number
  start?: number | string
  scenarios?: ScenarioId[]
  /** One request per listed scenario, in this order (overrides count and weights). */
  sequence?: ScenarioId[]
  count?: number
  meanGapMs?: number
  /** Fix the source pod, the gateway pod, the destination host, or the double-encryption variant. */
  pin?: {sourcePod?: string; gatewayPod?: string; host?: string; variant?: 'gateway-reencrypts' | 'sidecar-reencrypts' | 'mtls-into-passthrough'}
  budget?: () => number
}

export interface ScenarioInfo {
  row: string
  title: string
  verdict: string
  gateway: boolean
  weight: number
  note?: string
}

export const FORMAT_STRINGS: Readonly<Record<FormatName, string>>
export const FORMATS: readonly FormatName[]
export const EXTRA_FORMAT_STRINGS: Readonly<Record<'istio-1.0', string>>
export const SCENARIOS: Readonly<Record<ScenarioId, ScenarioInfo>>
export const SCENARIO_IDS: readonly ScenarioId[]
export const ENVELOPES: readonly Envelope[]
export const TOPOLOGY: {
  readonly workloads: {ns: string; app: string; sa: string; ua: string; weight: number; pods: {name: string; ip: string}[]}[]
  readonly gateways: Record<string, {id: string; svc: string; ns: string; sa: string; pods: {name: string; ip: string}[]; httpPort: number; tlsPort: number}>
  readonly hosts: Record<string, {ips: string[]; tls?: string; subject?: string; vip?: string; gateway?: string; subset?: string; mtlsPort?: number}>
  readonly nodeOf: (ip: string) => string
}

export function generateLog(opts?: GenerateLogOptions): Generator<GeneratedLine>
export function generateRequests(opts?: GenerateRequestsOptions): Generator<GeneratedRequest>
export function renderLine(entry: Partial<AccessLogEntry> | Record<string, unknown>, format: FormatName | 'istio-1.0'): string
export function expectedFor(entry: Partial<AccessLogEntry> | Record<string, unknown>, format: FormatName | 'istio-1.0'): ExpectedEntry
export function fieldsOf(format: FormatName | 'istio-1.0'): string[]
export function wrapEnvelope(
  line: string,
  kind: Envelope,
  who: {pod: string; container?: string; namespace: string; node?: string; timestamp?: string},
): {text: string; source: Partial<SourceRef> | undefined}
export function kubeletTimestamp(ms: number, nanosInMs?: number): string
export function mulberry32(seed: number): () => number
export function sidecarPartnerFor(
  gateway: Partial<AccessLogEntry> | Record<string, unknown>,
  o: {seed?: number; gatewayService: string; servicePort: number; subset?: string; route?: string | null; dialedIp: string; userAgent?: string; mtls?: boolean; gatewaySa?: string; gatewayNs?: string},
): Entry
