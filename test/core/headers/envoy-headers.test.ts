import {describe, expect, test} from 'vitest'

import {
  decodeAmznTraceId,
  decodeAttemptCount,
  decodeB3Headers,
  decodeB3Single,
  decodeDecoratorOperation,
  decodeEnvoyInternal,
  decodeForwardedFor,
  decodeTraceparent,
} from '../../../src/core/headers/index.js'
import {SCENARIOS, seedHeaders} from './fixtures.js'

const value = <T>(r: {ok: true; value: T} | {ok: false; detail?: string}) => (r.ok ? r.value : `error: ${r.detail}`)

describe('X-Envoy-Decorator-Operation', () => {
  test.each([
    {scenario: 'direct-http', want: {host: 'httpbin.org', port: 80, path: '/*'}},
    {scenario: 'gateway-http', want: {host: 'httpbin.org', port: 80, path: '/*'}},
    {scenario: 'gateway-originated', want: {host: 'httpbin.org', port: 443, path: '/*'}},
    {scenario: 'gateway-mtls-originated', want: {host: 'httpbin.org', port: 443, path: '/*'}},
    {scenario: 'gateway-mtls-plaintext', want: {host: 'httpbin.org', port: 80, path: '/*'}},
  ] as const)('seed $scenario', ({scenario, want}) => {
    expect(value(decodeDecoratorOperation(seedHeaders(scenario)['X-Envoy-Decorator-Operation'] as string))).toEqual(want)
  })
  test.each([
    {input: 'reviews.default.svc.cluster.local:9080/reviews*', want: {host: 'reviews.default.svc.cluster.local', port: 9080, path: '/reviews*'}},
    {input: 'my-vs:8080/api/v1', want: {host: 'my-vs', port: 8080, path: '/api/v1'}},
    {input: '[fd00::1]:443/*', want: {host: 'fd00::1', port: 443, path: '/*'}},
    {input: 'httpbin.org', want: {host: 'httpbin.org', port: null, path: null}},
    {input: 'httpbin.org:99999/*', want: 'error: decorator operation: "httpbin.org:99999" is not host:port'},
    {input: ':80/*', want: 'error: decorator operation: ":80" is not host:port'},
    {input: '', want: 'error: decorator operation: empty value'},
  ])('$input', ({input, want}) => expect(value(decodeDecoratorOperation(input))).toEqual(want))
})

describe('X-Envoy-Internal, X-Envoy-Attempt-Count, X-Forwarded-For', () => {
  test.each([
    {input: 'true', want: true},
    {input: 'TRUE ', want: true},
    {input: 'false', want: false},
    {input: 'yes', want: 'error: envoy internal: expected "true", found "yes"'},
  ])('internal $input', ({input, want}) => expect(value(decodeEnvoyInternal(input))).toEqual(want))
  test.each([
    {input: '1', want: 1},
    {input: ' 3 ', want: 3},
    {input: '0', want: 'error: attempt count: expected a positive integer, found "0"'},
    {input: '-1', want: 'error: attempt count: expected a positive integer, found "-1"'},
    {input: '1.5', want: 'error: attempt count: expected a positive integer, found "1.5"'},
  ])('attempt count $input', ({input, want}) => expect(value(decodeAttemptCount(input))).toEqual(want))
  test('seed X-Envoy-Internal: only after a gateway hop (brief §7)', () => {
    const internal = Object.fromEntries(SCENARIOS.map((s) => [s, seedHeaders(s)['X-Envoy-Internal']]))
    expect(internal).toEqual({
      'direct-http': undefined,
      'gateway-http': 'true',
      'gateway-originated': 'true',
      'gateway-mtls-originated': 'true',
      'gateway-passthrough': undefined,
      'gateway-mtls-plaintext': 'true',
    })
    expect(value(decodeEnvoyInternal('true'))).toBe(true)
  })
  test('seed attempt counts are all 1', () => {
    for (const s of SCENARIOS) {
      const v = seedHeaders(s)['X-Envoy-Attempt-Count']
      if (v !== undefined) expect(value(decodeAttemptCount(v))).toBe(1)
    }
  })
  test.each([
    {input: ['10.244.0.7'], want: ['10.244.0.7']},
    {input: ['203.0.113.9, 10.244.0.7'], want: ['203.0.113.9', '10.244.0.7']},
    {input: ['203.0.113.9', '10.244.0.7'], want: ['203.0.113.9', '10.244.0.7']},
    {input: ['203.0.113.9,,10.244.0.7'], want: 'error: forwarded for: empty address in the list'},
  ])('forwarded for $input', ({input, want}) => expect(value(decodeForwardedFor(input))).toEqual(want))
})

