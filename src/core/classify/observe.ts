// What each piece of a chain says about the four facts of the verdict table (rules.ts), each statement
// with the evidence an auditor can check: the line or header, the decisive values, and whether a TLS
// field proves it or it is inferred from names, ports and SNI.

import type {HeaderEvidence} from '../headers/types.js'
import {clusterText} from '../join/cluster.js'
import {upstreamClientCertificate} from '../join/hops.js'
import type {AccessLogEntry, Cluster, Evidence, Hop, Strength} from '../model.js'
import type {Facts, FactName} from './rules.js'

export type ObservationSource = 'sidecar' | 'gateway' | 'headers'

type Fields = Evidence['fields']
type EvidenceInit = {ref: string; kind?: Evidence['kind']; fact: string; fields: Fields}

/**
 * One statement about one fact. Its evidence (the sentence and the field values an auditor checks) is
 * built only when read: a summary over a million lines reads it for the few chains findings cite.
 */
export class Observation<K extends FactName = FactName> {
  /** Builds the evidence from its subject (a hop): no closure, so nothing per observation but this object. */
  #make: Make | null
  #subject: unknown
  #evidence: Evidence | null = null
  /** For failures: Envoy's reason in a few words. */
  detail: string | undefined = undefined

  constructor(
    readonly fact: K,
    readonly value: NonNullable<Facts[K]>,
    readonly strength: Strength,
    readonly source: ObservationSource,
    /** A rule of thumb rather than a reading of a field (double encryption from byte counts, X-Envoy-Internal). */
    readonly heuristic: boolean,
    make: () => EvidenceInit,
    subject?: unknown,
  ) {
    this.#make = make as Make
    this.#subject = subject
  }

  get evidence(): Evidence {
    if (this.#evidence === null) {
      const ev = this.#make!(this.#subject as never)
      this.#evidence = {ref: ev.ref, kind: ev.kind ?? 'log', fact: ev.fact, fields: ev.fields, strength: this.strength}
      this.#make = null
      this.#subject = undefined
    }
    return this.#evidence
  }

  /** The same statement, demoted to a rule of thumb (a header set joined by time alone). */
  weakened(): Observation<K> {
    const o = new Observation(this.fact, this.value, this.strength, this.source, true, () => this.evidence)
    if (this.detail !== undefined) o.detail = this.detail
    return o
  }
}
type Make = (subject: never) => EvidenceInit

function obs<K extends FactName>(
  fact: K,
  value: NonNullable<Facts[K]>,
  source: ObservationSource,
  make: () => EvidenceInit,
  strength: Strength,
  heuristic = false,
  detail?: string,
): Observation {
  const o = new Observation<FactName>(fact, value, strength, source, heuristic, make)
  if (detail !== undefined) o.detail = detail
  return o
}

/** What a hop says, its evidence written from the hop by `make` when read. */
function said<K extends FactName>(
  hop: Hop,
  fact: K,
  value: NonNullable<Facts[K]>,
  make: (hop: Hop) => EvidenceInit,
  strength: Strength,
  heuristic = false,
  detail?: string,
): Observation {
  const o = new Observation<FactName>(fact, value, strength, sourceOf(hop), heuristic, make as () => EvidenceInit, hop)
  if (detail !== undefined) o.detail = detail
  return o
}

const who = (hop: Hop): string => (hop.role === 'egress-gateway' ? 'gateway' : hop.role === 'sidecar' ? 'sidecar' : 'proxy')
const sourceOf = (hop: Hop): ObservationSource => (hop.role === 'egress-gateway' ? 'gateway' : 'sidecar')

/** Flags of a failure that tells about the path: no cluster for it, a protocol the other side could not read. */
const PATH_FAILURE_FLAGS = ['NC', 'UPE', 'DPE']
/** Flags of an upstream that never answered: the path stands, nothing is known to have left (ERF, brief §2.1). */
const UNANSWERED_FLAGS = ['UF', 'UH', 'URX', 'UO', 'DF', 'LH']
const TLS_ERROR = /TLS_error|TLS error|SSL routines|CERTIFICATE_|SSLV3_ALERT|TLSV1_ALERT|Secret is not supplied/i

