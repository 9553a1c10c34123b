// A parse worker: decodes a line-aligned block of bytes, parses every line through the core reader and
// answers with the block's NDJSON, skipped lines and accounting. Blocks are independent (the main thread
// gives each its first line number), so any worker can take any block.
import {parentPort, workerData} from 'node:worker_threads'

import {compileFormat, type Plan} from '../../core/accesslog/parse-line.js'
import {AccessLogReader} from '../../core/accesslog/reader.js'
import {newLineStats} from '../../core/result.js'
import type {ParseJob, ParseResult, WorkerSetup} from './protocol.js'

const setup = workerData as WorkerSetup
let plan: Plan | undefined
if (setup.format !== undefined) {
  const compiled = compileFormat(setup.format)
  if (compiled.ok) plan = compiled.value // the main thread has already refused a bad --format
}
const decoder = new TextDecoder('utf-8')

parentPort!.on('message', (job: ParseJob) => {
  const stats = newLineStats()
  const reader = new AccessLogReader(job.input, stats, {plan, maxLine: setup.maxLine, firstLine: job.firstLine, ndjson: true})
  const a = reader.push(decoder.decode(job.bytes))
  const b = reader.end()
  // Written as UTF-8 here, not on the main thread, in a buffer of its own, handed over without a copy. A
  // small batch may be a view of Node's shared buffer pool, which must not be transferred: copied.
  let owned = a.ndjson
  if (b.ndjson.length > 0 || owned.byteOffset !== 0 || owned.byteLength !== owned.buffer.byteLength) {
    owned = new Uint8Array(a.ndjson.length + b.ndjson.length)
    owned.set(a.ndjson)
    owned.set(b.ndjson, a.ndjson.length)
  }
  const result: ParseResult = {id: job.id, ndjson: owned, skipped: a.skipped.concat(b.skipped), stats}
  parentPort!.postMessage(result, [owned.buffer as ArrayBuffer])
})
