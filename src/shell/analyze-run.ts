// Shell side of `analyze` and `demo`: turns flags into core options (times with date-fns, the policy and
// header captures read from disk), reads every input concurrently — always the one furthest behind in
// log time, so the join window holds lines of all files at once — feeds the core Analyzer, and prints.

import {readFile} from 'node:fs/promises'

import {isValid, parseISO, sub} from 'date-fns'

import {AccessLogReader, type ReadOptions} from '../core/accesslog/reader.js'
import {Analyzer, type AnalyzerOptions} from '../core/analyze.js'
import {type Policy, parsePolicy} from '../core/classify/policy.js'
import {buildHeaderEvidence, parseCapture} from '../core/headers/index.js'
import type {HeaderEvidence} from '../core/headers/types.js'
import {type AnalysisResult, type RequestChain, SEVERITIES, type Severity} from '../core/model.js'
import {renderSummary} from '../core/render/summary.js'
import {scrub} from '../core/text/scrub.js'
import {InputError, UsageError} from './errors.js'
import {EXIT} from './exit-codes.js'
import type {InputSource} from './inputs.js'
import {Output, colourAllowed} from './output.js'
import type {InputFailure} from './read-logs.js'

export type FailOn = Severity | 'none'
export const FAIL_ON: readonly FailOn[] = [...SEVERITIES, 'none']

/** Exit 1 when a finding is at or above --fail-on, else 0. */
export function exitCodeFor(result: AnalysisResult, failOn: FailOn): number {
  if (failOn === 'none') return EXIT.clean
  const limit = SEVERITIES.indexOf(failOn)
  return result.findings.some((f) => SEVERITIES.indexOf(f.severity) <= limit) ? EXIT.findings : EXIT.clean
}

const UNITS: Record<string, keyof Duration | 'ms'> = {ms: 'ms', s: 'seconds', m: 'minutes', h: 'hours', d: 'days', w: 'weeks'}
type Duration = {seconds: number; minutes: number; hours: number; days: number; weeks: number}
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/
const MS: Record<string, number> = {ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000}

/** `5s`, `500ms`, `2m` → ms; `all` → Infinity (join across the whole input). */
export function parseWindow(text: string): number {
  if (text === 'all') return Infinity
  const m = DURATION.exec(text.trim())
  if (!m) throw new UsageError(`--window: '${text}' is not a duration like 5s, 500ms, 2m, or 'all'`)
  return Number(m[1]) * MS[m[2]!]!
}

/** RFC 3339 (`2024-06-21T19:00:00Z`) or a time ago (`2h`, `30m`, `7d`) → epoch ms. */
export function parseTimeFlag(flag: string, text: string, now: Date = new Date()): number {
  const m = DURATION.exec(text.trim())
  if (m) {
    const unit = UNITS[m[2]!]!
    return unit === 'ms' ? now.getTime() - Number(m[1]) : sub(now, {[unit]: Number(m[1])}).getTime()
  }
  const d = parseISO(text.trim())
  if (!isValid(d)) throw new UsageError(`--${flag}: '${text}' is neither an RFC 3339 time (2024-06-21T19:00:00Z) nor a duration ago (2h, 30m)`)
  return d.getTime()
}

/** Reads and parses --policy; a bad file is a usage error naming its line and column (exit 2). */
export async function loadPolicy(path: string | undefined): Promise<Policy | undefined> {
  if (path === undefined) return undefined
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    throw new UsageError(`--policy: cannot read ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`)
  }
  const parsed = parsePolicy(text, path)
  if (!parsed.ok) throw new UsageError(`--policy: ${scrub(parsed.error, true)}`)
  return parsed.policy
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
    const capture = parseCapture(text, {input: name})
    for (const set of capture.sets) evidence.push(buildHeaderEvidence(set, {now}))
    const skipped = capture.skipped.length > 0 ? `, ${capture.skipped.length} lines skipped (first: line ${capture.skipped[0]!.line}, ${capture.skipped[0]!.reason})` : ''
    notes.push(`${name}: ${capture.sets.length} header set${capture.sets.length === 1 ? '' : 's'} in ${capture.linesRead} lines${skipped}`)
  }
  return {evidence, notes}
}

