// The log generator is evidence for every parser and analyzer test: it must be deterministic, its
// oracle must match its text, and its requests must carry the join keys of a real mesh.
import {readFileSync, readdirSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {describe, expect, test} from 'vitest'
import {
  EXTRA_FORMAT_STRINGS,
  FORMAT_STRINGS,
  FORMATS,
  SCENARIOS,
  SCENARIO_IDS,
  fieldsOf,
  generateLog,
  renderLine,
  type ExpectedEntry,
  type FormatName,
  type GeneratedLine,
} from './generate.mjs'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const take = (opts: Parameters<typeof generateLog>[0]): GeneratedLine[] => [...generateLog(opts)]
const ip = (address: string | null | undefined): string | undefined => address?.slice(0, address.lastIndexOf(':'))

/** The line without its kubectl envelope, using what the oracle says the envelope held. */
function bare(line: GeneratedLine): string {
  let t = line.text
  const s = line.expected.source
  if (s?.pod) t = t.slice(`[pod/${s.pod}/${s.container}] `.length)
  if (s?.timestamp) t = t.slice(s.timestamp.length + 1)
  return t
}

describe('determinism', () => {
  test('the same seed gives the same bytes; another seed does not', () => {
    const opts = {lines: 3000, seed: 7, formats: [...FORMATS]}
    const a = take(opts).map((l) => l.text).join('\n')
    const b = take(opts).map((l) => l.text).join('\n')
    const c = take({...opts, seed: 8}).map((l) => l.text).join('\n')
    expect(a).toBe(b)
    expect(c).not.toBe(a)
  })

  test.each([1, 2, 999, 10_001])('yields exactly %i lines', (lines) => {
    expect(take({lines, seed: 3, withExpected: false})).toHaveLength(lines)
  })
})

describe('oracle', () => {
  const lines = take({lines: 4000, seed: 11, formats: [...FORMATS], prefixShare: 0.3, timestampShare: 0.2})

  test('rendering the expected entry gives back the line (envelope removed)', () => {
    for (const l of lines) expect(renderLine(l.expected, l.expected.format as FormatName)).toBe(bare(l))
  })

  test('expected holds exactly the fields its format carries, plus startMs, format and source', () => {
    for (const l of lines) {
      const keys = Object.keys(l.expected).filter((k) => !['startMs', 'format', 'source'].includes(k)).sort()
      expect(keys).toEqual([...fieldsOf(l.expected.format as FormatName)].sort())
      expect(l.expected.startMs).toBe(Date.parse(l.expected.startTime as string))
    }
  })

  test('JSON lines parse, with numbers numeric, upstream_service_time a string and null for unset', () => {
    const json = lines.filter((l) => l.expected.format === 'istio-json')
    expect(json.length).toBeGreaterThan(100)
    for (const l of json) {
      const o = JSON.parse(bare(l)) as Record<string, unknown>
      expect(Object.keys(o)).toHaveLength(24)
      expect(typeof o.response_code).toBe('number')
      expect(typeof o.duration).toBe('number')
      expect(o.upstream_service_time === null || typeof o.upstream_service_time === 'string').toBe(true)
      expect(Object.values(o)).not.toContain('')
    }
  })
})

describe('requests through a gateway', () => {
  const lines = take({lines: 10_000, seed: 1})
  const byRequest = new Map<number, GeneratedLine[]>()
  for (const l of lines) byRequest.set(l.meta.request, [...(byRequest.get(l.meta.request) ?? []), l])
  const pairs = [...byRequest.values()].filter((ls) => ls.length === 2)
  const side = (ls: GeneratedLine[], role: string): ExpectedEntry => ls.find((l) => l.meta.role === role)!.expected

  test('a request has at most two lines, and two only when a gateway is on its path', () => {
    expect(pairs.length).toBeGreaterThan(2000)
    for (const ls of byRequest.values()) {
      expect(ls.length).toBeLessThanOrEqual(2)
      if (ls.length === 2) expect(ls.map((l) => l.meta.role).sort()).toEqual(['egress-gateway', 'sidecar'])
    }
  })

  test('both sides share the request id and the address pair', () => {
    for (const ls of pairs) {
      const sc = side(ls, 'sidecar')
      const gw = side(ls, 'egress-gateway')
      expect(gw.requestId).toBe(sc.requestId)
      expect(sc.upstreamHost).toBe(gw.downstreamLocalAddress)
      if (sc.upstreamLocalAddress !== null) expect(gw.downstreamRemoteAddress).toBe(sc.upstreamLocalAddress)
      else {
        // double encryption, mtls-into-passthrough: the sidecar's connection never became ready
        expect(ls[0]!.meta.variant).toBe('mtls-into-passthrough')
        expect(ip(gw.downstreamRemoteAddress)).toBe(ip(sc.downstreamRemoteAddress))
      }
    }
  })

  test('HTTP pairs: same id, gateway X-Forwarded-For = the sidecar pod IP', () => {
    const http = pairs.filter((ls) => side(ls, 'sidecar').method !== null)
    expect(http.length).toBeGreaterThan(1000)
    for (const ls of http) {
      const sc = side(ls, 'sidecar')
      const gw = side(ls, 'egress-gateway')
      expect(sc.requestId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
      expect(gw.xForwardedFor).toBe(ip(sc.downstreamRemoteAddress))
      expect(sc.xForwardedFor).toBeNull()
    }
  })

  test('the gateway starts a few ms later and ends no later', () => {
    for (const ls of pairs) {
      const sc = side(ls, 'sidecar')
      const gw = side(ls, 'egress-gateway')
      expect(gw.startMs! - sc.startMs!).toBeGreaterThan(0)
      expect(gw.startMs! - sc.startMs!).toBeLessThan(60)
      expect(gw.duration!).toBeLessThanOrEqual(sc.duration!)
      expect(gw.startMs! + gw.duration!).toBeLessThanOrEqual(sc.startMs! + sc.duration!)
    }
  })

  test('the sidecar dials the gateway pod on 8080/8443 (or a Gateway API pod on its declared port)', () => {
    for (const ls of pairs) {
      const port = side(ls, 'sidecar').upstreamHost!.split(':')[1]
      expect(['8080', '8443', '80', '443']).toContain(port)
    }
  })
})

describe('scenarios and envelopes', () => {
  const lines = take({lines: 10_000, seed: 1, prefixShare: 0.3, timestampShare: 0.1})

  test('every scenario appears in 10,000 lines, with a gateway line where a gateway is on the path', () => {
    const seen = new Map<string, Set<string>>()
    for (const l of lines) seen.set(l.meta.scenario, (seen.get(l.meta.scenario) ?? new Set()).add(l.meta.role))
    for (const id of SCENARIO_IDS) {
      expect(seen.has(id), id).toBe(true)
      if (SCENARIOS[id].gateway) expect(seen.get(id)!.has('egress-gateway'), id).toBe(true)
    }
  })

  test('the prefix share is roughly as asked, and the oracle knows the pod', () => {
    const prefixed = lines.filter((l) => l.text.startsWith('[pod/'))
    expect(prefixed.length / lines.length).toBeGreaterThan(0.27)
    expect(prefixed.length / lines.length).toBeLessThan(0.33)
    for (const l of prefixed) {
      expect(l.expected.source?.pod).toBe(l.meta.pod)
      expect(l.expected.source?.container).toBe('istio-proxy')
    }
    const stamped = lines.filter((l) => l.expected.source?.timestamp)
    expect(stamped.length / lines.length).toBeGreaterThan(0.08)
    expect(stamped.length / lines.length).toBeLessThan(0.12)
    for (const l of stamped) expect(l.expected.source!.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/)
  })

  test('kubelet timestamps never go backwards within one pod', () => {
    const last = new Map<string, string>()
    for (const l of lines) {
      const ts = l.expected.source?.timestamp
      if (!ts) continue
      const prev = last.get(l.meta.pod)
      if (prev) expect(ts > prev, `${l.meta.pod}: ${prev} then ${ts}`).toBe(true)
      last.set(l.meta.pod, ts)
    }
  })

  test.each([0, 1])('prefixShare %i', (share) => {
    const ls = take({lines: 500, seed: 5, prefixShare: share, timestampShare: 0})
    expect(ls.filter((l) => l.text.startsWith('[pod/')).length).toBe(share * 500)
  })
})

describe('format strings', () => {
  test("istio is the brief's current default format, verbatim", () => {
    expect(FORMAT_STRINGS.istio).toBe(
      '[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE% %RESPONSE_FLAGS% %RESPONSE_CODE_DETAILS% %CONNECTION_TERMINATION_DETAILS% "%UPSTREAM_TRANSPORT_FAILURE_REASON%" %BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%" "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%" %UPSTREAM_CLUSTER_RAW% %UPSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_REMOTE_ADDRESS% %REQUESTED_SERVER_NAME% %ROUTE_NAME%\n',
    )
    expect(FORMAT_STRINGS.envoy).toBe(
      '[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE% %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%" "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%"\n',
    )
  })

  // Operator → model field, to check that each declared format string is the layout the renderer uses.
  const OPERATOR: Record<string, string> = {
    START_TIME: 'startTime', 'REQ(:METHOD)': 'method', 'REQ(X-ENVOY-ORIGINAL-PATH?:PATH)': 'path', PROTOCOL: 'protocol',
    RESPONSE_CODE: 'responseCode', RESPONSE_FLAGS: 'responseFlags', RESPONSE_CODE_DETAILS: 'responseCodeDetails',
    CONNECTION_TERMINATION_DETAILS: 'connectionTerminationDetails', UPSTREAM_TRANSPORT_FAILURE_REASON: 'upstreamTransportFailureReason',
    'DYNAMIC_METADATA(istio.mixer:status)': 'mixerStatus', BYTES_RECEIVED: 'bytesReceived', BYTES_SENT: 'bytesSent', DURATION: 'duration',
    'RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)': 'upstreamServiceTime', 'REQ(X-FORWARDED-FOR)': 'xForwardedFor', 'REQ(USER-AGENT)': 'userAgent',
    'REQ(X-REQUEST-ID)': 'requestId', 'REQ(:AUTHORITY)': 'authority', UPSTREAM_HOST: 'upstreamHost', UPSTREAM_CLUSTER: 'upstreamCluster',
    UPSTREAM_CLUSTER_RAW: 'upstreamCluster', UPSTREAM_LOCAL_ADDRESS: 'upstreamLocalAddress', DOWNSTREAM_LOCAL_ADDRESS: 'downstreamLocalAddress',
    DOWNSTREAM_REMOTE_ADDRESS: 'downstreamRemoteAddress', REQUESTED_SERVER_NAME: 'requestedServerName', ROUTE_NAME: 'routeName',
    UPSTREAM_TLS_VERSION: 'upstreamTlsVersion', UPSTREAM_PEER_URI_SAN: 'upstreamPeerUriSan', UPSTREAM_PEER_SUBJECT: 'upstreamPeerSubject',
    DOWNSTREAM_TLS_VERSION: 'downstreamTlsVersion', DOWNSTREAM_PEER_URI_SAN: 'downstreamPeerUriSan', DOWNSTREAM_PEER_SUBJECT: 'downstreamPeerSubject',
  }
  const fields = (format: string) => [...format.matchAll(/%([^%\s]+)%/g)].map((m) => OPERATOR[m[1]!] ?? `?${m[1]}`)

  test.each([...FORMATS.filter((f) => f !== 'istio-json'), 'istio-1.0' as const])('%s: the string and the renderer agree', (name) => {
    const format = (FORMAT_STRINGS as Record<string, string>)[name] ?? EXTRA_FORMAT_STRINGS['istio-1.0']
    expect(format.endsWith('\n')).toBe(true)
    expect(fields(format)).toEqual(fieldsOf(name))
  })

  test('istio-json: 24 keys, the same operators the renderer reads', () => {
    const keys = JSON.parse(FORMAT_STRINGS['istio-json']) as Record<string, string>
    expect(Object.keys(keys)).toHaveLength(24)
    expect(Object.values(keys).map((op) => OPERATOR[op.slice(1, -1)]).sort()).toEqual([...fieldsOf('istio-json')].sort())
  })
})

describe('fixtures', () => {
  test('hand-written expectations of the real seed lines render back to the lines, byte for byte', () => {
    const dir = join(ROOT, 'fixtures', 'seeds')
    const logs = readdirSync(dir).filter((f) => f.endsWith('.log'))
    expect(logs.length).toBeGreaterThanOrEqual(19)
    for (const f of logs) {
      const lines = readFileSync(join(dir, f), 'utf8').split('\n').slice(0, -1)
      const expected = JSON.parse(readFileSync(join(dir, f.replace(/\.log$/, '.expected.json')), 'utf8')) as (ExpectedEntry | {skip: string})[]
      expect(expected, f).toHaveLength(lines.length)
      lines.forEach((line, i) => {
        const e = expected[i]!
        if ('skip' in e) return
        expect(Date.parse(e.startTime as string), f).toBe(e.startMs)
        expect(renderLine(e, e.format as FormatName), f).toBe(line)
      })
    }
  })

  test('the generated fixtures are what fixtures/make-fixtures.mjs makes', async () => {
    const script = join(ROOT, 'fixtures', 'make-fixtures.mjs')
    const {buildFixtures} = (await import(script)) as {buildFixtures: () => Map<string, string | Buffer>}
    const files = buildFixtures()
    expect(files.size).toBeGreaterThan(100)
    for (const [rel, data] of files) {
      const want = typeof data === 'string' ? Buffer.from(data, 'utf8') : data
      expect(readFileSync(join(ROOT, 'fixtures', rel)).equals(want), `fixtures/${rel} is stale: run node fixtures/make-fixtures.mjs`).toBe(true)
    }
  })

  test('every expected file has one element per line', () => {
    const check = (log: string) => {
      const n = readFileSync(log).toString('latin1').split('\n').length - 1
      const expected = JSON.parse(readFileSync(log.replace(/\.log$/, '.expected.json'), 'utf8')) as unknown[]
      expect(expected, log).toHaveLength(n)
    }
    check(join(ROOT, 'fixtures', 'noise', 'mixed.log'))
    for (const f of FORMATS) check(join(ROOT, 'fixtures', 'formats', `${f}.log`))
    for (const id of SCENARIO_IDS) check(join(ROOT, 'fixtures', 'scenarios', id, 'sidecar.log'))
  })
})
