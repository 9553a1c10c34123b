// kubectl/stern envelopes (src/core/input/envelope.ts). Any line comes back as a string or null (an
// envelope that cannot be read), never a throw; outside JSON only a prefix is taken off; the envelope
// writes nothing into the source but pod, container, namespace and timestamp; every envelope kubectl and
// stern write comes off again, giving back the line and the names (a round trip); and the answer for a
// line does not depend on the lines unwrapped before it (the remembered prefix).

import {deepStrictEqual} from 'node:assert/strict'

import fc from 'fast-check'

import {unwrapEnvelope} from '../../src/core/input/envelope.js'
import type {SourceRef} from '../../src/core/model.js'
import {ACCESS_LINES, LOG_LINES} from './corpus.js'
import {check} from './entries.js'
import {fuzz} from './fuzz.js'
import {anyText, mutated} from './mutate.js'

const source = (): SourceRef => ({input: 'fuzz.log', line: 9})
const ENVELOPE_KEYS = new Set(['input', 'line', 'pod', 'container', 'namespace', 'timestamp'])

const TS = '2024-06-21T19:24:00.453123456Z'
/** Random text behind the first characters of each envelope, so every branch is reached. */
const anyLine = fc.oneof(
  anyText(300),
  mutated(LOG_LINES),
  fc.tuple(fc.constantFrom('[pod/', '[pod/a/b]', '[pod/a/b] ', '{"message":', '{"podName":"p","message":', '{"pod":"p","message":{', `${TS} `, '06-21 19:24:00 ', 'a b ', 'a b c ', '\x1b[', '\x1b[31ma\x1b[0m b '), anyText(200)).map(([head, tail]) => head + tail),
)

function unwrap(line: string): {out: string | null; src: SourceRef} {
  const src = source()
  return {out: unwrapEnvelope(line, src), src}
}

fuzz('any line: a string or null; outside JSON only a prefix comes off; the source gains only names and a timestamp, as strings',
  fc.property(anyLine, (line) => {
    const {out, src} = unwrap(line)
    check(out === null || typeof out === 'string', () => `returned ${typeof out}`)
    if (out !== null && !line.startsWith('{')) check(line.endsWith(out), () => `${JSON.stringify(out)} is not the end of the line`)
    check(src.input === 'fuzz.log' && src.line === 9, () => `input/line changed: ${JSON.stringify(src)}`)
    for (const [key, value] of Object.entries(src)) {
      check(ENVELOPE_KEYS.has(key), () => `source gained ${key}`)
      if (key !== 'line') check(typeof value === 'string' && value !== '', () => `source.${key} is ${JSON.stringify(value)}`)
    }
  }))

fuzz('a line gets the same answer whatever lines were unwrapped before it',
  fc.property(anyLine, fc.array(fc.oneof(fc.constantFrom(...LOG_LINES), anyLine), {minLength: 1, maxLength: 3}), anyLine, (line, before, other) => {
    unwrapEnvelope(other, source())
    const reference = unwrap(line)
    for (const b of before) unwrapEnvelope(b, source())
    deepStrictEqual(unwrap(line), reference)
  }))

// ---- round trips: what kubectl and stern write comes off again ---------------------------------------

/** Kubernetes names: lowercase DNS labels (pod names may hold dots). */
const label = fc.stringMatching(/^[a-z][a-z0-9-]{0,14}[a-z0-9]$/)
const podName = fc.oneof(label, fc.tuple(label, label).map(([a, b]) => `${a}.${b}`))

/** kubelet's RFC3339 (0–9 fraction digits, Z or an offset) and stern's --timestamps=short. */
const timestamp = fc.oneof(
  fc
    .tuple(fc.date({min: new Date(0), max: new Date('9999-12-31T00:00:00Z'), noInvalidDate: true}), fc.string({unit: fc.constantFrom('0', '1', '9'), maxLength: 9}), fc.constantFrom('Z', '+09:00', '-05:30'))
    .map(([d, frac, zone]) => `${d.toISOString().slice(0, 19)}${frac === '' ? '' : `.${frac}`}${zone}`),
  fc.date({min: new Date(0), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true}).map((d) => d.toISOString().slice(5, 19).replace('T', ' ')),
)

