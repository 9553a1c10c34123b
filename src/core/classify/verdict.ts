// A joined chain (hops + echoed headers) → its verdict, rule, confidence, strength and evidence.
// Observations (observe.ts) are resolved into the four facts of rules.ts, the table gives the verdict,
// and confidence says how many independent witnesses agree.

import {isExternalHost} from '../headers/conclusions.js'
import type {HeaderEvidence} from '../headers/types.js'
import {hostOfAuthority, ipOf, portOf} from '../join/cluster.js'
import type {HopGroup} from '../join/chains.js'
import {isExternalCached} from '../join/roles.js'
import type {JoinedHeaders} from '../join/headers.js'
import {OwnedPairs, own} from '../text/own.js'
import type {ChainScope, ChainSource, Confidence, Destination, Evidence, Hop, RequestChain, Strength} from '../model.js'
import {type Observation, type ObservationSource, observeChain, observeHeaders, observeHop} from './observe.js'
import {FACT_NAMES, type FactName, type Facts, MISSING, NOT_EGRESS_RULE, type Rule, matchRule, usedFacts} from './rules.js'


interface Resolved {
  facts: Facts
  chosen: Partial<Record<FactName, Observation[]>>
  /** Witnesses of equal strength that disagree; `text` is built when read (a summary never reads it). */
  conflicts: {fact: FactName; readonly text: string}[]
  contradicted: Observation[]
}

const SOURCE_RANK: Record<ObservationSource, number> = {gateway: 3, sidecar: 2, headers: 1}
const OUTCOME_RANK = {blocked: 4, failed: 3, attempted: 2, completed: 1} as const
const outcomeRank = (o: Observation): number => OUTCOME_RANK[o.value as keyof typeof OUTCOME_RANK]

/** `passthrough-cluster` is a kind of `direct`: a header that says "a sidecar sent it" agrees with both. */
const agrees = (fact: FactName, a: string, b: string): boolean =>
  a === b || (fact === 'path' && ((a === 'direct' && b === 'passthrough-cluster') || (a === 'passthrough-cluster' && b === 'direct')))

const tier = (o: Observation): number => (o.heuristic ? 0 : o.strength === 'proven' ? 2 : 1)

/**
 * Reduces observations to one value per fact: outcome by precedence, the others by the strongest witnesses.
 * A chain has a handful of observations, so each fact takes a pass over all of them: no list per fact, no
 * filter, sort or closure (those were a quarter of all the memory a summary allocated per chain). Every
 * fact is a property from the start (undefined until resolved): one shape for all chains.
 */
export function resolveFacts(observations: readonly Observation[]): Resolved {
  const r: Resolved = {
    facts: {outcome: undefined, path: undefined, inner: undefined, outer: undefined},
    chosen: {outcome: undefined, path: undefined, inner: undefined, outer: undefined},
    conflicts: [],
    contradicted: [],
  }
  const worst = worstOutcome(observations)
  if (worst !== null) {
    r.facts.outcome = worst.value as Facts['outcome']
    r.chosen.outcome = agreeing(observations, 'outcome', worst.value)
  }
  const path = strongestValue('path', observations, r)
  if (path !== null) {
    r.facts.path = path as Facts['path']
    r.chosen.path = agreeing(observations, 'path', path)
  }
  const inner = strongestValue('inner', observations, r)
  if (inner !== null) {
    r.facts.inner = inner as Facts['inner']
    r.chosen.inner = agreeing(observations, 'inner', inner)
  }
  const outer = strongestValue('outer', observations, r)
  if (outer !== null) {
    r.facts.outer = outer as Facts['outer']
    r.chosen.outer = agreeing(observations, 'outer', outer)
  }
  return r
}

/** Any hop that was blocked or failed decides: the request did not get out as the others say. */
function worstOutcome(observations: readonly Observation[]): Observation | null {
  let worst: Observation | null = null
  for (const o of observations) if (o.fact === 'outcome' && (worst === null || outcomeRank(o) > outcomeRank(worst))) worst = o
  return worst
}

