import {createHash} from 'node:crypto'
import {mkdtempSync, readFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, describe, expect, test, vi} from 'vitest'

import {REPORT_FORMATS, type ReportFormat} from '../../src/report/index.js'
import type {ReportMeta} from '../../src/report/model.js'
import {loadHeaders} from '../../src/shell/analysis-input.js'
import {LatestFollowEvent} from '../../src/shell/follow.js'
import {type InputSource, openInputs} from '../../src/shell/inputs.js'
import {RateMeter, RawLines, Throttle, TuiFeed, exportReport} from '../../src/shell/tui-run.js'
import type {TuiData} from '../../src/tui/view.js'
import {demoResult} from './fixture.js'

const ROOT = join(import.meta.dirname, '../..')
const DEMO = ['fixtures/demo/sidecar.log', 'fixtures/demo/gateway.log'].map((p) => join(ROOT, p))
const noHeaders = {evidence: [], notes: []}
const gatewayLines = readFileSync(join(ROOT, 'fixtures/demo/gateway.log'), 'utf8').split('\n').filter(Boolean)
/**
 * -f with a quick tick: a quiet input releases the chains whose window has passed by the clock. The demo's
 * lines are years old, so each batch's chains are released at the first quiet tick after it.
 */
const live = {follow: true, live: {now: () => Date.now(), tickMs: 20, graceMs: 0}}

/** An input we write to, as a live pipe: reads wait until something is written, end() or close(). */
function pipeSource(name = 'stdin'): InputSource & {write(text: string): void; end(): void} {
  const queue: string[] = []
  let ended = false
  let wake: (() => void) | null = null
  const poke = () => {
    wake?.()
    wake = null
  }
  async function* chunks(): AsyncGenerator<string> {
    for (;;) {
      if (queue.length > 0) yield queue.shift()!
      else if (ended) return
      else await new Promise<void>((resolve) => (wake = resolve))
    }
  }
  return {
    name,
    follow: false,
    chunks,
    async *bytes() {
      for await (const c of chunks()) yield Buffer.from(c)
    },
    close: () => {
      ended = true
      poke()
    },
    write: (text) => {
      queue.push(text)
      poke()
    },
    end: () => {
      ended = true
      poke()
    },
  }
}

/** Waits for the feed's data to satisfy `pred` (each update is recorded); fails with the last one. */
function updates(feed: TuiFeed) {
  let last: TuiData = feed.data()
  feed.onData = (d) => (last = d)
  return (pred: (d: TuiData) => boolean) =>
    vi.waitFor(
      () => {
        if (!pred(last)) throw new Error(`not yet: ${last.rows.length} rows, ${last.progress.phase}`)
      },
      {timeout: 10_000, interval: 20},
    )
}

describe('RawLines keeps each line by input:line', () => {
  test.each([
    {name: 'lines split across chunks', chunks: ['ab', 'c\nde', 'f\n', 'g'], want: ['abc', 'def', 'g']},
    {name: 'CRLF trimmed', chunks: ['a\r\nb\r\n'], want: ['a', 'b']},
    {name: 'empty lines keep their numbers', chunks: ['\n\nx\n'], want: ['', '', 'x']},
    {name: 'a long line is cut', chunks: ['y'.repeat(RawLines.LINE_MAX + 50), '\nz'], want: ['y'.repeat(RawLines.LINE_MAX), 'z']},
  ])('$name', ({chunks, want}) => {
    const raw = new RawLines()
    for (const c of chunks) raw.push('in', c)
    raw.end('in')
    expect(want.map((_, i) => raw.get('in', i + 1))).toEqual(want)
    expect(raw.get('in', want.length + 1)).toBeUndefined()
    expect(raw.get('other', 1)).toBeUndefined()
    expect(raw.count).toBe(want.length)
  })
})

