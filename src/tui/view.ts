// Pure view-model of the TUI: chains become TuiData as they arrive, each once (every log-derived string
// scrubbed with scrub(s, true) and cut to a bound), and TuiData plus the state become lines of toned
// segments for the components. Nothing here knows ink; nothing in the components knows the analysis.

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
  /** Index into TuiData.chains. */
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

/** Where reading stands, for the header: still reading, following inputs that may never end, or done. */
export interface InputProgress {
  phase: 'reading' | 'following' | 'complete'
  /** Inputs still open: files, and whether stdin is one of them (follow mode's "following 2 files"). */
  openFiles: number
  openStdin: boolean
  /** Lines read per second over the last few seconds; null before there is a measure. */
  linesPerSecond: number | null
  /** The latest rotation of a followed file, in words (`gateway.log rotated 19:24:00`); absent when none. */
  event?: string
}
export const INPUT_COMPLETE: InputProgress = {phase: 'complete', openFiles: 0, openStdin: false, linesPerSecond: null}

/** What the header counts of the chains listed: kept with the rows, so it is live whatever the result says. */
export interface ChainCounts {
  byVerdict: Partial<Record<Verdict, number>>
  egress: number
  proven: number
}

export interface TuiData {
  /** Accounting, findings and options: the whole result, or in a live view the latest snapshot of it. */
  result: AnalysisResult
  /** Every chain listed, in arrival order; ChainRow.index points here. */
  chains: readonly RequestChain[]
  inputs: string[]
  notes: string[]
  /** One row per chain. In a live view the array only grows: a row keeps its index for the whole run. */
  rows: ChainRow[]
  /** Bumped when rows already listed changed (their findings' severities became known): the list is rebuilt. */
  generation: number
  counts: ChainCounts
  progress: InputProgress
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

/** Bits of SEVERITIES for a chain's findings; `known` is false when one of them is not in `severityOf` yet. */
function severityMaskOf(ids: readonly string[], severityOf: ReadonlyMap<string, Severity>): {mask: number; known: boolean} {
  let mask = 0
  let known = true
  for (const id of ids) {
    const s = severityOf.get(id)
    if (s) mask |= 1 << SEVERITIES.indexOf(s)
    else known = false
  }
  return {mask, known}
}

/** One chain as a list row: every string scrubbed and bounded, the search text lower-cased once. */
export function toChainRow(c: RequestChain, index: number, severityMask: number): ChainRow {
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
    severityMask,
    findingIds: c.findings,
    haystack: `${safe(c.id, 200)} ${source} ${destination} ${request} ${c.verdict} ${c.rule}`.toLowerCase(),
  }
}

function toFindingRows(result: AnalysisResult): FindingRow[] {
  return [...result.findings]
    .sort((a, b) => SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) || b.count - a.count)
    .map((f) => ({id: f.id, severity: f.severity, kind: f.kind, title: safe(f.title), count: f.count, destination: safe(f.destination, 200), source: safe(f.source, 120)}))
}

function toSkippedRows(result: AnalysisResult): SkippedRow[] {
  const acc = result.accounting
  return (Object.entries(acc.skippedByReason) as [SkipReason, number][]).map(([reason, count]) => ({
    reason,
    count,
    first: safe((acc.firstSkipped[reason] ?? []).join(', ')),
  }))
}

/**
 * Builds the TUI's data as chains arrive (a live stream) or all at once: each chain becomes a row once,
 * when data() is next asked for, so an update costs what arrived since the last, not the whole run.
 * data() gives a new TuiData each time; its rows and chains arrays are shared and only ever appended to.
 *
 * @example
 * const b = new TuiDataBuilder(analyzer.snapshot(), ['gateway.log'])
 * b.append(chains)                 // as they complete
 * b.setResult(analyzer.snapshot()) // accounting and findings so far
 * rerender(b.data())               // at most a few times a second
 */
