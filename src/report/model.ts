// The report model: one plain, JSON-ready document built from an AnalysisResult and what the shell knows
// of its inputs. Every renderer (src/report/index.ts) takes this and nothing else. Keys are built in a
// fixed order, and maps are sorted, so the same analysis gives the same bytes. Pure: no fs, no clock —
// the generation time and tool version come in as arguments, so golden reports are stable.

import {type AnalysisResult, type ChainScope, type Confidence, type Evidence, type Finding, type RequestChain, SEVERITIES, type Severity, type Strength, type Verdict} from '../core/model.js'
import {ownDeep} from '../core/text/own.js'
import {redactModel} from './redact.js'

export const SCHEMA_VERSION = '1.0.0'

/** The sentence every report carries: evidence, not enforcement. */
export const STATEMENT =
  'Everything in this report was observed in logs (access-log lines and echoed headers). It says how requests left the mesh as the evidence shows; it does not say what the mesh enforces.'

export interface ReportInput {
  name: string
  bytes: number | null
  sha256: string | null
  /** What the hash covers: the file on disk, or the decoded text read (stdin, pipes). */
  sha256Of: 'file' | 'decoded-text' | null
  firstSeen: string | null
  lastSeen: string | null
}

/** An echoed-headers capture read for the analysis. */
export interface ReportCapture {
  name: string
  bytes: number | null
  sha256: string | null
}

export interface ReportMeta {
  tool: {name: string; version: string}
  generatedAt: string
  inputs: ReportInput[]
  /** Captures with their size and hash; a bare name where the caller has neither. */
  headers: (ReportCapture | string)[]
  policy: {name: string; path: string | null; sha256: string | null}
  /** --since / --until as RFC 3339, null when not given. */
  since: string | null
  until: string | null
  /** Inputs that could not be read (fully or part-way). */
  problems: {input: string; message: string}[]
}

export interface ReportHop {
  ref: string
  role: string
  kind: 'http' | 'tcp'
  downstream: string
  upstream: string
  proven: boolean
  cluster: string | null
  upstreamHost: string | null
  requestedServerName: string | null
  method: string | null
  path: string | null
  authority: string | null
  userAgent: string | null
  requestId: string | null
  responseCode: number | null
  responseFlags: string[]
  startTime: string | null
}

export interface ReportChain {
  id: string
  scope: ChainScope
  destination: string
  source: string
  verdict: Verdict
  rule: string
  reason: string
  confidence: Confidence
  strength: Strength
  startTime: string | null
  hops: ReportHop[]
  headers: string[]
  joinedBy: string[]
  missing: string[]
  findings: string[]
  evidence: Evidence[]
}

export interface ReportFinding {
  id: string
  kind: string
  severity: Severity
  title: string
  detail: string
  destination: string | null
  source: string | null
  policyRule: string | null
  count: number
  chains: string[]
  firstSeen: string | null
  lastSeen: string | null
  evidence: Evidence[]
}

export interface GroupRow {
  key: string
  chains: number
  proven: number
  verdicts: Record<string, number>
  firstSeen: string | null
  lastSeen: string | null
}

export interface ReportModel {
  schemaVersion: string
  tool: {name: string; version: string}
  generatedAt: string
  statement: string
  redacted: boolean
  scope: {
    inputs: ReportInput[]
    headers: ReportCapture[]
    window: {since: string | null; until: string | null; firstSeen: string | null; lastSeen: string | null; joinWindowMs: number | null}
    policy: {name: string; path: string | null; sha256: string | null}
    gatewayPods: string[]
    gatewayAddresses: string[]
    problems: {input: string; message: string}[]
  }
  accounting: {linesRead: number; parsed: number; skipped: number; parsedByFormat: Record<string, number>; skippedByReason: Record<string, number>; firstSkipped: Record<string, string[]>}
  totals: {chains: number; egress: number; proven: number; provenShare: number; findings: number; findingsBySeverity: Record<Severity, number>; byVerdict: Record<string, number>}
  summary: {byDestination: GroupRow[]; bySource: GroupRow[]; byVerdict: GroupRow[]}
  findings: ReportFinding[]
  chains: ReportChain[]
}

export interface BuildOptions {
  redact?: boolean
  /**
   * The chains, already reduced with toReportChain as they streamed out of the Analyzer (so the full
   * RequestChains, with their entries, need not all be held); default: result.chains.
   */
  chains?: ReportChain[]
}

const sortRecord = <T>(r: Partial<Record<string, T>>): Record<string, T> => {
  const out: Record<string, T> = {}
  for (const k of Object.keys(r).sort()) out[k] = r[k] as T
  return out
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString())

/** Who sent a chain, in one label: namespace/workload, else the pod, the identity, the IP. */
export function sourceLabel(c: RequestChain): string {
  const s = c.source
  if (s.workload) return s.namespace ? `${s.namespace}/${s.workload}` : s.workload
  return s.pod ?? s.identity ?? s.ip ?? 'unknown'
}

function toHop(h: RequestChain['hops'][number]): ReportHop {
  const e = h.entry
  return {
    ref: h.ref,
    role: h.role,
    kind: h.kind,
    downstream: h.downstream,
    upstream: h.upstream,
    proven: h.downstreamProven || h.upstreamProven,
    cluster: h.cluster?.raw ?? null,
    upstreamHost: e.upstreamHost ?? null,
    requestedServerName: e.requestedServerName ?? null,
    method: e.method ?? null,
    path: e.path ?? null,
    authority: e.authority ?? null,
    userAgent: e.userAgent ?? null,
    requestId: e.requestId ?? null,
    responseCode: e.responseCode ?? null,
    responseFlags: e.responseFlags ?? [],
    startTime: e.startTime ?? null,
  }
}

