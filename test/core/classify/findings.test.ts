import {describe, expect, test} from 'vitest'

import {analyzeEntries} from '../../../src/core/analyze.js'
import {FINDING_SEVERITY} from '../../../src/core/classify/findings.js'
import {buildHeaderEvidence, parseCapture} from '../../../src/core/headers/index.js'
import type {Finding, FindingKind} from '../../../src/core/model.js'
import {SEVERITIES} from '../../../src/core/model.js'
import {demoInputs, entriesOf, entry, readHeaders} from '../join/fixtures.js'

const {sidecar, gateway, headers} = demoInputs()
const demo = analyzeEntries([...sidecar, ...gateway], {headers})
const ofKind = (findings: Finding[], kind: FindingKind) => findings.filter((f) => f.kind === kind)
const S = (n: number) => `fixtures/demo/sidecar.log:${n}`
const G = (n: number) => `fixtures/demo/gateway.log:${n}`

describe('findings of the demo', () => {
  test('every severity appears, most severe first', () => {
    const severities = demo.findings.map((f) => f.severity)
    for (const s of SEVERITIES) expect(severities).toContain(s)
    expect([...severities].sort((a, b) => SEVERITIES.indexOf(a) - SEVERITIES.indexOf(b))).toEqual(severities)
  })

  test.each([
    {kind: 'plaintext-left-mesh', chains: [[S(6)], [`${S(8)}+${G(2)}`], [`${S(15)}+${G(8)}`, `${S(16)}+${G(9)}`], [S(17)]]},
    {kind: 'bypassed-gateway', chains: [[S(1), S(2)], [S(3)], [S(6)], [S(7)]]},
    {kind: 'plaintext-to-gateway', chains: [[`${S(8)}+${G(2)}`], [`${S(9)}+${G(3)}`], [G(1)]]},
    {kind: 'passthrough-egress', chains: [[S(17)], [S(18)]]},
    {kind: 'blocked-attempt', chains: [[S(4)], [S(5)]]},
    {kind: 'double-encryption', chains: [[`${S(13)}+${G(6)}`]]},
    {kind: 'upstream-tls-failure', chains: [[S(1)]]},
    {kind: 'xfcc-hash-mismatch', chains: [[`${S(16)}+${G(9)}`]]},
    {kind: 'unclassified', chains: [[S(12)]]},
  ] satisfies {kind: FindingKind; chains: string[][]}[])('$kind cites the right chains', ({kind, chains}) => {
    const found = ofKind(demo.findings, kind)
    expect(found.map((f) => f.chains).sort()).toEqual([...chains].sort())
    for (const f of found) {
      expect(f.severity).toBe(FINDING_SEVERITY[kind])
      expect(f.evidence.length).toBeGreaterThan(0)
      expect(f.count).toBe(f.chains.length)
    }
  })

  test('mesh metadata leaked by three proxies: the sidecar and two gateway pods', () => {
    const leaks = ofKind(demo.findings, 'metadata-leaked')
    expect(leaks.map((f) => [f.source, f.count]).sort()).toEqual([
      ['curl.default', 1],
      ['istio-egressgateway-6646f879b8-dfx7v.istio-system', 2],
      ['istio-egressgateway-75c5457c56-htpvz.istio-system', 3],
    ])
    expect(leaks[0]!.evidence[0]!.ref).toMatch(/^X-Envoy-Peer-Metadata @ fixtures\/demo\/headers\.json:\d+$/)
  })

  test("upstream TLS failures carry Envoy's reason", () => {
    const [f] = ofKind(demo.findings, 'upstream-tls-failure')
    expect(f!.detail).toContain('SSLV3_ALERT_HANDSHAKE_FAILURE')
    expect(f!.detail).toContain('client certificate')
  })

  test('the default policy: everything but gateway-mtls-originated, gateway-passthrough and blocked is a high violation', () => {
    const violations = ofKind(demo.findings, 'policy-violation')
    expect(violations.every((f) => f.severity === 'high')).toBe(true)
    const verdicts = new Set(violations.map((f) => f.title.split(' ')[1]))
    expect(verdicts).toEqual(new Set(['gateway-originated', 'sidecar-originated', 'passthrough-cluster', 'direct-tls', 'gateway-plaintext', 'direct-plaintext', 'gateway-mtls-plaintext', 'sidecar-mtls-originated']))
  })

  test('wording: observed, never enforced', () => {
    for (const f of demo.findings) expect(`${f.title} ${f.detail}`).not.toMatch(/\benforced\b/i)
    expect(ofKind(demo.findings, 'plaintext-left-mesh')[0]!.detail).toMatch(/^Observed in logs/)
  })

  test('chains list the findings they contributed to', () => {
    const chain = demo.chains.find((c) => c.id === `${S(16)}+${G(9)}`)!
    expect(chain.findings.map((id) => id.split('|')[0]).sort()).toEqual(['metadata-leaked', 'plaintext-left-mesh', 'policy-violation', 'xfcc-hash-mismatch'])
  })
})

