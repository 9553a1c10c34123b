// Markdown: scope, summary tables, findings with evidence, chains. Every log-derived string goes through
// escapeMarkdown: pipes cannot split a table cell, backticks cannot open code, `<script>` shows as text.

import {cell, escapeMarkdown} from './escape.js'
import type {Evidence} from '../core/model.js'
import type {GroupRow, ReportModel} from './model.js'

const md = (s: string | number | null | undefined, max = 300, block = false): string => (s == null ? '—' : escapeMarkdown(cell(String(s), max), block))

const table = (head: string[], rows: string[][]): string[] => [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)]

const verdicts = (v: Record<string, number>) => Object.entries(v).map(([k, n]) => `${md(k)} ${n}`).join(', ')

const groupTable = (title: string, rows: GroupRow[]) => [
  `### ${title}`,
  '',
  ...table(['', 'chains', 'proven', 'verdicts', 'first seen', 'last seen'], rows.map((r) => [md(r.key), String(r.chains), String(r.proven), verdicts(r.verdicts), md(r.firstSeen), md(r.lastSeen)])),
  '',
]

const fields = (f: Evidence['fields']) => Object.entries(f).map(([k, v]) => `${md(k)}=${md(v === null ? '-' : String(v), 200)}`).join(' ')

/** The report's lines (each without its newline): the writer takes them one by one. */
/** push(...rows) would pass every row as an argument: the stack overflows past ~100k chains. */
const pushAll = (out: string[], lines: readonly string[]) => {
  for (const l of lines) out.push(l)
}

export function markdownLines(model: ReportModel): string[] {
  const s = model.scope
  const out: string[] = [
    '# egress-audit report',
    '',
    `> ${escapeMarkdown(model.statement, true)}`,
    '',
    `${model.totals.chains} request chains observed in logs (${model.totals.egress} egress, ${model.totals.proven} proven by TLS fields or XFCC); findings: ${Object.entries(model.totals.findingsBySeverity).map(([k, n]) => `${n} ${k}`).join(', ')}.${model.redacted ? ' IP addresses, paths and request ids are pseudonymised (--redact).' : ''}`,
    '',
    '## Verdicts observed in logs',
    '',
    ...groupTable('Per destination', model.summary.byDestination),
    ...groupTable('Per source workload', model.summary.bySource),
    ...groupTable('Per verdict', model.summary.byVerdict),
    '## Findings',
    '',
  ]
  if (model.findings.length === 0) out.push('No findings.', '')
  for (const f of model.findings) {
    out.push(`### ${md(f.severity.toUpperCase())}: ${md(f.title)}`, '', `- kind: ${md(f.kind)}${f.policyRule ? `, policy rule: ${md(f.policyRule)}` : ''}`, `- destination: ${md(f.destination)}; source: ${md(f.source)}`)
    out.push(`- ${f.count} chain${f.count === 1 ? '' : 's'}, first seen ${md(f.firstSeen)}, last seen ${md(f.lastSeen)}: ${f.chains.map((c) => md(c)).join(', ')}`, '', md(f.detail, 2000, true), '')
    if (f.evidence.length > 0) out.push('Evidence:', '')
    for (const e of f.evidence) out.push(`- ${md(e.ref)} (${e.strength}): ${md(e.fact, 1000)}${Object.keys(e.fields).length > 0 ? `<br>${fields(e.fields)}` : ''}`)
    out.push('')
  }
  out.push('## Chains', '')
  pushAll(
    out,
    table(
      ['chain', 'start', 'source', 'destination', 'verdict', 'confidence', 'strength', 'hops', 'request', 'user agent', 'rule'],
      model.chains.map((c) => {
        const first = c.hops[0]
        const request = first ? [first.method, first.authority, first.path].filter((x) => x !== null).join(' ') : ''
        return [md(c.id), md(c.startTime), md(c.source), md(c.destination), md(c.verdict), c.confidence, c.strength, c.hops.map((h) => `${md(h.role)} (${md(h.downstream)} → ${md(h.upstream)})`).join(' → '), md(request || null, 200), md(first?.userAgent, 200), md(c.rule)]
      }),
    ),
  )
  out.push('')
  out.push('## Scope', '')
  pushAll(out, table(['input', 'bytes', 'SHA-256', 'first log time', 'last log time'], s.inputs.map((i) => [md(i.name), i.bytes === null ? '—' : String(i.bytes), i.sha256 ? `${i.sha256}${i.sha256Of === 'decoded-text' ? ' (decoded text)' : ''}` : '—', md(i.firstSeen), md(i.lastSeen)])))
  out.push('')
  out.push(
    `- echoed headers: ${s.headers.length > 0 ? s.headers.map((h) => `${md(h.name)}${h.sha256 ? ` (SHA-256 ${h.sha256})` : ''}`).join(', ') : 'none'}`,
    `- time window: since ${md(s.window.since ?? 'the start')}, until ${md(s.window.until ?? 'the end')}; lines span ${md(s.window.firstSeen)} to ${md(s.window.lastSeen)}; join window ${s.window.joinWindowMs === null ? 'all' : `${s.window.joinWindowMs} ms`}`,
    `- policy: ${md(s.policy.name)}${s.policy.sha256 ? ` (SHA-256 ${s.policy.sha256})` : ''}`,
    `- tool: ${md(model.tool.name)} ${md(model.tool.version)}; report made ${md(model.generatedAt)}; schema ${md(model.schemaVersion)}`,
  )
  for (const p of s.problems) out.push(`- could not read ${md(p.input)}: ${md(p.message)}`)
  const a = model.accounting
  out.push('', '## Accounting', '', `${a.linesRead} lines read: ${a.parsed} parsed, ${a.skipped} skipped.`, '')
  const formats = Object.entries(a.parsedByFormat)
  if (formats.length > 0) out.push(`Parsed by format: ${formats.map(([k, n]) => `${md(k)} ${n}`).join(', ')}.`, '')
  const skips = Object.entries(a.skippedByReason)
  if (skips.length > 0) {
    pushAll(out, table(['skip reason', 'lines', 'first lines'], skips.map(([k, n]) => [md(k), String(n), (a.firstSkipped[k] ?? []).map((r) => md(r)).join(', ')])))
    out.push('')
  }
  return out
}

export const renderMarkdown = (model: ReportModel): string => `${markdownLines(model).join('\n')}\n`
