import {setFlagsFromString} from 'node:v8'
import {runInNewContext} from 'node:vm'
import {expect, test} from 'vitest'

import {own, ownFields} from '../../../src/core/text/own.js'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

/** Heap growth (MB) from keeping 40 short slices, each cut from its own 1 MB string. */
function keptMegabytes(copy: (s: string) => string): number {
  gc()
  const before = process.memoryUsage().heapUsed
  const kept: string[] = []
  for (let i = 0; i < 40; i++) kept.push(copy(`${'x'.repeat(1 << 20)}${i}`.slice(100, 140)))
  gc()
  const grown = (process.memoryUsage().heapUsed - before) / 1e6
  expect(kept).toHaveLength(40)
  return grown
}

test('a slice keeps the string it was cut from alive; an owned copy does not', () => {
  expect(keptMegabytes((s) => s)).toBeGreaterThan(30)
  expect(keptMegabytes(own)).toBeLessThan(5)
})

test('own and ownFields keep values equal', () => {
  expect(own('spiffe://cluster.local/ns/default/sa/curl')).toBe('spiffe://cluster.local/ns/default/sa/curl')
  expect(own(null)).toBeNull()
  expect(own('')).toBe('')
  expect(ownFields({a: 'x', b: 1, c: null})).toEqual({a: 'x', b: 1, c: null})
})
