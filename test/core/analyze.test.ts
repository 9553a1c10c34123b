import fc from 'fast-check'
import {describe, expect, test} from 'vitest'

import {Analyzer, analyzeEntries} from '../../src/core/analyze.js'
import {type AccessLogEntry, VERDICTS} from '../../src/core/model.js'
import {renderSummary} from '../../src/core/render/summary.js'
import {countParsed, newLineStats} from '../../src/core/result.js'
import {demoInputs, entriesOf} from './join/fixtures.js'

const {sidecar, gateway, headers} = demoInputs()
const S = (n: number) => `fixtures/demo/sidecar.log:${n}`
const G = (n: number) => `fixtures/demo/gateway.log:${n}`

// fixtures/demo/README.md, row by row.
const DEMO = [
  {row: 1, id: S(1), verdict: 'failed', confidence: 'medium', strength: 'proven', joinedBy: []},
  {row: 2, id: S(2), verdict: 'sidecar-mtls-originated', confidence: 'medium', strength: 'proven', joinedBy: []},
  {row: 3, id: S(3), verdict: 'sidecar-originated', confidence: 'medium', strength: 'proven', joinedBy: []},
  {row: 4, id: S(4), verdict: 'blocked', confidence: 'medium', strength: 'proven', joinedBy: []},
  {row: 5, id: S(5), verdict: 'blocked', confidence: 'medium', strength: 'proven', joinedBy: []},
  {row: 6, id: S(6), verdict: 'direct-plaintext', confidence: 'high', strength: 'inferred', joinedBy: ['header-peer-time']},
  {row: 7, id: S(7), verdict: 'direct-tls', confidence: 'medium', strength: 'inferred', joinedBy: []},
  {row: 8, id: `${S(8)}+${G(2)}`, verdict: 'gateway-plaintext', confidence: 'high', strength: 'inferred', joinedBy: ['connection', 'request-id', 'header-peer-time']},
  {row: 9, id: `${S(9)}+${G(3)}`, verdict: 'gateway-originated', confidence: 'high', strength: 'inferred', joinedBy: ['connection', 'request-id', 'header-peer-time']},
  {row: 10, id: `${S(10)}+${G(4)}`, verdict: 'gateway-mtls-originated', confidence: 'high', strength: 'inferred', joinedBy: ['connection', 'request-id', 'header-peer-time']},
  {row: 11, id: `${S(11)}+${G(5)}`, verdict: 'gateway-mtls-originated', confidence: 'high', strength: 'proven', joinedBy: ['connection', 'request-id']},
  {row: 12, id: S(12), verdict: 'unknown', confidence: 'low', strength: 'inferred', joinedBy: []},
  {row: 13, id: `${S(13)}+${G(6)}`, verdict: 'failed', confidence: 'low', strength: 'inferred', joinedBy: ['connection']},
  {row: 14, id: `${S(14)}+${G(7)}`, verdict: 'gateway-passthrough', confidence: 'high', strength: 'inferred', joinedBy: ['connection', 'header-time']},
  {row: 15, id: `${S(15)}+${G(8)}`, verdict: 'gateway-mtls-plaintext', confidence: 'high', strength: 'inferred', joinedBy: ['connection', 'request-id', 'header-peer-time']},
  {row: 16, id: `${S(16)}+${G(9)}`, verdict: 'gateway-mtls-plaintext', confidence: 'high', strength: 'inferred', joinedBy: ['connection', 'request-id', 'header-peer-time']},
  {row: 17, id: S(17), verdict: 'passthrough-cluster', confidence: 'medium', strength: 'proven', joinedBy: []},
  {row: 18, id: S(18), verdict: 'passthrough-cluster', confidence: 'medium', strength: 'proven', joinedBy: []},
  {row: 19, id: G(1), verdict: 'gateway-originated', confidence: 'medium', strength: 'inferred', joinedBy: []},
] as const

