// What a compliance reader must see, each with a severity and the evidence it rests on. A chain gives
// hits; the FindingBook counts hits with the same kind, destination, source (and discriminator) as one
// finding, keeping the first few chain ids and the first chain's evidence, so the list stays bounded over
// any input. A hit's words and evidence are built only when its finding is new: over a million lines the
// cost is per finding, not per chain. Wording: all of it was observed in logs or echoes; none of it says
// "enforced".

import type {HeaderEvidence} from '../headers/types.js'
import {hostOfAuthority} from '../join/cluster.js'
import type {Evidence, Finding, FindingKind, Hop, RequestChain, Severity} from '../model.js'
import {SEVERITIES} from '../model.js'
import {OwnedPairs, own, ownFields} from '../text/own.js'
import {tlsFailureReason} from './observe.js'
import {type Policy, checkPolicy, verdictViolationText, workloadViolationText} from './policy.js'
import type {FactName, Facts} from './rules.js'
import type {Classified} from './verdict.js'

/** Each kind's severity (policy violations take theirs from the policy rule). */
export const FINDING_SEVERITY: Record<FindingKind, Severity> = {
  'plaintext-left-mesh': 'high',
  'xfcc-hash-mismatch': 'high',
  'unexpected-identity': 'high',
  'expired-certificate': 'high',
  'policy-violation': 'high',
  'bypassed-gateway': 'medium',
  'plaintext-to-gateway': 'medium',
  'passthrough-egress': 'medium',
  'metadata-leaked': 'medium',
  'double-encryption': 'medium',
  'missing-identity': 'medium',
  'upstream-tls-failure': 'medium',
  'blocked-attempt': 'low',
  'egress-failed': 'low',
  'unclassified': 'info',
  'guessed-role': 'info',
  'guessed-format': 'info',
}

export interface FindingText {
  title: string
  detail: string
  evidence: Evidence[]
}

export interface FindingHit {
  kind: FindingKind
  severity: Severity
  /** What else, besides kind, destination and source, tells this finding from another. */
  discriminator?: string
  policyRule?: string
  /** Overrides the chain's destination / source (e.g. guessed roles are per input, leaks per proxy). */
  destination?: string | null
  source?: string | null
  /** The words and evidence, built only if this hit starts a new finding. */
  text: () => FindingText
}

/**
 * A hit, every field present (undefined when not given): one object shape for all hits, so the book's
 * reads of them stay monomorphic (a spread of the extras gave each combination its own shape).
 */
const hit = (kind: FindingKind, text: () => FindingText, extra: Omit<Partial<FindingHit>, 'kind' | 'text'> = NO_EXTRA): FindingHit => ({
  kind,
  severity: extra.severity ?? FINDING_SEVERITY[kind],
  discriminator: extra.discriminator,
  policyRule: extra.policyRule,
  destination: extra.destination,
  source: extra.source,
  text,
})
const NO_EXTRA: Omit<Partial<FindingHit>, 'kind' | 'text'> = Object.freeze({})

/** Who sent it, for a finding: `namespace/workload`, a SPIFFE id, a workload, pod or IP. */
export function sourceLabel(chain: RequestChain): string | null {
  const s = chain.source
  if (s.namespace && s.workload) return workloadLabels.get(s.namespace, s.workload)
  // Not the pod IP: IPs change with every pod and a log without pod names would get one finding per IP
  // (measured: 3,105 findings over 20,000 generated lines). Such chains share one finding per destination;
  // their IPs stay in the chains it cites.
  return s.identity ?? s.workload ?? s.pod ?? null
}

/** `namespace/workload`: the book looks the label up for every hit (see OwnedPairs). */
const workloadLabels = new OwnedPairs<string>((namespace, workload) => `${namespace}/${workload}`)

const hopEvidence = (hop: Hop, fact: string, fields: Evidence['fields']): Evidence => ({ref: hop.ref, kind: 'log', fact, fields, strength: 'proven'})

