// How every property under test/fuzz/ is run. One definition serves both runs: `npm test` tries each
// property FUZZ_RUNS times (default DEFAULT_RUNS, so the suite stays fast) and `npm run fuzz` sets it to
// a million or more (test/fuzz/run.mjs). A property records how many inputs it ran in the test's meta,
// where the fuzz reporter (test/fuzz/reporter.ts) finds it.

import fc from 'fast-check'
import {test, type TestContext} from 'vitest'

declare module 'vitest' {
  interface TaskMeta {
    /** Set by runProperty: the inputs a property ran (skipped pre-conditions apart) and its seed. */
    fuzz?: {runs: number; skips: number; seed: number}
  }
}

/** Inputs per property when FUZZ_RUNS is not set: enough to catch a regression in `npm test`, cheap on 2 cores. */
export const DEFAULT_RUNS = 200

/**
 * Properties that also check that their inputs reached every outcome (some parsed, some skipped) do so
 * only from this many inputs on: each outcome is at least a tenth of the inputs, so missing one by
 * chance in a thousand is below 1e-40, while the suite's 200 could miss a rare one and flake.
 */
export const OUTCOMES_CHECKED_FROM = 1000

/** A property given a `scale` below 1 still runs at least this many inputs (all of them if fewer are asked). */
const MIN_SCALED_RUNS = 50

/**
 * Inputs per property: FUZZ_RUNS (underscores allowed: 1_000_000), or DEFAULT_RUNS. A property whose
 * every input costs milliseconds (certificates read by node:crypto) runs a `scale` of that.
 */
export function runs(scale = 1): number {
  const n = positiveInteger('FUZZ_RUNS') ?? DEFAULT_RUNS
  return scale >= 1 ? n : Math.max(Math.min(n, MIN_SCALED_RUNS), Math.ceil(n * scale))
}

function positiveInteger(name: string): number | undefined {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return undefined
  const n = Number(raw.replace(/_/g, ''))
  // A typo must not quietly run the default count: say so instead.
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got ${JSON.stringify(raw)}`)
  return n
}

/**
 * Replaying a failure: fast-check's report gives the seed and path of the counterexample. With
 * FUZZ_SEED and FUZZ_PATH set (and `-t` picking the test) the property starts from that input.
 */
function replayParameters(): {seed?: number; path?: string; endOnFailure?: boolean} {
  const seed = process.env.FUZZ_SEED
  const path = process.env.FUZZ_PATH
  if (seed === undefined || seed === '') return {}
  const parsed = Number(seed)
  if (!Number.isInteger(parsed)) throw new Error(`FUZZ_SEED must be an integer, got ${JSON.stringify(seed)}`)
  return path ? {seed: parsed, path, endOnFailure: true} : {seed: parsed}
}

export interface FuzzOptions<Ts> {
  /** Inputs tried before the random ones: known counterexamples, so a BUG test fails every time. */
  examples?: Ts[]
  /** Checked after the run: that the inputs reached the outcomes the property is about (not only skips). */
  after?: () => void
  /** Run this share of the count (see runs()); the reporter prints the count actually run. */
  scale?: number
}

/**
 * Runs a property `runs()` times and records the count. On a failure it throws fast-check's own report
 * (counterexample, seed, path, shrink count, the error) and the command that replays it.
 */
export function runProperty<Ts>(context: TestContext, property: fc.IProperty<Ts>, options: FuzzOptions<Ts> = {}): void {
  const details = fc.check(property, {numRuns: runs(options.scale), ...replayParameters(), ...(options.examples ? {examples: options.examples} : {})})
  context.task.meta.fuzz = {runs: details.numRuns, skips: details.numSkips, seed: details.seed}
  if (details.failed) {
    const report = fc.defaultReportMessage(details) ?? `property failed (seed ${details.seed})`
    const file = context.task.file.name
    const replay = `FUZZ_SEED=${details.seed} FUZZ_PATH=${details.counterexamplePath ?? ''} npx vitest run ${file} -t ${JSON.stringify(context.task.name)}`
    throw new Error(`${report}\n\nReplay: ${replay}`, {cause: details.errorInstance})
  }
  options.after?.()
}

/** A test that runs one property. */
export function fuzz<Ts>(name: string, property: fc.IProperty<Ts>, options?: FuzzOptions<Ts>): void {
  test(name, (context) => runProperty(context, property, options))
}

/**
 * A property that finds a known bug in src/: the test passes while the bug is there. Give the
 * counterexample in `examples` so it fails on every run, not only when the random inputs find it;
 * when the bug is fixed the test fails, and `fuzz.fails` becomes `fuzz`.
 */
fuzz.fails = function fails<Ts>(name: string, property: fc.IProperty<Ts>, options: FuzzOptions<Ts> & {examples: Ts[]}): void {
  test.fails(name, (context) => runProperty(context, property, options))
}
