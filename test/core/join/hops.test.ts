import {describe, expect, test} from 'vitest'

import {toHop} from '../../../src/core/join/hops.js'
import {SEED, entry} from './fixtures.js'

const GW_POD = '[pod/istio-egressgateway-75c5457c56-htpvz/istio-proxy] '
const CURL = '[pod/curl/istio-proxy] '
// The egress-audit preset: Istio's fields plus TLS versions and peer certificates.
const PROVEN_GW = '[2024-06-21T20:05:10.410Z] "GET /headers HTTP/1.1" 200 - via_upstream - "-" 0 2997 90 89 "10.244.0.7" "curl/7.83.1-DEV" "7a41c0de-2b6f-4e0a-9d1c-55e8a7b3f201" "httpbin.org" "3.211.196.247:443" outbound|443||httpbin.org 10.244.0.6:39870 10.244.0.6:8443 10.244.0.7:47012 httpbin.org - TLSv1.2 "-" "CN=httpbin.org" TLSv1.3 "spiffe://cluster.local/ns/default/sa/default" "-"'
const PROVEN_SC = '[2024-06-21T20:05:10.402Z] "GET /headers HTTP/1.1" 200 - via_upstream - "-" 0 2997 98 98 "-" "curl/7.83.1-DEV" "7a41c0de-2b6f-4e0a-9d1c-55e8a7b3f201" "httpbin.org" "10.244.0.6:8443" outbound|443||istio-egressgateway.istio-system.svc.cluster.local 10.244.0.7:47012 3.213.1.197:80 10.244.0.7:47010 - - TLSv1.3 "spiffe://cluster.local/ns/istio-system/sa/istio-egressgateway-service-account" "-" - "-" "-"'
const BLACKHOLE_JSON = '{"start_time":"2021-06-10T08:35:43.578Z","response_code":0,"upstream_cluster":null,"response_flags":"UH","downstream_local_address":"13.249.75.75:443","downstream_remote_address":"10.1.2.3:40000","upstream_host":null,"bytes_sent":0,"bytes_received":0,"duration":0,"requested_server_name":null,"method":null,"upstream_local_address":null}'

describe('who wrote the line', () => {
  test.each([
    {name: 'kubectl prefix names the egress gateway', line: GW_POD + SEED.gwHttp, role: 'egress-gateway', basis: 'pod-name', guessed: false},
    {name: 'kubectl prefix names a workload', line: `${CURL}${SEED.blogSidecar}`, role: 'sidecar', basis: 'pod-name', guessed: false},
    {name: 'an ingress gateway pod', line: `[pod/istio-ingressgateway-5d9c8f8f8-abcde/istio-proxy] ${SEED.gwHttp}`, role: 'ingress-gateway', basis: 'pod-name', guessed: false},
    {name: 'no pod: addressed itself on 8080, routing outside', line: SEED.gwHttp, role: 'egress-gateway', basis: 'listener', guessed: false},
    {name: 'no pod: a cluster naming the egress gateway makes a sidecar', line: SEED.blogSidecar, role: 'sidecar', basis: 'cluster', guessed: false},
    {name: 'no pod: BlackHoleCluster is a sidecar catch-all', line: '[2023-05-12T09:01:02.003Z] "- - -" 0 UH - - "-" 0 0 0 - "-" "-" "-" "-" "-" BlackHoleCluster - 3.5.1.2:443 10.1.2.3:40000 sqa.ory.sh -', role: 'sidecar', basis: 'cluster', guessed: false},
    {name: 'no pod: the listener is an external address the app dialled', line: BLACKHOLE_JSON, role: 'sidecar', basis: 'listener', guessed: false},
    {name: 'no pod, no upstream, NR on 8443: a guess', line: '[2022-10-12T05:43:16.541Z] "- - -" 0 NR filter_chain_not_found - "-" 0 0 1 - "-" "-" "-" "-" "-" - - 172.17.0.4:8443 172.17.0.1:35812 - -', role: 'egress-gateway', basis: 'listener', guessed: true},
    {name: 'no pod, XFF set, no upstream local address: a guess', line: '[2022-05-10T21:51:49.396Z] "HEAD / HTTP/2" 403 - rbac_access_denied_matched_policy[ns[istio-system]-policy[external-deny-developer-yahoo-com]-rule[0]] - "-" 0 0 0 - "10.100.0.6" "curl/7.83.0-DEV" "a503ba03-f09a-914d-85a4-995a0c1d5b16" "developer.yahoo.com" "-" outbound|443||developer.yahoo.com - 10.100.2.6:8080 10.100.0.6:58370 developer.yahoo.com -', role: 'egress-gateway', basis: 'fields', guessed: true},
  ])('$name', ({line, role, basis, guessed}) => {
    const hop = toHop(entry(line))
    expect(hop.role).toBe(role)
    expect(hop.roleBasis).toBe(basis)
    expect(hop.roleGuessed).toBe(guessed)
  })

  test('--gateway-pod names a gateway whose pod name does not say so', () => {
    const hop = toHop(entry(`[pod/edge-out-7d9f8b6c4d-m5wlt/istio-proxy] ${SEED.gwHttp}`), {gatewayPods: ['edge-out-*']})
    expect(hop).toMatchObject({role: 'egress-gateway', roleBasis: 'flag-pod', roleGuessed: false})
  })

  test('a pod name that reads as a workload but a gateway listener: kept, but flagged as a guess', () => {
    const hop = toHop(entry(`[pod/edge-out-7d9f8b6c4d-m5wlt/istio-proxy] ${SEED.gwHttp}`))
    expect(hop).toMatchObject({role: 'sidecar', roleGuessed: true})
    expect(hop.roleReason).toContain('--gateway-pod')
  })

  test('--gateway-address marks the listener as the gateway, and a sidecar upstream to it as toGateway', () => {
    const gw = toHop(entry(SEED.gwHttp.replace(/10\.244\.0\.6:8080/, '10.244.0.6:9090')), {gatewayAddresses: ['10.244.0.6']})
    expect(gw).toMatchObject({role: 'egress-gateway', roleBasis: 'flag-address'})
    const sc = toHop(entry(`${CURL}${SEED.blogSidecar.replace('outbound|80|google|istio-egressgateway.istio-system.svc.cluster.local', 'outbound|80||edge.example')}`), {gatewayAddresses: ['10.100.2.6:8080']})
    expect(sc.toGateway).toBe(true)
  })
})

