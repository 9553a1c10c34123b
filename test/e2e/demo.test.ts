import {spawnSync} from 'node:child_process'
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, test} from 'vitest'

import {VERDICTS} from '../../src/core/model.js'

const BIN = join(import.meta.dirname, '../../bin/run.js')
// From a directory that has no fixtures: the demo must find its own.
const elsewhere = mkdtempSync(join(tmpdir(), 'egress-audit-demo-'))
const runCli = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], {cwd: elsewhere, encoding: 'utf8', env: {...process.env, NO_COLOR: '1'}, maxBuffer: 64 << 20})

describe('egress-audit demo', () => {
  test('runs on the bundled fixtures from any directory, prints every verdict and exits with findings', () => {
    const r = runCli(['demo'])
    expect(r.status).toBe(1)
    expect(r.stderr).toBe('')
    for (const v of VERDICTS) expect(r.stdout).toMatch(new RegExp(`\\s${v}\\s`))
    for (const s of ['HIGH', 'MEDIUM', 'LOW', 'INFO']) expect(r.stdout).toContain(`\n${s}\n`)
    expect(r.stdout).toContain('fixtures/demo/sidecar.log:')
    expect(r.stdout).toContain('27 lines read from 2 inputs: 27 parsed')
    expect(r.stdout).toContain('fixtures/demo/headers.json: 7 header sets')
    expect(r.stdout).not.toContain('\x1b')
  })

  test('--json: every verdict, every severity, every echo joined', () => {
    const result = JSON.parse(runCli(['demo', '--json']).stdout)
    expect(new Set(result.chains.map((c: {verdict: string}) => c.verdict))).toEqual(new Set(VERDICTS))
    expect(new Set(result.findings.map((f: {severity: string}) => f.severity))).toEqual(new Set(['high', 'medium', 'low', 'info']))
    expect(result.totals).toMatchObject({chains: 19, headerSets: 7, headerSetsJoined: 7})
  })

  test('--fail-on none exits 0', () => {
    expect(runCli(['demo', '--fail-on', 'none']).status).toBe(0)
  })
})
