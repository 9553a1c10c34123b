// The JavaScript side of the WebAssembly scanner (src/wasm/scan.ts): lays out a plan's table in the
// module's memory, copies plain text in and runs it. The scanner writes the rows of the lines it is sure
// of and stops at the first it is not; the reader (reader.ts) gives that line to the JavaScript path,
// appends its row to the same output, and calls again after it. The output stays in the module's memory
// until the reader takes the batch: one copy out. The module is compiled by the caller (the shell reads
// the .wasm file): the core neither reads files nor knows where the build put it.

import type {TextPlan} from './compile.js'
import {isPlainText} from '../text/plain.js'
import {rowLayout, type ValueKind} from './ndjson.js'

interface Exports {
  memory: WebAssembly.Memory
  stoppedAt: WebAssembly.Global
  written: WebAssembly.Global
  rows: WebAssembly.Global
  full: WebAssembly.Global
  maxSteps(): number
  plain(at: number, end: number): number
  scan(plan: number, at: number, end: number, out: number, outEnd: number, src: number, srcLen: number, line: number, maxLine: number, rowBound: number, earlier: number, earlierCount: number, quotes: number): void
}

// Kinds as src/wasm/scan.ts numbers them.
const STEP_KIND = {text: 0, int: 1, time: 2, flags: 3, protocol: 4, token: 5} as const
const VALUE_KIND: Record<ValueKind, number> = {text: 0, int: 1, flags: 2, cluster: 3, time: 4, startMs: 5, source: 6}

// Regions of the module's memory above what it allocated itself, in this order: plan tables, the
// source's head, the tables of the formats tried before the current one, the input text, the rows.
const PLANS = 64 * 1024
const SOURCE = 4 * 1024
const EARLIER = 64
/** The most text scanned at once, in characters (= bytes: plain text is ASCII). A longer line is left to the JavaScript path. */
const WINDOW = 64 * 1024
const OUT = 256 * 1024
const SOURCE_AT = PLANS
const EARLIER_AT = SOURCE_AT + SOURCE
const INPUT_AT = EARLIER_AT + 4 * EARLIER
const OUT_AT = INPUT_AT + WINDOW

const encoder = new TextEncoder()

/** What one call wrote: rows for the lines up to `end` (a line start in the text, or the end given). */
export interface ScanResult {
  end: number
  count: number
}

export class Scanner {
  private readonly x: Exports
  private readonly base: number
  /** Each plan's table in the module's memory and the most a row of it may add (rowBound), or null. */
  private readonly tables = new WeakMap<TextPlan, {at: number; rowBound: number} | null>()
  private plansUsed = 0
  private head = ''
  private headLength = -1
  private loaded: string | undefined
  private loadedFrom = 0
  private loadedTo = 0
  /** Bytes of output in the region, and earlier output copied out of it when it filled. */
  private used = 0
  private parts: Uint8Array[] = []
  /** Rows the scanner wrote, in all (the JavaScript path wrote the others). */
  rowsWritten = 0

  constructor(module: WebAssembly.Module) {
    const instance = new WebAssembly.Instance(module, {
      env: {
        abort: () => {
          throw new Error('the access-log scanner aborted')
        },
      },
    })
    this.x = instance.exports as unknown as Exports
    // The module's own data and allocations end within the memory it starts with: the regions are above.
    const {memory} = this.x
    this.base = memory.buffer.byteLength
    memory.grow(Math.ceil((OUT_AT + OUT) / 65536))
  }

