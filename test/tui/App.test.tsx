import {render} from 'ink-testing-library'
import {afterEach, describe, expect, test, vi} from 'vitest'

import {App} from '../../src/tui/App.js'
import {EXPORT_KEYS} from '../../src/tui/state.js'
import {colourFromEnv, makeTheme} from '../../src/tui/theme.js'
import {INPUT_COMPLETE, type InputProgress, type TuiData, TuiDataBuilder, toTuiData} from '../../src/tui/view.js'
import {demoData, demoResult, hostileResult, syntheticResult} from './fixture.js'

const KEY = {enter: '\r', esc: '\x1b', tab: '\t', down: '\x1b[B', up: '\x1b[A', pageDown: '\x1b[6~', backspace: '\x7f'}

let current: ReturnType<typeof render> | null = null
afterEach(() => {
  current?.unmount()
  current = null
})

async function open(data: TuiData, columns = 100, rows = 30) {
  const r = render(<App data={data} columns={columns} rows={rows} colour={false} />)
  current = r
  await vi.waitFor(() => expect(r.lastFrame()).toContain('LIST'))
  const frame = () => r.lastFrame() ?? ''
  /** Writes keys one at a time, each once ink has taken the previous one (its frame changed or settled). */
  const press = async (...keys: string[]) => {
    for (const k of keys) {
      r.stdin.write(k)
      await new Promise((resolve) => setImmediate(resolve))
    }
  }
  const waitFor = (pred: (f: string) => boolean) =>
    vi.waitFor(
      () => {
        if (!pred(frame())) throw new Error(`not on screen yet; last frame:\n${frame()}`)
      },
      {timeout: 3000, interval: 10},
    )
  return {r, frame, press, waitFor}
}

const demo = demoData()

