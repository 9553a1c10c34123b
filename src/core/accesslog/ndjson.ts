// The NDJSON `parse` prints, written straight from a matched line's field boundaries. JSON.stringify of
// an entry object cost 60% of `parse` (building the object, then escaping every string); a plain line
// (text/plain.ts: printable ASCII without `\`) needs no escaping but its quotes, and most lines have no
// quote in a value, so its JSON is the format's constant keys and slices of the line, joined by a
// function compiled once per format (and a second one that escapes quotes, for the lines that have them).
// Joining strings is what V8 does cheaply: a slice and a concatenation are a small object each, and the
// batch is flattened and copied out once. Writing the same bytes one by one into a buffer (the previous
// writer) cost more: a JS loop over a string costs V8 11 about 57 instructions a character.
// The text is exactly `stringifySafe(buildEntry(...)) + '\n'` (tests and a property hold the two together);
// a line that is not plain, or a format whose entries JSON.stringify would reorder, is not written here.

import type {SourceRef} from '../model.js'
import {stringifySafe} from '../text/json.js'
import type {TextPlan} from './compile.js'
import {isDash, readInt} from './field-text.js'

/** A matched plain line's NDJSON row, newline included: (line, field boundaries, start time in ms, the source's JSON). */
export type RowWriter = (s: string, b: Int32Array, t: number, source: string) => string

// What each kind of field becomes, from its boundaries in the line; the same decisions as the entry
// builder in parse-text.ts (a dash is null, digits a number, flags a list).
const text = (s: string, p: number, e: number): string => (isDash(s, p, e) ? 'null' : `"${s.slice(p, e)}"`)
// Digits are the number's JSON unless they have leading zeros (0017 is 17).
const int = (s: string, p: number, e: number): string => (isDash(s, p, e) ? 'null' : e - p > 1 && s.charCodeAt(p) === 0x30 ? String(readInt(s, p, e)) : s.slice(p, e))
const flags = (s: string, p: number, e: number): string => (isDash(s, p, e) ? '[]' : `["${s.slice(p, e).replaceAll(',', '","')}"]`)
// Istio 1.23's alt_stat_name ends in ';': dropped, as the builder does.
const cluster = (s: string, p: number, e: number): string => text(s, p, s.charCodeAt(e - 1) === 0x3b ? e - 1 : e)
// The same for a line with a `"` in a value: in a plain line the only character to escape.
const quote = (v: string): string => v.replaceAll('"', '\\"')
const textQ = (s: string, p: number, e: number): string => (isDash(s, p, e) ? 'null' : `"${quote(s.slice(p, e))}"`)
const clusterQ = (s: string, p: number, e: number): string => textQ(s, p, s.charCodeAt(e - 1) === 0x3b ? e - 1 : e)

const writers = new WeakMap<TextPlan, {bare: RowWriter; quoted: RowWriter} | null>()

/**
 * The plan's row writer for lines whose values hold no `"` or for lines that may (`quoted`), or null
 * when its entries' JSON is not its steps in order (see compileWriter).
 */
export function rowWriter(plan: TextPlan, quoted: boolean): RowWriter | null {
  // Most lines are of the format of the line before: that one's writers, without a WeakMap lookup.
  let w = lastPlan === plan ? lastWriters : writers.get(plan)
  if (w === undefined) {
    const bare = compileWriter(plan, false)
    writers.set(plan, (w = bare === null ? null : {bare, quoted: compileWriter(plan, true)!}))
  }
  lastPlan = plan
  lastWriters = w
  return w === null ? null : quoted ? w.quoted : w.bare
}
let lastPlan: TextPlan | undefined
let lastWriters: {bare: RowWriter; quoted: RowWriter} | null = null

// An array index as a property name: JSON.stringify puts such keys first, whatever their order.
const INDEX_LIKE = /^(?:0|[1-9]\d{0,9})$/

/** How a value of a row is written: the kinds of the builder's fields, and the two a row adds. */
export type ValueKind = 'text' | 'int' | 'flags' | 'cluster' | 'time' | 'startMs' | 'source'

/**
 * A plan's row: `constants[0]`, value 0, `constants[1]`, value 1, …, the last constant. A value is a
 * field of the line (by step), its start time in ms, or the source's JSON. Both row writers are made from
 * it: the JavaScript one below and the WebAssembly scanner's table (scanner.ts).
 */
export interface RowLayout {
  constants: string[]
  values: {kind: ValueKind; step: number}[]
}

const layouts = new WeakMap<TextPlan, RowLayout | null>()

