import fc from 'fast-check'
import {describe, expect, test} from 'vitest'

import {analyzeEntries} from '../../../src/core/analyze.js'
import {ChainJoiner, type HopGroup} from '../../../src/core/join/chains.js'
import {toHop} from '../../../src/core/join/hops.js'
import type {AccessLogEntry} from '../../../src/core/model.js'
import {SEED, entriesOf, entry, pairLines} from './fixtures.js'

/** Feeds entries in the given order through a joiner that knows both inputs; returns the groups. */
function join(entries: readonly AccessLogEntry[], windowMs = 5_000): HopGroup[] {
  const joiner = new ChainJoiner({windowMs})
  joiner.declareInputs([...new Set(entries.map((e) => e.source.input))])
  const out: HopGroup[] = []
  for (const e of entries) out.push(...joiner.add(toHop(e)))
  out.push(...joiner.flush())
  return out
}

/** Each group as its hop refs joined by '+', sorted: comparable across feeding orders. */
const shape = (groups: HopGroup[]) => groups.map((g) => g.hops.map((h) => h.ref).join('+')).sort()

function files(pairs: {sidecar: string; gateway: string}[], drop: number[] = []) {
  const sidecar = entriesOf(pairs.map((p) => p.sidecar).join('\n'), 'sidecar.log')
  const gateway = entriesOf(pairs.map((p, i) => (drop.includes(i) ? '' : p.gateway)).join('\n'), 'gateway.log')
  return {sidecar, gateway}
}

