// Pure view-model of the TUI: an AnalysisResult becomes TuiData once (every log-derived string scrubbed
// with scrub(s, true) and cut to a bound), and TuiData plus the state become lines of toned segments
// for the components. Nothing here knows ink; nothing in the components knows the analysis.

import type {AnalysisResult, Confidence, RequestChain, Severity, Verdict} from '../core/model.js'
import {SEVERITIES, VERDICTS} from '../core/model.js'
import type {SkipReason} from '../core/result.js'
import {scrub} from '../core/text/scrub.js'
import {SEVERITY_TONE, type Tone, VERDICT_TONE} from './theme.js'

/** Longest log-derived string kept for a field: hostile lines cannot make a row or detail unbounded. */
export const FIELD_MAX = 400

/** Scrubbed, single-line, bounded: what every log-derived string goes through before a component. */
export function safe(s: string | number | boolean | null | undefined, max = FIELD_MAX): string {
  if (s === null || s === undefined) return '-'
  const t = scrub(String(s), true)
  return t.length <= max ? t : `${t.slice(0, max - 1)}…`
}

export interface Segment {
  text: string
  tone?: Tone
}
export type Line = Segment[]

export interface ChainRow {
  /** Index into result.chains. */
  index: number
  startMs: number
  time: string
  source: string
  destination: string
  request: string
  verdict: Verdict
  confidence: Confidence
  findings: number
  /** Bit i set when the chain contributed to a finding of SEVERITIES[i]. */
  severityMask: number
  /** Ids of the findings it contributed to (raw, for filtering by finding). */
  findingIds: readonly string[]
  /** Lower-cased text the search looks in. */
  haystack: string
}

export interface FindingRow {
  id: string
  severity: Severity
  kind: string
  title: string
  count: number
  destination: string
  source: string
}

export interface SkippedRow {
  reason: SkipReason
  count: number
  first: string
}

export interface TuiData {
  result: AnalysisResult
  inputs: string[]
  notes: string[]
  rows: ChainRow[]
  findings: FindingRow[]
  skipped: SkippedRow[]
  /** Verdicts present, in the table's order: what the verdict filter cycles through. */
  verdicts: Verdict[]
  severities: Severity[]
  /** The raw text of a log line by input and 1-based line number, when the shell kept it. */
  rawLine: RawLookup
}

export type RawLookup = (input: string, line: number) => string | undefined
const NO_RAW: RawLookup = () => undefined

const pad2 = (n: number) => String(n).padStart(2, '0')
function formatTime(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '-'
  const d = new Date(ms)
  return `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}.${String(d.getUTCMilliseconds()).padStart(3, '0')}`
}

function requestOf(c: RequestChain): string {
  const hop = c.hops.find((h) => h.kind === 'http') ?? c.hops[0]
  if (!hop) {
    const h = c.headers[0]
    return h?.decoratorOperation?.path ? `? ${h.decoratorOperation.path}` : 'echo'
  }
  if (hop.kind === 'tcp') return 'TCP'
  return `${hop.entry.method ?? '-'} ${hop.entry.path ?? '-'}`
}

export function sourceOf(c: RequestChain): string {
  return c.source.workload ?? c.source.pod ?? c.source.ip ?? '?'
}

