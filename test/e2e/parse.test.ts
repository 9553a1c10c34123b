import {spawn, spawnSync} from 'node:child_process'
import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {gzipSync} from 'node:zlib'
import {describe, expect, test} from 'vitest'

const BIN = join(import.meta.dirname, '../../bin/run.js')
const runCli = (args: string[], input?: string | Buffer) =>
  spawnSync(process.execPath, [BIN, ...args], {input, encoding: 'utf8', env: {...process.env, NO_COLOR: '1'}, maxBuffer: 64 << 20})

// Seed 001's real gateway lines, and seed 000's truncated sidecar line.
const GW_HTTP = `[2024-06-21T19:24:00.453Z] "GET /headers HTTP/2" 200 - via_upstream - "-" 0 1450 57 57 "10.244.0.7" "curl/7.83.1-DEV" "51ed62d9-1da8-4250-9923-df406ca9fd57" "httpbin.org" "3.213.1.197:80" outbound|80||httpbin.org 10.244.0.6:41144 10.244.0.6:8080 10.244.0.7:55490 - -`
const GW_PASS = `[2024-06-21T21:22:27.560Z] "- - -" 0 - - - "-" 940 5946 156 - "-" "-" "-" "-" "18.211.234.122:443" outbound|443||httpbin.org 10.244.0.6:50356 10.244.0.6:8443 10.244.0.7:51628 httpbin.org -`
const SEED0 = `[2022-05-19T10:01:06.795Z] "GET / HTTP/1.1" 200 - via_upstream - "-" 0 615 1 0 "-" "curl/7.83.1-DEV" "96e8d8a7-92ce-9939-aa47-9f5f530a69fb" "my-nginx.mesh-external.svc.cluster.local:443" "10.107.176.65:443"`
const AGENT = '2022-12-27T22:07:16.522359Z\tinfo\tEnvoy proxy is ready'

/** Feeds `parse` an endless stdin, closes its stdout after the first output (as `| head` does), and waits for the exit. */
async function parseIntoClosedPipe(args: string[]): Promise<{code: number | null; stderr: string}> {
    const child = spawn(process.execPath, [BIN, 'parse', ...args], {stdio: ['pipe', 'pipe', 'pipe']})
    let stderr = ''
    child.stderr.on('data', (d) => (stderr += d))
    const firstLine = new Promise<void>((resolve) => child.stdout.once('data', () => resolve()))
    const block = `${Array.from({length: 5000}, () => GW_HTTP).join('\n')}\n`
    const feed = () => { if (!child.stdin.destroyed) child.stdin.write(block, () => setImmediate(feed)) }
    child.stdin.on('error', () => {})
    feed()
    await firstLine
    child.stdout.destroy()
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve))
  return {code, stderr}
}

const tmp = () => mkdtempSync(join(tmpdir(), 'egress-audit-e2e-'))
const ndjson = (s: string) => s.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l))