describe('joining the two proxies of one request', () => {
  test('the real BLOG22 pair: one connection and one x-request-id', () => {
    const groups = join([entry(SEED.blogSidecar, 'sidecar.log'), entry(SEED.blogGateway, 'gateway.log')])
    expect(groups).toHaveLength(1)
    expect(groups[0]!.hops.map((h) => h.role)).toEqual(['sidecar', 'egress-gateway'])
    expect(groups[0]!.joinedBy).toEqual(['connection', 'request-id'])
  })

  test('the gateway line first: the same chain, sidecar still first', () => {
    const groups = join([entry(SEED.blogGateway, 'gateway.log'), entry(SEED.blogSidecar, 'sidecar.log')])
    expect(shape(groups)).toEqual(['sidecar.log:1+gateway.log:1'])
  })

  test('a missing partner leaves a chain of one, and the others still join', () => {
    const pairs = [0, 1, 2, 3].map((i) => pairLines({id: `id-${i}`, port: 40000 + i * 2, start: `2024-06-21T19:00:0${i}.000Z`}))
    const {sidecar, gateway} = files(pairs, [1, 3])
    const groups = join([...sidecar, ...gateway])
    expect(shape(groups)).toEqual(['sidecar.log:1+gateway.log:1', 'sidecar.log:2', 'sidecar.log:3+gateway.log:3', 'sidecar.log:4'])
  })

  test('duplicate request ids on different connections: the connection decides, in any order', () => {
    // One trace leaving twice: the id is propagated, the connections differ.
    const a = pairLines({id: 'same-id', port: 41000, start: '2024-06-21T19:00:00.000Z'})
    const b = pairLines({id: 'same-id', port: 42000, start: '2024-06-21T19:00:00.020Z'})
    const {sidecar, gateway} = files([a, b])
    for (const order of [[sidecar[0]!, gateway[1]!, sidecar[1]!, gateway[0]!], [gateway[1]!, gateway[0]!, sidecar[0]!, sidecar[1]!], [...sidecar, ...gateway]]) {
      expect(shape(join(order))).toEqual(['sidecar.log:1+gateway.log:1', 'sidecar.log:2+gateway.log:2'])
    }
  })

  test('two requests on one reused connection: ids tell them apart', () => {
    const a = pairLines({id: 'req-a', port: 43000, start: '2024-06-21T19:00:00.000Z'})
    const b = pairLines({id: 'req-b', port: 43000, start: '2024-06-21T19:00:00.200Z'})
    const {sidecar, gateway} = files([a, b])
    expect(shape(join([gateway[1]!, sidecar[0]!, gateway[0]!, sidecar[1]!]))).toEqual(['sidecar.log:1+gateway.log:1', 'sidecar.log:2+gateway.log:2'])
  })

  test('two requests on one reused connection with new ids at the gateway (1.26): time tells them apart', () => {
    const a = pairLines({id: 'sc-a', gwId: 'gw-x', port: 44000, start: '2024-06-21T19:00:00.000Z'})
    const b = pairLines({id: 'sc-b', gwId: 'gw-y', port: 44000, start: '2024-06-21T19:00:00.300Z'})
    const {sidecar, gateway} = files([a, b])
    for (const order of [[...sidecar, ...gateway], [gateway[1]!, gateway[0]!, sidecar[1]!, sidecar[0]!], [sidecar[0]!, gateway[1]!, sidecar[1]!, gateway[0]!]]) {
      expect(shape(join(order))).toEqual(['sidecar.log:1+gateway.log:1', 'sidecar.log:2+gateway.log:2'])
    }
  })

  test('an HTTP pair whose ids differ (Istio ≥1.26) joins by addresses, and says so', () => {
    const p = pairLines({id: 'sidecar-id', gwId: 'gateway-regenerated-id', port: 45000, start: '2024-06-21T19:00:00.000Z'})
    const {sidecar, gateway} = files([p])
    const [group] = join([...sidecar, ...gateway])
    expect(group!.joinedBy).toEqual(['connection'])
    expect(group!.joinEvidence.map((e) => e.fact).join(' ')).toContain('different x-request-ids')
    const result = analyzeEntries([...sidecar, ...gateway])
    expect(result.chains[0]!.verdict).toBe('gateway-originated')
    expect(result.chains[0]!.confidence).toBe('high')
  })

  test('lines out of the window do not join, even with the same id', () => {
    const p = pairLines({id: 'late', port: 46000, start: '2024-06-21T19:00:00.000Z', gwStart: '2024-06-21T19:00:20.000Z'})
    const {sidecar, gateway} = files([p])
    expect(shape(join([...sidecar, ...gateway], 5_000))).toEqual(['gateway.log:1', 'sidecar.log:1'])
  })

  test('a TCP passthrough pair (no ids) joins by connection', () => {
    const sc = '[2024-06-21T21:22:27.557Z] "- - -" 0 - - - "-" 940 5946 159 - "-" "-" "-" "-" "10.244.0.6:8443" outbound|443||istio-egressgateway.istio-system.svc.cluster.local 10.244.0.7:51628 3.213.1.197:443 10.244.0.7:51626 httpbin.org -'
    const groups = join([entry(SEED.gwPass, 'gateway.log'), entry(sc, 'sidecar.log')])
    expect(groups[0]!.joinedBy).toEqual(['connection'])
    expect(shape(groups)).toEqual(['sidecar.log:1+gateway.log:1'])
  })

  test('a sidecar line without an upstream local address joins by pod IP, gateway listener and time (weak)', () => {
    const sc = '[2024-06-21T22:00:10.000Z] "- - -" 0 UF - - "-" 0 0 88 - "-" "-" "-" "-" "10.244.0.6:8443" outbound|443||istio-egressgateway.istio-system.svc.cluster.local - 3.211.196.247:443 10.244.0.7:48889 httpbin.org -'
    const gw = '[2024-06-21T22:00:10.005Z] "- - -" 0 - - - "-" 1875 5591 83 - "-" "-" "-" "-" "3.211.196.247:443" outbound|443||httpbin.org 10.244.0.6:54137 10.244.0.6:8443 10.244.0.7:43570 httpbin.org -'
    const groups = join([entry(sc, 'sidecar.log'), entry(gw, 'gateway.log')])
    expect(groups[0]!.joinedBy).toEqual(['pod-time'])
    expect(groups[0]!.joinEvidence[0]!.strength).toBe('inferred')
  })

  test('a hop that cannot have a partner is complete at once; one that can waits for the window', () => {
    const joiner = new ChainJoiner({windowMs: 5_000})
    joiner.declareInputs(['sidecar.log', 'gateway.log'])
    const direct = '[2024-06-21T19:22:13.214Z] "GET /headers HTTP/1.1" 200 - via_upstream - "-" 0 1102 62 61 "-" "curl/7.83.1-DEV" "3c1e1fb0-8a7e-4b3a-9f5e-4f3e1c2a9d11" "httpbin.org" "3.213.1.197:80" outbound|80||httpbin.org 10.244.0.7:40122 3.213.1.197:80 10.244.0.7:40120 - default'
    expect(joiner.add(toHop(entry(direct, 'sidecar.log')))).toHaveLength(1)
    expect(joiner.add(toHop(entry(SEED.blogSidecar, 'sidecar.log', 2)))).toHaveLength(0)
    expect(joiner.pending).toBe(1)
    expect(joiner.flush()).toHaveLength(1)
  })

  test('memory is bounded by the window, not the input', () => {
    const joiner = new ChainJoiner({windowMs: 2_000})
    joiner.declareInputs(['sidecar.log', 'gateway.log'])
    let most = 0
    let groups = 0
    const t0 = Date.parse('2024-06-21T19:00:00.000Z')
    for (let i = 0; i < 3_000; i++) {
      // Every fourth gateway line is missing: those sidecar lines wait, then expire.
      const p = pairLines({id: `id-${i}`, port: 20000 + (i % 20000) * 2, start: new Date(t0 + i * 100).toISOString()})
      groups += joiner.add(toHop(entry(p.sidecar, 'sidecar.log', i + 1))).length
      if (i % 4 !== 0) groups += joiner.add(toHop(entry(p.gateway, 'gateway.log', i + 1))).length
      most = Math.max(most, joiner.pending)
    }
    groups += joiner.flush().length
    expect(groups).toBe(3_000)
    expect(most).toBeLessThan(40) // ~ window / spacing × share missing, not 750
  })
})

