import {isClosedPipe} from './stdout.js'

/**
 * stdout for results, with backpressure, and quiet when the reader goes away: after `| head` closes the
 * pipe, `closed` turns true and callers stop reading their input instead of dying on EPIPE. Any other
 * write error closes it too (nothing more can be written); stdout.ts reports it and sets the exit code.
 */
export class Output {
  closed = false

  constructor(private readonly stream: NodeJS.WritableStream & {destroyed?: boolean} = process.stdout) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      this.closed = true
      // Not ours to report when stdout's guard is there; elsewhere (a stream of a test) it must not pass silently.
      if (!isClosedPipe(error) && stream.listenerCount('error') === 1) throw error
    })
  }

  /** Writes text; resolves once the stream can take more. False when the reader is gone. */
  async write(text: string | Uint8Array): Promise<boolean> {
    if (this.closed || this.stream.destroyed) {
      this.closed = true
      return false
    }
    if (text.length === 0) return true
    if (!this.stream.write(text)) await this.drained()
    return !this.closed
  }

  /** Waits for 'drain', or for the stream to close or fail; leaves no listener behind. */
  private drained(): Promise<void> {
    const stream = this.stream
    return new Promise((resolve) => {
      const done = () => {
        stream.off('drain', done)
        stream.off('close', done)
        stream.off('error', done)
        resolve()
      }
      stream.on('drain', done)
      stream.on('close', done)
      stream.on('error', done)
    })
  }
}

/** Whether colour may be used on a stream: a TTY, and NO_COLOR unset (https://no-color.org). */
export function colourAllowed(stream: {isTTY?: boolean} = process.stdout): boolean {
  return Boolean(stream.isTTY) && !process.env.NO_COLOR && process.env.TERM !== 'dumb'
}
