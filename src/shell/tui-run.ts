// Shell side of `tui`: renders the ink App at once and feeds it while the inputs are read (a live pipe or
// `-f` never ends): chains as they complete, the accounting and findings so far, and the reading rate, at
// most a few times a second. When the logs come in on a pipe, the keyboard is the terminal: /dev/tty.

import {createWriteStream, openSync} from 'node:fs'
import {basename, join, resolve} from 'node:path'
import {Readable} from 'node:stream'
import {pipeline} from 'node:stream/promises'
import {ReadStream} from 'node:tty'

import {render} from 'ink'
import {createElement} from 'react'

import type {ReadOptions} from '../core/accesslog/reader.js'
import {Analyzer, type AnalyzerOptions, narrowResult} from '../core/analyze.js'
import type {AnalysisResult, RequestChain} from '../core/model.js'
import {scrub} from '../core/text/scrub.js'
import {type ReportFormat, buildReport, chunkRenderers} from '../report/index.js'
import type {ReportCapture, ReportInput, ReportMeta} from '../report/model.js'
import {App} from '../tui/App.js'
import {colourFromEnv} from '../tui/theme.js'
import {type InputProgress, type TuiData, TuiDataBuilder} from '../tui/view.js'
import {type AnalysisRun, type HeaderLoad, type LiveClock, readAnalysis} from './analysis-input.js'
import {UsageError} from './errors.js'
import {EXIT} from './exit-codes.js'
import type {FollowEvent, FollowEventType, LatestFollowEvent} from './follow.js'
import type {InputSource} from './inputs.js'
import {REPORT_EXTENSION, describeCaptures, describeInputs} from './report-scope.js'

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
  private counted = 0

  /** Complete lines seen so far, over every input (kept or not): what the reading rate counts. */
  get count(): number {
    return this.counted
  }

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
    this.counted++
    if (this.total >= RawLines.TOTAL_MAX) {
      list.push(undefined)
      return
    }
    const t = (text.endsWith('\r') ? text.slice(0, -1) : text).slice(0, RawLines.LINE_MAX)
    this.total += t.length
    list.push(t)
  }
}

/** Lines per second over the last few seconds, from running totals sampled at times the caller gives. */
export class RateMeter {
  private readonly samples: {at: number; total: number}[] = []

  constructor(private readonly spanMs = 5000) {}

  /** Records the total at `at` (ms); the rate since the oldest sample within the span, null under a second of data. */
  sample(at: number, total: number): number | null {
    this.samples.push({at, total})
    // One sample at or before the span's start stays, as the far end of the measure.
    while (this.samples.length > 2 && this.samples[1]!.at <= at - this.spanMs) this.samples.shift()
    const first = this.samples[0]!
    const elapsed = at - first.at
    return elapsed >= 1000 ? ((total - first.total) * 1000) / elapsed : null
  }
}

/**
 * Runs `fn` at most once per `ms`: a request within the interval is served at its end, never lost, and a
 * burst of requests is served once. The TUI redraws per update; a fast stream must not redraw per chunk.
 */
export class Throttle {
  private last = Number.NEGATIVE_INFINITY
  private timer: NodeJS.Timeout | undefined

  constructor(
    private readonly fn: () => void,
    private readonly ms: number,
  ) {}

  request(): void {
    if (this.timer !== undefined) return
    this.timer = setTimeout(() => this.run(), Math.max(0, this.last + this.ms - Date.now()))
  }

  /** Serves a pending request (or none) now: the last update, when reading ends, is not held back. */
  now(): void {
    this.run()
  }

  cancel(): void {
    clearTimeout(this.timer)
    this.timer = undefined
  }

  private run(): void {
    this.cancel()
    this.last = Date.now()
    this.fn()
  }
}

