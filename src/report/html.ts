// HTML: one self-contained file — no network, no external script, style or font. Log-derived text is
// HTML-escaped everywhere (escapeHtml, which also makes control characters visible), and a
// Content-Security-Policy allows only this file's own inline script and style, by their SHA-256.

import {createHash} from 'node:crypto'

import {VERDICTS} from '../core/model.js'
import {cell, escapeHtml} from './escape.js'
import type {ReportChain, ReportModel} from './model.js'

const h = (s: string | number | null | undefined, max = 300) => (s == null ? '—' : escapeHtml(cell(String(s), max)))

const COLOURS: Record<string, string> = {
  'gateway-mtls-originated': '#1a7f37',
  'gateway-mtls-plaintext': '#bf8700',
  'gateway-originated': '#4c9a2a',
  'gateway-plaintext': '#cf222e',
  'gateway-passthrough': '#2da44e',
  'sidecar-originated': '#0969da',
  'sidecar-mtls-originated': '#0550ae',
  'direct-tls': '#8250df',
  'direct-plaintext': '#a40e26',
  'passthrough-cluster': '#fb8500',
  blocked: '#57606a',
  failed: '#6e7781',
  unknown: '#afb8c1',
}

const STYLE = `body{font:14px/1.45 system-ui,sans-serif;margin:2em;color:#1f2328}
table{border-collapse:collapse;margin:.5em 0}th,td{border:1px solid #d0d7de;padding:3px 6px;text-align:left;vertical-align:top;word-break:break-all}
th{background:#f6f8fa;cursor:pointer}.sev-high{color:#a40e26}.sev-medium{color:#9a6700}.sev-low,.sev-info{color:#57606a}
.statement{border-left:4px solid #0969da;padding:.3em .8em;background:#f6f8fa}code{font-size:12px}
svg text{font:11px system-ui,sans-serif}details{margin:.3em 0}`

// Sorting by a header click, filtering by text; no data is read from anywhere but the table itself.
const SCRIPT = `(function(){var t=document.getElementById('chains');if(!t)return;var b=t.tBodies[0];
var f=document.getElementById('filter');f.addEventListener('input',function(){var q=f.value.toLowerCase();
for(var i=0;i<b.rows.length;i++){var r=b.rows[i];r.hidden=q!==''&&r.textContent.toLowerCase().indexOf(q)<0}});
var hs=t.tHead.rows[0].cells;for(var c=0;c<hs.length;c++)(function(c){var asc=true;hs[c].addEventListener('click',function(){
var rs=Array.prototype.slice.call(b.rows);rs.sort(function(x,y){var a=x.cells[c].textContent,z=y.cells[c].textContent;
return (asc?1:-1)*a.localeCompare(z,undefined,{numeric:true})});asc=!asc;rs.forEach(function(r){b.appendChild(r)})})})(c)})();`

const sha = (s: string) => `'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`
export const CSP = `default-src 'none'; script-src ${sha(SCRIPT)}; style-src ${sha(STYLE)}; img-src data:; base-uri 'none'; form-action 'none'`