/**
 * The value of the strongest witnesses of a fact, the most trusted source (gateway, sidecar, headers) first
 * among them; null when nothing speaks of it. Notes a conflict among the strongest, and weaker witnesses
 * the value contradicts.
 */
function strongestValue(name: Exclude<FactName, 'outcome'>, observations: readonly Observation[], r: Resolved): string | null {
  let top = -1
  for (const o of observations) if (o.fact === name && tier(o) > top) top = tier(o)
  if (top === -1) return null
  let lead: Observation | null = null
  let passthrough = false
  for (const o of observations) {
    if (o.fact !== name || tier(o) !== top) continue
    if (lead === null || SOURCE_RANK[o.source] > SOURCE_RANK[lead.source]) lead = o
    if (o.value === 'passthrough-cluster') passthrough = true
  }
  // The most specific value among the strongest: passthrough-cluster over direct.
  const value = name === 'path' && passthrough ? 'passthrough-cluster' : (lead!.value as string)
  let disagree = false
  for (const o of observations) if (o.fact === name && tier(o) === top && !agrees(name, o.value as string, value)) disagree = true
  if (disagree) {
    r.conflicts.push({
      fact: name,
      get text() {
        return conflictText(name, observations, top)
      },
    })
  }
  for (const o of observations) if (o.fact === name && tier(o) < top && !o.heuristic && !agrees(name, o.value as string, value)) r.contradicted.push(o)
  return value
}

/**
 * The observations of a fact that agree with its value, in order, in a list of their own length: usually
 * one, where growing an empty list would reserve room for seventeen.
 */
function agreeing(observations: readonly Observation[], name: FactName, value: string): Observation[] {
  let n = 0
  for (const o of observations) if (o.fact === name && agrees(name, o.value as string, value)) n++
  const out = new Array<Observation>(n)
  let i = 0
  for (const o of observations) if (o.fact === name && agrees(name, o.value as string, value)) out[i++] = o
  return out
}

/** `path: gateway says gateway (ref); headers says direct (ref)`: the strongest witnesses, most trusted first. */
function conflictText(name: FactName, observations: readonly Observation[], top: number): string {
  const best = observations.filter((o) => o.fact === name && tier(o) === top)
  best.sort((a, b) => SOURCE_RANK[b.source] - SOURCE_RANK[a.source])
  return `${name}: ${best.map((o) => `${o.source} says ${o.value} (${o.evidence.ref})`).join('; ')}`
}

/** What kind of traffic the chain is; only egress is judged. */
export function scopeOf(hops: readonly Hop[], headers: readonly HeaderEvidence[]): ChainScope {
  if (hops.some((h) => h.role === 'ingress-gateway')) return 'ingress'
  if (hops.length > 0 && hops.every((h) => h.direction === 'inbound')) return 'inbound'
  if (hops.some((h) => h.role === 'egress-gateway' || h.toGateway)) return 'egress'
  const hop = hops.find((h) => h.direction === 'outbound')
  if (hop) {
    const c = hop.cluster
    if (c && c.kind !== 'service' && c.kind !== 'other') return 'egress'
    const e = hop.entry
    // BlackHoleCluster as null, 502 block_all, NR: attempts to leave that the mesh refused.
    if (!c && (e.routeName === 'block_all' || e.responseFlags?.includes('NR') || e.responseFlags?.includes('UH'))) return 'egress'
    const host = c?.kind === 'service' ? c.host : (e.requestedServerName ?? hostOfAuthority(e.authority) ?? ipOf(e.upstreamHost))
    if (!host) return 'unknown'
    if (isExternalCached(host)) return 'egress'
    // A cluster-local name the sidecar originated TLS to (DestinationRule SIMPLE/MUTUAL, as for a
    // ServiceEntry-registered service outside the mesh): in the mesh Istio would use ISTIO_MUTUAL.
    if (hop.kind === 'http' && (hop.upstream === 'tls-originated' || hop.upstream === 'mtls-originated') && !hop.entry.upstreamPeerUriSan?.startsWith('spiffe://')) return 'egress'
    if (!c && ipOf(e.upstreamHost) && isExternalHost(ipOf(e.upstreamHost) ?? undefined)) return 'egress'
    return 'mesh'
  }
  if (hops.length === 0 && headers.length > 0) {
    const host = headers[0]!.decoratorOperation?.host ?? hostHeader(headers[0]!)
    return host && isExternalHost(host) ? 'egress' : host ? 'mesh' : 'unknown'
  }
  return 'unknown'
}

