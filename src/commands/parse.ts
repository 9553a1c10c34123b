import {Args, Flags} from '@oclif/core'
import {createWriteStream} from 'node:fs'
import {availableParallelism} from 'node:os'

import {MAX_LINE} from '../core/input/lines.js'
import {type SkippedLine, newLineStats} from '../core/result.js'
import {renderAccounting} from '../core/text/accounting.js'
import {stringifySafe} from '../core/text/json.js'
import {scrub} from '../core/text/scrub.js'
import {followFlag, logFormatFrom} from '../shell/analysis-flags.js'
import {BaseCommand} from '../shell/base-command.js'
import {OutputError} from '../shell/errors.js'
import {EXIT} from '../shell/exit-codes.js'
import {openInputs} from '../shell/inputs.js'
import {capYoungGeneration} from '../shell/memory.js'
import {Output} from '../shell/output.js'
import {parseInParallel} from '../shell/parallel/parse-pool.js'
import {progressFlag, startProgress} from '../shell/progress.js'
import {stopOnInterrupt} from '../shell/interrupt.js'
import {assertSomeInput, readLogs} from '../shell/read-logs.js'
import {loadScanner} from '../shell/scanner.js'

export default class Parse extends BaseCommand {
  static override summary = 'Parse Envoy/Istio access logs into one JSON object per line (NDJSON).'
  static override description = `Reads access logs from files, .gz files (detected by content) or stdin, in any Istio format from 1.0 to today, Envoy's default format, Istio's JSON encoding or your own Envoy format string, with or without kubectl --prefix/--timestamps or stern envelopes. Every parsed line is printed as an AccessLogEntry; every other line is counted as skipped with its line number and reason, and a summary goes to stderr: parsed + skipped = lines read.`

  static override examples = [
    {description: 'Parse the sidecar logs of every curl pod', command: 'kubectl logs -l app=curl -c istio-proxy --prefix | <%= config.bin %> parse'},
    {description: 'Several files, one gzipped, keeping the skipped lines for review', command: '<%= config.bin %> parse sidecar.log gateway.log.gz --skipped skipped.ndjson'},
    {description: 'Pin a preset instead of detecting the format per line', command: '<%= config.bin %> parse --format istio-1.8 old-cluster.log'},
    {description: 'A custom Envoy format string', command: `<%= config.bin %> parse --format '[%START_TIME%] %REQ(:AUTHORITY)% %UPSTREAM_CLUSTER% %DOWNSTREAM_TLS_VERSION%' custom.log`},
    {description: 'Which upstream clusters appear, with jq', command: "<%= config.bin %> parse gateway.log | jq -r .upstreamCluster | sort | uniq -c"},
    {description: 'Follow a log file as it grows and rotates (Ctrl-C ends it and prints the summary)', command: '<%= config.bin %> parse -f /var/log/containers/istio-egressgateway-*.log'},
  ]

  static override strict = false
  static override args = {file: Args.string({description: "Log files to read ('-' for stdin; stdin when none)", required: false, ignoreStdin: true})}

  static override flags = {
    ...followFlag,
    format: Flags.string({
      char: 'F',
      description: "A preset name (see 'egress-audit formats') or an Envoy format string; detected per line when absent.",
      helpValue: 'PRESET|FORMAT',
    }),
    skipped: Flags.string({description: 'Write every skipped line (input, line, reason, text) to this file as NDJSON.', helpValue: 'FILE'}),
    'max-line': Flags.integer({description: 'Longest line read, in characters; longer lines are skipped as too-long.', default: MAX_LINE, min: 1}),
    strict: Flags.boolean({description: 'Exit 3 when any line was skipped (blank lines aside).'}),
    quiet: Flags.boolean({char: 'q', description: 'No summary on stderr.'}),
    jobs: Flags.integer({
      char: 'j',
      description: 'Worker threads parsing blocks of the input in parallel (output stays in input order); 1 parses on the main thread, as -f always does.',
      default: defaultJobs(),
      min: 1,
      max: 64,
    }),
    ...progressFlag(' and stdout is not (NDJSON on the terminal would mix with it), never with --quiet'),
  }

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(Parse)
    const plan = logFormatFrom('format', flags.format)
    // The memory budget: 1,000,000 lines in about 110 MB (memory.ts says why).
    capYoungGeneration(16)

    assertSomeInput(argv as string[])
    const out = new Output()
    const skippedOut = flags.skipped ? createWriteStream(flags.skipped) : undefined
    let skippedFailed: Error | undefined
    skippedOut?.on('error', (error) => (skippedFailed ??= error))
    const stats = newLineStats()
    // NDJSON streaming to the same terminal would be torn by the line: shown only while stdout goes elsewhere.
    const progress = startProgress(flags.progress && !flags.quiet && !process.stdout.isTTY, process.stderr, {lines: () => stats.linesRead})
    const interrupt = stopOnInterrupt(flags.follow)
    const sources = progress.track(openInputs(argv as string[], process.stdin, {follow: flags.follow, signal: interrupt.signal}))
    const onBlock = async (ndjson: string | Uint8Array, skipped: SkippedLine[]): Promise<boolean> => {
      if (skippedOut) for (const s of skipped) skippedOut.write(`${stringifySafe(s)}\n`)
      return ndjson.length === 0 ? !out.closed : out.write(ndjson)
    }
    const reading =
      flags.jobs > 1 && !flags.follow
        ? parseInParallel(sources, stats, {format: flags.format, maxLine: flags['max-line'], jobs: flags.jobs}, (b) => onBlock(b.ndjson, b.skipped))
        : readLogs(sources, stats, {plan, maxLine: flags['max-line'], ndjson: true, scanner: loadScanner(), follow: flags.follow, signal: interrupt.signal}, (batch) => onBlock(batch.ndjson, batch.skipped))
    // Reading may stop before every input is opened (stdout closed): the line goes before the summary comes.
    const {failures} = await reading.finally(() => {
      progress.stop()
      interrupt.dispose()
    })
    // 'close' comes after everything is written, or after the 'error' that says why not.
    if (skippedOut && !skippedOut.closed) await new Promise<void>((resolve) => skippedOut.end().once('close', () => resolve()))

    if (!flags.quiet) {
      for (const line of renderAccounting(stats, failures, sources.length)) process.stderr.write(`${scrub(line, true)}\n`)
    }
    if (skippedFailed) throw new OutputError(scrub(flags.skipped!, true), skippedFailed.message)
    const strictFail = flags.strict && stats.skipped > (stats.skippedByReason.blank ?? 0)
    process.exitCode = failures.length > 0 || strictFail ? EXIT.input : EXIT.clean
  }
}

/**
 * Parallel parsing pays on machines with cores to spare: on two cores the workers and the main thread
 * compete (measured: 14% faster, 2.5 times the memory; slower than one thread when the machine is busy),
 * so there it is opt-in. Elsewhere one core is left to the main thread's reading and writing, and past
 * four workers that is the limit anyway.
 */
function defaultJobs(): number {
  const cores = availableParallelism()
  return cores <= 2 ? 1 : Math.min(4, cores - 1)
}
