// The verdict table (shared/DESIGN.md "Verdicts") as data. A chain's evidence is first reduced to four
// facts — what happened (outcome), which way it left (path), how the sidecar→gateway leg was carried
// (inner) and how it left the mesh (outer) — and the first row whose `when` holds gives the verdict.
// One mechanism for every verdict: adding a verdict is adding a row.
//
// Strength (proven vs inferred) speaks of the transport: a row that names `inner` or `outer` is proven
// only when each of those facts rests on a TLS field (the egress-audit preset) or an XFCC header. Rows
// that make no transport claim (blocked, failed, passthrough-cluster) are proven when Envoy's own record
// states them (a special cluster, a response flag, a failure reason), inferred when a heuristic does.

import type {Verdict} from '../model.js'

/** completed: it went through; attempted: the upstream never answered (the path stands); failed: a failure that tells about the path. */
export type Outcome = 'completed' | 'attempted' | 'blocked' | 'failed'
export type PathFact = 'gateway' | 'direct' | 'passthrough-cluster'
export type InnerFact = 'mtls' | 'tls' | 'plaintext'
export type OuterFact = 'plaintext' | 'tls-originated' | 'mtls-originated' | 'tls-passthrough'

export interface Facts {
  outcome?: Outcome
  path?: PathFact
  inner?: InnerFact
  outer?: OuterFact
}
export type FactName = keyof Facts
export const FACT_NAMES: readonly FactName[] = ['outcome', 'path', 'inner', 'outer']

export interface Rule {
  id: string
  /** Each named fact must have one of the listed values; facts not named are free. */
  when: {[K in FactName]?: readonly NonNullable<Facts[K]>[]}
  verdict: Verdict
  why: string
}

const ORIGINATED = ['tls-originated', 'mtls-originated'] as const
/** A request whose upstream never answered still shows which way it was sent. */
const WENT = ['completed', 'attempted'] as const

/** First match wins. Ids are stable: reports and tests cite them. */
export const RULES: readonly Rule[] = [
  {id: 'blocked-by-mesh', when: {outcome: ['blocked']}, verdict: 'blocked', why: 'the mesh refused it: BlackHoleCluster or route block_all (REGISTRY_ONLY), or an authorization policy'},
  {id: 'failed-on-path', when: {outcome: ['failed']}, verdict: 'failed', why: 'tried and failed in a way that tells about the path'},
  {id: 'passthrough-cluster', when: {path: ['passthrough-cluster']}, verdict: 'passthrough-cluster', why: 'an unregistered destination let out through PassthroughCluster (ALLOW_ANY): no mesh control'},
  {id: 'gw-mtls-tls-out', when: {outcome: WENT, path: ['gateway'], inner: ['mtls'], outer: ORIGINATED}, verdict: 'gateway-mtls-originated', why: 'sidecar → egress gateway over mutual TLS; the gateway originated TLS to the destination'},
  {id: 'gw-mtls-plain-out', when: {outcome: WENT, path: ['gateway'], inner: ['mtls'], outer: ['plaintext']}, verdict: 'gateway-mtls-plaintext', why: 'sidecar → egress gateway over mutual TLS; the gateway sent plain HTTP out'},
  {id: 'gw-plain-tls-out', when: {outcome: WENT, path: ['gateway'], inner: ['plaintext'], outer: ORIGINATED}, verdict: 'gateway-originated', why: 'sidecar → egress gateway in plaintext; the gateway originated TLS'},
  {id: 'gw-plain-plain-out', when: {outcome: WENT, path: ['gateway'], inner: ['plaintext'], outer: ['plaintext']}, verdict: 'gateway-plaintext', why: 'plain HTTP through the egress gateway and out'},
  {id: 'gw-sni-passthrough', when: {outcome: WENT, path: ['gateway'], outer: ['tls-passthrough']}, verdict: 'gateway-passthrough', why: "the app's own TLS, routed through the egress gateway by SNI without termination"},
  {id: 'sidecar-mtls-out', when: {outcome: WENT, path: ['direct'], outer: ['mtls-originated']}, verdict: 'sidecar-mtls-originated', why: 'no gateway; the sidecar originated TLS with a client certificate (DestinationRule MUTUAL)'},
  {id: 'sidecar-tls-out', when: {outcome: WENT, path: ['direct'], outer: ['tls-originated']}, verdict: 'sidecar-originated', why: 'no gateway; the sidecar originated TLS (DestinationRule SIMPLE)'},
  {id: 'sidecar-app-tls-out', when: {outcome: WENT, path: ['direct'], outer: ['tls-passthrough']}, verdict: 'direct-tls', why: "no gateway; the app's own TLS left straight from the sidecar"},
  {id: 'sidecar-plain-out', when: {outcome: WENT, path: ['direct'], outer: ['plaintext']}, verdict: 'direct-plaintext', why: 'no gateway; plain HTTP left straight from the sidecar'},
  {id: 'not-enough-evidence', when: {}, verdict: 'unknown', why: 'the evidence does not decide how it left'},
]

