import {describe, expect, test} from 'vitest'

import {type Action, type KeyInfo, type TuiState, bodyHeight, initialState, keyToAction, reduce, selectedRow} from '../../src/tui/state.js'
import {toTuiData} from '../../src/tui/view.js'
import {demoData, syntheticResult} from './fixture.js'

const data = demoData()
const start = (columns = 100, rows = 30) => initialState(data, columns, rows)
const run = (s: TuiState, ...actions: Action[]) => actions.reduce((acc, a) => reduce(data, acc, a), s)
const row = (s: TuiState) => data.rows[selectedRow(s)!]!
const chainCount = (s: TuiState) => s.entries.filter((e) => e.kind === 'chain').length

describe('keys map to actions', () => {
  const s = start()
  test.each<{name: string; input: string; key?: KeyInfo; want: Action | null}>([
    {name: 'j', input: 'j', want: {type: 'move', by: 1}},
    {name: 'k', input: 'k', want: {type: 'move', by: -1}},
    {name: 'down arrow', input: '', key: {downArrow: true}, want: {type: 'move', by: 1}},
    {name: 'up arrow', input: '', key: {upArrow: true}, want: {type: 'move', by: -1}},
    {name: 'PgDn', input: '', key: {pageDown: true}, want: {type: 'page', by: 1}},
    {name: 'PgUp', input: '', key: {pageUp: true}, want: {type: 'page', by: -1}},
    {name: 'space pages', input: ' ', want: {type: 'page', by: 1}},
    {name: 'g', input: 'g', want: {type: 'home'}},
    {name: 'G', input: 'G', want: {type: 'end'}},
    {name: 'Home', input: '', key: {home: true}, want: {type: 'home'}},
    {name: 'End', input: '', key: {end: true}, want: {type: 'end'}},
    {name: 'Enter', input: '\r', key: {return: true}, want: {type: 'open'}},
    {name: 'Esc', input: '', key: {escape: true}, want: {type: 'back'}},
    {name: 'q', input: 'q', want: {type: 'quit'}},
    {name: 'Tab', input: '\t', key: {tab: true}, want: {type: 'tab', by: 1}},
    {name: 'Shift-Tab', input: '', key: {tab: true, shift: true}, want: {type: 'tab', by: -1}},
    {name: '?', input: '?', want: {type: 'help'}},
    {name: '/', input: '/', want: {type: 'search-start'}},
    {name: 'n', input: 'n', want: {type: 'match', by: 1}},
    {name: 'N', input: 'N', want: {type: 'match', by: -1}},
    {name: 'F', input: 'F', want: {type: 'filter-matches'}},
    {name: 'v', input: 'v', want: {type: 'filter-verdict'}},
    {name: 'l', input: 'l', want: {type: 'filter-severity'}},
    {name: 'd', input: 'd', want: {type: 'filter-destination'}},
    {name: 'w', input: 'w', want: {type: 'filter-workload'}},
    {name: 'c', input: 'c', want: {type: 'clear'}},
    {name: 's', input: 's', want: {type: 'sort'}},
    {name: 'o', input: 'o', want: {type: 'group'}},
    {name: 'e', input: 'e', want: {type: 'export'}},
    {name: 'an unbound key', input: 'z', want: null},
    {name: 'ctrl-j is not j', input: 'j', key: {ctrl: true}, want: null},
  ])('$name', ({input, key, want}) => expect(keyToAction(input, key ?? {}, s)).toEqual(want))

  test('a raw key action is mapped against the state it arrives at', () => {
    const typed = run(s, {type: 'key', input: '/', key: {}}, {type: 'key', input: 'q', key: {}}, {type: 'key', input: 'x', key: {}})
    expect(typed).toMatchObject({prompt: 'qx', quit: false})
    expect(run(s, {type: 'key', input: 'z', key: {}})).toBe(s)
  })

  test('while typing a search, letters are text and Enter/Esc/Backspace edit it', () => {
    const typing = run(s, {type: 'search-start'})
    expect(keyToAction('q', {}, typing)).toEqual({type: 'search-input', text: 'q'})
    expect(keyToAction('j', {}, typing)).toEqual({type: 'search-input', text: 'j'})
    expect(keyToAction('', {return: true}, typing)).toEqual({type: 'search-commit'})
    expect(keyToAction('', {escape: true}, typing)).toEqual({type: 'search-cancel'})
    expect(keyToAction('', {backspace: true}, typing)).toEqual({type: 'search-backspace'})
    expect(keyToAction('', {upArrow: true}, typing)).toBeNull()
  })
})

