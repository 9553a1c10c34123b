import {spawnSync} from 'node:child_process'
import {existsSync, mkdtempSync, readFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {expect, test} from 'vitest'

// The SARIF report checked by Microsoft's SARIF validator (the 2.1.0 schema plus the specification's
// rules); .ci/run fetches it into .cache/ on Linux. Warnings count as failures too.
const ROOT = join(import.meta.dirname, '../..')
const TOOL = join(ROOT, '.cache/sarif-multitool/package/Sarif.Multitool')

test.runIf(existsSync(TOOL))('the demo SARIF report is valid SARIF 2.1.0 with no validator findings', () => {
  const dir = mkdtempSync(join(tmpdir(), 'egress-audit-sarif-'))
  const report = join(dir, 'demo.sarif')
  const made = spawnSync(process.execPath, [join(ROOT, 'bin/run.js'), 'report', 'fixtures/demo/sidecar.log', 'fixtures/demo/gateway.log', '--headers', 'fixtures/demo/headers.json', '--format', 'sarif', '-o', report], {cwd: ROOT, encoding: 'utf8'})
  expect(made.status).toBe(0)
  const out = join(dir, 'validation.sarif')
  const v = spawnSync(TOOL, ['validate', report, '--output', out], {encoding: 'utf8', timeout: 120_000, env: {...process.env, DOTNET_SYSTEM_GLOBALIZATION_INVARIANT: '1'}})
  expect(v.stdout).toContain('Analysis completed successfully')
  const results = (JSON.parse(readFileSync(out, 'utf8')) as {runs: {results?: {ruleId: string; message: {text?: string; arguments?: string[]}}[]}[]}).runs[0]!.results ?? []
  expect(results.map((r) => `${r.ruleId}: ${r.message.text ?? r.message.arguments?.join(' ')}`)).toEqual([])
})

test.skipIf(existsSync(TOOL))('SARIF validation: skipped, the validator is not in .cache/ (fetched by .ci/run on Linux)', () => {
  console.warn('skipped: no Sarif.Multitool in .cache/sarif-multitool')
})