export interface RunOptions {
  sources: InputSource[]
  headers: HeaderLoad
  analyzer: Omit<AnalyzerOptions, 'stats' | 'inputs' | 'keepChains' | 'describeChains'>
  read: ReadOptions
  mode: 'summary' | 'json' | 'ndjson'
  failOn: FailOn
}

interface Stream {
  source: InputSource
  reader: AccessLogReader
  chunks: AsyncIterator<string>
  /** Log time of the furthest line read (START_TIME + DURATION). */
  at: number
  done: boolean
}

/**
 * Runs the analysis and prints it; returns the exit code (3 when an input could not be read, else 1 for
 * findings at or above --fail-on, else 0).
 */
export async function runAnalysis(options: RunOptions): Promise<number> {
  const out = new Output()
  const analyzer = new Analyzer({...options.analyzer, keepChains: options.mode === 'json', describeChains: options.mode !== 'summary', inputs: options.sources.map((s) => s.name)})
  analyzer.addHeaders(options.headers.evidence)
  const emit = async (chains: RequestChain[]): Promise<boolean> => {
    if (options.mode !== 'ndjson' || chains.length === 0) return !out.closed
    let text = ''
    for (const c of chains) text += `${JSON.stringify(c)}\n`
    return out.write(text)
  }

  const failures: InputFailure[] = []
  const streams: Stream[] = options.sources.map((source) => ({
    source,
    reader: new AccessLogReader(source.name, analyzer.stats, options.read),
    chunks: source.chunks()[Symbol.asyncIterator](),
    at: -Infinity,
    done: false,
  }))
  let open = streams.length
  while (open > 0) {
    // The input furthest behind in log time goes next, so every file's lines meet within the window.
    let s = streams[0]!
    for (const x of streams) if (!x.done && (s.done || x.at < s.at)) s = x
    // Only the read is guarded: an error thrown by the core is a bug (exit 70), not an unreadable input.
    let next: IteratorResult<string> | null
    try {
      next = await s.chunks.next()
    } catch (error) {
      failures.push({input: s.source.name, message: error instanceof InputError ? error.why : (error as Error).message})
      next = null
    }
    if (next !== null && !next.done) {
      const batch = s.reader.push(next.value)
      for (const e of batch.entries) {
        const t = e.startMs == null ? null : e.startMs + (e.duration ?? 0)
        if (t !== null && t > s.at) s.at = t
      }
      if (!(await emit(analyzer.addEntries(batch.entries)))) break
      continue
    }
    s.done = true
    open--
    const chains = analyzer.addEntries(s.reader.end().entries)
    chains.push(...analyzer.endInput(s.source.name))
    if (!(await emit(chains))) break
  }
  for (const s of streams) if (!s.done) await s.chunks.return?.()
  await emit(analyzer.end())
  const result = analyzer.finish()

  if (options.mode === 'json') await out.write(`${JSON.stringify(result)}\n`)
  else if (options.mode === 'summary') {
    const lines = renderSummary(result, {colour: colourAllowed(process.stdout), inputs: options.sources.length, problems: failures})
    for (const note of options.headers.notes) lines.push(`  ${scrub(note, true)}`)
    await out.write(`${lines.join('\n')}\n`)
  } else {
    const counts = SEVERITIES.map((sev) => `${result.findings.filter((f) => f.severity === sev).length} ${sev}`).join(', ')
    process.stderr.write(`${result.totals.chains} chains, findings: ${counts}\n`)
    for (const f of failures) process.stderr.write(`input error: ${scrub(`${f.input}: ${f.message}`, true)}\n`)
  }
  if (options.mode !== 'ndjson') for (const f of failures) process.stderr.write(`egress-audit: cannot read ${scrub(`${f.input}: ${f.message}`, true)}\n`)
  return failures.length > 0 ? EXIT.input : exitCodeFor(result, options.failOn)
}
