// A progress line on stderr while long inputs are read:
//   egress-audit: 123 MB of 300 MB (41%) · 410,000 lines · 85,000 lines/s · ETA 0:07
// It counts what passes through the inputs' chunks (one addition per 256 KiB chunk, never per line) and
// a timer redraws it a few times a second, so the reading loops neither know nor pay for it. It is shown
// only on a terminal, only after a second (a short input does not flash a line), and it is erased when
// the reading ends, when the command fails and on Ctrl-C, so it never mixes with what is printed next.

import {closeSync, openSync, readSync} from 'node:fs'

import {Flags} from '@oclif/core'

import {scrub} from '../core/text/scrub.js'
import type {InputSource} from './inputs.js'

/** What the line is drawn on: process.stderr, or a fake in tests. */
export interface ProgressStream {
  isTTY?: boolean
  /** The terminal's width; a line wider than this would wrap, and `\r` only returns to its last row. */
  columns?: number
  write(text: string): unknown
}

/** Time and the redraw timer, injectable so tests need no real time. */
export interface Clock {
  /** Milliseconds, monotonic. */
  now(): number
  /** Calls `tick` every `ms` without keeping the process alive; returns the cancel function. */
  every(ms: number, tick: () => void): () => void
}

/** The part of `process` the meter needs to erase its line on Ctrl-C and at exit. */
export interface ProcessHooks {
  readonly pid: number
  once(event: 'SIGINT' | 'exit', listener: () => void): unknown
  off(event: 'SIGINT' | 'exit', listener: () => void): unknown
  listenerCount(event: 'SIGINT'): number
  kill(pid: number, signal: 'SIGINT'): unknown
}

export interface ProgressOptions {
  clock?: Clock
  process?: ProcessHooks
  /** Lines read so far, polled at each redraw (parse passes its LineStats); without it newlines are counted per chunk. */
  lines?: () => number
  /** Quiet time before the first draw. */
  delayMs?: number
  /** Time between redraws. */
  intervalMs?: number
  /** Whether an input is gzip (its size on disk is then compressed and says nothing of the text to come). */
  isGzip?: (path: string) => boolean
}

/** What a command holds: wraps its inputs, and erases the line once it has printed nothing else yet. */
export interface Progress {
  track(sources: InputSource[]): InputSource[]
  stop(): void
}

/** Shows progress on a terminal; elsewhere (pipes, files, `TERM=dumb`) does nothing at all. */
export function startProgress(asked: boolean, stream: ProgressStream = process.stderr, options: ProgressOptions = {}): Progress {
  return asked && progressAllowed(stream) ? new ProgressMeter(stream, options) : NO_PROGRESS
}

/** A terminal that understands `\r` and erase-line: never a pipe or a file, where the line would be litter. */
export function progressAllowed(stream: {isTTY?: boolean}, env: NodeJS.ProcessEnv = process.env): boolean {
  return stream.isTTY === true && env.TERM !== 'dumb'
}

const NO_PROGRESS: Progress = {track: (sources) => sources, stop: () => undefined}

/** `--[no-]progress`, with the conditions of the command it belongs to (`when`) in its help. */
export function progressFlag(when: string) {
  return {
    progress: Flags.boolean({
      allowNo: true,
      default: true,
      description: `Show a progress line on stderr while the input is read (bytes and lines done, lines per second, ETA when the size is known), after a second and only when stderr is a terminal${when}; it is erased when the reading ends. --no-progress turns it off.`,
    }),
  }
}

export const PROGRESS_DELAY_MS = 1000
export const PROGRESS_INTERVAL_MS = 250
/** Rates are taken over the last few seconds, so the ETA follows a reading that speeds up or slows down. */
const RATE_WINDOW_MS = 5000
const ERASE_LINE = '\r\x1b[K'
const DEFAULT_COLUMNS = 80

/** One input as the meter sees it. */
export interface InputCount {
  name: string
  /** Bytes on disk of a regular file; undefined for stdin and pipes. */
  size?: number
  gzip: boolean
  /** Bytes read so far (decompressed text, as UTF-8). */
  bytes: number
}