/** The evidence behind the named facts (else behind any), at most six: read only when a finding is new. */
function aboutFacts(c: Classified, names: readonly FactName[]): Evidence[] {
  const list = names.flatMap((f) => (c.byFact[f] ?? []).map((o) => o.evidence))
  if (list.length > 0) return list.slice(0, 6)
  return (['outer', 'inner', 'path', 'outcome'] as FactName[]).flatMap((f) => (c.byFact[f] ?? []).map((o) => o.evidence)).slice(0, 6)
}

const NO_HOPS: readonly Hop[] = []

/** The hits of one classified chain, policy included, appended to `out`. */
export function findingsFor(c: Classified, policy: Policy, out: FindingHit[] = []): FindingHit[] {
  const {chain, facts} = c
  if (chain.scope === 'egress' || chain.scope === 'unknown') egressHits(c, facts, c.outcomeDetail, out)
  for (const h of chain.headers) headerHits(chain, h, out)
  identityHits(c, out)
  for (const hop of chain.hops) {
    if (hop.roleGuessed) {
      const where = hop.entry.source.pod ?? hop.entry.source.input
      out.push(hit('guessed-role', () => ({
        title: `Proxy role guessed for lines of ${where}`,
        detail: `${hop.roleReason}. Verdicts resting on these lines have low confidence; run kubectl logs with --prefix, or name the gateway with --gateway-pod / --gateway-address.`,
        evidence: [hopEvidence(hop, `role ${hop.role}: ${hop.roleReason}`, {role: hop.role, pod: hop.entry.source.pod ?? null})],
      }), {discriminator: `${hop.entry.source.input}|${hop.entry.source.pod ?? ''}|${hop.role}`, destination: null, source: where}))
    }
    if (hop.entry.format === 'envoy' || (!hop.cluster && !hop.entry.downstreamLocalAddress && hop.entry.format.startsWith('custom'))) {
      out.push(hit('guessed-format', () => ({
        title: `Lines of ${hop.entry.source.input} carry no cluster or addresses (format ${hop.entry.format})`,
        detail: "Without %UPSTREAM_CLUSTER% and the addresses, the path and transport are read from ports alone and nothing joins these lines to the other proxy's. Log in Istio's format or the egress-audit preset ('egress-audit formats --istio').",
        evidence: [hopEvidence(hop, `format ${hop.entry.format}`, {format: hop.entry.format})],
      }), {discriminator: `${hop.entry.source.input}|${hop.entry.format}`, destination: null, source: hop.entry.source.input}))
    }
  }
  policyHits(c, policy, out)
  return out
}

