// The hostile corpus (fixtures/hostile: terminal escapes of every family, spreadsheet formulae, markup,
// invalid UTF-8 and NUL bytes, impossible times and shared request ids, hostile echoed headers) through
// every command and every output format of the built binary (npm run build first), plus the big cases
// built at test time: JSON nested 100,000 deep, a 10 MB line, 100,000 distinct hosts. For each run: the
// exit code is a documented one and never a crash; nothing from a log acts in a terminal, a spreadsheet or
// a browser; each format is well-formed; parsed + skipped = lines read = the lines in the files.

import {closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, test} from 'vitest'

import {BUG_REPORT_URL} from '../../src/shell/exit-codes.js'
import {DEEP, FORMULAS, MARKUP, TERMINAL, committedFiles, decodeValues, deepHeadersTxt, deepLog, istioText, joinLines, longLineLog, manyHostsLines} from '../../fixtures/hostile/corpus.mjs'
import {
  type Accounting,
  type CliRun,
  REPORT_MAX_RSS,
  ROOT,
  STACK,
  accountingIn,
  closingStdoutEarly,
  countByte,
  countLines,
  csvCells,
  failingOn,
  foreignMarkup,
  intoClosedPipe,
  isFormula,
  isUtf8,
  maxRssMb,
  rawC1AndBidi,
  rawEscapes,
  runCli,
  tailOf,
  xmlProblems,
} from './hostile-helpers.js'

// ---------------------------------------------------------------------------------------------------------
// The corpus and the runs over it.

const H = 'fixtures/hostile'
const LOGS = ['escapes', 'formulas', 'markup', 'bytes', 'times'].map((f) => `${H}/${f}.log`)
const HEADERS = [`${H}/headers.json`, `${H}/headers.txt`].flatMap((file) => ['--headers', file])
/** The lines in the corpus, counted from the bytes. */
const LINES = LOGS.reduce((n, file) => n + countLines(readFileSync(join(ROOT, file))), 0)
/** The exit codes that are not a bug (70 is documented too, as the bug exit). */
const NOT_A_BUG = [0, 1, 2, 3]

let dir: string
beforeAll(() => {
  if (!existsSync(join(ROOT, 'dist/commands/parse.js'))) throw new Error('dist/ is missing: run `npm run build` before the e2e tests')
  dir = mkdtempSync(join(tmpdir(), 'egress-audit-hostile-'))
})
afterAll(() => rmSync(dir, {recursive: true, force: true}))

const json = (text: string): unknown => JSON.parse(text)
/** A real sidecar line (fixtures/scenarios/direct-http) to `host`, at `ms`, with request id number `n`. */
const istioLineTo = (host: string, ms = Date.parse('2024-06-21T19:40:01.000Z'), n = 1): Buffer =>
  istioText({start: new Date(ms).toISOString(), authority: host, cluster: `outbound|80||${host}`, id: `aaaaaaaa-0000-4000-8000-${String(n).padStart(12, '0')}`})
const ndjson = (text: string): unknown[] => text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l))
const fromJson = (text: string): Accounting => (json(text) as {accounting: Accounting}).accounting

interface Case {
  name: string
  /** The CLI's arguments; a function when they name files in the temporary directory, made in beforeAll. */
  args: string[] | (() => string[])
  /** The exit codes this run may end with: documented ones, and of those the ones that fit the input. */
  exits: readonly number[]
  /** How stdout must parse (a renderer's own medium is checked in 'report files' below). */
  stdout: 'ndjson' | 'json' | 'text'
  /** stdout is CSV, whose records end in CRLF. */
  crlf?: boolean
  /** Where the run states its line accounting, when it does. */
  accounting?: (r: CliRun) => Accounting | null
}

const REPORT_FILES = {json: 'r.json', csv: 'r.csv', markdown: 'r.md', html: 'r.html', junit: 'r.xml', sarif: 'r.sarif'} as const
const REPORT_TO_FILES = 'report, every format to a file'

