// The egress policy: which verdicts are allowed for which destinations, and which workloads may reach
// them (read from YAML by policy-parse.ts). A policy judges what was observed in logs; it enforces nothing.

import {matchesAny} from '../join/glob.js'
import {type ChainSource, type RequestChain, type Severity, VERDICTS, type Verdict} from '../model.js'

export interface PolicyRule {
  name: string
  /** Host globs (`*.example.com`); absent in the file = every host. */
  hosts: string[]
  /** Ports; null = any port. */
  ports: number[] | null
  allow: Verdict[]
  /** `namespace/workload` globs, or SPIFFE id globs; null = any workload. */
  workloads: string[] | null
  severity: Severity
  /** Where the rule is written (`policy.yaml:12`), for citations. */
  at: string
}

export interface Policy {
  /** The file name, or `built-in default`. */
  name: string
  default: {allow: Verdict[]; severity: Severity}
  rules: PolicyRule[]
}

/** Verdicts a policy does not judge: they are findings of their own (failures, missing evidence). */
export const UNJUDGED: readonly Verdict[] = ['failed', 'unknown']

/** Without --policy: egress goes via the egress gateway, mTLS inside the mesh and TLS outside; blocked is fine. */
export const DEFAULT_POLICY: Policy = {
  name: 'the built-in default policy (egress via the gateway, mTLS inside the mesh, TLS outside)',
  default: {allow: ['gateway-mtls-originated', 'gateway-passthrough', 'blocked'], severity: 'high'},
  rules: [],
}

/** The first rule whose hosts and ports match the destination, or null (the default applies). */
export function ruleFor(policy: Policy, host: string | null, port: number | null): PolicyRule | null {
  for (const r of policy.rules) {
    if (host === null ? !r.hosts.includes('*') : !matchesAny(host, r.hosts)) continue
    if (r.ports !== null && (port === null || !r.ports.includes(port))) continue
    return r
  }
  return null
}

/** The names a source may be matched by: `namespace/workload`, `namespace/pod`, its SPIFFE id. */
export function sourceNames(s: ChainSource): string[] {
  const names: string[] = []
  if (s.namespace && s.workload) names.push(`${s.namespace}/${s.workload}`)
  if (s.namespace && s.pod && s.pod !== s.workload) names.push(`${s.namespace}/${s.pod}`)
  if (s.identity) names.push(s.identity)
  return names
}

export interface PolicyOutcome {
  rule: PolicyRule | null
  allowed: Verdict[]
  severity: Severity
  /** Why the verdict breaks the policy, or null. */
  verdictViolation: string | null
  /** Why the source breaks the rule's workload list, or null. */
  workloadViolation: string | null
  /** The rule restricts workloads but the evidence names none. */
  workloadUnknown: boolean
}

/** judge() without its sentences: what a chain is held to and whether it keeps to it (run for every chain). */
export interface PolicyCheck {
  rule: PolicyRule | null
  allowed: Verdict[]
  severity: Severity
  verdictAllowed: boolean
  /** The source's names when none of them is among the rule's workloads, else null. */
  outsideWorkloads: string[] | null
  /** The rule restricts workloads but the evidence names none. */
  workloadUnknown: boolean
}

/** Checks one chain; null for chains the policy does not judge (not egress, failed, unknown). */
export function checkPolicy(chain: RequestChain, policy: Policy): PolicyCheck | null {
  if (chain.scope !== 'egress' || UNJUDGED.includes(chain.verdict)) return null
  const rule = policy.rules.length === 0 ? null : ruleFor(policy, chain.destination.host, chain.destination.port)
  const allowed = rule?.allow ?? policy.default.allow
  let outsideWorkloads: string[] | null = null
  let workloadUnknown = false
  if (rule?.workloads && chain.verdict !== 'blocked') {
    const names = sourceNames(chain.source)
    if (names.length === 0) workloadUnknown = true
    else if (!names.some((n) => matchesAny(n, rule.workloads!))) outsideWorkloads = names
  }
  return {rule, allowed, severity: rule?.severity ?? policy.default.severity, verdictAllowed: allowed.includes(chain.verdict), outsideWorkloads, workloadUnknown}
}

/** Who says so, in a violation's words: the rule and where it is written, or the default. */
const judgedBy = (check: PolicyCheck, policy: Policy): string =>
  check.rule ? `rule '${check.rule.name}' (${check.rule.at})` : policy === DEFAULT_POLICY ? policy.name : `the default of ${policy.name}`

/** Why the chain's verdict breaks the policy. */
export const verdictViolationText = (chain: RequestChain, policy: Policy, check: PolicyCheck): string =>
  `observed ${chain.verdict} to ${chain.destination.key}; ${judgedBy(check, policy)} allows ${check.allowed.join(', ') || 'nothing'}`

/** Why the chain's source breaks the rule's workload list. */
export const workloadViolationText = (chain: RequestChain, policy: Policy, check: PolicyCheck): string =>
  `${check.outsideWorkloads![0]} reached ${chain.destination.key}; ${judgedBy(check, policy)} allows only ${check.rule!.workloads!.join(', ')}`

/** Judges one chain, with the sentences; null for chains the policy does not judge (not egress, failed, unknown). */
export function judge(chain: RequestChain, policy: Policy): PolicyOutcome | null {
  const check = checkPolicy(chain, policy)
  if (!check) return null
  return {
    rule: check.rule,
    allowed: check.allowed,
    severity: check.severity,
    verdictViolation: check.verdictAllowed ? null : verdictViolationText(chain, policy, check),
    workloadViolation: check.outsideWorkloads ? workloadViolationText(chain, policy, check) : null,
    workloadUnknown: check.workloadUnknown,
  }
}

/** `egress-audit policy init`: a commented example. */
export const EXAMPLE_POLICY = `# egress-audit policy: which ways out of the mesh are allowed, for which destinations and workloads.
# egress-audit compares what it observed in the access logs with this file; it enforces nothing.
# Verdicts: ${VERDICTS.filter((v) => !UNJUDGED.includes(v)).join(', ')}.
# 'failed' and 'unknown' chains are not judged here: they are findings of their own.
version: 1

# Destinations no rule names. Without a policy file egress-audit uses exactly this:
# out through the egress gateway, mTLS inside the mesh, TLS outside; a blocked attempt is fine.
default:
  allow: [gateway-mtls-originated, gateway-passthrough, blocked]
  severity: high            # high | medium | low | info

# The first rule whose hosts (globs) and ports match the destination applies.
rules:
  - name: payment-provider
    hosts: ["api.stripe.com", "*.stripe.com"]
    ports: [443]
    allow: [gateway-mtls-originated, gateway-passthrough]
    # Only these workloads may reach it: namespace/workload globs, or SPIFFE ids.
    workloads: ["payments/*", "spiffe://cluster.local/ns/payments/sa/*"]

  - name: legacy-partner-http-only
    hosts: ["partner.example.com"]
    ports: [80]
    # It only speaks HTTP: mTLS inside the mesh, plain HTTP from the gateway on.
    allow: [gateway-mtls-plaintext]
    severity: medium

  - name: package-mirrors
    hosts: ["*.ubuntu.com", "registry.npmjs.org"]
    allow: [gateway-mtls-originated, gateway-passthrough, sidecar-originated, direct-tls]
    severity: low
`