const hostHeader = (h: HeaderEvidence): string | undefined => {
  const v = h.headers.find((f) => f.name.toLowerCase() === 'host' || f.name === ':authority')?.value.trim()
  return v ? (hostOfAuthority(v) ?? undefined) : undefined
}

/** The hop whose upstream is outside: the gateway's, else the sidecar's own (not the one to the gateway). */
export function exitHop(hops: readonly Hop[]): Hop | undefined {
  return hops.find((h) => h.role === 'egress-gateway') ?? hops.find((h) => !h.toGateway && h.direction === 'outbound') ?? hops[0]
}

/**
 * host:port as the outside world saw it. Host: the exit proxy's cluster host, else an SNI or :authority
 * on any line, else the address dialled. Port: the exit proxy's UPSTREAM_HOST port (where the bytes went),
 * else its cluster's port, else — when nothing went upstream — the port the app dialled, else the echo's
 * decorator. A sidecar line to the gateway alone does not say the port: `host:?`.
 */
export function destinationOf(hops: readonly Hop[], headers: readonly HeaderEvidence[]): Destination {
  const hop = exitHop(hops)
  let host: string | null = null
  let port: number | null = null
  if (hop) {
    const c = hop.cluster
    host = c?.kind === 'service' && !hop.toGateway ? c.host : null
    for (const h of hops) host ??= h.entry.requestedServerName ?? hostOfAuthority(h.entry.authority)
    if (!hop.toGateway) {
      port = hop.upstreamPort ?? (c?.kind === 'service' ? c.port : null)
      host ??= hop.upstreamIp
    }
    if (hop.upstream === 'none' || hop.upstreamIp === null) {
      // Nothing went upstream: what the app dialled (a sidecar's listener is the original destination).
      const sidecar = hops.find((h) => h.role === 'sidecar' && h.direction === 'outbound')
      if (sidecar && !sidecar.toGateway) {
        host ??= ipOf(sidecar.entry.downstreamLocalAddress)
        port ??= portOf(sidecar.entry.downstreamLocalAddress)
      } else if (sidecar && port === null && hop.role === 'egress-gateway') port = portOf(sidecar.entry.downstreamLocalAddress)
    }
  }
  const h = headers[0]
  if (h?.decoratorOperation) {
    host ??= h.decoratorOperation.host
    if (port === null && (!hop || hop.toGateway)) port = h.decoratorOperation.port
  }
  if (h && host === null) host = hostHeader(h) ?? null
  return {host, port, key: host === null ? '?' : destinationKeys.get(host, port)}
}

/** `host:port`: the summary rows and the finding book look the key up for every chain (see OwnedPairs). */
const destinationKeys = new OwnedPairs<number | null>((host, port) => `${host}:${port ?? '?'}`)

/** `curl-7656cf8794-r7zb9` → `curl`: a Deployment's pod name without its ReplicaSet and pod suffixes. */
export function workloadOfPod(pod: string): string {
  let w = workloads.get(pod)
  if (w === undefined) {
    // Owned copies (text/own.ts): a pod name is cut from a line, and a cached slice would pin its input.
    const name = own(pod)
    const m = /^(.+)-[a-z0-9]{6,10}-[a-z0-9]{5}$/.exec(name)
    w = m ? own(m[1]!) : name
    if (workloads.size > 10_000) workloads.clear()
    workloads.set(name, w)
  }
  return w
}
const workloads = new Map<string, string>()

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined)

