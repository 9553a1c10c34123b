import fc from 'fast-check'
import {describe, expect, test} from 'vitest'

import {compileFormat, parseAccessLine} from '../../../src/core/accesslog/parse-line.js'
import type {AccessLogEntry} from '../../../src/core/model.js'

const parse = (line: string, format?: string) => {
  const plan = format === undefined ? undefined : compileFormat(format)
  if (plan && !plan.ok) throw new Error(`bad test format: ${plan.detail}`)
  return parseAccessLine(line, {input: 't.log', line: 1}, plan?.ok ? plan.value : undefined)
}
const parsed = (line: string, format?: string): AccessLogEntry => {
  const r = parse(line, format)
  if (!r.ok) throw new Error(`expected a parse, got skip ${r.reason}`)
  return r.value
}

// Real lines, verbatim: seed 001 (Istio 1.22.1 / 1.19.3 egress gateway), the brief's other sources.
const SEED1_GW_HTTP = `[2024-06-21T19:24:00.453Z] "GET /headers HTTP/2" 200 - via_upstream - "-" 0 1450 57 57 "10.244.0.7" "curl/7.83.1-DEV" "51ed62d9-1da8-4250-9923-df406ca9fd57" "httpbin.org" "3.213.1.197:80" outbound|80||httpbin.org 10.244.0.6:41144 10.244.0.6:8080 10.244.0.7:55490 - -`
const SEED1_GW_MTLS = `[2024-06-21T19:50:33.667Z] "GET /headers HTTP/1.1" 200 - via_upstream - "-" 0 2997 109 108 "10.244.0.7" "curl/7.83.1-DEV" "0db0a05e-6c1e-4a8a-b932-0f582340d36e" "httpbin.org" "3.211.196.247:443" outbound|443||httpbin.org 10.244.0.6:42264 10.244.0.6:8443 10.244.0.7:54554 httpbin.org -`
const SEED1_GW_PASSTHROUGH = `[2024-06-21T21:22:27.560Z] "- - -" 0 - - - "-" 940 5946 156 - "-" "-" "-" "-" "18.211.234.122:443" outbound|443||httpbin.org 10.244.0.6:50356 10.244.0.6:8443 10.244.0.7:51628 httpbin.org -`
const SEED0_TRUNCATED = `[2022-05-19T10:01:06.795Z] "GET / HTTP/1.1" 200 - via_upstream - "-" 0 615 1 0 "-" "curl/7.83.1-DEV" "96e8d8a7-92ce-9939-aa47-9f5f530a69fb" "my-nginx.mesh-external.svc.cluster.local:443" "10.107.176.65:443"`
const BLOG22_SIDECAR = `[2022-05-10T20:36:16.973Z] "HEAD / HTTP/1.1" 200 - via_upstream - "-" 0 0 421 420 "-" "curl/7.83.0-DEV" "5ab0ed38-2e77-92a8-bb44-0a07573cd530" "developers.google.com" "10.100.2.6:8080" outbound|80|google|istio-egressgateway.istio-system.svc.cluster.local 10.100.0.5:48236 173.194.217.101:80 10.100.0.5:48764 - -`
const BLOG22_RBAC = `[2022-05-10T21:51:49.396Z] "HEAD / HTTP/2" 403 - rbac_access_denied_matched_policy[ns[istio-system]-policy[external-deny-developer-yahoo-com]-rule[0]] - "-" 0 0 0 - "10.100.0.6" "curl/7.83.0-DEV" "a503ba03-f09a-914d-85a4-995a0c1d5b16" "developer.yahoo.com" "-" outbound|443||developer.yahoo.com - 10.100.2.6:8080 10.100.0.6:58370 developer.yahoo.com -`
const SNI_MISMATCH = `[2022-10-12T05:43:16.541Z] "- - -" 0 NR filter_chain_not_found - "-" 0 0 1 - "-" "-" "-" "-" "-" - - 172.17.0.4:8443 172.17.0.1:35812 - -`
const EGTO_13 = `[2020-06-30T16:17:56.763Z] "GET /politics HTTP/2" 200 - "-" "-" 0 1295938 529 89 "10.244.0.171" "curl/7.64.0" "cf76518d-3209-9ab7-a1d0-e6002728ef5b" "edition.cnn.com" "151.101.129.67:443" outbound|443||edition.cnn.com 10.244.0.170:54280 10.244.0.170:8080 10.244.0.171:35628 - -`
const EGC_2019_TCP = `[2019-01-24T12:48:54.977Z] "- - -" 0 - 601 17766 1289 - "-" "-" "-" "-" "172.217.161.36:443" outbound|443||www.google.com 172.30.109.82:59480 172.217.161.36:443 172.30.109.82:59478 www.google.com`

