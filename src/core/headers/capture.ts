// Echoed-header captures: finds every header set in a saved terminal session or file. Pure: it gets the
// whole text and returns the sets, each with the line it starts on, and a skip for every line it could not
// place. Formats, told apart line by line:
//   httpbin JSON   {"headers": {...}}, pretty-printed or NDJSON, several concatenated; go-httpbin's
//                  arrays of values; a bare header map (`jq .headers`) when it has a Host
//   HAR            log.entries[].request/response.headers, and a response body that is httpbin JSON
//   curl -v        `> Name: v` (request) and `< Name: v` (response) lines; `*` info lines are passed over
//   curl -D -      a status line, headers, a blank line; one block per response after redirects
//   raw            `Name: value` lines (maybe after a request line), blocks separated by blank lines

import type {Capture, CaptureFormat, CaptureSkip, CaptureSkipReason, HeaderField, HeaderSet, HeaderSetKind} from './types.js'

export interface CaptureOptions {
  /** The capture's name in every source: a file name, or `-` for stdin. */
  input?: string
}

/** Reads a capture. Never throws. */
export function parseCapture(text: string, options: CaptureOptions = {}): Capture {
  return new CaptureReader(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, options.input ?? 'capture').read()
}

const STATUS_LINE = /^HTTP\/\d(?:\.\d)? (\d{3})(?: .*)?$/
const REQUEST_LINE = /^([A-Z]+) (\S+) HTTP\/\d(?:\.\d)?$/
// RFC 9110 token characters; a leading `:` allows HTTP/2 pseudo-headers as some tools print them.
const HEADER_LINE = /^(:?[!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*(.*)$/
const CURL_DATA = /^[{}] \[\d+ bytes data\]$/
const JSON_ARRAY_START = /^\s*\[\s*(?:$|[{\]])/

class CaptureReader {
  private readonly lines: string[]
  private readonly starts: number[] = []
  private readonly sets: HeaderSet[] = []
  private readonly skipped: CaptureSkip[] = []
  // Scanning for the end of unterminated JSON runs to the end of the text; the budget keeps a capture of
  // many such lines linear instead of quadratic.
  private jsonBudget: number

  constructor(
    private readonly text: string,
    private readonly input: string,
  ) {
    this.lines = text.split('\n')
    if (this.lines.length > 0 && this.lines.at(-1) === '') this.lines.pop()
    let at = 0
    for (const line of this.lines) {
      this.starts.push(at)
      at += line.length + 1
    }
    this.lines = this.lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l))
    this.jsonBudget = 8 * text.length + (1 << 20)
  }

  read(): Capture {
    let i = 0
    while (i < this.lines.length) i = this.readFrom(i)
    return {sets: this.sets, skipped: this.skipped, linesRead: this.lines.length}
  }

  /** Reads whatever starts at line index i; returns the index of the next unread line. */
  private readFrom(i: number): number {
    const line = this.lines[i] as string
    const trimmed = line.trim()
    if (trimmed === '' || CURL_DATA.test(line) || line === '*' || line.startsWith('* ')) return i + 1
    if (line.includes('\0')) return this.skip(i, 'binary')
    if (line.startsWith('>') && (line.length === 1 || line[1] === ' ')) return this.readCurlBlock(i, '>')
    if (line.startsWith('<') && (line.length === 1 || line[1] === ' ')) return this.readCurlBlock(i, '<')
    if (trimmed.startsWith('{') || JSON_ARRAY_START.test(line)) return this.readJson(i)
    if (STATUS_LINE.test(line)) return this.readHeaderBlock(i, 'response', 'curl-dump', true)
    // A raw request dump (nc -l, a server's log) shows what a listener received: its direction is the
    // echo's, so it is not labelled `request` like curl's own `>` lines.
    if (REQUEST_LINE.test(line)) return this.readHeaderBlock(i, 'headers', 'raw', true)
    if (parseHeaderLine(line)) return this.readHeaderBlock(i, 'headers', 'raw', false)
    return this.skip(i, 'unrecognised')
  }

  /** Records line i as skipped, once: a second failure on the same line (two values, a value and text) adds nothing. */
  private skip(i: number, reason: CaptureSkipReason, detail?: string): number {
    const last = this.skipped[this.skipped.length - 1]
    if (last?.line !== i + 1) this.skipped.push(detail === undefined ? {line: i + 1, reason} : {line: i + 1, reason, detail})
    return i + 1
  }

  // ---- header blocks ----------------------------------------------------------------------------------

  /** A status or request line (optional) then `Name: value` lines, up to a blank or foreign line. */
  private readHeaderBlock(i: number, kind: HeaderSetKind, format: CaptureFormat, startLine: boolean): number {
    const set = this.newSet(kind, format, i)
    let j = i
    if (startLine) readStartLine(set, this.lines[j++] as string)
    for (; j < this.lines.length; j++) {
      const line = this.lines[j] as string
      if (line.trim() === '') break
      if ((line[0] === ' ' || line[0] === '\t') && set.headers.length > 0) {
        foldInto(set.headers, line) // obs-fold: a continuation of the previous value
        continue
      }
      const header = parseHeaderLine(line)
      if (!header) break
      set.headers.push({...header, line: j + 1})
    }
    this.sets.push(set)
    return j
  }

  /** curl -v: `> ` lines are what curl sent, `< ` lines what came back; `* ` info lines may interleave. */
  private readCurlBlock(i: number, mark: '>' | '<'): number {
    const kind: HeaderSetKind = mark === '>' ? 'request' : 'response'
    let set: HeaderSet | undefined
    let j = i
    for (; j < this.lines.length; j++) {
      const line = this.lines[j] as string
      if (line === '*' || line.startsWith('* ')) continue
      if (!line.startsWith(mark) || (line.length > 1 && line[1] !== ' ')) break
      const body = line.slice(2)
      if (body.trim() === '') {
        j++
        break
      }
      if (STATUS_LINE.test(body) || REQUEST_LINE.test(body)) {
        if (set) this.sets.push(set)
        set = this.newSet(kind, 'curl-verbose', j)
        readStartLine(set, body)
        continue
      }
      set ??= this.newSet(kind, 'curl-verbose', j)
      const header = parseHeaderLine(body)
      if (header) set.headers.push({...header, line: j + 1})
      else this.skip(j, 'bad-header-line')
    }
    if (set) this.sets.push(set)
    return Math.max(j, i + 1)
  }

  private newSet(kind: HeaderSetKind, format: CaptureFormat, i: number): HeaderSet {
    return {kind, format, source: {input: this.input, line: i + 1}, headers: []}
  }

  // ---- JSON ---------------------------------------------------------------------------------------------

  /** One or more JSON values starting on line i (`}{` and NDJSON included). */
  private readJson(i: number): number {
    const line = this.lines[i] as string
    let at = (this.starts[i] as number) + (line.length - line.trimStart().length)
    for (;;) {
      const end = this.scanJsonEnd(at)
      if (end === -1) return this.skipUnterminatedJson(i)
      const lastLine = this.lineAt(end - 1)
      this.readJsonValue(at, end)
      // What follows the value on its last line: another value, nothing, or stray text.
      const lineEnd = (this.starts[lastLine] as number) + (this.lines[lastLine] as string).length
      const rest = this.text.slice(end, lineEnd)
      const next = rest.trimStart()
      if (next === '') return lastLine + 1
      if (next[0] !== '{' && next[0] !== '[') return this.skip(lastLine, 'unrecognised', 'text after a JSON value')
      at = end + (rest.length - next.length)
    }
  }

  private readJsonValue(start: number, end: number): void {
    let value: unknown
    try {
      value = JSON.parse(this.text.slice(start, end))
    } catch (err) {
      this.skip(this.lineAt(start), 'bad-json', err instanceof Error ? err.message : undefined)
      return
    }
    const found = new JsonHeaderFinder(this, start, end).find(value)
    if (found === 0) this.skip(this.lineAt(start), 'json-no-headers')
  }

  /** Skips to the next blank line or line that starts a JSON value at column 0: where a new document may begin. */
  private skipUnterminatedJson(i: number): number {
    let j = i + 1
    while (j < this.lines.length) {
      const l = this.lines[j] as string
      if (l.trim() === '' || l[0] === '{' || (l[0] === '[' && JSON_ARRAY_START.test(l))) break
      j++
    }
    this.skip(i, 'bad-json', j - i > 1 ? `JSON never closes; ${j - i} lines skipped` : 'JSON never closes')
    return j
  }

  /** The offset just past the JSON value starting at `start`, by bracket depth outside strings; -1 if it never closes. */
  private scanJsonEnd(start: number): number {
    const {text} = this
    let depth = 0
    let inString = false
    let i = start
    for (; i < text.length && this.jsonBudget > 0; i++) {
      this.jsonBudget--
      const c = text.charCodeAt(i)
      if (inString) {
        if (c === 0x5c) i++
        else if (c === 0x22) inString = false
      } else if (c === 0x22) inString = true
      else if (c === 0x7b || c === 0x5b) depth++
      else if (c === 0x7d || c === 0x5d) {
        if (--depth === 0) return i + 1
      }
    }
    return -1
  }

  lineAt(offset: number): number {
    let lo = 0
    let hi = this.starts.length - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1
      if ((this.starts[mid] as number) <= offset) lo = mid
      else hi = mid - 1
    }
    return lo
  }

  addSet(set: HeaderSet): void {
    this.sets.push(set)
  }

  get source(): string {
    return this.text
  }

  get name(): string {
    return this.input
  }
}