function egressHits(c: Classified, facts: Facts, detail: string | null, out: FindingHit[]): void {
  const chain = c.chain
  const dest = chain.destination.key
  if (facts.path === 'direct' && facts.outcome !== 'blocked') {
    out.push(hit('bypassed-gateway', () => ({
      title: `Egress to ${dest} bypassed the egress gateway`,
      detail: `Observed in logs: the sidecar sent it straight out (${chain.verdict}), not through the egress gateway. Only a NetworkPolicy or firewall that admits just the gateway stops this.`,
      evidence: aboutFacts(c, ['path', 'outer']),
    })))
  }
  if (facts.outcome === 'completed' && facts.outer === 'plaintext') {
    const via = facts.path === 'gateway' ? 'from the egress gateway' : facts.path === 'passthrough-cluster' ? 'through PassthroughCluster' : 'from the sidecar'
    out.push(hit('plaintext-left-mesh', () => ({
      title: `Plain HTTP left the mesh to ${dest}`,
      detail: `Observed in logs: the request left ${via} unencrypted (${chain.verdict}, ${chain.strength}); its path and headers were readable on the wire.`,
      evidence: aboutFacts(c, ['outer', 'path']),
    }), {discriminator: facts.path ?? ''}))
  }
  if (facts.path === 'gateway' && facts.inner === 'plaintext' && facts.outcome !== 'blocked') {
    out.push(hit('plaintext-to-gateway', () => ({
      title: `Plaintext between sidecar and egress gateway for ${dest}`,
      detail: 'Observed in logs: the sidecar reached the egress gateway without mutual TLS, so the gateway cannot tell which workload sent it and the hop is readable inside the cluster.',
      evidence: aboutFacts(c, ['inner']),
    })))
  }
  if (facts.path === 'passthrough-cluster') {
    out.push(hit('passthrough-egress', () => ({
      title: `Unregistered egress to ${dest} through PassthroughCluster`,
      detail: 'Observed in logs: no ServiceEntry names this destination and outboundTrafficPolicy ALLOW_ANY let it out: no routing, TLS or policy of the mesh applied.',
      evidence: aboutFacts(c, ['path']),
    })))
  }
  if (facts.outcome === 'blocked') {
    out.push(hit('blocked-attempt', () => ({
      title: `Blocked attempt to reach ${dest}`,
      detail: `Observed in logs: the mesh refused it (${detail ?? 'blocked'}). The mesh did its job; the attempt shows a workload trying to reach a destination it has no route to.`,
      evidence: aboutFacts(c, ['outcome']),
    })))
  }
  if (facts.outcome === 'attempted') {
    out.push(hit('egress-failed', () => ({
      title: `Egress to ${dest} got no answer`,
      detail: `Observed in logs: ${detail ?? 'the upstream never answered'}. The path (${chain.verdict}) stands; nothing is known to have reached the destination.`,
      evidence: aboutFacts(c, ['outcome', 'path']),
    })))
  }
  // The hops whose upstream TLS failed; a list only when there is one.
  let tls: Hop[] | null = null
  for (const h of chain.hops) if (tlsFailureReason(h.entry) !== null) (tls ??= []).push(h)
  if (facts.outcome === 'failed') {
    if (detail === 'double encryption') {
      out.push(hit('double-encryption', () => ({
        title: `Double encryption towards ${dest}`,
        detail: "The app's TLS was wrapped in TLS again by a proxy (a DestinationRule originating TLS — SIMPLE, or ISTIO_MUTUAL toward the gateway — on a route that passes the app's TLS through): the client fails with 'wrong version number'. Remove the TLS origination for this port, or let the app send plain HTTP.",
        evidence: aboutFacts(c, ['outcome']),
      })))
    } else if (tls === null) {
      out.push(hit('egress-failed', () => ({title: `Egress to ${dest} failed`, detail: `Observed in logs: ${detail ?? 'the request failed'}.`, evidence: aboutFacts(c, ['outcome'])}), {discriminator: detail ?? ''}))
    }
  }
  for (const hop of tls ?? NO_HOPS) {
    const r = tlsFailureReason(hop.entry)!
    const evidence = () => [hopEvidence(hop, `upstream TLS failed: ${r}`, {responseFlags: (hop.entry.responseFlags ?? []).join(',') || '-', upstreamTransportFailureReason: hop.entry.upstreamTransportFailureReason ?? null, responseCodeDetails: hop.entry.responseCodeDetails ?? null, upstreamHost: hop.entry.upstreamHost ?? null})]
    const why = /HANDSHAKE_FAILURE/i.test(r)
      ? 'the server demanded a client certificate the proxy did not present (failed MUTUAL origination: check the DestinationRule credentialName)'
      : /UNKNOWN_CA|VERIFY_FAILED/i.test(r)
        ? "the proxy does not trust the server's certificate (caCertificates / subjectAltNames of the DestinationRule)"
        : 'the TLS handshake upstream failed'
    out.push(hit('upstream-tls-failure', () => ({title: `Upstream TLS failure towards ${dest}`, detail: `Observed in logs: ${why}. Envoy's reason: ${r}.`, evidence: evidence()}), {discriminator: r.slice(0, 80)}))
    if (/CERTIFICATE_EXPIRED/i.test(r)) {
      out.push(hit('expired-certificate', () => ({title: `Expired certificate on the way to ${dest}`, detail: `Observed in logs: the TLS handshake failed on an expired certificate (${r}).`, evidence: evidence()})))
    }
  }
  if (chain.verdict === 'unknown') {
    out.push(hit('unclassified', () => ({
      title: `Egress to ${dest} could not be classified`,
      detail: `Missing: ${chain.missing.join('; ') || 'evidence'}.`,
      evidence: aboutFacts(c, ['path', 'inner', 'outer', 'outcome']),
    }), {discriminator: chain.missing[0] ?? ''}))
  }
}