describe('X-Amzn-Trace-Id: the epoch second equals the gateway log START_TIME second (brief §7)', () => {
  test.each([
    {scenario: 'direct-http', root: '1-6675d2e5-5a8cf34f1b08829c1201f79f', time: '2024-06-21T19:22:13.000Z'}, // 107 s before the next run's 0x6675d350; no gateway line (direct),
    {scenario: 'gateway-http', root: '1-6675d350-6d4cd9361993604b163b3e07', time: '2024-06-21T19:24:00.000Z'}, // gw log 19:24:00.453Z
    {scenario: 'gateway-originated', root: '1-6675d568-566cac51199005a375004a53', time: '2024-06-21T19:32:56.000Z'}, // 19:32:56.681Z
    {scenario: 'gateway-mtls-originated', root: '1-6675d989-5e57f58417d2719545a04c90', time: '2024-06-21T19:50:33.000Z'}, // 19:50:33.667Z
    {scenario: 'gateway-passthrough', root: '1-6675ef13-625b4c8e616be9c53ab44950', time: '2024-06-21T21:22:27.000Z'}, // 21:22:27.560Z
    {scenario: 'gateway-mtls-plaintext', root: '1-6679e51f-31ee47906ad67ef039afb7bf', time: '2024-06-24T21:29:03.000Z'}, // 06-24 21:29:03.272Z
  ] as const)('$scenario', ({scenario, root, time}) => {
    expect(value(decodeAmznTraceId(seedHeaders(scenario)['X-Amzn-Trace-Id'] as string))).toEqual({root, time, epochSeconds: Date.parse(time) / 1000})
  })
  test('Self, Parent and Sampled are kept', () => {
    expect(value(decodeAmznTraceId('Self=1-67891234-12456789abcdef012345678;Root=1-67891233-abcdef012345678912345678;Parent=53995c3f42cd8ad8;Sampled=1'))).toEqual({
      root: '1-67891233-abcdef012345678912345678',
      time: '2025-01-16T14:05:39.000Z',
      epochSeconds: 0x67891233,
      self: '1-67891234-12456789abcdef012345678',
      parent: '53995c3f42cd8ad8',
      sampled: true,
    })
  })
  test.each([
    {input: 'Parent=1', want: 'error: amzn trace id: no Root= field'},
    {input: 'Root=1-6675d2e5-xyz', want: 'error: amzn trace id: Root "1-6675d2e5-xyz" is not 1-<8 hex>-<24 hex>'},
    {input: 'Root=2-6675d2e5-5a8cf34f1b08829c1201f79f', want: 'error: amzn trace id: Root "2-6675d2e5-5a8cf34f1b08829c1201f79f" is not 1-<8 hex>-<24 hex>'},
  ])('$input', ({input, want}) => expect(value(decodeAmznTraceId(input))).toEqual(want))
})

describe('B3 and traceparent', () => {
  test('seed 1.19.3 run carries B3 ids (brief §7, IO-122)', () => {
    const h = seedHeaders('gateway-mtls-plaintext')
    expect(value(decodeB3Headers({traceId: h['X-B3-Traceid'], spanId: h['X-B3-Spanid'], parentSpanId: h['X-B3-Parentspanid'], sampled: h['X-B3-Sampled']}))).toEqual({
      traceId: 'bc38aa25bd4d029cc68e5a144b4f0193',
      spanId: 'deb64d4724fb2ba7',
      parentSpanId: 'c68e5a144b4f0193',
      sampled: false,
    })
  })
  test.each([
    {input: {traceId: '463ac35c9f6413ad', spanId: 'a2fb4a1d1a96d312', sampled: '1', flags: '1'}, want: {traceId: '463ac35c9f6413ad', spanId: 'a2fb4a1d1a96d312', sampled: true, debug: true}},
    {input: {traceId: 'xyz', spanId: 'a2fb4a1d1a96d312'}, want: 'error: b3: X-B3-TraceId "xyz" is not 16 or 32 hex digits'},
    {input: {traceId: '463ac35c9f6413ad'}, want: 'error: b3: X-B3-SpanId "" is not 16 hex digits'},
  ])('multi $input.traceId', ({input, want}) => expect(value(decodeB3Headers(input))).toEqual(want))
  test.each([
    {input: '80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1-05e3ac9a4f6e3b90', want: {traceId: '80f198ee56343ba864fe8b2a57d3eff7', spanId: 'e457b5a2e4d86bd1', sampled: true, parentSpanId: '05e3ac9a4f6e3b90'}},
    {input: '80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1', want: {traceId: '80f198ee56343ba864fe8b2a57d3eff7', spanId: 'e457b5a2e4d86bd1', sampled: null}},
    {input: '0', want: null},
    {input: 'nonsense', want: 'error: b3: expected TRACEID-SPANID[-SAMPLED[-PARENTSPANID]]'},
  ])('single $input', ({input, want}) => expect(value(decodeB3Single(input))).toEqual(want))
  test.each([
    {input: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', want: {version: '00', traceId: '4bf92f3577b34da6a3ce929d0e0e4736', parentId: '00f067aa0ba902b7', flags: '01', sampled: true}},
    {input: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00', want: {version: '00', traceId: '4bf92f3577b34da6a3ce929d0e0e4736', parentId: '00f067aa0ba902b7', flags: '00', sampled: false}},
    {input: '00-00000000000000000000000000000000-00f067aa0ba902b7-01', want: 'error: traceparent: an all-zero id is invalid'},
    {input: 'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', want: 'error: traceparent: version ff is invalid'},
    {input: '00-4bf92f35-00f067aa0ba902b7-01', want: 'error: traceparent: expected VERSION-TRACEID(32 hex)-PARENTID(16 hex)-FLAGS(2 hex)'},
  ])('traceparent $input', ({input, want}) => expect(value(decodeTraceparent(input))).toEqual(want))
})
