#!/usr/bin/env node
// `npm run fuzz`: every property under test/fuzz/ with a large count (default 1,000,000 inputs per
// property; a few whose inputs cost milliseconds run a stated share, see `scale` in fuzz.ts), one
// worker so a 2-core machine stays usable, no timeout. `npm test` runs the same properties with a
// modest count (fuzz.ts DEFAULT_RUNS).
//
//   npm run fuzz                                   everything, 1,000,000 inputs per property
//   npm run fuzz -- --runs 50000                   fewer (FUZZ_RUNS=50000 does the same)
//   npm run fuzz -- --runs 200000 xfcc policy      only test/fuzz/xfcc*, test/fuzz/policy*
//   npm run fuzz -- -t 'round trip'                only properties whose names match
//   npm run fuzz -- --workers 2                    two files at a time (twice the CPU)
//
// A failure prints fast-check's report (counterexample, seed, path) and the command that replays it.
// It is plain vitest underneath, so its exit code is vitest's: non-zero when a property fails.
//
// Why vitest and not a script over dist/: the properties import the TypeScript sources directly, as the
// rest of the suite does, so `npm test` and `npm run fuzz` run the very same code with no build step,
// and the fuzz reporter only has to add counts to vitest's own failure output.

import {spawn} from 'node:child_process'
import {createRequire} from 'node:module'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const VITEST = join(dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs')

function usage(message) {
  process.stderr.write(`${message}\nusage: npm run fuzz -- [--runs N] [--workers N] [-t NAME_PATTERN] [FILE_FILTER...]\n`)
  process.exit(2)
}

function parseArgs(argv) {
  const options = {runs: process.env.FUZZ_RUNS ?? '1000000', workers: '1', pattern: undefined, files: []}
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    const value = () => argv[++i] ?? usage(`${arg} needs a value`)
    if (arg === '--runs') options.runs = value()
    else if (arg === '--workers') options.workers = value()
    else if (arg === '-t' || arg === '--testNamePattern') options.pattern = value()
    else if (arg === '-h' || arg === '--help') usage('')
    else if (arg.startsWith('-')) usage(`unknown option ${arg}`)
    else options.files.push(arg.includes('/') ? arg : `test/fuzz/${arg}`)
  }
  for (const key of ['runs', 'workers']) {
    const n = Number(String(options[key]).replace(/_/g, ''))
    if (!Number.isSafeInteger(n) || n < 1) usage(`--${key} must be a positive integer, got ${options[key]}`)
    options[key] = String(n)
  }
  return options
}

const options = parseArgs(process.argv.slice(2))
const args = [
  VITEST,
  'run',
  ...(options.files.length > 0 ? options.files : ['test/fuzz/']),
  '--testTimeout=0',
  `--maxWorkers=${options.workers}`,
  '--reporter=default',
  '--reporter=./test/fuzz/reporter.ts',
  ...(options.pattern === undefined ? [] : ['-t', options.pattern]),
]
// vitest leaves its worker running when it is signalled itself: run it as its own process group and
// signal the whole group, so stopping `npm run fuzz` (Ctrl-C, kill) stops every process it started.
const child = spawn(process.execPath, args, {cwd: ROOT, stdio: 'inherit', detached: true, env: {...process.env, FUZZ_RUNS: options.runs}})
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    try {
      process.kill(-child.pid, signal)
    } catch {
      /* the group has already gone */
    }
  })
}
child.on('exit', (code, signal) => {
  process.exitCode = code ?? (signal ? 1 : 0)
})
