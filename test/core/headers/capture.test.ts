import {describe, expect, test} from 'vitest'

import {buildHeaderEvidence, headerValues, parseCapture, type HeaderSet} from '../../../src/core/headers/index.js'
import {readFixture, SCENARIOS, seedHeaders} from './fixtures.js'

const capture = (name: string) => parseCapture(readFixture(`headers/captures/${name}`), {input: name})
/** A set as one readable row: kind, format, line, start line, `name@line` per header. */
const row = (s: HeaderSet) => ({
  kind: s.kind,
  format: s.format,
  line: s.source.line,
  ...(s.method ? {request: `${s.method} ${s.path}`} : {}),
  ...(s.status ? {status: s.status} : {}),
  headers: s.headers.map((h) => `${h.name}@${h.line}`).join(' '),
})
const asRecord = (s: HeaderSet) => Object.fromEntries(s.headers.map((h) => [h.name, h.value]))

describe('httpbin JSON', () => {
  test('six pretty-printed documents concatenated: every seed echo, verbatim, each at its "headers" line', () => {
    const c = capture('httpbin-concatenated.json')
    expect(c.skipped).toEqual([])
    expect(c.linesRead).toBe(78)
    expect(c.sets.map((s) => s.source.line)).toEqual([2, 14, 27, 40, 54, 62])
    expect(c.sets.map(asRecord)).toEqual(SCENARIOS.map(seedHeaders))
    expect(row(c.sets[3]!).headers).toBe(
      'Accept@41 Host@42 User-Agent@43 X-Amzn-Trace-Id@44 X-Envoy-Attempt-Count@45 X-Envoy-Decorator-Operation@46 X-Envoy-Internal@47 X-Envoy-Peer-Metadata@48 X-Envoy-Peer-Metadata-Id@49 X-Forwarded-Client-Cert@50',
    )
  })

  test('httpbin writes XFCC quotes as \\" and they come back as quotes', () => {
    const c = capture('httpbin-concatenated.json')
    const xfcc = headerValues(c.sets[3]!.headers, 'x-forwarded-client-cert')[0] ?? ''
    expect(xfcc).toMatch(/;Cert="-----BEGIN%20CERTIFICATE-----%0A/)
    expect(buildHeaderEvidence(c.sets[3]!, {now: 0}).xfcc?.[0]?.hashMatches).toBe(true)
  })

  test('NDJSON: one document a line, a broken line and an access-log line skipped, go-httpbin arrays kept', () => {
    const c = capture('httpbin.ndjson')
    expect(c.skipped).toEqual([
      {line: 3, reason: 'bad-json', detail: 'JSON never closes'},
      {line: 9, reason: 'json-no-headers'},
    ])
    expect(c.sets.map((s) => s.source.line)).toEqual([1, 2, 4, 5, 6, 7, 8])
    expect(c.sets.slice(0, 6).map(asRecord)).toEqual(SCENARIOS.map(seedHeaders))
    expect(row(c.sets[6]!)).toEqual({kind: 'echo', format: 'httpbin-json', line: 8, headers: 'Host@8 X-Forwarded-Client-Cert@8 X-Forwarded-Client-Cert@8'})
  })

  test.each([
    {name: 'two documents on one line', text: '{"headers":{"Host":"a"}}{"headers":{"Host":"b"}}\n', hosts: ['a', 'b'], skipped: []},
    {name: 'an array of documents', text: '[\n  {"headers": {"Host": "a"}},\n  {"headers": {"Host": "b"}}\n]\n', hosts: ['a', 'b'], skipped: []},
    {name: 'a bare header map with a Host (jq .headers)', text: '{\n  "Host": "a",\n  "X-Envoy-Internal": "true"\n}\n', hosts: ['a'], skipped: []},
    {name: 'a map without Host is not taken for headers', text: '{"Accept": "*/*"}\n', hosts: [], skipped: [{line: 1, reason: 'json-no-headers'}]},
    {name: 'text after a document', text: '{"headers":{"Host":"a"}} trailing\n', hosts: ['a'], skipped: [{line: 1, reason: 'unrecognised', detail: 'text after a JSON value'}]},
    {name: 'balanced but invalid JSON', text: '{"headers": {"Host": a}}\n{"headers":{"Host":"b"}}\n', hosts: ['b'], skipped: [{line: 1, reason: 'bad-json', detail: expect.stringMatching(/JSON/) as unknown as string}]},
    {name: 'a pretty document cut short, then a good one', text: '{\n  "headers": {\n    "Host": "a",\n{"headers":{"Host":"b"}}\n', hosts: ['b'], skipped: [{line: 1, reason: 'bad-json', detail: 'JSON never closes; 3 lines skipped'}]},
    {name: 'an access-log line starting with [ is not JSON', text: '[2024-06-21T19:24:00.453Z] "GET /headers HTTP/2" 200\n', hosts: [], skipped: [{line: 1, reason: 'unrecognised'}]},
    {name: 'a byte-order mark', text: '\ufeff{"headers":{"Host":"a"}}', hosts: ['a'], skipped: []},
    {name: 'CRLF line ends', text: '{\r\n  "headers": {\r\n    "Host": "a"\r\n  }\r\n}\r\n', hosts: ['a'], skipped: []},
  ])('$name', ({text, hosts, skipped}) => {
    const c = parseCapture(text)
    expect(c.sets.map((s) => headerValues(s.headers, 'host')[0])).toEqual(hosts)
    expect(c.skipped).toEqual(skipped)
  })

  test('numbers and booleans in a header map are written as text', () => {
    const c = parseCapture('{"headers": {"Host": "a", "Content-Length": 12, "X-Flag": true, "X-Null": null}}')
    expect(c.sets[0]?.headers.map((h) => `${h.name}=${h.value}`)).toEqual(['Host=a', 'Content-Length=12', 'X-Flag=true'])
  })
})

describe('HAR', () => {
  test('request and response headers as separate sets, and the echo in the response body', () => {
    const c = capture('echo.har')
    expect(c.skipped).toEqual([])
    expect(c.sets.map(row)).toEqual([
      {kind: 'request', format: 'har', line: 12, request: 'GET http://httpbin.org/headers', headers: 'Host@19 User-Agent@23 Accept@27'},
      {kind: 'response', format: 'har', line: 35, status: 200, headers: 'date@42 content-type@46 content-length@50 server@54 x-envoy-upstream-service-time@58'},
      {
        kind: 'echo',
        format: 'har',
        line: 65,
        headers:
          'Accept@65 Host@65 User-Agent@65 X-Amzn-Trace-Id@65 X-B3-Parentspanid@65 X-B3-Sampled@65 X-B3-Spanid@65 X-B3-Traceid@65 X-Envoy-Attempt-Count@65 X-Envoy-Decorator-Operation@65 X-Envoy-Internal@65 X-Envoy-Peer-Metadata@65 X-Envoy-Peer-Metadata-Id@65 X-Forwarded-Client-Cert@65',
      },
    ])
    expect(asRecord(c.sets[2]!)).toEqual(seedHeaders('gateway-mtls-plaintext'))
  })
})

describe('curl', () => {
  test('curl -v: > and < lines are separate request and response sets; * and data lines pass; the body is the echo', () => {
    const c = capture('curl-verbose.txt')
    expect(c.skipped).toEqual([{line: 1, reason: 'unrecognised'}]) // the `$ kubectl exec …` prompt line
    expect(c.sets.map(row)).toEqual([
      {kind: 'request', format: 'curl-verbose', line: 4, request: 'GET /headers', headers: 'Host@5 User-Agent@6 Accept@7'},
      {
        kind: 'response',
        format: 'curl-verbose',
        line: 10,
        status: 200,
        headers: 'date@11 content-type@12 content-length@13 server@14 access-control-allow-origin@15 access-control-allow-credentials@16 x-envoy-upstream-service-time@17',
      },
      {
        kind: 'echo',
        format: 'httpbin-json',
        line: 22,
        headers: 'Accept@23 Host@24 User-Agent@25 X-Amzn-Trace-Id@26 X-Envoy-Attempt-Count@27 X-Envoy-Decorator-Operation@28 X-Envoy-Internal@29 X-Envoy-Peer-Metadata@30 X-Envoy-Peer-Metadata-Id@31',
      },
    ])
  })

  test('curl -v following a redirect: each response its own set', () => {
    const text = ['> GET /redirect/1 HTTP/2', '> Host: httpbin.org', '> ', '< HTTP/2 302', '< location: /get', '< ', '* Issue another request to this URL', '> GET /get HTTP/2', '> Host: httpbin.org', '> ', '< HTTP/2 200', '< server: envoy', '* TLSv1.3 (IN), TLS handshake, Newsession Ticket (4):', '< x-envoy-upstream-service-time: 5', '<'].join('\n')
    const c = parseCapture(text)
    expect(c.skipped).toEqual([])
    expect(c.sets.map((s) => [s.kind, s.status ?? s.path, s.headers.length])).toEqual([
      ['request', '/redirect/1', 1],
      ['response', 302, 1],
      ['request', '/get', 1],
      ['response', 200, 2],
    ])
  })

  test('curl -sSL -D -: CRLF header blocks after a redirect, then the body', () => {
    const c = capture('curl-dump.txt')
    expect(c.skipped).toEqual([])
    expect(c.sets.map((s) => [s.kind, s.format, s.source.line, s.status ?? null])).toEqual([
      ['response', 'curl-dump', 1, 302],
      ['response', 'curl-dump', 11, 200],
      ['echo', 'httpbin-json', 20, null],
    ])
    expect(headerValues(c.sets[0]!.headers, 'Location')).toEqual(['/headers']) // no trailing \r
    expect(asRecord(c.sets[2]!)).toEqual(seedHeaders('gateway-originated'))
  })

  test('a bad line inside a curl block is skipped, the block goes on', () => {
    const c = parseCapture('< HTTP/1.1 200 OK\n< server: envoy\n< not a header\n< date: x\n')
    expect(c.skipped).toEqual([{line: 3, reason: 'bad-header-line'}])
    expect(c.sets[0]?.headers.map((h) => h.name)).toEqual(['server', 'date'])
  })
})

describe('raw Name: value blocks', () => {
  test('blocks separated by blank lines, repeated headers kept, folded lines joined, stray text skipped', () => {
    const c = capture('raw-blocks.txt')
    expect(c.skipped).toEqual([{line: 25, reason: 'unrecognised'}])
    expect(c.sets.map((s) => [s.kind, s.format, s.source.line, s.method ?? null])).toEqual([
      ['headers', 'raw', 1, null],
      ['headers', 'raw', 10, 'GET'],
    ])
    expect(asRecord(c.sets[0]!)).toEqual(seedHeaders('direct-http'))
    expect(headerValues(c.sets[1]!.headers, 'X-Forwarded-Client-Cert')).toHaveLength(2)
    expect(headerValues(c.sets[1]!.headers, 'x-folded')).toEqual(['first part second part'])
  })

  test.each([
    {name: 'a URL is not a header named https', text: 'https://httpbin.org/headers\n', sets: 0, skipped: [{line: 1, reason: 'unrecognised'}]},
    {name: 'HTTP/2 pseudo-headers', text: ':authority: httpbin.org\n:path: /headers\n', sets: 1, skipped: []},
    {name: 'a NUL byte', text: 'Host: a\u0000b\n', sets: 0, skipped: [{line: 1, reason: 'binary'}]},
    {name: 'an empty capture', text: '', sets: 0, skipped: []},
    {name: 'only blank lines', text: '\n\n  \n', sets: 0, skipped: []},
  ])('$name', ({text, sets, skipped}) => {
    const c = parseCapture(text)
    expect(c.sets).toHaveLength(sets)
    expect(c.skipped).toEqual(skipped)
  })
})