/** Everything one line shows. */
export interface ProgressView {
  inputs: readonly InputCount[]
  /** The input read last; named on the line when there are several. */
  current: number
  lines: number
  bytesPerSecond: number | null
  linesPerSecond: number | null
}

interface Sample {
  at: number
  bytes: number
  lines: number
}

class ProgressMeter implements Progress {
  private readonly clock: Clock
  private readonly hooks: ProcessHooks
  private readonly delayMs: number
  private readonly intervalMs: number
  private readonly linesRead: () => number
  /** Without a line count from the core, newlines are counted as chunks pass (measured: ~0.3 ms per MB, under 1% of parse's time). */
  private readonly countNewlines: boolean
  private readonly isGzip: (path: string) => boolean
  private readonly counts: InputCount[] = []
  private readonly finished = new Set<InputCount>()
  private newlines = 0
  private current = 0
  private samples: Sample[] = []
  private startedAt = 0
  private cancelTimer: (() => void) | undefined
  private shown = false
  private stopped = false

  constructor(
    private readonly stream: ProgressStream,
    options: ProgressOptions,
  ) {
    this.clock = options.clock ?? realClock
    this.hooks = options.process ?? process
    this.delayMs = options.delayMs ?? PROGRESS_DELAY_MS
    this.intervalMs = options.intervalMs ?? PROGRESS_INTERVAL_MS
    this.isGzip = options.isGzip ?? startsWithGzipMagic
    const lines = options.lines
    this.linesRead = lines ?? (() => this.newlines)
    this.countNewlines = lines === undefined
  }

  track(sources: InputSource[]): InputSource[] {
    if (this.stopped) return sources
    const tracked = sources.map((source) => this.wrap(source))
    if (this.cancelTimer === undefined) {
      this.startedAt = this.clock.now()
      this.samples = [{at: this.startedAt, bytes: 0, lines: 0}]
      this.cancelTimer = this.clock.every(this.intervalMs, () => this.tick())
    }
    return tracked
  }

  /** Erases the line (if one is shown) and stops the timer; safe to call more than once. */
  stop(): void {
    if (this.stopped) return
    this.stopped = true
    this.cancelTimer?.()
    if (!this.shown) return
    this.hooks.off('SIGINT', this.onInterrupt)
    this.hooks.off('exit', this.onExit)
    this.stream.write(ERASE_LINE)
  }

  private wrap(source: InputSource): InputSource {
    // A followed file (-f) grows as it is read: its size when opened is no total to count down to.
    const size = source.follow ? undefined : source.size
    const count: InputCount = {name: source.name, size, gzip: size !== undefined && this.isGzip(source.name), bytes: 0}
    const index = this.counts.push(count) - 1
    return {
      ...source,
      chunks: () => this.counted(source.chunks(), count, index),
      bytes: () => this.counted(source.bytes(), count, index),
    }
  }

