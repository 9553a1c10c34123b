// What kubectl and stern wrap around a log line, unwrapped by position with charCodeAt (STYLE practice 4):
// most lines have no envelope and come back as the same string after a check or two, without allocating.
//
// Shapes, as their sources print them:
//   kubectl --prefix       `[pod/NAME/CONTAINER] line`      (kubectl pkg/cmd/logs/logs.go, addPrefixIfNeeded)
//   kubectl --timestamps   `2024-06-21T19:24:00.453123456Z line` (kubelet RFC3339NanoFixed; the prefix goes first)
//   stern (default)        `POD CONTAINER line`, `NAMESPACE POD CONTAINER line` with several namespaces; names
//                          coloured with SGR escapes in a terminal (stern cmd/cmd.go, generateTemplate)
//   stern --timestamps     `TIMESTAMP line` inside the message: RFC3339 with 9 fraction digits and the zone
//                          (`Z` or `+09:00`), or `--timestamps=short` `06-21 19:24:00` (stern/tail.go)
//   stern -o raw           the line itself
//   stern -o json          `{"message":"…","nodeName":"…","namespace":"…","podName":"…","containerName":"…",…}`
//   stern -o extjson       `{"namespace":"…","pod":"…","container":"…","message":…}`: the message embedded as
//                          JSON when it is valid JSON, as a JSON string otherwise

import type {SourceRef} from '../model.js'

const SPACE = 0x20
const ESC = 0x1b
const LBRACKET = 0x5b
const LBRACE = 0x7b

