// The egress policy: which verdicts are allowed for which destinations, and which workloads may reach
// them. Read from YAML text (the shell reads the file); every error names its line and column. A policy
// judges what was observed in logs; it enforces nothing.

import {LineCounter, type Node, isMap, isScalar, isSeq, parseDocument} from 'yaml'

import {globToRegExp, matchesAny} from '../join/glob.js'
import {type ChainSource, type RequestChain, SEVERITIES, type Severity, VERDICTS, type Verdict} from '../model.js'

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

export type PolicyParse = {ok: true; policy: Policy} | {ok: false; error: string}

const ROOT_KEYS = ['version', 'description', 'default', 'rules']
const DEFAULT_KEYS = ['allow', 'severity']
const RULE_KEYS = ['name', 'description', 'hosts', 'ports', 'allow', 'workloads', 'severity']

class PolicyError extends Error {}

/**
 * Parses a policy. Never throws: a YAML or schema error comes back as one line, `FILE:LINE:COL: message`.
 * @example parsePolicy('default:\n  allow: [gateway-mtls-originated]\n', 'p.yaml').ok // true
 */
export function parsePolicy(text: string, name: string): PolicyParse {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, {lineCounter, prettyErrors: false, uniqueKeys: true})
  const where = (offset: number | undefined): string => {
    if (offset === undefined) return name
    const p = lineCounter.linePos(offset)
    return `${name}:${p.line}:${p.col}`
  }
  const problem = doc.errors[0]
  if (problem) return {ok: false, error: `${where(problem.pos[0])}: ${firstLine(problem.message)}`}
  const fail = (node: Node | null | undefined, message: string): never => {
    throw new PolicyError(`${where(node?.range?.[0])}: ${message}`)
  }
  try {
    const root = doc.contents
    if (root === null || (isScalar(root) && (root.value === null || root.value === ''))) fail(root, 'the policy is empty')
    if (!isMap(root)) return fail(root, 'a policy is a mapping with `default` and `rules`')
    checkKeys(root, ROOT_KEYS, 'policy', fail)
    const policy: Policy = {name, default: {...DEFAULT_POLICY.default, allow: [...DEFAULT_POLICY.default.allow]}, rules: []}
    const def = root.get('default', true) as Node | undefined
    if (def !== undefined && def !== null) {
      if (!isMap(def)) return fail(def, '`default` is a mapping with `allow` and `severity`')
      checkKeys(def, DEFAULT_KEYS, 'default', fail)
      const allow = def.get('allow', true) as Node | undefined
      if (allow !== undefined) policy.default.allow = readVerdicts(allow, fail)
      const sev = def.get('severity', true) as Node | undefined
      if (sev !== undefined) policy.default.severity = readSeverity(sev, fail)
    }
    const rules = root.get('rules', true) as Node | undefined
    if (rules !== undefined && rules !== null && !(isScalar(rules) && rules.value === null)) {
      if (!isSeq(rules)) return fail(rules, '`rules` is a list of rules')
      rules.items.forEach((item, i) => policy.rules.push(readRule(item as Node, i, policy.default.severity, name, lineCounter, fail)))
    }
    return {ok: true, policy}
  } catch (error) {
    if (error instanceof PolicyError) return {ok: false, error: error.message}
    throw error
  }
}

type Fail = (node: Node | null | undefined, message: string) => never

function checkKeys(map: Node, allowed: readonly string[], what: string, fail: Fail): void {
  if (!isMap(map)) return
  for (const pair of map.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key)
    // Quoted as JSON: a key holding a newline or a control character stays on the message's one line.
    if (!allowed.includes(key)) fail(pair.key as Node, `unknown key ${JSON.stringify(key)} in ${what} (known: ${allowed.join(', ')})`)
  }
}

function readRule(node: Node, i: number, severity: Severity, file: string, lc: LineCounter, fail: Fail): PolicyRule {
  if (!isMap(node)) return fail(node, `rule ${i + 1} is not a mapping`)
  checkKeys(node, RULE_KEYS, `rule ${i + 1}`, fail)
  const line = node.range ? lc.linePos(node.range[0]).line : 0
  const nameNode = node.get('name', true) as Node | undefined
  const name = nameNode === undefined ? `rule ${i + 1}` : readString(nameNode, 'name', fail)
  const allowNode = node.get('allow', true) as Node | undefined
  if (allowNode === undefined) fail(node, `rule '${name}' has no \`allow\` list of verdicts`)
  const hostsNode = node.get('hosts', true) as Node | undefined
  const portsNode = node.get('ports', true) as Node | undefined
  const workloadsNode = node.get('workloads', true) as Node | undefined
  const sevNode = node.get('severity', true) as Node | undefined
  const hosts = hostsNode === undefined ? ['*'] : readStrings(hostsNode, 'hosts', fail)
  for (const h of hosts) globToRegExp(h)
  return {
    name,
    hosts,
    ports: portsNode === undefined ? null : readPorts(portsNode, fail),
    allow: readVerdicts(allowNode as Node, fail),
    workloads: workloadsNode === undefined ? null : readStrings(workloadsNode, 'workloads', fail),
    severity: sevNode === undefined ? severity : readSeverity(sevNode, fail),
    at: `${file}:${line}`,
  }
}

function list(node: Node): Node[] {
  return isSeq(node) ? (node.items as Node[]) : [node]
}

function readString(node: Node, what: string, fail: Fail): string {
  if (!isScalar(node) || typeof node.value !== 'string' || node.value.trim() === '') return fail(node, `${what} must be a non-empty string`)
  return node.value
}

function readStrings(node: Node, what: string, fail: Fail): string[] {
  return list(node).map((n) => readString(n, what, fail))
}

function readPorts(node: Node, fail: Fail): number[] {
  return list(node).map((n) => {
    const v = isScalar(n) ? n.value : undefined
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 65535) return fail(n, 'a port is a number from 1 to 65535')
    return v
  })
}

function readVerdicts(node: Node, fail: Fail): Verdict[] {
  return list(node).map((n) => {
    const v = isScalar(n) ? n.value : undefined
    if (typeof v !== 'string' || !(VERDICTS as readonly string[]).includes(v)) {
      return fail(n, `unknown verdict ${JSON.stringify(v ?? null)} (known: ${VERDICTS.join(', ')})`)
    }
    return v as Verdict
  })
}

function readSeverity(node: Node, fail: Fail): Severity {
  const v = isScalar(node) ? node.value : undefined
  if (typeof v !== 'string' || !(SEVERITIES as readonly string[]).includes(v)) return fail(node, `severity must be one of ${SEVERITIES.join(', ')}`)
  return v as Severity
}

const firstLine = (s: string): string => s.split(/\r\n|\r|\n/)[0]!.replace(/ at line \d+, column \d+:?$/, '').trim()

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