  private async *counted<T extends string | Buffer>(chunks: AsyncIterable<T>, count: InputCount, index: number): AsyncGenerator<T> {
    try {
      for await (const chunk of chunks) {
        count.bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk, 'utf8') : chunk.length
        if (this.countNewlines) this.newlines += countNewlines(chunk)
        this.current = index
        yield chunk
      }
    } finally {
      // Read to the end, failed or abandoned: once every input is, the line goes before anything is printed.
      this.finished.add(count)
      if (this.finished.size === this.counts.length) this.stop()
    }
  }

  private tick(): void {
    if (this.stopped) return
    const now = this.clock.now()
    this.takeSample(now)
    if (now - this.startedAt >= this.delayMs) this.draw(this.view())
  }

  /** Keeps the samples of the last RATE_WINDOW_MS, and the one just before them to measure from. */
  private takeSample(at: number): void {
    this.samples.push({at, bytes: this.counts.reduce((sum, c) => sum + c.bytes, 0), lines: this.linesRead()})
    while (this.samples.length > 2 && at - this.samples[1]!.at >= RATE_WINDOW_MS) this.samples.shift()
  }

  private view(): ProgressView {
    const first = this.samples[0]!
    const last = this.samples.at(-1)!
    const seconds = (last.at - first.at) / 1000
    return {
      inputs: this.counts,
      current: this.current,
      lines: last.lines,
      bytesPerSecond: seconds > 0 ? (last.bytes - first.bytes) / seconds : null,
      linesPerSecond: seconds > 0 ? (last.lines - first.lines) / seconds : null,
    }
  }

  private draw(view: ProgressView): void {
    if (!this.shown) {
      // Only once there is a line to erase: until then Ctrl-C and exit are none of our business.
      this.shown = true
      this.hooks.once('SIGINT', this.onInterrupt)
      this.hooks.once('exit', this.onExit)
    }
    // A pseudo-terminal nobody has sized (script(1) without a terminal, some CI runners) says 0 columns.
    this.stream.write(`\r${renderProgress(view, this.stream.columns || DEFAULT_COLUMNS)}\x1b[K`)
  }

  /** Ctrl-C: erase the line; then, unless someone else handles SIGINT (follow mode ends on it), die of it as usual. */
  private readonly onInterrupt = (): void => {
    this.stop()
    if (this.hooks.listenerCount('SIGINT') === 0) this.hooks.kill(this.hooks.pid, 'SIGINT')
  }

  /** process.exit() from anywhere: a terminal write is synchronous, so the line is still erased. */
  private readonly onExit = (): void => this.stop()
}

const realClock: Clock = {
  now: () => performance.now(),
  every(ms, tick) {
    const timer = setInterval(tick, ms)
    timer.unref()
    return () => clearInterval(timer)
  },
}

function countNewlines(chunk: string | Buffer): number {
  let n = 0
  if (typeof chunk === 'string') for (let i = chunk.indexOf('\n'); i !== -1; i = chunk.indexOf('\n', i + 1)) n++
  else for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) n++
  return n
}

