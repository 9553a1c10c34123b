// What a report says about its scope, from the file system: each input and header capture with its size
// and SHA-256. Shared by `report` and the TUI's export, so both describe the same inputs the same way.
import {createHash} from 'node:crypto'
import {createReadStream, statSync} from 'node:fs'
import {extname} from 'node:path'

import type {ReportFormat} from '../report/index.js'
import type {ReportCapture, ReportInput} from '../report/model.js'
import type {AnalysisRun} from './analysis-input.js'
import type {InputSource} from './inputs.js'

/** The file extension each report format is written with. */
export const REPORT_EXTENSION: Record<ReportFormat, string> = {markdown: 'md', json: 'json', csv: 'csv', html: 'html', junit: 'xml', sarif: 'sarif'}

const BY_EXTENSION: Record<string, ReportFormat> = {
  ...Object.fromEntries(Object.entries(REPORT_EXTENSION).map(([format, ext]) => [`.${ext}`, format as ReportFormat])),
  '.markdown': 'markdown',
  '.htm': 'html',
}

/** The report format a file name's extension names (`a.CSV` → csv), if any. */
export const formatOfFile = (path: string): ReportFormat | undefined => BY_EXTENSION[extname(path).toLowerCase()]

/** The SHA-256 of a file's bytes, or null when it cannot be read. */
export async function hashFile(path: string): Promise<string | null> {
  try {
    const hash = createHash('sha256')
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
    return hash.digest('hex')
  } catch {
    return null
  }
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())

/**
 * Each input as a report describes it: a regular file hashed on disk (what an auditor can hash again),
 * stdin and other streams by the decoded text read. `sources` are in the order of `run.inputs`.
 */
export async function describeInputs(run: AnalysisRun, sources: readonly InputSource[]): Promise<ReportInput[]> {
  const inputs: ReportInput[] = []
  for (const [i, read] of run.inputs.entries()) {
    const source = sources[i]!
    const onDisk = source.size === undefined ? null : await hashFile(source.name)
    inputs.push({
      name: read.name,
      bytes: onDisk === null ? read.bytes : source.size!,
      sha256: onDisk ?? read.sha256,
      sha256Of: onDisk === null ? 'decoded-text' : 'file',
      firstSeen: iso(read.firstMs),
      lastSeen: iso(read.lastMs),
    })
  }
  return inputs
}

/** Each header capture file with its size and SHA-256 (null where it cannot be read). */
export function describeCaptures(paths: readonly string[]): Promise<ReportCapture[]> {
  return Promise.all(paths.map(async (name) => ({name, bytes: statSync(name, {throwIfNoEntry: false})?.size ?? null, sha256: await hashFile(name)})))
}