const values = decodeValues()
const CASES: Case[] = [
  {name: 'parse', args: ['parse', ...LOGS], exits: [0], stdout: 'ndjson', accounting: (r) => accountingIn(r.stderr)},
  {name: 'parse --strict (lines were skipped: exit 3)', args: ['parse', '--strict', '-q', ...LOGS], exits: [3], stdout: 'ndjson'},
  {name: 'analyze (summary)', args: ['analyze', ...LOGS, ...HEADERS], exits: [1], stdout: 'text', accounting: (r) => accountingIn(r.stdout)},
  {name: 'analyze --json', args: ['analyze', ...LOGS, ...HEADERS, '--json'], exits: [1], stdout: 'json', accounting: (r) => fromJson(r.stdout)},
  {name: 'analyze --ndjson', args: ['analyze', ...LOGS, ...HEADERS, '--ndjson'], exits: [1], stdout: 'ndjson', accounting: (r) => accountingIn(r.stderr)},
  {name: REPORT_TO_FILES, args: () => ['report', ...LOGS, ...HEADERS, ...Object.entries(REPORT_FILES).flatMap(([format, file]) => ['--format', format, '-o', join(dir, file)])], exits: [0], stdout: 'text'},
  {name: 'report --format markdown to stdout', args: ['report', ...LOGS, ...HEADERS, '--format', 'markdown'], exits: [0], stdout: 'text', accounting: (r) => accountingIn(r.stdout)},
  {name: 'report --format csv --rows findings --excel to stdout', args: ['report', ...LOGS, '--format', 'csv', '--rows', 'findings', '--excel'], exits: [0], stdout: 'text', crlf: true},
  {name: 'decode headers (httpbin JSON)', args: ['decode', 'headers', `${H}/headers.json`], exits: [0], stdout: 'ndjson'},
  {name: 'decode headers --json (raw blocks, curl -v)', args: ['decode', 'headers', `${H}/headers.txt`, '--json'], exits: [0], stdout: 'ndjson'},
  {name: 'decode peer-metadata (decodes)', args: ['decode', 'peer-metadata', values['peer-metadata'][0]!, '--json'], exits: [0], stdout: 'json'},
  {name: 'decode peer-metadata (rejected)', args: ['decode', 'peer-metadata', values['peer-metadata'][1]!], exits: [2], stdout: 'text'},
  ...values['peer-id'].map((v, i): Case => ({name: `decode peer-id #${i + 1} (rejected)`, args: ['decode', 'peer-id', v], exits: [2], stdout: 'text'})),
  {name: 'decode xfcc #1 (decodes)', args: ['decode', 'xfcc', values.xfcc[0]!, '--json'], exits: [0], stdout: 'json'},
  {name: 'decode xfcc #2 (decodes, bad Cert)', args: ['decode', 'xfcc', values.xfcc[1]!, '--json'], exits: [0], stdout: 'json'},
  ...values.xfcc.slice(2).map((v, i): Case => ({name: `decode xfcc #${i + 3} (rejected)`, args: ['decode', 'xfcc', v], exits: [2], stdout: 'text'})),
]

const argsOf = (c: Case): string[] => (typeof c.args === 'function' ? c.args() : c.args)
const runs = new Map<string, CliRun>()
/** Each case's run, made once (the checks of one case share it). */
function runOf(c: Case): CliRun {
  let r = runs.get(c.name)
  if (!r) {
    r = runCli(argsOf(c))
    runs.set(c.name, r)
  }
  return r
}

describe('the corpus', () => {
  test('the committed files are what make.mjs writes, byte for byte', () => {
    for (const [name, bytes] of Object.entries(committedFiles())) expect(readFileSync(join(ROOT, H, name)).equals(bytes), name).toBe(true)
  })

  test('the hostile values reach the analysis whole: the lines carrying them parse', () => {
    const r = runOf(CASES.find((c) => c.name === 'analyze --json')!)
    const result = json(r.stdout) as {chains: {hops: {entry: Record<string, unknown>}[]}[]; accounting: Accounting}
    const seen = new Set(result.chains.flatMap((c) => c.hops.flatMap((h) => Object.values(h.entry).filter((v) => typeof v === 'string'))))
    for (const value of [...Object.values(TERMINAL), ...Object.values(FORMULAS), ...Object.values(MARKUP)]) expect(seen.has(value), JSON.stringify(value)).toBe(true)
    expect([...seen].some((v) => v.includes('\u0000'))).toBe(true) // NUL inside a field
    expect([...seen].some((v) => v.includes('\ufffd'))).toBe(true) // invalid UTF-8 and raw C1 bytes
    expect(result.accounting.parsed / result.accounting.linesRead).toBeGreaterThan(0.8)
  })

  test('the summary shows each escape family made visible, not removed', () => {
    const out = runOf(CASES.find((c) => c.name === 'analyze (summary)')!).stdout
    for (const shown of ['h\\x1b[31;1mRED\\x1b[0m.example', '\\x1b]8;;https://evil.example/', '\\x9b31mC1\\x9d0;c1-title', '\\u202etxt\\u202c', 'hinnocent\\x0dEVIL.example']) expect(out).toContain(shown)
  })
})

