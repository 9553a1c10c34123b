// What the headers alone support (brief §5–§7, scenario matrix §10). Each conclusion names the header it
// rests on, so a report can cite `capture:line`. Only header sets an echo service received get them: a
// client's own request headers (curl -v `>`) or a response say nothing about how the request left.

import {splitHostPort} from './envoy-headers.js'
import {firstHeader} from './header-set.js'
import type {Claim, Conclusion, HeaderEvidence, HeaderField, PeerId, PeerMetadata, XfccElement} from './types.js'

type Evidence = Omit<HeaderEvidence, 'conclusions'>

const MX = 'X-Envoy-Peer-Metadata'
const MX_ID = 'X-Envoy-Peer-Metadata-Id'
const XFCC = 'X-Forwarded-Client-Cert'
const DECORATOR = 'X-Envoy-Decorator-Operation'

export function concludeFromHeaders(e: Evidence, external?: boolean): Conclusion[] {
  if (e.kind !== 'echo' && e.kind !== 'headers') return []
  const out: Conclusion[] = []
  const add = (claim: Claim, reason: string, header: string) => {
    const field = firstHeader(e.headers, header)
    out.push({claim, reason, source: {header: field?.name ?? header, line: field?.line ?? e.source.line}})
  }
  concludeLastHop(e, add)
  concludeXfcc(e.xfcc ?? [], add)
  concludeExitPort(e, add)
  concludeMetadata(e, external ?? isExternalHost(hostOf(e.headers)), add)
  return out
}

type Add = (claim: Claim, reason: string, header: string) => void

// ---- who spoke last ---------------------------------------------------------------------------------

function concludeLastHop(e: Evidence, add: Add): void {
  if (e.peerId) addPeerIdHop(e.peerId, add)
  else if (e.peerMetadata) addMetadataHop(e.peerMetadata, add)
  if (e.envoyInternal === true) {
    add('via-gateway', 'X-Envoy-Internal: true is set only by an Envoy that trusts the remote address (use_remote_address), which in Istio is a gateway, not a sidecar\'s outbound listener', 'X-Envoy-Internal')
  }
}

function addPeerIdHop(id: PeerId, add: Add): void {
  const who = `pod ${id.pod} in ${id.namespace}, ${id.ip}`
  switch (id.type) {
    case 'router':
      add('last-hop-gateway', `${MX_ID} starts with router~: a gateway (${who}) was the last Envoy before this service, so the request left the mesh through it`, MX_ID)
      return
    case 'sidecar':
      add('last-hop-sidecar', `${MX_ID} starts with sidecar~: the last Envoy before this service was a sidecar (${who}), not a gateway`, MX_ID)
      return
    case 'waypoint':
      add('last-hop-waypoint', `${MX_ID} starts with waypoint~: an ambient waypoint (${who}) was the last Envoy before this service`, MX_ID)
      return
    case 'ztunnel':
      add('last-hop-ztunnel', `${MX_ID} starts with ztunnel~: ztunnel (${who}) was the last proxy before this service`, MX_ID)
  }
}

/** Without the id, the Struct's labels tell a gateway (istio=…gateway) from a workload's sidecar. */
function addMetadataHop(md: PeerMetadata, add: Add): void {
  const labels = md.LABELS !== null && typeof md.LABELS === 'object' && !Array.isArray(md.LABELS) ? md.LABELS : {}
  const name = typeof md.NAME === 'string' ? md.NAME : 'unnamed'
  const ns = typeof md.NAMESPACE === 'string' ? md.NAMESPACE : 'an unknown namespace'
  const istioLabel = typeof labels.istio === 'string' ? labels.istio : ''
  const gatewayName = labels['gateway.networking.k8s.io/gateway-name']
  if (istioLabel.endsWith('gateway') || typeof gatewayName === 'string') {
    add('last-hop-gateway', `${MX} names ${name} in ${ns}, labelled as a gateway (${istioLabel ? `istio=${istioLabel}` : `gateway-name=${String(gatewayName)}`}): the request left the mesh through it`, MX)
  } else {
    add('last-hop-sidecar', `${MX} names workload ${name} in ${ns} with no gateway label: the last Envoy was its sidecar`, MX)
  }
}

// ---- XFCC -------------------------------------------------------------------------------------------

function concludeXfcc(elements: readonly XfccElement[], add: Add): void {
  elements.forEach((el, i) => {
    const where = `XFCC element ${i + 1}`
    const client = el.uri[0] ?? el.certificate?.uris[0] ?? (el.subject ? `subject ${JSON.stringify(el.subject)}` : 'an unnamed client certificate')
    const server = el.by ?? 'a proxy that did not name itself'
    add('mtls-hop', `${where}: ${server} (By) received this request over mutual TLS from ${client} (URI); Envoy adds an element only for a client that presented a certificate`, XFCC)
    if (el.hashMatches === false) {
      const leaf = el.certificate ?? el.chainCertificates[0]
      add('xfcc-hash-mismatch', `${where}: Hash ${el.hash ?? ''} is not the SHA-256 of its certificate (${leaf?.sha256 ?? '?'}): the element was altered or assembled by hand`, XFCC)
    }
    const cert = el.certificate
    if (cert && (cert.expired || cert.notYetValid)) {
      add('xfcc-cert-expired', `${where}: the client certificate (serial ${cert.serial}) is valid ${cert.validFrom} to ${cert.validTo}, not at ${cert.checkedAt}`, XFCC)
    }
  })
}

