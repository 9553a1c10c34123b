import fc from 'fast-check'
import {describe, expect, test} from 'vitest'

import {unwrapEnvelope} from '../../../src/core/input/envelope.js'
import type {SourceRef} from '../../../src/core/model.js'

// Istio 1.22 egress gateway, HTTP via the gateway (domain brief §4.2).
const GW =
  '[2024-06-21T19:24:00.453Z] "GET /headers HTTP/2" 200 - via_upstream - "-" 0 1450 57 57 "10.244.0.7" "curl/7.83.1-DEV" "51ed62d9-1da8-4250-9923-df406ca9fd57" "httpbin.org" "3.213.1.197:80" outbound|80||httpbin.org 10.244.0.6:41144 10.244.0.6:8080 10.244.0.7:55490 - -'
// The same request with meshConfig.accessLogEncoding: JSON (domain brief §1.2).
const GW_JSON =
  '{"authority":"httpbin.org","bytes_received":0,"bytes_sent":1450,"connection_termination_details":null,"downstream_local_address":"10.244.0.6:8080","downstream_remote_address":"10.244.0.7:55490","duration":57,"method":"GET","path":"/headers","protocol":"HTTP/2","request_id":"51ed62d9-1da8-4250-9923-df406ca9fd57","requested_server_name":null,"response_code":200,"response_code_details":"via_upstream","response_flags":"-","route_name":null,"start_time":"2024-06-21T19:24:00.453Z","upstream_cluster":"outbound|80||httpbin.org","upstream_host":"3.213.1.197:80","upstream_local_address":"10.244.0.6:41144","upstream_service_time":"57","upstream_transport_failure_reason":null,"user_agent":"curl/7.83.1-DEV","x_forwarded_for":"10.244.0.7"}'
// pilot-agent and Envoy's own logs in the istio-proxy container: time, then a tab (domain brief §9).
const AGENT = '2022-12-27T22:07:16.522359Z\tinfo\tEnvoy proxy is ready'
const ENVOY_LOG =
  '2024-06-21T19:24:01.108372Z\twarning\tenvoy config external/envoy/source/extensions/config_subscription/grpc/grpc_stream.h:190\tStreamAggregatedResources gRPC config stream to xds-grpc closed: 13, \tthread=15'

const POD = 'istio-egressgateway-75c5457c56-htpvz'
const SIDECAR = 'sleep-7b8f5b7c8d-x2x9q'
const C = 'istio-proxy'
const NS = 'istio-system'
const TS = '2024-06-21T19:24:00.453123456Z'
// stern colours a name with fatih/color: `ESC[96m` … `ESC[0m`.
const colour = (code: number, s: string) => `\x1b[${code}m${s}\x1b[0m`

const fresh = (): SourceRef => ({input: 'gateway.log', line: 7})

interface Row {
  name: string
  line: string
  want: string | null
  source?: Partial<SourceRef>
}

const unchanged = (name: string, line: string): Row => ({name, line, want: line})