/** Builds the TUI's data once per result: O(chains), every string scrubbed and bounded. */
export function toTuiData(result: AnalysisResult, inputs: string[] = [], notes: string[] = [], rawLine: RawLookup = NO_RAW): TuiData {
  const severityOf = new Map<string, Severity>()
  for (const f of result.findings) severityOf.set(f.id, f.severity)
  const rows: ChainRow[] = result.chains.map((c, index) => {
    let mask = 0
    for (const id of c.findings) {
      const s = severityOf.get(id)
      if (s) mask |= 1 << SEVERITIES.indexOf(s)
    }
    const source = safe(sourceOf(c), 120)
    const destination = safe(c.destination.key, 200)
    const request = safe(requestOf(c), 200)
    return {
      index,
      startMs: c.startMs ?? Number.POSITIVE_INFINITY,
      time: formatTime(c.startMs),
      source,
      destination,
      request,
      verdict: c.verdict,
      confidence: c.confidence,
      findings: c.findings.length,
      severityMask: mask,
      findingIds: c.findings,
      haystack: `${safe(c.id, 200)} ${source} ${destination} ${request} ${c.verdict} ${c.rule}`.toLowerCase(),
    }
  })
  const findings: FindingRow[] = [...result.findings]
    .sort((a, b) => SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) || b.count - a.count)
    .map((f) => ({id: f.id, severity: f.severity, kind: f.kind, title: safe(f.title), count: f.count, destination: safe(f.destination, 200), source: safe(f.source, 120)}))
  const acc = result.accounting
  const skipped: SkippedRow[] = (Object.entries(acc.skippedByReason) as [SkipReason, number][]).map(([reason, count]) => ({
    reason,
    count,
    first: safe((acc.firstSkipped[reason] ?? []).join(', ')),
  }))
  const present = new Set(result.chains.map((c) => c.verdict))
  return {
    result,
    inputs: inputs.map((s) => safe(s, 200)),
    notes: notes.map((s) => safe(s)),
    rows,
    findings,
    skipped,
    verdicts: VERDICTS.filter((v) => present.has(v)),
    severities: SEVERITIES.filter((s) => result.findings.some((f) => f.severity === s)),
    rawLine,
  }
}

// ---- the list: filters, sort, group -----------------------------------------------------------------

export type SortKey = 'time' | 'destination' | 'verdict'
export const SORT_KEYS: readonly SortKey[] = ['time', 'destination', 'verdict']
export type GroupKey = 'none' | 'destination' | 'source'
export const GROUP_KEYS: readonly GroupKey[] = ['none', 'destination', 'source']

export interface Filters {
  verdict: Verdict | null
  severity: Severity | null
  destination: string | null
  workload: string | null
  /** Only chains that contributed to this finding id. */
  finding: string | null
  /** The search text as a filter (`F`): only matching chains. */
  text: string | null
}
export const NO_FILTERS: Filters = {verdict: null, severity: null, destination: null, workload: null, finding: null, text: null}

export type ListEntry = {kind: 'chain'; row: number} | {kind: 'group'; label: string; count: number}

export function matchesSearch(row: ChainRow, search: string): boolean {
  return search !== '' && row.haystack.includes(search.toLowerCase())
}

export function passes(row: ChainRow, f: Filters): boolean {
  if (f.verdict !== null && row.verdict !== f.verdict) return false
  if (f.severity !== null && (row.severityMask & (1 << SEVERITIES.indexOf(f.severity))) === 0) return false
  if (f.destination !== null && row.destination !== f.destination) return false
  if (f.workload !== null && row.source !== f.workload) return false
  if (f.finding !== null && !row.findingIds.includes(f.finding)) return false
  if (f.text !== null && !matchesSearch(row, f.text)) return false
  return true
}

/** The list's entries: filtered rows, sorted, with a header row before each group. O(n log n). */
export function selectEntries(data: TuiData, filters: Filters, sort: SortKey, group: GroupKey): ListEntry[] {
  const rows: number[] = []
  for (let i = 0; i < data.rows.length; i++) if (passes(data.rows[i]!, filters)) rows.push(i)
  const R = data.rows
  const byTime = (a: number, b: number) => R[a]!.startMs - R[b]!.startMs || a - b
  const cmp =
    sort === 'time'
      ? byTime
      : sort === 'destination'
        ? (a: number, b: number) => (R[a]!.destination < R[b]!.destination ? -1 : R[a]!.destination > R[b]!.destination ? 1 : byTime(a, b))
        : (a: number, b: number) => VERDICTS.indexOf(R[a]!.verdict) - VERDICTS.indexOf(R[b]!.verdict) || byTime(a, b)
  rows.sort(cmp)
  if (group === 'none') return rows.map((row) => ({kind: 'chain', row}))
  const keyOf = (i: number) => (group === 'destination' ? R[i]!.destination : R[i]!.source)
  const groups = new Map<string, number[]>()
  for (const i of rows) {
    const k = keyOf(i)
    let g = groups.get(k)
    if (!g) groups.set(k, (g = []))
    g.push(i)
  }
  const out: ListEntry[] = []
  for (const k of [...groups.keys()].sort()) {
    const g = groups.get(k)!
    out.push({kind: 'group', label: k, count: g.length})
    for (const row of g) out.push({kind: 'chain', row})
  }
  return out
}

