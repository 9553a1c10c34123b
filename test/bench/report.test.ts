// The README's performance table is generated from bench-out/results.json: its ratios and columns must
// say what the numbers mean, with or without GoAccess on the machine.
import {describe, expect, test} from 'vitest'
import {addRatios, renderMarkdown, renderTerminal, type BenchReport, type BenchRow} from './report.mjs'

const measured = (id: string, wallMs: number, extra: Partial<BenchRow> = {}): BenchRow => ({
  id,
  label: `${id} FILE`,
  status: 'ok',
  wallMs,
  linesPerSec: Math.round(1_000_000 / (wallMs / 1000)),
  mbPerSec: 300 / (wallMs / 1000),
  peakRssMb: 64,
  cpuSec: wallMs / 1000 + 0.5,
  ...extra,
})

const reportOf = (rows: BenchRow[]): BenchReport => ({
  date: '2026-01-02T03:04:05.000Z',
  command: 'npm run bench',
  node: 'v20.20.2',
  cpu: 'Test CPU',
  cpus: 2,
  memoryGb: 23.5,
  input: {lines: 1_000_000, seed: 1, formats: ['istio'], envelopes: 'none', bytes: 300e6},
  method: {runs: 3, rss: 'GNU time %M'},
  rows: addRatios(rows),
})

describe('ratios', () => {
  test('time ÷ floor and speed × GoAccess, from the best wall times', () => {
    const rows = addRatios([measured('floor', 1000), measured('parse', 5000), measured('goaccess', 15000)])
    expect(rows.map((r) => [r.id, r.ratioToFloor, r.speedVsGoaccess])).toEqual([
      ['floor', 1, 15],
      ['parse', 5, 3],
      ['goaccess', 15, 1],
    ])
  })

  test('no GoAccess measured: no ratio to it; a failed row gets no ratio at all', () => {
    const rows = addRatios([measured('floor', 1000), {id: 'parse', label: 'parse', status: 'failed (exit 2)'}, {id: 'goaccess', label: 'goaccess', status: 'goaccess not installed (apt-get install goaccess)'}])
    expect(rows.map((r) => [r.ratioToFloor, r.speedVsGoaccess])).toEqual([[1, undefined], [undefined, undefined], [undefined, undefined]])
  })
})

describe('the Markdown table', () => {
  test('one column per measure, the GoAccess column when GoAccess ran, parsed shares with their counts', () => {
    const md = renderMarkdown({
      ...reportOf([measured('floor', 1000, {parsedLines: 1_000_000}), measured('goaccess', 16000, {parsedLines: 974_271, goaccessCounts: {total: 1_000_000, valid: 974_271, failed: 25_729}})]),
      goaccess: {status: 'ok', version: '1.7', command: 'goaccess FILE -o report.json'},
    })
    expect(md.split('\n').slice(2, 6)).toEqual([
      '|  | wall s (best of 3) | CPU s | lines/s | MB/s | peak RSS MB | lines parsed | time ÷ floor | speed × GoAccess |',
      '|---|--:|--:|--:|--:|--:|--:|--:|--:|',
      '| floor FILE | 1.00 | 1.50 | 1,000,000 | 300.0 | 64.0 | 1,000,000 (100.0%) | 1.00× | 16.00× |',
      '| goaccess FILE | 16.00 | 16.50 | 62,500 | 18.8 | 64.0 | 974,271 (97.4%) | 16.00× | 1.00× |',
    ])
    expect(md).toContain('GoAccess 1.7: `goaccess FILE -o report.json`. It parsed 974,271 of 1,000,000 lines (97.4%) and failed 25,729.')
    expect(md).toMatch(/^Measured with `npm run bench`: 1,000,000 generated access-log lines \(istio; bare Envoy lines/)
  })

  test('without GoAccess the column is gone and the row says why', () => {
    const why = 'goaccess not installed (apt-get install goaccess)'
    const md = renderMarkdown({...reportOf([measured('floor', 1000), {id: 'goaccess', label: 'goaccess FILE', status: why}]), goaccess: {status: why}})
    const table = md.split('\n').filter((l) => l.startsWith('|'))
    expect(table[0]).not.toContain('GoAccess')
    expect(table[3]).toBe(`| goaccess FILE | ${why} |  |  |  |  |  |  |`)
    expect(md).toContain(`GoAccess: ${why}; no ratio to GoAccess.`)
  })
})

test('the terminal table aligns numbers right and prints an unmeasured row as its status', () => {
  const out = renderTerminal(reportOf([measured('floor', 940), {id: 'analyze', label: 'analyze FILE', status: 'not built (npm run build)'}]))
  const lines = out.split('\n')
  expect(lines[2]).toMatch(/^row +wall s \(best of 3\) +CPU s +lines\/s +MB\/s +peak RSS MB +lines parsed +time ÷ floor$/)
  expect(lines[4]).toMatch(/^floor FILE +0\.94 +1\.44 +1,063,830 +319\.1 +64\.0 +1\.00×$/)
  expect(lines[5]).toBe('analyze FILE  not built (npm run build)')
})
