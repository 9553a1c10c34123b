import type {AccessLogEntry, SourceRef} from '../model.js'
import {type Parsed, type SkipReason, ok, skippedWith} from '../result.js'
import {tokenizeFormat} from './compile.js'
import {ISTIO_JSON_KEYS, TLS_JSON_KEYS} from './formats.js'
import type {FieldSpec} from './operators.js'
import {compileTimeFormat, readStartTime} from './start-time.js'

// JSON access-log lines: Istio's JSON encoding, a user's Telemetry `labels`, or a JSON-shaped *text*
// template (accessLogEncoding: TEXT with a JSON object as the format), where every value is a string:
// "response_code": "200" and "-" for unset. All three are read by key, through a key → operator map.

export interface JsonPlan {
  kind: 'json'
  name: string
  formatString: string
  keys: Map<string, FieldSpec & {readTime?: (s: string) => number}>
  /** The plan's name when one of these keys is present (our TLS keys make `egress-audit-json`). */
  upgrades?: {keys: string[]; name: string}
}

/** Compiles a JSON format: an object whose values are Envoy operators (`{"start_time": "%START_TIME%"}`). */
export function compileJsonFormat(name: string, format: string): Parsed<JsonPlan> {
  let obj: unknown
  try {
    obj = JSON.parse(format)
  } catch (error) {
    return skippedWith('bad-json', `not JSON: ${(error as Error).message}`)
  }
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) return skippedWith('bad-json', 'a JSON format must be an object')
  const keys: JsonPlan['keys'] = new Map()
  for (const [key, value] of Object.entries(obj as Record<string, unknown>)) {
    if (typeof value !== 'string') continue
    const tokens = tokenizeFormat(value)
    if (!tokens.ok) return tokens
    const spec = tokens.value.find((t): t is FieldSpec => typeof t !== 'string')
    if (!spec) continue
    const timeFormat = spec.timeFormat
    keys.set(key, timeFormat ? {...spec, readTime: compileTimeFormat(timeFormat)} : spec)
  }
  if (keys.size === 0) return skippedWith('no-format-matched', 'no key of the JSON object holds a %OPERATOR%')
  return ok({kind: 'json', name, formatString: format, keys})
}

/** The plan used when no format is pinned: Istio's keys and the TLS evidence keys. */
export function defaultJsonPlan(): JsonPlan {
  const plan = compileJsonFormat('istio-json', JSON.stringify({...ISTIO_JSON_KEYS, ...TLS_JSON_KEYS}))
  if (!plan.ok) throw new Error('built-in JSON keys do not compile') // a bug of ours, caught by tests
  return {...plan.value, upgrades: {keys: Object.keys(TLS_JSON_KEYS), name: 'egress-audit-json'}}
}

/**
 * Reads one JSON line. Returns the entry, or the reason to skip: `bad-json` when it does not parse,
 * `truncated` when it starts like an access-log object but is cut off, `json-not-access-log` for JSON
 * without a start time and at least two other known keys.
 */
export function parseJsonLine(line: string, plan: JsonPlan, source: SourceRef): AccessLogEntry | SkipReason {
  let obj: unknown
  try {
    obj = JSON.parse(line)
  } catch {
    return looksLikeAccessJson(line, plan) ? 'truncated' : 'bad-json'
  }
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) return 'json-not-access-log'
  return readJsonEntry(obj as Record<string, unknown>, plan, source)
}

function looksLikeAccessJson(line: string, plan: JsonPlan): boolean {
  let known = 0
  for (const key of plan.keys.keys()) if (line.includes(`"${key}"`) && ++known >= 2) return true
  return false
}

export function readJsonEntry(obj: Record<string, unknown>, plan: JsonPlan, source: SourceRef): AccessLogEntry | SkipReason {
  const entry = {} as AccessLogEntry
  const target = entry as unknown as Record<string, unknown>
  let known = 0
  let hasTime = false
  let name = plan.name
  for (const key in obj) {
    const value = obj[key]
    const spec = plan.keys.get(key)
    if (!spec || spec.field === null) {
      keepExtra((entry.extra ??= {}), key, value === null || value === undefined || value === '-' ? null : typeof value === 'string' ? value : nestedText(value))
      continue
    }
    known++
    if (plan.upgrades?.keys.includes(key)) name = plan.upgrades.name
    const unset = value === null || value === undefined || value === '-' || value === ''
    switch (spec.kind) {
      case 'time': {
        if (typeof value !== 'string') return 'bad-time'
        const ms = spec.readTime ? spec.readTime(value) : readStartTime(value)
        if (Number.isNaN(ms)) return 'bad-time'
        entry.startTime = value
        entry.startMs = ms
        hasTime = true
        break
      }
      case 'int': {
        if (unset) target[spec.field] = null
        else {
          const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d{1,15}$/.test(value) ? Number(value) : NaN
          if (!Number.isSafeInteger(n) || n < 0) return 'bad-field'
          target[spec.field] = n
        }
        break
      }
      case 'flags':
        if (unset) entry.responseFlags = []
        else if (typeof value === 'string') entry.responseFlags = value.split(',')
        else return 'bad-field'
        break
      default:
        if (unset) target[spec.field] = null
        else if (typeof value === 'string' || typeof value === 'number') {
          let s = String(value)
          if (spec.field === 'upstreamCluster' && s.endsWith(';')) s = s.slice(0, -1)
          target[spec.field] = s
        } else return 'bad-field'
    }
  }
  if (!hasTime || known < 3) return 'json-not-access-log'
  entry.source = source
  entry.format = name
  return entry
}

/**
 * A nested value of an unknown key, as JSON text. JSON.parse copes with any depth but JSON.stringify
 * recurses: a value nested deeper than the stack allows (a hostile line) is kept as a note, not a crash.
 */
function nestedText(value: unknown): string {
  try {
    return JSON.stringify(value)
  } catch {
    return '(nested too deeply to keep)'
  }
}

/** Stores an unknown key's value; a key named __proto__ is defined as a key, not taken as a prototype. */
function keepExtra(extra: Record<string, string | null>, key: string, value: string | null): void {
  if (key === '__proto__') Object.defineProperty(extra, key, {value, enumerable: true, writable: true, configurable: true})
  else extra[key] = value
}
