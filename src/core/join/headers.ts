// Joins echoed header sets to the chains they belong to (brief §7). httpbin hides X-Request-Id, so most
// echoes join by who and when: X-Envoy-Peer-Metadata-Id's IP is the exit proxy's pod IP (the gateway's
// for `router~`, the sidecar's for `sidecar~`), and X-Amzn-Trace-Id's epoch second is the exit proxy's
// START_TIME second (all five SEED1 runs). An echo with no peer headers (TLS passed through unread) joins
// by Host and that second alone, a weaker link. Each header set joins at most one chain: the first that
// fits once its hops are complete. Header sets are few (captures), so all are indexed up front.

import type {HeaderEvidence} from '../headers/types.js'
import type {Evidence, Hop, JoinKey} from '../model.js'
import type {HopGroup} from './chains.js'
import {hostOfAuthority, ipOf} from './cluster.js'

export interface JoinedHeaders {
  evidence: HeaderEvidence
  by: JoinKey
  note: Evidence
}

interface Entry {
  h: HeaderEvidence
  taken: boolean
  second: number | null
  host: string | null
  peerType: 'sidecar' | 'router' | null
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined)

function hostOf(h: HeaderEvidence): string | null {
  const v = h.headers.find((f) => f.name.toLowerCase() === 'host' || f.name === ':authority')?.value.trim()
  return v ? (hostOfAuthority(v)?.toLowerCase() ?? null) : null
}

/** Only what an echo service received says how a request left; a client's own headers do not. */
export const isEchoSet = (h: HeaderEvidence): boolean => h.kind === 'echo' || h.kind === 'headers'

export class HeaderIndex {
  private readonly all: Entry[] = []
  private readonly byId = new Map<string, Entry[]>()
  private readonly byIp = new Map<string, Entry[]>()
  private readonly byHost = new Map<string, Entry[]>()
  private joinedCount = 0

  add(sets: readonly HeaderEvidence[]): void {
    for (const h of sets) {
      if (!isEchoSet(h)) continue
      const labels = h.peerMetadata?.LABELS
      const gatewayLabel = labels && typeof labels === 'object' && !Array.isArray(labels) && (str(labels.istio)?.endsWith('gateway') ?? false)
      const entry: Entry = {
        h,
        taken: false,
        second: h.amznTraceId ? h.amznTraceId.epochSeconds : null,
        host: hostOf(h),
        peerType: h.peerId ? (h.peerId.type === 'router' ? 'router' : h.peerId.type === 'sidecar' ? 'sidecar' : null) : h.peerMetadata ? (gatewayLabel ? 'router' : 'sidecar') : null,
      }
      this.all.push(entry)
      if (h.requestId) push(this.byId, h.requestId, entry)
      const ips = new Set<string>()
      if (h.peerId) ips.add(h.peerId.ip)
      for (const ip of (str(h.peerMetadata?.INSTANCE_IPS) ?? '').split(',')) if (ip.trim()) ips.add(ip.trim())
      for (const ip of ips) push(this.byIp, ip, entry)
      if (ips.size === 0 && !h.requestId && entry.second !== null && entry.host) push(this.byHost, entry.host, entry)
    }
  }

  /** Echo sets indexed (client-side sets are not). */
  get size(): number {
    return this.all.length
  }

  get joined(): number {
    return this.joinedCount
  }

