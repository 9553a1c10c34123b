// Arbitraries shared by the properties: hostile text, and structure-aware mutations of real input.
// A mutation is data ({kind, at, ...}), applied by `applyMutation`, and the arbitraries map to the
// mutated text itself: fast-check's report then shows the string that failed, not a closure.

import fc from 'fast-check'

/** A lone UTF-16 surrogate: what a JS string can hold but no UTF-8 decoder produces. */
const loneSurrogate = fc.integer({min: 0xd800, max: 0xdfff}).map((c) => String.fromCharCode(c))

/** Characters that matter to the parsers: their separators, quoting, escapes, and terminal controls. */
export const NASTY_PIECES = [
  '"', ' ', '" "', '"-"', '-', '--', '\t', '\r', '\n', '\r\n', '\0', '\\', '\\"', ',', ';', '=', ':', '%', '%%',
  '[', ']', '{', '}', '(', ')', '|', '||', '/', '~', '.', '0', '9', '00', '99999999999999999', '-1', '1e3', 'NaN',
  '\x1b', '\x1b[31m', '\x1b[0m', '\x1b]8;;http://x\x07', '\u009b', '\u007f', '\u202e', '\u2028', '\ufeff', '\ufffd', '\ud800', '\udfff',
  '\u{1f600}', 'é', 'HTTP/1.1', 'HTTP/2', 'GET', '- - -', '[pod/a/b] ', '2024-06-21T19:24:00.453123456Z ', '2024-13-45T99:99:99.999Z',
  '[2024-06-21T19:24:00.453Z] ', 'outbound|443||x', 'PassthroughCluster', 'null', 'true', '""', '{}', '[]', '{"message":"x"}',
]

// fast-check's default size ('small') keeps strings under about 20 characters whatever maxLength says;
// size 'max' lets them reach maxLength, as log lines and captures do.

/** Any string, as a log or header may hold: full Unicode, lone surrogates, controls, and the nasty pieces. */
export const anyText = (maxLength = 200): fc.Arbitrary<string> =>
  fc.oneof(
    {arbitrary: fc.string({unit: 'binary', maxLength, size: 'max'}), weight: 3},
    {arbitrary: fc.string({unit: 'binary-ascii', maxLength, size: 'max'}), weight: 2},
    {
      arbitrary: fc.string({unit: fc.oneof(fc.constantFrom(...NASTY_PIECES), loneSurrogate, fc.string({unit: 'binary', maxLength: 2})), maxLength: Math.ceil(maxLength / 4), size: 'max'}),
      weight: 3,
    },
  )

/** What a UTF-8 decoder makes of arbitrary bytes: the shell decodes input this way (invalid bytes become U+FFFD). */
export const decodedBytes = (maxLength = 400): fc.Arbitrary<string> =>
  fc.uint8Array({maxLength, size: 'max'}).map((bytes) => new TextDecoder('utf-8').decode(bytes))

export type Mutation =
  | {kind: 'truncate'; at: number}
  | {kind: 'cut'; at: number; length: number}
  | {kind: 'insert'; at: number; text: string}
  | {kind: 'replace-char'; at: number; text: string}
  | {kind: 'splice'; at: number; other: string; from: number}
  | {kind: 'duplicate-field'; field: number}
  | {kind: 'drop-field'; field: number}
  | {kind: 'swap-fields'; a: number; b: number}
  | {kind: 'replace-field'; field: number; text: string}
  | {kind: 'repeat'; at: number; length: number; times: number}

const index = (n: number, length: number): number => n % (length + 1)

/** Space-separated fields with their offsets: the unit most log formats are built from. */
function fields(s: string): {start: number; end: number}[] {
  const out: {start: number; end: number}[] = []
  let start = 0
  for (let i = 0; i <= s.length; i++) {
    if (i === s.length || s[i] === ' ') {
      out.push({start, end: i})
      start = i + 1
    }
  }
  return out
}

