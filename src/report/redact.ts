// --redact: IP addresses, request paths (with their query strings) and request ids become stable
// pseudonyms — the same value gets the same pseudonym everywhere in one report (ip-1, path-1, rid-1), so
// an auditor can still see that two chains share a client or a path without seeing it.

import type {ReportModel} from './model.js'

const IPV4 = /(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.]*\d)/g
// Full and compressed IPv6 (at least two colons and hex groups); ports after brackets are kept.
const IPV6 = /(?<![\w:])(?:[0-9a-fA-F]{1,4}:){2,7}[0-9a-fA-F]{1,4}(?![\w:])|(?<![\w:])(?:[0-9a-fA-F]{1,4}:){1,6}:(?:[0-9a-fA-F]{1,4}(?::[0-9a-fA-F]{1,4}){0,5})?(?![\w:])/g

/** Field names whose whole value is a path or a request id (hop fields, evidence fields, header names). */
const PATH_KEYS = new Set(['path', ':path', 'x-envoy-original-path', 'url'])
const RID_KEYS = new Set(['requestid', 'x-request-id', 'request_id'])

export class Pseudonyms {
  private readonly maps = {ip: new Map<string, string>(), path: new Map<string, string>(), rid: new Map<string, string>()}
  get(kind: 'ip' | 'path' | 'rid', value: string): string {
    const m = this.maps[kind]
    let p = m.get(value)
    if (p === undefined) m.set(value, (p = `${kind}-${m.size + 1}`))
    return p
  }
  entries(kind: 'path' | 'rid'): [string, string][] {
    return [...this.maps[kind].entries()]
  }
}

type Json = string | number | boolean | null | Json[] | {[k: string]: Json}

/** Pass 1: every value under a path or request-id key gets its pseudonym, in document order. */
function collect(v: Json, names: Pseudonyms, key = ''): void {
  if (typeof v === 'string') {
    const k = key.toLowerCase()
    if (PATH_KEYS.has(k) && v !== '') names.get('path', v)
    else if (RID_KEYS.has(k) && v !== '') names.get('rid', v)
  } else if (Array.isArray(v)) for (const x of v) collect(x, names, key)
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) collect(x, names, k)
}

// A word of free text: after a space, quote, `=` or `(`, up to the next space, quote, comma or `;`. When the
// word is not a known value as it stands, it is tried without wrapping brackets and trailing punctuation.
const WORD = /(^|[\s"'=(])([^\s"',;]+)/g
const CORE = /^\(*(.*?)[).:\]]*$/

/** Pass 2: whole values under known keys, then their occurrences as words in free text, then IPs. */
function rewrite(s: string, key: string, names: Pseudonyms, lookup: Map<string, string>): string {
  const k = key.toLowerCase()
  if (PATH_KEYS.has(k) && s !== '') return names.get('path', s)
  if (RID_KEYS.has(k) && s !== '') return names.get('rid', s)
  // A map lookup per word, not one regex of every value: a report can hold a million request ids.
  let out = lookup.size > 0 ? s.replace(WORD, (m, pre: string, word: string) => {
    const p = lookup.get(word)
    if (p !== undefined) return `${pre}${p}`
    const core = CORE.exec(word)![1]!
    const q = core === word ? undefined : lookup.get(core)
    if (q === undefined) return m
    const at = word.indexOf(core)
    return `${pre}${word.slice(0, at)}${q}${word.slice(at + core.length)}`
  }) : s
  out = out.replace(IPV4, (m) => names.get('ip', m)).replace(IPV6, (m) => names.get('ip', m))
  return out
}

function walk(v: Json, key: string, f: (s: string, key: string) => string): Json {
  if (typeof v === 'string') return f(v, key)
  if (Array.isArray(v)) return v.map((x) => walk(x, key, f))
  if (v !== null && typeof v === 'object') {
    const out: {[k: string]: Json} = {}
    for (const [k, x] of Object.entries(v)) out[k] = walk(x, k, f)
    return out
  }
  return v
}

/** Returns a redacted copy of the model (keys in the same order). */
export function redactModel(model: ReportModel, names = new Pseudonyms()): ReportModel {
  const doc = model as unknown as Json
  collect(doc, names)
  // Only distinctive values are looked for in free text: `/` alone would eat every file name.
  const lookup = new Map<string, string>()
  for (const [value, p] of [...names.entries('path'), ...names.entries('rid')]) if (value.length >= 4 || value.includes('?')) lookup.set(value, p)
  const out = walk(doc, '', (s, key) => {
    // Citations (input:line), hashes and file names are not personal data; keep them exact.
    if (key === 'ref' || key === 'sha256' || key === 'name' || key === 'input') return s
    return rewrite(s, key, names, lookup)
  }) as unknown as ReportModel
  out.redacted = true
  return out
}