describe('RateMeter: lines per second over the last seconds', () => {
  test.each([
    {name: 'under a second of samples: no rate yet', samples: [[0, 0], [500, 50]], want: null},
    {name: 'steady 100 lines/s', samples: [[0, 0], [1000, 100], [2000, 200]], want: 100},
    {name: 'a burst long ago no longer counts', samples: [[0, 0], [1000, 10_000], [7000, 10_000], [8000, 10_000]], want: 0},
    {name: 'measured over the span, from the last sample before it', samples: [[0, 0], [4000, 400], [6000, 1000]], want: 1000 / 6},
  ])('$name', ({samples, want}) => {
    const m = new RateMeter(5000)
    let rate: number | null = null
    for (const [at, total] of samples) rate = m.sample(at!, total!)
    if (want === null) expect(rate).toBeNull()
    else expect(rate).toBeCloseTo(want, 6)
  })
})

describe('Throttle: at most one update per interval', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  test('a burst is served once; a request within the interval waits for its end; now() serves at once', () => {
    vi.useFakeTimers()
    const fn = vi.fn()
    const t = new Throttle(fn, 250)
    for (let i = 0; i < 1000; i++) t.request()
    expect(fn).not.toHaveBeenCalled() // never inside the caller's own turn
    vi.advanceTimersByTime(0)
    expect(fn).toHaveBeenCalledTimes(1)
    for (let i = 0; i < 1000; i++) t.request()
    vi.advanceTimersByTime(249)
    expect(fn).toHaveBeenCalledTimes(1)
    vi.advanceTimersByTime(1)
    expect(fn).toHaveBeenCalledTimes(2)
    t.request()
    t.now()
    expect(fn).toHaveBeenCalledTimes(3)
    vi.advanceTimersByTime(1000)
    expect(fn).toHaveBeenCalledTimes(3) // the request now() served is not served again
    t.request()
    t.cancel()
    vi.advanceTimersByTime(1000)
    expect(fn).toHaveBeenCalledTimes(3)
  })
})