describe('export', () => {
  test('e asks for an export; its outcome shows, scrubbed, in the status line', () => {
    const s = run(start(), {type: 'export'})
    expect(s).toMatchObject({exportRequest: 1, message: 'exporting…'})
    expect(run(s, {type: 'export'}).exportRequest).toBe(2)
    expect(run(s, {type: 'message', text: 'export failed: \x1b[31mno'}).message).toBe('export failed: \\x1b[31mno')
  })
})

describe('moving stays in bounds', () => {
  test('move, page, home, end on the list', () => {
    const s = start(100, 16) // body of 8 rows
    const h = bodyHeight(16)
    expect(h).toBe(8)
    expect(run(s, {type: 'move', by: -1}).cursor).toBe(0)
    expect(run(s, {type: 'move', by: 1}, {type: 'move', by: 1}).cursor).toBe(2)
    const end = run(s, {type: 'end'})
    expect(end.cursor).toBe(data.rows.length - 1)
    expect(end.top).toBe(data.rows.length - h)
    expect(run(end, {type: 'move', by: 5}).cursor).toBe(data.rows.length - 1)
    expect(run(end, {type: 'home'})).toMatchObject({cursor: 0, top: 0})
    const paged = run(s, {type: 'page', by: 1})
    expect(paged.cursor).toBe(h)
    expect(paged.top).toBeLessThanOrEqual(paged.cursor)
    expect(paged.cursor).toBeLessThan(paged.top + h)
    expect(run(paged, {type: 'page', by: -1}, {type: 'page', by: -1}).cursor).toBe(0)
  })

  test('an empty list: moves do nothing, Enter opens nothing', () => {
    const empty = toTuiData({...syntheticResult(0), findings: []})
    const s = initialState(empty, 80, 24)
    const moved = reduce(empty, reduce(empty, s, {type: 'move', by: 3}), {type: 'end'})
    expect(moved.cursor).toBe(0)
    expect(reduce(empty, s, {type: 'open'}).view).toBe('list')
  })

  test('resize keeps the cursor visible and clamps to at least one body row', () => {
    const s = run(start(100, 40), {type: 'end'})
    const small = run(s, {type: 'resize', columns: 80, rows: 12})
    expect(small.cursor).toBe(s.cursor)
    expect(small.cursor).toBeLessThan(small.top + bodyHeight(small.rows))
    expect(run(s, {type: 'resize', columns: 5, rows: 2})).toMatchObject({columns: 20, rows: 9})
  })
})

