// The one pipeline every shell calls (analyze, demo, later report and tui): entries → hops → chains
// (joined within a window) → verdicts → findings → summary. Synchronous and streaming: addEntries()
// returns the chains its lines completed, so --ndjson prints them as they come and memory is bounded by
// the join window; only --json (keepChains) holds every chain.

import {FindingBook, type FindingHit, findingsFor} from './classify/findings.js'
import {DEFAULT_POLICY, type Policy} from './classify/policy.js'
import {classifyChain} from './classify/verdict.js'
import type {HeaderEvidence} from './headers/types.js'
import {own} from './text/own.js'
import {ChainJoiner, DEFAULT_MAX_HELD, DEFAULT_WINDOW_MS, type HopGroup} from './join/chains.js'
import {HeaderIndex} from './join/headers.js'
import {toHop} from './join/hops.js'
import type {RoleOptions} from './join/roles.js'
import {type AccessLogEntry, type AnalysisResult, type ChainScope, type RequestChain, type SummaryRow, VERDICTS, type Verdict} from './model.js'
import {type LineStats, countParsed, countSkipped, newLineStats} from './result.js'

export interface AnalyzerOptions {
  /** Join window in ms of log time; Infinity joins across the whole input (memory grows with it). */
  windowMs?: number
  /** Unjoined lines kept past their window for a partner from a later stream (see JoinerOptions.maxHeld). */
  maxHeld?: number
  /** --gateway-pod globs. */
  gatewayPods?: string[]
  /** --gateway-address values: IPs, ip:port, or service host names. */
  gatewayAddresses?: string[]
  /** Without one, the built-in default (egress via the gateway with mTLS in and TLS out). */
  policy?: Policy
  /** Lines that start before/after these (epoch ms) are counted as skipped 'out-of-range'. */
  sinceMs?: number | null
  untilMs?: number | null
  /** Keep every chain for the result (--json, tests). Default true. */
  keepChains?: boolean
  /**
   * Give every chain its evidence list and full reason (default true). A summary needs them only for the
   * chains its findings cite, and those are described anyway: false saves most of the work per chain.
   */
  describeChains?: boolean
  /** The accounting the readers count into; the analyzer adds its out-of-range skips. */
  stats?: LineStats
  /** Input names whose lines will come, so none is left behind before its first line arrives. */
  inputs?: string[]
}

/**
 * @example
 * const a = new Analyzer({inputs: ['sidecar.log', 'gateway.log']})
 * a.addHeaders(evidence)
 * for (const batch of batches) for (const chain of a.addEntries(batch)) print(chain)
 * for (const chain of a.end()) print(chain)
 * const result = a.finish()
 */
export class Analyzer {
  readonly stats: LineStats
  private readonly joiner: ChainJoiner
  private readonly headers = new HeaderIndex()
  private readonly book = new FindingBook()
  private readonly roleOptions: RoleOptions
  private readonly policy: Policy
  private readonly keep: boolean
  private readonly describe: boolean
  private readonly kept: RequestChain[] = []
  private readonly rows: SummaryRows = new Map()
  private readonly totals: AnalysisResult['totals'] = {chains: 0, egress: 0, proven: 0, byVerdict: {}, byScope: {}, headerSets: 0, headerSetsJoined: 0}
  private ended = false
  /** The groups one line completed: one list for every line, emptied after each. */
  private readonly completed: HopGroup[] = []
  /** The finding hits of one chain: one list for every chain, emptied after each. */
  private readonly hits: FindingHit[] = []

  constructor(private readonly options: AnalyzerOptions = {}) {
    this.stats = options.stats ?? newLineStats()
    this.joiner = new ChainJoiner({windowMs: options.windowMs ?? DEFAULT_WINDOW_MS, maxHeld: options.maxHeld ?? DEFAULT_MAX_HELD, describe: options.describeChains ?? true})
    if (options.inputs) this.joiner.declareInputs(options.inputs)
    this.roleOptions = {gatewayPods: options.gatewayPods ?? [], gatewayAddresses: options.gatewayAddresses ?? []}
    this.policy = options.policy ?? DEFAULT_POLICY
    this.keep = options.keepChains ?? true
    this.describe = options.describeChains ?? true
  }

  /** Echoed header sets; add them before the log lines they should join. */
  addHeaders(sets: readonly HeaderEvidence[]): void {
    this.headers.add(sets)
  }

  /** Adds parsed entries; returns the chains they completed. */
  addEntries(entries: readonly AccessLogEntry[]): RequestChain[] {
    const out: RequestChain[] = []
    const since = this.options.sinceMs ?? null
    const until = this.options.untilMs ?? null
    for (const entry of entries) {
      const t = entry.startMs
      if (t != null && ((since !== null && t < since) || (until !== null && t > until))) {
        reclassifyAsSkipped(this.stats, entry, 'out-of-range')
        continue
      }
      const groups = this.joiner.add(toHop(entry, this.roleOptions), this.completed)
      for (const g of groups) out.push(this.complete(g))
      groups.length = 0
    }
    return out
  }

