import {AccessLogReader, type Batch, type ReadOptions} from '../core/accesslog/reader.js'
import type {LineStats} from '../core/result.js'
import {InputError} from './errors.js'
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
    try {
      for await (const chunk of source.chunks()) {
        if (!(await onBatch(reader.push(chunk)))) return {failures, stopped: true}
      }
    } catch (error) {
      failures.push({input: source.name, message: error instanceof InputError ? error.why : (error as Error).message})
    }
    if (!(await onBatch(reader.end()))) return {failures, stopped: true}
  }
  return {failures, stopped: false}
}