/** Who sent it: the sidecar's pod, the echo's peer metadata, the client certificate's SPIFFE id. */
export function sourceOf(hops: readonly Hop[], headers: readonly HeaderEvidence[]): ChainSource {
  const s: ChainSource = {from: []}
  const sidecar = hops.find((h) => h.role === 'sidecar')
  if (sidecar) {
    const src = sidecar.entry.source
    if (src.pod) {
      s.pod = src.pod
      s.workload = workloadOfPod(src.pod)
      s.from.push(`pod ${src.pod} (log envelope of ${sidecar.ref})`)
    }
    if (src.namespace) s.namespace = src.namespace
    const ip = ipOf(sidecar.entry.downstreamRemoteAddress) ?? ipOf(sidecar.entry.upstreamLocalAddress)
    if (ip) s.ip = ip
  }
  const gateway = hops.find((h) => h.role === 'egress-gateway')
  if (gateway) {
    const e = gateway.entry
    if (e.downstreamPeerUriSan?.startsWith('spiffe://')) {
      s.identity = e.downstreamPeerUriSan
      s.from.push(`DOWNSTREAM_PEER_URI_SAN of ${gateway.ref}`)
    }
    if (!s.ip) {
      const xff = e.xForwardedFor?.split(',')[0]?.trim()
      const ip = xff && xff !== '-' ? xff : ipOf(e.downstreamRemoteAddress)
      if (ip) s.ip = ip
    }
  }
  for (const h of headers) {
    const md = h.peerMetadata
    if (h.peerId?.type === 'sidecar' || (md && !(str((md.LABELS as Record<string, unknown> | undefined)?.istio) ?? '').endsWith('gateway') && h.peerId?.type !== 'router')) {
      const ns = str(md?.NAMESPACE) ?? h.peerId?.namespace
      const workload = str(md?.WORKLOAD_NAME)
      const pod = str(md?.NAME) ?? h.peerId?.pod
      if (ns && !s.namespace) s.namespace = ns
      if (workload && !s.workload) s.workload = workload
      if (pod && !s.pod) s.pod = pod
      if (h.peerId?.ip && !s.ip) s.ip = h.peerId.ip
      s.from.push(`X-Envoy-Peer-Metadata @ ${h.source.input}:${h.source.line}`)
    }
    const uri = h.xfcc?.[0]?.uri[0]
    if (uri && !s.identity) {
      s.identity = uri
      s.from.push(`X-Forwarded-Client-Cert URI @ ${h.source.input}:${h.source.line}`)
    }
  }
  if (s.identity && !s.namespace) {
    const m = /\/ns\/([^/]+)\//.exec(s.identity)
    if (m) s.namespace = m[1]
  }
  return s
}

/** A classified chain and the facts its verdict came from (findings read the facts, not the verdict). */
export interface Classified {
  chain: RequestChain
  facts: Facts
  /** Envoy's reason for a blocked or failed outcome, in a few words. */
  outcomeDetail: string | null
  /** The observations behind each resolved fact, so a finding can cite what it is about. */
  byFact: Partial<Record<FactName, Observation[]>>
}

/**
 * The chain's verdict and everything it rests on. Findings are added by findings.ts. With `describe`
 * false the chain gets no evidence list and a short reason (the verdict, rule, confidence and strength
 * are the same): for summaries, which only show evidence for the chains findings cite.
 */