describe('real lines', () => {
  test.each([
    {name: 'seed 001 gateway, HTTP via gateway', line: SEED1_GW_HTTP, format: 'istio', want: {
      startTime: '2024-06-21T19:24:00.453Z', startMs: Date.UTC(2024, 5, 21, 19, 24, 0, 453), method: 'GET', path: '/headers', protocol: 'HTTP/2',
      responseCode: 200, responseFlags: [], responseCodeDetails: 'via_upstream', connectionTerminationDetails: null, upstreamTransportFailureReason: null,
      bytesReceived: 0, bytesSent: 1450, duration: 57, upstreamServiceTime: 57, xForwardedFor: '10.244.0.7', userAgent: 'curl/7.83.1-DEV',
      requestId: '51ed62d9-1da8-4250-9923-df406ca9fd57', authority: 'httpbin.org', upstreamHost: '3.213.1.197:80', upstreamCluster: 'outbound|80||httpbin.org',
      upstreamLocalAddress: '10.244.0.6:41144', downstreamLocalAddress: '10.244.0.6:8080', downstreamRemoteAddress: '10.244.0.7:55490', requestedServerName: null, routeName: null}},
    {name: 'seed 001 gateway, mTLS from the sidecar on 8443 with SNI', line: SEED1_GW_MTLS, format: 'istio', want: {
      protocol: 'HTTP/1.1', upstreamHost: '3.211.196.247:443', upstreamCluster: 'outbound|443||httpbin.org', downstreamLocalAddress: '10.244.0.6:8443', requestedServerName: 'httpbin.org', upstreamServiceTime: 108}},
    {name: 'seed 001 gateway, SNI passthrough (TCP)', line: SEED1_GW_PASSTHROUGH, format: 'istio', want: {
      method: null, path: null, protocol: null, responseCode: 0, responseFlags: [], responseCodeDetails: null, bytesReceived: 940, bytesSent: 5946, duration: 156,
      upstreamServiceTime: null, requestId: null, authority: null, upstreamHost: '18.211.234.122:443', requestedServerName: 'httpbin.org'}},
    {name: 'sidecar → gateway with a subset cluster (blog 2022)', line: BLOG22_SIDECAR, format: 'istio', want: {
      method: 'HEAD', upstreamCluster: 'outbound|80|google|istio-egressgateway.istio-system.svc.cluster.local', upstreamHost: '10.100.2.6:8080', downstreamLocalAddress: '173.194.217.101:80', xForwardedFor: null}},
    {name: 'RBAC denial at the egress gateway: brackets in the details', line: BLOG22_RBAC, format: 'istio', want: {
      responseCode: 403, responseCodeDetails: 'rbac_access_denied_matched_policy[ns[istio-system]-policy[external-deny-developer-yahoo-com]-rule[0]]', upstreamHost: null, upstreamLocalAddress: null}},
    {name: 'SNI mismatch: NR filter_chain_not_found, no cluster', line: SNI_MISMATCH, format: 'istio', want: {
      responseFlags: ['NR'], responseCodeDetails: 'filter_chain_not_found', upstreamCluster: null, upstreamHost: null, downstreamLocalAddress: '172.17.0.4:8443'}},
    {name: 'Istio 1.3–1.7 format (mixer status and failure reason quoted)', line: EGTO_13, format: 'istio-1.3', want: {
      mixerStatus: null, upstreamTransportFailureReason: null, bytesSent: 1295938, upstreamCluster: 'outbound|443||edition.cnn.com', routeName: null}},
    {name: '2019 documentation TCP line (18 fields, SNI last)', line: EGC_2019_TCP, format: 'istio-1.0', want: {
      responseCode: 0, bytesReceived: 601, upstreamCluster: 'outbound|443||www.google.com', requestedServerName: 'www.google.com', downstreamLocalAddress: '172.217.161.36:443'}},
  ])('$name', ({line, format, want}) => {
    const e = parsed(line)
    expect(e.format).toBe(format)
    expect(e).toMatchObject(want)
  })

  test('seed 000 sidecar line, cut after UPSTREAM_HOST, is skipped as truncated', () => {
    expect(parse(SEED0_TRUNCATED)).toMatchObject({ok: false, reason: 'truncated'})
  })

  test('Istio 1.23 alt_stat_name suffix is dropped from the cluster', () => {
    expect(parsed(SEED1_GW_HTTP.replace('outbound|80||httpbin.org ', 'outbound|80||httpbin.org; ')).upstreamCluster).toBe('outbound|80||httpbin.org')
  })
})

