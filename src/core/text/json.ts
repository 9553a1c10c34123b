// A JSON writer for the plain data the core produces (strings, finite numbers, booleans, null, arrays,
// plain objects). Same output as JSON.stringify for such data; faster on the NDJSON path because most
// strings need no escaping, and that is checked with one charCode loop instead of the generic algorithm.
// Anything else (NaN, undefined in arrays, toJSON, cycles) is not produced by the core and goes to
// JSON.stringify unchanged, which keeps the two in agreement.

/** A string as a JSON literal. */
export function jsonString(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    // Control characters, quote, backslash and surrogates (a lone one must be escaped) take the slow path.
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) return JSON.stringify(s)
  }
  return `"${s}"`
}

/** Serialises plain data to JSON on one line. */
export function toJson(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return jsonString(value)
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null'
    case 'boolean':
      return value ? 'true' : 'false'
    case 'object': {
      if (value === null) return 'null'
      if (Array.isArray(value)) {
        let out = '['
        for (let i = 0; i < value.length; i++) out += (i ? ',' : '') + (value[i] === undefined ? 'null' : toJson(value[i]))
        return `${out}]`
      }
      if (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null) return JSON.stringify(value)
      let out = '{'
      let first = true
      for (const key in value) {
        const v = (value as Record<string, unknown>)[key]
        if (v === undefined || typeof v === 'function') continue
        out += `${first ? '' : ','}${jsonString(key)}:${toJson(v)}`
        first = false
      }
      return `${out}}`
    }
    default:
      return JSON.stringify(value) ?? 'null'
  }
}
