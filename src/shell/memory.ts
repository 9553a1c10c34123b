// V8's young generation starts with 1 MB semi-spaces and doubles them, up to 16 MB each, while much of
// what it allocates survives a scavenge. analyze allocates fast and keeps little (under 7 MB of live
// analysis state at the end of 1,000,000 lines), but each hop waits out the join window, so survival is
// high and the young generation grows to its maximum; what it promotes then lets the old generation run
// to 80 MB before a full collection. Peak RSS at 1M lines: 157–161 MB. Holding the semi-spaces at their
// first size keeps it at 115–117 MB, for 10–15% more time (measured on the bench's 1M-line file,
// alternating runs). --max-semi-space-size would be the flag for it, but it is read only when the heap is
// made, before any of our code runs; the growth factor is read at each growth.
import {setFlagsFromString} from 'node:v8'

/** Keeps V8's young generation at its starting size for the rest of the process. */
export function keepYoungGenerationSmall(): void {
  setFlagsFromString('--semi-space-growth-factor=1')
}
