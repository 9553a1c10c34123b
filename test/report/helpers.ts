// Runs the real analysis (the same reading loop as analyze and report) over fixtures, and builds the
// report model with fixed meta: no clock, no absolute paths, so goldens are byte-for-byte stable.

import {createHash} from 'node:crypto'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {buildReport, type ReportModel} from '../../src/report/index.js'
import type {ReportInput} from '../../src/report/model.js'
import {loadHeaders, readAnalysis} from '../../src/shell/analysis-input.js'
import {openInputs} from '../../src/shell/inputs.js'

export const ROOT = join(import.meta.dirname, '../..')
export const GENERATED_AT = '2026-01-01T00:00:00.000Z'

export async function reportOf(logs: string[], options: {headers?: string[]; redact?: boolean} = {}): Promise<ReportModel> {
  const sources = openInputs(logs.map((l) => join(ROOT, l))).map((s, i) => ({...s, name: logs[i]!}))
  const headers = await loadHeaders((options.headers ?? []).map((h) => ({path: join(ROOT, h), name: h})), new Date(GENERATED_AT))
  const run = await readAnalysis({sources, headers, analyzer: {keepChains: true, describeChains: true}, read: {}, fingerprint: true})
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())
  const inputs: ReportInput[] = run.inputs.map((r) => ({name: r.name, bytes: r.bytes, sha256: r.sha256, sha256Of: 'decoded-text', firstSeen: iso(r.firstMs), lastSeen: iso(r.lastMs)}))
  return buildReport(
    run.result,
    {
      tool: {name: 'egress-audit', version: '0.0.0-test'},
      generatedAt: GENERATED_AT,
      inputs,
      headers: (options.headers ?? []).map((name) => {
        const bytes = readFileSync(join(ROOT, name))
        return {name, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex')}
      }),
      policy: {name: run.result.options.policy, path: null, sha256: null},
      since: null,
      until: null,
      problems: run.failures,
    },
    {redact: options.redact},
  )
}

export const demoReport = (redact = false) => reportOf(['fixtures/demo/sidecar.log', 'fixtures/demo/gateway.log'], {headers: ['fixtures/demo/headers.json'], redact})
export const hostileReport = (redact = false) => reportOf(['fixtures/hostile/report.log'], {redact})