function headerHits(chain: RequestChain, h: HeaderEvidence, out: FindingHit[]): void {
  for (const c of h.conclusions) {
    const ev = (fields: Evidence['fields']): Evidence[] => [{ref: `${c.source.header} @ ${h.source.input}:${c.source.line ?? h.source.line}`, kind: 'header', fact: c.reason, fields, strength: 'proven'}]
    if (c.claim === 'metadata-leaked') {
      const peer = h.peerId ? `${h.peerId.type}~${h.peerId.ip}~${h.peerId.id}` : typeof h.peerMetadata?.NAME === 'string' ? h.peerMetadata.NAME : 'a proxy'
      const host = hostOfHeaders(h) ?? chain.destination.host ?? chain.destination.key
      const who = h.peerId ? `${h.peerId.pod}.${h.peerId.namespace}` : peer
      out.push(hit('metadata-leaked', () => ({title: `Mesh metadata of ${who} reached ${host}`, detail: `Observed in an echo: ${c.reason}.`, evidence: ev({peer})}), {destination: host, source: who}))
    } else if (c.claim === 'xfcc-hash-mismatch') {
      out.push(hit('xfcc-hash-mismatch', () => ({title: 'X-Forwarded-Client-Cert hash does not match its certificate', detail: `Observed in an echo: ${c.reason}. The identity in this header cannot be trusted.`, evidence: ev({})})))
    } else if (c.claim === 'xfcc-cert-expired') {
      out.push(hit('expired-certificate', () => ({title: 'Expired client certificate in X-Forwarded-Client-Cert', detail: `Observed in an echo: ${c.reason}.`, evidence: ev({})})))
    }
  }
  h.xfcc?.forEach((el, i) => {
    const ref = `X-Forwarded-Client-Cert @ ${h.source.input}:${h.source.line}`
    const uri = el.uri[0] ?? el.certificate?.uris[0]
    if (!uri) {
      out.push(hit('missing-identity', () => ({
        title: 'Client certificate without a workload identity',
        detail: `Observed in an echo: XFCC element ${i + 1} (By ${el.by ?? '?'}) names no URI SAN: the client of the gateway has no SPIFFE identity.`,
        evidence: [{ref, kind: 'header', fact: 'XFCC element without URI', fields: {by: el.by ?? null, subject: el.subject ?? null}, strength: 'proven'}],
      })))
    } else if (el.by && trustDomain(el.by) && trustDomain(uri) && trustDomain(el.by) !== trustDomain(uri)) {
      out.push(hit('unexpected-identity', () => ({
        title: `Client identity from another trust domain: ${uri}`,
        detail: `Observed in an echo: ${el.by} received it over mTLS from ${uri}, whose trust domain is not its own.`,
        evidence: [{ref, kind: 'header', fact: 'XFCC trust domains differ', fields: {by: el.by ?? null, uri}, strength: 'proven'}],
      }), {discriminator: uri}))
    }
  })
}

