// Terminal-safe text. scrub (src/core/text/scrub.ts) is what every shell runs on log content before a
// terminal sees it: no control character (C0 but tab and newline, DEL, C1, bidi overrides) survives,
// `singleLine` leaves no newline or tab, and nothing else changes. safeJson (src/core/text/json.ts) is
// what JSON output goes through: valid, lossless JSON with the same characters escaped.

import {deepStrictEqual} from 'node:assert/strict'

import fc from 'fast-check'

import {jsonPieces, stringifySafe} from '../../src/core/text/json.js'
import {clip, scrub} from '../../src/core/text/scrub.js'
import {check} from './entries.js'
import {fuzz} from './fuzz.js'
import {LOG_LINES} from './corpus.js'
import {anyText, mutated} from './mutate.js'

// eslint-disable-next-line no-control-regex
const ACTING = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/
const text = fc.oneof(anyText(300), mutated(LOG_LINES, 2), fc.string({unit: fc.integer({min: 0, max: 0x2070}).map((c) => String.fromCharCode(c)), maxLength: 60}))

/** Reads scrub's output back: each `\xNN` / `\uNNNN` escape to its character (`\n`, `\t` too with singleLine). */
const unscrub = (s: string, singleLine: boolean): string =>
  s.replace(singleLine ? /\\x([0-9a-f]{2})|\\u([0-9a-f]{4})|\\n|\\t/g : /\\x([0-9a-f]{2})|\\u([0-9a-f]{4})/g, (m, x?: string, u?: string) =>
    x ? String.fromCharCode(parseInt(x, 16)) : u ? String.fromCharCode(parseInt(u, 16)) : m === '\\n' ? '\n' : '\t')

fuzz('scrub leaves no acting control character (and with singleLine no newline or tab), and hides nothing: its escapes read back to the input',
  fc.property(text, fc.boolean(), (s, singleLine) => {
    const out = scrub(s, singleLine)
    check(!ACTING.test(out), () => `${JSON.stringify(out)} still holds a control character`)
    if (singleLine) check(!/[\n\t]/.test(out), () => `${JSON.stringify(out)} is not one line`)
    // Only where the input held no escape-looking text of its own is the reading unambiguous.
    if (!/\\[xunt]/.test(s)) check(unscrub(out, singleLine) === s, () => `${JSON.stringify(out)} does not read back to ${JSON.stringify(s)}`)
    check(scrub(out, singleLine) === out, () => 'scrubbing twice changes the text')
  }))

fuzz('clip keeps a string within its bound and marks a cut with an ellipsis',
  fc.property(text, fc.integer({min: 1, max: 400}), (s, max) => {
    const out = clip(s, max)
    check(out.length <= max, () => `${out.length} > ${max}`)
    check(out === s || (out.endsWith('…') && s.startsWith(out.slice(0, -1))), () => `${JSON.stringify(out)} is not ${JSON.stringify(s)} cut`)
  }))

// ---- safe JSON (src/core/text/json.ts): what --json, NDJSON and the reports write -------------------

// eslint-disable-next-line no-control-regex
const JSON_ACTING = /[\x00-\x1f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/
const jsonText = fc.oneof(text, fc.string({unit: 'binary', maxLength: 30}))
const {json} = fc.letrec<{json: unknown}>((tie) => ({
  json: fc.oneof(
    {depthSize: 'small'},
    fc.constant(null),
    fc.boolean(),
    fc.double(),
    jsonText,
    fc.array(tie('json'), {maxLength: 4}),
    fc.dictionary(jsonText, tie('json'), {maxKeys: 4}),
  ),
}))

fuzz('stringifySafe writes JSON that reads back to what JSON.stringify wrote, with no character a terminal acts on left raw',
  fc.property(json, (value) => {
    const out = stringifySafe(value)
    check(!JSON_ACTING.test(out), () => `${JSON.stringify(out)} holds a raw control character`)
    deepStrictEqual(JSON.parse(out), JSON.parse(JSON.stringify(value)))
  }))

const piecesMatch = (value: Record<string, unknown>) => {
  const joined = [...jsonPieces(value)].join('')
  check(joined === stringifySafe(value), () => `${JSON.stringify(joined)} ≠ ${JSON.stringify(stringifySafe(value))}`)
}
const topLevel = (keys: fc.Arbitrary<string>) => fc.dictionary(keys, fc.oneof(json, fc.array(json, {maxLength: 5})), {maxKeys: 5})

// Found by this file and fixed in d56caf7: jsonPieces wrote top-level keys with JSON.stringify alone, so a
// key holding DEL, a C1 control, U+2028/9 or a bidi override came out raw, unlike stringifySafe.
fuzz('jsonPieces joined is stringifySafe of the same object, whatever its keys', fc.property(topLevel(jsonText), piecesMatch), {examples: [[{'\u009b': []}]]})