describe('egress-audit parse', () => {
  test('stdin with kubectl --prefix, a proxy log line and a truncated line: every line accounted for', () => {
    const input = [`[pod/istio-egressgateway-75c5457c56-htpvz/istio-proxy] ${GW_HTTP}`, AGENT, SEED0, '', GW_PASS].join('\n')
    const r = runCli(['parse'], input)
    expect(r.status).toBe(0)
    const entries = ndjson(r.stdout)
    expect(entries).toHaveLength(2)
    expect(entries[0]).toMatchObject({requestId: '51ed62d9-1da8-4250-9923-df406ca9fd57', source: {input: 'stdin', line: 1, pod: 'istio-egressgateway-75c5457c56-htpvz', container: 'istio-proxy'}, format: 'istio'})
    expect(entries[1]).toMatchObject({requestedServerName: 'httpbin.org', source: {line: 5}})
    expect(r.stderr).toContain('5 lines read from 1 input: 2 parsed (istio 2), 3 skipped')
    expect(r.stderr).toMatch(/truncated\s+1\s+stdin:3/)
    expect(r.stderr).toMatch(/agent-log\s+1\s+stdin:2/)
  })

  test('several files, one gzipped (detected by content, not name), cited by name', () => {
    const dir = tmp()
    writeFileSync(join(dir, 'a.log'), `${GW_HTTP}\n`)
    writeFileSync(join(dir, 'b.txt'), gzipSync(`${GW_PASS}\n${GW_HTTP}\n`))
    const r = runCli(['parse', join(dir, 'a.log'), join(dir, 'b.txt')])
    expect(r.status).toBe(0)
    const entries = ndjson(r.stdout)
    expect(entries.map((e) => `${e.source.input.split('/').pop()}:${e.source.line}`)).toEqual(['a.log:1', 'b.txt:1', 'b.txt:2'])
  })

  test('a truncated .gz: lines before the cut are kept, the input error exits 3', () => {
    const dir = tmp()
    const gz = gzipSync(Array.from({length: 2000}, () => GW_HTTP).join('\n'))
    writeFileSync(join(dir, 'cut.log.gz'), gz.subarray(0, gz.length - 40))
    const r = runCli(['parse', join(dir, 'cut.log.gz')])
    expect(r.status).toBe(3)
    expect(ndjson(r.stdout).length).toBeGreaterThan(100)
    expect(r.stderr).toContain('input error')
  })

  test('a missing file exits 3 and the other inputs are still read', () => {
    const dir = tmp()
    writeFileSync(join(dir, 'a.log'), `${GW_HTTP}\n`)
    const r = runCli(['parse', join(dir, 'missing.log'), join(dir, 'a.log')])
    expect(r.status).toBe(3)
    expect(ndjson(r.stdout)).toHaveLength(1)
    expect(r.stderr).toMatch(/input error: .*missing\.log/)
  })

  test('--skipped writes every skipped line with its reason; --strict turns skips into exit 3', () => {
    const dir = tmp()
    const file = join(dir, 'skipped.ndjson')
    const r = runCli(['parse', '--skipped', file, '--strict'], [GW_HTTP, SEED0, 'hello'].join('\n'))
    expect(r.status).toBe(3)
    expect(ndjson(readFileSync(file, 'utf8'))).toEqual([
      {input: 'stdin', line: 2, reason: 'truncated', text: SEED0},
      {input: 'stdin', line: 3, reason: 'not-access-log', text: 'hello'},
    ])
  })

  test('--format pins a preset; an unknown one is a usage error (exit 2, one line, no stack)', () => {
    expect(runCli(['parse', '--format', 'istio-1.8'], GW_HTTP).stdout).toBe('')
    const bad = runCli(['parse', '--format', 'istio-9'], GW_HTTP)
    expect(bad.status).toBe(2)
    expect(bad.stderr).toContain('unknown format')
    expect(bad.stderr).not.toMatch(/\n\s+at /)
  })

  test('a 10 MB line between two good ones is skipped as too-long; numbering stays right', () => {
    const r = runCli(['parse'], `${GW_HTTP}\n${'x'.repeat(10 << 20)}\n${GW_PASS}\n`)
    expect(r.status).toBe(0)
    expect(ndjson(r.stdout).map((e) => e.source.line)).toEqual([1, 3])
    expect(r.stderr).toMatch(/too-long\s+1\s+stdin:2/)
  })

  test('output into a closed pipe (| head) stops reading and exits quietly', async () => {
    const {code, stderr} = await parseIntoClosedPipe([])
    expect(code).toBe(0)
    expect(stderr).not.toContain('EPIPE')
    expect(stderr).not.toMatch(/\n\s+at /)
  })
})

