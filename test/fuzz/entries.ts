// What every access-log parse result must look like, whatever the line: an entry whose fields have
// their documented types, or one of the skip reasons a parser may give. Shared by the line parser's and
// the reader's properties.

import {readStartTime} from '../../src/core/accesslog/start-time.js'
import {PRESETS} from '../../src/core/accesslog/formats.js'
import type {AccessLogEntry, EntryField, SourceRef} from '../../src/core/model.js'
import type {SkipReason} from '../../src/core/result.js'

/** What AccessLogParser.parse may answer instead of an entry (the reader adds too-long and envelope). */
export const PARSER_SKIPS: readonly SkipReason[] = [
  'blank', 'binary', 'envoy-log', 'agent-log', 'not-access-log', 'json-not-access-log', 'bad-json', 'truncated', 'bad-time', 'bad-field', 'no-format-matched',
]
export const READER_SKIPS: readonly SkipReason[] = [...PARSER_SKIPS, 'too-long', 'envelope']

const INT_FIELDS = new Set<string>(['responseCode', 'bytesReceived', 'bytesSent', 'duration', 'upstreamServiceTime'])
const STRING_FIELDS = new Set<string>([
  'startTime', 'method', 'path', 'protocol', 'responseCodeDetails', 'connectionTerminationDetails', 'upstreamTransportFailureReason',
  'xForwardedFor', 'userAgent', 'requestId', 'authority', 'upstreamHost', 'upstreamCluster', 'upstreamLocalAddress', 'downstreamLocalAddress',
  'downstreamRemoteAddress', 'requestedServerName', 'routeName', 'upstreamTlsVersion', 'upstreamPeerUriSan', 'upstreamPeerSubject',
  'downstreamTlsVersion', 'downstreamPeerUriSan', 'downstreamPeerSubject', 'mixerStatus',
] satisfies EntryField[])

/** Formats detection can name: each text preset shape once, and the two JSON names. */
export const DETECTED_FORMATS: readonly string[] = [
  ...PRESETS.filter((p) => p.encoding === 'text' && !p.sameShapeAs).map((p) => p.name),
  'istio-json',
  'egress-audit-json',
]

/** Throws with `message` unless `condition` holds: a plain check, cheap enough for a million runs. */
export function check(condition: boolean, message: () => string): asserts condition {
  if (!condition) throw new Error(message())
}

/**
 * Checks the shape of one entry: only known keys; numbers are non-negative safe integers or null; strings
 * are strings or null; flags a string array; startMs the time startTime stands for (when it is Envoy's
 * default form, unless the plan has a START_TIME(pattern): `customTime`); `source` the one given. With
 * `textLine`, every string came out of that line: a text parser cuts values, it does not make them up.
 */
export function expectEntryShape(entry: AccessLogEntry, source: SourceRef, {textLine, customTime = false}: {textLine?: string; customTime?: boolean} = {}): void {
  check(entry.source === source, () => `source is not the one given: ${JSON.stringify(entry.source)}`)
  check(typeof entry.format === 'string', () => `format ${String(entry.format)}`)
  for (const key in entry) {
    const value = (entry as unknown as Record<string, unknown>)[key]
    if (key === 'source' || key === 'format') continue
    if (key === 'startMs') check(typeof value === 'number' && !Number.isNaN(value), () => `startMs ${String(value)}`)
    else if (key === 'responseFlags') check(Array.isArray(value) && value.every((f) => typeof f === 'string'), () => `responseFlags ${JSON.stringify(value)}`)
    else if (INT_FIELDS.has(key)) check(value === null || (Number.isSafeInteger(value) && (value as number) >= 0), () => `${key} ${String(value)}`)
    else if (STRING_FIELDS.has(key)) check(value === null || typeof value === 'string', () => `${key} is a ${typeof value}`)
    else if (key === 'extra') check(Object.values(value as object).every((v) => v === null || typeof v === 'string'), () => `extra ${JSON.stringify(value)}`)
    else check(false, () => `unknown entry key ${JSON.stringify(key)}`)
  }
  if (!customTime && typeof entry.startTime === 'string') {
    const ms = readStartTime(entry.startTime)
    check(Number.isNaN(ms) || entry.startMs === ms, () => `startMs ${String(entry.startMs)} is not the time of ${JSON.stringify(entry.startTime)} (${ms})`)
  }
  if (textLine !== undefined) {
    for (const key of STRING_FIELDS) {
      const v = entry[key as EntryField]
      if (typeof v === 'string') check(textLine.includes(v), () => `${key} ${JSON.stringify(v)} is not in the line`)
    }
    for (const v of [...(entry.responseFlags ?? []), ...Object.values(entry.extra ?? {})]) {
      if (typeof v === 'string') check(textLine.includes(v), () => `${JSON.stringify(v)} is not in the line`)
    }
  }
}

/** An entry without its source: what two parses of the same text must agree on. */
export const withoutSource = ({source: _source, ...fields}: AccessLogEntry): Omit<AccessLogEntry, 'source'> => fields
