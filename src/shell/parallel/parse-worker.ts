// A parse worker: decodes a line-aligned block of bytes, parses every line through the core reader and
// answers with the block's NDJSON, skipped lines and accounting. Blocks are independent (the main thread
// gives each its first line number), so any worker can take any block.
import {parentPort, workerData} from 'node:worker_threads'

import {compileFormat, type Plan} from '../../core/accesslog/parse-line.js'
import {AccessLogReader, type Batch} from '../../core/accesslog/reader.js'
import {newLineStats} from '../../core/result.js'
import {TEXT_CHUNK} from '../inputs.js'
import {capYoungGeneration} from '../memory.js'
import {loadScanner} from '../scanner.js'
import type {ParseJob, ParseResult, WorkerSetup} from './protocol.js'

const setup = workerData as WorkerSetup
let plan: Plan | undefined
if (setup.format !== undefined) {
  const compiled = compileFormat(setup.format)
  if (compiled.ok) plan = compiled.value // the main thread has already refused a bad --format
}
const decoder = new TextDecoder('utf-8')
const scanner = loadScanner()
// The memory budget, as in a one-thread parse (memory.ts); V8's flags are the process's, so the first
// worker whose young generation reaches the cap stops the growth of all.
capYoungGeneration(16)

parentPort!.on('message', (job: ParseJob) => {
  const stats = newLineStats()
  const reader = new AccessLogReader(job.input, stats, {plan, maxLine: setup.maxLine, firstLine: job.firstLine, ndjson: true, scanner})
  // Decoded and parsed a text chunk at a time, as one thread reads: each chunk's rows are joined and
  // copied out while they are young (a whole block's would outlive scavenges, see memory.ts).
  const batches: Batch[] = []
  for (let at = 0; at < job.bytes.length; at += TEXT_CHUNK) batches.push(reader.push(decoder.decode(job.bytes.subarray(at, at + TEXT_CHUNK), {stream: true})))
  batches.push(reader.push(decoder.decode()), reader.end())
  // Written as UTF-8 here, not on the main thread, into a buffer of its own, handed over without a copy.
  const owned = new Uint8Array(batches.reduce((n, b) => n + b.ndjson.length, 0))
  let length = 0
  for (const b of batches) {
    owned.set(b.ndjson, length)
    length += b.ndjson.length
  }
  const result: ParseResult = {id: job.id, ndjson: owned, skipped: batches.flatMap((b) => b.skipped), stats}
  parentPort!.postMessage(result, [owned.buffer as ArrayBuffer])
})