/** The rule for chains that are not egress (inbound, in-mesh, ingress): none of the egress rows applies. */
export const NOT_EGRESS_RULE: Rule = {id: 'not-egress', when: {}, verdict: 'unknown', why: 'not egress: the destination is inside the mesh or the traffic came in'}

/**
 * The first rule whose conditions hold. An unknown fact fails every condition on it, so a chain with
 * too little evidence falls through to `not-enough-evidence`.
 * @example matchRule({outcome: 'completed', path: 'gateway', inner: 'mtls', outer: 'tls-originated'}).verdict // 'gateway-mtls-originated'
 */
export function matchRule(facts: Facts, rules: readonly Rule[] = RULES): Rule {
  if (rules !== RULES) return firstMatch(facts, rules)
  // The table is fixed and the facts take few values (at most a few hundred combinations): each
  // combination is matched once, then looked up (a hot path over a million chains).
  // Nested maps on the values themselves (constant strings, their hashes cached): no key to build.
  let byPath = matched.get(facts.outcome)
  if (!byPath) matched.set(facts.outcome, (byPath = new Map()))
  let byInner = byPath.get(facts.path)
  if (!byInner) byPath.set(facts.path, (byInner = new Map()))
  let byOuter = byInner.get(facts.inner)
  if (!byOuter) byInner.set(facts.inner, (byOuter = new Map()))
  let rule = byOuter.get(facts.outer)
  if (rule === undefined) byOuter.set(facts.outer, (rule = firstMatch(facts, RULES)))
  return rule
}
type Level<K, V> = Map<K | undefined, V>
const matched: Level<Facts['outcome'], Level<Facts['path'], Level<Facts['inner'], Level<Facts['outer'], Rule>>>> = new Map()

function firstMatch(facts: Facts, rules: readonly Rule[]): Rule {
  for (const rule of rules) {
    let ok = true
    for (const name of FACT_NAMES) {
      const allowed = rule.when[name] as readonly string[] | undefined
      if (allowed === undefined) continue
      const value = facts[name]
      if (value === undefined || !allowed.includes(value)) {
        ok = false
        break
      }
    }
    if (ok) return rule
  }
  return RULES[RULES.length - 1]!
}

/** The facts a rule rests on. */
export const usedFacts = (rule: Rule): FactName[] => FACT_NAMES.filter((f) => rule.when[f] !== undefined)

/** What evidence would settle each fact, for `unknown` verdicts. */
export const MISSING: Record<FactName, string> = {
  outcome: 'whether it went through: a line with its response code and flags',
  path: 'which way it left: the sidecar line with its upstream cluster, or the egress gateway line',
  inner: "the sidecar→gateway transport: the gateway line's listener port and SNI, the sidecar line's upstream port, or the echo's X-Forwarded-Client-Cert",
  outer: "how it left the mesh: the exit proxy's line (upstream cluster, UPSTREAM_HOST port, SNI), or the echo's X-Envoy-Decorator-Operation",
}