describe.each(CASES)('$name', (c) => {
  test('exits with a documented code that fits, without a crash or a stack', () => {
    const r = runOf(c)
    expect(r.signal).toBeNull()
    expect(NOT_A_BUG).toContain(r.status)
    expect(c.exits).toContain(r.status)
    expect(r.stderr).not.toMatch(STACK)
    expect(r.stderr).not.toContain('internal error')
  })

  test('stdout and stderr are valid UTF-8 with no ESC, BEL, CR or other C0 control', () => {
    const r = runOf(c)
    expect(isUtf8(r.stdoutBytes) && isUtf8(r.stderrBytes)).toBe(true)
    expect(rawEscapes(r.stdout, c.crlf)).toEqual([])
    expect(rawEscapes(r.stderr)).toEqual([])
  })

  test('stdout and stderr hold no DEL, C1 control or bidi override', () => {
    const r = runOf(c)
    expect(rawC1AndBidi(r.stdout)).toEqual([])
    expect(rawC1AndBidi(r.stderr)).toEqual([])
  })

  if (c.stdout !== 'text') {
    test(`stdout is ${c.stdout === 'json' ? 'one JSON document' : 'one JSON document a line'}`, () => {
      const out = runOf(c).stdout
      if (c.stdout === 'json') expect(() => json(out)).not.toThrow()
      else expect(ndjson(out).length).toBeGreaterThan(0)
    })
  }

  if (c.accounting) {
    test(`accounting: parsed + skipped = lines read = ${LINES}, the lines in the files`, () => {
      const acc = c.accounting!(runOf(c))
      expect(acc).not.toBeNull()
      expect(acc!.parsed + acc!.skipped).toBe(acc!.linesRead)
      expect(acc!.linesRead).toBe(LINES)
    })
  }

  if (c.exits.includes(2)) {
    test('a rejected value: one line on stderr, its escapes shown, nothing on stdout', () => {
      const r = runOf(c)
      expect(r.stdout).toBe('')
      expect(r.stderr.split('\n').filter((l) => l !== '')).toHaveLength(1)
      expect(r.stderr).toMatch(/^egress-audit: /)
      if (argsOf(c).some((a) => a.includes('\x1b'))) expect(r.stderr).toMatch(/\\(x1b|u001b)/)
    })
  }
})

describe('report files: each format holds the hostile text inert', () => {
  const file = (format: keyof typeof REPORT_FILES) => readFileSync(join(dir, REPORT_FILES[format]), 'utf8')
  beforeAll(() => {
    const r = runOf(CASES.find((c) => c.name === REPORT_TO_FILES)!)
    expect(r.status).toBe(0)
  })

  test.each(Object.keys(REPORT_FILES) as (keyof typeof REPORT_FILES)[])('%s: valid UTF-8, no ESC or other C0 control', (format) => {
    expect(isUtf8(readFileSync(join(dir, REPORT_FILES[format])))).toBe(true)
    expect(rawEscapes(file(format), format === 'csv')).toEqual([])
  })

  test.each(['csv', 'markdown', 'html', 'junit', 'sarif'] as const)('%s: no DEL, C1 or bidi control', (format) => {
    expect(rawC1AndBidi(file(format))).toEqual([])
  })

  test('json: no DEL, C1 or bidi control', () => {
    expect(rawC1AndBidi(file('json'))).toEqual([])
  })

  test('json: well-formed, the hostile values kept whole, the accounting holds', () => {
    const report = json(file('json')) as {accounting: Accounting; chains: {hops: {userAgent?: string}[]}[]}
    expect(report.accounting.parsed + report.accounting.skipped).toBe(report.accounting.linesRead)
    expect(report.accounting.linesRead).toBe(LINES)
    const uas = new Set(report.chains.flatMap((c) => c.hops.map((h) => h.userAgent)))
    for (const value of Object.values(TERMINAL)) expect(uas.has(value), JSON.stringify(value)).toBe(true)
  })

  test('csv: no cell a spreadsheet evaluates; the formulae are there, neutralised with a quote', () => {
    const cells = csvCells(file('csv')).flat()
    expect(cells.filter(isFormula)).toEqual([])
    for (const start of ['=HYPERLINK(', "=cmd|'", '+1+1+cmd', '-2+3+cmd', '@SUM(']) expect(cells.some((cell) => cell.startsWith(`'${start}`)), start).toBe(true)
    // Tab and CR are shown as text before the formula check: the cell starts with a backslash.
    expect(cells).toContain('\\t=1+1')
    expect(cells).toContain('\\x0d=1+1')
  })

  test('csv: one row per chain, each as wide as the header', () => {
    const rows = csvCells(file('csv'))
    const chains = (json(file('json')) as {chains: unknown[]}).chains.length
    expect(rows).toHaveLength(1 + chains)
    for (const row of rows) expect(row).toHaveLength(rows[0]!.length)
  })

  test('html: only our own elements and our one script; the hostile markup is text', () => {
    const html = file('html')
    expect(foreignMarkup(html)).toEqual([])
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;')
    expect(html).toContain('&lt;svg/onload=alert(1)&gt;')
    expect(html).toContain('&amp;lt;script&amp;gt;alert(4)') // a pre-escaped value stays text
  })

  test('markdown: no tag but our <br>, the markup escaped', () => {
    const md = file('markdown')
    expect([...md.matchAll(/<[a-zA-Z!/][^>]*>?/g)].map((m) => m[0]).filter((t) => t !== '<br>')).toEqual([])
    expect(md).toContain('&lt;script&gt;alert(1)&lt;/script&gt;')
    expect(accountingIn(md)).toEqual({linesRead: LINES, parsed: expect.any(Number), skipped: expect.any(Number)})
  })

  test('junit: well-formed XML with the accounting as properties', () => {
    const xml = file('junit')
    expect(xmlProblems(xml)).toEqual([])
    const prop = (name: string) => Number(new RegExp(`<property name="${name}" value="(\\d+)"/>`).exec(xml)?.[1])
    expect(prop('parsed') + prop('skipped')).toBe(prop('linesRead'))
    expect(prop('linesRead')).toBe(LINES)
  })

  test('sarif: well-formed 2.1.0 with the accounting', () => {
    const log = json(file('sarif')) as {version: string; runs: {properties: {accounting: Accounting}}[]}
    expect(log.version).toBe('2.1.0')
    const acc = log.runs[0]!.properties.accounting
    expect(acc.parsed + acc.skipped).toBe(acc.linesRead)
    expect(acc.linesRead).toBe(LINES)
  })
})

