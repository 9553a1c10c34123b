// Strings cut from a log line are slices: V8 keeps the whole string they were cut from alive — here a
// 256 KiB input chunk. Anything that outlives its line (findings, summary rows, held hops) must hold
// its own copy, or a few hundred kept values pin the whole input in memory (measured: 300 short names
// held 318 MB). Concatenating then slicing makes V8 flatten into a fresh string of the value's length.

/** A copy of `s` that does not keep the string it was sliced from alive. */
export function own<T extends string | null | undefined>(s: T): T {
  return (typeof s === 'string' && s.length > 0 ? ` ${s}`.slice(1) : s) as T
}

/** Evidence and other plain records kept for the whole run: every string value owned. */
export function ownFields<T extends Record<string, unknown>>(o: T): T {
  const out: Record<string, unknown> = {}
  for (const key in o) {
    const v = o[key]
    out[key] = typeof v === 'string' ? own(v) : v
  }
  return out as T
}

/**
 * A deep copy of plain data (objects, arrays, primitives) with every string owned: for records that are
 * kept long after their line, like a hop held for a late partner.
 */
export function ownDeep<T>(value: T): T {
  if (typeof value === 'string') return own(value) as T
  if (value === null || typeof value !== 'object') return value
  if (Array.isArray(value)) return value.map(ownDeep) as T
  const out: Record<string, unknown> = {}
  for (const key in value) out[key] = ownDeep((value as Record<string, unknown>)[key])
  return out as T
}

/**
 * One owned string per pair (`host:port`, `namespace/workload`): callers that look a composed key up for
 * every chain get the same string each time, which keeps its hash, where a new one is joined, flattened
 * and hashed again. Its own copy, so it pins no input. Bounded: emptied once it holds `limit` strings.
 */
export class OwnedPairs<B> {
  private readonly byFirst = new Map<string, Map<B, string>>()
  private count = 0

  constructor(
    private readonly compose: (a: string, b: B) => string,
    private readonly limit = 10_000,
  ) {}

  get(a: string, b: B): string {
    let bySecond = this.byFirst.get(a)
    if (bySecond === undefined) this.byFirst.set(own(a), (bySecond = new Map()))
    let s = bySecond.get(b)
    if (s === undefined) {
      if (++this.count > this.limit) {
        this.byFirst.clear()
        this.byFirst.set(own(a), (bySecond = new Map()))
        this.count = 1
      }
      bySecond.set(typeof b === 'string' ? own(b) : b, (s = own(this.compose(a, b))))
    }
    return s
  }
}
