// The GoAccess row is only a fair comparison while its --log-format reads the generator's Istio lines
// field for field. These tests keep the two in step: the Envoy side of the mapping is the generator's
// format string, and GoAccess (where installed) files every field where the oracle says it is.
import {spawnSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, test} from 'vitest'
import {FORMAT_STRINGS, generateLog, type GeneratedLine} from './generate.mjs'
import {GOACCESS_LOG_FORMAT, ISTIO_FIELDS, goaccessArgv, goaccessVersion, readGoaccessCounts} from './goaccess.mjs'

describe('the log-format mapping', () => {
  test('its Envoy side is the Istio format the generator writes, field for field', () => {
    expect(ISTIO_FIELDS.map(([envoy]) => envoy).join(' ') + '\n').toBe(FORMAT_STRINGS.istio)
  })

  test('every field has one GoAccess specifier, and the specifiers GoAccess requires are there', () => {
    for (const [envoy, g] of ISTIO_FIELDS) expect(g, envoy).toMatch(/%[a-zA-Z^]/)
    for (const required of ['%d', '%t', '%r', '%h', '%s']) expect(GOACCESS_LOG_FORMAT).toContain(required)
  })
})

const installed = goaccessVersion() !== null

type Panel = {data: {data: string; hits: {count: number}}[]}

describe.skipIf(!installed)('GoAccess on generated bare Istio lines', () => {
  const LINES = 3000
  let dir: string
  let lines: GeneratedLine[]
  let report: Record<string, Panel>
  let counts: ReturnType<typeof readGoaccessCounts>

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'bench-goaccess-'))
    lines = [...generateLog({lines: LINES, seed: 3, prefixShare: 0, timestampShare: 0})]
    const log = join(dir, 'bare.log')
    writeFileSync(log, lines.map((l) => l.text + '\n').join(''))
    const out = join(dir, 'report.json')
    const argv = goaccessArgv(log, out)
    const r = spawnSync(argv[0]!, argv.slice(1), {stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8'})
    expect(r.status, r.stderr).toBe(0)
    counts = readGoaccessCounts(out)
    report = JSON.parse(readFileSync(out, 'utf8'))
  })
  afterAll(() => rmSync(dir, {recursive: true, force: true}))

  // Envoy writes a `"` inside a quoted field unescaped; GoAccess ends the field there and fails the line.
  const quotedUa = (l: GeneratedLine) => (l.expected.userAgent ?? '').includes('"')
  const readable = () => lines.filter((l) => !quotedUa(l))

  test('it reads every line and fails exactly those whose user agent holds a quote', () => {
    expect(readable().length).toBeGreaterThan(LINES * 0.9)
    expect(counts).toEqual({total: LINES, valid: readable().length, failed: LINES - readable().length})
  })

  const tally = (values: string[]) => {
    const m = new Map<string, number>()
    for (const v of values) m.set(v, (m.get(v) ?? 0) + 1)
    return m
  }
  const panel = (name: string) => new Map(report[name]!.data.map((d) => [d.data, d.hits.count]))

  test('its visitors are the downstream remote addresses without their port', () => {
    const ips = readable().map((l) => l.expected.downstreamRemoteAddress!.replace(/:\d+$/, ''))
    expect(panel('hosts')).toEqual(tally(ips))
  })

  test('its virtual hosts are the authorities, "-" for TCP lines', () => {
    expect(panel('vhosts')).toEqual(tally(readable().map((l) => l.expected.authority ?? '-')))
  })
})