describe('times: out of order, out of range, shared request ids', () => {
  test('every parsed line is one hop of exactly one chain, duplicate request ids and all', () => {
    const r = runCli(['analyze', `${H}/times.log`, '--json', '--fail-on', 'none'])
    expect(r.status).toBe(0)
    const result = json(r.stdout) as {chains: {hops: {ref: string}[]}[]; accounting: Accounting}
    const refs = result.chains.flatMap((c) => c.hops.map((h) => h.ref))
    expect(new Set(refs).size).toBe(refs.length)
    expect(refs).toHaveLength(result.accounting.parsed)
  })

  test('--since/--until over times from year 0001 to 9999: the lines outside are counted, not lost', () => {
    const r = runCli(['analyze', `${H}/times.log`, '--since', '2024-06-21T00:00:00Z', '--until', '2024-06-22T00:00:00Z', '--json', '--fail-on', 'none'])
    expect(r.status).toBe(0)
    const acc = fromJson(r.stdout) as Accounting & {skippedByReason: Record<string, number>}
    expect(acc.parsed + acc.skipped).toBe(acc.linesRead)
    expect(acc.linesRead).toBe(countLines(readFileSync(join(ROOT, H, 'times.log'))))
    expect(acc.skippedByReason['out-of-range']).toBeGreaterThanOrEqual(4) // 0001, 9999, 2023, 2020 at least
  })

  test('parse --skipped: every skipped line of the corpus, as NDJSON with its escapes as JSON escapes', () => {
    const file = join(dir, 'skipped.ndjson')
    const r = runCli(['parse', '--skipped', file, ...LOGS])
    expect(r.status).toBe(0)
    const text = readFileSync(file, 'utf8')
    const skipped = ndjson(text) as {input: string; line: number; reason: string}[]
    expect(skipped).toHaveLength(accountingIn(r.stderr)!.skipped)
    for (const s of skipped) expect(LOGS).toContain(s.input)
    expect(rawEscapes(text)).toEqual([])
  })

  test('a start time is read as the line writes it: year 0001 is 0001, year 9999 is 9999', () => {
    const r = runCli(['parse', `${H}/times.log`])
    const entries = ndjson(r.stdout) as {startTime: string; startMs: number}[]
    const iso = entries.filter((e) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(e.startTime))
    expect(iso.map((e) => e.startTime)).toEqual(expect.arrayContaining(['0001-01-01T00:00:00.000Z', '9999-12-31T23:59:59.999Z']))
    for (const e of iso) expect(new Date(e.startMs).toISOString()).toBe(e.startTime)
  })
})