// ---- layout helpers ---------------------------------------------------------------------------------

/** Cuts or pads to exactly `width` characters. */
export function fit(s: string, width: number): string {
  if (width <= 0) return ''
  return s.length > width ? `${s.slice(0, Math.max(0, width - 1))}…` : s.padEnd(width)
}

/** Cuts a line of segments to `width` characters. */
export function clipLine(line: Line, width: number): Line {
  const out: Line = []
  let left = width
  for (const seg of line) {
    if (left <= 0) break
    if (seg.text.length <= left) {
      out.push(seg)
      left -= seg.text.length
    } else {
      out.push({...seg, text: `${seg.text.slice(0, Math.max(0, left - 1))}…`})
      left = 0
    }
  }
  return out
}

/** Wraps text to `width`, at most `maxLines` lines (the last marked with … when cut). */
export function wrap(text: string, width: number, maxLines = 8): string[] {
  const w = Math.max(1, width)
  const out: string[] = []
  for (let at = 0; at < text.length && out.length < maxLines; at += w) out.push(text.slice(at, at + w))
  if (out.length === maxLines && text.length > maxLines * w) out[maxLines - 1] = `${out[maxLines - 1]!.slice(0, w - 1)}…`
  return out.length ? out : ['']
}

interface Columns {
  time: number
  source: number
  destination: number
  request: number
}
const VERDICT_W = 23
const CONF_W = 4
const FIND_W = 3
function columnsFor(width: number): Columns {
  const time = width >= 120 ? 23 : width >= 100 ? 14 : 8
  const fixed = 2 + time + VERDICT_W + CONF_W + FIND_W + 6
  const rest = Math.max(12, width - fixed)
  const source = Math.max(4, Math.floor(rest * 0.28))
  const request = Math.max(4, Math.floor(rest * 0.3))
  return {time, source, request, destination: Math.max(4, rest - source - request)}
}

const CONF_SHORT: Record<Confidence, string> = {high: 'high', medium: 'med', low: 'low'}

export function toListHeading(width: number): Line {
  const c = columnsFor(width)
  const text = `  ${fit('TIME', c.time)} ${fit('SOURCE', c.source)} ${fit('DESTINATION', c.destination)} ${fit('REQUEST', c.request)} ${fit('VERDICT', VERDICT_W)} ${fit('CONF', CONF_W)} ${'FND'}`
  return clipLine([{text, tone: 'heading'}], width)
}

export interface ListLine {
  line: Line
  selected: boolean
}

