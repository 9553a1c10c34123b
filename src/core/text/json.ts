// JSON.stringify escapes the C0 controls but leaves DEL, the C1 controls (U+0080–U+009F: U+009B is a
// one-byte CSI, U+009D a one-byte OSC to some terminals) and the bidirectional overrides raw. Printed to a
// terminal or opened in an editor, log content could act. Escaping them as \uXXXX keeps the JSON valid
// and lossless: a JSON reader gets the same string back.

const UNSAFE = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g
const UNSAFE_ONE = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/

const escape = (c: string): string => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`

/** JSON text with every character a terminal or editor could act on written as \uXXXX. Cheap when there is none. */
export function safeJson(json: string): string {
  return UNSAFE_ONE.test(json) ? json.replace(UNSAFE, escape) : json
}

/** JSON.stringify, then safeJson. */
export function stringifySafe(value: unknown, space?: number): string {
  return safeJson(JSON.stringify(value, null, space))
}

/**
 * A plain object as compact JSON in pieces: the same text as `safeJson(JSON.stringify(value))`, but each
 * element of its top-level arrays is its own piece, so a result of a million chains never has to fit in
 * one string (V8 stops at about 512 MiB).
 */
export function* jsonPieces(value: Record<string, unknown>): Generator<string> {
  yield '{'
  let first = true
  for (const [key, v] of Object.entries(value)) {
    if (v === undefined || typeof v === 'function') continue
    yield `${first ? '' : ','}${stringifySafe(key)}:`
    first = false
    if (Array.isArray(v)) {
      yield '['
      for (let i = 0; i < v.length; i++) yield `${i === 0 ? '' : ','}${v[i] === undefined ? 'null' : stringifySafe(v[i])}`
      yield ']'
    } else yield stringifySafe(v)
  }
  yield '}'
}
