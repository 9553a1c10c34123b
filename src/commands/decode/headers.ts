import {readFile} from 'node:fs/promises'

import {Args, Flags} from '@oclif/core'

import {buildHeaderEvidence, parseCapture, type Capture} from '../../core/headers/index.js'
import {scrub} from '../../core/text/scrub.js'
import {BaseCommand} from '../../shell/base-command.js'
import {InputError, UsageError} from '../../shell/errors.js'
import {stringifySafe} from '../../core/text/json.js'

/** How many skipped lines are named on stderr; the rest are only counted. */
const SKIPS_SHOWN = 5

export default class DecodeHeaders extends BaseCommand {
  static override summary = 'Find every header set in an echoed-headers capture and print the evidence each gives.'
  static override description =
    'Reads httpbin-style JSON ({"headers": {...}}, pretty or NDJSON, several in one file), raw "Name: value" blocks, ' +
    'curl -v output (> request and < response lines as separate sets), curl -D - output, and HAR files. For each ' +
    'header set it prints one JSON document: the raw headers, peer metadata and id, XFCC with its certificates, ' +
    'decorator operation, trace ids, the X-Amzn-Trace-Id time, and the conclusions the headers alone support, each ' +
    'citing FILE:LINE. Lines it cannot place are counted on stderr.'

  static override examples = [
    {
      description: 'The echo of an mTLS sidecar→gateway hop with TLS origination (seed 001):',
      command: '<%= config.bin %> <%= command.id %> fixtures/headers/gateway-mtls-originated.json',
    },
    {
      description: 'Straight from the pod, one compact JSON document per header set:',
      command: 'kubectl exec curl -c curl -- curl -sS http://httpbin.org/headers | <%= config.bin %> <%= command.id %> --json',
    },
    {
      description: 'A saved curl -v session:',
      command: '<%= config.bin %> <%= command.id %> fixtures/headers/captures/curl-verbose.txt',
    },
  ]

  static override args = {
    // ignoreStdin: oclif would otherwise read piped stdin as the FILE argument (and with a 10 ms timeout).
    file: Args.string({description: 'The capture to read; stdin when absent or -.', required: false, ignoreStdin: true}),
  }

  static override flags = {
    json: Flags.boolean({description: 'Print one compact JSON document per line (pretty on a terminal otherwise).'}),
    now: Flags.string({description: 'Check certificates at this time (ISO 8601) when a header set carries no request time.', helpValue: 'TIME'}),
    external: Flags.boolean({
      description: 'Treat the echo service as outside the mesh (by default judged from the Host header).',
      allowNo: true,
    }),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(DecodeHeaders)
    const now = flags.now === undefined ? Date.now() : Date.parse(flags.now)
    if (Number.isNaN(now)) throw new UsageError(`--now: ${JSON.stringify(scrub(flags.now ?? '', true))} is not an ISO 8601 time`)
    const input = args.file === undefined || args.file === '-' ? 'stdin' : args.file
    const capture = parseCapture(await this.readCapture(args.file), {input})
    const pretty = !flags.json && process.stdout.isTTY === true
    for (const set of capture.sets) {
      const evidence = buildHeaderEvidence(set, {now, external: flags.external})
      this.log(stringifySafe(evidence, pretty ? 2 : undefined))
    }
    this.reportSkips(capture, input)
  }

  private async readCapture(file: string | undefined): Promise<string> {
    if (file !== undefined && file !== '-') {
      try {
        return await readFile(file, 'utf8')
      } catch (err) {
        throw new InputError(scrub(file, true), describeReadError(err))
      }
    }
    if (process.stdin.isTTY) this.logToStderr('decode headers: reading a capture from stdin (end with Ctrl-D)')
    const chunks: Buffer[] = []
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
    return Buffer.concat(chunks).toString('utf8')
  }

  /** One summary line, then the first few skipped lines as FILE:LINE reason (detail), all scrubbed. */
  private reportSkips(capture: Capture, input: string): void {
    const name = scrub(input, true)
    const counts = new Map<string, number>()
    for (const s of capture.skipped) counts.set(s.reason, (counts.get(s.reason) ?? 0) + 1)
    const byReason = [...counts].map(([reason, n]) => `${reason}: ${n}`).join(', ')
    this.logToStderr(
      `decode headers: ${capture.sets.length} header set${capture.sets.length === 1 ? '' : 's'} in ${name}, ` +
        `${capture.skipped.length} line${capture.skipped.length === 1 ? '' : 's'} skipped${byReason ? ` (${byReason})` : ''}`,
    )
    for (const s of capture.skipped.slice(0, SKIPS_SHOWN)) {
      this.logToStderr(`  ${name}:${s.line} ${s.reason}${s.detail ? ` (${scrub(s.detail, true)})` : ''}`)
    }
  }
}

function describeReadError(err: unknown): string {
  const code = (err as {code?: string}).code
  if (code === 'ENOENT') return 'no such file'
  if (code === 'EACCES') return 'permission denied'
  if (code === 'EISDIR') return 'it is a directory'
  return err instanceof Error ? err.message.replace(/\s*\n\s*/g, ' ') : String(err)
}