describe('formats of each Istio generation', () => {
  // One request rendered in each preset: the format is detected, and the shared fields agree.
  const req = {time: '2024-06-21T19:24:00.453Z', ua: 'curl/8.5.0', id: '0db0a05e-6c1e-4a8a-b932-0f582340d36e'}
  const counts = `0 1450 57 57 "10.244.0.7" "${req.ua}" "${req.id}" "httpbin.org" "3.213.1.197:443"`
  test.each([
    {format: 'istio', line: `[${req.time}] "GET /h HTTP/2" 200 - via_upstream - "-" ${counts} outbound|443||httpbin.org 10.244.0.6:1 10.244.0.6:8080 10.244.0.7:2 - -`},
    {format: 'istio-1.8', line: `[${req.time}] "GET /h HTTP/2" 200 - "-" ${counts} outbound|443||httpbin.org 10.244.0.6:1 10.244.0.6:8080 10.244.0.7:2 - -`},
    {format: 'istio-1.3', line: `[${req.time}] "GET /h HTTP/2" 200 - "-" "-" ${counts} outbound|443||httpbin.org 10.244.0.6:1 10.244.0.6:8080 10.244.0.7:2 - default`},
    {format: 'istio-1.2', line: `[${req.time}] "GET /h HTTP/2" 200 - "-" "-" ${counts} outbound|443||httpbin.org 10.244.0.6:1 10.244.0.6:8080 10.244.0.7:2 -`},
    {format: 'istio-1.1', line: `[${req.time}] "GET /h HTTP/2" 200 - "-" ${counts} outbound|443||httpbin.org 10.244.0.6:1 10.244.0.6:8080 10.244.0.7:2 -`},
    {format: 'istio-1.0-http', line: `[${req.time}] "GET /h HTTP/2" 200 - ${counts} outbound|443||httpbin.org 10.244.0.6:1 10.244.0.6:8080 10.244.0.7:2`},
    {format: 'envoy', line: `[${req.time}] "GET /h HTTP/2" 200 - ${counts}`},
    {format: 'egress-audit', line: `[${req.time}] "GET /h HTTP/2" 200 - via_upstream - "-" ${counts} outbound|443||httpbin.org 10.244.0.6:1 10.244.0.6:8443 10.244.0.7:2 httpbin.org - TLSv1.3 "-" "CN=httpbin.org" TLSv1.3 "spiffe://cluster.local/ns/default/sa/curl" "-"`},
  ])('$format', ({format, line}) => {
    const e = parsed(line)
    expect(e.format).toBe(format)
    expect(e).toMatchObject({startMs: Date.UTC(2024, 5, 21, 19, 24, 0, 453), method: 'GET', responseCode: 200, userAgent: req.ua, requestId: req.id, authority: 'httpbin.org', upstreamHost: '3.213.1.197:443'})
    // The same line parses under its pinned preset too.
    expect(parsed(line, format).format).toBe(format)
  })

  test('egress-audit preset carries the TLS evidence fields', () => {
    const line = `[2024-06-21T19:50:33.667Z] "GET /headers HTTP/1.1" 200 - via_upstream - "-" 0 2997 109 108 "10.244.0.7" "curl/7.83.1-DEV" "0db0a05e-6c1e-4a8a-b932-0f582340d36e" "httpbin.org" "3.211.196.247:443" outbound|443||httpbin.org 10.244.0.6:42264 10.244.0.6:8443 10.244.0.7:54554 httpbin.org - TLSv1.2 "-" "CN=httpbin.org,O=Example, Inc." TLSv1.3 "spiffe://cluster.local/ns/default/sa/default" "-"`
    expect(parsed(line)).toMatchObject({
      format: 'egress-audit', upstreamTlsVersion: 'TLSv1.2', upstreamPeerUriSan: null, upstreamPeerSubject: 'CN=httpbin.org,O=Example, Inc.',
      downstreamTlsVersion: 'TLSv1.3', downstreamPeerUriSan: 'spiffe://cluster.local/ns/default/sa/default', downstreamPeerSubject: null,
    })
  })

  test('Istio JSON encoding, BlackHole with a null cluster (issue 33281 shape)', () => {
    const line = '{"authority":null,"bytes_received":0,"bytes_sent":0,"downstream_local_address":"13.249.75.75:443","downstream_remote_address":"10.1.2.3:41234","duration":0,"method":null,"path":null,"protocol":null,"request_id":null,"requested_server_name":null,"response_code":0,"response_flags":"UH","route_name":null,"start_time":"2021-05-27T10:27:11.102Z","upstream_cluster":null,"upstream_host":null,"upstream_local_address":null,"upstream_service_time":null,"upstream_transport_failure_reason":null,"user_agent":null,"x_forwarded_for":null}'
    expect(parsed(line)).toMatchObject({format: 'istio-json', responseCode: 0, responseFlags: ['UH'], upstreamCluster: null, downstreamLocalAddress: '13.249.75.75:443', upstreamServiceTime: null})
  })

  test('a JSON-shaped text template: every value a string, "-" for unset', () => {
    const line = '{"start_time":"2024-06-21T19:24:00.453Z","method":"GET","response_code":"200","response_flags":"-","bytes_sent":"1450","upstream_service_time":"57","upstream_cluster":"outbound|80||httpbin.org","requested_server_name":"-","grpc_status":"-"}'
    expect(parsed(line)).toMatchObject({responseCode: 200, responseFlags: [], bytesSent: 1450, upstreamServiceTime: 57, requestedServerName: null, extra: {grpc_status: null}})
  })
})

