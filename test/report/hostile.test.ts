// fixtures/hostile/report.log: a real sidecar line with hostile values injected (see make.mjs). Every
// format must carry them as inert text: no formula a spreadsheet evaluates, no markup a browser runs, no
// escape a terminal obeys, no character XML forbids.

import {createHash} from 'node:crypto'

import Papa from 'papaparse'
import {beforeAll, describe, expect, test} from 'vitest'

import {REPORT_FORMATS, renderers, type ReportModel} from '../../src/report/index.js'
import {escapeMarkdown, escapeXml} from '../../src/report/escape.js'
import {CSP} from '../../src/report/html.js'
import {hostileReport} from './helpers.js'

let model: ReportModel
beforeAll(async () => {
  model = await hostileReport()
})

const ESC = '\x1b'
const BIG_HOST = `${'a'.repeat(10 * 1024)}.example`

describe('the hostile fixture reaches the report', () => {
  test('all seven lines parsed into chains, hostile values intact in the model', () => {
    expect(model.accounting).toMatchObject({linesRead: 7, parsed: 7, skipped: 0})
    const uas = model.chains.map((c) => c.hops[0]!.userAgent)
    expect(uas).toContain('=HYPERLINK("http://x")')
    expect(uas).toContain('"><img src=x onerror=alert(1)>')
    expect(uas.some((u) => u?.includes(`${ESC}]8;;http://evil.example/`))).toBe(true)
    expect(uas.some((u) => u?.includes('\ufffd'))).toBe(true) // invalid UTF-8 decoded as U+FFFD
    expect(model.chains.map((c) => c.hops[0]!.authority)).toContain(BIG_HOST)
    expect(model.chains.map((c) => c.destination)).toContain('=1+1<b>x</b>.example:80')
  })
})

describe.each(REPORT_FORMATS)('%s: no raw control characters', (format) => {
  test('ESC, BEL and other C0/C1 controls never appear raw', () => {
    // eslint-disable-next-line no-control-regex
    expect(renderers[format](model, {})).not.toMatch(/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]/)
  })
})

describe('json', () => {
  test('hostile values round-trip exactly (the JSON report keeps them whole; control characters as \\u escapes)', () => {
    const text = renderers.json(model, {})
    const back = JSON.parse(text) as ReportModel
    expect(back.chains.map((c) => c.hops[0]!.userAgent)).toEqual(model.chains.map((c) => c.hops[0]!.userAgent))
    expect(back.chains.map((c) => c.hops[0]!.authority)).toContain(BIG_HOST)
    expect(text).toContain('\\u001b[31m')
  })
})

