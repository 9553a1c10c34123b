import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {describe, expect, test} from 'vitest'

import {newLineStats} from '../../src/core/result.js'
import {initialState} from '../../src/tui/state.js'
import {toScreen} from '../../src/tui/screen.js'
import {
  FIELD_MAX,
  type Line,
  clipLine,
  fit,
  safe,
  toDetailLines,
  toHeaderLines,
  toListLines,
  toPathSegments,
  toSkippedLines,
  INPUT_COMPLETE,
  type InputProgress,
  TuiDataBuilder,
  describeProgress,
  toTuiData,
  wrap,
  wrapLine,
} from '../../src/tui/view.js'
import {DEMO_INPUTS, HOSTILE, demoData, demoResult, hostileResult, syntheticResult} from './fixture.js'

const text = (line: Line) => line.map((s) => s.text).join('')
const data = demoData()
const rowOf = (pred: (id: string) => boolean) => data.rows.findIndex((r) => pred(data.result.chains[r.index]!.id))
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/

describe('text helpers', () => {
  test.each([
    {name: 'null shows as -', input: null, want: '-'},
    {name: 'ESC becomes visible', input: '\x1b[31mred', want: '\\x1b[31mred'},
    {name: 'newline and tab stay on one line', input: 'a\nb\tc', want: 'a\\nb\\tc'},
    {name: 'C1 CSI', input: '\u009b2J', want: '\\x9b2J'},
    {name: 'bidi override', input: '\u202eabc', want: '\\u202eabc'},
    {name: 'numbers', input: 443, want: '443'},
  ])('safe: $name', ({input, want}) => expect(safe(input)).toBe(want))

  test('safe bounds a long field', () => {
    const s = safe('x'.repeat(10_000))
    expect(s.length).toBe(FIELD_MAX)
    expect(s.endsWith('…')).toBe(true)
  })

  test('fit pads or cuts to the width; clipLine cuts segments; wrap bounds its lines', () => {
    expect(fit('abc', 5)).toBe('abc  ')
    expect(fit('abcdef', 4)).toBe('abc…')
    expect(text(clipLine([{text: 'abc'}, {text: 'defgh'}], 5))).toBe('abcd…')
    expect(wrap('abcdefgh', 3)).toEqual(['abc', 'def', 'gh'])
    expect(wrap('x'.repeat(100), 10, 2)).toEqual(['x'.repeat(10), `${'x'.repeat(9)}…`])
    expect(wrapLine([{text: 'abcd', tone: 'ok'}, {text: 'ef'}], 3).map(text)).toEqual(['abc', 'def'])
  })
})

describe('TuiDataBuilder: data built as chains arrive', () => {
  test('each chain becomes a row once; later data shares the rows already built', () => {
    const result = demoResult()
    const b = new TuiDataBuilder(result, DEMO_INPUTS)
    b.append(result.chains.slice(0, 5))
    const first = b.data()
    expect(first.rows.length).toBe(5)
    const row0 = first.rows[0]
    b.append(result.chains.slice(5))
    const second = b.data()
    expect(second.rows.length).toBe(19)
    expect(second.rows[0]).toBe(row0)
    expect(second.rows.map((r) => r.index)).toEqual([...Array(19).keys()])
    expect(b.data().rows[18]).toBe(second.rows[18])
  })

  test('counts kept with the rows equal the analysis totals; each data has its own copy', () => {
    const result = demoResult()
    const b = new TuiDataBuilder(result, DEMO_INPUTS)
    b.append(result.chains.slice(0, 3))
    const early = b.data()
    const n = Object.values(early.counts.byVerdict).reduce((x, y) => x + (y ?? 0), 0)
    b.append(result.chains.slice(3))
    const all = b.data()
    expect(all.counts.byVerdict).toEqual(result.totals.byVerdict)
    expect(all.counts).toMatchObject({egress: result.totals.egress, proven: result.totals.proven})
    expect(Object.values(early.counts.byVerdict).reduce((x, y) => x + (y ?? 0), 0)).toBe(n)
    expect(n).toBe(3)
  })

  test('a row whose findings were not known yet gets its severities when they are, and the generation moves', () => {
    const result = demoResult()
    const b = new TuiDataBuilder({...result, findings: []}, DEMO_INPUTS)
    b.append(result.chains)
    const before = b.data()
    expect(before.rows.every((r) => r.severityMask === 0)).toBe(true)
    b.setResult(result)
    const after = b.data()
    expect(after.generation).toBe(before.generation + 1)
    expect(after.rows.map((r) => r.severityMask)).toEqual(toTuiData(result).rows.map((r) => r.severityMask))
    b.setResult(result)
    expect(b.data().generation).toBe(after.generation) // nothing changed: no rebuild
  })
})