  /** One input has ended: the others no longer wait for it. */
  endInput(name: string): RequestChain[] {
    return this.joiner.endInput(name).map((g) => this.complete(g))
  }

  /** End of all input: hops still waiting become chains of one, unjoined echoes chains of their own. */
  end(): RequestChain[] {
    if (this.ended) return []
    this.ended = true
    const out = this.joiner.flush().map((g) => this.complete(g))
    for (const h of this.headers.remaining()) out.push(this.complete({hops: [], joinedBy: [], joinEvidence: []}, [h]))
    return out
  }

  /**
   * Live input gone quiet: lines whose join window closed before `logTimeMs` stop waiting for a partner
   * and become chains (follow mode passes the wall clock less a grace for log delivery).
   */
  expireBefore(logTimeMs: number): RequestChain[] {
    return this.joiner.expireBefore(logTimeMs).map((g) => this.complete(g))
  }

  /** A live input is quiet up to `logTimeMs`: it stops holding the other inputs' lines back. */
  advanceInput(name: string, logTimeMs: number): RequestChain[] {
    return this.joiner.advanceInput(name, logTimeMs).map((g) => this.complete(g))
  }

  /**
   * The result so far, ending nothing: a live view (the TUI over `-f`) calls it while lines still come.
   * Counts and summary rows are copies, so later lines do not change a snapshot already taken; findings are
   * the book's own objects, as in finish(). Chains are those kept so far (a copy of the list): a live view
   * that keeps its own chains runs with keepChains false and pays nothing for them here.
   */
  snapshot(): AnalysisResult {
    const s = this.stats
    const t = this.totals
    const o = this.options
    const firstSkipped: LineStats['firstSkipped'] = {}
    for (const [reason, refs] of Object.entries(s.firstSkipped)) firstSkipped[reason as keyof LineStats['firstSkipped']] = [...(refs ?? [])]
    const totals = {...t, byVerdict: {...t.byVerdict}, byScope: {...t.byScope}, headerSets: this.headers.size, headerSetsJoined: this.headers.joined}
    return {
      chains: [...this.kept],
      findings: this.book.list(),
      summary: sortSummary(this.rows),
      accounting: {...s, parsedByFormat: {...s.parsedByFormat}, skippedByReason: {...s.skippedByReason}, firstSkipped},
      totals,
      provenShare: totals.egress === 0 ? 0 : totals.proven / totals.egress,
      options: {
        windowMs: Number.isFinite(o.windowMs ?? DEFAULT_WINDOW_MS) ? (o.windowMs ?? DEFAULT_WINDOW_MS) : null,
        gatewayPods: this.roleOptions.gatewayPods as string[],
        gatewayAddresses: this.roleOptions.gatewayAddresses as string[],
        since: o.sinceMs == null ? null : new Date(o.sinceMs).toISOString(),
        until: o.untilMs == null ? null : new Date(o.untilMs).toISOString(),
        policy: this.policy.name,
      },
    }
  }

  /** The whole result. Calls end() if it was not called; its chains are then only in the result. */
  finish(): AnalysisResult {
    this.end()
    this.totals.headerSets = this.headers.size
    this.totals.headerSetsJoined = this.headers.joined
    const summary = sortSummary(this.rows)
    const o = this.options
    return {
      chains: this.kept,
      findings: this.book.list(),
      summary,
      accounting: this.stats,
      totals: this.totals,
      provenShare: this.totals.egress === 0 ? 0 : this.totals.proven / this.totals.egress,
      options: {
        windowMs: Number.isFinite(o.windowMs ?? DEFAULT_WINDOW_MS) ? (o.windowMs ?? DEFAULT_WINDOW_MS) : null,
        gatewayPods: this.roleOptions.gatewayPods as string[],
        gatewayAddresses: this.roleOptions.gatewayAddresses as string[],
        since: o.sinceMs == null ? null : new Date(o.sinceMs).toISOString(),
        until: o.untilMs == null ? null : new Date(o.untilMs).toISOString(),
        policy: this.policy.name,
      },
    }
  }

  private complete(group: HopGroup, headerOnly?: HeaderEvidence[]): RequestChain {
    const joined = headerOnly
      ? headerOnly.map((h) => ({evidence: h, by: 'header-request-id' as const, note: {ref: `${h.source.input}:${h.source.line}`, kind: 'join' as const, fact: 'no access-log line joined this echo: it is the only witness', fields: {}, strength: 'inferred' as const}}))
      : this.headers.take(group)
    const classified = classifyChain(group, joined, this.describe)
    const chain = classified.chain
    if (headerOnly) chain.joinedBy = []
    const hits = findingsFor(classified, this.policy, this.hits)
    this.book.add(chain, hits)
    hits.length = 0
    this.count(chain)
    return chain
  }

  private count(chain: RequestChain): void {
    addToSummary(this.rows, this.totals, chain)
    if (this.keep) this.kept.push(chain)
  }

}

const SCOPE_ORDER: ChainScope[] = ['egress', 'unknown', 'mesh', 'inbound', 'ingress']
const scopeRank = (s: ChainScope): number => SCOPE_ORDER.indexOf(s)

