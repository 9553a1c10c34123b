// SARIF 2.1.0: one rule per finding kind, one result per finding, located at the log lines its evidence
// cites (artifactLocation uri + region startLine). Code-scanning UIs show these like lint results.

import type {Severity} from '../core/model.js'
import {plain} from './escape.js'
import {stringifySafe} from '../core/text/json.js'
import type {ReportModel} from './model.js'

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = {high: 'error', medium: 'warning', low: 'note', info: 'note'}

/** `dir/sidecar.log:12` → {uri, line}; refs that are not `input:line` (header refs) → null. */
export function splitRef(ref: string): {uri: string; line: number} | null {
  const m = /^(.*):(\d+)$/.exec(ref)
  if (!m || m[1]!.includes(' @ ')) return null
  return {uri: m[1]!.split('/').map(encodeURIComponent).join('/'), line: Number(m[2])}
}

/** The SARIF log in pieces: each result its own piece, so many findings never need one huge string. */
export function* sarifChunks(model: ReportModel): Generator<string> {
  const kinds = [...new Set(model.findings.map((f) => f.kind))].sort()
  const rules = kinds.map((kind) => {
    const first = model.findings.find((f) => f.kind === kind)!
    return {
      id: kind,
      // SARIF wants a name that differs from the id (3.49.7; the multitool flags a one-word kind otherwise).
      name: `${kind.replace(/(^|-)(\w)/g, (_m, _d: string, c: string) => c.toUpperCase())}Finding`,
      shortDescription: {text: `egress-audit: ${kind}`},
      fullDescription: {text: 'Observed in logs by egress-audit; see the result message for the evidence.'},
      defaultConfiguration: {level: LEVEL[first.severity]},
      properties: {tags: ['egress', 'istio']},
    }
  })
  const results = model.findings.map((f) => {
    const locs = f.evidence
      .map((e) => ({e, at: splitRef(e.ref)}))
      .filter((x) => x.at !== null)
      .map(({e, at}) => ({physicalLocation: {artifactLocation: {uri: at!.uri}, region: {startLine: at!.line}}, message: {text: plain(e.fact)}}))
    const seen = new Set<string>()
    const unique = locs.filter((l) => {
      const k = `${l.physicalLocation.artifactLocation.uri}:${l.physicalLocation.region.startLine}`
      return seen.has(k) ? false : (seen.add(k), true)
    })
    return {
      ruleId: f.kind,
      ruleIndex: kinds.indexOf(f.kind),
      level: LEVEL[f.severity],
      message: {text: plain(`${f.title}. ${f.detail}`)},
      locations: unique.length > 0 ? unique : undefined,
      partialFingerprints: {egressAuditFindingId: plain(f.id)},
      properties: {
        severity: f.severity,
        destination: f.destination === null ? null : plain(f.destination),
        source: f.source === null ? null : plain(f.source),
        count: f.count,
        chains: f.chains.map(plain),
        firstSeen: f.firstSeen,
        lastSeen: f.lastSeen,
        evidence: f.evidence.map((e) => ({ref: plain(e.ref), fact: plain(e.fact), fields: Object.fromEntries(Object.entries(e.fields).map(([k, v]) => [plain(k), typeof v === 'string' ? plain(v) : v]))})),
        ...(f.policyRule ? {policyRule: plain(f.policyRule)} : {}),
      },
    }
  })
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {driver: {name: model.tool.name, version: model.tool.version, informationUri: 'https://github.com/egress-audit/egress-audit', rules}},
        artifacts: [
          ...model.scope.inputs.map((i) => ({
            location: {uri: i.name.split('/').map(encodeURIComponent).join('/')},
            ...(i.bytes === null ? {} : {length: i.bytes}),
            ...(i.sha256 && i.sha256Of === 'file' ? {hashes: {'sha-256': i.sha256}} : {}),
            roles: ['analysisTarget'],
          })),
          ...model.scope.headers.map((c) => ({
            location: {uri: c.name.split('/').map(encodeURIComponent).join('/')},
            ...(c.bytes === null ? {} : {length: c.bytes}),
            ...(c.sha256 ? {hashes: {'sha-256': c.sha256}} : {}),
            roles: ['analysisTarget'],
          })),
        ],
        invocations: [{executionSuccessful: model.scope.problems.length === 0, endTimeUtc: model.generatedAt}],
        results: RESULTS,
        properties: {statement: model.statement, redacted: model.redacted, accounting: model.accounting, window: model.scope.window, policy: model.scope.policy},
      },
    ],
  }
  // The same bytes as stringifying the whole log with two-space indentation: the results, inside
  // runs[0], sit eight spaces in.
  const text = `${stringifySafe(log, 2)}\n`
  const at = text.indexOf(RESULTS_JSON)
  if (results.length === 0) {
    yield text.replace(RESULTS_JSON, '[]')
    return
  }
  yield `${text.slice(0, at)}[\n`
  for (let i = 0; i < results.length; i++) {
    yield `        ${stringifySafe(results[i], 2).replace(/\n/g, '\n        ')}${i === results.length - 1 ? '' : ','}\n`
  }
  yield `      ]${text.slice(at + RESULTS_JSON.length)}`
}

/** Stands in for the results while the rest of the log is stringified: a string no model value can be. */
const RESULTS = '\u0000egress-audit:results\u0000'
const RESULTS_JSON = JSON.stringify(RESULTS)

export const renderSarif = (model: ReportModel): string => [...sarifChunks(model)].join('')