  /**
   * The rows of the whole lines text[at, to) — each ending in `\n`, the text plain (text/plain.ts) — in
   * `plans[first]`, numbered from `line`, with `head` the start of their source's JSON (ndjson.ts
   * sourceHead). `plans` is the parser's detection order (parse-line.ts): a line with a quote in a value
   * is the scanner's only when no format before `first` fits it. Stops at the first line it does not
   * write: the result's `end` is that line's start, or `to`.
   */
  rows(text: string, at: number, to: number, plans: readonly TextPlan[], first: number, head: string, line: number, maxLine: number): ScanResult {
    const result: ScanResult = {end: at, count: 0}
    const table = this.table(plans[first]!)
    if (table === null || !this.setHead(head)) return result
    const {x} = this
    const input = this.base + INPUT_AT
    const out = this.base + OUT_AT
    // The formats before this one, for lines with quotes; unless one of them is not the scanner's.
    let quotes = first <= EARLIER ? 1 : 0
    if (first > 0 && quotes === 1) {
      const earlier = new DataView(x.memory.buffer, this.base + EARLIER_AT, 4 * EARLIER)
      for (let k = 0; k < first && quotes === 1; k++) {
        const t = this.table(plans[k]!)
        if (t === null) quotes = 0
        else earlier.setUint32(4 * k, t.at, true)
      }
    }
    while (result.end < to) {
      if (!this.load(text, result.end, to)) break
      const from = result.end
      x.scan(table.at, input + (from - this.loadedFrom), input + (this.loadedTo - this.loadedFrom), out + this.used, out + OUT, this.base + SOURCE_AT, this.headLength, line + result.count, Math.min(maxLine, WINDOW), table.rowBound, this.base + EARLIER_AT, first, quotes)
      const rows = x.rows.value as number
      result.count += rows
      this.rowsWritten += rows
      this.used = (x.written.value as number) - out
      result.end = this.loadedFrom + ((x.stoppedAt.value as number) - input)
      if (result.end >= this.loadedTo) continue
      // Stopped inside the window with room to spare: that line is not the scanner's.
      if ((x.full.value as number) === 0) break
      if (this.used === 0) break // a line too long for an empty output: not the scanner's either
      this.spill()
    }
    return result
  }

  /** Appends text (a row the JavaScript path wrote) to the output, as UTF-8. */
  append(text: string): void {
    if (text.length * 3 > OUT - this.used) {
      this.spill()
      if (text.length * 3 > OUT) {
        this.parts.push(encoder.encode(text))
        return
      }
    }
    this.used += encoder.encodeInto(text, new Uint8Array(this.x.memory.buffer, this.base + OUT_AT + this.used, OUT - this.used)).written
  }

  /** Everything written since the last take(), in a buffer of its own (transferable). */
  take(): Uint8Array {
    const region = new Uint8Array(this.x.memory.buffer, this.base + OUT_AT, this.used)
    this.used = 0
    // allocUnsafeSlow: not zeroed first (it is all written), and a buffer of its own, not the pool's.
    if (this.parts.length === 0) {
      const own = Buffer.allocUnsafeSlow(region.length)
      own.set(region)
      return own
    }
    const parts = [...this.parts, region]
    this.parts = []
    const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
    let at = 0
    for (const p of parts) {
      all.set(p, at)
      at += p.length
    }
    return all
  }

  /** Copies the output region out and starts it again: it is full. */
  private spill(): void {
    if (this.used === 0) return
    this.parts.push(new Uint8Array(this.x.memory.buffer, this.base + OUT_AT, this.used).slice())
    this.used = 0
  }

  /**
   * isPlainText for a chunk of lines, which it also copies into the module, so that rows() finds it
   * there: one encoding of the text, and the test in WebAssembly rather than a search per character.
   */
  isPlain(text: string): boolean {
    if (text.length > WINDOW) return isPlainText(text)
    const input = this.base + INPUT_AT
    const {read, written} = encoder.encodeInto(text, new Uint8Array(this.x.memory.buffer, input, WINDOW))
    // A character past U+007F takes more than one byte: not ASCII, not plain, and not loaded.
    if (read !== text.length || written !== text.length) {
      this.loaded = undefined
      return false
    }
    this.loaded = text
    this.loadedFrom = 0
    this.loadedTo = text.length
    return this.x.plain(input, input + text.length) !== 0
  }

  /** Copies the text from `at` into the input region, whole lines up to WINDOW characters; false when the first line alone is longer. */
  private load(text: string, at: number, to: number): boolean {
    if (text === this.loaded && at >= this.loadedFrom && at < this.loadedTo) return true
    let end = to
    if (end - at > WINDOW) {
      end = text.lastIndexOf('\n', at + WINDOW - 1) + 1
      if (end <= at) return false
    }
    const input = this.base + INPUT_AT
    encoder.encodeInto(text.slice(at, end), new Uint8Array(this.x.memory.buffer, input, WINDOW))
    this.loaded = text
    this.loadedFrom = at
    this.loadedTo = end
    return true
  }

