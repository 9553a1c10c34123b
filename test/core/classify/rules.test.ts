import {describe, expect, test} from 'vitest'

import {type Facts, RULES, matchRule, usedFacts} from '../../../src/core/classify/rules.js'
import {VERDICTS} from '../../../src/core/model.js'

describe('the verdict table', () => {
  test.each([
    {facts: {outcome: 'completed', path: 'gateway', inner: 'mtls', outer: 'tls-originated'}, verdict: 'gateway-mtls-originated', rule: 'gw-mtls-tls-out'},
    {facts: {outcome: 'completed', path: 'gateway', inner: 'mtls', outer: 'mtls-originated'}, verdict: 'gateway-mtls-originated', rule: 'gw-mtls-tls-out'},
    {facts: {outcome: 'completed', path: 'gateway', inner: 'mtls', outer: 'plaintext'}, verdict: 'gateway-mtls-plaintext', rule: 'gw-mtls-plain-out'},
    {facts: {outcome: 'completed', path: 'gateway', inner: 'plaintext', outer: 'tls-originated'}, verdict: 'gateway-originated', rule: 'gw-plain-tls-out'},
    {facts: {outcome: 'completed', path: 'gateway', inner: 'plaintext', outer: 'plaintext'}, verdict: 'gateway-plaintext', rule: 'gw-plain-plain-out'},
    {facts: {outcome: 'completed', path: 'gateway', inner: 'tls', outer: 'tls-passthrough'}, verdict: 'gateway-passthrough', rule: 'gw-sni-passthrough'},
    {facts: {outcome: 'completed', path: 'direct', outer: 'mtls-originated'}, verdict: 'sidecar-mtls-originated', rule: 'sidecar-mtls-out'},
    {facts: {outcome: 'completed', path: 'direct', outer: 'tls-originated'}, verdict: 'sidecar-originated', rule: 'sidecar-tls-out'},
    {facts: {outcome: 'completed', path: 'direct', outer: 'tls-passthrough'}, verdict: 'direct-tls', rule: 'sidecar-app-tls-out'},
    {facts: {outcome: 'completed', path: 'direct', outer: 'plaintext'}, verdict: 'direct-plaintext', rule: 'sidecar-plain-out'},
    {facts: {outcome: 'attempted', path: 'direct', outer: 'plaintext'}, verdict: 'direct-plaintext', rule: 'sidecar-plain-out'},
    {facts: {outcome: 'completed', path: 'passthrough-cluster', outer: 'plaintext'}, verdict: 'passthrough-cluster', rule: 'passthrough-cluster'},
    {facts: {outcome: 'blocked', path: 'gateway', inner: 'mtls'}, verdict: 'blocked', rule: 'blocked-by-mesh'},
    {facts: {outcome: 'failed', path: 'gateway', inner: 'tls', outer: 'tls-passthrough'}, verdict: 'failed', rule: 'failed-on-path'},
    {facts: {outcome: 'completed', path: 'gateway', inner: 'mtls'}, verdict: 'unknown', rule: 'not-enough-evidence'},
    {facts: {outcome: 'completed', path: 'gateway', inner: 'tls', outer: 'tls-originated'}, verdict: 'unknown', rule: 'not-enough-evidence'},
    {facts: {}, verdict: 'unknown', rule: 'not-enough-evidence'},
  ] satisfies {facts: Facts; verdict: string; rule: string}[])('$facts → $verdict', ({facts, verdict, rule}) => {
    const r = matchRule(facts)
    expect(r.verdict).toBe(verdict)
    expect(r.id).toBe(rule)
  })

  test('every verdict of DESIGN.md has a row, and rule ids are unique', () => {
    expect(new Set(RULES.map((r) => r.verdict))).toEqual(new Set(VERDICTS))
    expect(new Set(RULES.map((r) => r.id)).size).toBe(RULES.length)
  })

  test('the last row catches everything', () => {
    expect(usedFacts(RULES.at(-1)!)).toEqual([])
  })
})
