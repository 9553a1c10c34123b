import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {AccessLogReader} from '../../src/core/accesslog/reader.js'
import {Analyzer} from '../../src/core/analyze.js'
import {buildHeaderEvidence, parseCapture} from '../../src/core/headers/index.js'
import type {AnalysisResult} from '../../src/core/model.js'
import {RawLines} from '../../src/shell/tui-run.js'
import {type TuiData, toTuiData} from '../../src/tui/view.js'

const ROOT = join(import.meta.dirname, '../..')
export const DEMO_INPUTS = ['fixtures/demo/sidecar.log', 'fixtures/demo/gateway.log']

/** The demo fixtures analysed as `tui fixtures/demo/sidecar.log fixtures/demo/gateway.log --headers …` does. */
export function demoResult(): AnalysisResult {
  const analyzer = new Analyzer({inputs: DEMO_INPUTS, keepChains: true, describeChains: true})
  const capture = parseCapture(readFileSync(join(ROOT, 'fixtures/demo/headers.json'), 'utf8'), {input: 'fixtures/demo/headers.json'})
  analyzer.addHeaders(capture.sets.map((s) => buildHeaderEvidence(s, {now: new Date('2024-07-01T00:00:00Z')})))
  for (const name of DEMO_INPUTS) {
    const reader = new AccessLogReader(name, analyzer.stats, {})
    analyzer.addEntries(reader.push(readFileSync(join(ROOT, name), 'utf8')).entries)
    analyzer.addEntries(reader.end().entries)
    analyzer.endInput(name)
  }
  return analyzer.finish()
}

/** With the raw lines kept, as the shell keeps them. */
export function demoData(): TuiData {
  const raw = new RawLines()
  for (const name of DEMO_INPUTS) {
    raw.push(name, readFileSync(join(ROOT, name), 'utf8'))
    raw.end(name)
  }
  return toTuiData(demoResult(), DEMO_INPUTS, [], raw.get)
}

/** `n` chains cloned from the demo's, each with its own time, destination and source: for scale tests. */
export function syntheticResult(n: number, base: AnalysisResult = demoResult()): AnalysisResult {
  const chains = new Array(n)
  for (let i = 0; i < n; i++) {
    const c = base.chains[i % base.chains.length]!
    const host = `host-${i % 97}.example.com`
    chains[i] = {
      ...c,
      id: `synthetic.log:${i + 1}`,
      startMs: 1_700_000_000_000 + i * 1000,
      destination: {host, port: 443, key: `${host}:443`},
      source: {...c.source, workload: `wl-${i % 13}`},
    }
  }
  return {...base, chains, totals: {...base.totals, chains: n}}
}

const ESC = '\x1b'
/** Escape sequences (SGR, OSC 8 link, OSC title, C1 CSI, bidi override) and very long fields. */
export const HOSTILE = {
  destination: `${ESC}[31mevil.example${ESC}]8;;http://phish.example${ESC}\\:443`,
  workload: `wl${ESC}]0;pwned${String.fromCharCode(7)}\u202eevil\u009b2J`,
  path: `/${'A'.repeat(20_000)}`,
}

export function hostileResult(): AnalysisResult {
  const base = demoResult()
  const c = base.chains.find((x) => x.hops.length === 2 && x.headers.length > 0)!
  const hop = c.hops[0]!
  const evil = {
    ...c,
    id: `evil.log:1${ESC}[2J`,
    destination: {host: HOSTILE.destination, port: 443, key: HOSTILE.destination},
    source: {...c.source, workload: HOSTILE.workload},
    reason: `${ESC}[5mblink${ESC}[0m ${'why '.repeat(5000)}`,
    hops: [{...hop, entry: {...hop.entry, path: HOSTILE.path, userAgent: `${ESC}[31mua`, authority: `${ESC}]8;;x${ESC}\\a`}}, ...c.hops.slice(1)],
  }
  return {...base, chains: [evil, ...base.chains]}
}
