// Envoy cluster names as Istio builds them (istio/istio pilot/pkg/model/service.go BuildSubsetKey,
// networking/util; brief §3), and addresses as Envoy logs them. Scanned with indexOf: runs once per line.

import type {Cluster} from '../model.js'
import {own} from '../text/own.js'

/**
 * Parses %UPSTREAM_CLUSTER(_RAW)%. `outbound|443||httpbin.org` → service cluster; Istio's catch-alls are
 * named by kind. A trailing `;` (the alt_stat_name that %UPSTREAM_CLUSTER% prints from Istio 1.23) is
 * dropped. Never throws: anything else is `other`.
 * @example parseCluster('outbound|80|google|istio-egressgateway.istio-system.svc.cluster.local')
 *   // {kind: 'service', direction: 'outbound', port: 80, subset: 'google', host: 'istio-egressgateway.istio-system.svc.cluster.local', raw: …}
 */
export function parseCluster(raw: string | null | undefined): Cluster | null {
  if (raw === null || raw === undefined || raw === '' || raw === '-') return null
  // A mesh has few clusters and a log names them over and over: parse each once (shared, never mutated).
  // Parsed from an owned copy (text/own.ts): the cache, and any hop it is given to, pins no input chunk.
  let c = clusters.get(raw)
  if (c === undefined) {
    const name = own(raw)
    c = Object.freeze(readCluster(name))
    if (clusters.size > 10_000) clusters.clear()
    clusters.set(name, c)
  }
  return c
}
const clusters = new Map<string, Cluster>()

function readCluster(raw: string): Cluster {
  const name = raw.endsWith(';') ? raw.slice(0, -1) : raw
  switch (name) {
    case 'PassthroughCluster':
      return {kind: 'passthrough', raw}
    case 'BlackHoleCluster':
      return {kind: 'blackhole', raw}
    case 'InboundPassthroughCluster':
    case 'InboundPassthroughClusterIpv4':
    case 'InboundPassthroughClusterIpv6':
      return {kind: 'inbound-passthrough', raw}
    case 'AllowAnyDynamicDNSCluster':
      return {kind: 'allow-any-dns', raw}
  }
  const p1 = name.indexOf('|')
  if (p1 === -1) return parseDnsSrvCluster(name, raw)
  const p2 = name.indexOf('|', p1 + 1)
  const p3 = p2 === -1 ? -1 : name.indexOf('|', p2 + 1)
  if (p3 === -1 || name.indexOf('|', p3 + 1) !== -1) return {kind: 'other', raw}
  const direction = name.slice(0, p1)
  if (direction !== 'outbound' && direction !== 'inbound' && direction !== 'inbound-vip') return {kind: 'other', raw}
  const port = toPort(name.slice(p1 + 1, p2))
  return {kind: 'service', direction, port, subset: name.slice(p2 + 1, p3), host: name.slice(p3 + 1), raw}
}

/** `outbound_.443_._.httpbin.org`: Istio's DNS-SRV form of a cluster name (also its auto-mTLS SNI). */
function parseDnsSrvCluster(name: string, raw: string): Cluster {
  const m = /^(outbound|inbound)_\.(\d+)_\.([^.]*)_\.(.+)$/.exec(name)
  if (!m) return {kind: 'other', raw}
  return {kind: 'service', direction: m[1] as 'outbound' | 'inbound', port: toPort(m[2]!), subset: m[3]!, host: m[4]!, raw}
}

function toPort(s: string): number | null {
  return readPort(s, 0, s.length)
}

/** The port written in s[from, to), or null: 1 to 65535, digits only. */
function readPort(s: string, from: number, to: number): number | null {
  if (to <= from || to - from > 5) return null
  let n = 0
  for (let i = from; i < to; i++) {
    const d = s.charCodeAt(i) - 48
    if (d < 0 || d > 9) return null
    n = n * 10 + d
  }
  return n >= 1 && n <= 65535 ? n : null
}