const flagsText = (e: AccessLogEntry): string => (e.responseFlags && e.responseFlags.length > 0 ? e.responseFlags.join(',') : '-')

/** Envoy's own failure reason, if the line has one: UTFR, or a TLS error inside the response code details. */
export function tlsFailureReason(e: AccessLogEntry): string | null {
  if (e.upstreamTransportFailureReason) return e.upstreamTransportFailureReason
  const d = e.responseCodeDetails
  if (d && TLS_ERROR.test(d)) return d
  const c = e.connectionTerminationDetails
  if (c && TLS_ERROR.test(c)) return c
  return null
}

/**
 * The double-encryption signature (brief §4.5) on one line: a TCP line carrying the app's TLS (SNI, not
 * terminated) that the proxy wrapped in TLS again. Proven when the line shows UPSTREAM_TLS_VERSION, which
 * a passthrough never has; otherwise the byte counts: a server's TLS handshake (certificates) alone is
 * kilobytes, so a passthrough connection that carried a ClientHello in and under 1 KiB back never got one.
 */
export function doubleEncryption(hop: Hop): {proven: boolean; why: string} | null {
  const e = hop.entry
  if (hop.kind !== 'tcp' || !e.requestedServerName) return null
  if (hop.upstream === 'tls-originated' && hop.upstreamProven) {
    return {proven: true, why: `TCP line with the app's SNI ${e.requestedServerName} (not terminated) and TLS ${e.upstreamTlsVersion} originated upstream: TLS inside TLS`}
  }
  const rx = e.bytesReceived ?? 0
  const tx = e.bytesSent ?? 0
  const flags = e.responseFlags ?? []
  if (rx > 0 && rx < 4096 && tx > 0 && tx < 1024 && !flags.some((f) => UNANSWERED_FLAGS.includes(f) || f === 'NR')) {
    return {
      proven: false,
      why: `TCP line with the app's SNI ${e.requestedServerName}: ${rx} bytes in, only ${tx} back, too few for a server's TLS handshake — the shape of TLS wrapped in TLS (a DestinationRule originating TLS on an SNI-passthrough route; the client sees "wrong version number")`,
    }
  }
  return null
}

/**
 * What the hops say only together: the sidecar forwarded the app's TLS to the gateway and reports its
 * upstream failed (UF, no upstream local address) while the gateway accepted that connection and passed it
 * on. The TCP connection was made, so the sidecar's TLS handshake with the gateway failed: the sidecar
 * wrapped the app's TLS in mTLS (a DestinationRule ISTIO_MUTUAL toward the gateway on a passthrough route).
 */
export function observeChain(hops: readonly Hop[], out: Observation[] = []): Observation[] {
  const s = hops.find((h) => h.role === 'sidecar' && h.toGateway)
  const g = hops.find((h) => h.role === 'egress-gateway')
  if (!s || !g || s.kind !== 'tcp' || !s.entry.requestedServerName || !s.entry.responseFlags?.includes('UF')) return out
  if (g.kind !== 'tcp' || (g.entry.responseFlags ?? []).length > 0 || !g.entry.upstreamHost) return out
  out.push(
    obs('outcome', 'failed', 'sidecar', () => ({ref: `${s.ref} + ${g.ref}`, fact: `the gateway accepted the sidecar's connection and passed it on (${g.entry.bytesReceived ?? 0}/${g.entry.bytesSent ?? 0} bytes), yet the sidecar reports UF with SNI ${s.entry.requestedServerName}: its TLS handshake with the gateway failed — the app's TLS wrapped in mTLS (a DestinationRule ISTIO_MUTUAL toward the gateway on a passthrough route)`, fields: {sidecarFlags: flagsText(s.entry), requestedServerName: s.entry.requestedServerName ?? null, gatewayUpstreamHost: g.entry.upstreamHost ?? null}}), 'inferred', true, 'double encryption'),
  )
  return out
}

