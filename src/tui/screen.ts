// The whole frame as data: TuiData + TuiState → the lines each component shows. Pure; App.tsx only lays
// these out. Only the visible window of any list is built, so a frame costs the same for 19 chains or 100,000.

import {EXPORT_KEYS, type TuiState, bodyHeight, describeFilters} from './state.js'
import {type Line, clipLine, toDetailLines, toFindingLine, toHeaderLines, toHelpLines, toListHeading, toListLines, toSkippedLines, type TuiData} from './view.js'

export interface Screen {
  header: Line[]
  title: Line
  body: Line[]
  /** Index within body of the selected line, -1 for none. */
  selected: number
  status: Line
  hint: Line
  width: number
  bodyHeight: number
}

/** `export as: [m]arkdown [j]son … Esc cancels`: each format with its key bracketed. */
export const EXPORT_HINT = `export as: ${Object.entries(EXPORT_KEYS).map(([key, format]) => format.replace(key, `[${key}]`)).join(' ')}  Esc cancels`

const HINTS: Record<TuiState['view'], string> = {
  // Fits 100 columns; ? lists what each filter key does.
  list: 'j/k move  Enter open  / search  v/l/d/w filter  s sort  o group  e export  Tab view  ? help  q quit',
  detail: 'j/k scroll  PgUp/PgDn page  Esc back  ? help  q back',
  findings: 'j/k move  Enter its chains  Tab view  Esc back  ? help',
  skipped: 'j/k scroll  Tab view  Esc back  ? help',
  help: 'Esc or ? back',
}

export function toScreen(data: TuiData, s: TuiState): Screen {
  const width = s.columns
  const h = bodyHeight(s.rows)
  let title: Line
  let body: Line[] = []
  let selected = -1
  switch (s.view) {
    case 'list': {
      title = toListHeading(width)
      const lines = toListLines(data, s.entries, s.top, h, s.cursor, s.search, width)
      body = lines.map((l) => l.line)
      selected = lines.findIndex((l) => l.selected)
      if (s.entries.length === 0) body = [[{text: s.built.rows > 0 ? '  no chain passes the filters (c clears them)' : data.progress.phase === 'complete' ? '  no chains in the input' : '  no chains yet: they show as their lines are read', tone: 'muted'}]]
      break
    }
    case 'detail':
      title = [{text: 'Chain detail', tone: 'heading'}, {text: `  ${s.detailScroll + 1}-${Math.min(s.detailLength, s.detailScroll + h)} of ${s.detailLength} lines`, tone: 'muted'}]
      body = toDetailLines(data, s.detailRow, width).slice(s.detailScroll, s.detailScroll + h)
      break
    case 'findings':
      title = [{text: `Findings (${data.findings.length})`, tone: 'heading'}, {text: '  Enter lists the chains of a finding', tone: 'muted'}]
      body = data.findings.slice(s.findingTop, s.findingTop + h).map((f) => toFindingLine(f, width))
      selected = s.findingCursor - s.findingTop
      if (data.findings.length === 0) body = [[{text: '  no findings', tone: 'ok'}]]
      break
    case 'skipped':
      title = [{text: 'Skipped lines', tone: 'heading'}, {text: '  reasons, counts and first places (input:line)', tone: 'muted'}]
      body = toSkippedLines(data, width).slice(s.skippedScroll, s.skippedScroll + h)
      break
    case 'help':
      title = [{text: 'Help', tone: 'heading'}]
      body = toHelpLines(width).slice(s.helpScroll, s.helpScroll + h)
      break
  }
  const total = s.listed
  const pos = s.view === 'list' ? `${Math.min(s.cursor + 1, s.entries.length)}/${s.entries.length}` : s.view === 'findings' ? `${s.findingCursor + 1}/${data.findings.length}` : ''
  const filters = describeFilters(s.filters)
  const status: Line = [
    {text: ` ${s.view.toUpperCase()} ${pos} `},
    {text: `· ${total} of ${data.rows.length} chains · sort ${s.sort}${s.group === 'none' ? '' : ` · group ${s.group}`}`},
    {text: filters ? ` · filter ${filters}` : ''},
    {text: s.search ? ` · search "${s.search}" (n/N)` : ''},
  ]
  // The bottom line: what is being typed or chosen, else the last message (it has the whole width: an
  // export names its file), else the keys of the view.
  const hint: Line = s.exportPrompt
    ? [{text: EXPORT_HINT, tone: 'accent'}]
    : s.prompt !== null
      ? [{text: '/', tone: 'accent'}, {text: `${s.prompt}█`}, {text: '  Enter keep  Esc cancel', tone: 'muted'}]
      : s.message
        ? [{text: s.message, tone: 'accent'}]
        : [{text: HINTS[s.view], tone: 'muted'}]
  return {
    header: toHeaderLines(data, width),
    title: clipLine(title, width),
    body: body.map((l) => clipLine(l, width)),
    selected,
    status: clipLine([{text: status.map((x) => x.text).join('').padEnd(width)}], width),
    hint: clipLine(hint, width),
    width,
    bodyHeight: h,
  }
}
