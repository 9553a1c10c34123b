import {unwrapEnvelope} from '../input/envelope.js'
import {LineSplitter, MAX_LINE, type OnBlock} from '../input/lines.js'
import type {AccessLogEntry, SourceRef} from '../model.js'
import {type LineStats, type SkipReason, type SkippedLine, countParsed, countSkipped} from '../result.js'
import {stringifySafe} from '../text/json.js'
import {isPlainText} from '../text/plain.js'
import {sourceHead, sourceJson} from './ndjson.js'
import {AccessLogParser, type Plan, isTextPlan} from './parse-line.js'
import {buildEntry, matchedRow} from './parse-text.js'
import type {Scanner} from './scanner.js'

export interface ReadOptions {
  /** A pinned format; detected per line when absent. */
  plan?: Plan
  /** Longest line kept, in characters. */
  maxLine?: number
  /** How much of a skipped line's text to keep for `--skipped` and reports. */
  skippedPreview?: number
  /** The number of the first line fed, when the text is a later block of an input (parallel reading). */
  firstLine?: number
  /** Produce NDJSON (Batch.ndjson, UTF-8) instead of entry objects: what `parse` prints, built more cheaply. */
  ndjson?: boolean
  /** With ndjson: the WebAssembly scanner, which writes the rows of plain lines it is sure of (scanner.ts). */
  scanner?: Scanner
}

const NONE = new Uint8Array(0)
const LBRACE = 0x7b
const ASCII = /^[\x00-\x7f]*$/

/** What one chunk of input produced. Every line read ends in exactly one of the two lists. */
export interface Batch {
  entries: AccessLogEntry[]
  skipped: SkippedLine[]
  /**
   * With the ndjson option: one JSON line per parsed line, in place of `entries`, as UTF-8 (empty
   * otherwise). It may be a view of a shared pool: copy it before transferring its buffer.
   */
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
  private readonly ndjson: boolean
  /** The batch's NDJSON so far, with the ndjson option, and whether it is all ASCII. */
  private rows = ''
  private ascii = true
  /** `{"input":NAME,"line":`: the start of each row's source; and whether it is ASCII (a file name may not be). */
  private readonly head: string
  private readonly headAscii: boolean
  /** Rows of the batch already in bytes (the scanner's, and earlier rows before them), in order. */
  private parts: Uint8Array[] = []
  private readonly scanner: Scanner | undefined
  private readonly maxLine: number
  private readonly onBlock: OnBlock | undefined
  private readonly onLine = (text: string | null, n: number, plain: boolean): void => this.line(text, n, plain)

  constructor(
    readonly input: string,
    readonly stats: LineStats,
    options: ReadOptions = {},
  ) {
    this.ndjson = options.ndjson === true
    // Plain lines (printable ASCII, no `\`) are written without escaping: the splitter tests each chunk.
    this.maxLine = options.maxLine ?? MAX_LINE
    this.scanner = this.ndjson ? options.scanner : undefined
    const scanner = this.scanner
    this.splitter = new LineSplitter(this.maxLine, scanner ? (chunk) => scanner.isPlain(chunk) : this.ndjson ? isPlainText : undefined)
    this.onBlock = this.scanner ? (text, from, to, n) => this.block(text, from, to, n) : undefined
    this.parser = new AccessLogParser(options.plan)
    this.preview = options.skippedPreview ?? 1000
    this.offset = (options.firstLine ?? 1) - 1
    this.head = this.ndjson ? sourceHead(input) : ''
    this.headAscii = ASCII.test(this.head)
    this.ascii = this.headAscii
  }

  /** Feeds one decoded chunk and returns what it completed. */
  push(chunk: string): Batch {
    this.splitter.push(chunk, this.onLine, this.onBlock)
    return this.take()
  }

  /** End of this input (also after a read error): the last line without a newline, if any. */
  end(): Batch {
    this.splitter.end(this.onLine)
    return this.take()
  }

  private take(): Batch {
    const out = this.batch
    this.flushRows()
    const {parts} = this
    if (this.scanner) out.ndjson = this.scanner.take()
    else if (parts.length > 0) {
      out.ndjson = parts.length === 1 ? parts[0]! : Buffer.concat(parts)
      this.parts = []
    }
    this.batch = {entries: [], skipped: [], ndjson: NONE}
    return out
  }

  /** The rows joined as text so far, as bytes: flattened and copied out once. All-ASCII text is its own UTF-8: Latin-1 is the cheaper copy. */
  private flushRows(): void {
    if (this.rows === '') return
    if (this.scanner) this.scanner.append(this.rows)
    else this.parts.push(Buffer.from(this.rows, this.ascii ? 'latin1' : 'utf8'))
    this.rows = ''
    this.ascii = this.headAscii
  }

  /**
   * The lines wholly inside a plain chunk (LineSplitter's OnBlock), `counted` the first one's number: the
   * scanner writes the rows of those it is sure of, each other line goes the way of every line.
   */
  private block(text: string, from: number, to: number, counted: number): number {
    const scanner = this.scanner!
    let at = from
    let k = 0
    while (at < to) {
      const plans = this.parser.textPlans
      const first = this.parser.firstText
      const plan = plans[first]
      if (plan !== undefined) {
        // The scanner's rows follow the rows joined so far.
        this.flushRows()
        const r = scanner.rows(text, at, to, plans, first, this.head, counted + k + this.offset, this.maxLine)
        if (r.count > 0) {
          countParsed(this.stats, plan.name, r.count)
          k += r.count
          at = r.end
          if (at >= to) break
        }
      }
      const nl = text.indexOf('\n', at)
      this.line(nl - at > this.maxLine ? null : text.slice(at, nl), counted + k, true)
      k++
      at = nl + 1
    }
    return k
  }

  private line(text: string | null, counted: number, plain: boolean): void {
    const n = counted + this.offset
    if (text === null) return this.skip('too-long', n, undefined)
    const source: SourceRef = {input: this.input, line: n}
    const body = unwrapEnvelope(text, source)
    if (body === null) return this.skip('envelope', n, text)
    const r = this.parser.match(body, source)
    if (typeof r === 'string') return this.skip(r, n, text)
    if (isTextPlan(r)) {
      countParsed(this.stats, r.name)
      // A line in a JSON envelope (stern -o json) is not the text the splitter tested: its body was decoded.
      const plainBody = plain && text.charCodeAt(0) !== LBRACE
      if (this.ndjson && plainBody) {
        const row = matchedRow(body, r, sourceJson(this.head, source), !this.parser.quoteFree)
        if (row !== null) {
          this.rows += row
          return
        }
      }
      this.add(buildEntry(body, r, source))
    } else {
      countParsed(this.stats, r.format)
      this.add(r)
    }
  }

  private add(entry: AccessLogEntry): void {
    if (!this.ndjson) return void this.batch.entries.push(entry)
    this.rows += `${stringifySafe(entry)}\n`
    this.ascii = false // what JSON.stringify wrote may not be
  }

  private skip(reason: SkipReason, n: number, text: string | undefined): void {
    countSkipped(this.stats, reason, this.input, n)
    const s: SkippedLine = {input: this.input, line: n, reason}
    if (text !== undefined && reason !== 'blank') s.text = text.length > this.preview ? `${text.slice(0, this.preview)}…` : text
    this.batch.skipped.push(s)
  }
}