describe('unwrapEnvelope', () => {
  test.each<Row>([
    unchanged('Envoy text access line ([ + digit is not a [pod/ prefix)', GW),
    unchanged('Istio JSON access line', GW_JSON),
    unchanged('pilot-agent log line: the time is followed by a tab, not a space', AGENT),
    unchanged('Envoy log line', ENVOY_LOG),
    unchanged('stern -o raw: no envelope', GW),
    unchanged('an empty line', ''),
    unchanged('kubectl error line', 'error: container istio-proxy is not valid for pod sleep-7b8f5b7c8d-x2x9q'),

    {name: 'kubectl --prefix', line: `[pod/${POD}/${C}] ${GW}`, want: GW, source: {pod: POD, container: C}},
    {name: 'kubectl --prefix, pod name with dots', line: `[pod/web.v2-7d9c-x7k2p/${C}] ${GW}`, want: GW, source: {pod: 'web.v2-7d9c-x7k2p', container: C}},
    {name: 'kubectl --prefix before a JSON line', line: `[pod/${POD}/${C}] ${GW_JSON}`, want: GW_JSON, source: {pod: POD, container: C}},
    {name: 'kubectl --prefix before an agent line: its time stays', line: `[pod/${POD}/${C}] ${AGENT}`, want: AGENT, source: {pod: POD, container: C}},
    {name: 'kubectl --prefix with no container name', line: `[pod/${POD}/] ${GW}`, want: GW, source: {pod: POD}},
    {name: 'kubectl --prefix before an empty line', line: `[pod/${POD}/${C}] `, want: '', source: {pod: POD, container: C}},
    {name: 'kubectl --prefix, trailing space trimmed', line: `[pod/${POD}/${C}]`, want: '', source: {pod: POD, container: C}},

    {name: 'kubectl --timestamps (kubelet, 9 fraction digits)', line: `${TS} ${GW}`, want: GW, source: {timestamp: TS}},
    {name: 'kubectl --timestamps, fewer digits and an offset', line: `2024-06-21T21:24:00.453+02:00 ${GW}`, want: GW, source: {timestamp: '2024-06-21T21:24:00.453+02:00'}},
    {name: 'kubectl --timestamps, no fraction', line: `2024-06-21T19:24:00Z ${GW}`, want: GW, source: {timestamp: '2024-06-21T19:24:00Z'}},
    {name: 'kubectl --timestamps before an agent line', line: `${TS} ${AGENT}`, want: AGENT, source: {timestamp: TS}},
    {name: 'kubectl --prefix --timestamps', line: `[pod/${POD}/${C}] ${TS} ${GW}`, want: GW, source: {pod: POD, container: C, timestamp: TS}},
    {name: 'kubectl --prefix --timestamps before JSON', line: `[pod/${SIDECAR}/${C}] ${TS} ${GW_JSON}`, want: GW_JSON, source: {pod: SIDECAR, container: C, timestamp: TS}},

    {name: 'stern', line: `${POD} ${C} ${GW}`, want: GW, source: {pod: POD, container: C}},
    {name: 'stern --all-namespaces', line: `${NS} ${POD} ${C} ${GW}`, want: GW, source: {namespace: NS, pod: POD, container: C}},
    {name: 'stern in a terminal: coloured names', line: `${colour(96, POD)} ${colour(36, C)} ${GW}`, want: GW, source: {pod: POD, container: C}},
    {name: 'stern -A in a terminal', line: `${colour(92, NS)} ${colour(92, POD)} ${colour(32, C)} ${GW}`, want: GW, source: {namespace: NS, pod: POD, container: C}},
    {name: 'stern, bold colour', line: `\x1b[1;96m${POD}\x1b[0m \x1b[36m${C}\x1b[0m ${GW}`, want: GW, source: {pod: POD, container: C}},
    {name: 'stern --timestamps', line: `${POD} ${C} ${TS} ${GW}`, want: GW, source: {pod: POD, container: C, timestamp: TS}},
    {name: 'stern --timestamps --timezone', line: `${POD} ${C} 2024-06-22T04:24:00.453123456+09:00 ${GW}`, want: GW, source: {pod: POD, container: C, timestamp: '2024-06-22T04:24:00.453123456+09:00'}},
    {name: 'stern --timestamps=short', line: `${POD} ${C} 06-21 19:24:00 ${GW}`, want: GW, source: {pod: POD, container: C, timestamp: '06-21 19:24:00'}},
    {name: 'stern -A --timestamps', line: `${NS} ${POD} ${C} ${TS} ${GW}`, want: GW, source: {namespace: NS, pod: POD, container: C, timestamp: TS}},
    {name: 'stern before a JSON access line', line: `${SIDECAR} ${C} ${GW_JSON}`, want: GW_JSON, source: {pod: SIDECAR, container: C}},
    {name: 'stern before an agent line: its time stays', line: `${POD} ${C} ${AGENT}`, want: AGENT, source: {pod: POD, container: C}},
    {name: 'stern -o raw --timestamps', line: `${TS} ${GW}`, want: GW, source: {timestamp: TS}},
    {name: 'stern -o raw --timestamps=short', line: `06-21 19:24:00 ${GW}`, want: GW, source: {timestamp: '06-21 19:24:00'}},

    {
      name: 'stern -o json',
      line: JSON.stringify({message: GW, nodeName: 'kind-control-plane', namespace: NS, podName: POD, containerName: C, labels: {app: 'istio-egressgateway'}, annotations: {}}),
      want: GW,
      source: {namespace: NS, pod: POD, container: C},
    },
    {
      name: 'stern -o json --timestamps: the time is inside the message',
      line: JSON.stringify({message: `${TS} ${GW}`, nodeName: 'kind-control-plane', namespace: NS, podName: POD, containerName: C}),
      want: GW,
      source: {namespace: NS, pod: POD, container: C, timestamp: TS},
    },
    {
      name: 'stern -o json around a JSON access line',
      line: JSON.stringify({message: GW_JSON, nodeName: 'kind-worker', namespace: 'default', podName: SIDECAR, containerName: C}),
      want: GW_JSON,
      source: {namespace: 'default', pod: SIDECAR, container: C},
    },
    {name: 'stern -o extjson, a text line', line: `{"pod": "${POD}", "container": "${C}", "message": ${JSON.stringify(GW)}}`, want: GW, source: {pod: POD, container: C}},
    {name: 'stern -o extjson, a JSON line embedded as an object', line: `{"pod": "${POD}", "container": "${C}", "message": ${GW_JSON}}`, want: GW_JSON, source: {pod: POD, container: C}},
    {name: 'stern -o extjson -A', line: `{"namespace": "${NS}", "pod": "${POD}", "container": "${C}", "message": ${GW_JSON}}`, want: GW_JSON, source: {namespace: NS, pod: POD, container: C}},
    {
      name: 'stern -o extjson in a terminal: raw colour escapes inside the JSON strings',
      line: `{"pod": "${colour(96, POD)}", "container": "${colour(36, C)}", "message": ${GW_JSON}}`,
      want: GW_JSON,
      source: {pod: POD, container: C},
    },
    {
      name: 'stern -o extjson --timestamps: message no longer JSON, so a string',
      line: `{"pod": "${POD}", "container": "${C}", "message": ${JSON.stringify(`${TS} ${GW_JSON}`)}}`,
      want: GW_JSON,
      source: {pod: POD, container: C, timestamp: TS},
    },
    {name: 'stern -o extjson, a message that was a JSON number', line: `{"pod": "${POD}", "container": "${C}", "message": 42}`, want: '42', source: {pod: POD, container: C}},

    // Not envelopes: left for the parser to parse or skip.
    unchanged('stern names before ordinary text are not unwrapped', `${POD} ${C} upstream connect error or disconnect/reset before headers`),
    unchanged('two words then text', 'hello world this is not a log'),
    unchanged('a name, then a time without a space after it', `${POD} ${C}`),
    unchanged('uppercase is not a Kubernetes name', `Pod Container ${GW}`),
    unchanged('JSON with a message but no pod or container', '{"level":"info","message":"listener added","port":8080}'),
    unchanged('JSON with podName that does not parse', `{"message":"x","podName":"${POD}",`),
    unchanged('a JSON array', `[{"message":"x","podName":"${POD}"}]`),
    unchanged('a timestamp alone', TS),
    unchanged('a timestamp with 10 fraction digits', `2024-06-21T19:24:00.4531234567Z ${GW}`),
    unchanged('an impossible offset shape', `2024-06-21T19:24:00.453+0200 ${GW}`),

    // Envelopes that cannot be read.
    {name: 'a [pod/ prefix without its ]', line: `[pod/${POD}/${C} ${GW}`, want: null},
    {name: 'a [pod/ prefix with an empty pod name', line: `[pod//${C}] ${GW}`, want: null},
    {name: 'a [pod/ prefix with no container part', line: `[pod/${POD}] ${GW}`, want: null},
    {name: 'a [pod/ prefix with a slash too many', line: `[pod/${POD}/${C}/x] ${GW}`, want: null},
    {name: 'a [pod/ prefix not followed by a space', line: `[pod/${POD}/${C}]${GW}`, want: null},
    {name: 'stern -o json whose message is not a string', line: JSON.stringify({message: 42, podName: POD, containerName: C}), want: null},
    {name: 'stern -o json whose message is null', line: JSON.stringify({message: null, podName: POD, containerName: C}), want: null},
  ])('$name', ({line, want, source}) => {
    const src = fresh()
    expect(unwrapEnvelope(line, src)).toBe(want)
    if (want !== null) expect(src).toEqual({...fresh(), ...source})
  })

  // The last prefix is remembered for speed; a run of lines must read the same as each line alone.
  test('a run of lines from several pods: each line gets its own names', () => {
    const run: Row[] = [
      {name: 'pod A', line: `[pod/${POD}/${C}] ${GW}`, want: GW, source: {pod: POD, container: C}},
      {name: 'pod A again', line: `[pod/${POD}/${C}] ${TS} ${GW}`, want: GW, source: {pod: POD, container: C, timestamp: TS}},
      {name: 'pod A, then no space', line: `[pod/${POD}/${C}]${GW}`, want: null},
      {name: 'pod A, a longer container name', line: `[pod/${POD}/${C}-2] ${GW}`, want: GW, source: {pod: POD, container: `${C}-2`}},
      {name: 'pod B', line: `[pod/${SIDECAR}/${C}] ${GW}`, want: GW, source: {pod: SIDECAR, container: C}},
      {name: 'stern: two names', line: `${NS} ${POD} ${GW}`, want: GW, source: {pod: NS, container: POD}},
      {name: 'stern: the same two names lead three', line: `${NS} ${POD} ${C} ${GW}`, want: GW, source: {namespace: NS, pod: POD, container: C}},
      {name: 'stern: three names again', line: `${NS} ${POD} ${C} ${AGENT}`, want: AGENT, source: {namespace: NS, pod: POD, container: C}},
      {name: 'stern: same names, then text', line: `${NS} ${POD} ${C} some text`, want: `${NS} ${POD} ${C} some text`},
    ]
    const got = run.map(({line}) => {
      const src = fresh()
      const out = unwrapEnvelope(line, src)
      return {out, src: out === null ? undefined : src}
    })
    expect(got).toEqual(run.map(({want, source}) => ({out: want, src: want === null ? undefined : {...fresh(), ...source}})))
  })

  test('fields the envelope does not carry are left as they were', () => {
    const src: SourceRef = {...fresh(), namespace: 'kept', timestamp: 'kept'}
    unwrapEnvelope(`[pod/${POD}/${C}] ${GW}`, src)
    expect(src).toEqual({...fresh(), pod: POD, container: C, namespace: 'kept', timestamp: 'kept'})
  })
})

