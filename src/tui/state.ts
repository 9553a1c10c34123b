// The TUI's state: one reducer over plain actions, pure, tested without ink (test/tui/state.test.ts).
// The list's entries (filtered, sorted, grouped) live in the state and are recomputed only when a
// filter, the sort or the grouping changes; rows that arrive later (a live stream) are merged in by
// `grow`, which keeps the selected chain selected. Moving the cursor is O(1), n/N is O(entries).

import {SEVERITIES} from '../core/model.js'
import type {ReportFormat} from '../report/index.js'
import {
  type Filters,
  type FindingRow,
  GROUP_KEYS,
  type GroupKey,
  HEADER_LINES,
  type ListEntry,
  NO_FILTERS,
  SORT_KEYS,
  type SortKey,
  type TuiData,
  matchesSearch,
  mergeEntries,
  safe,
  selectEntries,
  toDetailLines,
  toHelpLines,
  toSkippedLines,
} from './view.js'

export type ViewName = 'list' | 'detail' | 'findings' | 'skipped' | 'help'
/** Tab cycles these; detail and help are entered and left. */
export const TAB_VIEWS: readonly ViewName[] = ['list', 'findings', 'skipped']

/** The export chooser's keys: a letter of each report format's name, bracketed in its hint. */
export const EXPORT_KEYS: Readonly<Record<string, ReportFormat>> = {m: 'markdown', j: 'json', c: 'csv', h: 'html', u: 'junit', s: 'sarif'}

/** What the entries were built from, so `grow` merges in only what came since. */
export interface Built {
  /** data.rows.length when the entries were last built or merged. */
  rows: number
  generation: number
  /** data.findings then: the findings cursor follows its finding, not its index, when they reorder. */
  findings: readonly FindingRow[]
}

export interface TuiState {
  view: ViewName
  /** Where Esc/q returns from detail or help. */
  back: ViewName
  columns: number
  rows: number
  sort: SortKey
  group: GroupKey
  filters: Filters
  /** The committed search text ('' for none). */
  search: string
  /** Text being typed after `/`; null when not typing. */
  prompt: string | null
  entries: ListEntry[]
  /** Chain entries among them (the rest are group headers). */
  listed: number
  built: Built
  /**
   * Whether the user has moved the list's (the findings') cursor. Until then a live list stays at its
   * top as rows arrive; after, the selection follows the chain (the finding) it is on.
   */
  listMoved: boolean
  findingsMoved: boolean
  cursor: number
  top: number
  /** Detail: the data row shown, its scroll and its line count at the current width. */
  detailRow: number
  detailScroll: number
  detailLength: number
  findingCursor: number
  findingTop: number
  skippedScroll: number
  helpScroll: number
  /** One transient line for the status bar ("no match", "filter: …"). */
  message: string | null
  quit: boolean
  /** `e` asked for a report format: the next key picks one, Esc cancels. */
  exportPrompt: boolean
  /** Incremented when a format is picked: the App asks the shell to export when it changes. */
  exportRequest: number
  exportFormat: ReportFormat
}

export type Action =
  | {type: 'move'; by: number}
  | {type: 'page'; by: 1 | -1}
  | {type: 'home'}
  | {type: 'end'}
  | {type: 'open'}
  | {type: 'back'}
  | {type: 'quit'}
  | {type: 'tab'; by: 1 | -1}
  | {type: 'help'}
  | {type: 'resize'; columns: number; rows: number}
  | {type: 'sort'}
  | {type: 'group'}
  | {type: 'filter-verdict'}
  | {type: 'filter-severity'}
  | {type: 'filter-destination'}
  | {type: 'filter-workload'}
  | {type: 'filter-finding'; id: string | null}
  | {type: 'filter-matches'}
  | {type: 'clear'}
  | {type: 'search-start'}
  | {type: 'search-input'; text: string}
  | {type: 'search-backspace'}
  | {type: 'search-commit'}
  | {type: 'search-cancel'}
  | {type: 'match'; by: 1 | -1}
  /** `e`: open the format chooser. */
  | {type: 'export-choose'}
  | {type: 'export-cancel'}
  | {type: 'export'; format: ReportFormat}
  /** The data grew (a live stream) or its rows changed: merge in what came, keep the selection. */
  | {type: 'grow'}
  /** A line for the status bar from outside the reducer (the export's outcome). */
  | {type: 'message'; text: string}
  /** A raw key: mapped with keyToAction against the state it arrives at, so fast typing is never misread. */
  | {type: 'key'; input: string; key: KeyInfo}

