import {describe, expect, test} from 'vitest'

import fc from 'fast-check'

import {REPORT_FORMATS} from '../../src/report/index.js'
import {EXPORT_HINT} from '../../src/tui/screen.js'
import {type Action, EXPORT_KEYS, type KeyInfo, type TuiState, bodyHeight, initialState, keyToAction, reduce, selectedRow} from '../../src/tui/state.js'
import {GROUP_KEYS, NO_FILTERS, SORT_KEYS, type TuiData, TuiDataBuilder, selectEntries, toTuiData} from '../../src/tui/view.js'
import {DEMO_INPUTS, demoData, demoResult, syntheticResult} from './fixture.js'

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
    {name: 'e opens the export chooser', input: 'e', want: {type: 'export-choose'}},
    {name: 'an unbound key', input: 'z', want: null},
    {name: 'ctrl-j is not j', input: 'j', key: {ctrl: true}, want: null},
  ])('$name', ({input, key, want}) => expect(keyToAction(input, key ?? {}, s)).toEqual(want))

  test('a raw key action is mapped against the state it arrives at', () => {
    const typed = run(s, {type: 'key', input: '/', key: {}}, {type: 'key', input: 'q', key: {}}, {type: 'key', input: 'x', key: {}})
    expect(typed).toMatchObject({prompt: 'qx', quit: false})
    expect(run(s, {type: 'key', input: 'z', key: {}})).toBe(s)
  })

  test('keys that arrive together (typed faster than a frame) act one by one; a prompt takes pasted text whole', () => {
    const one = run(s, {type: 'key', input: 'j', key: {}}, {type: 'key', input: 'j', key: {}}, {type: 'key', input: 'j', key: {}})
    expect(run(s, {type: 'key', input: 'jjj', key: {}})).toEqual(one)
    expect(one.cursor).toBe(3)
    expect(run(s, {type: 'key', input: '/', key: {}}, {type: 'key', input: 'jjq', key: {}})).toMatchObject({prompt: 'jjq', cursor: 0, quit: false})
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
  const choosing = run(start(), {type: 'export-choose'})

  test('every report format has a key in the chooser, and the chooser names them all', () => {
    expect(Object.values(EXPORT_KEYS).sort()).toEqual([...REPORT_FORMATS].sort())
    expect(EXPORT_HINT).toBe('export as: [m]arkdown [j]son [c]sv [h]tml j[u]nit [s]arif  Esc cancels')
  })

  test.each(Object.entries(EXPORT_KEYS).map(([key, format]) => ({key, format})))('in the chooser, $key picks $format', ({key, format}) => {
    expect(keyToAction(key, {}, choosing)).toEqual({type: 'export', format})
    expect(run(choosing, {type: 'key', input: key, key: {}})).toMatchObject({exportPrompt: false, exportRequest: 1, exportFormat: format, message: `exporting ${format}…`})
  })

  test.each<{name: string; input: string; key?: KeyInfo; want: Action | null}>([
    {name: 'Esc cancels', input: '', key: {escape: true}, want: {type: 'export-cancel'}},
    {name: 'q is not quit while choosing', input: 'q', want: null},
    {name: 'j with ctrl is not json', input: 'j', key: {ctrl: true}, want: null},
    {name: 'a pasted word is no key', input: 'constructor', want: null},
    {name: 'an upper-case letter is no key', input: 'J', want: null},
  ])('in the chooser: $name', ({input, key, want}) => expect(keyToAction(input, key ?? {}, choosing)).toEqual(want))

  test('e opens the chooser; Esc closes it without exporting; a format asks for an export each time', () => {
    expect(choosing).toMatchObject({exportPrompt: true, exportRequest: 0})
    expect(run(choosing, {type: 'export-cancel'})).toMatchObject({exportPrompt: false, exportRequest: 0, message: 'export cancelled'})
    const twice = run(choosing, {type: 'export', format: 'json'}, {type: 'export-choose'}, {type: 'export', format: 'sarif'})
    expect(twice).toMatchObject({exportRequest: 2, exportFormat: 'sarif'})
  })

  test('the outcome shows, scrubbed, in the status line', () => {
    const s = run(choosing, {type: 'export', format: 'csv'})
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

describe('live: rows arrive while the list is open (grow)', () => {
  /** The demo's chains in two parts: those `early` picks now, the rest later; each part keeps its order. */
  function arriving(early: (c: {startMs: number | null}, i: number) => boolean, result = demoResult()) {
    const builder = new TuiDataBuilder(result, DEMO_INPUTS)
    builder.append(result.chains.filter((c, i) => early(c, i)))
    const before = builder.data()
    return {
      before,
      /** The rest arrives; `before` must not be used after this (rows are shared and appended to). */
      after: (): TuiData => {
        builder.append(result.chains.filter((c, i) => !early(c, i)))
        return builder.data()
      },
    }
  }
  const times = demoResult()
    .chains.map((c) => c.startMs ?? Infinity)
    .sort((a, b) => a - b)
  const median = times[9]!
  const chainAt = (d: TuiData, s: TuiState) => d.chains[d.rows[selectedRow(s)!]!.index]!.id

  test('the selected chain stays selected, on the same screen line, when earlier chains sort in above it', () => {
    const {before, after} = arriving((c) => (c.startMs ?? Infinity) > median)
    // A body of 6 lines: the list is longer than the screen, so the screen line is the user's to keep.
    const s = reduce(before, initialState(before, 100, 14), {type: 'move', by: 3})
    const id = chainAt(before, s)
    const data = after()
    const grown = reduce(data, s, {type: 'grow'})
    expect(chainAt(data, grown)).toBe(id)
    expect(grown.cursor).toBeGreaterThan(s.cursor) // earlier chains came in above it
    expect(grown.cursor - grown.top).toBe(s.cursor - s.top)
    expect(grown.entries).toEqual(selectEntries(data, NO_FILTERS, 'time', 'none'))
    expect(grown).toMatchObject({listed: data.rows.length, built: {rows: data.rows.length}})
  })

  test('filters, sort and grouping hold for the new rows: the list is what it would be built from scratch', () => {
    const verdicts = [...new Set(demoResult().chains.map((c) => c.verdict))]
    fc.assert(
      fc.property(
        fc.array(fc.boolean(), {minLength: 19, maxLength: 19}),
        fc.constantFrom(...SORT_KEYS),
        fc.constantFrom(...GROUP_KEYS),
        fc.option(fc.constantFrom(...verdicts)),
        fc.nat(30),
        (early, sort, group, verdict, move) => {
          const {before, after} = arriving((_c, i) => early[i]!)
          let s = initialState(before, 100, 30)
          while (s.sort !== sort) s = reduce(before, s, {type: 'sort'})
          while (s.group !== group) s = reduce(before, s, {type: 'group'})
          // The verdict filter cycles through the verdicts present so far: pick one only when it is there.
          if (verdict !== null && before.verdicts.includes(verdict)) while (s.filters.verdict !== verdict) s = reduce(before, s, {type: 'filter-verdict'})
          s = reduce(before, s, {type: 'move', by: move})
          const selected = s.entries[s.cursor]
          const data = after()
          const grown = reduce(data, s, {type: 'grow'})
          expect(grown.entries).toEqual(selectEntries(data, s.filters, sort, group))
          expect(grown.listed).toBe(grown.entries.filter((e) => e.kind === 'chain').length)
          // The same chain, or the same group's header (its count grows).
          const now = grown.entries[grown.cursor]
          if (selected?.kind === 'chain') expect(now).toEqual(selected)
          if (selected?.kind === 'group') expect(now).toMatchObject({kind: 'group', label: selected.label})
          expect(grown.cursor).toBeLessThan(grown.top + bodyHeight(grown.rows))
          expect(grown.cursor).toBeGreaterThanOrEqual(grown.top)
        },
      ),
      {numRuns: 200},
    )
  })

  test('an open detail stays on its chain; the same data again changes nothing', () => {
    const {before, after} = arriving((c) => (c.startMs ?? Infinity) > median)
    const s = reduce(before, initialState(before, 100, 30), {type: 'move', by: 1})
    const detail = reduce(before, s, {type: 'open'})
    const data = after()
    const grown = reduce(data, detail, {type: 'grow'})
    expect(grown).toMatchObject({view: 'detail', detailRow: detail.detailRow, detailScroll: 0})
    expect(data.chains[data.rows[grown.detailRow]!.index]!.id).toBe(chainAt(before, s))
    const again = reduce(data, grown, {type: 'grow'})
    expect(again.entries).toBe(grown.entries)
    expect(again.cursor).toBe(grown.cursor)
  })

  test('the findings cursor follows its finding when counts reorder the findings', () => {
    const result = demoResult()
    const builder = new TuiDataBuilder(result, DEMO_INPUTS)
    builder.append(result.chains)
    const before = builder.data()
    // The last high finding: more chains come for it, and it moves to the top of the high ones.
    const last = before.findings.filter((f) => f.severity === 'high').length - 1
    const target = before.findings[last]!
    expect(last).toBeGreaterThan(0)
    const unmoved = reduce(before, initialState(before, 100, 30), {type: 'tab', by: 1})
    const s = reduce(before, unmoved, {type: 'move', by: last})
    builder.setResult({...result, findings: result.findings.map((f) => (f.id === target.id ? {...f, count: 10_000} : f))})
    const data = builder.data()
    const grown = reduce(data, s, {type: 'grow'})
    expect(data.findings[0]!.id).toBe(target.id)
    expect(grown.findingCursor).toBe(0)
    expect(grown.view).toBe('findings')
    // Had the user not moved, the first (most severe, most counted) would have stayed under the cursor.
    expect(before.findings[0]!.id).not.toBe(target.id)
    expect(reduce(data, unmoved, {type: 'grow'})).toMatchObject({findingCursor: 0, findingTop: 0})
  })

  test('severities learned after the rows were listed (no snapshot had the findings yet) rebuild the list once', () => {
    const result = demoResult()
    const builder = new TuiDataBuilder({...result, findings: []}, DEMO_INPUTS)
    builder.append(result.chains)
    const before = builder.data()
    const s = reduce(before, initialState(before, 100, 30), {type: 'filter-severity'})
    expect(s.filters.severity).toBe('high')
    expect(s.listed).toBe(0)
    builder.setResult(result)
    const data = builder.data()
    expect(data.generation).toBe(before.generation + 1)
    const high = new Set(result.findings.filter((f) => f.severity === 'high').map((f) => f.id))
    const grown = reduce(data, s, {type: 'grow'})
    expect(grown.listed).toBe(result.chains.filter((c) => c.findings.some((id) => high.has(id))).length)
    expect(grown.listed).toBeGreaterThan(0)
  })

  test('until the user moves, the list stays at its top as rows sort in above (a file loading)', () => {
    const {before, after} = arriving((c) => (c.startMs ?? Infinity) > median)
    const s = initialState(before, 100, 14)
    const data = after()
    const grown = reduce(data, s, {type: 'grow'})
    expect(grown).toMatchObject({cursor: 0, top: 0})
    expect(grown.entries[0]).toEqual(selectEntries(data, NO_FILTERS, 'time', 'none')[0])
  })

  test('the first rows of an empty live list: the cursor starts on the first', () => {
    const {before, after} = arriving(() => false)
    const s = initialState(before, 100, 30)
    expect(s.entries).toEqual([])
    const data = after()
    const grown = reduce(data, s, {type: 'grow'})
    expect(grown).toMatchObject({cursor: 0, top: 0, listed: 19})
  })
})