  /** Sets the source's head for the rows; false when it does not fit (an absurd input name: the JavaScript path writes those rows). */
  private setHead(head: string): boolean {
    if (head === this.head && this.headLength >= 0) return true
    const bytes = encoder.encode(head)
    this.head = head
    this.headLength = bytes.length <= SOURCE ? bytes.length : -1
    if (this.headLength >= 0) new Uint8Array(this.x.memory.buffer, this.base + SOURCE_AT, SOURCE).set(bytes)
    return this.headLength >= 0
  }

  /** The plan's table, or null when its rows are not the scanner's to write. */
  private table(plan: TextPlan): {at: number; rowBound: number} | null {
    let table = this.tables.get(plan)
    if (table === undefined) this.tables.set(plan, (table = this.layOut(plan)))
    return table
  }

  private layOut(plan: TextPlan): {at: number; rowBound: number} | null {
    const layout = rowLayout(plan)
    // The scanner reads Envoy's default time only: a custom START_TIME(fmt) stays with the JavaScript
    // path, and so does a format whose separators or keys (an `extra` operator's) are not ASCII.
    if (layout === null || plan.steps.length === 0 || plan.steps.length > this.x.maxSteps()) return null
    if (plan.steps.some((s) => s.spec.kind === 'time' && s.spec.timeFormat !== undefined)) return null
    const text = (s: string): Uint8Array | null => {
      const bytes = encoder.encode(s)
      return bytes.length === s.length ? bytes : null // ASCII only: the scanner compares bytes
    }
    const prefix = text(plan.prefix)
    const seps = plan.steps.map((s) => text(s.sep))
    const constants = layout.constants.map(text)
    if (prefix === null || seps.includes(null) || constants.includes(null)) return null
    const words = 6 + 4 * plan.steps.length + 4 * layout.values.length
    const size = 4 * words + [prefix, ...seps, ...constants].reduce((n, b) => n + b!.length, 0)
    if (this.plansUsed + size > PLANS) return null
    const table = this.base + this.plansUsed
    const memory = new DataView(this.x.memory.buffer)
    const bytes = new Uint8Array(this.x.memory.buffer)
    let free = table + 4 * words
    const place = (b: Uint8Array): [number, number] => {
      bytes.set(b, free)
      free += b.length
      return [free - b.length, b.length]
    }
    const set = (i: number, v: number) => memory.setUint32(table + 4 * i, v, true)
    const [prefixAt, prefixLen] = place(prefix)
    const [tailAt, tailLen] = place(constants.at(-1)!)
    set(0, plan.steps.length)
    set(1, prefixAt)
    set(2, prefixLen)
    set(3, layout.values.length)
    set(4, tailAt)
    set(5, tailLen)
    plan.steps.forEach((step, i) => {
      const [sepAt, sepLen] = place(seps[i]!)
      set(6 + 4 * i, sepAt)
      set(7 + 4 * i, sepLen)
      set(8 + 4 * i, STEP_KIND[step.spec.kind])
      set(9 + 4 * i, step.sepStartsWithSpace ? 1 : 0)
    })
    const values = 6 + 4 * plan.steps.length
    layout.values.forEach((value, v) => {
      const [preAt, preLen] = place(constants[v]!)
      set(values + 4 * v, preAt)
      set(values + 4 * v + 1, preLen)
      set(values + 4 * v + 2, VALUE_KIND[value.kind])
      set(values + 4 * v + 3, Math.max(0, value.step))
    })
    this.plansUsed += size
    // The most a row may add beyond three bytes a character of its line: its constants, a source, digits.
    const rowBound = layout.constants.reduce((n, c) => n + c.length, 0) + SOURCE + 64 + 4 * layout.values.length
    return {at: table, rowBound}
  }
}