describe('custom formats (--format)', () => {
  test('START_TIME with a strftime pattern, REQ with a length limit, unknown operators under extra', () => {
    const format = '%START_TIME(%d/%b/%Y:%H:%M:%S %z)% %REQ(:AUTHORITY)% %UPSTREAM_CLUSTER% %DOWNSTREAM_TLS_VERSION% "%REQ(X-B3-TRACEID):16%" %GRPC_STATUS%'
    const e = parsed('21/Jun/2024:21:24:00 +0200 httpbin.org outbound|443||httpbin.org TLSv1.3 "bc38aa25bd4d029c" -', format)
    expect(e).toMatchObject({format: 'custom', startMs: Date.UTC(2024, 5, 21, 19, 24, 0), authority: 'httpbin.org', downstreamTlsVersion: 'TLSv1.3', extra: {'REQ(X-B3-TRACEID):16': 'bc38aa25bd4d029c', GRPC_STATUS: null}})
  })

  test('epoch seconds with a fraction', () => {
    expect(parsed('1718997840.453 outbound|80||httpbin.org', '%START_TIME(%s.%3f)% %UPSTREAM_CLUSTER%').startMs).toBe(1718997840453)
  })

  test('a JSON format given as an object of operators', () => {
    const e = parsed('{"ts":"2024-06-21T19:24:00.453Z","cluster":"PassthroughCluster","sni":"api.stripe.com","tls":"TLSv1.3"}', '{"ts":"%START_TIME%","cluster":"%UPSTREAM_CLUSTER%","sni":"%REQUESTED_SERVER_NAME%","tls":"%DOWNSTREAM_TLS_VERSION%"}')
    expect(e).toMatchObject({format: 'custom-json', upstreamCluster: 'PassthroughCluster', requestedServerName: 'api.stripe.com', downstreamTlsVersion: 'TLSv1.3'})
  })

  test.each([
    {format: '%START_TIME%%BYTES_SENT%', why: 'have no text between them'},
    {format: '[%START_TIME] x', why: 'not closed'},
    {format: '%REQ(X-Y% z', why: "unclosed '('"},
    {format: 'not-a-preset', why: 'unknown format'},
  ])('refuses $format', ({format, why}) => {
    const r = compileFormat(format)
    expect(r.ok).toBe(false)
    expect(r.ok ? '' : r.detail).toContain(why)
  })
})