/** What an envelope wraps: a proxy line (text or JSON access line), never one that starts with a time itself. */
const inner = fc.oneof(fc.constantFrom(...ACCESS_LINES), mutated(ACCESS_LINES, 2)).filter((l) => /^[[{]/.test(l) && (l[0] === '{' || /^\[\d/.test(l)))

const colour = (name: string, on: boolean, code: number): string => (on ? `\x1b[${code}m${name}\x1b[0m` : name)

interface Wrapped {
  line: string
  /** The line unwrapping must give back. */
  want: string
  names: Partial<SourceRef>
}

const withStamp = (stamp: string | null, text: string) => (stamp === null ? text : `${stamp} ${text}`)
const stampField = (stamp: string | null): Partial<SourceRef> => (stamp === null ? {} : {timestamp: stamp})

const wrapped: fc.Arbitrary<Wrapped> = fc
  .record({
    kind: fc.constantFrom('kubectl', 'kubectl-timestamps', 'stern', 'stern-namespaces', 'stern-json', 'stern-extjson'),
    inner,
    pod: podName,
    container: label,
    namespace: label,
    stamp: fc.option(timestamp, {nil: null}),
    coloured: fc.boolean(),
  })
  .map(({kind, inner: text, pod, container, namespace, stamp, coloured}): Wrapped => {
    switch (kind) {
      case 'kubectl':
        return {line: `[pod/${pod}/${container}] ${withStamp(stamp, text)}`, want: text, names: {pod, container, ...stampField(stamp)}}
      case 'kubectl-timestamps': {
        const ts = stamp ?? TS
        return {line: `${ts} ${text}`, want: text, names: {timestamp: ts}}
      }
      case 'stern':
        return {line: `${colour(pod, coloured, 31)} ${colour(container, coloured, 32)} ${withStamp(stamp, text)}`, want: text, names: {pod, container, ...stampField(stamp)}}
      case 'stern-namespaces':
        return {
          line: `${colour(namespace, coloured, 33)} ${colour(pod, coloured, 31)} ${colour(container, coloured, 32)} ${withStamp(stamp, text)}`,
          want: text,
          names: {namespace, pod, container, ...stampField(stamp)},
        }
      case 'stern-json':
        return {
          line: JSON.stringify({message: withStamp(stamp, text), nodeName: 'kind-worker', namespace, podName: pod, containerName: container}),
          want: text,
          names: {pod, container, namespace, ...stampField(stamp)},
        }
      case 'stern-extjson': {
        // extjson embeds a message that is valid JSON as JSON (so it comes back re-serialised), and pastes
        // coloured names into its strings unescaped.
        let message: unknown = withStamp(stamp, text)
        try {
          if (stamp === null) message = JSON.parse(text)
        } catch {
          /* not JSON: a string message */
        }
        const names = JSON.stringify({namespace: 'NS', pod: 'POD', container: 'CONTAINER', message})
        const line = names.replace('"NS"', `"${colour(namespace, coloured, 33)}"`).replace('"POD"', `"${colour(pod, coloured, 31)}"`).replace('"CONTAINER"', `"${colour(container, coloured, 32)}"`)
        return {line, want: typeof message === 'string' ? text : JSON.stringify(message), names: {namespace, pod, container, ...stampField(stamp)}}
      }
      default:
        throw new Error(`unknown envelope ${kind}`)
    }
  })

fuzz('every kubectl and stern envelope comes off again: the line back, and the pod, container, namespace and timestamp it named',
  fc.property(wrapped, ({line, want, names}) => {
    deepStrictEqual(unwrap(line), {out: want, src: {...source(), ...names}})
  }))