describe('the demo in the inspector', () => {
  test('main list: header, one row per chain, status line', async () => {
    const {frame} = await open(demo)
    const f = frame()
    expect(f).toContain('egress-audit tui fixtures/demo/sidecar.log, fixtures/demo/gateway.log')
    expect(f).toContain('27 lines read, 27 parsed, 0 skipped · 19 chains')
    expect(f).toMatch(/TIME\s+SOURCE\s+DESTINATION\s+REQUEST\s+VERDICT\s+CONF\s+FND/)
    expect(f).toMatch(/curl\s+httpbin\.org:443\s+GET \/headers\s+gateway-mtls-originated\s+high/)
    expect(f).toContain('LIST 1/19 · 19 of 19 chains · sort time')
    expect(f.split('\n').length).toBeLessThan(30)
  })

  test('j moves, Enter opens the detail with path, hops, headers and reasoning; Esc returns', async () => {
    const {frame, press, waitFor} = await open(demo, 100, 60)
    await press('j', 'j')
    await waitFor((f) => f.includes('LIST 3/19'))
    await press(KEY.enter)
    await waitFor((f) => f.includes('Chain detail'))
    expect(frame()).toContain('Path')
    expect(frame()).toMatch(/app ─plaintext→ sidecar ─mTLS→ my-nginx/)
    expect(frame()).toContain('[1] sidecar  fixtures/demo/sidecar.log:2')
    expect(frame()).toContain('Why')
    await press(KEY.esc)
    await waitFor((f) => f.includes('LIST 3/19'))
  })

  test('detail of a joined chain with echoed headers shows XFCC and certificate validity', async () => {
    const {frame, press, waitFor} = await open(demo, 100, 60)
    await press('/', ...'sidecar.log:10+', KEY.enter)
    await waitFor((f) => f.includes('search "sidecar.log:10+"'))
    await press(KEY.enter)
    await waitFor((f) => f.includes('Chain detail  1-'))
    expect(frame()).toContain('Why')
    // Page down until the decoded headers show: each page is awaited by its line range in the title.
    const seen: string[] = []
    for (let from = 1; from < 200 && !/XFCC: By=spiffe/.test(frame()); ) {
      seen.push(frame())
      await press(KEY.pageDown)
      const next = from + 52
      await waitFor((f) => f.includes(`Chain detail  ${next}-`) || f.includes('of ') && !f.includes(`Chain detail  ${from}-`))
      from = next
    }
    const all = [...seen, frame()].join('\n')
    expect(all).toContain('Echoed headers')
    expect(all).toMatch(/XFCC: By=spiffe/)
    expect(all).toMatch(/validity: .*(valid|EXPIRED)/)
  })

  test('Tab goes to findings, Enter lists the chains of a finding; Tab again shows skipped lines', async () => {
    const {frame, press, waitFor} = await open(demo)
    await press(KEY.tab)
    await waitFor((f) => f.includes(`Findings (${demo.findings.length})`))
    expect(frame()).toContain('HIGH')
    await press(KEY.enter)
    await waitFor((f) => f.includes('filter finding'))
    expect(frame()).toContain('chains of finding')
    await press(KEY.tab, KEY.tab)
    await waitFor((f) => f.includes('Skipped lines'))
    expect(frame()).toContain('no line was skipped')
  })

  test('? lists every key', async () => {
    const {frame, press, waitFor} = await open(demo, 100, 40)
    await press('?')
    await waitFor((f) => f.includes('Keys'))
    for (const k of ['j k', 'PgUp PgDn', 'g G', 'Enter', 'Esc q', 'Tab', '/', 'n N', 'v ', 'l ', 'd ', 'w ', 's ', 'o ', '?']) expect(frame()).toContain(k)
    await press(KEY.esc)
    await waitFor((f) => f.includes('LIST'))
  })

  test('filters combine and show in the status line; c clears', async () => {
    const {frame, press, waitFor} = await open(demo)
    await press('v')
    await waitFor((f) => f.includes('filter verdict=gateway-mtls-originated'))
    expect(frame()).toContain('2 of 19 chains')
    await press('w')
    await waitFor((f) => f.includes('workload=curl'))
    await press('l')
    await waitFor((f) => f.includes('severity=high'))
    await press('c')
    await waitFor((f) => f.includes('19 of 19 chains') && !f.includes('· filter'))
  })

  test('search with / marks matches and n moves between them', async () => {
    const {press, waitFor} = await open(demo)
    await press('/', 'T', 'C', 'X', KEY.backspace, 'P')
    await waitFor((f) => f.includes('/TCP█'))
    await press(KEY.enter)
    await waitFor((f) => f.includes('search "TCP" (n/N)'))
    await press('n')
    await waitFor((f) => /LIST (\d+)\/19/.test(f))
  })

  test('s sorts and o groups with counts', async () => {
    const {press, waitFor} = await open(demo)
    await press('s')
    await waitFor((f) => f.includes('sort destination'))
    await press('o')
    await waitFor((f) => f.includes('group destination') && /▸ httpbin\.org:443 \(\d+ chains\)/.test(f))
  })

  test('e opens the format chooser; a key exports in that format and the outcome shows; without an export it says so', async () => {
    const asked: string[] = []
    const onExport = (_idx: number[], format: string) => {
      asked.push(format)
      return Promise.resolve(`wrote /tmp/x/report.${format}`)
    }
    const r = render(<App data={demo} columns={100} rows={30} colour={false} onExport={onExport} />)
    current = r
    await vi.waitFor(() => expect(r.lastFrame()).toContain('LIST'))
    r.stdin.write('e')
    await vi.waitFor(() => expect(r.lastFrame()).toContain('export as: [m]arkdown [j]son [c]sv [h]tml j[u]nit [s]arif  Esc cancels'))
    r.stdin.write('j')
    await vi.waitFor(() => expect(r.lastFrame()).toContain('wrote /tmp/x/report.json'))
    expect(asked).toEqual(['json'])
    expect(r.lastFrame()).not.toContain('export as:')
    r.unmount()
    const {press, waitFor} = await open(demo)
    await press('e', 'm')
    await waitFor((f) => f.includes('export is not available here'))
  })

  test.each(Object.entries(EXPORT_KEYS).map(([key, format]) => ({key, format})))('e then $key exports $format', async ({key, format}) => {
    const onExport = vi.fn((_idx: number[], f: string) => Promise.resolve(`wrote it as ${f}`))
    const r = render(<App data={demo} columns={100} rows={30} colour={false} onExport={onExport} />)
    current = r
    await vi.waitFor(() => expect(r.lastFrame()).toContain('LIST'))
    r.stdin.write('e')
    await vi.waitFor(() => expect(r.lastFrame()).toContain('export as:'))
    r.stdin.write(key)
    await vi.waitFor(() => expect(r.lastFrame()).toContain(`wrote it as ${format}`))
    expect(onExport).toHaveBeenCalledTimes(1)
    expect(onExport.mock.calls[0]![1]).toBe(format)
  })

  test('Esc in the chooser cancels: nothing is exported, and keys work as before', async () => {
    const onExport = vi.fn(() => Promise.resolve('wrote something'))
    const r = render(<App data={demo} columns={100} rows={30} colour={false} onExport={onExport} />)
    current = r
    await vi.waitFor(() => expect(r.lastFrame()).toContain('LIST'))
    r.stdin.write('e')
    await vi.waitFor(() => expect(r.lastFrame()).toContain('export as:'))
    r.stdin.write('q') // not a format, and not quit while choosing
    r.stdin.write(KEY.esc)
    await vi.waitFor(() => expect(r.lastFrame()).toContain('export cancelled'))
    r.stdin.write('j')
    await vi.waitFor(() => expect(r.lastFrame()).toContain('LIST 2/19'))
    expect(onExport).not.toHaveBeenCalled()
  })

  test('e exports the chains in view: after a verdict filter, only those', async () => {
    const seen: number[][] = []
    const onExport = (idx: number[]) => {
      seen.push(idx)
      return Promise.resolve(`wrote ${idx.length} chains`)
    }
    const r = render(<App data={demo} columns={100} rows={30} colour={false} onExport={onExport} />)
    current = r
    await vi.waitFor(() => expect(r.lastFrame()).toContain('LIST'))
    r.stdin.write('e')
    await vi.waitFor(() => expect(r.lastFrame()).toContain('export as:'))
    r.stdin.write('c')
    await vi.waitFor(() => expect(r.lastFrame()).toContain(`wrote ${demo.rows.length} chains`))
    r.stdin.write('v') // filter by the selected chain's verdict
    await vi.waitFor(() => expect(r.lastFrame()).toMatch(/verdict/))
    r.stdin.write('e')
    await vi.waitFor(() => expect(r.lastFrame()).toContain('export as:'))
    r.stdin.write('s')
    await vi.waitFor(() => expect(seen).toHaveLength(2))
    const verdicts = new Set(seen[1]!.map((i) => demo.rows.find((row) => row.index === i)!.verdict))
    expect(seen[1]!.length).toBeLessThan(demo.rows.length)
    expect(verdicts.size).toBe(1)
  })

  test('resizing re-lays the frame', async () => {
    const {r, frame, waitFor} = await open(demo, 100, 30)
    Object.defineProperty(r.stdout, 'columns', {value: 60, configurable: true})
    Object.defineProperty(r.stdout, 'rows', {value: 14, configurable: true})
    r.stdout.emit('resize')
    await waitFor((f) => f.split('\n').length < 14)
    for (const line of frame().split('\n')) expect(line.length).toBeLessThanOrEqual(60)
  })

  test('no colour: NO_COLOR and TERM=dumb turn every tone off', () => {
    expect(colourFromEnv({NO_COLOR: '1'})).toBe(false)
    expect(colourFromEnv({TERM: 'dumb'})).toBe(false)
    expect(colourFromEnv({TERM: 'xterm-256color'})).toBe(true)
    expect(makeTheme(false).color('bad')).toBeUndefined()
    expect(makeTheme(true).color('bad')).toBe('red')
  })
})

