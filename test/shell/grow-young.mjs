// Allocates objects that survive a few scavenges, which makes V8 grow its young generation, yielding
// to the event loop between rounds as reading input does; prints the young generation's size in MB.
// Usage: node grow-young.mjs DIST/shell/memory.js cap|none
import {getHeapSpaceStatistics} from 'node:v8'

const {capYoungGeneration} = await import(process.argv[2])
if (process.argv[3] === 'cap') capYoungGeneration(8)
const ring = new Array(100_000)
let k = 0
for (let round = 0; round < 300; round++) {
  for (let i = 0; i < 20_000; i++) ring[k++ % ring.length] = {i, s: `x${i}`}
  await new Promise((resolve) => setImmediate(resolve))
}
const young = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')
console.log(young.space_size / 1048576)