function identityHits(c: Classified, out: FindingHit[]): void {
  const chain = c.chain
  for (const hop of chain.hops) {
    const e = hop.entry
    if (hop.role !== 'egress-gateway' || !e.downstreamTlsVersion) continue
    if (!e.downstreamPeerUriSan && !e.downstreamPeerSubject) {
      out.push(hit('missing-identity', () => ({
        title: 'TLS into the egress gateway without a client certificate',
        detail: `Observed in logs: the gateway's downstream was ${e.downstreamTlsVersion} but no peer certificate: one-way TLS, so the gateway cannot tell which workload sent it.`,
        evidence: [hopEvidence(hop, 'no DOWNSTREAM_PEER_URI_SAN', {downstreamTlsVersion: e.downstreamTlsVersion ?? null, downstreamPeerUriSan: null})],
      })))
    } else if (e.downstreamPeerUriSan && !e.downstreamPeerUriSan.startsWith('spiffe://')) {
      const san = e.downstreamPeerUriSan
      out.push(hit('unexpected-identity', () => ({
        title: `Non-mesh client certificate at the egress gateway: ${san}`,
        detail: 'Observed in logs: the client certificate the egress gateway saw is not a SPIFFE id of the mesh.',
        evidence: [hopEvidence(hop, 'DOWNSTREAM_PEER_URI_SAN is not spiffe://', {downstreamPeerUriSan: san})],
      }), {discriminator: san}))
    }
  }
  const s = chain.source
  const m = s.identity ? /\/ns\/([^/]+)\//.exec(s.identity) : null
  if (!m) return
  const podNs = chain.hops.find((h) => h.role === 'sidecar')?.entry.source.namespace ?? chain.headers.map((h) => (h.peerId?.type === 'sidecar' ? h.peerId.namespace : undefined)).find(Boolean)
  if (podNs && m[1] !== podNs) {
    out.push(hit('unexpected-identity', () => ({
      title: `Workload identity ${s.identity} does not match namespace ${podNs}`,
      detail: `Observed: the client certificate names namespace ${m[1]}, the sending pod is in ${podNs}.`,
      evidence: aboutFacts(c, ['inner', 'path']),
    }), {discriminator: s.identity}))
  }
}

function policyHits(c: Classified, policy: Policy, out: FindingHit[]): void {
  const chain = c.chain
  const j = checkPolicy(chain, policy)
  if (!j) return
  const rule = j.rule?.name ?? 'default'
  const pe = (fact: string): Evidence => ({ref: j.rule ? j.rule.at : policy.name, kind: 'policy', fact, fields: {rule, allowed: j.allowed.join(', ')}, strength: 'proven'})
  const dest = chain.destination.key
  // The sentences are written only when the hit starts a finding.
  if (!j.verdictAllowed) {
    out.push(hit('policy-violation', () => ({
      title: `Policy: ${chain.verdict} to ${dest} is not allowed`,
      detail: `Observed in logs: ${verdictViolationText(chain, policy, j)}.`,
      evidence: [pe(`${rule} allows ${j.allowed.join(', ') || 'nothing'}`), ...aboutFacts(c, ['outer', 'inner', 'path']).slice(0, 3)],
    }), {severity: j.severity, discriminator: policyDiscriminator(rule, chain.verdict), policyRule: rule}))
  }
  if (j.outsideWorkloads) {
    out.push(hit('policy-violation', () => ({
      title: `Policy: ${sourceLabel(chain) ?? 'this workload'} may not reach ${dest}`,
      detail: `Observed: ${workloadViolationText(chain, policy, j)}.`,
      evidence: [pe(`${rule} allows only ${j.rule?.workloads?.join(', ')}`), ...aboutFacts(c, ['path']).slice(0, 2)],
    }), {severity: j.severity, discriminator: policyDiscriminator(rule, 'workload'), policyRule: rule}))
  }
  if (j.workloadUnknown) {
    out.push(hit('missing-identity', () => ({
      title: `No workload identity for egress to ${dest}`,
      detail: `Rule '${rule}' allows only ${j.rule?.workloads?.join(', ')}, but the evidence names no sending workload (no pod name, peer metadata or client certificate): the rule cannot be checked.`,
      evidence: [pe('workloads restricted, source unknown')],
    }), {discriminator: rule, policyRule: rule}))
  }
}

/**
 * `rule|verdict`, one string per pair: built per chain it would be a new string to flatten and hash in
 * the book each time. Bounded by the policy's rules times the verdicts.
 */
function policyDiscriminator(rule: string, what: string): string {
  let byWhat = discriminators.get(rule)
  if (!byWhat) discriminators.set(rule, (byWhat = new Map()))
  let d = byWhat.get(what)
  if (d === undefined) byWhat.set(what, (d = `${rule}|${what}`))
  return d
}
const discriminators = new Map<string, Map<string, string>>()

