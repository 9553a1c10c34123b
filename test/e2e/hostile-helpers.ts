// Helpers for test/e2e/hostile.test.ts: running the built binary, counting lines as the reader does, and
// the checks each medium needs (a terminal, a CSV reader, a browser, an XML parser).

import {type SpawnSyncReturns, spawn, spawnSync} from 'node:child_process'
import {closeSync, fstatSync, openSync, readSync} from 'node:fs'
import {join} from 'node:path'

import Papa from 'papaparse'

export const ROOT = join(import.meta.dirname, '../..')
export const BIN = join(ROOT, 'bin/run.js')

export interface CliRun {
  /** null when the process died of a signal. */
  status: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  /** stdout as bytes, to check it is valid UTF-8 before anything reads it as text. */
  stdoutBytes: Buffer
  stderrBytes: Buffer
}

export interface RunOptions {
  input?: string | Buffer
  env?: Record<string, string>
  /** Node flags before the script (a preloaded module, for one). */
  node?: string[]
  /** Write stdout to this file instead of a pipe: outputs bigger than a string can be. */
  stdoutFile?: string
  /** Kill the child after this long: a guard against a hang, not an assertion on speed. */
  killAfterMs?: number
}

/** Runs the built CLI from the repository root, without colour and with a fixed report time. */
export function runCli(args: string[], options: RunOptions = {}): CliRun {
  const out = options.stdoutFile === undefined ? 'pipe' : openSync(options.stdoutFile, 'w')
  try {
    const r: SpawnSyncReturns<Buffer> = spawnSync(process.execPath, [...(options.node ?? []), BIN, ...args], {
      cwd: ROOT,
      input: options.input,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', out, 'pipe'],
      env: {...process.env, NO_COLOR: '1', SOURCE_DATE_EPOCH: '1767225600', ...options.env},
      maxBuffer: 256 << 20,
      timeout: options.killAfterMs ?? 300_000,
    })
    const stdoutBytes = r.stdout ?? Buffer.alloc(0)
    const stderrBytes = r.stderr ?? Buffer.alloc(0)
    return {status: r.status, signal: r.signal, stdout: stdoutBytes.toString('utf8'), stderr: stderrBytes.toString('utf8'), stdoutBytes, stderrBytes}
  } finally {
    if (typeof out === 'number') closeSync(out)
  }
}

/**
 * Lines as the reader counts them: every `\n` ends one, and text after the last `\n` is one more. A
 * lone `\r` does not end a line, and a byte-order mark at the very start is not a line of its own.
 */
export function countLines(bytes: Buffer): number {
  let n = 0
  for (let i = bytes.indexOf(0x0a); i !== -1; i = bytes.indexOf(0x0a, i + 1)) n++
  return bytes.length > 0 && bytes[bytes.length - 1] !== 0x0a ? n + 1 : n
}

