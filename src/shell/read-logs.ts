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
 * With `follow`, inputs may not end (-f): all are read at once, each batch as it comes, until they end or
 * `signal` stops them.
 */
export async function readLogs(
  sources: InputSource[],
  stats: LineStats,
  options: ReadOptions & {follow?: boolean; signal?: AbortSignal},
  onBatch: (batch: Batch) => boolean | Promise<boolean>,
): Promise<{failures: InputFailure[]; stopped: boolean}> {
  const failures: InputFailure[] = []
  const readers = sources.map((source) => ({source, reader: new AccessLogReader(source.name, stats, options), chunks: source.chunks()[Symbol.asyncIterator]()}))
  type Reading = (typeof readers)[number]
  // Only the read is guarded: an error thrown by our own code is a bug, not an input problem.
  const pull = async (r: Reading): Promise<IteratorResult<string> | null> => {
    try {
      return await r.chunks.next()
    } catch (error) {
      failures.push({input: r.source.name, message: error instanceof InputError ? error.why : (error as Error).message})
      return null
    }
  }
  /** One read handed on; false when the output is gone. */
  const take = async (r: Reading, next: IteratorResult<string> | null): Promise<boolean> =>
    next !== null && !next.done ? onBatch(r.reader.push(next.value)) : onBatch(r.reader.end())

  if (!options.follow) {
    for (const r of readers) {
      for (;;) {
        const next = await pull(r)
        if (!(await take(r, next))) {
          await r.chunks.return?.()
          return {failures, stopped: true}
        }
        if (next === null || next.done) break
      }
    }
    return {failures, stopped: false}
  }

  const STOP = Symbol('stop')
  const stopped = new Promise<typeof STOP>((resolve) => {
    if (options.signal?.aborted) resolve(STOP)
    options.signal?.addEventListener('abort', () => resolve(STOP), {once: true})
  })
  const reads = new Map<Reading, Promise<{r: Reading; next: IteratorResult<string> | null}>>()
  const open = new Set(readers)
  let stopping = false
  try {
    while (open.size > 0) {
      for (const r of open) if (!reads.has(r)) reads.set(r, pull(r).then((next) => ({r, next})))
      const first = await Promise.race([...reads.values(), ...(stopping ? [] : [stopped])])
      if (first === STOP) {
        // A followed file ends on the signal, after its last partial line; a pipe may never end: let it go.
        stopping = true
        for (const r of open) {
          if (r.source.follow) continue
          open.delete(r)
          reads.delete(r)
          r.source.close()
          if (!(await onBatch(r.reader.end()))) return {failures, stopped: true}
        }
        continue
      }
      reads.delete(first.r)
      if (first.next === null || first.next.done) open.delete(first.r)
      if (!(await take(first.r, first.next))) return {failures, stopped: true}
    }
    return {failures, stopped: false}
  } finally {
    // A read still outstanding (the output went away) would hold return() until more input: close instead.
    for (const r of reads.keys()) r.source.close()
  }
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
