// JUnit XML: one test case per destination, failing with its findings; findings without a destination
// get a case of their own. CI systems show the failure message, so it says what was observed in logs.

import {escapeXml} from './escape.js'
import type {ReportFinding, ReportModel} from './model.js'
import {SEVERITIES} from '../core/model.js'

const x = (s: string | number | null) => escapeXml(s === null ? '' : String(s))

export function renderJunit(model: ReportModel): string {
  const byDest = new Map<string, ReportFinding[]>()
  for (const d of model.summary.byDestination) byDest.set(d.key, [])
  for (const f of model.findings) {
    const k = f.destination ?? '(no destination)'
    if (!byDest.has(k)) byDest.set(k, [])
    byDest.get(k)!.push(f)
  }
  const rows = new Map(model.summary.byDestination.map((r) => [r.key, r]))
  const cases: string[] = []
  let failures = 0
  for (const [dest, findings] of byDest) {
    const row = rows.get(dest)
    const observed = row ? Object.entries(row.verdicts).map(([v, n]) => `${v} ${n}`).join(', ') : 'no chain'
    const open = `    <testcase classname="egress-audit.destination" name="${x(dest)}" time="0">`
    if (findings.length === 0) {
      cases.push(`${open}\n      <system-out>${x(`Observed in logs: ${observed}. No findings.`)}</system-out>\n    </testcase>`)
      continue
    }
    failures++
    const worst = SEVERITIES.find((s) => findings.some((f) => f.severity === s))!
    const message = findings.map((f) => `[${f.severity}] ${f.title}`).join('; ')
    const body = findings
      .map((f) => [`[${f.severity}] ${f.title} (${f.kind}, ${f.count} chain${f.count === 1 ? '' : 's'})`, `  ${f.detail}`, ...f.evidence.map((e) => `  ${e.ref}: ${e.fact}`)].join('\n'))
      .join('\n')
    cases.push(`${open}\n      <failure message="${x(message)}" type="${worst}">${escapeXml(`Observed in logs: ${observed}.\n${body}`, true)}</failure>\n    </testcase>`)
  }
  const s = model.scope
  const props = [
    ['tool', `${model.tool.name} ${model.tool.version}`],
    ['generatedAt', model.generatedAt],
    ['policy', s.policy.name],
    ['policySha256', s.policy.sha256 ?? ''],
    ...s.inputs.map((i, n) => [`input.${n}`, `${i.name} sha256=${i.sha256 ?? ''} ${i.firstSeen ?? ''}..${i.lastSeen ?? ''}`]),
    ...s.headers.map((c, n) => [`headers.${n}`, `${c.name} sha256=${c.sha256 ?? ''}`]),
    ['linesRead', String(model.accounting.linesRead)],
    ['parsed', String(model.accounting.parsed)],
    ['skipped', String(model.accounting.skipped)],
    ['statement', model.statement],
  ]
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="egress-audit" tests="${byDest.size}" failures="${failures}" errors="0" time="0">`,
    `  <testsuite name="egress observed in logs" tests="${byDest.size}" failures="${failures}" errors="0" skipped="0" time="0" timestamp="${x(model.generatedAt)}">`,
    '    <properties>',
    ...props.map(([k, v]) => `      <property name="${x(k!)}" value="${x(v!)}"/>`),
    '    </properties>',
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n')
}