export function classifyChain(group: HopGroup, joined: readonly JoinedHeaders[] = [], describe = true): Classified {
  const hops = group.hops
  const headers = joined.length === 0 ? [] : joined.map((j) => j.evidence)
  const scope = scopeOf(hops, headers)
  const observations: Observation[] = []
  for (const hop of hops) observeHop(hop, observations)
  observeChain(hops, observations)
  // A header set joined by Host and time alone is a weaker link: it may speak, but it is not a second witness.
  for (const j of joined) {
    const weak = j.by === 'header-time'
    for (const o of observeHeaders(j.evidence)) observations.push(weak ? o.weakened() : o)
  }

  const resolved = resolveFacts(observations)
  const rule: Rule = scope === 'egress' || scope === 'unknown' ? matchRule(resolved.facts) : NOT_EGRESS_RULE
  const used = factsDecidedBy(rule)
  const weight = weigh(resolved, used, rule)
  let guessed = false
  for (const h of hops) if (h.roleGuessed) guessed = true
  const strength: Strength = weight.proven ? 'proven' : 'inferred'
  const confidence: Confidence =
    rule.verdict === 'unknown' || guessed || weight.lowSignal || weight.conflicts > 0 ? 'low' : weight.witnesses >= 2 ? 'high' : 'medium'

  const missing: string[] = []
  if (rule.id === 'not-enough-evidence') {
    for (const f of FACT_NAMES) if (resolved.facts[f] === undefined && (f !== 'inner' || resolved.facts.path === 'gateway')) missing.push(MISSING[f])
    if (missing.length === 0) missing.push(`a verdict for what was seen (${describeFacts(resolved.facts)}): the table has no row for it`)
  }
  if (guessed) missing.push('which proxy wrote each line: kubectl logs --prefix, or --gateway-pod / --gateway-address')

  const told = describe ? describeVerdict(group, joined, headers, observations, resolved, rule, used) : null
  const first = earliest(hops, headers)
  const outcomeDetail = detailOf(resolved.chosen.outcome)
  const failure = rule.verdict === 'failed' || rule.verdict === 'blocked' ? (outcomeDetail ?? '') : ''
  const chain: RequestChain = {
    id: chainId(hops, headers),
    scope,
    hops,
    headers,
    // The group is the chain's alone: its list serves unless echoes add to it.
    joinedBy: joined.length === 0 ? group.joinedBy : [...group.joinedBy, ...joined.map((j) => j.by)],
    destination: destinationOf(hops, headers),
    source: sourceOf(hops, headers),
    verdict: rule.verdict,
    rule: rule.id,
    reason: `${rule.why}${failure ? ` — ${failure}` : ''}${told?.reasonFacts ?? ''}${told?.disagreement ?? ''}`,
    missing,
    confidence,
    strength,
    evidence: told?.evidence ?? [],
    findings: [],
    startMs: first,
    startTime: first === null ? null : isoOf(first, hops),
  }
  return {chain, facts: resolved.facts, outcomeDetail, byFact: resolved.chosen}
}

/** Envoy's reason for a refusal or failure: the first of the outcome's witnesses that gives one. */
function detailOf(outcome: readonly Observation[] | undefined): string | null {
  if (outcome) for (const o of outcome) if (o.detail) return o.detail
  return null
}

const SOURCE_BIT: Record<ObservationSource, number> = {gateway: 1, sidecar: 2, headers: 4}

/**
 * How much the verdict's facts rest on: proven by a field on each, a fact with only rules of thumb behind it,
 * how many independent sources (gateway, sidecar, headers) witness them, and how many facts it rests on
 * have disagreeing witnesses. Loops, not filters and a Set: this runs for every chain.
 */
function weigh(resolved: Resolved, used: readonly FactName[], rule: Rule): {proven: boolean; lowSignal: boolean; witnesses: number; conflicts: number} {
  let proven = rule.verdict !== 'unknown'
  let lowSignal = false
  let sources = 0
  for (const f of used) {
    let provenHere = false
    let signal = false
    for (const o of resolved.chosen[f] ?? NONE) {
      if (o.heuristic) continue
      signal = true
      sources |= SOURCE_BIT[o.source]
      if (o.strength === 'proven') provenHere = true
    }
    if (!provenHere) proven = false
    if (!signal) lowSignal = true
  }
  // Witnesses that disagree on a fact the verdict rests on lower confidence; on another fact they are only noted.
  let conflicts = 0
  for (const c of resolved.conflicts) if (used.includes(c.fact) || rule.verdict === 'unknown') conflicts++
  const witnesses = (sources & 1) + ((sources >> 1) & 1) + ((sources >> 2) & 1)
  return {proven, lowSignal, witnesses, conflicts}
}
const NONE: readonly Observation[] = []

interface Told {
  evidence: Evidence[]
  reasonFacts: string
  disagreement: string
}

