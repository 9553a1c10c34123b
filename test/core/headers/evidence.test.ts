import {describe, expect, test} from 'vitest'

import {buildHeaderEvidence, formatXfcc, headerValues, isExternalHost, parseCapture, type Claim} from '../../../src/core/headers/index.js'
import {derSha256, GATEWAY_METADATA, GATEWAY_METADATA_1_19, pem, readFixture, SCENARIOS, seedHeaders, SIDECAR_METADATA, urlEncodedPem} from './fixtures.js'

const NOW = new Date('2026-01-01T00:00:00Z')
const evidenceFor = (scenario: (typeof SCENARIOS)[number]) => buildHeaderEvidence(seedHeaders(scenario), {now: NOW})
const claims = (e: {conclusions: {claim: Claim}[]}) => e.conclusions.map((c) => c.claim)

describe('what seed 001 headers alone support (scenario matrix, brief §10)', () => {
  test.each([
    {scenario: 'direct-http', want: ['last-hop-sidecar', 'left-plaintext', 'metadata-leaked']},
    {scenario: 'gateway-http', want: ['last-hop-gateway', 'via-gateway', 'left-plaintext', 'metadata-leaked']},
    {scenario: 'gateway-originated', want: ['last-hop-gateway', 'via-gateway', 'left-tls-originated', 'metadata-leaked']},
    {scenario: 'gateway-mtls-originated', want: ['last-hop-gateway', 'via-gateway', 'mtls-hop', 'left-tls-originated', 'metadata-leaked']},
    {scenario: 'gateway-passthrough', want: ['no-metadata-headers']},
    {scenario: 'gateway-mtls-plaintext', want: ['last-hop-gateway', 'via-gateway', 'mtls-hop', 'left-plaintext', 'metadata-leaked']},
  ] as const)('$scenario: $want', ({scenario, want}) => {
    const e = evidenceFor(scenario)
    expect(claims(e)).toEqual(want)
    expect(e.errors).toEqual([])
  })

  test('each conclusion names the header it rests on', () => {
    const sources = Object.fromEntries(evidenceFor('gateway-mtls-originated').conclusions.map((c) => [c.claim, c.source.header]))
    expect(sources).toEqual({
      'last-hop-gateway': 'X-Envoy-Peer-Metadata-Id',
      'via-gateway': 'X-Envoy-Internal',
      'mtls-hop': 'X-Forwarded-Client-Cert',
      'left-tls-originated': 'X-Envoy-Decorator-Operation',
      'metadata-leaked': 'X-Envoy-Peer-Metadata',
    })
  })

  test('the reasons say who and why', () => {
    const reasons = Object.fromEntries(evidenceFor('gateway-mtls-originated').conclusions.map((c) => [c.claim, c.reason]))
    expect(reasons['last-hop-gateway']).toBe(
      'X-Envoy-Peer-Metadata-Id starts with router~: a gateway (pod istio-egressgateway-75c5457c56-htpvz in istio-system, 10.244.0.6) was the last Envoy before this service, so the request left the mesh through it',
    )
    expect(reasons['mtls-hop']).toBe(
      'XFCC element 1: spiffe://cluster.local/ns/istio-system/sa/istio-egressgateway-service-account (By) received this request over mutual TLS from spiffe://cluster.local/ns/default/sa/default (URI); Envoy adds an element only for a client that presented a certificate',
    )
    expect(reasons['left-tls-originated']).toBe(
      'X-Envoy-Decorator-Operation routes to httpbin.org:443: the last Envoy read the request as plain HTTP (it added these headers) and sent it to port 443, so it originated TLS',
    )
    expect(reasons['metadata-leaked']).toBe(
      'X-Envoy-Peer-Metadata reached httpbin.org, outside the mesh: it discloses pod istio-egressgateway-75c5457c56-htpvz, namespace istio-system, IP 10.244.0.6, Istio 1.22.1, cluster Kubernetes (metadataExchangeHeaders mode IN_MESH stops it)',
    )
  })

  test('passthrough: "no metadata headers" is its own state, not "no sidecar"', () => {
    const [c] = evidenceFor('gateway-passthrough').conclusions
    expect(c?.reason).toMatch(/TLS passed through it unread/)
    expect(c?.reason).toMatch(/does not mean there was no sidecar/)
  })

  test('gateway-mtls-originated, the whole evidence', () => {
    const e = evidenceFor('gateway-mtls-originated')
    const {headers, conclusions, xfcc, ...rest} = e
    expect(headers).toHaveLength(10)
    expect(conclusions).toHaveLength(5)
    expect(rest).toEqual({
      source: {input: 'headers', line: 1},
      kind: 'echo',
      peerMetadata: GATEWAY_METADATA,
      peerId: {type: 'router', ip: '10.244.0.6', id: 'istio-egressgateway-75c5457c56-htpvz.istio-system', pod: 'istio-egressgateway-75c5457c56-htpvz', namespace: 'istio-system', domain: 'istio-system.svc.cluster.local'},
      decoratorOperation: {host: 'httpbin.org', port: 443, path: '/*'},
      envoyInternal: true,
      attemptCount: 1,
      requestId: null, // httpbin hides X-Request-Id (brief §7)
      forwardedFor: null,
      trace: null,
      amznTraceId: {root: '1-6675d989-5e57f58417d2719545a04c90', time: '2024-06-21T19:50:33.000Z', epochSeconds: 0x6675d989},
      amznTraceTime: '2024-06-21T19:50:33.000Z', // = the gateway log line's START_TIME second, 19:50:33.667Z
      certificatesCheckedAt: '2024-06-21T19:50:33.000Z',
      errors: [],
    })
    expect(xfcc).toHaveLength(1)
    expect(xfcc?.[0]).toMatchObject({hashMatches: true, certificate: {serial: 'fc:c5:40:26:c2:90:48:31:13:a1:03:8f:fa:5e:e9:0f', expired: false}})
  })

  test('peer metadata per scenario', () => {
    expect(evidenceFor('direct-http').peerMetadata).toEqual(SIDECAR_METADATA)
    expect(evidenceFor('gateway-mtls-plaintext').peerMetadata).toEqual(GATEWAY_METADATA_1_19)
    expect(evidenceFor('gateway-passthrough').peerMetadata).toBeNull()
  })

  test('the 1.19.3 run carries B3 ids', () => {
    expect(evidenceFor('gateway-mtls-plaintext').trace).toEqual({
      b3: {traceId: 'bc38aa25bd4d029cc68e5a144b4f0193', spanId: 'deb64d4724fb2ba7', parentSpanId: 'c68e5a144b4f0193', sampled: false},
    })
  })
})