describe('hostile and large results', () => {
  test('escape sequences are shown, not obeyed; long fields are cut', async () => {
    const {frame, press, waitFor} = await open(toTuiData(hostileResult()), 80, 24)
    const f = frame()
    expect(f).not.toMatch(/\x1b\]8;/)
    expect(f).not.toMatch(/\x1b\[31m/)
    expect(f).toContain('\\x1b')
    for (const line of f.split('\n')) expect(line.length).toBeLessThanOrEqual(80)
    await press('/', ...'evil', KEY.enter, KEY.enter)
    await waitFor((fr) => fr.includes('Chain detail'))
    expect(frame()).not.toMatch(/\x1b\[(2J|5m)/)
    expect(frame().split('\n').length).toBeLessThanOrEqual(24)
  })

  test('100,000 chains: the frame stays within the terminal at 80x24, also after paging to the end', async () => {
    const big = toTuiData(syntheticResult(100_000))
    const {frame, press, waitFor} = await open(big, 80, 24)
    expect(frame().split('\n').length).toBeLessThanOrEqual(24)
    await press('G')
    await waitFor((f) => f.includes('LIST 100000/100000'))
    expect(frame().split('\n').length).toBeLessThanOrEqual(24)
    await press(KEY.pageDown, KEY.up, 'k')
    await waitFor((f) => f.includes('LIST 99998/100000'))
    expect(frame().split('\n').length).toBeLessThanOrEqual(24)
  })
})

describe('live: the inspector grows while the input is read', () => {
  const result = demoResult()
  const times = result.chains.map((c) => c.startMs ?? Infinity).sort((a, b) => a - b)
  const late = (c: {startMs: number | null}) => (c.startMs ?? Infinity) > times[9]!
  const reading: InputProgress = {phase: 'reading', openFiles: 0, openStdin: true, linesPerSecond: 12}

  test('new chains show as they come; the filter holds and the selected chain stays selected', async () => {
    const builder = new TuiDataBuilder(result, ['stdin'])
    builder.setProgress(reading)
    builder.append(result.chains.filter(late)) // the later half first: the rest sorts in above
    const first = builder.data()
    const r = render(<App data={first} columns={100} rows={30} colour={false} />)
    current = r
    const frame = () => r.lastFrame() ?? ''
    const n = first.rows.length
    await vi.waitFor(() => expect(frame()).toContain(`LIST 1/${n}`))
    expect(frame()).toContain('reading… 12 lines/s')
    expect(frame()).toContain(`${n} chains`)
    r.stdin.write('w') // only the selected chain's workload
    await vi.waitFor(() => expect(frame()).toContain('filter workload=curl'))
    const shown = new RegExp(`LIST 1/(\\d+) · (\\d+) of ${n} chains`).exec(frame())!
    r.stdin.write('j')
    await vi.waitFor(() => expect(frame()).toContain(`LIST 2/${shown[1]}`))
    const selected = first.chains[selectedIndex(first, 'curl', 1)]!.id

    builder.append(result.chains.filter((c) => !late(c)))
    builder.setProgress(INPUT_COMPLETE)
    const all = builder.data()
    r.rerender(<App data={all} columns={100} rows={30} colour={false} />)
    const curl = all.rows.filter((row) => row.source === 'curl').length
    expect(curl).toBeGreaterThan(Number(shown[1]))
    await vi.waitFor(() => expect(frame()).toContain(`/${curl} · ${curl} of 19 chains`))
    expect(frame()).toContain('complete')
    expect(frame()).toContain('filter workload=curl')
    const moved = /LIST (\d+)\/(\d+) · (\d+) of 19 chains/.exec(frame())!
    expect(Number(moved[1])).toBeGreaterThan(2) // curl's earlier chains came in above the selection
    r.stdin.write(KEY.enter)
    await vi.waitFor(() => expect(frame()).toContain('Chain detail'))
    expect(frame()).toContain(selected)
  })

  test('an export is made once: data and a new onExport arriving after it (a live stream) make none', async () => {
    const builder = new TuiDataBuilder(result, ['stdin'])
    builder.setProgress(reading)
    builder.append(result.chains.filter(late))
    const calls: string[] = []
    const app = (n: number) => <App data={builder.data()} columns={100} rows={30} colour={false} onExport={(_idx, format) => (calls.push(format), Promise.resolve(`wrote ${format} ${n}`))} />
    const r = render(app(0))
    current = r
    await vi.waitFor(() => expect(r.lastFrame()).toContain('LIST'))
    r.stdin.write('e')
    await vi.waitFor(() => expect(r.lastFrame()).toContain('export as:'))
    r.stdin.write('j')
    await vi.waitFor(() => expect(r.lastFrame()).toContain('wrote json 0'))
    builder.append(result.chains.filter((c) => !late(c)))
    r.rerender(app(1))
    await vi.waitFor(() => expect(r.lastFrame()).toContain('19 of 19 chains'))
    r.rerender(app(2))
    await vi.waitFor(() => expect(r.lastFrame()).toContain('19 of 19 chains'))
    expect(calls).toEqual(['json'])
  })

  test('the header says what is followed and how fast; an empty live list says chains are coming', async () => {
    const builder = new TuiDataBuilder({...result, chains: [], findings: []}, ['a.log', 'b.log', '-'])
    builder.setProgress({phase: 'following', openFiles: 2, openStdin: true, linesPerSecond: 1234.4})
    const r = render(<App data={builder.data()} columns={100} rows={30} colour={false} />)
    current = r
    await vi.waitFor(() => expect(r.lastFrame()).toContain('LIST'))
    expect(r.lastFrame()).toContain('egress-audit tui a.log, b.log, -  following 2 files and stdin · 1234 lines/s')
    expect(r.lastFrame()).toContain('no chains yet: they show as their lines are read')
  })
})

/** The data.rows index of the `nth` (0-based) chain of `workload` in time order. */
function selectedIndex(data: TuiData, workload: string, nth: number): number {
  return data.rows.filter((row) => row.source === workload).sort((a, b) => a.startMs - b.startMs || a.index - b.index)[nth]!.index
}