export interface TuiRunOptions {
  /** For a report's metadata (`e`). */
  version?: string
  policyPath?: string
  /** SHA-256 of the policy file, for a report's scope. */
  policySha256?: string
  headerPaths?: string[]
  sources: InputSource[]
  headers: HeaderLoad
  analyzer: Omit<AnalyzerOptions, 'stats' | 'inputs' | 'keepChains' | 'describeChains'>
  read: ReadOptions
  /** -f: inputs may never end; the header says what is followed. */
  follow?: boolean
  /** Aborted when the user quits, to stop the reading; give its signal to openInputs too (followed files end). */
  stop?: AbortController
  /** Follow mode's clock (tests). */
  live?: LiveClock
  /** Where openInputs records rotations of followed files (its onEvent), for the header. */
  followEvents?: LatestFollowEvent
}

/** At most this often (ms) the App gets new data while lines come: about four frames a second. */
export const UPDATE_MS = 250
/** How often (ms) the header's rate is looked at when nothing arrives (a quiet pipe still shows 0 lines/s). */
const RATE_TICK_MS = 1000

const EVENT_WORDS: Record<FollowEventType, string> = {rotated: 'rotated', truncated: 'truncated, read again', waiting: 'gone, waiting for it'}

/** `gateway.log rotated 19:24:00` (UTC, as the chain list's times): which file, what happened, when. */
function describeFollowEvent(e: FollowEvent & {atMs: number}): string {
  const at = new Date(e.atMs).toISOString().slice(11, 19)
  return `${basename(e.path)} ${EVENT_WORDS[e.type]} ${at}`
}

/** stdin as openInputs names it (`-`, or `stdin` when no file was named): it has no size on disk. */
const isStdin = (s: InputSource) => s.size === undefined && (s.name === '-' || s.name === 'stdin')

/**
 * The TUI's view of one analysis while it is read: every chain as it completes (the TUI lists them all,
 * so the Analyzer keeps none), the raw lines, the reading rate; new data for the App at most every
 * UPDATE_MS, and a report of any chains in view at any time (`e`).
 */
export class TuiFeed {
  readonly raw = new RawLines()
  private readonly builder: TuiDataBuilder
  private readonly throttle: Throttle
  private readonly rate = new RateMeter()
  private readonly open: Set<string>
  private readonly stop: AbortController
  /** The live analyzer, once readAnalysis hands it over with its chains: its snapshots fill the header. */
  private analyzer: Analyzer | undefined
  private run: AnalysisRun | null = null
  private reading: Promise<AnalysisRun> | null = null
  private closed = false
  private shown = ''
  private captures: Promise<ReportCapture[]> | null = null
  private inputsRead: Promise<ReportInput[]> | null = null
  /** Called with new data (throttled); the App is re-rendered with it. */
  onData: (data: TuiData) => void = () => undefined
  /** Called when an input ends (its writer may have exited). */
  onInputEnd: (input: string) => void = () => undefined

  constructor(private readonly options: TuiRunOptions) {
    this.stop = options.stop ?? new AbortController()
    this.open = new Set(options.sources.map((s) => s.name))
    // Nothing is read yet: the result of an analyzer that has seen nothing, with the run's options.
    const empty = new Analyzer({...options.analyzer, keepChains: false}).snapshot()
    this.builder = new TuiDataBuilder(empty, options.sources.map((s) => s.name), options.headers.notes, this.raw.get)
    this.builder.setProgress(this.progress(null))
    this.throttle = new Throttle(() => this.update(), UPDATE_MS)
  }

  /** True once every input has ended (not after a quit) and the result is final. */
  get complete(): boolean {
    return this.run !== null && !this.stop.signal.aborted
  }

  data(): TuiData {
    return this.builder.data()
  }

  /** Reads every input, through one Analyzer, until they end or close() is called; once only. */
  read(): Promise<AnalysisRun> {
    this.reading ??= this.readAll()
    return this.reading
  }

  /** Stops reading (the user quit): followed files end, a read still waiting on a pipe ends as its end. */
  close(): void {
    if (this.closed) return
    this.closed = true
    this.throttle.cancel()
    this.stop.abort()
    for (const s of this.options.sources) s.close()
  }