/** The visible window of the list only: rendering cost does not grow with the number of chains. */
export function toListLines(data: TuiData, entries: readonly ListEntry[], top: number, height: number, cursor: number, search: string, width: number): ListLine[] {
  const c = columnsFor(width)
  const out: ListLine[] = []
  for (let i = top; i < Math.min(entries.length, top + height); i++) {
    const e = entries[i]!
    if (e.kind === 'group') {
      out.push({line: clipLine([{text: `▸ ${e.label} `, tone: 'heading'}, {text: `(${e.count} chain${e.count === 1 ? '' : 's'})`, tone: 'muted'}], width), selected: i === cursor})
      continue
    }
    const r = data.rows[e.row]!
    const time = c.time === 14 ? r.time.slice(5, 19) : c.time === 8 ? r.time.slice(11, 19) : r.time
    const mark = matchesSearch(r, search) ? '*' : ' '
    const line: Line = [
      {text: `${mark} ${fit(time, c.time)} ${fit(r.source, c.source)} ${fit(r.destination, c.destination)} ${fit(r.request, c.request)} `},
      {text: fit(r.verdict, VERDICT_W), tone: VERDICT_TONE[r.verdict]},
      {text: ` ${fit(CONF_SHORT[r.confidence], CONF_W)} `},
      {text: r.findings > 0 ? String(r.findings).padStart(FIND_W) : '  -', tone: r.findings > 0 ? SEVERITY_TONE[SEVERITIES[lowestBit(r.severityMask)]!] : 'muted'},
    ]
    out.push({line: clipLine(line, width), selected: i === cursor})
  }
  return out
}

/** Index of the lowest set bit (the most severe finding), 3 (info) when none. */
function lowestBit(mask: number): number {
  for (let i = 0; i < SEVERITIES.length; i++) if (mask & (1 << i)) return i
  return SEVERITIES.length - 1
}

// ---- header -----------------------------------------------------------------------------------------

export const HEADER_LINES = 4

/** Four lines: inputs; accounting and chains; findings per severity; verdict counts (clipped). */
export function toHeaderLines(data: TuiData, width: number): Line[] {
  const r = data.result
  const a = r.accounting
  const inputs = data.inputs.length ? data.inputs.join(', ') : 'stdin'
  const sev: Line = [{text: 'findings: '}]
  for (const s of SEVERITIES) {
    const n = r.findings.filter((f) => f.severity === s).length
    sev.push({text: `${n} ${s}`, tone: n > 0 ? SEVERITY_TONE[s] : 'muted'}, {text: '  '})
  }
  sev.push({text: `· proven ${r.totals.proven}/${r.totals.egress} egress`, tone: 'muted'})
  const verdicts: Line = []
  for (const v of VERDICTS) {
    const n = r.totals.byVerdict[v]
    if (n) verdicts.push({text: `${v} ${n}`, tone: VERDICT_TONE[v]}, {text: '  '})
  }
  return [
    clipLine([{text: 'egress-audit tui ', tone: 'heading'}, {text: inputs, tone: 'muted'}], width),
    clipLine([{text: `${a.linesRead} lines read, ${a.parsed} parsed, `}, {text: `${a.skipped} skipped`, tone: a.skipped > 0 ? 'warn' : undefined}, {text: ` · ${r.totals.chains} chains · ${r.totals.headerSetsJoined}/${r.totals.headerSets} header sets joined`}], width),
    clipLine(sev, width),
    clipLine(verdicts.length ? verdicts : [{text: 'no chains', tone: 'muted'}], width),
  ]
}

// ---- detail -----------------------------------------------------------------------------------------

const TRANSPORT: Record<string, string> = {
  plaintext: 'plaintext',
  mtls: 'mTLS',
  tls: 'TLS (app)',
  'tls-originated': 'TLS originated',
  'mtls-originated': 'mTLS',
  'tls-passthrough': 'passthrough',
  none: 'none (refused)',
  unknown: '?',
}
const ROLE: Record<string, string> = {sidecar: 'sidecar', 'egress-gateway': 'egress gateway', 'ingress-gateway': 'ingress gateway', waypoint: 'waypoint', unknown: 'proxy?'}