describe('toTuiData on the demo', () => {
  test('one row per chain with time, source, destination, request, verdict, confidence, findings', () => {
    expect(data.rows.length).toBe(19)
    const r = data.rows[rowOf((id) => id === 'fixtures/demo/sidecar.log:10+fixtures/demo/gateway.log:4')]!
    expect(r).toMatchObject({source: 'curl', destination: 'httpbin.org:443', request: 'GET /headers', verdict: 'gateway-mtls-originated', confidence: 'high', findings: 1})
    expect(r.time).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$/)
    expect(data.rows.filter((x) => x.request === 'TCP').length).toBeGreaterThan(0)
    expect(data.inputs).toEqual(DEMO_INPUTS)
  })

  test('findings sorted by severity; verdicts present in the table order', () => {
    const order = data.findings.map((f) => ['high', 'medium', 'low', 'info'].indexOf(f.severity))
    expect(order).toEqual([...order].sort((a, b) => a - b))
    expect(data.verdicts[0]).toBe('gateway-mtls-originated')
    expect(data.verdicts).toContain('unknown')
  })
})

describe('the hop path', () => {
  test.each([
    {id: 'fixtures/demo/sidecar.log:11+fixtures/demo/gateway.log:5', want: 'app ─plaintext→ sidecar ─mTLS→ egress gateway ─TLS originated→ httpbin.org:443'},
    {id: 'fixtures/demo/sidecar.log:10+fixtures/demo/gateway.log:4', want: 'app ─plaintext→ sidecar ─mTLS?→ egress gateway ─TLS originated?→ httpbin.org:443'},
    {id: 'fixtures/demo/sidecar.log:14+fixtures/demo/gateway.log:7', want: 'app ─TLS (app)→ sidecar ─passthrough'},
    {id: 'fixtures/demo/sidecar.log:6', want: 'app ─plaintext→ sidecar ─plaintext'},
    {id: 'fixtures/demo/sidecar.log:4', want: 'sidecar ─none (refused)'},
  ])('$id', ({id, want}) => {
    const c = data.result.chains.find((x) => x.id === id)!
    expect(text(toPathSegments(c))).toContain(want)
  })

  test('plaintext arrows are toned bad, encrypted ones ok', () => {
    const c = data.result.chains.find((x) => x.verdict === 'gateway-mtls-plaintext')!
    const segs = toPathSegments(c)
    expect(segs.find((s) => s.text.includes('plaintext→ egress') || s.text === ' ─plaintext→ ')?.tone).toBe('bad')
    expect(segs.find((s) => s.text.includes('mTLS'))?.tone).toBe('ok')
  })
})