// ---- where it left ----------------------------------------------------------------------------------

function concludeExitPort(e: Evidence, add: Add): void {
  const op = e.decoratorOperation
  if (!op || op.port === null) return
  const target = `${op.host}:${op.port}`
  const read = 'the last Envoy read the request as plain HTTP (it added these headers)'
  if (op.port === 443) {
    add('left-tls-originated', `${DECORATOR} routes to ${target}: ${read} and sent it to port 443, so it originated TLS`, DECORATOR)
  } else if (op.port === 80) {
    add('left-plaintext', `${DECORATOR} routes to ${target}: ${read} and sent it to port 80, so plain HTTP left the mesh — unless a ServiceEntry maps port 80 to a TLS targetPort with a DestinationRule originating TLS, which no header shows`, DECORATOR)
  } else {
    add('left-on-port', `${DECORATOR} routes to ${target}: ${read} and sent it to port ${op.port}; the headers do not show whether TLS was originated`, DECORATOR)
  }
}

// ---- metadata exchange ------------------------------------------------------------------------------

function concludeMetadata(e: Evidence, external: boolean, add: Add): void {
  const md = firstHeader(e.headers, MX)
  const id = firstHeader(e.headers, MX_ID)
  if (md || id) {
    if (!external) return
    const host = hostOf(e.headers) ?? 'this service'
    add('metadata-leaked', `${md ? MX : MX_ID} reached ${host}, outside the mesh: it discloses ${describeDisclosure(e)} (metadataExchangeHeaders mode IN_MESH stops it)`, md ? MX : MX_ID)
    return
  }
  const envoySeen = e.headers.some((h) => h.name.toLowerCase().startsWith('x-envoy-'))
  const reason = envoySeen
    ? `no ${MX} or ${MX_ID}, though an Envoy handled the request (X-Envoy-* headers are present): the mesh stripped metadata at the edge (metadataExchangeHeaders IN_MESH). This does not mean there was no sidecar`
    : `no ${MX}, ${MX_ID} or any X-Envoy-* header: either the mesh strips them at the edge, or TLS passed through it unread (SNI passthrough, or the app's own TLS). This does not mean there was no sidecar`
  add('no-metadata-headers', reason, MX)
}

function describeDisclosure(e: Evidence): string {
  const md = e.peerMetadata
  const parts: string[] = []
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined)
  const pod = str(md?.NAME) ?? e.peerId?.pod
  const ns = str(md?.NAMESPACE) ?? e.peerId?.namespace
  const ips = str(md?.INSTANCE_IPS) ?? e.peerId?.ip
  if (pod) parts.push(`pod ${pod}`)
  if (ns) parts.push(`namespace ${ns}`)
  if (ips) parts.push(`IP ${ips}`)
  if (str(md?.ISTIO_VERSION)) parts.push(`Istio ${str(md?.ISTIO_VERSION)}`)
  if (str(md?.CLUSTER_ID)) parts.push(`cluster ${str(md?.CLUSTER_ID)}`)
  return parts.length > 0 ? parts.join(', ') : 'the sending proxy\'s node metadata'
}

/** Host, or HTTP/2's :authority, without the port. */
function hostOf(headers: readonly HeaderField[]): string | undefined {
  const value = (firstHeader(headers, 'Host') ?? firstHeader(headers, ':authority'))?.value.trim()
  if (!value) return undefined
  return splitHostPort(value)?.host ?? value
}

/**
 * Whether a Host is outside the mesh: cluster-local names (single label, *.svc, *.cluster.local, *.local,
 * *.internal) and private or loopback addresses are in; anything else is out. Unknown (no Host) is not
 * called external: a leak claim needs a destination.
 */
export function isExternalHost(host: string | undefined): boolean {
  if (!host) return false
  const h = host.toLowerCase().replace(/\.$/, '')
  if (h.includes(':')) return !/^(::1|f[cd]|fe[89ab])/.test(h) // IPv6: loopback, ULA, link-local are in
  const v4 = /^(\d+)\.(\d+)\.\d+\.\d+$/.exec(h)
  if (v4) return !isPrivateV4(Number(v4[1]), Number(v4[2]))
  if (!h.includes('.') || h === 'localhost' || h.includes('.svc.')) return false
  return !/\.(svc|cluster\.local|local|internal|localhost)$/.test(h)
}

const isPrivateV4 = (a: number, b: number) =>
  a === 10 || a === 127 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254) || (a === 100 && b >= 64 && b <= 127)
