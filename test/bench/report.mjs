// The benchmark's results as data (ratios) and as text: the terminal table and the README's Markdown.
// Pure: takes the report object run.js writes to bench-out/results.json, returns strings.

/** Rows whose ids the ratios are taken against. */
export const FLOOR_ID = 'floor'
export const GOACCESS_ID = 'goaccess'

export function round(x, digits) {
  const f = 10 ** digits
  return Math.round(x * f) / f
}

/**
 * Adds to every measured row `ratioToFloor` (its wall time ÷ the floor's: how many times the bare
 * line reader's time it takes) and, when GoAccess was measured, `speedVsGoaccess` (GoAccess's wall
 * time ÷ its own: how many times faster than GoAccess it is). Rows are changed in place.
 */
export function addRatios(rows) {
  const measured = (id) => rows.find((r) => r.id === id && r.status === 'ok')
  const floor = measured(FLOOR_ID)
  const goaccess = measured(GOACCESS_ID)
  for (const r of rows) {
    if (r.status !== 'ok') continue
    if (floor) r.ratioToFloor = round(r.wallMs / floor.wallMs, 2)
    if (goaccess) r.speedVsGoaccess = round(goaccess.wallMs / r.wallMs, 2)
  }
  return rows
}

const hasGoaccessRatio = (report) => report.rows.some((r) => r.speedVsGoaccess !== undefined)

const int = (n) => n.toLocaleString('en-US')
const mb = (bytes) => (bytes / 1e6).toFixed(1)
const times = (x) => (x === undefined ? '' : `${x.toFixed(2)}×`)
const percent = (part, whole) => `${(Math.floor((part / whole) * 1000) / 10).toFixed(1)}%`

/** "982,345 (98.2%)", or '' when the row does not say how many lines it parsed. */
function parsedCell(r, lines) {
  return r.parsedLines === undefined || r.parsedLines === null ? '' : `${int(r.parsedLines)} (${percent(r.parsedLines, lines)})`
}

/** The numbers of a measured row, in column order. */
function rowCells(r, report, withGoaccess) {
  const cells = [
    (r.wallMs / 1000).toFixed(2),
    r.cpuSec === undefined || r.cpuSec === null ? 'n/a' : r.cpuSec.toFixed(2),
    int(r.linesPerSec),
    r.mbPerSec.toFixed(1),
    r.peakRssMb === null ? 'n/a' : r.peakRssMb.toFixed(1),
    parsedCell(r, report.input.lines),
    times(r.ratioToFloor),
  ]
  if (withGoaccess) cells.push(times(r.speedVsGoaccess))
  return cells
}

function headers(report, withGoaccess) {
  const h = [`wall s (best of ${report.method.runs})`, 'CPU s', 'lines/s', 'MB/s', 'peak RSS MB', 'lines parsed', 'time ÷ floor']
  if (withGoaccess) h.push('speed × GoAccess')
  return h
}

const ENVELOPES = {
  none: 'bare Envoy lines, as `kubectl logs` prints them',
  mixed: 'a kubectl mix: 30% `--prefix`, 10% `--timestamps`',
}

/** The machine's 1-minute load average during the run, which says how far to trust the wall times. */
const loadNote = (report) => (report.loadAverage ? ` (load average ${report.loadAverage.start} before, ${report.loadAverage.end} after)` : '')

/** One sentence: what was read, on what machine, how it was measured. */
export function describeRun(report) {
  const i = report.input
  return `${int(i.lines)} generated access-log lines (${i.formats.join(', ')}; ${ENVELOPES[i.envelopes] ?? i.envelopes}; seed ${i.seed}; ${mb(i.bytes)} MB), ` +
    `${report.node} on ${report.cpu} ×${report.cpus} cores, ${report.memoryGb} GB, ${report.date.slice(0, 10)}; ` +
    `wall time best of ${report.method.runs} runs${loadNote(report)}; peak RSS: ${report.method.rss}.`
}

/** What GoAccess was given and what it made of the file, or why it has no row. */
export function describeGoaccess(report) {
  const g = report.goaccess
  if (!g) return null
  if (g.status !== 'ok') return `GoAccess: ${g.status}; no ratio to GoAccess.`
  const row = report.rows.find((r) => r.id === GOACCESS_ID)
  const counts = row?.goaccessCounts
  const parsed = counts
    ? ` It parsed ${int(counts.valid)} of ${int(counts.total)} lines (${percent(counts.valid, counts.total)}) and failed ${int(counts.failed)}.`
    : ''
  return `GoAccess ${g.version}: \`${g.command}\`.${parsed}`
}

/** The table for a terminal: aligned columns, label first; an unmeasured row shows its status instead. */
export function renderTerminal(report) {
  const withGoaccess = hasGoaccessRatio(report)
  const head = ['row', ...headers(report, withGoaccess)]
  const measured = report.rows.filter((r) => r.status === 'ok').map((r) => [r.label, ...rowCells(r, report, withGoaccess)])
  const labelWidth = Math.max(head[0].length, ...report.rows.map((r) => r.label.length))
  const widths = head.map((h, i) => (i === 0 ? labelWidth : Math.max(h.length, ...measured.map((cells) => cells[i].length))))
  const line = (cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')
  const body = report.rows.map((r) =>
    r.status === 'ok' ? line([r.label, ...rowCells(r, report, withGoaccess)]) : `${r.label.padEnd(widths[0])}  ${r.status}`)
  const out = [
    `egress-audit bench: ${describeRun(report)}`,
    '',
    line(head),
    line(widths.map((w) => '-'.repeat(w))),
    ...body,
  ]
  const g = describeGoaccess(report)
  if (g) out.push('', g)
  for (const note of report.notes ?? []) out.push(note)
  return out.join('\n') + '\n'
}

const mdEscape = (s) => s.replaceAll('|', '\\|')

/** The README's performance section body: a sentence on the run, the table, GoAccess's counts. */
export function renderMarkdown(report) {
  const withGoaccess = hasGoaccessRatio(report)
  const head = ['', ...headers(report, withGoaccess)]
  const row = (cells) => `| ${cells.map(mdEscape).join(' | ')} |`
  // An unmeasured row keeps the table rectangular: its status in the first number cell, the rest empty.
  const cellsOf = (r) => (r.status === 'ok' ? rowCells(r, report, withGoaccess) : [r.status, ...head.slice(2).map(() => '')])
  const out = [
    `Measured with \`${report.command}\`: ${describeRun(report)}`,
    '',
    row(head),
    `|---|${head.slice(1).map(() => '--:').join('|')}|`,
    ...report.rows.map((r) => row([r.label, ...cellsOf(r)])),
  ]
  const g = describeGoaccess(report)
  if (g) out.push('', g)
  for (const note of report.notes ?? []) out.push('', note)
  return out.join('\n') + '\n'
}