/** What one hop says about each fact, added to `out`. The sentences are written only when read. */
export function observeHop(hop: Hop, out: Observation[] = []): Observation[] {
  const e = hop.entry
  const name = who(hop)
  if (hop.role === 'ingress-gateway' || hop.direction === 'inbound') return out

  // ---- outcome
  const c = hop.cluster
  const flags = e.responseFlags ?? []
  const details = e.responseCodeDetails ?? null
  // The TLS reason and the double-encryption test run only when no refusal above decided the outcome.
  let tlsReason: string | null
  if (c?.kind === 'blackhole') {
    out.push(said(hop, 'outcome', 'blocked', blackHoleEvidence, 'proven', false, 'BlackHoleCluster'))
  } else if (e.routeName === 'block_all' || (details === 'direct_response' && e.responseCode === 502 && !c)) {
    out.push(said(hop, 'outcome', 'blocked', blockAllEvidence, 'proven', false, 'direct_response on block_all'))
  } else if (flags.includes('NR')) {
    out.push(said(hop, 'outcome', 'failed', noRouteEvidence, 'proven', false, `${name}: ${noRouteText(e)}`))
  } else if (flags.includes('UAEX') || (details !== null && details.startsWith('rbac_access_denied'))) {
    out.push(said(hop, 'outcome', 'blocked', deniedEvidence, 'proven', false, `denied (${details ?? flagsText(e)})`))
  } else if (!c && e.upstreamCluster === null && flags.includes('UH') && e.responseCode === 0 && hop.role === 'sidecar') {
    out.push(said(hop, 'outcome', 'blocked', nullClusterEvidence, 'proven', false, 'BlackHoleCluster (logged as null)'))
  } else if ((tlsReason = tlsFailureReason(e)) !== null) {
    out.push(said(hop, 'outcome', 'failed', tlsFailureEvidence, 'proven', false, `upstream TLS failure: ${tlsReason}`))
  } else if (hop.kind === 'tcp' && e.requestedServerName && doubleEncryption(hop)) {
    const proven = doubleEncryption(hop)!.proven
    out.push(said(hop, 'outcome', 'failed', doubleEncryptionEvidence, proven ? 'proven' : 'inferred', !proven, 'double encryption'))
  } else if (flags.some((f) => PATH_FAILURE_FLAGS.includes(f))) {
    out.push(said(hop, 'outcome', 'failed', pathFailureEvidence, 'proven', false, `${pathFailureText(flags)} (${flagsText(e)})`))
  } else if (flags.some((f) => UNANSWERED_FLAGS.includes(f))) {
    out.push(said(hop, 'outcome', 'attempted', unansweredEvidence, 'proven', false, `no answer: ${flagsText(e)}${details ? ` ${details}` : ''}`))
  } else {
    out.push(said(hop, 'outcome', 'completed', completedEvidence, 'proven'))
  }

  // ---- path
  if (hop.role === 'egress-gateway') {
    out.push(said(hop, 'path', 'gateway', gatewayLoggedEvidence, 'proven', hop.roleGuessed))
  } else if (hop.role === 'sidecar' && hop.toGateway) {
    out.push(said(hop, 'path', 'gateway', toGatewayEvidence, 'proven'))
  } else if (c?.kind === 'passthrough' || c?.kind === 'allow-any-dns') {
    out.push(said(hop, 'path', 'passthrough-cluster', passthroughEvidence, 'proven'))
  } else if (hop.role === 'sidecar' && c?.kind === 'service' && c.direction === 'outbound') {
    out.push(said(hop, 'path', 'direct', directEvidence, 'proven', hop.roleGuessed))
  } else if (hop.role === 'sidecar' && !c && e.upstreamHost) {
    out.push(said(hop, 'path', 'direct', directNoClusterEvidence, 'inferred', true))
  }

  // ---- inner (sidecar→gateway leg); the sentences are written only when the evidence is read.
  if (hop.role === 'egress-gateway' && hop.downstream !== 'unknown') {
    out.push(said(hop, 'inner', hop.downstream, gatewayInnerEvidence, hop.downstreamProven ? 'proven' : 'inferred'))
  } else if (hop.role === 'sidecar' && hop.toGateway && hop.upstream !== 'unknown' && hop.upstream !== 'none') {
    const inner = innerOf(hop.upstream)
    const proven = hop.upstreamProven
    // The gateway's ports are a convention (a Gateway server may use TLS on 8080): below what the gateway's own line says.
    out.push(said(hop, 'inner', inner, sidecarInnerEvidence, proven ? 'proven' : 'inferred', !proven && hop.kind === 'http'))
  }

  // ---- outer (how it left the mesh): from the exit proxy only
  const exit = hop.role === 'egress-gateway' || (hop.role === 'sidecar' && !hop.toGateway)
  if (exit && hop.upstream !== 'unknown' && hop.upstream !== 'none') {
    out.push(said(hop, 'outer', hop.upstream, outerEvidence, hop.upstreamProven ? 'proven' : 'inferred'))
  }
  return out
}

