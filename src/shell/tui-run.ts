// Shell side of `tui`: reads the inputs with the core Analyzer (every chain kept), builds the TUI's data
// and renders the ink App. When the logs come in on a pipe, the keyboard is the terminal: /dev/tty.

import {openSync} from 'node:fs'
import {writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {ReadStream} from 'node:tty'

import {render} from 'ink'
import {createElement} from 'react'

import type {ReadOptions} from '../core/accesslog/reader.js'
import {type AnalyzerOptions, narrowResult} from '../core/analyze.js'
import type {AnalysisResult} from '../core/model.js'
import {type Renderer, buildReport, renderers} from '../report/index.js'
import {scrub} from '../core/text/scrub.js'
import {App} from '../tui/App.js'
import {colourFromEnv} from '../tui/theme.js'
import {toTuiData} from '../tui/view.js'
import {type HeaderLoad, readAnalysis} from './analysis-input.js'
import {UsageError} from './errors.js'
import {EXIT} from './exit-codes.js'
import type {InputSource} from './inputs.js'
import type {InputFailure} from './read-logs.js'

/**
 * The raw text of every line read, per input, so the detail view can show the line a hop came from (stdin
 * cannot be read twice). Bounded: lines are cut at LINE_MAX characters and nothing more is kept past
 * TOTAL_MAX characters; a line not kept shows its parsed fields only.
 */
export class RawLines {
  static readonly LINE_MAX = 4000
  static readonly TOTAL_MAX = 128 * 1024 * 1024
  private readonly lines = new Map<string, (string | undefined)[]>()
  private readonly carry = new Map<string, string>()
  private total = 0

  /** Adds a chunk of an input's decoded text. */
  push(input: string, chunk: string): void {
    let list = this.lines.get(input)
    if (!list) this.lines.set(input, (list = []))
    let carry = this.carry.get(input) ?? ''
    let from = 0
    for (let nl = chunk.indexOf('\n'); nl !== -1; nl = chunk.indexOf('\n', from)) {
      this.keep(list, carry + chunk.slice(from, nl))
      carry = ''
      from = nl + 1
    }
    carry += chunk.slice(from)
    // A line longer than what is kept need not be carried whole.
    this.carry.set(input, carry.length > RawLines.LINE_MAX ? carry.slice(0, RawLines.LINE_MAX + 1) : carry)
  }

  end(input: string): void {
    const carry = this.carry.get(input)
    if (carry) this.keep(this.lines.get(input)!, carry)
    this.carry.delete(input)
  }

  get = (input: string, line: number): string | undefined => this.lines.get(input)?.[line - 1]

  private keep(list: (string | undefined)[], text: string): void {
    if (this.total >= RawLines.TOTAL_MAX) {
      list.push(undefined)
      return
    }
    const t = (text.endsWith('\r') ? text.slice(0, -1) : text).slice(0, RawLines.LINE_MAX)
    this.total += t.length
    list.push(t)
  }
}

export interface TuiRunOptions {
  /** For a report's metadata (`e`). */
  version?: string
  policyPath?: string
  headerPaths?: string[]
  sources: InputSource[]
  headers: HeaderLoad
  analyzer: Omit<AnalyzerOptions, 'stats' | 'inputs' | 'keepChains' | 'describeChains'>
  read: ReadOptions
}

/**
 * Reads every input, the one furthest behind in log time first (as analyze does, so lines of all files
 * meet within the join window), and keeps every chain with its evidence.
 */
export async function analyzeForTui(options: TuiRunOptions, raw?: RawLines): Promise<{result: AnalysisResult; failures: InputFailure[]}> {
  const {result, failures} = await readAnalysis({
    sources: options.sources,
    headers: options.headers,
    analyzer: {...options.analyzer, keepChains: true, describeChains: true},
    read: options.read,
    onChunk: raw ? (input, text) => raw.push(input, text) : undefined,
    onInputEnd: raw ? (input) => raw.end(input) : undefined,
  })
  return {result, failures}
}

/** The keyboard: stdin when it is a terminal, else the controlling terminal (logs are on the pipe). */
export function openKeyboard(stdin: NodeJS.ReadStream = process.stdin): NodeJS.ReadStream {
  if (stdin.isTTY) return stdin
  let fd: number
  try {
    fd = openSync('/dev/tty', 'r')
  } catch {
    throw new UsageError('tui needs a terminal for the keyboard: /dev/tty cannot be opened (use analyze in scripts)')
  }
  return new ReadStream(fd) as unknown as NodeJS.ReadStream
}

/**
 * `e`: the whole analysis (not only the chains a filter shows) as a markdown report in the working
 * directory, named by the time; returns the status line.
 */
export async function exportReport(result: AnalysisResult, options: TuiRunOptions, failures: InputFailure[], now = new Date(), dir = '.', chainIndexes?: number[]): Promise<string> {
  const whole = chainIndexes === undefined || chainIndexes.length === result.chains.length
  const inView = whole ? null : new Set(chainIndexes)
  const model = buildReport(inView ? narrowResult(result, (_c, i) => inView.has(i)) : result, {
    tool: {name: 'egress-audit', version: options.version ?? '0.0.0'},
    generatedAt: now.toISOString(),
    inputs: options.sources.map((s) => ({name: s.name, bytes: s.size ?? null, sha256: null, sha256Of: null, firstSeen: null, lastSeen: null})),
    headers: options.headerPaths ?? [],
    policy: {name: result.options.policy, path: options.policyPath ?? null, sha256: null},
    since: result.options.since,
    until: result.options.until,
    problems: failures,
  })
  const file = `egress-audit-report-${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}.md`
  await writeFile(join(dir, file), (renderers.markdown as Renderer)(model, {}), {flag: 'wx'})
  return `wrote ${file} (markdown, ${whole ? 'the whole analysis' : `the ${chainIndexes!.length} chains in view`})`
}

/** Runs the TUI until the user quits; returns the exit code (3 when an input could not be read, else 0). */
export async function runTui(options: TuiRunOptions): Promise<number> {
  if (!process.stdout.isTTY) throw new UsageError('tui draws on a terminal and stdout is not one: use analyze (--json, --ndjson) or report in scripts')
  const keyboard = openKeyboard()
  const raw = new RawLines()
  if (process.stderr.isTTY) process.stderr.write(`egress-audit: reading ${scrub(options.sources.map((s) => s.name).join(', '), true)}…\n`)
  const {result, failures} = await analyzeForTui(options, raw)
  const problems = failures.map((f) => `cannot read ${f.input}: ${f.message}`)
  const data = toTuiData(result, options.sources.map((s) => s.name), [...options.headers.notes, ...problems], raw.get)
  const out = process.stdout
  // The alternate screen: the shell's scrollback is left as it was when the TUI quits.
  const alternate = Boolean(out.isTTY)
  if (alternate) out.write('\x1b[?1049h\x1b[H')
  const onExport = (chainIndexes: number[]) => exportReport(result, options, failures, new Date(), '.', chainIndexes)
  const app = render(createElement(App, {data, columns: out.columns || 80, rows: out.rows || 24, colour: colourFromEnv(), onExport}), {
    stdin: keyboard,
    stdout: out,
    exitOnCtrlC: true,
    patchConsole: false,
  })
  try {
    await app.waitUntilExit()
  } finally {
    if (alternate) out.write('\x1b[?1049l')
  }
  if (keyboard !== process.stdin) keyboard.destroy()
  for (const p of problems) process.stderr.write(`egress-audit: ${p}\n`)
  return failures.length > 0 ? EXIT.input : EXIT.clean
}
