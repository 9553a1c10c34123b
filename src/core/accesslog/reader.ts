import {unwrapEnvelope} from '../input/envelope.js'
import {LineSplitter, MAX_LINE} from '../input/lines.js'
import type {AccessLogEntry, SourceRef} from '../model.js'
import {type LineStats, type SkipReason, type SkippedLine, countParsed, countSkipped} from '../result.js'
import {stringifySafe} from '../text/json.js'
import {ByteSink} from './ndjson.js'
import {AccessLogParser, type Plan, isTextPlan} from './parse-line.js'
import {buildEntry, writeMatched} from './parse-text.js'

export interface ReadOptions {
  /** A pinned format; detected per line when absent. */
  plan?: Plan
  /** Longest line kept, in characters. */
  maxLine?: number
  /** How much of a skipped line's text to keep for `--skipped` and reports. */
  skippedPreview?: number
  /** The number of the first line fed, when the text is a later block of an input (parallel reading). */
  firstLine?: number
  /**
   * Produce NDJSON (Batch.ndjson, UTF-8) instead of entry objects: what `parse` prints, built more
   * cheaply. A sink given here is written through (and its memory reused across readers).
   */
  ndjson?: boolean | ByteSink
}

const NONE = new Uint8Array(0)

/** What one chunk of input produced. Every line read ends in exactly one of the two lists. */
export interface Batch {
  entries: AccessLogEntry[]
  skipped: SkippedLine[]
  /** With the ndjson option: one JSON line per parsed line, in place of `entries`, as UTF-8 (empty otherwise). */
  ndjson: Uint8Array
}

/**
 * Reads one input's text, chunk by chunk: splits lines (bounded), strips kubectl/stern envelopes,
 * parses each line or records why it is skipped, and counts both in `stats`. Synchronous per chunk:
 * no promise per line. Shared `stats` across inputs gives one accounting for a whole run.
 */
export class AccessLogReader {
  private readonly splitter: LineSplitter
  private readonly parser: AccessLogParser
  private readonly preview: number
  private readonly offset: number
  private batch: Batch = {entries: [], skipped: [], ndjson: NONE}
  /** Where NDJSON is written, with the ndjson option. */
  private readonly sink: ByteSink | undefined
  private readonly onLine = (text: string | null, n: number): void => this.line(text, n)

  constructor(
    readonly input: string,
    readonly stats: LineStats,
    options: ReadOptions = {},
  ) {
    this.splitter = new LineSplitter(options.maxLine ?? MAX_LINE)
    this.parser = new AccessLogParser(options.plan)
    this.preview = options.skippedPreview ?? 1000
    this.offset = (options.firstLine ?? 1) - 1
    if (options.ndjson) this.sink = options.ndjson === true ? new ByteSink() : options.ndjson
  }

  /** Feeds one decoded chunk and returns what it completed. */
  push(chunk: string): Batch {
    this.splitter.push(chunk, this.onLine)
    return this.take()
  }

  /** End of this input (also after a read error): the last line without a newline, if any. */
  end(): Batch {
    this.splitter.end(this.onLine)
    return this.take()
  }

  private take(): Batch {
    const out = this.batch
    if (this.sink) out.ndjson = this.sink.take()
    this.batch = {entries: [], skipped: [], ndjson: NONE}
    return out
  }

  private line(text: string | null, counted: number): void {
    const n = counted + this.offset
    if (text === null) return this.skip('too-long', n, undefined)
    const source: SourceRef = {input: this.input, line: n}
    const body = unwrapEnvelope(text, source)
    if (body === null) return this.skip('envelope', n, text)
    const r = this.parser.match(body, source)
    if (typeof r === 'string') return this.skip(r, n, text)
    if (isTextPlan(r)) {
      countParsed(this.stats, r.name)
      if (this.sink && writeMatched(this.sink, body, r, source)) return
      this.add(buildEntry(body, r, source))
    } else {
      countParsed(this.stats, r.format)
      this.add(r)
    }
  }

  private add(entry: AccessLogEntry): void {
    if (this.sink) this.sink.writeString(`${stringifySafe(entry)}\n`)
    else this.batch.entries.push(entry)
  }

  private skip(reason: SkipReason, n: number, text: string | undefined): void {
    countSkipped(this.stats, reason, this.input, n)
    const s: SkippedLine = {input: this.input, line: n, reason}
    if (text !== undefined && reason !== 'blank') s.text = text.length > this.preview ? `${text.slice(0, this.preview)}…` : text
    this.batch.skipped.push(s)
  }
}