export class TuiDataBuilder {
  private readonly chains: RequestChain[] = []
  private readonly rows: ChainRow[] = []
  private readonly counts: ChainCounts = {byVerdict: {}, egress: 0, proven: 0}
  private readonly severityOf = new Map<string, Severity>()
  /** Rows with a finding whose severity was not known when they were built (no snapshot had it yet). */
  private unresolved: number[] = []
  private generation = 0
  private result!: AnalysisResult
  private findings: FindingRow[] = []
  private skipped: SkippedRow[] = []
  private progress: InputProgress = INPUT_COMPLETE
  private readonly inputs: string[]
  private notes: string[]

  constructor(result: AnalysisResult, inputs: readonly string[] = [], notes: readonly string[] = [], private readonly rawLine: RawLookup = NO_RAW) {
    this.inputs = inputs.map((s) => safe(s, 200))
    this.notes = notes.map((s) => safe(s))
    this.setResult(result)
  }

  get chainCount(): number {
    return this.chains.length
  }

  /** Chains as they complete; they become rows at the next data(). */
  append(chains: readonly RequestChain[]): void {
    for (const c of chains) this.chains.push(c)
  }

  /** The latest accounting and findings (a snapshot, or the final result). */
  setResult(result: AnalysisResult): void {
    this.result = result
    for (const f of result.findings) this.severityOf.set(f.id, f.severity)
    this.findings = toFindingRows(result)
    this.skipped = toSkippedRows(result)
    if (this.unresolved.length > 0) this.resolveSeverities()
  }

  setProgress(progress: InputProgress): void {
    this.progress = progress
  }

  setNotes(notes: readonly string[]): void {
    this.notes = notes.map((s) => safe(s))
  }

  data(): TuiData {
    for (let i = this.rows.length; i < this.chains.length; i++) this.addRow(this.chains[i]!, i)
    const byVerdict = {...this.counts.byVerdict}
    return {
      result: this.result,
      chains: this.chains,
      inputs: this.inputs,
      notes: this.notes,
      rows: this.rows,
      generation: this.generation,
      counts: {...this.counts, byVerdict},
      progress: this.progress,
      findings: this.findings,
      skipped: this.skipped,
      verdicts: VERDICTS.filter((v) => byVerdict[v]),
      severities: SEVERITIES.filter((s) => this.findings.some((f) => f.severity === s)),
      rawLine: this.rawLine,
    }
  }

  private addRow(c: RequestChain, index: number): void {
    const {mask, known} = severityMaskOf(c.findings, this.severityOf)
    if (!known) this.unresolved.push(index)
    this.rows.push(toChainRow(c, index, mask))
    this.counts.byVerdict[c.verdict] = (this.counts.byVerdict[c.verdict] ?? 0) + 1
    if (c.scope === 'egress') {
      this.counts.egress++
      if (c.strength === 'proven') this.counts.proven++
    }
  }

  /** Rows built before their findings were known get their severities now; the list is rebuilt once. */
  private resolveSeverities(): void {
    const still: number[] = []
    let changed = false
    for (const i of this.unresolved) {
      const row = this.rows[i]!
      const {mask, known} = severityMaskOf(row.findingIds, this.severityOf)
      if (!known) still.push(i)
      if (mask !== row.severityMask) {
        this.rows[i] = {...row, severityMask: mask}
        changed = true
      }
    }
    this.unresolved = still
    if (changed) this.generation++
  }
}

