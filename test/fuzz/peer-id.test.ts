// X-Envoy-Peer-Metadata-Id (src/core/headers/peer-id.ts): `TYPE~IP~POD.NAMESPACE~DOMAIN`. Any value
// splits into fields that join back to it, or is an error naming the header, never a throw; and every
// node id pilot-agent may write splits into the fields it was written from (a round trip).

import {deepStrictEqual} from 'node:assert/strict'

import fc from 'fast-check'

import {decodePeerId, isIpAddress} from '../../src/core/headers/peer-id.js'
import {PEER_PROXY_TYPES} from '../../src/core/headers/types.js'
import {PEER_ID_VALUES} from './corpus.js'
import {check} from './entries.js'
import {fuzz} from './fuzz.js'
import {anyText, mutated} from './mutate.js'

const PIECES = ['~', '~~', 'sidecar', 'router', 'waypoint', 'ztunnel', '10.0.0.1', '256.1.1.1', '::1', 'fe80::1%eth0', '.', '..', 'pod', 'ns', 'svc.cluster.local', '-', '_', ' ', '\t', 'é', '\x1b']
const anyId = fc.oneof(anyText(120), mutated(PEER_ID_VALUES), fc.array(fc.constantFrom(...PIECES), {maxLength: 12}).map((a) => a.join('')))

fuzz('any value: fields that join back to it (pod.namespace, an IP, a known type), or an error naming the header',
  fc.property(anyId, (value) => {
    const r = decodePeerId(value)
    if (!r.ok) return check(r.reason === 'bad-field' && /^peer id: /.test(r.detail ?? ''), () => `error ${JSON.stringify(r)}`)
    const {type, ip, id, pod, namespace, domain} = r.value
    check(`${type}~${ip}~${id}~${domain}` === value.trim(), () => `${JSON.stringify(r.value)} does not join back to ${JSON.stringify(value)}`)
    check(`${pod}.${namespace}` === id && pod !== '' && namespace !== '' && !namespace.includes('.'), () => `id ${JSON.stringify(id)} split as ${pod} / ${namespace}`)
    check(PEER_PROXY_TYPES.includes(type) && isIpAddress(ip) && domain !== '', () => `fields ${JSON.stringify(r.value)}`)
  }))

const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,14}[a-z0-9])?$/)
const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((o) => o.join('.'))
const ipv6 = fc.array(fc.integer({min: 0, max: 0xffff}).map((n) => n.toString(16)), {minLength: 8, maxLength: 8}).map((g) => g.join(':'))

fuzz('every node id pilot-agent writes splits into the fields it was written from',
  fc.property(
    fc.record({
      type: fc.constantFrom(...PEER_PROXY_TYPES),
      ip: fc.oneof(ipv4, ipv6, fc.constantFrom('::1', '::ffff:10.0.0.1')),
      // Pod names may hold dots (StatefulSet-free VMs, `name.with.dots`); namespaces never do.
      pod: fc.oneof(label, fc.tuple(label, label).map(([a, b]) => `${a}.${b}`)),
      namespace: label,
      domain: fc.oneof(label.map((ns) => `${ns}.svc.cluster.local`), fc.constant('svc.cluster.local')),
    }),
    fc.constantFrom('', ' ', '\t'),
    ({type, ip, pod, namespace, domain}, pad) => {
      const id = `${pod}.${namespace}`
      deepStrictEqual(decodePeerId(`${pad}${type}~${ip}~${id}~${domain}${pad}`), {ok: true, value: {type, ip, id, pod, namespace, domain}})
    },
  ))
