// capYoungGeneration stops V8's young generation from growing past a size (memory.ts): checked in a
// child process of its own, since V8's flags are the process's.
import {execFileSync} from 'node:child_process'
import {fileURLToPath} from 'node:url'

import {expect, test} from 'vitest'

const GROW = fileURLToPath(new URL('grow-young.mjs', import.meta.url))
const MEMORY = fileURLToPath(new URL('../../dist/shell/memory.js', import.meta.url))
const youngMb = (mode: 'cap' | 'none'): number => Number(execFileSync(process.execPath, [GROW, MEMORY, mode], {encoding: 'utf8'}).trim())

test('the young generation grows past 8 MB by itself, and stops at 8 MB when capped there', () => {
  expect(youngMb('none')).toBeGreaterThan(8)
  expect(youngMb('cap')).toBeLessThanOrEqual(8)
})
