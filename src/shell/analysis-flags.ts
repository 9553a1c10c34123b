import {Flags} from '@oclif/core'

import {compileFormat, type Plan} from '../core/accesslog/parse-line.js'
import type {AnalyzerOptions} from '../core/analyze.js'
import {DEFAULT_MAX_HELD} from '../core/join/chains.js'
import {parseTimeFlag, parseWindow} from './time-flags.js'
import {UsageError} from './errors.js'

/** A flag that may be repeated or comma-separated. */
export const many = {multiple: true, multipleNonGreedy: true, delimiter: ','} as const

/** The flags of every command that runs the analysis (analyze, tui, report): one definition, one meaning. */
export const analysisFlags = {
  headers: Flags.string({...many, description: 'Captures of echoed headers (httpbin JSON, curl -v, HAR, raw); repeat or comma-separate.', helpValue: 'FILE'}),
  policy: Flags.string({description: 'Egress policy YAML (see `egress-audit policy init`); default: via the gateway, mTLS in, TLS out.', helpValue: 'FILE'}),
  since: Flags.string({description: 'Only lines that start at or after this time: RFC 3339 or a duration ago (2h, 30m).', helpValue: 'TIME'}),
  until: Flags.string({description: 'Only lines that start at or before this time: RFC 3339 or a duration ago.', helpValue: 'TIME'}),
  window: Flags.string({description: "How long (log time) a line waits for its partner from the other proxy: 5s, 500ms, 2m, or 'all'.", default: '5s', helpValue: 'DURATION'}),
  'max-held': Flags.integer({
    description: `Unjoined lines kept past --window for a partner from a log printed later in the same input (one pod after another, sidecars before the gateway); 0 keeps none. Bounds memory. Default ${DEFAULT_MAX_HELD}, and 0 with -f (a live stream's partners come in time).`,
    min: 0,
    helpValue: 'N',
  }),
  'gateway-pod': Flags.string({...many, description: 'Pod names (globs) of egress gateways, when theirs do not contain "egressgateway".', helpValue: 'GLOB'}),
  'gateway-address': Flags.string({...many, description: 'Egress gateway addresses: pod or service IPs, ip:port, or service host names.', helpValue: 'ADDRESS'}),
}

/** `-f`: keep reading files as they grow and across rotation (analyze, tui, parse; a report is a snapshot). */
export const followFlag = {
  follow: Flags.boolean({
    char: 'f',
    description: 'Keep reading: follow files as they grow and across rotation (rename or copytruncate), like tail -F, until Ctrl-C. Stdin is read until it ends.',
  }),
}

export interface AnalysisFlagValues {
  since?: string
  until?: string
  window: string
  'max-held'?: number
  follow?: boolean
  'gateway-pod'?: string[]
  'gateway-address'?: string[]
}

/** The Analyzer's options from those flags; a bad time or window is a usage error before anything is read. */
export function analyzerOptionsFrom(flags: AnalysisFlagValues): Required<Pick<AnalyzerOptions, 'windowMs' | 'maxHeld' | 'gatewayPods' | 'gatewayAddresses'>> & {sinceMs: number | null; untilMs: number | null} {
  return {
    windowMs: parseWindow(flags.window),
    // Held lines wait for a partner printed later in a dump; live lines come in time order, and a held
    // line would only show late (or never, on a quiet stream).
    maxHeld: flags['max-held'] ?? (flags.follow ? 0 : DEFAULT_MAX_HELD),
    gatewayPods: flags['gateway-pod'] ?? [],
    gatewayAddresses: flags['gateway-address'] ?? [],
    sinceMs: flags.since === undefined ? null : parseTimeFlag('since', flags.since),
    untilMs: flags.until === undefined ? null : parseTimeFlag('until', flags.until),
  }
}

/** The access-log format a flag names (a preset or a format string); undefined detects it per line. */
export function logFormatFrom(flag: string, value: string | undefined): Plan | undefined {
  if (value === undefined) return undefined
  const plan = compileFormat(value)
  if (!plan.ok) throw new UsageError(`--${flag}: ${plan.detail ?? plan.reason}`)
  return plan.value
}