describe('identity findings', () => {
  const GW = '[pod/istio-egressgateway-75c5457c56-htpvz/istio-proxy] [2024-06-21T20:05:10.410Z] "GET /headers HTTP/1.1" 200 - via_upstream - "-" 0 2997 90 89 "10.244.0.7" "curl/7.83.1-DEV" "7a41c0de-2b6f-4e0a-9d1c-55e8a7b3f201" "httpbin.org" "3.211.196.247:443" outbound|443||httpbin.org 10.244.0.6:39870 10.244.0.6:8443 10.244.0.7:47012 httpbin.org - TLSv1.2 "-" "CN=httpbin.org" TLSv1.3 '

  test.each([
    {name: 'one-way TLS into the gateway: no workload identity', tail: '"-" "-"', kind: 'missing-identity'},
    {name: 'a client certificate that is not a SPIFFE id', tail: '"urn:partner:client-7" "-"', kind: 'unexpected-identity'},
  ] as const)('$name', ({tail, kind}) => {
    const r = analyzeEntries([entry(GW + tail, 'gateway.log')])
    expect(ofKind(r.findings, kind)).toHaveLength(1)
  })

  test('XFCC from another trust domain is an unexpected identity', () => {
    const [set] = readHeaders('headers/gateway-mtls-originated.json', 'h.json')
    const text = JSON.stringify({headers: Object.fromEntries(set!.headers.map((h) => [h.name, h.value.replace('URI=spiffe://cluster.local/', 'URI=spiffe://other.mesh/')]))})
    const evidence = parseCapture(text, {input: 'h.json'}).sets.map((s) => buildHeaderEvidence(s, {now: new Date('2024-06-21T19:50:33Z')}))
    const r = analyzeEntries([], {headers: evidence})
    expect(ofKind(r.findings, 'unexpected-identity').map((f) => f.title)).toEqual(['Client identity from another trust domain: spiffe://other.mesh/ns/default/sa/default'])
  })

  test('an XFCC certificate outside its validity at request time is expired', () => {
    const [set] = readHeaders('headers/gateway-mtls-originated.json', 'h.json')
    // The echo's own time (X-Amzn-Trace-Id) is moved a week past the certificate's 24 h.
    const text = JSON.stringify({headers: Object.fromEntries(set!.headers.map((h) => [h.name, h.name === 'X-Amzn-Trace-Id' ? 'Root=1-66800000-5e57f58417d2719545a04c90' : h.value]))})
    const evidence = parseCapture(text, {input: 'h.json'}).sets.map((s) => buildHeaderEvidence(s, {now: new Date()}))
    expect(ofKind(analyzeEntries([], {headers: evidence}).findings, 'expired-certificate')).toHaveLength(1)
  })
})

describe('role and format guesses are findings of their own', () => {
  test('a gateway line without its pod name, no partner, no upstream: role guessed (info)', () => {
    const r = analyzeEntries([entry('[2022-10-12T05:43:16.541Z] "- - -" 0 NR filter_chain_not_found - "-" 0 0 1 - "-" "-" "-" "-" "-" - - 172.17.0.4:8443 172.17.0.1:35812 - -', 'gw.log')])
    expect(ofKind(r.findings, 'guessed-role')).toMatchObject([{severity: 'info', source: 'gw.log'}])
  })

  test("Envoy's default format has no cluster or addresses: format guessed (info), verdict unknown", () => {
    const r = analyzeEntries(entriesOf('[2024-06-21T19:22:13.214Z] "GET /headers HTTP/1.1" 200 - 0 1102 62 61 "-" "curl/7.83.1-DEV" "3c1e1fb0-8a7e-4b3a-9f5e-4f3e1c2a9d11" "httpbin.org" "3.213.1.197:80"\n', 'envoy.log'))
    expect(r.chains[0]!.verdict).toBe('unknown')
    expect(ofKind(r.findings, 'guessed-format')).toHaveLength(1)
  })
})

describe('aggregation keeps the list bounded', () => {
  test('a thousand identical direct requests make one finding of each kind, counted', () => {
    const lines = Array.from({length: 1000}, (_, i) => `[pod/curl/istio-proxy] [2024-06-21T19:22:${String(i % 60).padStart(2, '0')}.${String(i % 1000).padStart(3, '0')}Z] "GET /headers HTTP/1.1" 200 - via_upstream - "-" 0 1102 62 61 "-" "curl/7.83.1-DEV" "id-${i}" "httpbin.org" "3.213.1.197:80" outbound|80||httpbin.org 10.244.0.7:${30000 + i} 3.213.1.197:80 10.244.0.7:${20000 + i} - default`)
    const r = analyzeEntries(entriesOf(lines.join('\n'), 'sidecar.log'))
    expect(r.findings.map((f) => [f.kind, f.count])).toEqual([
      ['plaintext-left-mesh', 1000],
      ['policy-violation', 1000],
      ['bypassed-gateway', 1000],
    ])
    expect(r.findings[0]!.chains).toHaveLength(10)
  })
})