/** Builds the TUI's data for a finished result: O(chains), every string scrubbed and bounded. */
export function toTuiData(result: AnalysisResult, inputs: string[] = [], notes: string[] = [], rawLine: RawLookup = NO_RAW): TuiData {
  const builder = new TuiDataBuilder(result, inputs, notes, rawLine)
  builder.append(result.chains)
  return builder.data()
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

type RowOrder = (a: number, b: number) => number

/** The list's order: by group key first (groups sorted by name), then by the sort key, then arrival. */
function orderOf(data: TuiData, sort: SortKey, group: GroupKey): RowOrder {
  const R = data.rows
  const byTime: RowOrder = (a, b) => R[a]!.startMs - R[b]!.startMs || a - b
  const within: RowOrder =
    sort === 'time'
      ? byTime
      : sort === 'destination'
        ? (a, b) => (R[a]!.destination < R[b]!.destination ? -1 : R[a]!.destination > R[b]!.destination ? 1 : byTime(a, b))
        : (a, b) => VERDICTS.indexOf(R[a]!.verdict) - VERDICTS.indexOf(R[b]!.verdict) || byTime(a, b)
  if (group === 'none') return within
  const keyOf = (i: number) => (group === 'destination' ? R[i]!.destination : R[i]!.source)
  return (a, b) => {
    const ka = keyOf(a)
    const kb = keyOf(b)
    return ka < kb ? -1 : ka > kb ? 1 : within(a, b)
  }
}

type ChainEntry = Extract<ListEntry, {kind: 'chain'}>

/** Chain entries in list order, with a header row (label, count) before each group's first chain. */
function withGroupHeaders(data: TuiData, chains: ChainEntry[], group: GroupKey): ListEntry[] {
  if (group === 'none') return chains
  const keyOf = (e: ChainEntry) => (group === 'destination' ? data.rows[e.row]!.destination : data.rows[e.row]!.source)
  const out: ListEntry[] = []
  for (let i = 0; i < chains.length; ) {
    const label = keyOf(chains[i]!)
    let j = i
    while (j < chains.length && keyOf(chains[j]!) === label) j++
    out.push({kind: 'group', label, count: j - i})
    for (let k = i; k < j; k++) out.push(chains[k]!)
    i = j
  }
  return out
}

/** The list's entries: filtered rows, sorted, with a header row before each group. O(n log n). */
export function selectEntries(data: TuiData, filters: Filters, sort: SortKey, group: GroupKey): ListEntry[] {
  const rows: number[] = []
  for (let i = 0; i < data.rows.length; i++) if (passes(data.rows[i]!, filters)) rows.push(i)
  rows.sort(orderOf(data, sort, group))
  return withGroupHeaders(data, rows.map((row) => ({kind: 'chain', row})), group)
}

/**
 * Appends to `out` the chain entries old[from, to) and the rows `added[j0, j1)` (sorted) in list order,
 * keeping the old entry objects: each new row finds its place by binary search, the search starting where
 * the last one ended, so the cost is the copy plus O(new · log old) comparisons.
 */
function mergeInto(out: ListEntry[], old: readonly ListEntry[], from: number, to: number, added: readonly number[], j0: number, j1: number, order: RowOrder): void {
  let copied = from
  for (let j = j0; j < j1; j++) {
    const row = added[j]!
    let lo = copied
    let hi = to
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (order((old[mid] as ChainEntry).row, row) < 0) lo = mid + 1
      else hi = mid
    }
    while (copied < lo) out.push(old[copied++]!)
    out.push({kind: 'chain', row})
  }
  while (copied < to) out.push(old[copied++]!)
}

/**
 * The entries with rows `from`… (new since they were built) merged in, as selectEntries would list them
 * (same filters, sort and grouping); the existing entry objects are kept, and a group's header is made
 * anew only when its group grew. Only the new rows are filtered and sorted, so an update costs a copy of
 * the list plus O(new · log entries) comparisons, not a re-sort: a few ms for a million chains.
 */