/** The hop chain left to right: app ─plaintext→ sidecar ─mTLS→ egress gateway ─TLS originated→ host:port. */
export function toPathSegments(c: RequestChain): Line {
  const dest = safe(c.destination.key, 120)
  if (c.hops.length === 0) return [{text: 'app ─?→ (no access-log line) ─?→ '}, {text: dest, tone: 'accent'}, {text: '  (echo only)', tone: 'muted'}]
  const line: Line = [{text: 'app'}]
  const arrow = (t: string, proven: boolean): Segment => ({text: ` ─${TRANSPORT[t] ?? t}${proven ? '' : '?'}→ `, tone: t === 'plaintext' ? 'bad' : t === 'unknown' || t === 'none' ? 'warn' : 'ok'})
  c.hops.forEach((h, i) => {
    line.push(i === 0 ? arrow(h.downstream, true) : arrow(c.hops[i - 1]!.upstream, c.hops[i - 1]!.upstreamProven || h.downstreamProven))
    line.push({text: ROLE[h.role] ?? h.role, tone: 'heading'})
  })
  const last = c.hops[c.hops.length - 1]!
  line.push(arrow(last.upstream, last.upstreamProven), {text: dest, tone: 'accent'})
  return line
}

/** Wraps a segment line at `width` into several lines (segments split where needed). */
export function wrapLine(line: Line, width: number, maxLines = 6): Line[] {
  const out: Line[] = [[]]
  let left = Math.max(1, width)
  for (const seg of line) {
    let text = seg.text
    while (text.length > 0) {
      if (left === 0) {
        if (out.length === maxLines) {
          const lastLine = out[maxLines - 1]!
          const lastSeg = lastLine[lastLine.length - 1]
          if (lastSeg) lastLine[lastLine.length - 1] = {...lastSeg, text: `${lastSeg.text.slice(0, -1)}…`}
          return out
        }
        out.push([])
        left = Math.max(1, width)
      }
      const part = text.slice(0, left)
      out[out.length - 1]!.push({...seg, text: part})
      left -= part.length
      text = text.slice(part.length)
    }
  }
  return out
}

const HOP_FIELDS = [
  'startTime', 'method', 'authority', 'path', 'protocol', 'responseCode', 'responseFlags', 'upstreamCluster', 'upstreamHost',
  'requestedServerName', 'upstreamTlsVersion', 'upstreamPeerUriSan', 'downstreamTlsVersion', 'downstreamPeerUriSan',
  'downstreamLocalAddress', 'downstreamRemoteAddress', 'upstreamLocalAddress', 'upstreamTransportFailureReason', 'responseCodeDetails', 'requestId', 'routeName',
] as const