/**
 * Turns a parsed JSON value into header sets. JSON.parse forgets positions, so lines are found again by
 * searching the document's text for each key in order: good for every pretty-printer and NDJSON, and a
 * header whose key was written with unusual escapes falls back to its set's line.
 */
class JsonHeaderFinder {
  private cursor: number
  private found = 0

  constructor(
    private readonly reader: CaptureReader,
    private readonly start: number,
    private readonly end: number,
  ) {
    this.cursor = start
  }

  find(value: unknown): number {
    if (Array.isArray(value)) value.forEach((v) => this.findInDocument(v))
    else this.findInDocument(value)
    return this.found
  }

  private findInDocument(value: unknown): void {
    if (!isObject(value)) return
    const log = value.log
    if (isObject(log) && Array.isArray(log.entries)) return this.findInHar(log.entries)
    if (isObject(value.headers)) return this.addEcho(value.headers, this.locateKey('headers'))
    if (Object.keys(value).some((k) => k.toLowerCase() === 'host') && Object.values(value).every(isHeaderValue)) {
      return this.addEcho(value, this.lineOf(this.start))
    }
  }

  private addEcho(map: Record<string, unknown>, line: number): void {
    const set: HeaderSet = {kind: 'echo', format: 'httpbin-json', source: {input: this.reader.name, line}, headers: []}
    for (const [name, raw] of Object.entries(map)) {
      const at = this.locateKey(name, line)
      for (const value of headerValuesOf(raw)) set.headers.push({name, value, line: at})
    }
    this.emit(set)
  }