// Only reached once a line is known to carry colour; the per-line path never runs a regex.
// eslint-disable-next-line no-control-regex
const SGR_G = /\x1b\[[0-9;]*m/g
const stripSgr = (s: string): string => s.replace(SGR_G, '')

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39
// Kubernetes names are lowercase DNS labels and subdomains: a-z, 0-9, `-`, and `.` in pod names.
const isNameChar = (c: number): boolean => (c >= 0x61 && c <= 0x7a) || isDigit(c) || c === 0x2d || c === 0x2e

// String.prototype.startsWith measured 3-4x slower than this on Node 20 for lines sliced out of a read
// chunk; lastIndexOf from 0 looks at position 0 only, so a miss costs no more than a hit.
const startsWith = (s: string, prefix: string): boolean => s.lastIndexOf(prefix, 0) === 0

function digits(s: string, at: number, n: number): boolean {
  for (let i = at; i < at + n; i++) if (!isDigit(s.charCodeAt(i))) return false
  return true
}

/**
 * The end of an RFC3339 timestamp at `at` (`2024-06-21T19:24:00.453123456Z`, 0–9 fraction digits, `Z` or
 * a numeric offset such as `+09:00`), or -1. charCodeAt past the end is NaN, so short input just fails.
 */
function rfc3339End(s: string, at: number): number {
  if (
    !digits(s, at, 4) || s.charCodeAt(at + 4) !== 0x2d /* - */ || !digits(s, at + 5, 2) ||
    s.charCodeAt(at + 7) !== 0x2d || !digits(s, at + 8, 2) || s.charCodeAt(at + 10) !== 0x54 /* T */ ||
    !digits(s, at + 11, 2) || s.charCodeAt(at + 13) !== 0x3a /* : */ || !digits(s, at + 14, 2) ||
    s.charCodeAt(at + 16) !== 0x3a || !digits(s, at + 17, 2)
  ) return -1
  let i = at + 19
  if (s.charCodeAt(i) === 0x2e /* . */) {
    const first = ++i
    while (i - first < 9 && isDigit(s.charCodeAt(i))) i++
    if (i === first) return -1
  }
  const zone = s.charCodeAt(i)
  if (zone === 0x5a /* Z */) return i + 1
  if ((zone === 0x2b /* + */ || zone === 0x2d) && digits(s, i + 1, 2) && s.charCodeAt(i + 3) === 0x3a && digits(s, i + 4, 2)) {
    return i + 6
  }
  return -1
}

/** The end of stern's `--timestamps=short` time at `at` (`06-21 19:24:00`: no year, no zone), or -1. */
function shortTimeEnd(s: string, at: number): number {
  return digits(s, at, 2) && s.charCodeAt(at + 2) === 0x2d && digits(s, at + 3, 2) && s.charCodeAt(at + 5) === SPACE &&
    digits(s, at + 6, 2) && s.charCodeAt(at + 8) === 0x3a && digits(s, at + 9, 2) && s.charCodeAt(at + 11) === 0x3a &&
    digits(s, at + 12, 2)
    ? at + 14
    : -1
}

/** The end of a timestamp that an envelope put before the line (one space follows it), or -1. */
function stampEnd(s: string, at: number): number {
  const end = rfc3339End(s, at)
  if (end !== -1) return s.charCodeAt(end) === SPACE ? end : -1
  const short = shortTimeEnd(s, at)
  return short !== -1 && s.charCodeAt(short) === SPACE ? short : -1
}

/** Moves a leading envelope timestamp into source.timestamp and returns what follows it. */
function takeStamp(s: string, at: number, source: SourceRef): string {
  const end = isDigit(s.charCodeAt(at)) ? stampEnd(s, at) : -1
  if (end === -1) return at === 0 ? s : s.slice(at)
  source.timestamp = s.slice(at, end)
  return s.slice(end + 1)
}

/** The names an envelope prefix stands for, and the prefix text itself (`[pod/P/C]`, or stern's `P C `). */
interface Names {
  prefix: string
  pod: string
  container: string | undefined
  namespace: string | undefined
}

// Consecutive lines mostly come from one pod (kubectl prints pod after pod unless -f), so the last
// prefix is remembered: a line that starts with it costs one startsWith instead of a scan, and its source
// shares the same name strings instead of slicing new ones. Its output is the same either way.
let last: Names | undefined

/** A copy that does not keep its parent alive: a slice of a line points into the whole read chunk. */
const own = (s: string): string => (` ${s}`).slice(1)

function remember(prefix: string, pod: string, container: string | undefined, namespace: string | undefined): Names {
  last = {
    prefix: own(prefix),
    pod: own(pod),
    container: container === undefined ? undefined : own(container),
    namespace: namespace === undefined ? undefined : own(namespace),
  }
  return last
}

function setNames(source: SourceRef, names: Names): void {
  source.pod = names.pod
  if (names.container !== undefined) source.container = names.container
  if (names.namespace !== undefined) source.namespace = names.namespace
}

/** Strips a kubectl/stern envelope from a line, writing pod/container/namespace/timestamp into `source`
 * (fields the envelope does not carry are left as they were). Returns the inner log line, or null when
 * the line is an envelope that cannot be read (a `[pod/` prefix without its `]`, stern JSON whose message
 * is not a string). Lines without an envelope come back unchanged: the same string, not a copy. Never throws.
 * @example unwrapEnvelope('[pod/gw-1/istio-proxy] [2024-06-21T19:24:00.453Z] "GET …', src) // '[2024-06-21T19:24:00.453Z] "GET …'
 */
export function unwrapEnvelope(line: string, source: SourceRef): string | null {
  const c = line.charCodeAt(0)
  // An Envoy text access line is `[` + digit; only `[pod/` is kubectl's prefix.
  if (c === LBRACKET) return line.charCodeAt(1) === 0x70 /* p */ && startsWith(line, '[pod/') ? unwrapKubectlPrefix(line, source) : line
  // An Istio JSON access line has no "message" key; stern's JSON always has one.
  if (c === LBRACE) return line.includes('"message"') ? unwrapSternJson(line, source) : line
  if (isDigit(c)) {
    const end = stampEnd(line, 0)
    if (end !== -1) {
      source.timestamp = line.slice(0, end)
      return line.slice(end + 1)
    }
  }
  return isNameChar(c) || c === ESC ? unwrapSternText(line, source) : line
}

function unwrapKubectlPrefix(line: string, source: SourceRef): string | null {
  const names = last !== undefined && startsWith(line, last.prefix) ? last : readKubectlPrefix(line)
  if (names === undefined) return null
  // kubectl writes `] ` then the line; a bare `]` at the end is an empty line whose space was trimmed.
  const after = names.prefix.length
  if (after < line.length && line.charCodeAt(after) !== SPACE) return null
  setNames(source, names)
  return after + 1 >= line.length ? '' : takeStamp(line, after + 1, source)
}

/** `[pod/` NAME `/` CONTAINER `]`, both Kubernetes names: nothing else may come between the brackets. */
function readKubectlPrefix(line: string): Names | undefined {
  let slash = 5
  while (isNameChar(line.charCodeAt(slash))) slash++
  if (slash === 5 || line.charCodeAt(slash) !== 0x2f /* / */) return undefined
  let close = slash + 1
  while (isNameChar(line.charCodeAt(close))) close++
  if (line.charCodeAt(close) !== 0x5d /* ] */) return undefined
  const container = close > slash + 1 ? line.slice(slash + 1, close) : undefined
  return remember(line.slice(0, close + 1), line.slice(5, slash), container, undefined)
}

/** Skips any SGR escapes (`ESC [ params m`) at `at`. */
function skipSgr(s: string, at: number): number {
  let i = at
  while (s.charCodeAt(i) === ESC && s.charCodeAt(i + 1) === LBRACKET) {
    let j = i + 2
    for (let c = s.charCodeAt(j); isDigit(c) || c === 0x3b /* ; */; c = s.charCodeAt(++j));
    if (s.charCodeAt(j) !== 0x6d /* m */) return i
    i = j + 1
  }
  return i
}

/** The index of the space after one (possibly coloured) name at `at`, or -1. */
function nameEnd(s: string, at: number): number {
  const first = skipSgr(s, at)
  let i = first
  while (isNameChar(s.charCodeAt(i))) i++
  if (i === first) return -1
  i = skipSgr(s, i)
  return s.charCodeAt(i) === SPACE ? i : -1
}

/** Does an access-log or proxy log line start at `at`: `[` + digit, `{`, or a timestamp? */
function startsLikeProxyLine(s: string, at: number): boolean {
  const c = s.charCodeAt(at)
  if (c === LBRACKET) return isDigit(s.charCodeAt(at + 1))
  if (c === LBRACE) return true
  return isDigit(c) && (rfc3339End(s, at) !== -1 || shortTimeEnd(s, at) !== -1)
}

/** stern's default `[NAMESPACE] POD CONTAINER line`: only unwrapped when a proxy line follows the names. */
function unwrapSternText(line: string, source: SourceRef): string {
  if (last !== undefined && startsWith(line, last.prefix) && startsLikeProxyLine(line, last.prefix.length)) {
    setNames(source, last)
    return takeStamp(line, last.prefix.length, source)
  }
  const first = nameEnd(line, 0)
  if (first === -1) return line
  const second = nameEnd(line, first + 1)
  if (second === -1) return line
  // A container name is never a timestamp, `[` or `{`, so two names are tried before three.
  if (startsLikeProxyLine(line, second + 1)) {
    const pod = stripSgr(line.slice(0, first))
    setNames(source, remember(line.slice(0, second + 1), pod, stripSgr(line.slice(first + 1, second)), undefined))
    return takeStamp(line, second + 1, source)
  }
  const third = nameEnd(line, second + 1)
  if (third === -1 || !startsLikeProxyLine(line, third + 1)) return line
  const namespace = stripSgr(line.slice(0, first))
  const pod = stripSgr(line.slice(first + 1, second))
  setNames(source, remember(line.slice(0, third + 1), pod, stripSgr(line.slice(second + 1, third)), namespace))
  return takeStamp(line, third + 1, source)
}

/** JSON.parse without the throw: undefined (which JSON never yields) when the text is not JSON. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

const nonEmpty = (v: unknown): v is string => typeof v === 'string' && v !== ''

function unwrapSternJson(line: string, source: SourceRef): string | null {
  // extjson pastes coloured names into its JSON strings unescaped, which JSON.parse refuses: uncolour and retry.
  let value = parseJson(line)
  if (value === undefined && line.includes('\x1b')) value = parseJson(stripSgr(line))
  if (typeof value !== 'object' || value === null || Array.isArray(value) || !('message' in value)) return line
  const v = value as Record<string, unknown>
  const json = typeof v.podName === 'string' || typeof v.containerName === 'string'
  if (!json && typeof v.pod !== 'string' && typeof v.container !== 'string') return line
  const message = v.message
  let text: string
  if (typeof message === 'string') text = message
  // -o json marshals message as a string, always: anything else is not stern's.
  else if (json) return null
  // -o extjson embeds a message that is valid JSON as it was: an Istio JSON access line comes back an object.
  else text = JSON.stringify(message)
  const pod = json ? v.podName : v.pod
  const container = json ? v.containerName : v.container
  if (nonEmpty(pod)) source.pod = stripSgr(pod)
  if (nonEmpty(container)) source.container = stripSgr(container)
  if (nonEmpty(v.namespace)) source.namespace = stripSgr(v.namespace)
  // stern's --timestamps goes into the message itself, before the line.
  return takeStamp(text, 0, source)
}