/** Every line of the detail view for one chain, wrapped to `width`. */
export function toDetailLines(data: TuiData, rowIndex: number, width: number): Line[] {
  const row = data.rows[rowIndex]
  if (!row) return [[{text: 'no chain selected', tone: 'muted'}]]
  const c = data.result.chains[row.index]!
  const out: Line[] = []
  const add = (line: Line) => out.push(...wrapLine(line, width))
  const kv = (k: string, v: string, tone?: Tone) => add([{text: `    ${k}: `, tone: 'muted'}, {text: v, tone}])
  const title = (t: string) => {
    out.push([])
    out.push([{text: t, tone: 'heading'}])
  }

  add([{text: safe(c.id), tone: 'accent'}])
  add([{text: 'verdict ', tone: 'muted'}, {text: c.verdict, tone: VERDICT_TONE[c.verdict]}, {text: `  confidence ${c.confidence}  ${c.strength}  scope ${c.scope}  ${row.time}`, tone: 'muted'}])
  add([{text: 'source ', tone: 'muted'}, {text: safe(sourceOf(c))}, {text: c.source.namespace ? ` (ns ${safe(c.source.namespace)})` : '', tone: 'muted'}, {text: c.source.identity ? `  ${safe(c.source.identity)}` : '', tone: 'muted'}])
  title('Path')
  add(toPathSegments(c))
  if (c.joinedBy.length) add([{text: `joined by ${c.joinedBy.join(', ')}`, tone: 'muted'}])
  title('Why')
  add([{text: '  rule ', tone: 'muted'}, {text: safe(c.rule), tone: 'accent'}])
  add([{text: `  ${safe(c.reason, 2000)}`}])
  for (const m of c.missing) add([{text: `  missing: ${safe(m)}`, tone: 'warn'}])
  if (c.findings.length) {
    title('Findings')
    const byId = new Map(data.result.findings.map((f) => [f.id, f]))
    for (const id of c.findings) {
      const f = byId.get(id)
      if (f) add([{text: `  ${f.severity.toUpperCase().padEnd(7)}`, tone: SEVERITY_TONE[f.severity]}, {text: safe(f.title)}])
    }
  }

  title('Hops')
  c.hops.forEach((h, i) => {
    add([{text: `  [${i + 1}] `}, {text: ROLE[h.role] ?? h.role, tone: 'heading'}, {text: `  ${safe(h.ref)}`, tone: 'accent'}, {text: `  ${h.direction} ${h.kind}  down ${TRANSPORT[h.downstream]}${h.downstreamProven ? '' : '?'} / up ${TRANSPORT[h.upstream]}${h.upstreamProven ? '' : '?'}`, tone: 'muted'}])
    add([{text: `    role: ${safe(h.roleReason)}${h.roleGuessed ? ' (guessed)' : ''}`, tone: h.roleGuessed ? 'warn' : 'muted'}])
    const raw = data.rawLine(h.entry.source.input, h.entry.source.line)
    if (raw !== undefined) out.push(...wrapLine([{text: '    raw: ', tone: 'muted'}, {text: safe(raw, 4000), tone: 'info'}], width, 6))
    const e = h.entry as unknown as Record<string, unknown>
    for (const f of HOP_FIELDS) {
      const v = e[f]
      if (v === null || v === undefined || (Array.isArray(v) && v.length === 0)) continue
      kv(f, safe(Array.isArray(v) ? v.join(',') : (v as string)))
    }
    kv('format', safe(h.entry.format))
  })
  if (c.hops.length === 0) add([{text: '  no access-log line', tone: 'muted'}])

  if (c.headers.length) {
    title('Echoed headers')
    for (const h of c.headers) {
      add([{text: `  ${safe(`${h.source.input}:${h.source.line}`)}`, tone: 'accent'}, {text: `  ${h.kind}`, tone: 'muted'}])
      if (h.peerId) kv('peer id', safe(`${h.peerId.type} ${h.peerId.ip} ${h.peerId.id} ${h.peerId.domain}`))
      if (h.peerMetadata) {
        const m = h.peerMetadata
        kv('peer metadata', safe(['WORKLOAD_NAME', 'NAMESPACE', 'CLUSTER_ID', 'ISTIO_VERSION', 'MESH_ID'].filter((k) => m[k] != null).map((k) => `${k}=${String(m[k])}`).join(' ')), 'warn')
      }
      if (h.decoratorOperation) kv('decorator', safe(`${h.decoratorOperation.host}:${h.decoratorOperation.port ?? '?'}${h.decoratorOperation.path ?? ''}`))
      for (const x of h.xfcc ?? []) {
        kv('XFCC', safe(`By=${x.by ?? '-'} URI=${x.uri.join(',') || '-'} hash ${x.hashMatches === null ? 'not checked' : x.hashMatches ? 'matches' : 'DOES NOT MATCH'}`), x.hashMatches === false ? 'bad' : undefined)
        const cert = x.certificate
        if (cert) {
          kv('  certificate', safe(`subject "${cert.subject}" issuer "${cert.issuer}" SAN ${[...cert.uris, ...cert.dnsNames].join(',') || '-'}`))
          const validity = cert.expired ? 'EXPIRED' : cert.notYetValid ? 'NOT YET VALID' : 'valid'
          kv('  validity', safe(`${cert.validFrom} → ${cert.validTo}: ${validity} at ${cert.checkedAt}`), cert.expired || cert.notYetValid ? 'bad' : 'ok')
        }
        for (const p of x.problems) kv('  problem', safe(p), 'warn')
      }
      for (const k of h.conclusions) kv(k.claim, safe(`${k.reason} (${k.source.header}${k.source.line ? ` line ${k.source.line}` : ''})`))
      for (const err of h.errors) kv('error', safe(`${err.header}: ${err.message}`), 'warn')
    }
  }

  title('Evidence behind the verdict')
  for (const ev of c.evidence) {
    add([{text: `  ${safe(ev.ref)}`, tone: 'accent'}, {text: `  ${ev.kind} ${ev.strength}: `, tone: 'muted'}, {text: safe(ev.fact)}])
    for (const [k, v] of Object.entries(ev.fields)) kv(safe(k, 60), safe(v))
  }
  if (c.evidence.length === 0) add([{text: '  none recorded', tone: 'muted'}])
  return out
}