/** How the sidecar→gateway leg was carried, from the sidecar's upstream transport. */
const innerOf = (upstream: Hop['upstream']): 'mtls' | 'plaintext' | 'tls' => (upstream === 'mtls-originated' ? 'mtls' : upstream === 'plaintext' ? 'plaintext' : 'tls')

// ---- The evidence of each outcome and path a hop can show, written from the hop when read.

const detailsOf = (e: AccessLogEntry): string | null => e.responseCodeDetails ?? null

function noRouteText(e: AccessLogEntry): string {
  const details = detailsOf(e)
  return details === 'filter_chain_not_found' ? `no filter chain${e.requestedServerName ? ` for SNI ${e.requestedServerName}` : ''} (a Gateway server whose hosts do not include it, or a VirtualService without a match)` : `no route (${details ?? 'NR'})`
}

const pathFailureText = (flags: readonly string[]): string =>
  flags.includes('DPE') ? 'the client spoke something the listener could not read as HTTP (TLS to a port declared HTTP?)' : flags.includes('UPE') ? 'the upstream answered in a protocol the proxy could not read (plain HTTP to a TLS port?)' : 'no cluster for the route'

function blackHoleEvidence(hop: Hop): EvidenceInit {
  const e = hop.entry
  return {ref: hop.ref, fact: `${who(hop)} sent it to BlackHoleCluster: no ServiceEntry for the destination under REGISTRY_ONLY`, fields: {upstreamCluster: clusterText(hop.cluster), responseFlags: flagsText(e), downstreamLocalAddress: e.downstreamLocalAddress ?? null}}
}

function blockAllEvidence(hop: Hop): EvidenceInit {
  const e = hop.entry
  return {ref: hop.ref, fact: `${who(hop)} answered 502 itself (direct_response, route ${e.routeName ?? '-'}): REGISTRY_ONLY has no route to this host`, fields: {responseCode: e.responseCode ?? null, responseCodeDetails: detailsOf(e), routeName: e.routeName ?? null}}
}

function noRouteEvidence(hop: Hop): EvidenceInit {
  const e = hop.entry
  return {ref: hop.ref, fact: `${who(hop)} had ${noRouteText(e)}: a configuration gap, not a policy`, fields: {responseFlags: flagsText(e), responseCodeDetails: detailsOf(e), requestedServerName: e.requestedServerName ?? null, downstreamLocalAddress: e.downstreamLocalAddress ?? null}}
}

function deniedEvidence(hop: Hop): EvidenceInit {
  const e = hop.entry
  const details = detailsOf(e)
  return {ref: hop.ref, fact: `${who(hop)} denied it by policy (${details ?? flagsText(e)})`, fields: {responseCode: e.responseCode ?? null, responseCodeDetails: details, responseFlags: flagsText(e)}}
}

function nullClusterEvidence(hop: Hop): EvidenceInit {
  const e = hop.entry
  return {ref: hop.ref, fact: `${who(hop)} had no cluster for it (cluster null, UH, code 0): BlackHoleCluster as Istio's JSON logs it`, fields: {upstreamCluster: null, responseFlags: flagsText(e), downstreamLocalAddress: e.downstreamLocalAddress ?? null}}
}