/** `10.244.0.6:8080` → {ip, port}; `[::1]:80` too. Null for `-`, a bare name, or a unix socket path. */
export function splitAddress(address: string | null | undefined): {ip: string; port: number | null} | null {
  if (!address || address === '-') return null
  if (address.charCodeAt(0) === 0x5b /* [ */) {
    const close = address.indexOf(']')
    if (close === -1) return null
    return {ip: address.slice(1, close), port: address.charCodeAt(close + 1) === 0x3a ? toPort(address.slice(close + 2)) : null}
  }
  const colon = address.lastIndexOf(':')
  if (colon === -1) return {ip: address, port: null}
  // A bare IPv6 address without brackets has several colons and no port.
  if (address.indexOf(':') !== colon) return {ip: address, port: null}
  return {ip: address.slice(0, colon), port: toPort(address.slice(colon + 1))}
}

// splitAddress without the object and the slices, for the per-line path: where the IP lies in the text.
// An address `a` splits as splitAddress does: its IP is a.slice(ipStart(a), ipEnd(a)).

/** The IP of an address, or null. */
export function ipOf(address: string | null | undefined): string | null {
  const end = ipEnd(address)
  return end === -1 ? null : address!.slice(ipStart(address!), end)
}

/** Where the IP of an address ends (exclusive), or -1 where splitAddress gives null. */
export function ipEnd(address: string | null | undefined): number {
  if (!address || address === '-') return -1
  if (address.charCodeAt(0) === 0x5b /* [ */) return address.indexOf(']')
  // The last colon, looked for from the end (the port is short; lastIndexOf costs more per call).
  let colon = address.length - 1
  while (colon >= 0 && address.charCodeAt(colon) !== 0x3a /* : */) colon--
  return colon === -1 || address.indexOf(':') !== colon ? address.length : colon
}
const ipStart = (address: string): number => (address.charCodeAt(0) === 0x5b /* [ */ ? 1 : 0)

/** The port of an address, or null. */
export function portOf(address: string | null | undefined): number | null {
  const end = ipEnd(address)
  if (end === -1 || end === address!.length) return null
  const a = address!
  if (a.charCodeAt(0) === 0x5b /* [ */) return a.charCodeAt(end + 1) === 0x3a /* : */ ? readPort(a, end + 2, a.length) : null
  return readPort(a, end + 1, a.length)
}

/** Whether two addresses have the same IP (both have one). */
export function sameIp(a: string | null | undefined, b: string | null | undefined): boolean {
  const ea = ipEnd(a)
  const eb = ipEnd(b)
  if (ea === -1 || eb === -1) return false
  const sa = ipStart(a!)
  const sb = ipStart(b!)
  if (ea - sa !== eb - sb) return false
  for (let i = 0; i < ea - sa; i++) if (a!.charCodeAt(sa + i) !== b!.charCodeAt(sb + i)) return false
  return true
}

/** `httpbin.org:443` → `httpbin.org`; `[v6]:443` → `v6`; a bare host stays. */
export function hostOfAuthority(authority: string | null | undefined): string | null {
  if (!authority || authority === '-') return null
  if (authority.charCodeAt(0) === 0x5b) {
    const close = authority.indexOf(']')
    return close === -1 ? authority : authority.slice(1, close)
  }
  const colon = authority.lastIndexOf(':')
  if (colon === -1 || authority.indexOf(':') !== colon) return authority
  return authority.slice(0, colon)
}

/** The port in an authority (`host:443`), or null. */
export function portOfAuthority(authority: string | null | undefined): number | null {
  if (!authority || authority.charCodeAt(0) === 0x5b) return authority ? (splitAddress(authority)?.port ?? null) : null
  const colon = authority.lastIndexOf(':')
  return colon === -1 || authority.indexOf(':') !== colon ? null : toPort(authority.slice(colon + 1))
}

/** The host of a service cluster, or null for catch-alls and unparsed names. */
export const clusterHost = (c: Cluster | null): string | null => (c?.kind === 'service' ? c.host : null)

/** How a cluster reads in evidence: `PassthroughCluster`, `outbound|443||httpbin.org`. */
export const clusterText = (c: Cluster | null): string => (c ? c.raw : '-')