/** A parsed line that the analysis leaves out (outside --since/--until): moved from parsed to skipped. */
export function reclassifyAsSkipped(stats: LineStats, entry: AccessLogEntry, reason: 'out-of-range'): void {
  stats.parsed--
  const n = (stats.parsedByFormat[entry.format] ?? 1) - 1
  if (n > 0) stats.parsedByFormat[entry.format] = n
  else delete stats.parsedByFormat[entry.format]
  stats.linesRead--
  countSkipped(stats, reason, entry.source.input, entry.source.line)
}

/**
 * Analyzes entries already in memory (tests, small inputs). The entries are counted as parsed; their
 * inputs are declared first, so the order of files does not change which lines join.
 */
export function analyzeEntries(entries: readonly AccessLogEntry[], options: AnalyzerOptions & {headers?: readonly HeaderEvidence[]} = {}): AnalysisResult {
  const stats = options.stats ?? newLineStats()
  if (!options.stats) for (const e of entries) countParsed(stats, e.format)
  const inputs = options.inputs ?? [...new Set(entries.map((e) => e.source.input))]
  const analyzer = new Analyzer({...options, stats, inputs})
  if (options.headers) analyzer.addHeaders(options.headers)
  analyzer.addEntries(entries)
  return analyzer.finish()
}

/** Chains per verdict, in the table's order: for summaries and tests. */
export function countVerdicts(chains: readonly RequestChain[]): Partial<Record<Verdict, number>> {
  const out: Partial<Record<Verdict, number>> = {}
  for (const c of chains) out[c.verdict] = (out[c.verdict] ?? 0) + 1
  return out
}

type Totals = AnalysisResult['totals']

/** Summary rows by scope, destination and verdict (nested: no key string per chain), times kept as ms. */
type SummaryRows = Map<ChainScope, Map<string, Map<Verdict, SummaryRow & {firstMs: number; lastMs: number}>>>

/** Counts one chain into the summary rows (per scope, destination and verdict) and the totals. */
function addToSummary(rows: SummaryRows, t: Totals, chain: RequestChain): void {
  t.chains++
  t.byVerdict[chain.verdict] = (t.byVerdict[chain.verdict] ?? 0) + 1
  t.byScope[chain.scope] = (t.byScope[chain.scope] ?? 0) + 1
  if (chain.scope === 'egress') {
    t.egress++
    if (chain.strength === 'proven') t.proven++
  }
  let byDest = rows.get(chain.scope)
  if (!byDest) rows.set(chain.scope, (byDest = new Map()))
  let byVerdict = byDest.get(chain.destination.key)
  if (!byVerdict) byDest.set(own(chain.destination.key), (byVerdict = new Map()))
  let row = byVerdict.get(chain.verdict)
  if (!row) {
    row = {destination: own(chain.destination.key), scope: chain.scope, verdict: chain.verdict, chains: 0, proven: 0, confidence: {high: 0, medium: 0, low: 0}, firstSeen: null, lastSeen: null, firstMs: Infinity, lastMs: -Infinity}
    byVerdict.set(chain.verdict, row)
  }
  row.chains++
  if (chain.strength === 'proven') row.proven++
  row.confidence[chain.confidence]++
  const ms = chain.startMs
  if (ms !== null) {
    if (ms < row.firstMs) row.firstMs = ms
    if (ms > row.lastMs) row.lastMs = ms
  }
}

function sortSummary(rows: SummaryRows): SummaryRow[] {
  const out: SummaryRow[] = []
  for (const byDest of rows.values()) {
    for (const byVerdict of byDest.values()) {
      for (const {firstMs, lastMs, ...row} of byVerdict.values()) {
        row.firstSeen = firstMs === Infinity ? null : new Date(firstMs).toISOString()
        row.lastSeen = lastMs === -Infinity ? null : new Date(lastMs).toISOString()
        out.push(row)
      }
    }
  }
  return out.sort(
    (a, b) => scopeRank(a.scope) - scopeRank(b.scope) || a.destination.localeCompare(b.destination) || VERDICTS.indexOf(a.verdict) - VERDICTS.indexOf(b.verdict),
  )
}

/**
 * The result narrowed to some of its chains (a filtered view in the TUI): their chains, the findings that
 * cite any of them, and the summary and totals counted again over them. Accounting and options stay those
 * of the whole run, since they describe the evidence that was read.
 */
export function narrowResult(result: AnalysisResult, keep: (chain: RequestChain, index: number) => boolean): AnalysisResult {
  const chains = result.chains.filter(keep)
  // Through each chain's own finding ids: a finding lists only its first few chains.
  const cited = new Set(chains.flatMap((c) => c.findings))
  const rows: SummaryRows = new Map()
  const totals: Totals = {chains: 0, egress: 0, proven: 0, byVerdict: {}, byScope: {}, headerSets: result.totals.headerSets, headerSetsJoined: result.totals.headerSetsJoined}
  for (const c of chains) addToSummary(rows, totals, c)
  const findings = result.findings.filter((f) => cited.has(f.id))
  return {...result, chains, findings, summary: sortSummary(rows), totals, provenShare: totals.egress === 0 ? 0 : totals.proven / totals.egress}
}
