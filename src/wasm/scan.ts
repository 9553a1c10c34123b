// The access-log scanner, in AssemblyScript (compiled to WebAssembly by `npm run build`): matches plain
// lines against one compiled text format and writes their NDJSON rows, byte for byte what the JavaScript
// path (core/accesslog/ndjson.ts) writes. JavaScript costs V8 11 about 57 instructions a character in a
// loop and a few hundred a native call; here a byte costs a few. Any line it is not sure of — it does not
// fit the format on the first alignment, a value holds a `"`, a time is not RFC 3339, the line is too
// long — it leaves to the JavaScript path, which decides everything else (core/accesslog/scanner.ts).
//
// Memory is laid out by the caller (no allocator): a plan table, the input lines, the output.
//
// Plan table (u32 words): nsteps, prefixAt, prefixLen, nvalues, tailAt, tailLen, then nsteps × STEP
// words (sepAt, sepLen, kind, spaceSep), then nvalues × VALUE words (preAt, preLen, kind, step).

const STEP: usize = 4
const VALUE: usize = 4
const HEADER: usize = 6

// Step kinds: what a field must look like (parse-text.ts `fits`).
const K_TEXT: u32 = 0
const K_INT: u32 = 1
const K_TIME: u32 = 2
const K_FLAGS: u32 = 3
const K_PROTOCOL: u32 = 4
const K_TOKEN: u32 = 5

// Value kinds: how a field is written (ndjson.ts).
const V_TEXT: u32 = 0
const V_INT: u32 = 1
const V_FLAGS: u32 = 2
const V_CLUSTER: u32 = 3
const V_TIME: u32 = 4
const V_MS: u32 = 5
const V_SOURCE: u32 = 6

const QUOTE: u8 = 0x22
const DASH: u8 = 0x2d
const NL: u8 = 0x0a

/** Where the last scan stopped: the first line not written, the end of the output, how many rows. */
export let stoppedAt: usize = 0
export let written: usize = 0
export let rows: i32 = 0
/** The last scan stopped because the next row might not fit in the output. */
export let full: bool = false

// Field boundaries of the line being matched, and its start time.
const MAX_STEPS = 64
const bounds = new StaticArray<i32>(MAX_STEPS * 2)
let timeMs: i64 = 0

export function maxSteps(): i32 {
  return MAX_STEPS
}

@inline function word(at: usize, i: usize): u32 {
  return load<u32>(at + (i << 2))
}

@inline function isDigit(c: u32): bool {
  return c - 0x30 < 10
}

// Eight bytes at a time (SWAR): a word has a zero byte where (w - 0x01…01) & ~w & 0x80…80 is set, so a
// byte c is found where the word XOR c repeated has a zero. Words are read up to seven bytes past the end
// of what is searched: still inside the module's memory (the caller keeps slack after every region).
const ONES: u64 = 0x0101010101010101
const HIGHS: u64 = 0x8080808080808080

/** The first byte c in [p, end), or end. */
function find(p: usize, end: usize, c: u8): usize {
  const pattern = ONES * <u64>c
  while (p < end) {
    const w = load<u64>(p) ^ pattern
    const hit = (w - ONES) & ~w & HIGHS
    if (hit != 0) {
      const at = p + <usize>(ctz(hit) >> 3)
      return at < end ? at : end
    }
    p += 8
  }
  return end
}

/** The first occurrence of the separator [sep, sep + n) in [p, end), or -1. */
function indexOf(p: usize, end: usize, sep: usize, n: usize): isize {
  if (n == 0) return <isize>p
  const c0 = load<u8>(sep)
  if (end - p < n) return -1
  const last = end - n
  for (let i = find(p, last + 1, c0); i <= last; i = find(i + 1, last + 1, c0)) {
    let k: usize = 1
    while (k < n && load<u8>(i + k) == load<u8>(sep + k)) k++
    if (k == n) return <isize>i
  }
  return -1
}