export function mergeEntries(data: TuiData, entries: readonly ListEntry[], from: number, filters: Filters, sort: SortKey, group: GroupKey): ListEntry[] {
  const added: number[] = []
  for (let i = from; i < data.rows.length; i++) if (passes(data.rows[i]!, filters)) added.push(i)
  if (added.length === 0) return entries as ListEntry[]
  const order = orderOf(data, sort, group)
  added.sort(order)
  if (group === 'none') {
    // A live stream in time order: the new rows mostly come after the last, and the list is one copy.
    const last = entries[entries.length - 1] as ChainEntry | undefined
    if (last === undefined || order(last.row, added[0]!) < 0) return entries.concat(added.map((row): ListEntry => ({kind: 'chain', row})))
    const out: ListEntry[] = []
    mergeInto(out, entries, 0, entries.length, added, 0, added.length, order)
    return out
  }
  const out: ListEntry[] = []
  // Group by group, in label order: an old group without new rows is copied as it is; new rows join their
  // group (a new header with the new count) or make a new one.
  const keyOf = (row: number) => (group === 'destination' ? data.rows[row]!.destination : data.rows[row]!.source)
  let i = 0
  let j = 0
  while (i < entries.length || j < added.length) {
    const header = entries[i] as Extract<ListEntry, {kind: 'group'}> | undefined
    const key = j < added.length ? keyOf(added[j]!) : undefined
    if (header !== undefined && (key === undefined || header.label < key)) {
      for (let end = i + 1 + header.count; i < end; i++) out.push(entries[i]!)
      continue
    }
    let j1 = j + 1
    while (j1 < added.length && keyOf(added[j1]!) === key) j1++
    if (header === undefined || key! < header.label) {
      out.push({kind: 'group', label: key!, count: j1 - j})
      for (; j < j1; j++) out.push({kind: 'chain', row: added[j]!})
    } else {
      out.push({kind: 'group', label: header.label, count: header.count + j1 - j})
      mergeInto(out, entries, i + 1, i + 1 + header.count, added, j, j1, order)
      i += 1 + header.count
      j = j1
    }
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

/**
 * Whether input is still coming, in words: `reading… 120 lines/s`, `following 2 files and stdin · 120 lines/s`
 * (and the latest rotation: `· gateway.log rotated 19:24:00`), `complete`.
 */
export function describeProgress(p: InputProgress): string {
  if (p.phase === 'complete') return 'complete'
  const perSecond = p.linesPerSecond === null ? null : Math.round(p.linesPerSecond)
  const rate = perSecond === null ? '' : `${perSecond} line${perSecond === 1 ? '' : 's'}/s`
  if (p.phase === 'reading') return rate ? `reading… ${rate}` : 'reading…'
  const files = p.openFiles > 0 ? `${p.openFiles} file${p.openFiles === 1 ? '' : 's'}` : ''
  const open = files && p.openStdin ? `${files} and stdin` : files || (p.openStdin ? 'stdin' : 'no input')
  const following = rate ? `following ${open} · ${rate}` : `following ${open}`
  return p.event ? `${following} · ${p.event}` : following
}

/** Four lines: inputs and progress; accounting and chains; findings per severity; verdict counts (clipped). */
export function toHeaderLines(data: TuiData, width: number): Line[] {
  const r = data.result
  const a = r.accounting
  const title = 'egress-audit tui '
  const progress = `  ${describeProgress(data.progress)}`
  // The progress stays in view: the list of inputs gives way first.
  const inputs = fit(data.inputs.length ? data.inputs.join(', ') : 'stdin', Math.max(1, width - title.length - progress.length)).trimEnd()
  const sev: Line = [{text: 'findings: '}]
  for (const s of SEVERITIES) {
    const n = data.findings.filter((f) => f.severity === s).length
    sev.push({text: `${n} ${s}`, tone: n > 0 ? SEVERITY_TONE[s] : 'muted'}, {text: '  '})
  }
  sev.push({text: `· proven ${data.counts.proven}/${data.counts.egress} egress`, tone: 'muted'})
  const verdicts: Line = []
  for (const v of VERDICTS) {
    const n = data.counts.byVerdict[v]
    if (n) verdicts.push({text: `${v} ${n}`, tone: VERDICT_TONE[v]}, {text: '  '})
  }
  return [
    clipLine([{text: title, tone: 'heading'}, {text: inputs, tone: 'muted'}, {text: progress, tone: data.progress.phase === 'complete' ? 'ok' : 'accent'}], width),
    clipLine([{text: `${a.linesRead} lines read, ${a.parsed} parsed, `}, {text: `${a.skipped} skipped`, tone: a.skipped > 0 ? 'warn' : undefined}, {text: ` · ${data.rows.length} chains · ${r.totals.headerSetsJoined}/${r.totals.headerSets} header sets joined`}], width),
    clipLine(sev, width),
    clipLine(verdicts.length ? verdicts : [{text: data.progress.phase === 'complete' ? 'no chains' : 'no chains yet', tone: 'muted'}], width),
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
  const c = data.chains[row.index]!
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
  ['e', 'export the chains in view as a report (markdown, json, csv, html, junit, sarif) in the current directory'],
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