/** Lines around the body: header, a title/heading line, the status line and the key hint line, plus one
 * spare so the frame is shorter than the terminal (ink clears the whole screen on a full-height frame). */
export const CHROME_LINES = HEADER_LINES + 4

export function bodyHeight(rows: number): number {
  return Math.max(1, rows - CHROME_LINES)
}

const builtFrom = (data: TuiData): Built => ({rows: data.rows.length, generation: data.generation, findings: data.findings})

/** Whether the data has rows, severities or findings the state's list was not built from: then `grow`. */
export function isBehind(s: TuiState, data: TuiData): boolean {
  return s.built.rows !== data.rows.length || s.built.generation !== data.generation || s.built.findings !== data.findings
}

function countChains(entries: readonly ListEntry[]): number {
  let n = 0
  for (const e of entries) if (e.kind === 'chain') n++
  return n
}

export function initialState(data: TuiData, columns = 80, rows = 24): TuiState {
  const entries = selectEntries(data, NO_FILTERS, 'time', 'none')
  return {
    view: 'list',
    back: 'list',
    columns,
    rows,
    sort: 'time',
    group: 'none',
    filters: NO_FILTERS,
    search: '',
    prompt: null,
    entries,
    listed: countChains(entries),
    built: builtFrom(data),
    listMoved: false,
    findingsMoved: false,
    cursor: 0,
    top: 0,
    detailRow: -1,
    detailScroll: 0,
    detailLength: 0,
    findingCursor: 0,
    findingTop: 0,
    skippedScroll: 0,
    helpScroll: 0,
    message: null,
    quit: false,
    exportPrompt: false,
    exportRequest: 0,
    exportFormat: 'markdown',
  }
}

const clamp = (n: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, n))

/** A cursor moved to `to` in a list of `length`, with its window's top kept so the cursor shows. */
function scrollTo(to: number, top: number, length: number, height: number): {cursor: number; top: number} {
  const cursor = clamp(to, 0, Math.max(0, length - 1))
  let t = top
  if (cursor < t) t = cursor
  if (cursor >= t + height) t = cursor - height + 1
  t = clamp(t, 0, Math.max(0, length - height))
  return {cursor, top: t}
}

function cycle<T>(values: readonly T[], current: T | null): T | null {
  if (values.length === 0) return null
  if (current === null) return values[0]!
  const i = values.indexOf(current)
  return i === -1 || i === values.length - 1 ? null : values[i + 1]!
}

/** The row index (into data.rows) under the cursor, or null on a group header or an empty list. */
export function selectedRow(state: TuiState): number | null {
  const e = state.entries[state.cursor]
  return e?.kind === 'chain' ? e.row : null
}

/** The active filters in words, for the status line; null when none. */
export function describeFilters(f: Filters): string | null {
  const parts: string[] = []
  if (f.verdict) parts.push(`verdict=${f.verdict}`)
  if (f.severity) parts.push(`severity=${f.severity}`)
  if (f.destination) parts.push(`destination=${f.destination}`)
  if (f.workload) parts.push(`workload=${f.workload}`)
  if (f.finding) parts.push('finding')
  if (f.text !== null) parts.push(`text~${f.text}`)
  return parts.length ? parts.join(' ') : null
}

/** Recomputes the entries and keeps the selected chain selected when it is still listed (and was chosen). */
function relist(data: TuiData, s: TuiState, patch: Partial<TuiState>): TuiState {
  const next = {...s, ...patch}
  const selected = s.listMoved ? selectedRow(s) : null
  const entries = selectEntries(data, next.filters, next.sort, next.group)
  let to = 0
  if (selected !== null) {
    const at = entries.findIndex((e) => e.kind === 'chain' && e.row === selected)
    if (at !== -1) to = at
  }
  const h = bodyHeight(next.rows)
  return {...next, entries, listed: countChains(entries), built: builtFrom(data), ...scrollTo(to, to - Math.floor(h / 2), entries.length, h)}
}

/** Where the entry `e` (from an older list) is in `entries`: the same chain, or the same group header. */
function findEntry(entries: readonly ListEntry[], e: ListEntry | undefined): number {
  if (!e) return -1
  if (e.kind === 'chain') return entries.findIndex((x) => x.kind === 'chain' && x.row === e.row)
  return entries.findIndex((x) => x.kind === 'group' && x.label === e.label)
}