/** Stacked bars: one per destination, a segment per verdict. */
function chart(model: ReportModel): string {
  const rows = model.summary.byDestination
  if (rows.length === 0) return '<p>No chains.</p>'
  const max = rows.reduce((m, r) => Math.max(m, r.chains), 0)
  const label = 260
  const width = 420
  const rowH = 18
  const height = rows.length * rowH + 30
  const parts: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="verdicts per destination" width="${label + width + 40}" height="${height}">`]
  rows.forEach((r, i) => {
    const y = i * rowH
    parts.push(`<text x="${label - 6}" y="${y + 13}" text-anchor="end">${h(r.key, 40)}</text>`)
    let x = label
    for (const v of VERDICTS) {
      const n = r.verdicts[v] ?? 0
      if (n === 0) continue
      const w = (n / max) * width
      parts.push(`<rect x="${x.toFixed(1)}" y="${y + 2}" width="${w.toFixed(1)}" height="${rowH - 4}" fill="${COLOURS[v]}"><title>${h(r.key)}: ${v} ${n}</title></rect>`)
      x += w
    }
    parts.push(`<text x="${(x + 4).toFixed(1)}" y="${y + 13}">${r.chains}</text>`)
  })
  const legendY = rows.length * rowH + 16
  let lx = 0
  for (const v of VERDICTS) {
    if (!model.totals.byVerdict[v]) continue
    parts.push(`<rect x="${lx}" y="${legendY - 9}" width="10" height="10" fill="${COLOURS[v]}"/><text x="${lx + 13}" y="${legendY}">${v}</text>`)
    lx += 16 + v.length * 6.2
  }
  parts.push('</svg>')
  return parts.join('')
}

/** app → each proxy → destination, with the transport on each arrow. */
function hopChain(c: ReportChain): string {
  const nodes = [c.source, ...c.hops.map((x) => x.role), c.destination]
  const arrows = [c.hops[0]?.downstream ?? '?', ...c.hops.map((x) => x.upstream)]
  const box = 150
  const gap = 110
  const w = nodes.length * box + (nodes.length - 1) * gap
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="46" role="img" aria-label="hop chain">`]
  nodes.forEach((n, i) => {
    const x = i * (box + gap)
    parts.push(`<rect x="${x}" y="14" width="${box}" height="24" rx="4" fill="#f6f8fa" stroke="#57606a"/><text x="${x + 6}" y="30">${h(n, 24)}<title>${h(n)}</title></text>`)
    if (i < nodes.length - 1) {
      const ax = x + box
      const t = arrows[i] ?? '?'
      const colour = /plaintext/.test(t) ? '#cf222e' : /tls|mtls/.test(t) ? '#1a7f37' : '#57606a'
      parts.push(`<line x1="${ax + 2}" y1="26" x2="${ax + gap - 6}" y2="26" stroke="${colour}" stroke-width="2"/><path d="M${ax + gap - 8},21 L${ax + gap - 1},26 L${ax + gap - 8},31 z" fill="${colour}"/><text x="${ax + 6}" y="11" fill="${colour}">${h(t, 18)}</text>`)
    }
  })
  parts.push('</svg>')
  return parts.join('')
}

const fields = (f: Record<string, string | number | boolean | null>) =>
  Object.entries(f).map(([k, v]) => `<code>${h(k)}=${h(v === null ? '-' : String(v), 500)}</code>`).join(' ')