  /** `e`: a report of the chains in view (indexes into the data's chains) in the working directory. */
  async exportReport(chainIndexes: number[], format: ReportFormat, now = new Date(), dir = '.'): Promise<string> {
    const chains = this.builder.data().chains
    const current = this.run?.result ?? this.analyzer?.snapshot() ?? this.builder.data().result
    const meta = await this.meta(now, current)
    return exportReport({...current, chains: [...chains]}, meta, format, chainIndexes, now, dir, !this.complete)
  }

  private async readAll(): Promise<AnalysisRun> {
    const tick = setInterval(() => this.throttle.request(), RATE_TICK_MS)
    tick.unref()
    try {
      const run = await readAnalysis({
        sources: this.options.sources,
        headers: this.options.headers,
        analyzer: {...this.options.analyzer, keepChains: false, describeChains: true},
        read: this.options.read,
        // A report's scope gives each input's hash and first/last log time, as `report` does.
        fingerprint: true,
        follow: this.options.follow,
        signal: this.stop.signal,
        live: this.options.live,
        emit: (chains: RequestChain[], analyzer?: Analyzer) => {
          if (analyzer) this.analyzer = analyzer
          this.builder.append(chains)
          this.throttle.request()
          return !this.closed
        },
        onChunk: (input, text) => this.raw.push(input, text),
        onInputEnd: (input) => {
          this.raw.end(input)
          this.open.delete(input)
          this.throttle.request()
          this.onInputEnd(input)
        },
      })
      this.run = run
      this.open.clear()
      this.builder.setResult(run.result)
      this.builder.setNotes([...this.options.headers.notes, ...run.failures.map((f) => `cannot read ${f.input}: ${f.message}`)])
      this.builder.setProgress(this.progress(null))
      if (!this.closed) this.throttle.now()
      return run
    } finally {
      clearInterval(tick)
    }
  }

  /** New data for the App, unless nothing it shows has changed since the last (a quiet input's tick). */
  private update(): void {
    if (this.closed) return
    const rate = this.rate.sample(Date.now(), this.raw.count)
    const progress = this.progress(rate)
    const shown = `${this.builder.chainCount} ${this.raw.count} ${progress.phase} ${progress.openFiles} ${progress.openStdin} ${Math.round(rate ?? -1)} ${progress.event ?? ''}`
    if (shown === this.shown) return
    this.shown = shown
    if (this.analyzer && !this.run) this.builder.setResult(this.analyzer.snapshot())
    this.builder.setProgress(progress)
    this.onData(this.builder.data())
  }

  private progress(rate: number | null): InputProgress {
    if (this.run) return {phase: 'complete', openFiles: 0, openStdin: false, linesPerSecond: null}
    let openFiles = 0
    let openStdin = false
    for (const s of this.options.sources) {
      if (!this.open.has(s.name)) continue
      if (isStdin(s)) openStdin = true
      else openFiles++
    }
    const progress: InputProgress = {phase: this.options.follow ? 'following' : 'reading', openFiles, openStdin, linesPerSecond: rate}
    const latest = this.options.followEvents?.event
    if (latest) progress.event = describeFollowEvent(latest)
    return progress
  }

  /**
   * What a report says of its scope, as `report` gives it: each input's size, SHA-256 and first and last log
   * time, each capture's size and hash, the policy's hash. While inputs are still read, their size and
   * hash are not known yet, and the report says it covers the lines read so far.
   */
  private async meta(now: Date, result: AnalysisResult): Promise<ReportMeta> {
    const run = this.run
    this.captures ??= describeCaptures(this.options.headerPaths ?? [])
    if (run) this.inputsRead ??= describeInputs(run, this.options.sources)
    const still = 'still being read when this report was made: it covers the lines read until then'
    return {
      tool: {name: 'egress-audit', version: this.options.version ?? '0.0.0'},
      generatedAt: now.toISOString(),
      inputs: this.inputsRead ? await this.inputsRead : this.options.sources.map(unread),
      headers: await this.captures,
      policy: {name: result.options.policy, path: this.options.policyPath ?? null, sha256: this.options.policySha256 ?? null},
      since: result.options.since,
      until: result.options.until,
      problems: run ? run.failures : [...this.open].map((input) => ({input, message: still})),
    }
  }
}

