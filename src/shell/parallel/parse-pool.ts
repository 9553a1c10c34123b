// Parsing on every core. The main thread reads each input's bytes, cuts them into blocks that end at a
// newline (a UTF-8 character never contains 0x0A, so no character is split) and counts the lines of
// each, so every block knows its first line number. Workers decode and parse blocks independently; the
// main thread writes their results strictly in input order, with a bounded number of blocks in flight
// (memory does not grow with the input, and a slow reader of stdout slows the reading).
import {Worker} from 'node:worker_threads'

import {FIRST_SKIPPED_KEPT, type LineStats, mergeLineStats, newLineStats} from '../../core/result.js'
import {InputError} from '../errors.js'
import type {InputSource} from '../inputs.js'
import type {InputFailure} from '../read-logs.js'
import type {ParseJob, ParseResult, WorkerSetup} from './protocol.js'

export interface ParallelOptions {
  format?: string
  maxLine: number
  jobs: number
}

type Block = Omit<ParseResult, 'id'>

class Pool {
  private readonly workers: Worker[]
  private readonly waiting = new Map<number, {resolve: (r: ParseResult) => void; reject: (e: Error) => void}>()
  private next = 0
  private failed: Error | undefined

  constructor(jobs: number, setup: WorkerSetup) {
    this.workers = Array.from({length: jobs}, () => {
      const w = new Worker(new URL('./parse-worker.js', import.meta.url), {workerData: setup})
      w.on('message', (r: ParseResult) => {
        const p = this.waiting.get(r.id)
        this.waiting.delete(r.id)
        p?.resolve(r)
      })
      // A worker that dies is a bug of ours: fail everything in flight (BaseCommand exits 70).
      w.on('error', (e) => this.fail(e))
      return w
    })
  }

  submit(job: ParseJob): Promise<ParseResult> {
    if (this.failed) return Promise.reject(this.failed)
    return new Promise((resolve, reject) => {
      this.waiting.set(job.id, {resolve, reject})
      const w = this.workers[job.id % this.workers.length]!
      w.postMessage(job, [job.bytes.buffer as ArrayBuffer])
    })
  }

  private fail(e: Error): void {
    this.failed = e
    for (const p of this.waiting.values()) p.reject(e)
    this.waiting.clear()
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()))
  }
}

const countLines = (b: Uint8Array): number => {
  let n = 0
  for (let i = b.indexOf(10); i !== -1; i = b.indexOf(10, i + 1)) n++
  return n
}

const tooLong = (input: string, line: number): Block => {
  const stats = newLineStats()
  stats.linesRead = stats.skipped = 1
  stats.skippedByReason['too-long'] = 1
  stats.firstSkipped['too-long'] = [`${input}:${line}`].slice(0, FIRST_SKIPPED_KEPT)
  return {ndjson: new Uint8Array(0), skipped: [{input, line, reason: 'too-long'}], stats}
}

/**
 * Parses every input on `jobs` worker threads; `onBlock` receives each block's result in input order
 * and returns false to stop (the output is gone). Read failures are collected per input, as readLogs does.
 */
export async function parseInParallel(
  sources: InputSource[],
  stats: LineStats,
  options: ParallelOptions,
  onBlock: (block: Block) => boolean | Promise<boolean>,
): Promise<{failures: InputFailure[]; stopped: boolean}> {
  const pool = new Pool(options.jobs, {format: options.format, maxLine: options.maxLine})
  const inFlight: Promise<Block>[] = []
  const limit = options.jobs * 4
  const failures: InputFailure[] = []
  let id = 0
  let stopped = false

  const drainOne = async (): Promise<boolean> => {
    const block = await inFlight.shift()!
    mergeLineStats(stats, block.stats)
    return onBlock(block)
  }
  const enqueue = async (block: Promise<Block>): Promise<boolean> => {
    inFlight.push(block)
    while (inFlight.length >= limit) if (!(await drainOne())) return false
    return true
  }

  try {
    outer: for (const source of sources) {
      // A line longer than this many bytes is longer than maxLine characters (UTF-8: at most 3 bytes each).
      const maxBytes = options.maxLine * 3 + 2
      let line = 1
      let carry: Buffer | null = null
      let over = false
      const submit = (bytes: Uint8Array): Promise<boolean> => {
        const lines = countLines(bytes)
        const copy = new Uint8Array(bytes) // its own buffer, transferred to the worker
        const job: ParseJob = {id: id++, input: source.name, firstLine: line, bytes: copy}
        line += lines
        return enqueue(pool.submit(job))
      }
      const chunks = source.bytes()[Symbol.asyncIterator]()
      for (;;) {
        let next: IteratorResult<Buffer>
        try {
          next = await chunks.next()
        } catch (error) {
          failures.push({input: source.name, message: error instanceof InputError ? error.why : (error as Error).message})
          break
        }
        if (next.done) break
        const buf = next.value
        let start = 0
        if (over) {
          const nl = buf.indexOf(10)
          if (nl === -1) continue
          if (!(await enqueue(Promise.resolve(tooLong(source.name, line++))))) break outer
          over = false
          start = nl + 1
        }
        const last = buf.lastIndexOf(10)
        if (last < start) {
          carry = carry ? Buffer.concat([carry, buf.subarray(start)]) : Buffer.from(buf.subarray(start))
          if (carry.length > maxBytes) {
            carry = null
            over = true
          }
          continue
        }
        const body = buf.subarray(start, last + 1)
        const block = carry ? Buffer.concat([carry, body]) : body
        carry = last + 1 < buf.length ? Buffer.from(buf.subarray(last + 1)) : null
        if (!(await submit(block))) {
          await chunks.return?.()
          break outer
        }
      }
      // The last line without a newline, or a too-long one that never ended.
      if (over && !(await enqueue(Promise.resolve(tooLong(source.name, line++))))) break
      if (carry && !(await submit(carry))) break
    }
    while (inFlight.length > 0) {
      if (!(await drainOne())) {
        stopped = true
        break
      }
    }
    if (inFlight.length > 0) stopped = true
  } finally {
    await pool.close()
  }
  return {failures, stopped}
}