const copyEvidence = (ev: readonly Evidence[]): Evidence[] =>
  ev.map((e) => ({ref: e.ref, kind: e.kind, fact: e.fact, fields: sortRecord(e.fields), strength: e.strength}))

/** A chain as reports show it: hops reduced to the fields a reader checks, no raw entries (bounded memory). */
export function toReportChain(c: RequestChain): ReportChain {
  // Owned copies: a kept slice of a log line would pin its whole input chunk (src/core/text/own.ts).
  return ownDeep({
    id: c.id,
    scope: c.scope,
    destination: c.destination.key,
    source: sourceLabel(c),
    verdict: c.verdict,
    rule: c.rule,
    reason: c.reason,
    confidence: c.confidence,
    strength: c.strength,
    startTime: c.startTime,
    hops: c.hops.map(toHop),
    headers: c.headers.map((h) => `${h.source.input}:${h.source.line}`),
    joinedBy: [...c.joinedBy],
    missing: [...c.missing],
    findings: [...c.findings],
    evidence: copyEvidence(c.evidence),
  })
}

function toFinding(f: Finding): ReportFinding {
  return {
    id: f.id,
    kind: f.kind,
    severity: f.severity,
    title: f.title,
    detail: f.detail,
    destination: f.destination,
    source: f.source,
    policyRule: f.policyRule ?? null,
    count: f.count,
    chains: [...f.chains],
    firstSeen: f.firstSeen,
    lastSeen: f.lastSeen,
    evidence: copyEvidence(f.evidence),
  }
}

function group(chains: readonly ReportChain[], key: (c: ReportChain) => string): GroupRow[] {
  const rows = new Map<string, GroupRow>()
  for (const c of chains) {
    const k = key(c)
    let row = rows.get(k)
    if (!row) rows.set(k, (row = {key: k, chains: 0, proven: 0, verdicts: {}, firstSeen: null, lastSeen: null}))
    row.chains++
    if (c.strength === 'proven') row.proven++
    row.verdicts[c.verdict] = (row.verdicts[c.verdict] ?? 0) + 1
    if (c.startTime !== null) {
      if (row.firstSeen === null || c.startTime < row.firstSeen) row.firstSeen = c.startTime
      if (row.lastSeen === null || c.startTime > row.lastSeen) row.lastSeen = c.startTime
    }
  }
  return [...rows.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).map((r) => ({...r, verdicts: sortRecord(r.verdicts)}))
}

const severityRank = (s: Severity) => SEVERITIES.indexOf(s)

/** Builds the report document. Chains are ordered by start time then id; findings by severity then id. */
export function buildReport(result: AnalysisResult, meta: ReportMeta, options: BuildOptions = {}): ReportModel {
  const chains = (options.chains ?? result.chains.map(toReportChain))
    .slice()
    .sort((a, b) => ((a.startTime ?? '') < (b.startTime ?? '') ? -1 : (a.startTime ?? '') > (b.startTime ?? '') ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  const findings = result.findings.map(toFinding).sort((a, b) => severityRank(a.severity) - severityRank(b.severity) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, findings.filter((f) => f.severity === s).length])) as Record<Severity, number>
  const firsts = meta.inputs.map((i) => i.firstSeen).filter((t): t is string => t !== null)
  const lasts = meta.inputs.map((i) => i.lastSeen).filter((t): t is string => t !== null)
  const a = result.accounting
  const model: ReportModel = {
    schemaVersion: SCHEMA_VERSION,
    tool: {name: meta.tool.name, version: meta.tool.version},
    generatedAt: meta.generatedAt,
    statement: STATEMENT,
    redacted: Boolean(options.redact),
    scope: {
      inputs: meta.inputs.map((i) => ({...i})),
      headers: meta.headers.map((h) => (typeof h === 'string' ? {name: h, bytes: null, sha256: null} : {...h})),
      window: {
        since: meta.since,
        until: meta.until,
        firstSeen: firsts.length > 0 ? firsts.sort()[0]! : null,
        lastSeen: lasts.length > 0 ? lasts.sort().at(-1)! : null,
        joinWindowMs: result.options.windowMs,
      },
      policy: {...meta.policy},
      gatewayPods: [...result.options.gatewayPods],
      gatewayAddresses: [...result.options.gatewayAddresses],
      problems: meta.problems.map((p) => ({...p})),
    },
    accounting: {
      linesRead: a.linesRead,
      parsed: a.parsed,
      skipped: a.skipped,
      parsedByFormat: sortRecord(a.parsedByFormat),
      skippedByReason: sortRecord(a.skippedByReason),
      firstSkipped: sortRecord(a.firstSkipped),
    },
    totals: {
      chains: result.totals.chains,
      egress: result.totals.egress,
      proven: result.totals.proven,
      provenShare: result.provenShare,
      findings: findings.length,
      findingsBySeverity: bySeverity,
      byVerdict: sortRecord(result.totals.byVerdict),
    },
    summary: {
      byDestination: group(chains, (c) => c.destination),
      bySource: group(chains, (c) => c.source),
      byVerdict: group(chains, (c) => c.verdict),
    },
    findings,
    chains,
  }
  return options.redact ? redactModel(model) : model
}

/** Epoch ms → RFC 3339 UTC, null stays null. */
export const isoTime = iso