/**
 * New rows merged into the list (a live stream). Once the user has moved, the selected chain stays
 * selected and on the same screen line, whatever sorted in above it; before, the list stays at its top.
 * The findings cursor does the same with its finding. The detail view is re-measured, since a finding of
 * its chain may have become known.
 */
function grow(data: TuiData, s: TuiState): TuiState {
  if (data.generation !== s.built.generation) return relist(data, s, {})
  const h = bodyHeight(s.rows)
  let next: TuiState = s
  if (data.rows.length > s.built.rows) {
    const entries = mergeEntries(data, s.entries, s.built.rows, s.filters, s.sort, s.group)
    const at = s.listMoved ? findEntry(entries, s.entries[s.cursor]) : 0
    const to = at === -1 ? s.cursor : at
    const listed = s.group === 'none' ? entries.length : countChains(entries)
    next = {...s, entries, listed, ...scrollTo(to, to - (s.cursor - s.top), entries.length, h)}
  }
  if (data.findings !== s.built.findings) {
    const id = s.built.findings[s.findingCursor]?.id
    const at = !s.findingsMoved ? 0 : id === undefined ? -1 : data.findings.findIndex((f) => f.id === id)
    const to = at === -1 ? s.findingCursor : at
    const f = scrollTo(to, to - (s.findingCursor - s.findingTop), data.findings.length, h)
    next = {...next, findingCursor: f.cursor, findingTop: f.top}
  }
  if (next.view === 'detail' && next.detailRow >= 0) next = {...next, detailLength: toDetailLines(data, next.detailRow, next.columns).length}
  return {...next, built: builtFrom(data)}
}

/** Moves the list cursor to the next (by 1) or previous (by -1) entry matching the search, wrapping. */
function findMatch(data: TuiData, s: TuiState, from: number, by: 1 | -1): number | null {
  const n = s.entries.length
  if (s.search === '' || n === 0) return null
  for (let k = 1; k <= n; k++) {
    const i = (((from + by * k) % n) + n) % n
    const e = s.entries[i]!
    if (e.kind === 'chain' && matchesSearch(data.rows[e.row]!, s.search)) return i
  }
  return null
}

function countMatches(data: TuiData, s: TuiState): number {
  let n = 0
  for (const e of s.entries) if (e.kind === 'chain' && matchesSearch(data.rows[e.row]!, s.search)) n++
  return n
}

/** Moves whatever the current view scrolls; a move clears the last message, and the key hint shows again. */
function moveIn(data: TuiData, before: TuiState, to: (cur: number, length: number, h: number) => number): TuiState {
  const h = bodyHeight(before.rows)
  const s = before.message === null ? before : {...before, message: null}
  switch (s.view) {
    case 'list':
      return {...s, ...scrollTo(to(s.cursor, s.entries.length, h), s.top, s.entries.length, h), listMoved: true}
    case 'findings': {
      const r = scrollTo(to(s.findingCursor, data.findings.length, h), s.findingTop, data.findings.length, h)
      return {...s, findingCursor: r.cursor, findingTop: r.top, findingsMoved: true}
    }
    case 'detail':
      return {...s, detailScroll: clamp(to(s.detailScroll, s.detailLength, h), 0, Math.max(0, s.detailLength - h))}
    case 'skipped': {
      const len = toSkippedLines(data, s.columns).length
      return {...s, skippedScroll: clamp(to(s.skippedScroll, len, h), 0, Math.max(0, len - h))}
    }
    case 'help': {
      const len = toHelpLines(s.columns).length
      return {...s, helpScroll: clamp(to(s.helpScroll, len, h), 0, Math.max(0, len - h))}
    }
  }
}

function openDetail(data: TuiData, s: TuiState, row: number): TuiState {
  return {...s, view: 'detail', back: s.view === 'detail' ? s.back : s.view, detailRow: row, detailScroll: 0, detailLength: toDetailLines(data, row, s.columns).length}
}