describe('detail', () => {
  const joined = toDetailLines(data, rowOf((id) => id === 'fixtures/demo/sidecar.log:10+fixtures/demo/gateway.log:4'), 100).map(text)
  const all = joined.join('\n')

  test('hops with their input:line and decisive fields', () => {
    expect(all).toContain('[1] sidecar  fixtures/demo/sidecar.log:10')
    expect(all).toContain('[2] egress gateway  fixtures/demo/gateway.log:4')
    expect(all).toMatch(/upstreamCluster: outbound\|443\|\|httpbin\.org/)
  })

  test('the raw line of each hop, as the input has it', () => {
    const line10 = readFileSync(join(import.meta.dirname, '../../fixtures/demo/sidecar.log'), 'utf8').split('\n')[9]!
    expect(joined.join('')).toContain(`raw: ${line10.slice(0, 60)}`)
  })

  test('decoded header evidence: peer id, XFCC identities, certificate validity', () => {
    expect(all).toContain('Echoed headers')
    expect(all).toMatch(/XFCC: By=spiffe:\/\//)
    expect(all).toMatch(/validity: .* → .*: (valid|EXPIRED)/)
  })

  test('the reasoning: rule id, reason, evidence with refs, findings', () => {
    const c = data.result.chains.find((x) => x.id === 'fixtures/demo/sidecar.log:10+fixtures/demo/gateway.log:4')!
    expect(all).toContain(`rule ${c.rule}`)
    expect(all).toContain('Why')
    expect(all).toContain(c.evidence[0]!.ref)
    expect(all).toContain('Findings')
  })

  test('a peer-id echo shows the peer id', () => {
    const withPeer = data.rows.findIndex((r) => data.result.chains[r.index]!.headers.some((h) => h.peerId))
    expect(toDetailLines(data, withPeer, 100).map(text).join('\n')).toMatch(/peer id: (sidecar|router) /)
  })

  test('every line fits the width', () => {
    for (const w of [40, 80, 100]) for (const l of toDetailLines(data, 0, w)) expect(text(l).length).toBeLessThanOrEqual(w)
  })
})

describe('header, list window, skipped lines', () => {
  test('header: inputs, accounting, findings per severity, verdict counts', () => {
    const h = toHeaderLines(data, 200).map(text)
    expect(h[0]).toContain('fixtures/demo/sidecar.log, fixtures/demo/gateway.log')
    expect(h[1]).toContain('27 lines read, 27 parsed, 0 skipped · 19 chains')
    expect(h[2]).toMatch(/findings: \d+ high {2}\d+ medium {2}\d+ low {2}\d+ info/)
    expect(h[3]).toContain('gateway-mtls-originated 2')
    for (const l of toHeaderLines(data, 80)) expect(text(l).length).toBeLessThanOrEqual(80)
  })

  test.each<{name: string; progress: InputProgress; want: string}>([
    {name: 'done', progress: INPUT_COMPLETE, want: 'complete'},
    {name: 'reading, no rate yet', progress: {phase: 'reading', openFiles: 1, openStdin: false, linesPerSecond: null}, want: 'reading…'},
    {name: 'reading a pipe', progress: {phase: 'reading', openFiles: 0, openStdin: true, linesPerSecond: 41.6}, want: 'reading… 42 lines/s'},
    {name: 'following files', progress: {phase: 'following', openFiles: 2, openStdin: false, linesPerSecond: 0}, want: 'following 2 files · 0 lines/s'},
    {name: 'following one file', progress: {phase: 'following', openFiles: 1, openStdin: false, linesPerSecond: null}, want: 'following 1 file'},
    {name: 'following stdin', progress: {phase: 'following', openFiles: 0, openStdin: true, linesPerSecond: 7}, want: 'following stdin · 7 lines/s'},
    {name: 'following both', progress: {phase: 'following', openFiles: 3, openStdin: true, linesPerSecond: 1200}, want: 'following 3 files and stdin · 1200 lines/s'},
    {name: 'after a rotation', progress: {phase: 'following', openFiles: 1, openStdin: false, linesPerSecond: 1, event: 'gateway.log rotated 19:24:00'}, want: 'following 1 file · 1 line/s · gateway.log rotated 19:24:00'},
  ])('progress in the header: $name', ({progress, want}) => {
    expect(describeProgress(progress)).toBe(want)
    const b = new TuiDataBuilder(demoResult(), ['a-very-long-input-name.log'.repeat(10)])
    b.setProgress(progress)
    const first = text(toHeaderLines(b.data(), 100)[0]!)
    expect(first.length).toBeLessThanOrEqual(100)
    expect(first.endsWith(`  ${want}`)).toBe(true) // the inputs give way, the progress stays in view
  })

  test('the list builds only the visible window', () => {
    const big = toTuiData(syntheticResult(100_000))
    const s = initialState(big, 80, 24)
    const lines = toListLines(big, s.entries, 50_000, 16, 50_003, '', 80)
    expect(lines.length).toBe(16)
    expect(lines.findIndex((l) => l.selected)).toBe(3)
    for (const l of lines) expect(text(l.line).length).toBeLessThanOrEqual(80)
  })

  test('skipped lines: reasons, counts and first places', () => {
    const stats = newLineStats()
    Object.assign(stats, {linesRead: 10, parsed: 7, skipped: 3, skippedByReason: {'bad-time': 2, binary: 1}, firstSkipped: {'bad-time': ['a.log:3', 'a.log:9'], binary: ['b.log:1']}})
    const d = toTuiData({...demoResult(), accounting: stats})
    const lines = toSkippedLines(d, 100).map(text)
    expect(lines[0]).toBe('10 lines read: 7 parsed, 3 skipped')
    expect(lines.join('\n')).toMatch(/bad-time\s+2 {2}first: a\.log:3, a\.log:9/)
    expect(lines.join('\n')).toMatch(/binary\s+1 {2}first: b\.log:1/)
    expect(toSkippedLines(data, 100).map(text).join('\n')).toContain('no line was skipped')
  })
})

describe('hostile input', () => {
  const evil = toTuiData(hostileResult(), [], [], () => `\x1b]8;;http://x\x07raw\x1b[2J ${'r'.repeat(50_000)}`)

  test('no control character reaches any line of any view', () => {
    const row = evil.rows.findIndex((r) => r.destination.includes('evil.example'))
    const lines: Line[] = [
      ...toHeaderLines(evil, 100),
      ...toListLines(evil, initialState(evil).entries, 0, 30, 0, '', 100).map((l) => l.line),
      ...toDetailLines(evil, row, 100),
    ]
    for (const l of lines) for (const s of l) expect(s.text).not.toMatch(CONTROL)
    expect(evil.rows[row]!.destination).toContain('\\x1b[31mevil.example\\x1b]8;;http://phish.example\\x1b\\:443')
    expect(evil.rows[row]!.source).toContain('\\u202e')
  })

  test('very long fields are bounded in rows and detail', () => {
    const row = evil.rows.findIndex((r) => r.destination.includes('evil.example'))
    expect(evil.rows[row]!.request.length).toBeLessThanOrEqual(200)
    const detail = toDetailLines(evil, row, 80)
    expect(detail.length).toBeLessThan(200)
    for (const l of detail) expect(text(l).length).toBeLessThanOrEqual(80)
    expect(HOSTILE.path.length).toBe(20_001)
  })

  test('the screen model never exceeds the terminal', () => {
    for (const [columns, rows] of [[80, 24], [100, 30], [40, 10]] as const) {
      const sc = toScreen(evil, initialState(evil, columns, rows))
      expect(sc.header.length + 1 + sc.bodyHeight + 2).toBeLessThan(rows)
      for (const l of [...sc.header, sc.title, ...sc.body, sc.status, sc.hint]) expect(text(l).length).toBeLessThanOrEqual(columns)
    }
  })
})
