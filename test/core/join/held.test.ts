import {describe, expect, test} from 'vitest'

import {ChainJoiner, type HopGroup} from '../../../src/core/join/chains.js'
import {toHop} from '../../../src/core/join/hops.js'
import type {AccessLogEntry} from '../../../src/core/model.js'
import {entriesOf, pairLines} from './fixtures.js'

// `(kubectl logs -l app=curl --prefix; kubectl logs -l istio=egressgateway --prefix) | egress-audit analyze`:
// one input in which every sidecar line comes before the first gateway line, an hour of log apart.
const HOUR = Array.from({length: 60}, (_, i) =>
  pairLines({id: `0000${String(i).padStart(4, '0')}-0000-4000-8000-000000000000`, port: 40_000 + i, start: `2024-06-21T19:${String(i).padStart(2, '0')}:00.000Z`}),
)
const concatenated = (): AccessLogEntry[] => entriesOf([...HOUR.map((p) => p.sidecar), ...HOUR.map((p) => p.gateway)].join('\n'), 'stdin')

function run(entries: AccessLogEntry[], maxHeld: number) {
  const joiner = new ChainJoiner({windowMs: 5_000, maxHeld})
  joiner.declareInputs(['stdin'])
  const groups: HopGroup[] = []
  let peak = 0
  for (const e of entries) {
    groups.push(...joiner.add(toHop(e)))
    peak = Math.max(peak, joiner.pending)
  }
  groups.push(...joiner.flush())
  return {pairs: groups.filter((g) => g.hops.length === 2).length, singles: groups.filter((g) => g.hops.length === 1).length, peak}
}

describe('streams one after another in one input', () => {
  test('held lines join partners that arrive after their window has passed', () => {
    expect(run(concatenated(), 1_000)).toMatchObject({pairs: 60, singles: 0})
  })

  test('with nothing held (a live stream), only the window joins: the hour-apart partners stay single', () => {
    // Only the last sidecar line is still inside its window when its own gateway line arrives.
    expect(run(concatenated(), 0)).toMatchObject({pairs: 1, singles: 118})
  })

  test('memory stays bounded by the hold: the oldest are released first', () => {
    const r = run(concatenated(), 10)
    expect(r.peak).toBeLessThanOrEqual(11)
    // The last ten sidecar lines were still held when their gateway lines came.
    expect(r.pairs).toBe(10)
  })
})