function tlsFailureEvidence(hop: Hop): EvidenceInit {
  const e = hop.entry
  return {ref: hop.ref, fact: `${who(hop)}'s upstream TLS failed: ${tlsFailureReason(e)}`, fields: {responseFlags: flagsText(e), upstreamTransportFailureReason: e.upstreamTransportFailureReason ?? null, responseCodeDetails: detailsOf(e), upstreamHost: e.upstreamHost ?? null}}
}

function doubleEncryptionEvidence(hop: Hop): EvidenceInit {
  const e = hop.entry
  return {ref: hop.ref, fact: `${who(hop)}: ${doubleEncryption(hop)!.why}`, fields: {requestedServerName: e.requestedServerName ?? null, bytesReceived: e.bytesReceived ?? null, bytesSent: e.bytesSent ?? null, responseFlags: flagsText(e), upstreamCluster: e.upstreamCluster ?? null, upstreamTlsVersion: e.upstreamTlsVersion ?? null}}
}

function pathFailureEvidence(hop: Hop): EvidenceInit {
  const e = hop.entry
  const details = detailsOf(e)
  return {ref: hop.ref, fact: `${who(hop)}: ${pathFailureText(e.responseFlags ?? [])} (${flagsText(e)} ${details ?? ''})`, fields: {responseCode: e.responseCode ?? null, responseFlags: flagsText(e), responseCodeDetails: details, upstreamHost: e.upstreamHost ?? null}}
}

function unansweredEvidence(hop: Hop): EvidenceInit {
  const e = hop.entry
  const details = detailsOf(e)
  return {ref: hop.ref, fact: `${who(hop)}: the upstream never answered (${flagsText(e)} ${details ?? ''})`, fields: {responseCode: e.responseCode ?? null, responseFlags: flagsText(e), responseCodeDetails: details, upstreamHost: e.upstreamHost ?? null}}
}

function completedEvidence(hop: Hop): EvidenceInit {
  const e = hop.entry
  return {ref: hop.ref, fact: `${who(hop)} line: ${e.method ? `${e.method} ${e.responseCode ?? '-'}` : 'TCP connection'}, flags ${flagsText(e)}`, fields: {responseCode: e.responseCode ?? null, responseFlags: flagsText(e)}}
}

function gatewayLoggedEvidence(hop: Hop): EvidenceInit {
  const e = hop.entry
  return {ref: hop.ref, fact: `the egress gateway logged it (${hop.roleReason})`, fields: {pod: e.source.pod ?? null, downstreamLocalAddress: e.downstreamLocalAddress ?? null}}
}

function toGatewayEvidence(hop: Hop): EvidenceInit {
  const e = hop.entry
  return {ref: hop.ref, fact: `the sidecar sent it to the egress gateway (cluster ${clusterText(hop.cluster)}, upstream ${e.upstreamHost ?? '-'})`, fields: {upstreamCluster: e.upstreamCluster ?? null, upstreamHost: e.upstreamHost ?? null}}
}

function passthroughEvidence(hop: Hop): EvidenceInit {
  const e = hop.entry
  const raw = clusterText(hop.cluster)
  return {ref: hop.ref, fact: `the sidecar let it out through ${raw}${e.routeName ? ` (route ${e.routeName})` : ''}: no ServiceEntry, outboundTrafficPolicy ALLOW_ANY`, fields: {upstreamCluster: raw, routeName: e.routeName ?? null, upstreamHost: e.upstreamHost ?? null}}
}

function directEvidence(hop: Hop): EvidenceInit {
  const e = hop.entry
  const c = hop.cluster as Extract<Cluster, {kind: 'service'}>
  return {ref: hop.ref, fact: `the sidecar sent it straight to ${c.host} (cluster ${c.raw}, upstream ${e.upstreamHost ?? '-'}), not to a gateway`, fields: {upstreamCluster: c.raw, upstreamHost: e.upstreamHost ?? null}}
}

function directNoClusterEvidence(hop: Hop): EvidenceInit {
  const e = hop.entry
  return {ref: hop.ref, fact: `the sidecar sent it to ${e.upstreamHost}; the line has no cluster to say whether that is a gateway (format ${e.format})`, fields: {upstreamHost: e.upstreamHost ?? null, format: e.format}}
}