describe(`JSON nested ${DEEP.toLocaleString('en')} levels`, () => {
  let deep: string
  let capture: string
  beforeAll(() => {
    deep = join(dir, 'deep.log')
    capture = join(dir, 'deep-headers.txt')
    writeFileSync(deep, deepLog())
    writeFileSync(capture, deepHeadersTxt())
  })

  test.each([
    {name: 'parse', args: (f: string) => ['parse', f], accounting: (r: CliRun) => accountingIn(r.stderr)},
    {name: 'analyze', args: (f: string) => ['analyze', f, '--fail-on', 'none'], accounting: (r: CliRun) => accountingIn(r.stdout)},
    {name: 'report --format json', args: (f: string) => ['report', f, '--format', 'json'], accounting: (r: CliRun) => fromJson(r.stdout)},
  ])('$name: exit 0, every line parsed or skipped', ({args, accounting}) => {
    const r = runCli(args(deep))
    expect(r.status).toBe(0)
    const acc = accounting(r)!
    expect(acc.parsed + acc.skipped).toBe(acc.linesRead)
    expect(acc.linesRead).toBe(countLines(readFileSync(deep)))
  })

  test('the nested value is kept as a note, not a crash', () => {
    const r = runCli(['parse', deep])
    expect(r.status).toBe(0)
    expect(r.stdout).toContain('(nested too deeply to keep)')
    expect(r.stderr).not.toMatch(STACK)
  })

  test('decode headers: the deep captures are skipped or read, never a crash', () => {
    const r = runCli(['decode', 'headers', capture, '--json'])
    expect(r.status).toBe(0)
    expect(r.stderr).not.toMatch(STACK)
    expect(ndjson(r.stdout).length).toBeGreaterThan(0)
  })

  test('analyze --headers with the deep capture', () => {
    const r = runCli(['analyze', `${H}/times.log`, '--headers', capture, '--fail-on', 'none'])
    expect(r.status).toBe(0)
    expect(r.stdout).toContain(`${capture}: `)
  })
})

describe('a 10 MB line', () => {
  let file: string
  beforeAll(() => {
    file = join(dir, 'long.log')
    writeFileSync(file, longLineLog())
  })

  test(`parse: skipped as too-long (the default --max-line is ${(1 << 20).toLocaleString('en')} characters); the lines around it parse; memory stays small`, () => {
    const r = runCli(['parse', file], {node: REPORT_MAX_RSS})
    expect(r.status).toBe(0)
    expect((ndjson(r.stdout) as {source: {line: number}}[]).map((e) => e.source.line)).toEqual([1, 3])
    expect(r.stderr).toMatch(/too-long\s+1\s+\S*long\.log:2/)
    expect(accountingIn(r.stderr)).toEqual({linesRead: 3, parsed: 2, skipped: 1})
    // The line is dropped as it streams past, not held: a bound several times the line, far below the input
    // times the cost of a string copy per stage.
    expect(maxRssMb(r.stderr)).toBeLessThan(400)
  })

  test('parse --max-line above it: parsed whole, its escapes kept as JSON escapes', () => {
    const r = runCli(['parse', '--max-line', String(11 << 20), file])
    expect(r.status).toBe(0)
    const entries = ndjson(r.stdout) as {userAgent: string}[]
    expect(entries).toHaveLength(3)
    expect(entries[1]!.userAgent).toBe(`${TERMINAL['csi-sgr']}${'x'.repeat(10 * 1024 * 1024)}`)
    expect(rawEscapes(r.stdout)).toEqual([])
  })

  test('analyze: skipped as too-long, counted, the summary says where', () => {
    const r = runCli(['analyze', file, '--fail-on', 'none'])
    expect(r.status).toBe(0)
    expect(accountingIn(r.stdout)).toEqual({linesRead: 3, parsed: 2, skipped: 1})
    expect(r.stdout).toMatch(/skipped too-long\s+1\s+\S*long\.log:2/)
  })

  test('report --format json: the scope hashes all of it, the accounting has the skip', () => {
    const r = runCli(['report', file, '--format', 'json'])
    expect(r.status).toBe(0)
    const report = json(r.stdout) as {accounting: Accounting & {skippedByReason: Record<string, number>}; scope: {inputs: {bytes: number}[]}}
    expect(report.accounting).toMatchObject({linesRead: 3, parsed: 2, skipped: 1, skippedByReason: {'too-long': 1}})
    expect(report.scope.inputs[0]!.bytes).toBe(statSync(file).size)
  })
})