export function reduce(data: TuiData, s: TuiState, a: Action): TuiState {
  switch (a.type) {
    case 'key': {
      // Keys typed faster than the screen draws (a held j, a terminal that batches) arrive as one input:
      // outside a prompt, each character is its own key. A prompt takes pasted text whole.
      if (a.input.length > 1 && s.prompt === null && !a.key.ctrl && !a.key.meta && !a.key.return && !a.key.escape) {
        let next = s
        for (const ch of a.input) next = reduce(data, next, {type: 'key', input: ch, key: a.key})
        return next
      }
      const mapped = keyToAction(a.input, a.key, s)
      return mapped ? reduce(data, s, mapped) : s
    }
    case 'move':
      return moveIn(data, s, (cur) => cur + a.by)
    case 'page':
      return moveIn(data, s, (cur, _len, h) => cur + a.by * h)
    case 'home':
      return moveIn(data, s, () => 0)
    case 'end':
      return moveIn(data, s, (_cur, len) => len - 1)
    case 'resize': {
      const next = {...s, columns: Math.max(20, a.columns), rows: Math.max(CHROME_LINES + 1, a.rows)}
      const h = bodyHeight(next.rows)
      const list = scrollTo(s.cursor, s.top, s.entries.length, h)
      const f = scrollTo(s.findingCursor, s.findingTop, data.findings.length, h)
      const detailLength = s.detailRow >= 0 ? toDetailLines(data, s.detailRow, next.columns).length : 0
      return {...next, ...list, findingCursor: f.cursor, findingTop: f.top, detailLength, detailScroll: clamp(s.detailScroll, 0, Math.max(0, detailLength - h))}
    }
    case 'open': {
      if (s.view === 'list') {
        const e = s.entries[s.cursor]
        if (!e) return s
        if (e.kind === 'group') {
          const filters = s.group === 'destination' ? {...s.filters, destination: e.label} : {...s.filters, workload: e.label}
          return relist(data, {...s, message: `filter: ${s.group}=${e.label}`}, {filters})
        }
        return openDetail(data, {...s, listMoved: true}, e.row)
      }
      if (s.view === 'findings') {
        const f = data.findings[s.findingCursor]
        if (!f) return s
        const next = relist(data, {...s, view: 'list'}, {filters: {...NO_FILTERS, finding: f.id}})
        return {...next, message: `chains of finding: ${f.title}`}
      }
      return s
    }
    case 'back':
      if (s.view === 'detail' || s.view === 'help') return {...s, view: s.back}
      if (s.view !== 'list') return {...s, view: 'list'}
      return s
    case 'quit':
      if (s.view !== 'list') return reduce(data, s, {type: 'back'})
      return {...s, quit: true}
    case 'tab': {
      const from = TAB_VIEWS.includes(s.view) ? s.view : s.back
      const i = TAB_VIEWS.indexOf(from)
      return {...s, view: TAB_VIEWS[(i + a.by + TAB_VIEWS.length) % TAB_VIEWS.length]!}
    }
    case 'help':
      return s.view === 'help' ? {...s, view: s.back} : {...s, view: 'help', back: s.view === 'detail' ? s.back : s.view, helpScroll: 0}
    case 'sort':
      return relist(data, s, {sort: SORT_KEYS[(SORT_KEYS.indexOf(s.sort) + 1) % SORT_KEYS.length]!})
    case 'group':
      return relist(data, s, {group: GROUP_KEYS[(GROUP_KEYS.indexOf(s.group) + 1) % GROUP_KEYS.length]!})
    case 'filter-verdict':
      return relist(data, s, {filters: {...s.filters, verdict: cycle(data.verdicts, s.filters.verdict)}})
    case 'filter-severity':
      return relist(data, s, {filters: {...s.filters, severity: cycle(data.severities.length ? data.severities : SEVERITIES, s.filters.severity)}})
    case 'filter-destination':
    case 'filter-workload': {
      const key = a.type === 'filter-destination' ? 'destination' : 'workload'
      if (s.filters[key] !== null) return relist(data, s, {filters: {...s.filters, [key]: null}})
      const row = selectedRow(s)
      if (row === null) return {...s, message: 'select a chain first'}
      const r = data.rows[row]!
      return relist(data, s, {filters: {...s.filters, [key]: key === 'destination' ? r.destination : r.source}})
    }
    case 'filter-finding':
      return relist(data, s, {filters: {...s.filters, finding: a.id}})
    case 'filter-matches':
      if (s.filters.text !== null) return relist(data, s, {filters: {...s.filters, text: null}})
      if (s.search === '') return {...s, message: 'no search: press / first'}
      return relist(data, s, {filters: {...s.filters, text: s.search}})
    case 'clear':
      return relist(data, {...s, message: null}, {filters: NO_FILTERS, search: ''})
    case 'search-start':
      return {...s, view: 'list', prompt: ''}
    case 'search-input':
      return s.prompt === null ? s : {...s, prompt: s.prompt + a.text}
    case 'search-backspace':
      return s.prompt === null ? s : {...s, prompt: s.prompt.slice(0, -1)}
    case 'search-cancel':
      return {...s, prompt: null}
    case 'search-commit': {
      if (s.prompt === null) return s
      const next: TuiState = {...s, prompt: null, search: s.prompt}
      if (next.search === '') return {...next, message: null}
      const at = findMatch(data, next, s.cursor - 1, 1)
      if (at === null) return {...next, message: `no match for ${next.search}`}
      const h = bodyHeight(s.rows)
      return {...next, ...scrollTo(at, s.top, s.entries.length, h), listMoved: true, message: ((n) => `${n} match${n === 1 ? '' : 'es'}`)(countMatches(data, next))}
    }
    case 'export-choose':
      return {...s, exportPrompt: true, message: null}
    case 'export-cancel':
      return {...s, exportPrompt: false, message: 'export cancelled'}
    case 'export':
      return {...s, exportPrompt: false, exportRequest: s.exportRequest + 1, exportFormat: a.format, message: `exporting ${a.format}…`}
    case 'grow':
      return grow(data, s)
    case 'message':
      return {...s, message: safe(a.text, 300)}
    case 'match': {
      if (s.view !== 'list') return s
      if (s.search === '') return {...s, message: 'no search: press / first'}
      const at = findMatch(data, s, s.cursor, a.by)
      if (at === null) return {...s, message: `no match for ${s.search}`}
      return {...s, ...scrollTo(at, s.top, s.entries.length, bodyHeight(s.rows)), listMoved: true, message: null}
    }
  }
}

