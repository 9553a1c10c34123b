// Reading a field of a matched line in place, by its boundaries: shared by the entry builder
// (parse-text.ts) and the NDJSON writer (ndjson.ts), which must decide the same way.

/** Envoy prints `-` for a value it does not have. */
export const isDash = (s: string, p: number, e: number): boolean => e === p + 1 && s.charCodeAt(p) === 0x2d

/** Reads a non-negative integer already checked by the matcher (digits only). */
export function readInt(s: string, p: number, e: number): number {
  let n = 0
  for (let k = p; k < e; k++) n = n * 10 + (s.charCodeAt(k) - 48)
  return n
}
