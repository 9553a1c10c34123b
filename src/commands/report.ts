import {createWriteStream} from 'node:fs'
import {Readable} from 'node:stream'
import {pipeline} from 'node:stream/promises'

import {Args, Flags} from '@oclif/core'

import {scrub} from '../core/text/scrub.js'
import {type ReportFormat, REPORT_FORMATS, buildReport, chunkRenderers} from '../report/index.js'
import {type ReportChain, toReportChain} from '../report/model.js'
import {analysisFlags, analyzerOptionsFrom, logFormatFrom} from '../shell/analysis-flags.js'
import {loadHeaders, loadPolicyFile, readAnalysis} from '../shell/analysis-input.js'
import {FAIL_ON, type FailOn, exitCodeFor} from '../shell/analyze-run.js'
import {BaseCommand} from '../shell/base-command.js'
import {OutputError, UsageError} from '../shell/errors.js'
import {EXIT} from '../shell/exit-codes.js'
import {openInputs} from '../shell/inputs.js'
import {Output} from '../shell/output.js'
import {progressFlag, startProgress} from '../shell/progress.js'
import {describeCaptures, describeInputs, formatOfFile} from '../shell/report-scope.js'
import {assertSomeInput} from '../shell/read-logs.js'

export type TargetFlag = {flag: 'format' | 'output'; value: string}

/** The --format and -o values in the order they were typed (oclif gives each flag's values apart). */
export function targetFlags(argv: readonly string[]): TargetFlag[] {
  const out: TargetFlag[] = []
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (a === '--') break
    const m = /^(--format|--output|-o)(?:=(.*))?$/.exec(a)
    if (!m) continue
    const value = m[2] ?? argv[++i]
    if (value !== undefined) out.push({flag: m[1] === '--format' ? 'format' : 'output', value})
  }
  return out
}

/**
 * Pairs each -o with the --format typed just before it; an -o without one takes its format from its
 * extension; a --format without an -o writes to stdout (one report at most).
 */
export function pairTargets(sequence: readonly TargetFlag[]): {format: ReportFormat; output: string | null}[] {
  const targets: {format: ReportFormat; output: string | null}[] = []
  let pending: ReportFormat | null = null
  for (const {flag, value} of sequence) {
    if (flag === 'format') {
      if (pending !== null) targets.push({format: pending, output: null})
      pending = value as ReportFormat
      continue
    }
    const format: ReportFormat | undefined = pending ?? formatOfFile(value)
    if (format === undefined) throw new UsageError(`-o ${value}: no --format before it, and its extension names none (.csv .json .md .html .xml .sarif)`)
    targets.push({format, output: value})
    pending = null
  }
  if (pending !== null) targets.push({format: pending, output: null})
  if (targets.length === 0) throw new UsageError('--format: say which report to write (csv, json, markdown, html, junit, sarif)')
  if (targets.filter((t) => t.output === null || t.output === '-').length > 1) throw new UsageError('only one report can go to stdout: give each --format its -o FILE (--format csv -o a.csv --format html -o a.html)')
  const files = targets.map((t) => t.output).filter((o) => o !== null && o !== '-')
  if (new Set(files).size !== files.length) throw new UsageError('-o: the same file is named twice')
  return targets
}

export default class Report extends BaseCommand {
  static override summary = 'Write a compliance report (csv, json, markdown, html, junit, sarif) over the same analysis as analyze.'
  static override description = `Runs the analysis of 'egress-audit analyze' once and writes one or more reports: the scope (each input's size, SHA-256 and first and last log time; the time window; the policy and its SHA-256; the tool version; when the report was made), the line accounting, the verdicts per destination, per source workload and per verdict, every finding with its severity, chains and evidence (input:line and the decisive field values), and every chain. Pair --format with -o to write several reports in one pass; a single report without -o goes to stdout. Everything in a report was observed in logs; nothing in it says what the mesh enforces. Set SOURCE_DATE_EPOCH to fix the report's time (reproducible reports).`

  static override examples = [
    {description: 'An HTML report for people and a SARIF one for code scanning, in one pass', command: '<%= config.bin %> report sidecar.log gateway.log --headers echoes.json --format html -o egress.html --format sarif -o egress.sarif'},
    {description: 'CSV for a spreadsheet, one row per finding', command: '<%= config.bin %> report *.log --format csv --rows findings --excel -o findings.csv'},
    {description: 'JSON on stdout, IPs, paths and request ids pseudonymised', command: '<%= config.bin %> report gateway.log --format json --redact | jq .summary'},
  ]

  static override strict = false
  static override args = {file: Args.string({description: "Log files to read ('-' for stdin; stdin when none)", required: false, ignoreStdin: true})}