describe('golden: the demo, row by row (fixtures/demo/README.md)', () => {
  const result = analyzeEntries([...sidecar, ...gateway], {headers})

  test.each(DEMO)('row $row: $id → $verdict', ({id, verdict, confidence, strength, joinedBy}) => {
    const chain = result.chains.find((c) => c.id === id)
    expect(chain, id).toBeDefined()
    expect(chain!.verdict).toBe(verdict)
    expect(chain!.confidence).toBe(confidence)
    expect(chain!.strength).toBe(strength)
    expect(chain!.joinedBy).toEqual(joinedBy)
  })

  test('every verdict appears, and nothing else', () => {
    expect(result.chains).toHaveLength(DEMO.length)
    expect(new Set(result.chains.map((c) => c.verdict))).toEqual(new Set(VERDICTS))
  })

  test('every echo joined a chain; the result adds up', () => {
    expect(result.totals).toMatchObject({chains: 19, egress: 19, headerSets: 7, headerSetsJoined: 7})
    expect(result.totals.proven).toBe(DEMO.filter((r) => r.strength === 'proven').length)
    expect(result.provenShare).toBeCloseTo(8 / 19)
    expect(result.accounting).toMatchObject({linesRead: 27, parsed: 27, skipped: 0})
  })

  test('the unknown chain says what is missing', () => {
    expect(result.chains.find((c) => c.id === S(12))!.missing).toEqual([expect.stringContaining('how it left the mesh')])
  })

  test('summary rows are keyed by destination and verdict, with counts and first/last seen', () => {
    expect(result.summary.find((r) => r.destination === 'httpbin.org:80' && r.verdict === 'gateway-mtls-plaintext')).toEqual({
      destination: 'httpbin.org:80',
      scope: 'egress',
      verdict: 'gateway-mtls-plaintext',
      chains: 2,
      proven: 0,
      confidence: {high: 2, medium: 0, low: 0},
      firstSeen: '2024-06-24T21:29:03.264Z',
      lastSeen: '2024-06-24T21:35:40.511Z',
    })
  })
})

describe('streaming', () => {
  test('addEntries returns chains as they complete; end() the rest; finish() counts them all', () => {
    const a = new Analyzer({inputs: [S(0).split(':')[0]!, G(0).split(':')[0]!], keepChains: false})
    a.addHeaders(headers)
    const seen = [...a.addEntries(sidecar), ...a.addEntries(gateway), ...a.endInput('fixtures/demo/sidecar.log'), ...a.endInput('fixtures/demo/gateway.log'), ...a.end()]
    expect(seen.map((c) => c.id).sort()).toEqual(DEMO.map((r) => r.id).sort())
    const result = a.finish()
    expect(result.chains).toEqual([])
    expect(result.totals.chains).toBe(19)
  })

  test('without descriptions (summary mode) the verdicts and findings are the same', () => {
    const full = analyzeEntries([...sidecar, ...gateway], {headers})
    const lean = analyzeEntries([...sidecar, ...gateway], {headers, describeChains: false})
    expect(lean.chains.map((c) => [c.id, c.verdict, c.confidence, c.strength])).toEqual(full.chains.map((c) => [c.id, c.verdict, c.confidence, c.strength]))
    expect(lean.findings.map((f) => [f.id, f.count])).toEqual(full.findings.map((f) => [f.id, f.count]))
    expect(lean.chains[0]!.evidence).toEqual([])
  })
})

describe('properties', () => {
  /** The demo split into per-pod files, as `kubectl logs` of each pod would give them. */
  const files: AccessLogEntry[][] = (() => {
    const byFile = new Map<string, AccessLogEntry[]>()
    for (const e of [...sidecar, ...gateway]) {
      const name = `${e.source.pod ?? 'no-pod'}.log`
      const list = byFile.get(name) ?? []
      list.push({...e, source: {...e.source, input: name}})
      byFile.set(name, list)
    }
    return [...byFile.values()]
  })()
  const key = (e: AccessLogEntry) => `${e.source.input}:${e.source.line}`

  test('verdicts do not depend on the order of input files (or of echoes)', () => {
    const verdictsOf = (order: AccessLogEntry[][], echoes = headers) =>
      Object.fromEntries(analyzeEntries(order.flat(), {headers: echoes}).chains.map((c) => [c.hops.map((h) => key(h.entry)).sort().join('+') || c.id, c.verdict]))
    const reference = verdictsOf(files)
    fc.assert(
      fc.property(fc.shuffledSubarray(files, {minLength: files.length}), fc.shuffledSubarray(headers, {minLength: headers.length}), (order, echoes) => {
        expect(verdictsOf(order, echoes)).toEqual(reference)
      }),
      {numRuns: 50},
    )
  })

  test('every parsed entry ends in exactly one chain', () => {
    fc.assert(
      fc.property(fc.shuffledSubarray(files, {minLength: 1}), fc.constantFrom(200, 5_000, Infinity), (order, windowMs) => {
        const entries = order.flat()
        const refs = analyzeEntries(entries, {windowMs}).chains.flatMap((c) => c.hops.map((h) => key(h.entry)))
        expect(refs.sort()).toEqual(entries.map(key).sort())
      }),
      {numRuns: 50},
    )
  })
})