/** What a key does, given the state (a typed search takes every printable key). Null: nothing. */
export interface KeyInfo {
  upArrow?: boolean
  downArrow?: boolean
  pageUp?: boolean
  pageDown?: boolean
  home?: boolean
  end?: boolean
  return?: boolean
  escape?: boolean
  tab?: boolean
  shift?: boolean
  backspace?: boolean
  delete?: boolean
  ctrl?: boolean
  meta?: boolean
}

export function keyToAction(input: string, key: KeyInfo, s: TuiState): Action | null {
  if (s.exportPrompt) {
    if (key.escape) return {type: 'export-cancel'}
    if (key.ctrl || key.meta || !Object.hasOwn(EXPORT_KEYS, input)) return null
    return {type: 'export', format: EXPORT_KEYS[input]!}
  }
  if (s.prompt !== null) {
    if (key.return) return {type: 'search-commit'}
    if (key.escape) return {type: 'search-cancel'}
    if (key.backspace || key.delete) return {type: 'search-backspace'}
    if (key.ctrl || key.meta || key.tab || key.upArrow || key.downArrow) return null
    return input ? {type: 'search-input', text: input} : null
  }
  if (key.upArrow) return {type: 'move', by: -1}
  if (key.downArrow) return {type: 'move', by: 1}
  if (key.pageUp) return {type: 'page', by: -1}
  if (key.pageDown) return {type: 'page', by: 1}
  if (key.home) return {type: 'home'}
  if (key.end) return {type: 'end'}
  if (key.return) return {type: 'open'}
  if (key.escape) return {type: 'back'}
  if (key.tab) return {type: 'tab', by: key.shift ? -1 : 1}
  if (key.ctrl || key.meta) return null
  switch (input) {
    case 'j':
      return {type: 'move', by: 1}
    case 'k':
      return {type: 'move', by: -1}
    case ' ':
      return {type: 'page', by: 1}
    case 'g':
      return {type: 'home'}
    case 'G':
      return {type: 'end'}
    case 'q':
      return {type: 'quit'}
    case '?':
      return {type: 'help'}
    case '/':
      return {type: 'search-start'}
    case 'n':
      return {type: 'match', by: 1}
    case 'N':
      return {type: 'match', by: -1}
    case 'F':
      return {type: 'filter-matches'}
    case 'v':
      return {type: 'filter-verdict'}
    case 'l':
      return {type: 'filter-severity'}
    case 'd':
      return {type: 'filter-destination'}
    case 'w':
      return {type: 'filter-workload'}
    case 'c':
      return {type: 'clear'}
    case 's':
      return {type: 'sort'}
    case 'o':
      return {type: 'group'}
    case 'e':
      return {type: 'export-choose'}
    default:
      return null
  }
}
