// Types for report.mjs: the shape run.js writes to bench-out/results.json.
export type BenchRow = {
  id: string
  label: string
  /** 'ok', or why the row was not measured ("goaccess not installed ...", "failed (...)") */
  status: string
  wallMs?: number
  allWallMs?: number[]
  linesPerSec?: number
  mbPerSec?: number
  peakRssMb?: number | null
  cpuSec?: number | null
  parsedLines?: number
  ratioToFloor?: number
  speedVsGoaccess?: number
  goaccessCounts?: {total: number; valid: number; failed: number}
  stderrTail?: string
}
export type BenchReport = {
  date: string
  command: string
  node: string
  cpu: string
  cpus: number
  memoryGb: number
  loadAverage?: {start: number; end: number}
  input: {lines: number; seed: number; formats: string[]; envelopes: string; bytes: number}
  method: {runs: number; rss: string}
  goaccess?: {status: string; version?: string | null; command?: string}
  notes?: string[]
  rows: BenchRow[]
}
export declare const FLOOR_ID: 'floor'
export declare const GOACCESS_ID: 'goaccess'
export declare function round(x: number, digits: number): number
export declare function addRatios(rows: BenchRow[]): BenchRow[]
export declare function describeRun(report: BenchReport): string
export declare function describeGoaccess(report: BenchReport): string | null
export declare function renderTerminal(report: BenchReport): string
export declare function renderMarkdown(report: BenchReport): string
