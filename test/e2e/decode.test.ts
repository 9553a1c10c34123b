// `egress-audit decode …` end to end: the built binary, spawned as a user would run it.
import {spawnSync} from 'node:child_process'
import {existsSync, readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

import {beforeAll, describe, expect, test} from 'vitest'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const BIN = `${ROOT}bin/run.js`
const fixture = (rel: string) => `${ROOT}fixtures/${rel}`
const seed = (name: string) => (JSON.parse(readFileSync(fixture(`headers/${name}.json`), 'utf8')) as {headers: Record<string, string>}).headers

const runCli = (args: string[], input?: string) => {
  const r = spawnSync(process.execPath, [BIN, ...args], {cwd: ROOT, input, encoding: 'utf8', env: {...process.env, NO_COLOR: '1'}})
  return {status: r.status, stdout: r.stdout, stderr: r.stderr}
}
const stderrLines = (s: string) => s.split('\n').filter((l) => l.trim() !== '')
const jsonLines = (s: string) => s.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
const NO_STACK = /^\s+at /m
const RAW_CONTROL = /[\x00-\x08\x0b-\x1f\x7f]/

beforeAll(() => {
  if (!existsSync(`${ROOT}dist/commands/decode/headers.js`)) throw new Error('dist/ is missing: run `npm run build` before the e2e tests')
})

describe('decode peer-id', () => {
  test('the seed gateway id', () => {
    const r = runCli(['decode', 'peer-id', seed('gateway-http')['X-Envoy-Peer-Metadata-Id'] as string])
    expect(r.status).toBe(0)
    expect(r.stderr).toBe('')
    expect(JSON.parse(r.stdout)).toEqual({
      type: 'router',
      ip: '10.244.0.6',
      id: 'istio-egressgateway-75c5457c56-htpvz.istio-system',
      pod: 'istio-egressgateway-75c5457c56-htpvz',
      namespace: 'istio-system',
      domain: 'istio-system.svc.cluster.local',
    })
  })
})

describe('decode peer-metadata', () => {
  test('the seed sidecar metadata, compact with --json', () => {
    const r = runCli(['decode', 'peer-metadata', seed('direct-http')['X-Envoy-Peer-Metadata'] as string, '--json'])
    expect(r.status).toBe(0)
    expect(r.stdout.trim().split('\n')).toHaveLength(1)
    expect(JSON.parse(r.stdout)).toMatchObject({NAME: 'curl', NAMESPACE: 'default', INSTANCE_IPS: '10.244.0.7', ISTIO_VERSION: '1.22.1', APP_CONTAINERS: 'curl'})
  })
})

describe('decode xfcc', () => {
  const value = seed('gateway-mtls-originated')['X-Forwarded-Client-Cert'] as string
  test('the seed element, checked at the request time', () => {
    const r = runCli(['decode', 'xfcc', value, '--now', '2024-06-21T19:50:33Z', '--json'])
    expect(r.status).toBe(0)
    expect(r.stderr).toBe('')
    const [el] = JSON.parse(r.stdout) as Record<string, unknown>[]
    expect(el).toMatchObject({
      by: 'spiffe://cluster.local/ns/istio-system/sa/istio-egressgateway-service-account',
      uri: ['spiffe://cluster.local/ns/default/sa/default'],
      hashMatches: true,
      certificate: {serial: 'fc:c5:40:26:c2:90:48:31:13:a1:03:8f:fa:5e:e9:0f', expired: false, validTo: '2024-06-22T19:21:51.000Z'},
    })
  })

  test('--pem prints the certificate after the JSON', () => {
    const r = runCli(['decode', 'xfcc', value, '--pem'])
    expect(r.status).toBe(0)
    const [json, ...rest] = r.stdout.split('\n')
    expect(JSON.parse(json as string)).toHaveLength(1)
    expect(rest.join('\n')).toBe(readFileSync(fixture('certs/seed-mtls-originated.pem'), 'utf8'))
  })

  test('an unreadable Cert: the element is printed, the problem said on stderr, exit 0', () => {
    const r = runCli(['decode', 'xfcc', 'By=a;Cert="abc%zz";URI=u'])
    expect(r.status).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject([{by: 'a', certificate: null}])
    expect(stderrLines(r.stderr)).toEqual(['decode xfcc: XFCC element 1: Cert has a malformed %-escape at offset 3 of its value'])
  })
})

describe('decode headers', () => {
  test('a seed echo file: one evidence, with its conclusions citing lines', () => {
    const r = runCli(['decode', 'headers', fixture('headers/gateway-mtls-originated.json')])
    expect(r.status).toBe(0)
    const [e, ...more] = jsonLines(r.stdout)
    expect(more).toEqual([])
    expect(e).toMatchObject({kind: 'echo', amznTraceTime: '2024-06-21T19:50:33.000Z', peerId: {type: 'router'}})
    expect((e?.conclusions as {claim: string; source: {line: number}}[]).map((c) => `${c.claim}:${c.source.line}`)).toEqual([
      'last-hop-gateway:11',
      'via-gateway:9',
      'mtls-hop:12',
      'left-tls-originated:8',
      'metadata-leaked:10',
    ])
    expect(stderrLines(r.stderr)).toEqual([`decode headers: 1 header set in ${fixture('headers/gateway-mtls-originated.json')}, 0 lines skipped`])
  })

  test.each([{args: []}, {args: ['-']}])('stdin with $args', ({args}) => {
    const r = runCli(['decode', 'headers', ...args], readFileSync(fixture('headers/captures/httpbin-concatenated.json'), 'utf8'))
    expect(r.status).toBe(0)
    expect(jsonLines(r.stdout).map((e) => (e.source as {line: number}).line)).toEqual([2, 14, 27, 40, 54, 62])
    expect(stderrLines(r.stderr)).toEqual(['decode headers: 6 header sets in stdin, 0 lines skipped'])
  })

  test('skipped lines are counted and named on stderr, scrubbed', () => {
    const r = runCli(['decode', 'headers'], 'Host: httpbin.org\n\n\u001b]0;pwned\u0007 not a header\n{"a": 1}\n')
    expect(r.status).toBe(0)
    expect(jsonLines(r.stdout)).toHaveLength(1)
    expect(stderrLines(r.stderr)).toEqual([
      'decode headers: 1 header set in stdin, 2 lines skipped (unrecognised: 1, json-no-headers: 1)',
      '  stdin:3 unrecognised',
      '  stdin:4 json-no-headers',
    ])
  })

  test('terminal escapes in a capture never reach the terminal raw', () => {
    const r = runCli(['decode', 'headers'], 'Host: httpbin.org\nUser-Agent: \u001b[31mred\u001b]8;;http://x\u0007\n{"broken": \u001b[2J\n')
    expect(r.stdout).not.toMatch(RAW_CONTROL)
    expect(r.stderr).not.toMatch(RAW_CONTROL)
    expect(r.stdout).toContain('\\u001b[31mred')
  })

  test('a missing file: exit 3, one line', () => {
    const r = runCli(['decode', 'headers', 'no/such/capture.json'])
    expect(r.status).toBe(3)
    expect(stderrLines(r.stderr)).toHaveLength(1)
    expect(r.stderr).toContain('cannot read no/such/capture.json: no such file')
    expect(r.stderr).not.toMatch(NO_STACK)
  })

  test('a directory: exit 3', () => {
    const r = runCli(['decode', 'headers', fixture('headers')])
    expect(r.status).toBe(3)
    expect(r.stderr).toContain('it is a directory')
  })
})

describe('bad values: exit 2, one line on stderr, no stack', () => {
  test.each([
    {args: ['decode', 'peer-id', 'bogus~1'], message: 'peer id: expected TYPE~IP~POD.NAMESPACE~DOMAIN, found 2 fields'},
    {args: ['decode', 'peer-metadata', 'ChgK!DkFQ'], message: 'peer metadata: invalid base64 character "!" at offset 4'},
    {args: ['decode', 'peer-metadata', 'CAE='], message: 'peer metadata: not a protobuf Struct: field 1 wire type 0 at byte 0'},
    {args: ['decode', 'xfcc', 'By=a;Subject="open'], message: 'XFCC element 1: unterminated quote at offset 13'},
    {args: ['decode', 'xfcc', 'By=a', '--now', 'yesterday'], message: '--now: "yesterday" is not an ISO 8601 time'},
    {args: ['decode', 'headers', '--now', 'soon'], message: '--now: "soon" is not an ISO 8601 time'},
  ])('$args.1 $args.2', ({args, message}) => {
    const r = runCli(args, '')
    expect(r.status).toBe(2)
    expect(r.stdout).toBe('')
    expect(r.stderr).not.toMatch(NO_STACK)
    // oclif wraps error text at 80 columns off a terminal; these messages fit in one line.
    expect(stderrLines(r.stderr)).toHaveLength(1)
    expect(r.stderr).toContain(message)
  })

  test('an escape sequence in a bad value is shown, not obeyed', () => {
    const r = runCli(['decode', 'peer-id', '\u001b[2Jx~1.2.3.4~a.b~c'])
    expect(r.status).toBe(2)
    expect(r.stderr).not.toMatch(RAW_CONTROL)
    expect(r.stderr).toContain('\\u001b[2Jx')
  })
})

describe('--help is useful', () => {
  test.each(['peer-metadata', 'peer-id', 'xfcc', 'headers'])('decode %s --help has a description and real examples', (cmd) => {
    const r = runCli(['decode', cmd, '--help'])
    expect(r.status).toBe(0)
    expect(r.stdout).toContain('DESCRIPTION')
    expect(r.stdout).toContain('EXAMPLES')
    expect(r.stdout).toMatch(/cluster\.local|fixtures\/headers|ChgKDkFQUF9DT05UQUlORVJT/)
  })
})
