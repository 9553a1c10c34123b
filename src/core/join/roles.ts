// Who wrote a line: a sidecar, the egress gateway or an ingress gateway. Most trusted first: what the
// user said (--gateway-pod, --gateway-address), the pod name kubectl/stern put before the line, then the
// line's own fields — the cluster (only sidecars have inbound|…, PassthroughCluster, or a cluster whose
// host is the egress gateway), then the listener (a gateway is addressed itself, on 8080/8443 since
// Istio 1.6, 80/443 before; a sidecar's listener address is the destination the app dialled, brief §1.5).
// A decision from fields alone is a guess and says so.

import type {AccessLogEntry, Cluster, HopDirection, ProxyRole, RoleBasis} from '../model.js'
import {isExternalHost} from '../headers/conclusions.js'
import {own} from '../text/own.js'
import {ipEnd, ipOf, portOf, sameIp, splitAddress} from './cluster.js'
import {matchesAny} from './glob.js'

export interface RoleOptions {
  /** Globs for the pod names of egress gateways (`--gateway-pod`), e.g. `my-egress-*`. */
  gatewayPods?: readonly string[]
  /** Egress gateway addresses (`--gateway-address`): pod or service IPs, `ip:port`, or service host names. */
  gatewayAddresses?: readonly string[]
}

export interface RoleDecision {
  role: ProxyRole
  basis: RoleBasis
  guessed: boolean
  reason: string
  direction: HopDirection
}

/** The egress gateway's listener ports: the Service's 80/443 target 8080/8443 since Istio 1.6 (brief §4.1). */
export const GATEWAY_PORTS: ReadonlySet<number> = new Set([8080, 8443])
const LEGACY_GATEWAY_PORTS: ReadonlySet<number> = new Set([80, 443])

type PodKind = 'egress-gateway' | 'ingress-gateway' | 'sidecar'
const podKinds = new Map<string, PodKind>()

/** What a pod name says: `istio-egressgateway-75c5457c56-htpvz` is an egress gateway. Cached per name. */
export function podKind(pod: string): PodKind {
  let kind = podKinds.get(pod)
  if (kind === undefined) {
    const p = pod.toLowerCase()
    kind = /egress-?gateway/.test(p) ? 'egress-gateway' : /ingress-?gateway/.test(p) ? 'ingress-gateway' : 'sidecar'
    if (podKinds.size > 10_000) podKinds.clear()
    podKinds.set(own(pod), kind)
  }
  return kind
}

/** Whether a host name (a cluster's host, a Host header) is the egress gateway's service. */
export function isGatewayHost(host: string | null | undefined, options: RoleOptions): boolean {
  if (!host) return false
  let named = gatewayNames.get(host)
  if (named === undefined) remember(gatewayNames, host, (named = /egress-?gateway/i.test(host)))
  if (named) return true
  return options.gatewayAddresses && options.gatewayAddresses.length > 0 ? options.gatewayAddresses.some((a) => a.toLowerCase() === host.toLowerCase()) : false
}

/** isExternalHost, once per host: it runs regexes, and a log repeats its hosts. */
export function isExternalCached(host: string): boolean {
  let external = externalHosts.get(host)
  if (external === undefined) remember(externalHosts, host, (external = isExternalHost(host)))
  return external
}

const gatewayNames = new Map<string, boolean>()
const externalHosts = new Map<string, boolean>()
/** Caches an answer per host, bounded; the key is an owned copy, so it does not pin the input it was cut from. */
function remember(m: Map<string, boolean>, key: string, value: boolean): void {
  if (m.size > 10_000) m.clear()
  m.set(own(key), value)
}

/** Whether an address (`ip:port`) is one of the --gateway-address values (by IP, or IP and port). */
export function isGatewayAddress(address: string | null | undefined, options: RoleOptions): boolean {
  if (!address || !options.gatewayAddresses || options.gatewayAddresses.length === 0) return false
  const ip = splitAddress(address)?.ip
  return options.gatewayAddresses.some((a) => a === address || a === ip)
}

const directionOf = (c: Cluster | null): HopDirection =>
  c?.kind === 'inbound-passthrough' || (c?.kind === 'service' && c.direction !== 'outbound') ? 'inbound' : 'outbound'

const decision = (role: ProxyRole, basis: RoleBasis, guessed: boolean, reason: string, direction: HopDirection): RoleDecision => ({
  role,
  basis,
  guessed,
  reason,
  direction,
})

/**
 * Decides the role of the proxy that wrote `entry`. `toGateway`: its upstream is the egress gateway.
 * @example decideRole(entryWithPod('istio-egressgateway-75c5457c56-htpvz'), cluster, {}).role // 'egress-gateway'
 */