/** The report's lines (each without its newline): the writer takes them one by one. */
export function htmlLines(model: ReportModel): string[] {
  const s = model.scope
  const out: string[] = [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${CSP}">`,
    '<meta name="referrer" content="no-referrer">',
    `<title>egress-audit report ${h(model.generatedAt)}</title>`,
    `<style>${STYLE}</style></head><body>`,
    '<h1>egress-audit report</h1>',
    `<p class="statement">${h(model.statement, 1000)}</p>`,
    `<p>${model.totals.chains} request chains observed in logs (${model.totals.egress} egress, ${model.totals.proven} proven by TLS fields or XFCC). Findings: ${Object.entries(model.totals.findingsBySeverity).map(([k, n]) => `<span class="sev-${k}">${n} ${k}</span>`).join(', ')}.${model.redacted ? ' IP addresses, paths and request ids are pseudonymised.' : ''}</p>`,
    '<h2>Verdicts per destination</h2>',
    chart(model),
  ]
  for (const [title, rows] of [['Per destination', model.summary.byDestination], ['Per source workload', model.summary.bySource], ['Per verdict', model.summary.byVerdict]] as const) {
    out.push(`<h3>${title}</h3><table><thead><tr><th></th><th>chains</th><th>proven</th><th>verdicts</th><th>first seen</th><th>last seen</th></tr></thead><tbody>`)
    for (const r of rows) out.push(`<tr><td>${h(r.key)}</td><td>${r.chains}</td><td>${r.proven}</td><td>${Object.entries(r.verdicts).map(([v, n]) => `${h(v)} ${n}`).join(', ')}</td><td>${h(r.firstSeen)}</td><td>${h(r.lastSeen)}</td></tr>`)
    out.push('</tbody></table>')
  }
  out.push('<h2>Findings</h2>')
  if (model.findings.length === 0) out.push('<p>No findings.</p>')
  for (const f of model.findings) {
    out.push(`<details open><summary class="sev-${f.severity}"><strong>${f.severity.toUpperCase()}</strong> ${h(f.title)} <small>[${h(f.kind)}]</small></summary>`)
    out.push(`<p>${h(f.detail, 2000)}</p><p>destination ${h(f.destination)}; source ${h(f.source)}${f.policyRule ? `; policy rule ${h(f.policyRule)}` : ''}; ${f.count} chain${f.count === 1 ? '' : 's'}, ${h(f.firstSeen)} – ${h(f.lastSeen)}: ${f.chains.map((c) => `<code>${h(c)}</code>`).join(' ')}</p><ul>`)
    for (const e of f.evidence) out.push(`<li><code>${h(e.ref)}</code> (${e.strength}): ${h(e.fact, 1000)}<br>${fields(e.fields)}</li>`)
    out.push('</ul></details>')
  }
  out.push('<h2>Chains</h2><p><label>Filter <input id="filter" type="search" placeholder="text in any column"></label></p>')
  out.push('<table id="chains"><thead><tr><th>chain</th><th>start</th><th>source</th><th>destination</th><th>verdict</th><th>confidence</th><th>strength</th><th>rule</th></tr></thead><tbody>')
  for (const c of model.chains) out.push(`<tr><td>${h(c.id)}</td><td>${h(c.startTime)}</td><td>${h(c.source)}</td><td>${h(c.destination)}</td><td>${h(c.verdict)}</td><td>${c.confidence}</td><td>${c.strength}</td><td>${h(c.rule)}</td></tr>`)
  out.push('</tbody></table>', '<h2>Hop chains</h2>')
  for (const c of model.chains) {
    out.push(`<details><summary><code>${h(c.id)}</code> ${h(c.verdict)} → ${h(c.destination)}</summary>${hopChain(c)}<p>${h(c.reason, 2000)}</p><ul>`)
    for (const hop of c.hops) out.push(`<li><code>${h(hop.ref)}</code> ${h(hop.role)}: ${h(hop.method)} ${h(hop.authority)}${h(hop.path)} cluster ${h(hop.cluster)} → ${h(hop.upstreamHost)} (${h(hop.responseCode)}) UA ${h(hop.userAgent)}</li>`)
    for (const e of c.evidence) out.push(`<li><code>${h(e.ref)}</code> ${h(e.fact, 1000)}<br>${fields(e.fields)}</li>`)
    out.push('</ul></details>')
  }
  out.push('<h2>Scope</h2><table><thead><tr><th>input</th><th>bytes</th><th>SHA-256</th><th>first log time</th><th>last log time</th></tr></thead><tbody>')
  for (const i of s.inputs) out.push(`<tr><td>${h(i.name)}</td><td>${i.bytes ?? '—'}</td><td><code>${h(i.sha256)}</code>${i.sha256Of === 'decoded-text' ? ' (decoded text)' : ''}</td><td>${h(i.firstSeen)}</td><td>${h(i.lastSeen)}</td></tr>`)
  out.push('</tbody></table><ul>')
  out.push(`<li>echoed headers: ${s.headers.length > 0 ? s.headers.map((x) => `${h(x.name)}${x.sha256 ? ` (SHA-256 <code>${x.sha256}</code>)` : ''}`).join(', ') : 'none'}</li>`)
  out.push(`<li>time window: since ${h(s.window.since ?? 'the start')}, until ${h(s.window.until ?? 'the end')}; lines span ${h(s.window.firstSeen)} to ${h(s.window.lastSeen)}; join window ${s.window.joinWindowMs === null ? 'all' : `${s.window.joinWindowMs} ms`}</li>`)
  out.push(`<li>policy: ${h(s.policy.name)}${s.policy.sha256 ? ` (SHA-256 <code>${s.policy.sha256}</code>)` : ''}</li>`)
  out.push(`<li>tool: ${h(model.tool.name)} ${h(model.tool.version)}; report made ${h(model.generatedAt)}; schema ${h(model.schemaVersion)}</li>`)
  for (const p of s.problems) out.push(`<li>could not read ${h(p.input)}: ${h(p.message)}</li>`)
  const a = model.accounting
  out.push('</ul><h2>Accounting</h2>', `<p>${a.linesRead} lines read: ${a.parsed} parsed (${Object.entries(a.parsedByFormat).map(([k, n]) => `${h(k)} ${n}`).join(', ')}), ${a.skipped} skipped.</p>`)
  if (Object.keys(a.skippedByReason).length > 0) {
    out.push('<table><thead><tr><th>skip reason</th><th>lines</th><th>first lines</th></tr></thead><tbody>')
    for (const [k, n] of Object.entries(a.skippedByReason)) out.push(`<tr><td>${h(k)}</td><td>${n}</td><td>${(a.firstSkipped[k] ?? []).map((r) => h(r)).join(', ')}</td></tr>`)
    out.push('</tbody></table>')
  }
  out.push(`<script>${SCRIPT}</script>`, '</body></html>', '')
  return out
}

export const renderHtml = (model: ReportModel): string => htmlLines(model).join('\n')