describe('TuiFeed: the analysis as the TUI sees it while it is read', () => {
  test('reads the demo as analyze does: 19 chains, every line kept raw, complete', async () => {
    const feed = new TuiFeed({sources: openInputs(DEMO), headers: noHeaders, analyzer: {}, read: {}})
    const run = await feed.read()
    expect(run.failures).toEqual([])
    const data = feed.data()
    expect(data.rows.length).toBe(19)
    expect(data.chains.length).toBe(19)
    expect(data.result.accounting.linesRead).toBe(27)
    expect(data.progress.phase).toBe('complete')
    expect(feed.complete).toBe(true)
    expect(feed.raw.get(DEMO[1]!, 3)).toBe(gatewayLines[2])
  })

  test('an unreadable input is reported in the notes, and the others are still read', async () => {
    const feed = new TuiFeed({sources: openInputs([DEMO[1]!, '/no/such/file.log']), headers: noHeaders, analyzer: {}, read: {}})
    const run = await feed.read()
    expect(run.failures).toHaveLength(1)
    expect(run.failures[0]!.input).toBe('/no/such/file.log')
    expect(feed.data().rows.length).toBeGreaterThan(0)
    expect(feed.data().notes.join('\n')).toContain('cannot read /no/such/file.log')
  })

  test('-f on a live pipe: chains show while it is open, and it is complete when it ends', async () => {
    const pipe = pipeSource()
    const feed = new TuiFeed({sources: [pipe], headers: noHeaders, analyzer: {}, read: {}, ...live})
    const until = updates(feed)
    expect(feed.data().progress).toMatchObject({phase: 'following', openStdin: true, openFiles: 0})
    const reading = feed.read()
    pipe.write(`${gatewayLines.slice(0, 4).join('\n')}\n`)
    await until((d) => d.rows.length === 4)
    expect(feed.data().progress.phase).toBe('following')
    pipe.write(`${gatewayLines.slice(4).join('\n')}\n`)
    await until((d) => d.rows.length === 9)
    pipe.end()
    await until((d) => d.progress.phase === 'complete')
    expect(feed.data().rows.length).toBe(9)
    expect(feed.data().result.accounting.linesRead).toBe(9)
    expect((await reading).failures).toEqual([])
  })

  test('-f: the header says what is followed', () => {
    const feed = new TuiFeed({sources: [pipeSource('-'), ...openInputs(DEMO)], headers: noHeaders, analyzer: {}, read: {}, follow: true})
    expect(feed.data().progress).toMatchObject({phase: 'following', openFiles: 2, openStdin: true})
  })

  test('-f: the header shows the latest rotation of a followed file, which file and when', async () => {
    const pipe = pipeSource()
    const followEvents = new LatestFollowEvent()
    const feed = new TuiFeed({sources: [pipe], headers: noHeaders, analyzer: {}, read: {}, ...live, followEvents})
    const until = updates(feed)
    const reading = feed.read()
    expect(feed.data().progress.event).toBeUndefined()
    // Quiet input: the header's tick shows it all the same.
    followEvents.event = {type: 'rotated', path: '/var/log/gateway.log', atMs: Date.parse('2026-01-02T19:24:00Z')}
    await until((d) => d.progress.event === 'gateway.log rotated 19:24:00')
    followEvents.event = {type: 'truncated', path: '/var/log/sidecar.log', atMs: Date.parse('2026-01-02T19:25:01Z')}
    await until((d) => d.progress.event === 'sidecar.log truncated, read again 19:25:01')
    pipe.end()
    await until((d) => d.progress.phase === 'complete')
    expect(feed.data().progress.event).toBeUndefined()
    await reading
  })

  test.each([{name: 'reading', follow: {}}, {name: 'following', follow: live}])('close() while $name a quiet pipe: the reading ends, with what was read', async ({follow}) => {
    const pipe = pipeSource()
    const stop = new AbortController()
    const feed = new TuiFeed({sources: [pipe], headers: noHeaders, analyzer: {}, read: {}, stop, ...follow})
    const reading = feed.read()
    pipe.write(`${gatewayLines.slice(0, 2).join('\n')}\n`)
    // Both lines were taken in (the raw lines are kept as they are read): now the pipe is quiet.
    await vi.waitFor(() => expect(feed.raw.count).toBe(2), {timeout: 10_000, interval: 20})
    feed.close()
    const run = await reading
    expect(stop.signal.aborted).toBe(true)
    expect(run.failures).toEqual([])
    expect(run.result.accounting.linesRead).toBe(2)
    expect(feed.complete).toBe(false)
  })
})

