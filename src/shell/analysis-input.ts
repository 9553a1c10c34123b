// The input side every analysing command shares (analyze, demo, report): flags turned into core options
// (the policy and header captures read from disk) and the time-merged reading loop
// that feeds the core Analyzer — always reading the input furthest behind in log time, so the join window
// holds lines of all files at once.

import {createHash} from 'node:crypto'
import {readFile} from 'node:fs/promises'

import {AccessLogReader, type ReadOptions} from '../core/accesslog/reader.js'
import {Analyzer, type AnalyzerOptions} from '../core/analyze.js'
import type {Policy} from '../core/classify/policy.js'
import type {HeaderEvidence} from '../core/headers/types.js'
import type {AnalysisResult, RequestChain} from '../core/model.js'
import {scrub} from '../core/text/scrub.js'
import {InputError, UsageError} from './errors.js'
import type {InputSource} from './inputs.js'
import type {InputFailure} from './read-logs.js'

export interface PolicyFile {
  policy: Policy
  path: string
  /** SHA-256 (hex) of the file's bytes, for a report's scope. */
  sha256: string
}

/** Reads and parses --policy, keeping its hash; a bad file is a usage error naming its line and column (exit 2). */
export async function loadPolicyFile(path: string | undefined): Promise<PolicyFile | undefined> {
  if (path === undefined) return undefined
  let bytes: Buffer
  try {
    bytes = await readFile(path)
  } catch (error) {
    throw new UsageError(`--policy: cannot read ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`)
  }
  // Loaded with a policy only: the YAML library is start-up time every other run can skip.
  const {parsePolicy} = await import('../core/classify/policy-parse.js')
  const parsed = parsePolicy(bytes.toString('utf8'), path)
  if (!parsed.ok) throw new UsageError(`--policy: ${scrub(parsed.error, true)}`)
  return {policy: parsed.policy, path, sha256: createHash('sha256').update(bytes).digest('hex')}
}

/** Reads and parses --policy; a bad file is a usage error naming its line and column (exit 2). */
export async function loadPolicy(path: string | undefined): Promise<Policy | undefined> {
  return (await loadPolicyFile(path))?.policy
}

export interface HeaderLoad {
  evidence: HeaderEvidence[]
  /** One line per capture: sets found, lines skipped. */
  notes: string[]
}

/** Reads echoed-header captures (httpbin JSON, curl -v, HAR, raw); an unreadable one is an input error (exit 3). */
export async function loadHeaders(paths: readonly {path: string; name: string}[], now = new Date()): Promise<HeaderLoad> {
  const evidence: HeaderEvidence[] = []
  const notes: string[] = []
  for (const {path, name} of paths) {
    let text: string
    try {
      text = await readFile(path, 'utf8')
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      throw new InputError(name, code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (error as Error).message)
    }
    // Loaded when a capture is given: the protobuf decoder it needs is 60 modules every other run can skip.
    const {buildHeaderEvidence, parseCapture} = await import('../core/headers/index.js')
    const capture = parseCapture(text, {input: name})
    for (const set of capture.sets) evidence.push(buildHeaderEvidence(set, {now}))
    const skipped = capture.skipped.length > 0 ? `, ${capture.skipped.length} lines skipped (first: line ${capture.skipped[0]!.line}, ${capture.skipped[0]!.reason})` : ''
    notes.push(`${name}: ${capture.sets.length} header set${capture.sets.length === 1 ? '' : 's'} in ${capture.linesRead} lines${skipped}`)
  }
  return {evidence, notes}
}

/** What was read of one input: for a report's scope. */
export interface InputRead {
  name: string
  /** Bytes read (after gunzip, for a compressed input). */
  bytes: number
  /** SHA-256 (hex) of those bytes as decoded text re-encoded as UTF-8 (invalid bytes count as U+FFFD). */
  sha256: string
  /** Earliest and latest START_TIME of its parsed lines (epoch ms). */
  firstMs: number | null
  lastMs: number | null
}