  static override flags = {
    format: Flags.string({multiple: true, multipleNonGreedy: true, options: REPORT_FORMATS, description: `Report format: ${REPORT_FORMATS.join(', ')}; repeat with -o for several reports from one pass.`, helpValue: 'FORMAT'}),
    output: Flags.string({char: 'o', multiple: true, multipleNonGreedy: true, description: "Where the report goes ('-' for stdout); each -o takes the --format typed just before it, or the format its extension names.", helpValue: 'FILE'}),
    ...analysisFlags,
    'log-format': Flags.string({char: 'F', description: "Access-log format: a preset name (see 'egress-audit formats') or an Envoy format string; detected per line when absent.", helpValue: 'PRESET|FORMAT'}),
    redact: Flags.boolean({description: 'Replace IP addresses, request paths and query strings, and request ids with stable pseudonyms (ip-1, path-1, rid-1).'}),
    rows: Flags.string({description: 'CSV: one row per chain or per finding.', options: ['chains', 'findings'], default: 'chains'}),
    excel: Flags.boolean({description: 'CSV: start with a UTF-8 byte-order mark so Excel reads it as UTF-8.'}),
    'fail-on': Flags.string({description: 'Exit 1 when a finding is at or above this severity (after writing the reports).', options: [...FAIL_ON], default: 'none'}),
    ...progressFlag(''),
  }

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(Report)
    const paths = argv as string[]
    // Every flag is checked before any file is read: a usage error costs nothing.
    const sequence = targetFlags(this.argv)
    // oclif has already checked each --format against the list; the raw order only pairs them.
    if (sequence.filter((t) => t.flag === 'format').length !== (flags.format ?? []).length || sequence.filter((t) => t.flag === 'output').length !== (flags.output ?? []).length) {
      throw new UsageError('--format/-o: write each as --format FORMAT and -o FILE (or --format=FORMAT, -o=FILE)')
    }
    const targets = pairTargets(sequence)
    assertSomeInput(paths)
    const plan = logFormatFrom('log-format', flags['log-format'])
    const now = process.env.SOURCE_DATE_EPOCH ? new Date(Number(process.env.SOURCE_DATE_EPOCH) * 1000) : new Date()
    if (Number.isNaN(now.getTime())) throw new UsageError('SOURCE_DATE_EPOCH: not a number of seconds')
    const analyzer = analyzerOptionsFrom(flags)
    const {sinceMs, untilMs} = analyzer
    const policy = await loadPolicyFile(flags.policy)
    const headerPaths = flags.headers ?? []
    const headers = await loadHeaders(headerPaths.map((path) => ({path, name: path})))
    // Erased when the last input ends, before anything else is printed; stop() covers a failure part-way.
    const progress = startProgress(flags.progress)
    const sources = progress.track(openInputs(paths))
    // Chains are reduced as they complete, so the raw entries of every line are not all held at once.
    const chains: ReportChain[] = []
    const run = await readAnalysis({
      sources,
      headers,
      analyzer: {...analyzer, policy: policy?.policy, keepChains: false, describeChains: true},
      read: {plan},
      fingerprint: true,
      emit: (done) => {
        for (const c of done) chains.push(toReportChain(c))
        return true
      },
    }).finally(() => progress.stop())

    const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())
    const inputs = await describeInputs(run, sources)
    const model = buildReport(
      run.result,
      {
        tool: {name: this.config.name, version: this.config.version},
        generatedAt: now.toISOString(),
        inputs,
        headers: await describeCaptures(headerPaths),
        policy: {name: run.result.options.policy, path: policy?.path ?? null, sha256: policy?.sha256 ?? null},
        since: iso(sinceMs),
        until: iso(untilMs),
        problems: run.failures,
      },
      {redact: flags.redact, chains},
    )
    for (const t of targets) {
      // In pieces, with backpressure: a report over millions of lines is never one string.
      const chunks = chunkRenderers[t.format](model, {rows: flags.rows as 'chains' | 'findings', excel: flags.excel})
      if (t.output === null || t.output === '-') {
        const out = new Output()
        for (const chunk of chunks) if (!(await out.write(chunk))) break
        continue
      }
      try {
        await pipeline(Readable.from(chunks), createWriteStream(t.output))
      } catch (error) {
        throw new OutputError(scrub(t.output, true), (error as Error).message)
      }
      process.stderr.write(`egress-audit: wrote ${t.format} report to ${scrub(t.output, true)}\n`)
    }
    for (const f of run.failures) process.stderr.write(`egress-audit: cannot read ${scrub(`${f.input}: ${f.message}`, true)}\n`)
    process.exitCode = run.failures.length > 0 ? EXIT.input : exitCodeFor(run.result, flags['fail-on'] as FailOn)
  }
}
