// The summary a person reads after `egress-audit analyze`: one row per destination and verdict, the
// findings by severity with the evidence each rests on, then the input accounting. Pure: returns lines.
// Every log- or header-derived string is scrubbed before colour is added, so a hostile user-agent or
// SNI cannot recolour the terminal.

import type {AnalysisResult, Evidence, Finding, Severity, SummaryRow, Verdict} from '../model.js'
import {SEVERITIES} from '../model.js'
import {type InputProblem, renderAccounting} from '../text/accounting.js'
import {clip, scrub} from '../text/scrub.js'

export interface SummaryOptions {
  colour: boolean
  /** How many inputs were named (for the accounting line). */
  inputs?: number
  problems?: InputProblem[]
  /** Evidence items shown per finding (the rest are in --json). */
  evidencePerFinding?: number
  /** Destination rows shown, those with the most chains (the rest are counted; all are in --json). */
  maxRows?: number
  /** Findings shown in full per severity, those with the most chains (the rest are counted). */
  findingsPerSeverity?: number
}

/** A summary is read in a terminal: past these, it says how many more there are and where they are. */
export const MAX_ROWS = 60
export const FINDINGS_PER_SEVERITY = 20
const ELSEWHERE = 'analyze --json and report list every one'

const SGR = {reset: '\x1b[0m', bold: '\x1b[1m', dim: '\x1b[2m', red: '\x1b[31m', green: '\x1b[32m', yellow: '\x1b[33m', cyan: '\x1b[36m'} as const
type Tone = keyof typeof SGR

/** How each verdict reads against the default policy: green allowed, yellow weaker, red plaintext or uncontrolled. */
export const VERDICT_TONE: Record<Verdict, Tone> = {
  'gateway-mtls-originated': 'green',
  'gateway-passthrough': 'green',
  blocked: 'green',
  'gateway-mtls-plaintext': 'yellow',
  'gateway-originated': 'yellow',
  'sidecar-originated': 'yellow',
  'sidecar-mtls-originated': 'yellow',
  'direct-tls': 'yellow',
  unknown: 'yellow',
  'gateway-plaintext': 'red',
  'direct-plaintext': 'red',
  'passthrough-cluster': 'red',
  failed: 'red',
}

const SEVERITY_TONE: Record<Severity, Tone> = {high: 'red', medium: 'yellow', low: 'cyan', info: 'dim'}

const n = (x: number): string => x.toLocaleString('en-US')
const plural = (x: number, word: string): string => `${n(x)} ${word}${x === 1 ? '' : 's'}`
/** `2024-06-21T19:24:00.453Z` → `2024-06-21 19:24:00`. */
const when = (iso: string | null): string => (iso ? `${iso.slice(0, 10)} ${iso.slice(11, 19)}` : '-')
const safe = (s: string, max = 200): string => clip(scrub(s, true), max)

/**
 * @example renderSummary(result, {colour: false}).join('\n')
 */
export function renderSummary(result: AnalysisResult, options: SummaryOptions): string[] {
  const paint = (tone: Tone, text: string): string => (options.colour ? `${SGR[tone]}${text}${SGR.reset}` : text)
  const bold = (text: string): string => paint('bold', text)
  const out: string[] = []
  const t = result.totals
  const egressRows = result.summary.filter((r) => r.scope === 'egress' || r.scope === 'unknown')
  const otherRows = result.summary.filter((r) => r.scope !== 'egress' && r.scope !== 'unknown')

  out.push(bold(`Egress observed in logs: ${plural(t.egress, 'request chain')}`) + `, ${n(t.proven)} proven by TLS fields or XFCC (${Math.round(result.provenShare * 100)}%), the rest inferred from clusters, ports and SNI`)
  out.push(`Policy: ${safe(result.options.policy)}`)
  out.push('')
  out.push(...renderTable(egressRows, paint, options.maxRows ?? MAX_ROWS))
  if (otherRows.length > 0) {
    const byScope = otherRows.reduce<Record<string, number>>((acc, r) => ({...acc, [r.scope]: (acc[r.scope] ?? 0) + r.chains}), {})
    out.push('')
    out.push(`Not egress (not judged): ${Object.entries(byScope).map(([s, c]) => `${s} ${n(c)}`).join(', ')}`)
  }

  out.push('')
  const counts = SEVERITIES.map((s) => [s, result.findings.filter((f) => f.severity === s).length] as const)
  out.push(bold(`Findings: ${result.findings.length === 0 ? 'none' : counts.filter(([, c]) => c > 0).map(([s, c]) => `${c} ${s}`).join(', ')}`))
  for (const [severity] of counts) {
    const list = result.findings.filter((f) => f.severity === severity)
    if (list.length === 0) continue
    out.push('')
    out.push(paint(SEVERITY_TONE[severity], severity.toUpperCase()))
    const shown = top(list, options.findingsPerSeverity ?? FINDINGS_PER_SEVERITY, (f) => f.count)
    for (const f of shown) out.push(...renderFinding(f, options.evidencePerFinding ?? 3, paint))
    if (shown.length < list.length) {
      const rest = list.filter((f) => !shown.includes(f))
      out.push(`  … ${plural(rest.length, `more ${severity} finding`)} (${plural(rest.reduce((a, f) => a + f.count, 0), 'chain')}): ${ELSEWHERE}`)
    }
  }

  out.push('')
  out.push(bold('Input'))
  for (const line of renderAccounting(result.accounting, options.problems ?? [], options.inputs)) out.push(`  ${safe(line, 400)}`)
  if (t.headerSets > 0) out.push(`  ${plural(t.headerSets, 'echoed header set')}: ${n(t.headerSetsJoined)} joined to log lines, ${n(t.headerSets - t.headerSetsJoined)} standing alone`)
  return out
}