describe('skips, each with its reason', () => {
  test.each([
    {line: '', reason: 'blank'},
    {line: '   \t ', reason: 'blank'},
    {line: '2022-12-27T22:07:16.522359Z\tinfo\tEnvoy proxy is ready', reason: 'agent-log'},
    {line: '2022-12-27T22:07:16.558143Z\tinfo\tenvoy upstream\tcds: add 21 cluster(s), remove 5 cluster(s)', reason: 'envoy-log'},
    {line: '2024-06-21T19:24:00.453Z\twarning\tenvoy config external/envoy/source/extensions/config_subscription/grpc/grpc_stream.h:193\tStreamAggregatedResources gRPC config stream to xds-grpc closed\tthread=21', reason: 'envoy-log'},
    {line: '[2020-06-30 16:17:56.763][18][warning][config] [bazel-out/k8-opt/bin/source/common/config/_virtual_includes/grpc_stream_lib/common/config/grpc_stream.h:91] gRPC config stream closed', reason: 'envoy-log'},
    {line: SEED0_TRUNCATED, reason: 'truncated'},
    {line: SEED1_GW_HTTP.slice(0, 120), reason: 'truncated'},
    {line: SEED1_GW_HTTP.replace('2024-06-21', '2024-13-21'), reason: 'bad-time'},
    {line: SEED1_GW_HTTP.replace('2024-06-21', '2024-02-31'), reason: 'bad-time'},
    {line: SEED1_GW_HTTP.replace(' 1450 ', ' many '), reason: 'bad-field'},
    {line: '{"level":"info","msg":"starting"}', reason: 'json-not-access-log'},
    {line: '[1,2,3]', reason: 'no-format-matched'},
    {line: '{"start_time":"2024-06-21T19:24:00.453Z","method":"GET","response_co', reason: 'truncated'},
    {line: '{not json', reason: 'bad-json'},
    {line: '\u0000\u0001\u0002\ufffd\ufffd binary', reason: 'binary'},
    {line: 'GET /index.html 200', reason: 'not-access-log'},
  ])('$reason: $line', ({line, reason}) => {
    expect(parse(line)).toMatchObject({ok: false, reason})
  })
})

describe('hostile content', () => {
  test('a user-agent holding the separator `" "` does not shift the fields after the request id', () => {
    const line = SEED1_GW_MTLS.replace('"curl/7.83.1-DEV"', '"evil" "agent"')
    const e = parsed(line)
    expect(e.upstreamCluster).toBe('outbound|443||httpbin.org')
    expect(e.downstreamRemoteAddress).toBe('10.244.0.7:54554')
  })

  test('terminal escapes and formulas are kept as data (renderers neutralise them)', () => {
    const line = SEED1_GW_HTTP.replace('curl/7.83.1-DEV', '\u001b]8;;http://x\u0007=HYPERLINK("x")\u001b[31m')
    expect(parsed(line).userAgent).toBe('\u001b]8;;http://x\u0007=HYPERLINK("x")\u001b[31m')
  })

  test('a line of separators cannot make the matcher run long', () => {
    const line = `[2024-06-21T19:24:00.453Z] "GET / HTTP/1.1" 200 - x - "-" 0 0 0 0 ${'"-" '.repeat(20_000)}`
    expect(parse(line).ok).toBe(false)
  })

  test('no input throws, and every result is an entry or a reason', () => {
    fc.assert(
      fc.property(fc.string({unit: 'binary', maxLength: 400}), (s) => {
        const r = parse(s)
        expect(r.ok || typeof r.reason === 'string').toBe(true)
      }),
      {numRuns: 2000},
    )
  })

  test('lines that start like access lines but are mangled never throw', () => {
    const mutate = fc.tuple(fc.nat(SEED1_GW_HTTP.length), fc.nat(40), fc.string({unit: 'binary', maxLength: 20}))
    fc.assert(
      fc.property(mutate, ([at, cut, insert]) => {
        const line = SEED1_GW_HTTP.slice(0, at) + insert + SEED1_GW_HTTP.slice(at + cut)
        const r = parse(line)
        expect(r.ok || typeof r.reason === 'string').toBe(true)
      }),
      {numRuns: 2000},
    )
  })
})
