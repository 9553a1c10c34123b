// Header sets: ordered name/value lists. Lookup is case-insensitive (RFC 9110 §5.1) and a repeated
// header stays repeated, because XFCC and X-Forwarded-For may legitimately arrive more than once.

import type {HeaderField, HeaderSet} from './types.js'

/** What `buildHeaderEvidence` accepts: a set from a capture, a field list, or a plain name → value map. */
export type HeaderInput = HeaderSet | readonly HeaderField[] | Readonly<Record<string, string | readonly string[]>>

/** Every field named `name`, in order, whatever its case. */
export function headerFields(headers: readonly HeaderField[], name: string): HeaderField[] {
  const want = name.toLowerCase()
  return headers.filter((h) => h.name.toLowerCase() === want)
}

/** Every value of header `name`, in order; [] when absent. */
export function headerValues(headers: readonly HeaderField[], name: string): string[] {
  return headerFields(headers, name).map((h) => h.value)
}

/** The first field named `name`, or undefined. */
export function firstHeader(headers: readonly HeaderField[], name: string): HeaderField | undefined {
  const want = name.toLowerCase()
  return headers.find((h) => h.name.toLowerCase() === want)
}

/** Normalises any HeaderInput to a HeaderSet; a set built from a map has no capture to point at. */
export function toHeaderSet(input: HeaderInput): HeaderSet {
  if (isHeaderSet(input)) return input
  const headers: HeaderField[] = Array.isArray(input)
    ? (input as readonly HeaderField[]).map((h) => ({...h}))
    : Object.entries(input as Record<string, string | readonly string[]>).flatMap(([name, v]) =>
        (typeof v === 'string' ? [v] : v).map((value) => ({name, value})),
      )
  return {kind: 'echo', format: 'httpbin-json', source: {input: 'headers', line: 1}, headers}
}

function isHeaderSet(input: HeaderInput): input is HeaderSet {
  return !Array.isArray(input) && typeof (input as HeaderSet).kind === 'string' && Array.isArray((input as HeaderSet).headers)
}