describe('egress-audit formats', () => {
  test('lists every preset with its format string', () => {
    const r = runCli(['formats'])
    expect(r.status).toBe(0)
    for (const name of ['egress-audit', 'istio', 'istio-1.8', 'istio-1.3', 'envoy', 'istio-json']) expect(r.stdout).toContain(`${name}  (`)
  })

  test('--istio prints Telemetry and meshConfig with the egress-audit format, and parse reads lines in it', () => {
    const r = runCli(['formats', '--istio'])
    expect(r.stdout).toContain('kind: Telemetry')
    expect(r.stdout).toContain('envoyFileAccessLog')
    expect(r.stdout).toContain('%DOWNSTREAM_PEER_URI_SAN%')
    const preset = runCli(['formats', '--preset', 'egress-audit']).stdout
    expect(r.stdout).toContain(preset.trimEnd())
  })

  test('--preset with an unknown name exits 2', () => {
    expect(runCli(['formats', '--preset', 'nope']).status).toBe(2)
  })
})

test('the built package has its WebAssembly scanner where parse looks for it', () => {
  const scanner = join(import.meta.dirname, '../../dist/shell/scanner.js')
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', `import {loadScanner} from ${JSON.stringify(scanner)}; console.log(loadScanner() !== undefined)`], {encoding: 'utf8'})
  expect(r.stderr).toBe('')
  expect(r.stdout.trim()).toBe('true')
})

describe('parse --jobs (worker threads)', () => {
  test('the same output, in the same order, with the same accounting as one thread, on awkward input', () => {
    const dir = tmp()
    const lines: string[] = []
    for (let i = 0; i < 3000; i++) lines.push(i % 7 === 0 ? `[pod/gw-${i}/istio-proxy] ${GW_PASS}` : GW_HTTP.replace('/headers', `/headers/${i}/é✓`))
    lines.splice(1234, 0, 'x'.repeat(3 << 20), AGENT, '', SEED0, '\u0000\u0001 garbage')
    const text = `\ufeff${lines.join('\r\n')}` // a BOM, CRLF endings, and no final newline
    writeFileSync(join(dir, 'a.log'), text)
    writeFileSync(join(dir, 'b.log.gz'), gzipSync(text))
    const args = ['parse', '--max-line', '100000', join(dir, 'a.log'), join(dir, 'b.log.gz')]
    const one = runCli([...args, '--jobs', '1'])
    const three = runCli([...args, '--jobs', '3'])
    expect(one.status).toBe(0)
    expect(three.status).toBe(0)
    expect(three.stdout).toBe(one.stdout)
    expect(three.stderr).toBe(one.stderr)
    expect(one.stderr).toContain('6,010 lines read from 2 inputs: 6,000 parsed')
    expect(one.stderr).toMatch(/too-long\s+2\s+.*a\.log:1235/)
  })

  test('the same output as one thread on LF lines, plain and not, multi-byte characters across text chunks', () => {
    const dir = tmp()
    const lines: string[] = []
    for (let i = 0; i < 4000; i++) lines.push(i % 13 === 0 ? GW_HTTP.replace('/headers', `/h/${'é'.repeat(i % 50)}`) : i % 5 === 0 ? AGENT : GW_HTTP.replace('/headers', `/headers/${i}`))
    writeFileSync(join(dir, 'a.log'), `${lines.join('\n')}\n`)
    const args = ['parse', join(dir, 'a.log')]
    const one = runCli([...args, '--jobs', '1'])
    const two = runCli([...args, '--jobs', '2'])
    expect(one.status).toBe(0)
    expect(two.stdout).toBe(one.stdout)
    expect(two.stderr).toBe(one.stderr)
    expect(one.stdout.split('\n')).toHaveLength(lines.filter((l) => l !== AGENT).length + 1)
  })

  test('--jobs 2 into a closed pipe stops quietly', async () => {
    const {code, stderr} = await parseIntoClosedPipe(['--jobs', '2'])
    expect(code).toBe(0)
    expect(stderr).not.toMatch(/\n\s+at /)
  })
})