/** The `max` items with the largest weight, in their original order. */
function top<T>(items: T[], max: number, weight: (t: T) => number): T[] {
  if (items.length <= max) return items
  const kept = new Set([...items].sort((a, b) => weight(b) - weight(a)).slice(0, max))
  return items.filter((t) => kept.has(t))
}

function renderTable(all: SummaryRow[], paint: (tone: Tone, text: string) => string, maxRows: number): string[] {
  if (all.length === 0) return ['  no egress request chains']
  const rows = top(all, maxRows, (r) => r.chains)
  const dest = Math.min(48, Math.max(11, ...rows.map((r) => r.destination.length)))
  const verdict = Math.max(7, ...rows.map((r) => r.verdict.length))
  const header = `  ${'DESTINATION'.padEnd(dest)}  ${'VERDICT'.padEnd(verdict)}  ${'CHAINS'.padStart(6)}  ${'PROVEN'.padStart(6)}  ${'CONFIDENCE'.padEnd(16)}  ${'FIRST SEEN'.padEnd(19)}  LAST SEEN`
  const out = [header]
  for (const r of rows) {
    const conf = (['high', 'medium', 'low'] as const).filter((c) => r.confidence[c] > 0).map((c) => (r.confidence[c] === r.chains ? c : `${c} ${r.confidence[c]}`)).join(', ')
    out.push(
      `  ${safe(r.destination, dest).padEnd(dest)}  ${paint(VERDICT_TONE[r.verdict], r.verdict.padEnd(verdict))}  ${n(r.chains).padStart(6)}  ${n(r.proven).padStart(6)}  ${conf.padEnd(16)}  ${when(r.firstSeen).padEnd(19)}  ${when(r.lastSeen)}`,
    )
  }
  if (rows.length < all.length) {
    const rest = all.filter((r) => !rows.includes(r))
    out.push(`  … ${plural(rest.length, 'more row')} (${plural(rest.reduce((a, r) => a + r.chains, 0), 'chain')}, those with the fewest): ${ELSEWHERE}`)
  }
  return out
}

function renderFinding(f: Finding, evidenceShown: number, paint: (tone: Tone, text: string) => string): string[] {
  const out: string[] = []
  const span = f.firstSeen === f.lastSeen ? when(f.firstSeen) : `${when(f.firstSeen)} … ${when(f.lastSeen)}`
  const who = f.source ? `, from ${safe(f.source, 80)}` : ''
  out.push(`  ${paint(SEVERITY_TONE[f.severity], '●')} ${safe(f.title)} (${plural(f.count, 'chain')}${who}; ${span}) [${f.kind}]`)
  out.push(`    ${safe(f.detail, 600)}`)
  for (const e of f.evidence.slice(0, evidenceShown)) out.push(...renderEvidence(e))
  if (f.evidence.length > evidenceShown) out.push(`    … ${plural(f.evidence.length - evidenceShown, 'more fact')} in --json`)
  const more = f.count > f.chains.length ? `, … (${n(f.count - f.chains.length)} more)` : ''
  out.push(`    chains: ${f.chains.map((c) => safe(c, 80)).join(', ')}${more}`)
  return out
}

function renderEvidence(e: Evidence): string[] {
  const fields = Object.entries(e.fields)
    .filter(([, v]) => v !== null && v !== '')
    .map(([k, v]) => `${k}=${safe(String(v), 120)}`)
    .join(' ')
  const lines = [`    ${safe(e.ref, 100)}  ${safe(e.fact, 400)}${e.strength === 'inferred' ? ' (inferred)' : ''}`]
  if (fields) lines.push(`      ${fields}`)
  return lines
}
