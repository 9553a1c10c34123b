// V8's young generation starts with 1 MB semi-spaces and doubles them, up to 16 MB each, as allocation
// goes on and much of it survives a scavenge. What is live at each scavenge is promoted at the next if
// still live, and what is promoted stays in the old generation until a full collection, which V8 puts
// off while the heap is growing: the bigger and busier the young generation, the more dead weight the old.
//
// - analyze allocates fast and keeps little (under 7 MB of live analysis state at the end of 1,000,000
//   lines), but each hop waits out the join window, so survival is high: the young generation grows to
//   its maximum and what it promotes lets the old generation run to 80 MB before a full collection. Peak
//   RSS at 1M lines: 157–161 MB. Holding the semi-spaces at their first size keeps it at 115–117 MB, for
//   10–15% more time (the bench's 1M-line file, alternating runs).
// - parse's JavaScript path joins each NDJSON row out of small strings (core/accesslog/ndjson.ts), about
//   3 KB of garbage a line; it writes every line of a log the WebAssembly scanner cannot read (non-ASCII,
//   stern envelopes, custom time formats). At full size the young generation is 32 MB and the old one
//   gathers 40–55 MB of promoted garbage: 135–157 MB peak RSS at 1M such lines. Holding the semi-spaces
//   at their first size costs 35% more time (a scavenge every few chunks, each promoting the rows being
//   joined); stopping their growth at 8 MB each keeps it at 103–115 MB, for 1.2% more instructions
//   (callgrind, 200,000 lines).
//
// --max-semi-space-size would say it, but it is read only when the heap is made, before any of our code
// runs; the growth factor is read at each growth, so setting it to 1 stops growth from then on.
import {getHeapSpaceStatistics, setFlagsFromString} from 'node:v8'

const stopGrowth = () => setFlagsFromString('--semi-space-growth-factor=1')

/** Keeps V8's young generation at its starting size for the rest of the process. */
export function keepYoungGenerationSmall(): void {
  stopGrowth()
}

/**
 * Lets V8's young generation grow until it holds `mb` MB (both semi-spaces), then stops its growth for
 * the rest of the process. Watched by a timer that does not keep the process alive: a growth step takes
 * many scavenges, and the timer runs each time reading waits for input.
 */
export function capYoungGeneration(mb: number): void {
  const cap = mb * 1024 * 1024
  const timer = setInterval(() => {
    const young = getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')
    if (young === undefined || young.space_size >= cap) {
      stopGrowth()
      clearInterval(timer)
    }
  }, 5)
  timer.unref()
}
