// Reading a policy from YAML text (the shell reads the file): every error names its line and column.
// Apart from policy.ts so that the YAML library is loaded only when a policy file is given.

import {LineCounter, type Node, isMap, isScalar, isSeq, parseDocument} from 'yaml'

import {globToRegExp} from '../join/glob.js'
import {SEVERITIES, type Severity, VERDICTS, type Verdict} from '../model.js'
import {DEFAULT_POLICY, type Policy, type PolicyRule} from './policy.js'

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