export function applyMutation(s: string, m: Mutation): string {
  switch (m.kind) {
    case 'truncate':
      return s.slice(0, index(m.at, s.length))
    case 'cut': {
      const at = index(m.at, s.length)
      return s.slice(0, at) + s.slice(at + m.length)
    }
    case 'insert': {
      const at = index(m.at, s.length)
      return s.slice(0, at) + m.text + s.slice(at)
    }
    case 'replace-char': {
      const at = index(m.at, s.length)
      return s.slice(0, at) + m.text + s.slice(at + 1)
    }
    case 'splice':
      return s.slice(0, index(m.at, s.length)) + m.other.slice(index(m.from, m.other.length))
    case 'repeat': {
      const at = index(m.at, s.length)
      return s.slice(0, at) + s.slice(at, at + m.length).repeat(m.times) + s.slice(at)
    }
    default:
      return mutateField(s, m)
  }
}

function mutateField(s: string, m: Extract<Mutation, {field: number} | {a: number}>): string {
  const fs = fields(s)
  const pick = (n: number) => fs[n % fs.length]!
  const text = (f: {start: number; end: number}) => s.slice(f.start, f.end)
  switch (m.kind) {
    case 'duplicate-field': {
      const f = pick(m.field)
      return `${s.slice(0, f.end)} ${text(f)}${s.slice(f.end)}`
    }
    case 'drop-field': {
      const f = pick(m.field)
      return s.slice(0, f.start) + s.slice(Math.min(s.length, f.end + 1))
    }
    case 'replace-field': {
      const f = pick(m.field)
      return s.slice(0, f.start) + m.text + s.slice(f.end)
    }
    case 'swap-fields': {
      const [x, y] = [pick(m.a), pick(m.b)].sort((p, q) => p.start - q.start) as [{start: number; end: number}, {start: number; end: number}]
      if (x.start === y.start) return s
      return s.slice(0, x.start) + text(y) + s.slice(x.end, y.start) + text(x) + s.slice(y.end)
    }
  }
}

const piece = fc.oneof(fc.constantFrom(...NASTY_PIECES), loneSurrogate, fc.string({unit: 'binary', maxLength: 8}))

/** One mutation of a string; `others` are what a splice may take the rest of the line from. */
export function mutation(others: readonly string[]): fc.Arbitrary<Mutation> {
  const at = fc.nat({max: 4000})
  return fc.oneof(
    fc.record({kind: fc.constant('truncate' as const), at}),
    fc.record({kind: fc.constant('cut' as const), at, length: fc.integer({min: 1, max: 40})}),
    {arbitrary: fc.record({kind: fc.constant('insert' as const), at, text: piece}), weight: 3},
    fc.record({kind: fc.constant('replace-char' as const), at, text: piece}),
    fc.record({kind: fc.constant('splice' as const), at, other: fc.constantFrom(...others), from: at}),
    fc.record({kind: fc.constant('duplicate-field' as const), field: fc.nat(40)}),
    fc.record({kind: fc.constant('drop-field' as const), field: fc.nat(40)}),
    fc.record({kind: fc.constant('swap-fields' as const), a: fc.nat(40), b: fc.nat(40)}),
    {arbitrary: fc.record({kind: fc.constant('replace-field' as const), field: fc.nat(40), text: piece}), weight: 2},
    fc.record({kind: fc.constant('repeat' as const), at, length: fc.integer({min: 1, max: 8}), times: fc.integer({min: 2, max: 50})}),
  )
}

/** A real input from `corpus` with one to four mutations applied (the mutated text). */
export function mutated(corpus: readonly string[], maxMutations = 4): fc.Arbitrary<string> {
  return fc
    .tuple(fc.constantFrom(...corpus), fc.array(mutation(corpus), {minLength: 1, maxLength: maxMutations}))
    .map(([base, ms]) => ms.reduce(applyMutation, base))
}

/** Cut points for feeding a text in chunks: any sizes, empty chunks included. */
export function chunked(text: string, cuts: number[]): string[] {
  const points = cuts.map((c) => c % (text.length + 1)).sort((a, b) => a - b)
  const chunks: string[] = []
  let from = 0
  for (const p of points) {
    chunks.push(text.slice(from, p))
    from = p
  }
  chunks.push(text.slice(from))
  return chunks
}
