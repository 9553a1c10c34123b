import {spawnSync} from 'node:child_process'
import {createHash} from 'node:crypto'
import {mkdtempSync, readFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {Ajv2020} from 'ajv/dist/2020.js'
import {describe, expect, test} from 'vitest'

import {REPORT_SCHEMA} from '../../src/report/schema.js'

// Runs the built CLI (npm run build first, as `npm test` does).
const ROOT = join(import.meta.dirname, '../..')
const BIN = join(ROOT, 'bin/run.js')
const runCli = (args: string[], input?: string, env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [BIN, ...args], {input, cwd: ROOT, encoding: 'utf8', env: {...process.env, NO_COLOR: '1', SOURCE_DATE_EPOCH: '1767225600', ...env}, maxBuffer: 64 << 20})

const DEMO = ['fixtures/demo/sidecar.log', 'fixtures/demo/gateway.log', '--headers', 'fixtures/demo/headers.json']
const HOSTILE = 'fixtures/hostile/report.log'
const tmp = () => mkdtempSync(join(tmpdir(), 'egress-audit-report-'))
const sha256 = (file: string) => createHash('sha256').update(readFileSync(join(ROOT, file))).digest('hex')
const validate = new Ajv2020({allowUnionTypes: true}).compile(REPORT_SCHEMA)

describe('egress-audit report', () => {
  test('six reports from one pass, each where its -o says', () => {
    const dir = tmp()
    const out = (f: string) => join(dir, f)
    const r = runCli(['report', ...DEMO, '--format', 'json', '-o', out('r.json'), '--format', 'csv', '-o', out('r.csv'), '--format', 'markdown', '-o', out('r.md'), '--format', 'html', '-o', out('r.html'), '--format', 'junit', '-o', out('r.xml'), '--format', 'sarif', '-o', out('r.sarif')])
    expect(r.stderr).toContain('wrote html report to')
    expect(r.status).toBe(0) // --fail-on defaults to none: a report is not a gate unless asked
    expect(r.stdout).toBe('')
    const json = JSON.parse(readFileSync(out('r.json'), 'utf8'))
    expect(validate(json), JSON.stringify(validate.errors)).toBe(true)
    expect(json.generatedAt).toBe('2026-01-01T00:00:00.000Z')
    expect(json.scope.inputs).toEqual([
      {name: 'fixtures/demo/sidecar.log', bytes: readFileSync(join(ROOT, DEMO[0]!)).length, sha256: sha256(DEMO[0]!), sha256Of: 'file', firstSeen: '2022-05-19T09:58:41.220Z', lastSeen: '2024-06-25T09:13:02.554Z'},
      {name: 'fixtures/demo/gateway.log', bytes: readFileSync(join(ROOT, DEMO[1]!)).length, sha256: sha256(DEMO[1]!), sha256Of: 'file', firstSeen: '2020-06-30T16:17:56.763Z', lastSeen: expect.any(String)},
    ])
    expect(json.scope.headers).toEqual([{name: 'fixtures/demo/headers.json', bytes: readFileSync(join(ROOT, 'fixtures/demo/headers.json')).length, sha256: sha256('fixtures/demo/headers.json')}])
    expect(json.tool).toEqual({name: 'egress-audit', version: JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version})
    expect(readFileSync(out('r.csv'), 'utf8').split('\r\n')[0]).toMatch(/^chain,startTime,/)
    expect(readFileSync(out('r.md'), 'utf8')).toMatch(/^# egress-audit report\n/)
    expect(readFileSync(out('r.html'), 'utf8')).toMatch(/^<!DOCTYPE html>/)
    expect(readFileSync(out('r.xml'), 'utf8')).toContain('<testsuites name="egress-audit"')
    expect(JSON.parse(readFileSync(out('r.sarif'), 'utf8')).version).toBe('2.1.0')
  })

  test('one report without -o goes to stdout; the same inputs give the same bytes', () => {
    const a = runCli(['report', ...DEMO, '--format', 'markdown'])
    const b = runCli(['report', ...DEMO, '--format', 'markdown'])
    expect(a.status).toBe(0)
    expect(a.stdout).toContain('## Findings')
    expect(a.stdout).toBe(b.stdout)
  })

  test('flags before the files: each --format and -o takes one value', () => {
    const dir = tmp()
    const r = runCli(['report', '--format', 'csv', '-o', join(dir, 'a.csv'), '--format', 'json', '-o', join(dir, 'a.json'), HOSTILE])
    expect(r.status).toBe(0)
    expect(JSON.parse(readFileSync(join(dir, 'a.json'), 'utf8')).scope.inputs[0].name).toBe(HOSTILE)
    expect(readFileSync(join(dir, 'a.csv'), 'utf8').split('\r\n').length).toBe(1 + 7 + 1)
  })

  test('an -o alone between --format/-o pairs does not shift the pairing', () => {
    const dir = tmp()
    const r = runCli(['report', HOSTILE, '--format', 'html', '-o', join(dir, 'r.html'), '-o', join(dir, 'r.sarif'), '--format', 'json', '-o', join(dir, 'r.json')])
    expect(r.status).toBe(0)
    expect(r.stderr).toContain('wrote sarif report to')
    expect(JSON.parse(readFileSync(join(dir, 'r.sarif'), 'utf8')).version).toBe('2.1.0')
    expect(JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')).schemaVersion).toMatch(/^1\./)
  })

  test('-o alone takes the format from its extension; --fail-on gates CI after writing', () => {
    const dir = tmp()
    const r = runCli(['report', ...DEMO, '-o', join(dir, 'x.sarif'), '--fail-on', 'high'])
    expect(r.status).toBe(1)
    expect(JSON.parse(readFileSync(join(dir, 'x.sarif'), 'utf8')).runs[0].results.length).toBeGreaterThan(0)
  })

  test('stdin: hashed as the text read', () => {
    const input = readFileSync(join(ROOT, HOSTILE))
    const r = spawnSync(process.execPath, [BIN, 'report', '--format', 'json'], {input, cwd: ROOT, encoding: 'utf8', env: {...process.env, SOURCE_DATE_EPOCH: '0'}})
    expect(r.status).toBe(0)
    const json = JSON.parse(r.stdout)
    expect(json.scope.inputs[0]).toMatchObject({name: 'stdin', sha256Of: 'decoded-text'})
    expect(json.accounting).toMatchObject({linesRead: 7, parsed: 7})
  })

  test('hostile logs: csv neutralises formulae, html carries no markup from them, --redact hides IPs', () => {
    const csv = runCli(['report', HOSTILE, '--format', 'csv'])
    expect(csv.status).toBe(0)
    expect(csv.stdout).toContain(`"'=HYPERLINK(""http://x"")"`)
    expect(csv.stdout).not.toContain('\x1b')
    const html = runCli(['report', HOSTILE, '--format', 'html'])
    expect(html.stdout.match(/<script/g)).toHaveLength(1)
    expect(html.stdout).not.toContain('<img')
    const red = runCli(['report', HOSTILE, '--format', 'json', '--redact'])
    expect(red.stdout).not.toContain('10.244.0.7')
    expect(red.stdout).toContain('"upstreamHost": "ip-')
  })

  test('the scope names the policy with its hash, and the time window', () => {
    const r = runCli(['report', ...DEMO, '--format', 'json', '--policy', 'fixtures/policy/httpbin.yaml', '--since', '2024-06-21T00:00:00Z', '--until', '2024-06-22T00:00:00Z'])
    expect(r.status).toBe(0)
    const json = JSON.parse(r.stdout)
    expect(json.scope.policy).toMatchObject({path: 'fixtures/policy/httpbin.yaml', sha256: sha256('fixtures/policy/httpbin.yaml')})
    expect(json.scope.window).toMatchObject({since: '2024-06-21T00:00:00.000Z', until: '2024-06-22T00:00:00.000Z', joinWindowMs: 5000})
    expect(json.accounting.skippedByReason['out-of-range']).toBeGreaterThan(0)
    expect(json.accounting.parsed + json.accounting.skipped).toBe(json.accounting.linesRead)
    // Log chains only: echoed header sets are not filtered by --since/--until in the core (as in analyze).
    for (const c of json.chains.filter((c: {hops: unknown[]}) => c.hops.length > 0)) expect(c.startTime >= '2024-06-21' && c.startTime < '2024-06-22').toBe(true)
  })

  test.each([
    {name: 'two formats, no -o', args: ['--format', 'csv', '--format', 'json'], says: 'only one report can go to stdout'},
    {name: 'an unknown format', args: ['--format', 'pdf'], says: 'pdf'},
    {name: 'no format at all', args: [], says: 'say which report'},
    {name: 'an -o whose extension names none', args: ['-o', 'x.txt'], says: 'extension names none'},
    {name: 'a bad --window', args: ['--format', 'json', '--window', 'soon'], says: '--window'},
  ])('usage error: $name (exit 2)', ({args, says}) => {
    const r = runCli(['report', ...DEMO, ...args])
    expect(r.status).toBe(2)
    expect(r.stderr).toContain(says)
    expect(r.stdout).toBe('')
  })

  test('an input that cannot be read: the report is written and says so; exit 3', () => {
    const dir = tmp()
    const r = runCli(['report', DEMO[0]!, 'no/such.log', '--format', 'json', '-o', join(dir, 'r.json')])
    expect(r.status).toBe(3)
    expect(r.stderr).toContain('cannot read no/such.log')
    const json = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8'))
    expect(json.scope.problems).toEqual([{input: 'no/such.log', message: expect.stringContaining('no such file')}])
  })
})