describe('certificates are checked at the request time when the headers carry it', () => {
  const sleep = pem('sleep')
  const expired = pem('expired')
  const xfcc = (cert: string, hash: string) => formatXfcc([{by: 'spiffe://cluster.local/ns/istio-system/sa/gw', hash, cert: urlEncodedPem(cert), subject: '', uri: ['spiffe://cluster.local/ns/default/sa/sleep'], dns: []}])

  test('an expired client certificate is a conclusion', () => {
    const e = buildHeaderEvidence({Host: 'httpbin.org', 'X-Forwarded-Client-Cert': xfcc(expired, derSha256(expired))}, {now: NOW})
    expect(claims(e)).toEqual(['mtls-hop', 'xfcc-cert-expired', 'no-metadata-headers'])
    expect(e.certificatesCheckedAt).toBe(NOW.toISOString())
    expect(e.conclusions[1]?.reason).toBe('XFCC element 1: the client certificate (serial 30:03) is valid 2023-01-01T00:00:00.000Z to 2023-01-02T00:00:00.000Z, not at 2026-01-01T00:00:00.000Z')
  })

  test('X-Amzn-Trace-Id sets the time: the same certificate was valid then', () => {
    const e = buildHeaderEvidence({Host: 'httpbin.org', 'X-Amzn-Trace-Id': 'Root=1-63b175c0-5a8cf34f1b08829c1201f79f', 'X-Forwarded-Client-Cert': xfcc(expired, derSha256(expired))}, {now: NOW})
    expect(e.amznTraceTime).toBe('2023-01-01T12:00:00.000Z')
    expect(claims(e)).toEqual(['mtls-hop', 'no-metadata-headers'])
  })

  test('a Hash that does not match', () => {
    const e = buildHeaderEvidence({'X-Forwarded-Client-Cert': xfcc(sleep, derSha256(expired))}, {now: NOW})
    expect(claims(e)).toContain('xfcc-hash-mismatch')
  })
})

describe('evidence from a capture cites capture:line', () => {
  test('raw block lines', () => {
    const capture = parseCapture(readFixture('headers/captures/raw-blocks.txt'), {input: 'raw-blocks.txt'})
    const e = buildHeaderEvidence(capture.sets[0]!, {now: NOW})
    expect(e.source).toEqual({input: 'raw-blocks.txt', line: 1})
    expect(e.conclusions.map((c) => `${c.claim} ${e.source.input}:${c.source.line}`)).toEqual([
      'last-hop-sidecar raw-blocks.txt:8',
      'left-plaintext raw-blocks.txt:6',
      'metadata-leaked raw-blocks.txt:7',
    ])
  })

  test('repeated XFCC headers are one list, in order', () => {
    const capture = parseCapture(readFixture('headers/captures/raw-blocks.txt'))
    const e = buildHeaderEvidence(capture.sets[1]!, {now: NOW})
    expect(e.xfcc?.map((x) => x.uri[0])).toEqual(['spiffe://cluster.local/ns/default/sa/default', 'spiffe://cluster.local/ns/foo/sa/bar'])
    expect(claims(e).filter((c) => c === 'mtls-hop')).toHaveLength(2)
    expect(headerValues(e.headers, 'X-FORWARDED-CLIENT-CERT')).toHaveLength(2)
  })

  test('a client\'s own request headers (curl -v >) and responses get no conclusions', () => {
    const capture = parseCapture(readFixture('headers/captures/curl-verbose.txt'))
    const kinds = capture.sets.map((s) => [s.kind, claims(buildHeaderEvidence(s, {now: NOW})).length > 0])
    expect(kinds).toEqual([['request', false], ['response', false], ['echo', true]])
  })
})