// What scrub() (src/core/text/scrub.ts) promises never reaches a terminal raw: C0 controls but tab and
// newline, DEL, the C1 controls U+0080–U+009F, and the bidi embeddings, overrides and isolates. Split in
// two because JSON.stringify escapes the first group as \u00XX and leaves the second as it is.
// eslint-disable-next-line no-control-regex
const ESC_AND_C0 = /[\x00-\x08\x0b-\x1f]/g
const DEL_C1_AND_BIDI = /[\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g

/** Each raw control in `text`, as `U+001B at 120: …context…`; CRLF line ends allowed where a format uses them. */
function controlsIn(text: string, pattern: RegExp, crlf: boolean): string[] {
  const found: string[] = []
  for (const m of text.matchAll(pattern)) {
    if (crlf && m[0] === '\r' && text[m.index + 1] === '\n') continue
    const code = m[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')
    found.push(`U+${code} at ${m.index}: ${JSON.stringify(text.slice(Math.max(0, m.index - 30), m.index + 30))}`)
    if (found.length >= 5) break
  }
  return found
}

/** ESC, BEL, backspace, CR and the other C0 controls (tab and newline aside). */
export const rawEscapes = (text: string, crlf = false): string[] => controlsIn(text, ESC_AND_C0, crlf)

/** DEL, the C1 controls as characters (U+009B is a one-byte CSI) and the bidi controls. */
export const rawC1AndBidi = (text: string): string[] => controlsIn(text, DEL_C1_AND_BIDI, false)

/** Whether bytes are valid UTF-8 (a raw 0x9b byte is not, and a terminal may read it as CSI). */
export function isUtf8(bytes: Buffer): boolean {
  try {
    new TextDecoder('utf-8', {fatal: true}).decode(bytes)
    return true
  } catch {
    return false
  }
}

/** The stack trace lines Node prints for an uncaught error. */
export const STACK = /^\s+at .+[(:]\d+/m

export interface Accounting {
  linesRead: number
  parsed: number
  skipped: number
}

/**
 * The accounting sentence of parse's stderr, analyze's summary and the markdown report: "N lines read
 * from M inputs: P parsed (…), S skipped" (the report leaves out "from M inputs").
 */
export function accountingIn(text: string): Accounting | null {
  const m = /([\d,]+) lines? read(?: from [\d,]+ inputs?)?: ([\d,]+) parsed(?: \([^)]*\))?, ([\d,]+) skipped/.exec(text)
  if (!m) return null
  const n = (s: string) => Number(s.replace(/,/g, ''))
  return {linesRead: n(m[1]!), parsed: n(m[2]!), skipped: n(m[3]!)}
}

/** CSV text as rows of cells (a UTF-8 byte-order mark dropped), read the way a spreadsheet reads it. */
export function csvCells(text: string): string[][] {
  const parsed = Papa.parse<string[]>(text.replace(/^\ufeff/, ''), {skipEmptyLines: true})
  if (parsed.errors.length > 0) throw new Error(`CSV does not parse: ${JSON.stringify(parsed.errors.slice(0, 3))}`)
  return parsed.data
}

/** A cell a spreadsheet would evaluate: it starts with = + - @ tab or CR (OWASP's list, papaparse's rule). */
export const isFormula = (cell: string): boolean => /^[=+\-@\t\r]/.test(cell)

// The elements our HTML report is made of (src/report/html.ts); anything else came from a log.
const OUR_ELEMENTS = new Set(['html', 'head', 'meta', 'title', 'style', 'body', 'h1', 'h2', 'h3', 'p', 'span', 'svg', 'text', 'rect', 'line', 'path', 'g', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'details', 'summary', 'strong', 'small', 'code', 'ul', 'li', 'br', 'label', 'input', 'script'])

/**
 * What in an HTML document is not ours: elements outside the report's own set, event-handler attributes,
 * `javascript:` URLs, more than the one inline script. Our script's text is skipped (`i<b.rows.length`
 * is code, not markup); everything else between tags is text, where `<` from a log would start a tag.
 */
export function foreignMarkup(html: string): string[] {
  const problems: string[] = []
  const scripts = html.match(/<script\b/gi) ?? []
  if (scripts.length !== 1) problems.push(`${scripts.length} <script> elements, expected our one`)
  const body = html.replace(/<script>[\s\S]*?<\/script>/, '<script></script>')
  for (const m of body.matchAll(/<\/?([a-zA-Z][\w:-]*)([^>]*)>/g)) {
    const [tag, name, attrs] = m as unknown as [string, string, string]
    if (!OUR_ELEMENTS.has(name.toLowerCase())) problems.push(`element <${name}> at ${m.index}: ${JSON.stringify(tag.slice(0, 80))}`)
    if (/\son[a-z]+\s*=/i.test(attrs)) problems.push(`event handler at ${m.index}: ${JSON.stringify(tag.slice(0, 80))}`)
    if (/javascript:/i.test(attrs)) problems.push(`javascript: URL at ${m.index}: ${JSON.stringify(tag.slice(0, 80))}`)
  }
  // A comment or CDATA opener from a log would hide the rest of the page.
  if (/<!--|<!\[CDATA\[/.test(body)) problems.push('a comment or CDATA opener')
  return problems.slice(0, 10)
}

/**
 * XML well-formedness, enough to know a parser sees our structure (the repository has no XML parser; this
 * is test/report/hostile.test.ts's check): the declaration, balanced tags, attribute values without
 * markup, no raw `<` in text, only the five predefined entities, no character XML 1.0 forbids.
 */
export function xmlProblems(xml: string): string[] {
  const problems: string[] = []
  if (!xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n')) problems.push('no XML declaration')
  const body = xml.slice(xml.indexOf('\n'))
  const stack: string[] = []
  for (const m of body.matchAll(/<(\/?)([\w:-]+)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|<|>/g)) {
    if (m[0] === '<') problems.push(`a raw < at ${m.index}: ${JSON.stringify(body.slice(m.index, m.index + 60))}`)
    else if (m[0] === '>') continue // legal in text
    else if (m[1]) {
      const open = stack.pop()
      if (open !== m[2]) problems.push(`</${m[2]}> closes <${open}> at ${m.index}`)
    } else if (!m[4]) stack.push(m[2]!)
    if (problems.length >= 5) return problems
  }
  if (stack.length > 0) problems.push(`unclosed: ${stack.join(' > ')}`)
  for (const m of body.matchAll(/&([^;\s]*);?/g)) {
    if (!['amp', 'lt', 'gt', 'quot', 'apos'].includes(m[1]!)) problems.push(`entity &${m[1]}; at ${m.index}`)
  }
  // eslint-disable-next-line no-control-regex
  const forbidden = /[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]/.exec(xml)
  if (forbidden) problems.push(`U+${forbidden[0].charCodeAt(0).toString(16).padStart(4, '0')} at ${forbidden.index}`)
  return problems.slice(0, 10)
}

export interface PipeEnd {
  code: number | null
  signal: NodeJS.Signals | null
  stderr: string
  /** Bytes the child took from stdin before it exited. */
  fed: number
}

/**
 * Runs the CLI with an endless stdin (blocks from `block(i)`, as fast as the child reads them), closes
 * its stdout after the first output — as `| head -1` does — and waits for it to exit. It exiting at all,
 * with stdin still open and more to give, shows that it stopped reading.
 */
export async function intoClosedPipe(args: string[], block: (i: number) => string): Promise<PipeEnd> {
  const child = spawn(process.execPath, [BIN, ...args], {cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'], env: {...process.env, NO_COLOR: '1'}})
  let stderr = ''
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')))
  const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('exit', (code, signal) => resolve([code, signal])))
  let fed = 0
  let i = 0
  const feed = (): void => {
    if (child.stdin.destroyed || child.exitCode !== null) return
    const text = block(i++)
    fed += Buffer.byteLength(text)
    child.stdin.write(text, (error) => (error ? undefined : setImmediate(feed)))
  }
  child.stdin.on('error', () => {}) // EPIPE once the child stops reading: expected
  feed()
  await firstOutputOrExit(child.stdout, exited)
  child.stdout.destroy()
  const [code, signal] = await exited
  child.stdin.destroy()
  return {code, signal, stderr, fed}
}

/**
 * Runs the CLI on finite input and closes its stdout after the first output; for commands that write
 * only once their input is read (report), where stopping early can only mean stopping the writing.
 */
export async function closingStdoutEarly(args: string[]): Promise<{code: number | null; signal: NodeJS.Signals | null; stderr: string}> {
  const child = spawn(process.execPath, [BIN, ...args], {cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: {...process.env, NO_COLOR: '1'}})
  let stderr = ''
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')))
  const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('exit', (code, signal) => resolve([code, signal])))
  await firstOutputOrExit(child.stdout, exited)
  child.stdout.destroy()
  const [code, signal] = await exited
  return {code, signal, stderr}
}

/** Resolves on the first chunk of output, or when the child exits without any (the caller sees its code). */
function firstOutputOrExit(stdout: NodeJS.ReadableStream, exited: Promise<unknown>): Promise<unknown> {
  return Promise.race([new Promise<void>((resolve) => stdout.once('data', () => resolve())), exited])
}

/**
 * A module to preload with `node --import` that makes the CLI fail the way a bug in it would: the first
 * JSON.stringify or stdout write (text or UTF-8 bytes) whose text contains `sentinel` throws an Error (no `code`, so not EPIPE)
 * with `message`. Between them every command is covered (decode prints through console.log, which
 * swallows write errors, but stringifies first). No hook in src/ is needed.
 */
export function failingOn(sentinel: string, message: string): string[] {
  const code = `
    const hit = (text) => typeof text === 'string' && text.includes(${JSON.stringify(sentinel)})
    const fail = () => { throw new Error(${JSON.stringify(message)}) }
    const stringify = JSON.stringify
    JSON.stringify = (...args) => { const text = stringify(...args); if (hit(text)) fail(); return text }
    const write = process.stdout.write.bind(process.stdout)
    const text = (chunk) => typeof chunk === 'string' ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString()
    process.stdout.write = (chunk, ...rest) => { if (hit(text(chunk))) fail(); return write(chunk, ...rest) }`
  return ['--import', `data:text/javascript,${encodeURIComponent(code)}`]
}

/** A module to preload that prints the process's peak resident memory on stderr as it exits: `maxRSS=KB`. */
const MAX_RSS_CODE = "process.on('exit', () => process.stderr.write('maxRSS=' + process.resourceUsage().maxRSS + '\\n'))"
export const REPORT_MAX_RSS = ['--import', `data:text/javascript,${encodeURIComponent(MAX_RSS_CODE)}`]

/** Peak resident memory in MB, from REPORT_MAX_RSS's line. */
export function maxRssMb(stderr: string): number {
  const m = /maxRSS=(\d+)/.exec(stderr)
  if (!m) throw new Error('no maxRSS line on stderr')
  return Number(m[1]) / 1024
}

/** How many times `byte` occurs in a file, read in blocks: for outputs too big to hold as one string. */
export function countByte(path: string, byte: number): number {
  const fd = openSync(path, 'r')
  const block = Buffer.alloc(1 << 20)
  let n = 0
  try {
    for (let got = readSync(fd, block); got > 0; got = readSync(fd, block)) {
      for (let i = block.indexOf(byte); i !== -1 && i < got; i = block.indexOf(byte, i + 1)) n++
    }
  } finally {
    closeSync(fd)
  }
  return n
}

/** The last `length` bytes of a file, as text. */
export function tailOf(path: string, length: number): string {
  const fd = openSync(path, 'r')
  try {
    const size = fstatSync(fd).size
    const buf = Buffer.alloc(Math.min(length, size))
    readSync(fd, buf, 0, buf.length, size - buf.length)
    return buf.toString('utf8')
  } finally {
    closeSync(fd)
  }
}
