// Real input to start from: every line of the committed fixture logs (the seed lines, each format and
// envelope, each scenario, the noisy proxy log, the demo, the hostile report log), the echoed-header
// captures and values, and the policies. Structure-aware properties mutate these, so the fuzzer spends
// its time near the inputs a parser really meets instead of in text no parser gets past the first byte of.

import {readdirSync, readFileSync, statSync} from 'node:fs'
import {join, relative} from 'node:path'
import {fileURLToPath} from 'node:url'

import {EXAMPLE_POLICY} from '../../src/core/classify/policy.js'
import {parseCapture} from '../../src/core/headers/capture.js'
import {unwrapEnvelope} from '../../src/core/input/envelope.js'

const FIXTURES = fileURLToPath(new URL('../../fixtures/', import.meta.url))

/** Files under a fixtures folder, recursively, whose names pass `keep`; sorted so the corpus order is stable. */
function filesUnder(dir: string, keep: (name: string) => boolean): string[] {
  const out: string[] = []
  for (const name of readdirSync(join(FIXTURES, dir)).sort()) {
    const path = join(FIXTURES, dir, name)
    if (statSync(path).isDirectory()) out.push(...filesUnder(relative(FIXTURES, path), keep))
    else if (keep(name)) out.push(path)
  }
  return out
}

const read = (path: string): string => readFileSync(path, 'utf8')
const unique = (xs: Iterable<string>): string[] => [...new Set(xs)]

function linesOf(paths: string[]): string[] {
  return unique(paths.flatMap((p) => read(p).split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l))).filter((l) => l !== ''))
}

const LOG_DIRS = ['seeds', 'formats', 'scenarios', 'noise', 'demo', 'input', 'hostile']

/** Every fixture log line as written: some carry a kubectl or stern envelope. */
export const LOG_LINES: readonly string[] = linesOf(LOG_DIRS.flatMap((d) => filesUnder(d, (n) => n.endsWith('.log'))))

/** The same lines with their envelopes taken off: what the access-log parser is given. */
export const ACCESS_LINES: readonly string[] = unique(
  LOG_LINES.map((l) => unwrapEnvelope(l, {input: 'corpus', line: 1})).filter((l): l is string => l !== null && l !== ''),
)

/** Text access lines (`[` + time) and JSON ones. */
export const TEXT_ACCESS_LINES: readonly string[] = ACCESS_LINES.filter((l) => /^\[\d/.test(l))
export const JSON_ACCESS_LINES: readonly string[] = ACCESS_LINES.filter((l) => l.startsWith('{'))

/** Whole header captures: curl -v, curl -D, HAR, httpbin JSON (pretty, NDJSON, concatenated), raw blocks. */
export const CAPTURES: readonly string[] = [
  ...filesUnder('headers', (n) => n.endsWith('.json') || n.endsWith('.txt') || n.endsWith('.har') || n.endsWith('.ndjson')),
  join(FIXTURES, 'demo', 'headers.json'),
].map(read)

/** Every header value of a name in the captures (read with parseCapture: the corpus is built, not asserted). */
function headerValues(name: string): string[] {
  const want = name.toLowerCase()
  const sets = CAPTURES.flatMap((text) => parseCapture(text).sets)
  return unique(sets.flatMap((s) => s.headers.filter((h) => h.name.toLowerCase() === want).map((h) => h.value)))
}

export const PEER_METADATA_VALUES: readonly string[] = headerValues('X-Envoy-Peer-Metadata')
export const PEER_ID_VALUES: readonly string[] = headerValues('X-Envoy-Peer-Metadata-Id')
export const XFCC_VALUES: readonly string[] = headerValues('X-Forwarded-Client-Cert')

/** The committed policies, good and bad, and `policy init`'s example. */
export const POLICIES: readonly string[] = [...filesUnder('policy', (n) => n.endsWith('.yaml')).map(read), EXAMPLE_POLICY]

// A corpus that silently came out empty would make every structure-aware property vacuous.
for (const [name, corpus] of Object.entries({LOG_LINES, TEXT_ACCESS_LINES, JSON_ACCESS_LINES, CAPTURES, PEER_METADATA_VALUES, PEER_ID_VALUES, XFCC_VALUES, POLICIES})) {
  if (corpus.length === 0) throw new Error(`fuzz corpus ${name} is empty: have the fixtures moved?`)
}