describe('unwrapEnvelope: properties', () => {
  // Strings that reach every branch: random text, and random text behind each envelope's first characters.
  const line = fc.oneof(
    fc.string({unit: 'binary'}),
    fc.tuple(fc.constantFrom('[pod/', '[pod/a/b] ', '{"message":', '{"podName":"p","message":', `${TS} `, 'a b ', '\x1b[', '06-21 '), fc.string({unit: 'binary'})).map(
      ([head, tail]) => head + tail,
    ),
  )

  test('never throws, and returns a string or null', () => {
    fc.assert(
      fc.property(line, (s) => {
        const out = unwrapEnvelope(s, fresh())
        expect(out === null || typeof out === 'string').toBe(true)
      }),
    )
  })

  test('outside JSON, an envelope is only ever taken off the front', () => {
    fc.assert(
      fc.property(line, (s) => {
        fc.pre(!s.startsWith('{'))
        const out = unwrapEnvelope(s, fresh())
        expect(out === null || s.endsWith(out)).toBe(true)
      }),
    )
  })

  test('an Envoy text access line ([ + digit) always comes back unchanged, source untouched', () => {
    fc.assert(
      fc.property(fc.integer({min: 0, max: 9}), fc.string({unit: 'binary'}), (d, rest) => {
        const s = `[${d}${rest}`
        const src = fresh()
        expect(unwrapEnvelope(s, src)).toBe(s)
        expect(src).toEqual(fresh())
      }),
    )
  })
})