  /** Takes the header sets that belong to this group of hops. */
  take(group: HopGroup): JoinedHeaders[] {
    if (this.all.length === this.joinedCount) return []
    const out: JoinedHeaders[] = []
    for (const hop of group.hops) {
      const id = hop.entry.requestId
      if (!id) continue
      for (const e of this.byId.get(id) ?? []) {
        if (e.taken) continue
        out.push(this.mark(e, 'header-request-id', hop, `the echo's X-Request-Id equals the line's x-request-id`, {requestId: id}))
      }
    }
    if (out.length > 0) return out
    const exit = group.hops.find((h) => h.role === 'egress-gateway') ?? group.hops.find((h) => h.role === 'sidecar' || h.role === 'unknown')
    if (!exit || exit.startMs === null) return out
    // The proxy that spoke last to the echo, and its pod IP.
    const last: {ip: string | null; type: 'router' | 'sidecar'; hop: Hop} =
      exit.role === 'egress-gateway'
        ? {ip: ipOf(exit.entry.downstreamLocalAddress) ?? ipOf(exit.entry.upstreamLocalAddress), type: 'router', hop: exit}
        : exit.toGateway
          ? {ip: exit.upstreamIp, type: 'router', hop: exit}
          : {ip: ipOf(exit.entry.upstreamLocalAddress) ?? ipOf(exit.entry.downstreamRemoteAddress), type: 'sidecar', hop: exit}
    const lineHost = (exit.cluster?.kind === 'service' && !exit.toGateway ? exit.cluster.host : null) ?? exit.entry.requestedServerName ?? hostOfAuthority(exit.entry.authority)
    const host = lineHost?.toLowerCase() ?? null
    const best = this.closest(last.ip ? this.byIp.get(last.ip) : undefined, exit, host, (e) => e.peerType === null || e.peerType === last.type)
    if (best) {
      out.push(this.mark(best, 'header-peer-time', exit, `the echo's peer (${best.h.peerId ? `X-Envoy-Peer-Metadata-Id ${best.h.peerId.type}~${best.h.peerId.ip}` : `X-Envoy-Peer-Metadata INSTANCE_IPS ${last.ip}`}) is the ${last.type === 'router' ? 'gateway' : 'sidecar'} pod of the line, and X-Amzn-Trace-Id's second ${best.h.amznTraceTime ?? '?'} is its START_TIME's`, {peerIp: last.ip, amznTraceTime: best.h.amznTraceTime, startTime: exit.entry.startTime ?? null}))
      return out
    }
    if (host) {
      const byTime = this.closest(this.byHost.get(host), exit, host, () => true, true)
      if (byTime) out.push(this.mark(byTime, 'header-time', exit, `the echo has no peer headers (TLS passed through unread); its Host ${host} and X-Amzn-Trace-Id second ${byTime.h.amznTraceTime ?? '?'} match the line: a weaker link`, {host, amznTraceTime: byTime.h.amznTraceTime, startTime: exit.entry.startTime ?? null}))
    }
    return out
  }

  /** Header sets no chain took: each becomes a chain of its own. */
  remaining(): HeaderEvidence[] {
    return this.all.filter((e) => !e.taken).map((e) => e.h)
  }

  private closest(list: Entry[] | undefined, hop: Hop, host: string | null, fits: (e: Entry) => boolean, exact = false): Entry | null {
    if (!list || hop.startMs === null) return null
    const from = Math.floor(hop.startMs / 1000)
    const to = exact ? from : Math.floor((hop.endMs ?? hop.startMs) / 1000) + 1
    let best: Entry | null = null
    let gap = Infinity
    for (const e of list) {
      if (e.taken || e.second === null || !fits(e)) continue
      if (host && e.host && e.host !== host) continue
      if (e.second < from - (exact ? 0 : 1) || e.second > to) continue
      const g = Math.abs(e.second - from)
      if (g < gap) {
        best = e
        gap = g
      }
    }
    return best
  }

  private mark(e: Entry, by: JoinKey, hop: Hop, fact: string, fields: Evidence['fields']): JoinedHeaders {
    e.taken = true
    this.joinedCount++
    return {evidence: e.h, by, note: {ref: `${e.h.source.input}:${e.h.source.line} + ${hop.ref}`, kind: 'join', fact, fields, strength: by === 'header-time' ? 'inferred' : 'proven'}}
  }
}

function push(m: Map<string, Entry[]>, key: string, e: Entry): void {
  const list = m.get(key)
  if (list) list.push(e)
  else m.set(key, [e])
}