/** The chain's evidence list and the words its reason adds: for --json, --ndjson and the chains findings cite. */
function describeVerdict(
  group: HopGroup,
  joined: readonly JoinedHeaders[],
  headers: readonly HeaderEvidence[],
  observations: readonly Observation[],
  resolved: Resolved,
  rule: Rule,
  used: readonly FactName[],
): Told {
  const decisive: Observation[] = []
  for (const f of used) for (const o of resolved.chosen[f] ?? NONE) decisive.push(o)
  const conflicts = resolved.conflicts.filter((c) => used.includes(c.fact) || rule.verdict === 'unknown')
  const evidence: Evidence[] = []
  const seen = new Set<Evidence>()
  const push = (e: Evidence) => {
    if (!seen.has(e)) {
      seen.add(e)
      evidence.push(e)
    }
  }
  // Most telling first: a refusal or failure, else how it left, how it reached the gateway, which way.
  const order: FactName[] = rule.verdict === 'blocked' || rule.verdict === 'failed' ? ['outcome', 'path', 'inner', 'outer'] : ['outer', 'inner', 'path', 'outcome']
  for (const f of order) for (const o of decisive) if (o.fact === f) push(o.evidence)
  for (const e of group.joinEvidence) push(e)
  for (const j of joined) push(j.note)
  for (const o of resolved.contradicted) push({...o.evidence, fact: `contradicted by stronger evidence: ${o.evidence.fact}`})
  if (rule.verdict === 'unknown') for (const o of observations) push(o.evidence)
  for (const h of headers) {
    const none = h.conclusions.find((c) => c.claim === 'no-metadata-headers')
    if (none) push({ref: `${none.source.header} @ ${h.source.input}:${none.source.line ?? h.source.line}`, kind: 'header', fact: none.reason, fields: {xEnvoyPeerMetadata: null}, strength: 'proven'})
  }
  // The reason names the transport facts; the path is in the verdict, the rest in the evidence.
  const told = decisive.filter((o) => o.fact === 'inner' || o.fact === 'outer' || (o.fact === 'path' && o.value === 'passthrough-cluster'))
  const reasonFacts = told.length > 0 ? `: ${[...new Set(told.map((o) => `${o.evidence.fact} [${o.evidence.ref}]`))].join('; ')}` : ''
  const disagreement = conflicts.length > 0 ? ` (witnesses disagree — ${conflicts.map((c) => c.text).join('; ')})` : ''
  return {evidence, reasonFacts, disagreement}
}

/** The facts a verdict rests on (a refusal on its outcome, PassthroughCluster on its path), once per rule. */
function factsDecidedBy(rule: Rule): readonly FactName[] {
  let used = decidedBy.get(rule)
  if (used === undefined) {
    used = rule.verdict === 'unknown' ? [] : rule.verdict === 'blocked' || rule.verdict === 'failed' ? ['outcome'] : rule.verdict === 'passthrough-cluster' ? ['path'] : usedFacts(rule)
    decidedBy.set(rule, used)
  }
  return used
}
const decidedBy = new WeakMap<Rule, readonly FactName[]>()

/** The earliest START_TIME as ISO 8601: the line's own text when it is already that (Envoy's default). */
function isoOf(ms: number, hops: readonly Hop[]): string {
  for (const h of hops) {
    const t = h.entry.startTime
    if (h.startMs === ms && t && t.length === 24 && t.charCodeAt(23) === 0x5a /* Z */ && t.charCodeAt(10) === 0x54 /* T */) return t
  }
  return new Date(ms).toISOString()
}

function describeFacts(f: Facts): string {
  return FACT_NAMES.filter((n) => f[n] !== undefined).map((n) => `${n} ${f[n]}`).join(', ')
}

function chainId(hops: readonly Hop[], headers: readonly HeaderEvidence[]): string {
  if (hops.length > 0) {
    let id = hops[0]!.ref
    for (let i = 1; i < hops.length; i++) id += `+${hops[i]!.ref}`
    return id
  }
  const h = headers[0]
  return h ? `${h.source.input}:${h.source.line}` : '?'
}

function earliest(hops: readonly Hop[], headers: readonly HeaderEvidence[]): number | null {
  let t: number | null = null
  for (const h of hops) if (h.startMs !== null && (t === null || h.startMs < t)) t = h.startMs
  if (t === null) {
    for (const h of headers) {
      const ms = h.amznTraceTime ? Date.parse(h.amznTraceTime) : NaN
      if (!Number.isNaN(ms) && (t === null || ms < t)) t = ms
    }
  }
  return t
}