describe('--since / --until', () => {
  test('lines outside are counted as skipped out-of-range: parsed + skipped = read', () => {
    const stats = newLineStats()
    for (const e of sidecar) countParsed(stats, e.format)
    const r = analyzeEntries(sidecar, {stats, sinceMs: Date.parse('2024-06-21T19:30:00Z'), untilMs: Date.parse('2024-06-24T00:00:00Z')})
    expect(r.accounting).toMatchObject({linesRead: 18, parsed: 6, skipped: 12, skippedByReason: {'out-of-range': 12}})
    expect(r.accounting.parsed + r.accounting.skipped).toBe(r.accounting.linesRead)
    expect(r.accounting.firstSkipped['out-of-range']).toEqual([S(1), S(2), S(3), S(4), S(5)])
    expect(r.chains.map((c) => c.id).sort()).toEqual([S(9), S(10), S(11), S(12), S(13), S(14)].sort())
    expect(r.options.since).toBe('2024-06-21T19:30:00.000Z')
  })
})

describe('scope: only egress is judged', () => {
  test('in-mesh and inbound traffic get no egress verdict and no findings', () => {
    const lines = [
      '[2024-06-21T19:00:00.000Z] "GET /reviews/0 HTTP/1.1" 200 - via_upstream - "-" 0 358 5 5 "-" "python-requests" "9a1f0f0e-aaaa-4bbb-8ccc-1d2e3f4a5b6c" "reviews:9080" "10.244.1.9:9080" outbound|9080||reviews.default.svc.cluster.local 10.244.1.5:51000 10.96.10.10:9080 10.244.1.5:50999 - default',
      '[2024-06-21T19:00:00.002Z] "GET /reviews/0 HTTP/1.1" 200 - via_upstream - "-" 0 358 3 3 "-" "python-requests" "9a1f0f0e-aaaa-4bbb-8ccc-1d2e3f4a5b6c" "reviews:9080" "10.244.1.9:9080" inbound|9080|| 127.0.0.6:41000 10.244.1.9:9080 10.244.1.5:51000 outbound_.9080_._.reviews.default.svc.cluster.local default',
    ]
    const r = analyzeEntries(entriesOf(lines.join('\n'), 'mesh.log'))
    expect(r.chains.map((c) => [c.scope, c.verdict, c.rule])).toEqual([
      ['mesh', 'unknown', 'not-egress'],
      ['inbound', 'unknown', 'not-egress'],
    ])
    expect(r.findings).toEqual([])
    expect(r.totals.egress).toBe(0)
  })
})

describe('renderSummary', () => {
  const result = analyzeEntries([...sidecar, ...gateway], {headers})

  test('a table per destination and verdict, findings by severity, then the input accounting', () => {
    const text = renderSummary(result, {colour: false, inputs: 2}).join('\n')
    expect(text).toMatch(/^Egress observed in logs: 19 request chains, 8 proven/)
    expect(text).toMatch(/httpbin\.org:443\s+gateway-mtls-originated\s+2\s+1\s+high\s+2024-06-21 19:50:33\s+2024-06-21 20:05:10/)
    const order = ['Findings:', '\nHIGH', '\nMEDIUM', '\nLOW', '\nINFO', '\nInput'].map((h) => text.indexOf(h))
    expect(order.every((i, n) => i > 0 && (n === 0 || i > order[n - 1]!))).toBe(true)
    expect(text).toContain('27 lines read from 2 inputs: 27 parsed')
    expect(text).toContain('7 echoed header sets: 7 joined to log lines')
    expect(text).not.toContain('\x1b')
    expect(text).not.toMatch(/\benforced\b/)
  })

  test('colour only when asked', () => {
    expect(renderSummary(result, {colour: true}).join('\n')).toContain('\x1b[31m')
  })

  test('log content is scrubbed: an SNI with an escape sequence cannot recolour the terminal', () => {
    const hostile = '[pod/curl/istio-proxy] [2024-06-21T19:22:40.118Z] "- - -" 0 - - - "-" 921 5872 161 - "-" "-" "-" "-" "3.213.1.197:443" PassthroughCluster 10.244.0.7:40388 3.213.1.197:443 10.244.0.7:40386 evil\x1b[2J.example -'
    const r = analyzeEntries(entriesOf(hostile, 'x.log'))
    const text = renderSummary(r, {colour: true}).join('\n')
    expect(text).toContain('evil\\x1b[2J.example')
    expect(text).not.toContain('\x1b[2J')
  })
})

