import type {LineStats, SkippedLine} from '../../core/result.js'

/** A line-aligned block of one input's bytes, to be parsed by a worker. */
export interface ParseJob {
  id: number
  input: string
  firstLine: number
  bytes: Uint8Array
}

/** What a worker made of a block: NDJSON of its entries (UTF-8, transferred), its skipped lines and its accounting. */
export interface ParseResult {
  id: number
  ndjson: Uint8Array
  skipped: SkippedLine[]
  stats: LineStats
}

/** Sent once to each worker. */
export interface WorkerSetup {
  format?: string
  maxLine: number
}
