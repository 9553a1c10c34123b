import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, test} from 'vitest'

import {DEFAULT_POLICY, EXAMPLE_POLICY, judge, ruleFor} from '../../../src/core/classify/policy.js'
import {parsePolicy} from '../../../src/core/classify/policy-parse.js'
import type {RequestChain} from '../../../src/core/model.js'
import {ROOT} from '../join/fixtures.js'

const ok = (text: string) => {
  const r = parsePolicy(text, 'p.yaml')
  if (!r.ok) throw new Error(r.error)
  return r.policy
}

describe('parsePolicy', () => {
  test('the example of `policy init` parses', () => {
    const p = ok(EXAMPLE_POLICY)
    expect(p.rules.map((r) => r.name)).toEqual(['payment-provider', 'legacy-partner-http-only', 'package-mirrors'])
    expect(p.rules[1]).toMatchObject({ports: [80], allow: ['gateway-mtls-plaintext'], severity: 'medium', at: 'p.yaml:22'})
  })

  test.each(['httpbin.yaml', 'only-payments.yaml'])('fixtures/policy/%s parses', (f) => {
    expect(parsePolicy(readFileSync(join(ROOT, 'policy', f), 'utf8'), f).ok).toBe(true)
  })

  test.each([
    {name: 'YAML syntax: names line and column', text: 'default:\n  allow: [gateway-mtls-originated, gateway-passthrough\n  severity: high\n', error: /^p\.yaml:3:3: /},
    {name: 'a verdict that does not exist', text: 'rules:\n  - name: typo\n    allow: [gateway-mtls-orginated]\n', error: /^p\.yaml:3:13: unknown verdict "gateway-mtls-orginated"/},
    {name: 'an unknown key (a typo of rules)', text: 'rule:\n  - allow: [blocked]\n', error: /^p\.yaml:1:1: unknown key "rule" in policy/},
    {name: 'an unknown key in a rule', text: 'rules:\n  - allow: [blocked]\n    host: x\n', error: /^p\.yaml:3:5: unknown key "host" in rule 1/},
    {name: 'a rule without allow', text: 'rules:\n  - hosts: [a]\n', error: /^p\.yaml:2:5: rule 'rule 1' has no `allow`/},
    {name: 'a bad severity', text: 'default:\n  severity: critical\n', error: /^p\.yaml:2:13: severity must be one of/},
    {name: 'a bad port', text: 'rules:\n  - allow: [blocked]\n    ports: [70000]\n', error: /^p\.yaml:3:13: a port is a number/},
    {name: 'not a mapping', text: '- a\n- b\n', error: /^p\.yaml:1:1: a policy is a mapping/},
    {name: 'empty', text: '', error: /^p\.yaml: the policy is empty/},
    {name: 'duplicate keys', text: 'default: {}\ndefault: {}\n', error: /^p\.yaml:2:1: /},
  ])('$name', ({text, error}) => {
    const r = parsePolicy(text, 'p.yaml')
    expect(r.ok).toBe(false)
    if (!r.ok) {
      expect(r.error).toMatch(error)
      expect(r.error).not.toContain('\n')
    }
  })

  test('a single value where a list is expected is a list of one', () => {
    expect(ok('rules:\n  - hosts: a.example\n    ports: 443\n    allow: gateway-passthrough\n').rules[0]).toMatchObject({hosts: ['a.example'], ports: [443], allow: ['gateway-passthrough']})
  })
})

const chain = (over: Partial<RequestChain>): RequestChain => ({
  id: 'c',
  scope: 'egress',
  hops: [],
  headers: [],
  joinedBy: [],
  destination: {host: 'api.stripe.com', port: 443, key: 'api.stripe.com:443'},
  source: {namespace: 'payments', workload: 'checkout', from: []},
  verdict: 'gateway-mtls-originated',
  rule: 'gw-mtls-tls-out',
  reason: '',
  missing: [],
  confidence: 'high',
  strength: 'inferred',
  evidence: [],
  findings: [],
  startMs: 0,
  startTime: null,
  ...over,
})

describe('judge', () => {
  const policy = ok(EXAMPLE_POLICY)

  test.each([
    {name: 'allowed verdict, allowed workload', over: {}, verdict: null, workload: null},
    {name: 'a verdict the rule does not allow', over: {verdict: 'direct-tls'}, verdict: /observed direct-tls to api.stripe.com:443; rule 'payment-provider' \(p.yaml:\d+\) allows gateway-mtls-originated, gateway-passthrough/, workload: null},
    {name: 'a workload the rule does not allow', over: {source: {namespace: 'default', workload: 'curl', from: []}}, verdict: null, workload: /default\/curl reached api.stripe.com:443/},
    {name: 'a SPIFFE id the rule allows', over: {source: {identity: 'spiffe://cluster.local/ns/payments/sa/api', from: []}}, verdict: null, workload: null},
    {name: 'another port: the default applies', over: {destination: {host: 'api.stripe.com', port: 80, key: 'api.stripe.com:80'}, verdict: 'gateway-mtls-plaintext'}, verdict: /the default of p.yaml allows/, workload: null},
  ] as const)('$name', ({over, verdict, workload}) => {
    const j = judge(chain(over as Partial<RequestChain>), policy)!
    if (verdict === null) expect(j.verdictViolation).toBeNull()
    else expect(j.verdictViolation).toMatch(verdict)
    if (workload === null) expect(j.workloadViolation).toBeNull()
    else expect(j.workloadViolation).toMatch(workload)
  })

  test('the severity comes from the rule', () => {
    expect(judge(chain({destination: {host: 'partner.example.com', port: 80, key: 'partner.example.com:80'}, verdict: 'gateway-plaintext'}), policy)).toMatchObject({severity: 'medium'})
  })

  test('a rule with workloads and no identity in the evidence cannot be checked', () => {
    expect(judge(chain({source: {from: []}}), policy)).toMatchObject({workloadUnknown: true, workloadViolation: null})
  })

  test.each(['failed', 'unknown'] as const)('%s chains are not judged (they are findings of their own)', (verdict) => {
    expect(judge(chain({verdict}), DEFAULT_POLICY)).toBeNull()
  })

  test('chains that are not egress are not judged', () => {
    expect(judge(chain({scope: 'mesh', verdict: 'unknown'}), DEFAULT_POLICY)).toBeNull()
  })

  test('the built-in default: via the gateway with mTLS in and TLS out; blocked is fine', () => {
    for (const v of ['gateway-mtls-originated', 'gateway-passthrough', 'blocked'] as const) expect(judge(chain({verdict: v}), DEFAULT_POLICY)!.verdictViolation).toBeNull()
    for (const v of ['gateway-originated', 'gateway-mtls-plaintext', 'direct-tls', 'passthrough-cluster', 'sidecar-originated'] as const) {
      expect(judge(chain({verdict: v}), DEFAULT_POLICY)!.verdictViolation).toContain('the built-in default policy')
    }
  })

  test('host globs: *.stripe.com matches a subdomain, first rule wins', () => {
    expect(ruleFor(policy, 'files.stripe.com', 443)?.name).toBe('payment-provider')
    expect(ruleFor(policy, 'stripe.com', 443)).toBeNull()
    expect(ruleFor(policy, null, 443)).toBeNull()
  })
})