describe('100,000 distinct hosts', () => {
  const HOSTS = 100_000
  let file: string
  let summary: CliRun
  beforeAll(() => {
    file = join(dir, 'hosts.log')
    const fd = openSync(file, 'w')
    let batch: Buffer[] = []
    for (const line of manyHostsLines(HOSTS)) {
      batch.push(line, Buffer.from('\n'))
      if (batch.length >= 20_000) {
        writeSync(fd, Buffer.concat(batch))
        batch = []
      }
    }
    writeSync(fd, Buffer.concat(batch))
    closeSync(fd)
  })

  test('analyze completes: exit 0 (every chain clean), all 200,000 lines parsed', () => {
    summary = runCli(['analyze', file], {killAfterMs: 600_000})
    expect(summary.signal).toBeNull()
    expect(summary.status).toBe(0)
    expect(summary.stdout).toMatch(/^Egress observed in logs: 100,000 request chains/)
    expect(accountingIn(summary.stdout)).toEqual({linesRead: 2 * HOSTS, parsed: 2 * HOSTS, skipped: 0})
  }, 600_000)

  test('the terminal summary is bounded: not a row per destination', () => {
    expect(summary.stdout.split('\n').length).toBeLessThan(1000)
    expect(summary.stdout).toMatch(/… 99,9\d\d more rows/)
  })

  test('with a finding per destination (2,000 hosts reached in plain HTTP), the findings list is bounded too', () => {
    const plain = join(dir, 'plaintext-hosts.log')
    const start = Date.parse('2024-06-21T19:00:00.000Z')
    writeFileSync(plain, joinLines(Array.from({length: 2000}, (_, n) => istioLineTo(`p${n}.example`, start + n * 10, n))))
    const r = runCli(['analyze', plain])
    expect(r.status).toBe(1)
    expect(accountingIn(r.stdout)).toEqual({linesRead: 2000, parsed: 2000, skipped: 0})
    expect(r.stdout).toMatch(/… [\d,]+ more high findings/)
    expect(r.stdout.split('\n').length).toBeLessThan(1000)
  })

  test('analyze --json completes with exit 0', () => {
    const out = join(dir, 'hosts.json')
    const r = runCli(['analyze', file, '--json'], {stdoutFile: out, killAfterMs: 600_000})
    try {
      expect(r.stderr).not.toContain('internal error')
      expect(r.status).toBe(0)
      expect(tailOf(out, 2)).toBe('}\n')
    } finally {
      rmSync(out, {force: true})
    }
  }, 600_000)

  test('report: json, csv, markdown, html and sarif in one pass, each complete', () => {
    const files = {json: join(dir, 'hosts.r.json'), csv: join(dir, 'hosts.r.csv'), markdown: join(dir, 'hosts.r.md'), html: join(dir, 'hosts.r.html'), sarif: join(dir, 'hosts.r.sarif')}
    try {
      const r = runCli(['report', file, ...Object.entries(files).flatMap(([format, path]) => ['--format', format, '-o', path])], {killAfterMs: 600_000})
      expect(r.signal).toBeNull()
      expect(r.stderr).not.toContain('internal error')
      expect(r.status).toBe(0)
      // Each chain is one CSV row: CRLF ends every record, and no cell holds a raw line break.
      expect(countByte(files.csv, 0x0a)).toBe(1 + HOSTS)
      expect(tailOf(files.json, 2)).toBe('}\n')
      expect(tailOf(files.html, 20)).toMatch(/<\/html>\n?$/)
      expect(accountingIn(readFileSync(files.markdown, 'utf8'))).toEqual({linesRead: 2 * HOSTS, parsed: 2 * HOSTS, skipped: 0})
      expect((json(readFileSync(files.sarif, 'utf8')) as {version: string}).version).toBe('2.1.0')
    } finally {
      for (const path of Object.values(files)) rmSync(path, {force: true})
    }
  }, 600_000)

  test('report --format junit over 100,000 destinations', () => {
    const out = join(dir, 'hosts.r.xml')
    const r = runCli(['report', file, '--format', 'junit', '-o', out], {killAfterMs: 600_000})
    expect(r.status).toBe(0)
    expect(countByte(out, 0x0a)).toBeGreaterThan(HOSTS)
  })
})

