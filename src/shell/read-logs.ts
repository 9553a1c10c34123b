import {AccessLogReader, type Batch, type ReadOptions} from '../core/accesslog/reader.js'
import type {LineStats} from '../core/result.js'
import {InputError, UsageError} from './errors.js'
import type {InputSource} from './inputs.js'

export interface InputFailure {
  input: string
  message: string
}

/**
 * Reads every input in turn through the core's reader, handing each batch to `onBatch` (which may
 * await, for backpressure, and returns false to stop: the output is gone). An input that cannot be read
 * is recorded and the others are still read; what was read of it before it failed is kept and counted.
 */
export async function readLogs(
  sources: InputSource[],
  stats: LineStats,
  options: ReadOptions,
  onBatch: (batch: Batch) => boolean | Promise<boolean>,
): Promise<{failures: InputFailure[]; stopped: boolean}> {
  const failures: InputFailure[] = []
  for (const source of sources) {
    const reader = new AccessLogReader(source.name, stats, options)
    const chunks = source.chunks()[Symbol.asyncIterator]()
    for (;;) {
      // Only the read is guarded: an error thrown by our own code below is a bug, not an input problem.
      let next: IteratorResult<string>
      try {
        next = await chunks.next()
      } catch (error) {
        failures.push({input: source.name, message: error instanceof InputError ? error.why : (error as Error).message})
        break
      }
      if (next.done) break
      if (!(await onBatch(reader.push(next.value)))) {
        await chunks.return?.()
        return {failures, stopped: true}
      }
    }
    if (!(await onBatch(reader.end()))) return {failures, stopped: true}
  }
  return {failures, stopped: false}
}

/**
 * With no file named and a terminal on stdin, reading would wait forever for input the user does not know
 * to type: say what to do instead.
 */
export function assertSomeInput(paths: string[], stdin: {isTTY?: boolean} = process.stdin): void {
  if (paths.length === 0 && stdin.isTTY) {
    throw new UsageError('no input: name log files, or pipe logs in (kubectl logs -l app=NAME -c istio-proxy --prefix | egress-audit …)')
  }
}
