// Shell side of `analyze` and `demo`: turns flags into core options (times with date-fns, the policy and
// header captures read from disk), reads every input concurrently — always the one furthest behind in
// log time, so the join window holds lines of all files at once — feeds the core Analyzer, and prints.

import type {ReadOptions} from '../core/accesslog/reader.js'
import type {AnalyzerOptions} from '../core/analyze.js'
import {type AnalysisResult, type RequestChain, SEVERITIES, type Severity} from '../core/model.js'
import {renderSummary} from '../core/render/summary.js'
import {renderAccounting} from '../core/text/accounting.js'
import {jsonPieces, stringifySafe} from '../core/text/json.js'
import {scrub} from '../core/text/scrub.js'
import {type HeaderLoad, readAnalysis} from './analysis-input.js'
import {EXIT} from './exit-codes.js'
import type {InputSource} from './inputs.js'
import {Output, colourAllowed} from './output.js'

export {type HeaderLoad, loadHeaders, loadPolicy} from './analysis-input.js'

export type FailOn = Severity | 'none'
export const FAIL_ON: readonly FailOn[] = [...SEVERITIES, 'none']

/** Exit 1 when a finding is at or above --fail-on, else 0. */
export function exitCodeFor(result: AnalysisResult, failOn: FailOn): number {
  if (failOn === 'none') return EXIT.clean
  const limit = SEVERITIES.indexOf(failOn)
  return result.findings.some((f) => SEVERITIES.indexOf(f.severity) <= limit) ? EXIT.findings : EXIT.clean
}

export interface RunOptions {
  sources: InputSource[]
  headers: HeaderLoad
  analyzer: Omit<AnalyzerOptions, 'stats' | 'inputs' | 'keepChains' | 'describeChains'>
  read: ReadOptions
  mode: 'summary' | 'json' | 'ndjson'
  failOn: FailOn
  /** Inputs may not end (-f): see ReadAnalysisOptions.follow. */
  follow?: boolean
  /** Stops reading (Ctrl-C in follow mode); the result so far is printed. */
  signal?: AbortSignal
}

/**
 * Runs the analysis and prints it; returns the exit code (3 when an input could not be read, else 1 for
 * findings at or above --fail-on, else 0).
 */
export async function runAnalysis(options: RunOptions): Promise<number> {
  const out = new Output()
  const emit = async (chains: RequestChain[]): Promise<boolean> => {
    if (options.mode !== 'ndjson' || chains.length === 0) return !out.closed
    let text = ''
    for (const c of chains) text += `${stringifySafe(c)}\n`
    return out.write(text)
  }
  const {result, failures} = await readAnalysis({
    sources: options.sources,
    headers: options.headers,
    analyzer: {...options.analyzer, keepChains: options.mode === 'json', describeChains: options.mode !== 'summary'},
    read: options.read,
    emit,
    follow: options.follow,
    signal: options.signal,
  })

  if (options.mode === 'json') {
    // In pieces, gathered to about 64 KiB per write: a million chains do not fit in one string.
    let text = ''
    for (const piece of jsonPieces(result as unknown as Record<string, unknown>)) {
      text += piece
      if (text.length >= 65_536) {
        if (!(await out.write(text))) break
        text = ''
      }
    }
    await out.write(`${text}\n`)
  }
  else if (options.mode === 'summary') {
    const lines = renderSummary(result, {colour: colourAllowed(process.stdout), inputs: options.sources.length, problems: failures})
    for (const note of options.headers.notes) lines.push(`  ${scrub(note, true)}`)
    await out.write(`${lines.join('\n')}\n`)
  } else {
    const counts = SEVERITIES.map((sev) => `${result.findings.filter((f) => f.severity === sev).length} ${sev}`).join(', ')
    process.stderr.write(`${result.totals.chains} chains, findings: ${counts}\n`)
    for (const line of renderAccounting(result.accounting, [], options.sources.length)) process.stderr.write(`${scrub(line, true)}\n`)
    for (const f of failures) process.stderr.write(`input error: ${scrub(`${f.input}: ${f.message}`, true)}\n`)
  }
  if (options.mode !== 'ndjson') for (const f of failures) process.stderr.write(`egress-audit: cannot read ${scrub(`${f.input}: ${f.message}`, true)}\n`)
  return failures.length > 0 ? EXIT.input : exitCodeFor(result, options.failOn)
}
