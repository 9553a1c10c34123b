import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, test} from 'vitest'

import {AccessLogReader} from '../../../src/core/accesslog/reader.js'
import type {AccessLogEntry} from '../../../src/core/model.js'
import {newLineStats} from '../../../src/core/result.js'

// Every fixture log beside an expected file: the real seed lines (expectations written by hand), each
// format and envelope, each scenario capture (expectations from the generator, an oracle independent of
// the parser), and the noisy istio-proxy log. Compared line by line, field by field.
const ROOT = join(import.meta.dirname, '../../../fixtures')
const pairs: {name: string; log: string; expected: string}[] = []
for (const dir of ['seeds', 'formats', 'formats/kubectl', 'noise', ...readdirSync(join(ROOT, 'scenarios')).map((d) => `scenarios/${d}`)]) {
  let files: string[]
  try {
    files = readdirSync(join(ROOT, dir))
  } catch {
    continue
  }
  for (const f of files) {
    if (!f.endsWith('.log')) continue
    const expected = f.replace(/\.log$/, '.expected.json')
    if (files.includes(expected)) pairs.push({name: `${dir}/${f}`, log: join(ROOT, dir, f), expected: join(ROOT, dir, expected)})
  }
}

type Expected = Partial<AccessLogEntry> | {skip: string}

function readAll(path: string, name: string) {
  const stats = newLineStats()
  const reader = new AccessLogReader(name, stats)
  const a = reader.push(readFileSync(path, 'utf8'))
  const b = reader.end()
  return {stats, entries: [...a.entries, ...b.entries], skipped: [...a.skipped, ...b.skipped]}
}

describe('fixtures parse to their expected entries', () => {
  test('there are fixtures to check', () => expect(pairs.length).toBeGreaterThan(30))

  test.each(pairs)('$name', ({name, log, expected}) => {
    const want = JSON.parse(readFileSync(expected, 'utf8')) as Expected[]
    const {stats, entries, skipped} = readAll(log, name)
    expect(stats.linesRead).toBe(want.length)
    expect(stats.parsed + stats.skipped).toBe(stats.linesRead)
    const byLine = new Map<number, AccessLogEntry | {skip: string}>()
    for (const e of entries) byLine.set(e.source.line, e)
    for (const s of skipped) byLine.set(s.line, {skip: s.reason})
    want.forEach((w, i) => {
      const got = byLine.get(i + 1)
      if ('skip' in w) return expect(got, `line ${i + 1}`).toEqual({skip: w.skip})
      const {source, ...fields} = w as AccessLogEntry
      expect(got, `line ${i + 1}`).toMatchObject(fields)
      if (source) {
        const {input: _input, ...where} = source
        expect((got as AccessLogEntry).source, `line ${i + 1} source`).toMatchObject(where)
      }
    })
  })
})

describe('the generator (test oracle) and the parser agree on every format string', () => {
  test('each preset the generator renders is the parser preset of the same name, byte for byte', async () => {
    const {FORMAT_STRINGS} = (await import('../../bench/generate.mjs')) as {FORMAT_STRINGS: Record<string, string>}
    const {presetByName} = await import('../../../src/core/accesslog/formats.js')
    for (const [name, format] of Object.entries(FORMAT_STRINGS)) {
      const preset = presetByName(name)
      expect(preset, name).toBeDefined()
      if (preset!.encoding === 'json') expect(JSON.parse(format), name).toEqual(JSON.parse(preset!.format))
      else expect(format, name).toBe(preset!.format)
    }
  })
})
