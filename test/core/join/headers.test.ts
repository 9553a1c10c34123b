import {describe, expect, test} from 'vitest'

import {analyzeEntries} from '../../../src/core/analyze.js'
import {buildHeaderEvidence, parseCapture} from '../../../src/core/headers/index.js'
import type {HeaderEvidence} from '../../../src/core/headers/types.js'
import {SEED, entriesOf, readHeaders} from './fixtures.js'

const GW = '[pod/istio-egressgateway-75c5457c56-htpvz/istio-proxy] '
const echo = (headers: Record<string, string>, input = 'echo.json'): HeaderEvidence[] =>
  parseCapture(JSON.stringify({headers}, null, 2), {input}).sets.map((s) => buildHeaderEvidence(s, {now: new Date('2024-07-01T00:00:00Z')}))
const mtlsEcho = () => readHeaders('headers/gateway-mtls-originated.json', 'echo.json')

describe('joining echoes to chains', () => {
  test("by the peer id's IP (the gateway pod) and X-Amzn-Trace-Id's second (the gateway's START_TIME second)", () => {
    const r = analyzeEntries(entriesOf(GW + SEED.gwMtlsOrig, 'gateway.log'), {headers: mtlsEcho()})
    expect(r.chains).toHaveLength(1)
    expect(r.chains[0]!.joinedBy).toEqual(['header-peer-time'])
    expect(r.chains[0]!.source.identity).toBe('spiffe://cluster.local/ns/default/sa/default')
    // The gateway line and the echo agree: two witnesses.
    expect(r.chains[0]!.confidence).toBe('high')
    expect(r.chains[0]!.strength).toBe('inferred')
  })

  test('another second: no join, the echo stands alone', () => {
    const line = SEED.gwMtlsOrig.replace('19:50:33.667Z', '19:50:41.667Z')
    const r = analyzeEntries(entriesOf(GW + line, 'gateway.log'), {headers: mtlsEcho()})
    expect(r.chains.map((c) => c.joinedBy)).toEqual([[], []])
    expect(r.totals.headerSetsJoined).toBe(0)
  })

  test('another Host: no join', () => {
    const line = SEED.gwMtlsOrig.replaceAll('httpbin.org', 'example.org')
    const r = analyzeEntries(entriesOf(GW + line, 'gateway.log'), {headers: mtlsEcho()})
    expect(r.totals.headerSetsJoined).toBe(0)
  })

  test('an echo joins one chain only: the second request in the same second stays without it', () => {
    const second = SEED.gwMtlsOrig.replace('19:50:33.667Z', '19:50:33.900Z').replace('0db0a05e', '1db0a05e').replace('10.244.0.7:54554', '10.244.0.7:54600')
    const r = analyzeEntries(entriesOf([GW + SEED.gwMtlsOrig, GW + second].join('\n'), 'gateway.log'), {headers: mtlsEcho()})
    expect(r.chains.filter((c) => c.headers.length > 0).map((c) => c.id)).toEqual(['gateway.log:1'])
  })

  test('by X-Request-Id when the echo keeps it', () => {
    const r = analyzeEntries(entriesOf(GW + SEED.gwHttp, 'gateway.log'), {headers: echo({Host: 'httpbin.org', 'X-Request-Id': '51ed62d9-1da8-4250-9923-df406ca9fd57'})})
    expect(r.chains[0]!.joinedBy).toEqual(['header-request-id'])
  })

  test('an echo without peer headers joins by Host and second only, and does not count as a second witness', () => {
    const r = analyzeEntries(entriesOf(GW + SEED.gwPass, 'gateway.log'), {headers: readHeaders('headers/gateway-passthrough.json', 'echo.json')})
    expect(r.chains[0]!.joinedBy).toEqual(['header-time'])
    expect(r.chains[0]!.confidence).toBe('medium')
  })

  test("a client's own request headers (curl -v '>') are not an echo and join nothing", () => {
    const capture = parseCapture('> GET /headers HTTP/1.1\n> Host: httpbin.org\n> User-Agent: curl/7.83.1-DEV\n> Accept: */*\n>\n', {input: 'curl.txt'})
    const evidence = capture.sets.map((s) => buildHeaderEvidence(s, {now: new Date()}))
    expect(evidence[0]!.kind).toBe('request')
    const r = analyzeEntries(entriesOf(GW + SEED.gwHttp, 'gateway.log'), {headers: evidence})
    expect(r.totals).toMatchObject({chains: 1, headerSets: 0})
  })
})