describe('decode problems go to errors, never thrown', () => {
  test('every bad header is named with its problem; the rest still decodes', () => {
    const e = buildHeaderEvidence(
      [
        {name: 'Host', value: 'httpbin.org', line: 2},
        {name: 'X-Envoy-Peer-Metadata', value: 'not base64!', line: 3},
        {name: 'X-Envoy-Peer-Metadata-Id', value: 'sidecar~10.0.0.1~a.b~b.svc.cluster.local', line: 4},
        {name: 'X-Forwarded-Client-Cert', value: 'By=a;Subject="open', line: 5},
        {name: 'X-Envoy-Decorator-Operation', value: 'httpbin.org:0/*', line: 6},
        {name: 'X-Envoy-Attempt-Count', value: 'two', line: 7},
        {name: 'X-Amzn-Trace-Id', value: 'Root=junk', line: 8},
        {name: 'traceparent', value: 'junk', line: 9},
      ],
      {now: NOW},
    )
    expect(e.errors).toEqual([
      {header: 'X-Amzn-Trace-Id', line: 8, message: 'amzn trace id: Root "junk" is not 1-<8 hex>-<24 hex>'},
      {header: 'X-Envoy-Peer-Metadata', line: 3, message: 'peer metadata: invalid base64 character " " at offset 3'},
      {header: 'X-Forwarded-Client-Cert', line: 5, message: 'XFCC element 1: unterminated quote at offset 13'},
      {header: 'X-Envoy-Decorator-Operation', line: 6, message: 'decorator operation: "httpbin.org:0" is not host:port'},
      {header: 'X-Envoy-Attempt-Count', line: 7, message: 'attempt count: expected a positive integer, found "two"'},
      {header: 'traceparent', line: 9, message: 'traceparent: expected VERSION-TRACEID(32 hex)-PARENTID(16 hex)-FLAGS(2 hex)'},
    ])
    expect(e.peerId?.pod).toBe('a')
    expect(e.peerMetadata).toBeNull()
    expect(claims(e)).toEqual(['last-hop-sidecar', 'metadata-leaked'])
  })

  test('a repeated single-valued header with different values is reported', () => {
    const e = buildHeaderEvidence([{name: 'X-Envoy-Attempt-Count', value: '1'}, {name: 'x-envoy-attempt-count', value: '2'}], {now: NOW})
    expect(e.attemptCount).toBe(1)
    expect(e.errors).toEqual([{header: 'X-Envoy-Attempt-Count', line: undefined, message: 'X-Envoy-Attempt-Count appears 2 times with different values; the first is used'}])
  })
})

describe('metadata and hosts', () => {
  const md = seedHeaders('gateway-http')['X-Envoy-Peer-Metadata'] as string
  test('metadata without the id: a gateway by its istio label', () => {
    const e = buildHeaderEvidence({Host: 'httpbin.org', 'X-Envoy-Peer-Metadata': md}, {now: NOW})
    expect(claims(e)).toEqual(['last-hop-gateway', 'metadata-leaked'])
    expect(e.conclusions[0]?.reason).toMatch(/labelled as a gateway \(istio=egressgateway\)/)
  })

  test('metadata at an in-mesh service is not a leak', () => {
    const e = buildHeaderEvidence({Host: 'httpbin.default.svc.cluster.local:8000', 'X-Envoy-Peer-Metadata': md}, {now: NOW})
    expect(claims(e)).toEqual(['last-hop-gateway'])
    expect(claims(buildHeaderEvidence({Host: 'httpbin.default.svc.cluster.local', 'X-Envoy-Peer-Metadata': md}, {now: NOW, external: true}))).toContain('metadata-leaked')
  })

  test('Envoy headers without metadata: stripped at the edge', () => {
    const e = buildHeaderEvidence({Host: 'httpbin.org', 'X-Envoy-Decorator-Operation': 'httpbin.org:80/*'}, {now: NOW})
    expect(e.conclusions.at(-1)?.reason).toMatch(/^no X-Envoy-Peer-Metadata or X-Envoy-Peer-Metadata-Id, though an Envoy handled the request/)
  })

  test.each([
    {host: 'httpbin.org', external: true},
    {host: 'api.example.com', external: true},
    {host: '3.213.1.197', external: true},
    {host: '2600:1f18::1', external: true},
    {host: 'httpbin', external: false},
    {host: 'httpbin.default', external: true}, // two labels: could be public, so it is called external
    {host: 'httpbin.default.svc', external: false},
    {host: 'httpbin.default.svc.cluster.local', external: false},
    {host: 'my-nginx.mesh-external.svc.cluster.local', external: false},
    {host: 'metadata.google.internal', external: false},
    {host: '10.96.0.1', external: false},
    {host: '172.20.0.1', external: false},
    {host: '192.168.1.1', external: false},
    {host: '127.0.0.1', external: false},
    {host: 'fd00::1', external: false},
    {host: undefined, external: false},
  ])('$host is external: $external', ({host, external}) => expect(isExternalHost(host)).toBe(external))
})