describe('views', () => {
  test('Enter opens the selected chain; detail scrolls within its length; Esc returns', () => {
    const s = run(start(100, 20), {type: 'move', by: 2}, {type: 'open'})
    expect(s.view).toBe('detail')
    expect(s.detailRow).toBe(selectedRow(run(start(100, 20), {type: 'move', by: 2})))
    expect(s.detailLength).toBeGreaterThan(bodyHeight(20))
    const bottom = run(s, {type: 'end'}, {type: 'move', by: 10})
    expect(bottom.detailScroll).toBe(s.detailLength - bodyHeight(20))
    expect(run(bottom, {type: 'home'}).detailScroll).toBe(0)
    expect(run(s, {type: 'back'}).view).toBe('list')
    expect(run(s, {type: 'quit'})).toMatchObject({view: 'list', quit: false})
  })

  test('q on the list quits; Esc on the list does not', () => {
    expect(run(start(), {type: 'quit'}).quit).toBe(true)
    expect(run(start(), {type: 'back'}).quit).toBe(false)
  })

  test('Tab cycles list → findings → skipped → list; Shift-Tab goes back', () => {
    const order = [1, 1, 1].reduce<string[]>((acc, _, i) => [...acc, run(start(), ...Array.from({length: i + 1}, () => ({type: 'tab', by: 1}) as Action)).view], [])
    expect(order).toEqual(['findings', 'skipped', 'list'])
    expect(run(start(), {type: 'tab', by: -1}).view).toBe('skipped')
  })

  test('? opens help from any view and ? or Esc returns there', () => {
    const f = run(start(), {type: 'tab', by: 1}, {type: 'help'})
    expect(f.view).toBe('help')
    expect(run(f, {type: 'help'}).view).toBe('findings')
    expect(run(f, {type: 'back'}).view).toBe('findings')
  })

  test('Enter on a finding lists the chains behind it', () => {
    const s = run(start(), {type: 'tab', by: 1}, {type: 'move', by: 1}, {type: 'open'})
    const finding = data.findings[1]!
    expect(s.view).toBe('list')
    expect(s.filters.finding).toBe(finding.id)
    expect(chainCount(s)).toBeGreaterThan(0)
    for (const e of s.entries) if (e.kind === 'chain') expect(data.rows[e.row]!.findingIds).toContain(finding.id)
  })
})

describe('filters combine', () => {
  test('v cycles through the verdicts present, then off', () => {
    let s = start()
    const seen: (string | null)[] = []
    for (let i = 0; i <= data.verdicts.length; i++) {
      s = run(s, {type: 'filter-verdict'})
      seen.push(s.filters.verdict)
      if (s.filters.verdict) expect(chainCount(s)).toBe(data.result.totals.byVerdict[s.filters.verdict])
    }
    expect(seen).toEqual([...data.verdicts, null])
    expect(chainCount(s)).toBe(data.rows.length)
  })

  test('l filters by finding severity', () => {
    const s = run(start(), {type: 'filter-severity'})
    expect(s.filters.severity).toBe('high')
    const high = new Set(data.result.findings.filter((f) => f.severity === 'high').map((f) => f.id))
    expect(chainCount(s)).toBe(data.result.chains.filter((c) => c.findings.some((id) => high.has(id))).length)
  })

  test('d and w take the selected chain; combined with v; c clears them all', () => {
    const at = run(start(), {type: 'move', by: 8})
    const r = row(at)
    const s = run(at, {type: 'filter-destination'}, {type: 'filter-workload'})
    expect(s.filters).toMatchObject({destination: r.destination, workload: r.source})
    expect(row(s).index).toBe(r.index) // the selected chain stays selected
    for (const e of s.entries) if (e.kind === 'chain') expect(data.rows[e.row]).toMatchObject({destination: r.destination, source: r.source})
    const both = run(s, {type: 'filter-verdict'})
    expect(chainCount(both)).toBeLessThanOrEqual(chainCount(s))
    expect(run(s, {type: 'filter-destination'}).filters.destination).toBeNull()
    const cleared = run(both, {type: 'clear'})
    expect(chainCount(cleared)).toBe(data.rows.length)
    expect(cleared.search).toBe('')
  })

  test('a filter nothing passes leaves an empty list, not an error', () => {
    let s = run(start(), {type: 'move', by: 3}, {type: 'filter-destination'})
    s = run(s, {type: 'filter-verdict'}, {type: 'filter-verdict'}, {type: 'filter-verdict'}, {type: 'filter-verdict'})
    expect(s.cursor).toBeGreaterThanOrEqual(0)
    expect(s.cursor).toBeLessThanOrEqual(Math.max(0, s.entries.length - 1))
  })
})

