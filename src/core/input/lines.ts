// Splits decoded text chunks into lines, synchronously: one callback per line and no promise per line,
// so a million-line log costs a million calls, not a million microtasks (readline's `for await` pays
// one promise per line). Memory is bounded as in split2 (mcollina/split2), but without its re-split of
// the whole carry: each character is scanned once, in the chunk it arrived in, and a line that grows
// past the limit is counted as 'too-long' rather than dropped silently.


/** The longest line kept, in characters (UTF-16 code units); longer lines are skipped as 'too-long'. */
export const MAX_LINE = 1 << 20

const LF = '\n'
const CR = 0x0d

/**
 * Receives each line: its text without `\n` and without a trailing `\r`, or null when it was longer than
 * the limit. `n` is 1-based. `plain`: every character of the line is printable ASCII other than `\` (see
 * text/plain.ts), known from a test of the whole chunk; false for a null line, and always false unless
 * the splitter was asked to test.
 */
export type OnLine = (text: string | null, n: number, plain: boolean) => void

/**
 * Receives the lines wholly inside a plain chunk at once, instead of OnLine: text[from, to), each line
 * ending in `\n`, the first numbered n. Returns how many lines that is (it must take them all).
 */
export type OnBlock = (text: string, from: number, to: number, n: number) => number

/**
 * Feed it chunks with push() and finish with end(). Lines inside a chunk are slices of it, so a line (or a
 * slice of one) kept after its callback keeps the whole chunk alive: copy what outlives the line. The carry holds at most max characters of a line (max + 1 while a `\r`
 * waits for its `\n`); past that the line's text is dropped and it is reported as null at its newline.
 */
export class LineSplitter {
  readonly #max: number
  readonly #isPlain: ((chunk: string) => boolean) | undefined
  /** The start of the current line, from earlier chunks: never longer than max + 1 (a pending `\r`). */
  #carry = ''
  /** The current line has outgrown max: its text is gone and it is reported as null at its newline. */
  #over = false
  /** Every chunk the carry came from is plain. */
  #carryPlain = false
  #n = 0

  /** `isPlain`: the test of each chunk for OnLine's `plain` (text/plain.ts isPlainText, or one that does more). */
  constructor(max = MAX_LINE, isPlain?: (chunk: string) => boolean) {
    this.#max = max
    this.#isPlain = isPlain
  }

  /** Lines emitted so far. */
  get count(): number {
    return this.#n
  }

  /** Feeds one decoded chunk; calls onLine for every line it completes (onBlock, if given, for a plain chunk's inner lines). */
  push(chunk: string, onLine: OnLine, onBlock?: OnBlock): void {
    // A CR before a LF is not plain: a CRLF log takes the long way (escaping, in parse), correctly.
    const plain = this.#isPlain !== undefined && this.#isPlain(chunk)
    let nl = chunk.indexOf(LF)
    if (nl === -1) {
      this.#append(chunk, 0, plain)
      return
    }
    this.#finishCarried(chunk, nl, plain, onLine)
    const max = this.#max
    let from = nl + 1
    if (plain && onBlock !== undefined) {
      const last = chunk.lastIndexOf(LF)
      if (last >= from) {
        this.#n += onBlock(chunk, from, last + 1, this.#n + 1)
        from = last + 1
      }
    }
    // The hot loop: lines wholly inside this chunk are sliced straight out of it.
    for (nl = chunk.indexOf(LF, from); nl !== -1; nl = chunk.indexOf(LF, from)) {
      const end = nl > from && chunk.charCodeAt(nl - 1) === CR ? nl - 1 : nl
      if (end - from > max) onLine(null, ++this.#n, false)
      else onLine(chunk.slice(from, end), ++this.#n, plain)
      from = nl + 1
    }
    this.#append(chunk, from, plain)
  }

  /** End of input: emits the last line if it has no trailing newline (an empty remainder is not a line). */
  end(onLine: OnLine): void {
    if (this.#over) onLine(null, ++this.#n, false)
    else if (this.#carry !== '') {
      const carry = this.#carry
      const cr = carry.charCodeAt(carry.length - 1) === CR
      // Only a pending `\r` may take the carry to max + 1, so after trimming it the line fits.
      onLine(cr ? carry.slice(0, -1) : carry, ++this.#n, this.#carryPlain)
    }
    this.#carry = ''
    this.#over = false
  }

  /** Completes the line that began in earlier chunks (if any) with chunk[0, nl). */
  #finishCarried(chunk: string, nl: number, plain: boolean, onLine: OnLine): void {
    const carry = this.#carry
    if (this.#over) {
      onLine(null, ++this.#n, false)
    } else if (carry === '') {
      const end = nl > 0 && chunk.charCodeAt(nl - 1) === CR ? nl - 1 : nl
      if (end > this.#max) onLine(null, ++this.#n, false)
      else onLine(chunk.slice(0, end), ++this.#n, plain)
    } else {
      // The `\r` of a CRLF may be the last character of the carry when a chunk ended between the two.
      const cr = nl > 0 ? chunk.charCodeAt(nl - 1) === CR : carry.charCodeAt(carry.length - 1) === CR
      const length = carry.length + nl - (cr ? 1 : 0)
      let text: string | null = null
      if (length <= this.#max) {
        if (nl === 0) text = cr ? carry.slice(0, -1) : carry
        else text = carry + chunk.slice(0, cr ? nl - 1 : nl)
      }
      onLine(text, ++this.#n, text !== null && plain && this.#carryPlain)
    }
    this.#carry = ''
    this.#over = false
  }

  /** Keeps chunk[from, end) as the start of the next line, unless that makes the line too long. */
  #append(chunk: string, from: number, plain: boolean): void {
    if (this.#over || from === chunk.length) return
    this.#carryPlain = this.#carry === '' ? plain : this.#carryPlain && plain
    const length = this.#carry.length + chunk.length - from
    // One character over is allowed only while it is a `\r` that a `\n` in the next chunk may end.
    if (length > this.#max + 1 || (length === this.#max + 1 && chunk.charCodeAt(chunk.length - 1) !== CR)) {
      this.#carry = ''
      this.#over = true
      return
    }
    this.#carry += from === 0 ? chunk : chunk.slice(from)
  }
}