describe('e: export', () => {
  const meta: ReportMeta = {
    tool: {name: 'egress-audit', version: '9.9.9'},
    generatedAt: '2026-01-02T03:04:05.678Z',
    inputs: [{name: 'a.log', bytes: null, sha256: null, sha256Of: null, firstSeen: null, lastSeen: null}],
    headers: [],
    policy: {name: 'default', path: null, sha256: null},
    since: null,
    until: null,
    problems: [],
  }
  const now = new Date('2026-01-02T03:04:05.678Z')

  /** How each format is checked to be what it claims: parsed where a parser is at hand. */
  const CHECKS: Record<ReportFormat, {ext: string; check: (text: string, chains: number) => void}> = {
    json: {ext: 'json', check: (t, n) => expect(JSON.parse(t).chains).toHaveLength(n)},
    sarif: {ext: 'sarif', check: (t) => expect(JSON.parse(t)).toMatchObject({version: '2.1.0'})},
    csv: {ext: 'csv', check: (t, n) => expect(t.trimEnd().split('\n')).toHaveLength(n + 1)},
    markdown: {ext: 'md', check: (t) => expect(t).toContain('gateway-mtls-originated')},
    html: {ext: 'html', check: (t) => expect(t.toLowerCase()).toMatch(/^<!doctype html>/)},
    junit: {ext: 'xml', check: (t) => expect(t).toMatch(/^<\?xml[^>]*>\s*<testsuites/)},
  }

  test.each(REPORT_FORMATS.map((format) => ({format})))('$format: written with its extension, named by the time; says where', async ({format}) => {
    const dir = mkdtempSync(join(tmpdir(), 'egress-audit-tui-'))
    const result = demoResult()
    const inView = [0, 2, 4]
    const message = await exportReport(result, meta, format, inView, now, dir)
    const file = `egress-audit-report-20260102T030405Z.${CHECKS[format].ext}`
    const path = join(dir, file)
    expect(message).toBe(`wrote ${file} (${format}, the 3 chains in view) in ${dir}`)
    CHECKS[format].check(readFileSync(path, 'utf8'), inView.length)
  })

  test('never over an existing file: a second export in the same second gets -2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'egress-audit-tui-'))
    const first = await exportReport(demoResult(), meta, 'markdown', undefined, now, dir)
    expect(first).toBe(`wrote egress-audit-report-20260102T030405Z.md (markdown, the whole analysis) in ${dir}`)
    const second = await exportReport(demoResult(), meta, 'markdown', undefined, now, dir, true)
    expect(second).toBe(`wrote egress-audit-report-20260102T030405Z-2.md (markdown, the whole analysis, read so far) in ${dir}`)
    expect(readFileSync(join(dir, 'egress-audit-report-20260102T030405Z-2.md'), 'utf8')).toContain('gateway-mtls-originated')
  })

  test('after reading, the scope is as complete as `report` gives it: sizes, hashes and log times', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'egress-audit-tui-'))
    const headerPath = join(ROOT, 'fixtures/demo/headers.json')
    const headers = await loadHeaders([{path: headerPath, name: headerPath}])
    const feed = new TuiFeed({sources: openInputs(DEMO), headers, headerPaths: [headerPath], analyzer: {}, read: {}, version: '1.2.3', policySha256: 'ab'.repeat(32), policyPath: 'p.yaml'})
    await feed.read()
    const message = await feed.exportReport([...Array(19).keys()], 'json', now, dir)
    expect(message).toBe(`wrote egress-audit-report-20260102T030405Z.json (json, the whole analysis) in ${dir}`)
    const report = JSON.parse(readFileSync(join(dir, 'egress-audit-report-20260102T030405Z.json'), 'utf8'))
    const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex')
    expect(report.scope.inputs[1]).toMatchObject({name: DEMO[1], sha256: sha(DEMO[1]!), sha256Of: 'file', firstSeen: '2020-06-30T16:17:56.763Z'})
    expect(report.scope.headers[0]).toMatchObject({name: headerPath, sha256: sha(headerPath)})
    expect(report.scope.policy).toMatchObject({path: 'p.yaml', sha256: 'ab'.repeat(32)})
    expect(report.tool.version).toBe('1.2.3')
    expect(report.chains).toHaveLength(19)
    expect(report.scope.problems).toEqual([])
  })

  test('while the input is still read, the report says it covers the lines read so far', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'egress-audit-tui-'))
    const pipe = pipeSource()
    const feed = new TuiFeed({sources: [pipe], headers: noHeaders, analyzer: {}, read: {}, ...live})
    const until = updates(feed)
    const reading = feed.read()
    pipe.write(`${gatewayLines.slice(0, 3).join('\n')}\n`)
    await until((d) => d.rows.length === 3)
    const message = await feed.exportReport([0, 1, 2], 'json', now, dir)
    expect(message).toMatch(/\(json, the whole analysis, read so far\) in /)
    const report = JSON.parse(readFileSync(join(dir, 'egress-audit-report-20260102T030405Z.json'), 'utf8'))
    expect(report.chains).toHaveLength(3)
    expect(report.totals.chains).toBe(3)
    expect(report.scope.problems).toEqual([{input: 'stdin', message: 'still being read when this report was made: it covers the lines read until then'}])
    expect(report.scope.inputs[0]).toMatchObject({name: 'stdin', sha256: null})
    pipe.end()
    await reading
  })
})