describe('an internal error: exit 70, one line saying it is a bug, the stack only with --debug', () => {
  const SENTINEL = 'injected-fault.example'
  const MESSAGE = 'injected fault'
  let file: string
  let capture: string
  beforeAll(() => {
    file = join(dir, 'fault.log')
    capture = join(dir, 'fault-headers.txt')
    writeFileSync(file, joinLines([istioLineTo(SENTINEL)]))
    writeFileSync(capture, `Host: ${SENTINEL}\n`)
  })

  // `id` is oclif's command id, which the message names (decode:headers, as oclif also accepts it typed).
  const COMMANDS = [
    {name: 'parse', id: 'parse', args: () => ['parse', file]},
    {name: 'analyze', id: 'analyze', args: () => ['analyze', file]},
    {name: 'analyze --ndjson', id: 'analyze', args: () => ['analyze', file, '--ndjson']},
    {name: 'report --format csv', id: 'report', args: () => ['report', file, '--format', 'csv']},
    {name: 'decode headers', id: 'decode:headers', args: () => ['decode', 'headers', capture]},
  ]

  test.each(COMMANDS)('$name: exit 70, never 1; says it is a bug and where to report it; no stack', ({id, args}) => {
    const r = runCli(args(), {node: failingOn(SENTINEL, MESSAGE)})
    expect(r.status).toBe(70)
    expect(r.stderr.split('\n')[0]).toContain(`egress-audit: internal error in '${id.replace(':', ' ')}': ${MESSAGE} — a bug in egress-audit`)
    expect(r.stderr).toContain('not a problem with your logs')
    expect(r.stderr).toContain(`report it at ${BUG_REPORT_URL}`)
    expect(r.stderr).toContain('--debug')
    expect(r.stderr).not.toMatch(STACK)
  })

  test('--debug adds the stack trace', () => {
    const r = runCli(['parse', file, '--debug'], {node: failingOn(SENTINEL, MESSAGE)})
    expect(r.status).toBe(70)
    expect(r.stderr).toContain(`Error: ${MESSAGE}`)
    expect(r.stderr).toMatch(STACK)
  })

  test('the message is one line', () => {
    const r = runCli(['parse', file], {node: failingOn(SENTINEL, MESSAGE)})
    expect(r.stderr.split('\n').filter((l) => l !== '')).toHaveLength(1)
  })

  test('an error message quoting log content is scrubbed', () => {
    const r = runCli(['parse', file], {node: failingOn(SENTINEL, `${MESSAGE} ${TERMINAL['osc8-hyperlink']}`)})
    expect(r.status).toBe(70)
    expect(rawEscapes(r.stderr)).toEqual([])
  })
})

describe('output into a closed pipe (| head -1): quiet, and reading stops', () => {
  const escapes = readFileSync(join(ROOT, H, 'escapes.log'), 'utf8')
  /** 2,000 sidecar lines to distinct hosts, 10 ms apart from where block i starts: chains complete as time moves on. */
  const advancing = (i: number): string => {
    let text = ''
    for (let k = 0; k < 2000; k++) {
      const n = i * 2000 + k
      text += `${istioLineTo(`h${n}.example`, Date.parse('2024-06-21T19:00:00.000Z') + n * 10, n).toString('utf8')}\n`
    }
    return text
  }

  test.each([
    {name: 'parse', args: ['parse'], block: () => escapes},
    {name: 'analyze --ndjson', args: ['analyze', '--ndjson', '--fail-on', 'none'], block: advancing},
  ])('$name on an endless stdin exits 0 with no EPIPE and no stack', async ({args, block}) => {
    const end = await intoClosedPipe(args, block)
    expect(end.signal).toBeNull()
    expect(end.code).toBe(0)
    expect(end.stderr).not.toContain('EPIPE')
    expect(end.stderr).not.toContain('internal error')
    expect(end.stderr).not.toMatch(STACK)
  })

  // report and the analyze summary write once their input is read: stopping early can only stop the writing.
  test.each([
    {name: 'report --format csv -o -', args: ['report', ...LOGS, '--format', 'csv', '-o', '-'], exits: [0]},
    {name: 'report --format html', args: ['report', ...LOGS, '--format', 'html'], exits: [0]},
    {name: 'analyze (summary)', args: ['analyze', ...LOGS], exits: [1]},
  ])('$name exits quietly when its reader goes away', async ({args, exits}) => {
    const end = await closingStdoutEarly(args)
    expect(end.signal).toBeNull()
    expect(exits).toContain(end.code)
    expect(end.stderr).not.toContain('EPIPE')
    expect(end.stderr).not.toContain('internal error')
    expect(end.stderr).not.toMatch(STACK)
  })
})