const LOW7: u64 = 0x7f7f7f7f7f7f7f7f

/** The high bit of each byte of w that is zero, exactly (no borrow from the byte below). */
@inline function zeros(w: u64): u64 {
  return ~(((w & LOW7) + LOW7) | w) & HIGHS
}

/**
 * Whether [at, end) is plain text of lines (text/plain.ts isPlainText): no control character but the
 * newline, no `\`, no DEL. The caller has checked it is ASCII (every byte below 0x80).
 */
export function plain(at: usize, end: usize): bool {
  const nl = ONES * 0x0a
  const backslash = ONES * 0x5c
  const del = ONES * 0x7f
  // A byte below 0x20 is one whose low seven bits plus 0x60 do not reach 0x80.
  const lift = ONES * 0x60
  let p = at
  for (; p + 8 <= end; p += 8) {
    const w = load<u64>(p)
    const control = ~(((w & LOW7) + lift) | w) & HIGHS
    if ((control & ~zeros(w ^ nl)) | zeros(w ^ backslash) | zeros(w ^ del)) return false
  }
  for (; p < end; p++) {
    const c = load<u8>(p)
    if ((c < 0x20 && c != NL) || c == 0x5c || c == 0x7f) return false
  }
  return true
}

@inline function noSpace(p: usize, e: usize): bool {
  return find(p, e, 0x20) == e
}

@inline function hasQuote(p: usize, e: usize): bool {
  return find(p, e, QUOTE) != e
}

/** Digits at [at, at + n) as a number, or -1. */
function num(at: usize, n: usize): i32 {
  let v = 0
  for (let i: usize = 0; i < n; i++) {
    const d = <u32>load<u8>(at + i) - 0x30
    if (d > 9) return -1
    v = v * 10 + <i32>d
  }
  return v
}

const DAYS: StaticArray<i32> = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

