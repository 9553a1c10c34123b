import {describe, expect, test} from 'vitest'

import {decodePeerId} from '../../../src/core/headers/index.js'
import {SCENARIOS, seedHeaders} from './fixtures.js'

describe('seed 001 peer ids', () => {
  const SIDECAR = {type: 'sidecar', ip: '10.244.0.7', id: 'curl.default', pod: 'curl', namespace: 'default', domain: 'default.svc.cluster.local'}
  const GATEWAY_75 = {
    type: 'router',
    ip: '10.244.0.6',
    id: 'istio-egressgateway-75c5457c56-htpvz.istio-system',
    pod: 'istio-egressgateway-75c5457c56-htpvz',
    namespace: 'istio-system',
    domain: 'istio-system.svc.cluster.local',
  }
  const GATEWAY_66 = {...GATEWAY_75, id: 'istio-egressgateway-6646f879b8-dfx7v.istio-system', pod: 'istio-egressgateway-6646f879b8-dfx7v'}
  const want: Record<(typeof SCENARIOS)[number], object | undefined> = {
    'direct-http': SIDECAR,
    'gateway-http': GATEWAY_75,
    'gateway-originated': GATEWAY_75,
    'gateway-mtls-originated': GATEWAY_75,
    'gateway-passthrough': undefined, // app TLS passed through: no metadata headers at all
    'gateway-mtls-plaintext': GATEWAY_66,
  }
  test.each(SCENARIOS.map((scenario) => ({scenario})))('$scenario', ({scenario}) => {
    const value = seedHeaders(scenario)['X-Envoy-Peer-Metadata-Id']
    if (want[scenario] === undefined) return expect(value).toBeUndefined()
    expect(decodePeerId(value as string)).toEqual({ok: true, value: want[scenario]})
  })
})

describe('other proxy types and shapes', () => {
  test.each([
    {value: 'waypoint~10.244.1.9~waypoint-7d9c8b7c5d-x2x9k.egress~egress.svc.cluster.local', type: 'waypoint', pod: 'waypoint-7d9c8b7c5d-x2x9k', namespace: 'egress'},
    {value: 'ztunnel~10.244.1.2~ztunnel-4h8kq.istio-system~istio-system.svc.cluster.local', type: 'ztunnel', pod: 'ztunnel-4h8kq', namespace: 'istio-system'},
    {value: 'sidecar~fd00:10:244::7~curl.default~default.svc.cluster.local', type: 'sidecar', pod: 'curl', namespace: 'default'},
    {value: 'sidecar~10.0.0.1~my.dotted.pod.team-a~team-a.svc.cluster.local', type: 'sidecar', pod: 'my.dotted.pod', namespace: 'team-a'},
  ])('$type $pod', ({value, type, pod, namespace}) => {
    expect(decodePeerId(value)).toMatchObject({ok: true, value: {type, pod, namespace}})
  })
})

describe('bad ids say what is wrong', () => {
  test.each([
    {value: '', want: 'peer id: empty value'},
    {value: 'sidecar~10.244.0.7~curl.default', want: 'peer id: expected TYPE~IP~POD.NAMESPACE~DOMAIN, found 3 fields'},
    {value: 'ingress~10.244.0.7~curl.default~default.svc.cluster.local', want: 'peer id: unknown proxy type "ingress" (expected sidecar, router, waypoint, ztunnel)'},
    {value: 'sidecar~not-an-ip~curl.default~default.svc.cluster.local', want: 'peer id: "not-an-ip" in field 2 is not an IP address'},
    {value: 'sidecar~10.244.0.999~curl.default~default.svc.cluster.local', want: 'peer id: "10.244.0.999" in field 2 is not an IP address'},
    {value: 'sidecar~10.244.0.7~curl~default.svc.cluster.local', want: 'peer id: "curl" in field 3 is not POD.NAMESPACE'},
    {value: 'sidecar~10.244.0.7~curl.~default.svc.cluster.local', want: 'peer id: "curl." in field 3 is not POD.NAMESPACE'},
    {value: 'sidecar~10.244.0.7~curl.default~', want: 'peer id: field 4 (the DNS domain) is empty'},
    {value: 'side\u001b[31mcar~1.2.3.4~a.b~c', want: 'peer id: unknown proxy type "side\\u001b[31mcar" (expected sidecar, router, waypoint, ztunnel)'},
  ])('$value', ({value, want}) => expect(decodePeerId(value)).toEqual({ok: false, reason: 'bad-field', detail: want}))
})