  private findInHar(entries: unknown[]): void {
    for (const entry of entries) {
      if (!isObject(entry)) continue
      for (const side of ['request', 'response'] as const) {
        const message = entry[side]
        if (!isObject(message)) continue
        const line = this.locateKey(side)
        const set: HeaderSet = {kind: side, format: 'har', source: {input: this.reader.name, line}, headers: []}
        if (side === 'request' && typeof message.method === 'string') set.method = message.method
        if (side === 'request' && typeof message.url === 'string') set.path = message.url
        if (side === 'response' && typeof message.status === 'number') set.status = message.status
        for (const h of Array.isArray(message.headers) ? message.headers : []) {
          if (isObject(h) && typeof h.name === 'string' && typeof h.value === 'string') {
            set.headers.push({name: h.name, value: h.value, line: this.locateString(h.name, line)})
          }
        }
        this.emit(set)
        if (side === 'response') this.findInHarBody(message, line)
      }
    }
  }

  /** A HAR of `curl httpbin.org/headers` holds the echo itself as the response body. */
  private findInHarBody(response: Record<string, unknown>, line: number): void {
    const content = response.content
    if (!isObject(content) || typeof content.text !== 'string' || !content.text.trimStart().startsWith('{')) return
    let body: unknown
    try {
      body = JSON.parse(content.text)
    } catch {
      return
    }
    if (isObject(body) && isObject(body.headers)) {
      // The body is one JSON string on one line: every header in it cites the line of "text".
      const at = this.locateKey('text', line)
      const set: HeaderSet = {kind: 'echo', format: 'har', source: {input: this.reader.name, line: at}, headers: []}
      for (const [name, raw] of Object.entries(body.headers)) {
        for (const value of headerValuesOf(raw)) set.headers.push({name, value, line: at})
      }
      this.emit(set)
    }
  }

