import {spawnSync} from 'node:child_process'
import {existsSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, test} from 'vitest'

// Runs the built CLI (npm run build first, as `npm test` does).
const ROOT = join(import.meta.dirname, '../..')
const BIN = join(ROOT, 'bin/run.js')
const runCli = (args: string[], input?: string, cwd = ROOT) =>
  spawnSync(process.execPath, [BIN, ...args], {input, cwd, encoding: 'utf8', env: {...process.env, NO_COLOR: '1'}, maxBuffer: 64 << 20})

const DEMO = 'fixtures/demo'
const SIDECAR = `${DEMO}/sidecar.log`
const GATEWAY = `${DEMO}/gateway.log`
const HEADERS = `${DEMO}/headers.json`
const lines = (file: string, ...numbers: number[]) => {
  const all = readFileSync(join(ROOT, file), 'utf8').split('\n')
  return numbers.map((n) => all[n - 1]!).join('\n') + '\n'
}
const tmp = () => mkdtempSync(join(tmpdir(), 'egress-audit-analyze-'))
const write = (dir: string, name: string, text: string) => {
  writeFileSync(join(dir, name), text)
  return join(dir, name)
}

describe('egress-audit analyze', () => {
  test('sidecar and gateway logs with echoes: a summary, findings, accounting; exit 1 on high findings', () => {
    const r = runCli(['analyze', SIDECAR, GATEWAY, '--headers', HEADERS])
    expect(r.status).toBe(1)
    expect(r.stdout).toMatch(/^Egress observed in logs: 19 request chains/)
    expect(r.stdout).toMatch(/httpbin\.org:443\s+gateway-mtls-originated\s+2/)
    expect(r.stdout).toMatch(/\nHIGH\n[\s\S]*\nMEDIUM\n[\s\S]*\nLOW\n[\s\S]*\nINFO\n/)
    expect(r.stdout).toContain('27 lines read from 2 inputs: 27 parsed')
    expect(r.stdout).not.toContain('\x1b')
    expect(r.stderr).toBe('')
  })

  test('stdin, when no file is named (and as -)', () => {
    const input = readFileSync(join(ROOT, GATEWAY), 'utf8')
    for (const args of [['analyze', '--fail-on', 'none'], ['analyze', '-', '--fail-on', 'none']]) {
      const r = runCli(args, input)
      expect(r.status).toBe(0)
      expect(r.stdout).toMatch(/^Egress observed in logs: 9 request chains/)
      expect(r.stdout).toContain('9 lines read from 1 input')
    }
  })

  test.each([
    {name: 'gateway-mtls-originated only: clean at any level', rows: [11], failOn: 'info', status: 0},
    {name: 'a blocked attempt is low: clean at high', rows: [4], failOn: 'high', status: 0},
    {name: 'a blocked attempt is low: findings at low', rows: [4], failOn: 'low', status: 1},
    {name: 'plain HTTP out is high', rows: [6], failOn: 'high', status: 1},
    {name: '--fail-on none never fails on findings', rows: [6], failOn: 'none', status: 0},
  ])('--fail-on: $name', ({rows, failOn, status}) => {
    const dir = tmp()
    const file = write(dir, 'sidecar.log', lines(SIDECAR, ...rows))
    const gw = write(dir, 'gateway.log', rows.includes(11) ? lines(GATEWAY, 5) : '')
    expect(runCli(['analyze', file, gw, '--fail-on', failOn]).status).toBe(status)
  })

  test('a policy: a workload the rule does not allow is a violation with the rule\'s severity', () => {
    const r = runCli(['analyze', SIDECAR, GATEWAY, '--headers', HEADERS, '--policy', 'fixtures/policy/only-payments.yaml', '--json'])
    const result = JSON.parse(r.stdout)
    const violations = result.findings.filter((f: {kind: string}) => f.kind === 'policy-violation')
    const workload = violations.filter((f: {title: string}) => f.title.includes('may not reach httpbin.org'))
    expect(workload.length).toBeGreaterThan(0)
    expect(workload[0]).toMatchObject({severity: 'medium', policyRule: 'httpbin-payments-only'})
    expect(workload[0].evidence[0].ref).toMatch(/^fixtures\/policy\/only-payments\.yaml:\d+$/)
    expect(result.options.policy).toBe('fixtures/policy/only-payments.yaml')
  })

  test('a policy that allows what was seen clears those findings', () => {
    const r = runCli(['analyze', SIDECAR, GATEWAY, '--headers', HEADERS, '--policy', 'fixtures/policy/httpbin.yaml', '--json'])
    const violations = JSON.parse(r.stdout).findings.filter((f: {kind: string}) => f.kind === 'policy-violation').map((f: {title: string}) => f.title)
    expect(violations).not.toContain('Policy: gateway-mtls-plaintext to httpbin.org:80 is not allowed')
    expect(violations).toContain('Policy: gateway-plaintext to httpbin.org:80 is not allowed')
  })

  test('--json: one document with every chain, its hops, evidence and verdict, the findings and the accounting', () => {
    const r = runCli(['analyze', SIDECAR, GATEWAY, '--headers', HEADERS, '--json'])
    expect(r.status).toBe(1)
    const result = JSON.parse(r.stdout)
    expect(result.chains).toHaveLength(19)
    expect(result.chains.flatMap((c: {hops: unknown[]}) => c.hops)).toHaveLength(27)
    for (const c of result.chains) {
      expect(c).toHaveProperty('verdict')
      expect(c).toHaveProperty('rule')
      expect(c.evidence.length).toBeGreaterThan(0)
    }
    expect(result.accounting).toMatchObject({linesRead: 27, parsed: 27})
    expect(result.totals).toMatchObject({chains: 19, headerSets: 7, headerSetsJoined: 7})
    expect(result.findings.length).toBeGreaterThan(10)
  })

  test('--ndjson: one chain per line on stdout; the count of findings on stderr', () => {
    const r = runCli(['analyze', SIDECAR, GATEWAY, '--ndjson'])
    const chains = r.stdout.trim().split('\n').map((l) => JSON.parse(l))
    expect(chains).toHaveLength(19)
    expect(chains.map((c: {verdict: string}) => c.verdict)).toContain('gateway-passthrough')
    expect(r.stderr).toMatch(/^19 chains, findings: \d+ high/)
  })

  test('--since / --until: lines outside are counted as skipped out-of-range', () => {
    const r = runCli(['analyze', SIDECAR, '--since', '2024-06-21T19:30:00Z', '--until', '2024-06-24T00:00:00Z', '--fail-on', 'none'])
    expect(r.status).toBe(0)
    expect(r.stdout).toContain('18 lines read from 1 input: 6 parsed')
    expect(r.stdout).toMatch(/skipped out-of-range\s+12\s+fixtures\/demo\/sidecar\.log:1/)
  })

  test('--since accepts a duration ago: old logs are all out of range', () => {
    expect(runCli(['analyze', SIDECAR, '--since', '2h', '--fail-on', 'none']).stdout).toMatch(/skipped out-of-range\s+18/)
  })

  test.each([
    {name: 'a bad policy YAML: one line naming line and column', args: ['--policy', 'fixtures/policy/bad-syntax.yaml'], message: /^egress-audit: --policy: fixtures\/policy\/bad-syntax\.yaml:3:3: .+\n$/},
    {name: 'a policy with an unknown verdict', args: ['--policy', 'fixtures/policy/bad-verdict.yaml'], message: /bad-verdict\.yaml:6:13: unknown verdict "gateway-mtls-orginated"/},
    {name: 'a policy file that does not exist', args: ['--policy', 'nope.yaml'], message: /--policy: cannot read nope\.yaml: no such file/},
    {name: 'a bad --window', args: ['--window', 'soon'], message: /--window: 'soon' is not a duration/},
    {name: 'a bad --since', args: ['--since', 'yesterday'], message: /--since: 'yesterday' is neither/},
    {name: 'an unknown --fail-on', args: ['--fail-on', 'critical'], message: /Expected --fail-on=critical to be one of/},
  ])('usage error, exit 2: $name', ({args, message}) => {
    const r = runCli(['analyze', SIDECAR, ...args])
    expect(r.status).toBe(2)
    expect(r.stderr).toMatch(message)
    expect(r.stdout).toBe('')
  })

  test('a missing input exits 3; the others are still read and reported', () => {
    const r = runCli(['analyze', 'nope.log', GATEWAY, '--fail-on', 'none'])
    expect(r.status).toBe(3)
    expect(r.stderr).toContain('egress-audit: cannot read nope.log: no such file')
    expect(r.stdout).toContain('9 request chains')
    expect(r.stdout).toContain('input error: nope.log: no such file')
  })

  test('a missing --headers file exits 3', () => {
    const r = runCli(['analyze', SIDECAR, '--headers', 'nope.json'])
    expect(r.status).toBe(3)
    expect(r.stderr).toContain('cannot read nope.json: no such file')
  })

  test('--headers takes one file each time, so files after it are still logs', () => {
    const r = runCli(['analyze', '--headers', HEADERS, SIDECAR, GATEWAY, '--fail-on', 'none'])
    expect(r.status).toBe(0)
    expect(r.stdout).toContain('27 lines read from 2 inputs')
  })
})

describe('egress-audit policy init', () => {
  test('prints the example to stdout, which analyze accepts', () => {
    const r = runCli(['policy', 'init'])
    expect(r.status).toBe(0)
    expect(r.stdout).toContain('# egress-audit policy')
    const dir = tmp()
    const file = write(dir, 'p.yaml', r.stdout)
    expect(runCli(['analyze', SIDECAR, '--policy', file, '--fail-on', 'none']).status).toBe(0)
  })

  test('writes a file, and refuses to overwrite it without --force', () => {
    const file = join(tmp(), 'egress-policy.yaml')
    expect(runCli(['policy', 'init', file]).status).toBe(0)
    expect(existsSync(file)).toBe(true)
    writeFileSync(file, '# mine\n')
    const again = runCli(['policy', 'init', file])
    expect(again.status).toBe(2)
    expect(again.stderr).toContain('exists; use --force')
    expect(readFileSync(file, 'utf8')).toBe('# mine\n')
    expect(runCli(['policy', 'init', file, '--force']).status).toBe(0)
    expect(readFileSync(file, 'utf8')).toContain('# egress-audit policy')
  })
})