export function decideRole(entry: AccessLogEntry, cluster: Cluster | null, toGateway: boolean, options: RoleOptions): RoleDecision {
  const pod = entry.source.pod
  const dir = directionOf(cluster)
  if (pod && options.gatewayPods && options.gatewayPods.length > 0 && matchesAny(pod, options.gatewayPods)) {
    return decision('egress-gateway', 'flag-pod', false, `pod ${pod} matches --gateway-pod`, 'outbound')
  }
  if (isGatewayAddress(entry.downstreamLocalAddress, options)) {
    return decision('egress-gateway', 'flag-address', false, `listener ${entry.downstreamLocalAddress} matches --gateway-address`, 'outbound')
  }
  if (pod) {
    const kind = podKind(pod)
    if (kind !== 'sidecar') return decision(kind, 'pod-name', false, `pod ${pod} (log envelope) is an ${kind.replace('-', ' ')}`, 'outbound')
    const listener = gatewayListener(entry, cluster, ipEnd(entry.upstreamLocalAddress) !== -1)
    if (listener && !toGateway && dir === 'outbound') {
      return decision('sidecar', 'pod-name', true, `pod ${pod} (log envelope) reads as a workload, but ${listener}; name it with --gateway-pod if it is a gateway`, dir)
    }
    return decision('sidecar', 'pod-name', false, `pod ${pod} (log envelope) is a workload with a sidecar`, dir)
  }
  // Fields only. Clusters that only a sidecar has are not a guess.
  if (cluster?.kind === 'inbound-passthrough' || (cluster?.kind === 'service' && cluster.direction !== 'outbound')) {
    return decision('sidecar', 'cluster', false, `cluster ${cluster.raw} is a sidecar's inbound cluster`, 'inbound')
  }
  if (cluster && (cluster.kind === 'passthrough' || cluster.kind === 'blackhole' || cluster.kind === 'allow-any-dns')) {
    return decision('sidecar', 'cluster', false, `cluster ${cluster.raw} is a sidecar's outbound catch-all`, 'outbound')
  }
  if (toGateway) return decision('sidecar', 'cluster', false, `its upstream is the egress gateway (${cluster?.raw ?? entry.upstreamHost})`, 'outbound')
  // Whether the listener and the upstream local address are there, and share their IP: read in place,
  // no address split into objects per line.
  const dla = ipEnd(entry.downstreamLocalAddress) !== -1
  const ula = ipEnd(entry.upstreamLocalAddress) !== -1
  const sameProxyIp = dla && ula && sameIp(entry.downstreamLocalAddress, entry.upstreamLocalAddress)
  const listener = gatewayListener(entry, cluster, ula, sameProxyIp)
  if (listener) {
    // Addressed itself and sending to a host outside: a gateway's egress, nothing else logs that shape.
    const external = cluster?.kind === 'service' && cluster.direction === 'outbound' && isExternalCached(cluster.host)
    return decision('egress-gateway', 'listener', !external, external ? `${listener}, routing to ${cluster.host} outside the mesh` : `${listener} (no pod name: a guess)`, 'outbound')
  }
  if (dla && ula && !sameProxyIp) {
    return decision('sidecar', 'listener', false, `listener ${entry.downstreamLocalAddress} is the destination the app dialled, not the proxy's own address (${ipOf(entry.upstreamLocalAddress)}): only a sidecar intercepts connections to addresses it does not own`, dir)
  }
  if (dla && !ula && isExternalCached(ipOf(entry.downstreamLocalAddress)!)) {
    return decision('sidecar', 'listener', false, `listener ${entry.downstreamLocalAddress} is an address outside the cluster: only a sidecar's listener takes the destination the app dialled`, dir)
  }
  if (dla && !ula && (entry.routeName === 'block_all' || entry.routeName === 'allow_any')) {
    return decision('sidecar', 'listener', false, `route ${entry.routeName} exists only on a sidecar's outbound listener`, dir)
  }
  if (entry.method && entry.xForwardedFor) {
    return decision('egress-gateway', 'fields', true, `X-Forwarded-For ${entry.xForwardedFor} is set, as a gateway (use_remote_address) sets it and a sidecar's outbound listener does not (a guess)`, 'outbound')
  }
  if (entry.method && 'xForwardedFor' in entry && !entry.xForwardedFor && dla) {
    return decision('sidecar', 'fields', false, `no X-Forwarded-For on an HTTP line: a gateway (use_remote_address) always appends the client's address, a sidecar's outbound listener does not`, dir)
  }
  if (dla && (!ula || !sameProxyIp)) {
    return decision('sidecar', 'fields', true, `listener ${entry.downstreamLocalAddress} looks like the destination the app dialled (a guess)`, dir)
  }
  return decision('unknown', 'none', true, 'no pod name, no cluster or listener address that tells a sidecar from a gateway', dir)
}

/**
 * Says why the line looks like a gateway's listener, or null: the proxy was addressed itself on a gateway
 * port. `ula`: the line has an upstream local address; `addressedItself`: its IP is the listener's (when
 * the caller has already compared them).
 */
function gatewayListener(entry: AccessLogEntry, cluster: Cluster | null, ula: boolean, addressedItself?: boolean): string | null {
  const port = portOf(entry.downstreamLocalAddress)
  if (port === null) return null
  const ports = GATEWAY_PORTS.has(port) ? 'the egress gateway default port' : LEGACY_GATEWAY_PORTS.has(port) ? 'the pre-1.6 gateway port' : null
  if (!ports) return null
  // Addressed itself: its listener IP is its own source IP upstream.
  if (addressedItself ?? sameIp(entry.upstreamLocalAddress, entry.downstreamLocalAddress)) {
    return `listener ${entry.downstreamLocalAddress} is the proxy's own address (= upstream local ${ipOf(entry.upstreamLocalAddress)}) on ${ports}`
  }
  // No upstream (no filter chain for the SNI, RBAC): only the 8080/8443 listener says gateway.
  if (!ula && !cluster && GATEWAY_PORTS.has(port) && entry.responseFlags?.includes('NR')) {
    return `listener ${entry.downstreamLocalAddress} on ${ports} refused the connection (NR)`
  }
  return null
}