describe('what the fields say of the transport', () => {
  test.each([
    {name: 'gateway, 8080, no SNI, upstream :80 (seed 001 HTTP)', line: GW_POD + SEED.gwHttp, down: 'plaintext', up: 'plaintext', proven: false},
    {name: 'gateway, 8080, upstream :443: TLS originated (seed 001)', line: GW_POD + SEED.gwOrig, down: 'plaintext', up: 'tls-originated', proven: false},
    {name: 'gateway, 8443 with SNI then HTTP: mTLS terminated (seed 001)', line: GW_POD + SEED.gwMtlsOrig, down: 'mtls', up: 'tls-originated', proven: false},
    {name: 'gateway TCP with SNI: passthrough (seed 001)', line: GW_POD + SEED.gwPass, down: 'tls', up: 'tls-passthrough', proven: false},
    {name: 'gateway, mTLS in, :80 out (seed 001, 1.19.3)', line: GW_POD + SEED.gwMtlsPlain, down: 'mtls', up: 'plaintext', proven: false},
    {name: 'sidecar to the gateway on 8080: plaintext (BLOG22)', line: CURL + SEED.blogSidecar, down: 'plaintext', up: 'plaintext', proven: false},
    {name: 'TLS fields prove both sides at the gateway', line: GW_POD + PROVEN_GW, down: 'mtls', up: 'tls-originated', proven: true},
    {name: "TLS fields prove the sidecar's mTLS to the gateway", line: CURL + PROVEN_SC, down: 'plaintext', up: 'mtls-originated', proven: true},
    {name: 'BlackHoleCluster: nothing upstream', line: '[2023-05-12T09:01:02.003Z] "- - -" 0 UH - - "-" 0 0 0 - "-" "-" "-" "-" "-" BlackHoleCluster - 3.5.1.2:443 10.1.2.3:40000 sqa.ory.sh -', down: 'tls', up: 'none', proven: false},
  ])('$name', ({line, down, up, proven}) => {
    const hop = toHop(entry(line))
    expect(hop.downstream).toBe(down)
    expect(hop.upstream).toBe(up)
    expect(hop.upstreamProven).toBe(proven)
  })

  test("UPSTREAM_HOST's port decides, not the cluster's (ServiceEntry targetPort 80→443)", () => {
    const hop = toHop(entry('[2024-06-21T20:10:00.000Z] "GET / HTTP/1.1" 200 - via_upstream - "-" 0 615 4 3 "-" "curl/7.83.1-DEV" "f40babf1-4e95-41f9-b0fb-6874dc3c3dbb" "my-nginx.mesh-external.svc.cluster.local" "10.107.176.65:443" outbound|80||my-nginx.mesh-external.svc.cluster.local 10.244.1.12:38588 10.107.176.65:80 10.244.1.12:51246 - default'))
    expect(hop.cluster).toMatchObject({port: 80})
    expect(hop.upstreamPort).toBe(443)
    expect(hop.upstream).toBe('tls-originated')
  })

  test('a client certificate in a custom field makes the origination mutual, proven', () => {
    const line = '{"start_time":"2022-05-19T10:01:06.795Z","method":"GET","protocol":"HTTP/1.1","response_code":200,"upstream_host":"10.107.176.65:443","upstream_cluster":"outbound|80||my-nginx.mesh-external.svc.cluster.local","upstream_local_address":"10.244.1.12:52418","downstream_local_address":"10.107.176.65:80","downstream_remote_address":"10.244.1.12:52416","upstream_tls_version":"TLSv1.3","upstream_local_subject":"CN=client.example.com"}'
    expect(toHop(entry(line))).toMatchObject({upstream: 'mtls-originated', upstreamProven: true})
  })

  test('START_TIME + DURATION is the end: Envoy writes the line then', () => {
    const hop = toHop(entry(SEED.gwHttp))
    expect(hop.endMs! - hop.startMs!).toBe(57)
    expect(hop.ref).toBe('test.log:1')
  })
})
