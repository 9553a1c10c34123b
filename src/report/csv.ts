// CSV: one row per chain (or per finding). Papa.unparse quotes as RFC 4180 needs, and escapeFormulae
// prefixes a cell starting with = + - @ tab or CR with ', so a spreadsheet shows a hostile user-agent
// instead of evaluating it. Control characters are made visible first (a CSV is also read with `cat`).

import Papa from 'papaparse'

import {plain} from './escape.js'
import type {ReportModel} from './model.js'

export interface CsvOptions {
  rows?: 'chains' | 'findings'
  /** A UTF-8 byte-order mark, so Excel reads the file as UTF-8. */
  excel?: boolean
}

const CHAIN_FIELDS = ['chain', 'startTime', 'scope', 'source', 'destination', 'verdict', 'rule', 'confidence', 'strength', 'hops', 'transport', 'method', 'path', 'authority', 'userAgent', 'requestId', 'findings', 'evidence', 'reason', 'observed']
const FINDING_FIELDS = ['finding', 'severity', 'kind', 'title', 'destination', 'source', 'policyRule', 'count', 'firstSeen', 'lastSeen', 'chains', 'evidence', 'detail', 'observed']

/** Rows are unparsed a batch at a time: a report over millions of lines is never one string. */
const BATCH = 2000

export function* csvChunks(model: ReportModel, options: CsvOptions = {}): Generator<string> {
  const t = (s: string | null | undefined) => (s == null ? '' : plain(s))
  const data =
    options.rows === 'findings'
      ? model.findings.map((f) => [f.id, f.severity, f.kind, f.title, f.destination, f.source, f.policyRule, String(f.count), f.firstSeen, f.lastSeen, f.chains.join(' '), f.evidence.map((e) => e.ref).join(' '), f.detail, 'observed in logs'].map(t))
      : model.chains.map((c) => {
          const first = c.hops[0]
          return [
            c.id,
            c.startTime,
            c.scope,
            c.source,
            c.destination,
            c.verdict,
            c.rule,
            c.confidence,
            c.strength,
            c.hops.map((h) => h.role).join(' > '),
            c.hops.map((h) => `${h.downstream}/${h.upstream}`).join(' > '),
            first?.method,
            first?.path,
            first?.authority,
            first?.userAgent,
            first?.requestId,
            c.findings.join(' '),
            c.evidence.map((e) => e.ref).join(' '),
            c.reason,
            'observed in logs',
          ].map(t)
        })
  const fields = options.rows === 'findings' ? FINDING_FIELDS : CHAIN_FIELDS
  const config = {escapeFormulae: true, newline: '\r\n'}
  yield `${options.excel ? '\ufeff' : ''}${Papa.unparse([fields], {...config, header: false})}\r\n`
  for (let i = 0; i < data.length; i += BATCH) yield `${Papa.unparse(data.slice(i, i + BATCH), {...config, header: false})}\r\n`
}

export const renderCsv = (model: ReportModel, options: CsvOptions = {}): string => [...csvChunks(model, options)].join('')
