// X-Envoy-Peer-Metadata-Id: the sending proxy's Envoy node id, `TYPE~IP~POD.NS~NS.svc.cluster.local`
// (pilot-agent builds it; brief §5.1). TYPE says what kind of proxy spoke last: `router` is a gateway.

import {ok, skippedWith, type Parsed} from '../result.js'
import {PEER_PROXY_TYPES, type PeerId, type PeerProxyType} from './types.js'

const WHAT = 'peer id'

/** Splits a node id into {type, ip, id, pod, namespace, domain}. Never throws. */
export function decodePeerId(value: string): Parsed<PeerId> {
  const text = value.trim()
  if (text === '') return skippedWith('bad-field', `${WHAT}: empty value`)
  const parts = text.split('~')
  if (parts.length !== 4) {
    return skippedWith('bad-field', `${WHAT}: expected TYPE~IP~POD.NAMESPACE~DOMAIN, found ${parts.length} fields`)
  }
  const [type, ip, id, domain] = parts as [string, string, string, string]
  if (!isProxyType(type)) {
    return skippedWith('bad-field', `${WHAT}: unknown proxy type ${JSON.stringify(type)} (expected ${PEER_PROXY_TYPES.join(', ')})`)
  }
  if (!isIpAddress(ip)) return skippedWith('bad-field', `${WHAT}: ${JSON.stringify(ip)} in field 2 is not an IP address`)
  // Namespaces are DNS labels and have no dots; pod names may, so the namespace is after the last dot.
  const dot = id.lastIndexOf('.')
  if (dot <= 0 || dot === id.length - 1 || !DNS_NAME.test(id)) {
    return skippedWith('bad-field', `${WHAT}: ${JSON.stringify(id)} in field 3 is not POD.NAMESPACE`)
  }
  if (domain === '') return skippedWith('bad-field', `${WHAT}: field 4 (the DNS domain) is empty`)
  if (!DNS_NAME.test(domain)) return skippedWith('bad-field', `${WHAT}: ${JSON.stringify(domain)} in field 4 is not a DNS domain`)
  return ok({type, ip, id, pod: id.slice(0, dot), namespace: id.slice(dot + 1), domain})
}

// Kubernetes object names and DNS domains: letters, digits, dots, dashes (and `_`, which some VMs use).
const DNS_NAME = /^[A-Za-z0-9_.-]+$/

const isProxyType = (s: string): s is PeerProxyType => (PEER_PROXY_TYPES as readonly string[]).includes(s)

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/
// Loose on purpose: an IPv6 address is hex groups and colons (maybe a trailing dotted quad); the
// node id carries it as the agent printed it.
const IPV6 = /^[0-9a-fA-F:]*:[0-9a-fA-F:.]*$/

export function isIpAddress(s: string): boolean {
  return IPV4.test(s) || (s.length <= 45 && IPV6.test(s))
}