// ---- findings, skipped, help ------------------------------------------------------------------------

export function toFindingLine(f: FindingRow, width: number): Line {
  return clipLine(
    [
      {text: ` ${f.severity.toUpperCase().padEnd(7)}`, tone: SEVERITY_TONE[f.severity]},
      {text: `${String(f.count).padStart(5)}  `},
      {text: f.title},
      {text: `  (${f.source} → ${f.destination})`, tone: 'muted'},
    ],
    width,
  )
}

export function toSkippedLines(data: TuiData, width: number): Line[] {
  const a = data.result.accounting
  const out: Line[] = [[{text: `${a.linesRead} lines read: ${a.parsed} parsed, ${a.skipped} skipped`, tone: 'heading'}]]
  const formats = Object.entries(a.parsedByFormat).map(([f, n]) => `${safe(f, 60)} ${n}`).join(', ')
  if (formats) out.push(...wrapLine([{text: `parsed by format: ${formats}`, tone: 'muted'}], width))
  out.push([])
  if (data.skipped.length === 0) out.push([{text: 'no line was skipped', tone: 'ok'}])
  for (const s of data.skipped) {
    out.push(...wrapLine([{text: fit(s.reason, 20), tone: 'warn'}, {text: `${String(s.count).padStart(7)}  `}, {text: `first: ${s.first}`, tone: 'muted'}], width))
  }
  for (const n of data.notes) out.push(...wrapLine([{text: n, tone: 'muted'}], width))
  return out
}

export const HELP: readonly [string, string][] = [
  ['↑ ↓  j k', 'move'],
  ['PgUp PgDn  space', 'page'],
  ['g G  Home End', 'first / last'],
  ['Enter', 'open the chain (list), its chains (findings); filter by a group header'],
  ['Esc q', 'back; q on the list quits (also Ctrl-C)'],
  ['Tab  Shift-Tab', 'next / previous view: chains, findings, skipped lines'],
  ['/', 'search (type, Enter to keep, Esc to cancel); matches marked *'],
  ['n N', 'next / previous match'],
  ['F', 'show only matches of the search (toggle)'],
  ['v', 'filter by verdict (cycles)'],
  ['l', 'filter by finding severity (cycles)'],
  ['d', "filter by the selected chain's destination (toggle)"],
  ['w', "filter by the selected chain's source workload (toggle)"],
  ['c', 'clear every filter and the search'],
  ['s', 'sort by time, destination, verdict (cycles)'],
  ['o', 'group by none, destination, source workload (cycles)'],
  ['e', 'export the whole analysis as a markdown report in the current directory'],
  ['?', 'this help'],
]

export function toHelpLines(width: number): Line[] {
  return [
    [{text: 'Keys', tone: 'heading'}],
    ...HELP.map(([k, v]): Line => clipLine([{text: `  ${k.padEnd(18)}`, tone: 'accent'}, {text: v}], width)),
    [],
    clipLine([{text: 'Arrows: ─X→ transport; a trailing ? means inferred from names and ports, not proven by TLS fields.', tone: 'muted'}], width),
  ]
}