describe('csv', () => {
  const parse = (text: string) => Papa.parse<string[]>(text.replace(/^\ufeff/, ''), {skipEmptyLines: true}).data
  test.each(['=HYPERLINK("http://x")', '+cmd|/C calc!A0', '-2+3 |pipe|', '@SUM(1+1)', '=1+1<b>x</b>.example:80'])('a cell starting %j is neutralised with a quote', (start) => {
    const cells = parse(renderers.csv(model, {})).flat()
    const hit = cells.filter((c) => c.replace(/^'/, '').startsWith(start))
    expect(hit.length).toBeGreaterThan(0)
    for (const c of hit) expect(c.startsWith("'")).toBe(true)
    for (const c of cells) expect(c).not.toMatch(/^[=+\-@\t\r]/)
  })
  test('tab and CR at the start of a cell: shown as text, then neutralised', () => {
    const m = structuredClone(model)
    m.chains[0]!.hops[0]!.userAgent = '\t=1+1'
    m.chains[1]!.hops[0]!.userAgent = '\r=1+1'
    const rows = parse(renderers.csv(m, {}))
    const col = rows[0]!.indexOf('userAgent')
    expect(rows.slice(1).map((r) => r[col])).toContain('\\t=1+1')
    expect(rows.slice(1).map((r) => r[col])).toContain('\\x0d=1+1')
  })
  test('one row per chain, every column present; the 10 KB host kept whole', () => {
    const rows = parse(renderers.csv(model, {}))
    expect(rows).toHaveLength(1 + model.chains.length)
    for (const r of rows) expect(r).toHaveLength(rows[0]!.length)
    expect(rows.flat()).toContain(BIG_HOST)
  })
  test('--rows findings and --excel', () => {
    const text = renderers.csv(model, {rows: 'findings', excel: true})
    expect(text.startsWith('\ufeff')).toBe(true)
    const rows = parse(text)
    expect(rows[0]!.slice(0, 3)).toEqual(['finding', 'severity', 'kind'])
    expect(rows).toHaveLength(1 + model.findings.length)
    expect(renderers.csv(model, {}).startsWith('\ufeff')).toBe(false)
  })
})

describe('markdown', () => {
  test('pipes, backticks and HTML cannot break out', () => {
    const text = renderers.markdown(model, {})
    expect(text).not.toContain('<script')
    expect(text).not.toContain('<img')
    expect(text).not.toContain('<b>')
    expect(text).toContain('&lt;script&gt;')
    // every table row has the same number of unescaped pipes as its header
    for (const block of text.split('\n\n')) {
      const rows = block.split('\n').filter((l) => l.startsWith('| '))
      if (rows.length === 0) continue
      const pipes = (l: string) => l.replace(/\\\|/g, '').split('|').length
      for (const r of rows) expect(pipes(r)).toBe(pipes(rows[0]!))
    }
    expect(text).toContain('\\`tick\\`')
  })
  test.each([
    {input: 'a|b', want: 'a\\|b'},
    {input: '`x`', want: '\\`x\\`'},
    {input: '<b>&', want: '&lt;b&gt;&amp;'},
    {input: '# head', want: '# head'},
    {input: '10.244.0.7', want: '10.244.0.7'},
    {input: '[l](http://x)', want: '\\[l\\](http://x)'},
    {input: `${ESC}[31m`, want: '\\\\x1b\\[31m'},
  ])('escapeMarkdown($input)', ({input, want}) => expect(escapeMarkdown(input)).toBe(want))
  test.each([
    {input: '# head', want: '\\# head'},
    {input: '- item', want: '\\- item'},
    {input: '1. item', want: '1\\. item'},
    {input: '=====', want: '\\====='},
  ])('escapeMarkdown($input) starting a line', ({input, want}) => expect(escapeMarkdown(input, true)).toBe(want))
  test('the 10 KB host is cut in tables', () => {
    for (const line of renderers.markdown(model, {}).split('\n')) expect(line.length).toBeLessThan(6000)
  })
})

describe('html', () => {
  let html: string
  beforeAll(() => {
    html = renderers.html(model, {})
  })
  test('no tag comes from the logs: only our own elements, no event handlers', () => {
    // Our own script's text (`i<b.rows.length`) is not markup.
    const tags = [...html.replace(/<script>[\s\S]*?<\/script>/, '<script>').matchAll(/<([a-zA-Z][\w-]*)([^>]*)>/g)]
    const allowed = new Set(['html', 'head', 'meta', 'title', 'style', 'body', 'h1', 'h2', 'h3', 'p', 'span', 'svg', 'text', 'rect', 'title', 'line', 'path', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'details', 'summary', 'strong', 'small', 'code', 'ul', 'li', 'br', 'label', 'input', 'script'])
    for (const [, name, attrs] of tags) {
      expect(allowed.has(name!.toLowerCase()), name).toBe(true)
      expect(attrs).not.toMatch(/\son\w+\s*=/i)
    }
    expect(html.match(/<script/g)).toHaveLength(1)
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;')
    expect(html).toContain('&quot;&gt;&lt;img src=x onerror=alert(1)&gt;')
  })
  test('self-contained: no URL is loaded', () => {
    expect(html).not.toMatch(/<(link|img|iframe|object|embed)\b/i)
    for (const [tag] of html.matchAll(/<[a-zA-Z][^>]*>/g)) expect(tag).not.toMatch(/\s(src|href|xlink:href)=/i)
    expect(html).not.toMatch(/@import|url\(/)
  })
  test('the CSP allows exactly the inline script and style, by hash', () => {
    const script = /<script>([\s\S]*?)<\/script>/.exec(html)![1]!
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)![1]!
    const hash = (s: string) => `'sha256-${createHash('sha256').update(s).digest('base64')}'`
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="${CSP}">`)
    expect(CSP).toContain(`script-src ${hash(script)};`)
    expect(CSP).toContain(`style-src ${hash(style)};`)
    expect(CSP).toMatch(/^default-src 'none';/)
    expect(CSP).not.toContain('unsafe-inline')
  })
  test('a chart of verdicts per destination and a hop chain per chain', () => {
    expect(html).toContain('aria-label="verdicts per destination"')
    expect(html.match(/aria-label="hop chain"/g)).toHaveLength(model.chains.length)
  })
})

/** Tags balance and attribute values hold no markup: enough to know a parser sees our structure. */
function assertWellFormedXml(xml: string): void {
  expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n')).toBe(true)
  const body = xml.slice(xml.indexOf('\n'))
  const stack: string[] = []
  for (const m of body.matchAll(/<(\/?)([\w:-]+)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|<|>/g)) {
    if (m[0] === '<') throw new Error(`a raw < at ${m.index}`)
    if (m[0] === '>') continue // '>' is legal in text; escaped anyway
    if (m[1]) expect(stack.pop()).toBe(m[2])
    else if (!m[4]) stack.push(m[2]!)
  }
  expect(stack).toEqual([])
  for (const m of body.matchAll(/&([^;\s]*);?/g)) expect(['amp;', 'lt;', 'gt;', 'quot;', 'apos;']).toContain(`${m[1]};`)
}

describe('junit', () => {
  test('well-formed, one case per destination, hostile text escaped', () => {
    const xml = renderers.junit(model, {})
    assertWellFormedXml(xml)
    expect((xml.match(/<testcase /g) ?? []).length).toBe(model.summary.byDestination.length)
    expect(xml).toContain('name="=1+1&lt;b&gt;x&lt;/b&gt;.example:80"')
    expect(xml).toMatch(/<failure message="[^"]*" type="(high|medium|low|info)">/)
  })
  test.each([
    {input: 'a\u0000b', want: 'a\\x00b'},
    {input: '\ufffe\uffff', want: '\ufffd\ufffd'},
    {input: 'lone \ud800 surrogate', want: 'lone \ufffd surrogate'},
    {input: '"<&>\'', want: '&quot;&lt;&amp;&gt;&apos;'},
  ])('escapeXml($input)', ({input, want}) => expect(escapeXml(input)).toBe(want))
})

describe('sarif', () => {
  test('2.1.0, one rule per finding kind, results at file and line', () => {
    const log = JSON.parse(renderers.sarif(model, {}))
    expect(log.version).toBe('2.1.0')
    const run = log.runs[0]
    const kinds = [...new Set(model.findings.map((f) => f.kind))].sort()
    expect(run.tool.driver.rules.map((r: {id: string}) => r.id)).toEqual(kinds)
    expect(run.results).toHaveLength(model.findings.length)
    for (const r of run.results) {
      expect(run.tool.driver.rules[r.ruleIndex].id).toBe(r.ruleId)
      expect(['error', 'warning', 'note']).toContain(r.level)
      for (const l of r.locations ?? []) {
        expect(l.physicalLocation.artifactLocation.uri).toBe('fixtures/hostile/report.log')
        expect(l.physicalLocation.region.startLine).toBeGreaterThanOrEqual(1)
      }
    }
    expect(run.results.some((r: {locations?: unknown[]}) => (r.locations ?? []).length > 0)).toBe(true)
  })
})

describe('--redact', () => {
  test('IPs, paths and request ids become pseudonyms, the same value the same pseudonym', async () => {
    const red = await hostileReport(true)
    const json = renderers.json(red, {})
    expect(json).not.toMatch(/\b10\.244\.0\.7\b/)
    expect(json).not.toContain('34.223.124.45')
    expect(json).not.toContain('s3cr3t')
    expect(json).not.toContain('aaaaaaaa-0000-4000-8000-000000000001')
    const paths = red.chains.map((c) => c.hops[0]!.path)
    const raw = model.chains.map((c) => c.hops[0]!.path)
    // same raw path ↔ same pseudonym
    for (let i = 0; i < raw.length; i++) for (let j = 0; j < raw.length; j++) expect(paths[i] === paths[j]).toBe(raw[i] === raw[j])
    expect(new Set(red.chains.map((c) => c.hops[0]!.upstreamHost))).toEqual(new Set(['ip-2:80']))
    expect(red.chains.every((c) => /^rid-\d+$/.test(c.hops[0]!.requestId!))).toBe(true)
    expect(red.redacted).toBe(true)
    // citations and file names stay exact
    expect(red.chains.map((c) => c.id)).toEqual(model.chains.map((c) => c.id))
    for (const f of REPORT_FORMATS) expect(renderers[f](red, {})).not.toContain('34.223.124.45')
  })
})
