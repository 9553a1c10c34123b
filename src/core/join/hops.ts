// An access-log entry becomes a Hop: who wrote it and what its fields say of the transport on either
// side (brief §4.4). TLS fields (the egress-audit preset) prove a transport; without them it is inferred
// from the protocol, SNI and the port of UPSTREAM_HOST — never the cluster's port: a ServiceEntry's
// targetPort sends `outbound|80||host` to :443.

import type {AccessLogEntry, DownstreamTransport, Hop, UpstreamTransport} from '../model.js'
import {ipOf, parseCluster, portOf} from './cluster.js'
import {type RoleOptions, decideRole, isGatewayAddress, isGatewayHost} from './roles.js'

/** Upstream ports that carry TLS by convention; only used when no TLS field says. */
export const TLS_PORTS: ReadonlySet<number> = new Set([443, 8443, 465, 636, 993, 995, 5671, 6443, 9443])
/** Upstream ports that carry plain HTTP by convention. */
export const PLAIN_PORTS: ReadonlySet<number> = new Set([80, 8080])

/** Flags that say the upstream connection was never made or broke (ERF; brief §2.1). */
const NO_UPSTREAM_FLAGS = new Set(['UF', 'UH', 'NR', 'NC', 'DF', 'UO', 'URX'])

/** The value of a custom-format field outside the model (`extra`), by operator name, in text or JSON form. */
export function extraField(entry: AccessLogEntry, operator: string): string | null {
  const extra = entry.extra
  if (!extra) return null
  const upper = operator.toUpperCase()
  for (const key in extra) {
    if (key.toUpperCase() === upper) return extra[key] ?? null
  }
  return null
}

/** The certificate this proxy presented upstream (custom %UPSTREAM_LOCAL_URI_SAN% / _SUBJECT%): a client certificate. */
export function upstreamClientCertificate(entry: AccessLogEntry): string | null {
  return extraField(entry, 'UPSTREAM_LOCAL_URI_SAN') ?? extraField(entry, 'UPSTREAM_LOCAL_SUBJECT') ?? extraField(entry, 'UPSTREAM_LOCAL_DNS_SAN')
}

const isSpiffe = (s: string | null | undefined): boolean => typeof s === 'string' && s.startsWith('spiffe://')

const hasFlag = (e: AccessLogEntry, flags: ReadonlySet<string>): boolean => {
  const f = e.responseFlags
  if (!f) return false
  for (const x of f) if (flags.has(x)) return true
  return false
}

/** Builds the hop for one entry. Pure and cheap: no regex on the common path. */
export function toHop(entry: AccessLogEntry, options: RoleOptions = {}): Hop {
  const cluster = parseCluster(entry.upstreamCluster)
  const clusterToGateway = cluster?.kind === 'service' && cluster.direction === 'outbound' && isGatewayHost(cluster.host, options)
  const towardGateway = clusterToGateway || isGatewayAddress(entry.upstreamHost, options)
  const role = decideRole(entry, cluster, towardGateway, options)
  const toGateway = towardGateway && role.role !== 'egress-gateway' && role.role !== 'ingress-gateway'
  const kind = entry.method ? 'http' : 'tcp'
  const hop: Hop = {
    ref: `${entry.source.input}:${entry.source.line}`,
    role: role.role,
    roleBasis: role.basis,
    roleGuessed: role.guessed,
    roleReason: role.reason,
    direction: role.direction,
    kind,
    cluster,
    upstreamIp: ipOf(entry.upstreamHost),
    upstreamPort: portOf(entry.upstreamHost),
    toGateway,
    downstream: 'unknown',
    upstream: 'unknown',
    downstreamProven: false,
    upstreamProven: false,
    startMs: entry.startMs ?? null,
    endMs: entry.startMs == null ? null : entry.startMs + (entry.duration ?? 0),
    entry,
  }
  readDownstream(hop)
  readUpstream(hop)
  return hop
}

function readDownstream(hop: Hop): void {
  const e = hop.entry
  const sni = e.requestedServerName
  let t: DownstreamTransport = 'unknown'
  let proven = false
  if ('downstreamTlsVersion' in e && e.downstreamTlsVersion) {
    t = e.downstreamPeerUriSan || e.downstreamPeerSubject ? 'mtls' : 'tls'
    proven = true
  } else if (hop.kind === 'tcp') {
    // Not terminated: an SNI means the client spoke TLS through us.
    t = sni ? 'tls' : 'unknown'
  } else if ('downstreamTlsVersion' in e) {
    t = 'plaintext'
    proven = true
  } else if (sni) {
    // An HTTP line with an SNI: the proxy terminated TLS. A gateway's server for sidecars is ISTIO_MUTUAL.
    t = hop.role === 'egress-gateway' || hop.role === 'ingress-gateway' || hop.direction === 'inbound' ? 'mtls' : 'tls'
  } else {
    t = 'plaintext'
  }
  hop.downstream = t
  hop.downstreamProven = proven
}

function readUpstream(hop: Hop): void {
  const e = hop.entry
  let t: UpstreamTransport = 'unknown'
  let proven = false
  const clientCert = upstreamClientCertificate(e)
  const sni = e.requestedServerName
  if (hop.cluster?.kind === 'blackhole' || (!e.upstreamHost && (!hop.cluster || hasFlag(e, NO_UPSTREAM_FLAGS) || e.responseCodeDetails === 'direct_response'))) {
    t = 'none'
  } else if (clientCert) {
    t = 'mtls-originated'
    proven = true
  } else if ('upstreamTlsVersion' in e && e.upstreamTlsVersion) {
    // Istio mTLS to the gateway always presents the workload certificate; elsewhere a server SAN says nothing of ours.
    t = hop.toGateway && isSpiffe(e.upstreamPeerUriSan) ? 'mtls-originated' : 'tls-originated'
    proven = true
  } else if ('upstreamTlsVersion' in e && !hasFlag(e, NO_UPSTREAM_FLAGS) && !e.upstreamTransportFailureReason) {
    // The format logs upstream TLS and shows none: the proxy did not originate TLS.
    if (hop.kind === 'http') {
      t = 'plaintext'
      proven = true
    } else if (sni) {
      t = 'tls-passthrough'
      proven = true
    }
  } else if (hop.kind === 'tcp') {
    if (sni) t = 'tls-passthrough'
  } else if (hop.upstreamPort !== null) {
    if (TLS_PORTS.has(hop.upstreamPort)) t = hop.toGateway ? 'mtls-originated' : 'tls-originated'
    else if (PLAIN_PORTS.has(hop.upstreamPort)) t = 'plaintext'
  }
  hop.upstream = t
  hop.upstreamProven = proven
}
