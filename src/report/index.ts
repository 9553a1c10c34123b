// format → renderer(reportModel) → string. Each renderer escapes for its own medium (src/report/escape.ts).
// `chunkRenderers` give the same bytes in pieces, for the shell to write a report too big for one string.

import {type CsvOptions, csvChunks} from './csv.js'
import {htmlLines} from './html.js'
import {jsonChunks} from './json.js'
import {renderJunit} from './junit.js'
import {markdownLines} from './markdown.js'
import type {ReportModel} from './model.js'
import {sarifChunks} from './sarif.js'

export type RenderOptions = CsvOptions
export type Renderer = (model: ReportModel, options: RenderOptions) => string
export type ChunkRenderer = (model: ReportModel, options: RenderOptions) => Iterable<string>

function* withNewlines(lines: string[], last = true): Generator<string> {
  for (const [i, l] of lines.entries()) yield last || i < lines.length - 1 ? `${l}\n` : l
}

const table = {
  json: (m) => jsonChunks(m),
  csv: (m, o) => csvChunks(m, o),
  markdown: (m) => withNewlines(markdownLines(m)),
  html: (m) => withNewlines(htmlLines(m), false),
  junit: (m) => [renderJunit(m)],
  sarif: (m) => sarifChunks(m),
} satisfies Record<string, ChunkRenderer>

export type ReportFormat = keyof typeof table
export const REPORT_FORMATS = Object.keys(table) as ReportFormat[]

/** Each format's report in pieces (their concatenation is the report). */
export const chunkRenderers: Record<ReportFormat, ChunkRenderer> = table

/** Each format's report as one string. */
export const renderers = Object.fromEntries(REPORT_FORMATS.map((f) => [f, (m: ReportModel, o: RenderOptions) => [...table[f](m, o)].join('')])) as Record<ReportFormat, Renderer>

export {buildReport, type ReportMeta, type ReportModel} from './model.js'
export {REPORT_SCHEMA} from './schema.js'