@inline function leap(y: i32): bool {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(y: i32, m: i32, d: i32): i64 {
  if (m <= 2) y -= 1
  const era = (y >= 0 ? y : y - 399) / 400
  const yoe = y - era * 400
  const doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
  const doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
  return <i64>era * 146097 + <i64>doe - 719468
}

/** start-time.ts readStartTime: RFC 3339 at [at, end) into timeMs; false where it returns NaN. */
function readTime(at: usize, end: usize): bool {
  if (end - at < 20 || load<u8>(at + 4) != DASH || load<u8>(at + 7) != DASH) return false
  const sep = load<u8>(at + 10)
  if ((sep != 0x54 && sep != 0x20) || load<u8>(at + 13) != 0x3a || load<u8>(at + 16) != 0x3a) return false
  let i = at + 19
  let ms = 0
  if (i < end && (load<u8>(i) == 0x2e || load<u8>(i) == 0x2c)) {
    i++
    const from = i
    let scale = 100
    for (; i < end; i++) {
      const d = <u32>load<u8>(i) - 0x30
      if (d > 9) break
      ms += <i32>d * scale
      scale /= 10
    }
    if (i == from) return false
  }
  let offsetMin = 0
  if (i >= end) return false
  const z = load<u8>(i)
  if (z == 0x5a || z == 0x7a) i++
  else if (z == 0x2b || z == DASH) {
    if (end - i < 3) return false
    const oh = num(i + 1, 2)
    const colon: usize = i + 3 < end && load<u8>(i + 3) == 0x3a ? 1 : 0
    if (i + 5 + colon > end) return false
    const om = num(i + 3 + colon, 2)
    if (oh < 0 || om < 0) return false
    offsetMin = (z == 0x2b ? 1 : -1) * (oh * 60 + om)
    i += 5 + colon
  } else return false
  if (i != end) return false
  const y = num(at, 4)
  const mo = num(at + 5, 2)
  const d = num(at + 8, 2)
  const h = num(at + 11, 2)
  const mi = num(at + 14, 2)
  const s = num(at + 17, 2)
  if (y < 0 || mo < 1 || mo > 12 || d < 1 || h < 0 || mi < 0 || s < 0) return false
  if (d > unchecked(DAYS[mo - 1]) || h > 23 || mi > 59 || s > 60) return false
  if (mo == 2 && d == 29 && !leap(y)) return false
  timeMs = ((daysFromCivil(y, mo, d) * 24 + h) * 60 + mi) * 60000 + <i64>s * 1000 + ms - <i64>offsetMin * 60000
  return true
}

/** parse-text.ts `fits` for one field. */
function fits(kind: u32, spaceSep: bool, p: usize, e: usize): bool {
  if (kind == K_TEXT) return true
  if (kind == K_INT) {
    if (e == p) return false
    if (e == p + 1 && load<u8>(p) == DASH) return true
    if (e - p > 15) return false
    for (let i = p; i < e; i++) if (!isDigit(load<u8>(i))) return false
    return true
  }
  if (kind == K_TIME) return readTime(p, e)
  if (kind == K_FLAGS) {
    if (e == p) return false
    for (let i = p; i < e; i++) {
      const c = <u32>load<u8>(i)
      const letter = (c >= 65 && c <= 90) || (c >= 97 && c <= 122)
      if (!letter && !isDigit(c) && c != 0x2c && c != 0x5f && !(c == DASH && e == p + 1)) return false
    }
    return true
  }
  if (kind == K_PROTOCOL) {
    if (e == p + 1) return load<u8>(p) == DASH
    if (e - p < 5 || e - p > 16) return false
    if (load<u8>(p) != 0x48 || load<u8>(p + 1) != 0x54 || load<u8>(p + 2) != 0x54 || load<u8>(p + 3) != 0x50 || load<u8>(p + 4) != 0x2f) return false
    return noSpace(p, e)
  }
  // K_TOKEN
  return e > p && (spaceSep || noSpace(p, e))
}

const NO: i32 = -1
const CLEAN: i32 = 0
const QUOTED: i32 = 1

/**
 * The line [p, end) against the plan on the first alignment (parse-text.ts matchClean), field boundaries
 * into `bounds`: NO, CLEAN, or QUOTED when a value other than a number or flags holds a `"` (quoteInValue).
 * Without `quotes`, a quoted line is NO, found sooner: the first quote after a field whose separator
 * starts with one must be the separator's.
 */
function match(plan: usize, p: usize, end: usize, quotes: bool): i32 {
  const nsteps = <usize>word(plan, 0)
  const prefixAt = <usize>word(plan, 1)
  const prefixLen = <usize>word(plan, 2)
  if (end - p < prefixLen) return NO
  for (let k: usize = 0; k < prefixLen; k++) if (load<u8>(p + k) != load<u8>(prefixAt + k)) return NO
  let result = CLEAN
  p += prefixLen
  const steps = plan + (HEADER << 2)
  const last = nsteps - 1
  for (let i: usize = 0; i < nsteps; i++) {
    const st = steps + ((i * STEP) << 2)
    const sepAt = <usize>word(st, 0)
    const sepLen = <usize>word(st, 1)
    const kind = word(st, 2)
    let e: usize
    // Whether the value is yet to be searched for a quote: not when the search for its separator has.
    let check = kind != K_INT && kind != K_FLAGS
    if (i < last) {
      if (!quotes && sepLen > 0 && load<u8>(sepAt) == QUOTE) {
        const q = find(p, end, QUOTE)
        if (end - q < sepLen) return NO
        for (let k: usize = 1; k < sepLen; k++) if (load<u8>(q + k) != load<u8>(sepAt + k)) return NO
        e = q
        check = false
      } else {
        const at = indexOf(p, end, sepAt, sepLen)
        if (at < 0) return NO
        e = <usize>at
      }
    } else {
      e = end
      if (sepLen > 0) {
        if (end - p < sepLen) return NO
        for (let k: usize = 0; k < sepLen; k++) if (load<u8>(end - sepLen + k) != load<u8>(sepAt + k)) return NO
        e = end - sepLen
      }
    }
    if (!fits(kind, word(st, 3) != 0, p, e)) return NO
    if (check && hasQuote(p, e)) {
      if (!quotes) return NO
      result = QUOTED
    }
    unchecked((bounds[<i32>(i << 1)] = <i32>p))
    unchecked((bounds[<i32>(i << 1) + 1] = <i32>e))
    p = e + sepLen
  }
  return result
}

/** Copies n bytes with each `"` written as `\"`: a value of a line with quotes in it (ndjson.ts quote). */
function putQuoted(o: usize, from: usize, n: usize): usize {
  for (let i: usize = 0; i < n; i++) {
    const c = load<u8>(from + i)
    if (c == QUOTE) store<u8>(o++, 0x5c)
    store<u8>(o++, c)
  }
  return o
}

/** Copies n bytes, eight at a time: up to seven bytes past o + n are written too, and overwritten by what follows (the output has slack). */
@inline function put(o: usize, from: usize, n: usize): usize {
  for (let i: usize = 0; i < n; i += 8) store<u64>(o + i, load<u64>(from + i))
  return o + n
}

@inline function isDash(p: usize, e: usize): bool {
  return e == p + 1 && load<u8>(p) == DASH
}

function putDigits(o: usize, n: i64): usize {
  if (n < 0) {
    store<u8>(o++, DASH)
    n = -n
  }
  let digits: usize = 1
  for (let m = n; m >= 10; m /= 10) digits++
  const end = o + digits
  let k = end
  do {
    k--
    store<u8>(k, <u8>(0x30 + <i32>(n % 10)))
    n /= 10
  } while (k > o)
  return end
}

const NULL: u32 = 0x6c6c756e // "null", little-endian

// The envelope of a line with a kubectl --prefix (`[pod/NAME/CONTAINER] `) and --timestamps, read by scan.
let stampAt: usize = 0
let stampLen: usize = 0
let podAt: usize = 0
let podLen: usize = 0
let containerAt: usize = 0
let containerLen: usize = 0
const POD = memory.data<u8>([0x2c, 0x22, 0x70, 0x6f, 0x64, 0x22, 0x3a, 0x22]) // ,"pod":"
const CONTAINER = memory.data<u8>([0x2c, 0x22, 0x63, 0x6f, 0x6e, 0x74, 0x61, 0x69, 0x6e, 0x65, 0x72, 0x22, 0x3a, 0x22]) // ,"container":"
const TIMESTAMP = memory.data<u8>([0x2c, 0x22, 0x74, 0x69, 0x6d, 0x65, 0x73, 0x74, 0x61, 0x6d, 0x70, 0x22, 0x3a, 0x22]) // ,"timestamp":"

@inline function digitsAt(at: usize, n: usize): bool {
  for (let i: usize = 0; i < n; i++) if (!isDigit(load<u8>(at + i))) return false
  return true
}

/**
 * envelope.ts stampEnd for kubectl --timestamps (RFC 3339, 0–9 fraction digits, `Z` or ±hh:mm) followed
 * by a space: the stamp's end, or 0. stern's short time is the JavaScript path's.
 */
function stampEnd(at: usize, end: usize): usize {
  if (end - at < 21) return 0
  if (!digitsAt(at, 4) || load<u8>(at + 4) != DASH || !digitsAt(at + 5, 2) || load<u8>(at + 7) != DASH || !digitsAt(at + 8, 2)) return 0
  if (load<u8>(at + 10) != 0x54 || !digitsAt(at + 11, 2) || load<u8>(at + 13) != 0x3a || !digitsAt(at + 14, 2)) return 0
  if (load<u8>(at + 16) != 0x3a || !digitsAt(at + 17, 2)) return 0
  let i = at + 19
  if (load<u8>(i) == 0x2e) {
    const first = ++i
    while (i - first < 9 && i < end && isDigit(load<u8>(i))) i++
    if (i == first) return 0
  }
  if (i >= end) return 0
  const zone = load<u8>(i)
  if (zone == 0x5a) i += 1
  else if ((zone == 0x2b || zone == DASH) && end - i > 6 && digitsAt(i + 1, 2) && load<u8>(i + 3) == 0x3a && digitsAt(i + 4, 2)) i += 6
  else return 0
  return i < end && load<u8>(i) == 0x20 ? i : 0
}

// Kubernetes names: lowercase DNS labels and subdomains (envelope.ts isNameChar).
@inline function isNameChar(c: u32): bool {
  return c - 0x61 < 26 || c - 0x30 < 10 || c == 0x2d || c == 0x2e
}

/**
 * envelope.ts unwrapKubectlPrefix, for a prefix followed by a space and more: `[pod/` NAME `/` CONTAINER
 * `]` and a space. The body's start, or 0 when the line is not that (the JavaScript path reads it).
 */
function kubectlPrefix(at: usize, end: usize): usize {
  if (end - at < 6 || load<u8>(at + 2) != 0x6f || load<u8>(at + 3) != 0x64 || load<u8>(at + 4) != 0x2f) return 0
  let slash = at + 5
  while (slash < end && isNameChar(load<u8>(slash))) slash++
  if (slash == at + 5 || slash >= end || load<u8>(slash) != 0x2f) return 0
  let close = slash + 1
  while (close < end && isNameChar(load<u8>(close))) close++
  if (close + 2 >= end || load<u8>(close) != 0x5d || load<u8>(close + 1) != 0x20) return 0
  podAt = at + 5
  podLen = slash - podAt
  containerAt = slash + 1
  containerLen = close - containerAt
  return close + 2
}

/** Writes the row of the matched line at o; returns the end. */
function row(plan: usize, o: usize, src: usize, srcLen: usize, line: i64, quoted: bool): usize {
  const nsteps = <usize>word(plan, 0)
  const nvalues = <usize>word(plan, 3)
  const values = plan + (HEADER << 2) + ((nsteps * STEP) << 2)
  for (let v: usize = 0; v < nvalues; v++) {
    const val = values + ((v * VALUE) << 2)
    o = put(o, <usize>word(val, 0), <usize>word(val, 1))
    const kind = word(val, 2)
    const step = <usize>word(val, 3)
    const p = <usize>unchecked(bounds[<i32>(step << 1)])
    let e = <usize>unchecked(bounds[<i32>(step << 1) + 1])
    if (kind == V_SOURCE) {
      o = put(o, src, srcLen)
      o = putDigits(o, line)
      if (podLen > 0) {
        o = put(o, POD, 8)
        o = put(o, podAt, podLen)
        store<u8>(o++, QUOTE)
        // kubectl's prefix without a container name: no container in the source (envelope.ts).
        if (containerLen > 0) {
          o = put(o, CONTAINER, 14)
          o = put(o, containerAt, containerLen)
          store<u8>(o++, QUOTE)
        }
      }
      if (stampLen > 0) {
        o = put(o, TIMESTAMP, 14)
        o = put(o, stampAt, stampLen)
        store<u8>(o++, QUOTE)
      }
      store<u8>(o++, 0x7d)
    } else if (kind == V_MS) {
      o = putDigits(o, timeMs)
    } else if (kind == V_TIME) {
      o = quoted ? putQuoted(o, p, e - p) : put(o, p, e - p)
    } else if (kind == V_INT) {
      if (isDash(p, e)) {
        store<u32>(o, NULL)
        o += 4
      } else {
        let q = p
        while (q + 1 < e && load<u8>(q) == 0x30) q++
        o = put(o, q, e - q)
      }
    } else if (kind == V_FLAGS) {
      if (isDash(p, e)) {
        store<u16>(o, 0x5d5b) // []
        o += 2
      } else {
        store<u16>(o, 0x225b) // ["
        o += 2
        for (let i = p; i < e; i++) {
          const c = load<u8>(i)
          if (c == 0x2c) {
            store<u8>(o, QUOTE)
            store<u8>(o + 1, 0x2c)
            store<u8>(o + 2, QUOTE)
            o += 3
          } else store<u8>(o++, c)
        }
        store<u16>(o, 0x5d22) // "]
        o += 2
      }
    } else {
      // V_TEXT, V_CLUSTER (Istio 1.23's alt_stat_name ends in ';': dropped).
      if (kind == V_CLUSTER && e > 0 && load<u8>(e - 1) == 0x3b) e--
      if (isDash(p, e)) {
        store<u32>(o, NULL)
        o += 4
      } else {
        store<u8>(o++, QUOTE)
        if (e > p) o = quoted ? putQuoted(o, p, e - p) : put(o, p, e - p)
        store<u8>(o++, QUOTE)
      }
    }
  }
  return put(o, <usize>word(plan, 4), <usize>word(plan, 5))
}

/**
 * Writes the rows of the lines [at, end) — whole lines, each ending in a newline, every byte plain — from
 * line number `line`, at `out`, while the next row surely fits before `outEnd`. Stops at the first line
 * that is not an access line (bare or behind kubectl's prefix and timestamp), is longer than `maxLine`,
 * or does not match. Then `stoppedAt` is that line's start (or `end`), `written` the output's end, `rows`
 * the count. `rowBound` is the most a row may add beyond three bytes a character of its line. With
 * `quotes`, a line with a quote in a value is written too when none of the `earlierCount` plans at
 * `earlier` (the formats before this one in the detection order) fits it.
 */
export function scan(plan: usize, at: usize, end: usize, out: usize, outEnd: usize, src: usize, srcLen: usize, line: f64, maxLine: usize, rowBound: usize, earlier: usize, earlierCount: usize, quotes: bool): void {
  let o = out
  let n = <i64>line
  let count = 0
  full = false
  while (at < end) {
    const nl = find(at, end, NL)
    if (nl == end) break
    const length = nl - at
    if (length > maxLine || length < 2) break
    // A bare access line, or one behind kubectl's --prefix, --timestamps or both (envelope.ts
    // unwrapEnvelope); any other envelope is the JavaScript path's.
    let body = at
    podLen = 0
    stampLen = 0
    if (load<u8>(at) == 0x5b && load<u8>(at + 1) == 0x70) {
      body = kubectlPrefix(at, nl)
      if (body == 0) break
    }
    if (isDigit(load<u8>(body))) {
      const stamp = stampEnd(body, nl)
      if (stamp == 0) break
      stampAt = body
      stampLen = stamp - body
      body = stamp + 1
    }
    if (nl - body < 2 || load<u8>(body) != 0x5b || load<u8>(body + 1) == 0x70) break
    if (outEnd - o < length * 3 + rowBound) {
      full = true
      break
    }
    const m = match(plan, body, nl, quotes)
    if (m == NO) break
    if (m == QUOTED) {
      // parse-line.ts firstClean: a line with a quote in a value is read in the first format, in the
      // table's order, that it fits cleanly. The scanner writes it only when no format before this one does.
      let other = false
      for (let k: usize = 0; k < earlierCount && !other; k++) other = match(<usize>load<u32>(earlier + (k << 2)), body, nl, true) != NO
      if (other) break
      match(plan, body, nl, true) // its boundaries and time again
    }
    o = row(plan, o, src, srcLen, n, m == QUOTED)
    n++
    count++
    at = nl + 1
  }
  stoppedAt = at
  written = o
  rows = count
}