/**
 * A plan's row: its keys as constants, its values by kind, in the order the builder's object literal sets
 * them (its fields, `extra`, `source`, `format`). A format that names a field twice, or an `extra`
 * operator that is an array index, makes that object's keys come out in another order: null, and such
 * lines take the generic path. Keys are written with stringifySafe.
 */
export function rowLayout(plan: TextPlan): RowLayout | null {
  let layout = layouts.get(plan)
  if (layout === undefined) layouts.set(plan, (layout = makeLayout(plan)))
  return layout
}

function makeLayout(plan: TextPlan): RowLayout | null {
  const constants = ['']
  const values: RowLayout['values'] = []
  const constant = (text: string) => (constants[constants.length - 1] += text)
  const value = (kind: ValueKind, step: number) => {
    values.push({kind, step})
    constants.push('')
  }
  const top = new Set<string>()
  const extra = new Set<string>()
  const key = (set: Set<string>, k: string) => constant(`${set.size === 0 ? '{' : ','}${stringifySafe(k)}:`)
  for (const [i, {spec}] of plan.steps.entries()) {
    const field = spec.kind === 'time' ? 'startTime' : spec.field
    if (field === null) continue
    if (top.has(field)) return null
    key(top, field)
    top.add(field)
    if (spec.kind === 'time') {
      constant('"')
      value('time', i)
      constant('"')
      if (top.has('startMs')) return null
      key(top, 'startMs')
      top.add('startMs')
      value('startMs', i)
    } else if (spec.kind === 'flags') value('flags', i)
    else if (spec.kind === 'int') value('int', i)
    else if (field === 'upstreamCluster') value('cluster', i)
    else value('text', i)
  }
  for (const [i, {spec}] of plan.steps.entries()) {
    if (spec.field !== null) continue
    if (extra.size === 0) {
      if (top.has('extra')) return null
      key(top, 'extra')
      top.add('extra')
    }
    if (extra.has(spec.operator) || INDEX_LIKE.test(spec.operator)) return null
    key(extra, spec.operator)
    extra.add(spec.operator)
    value('text', i)
  }
  if (extra.size > 0) constant('}')
  if (top.has('source') || top.has('format')) return null
  key(top, 'source')
  value('source', -1)
  constant(`,"format":${stringifySafe(plan.name)}}\n`)
  return {constants, values}
}

/**
 * Compiles a plan's row writer from its layout: constants reach the generated code through
 * JSON.stringify, nothing from a format string is pasted into it unquoted.
 */
function compileWriter(plan: TextPlan, quoted: boolean): RowWriter | null {
  const layout = rowLayout(plan)
  if (layout === null) return null
  const q = quoted ? 'Q' : ''
  const expression = ({kind, step}: RowLayout['values'][number]): string => {
    const at = `s, b[${2 * step}], b[${2 * step + 1}]`
    if (kind === 'source') return 'source'
    if (kind === 'startMs') return 't'
    if (kind === 'time') return quoted ? `quote(s.slice(b[${2 * step}], b[${2 * step + 1}]))` : `s.slice(b[${2 * step}], b[${2 * step + 1}])`
    if (kind === 'int' || kind === 'flags') return `${kind}(${at})`
    return `${kind}${q}(${at})`
  }
  const code = layout.constants.flatMap((c, k) => (k < layout.values.length ? [JSON.stringify(c), expression(layout.values[k]!)] : [JSON.stringify(c)])).join(' + ')
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const make = new Function('text', 'int', 'flags', 'cluster', 'quote', 'textQ', 'clusterQ', `return function row(s, b, t, source) {\n  return ${code}\n}`)
  return make(text, int, flags, cluster, quote, textQ, clusterQ) as RowWriter
}

/**
 * `{"input":…,"line":N,…}`: a source as JSON.stringify writes it, its keys in the order they were set.
 * `head` is sourceHead(input). Envelope values (pod, container, namespace, timestamp) go through
 * stringifySafe: a name is plain today, but what an envelope reader accepts is its own business.
 */
export function sourceJson(head: string, source: SourceRef): string {
  if (source.pod === undefined && source.timestamp === undefined && source.container === undefined && source.namespace === undefined) return `${head}${source.line}}`
  let json = `${head}${source.line}`
  for (const key in source) {
    if (key === 'input' || key === 'line') continue
    const v = source[key as keyof SourceRef]
    if (v !== undefined) json += `,"${key}":${stringifySafe(v)}`
  }
  return `${json}}`
}

/** The start of sourceJson for an input: `{"input":NAME,"line":`. */
export const sourceHead = (input: string): string => `{"input":${stringifySafe(input)},"line":`
