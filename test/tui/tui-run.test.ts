import {mkdtempSync, readFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, test} from 'vitest'

import {openInputs} from '../../src/shell/inputs.js'
import {RawLines, analyzeForTui, exportReport} from '../../src/shell/tui-run.js'
import {demoResult} from './fixture.js'

const ROOT = join(import.meta.dirname, '../..')
const noHeaders = {evidence: [], notes: []}

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
  })
})

describe('analyzeForTui', () => {
  test('reads the demo as analyze does: 19 chains, every line kept raw', async () => {
    const raw = new RawLines()
    const paths = ['fixtures/demo/sidecar.log', 'fixtures/demo/gateway.log'].map((p) => join(ROOT, p))
    const {result, failures} = await analyzeForTui({sources: openInputs(paths), headers: noHeaders, analyzer: {}, read: {}}, raw)
    expect(failures).toEqual([])
    expect(result.totals.chains).toBe(19)
    expect(result.chains.length).toBe(19)
    expect(raw.get(paths[1]!, 3)).toBe(readFileSync(paths[1]!, 'utf8').split('\n')[2])
  })

  test('an unreadable input is reported and the others are still read', async () => {
    const {result, failures} = await analyzeForTui({sources: openInputs([join(ROOT, 'fixtures/demo/gateway.log'), '/no/such/file.log']), headers: noHeaders, analyzer: {}, read: {}})
    expect(failures).toHaveLength(1)
    expect(failures[0]!.input).toBe('/no/such/file.log')
    expect(result.chains.length).toBeGreaterThan(0)
  })
})

describe('e: export', () => {
  test('writes the whole analysis as a markdown report named by the time, never over an existing file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'egress-audit-tui-'))
    const now = new Date('2026-01-02T03:04:05.678Z')
    const options = {sources: openInputs(['a.log']), headers: noHeaders, analyzer: {}, read: {}, version: '9.9.9'}
    const message = await exportReport(demoResult(), options, [], now, dir)
    expect(message).toBe('wrote egress-audit-report-20260102T030405Z.md (markdown, the whole analysis)')
    const text = readFileSync(join(dir, 'egress-audit-report-20260102T030405Z.md'), 'utf8')
    expect(text).toContain('gateway-mtls-originated')
    await expect(exportReport(demoResult(), options, [], now, dir)).rejects.toThrow(/EEXIST/)
  })
})