describe('properties', () => {
  const PAIRS = Array.from({length: 12}, (_, i) =>
    pairLines({id: i % 5 === 0 ? 'dup' : `id-${i}`, gwId: i % 3 === 0 ? `new-${i}` : undefined, port: 50000 + (i % 6) * 2, start: new Date(Date.parse('2024-06-21T19:00:00Z') + i * 700).toISOString()}),
  )
  const {sidecar: SIDECAR, gateway: GATEWAY} = files(PAIRS, [4, 9])

  /** An interleaving of two sequences, each kept in order (as two files read side by side). */
  const interleaving = (a: number, b: number) => fc.array(fc.boolean(), {minLength: a + b, maxLength: a + b})

  test('every parsed entry ends in exactly one chain, whatever the interleaving of the files', () => {
    fc.assert(
      fc.property(interleaving(SIDECAR.length, GATEWAY.length), fc.integer({min: 100, max: 20_000}), (picks, windowMs) => {
        const order: AccessLogEntry[] = []
        let i = 0
        let j = 0
        for (const pickA of picks) {
          if ((pickA && i < SIDECAR.length) || j >= GATEWAY.length) order.push(SIDECAR[i++]!)
          else order.push(GATEWAY[j++]!)
        }
        const refs = join(order, windowMs).flatMap((g) => g.hops.map((h) => h.ref))
        expect(refs.sort()).toEqual([...SIDECAR, ...GATEWAY].map((e) => `${e.source.input}:${e.source.line}`).sort())
      }),
    )
  })

  test('every entry in exactly one chain, for any subset of lines in any order within the window', () => {
    fc.assert(
      fc.property(fc.shuffledSubarray([...SIDECAR, ...GATEWAY]), (subset) => {
        const refs = join(subset, 60_000).flatMap((g) => g.hops.map((h) => h.ref))
        expect(refs.sort()).toEqual(subset.map((e) => `${e.source.input}:${e.source.line}`).sort())
      }),
    )
  })

  test('verdicts do not depend on the order of the input files', () => {
    const verdicts = (entries: AccessLogEntry[]) => Object.fromEntries(analyzeEntries(entries).chains.map((c) => [c.hops.map((h) => h.ref).sort().join('+'), c.verdict]))
    fc.assert(
      fc.property(fc.boolean(), fc.boolean(), (gatewayFirst, reverseHeaders) => {
        const a = verdicts([...SIDECAR, ...GATEWAY])
        const b = verdicts(gatewayFirst ? [...GATEWAY, ...SIDECAR] : [...SIDECAR, ...GATEWAY])
        expect(b).toEqual(a)
        expect(reverseHeaders || true).toBe(true)
      }),
      {numRuns: 4},
    )
  })
})