describe('search and n/N', () => {
  const search = (s: TuiState, text: string) => run(s, {type: 'search-start'}, ...[...text].map((c): Action => ({type: 'search-input', text: c})), {type: 'search-commit'})

  test('/ typed and committed jumps to the first match; n and N move between matches, wrapping', () => {
    const s = search(start(), 'tcp')
    const tcpRows = s.entries.flatMap((e, i) => (e.kind === 'chain' && data.rows[e.row]!.request === 'TCP' ? [i] : []))
    expect(tcpRows.length).toBeGreaterThan(1)
    expect(s.search).toBe('tcp')
    expect(s.cursor).toBe(tcpRows[0])
    expect(s.message).toBe(`${tcpRows.length} matches`)
    expect(run(s, {type: 'match', by: 1}).cursor).toBe(tcpRows[1])
    expect(run(s, {type: 'match', by: -1}).cursor).toBe(tcpRows[tcpRows.length - 1])
    expect(run(s, ...tcpRows.map((): Action => ({type: 'match', by: 1}))).cursor).toBe(tcpRows[0])
  })

  test('backspace edits, Esc cancels without changing the search', () => {
    const typed = run(start(), {type: 'search-start'}, {type: 'search-input', text: 'x'}, {type: 'search-input', text: 'y'}, {type: 'search-backspace'})
    expect(typed.prompt).toBe('x')
    expect(run(typed, {type: 'search-cancel'})).toMatchObject({prompt: null, search: ''})
  })

  test('no match says so; n without a search says so', () => {
    expect(search(start(), 'no-such-thing').message).toBe('no match for no-such-thing')
    expect(run(start(), {type: 'match', by: 1}).message).toMatch(/press \//)
  })

  test('F keeps only the matches, and F again shows all', () => {
    const s = run(search(start(), 'httpbin.org:80'), {type: 'filter-matches'})
    expect(chainCount(s)).toBe(data.rows.filter((r) => r.destination === 'httpbin.org:80').length)
    expect(chainCount(run(s, {type: 'filter-matches'}))).toBe(data.rows.length)
  })
})

describe('sort and grouping', () => {
  test('s cycles time → destination → verdict → time, and each orders the list', () => {
    const byDest = run(start(), {type: 'sort'})
    expect(byDest.sort).toBe('destination')
    const dests = byDest.entries.map((e) => (e.kind === 'chain' ? data.rows[e.row]!.destination : ''))
    expect(dests).toEqual([...dests].sort())
    const byVerdict = run(byDest, {type: 'sort'})
    expect(byVerdict.sort).toBe('verdict')
    expect(run(byVerdict, {type: 'sort'}).sort).toBe('time')
    const times = start().entries.map((e) => (e.kind === 'chain' ? data.rows[e.row]!.startMs : 0))
    expect(times).toEqual([...times].sort((a, b) => a - b))
  })

  test('o groups by destination then source, with a header row and count per group', () => {
    const g = run(start(), {type: 'group'})
    expect(g.group).toBe('destination')
    const headers = g.entries.filter((e) => e.kind === 'group')
    expect(headers.length).toBe(new Set(data.rows.map((r) => r.destination)).size)
    expect(headers.reduce((n, h) => n + (h.kind === 'group' ? h.count : 0), 0)).toBe(data.rows.length)
    const src = run(g, {type: 'group'})
    expect(src.group).toBe('source')
    expect(src.entries.filter((e) => e.kind === 'group').length).toBe(new Set(data.rows.map((r) => r.source)).size)
    expect(run(src, {type: 'group'}).group).toBe('none')
  })

  test('Enter on a group header filters by that group', () => {
    const g = run(start(), {type: 'group'}, {type: 'home'})
    const header = g.entries[0]!
    expect(header.kind).toBe('group')
    const s = run(g, {type: 'open'})
    expect(s.view).toBe('list')
    expect(s.filters.destination).toBe(header.kind === 'group' ? header.label : '')
  })
})

describe('scale', () => {
  test('100,000 chains: moving is bounded work, n finds the next match, filters recompute', () => {
    const big = toTuiData(syntheticResult(100_000))
    let s = initialState(big, 80, 24)
    expect(s.entries.length).toBe(100_000)
    s = reduce(big, s, {type: 'end'})
    expect(s.cursor).toBe(99_999)
    s = reduce(big, s, {type: 'group'})
    expect(s.entries.filter((e) => e.kind === 'group').length).toBe(97)
  })
})