/** The gateway line on the sidecar→gateway leg: its downstream TLS fields, else its listener, SNI and protocol. */
function gatewayInnerEvidence(hop: Hop): EvidenceInit {
  const e = hop.entry
  const inner = hop.downstream
  const proven = hop.downstreamProven
  const fact = proven
    ? inner === 'plaintext'
      ? `the gateway's downstream was not TLS (DOWNSTREAM_TLS_VERSION empty)`
      : `the gateway's downstream was ${e.downstreamTlsVersion}${inner === 'mtls' ? ` with client certificate ${e.downstreamPeerUriSan ?? e.downstreamPeerSubject}` : ' without a client certificate'}`
    : hop.kind === 'tcp'
      ? `the gateway passed TLS through on listener ${e.downstreamLocalAddress ?? '-'} (SNI ${e.requestedServerName}, "- - -": not terminated)`
      : inner === 'plaintext'
        ? `the gateway read plain HTTP (${e.protocol ?? '-'}) on listener ${e.downstreamLocalAddress ?? '-'} with no SNI`
        : `the gateway terminated TLS on listener ${e.downstreamLocalAddress ?? '-'} (SNI ${e.requestedServerName}, then HTTP ${e.protocol ?? ''}): an ISTIO_MUTUAL server, mTLS inferred`
  return {ref: hop.ref, fact, fields: {downstreamLocalAddress: e.downstreamLocalAddress ?? null, requestedServerName: e.requestedServerName ?? null, protocol: e.protocol ?? null, ...(proven ? {downstreamTlsVersion: e.downstreamTlsVersion ?? null, downstreamPeerUriSan: e.downstreamPeerUriSan ?? null} : {})}}
}

/** The sidecar line on the sidecar→gateway leg: its upstream TLS fields, else the gateway port it dialled. */
function sidecarInnerEvidence(hop: Hop): EvidenceInit {
  const e = hop.entry
  const inner = innerOf(hop.upstream)
  const proven = hop.upstreamProven
  const fact = proven
    ? `the sidecar's upstream to the gateway was ${e.upstreamTlsVersion ?? 'not TLS'}${e.upstreamPeerUriSan ? ` with peer ${e.upstreamPeerUriSan}` : ''}`
    : hop.kind === 'tcp'
      ? `the sidecar forwarded the app's TLS (SNI ${e.requestedServerName}) to the gateway at ${e.upstreamHost ?? '-'}`
      : `the sidecar sent HTTP to the gateway's port ${hop.upstreamPort ?? '?'} (${inner === 'mtls' ? "the gateway's https port: ISTIO_MUTUAL" : 'its http port: plaintext'})`
  return {ref: hop.ref, fact, fields: {upstreamHost: e.upstreamHost ?? null, upstreamCluster: e.upstreamCluster ?? null, ...(proven ? {upstreamTlsVersion: e.upstreamTlsVersion ?? null, upstreamPeerUriSan: e.upstreamPeerUriSan ?? null} : {})}}
}

/** The exit proxy's line on how it left the mesh: its upstream TLS fields, else the port and SNI. */
function outerEvidence(hop: Hop): EvidenceInit {
  const e = hop.entry
  const name = who(hop)
  const proven = hop.upstreamProven
  const clientCert = upstreamClientCertificate(e)
  const to = `${e.upstreamHost ?? '-'} via ${clusterText(hop.cluster)}`
  const fact =
    hop.upstream === 'tls-passthrough'
      ? `the ${name} passed the app's TLS through to ${to} (TCP "- - -", SNI ${e.requestedServerName})`
      : hop.upstream === 'plaintext'
        ? proven
          ? `the ${name} sent plain HTTP to ${to} (UPSTREAM_TLS_VERSION empty)`
          : `the ${name} sent HTTP to ${to}: port ${hop.upstreamPort} carries no TLS`
        : proven
          ? `the ${name} originated ${e.upstreamTlsVersion ?? 'TLS'} to ${to}${clientCert ? ` presenting client certificate ${clientCert}` : ''}${e.upstreamPeerUriSan || e.upstreamPeerSubject ? `; server ${e.upstreamPeerUriSan ?? e.upstreamPeerSubject}` : ''}`
          : `the ${name} read HTTP and sent it to ${to}: port ${hop.upstreamPort} (UPSTREAM_HOST, not the cluster's port), so it originated TLS`
  const fields: Fields = {upstreamHost: e.upstreamHost ?? null, upstreamCluster: e.upstreamCluster ?? null}
  if (hop.kind === 'tcp') fields.requestedServerName = e.requestedServerName ?? null
  else fields.protocol = e.protocol ?? null
  if (proven) {
    fields.upstreamTlsVersion = e.upstreamTlsVersion ?? null
    if (e.upstreamPeerUriSan || e.upstreamPeerSubject) fields.upstreamPeer = e.upstreamPeerUriSan ?? e.upstreamPeerSubject ?? null
    if (clientCert) fields.upstreamLocalCertificate = clientCert
  }
  return {ref: hop.ref, fact, fields}
}