  private emit(set: HeaderSet): void {
    this.reader.addSet(set)
    this.found++
  }

  /** The line of the next `"key":` after the cursor, moving the cursor past it. */
  private locateKey(key: string, fallback?: number): number {
    const quoted = JSON.stringify(key)
    const text = this.reader.source
    for (let at = text.indexOf(quoted, this.cursor); at !== -1 && at < this.end; at = text.indexOf(quoted, at + 1)) {
      let k = at + quoted.length
      while (k < this.end && isJsonSpace(text.charCodeAt(k))) k++
      if (text.charCodeAt(k) === 0x3a /* : */) {
        this.cursor = k + 1
        return this.lineOf(at)
      }
    }
    return fallback ?? this.lineOf(this.start)
  }

  /** The line of the next occurrence of a JSON string after the cursor (a HAR header's name). */
  private locateString(value: string, fallback: number): number {
    const at = this.reader.source.indexOf(JSON.stringify(value), this.cursor)
    if (at === -1 || at >= this.end) return fallback
    this.cursor = at + 1
    return this.lineOf(at)
  }

  private lineOf(offset: number): number {
    return this.reader.lineAt(offset) + 1
  }
}

function readStartLine(set: HeaderSet, line: string): void {
  const status = STATUS_LINE.exec(line)
  if (status) {
    set.status = Number(status[1])
    return
  }
  const request = REQUEST_LINE.exec(line)
  if (request) {
    set.method = request[1]
    set.path = request[2]
  }
}

function parseHeaderLine(line: string): {name: string; value: string} | undefined {
  const m = HEADER_LINE.exec(line)
  if (!m) return undefined
  const value = (m[2] as string).trimEnd()
  // `https://host/path` in a transcript is a URL, not a header named "https".
  if (value.startsWith('//')) return undefined
  return {name: m[1] as string, value}
}

function foldInto(headers: HeaderField[], line: string): void {
  const last = headers[headers.length - 1] as HeaderField
  last.value = `${last.value} ${line.trim()}`
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v)
const isHeaderValue = (v: unknown) => typeof v === 'string' || (Array.isArray(v) && v.every((x) => typeof x === 'string'))
const isJsonSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09

/** httpbin gives a string; go-httpbin an array of strings; numbers and booleans are written as text. */
function headerValuesOf(raw: unknown): string[] {
  if (typeof raw === 'string') return [raw]
  if (typeof raw === 'number' || typeof raw === 'boolean') return [String(raw)]
  if (Array.isArray(raw)) return raw.filter((v) => typeof v === 'string') as string[]
  return []
}