export interface ReadAnalysisOptions {
  sources: InputSource[]
  headers: HeaderLoad
  analyzer: Omit<AnalyzerOptions, 'stats' | 'inputs'>
  read: ReadOptions
  /** Hash and measure each input as it is read (a report's scope); off for analyze, which need not pay for it. */
  fingerprint?: boolean
  /**
   * Chains as they complete; return false to stop reading (the reader went away). The analyzer is there
   * for a live view's counts so far (Analyzer.snapshot()).
   */
  emit?: (chains: RequestChain[], analyzer: Analyzer) => Promise<boolean> | boolean
  /** Each chunk of text as it is read, and the end of each input (the TUI keeps raw lines to show). */
  onChunk?: (input: string, text: string) => void
  onInputEnd?: (input: string) => void
  /**
   * Inputs may not end (-f, a live pipe): read whichever input has data rather than the one furthest
   * behind in log time (it may never speak again), and let a quiet input stop holding the others back.
   */
  follow?: boolean
  /** Stops reading (Ctrl-C in follow mode): what was read is analysed and the result returned. */
  signal?: AbortSignal
  /** Follow mode's clock and tick, for tests. */
  live?: LiveClock
}

export interface LiveClock {
  now(): number
  /** How often quiet inputs are looked at (ms). */
  tickMs: number
  /**
   * How far behind the clock a quiet input's log may still be: Envoy flushes access logs about every
   * second and `kubectl logs -f` adds its own delay, so a line may arrive some seconds after its time.
   */
  graceMs: number
}

const LIVE: LiveClock = {now: () => Date.now(), tickMs: 1000, graceMs: 5000}

export interface AnalysisRun {
  result: AnalysisResult
  failures: InputFailure[]
  inputs: InputRead[]
}

interface Stream {
  source: InputSource
  reader: AccessLogReader
  chunks: AsyncIterator<string>
  /** Log time of the furthest line read (START_TIME + DURATION). */
  at: number
  done: boolean
  /** Follow mode: a chunk arrived since the last tick. */
  spoke: boolean
  read: InputRead
  hash: ReturnType<typeof createHash>
}

/** One read: the next chunk, the end (done), or null when the input failed (listed in failures). */
type Pulled = IteratorResult<string> | null

/** Reads every input through one Analyzer; an input that fails is listed, the rest still read. */
export async function readAnalysis(options: ReadAnalysisOptions): Promise<AnalysisRun> {
  const analyzer = new Analyzer({...options.analyzer, inputs: options.sources.map((s) => s.name)})
  analyzer.addHeaders(options.headers.evidence)
  const emit = async (chains: RequestChain[]): Promise<boolean> => (options.emit ? options.emit(chains, analyzer) : true)

  const failures: InputFailure[] = []
  const streams: Stream[] = options.sources.map((source) => ({
    source,
    reader: new AccessLogReader(source.name, analyzer.stats, options.read),
    chunks: source.chunks()[Symbol.asyncIterator](),
    at: -Infinity,
    done: false,
    spoke: false,
    read: {name: source.name, bytes: 0, sha256: '', firstMs: null, lastMs: null},
    hash: createHash('sha256'),
  }))

  // Only the read is guarded: an error thrown by the core is a bug (exit 70), not an unreadable input.
  const pull = async (s: Stream): Promise<Pulled> => {
    try {
      return await s.chunks.next()
    } catch (error) {
      failures.push({input: s.source.name, message: error instanceof InputError ? error.why : (error as Error).message})
      return null
    }
  }

  /** Feeds one read to the analyzer; false when the reader of our output went away. */
  const take = async (s: Stream, next: Pulled): Promise<boolean> => {
    if (next !== null && !next.done) {
      s.spoke = true
      options.onChunk?.(s.source.name, next.value)
      if (options.fingerprint) {
        const buf = Buffer.from(next.value, 'utf8')
        s.read.bytes += buf.length
        s.hash.update(buf)
      }
      const batch = s.reader.push(next.value)
      for (const e of batch.entries) {
        const t = e.startMs == null ? null : e.startMs + (e.duration ?? 0)
        if (t !== null && t > s.at) s.at = t
      }
      if (options.fingerprint) span(s.read, batch.entries)
      return emit(analyzer.addEntries(batch.entries))
    }
    s.done = true
    options.onInputEnd?.(s.source.name)
    const tail = s.reader.end().entries
    if (options.fingerprint) span(s.read, tail)
    const chains = analyzer.addEntries(tail)
    chains.push(...analyzer.endInput(s.source.name))
    return emit(chains)
  }

  if (options.follow) await readLive(streams, pull, take, analyzer, emit, options.signal, options.live ?? LIVE)
  else await readMerged(streams, pull, take, options.signal)

  for (const s of streams) if (!s.done) await s.chunks.return?.()
  await emit(analyzer.end())
  const result = analyzer.finish()
  for (const s of streams) s.read.sha256 = options.fingerprint ? s.hash.digest('hex') : ''
  return {result, failures, inputs: streams.map((s) => s.read)}
}