const headerRef = (h: HeaderEvidence, header: string, line?: number): string => `${header} @ ${h.source.input}:${line ?? h.source.line}`

/** What an echoed header set says: the headers module's conclusions, read as facts. */
export function observeHeaders(h: HeaderEvidence): Observation[] {
  const out: Observation[] = []
  const claims = new Set(h.conclusions.map((c) => c.claim))
  // The echo service received the request: it went through.
  if (h.kind === 'echo') {
    out.push(obs('outcome', 'completed', 'headers', () => ({ref: `${h.source.input}:${h.source.line}`, kind: 'header', fact: 'the echo service received the request (these are the headers it saw)', fields: {host: h.headers.find((f) => f.name.toLowerCase() === 'host')?.value ?? null}}), 'proven'))
  }
  for (const c of h.conclusions) {
    const ref = headerRef(h, c.source.header, c.source.line)
    const ev = (fields: Fields) => () => ({ref, kind: 'header' as const, fact: c.reason, fields})
    switch (c.claim) {
      case 'last-hop-gateway':
        out.push(obs('path', 'gateway', 'headers', ev({peerId: h.peerId ? `${h.peerId.type}~${h.peerId.ip}~${h.peerId.id}` : null}), 'proven'))
        break
      case 'last-hop-sidecar':
        out.push(obs('path', 'direct', 'headers', ev({peerId: h.peerId ? `${h.peerId.type}~${h.peerId.ip}~${h.peerId.id}` : null}), 'proven'))
        break
      case 'via-gateway':
        if (!claims.has('last-hop-gateway')) out.push(obs('path', 'gateway', 'headers', ev({envoyInternal: true}), 'inferred', true))
        break
      case 'mtls-hop': {
        const el = h.xfcc?.[0]
        out.push(obs('inner', 'mtls', 'headers', ev({by: el?.by ?? null, uri: el?.uri[0] ?? null, hashMatches: el?.hashMatches ?? null}), 'proven'))
        break
      }
      case 'left-tls-originated':
        out.push(obs('outer', 'tls-originated', 'headers', ev({decoratorOperation: decorator(h)}), 'inferred'))
        break
      case 'left-plaintext':
        out.push(obs('outer', 'plaintext', 'headers', ev({decoratorOperation: decorator(h)}), 'inferred'))
        break
    }
  }
  // A gateway sets XFCC only for a client that presented a certificate (SANITIZE_SET): none means no mTLS
  // into it — unless forwardClientCertDetails was changed, hence a rule of thumb.
  if (claims.has('last-hop-gateway') && !claims.has('mtls-hop') && h.kind === 'echo') {
    out.push(obs('inner', 'plaintext', 'headers', () => ({ref: headerRef(h, 'X-Forwarded-Client-Cert'), kind: 'header', fact: 'no X-Forwarded-Client-Cert although a gateway forwarded it: the gateway had no client certificate from the sidecar (its default SANITIZE_SET adds XFCC only for mTLS)', fields: {xForwardedClientCert: null}}), 'inferred', true))
  }
  return out
}

const decorator = (h: HeaderEvidence): string | null =>
  h.decoratorOperation ? `${h.decoratorOperation.host}:${h.decoratorOperation.port ?? ''}${h.decoratorOperation.path ?? ''}` : null