// A full disk loses results: the command says so in one line and exits 74, never 0 or 1 (findings), never
// with a stack. /dev/full fails every write with ENOSPC.
describe.runIf(existsSync('/dev/full'))('output that cannot be written (a full disk): exit 74, one line', () => {
  const capture = join(ROOT, H, 'headers.txt')
  test.each([
    {name: 'parse', args: ['parse', ...LOGS]},
    {name: 'analyze (summary)', args: ['analyze', ...LOGS]},
    {name: 'analyze --json', args: ['analyze', '--json', ...LOGS]},
    {name: 'analyze --ndjson', args: ['analyze', '--ndjson', ...LOGS]},
    {name: 'report --format csv -o -', args: ['report', ...LOGS, '--format', 'csv', '-o', '-']},
    {name: 'decode headers', args: ['decode', 'headers', capture]},
  ])('$name > /dev/full', ({args}) => {
    const r = runCli(args, {stdoutFile: '/dev/full'})
    expect(r.status).toBe(74)
    expect(r.stderr).toContain('egress-audit: cannot write the output: ENOSPC')
    expect(r.stderr.match(/cannot write/g)).toHaveLength(1)
    expect(r.stderr).not.toContain('internal error')
    expect(r.stderr).not.toMatch(STACK)
  })

  test.each([
    {name: 'report -o /dev/full', args: ['report', ...LOGS, '--format', 'csv', '-o', '/dev/full']},
    {name: 'parse --skipped /dev/full', args: ['parse', join(ROOT, H, 'bytes.log'), '--skipped', '/dev/full']},
  ])('$name', ({args}) => {
    const r = runCli(args)
    expect(r.status).toBe(74)
    expect(r.stderr).toContain('egress-audit: cannot write /dev/full: ENOSPC')
    expect(r.stderr).not.toMatch(STACK)
  })
})

describe('the checks themselves catch what they look for', () => {
  test.each([
    {text: 'a\x1b[31mb', found: 1},
    {text: 'bell\x07', found: 1},
    {text: 'over\rwrite', found: 1},
    {text: 'tab\tand\nnewline', found: 0},
  ])('rawEscapes($text) finds $found', ({text, found}) => expect(rawEscapes(text)).toHaveLength(found))
  test('CRLF is allowed only where asked (CSV records)', () => {
    expect(rawEscapes('a\r\nb', true)).toEqual([])
    expect(rawEscapes('a\r\nb')).toHaveLength(1)
    expect(rawEscapes('a\rb', true)).toHaveLength(1)
  })
  test.each(['\u009b2J', '\u0085', 'del\x7f', '\u202e', '\u2066'])('rawC1AndBidi(%j) finds it', (text) => expect(rawC1AndBidi(text)).toHaveLength(1))
  test('a raw 0x9b byte is not UTF-8', () => {
    expect(isUtf8(Buffer.from([0x41, 0x9b, 0x32, 0x4a]))).toBe(false)
    expect(isUtf8(Buffer.from('\u009b', 'utf8'))).toBe(true)
  })
  test.each([
    {name: 'an element of ours', html: '<html><body><p>x &lt;img&gt;</p><script>if (i<b.rows.length) {}</script></body></html>', problems: 0},
    {name: 'a tag from a log', html: '<html><body><p><img src=x onerror=alert(1)></p><script></script></body></html>', problems: 2},
    {name: 'a second script', html: '<html><body><script></script><p><script>alert(1)</script></p></body></html>', problems: 1},
    {name: 'an event handler on our element', html: '<p onclick="x"></p><script></script>', problems: 1},
    {name: 'a comment opener', html: '<p><!--</p><script></script>', problems: 1},
  ])('foreignMarkup: $name', ({html, problems}) => expect(foreignMarkup(html)).toHaveLength(problems))
  test.each([
    {xml: '<a><b/>x &amp; y</a>', problems: 0},
    {xml: '<a><b></a>', problems: 2},
    {xml: '<a>x < y</a>', problems: 1},
    {xml: '<a>&nbsp;</a>', problems: 1},
    {xml: '<a>\x1b</a>', problems: 1},
  ])('xmlProblems($xml): $problems', ({xml, problems}) => expect(xmlProblems(`<?xml version="1.0" encoding="UTF-8"?>\n${xml}`)).toHaveLength(problems))
  test.each(['=1', '+1', '-1', '@x', '\t=1', '\r=1'])('isFormula(%j)', (cell) => expect(isFormula(cell)).toBe(true))
  test.each(["'=1", '\\t=1', 'a=1', ''])('not isFormula(%j)', (cell) => expect(isFormula(cell)).toBe(false))
  test.each([
    {text: '', lines: 0},
    {text: 'a', lines: 1},
    {text: 'a\n', lines: 1},
    {text: 'a\nb', lines: 2},
    {text: 'a\r\n\n', lines: 2},
    {text: 'a\rb\n', lines: 1},
  ])('countLines($text) = $lines', ({text, lines}) => expect(countLines(Buffer.from(text))).toBe(lines))
  test('accountingIn reads the sentence with or without inputs', () => {
    expect(accountingIn('1,234 lines read from 2 inputs: 1,200 parsed (istio 1,200), 34 skipped')).toEqual({linesRead: 1234, parsed: 1200, skipped: 34})
    expect(accountingIn('3 lines read: 2 parsed, 1 skipped.')).toEqual({linesRead: 3, parsed: 2, skipped: 1})
  })
})
