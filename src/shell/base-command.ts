import {Command, Errors, Flags} from '@oclif/core'

import {clip, scrub} from '../core/text/scrub.js'
import {BUG_REPORT_URL, EXIT} from './exit-codes.js'
import {guardStdout} from './stdout.js'

/**
 * Every command's base: maps errors to the exit-code table. Usage and input errors carry their own
 * exit code (2, 3); EPIPE (`| head` closed the pipe) ends quietly; anything else is a bug of ours and
 * exits 70 with one line — never 1, which means "findings" — and the stack only with --debug.
 */
export abstract class BaseCommand extends Command {
  static override baseFlags = {
    debug: Flags.boolean({description: 'On an internal error, print its stack trace.', helpGroup: 'GLOBAL'}),
  }

  override async init(): Promise<void> {
    guardStdout()
    await super.init()
  }

  protected get debugEnabled(): boolean {
    return this.argv.includes('--debug')
  }

  protected override async catch(err: Error & {code?: string; oclif?: {exit?: number}}): Promise<unknown> {
    if (err.code === 'EPIPE' || (err as {errno?: number}).errno === -32) {
      process.exitCode = EXIT.clean
      return
    }
    if (err instanceof Errors.ExitError) throw err
    // Usage (2) and input (3) errors: one line on stderr, printed here because oclif's own printer wraps
    // long messages at 80 columns when stderr is not a terminal, which breaks "one line" for scripts.
    const exit = err.oclif?.exit
    if (typeof exit === 'number' && exit !== 1) {
      process.stderr.write(`egress-audit: ${oneLine(err.message ?? String(err))}\n`)
      process.exitCode = exit
      return
    }
    // The command as the user typed it (oclif's ids use ':' between topic and command).
    const where = this.id ? ` in '${this.id.replaceAll(':', ' ')}'` : ''
    process.stderr.write(
      `egress-audit: internal error${where}: ${oneLine(err.message ?? String(err))} — a bug in egress-audit, not a problem with your logs; ` +
        `please report it at ${BUG_REPORT_URL}${this.debugEnabled ? '' : ' (--debug shows the stack trace)'}\n`,
    )
    if (this.debugEnabled && err.stack) process.stderr.write(`${scrub(err.stack)}\n`)
    process.exitCode = EXIT.bug
    return
  }
}

/** An error message on one line, cut to 500 characters, control characters made visible (it may quote a log). */
const oneLine = (s: string) => clip(scrub(s.replace(/\s*\n\s*/g, ' '), true), 500)