const trustDomain = (uri: string): string | null => /^spiffe:\/\/([^/]+)/.exec(uri)?.[1] ?? null

function hostOfHeaders(h: HeaderEvidence): string | null {
  const v = h.headers.find((f) => f.name.toLowerCase() === 'host')?.value.trim()
  return v ? hostOfAuthority(v) : null
}

/** How many chain ids a finding keeps. */
export const CHAINS_KEPT = 10

/** A finding and the span of its chains' start times. */
interface Tally {
  finding: Finding
  first: number
  last: number
}

/** Counts hits into findings, keyed by kind, destination, source and discriminator. */
export class FindingBook {
  private readonly byId = new Map<string, Finding>()
  // kind → destination → source → discriminator: each part's hash is computed once per string, where one
  // concatenated key per hit would be hashed afresh (the hot path over a million chains).
  private readonly index = new Map<string, Map<string, Map<string, Map<string, Tally>>>>()
  /** Every finding with the first and last start time of its chains (epoch ms), turned into text by list(). */
  private readonly tallies: Tally[] = []

  /** Records a chain's hits and writes their ids into `chain.findings`. */
  add(chain: RequestChain, hits: readonly FindingHit[]): void {
    let label: string | null | undefined
    for (const h of hits) {
      const destination = h.destination !== undefined ? h.destination : chain.destination.key
      const source = h.source !== undefined ? h.source : label === undefined ? (label = sourceLabel(chain)) : label
      const tally = this.tallyFor(h, destination, source)
      const f = tally.finding
      f.count++
      if (f.chains.length < CHAINS_KEPT && !f.chains.includes(chain.id)) f.chains.push(own(chain.id))
      const t = chain.startMs
      if (t !== null) {
        // Times as numbers (a string per chain would be a copy per chain): list() writes them as text.
        if (t < tally.first) tally.first = t
        if (t > tally.last) tally.last = t
      }
      if (!chain.findings.includes(f.id)) chain.findings.push(f.id)
    }
  }

  /** The finding a hit counts into, made (with its words and evidence) if it is the first such hit. */
  private tallyFor(h: FindingHit, destination: string | null, source: string | null): Tally {
    const disc = h.discriminator ?? ''
    // A finding lives for the whole run: it and its index keys hold their own strings (text/own.ts),
    // copied once when they are first stored, never on a lookup.
    let byDest = this.index.get(h.kind)
    if (!byDest) this.index.set(h.kind, (byDest = new Map()))
    let bySource = byDest.get(destination ?? '')
    if (!bySource) byDest.set(own(destination ?? ''), (bySource = new Map()))
    let byDisc = bySource.get(source ?? '')
    if (!byDisc) bySource.set(own(source ?? ''), (byDisc = new Map()))
    let tally = byDisc.get(disc)
    if (!tally) {
      const id = own(`${h.kind}|${destination ?? ''}|${source ?? ''}|${disc}`)
      const text = h.text()
      const f: Finding = {
        id, kind: h.kind, severity: h.severity, title: own(text.title), detail: own(text.detail), destination: own(destination), source: own(source),
        count: 0, chains: [], firstSeen: null, lastSeen: null,
        evidence: text.evidence.map((e) => ({...e, ref: own(e.ref), fact: own(e.fact), fields: ownFields(e.fields)})),
      }
      if (h.policyRule !== undefined) f.policyRule = own(h.policyRule)
      tally = {finding: f, first: Infinity, last: -Infinity}
      byDisc.set(own(disc), tally)
      this.byId.set(id, f)
      this.tallies.push(tally)
    }
    return tally
  }

  /** Most severe first, then by kind and destination. */
  list(): Finding[] {
    for (const {finding: f, first, last} of this.tallies) {
      f.firstSeen = first === Infinity ? null : new Date(first).toISOString()
      f.lastSeen = last === -Infinity ? null : new Date(last).toISOString()
    }
    return [...this.byId.values()].sort(
      (a, b) => SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) || a.kind.localeCompare(b.kind) || (a.destination ?? '').localeCompare(b.destination ?? '') || a.id.localeCompare(b.id),
    )
  }
}