/** gzip's magic bytes 1f 8b, as inputs.ts detects it; an unreadable file is reported by the reading, not here. */
function startsWithGzipMagic(path: string): boolean {
  let fd: number | undefined
  try {
    fd = openSync(path, 'r')
    const head = Buffer.alloc(2)
    return readSync(fd, head, 0, 2, 0) === 2 && head[0] === 0x1f && head[1] === 0x8b
  } catch {
    return false
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
}

const SEPARATOR = ' · '
const PREFIX = 'egress-audit: '
/** A name is never clipped below this, even on a narrow terminal: the end of the line goes first. */
const MIN_NAME_WIDTH = 12

/**
 * The line for one moment, fitted to `columns - 1` (writing the last column makes some terminals wrap).
 * @example renderProgress({inputs: [{name: 'a.log', size: 300e6, gzip: false, bytes: 123e6}], current: 0, lines: 410_000, bytesPerSecond: 25e6, linesPerSecond: 85_000}, 120)
 * // 'egress-audit: 123 MB of 300 MB (41%) · 410,000 lines · 85,000 lines/s · ETA 0:08'
 */
export function renderProgress(view: ProgressView, columns: number): string {
  const done = view.inputs.reduce((sum, c) => sum + c.bytes, 0)
  const total = knownTotal(view.inputs)
  const parts: string[] = []
  if (total === null) parts.push(`${formatBytes(done)}${view.inputs.some((c) => c.gzip) ? ' decompressed' : ''}`)
  else parts.push(`${formatBytes(Math.min(done, total))} of ${formatBytes(total)} (${percent(done, total)}%)`)
  parts.push(`${group(view.lines)} line${view.lines === 1 ? '' : 's'}`)
  if (view.linesPerSecond !== null) parts.push(`${group(significant(view.linesPerSecond))} lines/s`)
  const eta = total === null ? null : etaSeconds(total - done, view.bytesPerSecond)
  if (eta !== null) parts.push(`ETA ${formatDuration(eta)}`)
  else if (total === null && view.bytesPerSecond !== null) parts.push(`${formatBytes(view.bytesPerSecond)}/s`)
  const body = parts.join(SEPARATOR)
  const limit = Math.max(1, columns - 1)
  const current = view.inputs[view.current]
  if (view.inputs.length < 2 || current === undefined) return clipEnd(PREFIX + body, limit)
  const room = limit - width(PREFIX + SEPARATOR + body)
  // The name is the user's (or an attacker's) text: its control characters are shown, never obeyed.
  const name = clipStart(scrub(current.name, true), Math.max(room, MIN_NAME_WIDTH))
  return clipEnd(PREFIX + name + SEPARATOR + body, limit)
}

/** The bytes all inputs will come to, when every one is a regular file whose size on disk is its text. */
function knownTotal(inputs: readonly InputCount[]): number | null {
  let total = 0
  for (const c of inputs) {
    if (c.size === undefined || c.gzip) return null
    total += c.size
  }
  return total > 0 ? total : null
}

/** Never 100% while reading: the text can differ from the bytes on disk (a byte-order mark, bad UTF-8). */
function percent(done: number, total: number): number {
  return Math.min(99, Math.floor((done / total) * 100))
}

function etaSeconds(remaining: number, bytesPerSecond: number | null): number | null {
  if (bytesPerSecond === null || bytesPerSecond <= 0) return null
  const seconds = Math.ceil(Math.max(0, remaining) / bytesPerSecond)
  return seconds < 100 * 3600 ? seconds : null
}

const BYTE_UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'] as const

/**
 * Decimal units, as disks and networks count: three significant digits at most.
 * @example formatBytes(999) // '999 B'; formatBytes(4_200_000) // '4.2 MB'; formatBytes(123_456_789) // '123 MB'
 */
export function formatBytes(n: number): string {
  let value = n
  let unit = 0
  while (value >= 999.5 && unit < BYTE_UNITS.length - 1) {
    value /= 1000
    unit++
  }
  if (unit === 0) return `${Math.round(value)} B`
  return `${value < 9.95 ? value.toFixed(1) : Math.round(value)} ${BYTE_UNITS[unit]}`
}

/**
 * m:ss, or h:mm:ss from an hour.
 * @example formatDuration(7) // '0:07'; formatDuration(3725) // '1:02:05'
 */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds))
  const two = (x: number) => String(x).padStart(2, '0')
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  return h > 0 ? `${h}:${two(m)}:${two(s % 60)}` : `${m}:${two(s % 60)}`
}

const group = (n: number): string => Math.round(n).toLocaleString('en-US')

/** Three significant digits, so the rate does not flicker in its last digits at every redraw. */
function significant(n: number): number {
  if (n < 1000) return Math.round(n)
  const scale = 10 ** (Math.floor(Math.log10(n)) - 2)
  return Math.round(n / scale) * scale
}

/**
 * Terminal columns of a code point, erring wide: East Asian wide characters and emoji take two, and
 * treating everything from U+1100 up as wide only ever makes a line shorter than the terminal, never longer.
 */
const columnsOf = (codePoint: number): number => (codePoint >= 0x1100 ? 2 : 1)

/** Ambiguous width (one column in most terminals, two in some East Asian settings): counted as two. */
const ELLIPSIS = '…'

function width(s: string): number {
  let w = 0
  for (const c of s) w += columnsOf(c.codePointAt(0)!)
  return w
}

/** Keeps the start: the end of the line (rates, ETA) is what a narrow terminal can do without. */
function clipEnd(s: string, max: number): string {
  if (width(s) <= max) return s
  let w = width(ELLIPSIS)
  let out = ''
  for (const c of s) {
    const cw = columnsOf(c.codePointAt(0)!)
    if (w + cw > max) break
    out += c
    w += cw
  }
  return out + ELLIPSIS
}

/** Keeps the end: of a path, the file name says more than the directories before it. */
function clipStart(s: string, max: number): string {
  if (width(s) <= max) return s
  const chars = [...s]
  let w = width(ELLIPSIS)
  let from = chars.length
  while (from > 0 && w + columnsOf(chars[from - 1]!.codePointAt(0)!) <= max) w += columnsOf(chars[--from]!.codePointAt(0)!)
  return ELLIPSIS + chars.slice(from).join('')
}