describe('renderSummary stays readable however many destinations and findings', () => {
  // 300 destinations, each reached plaintext through PassthroughCluster by one or more requests.
  const lines: string[] = []
  for (let d = 0; d < 300; d++) {
    for (let k = 0; k <= (d % 7 === 0 ? 5 : 0); k++) {
      lines.push(`[pod/curl-6c8d7b9f5-r2npb/istio-proxy] [2024-06-21T19:22:40.${String(k).padStart(3, '0')}Z] "GET / HTTP/1.1" 200 - via_upstream - "-" 0 10 1 1 "-" "curl" "id-${d}-${k}" "h${d}.example" "3.213.1.${d % 250}:80" PassthroughCluster 10.244.0.7:40388 3.213.1.${d % 250}:80 10.244.0.7:40386 - allow_any`)
    }
  }
  const result = analyzeEntries(entriesOf(lines.join('\n'), 'many.log'))

  test('the table shows the rows with the most chains and counts the rest', () => {
    expect(result.summary.length).toBe(300)
    const text = renderSummary(result, {colour: false, maxRows: 10}).join('\n')
    const rows = text.split('\n').filter((l) => /^ {2}h\d+\.example:80 /.test(l))
    expect(rows).toHaveLength(10)
    // The 43 destinations with 6 chains each outrank the rest: the first 10 of them, in table order.
    for (const r of rows) expect(r).toMatch(/passthrough-cluster\s+6\s/)
    expect(text).toContain(`… 290 more rows (${300 - 43 + (43 - 10) * 6} chains, those with the fewest): analyze --json and report list every one`)
  })

  test('findings past the cap are counted per severity, not printed', () => {
    const high = result.findings.filter((f) => f.severity === 'high')
    expect(high.length).toBeGreaterThan(20)
    const text = renderSummary(result, {colour: false, findingsPerSeverity: 5}).join('\n')
    const section = text.slice(text.indexOf('\nHIGH'), text.indexOf('\nMEDIUM') === -1 ? undefined : text.indexOf('\nMEDIUM'))
    expect(section.match(/^ {2}● /gm)).toHaveLength(5)
    expect(section).toContain(`… ${high.length - 5} more high findings (`)
  })
})

describe('narrowResult (a filtered view, as the TUI exports it)', () => {
  test('keeps the chosen chains, the findings they cite, and counts the summary again', async () => {
    const {narrowResult} = await import('../../src/core/analyze.js')
    const {demoResult} = await import('../tui/fixture.js')
    const whole = demoResult()
    const keep = (c: {verdict: string}) => c.verdict === 'gateway-mtls-plaintext'
    const narrow = narrowResult(whole, keep)
    expect(narrow.chains.length).toBe(whole.chains.filter(keep).length)
    expect(narrow.chains.length).toBeGreaterThan(0)
    expect(narrow.totals.chains).toBe(narrow.chains.length)
    expect(narrow.summary.map((r) => r.verdict)).toEqual(['gateway-mtls-plaintext'])
    expect(narrow.summary.reduce((n, r) => n + r.chains, 0)).toBe(narrow.chains.length)
    const cited = new Set(narrow.chains.flatMap((c) => c.findings))
    expect(narrow.findings.map((f) => f.id).sort()).toEqual([...cited].sort())
    expect(narrow.accounting).toBe(whole.accounting)
  })
})