const unread = (s: InputSource): ReportInput => ({name: s.name, bytes: null, sha256: null, sha256Of: null, firstSeen: null, lastSeen: null})

/** `egress-audit-report-20260102T030405Z`: the time, to the second, in a file name every system accepts. */
const reportStem = (now: Date) => `egress-audit-report-${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}`

/**
 * Writes a report of `result` (narrowed to `chainIndexes` when given) in `format`, in `dir`, named by the
 * time and the format's extension, never over an existing file (a second export in the same second gets
 * `-2`); returns the status line, which names the file and its directory. Rendered in pieces, as `report`
 * writes them.
 */
export async function exportReport(result: AnalysisResult, meta: ReportMeta, format: ReportFormat, chainIndexes?: number[], now = new Date(), dir = '.', partial = false): Promise<string> {
  const whole = chainIndexes === undefined || chainIndexes.length === result.chains.length
  const inView = chainIndexes === undefined ? null : new Set(chainIndexes)
  // Summary and totals are counted again over the chains reported: a live snapshot's would lag behind them.
  const model = buildReport(narrowResult(result, (_c, i) => inView === null || inView.has(i)), meta)
  const where = resolve(dir)
  for (let n = 1; ; n++) {
    const file = `${reportStem(now)}${n === 1 ? '' : `-${n}`}.${REPORT_EXTENSION[format]}`
    try {
      await pipeline(Readable.from(chunkRenderers[format](model, {})), createWriteStream(join(where, file), {flags: 'wx'}))
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST' && n < 100) continue
      throw error
    }
    const what = whole ? 'the whole analysis' : `the ${chainIndexes!.length} chain${chainIndexes!.length === 1 ? '' : 's'} in view`
    // The name first: a narrow status line cuts the end, and the directory is where the TUI was started.
    return `wrote ${file} (${format}, ${what}${partial ? ', read so far' : ''}) in ${where}`
  }
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
 * Runs the TUI until the user quits: it shows at once and grows while the inputs are read; quitting stops
 * the reading. Returns the exit code (3 when an input could not be read, else 0).
 */
export async function runTui(options: TuiRunOptions): Promise<number> {
  if (!process.stdout.isTTY) throw new UsageError('tui draws on a terminal and stdout is not one: use analyze (--json, --ndjson) or report in scripts')
  const keyboard = openKeyboard()
  const feed = new TuiFeed(options)
  const out = process.stdout
  const onExport = (chainIndexes: number[], format: ReportFormat) => feed.exportReport(chainIndexes, format)
  const element = (data: TuiData) => createElement(App, {data, columns: out.columns || 80, rows: out.rows || 24, colour: colourFromEnv(), onExport})
  // The alternate screen: the shell's scrollback is left as it was when the TUI quits.
  out.write('\x1b[?1049h\x1b[H')
  let reading: Promise<AnalysisRun> | undefined
  try {
    const app = render(element(feed.data()), {stdin: keyboard, stdout: out, exitOnCtrlC: true, patchConsole: false})
    feed.onData = (data) => app.rerender(element(data))
    // The program writing into our pipe shares the terminal, and may restore the terminal's modes as it
    // exits (node does, for a terminal on its stdio): keys would no longer come one by one. Its pipe ends
    // after that, so raw mode is set again then, off and on (libuv skips setting the mode it thinks is set).
    if (keyboard !== process.stdin) feed.onInputEnd = () => keyboard.setRawMode(false).setRawMode(true)
    // An error in the analysis is a bug (exit 70): it closes the TUI and is reported.
    reading = feed.read()
    reading.catch((error: Error) => app.unmount(error))
    await app.waitUntilExit()
  } finally {
    feed.close()
    out.write('\x1b[?1049l')
    if (keyboard !== process.stdin) keyboard.destroy()
  }
  const run = await reading
  for (const f of run.failures) process.stderr.write(`egress-audit: cannot read ${scrub(`${f.input}: ${f.message}`, true)}\n`)
  return run.failures.length > 0 ? EXIT.input : EXIT.clean
}
