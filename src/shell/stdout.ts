// stdout's failures. A closed pipe (`| head`) is the reader going away: Output stops reading and the
// command ends quietly. Anything else (a full disk: ENOSPC, an I/O error) means results were lost: the
// user must not take the output for complete, so the command says so once and exits 74 (sysexits'
// EX_IOERR) whatever its own exit code would have been. oclif's own listener rethrows such an error,
// which Node reports as an uncaught exception with exit 1 — the code that means "findings".

import {scrub} from '../core/text/scrub.js'
import {EXIT} from './exit-codes.js'

const CLOSED = new Set(['EPIPE', 'ERR_STREAM_DESTROYED'])

let guarded = false
let failure: Error | null = null

/** Whether an error is the reader going away rather than a failure to write. */
export const isClosedPipe = (error: NodeJS.ErrnoException): boolean => CLOSED.has(error.code ?? '')

/** Installs the handling above on process.stdout, once; in place of oclif's listener. */
export function guardStdout(stream: NodeJS.WriteStream = process.stdout): void {
  if (guarded) return
  guarded = true
  stream.removeAllListeners('error')
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (isClosedPipe(error) || failure) return
    failure = error
    process.stderr.write(`egress-audit: cannot write the output: ${scrub(error.message, true)}; what was written is incomplete\n`)
  })
  process.on('exit', () => {
    if (failure) process.exitCode = EXIT.output
  })
}

/** The write failure of stdout, if one happened. */
export const stdoutFailure = (): Error | null => failure