/** Files that end: always the input furthest behind in log time next, so every file's lines meet within the window. */
async function readMerged(streams: Stream[], pull: (s: Stream) => Promise<Pulled>, take: (s: Stream, next: Pulled) => Promise<boolean>, signal?: AbortSignal): Promise<void> {
  while (!signal?.aborted) {
    let s: Stream | undefined
    for (const x of streams) if (!x.done && (s === undefined || x.at < s.at)) s = x
    if (s === undefined) return
    if (!(await take(s, await pull(s)))) return
  }
}

/**
 * Inputs that may not end: one read outstanding per input, the first to answer is taken. Every tick, an
 * input that said nothing since the last is taken to be caught up with the clock (less a grace), so it
 * no longer holds the others' lines back; when all are quiet, lines whose window has passed by the clock
 * stop waiting for a partner, and their chains show without more input.
 */
async function readLive(
  streams: Stream[],
  pull: (s: Stream) => Promise<Pulled>,
  take: (s: Stream, next: Pulled) => Promise<boolean>,
  analyzer: Analyzer,
  emit: (chains: RequestChain[]) => Promise<boolean>,
  signal: AbortSignal | undefined,
  clock: LiveClock,
): Promise<void> {
  const TICK = Symbol('tick')
  const STOP = Symbol('stop')
  const stopped = new Promise<typeof STOP>((resolve) => {
    if (signal?.aborted) resolve(STOP)
    signal?.addEventListener('abort', () => resolve(STOP), {once: true})
  })
  const reads = new Map<Stream, Promise<{s: Stream; next: Pulled}>>()
  let tick: Promise<typeof TICK> | null = null
  let timer: NodeJS.Timeout | undefined
  let stopping = false
  try {
    for (;;) {
      for (const s of streams) if (!s.done && !reads.has(s)) reads.set(s, pull(s).then((next) => ({s, next})))
      if (reads.size === 0) return
      tick ??= new Promise((resolve) => (timer = setTimeout(resolve, clock.tickMs, TICK)))
      const first = await Promise.race([...reads.values(), tick, ...(stopping ? [] : [stopped])])
      if (first === STOP) {
        // A followed file ends on the signal, after its last partial line; a pipe may never end: let it go.
        stopping = true
        for (const s of streams) {
          if (s.done || s.source.follow) continue
          s.done = true
          reads.delete(s)
          s.source.close()
        }
        continue
      }
      if (first === TICK) {
        tick = null
        if (!(await emit(quiet(streams, analyzer, clock)))) return
        continue
      }
      reads.delete(first.s)
      if (!(await take(first.s, first.next))) return
    }
  } finally {
    clearTimeout(timer)
    // A read still outstanding (our reader went away, or the stop) would hold return() until more input.
    for (const s of reads.keys()) {
      s.done = true
      s.source.close()
    }
  }
}

/** The chains that quiet inputs release (see readLive). */
function quiet(streams: Stream[], analyzer: Analyzer, clock: LiveClock): RequestChain[] {
  const caughtUp = clock.now() - clock.graceMs
  const out: RequestChain[] = []
  let allQuiet = true
  for (const s of streams) {
    if (s.done) continue
    if (s.spoke) allQuiet = false
    else out.push(...analyzer.advanceInput(s.source.name, caughtUp))
    s.spoke = false
  }
  if (allQuiet) out.push(...analyzer.expireBefore(caughtUp))
  return out
}

/** Widens an input's first/last log time over some entries. */
function span(read: InputRead, entries: readonly {startMs?: number | null}[]): void {
  for (const e of entries) {
    if (e.startMs == null) continue
    if (read.firstMs === null || e.startMs < read.firstMs) read.firstMs = e.startMs
    if (read.lastMs === null || e.startMs > read.lastMs) read.lastMs = e.startMs
  }
}
