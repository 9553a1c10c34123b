// The `npm run fuzz` reporter: one line per property as it finishes (inputs run, time taken), then a
// count per parser (test file) and a total. Failures are printed by vitest's default reporter, which
// runs beside this one: fast-check's report with the counterexample, seed and path, and the command
// that replays it (test/fuzz/fuzz.ts).

import {relative} from 'node:path'

import type {Reporter, TestCase, TestModule} from 'vitest/node'

interface Row {
  file: string
  name: string
  runs: number | undefined
  ms: number
  state: string
  /** A known bug (`fuzz.fails`): it stops at its counterexample, so its count is not a budget run. */
  knownBug: boolean
}

const count = (n: number): string => n.toLocaleString('en-US')
const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`

export default class FuzzReporter implements Reporter {
  private readonly rows: Row[] = []
  private started = 0

  onTestRunStart(): void {
    this.started = performance.now()
    this.write(`fuzz: ${process.env.FUZZ_RUNS ?? 'default'} inputs per property\n`)
  }

  onTestCaseResult(test: TestCase): void {
    const row: Row = {
      file: relative(process.cwd(), test.module.moduleId),
      name: test.fullName,
      runs: test.meta().fuzz?.runs,
      ms: test.diagnostic()?.duration ?? 0,
      state: test.result().state,
      knownBug: test.options.fails === true,
    }
    this.rows.push(row)
    const mark = row.state === 'failed' ? 'FAIL' : row.state === 'skipped' ? 'skip' : row.knownBug ? 'bug ' : 'ok  '
    const known = row.knownBug ? ' (known bug, still there: see its BUG comment)' : ''
    this.write(`${mark} ${(row.runs === undefined ? '-' : count(row.runs)).padStart(11)} inputs ${seconds(row.ms).padStart(9)}  ${row.file} > ${row.name}${known}\n`)
  }

  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const byFile = new Map<string, {runs: number; ms: number; properties: number}>()
    for (const r of this.rows) {
      if (r.knownBug) continue
      const f = byFile.get(r.file) ?? {runs: 0, ms: 0, properties: 0}
      f.runs += r.runs ?? 0
      f.ms += r.ms
      f.properties += r.runs === undefined ? 0 : 1
      byFile.set(r.file, f)
    }
    const lines = ['', 'fuzz: inputs per parser']
    for (const [file, f] of [...byFile].sort(([a], [b]) => a.localeCompare(b))) {
      lines.push(`  ${count(f.runs).padStart(13)} inputs ${seconds(f.ms).padStart(9)}  ${f.properties} properties  ${file}`)
    }
    const total = [...byFile.values()].reduce((a, f) => ({runs: a.runs + f.runs, ms: a.ms + f.ms}), {runs: 0, ms: 0})
    const failed = this.rows.filter((r) => r.state === 'failed').length
    const known = this.rows.filter((r) => r.knownBug && r.state === 'passed').length
    lines.push(`  ${count(total.runs).padStart(13)} inputs ${seconds(total.ms).padStart(9)}  total, ${modules.length} files, ${seconds(performance.now() - this.started)} wall clock`)
    lines.push(`fuzz: ${known} known bugs still there (fuzz.fails, not counted above)`)
    lines.push(failed === 0 ? 'fuzz: no property failed' : `fuzz: ${failed} properties FAILED (reports above; each names its replay command)`)
    this.write(`${lines.join('\n')}\n`)
  }

  private write(text: string): void {
    process.stdout.write(text)
  }
}
