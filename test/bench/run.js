#!/usr/bin/env node
// The benchmark: how fast egress-audit reads access logs, next to the floor of any Node line reader
// and next to GoAccess, the log analyzer a user would otherwise run. A measurement, not a test: it
// asserts nothing about time.
//
//   npm run bench                         (builds first, then runs this file)
//   node test/bench/run.js [--lines N] [--seed S] [--format F[,F...]] [--envelopes none|mixed] [--runs R]
//                          [--rows floor,parse,...] [--keep] [--rss auto|gnu-time|proc|none] [--markdown] [--out FILE]
//   node test/bench/run.js --from bench-out/results.json --markdown     (render a past run, measure nothing)
//   npm run bench -- --lines 10000000 --rows floor,analyze --runs 1     (memory at 10M lines, ~3 GB of disk)
//
// It generates a realistic log once into bench-out/ (gitignored; the file name carries lines, seed,
// format and envelopes, so a kept file is reused), streaming it to disk, so 10M lines need disk, not
// memory; free space is checked first. Every row then reads that same file, each as its own child
// process, R times; the best wall time is kept. Peak RSS and CPU time come from GNU time
// (`/usr/bin/time -f '%M %U %S'`) when present, otherwise peak RSS from polling /proc/PID/status VmHWM
// every 20 ms; the largest RSS over the runs is reported. CPU time is there because the machine is
// shared: other work stretches wall times far more than CPU times. Each row gets lines/s, MB/s, its time
// ÷ the floor's and, when GoAccess ran, how many times faster than GoAccess it is. Results go to the
// terminal (or, with --markdown, as the README's table) and to bench-out/results.json, with the machine,
// its load, the build and the command line, so the README's performance section can be regenerated.
// Without --keep the generated log is deleted afterwards.
//
// The input is bare Envoy lines by default: GoAccess cannot read the kubectl-prefixed ones, and the
// comparison must be on lines both can read (see goaccess.mjs). `--envelopes mixed` measures
// egress-audit on the generator's kubectl mix instead; GoAccess then fails about a third of the lines.
//
// To add a row, add one entry to ROWS.

import {spawn, spawnSync} from 'node:child_process'
import {closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statfsSync, statSync, writeFileSync} from 'node:fs'
import {cpus, loadavg, platform, release, totalmem} from 'node:os'
import {dirname, join, relative} from 'node:path'
import {fileURLToPath} from 'node:url'
import {generateLog} from './generate.mjs'
import {GOACCESS_INPUT_FORMAT, NOT_INSTALLED, goaccessArgv, goaccessVersion, readGoaccessCounts} from './goaccess.mjs'
import {addRatios, renderMarkdown, renderTerminal, round} from './report.mjs'

const HERE = dirname(fileURLToPath(import.meta.url))
const ROOT = join(HERE, '..', '..')
const OUT = join(ROOT, 'bench-out')
const RESULTS = join(OUT, 'results.json')
const GENERATOR = join(HERE, 'generate.mjs')
const FLOOR = join(HERE, 'readline-floor.mjs')
const BIN = join(ROOT, 'bin', 'run.js')
const GNU_TIME = '/usr/bin/time'
// Another GoAccess build to compare with (a newer release, say); Debian's from PATH otherwise.
const GOACCESS = process.env.GOACCESS || 'goaccess'

// The generator's kubectl mix (its defaults) and none: what --envelopes chooses.
const ENVELOPE_SHARES = {mixed: {prefix: 0.3, timestamps: 0.1}, none: {prefix: 0, timestamps: 0}}

// The memory budget for `analyze`: under 150 MB at 1M lines, and not growing past it at 10M.
const ANALYZE_RSS_BUDGET_MB = 150

/**
 * @typedef {{lines: number, format: string, bytes: number}} Ctx
 * @typedef {{stdout: string, stderr: string, scratch: string}} RunOutput
 * @typedef {{
 *   id: string,
 *   label: string,
 *   argv: (file: string, scratch: string) => string[],
 *   ready: (ctx: Ctx) => true | string,
 *   stdout: 'discard' | 'capture',
 *   inspect?: (out: RunOutput, ctx: Ctx) => {problem?: string, parsedLines?: number, extra?: object},
 * }} Row
 * ready(): true, or why the row cannot run ("not built"). `scratch` is a file a run may write (it ends in
 * .json; deleted after the run). inspect(): why the run is not valid, and how many lines it parsed.
 */

const built = (path) => () => (existsSync(join(ROOT, 'dist', ...path.split('/'))) ? true : 'not built (npm run build)')

/** egress-audit's summary on stderr: "1,000,000 lines read from 1 input: 999,998 parsed (...), 2 skipped". */
function inspectAccounting({stderr}, {lines}) {
  const num = (re) => {
    const m = re.exec(stderr)
    return m ? Number(m[1].replaceAll(',', '')) : null
  }
  const read = num(/([\d,]+) lines? read/)
  if (read === null) return {problem: 'no input accounting on stderr'}
  if (read !== lines) return {problem: `read ${read} lines, expected ${lines}`}
  return {parsedLines: num(/([\d,]+) parsed/) ?? undefined}
}

let goaccess = /** @type {{version: string | null} | undefined} */ (undefined)
const goaccessInstalled = () => (goaccess ??= {version: goaccessVersion(GOACCESS)}).version !== null

/** @type {Row[]} */
const ROWS = [
  {
    id: 'floor',
    label: 'node:readline floor (count lines)',
    argv: (file) => [process.execPath, FLOOR, file],
    ready: () => true,
    stdout: 'capture',
    inspect: ({stdout}, {lines}) => {
      const n = Number(stdout.trim())
      return n === lines ? {parsedLines: n} : {problem: `counted ${stdout.trim()} lines, expected ${lines}`}
    },
  },
  {
    id: 'parse',
    label: 'egress-audit parse FILE > /dev/null',
    argv: (file) => [process.execPath, BIN, 'parse', file],
    ready: built('commands/parse.js'),
    stdout: 'discard',
    inspect: inspectAccounting,
  },
  {
    id: 'parse-jobs',
    label: 'egress-audit parse --jobs 2 FILE > /dev/null',
    argv: (file) => [process.execPath, BIN, 'parse', '--jobs', '2', file],
    ready: built('shell/parallel/parse-worker.js'),
    stdout: 'discard',
    inspect: inspectAccounting,
  },
  {
    id: 'analyze',
    label: 'egress-audit analyze FILE > /dev/null',
    // Exit 1 means findings, which a generated log has: --fail-on none keeps a valid run at 0. Its
    // accounting is on stdout, which goes to /dev/null like the rest of its summary, so no parse count.
    argv: (file) => [process.execPath, BIN, 'analyze', '--fail-on', 'none', file],
    ready: built('commands/analyze.js'),
    stdout: 'discard',
  },
  {
    id: 'goaccess',
    label: 'goaccess FILE -o report.json',
    argv: (file, scratch) => goaccessArgv(file, scratch, GOACCESS),
    ready: ({format}) =>
      !goaccessInstalled() ? NOT_INSTALLED : format !== GOACCESS_INPUT_FORMAT ? `skipped: its log-format matches --format ${GOACCESS_INPUT_FORMAT} only` : true,
    stdout: 'discard',
    inspect: ({scratch}, {lines}) => {
      const counts = readGoaccessCounts(scratch)
      if (!counts) return {problem: 'no JSON report from goaccess'}
      if (counts.total !== lines) return {problem: `goaccess read ${counts.total} lines, expected ${lines}`}
      // GoAccess exits 0 even when every line fails; a report of nothing is no measurement.
      if (counts.valid === 0) return {problem: 'goaccess parsed no line: its --log-format does not match'}
      return {parsedLines: counts.valid, extra: {goaccessCounts: counts}}
    },
  },
]

const USAGE = `usage: node test/bench/run.js [options]
  --lines N        lines to generate (default 1000000; 10000000 needs ~3 GB free in bench-out/)
  --seed S         generator seed (default 1)
  --format F[,F]   generator formats (default istio; the goaccess row needs istio alone)
  --envelopes E    none: bare Envoy lines (default; every row, GoAccess too, can read them);
                   mixed: the generator's kubectl mix (30% --prefix, 10% --timestamps)
  --runs R         runs per row; the best wall time is kept (default 3)
  --rows IDS       which rows to measure, of ${ROWS.map((r) => r.id).join(',')} (default all)
  --keep           keep the generated log in bench-out/ for the next run (default: delete it afterwards)
  --rss M          how to measure peak RSS: auto (GNU time if it works, else /proc), gnu-time, proc, none
  --markdown       print the README's performance table instead of the terminal table
  --out FILE       where to write the results (default bench-out/results.json)
  --from FILE      measure nothing: print the table of a results.json written before
environment: GOACCESS=PATH runs that goaccess binary instead of the one on PATH
`

function parseArgs(argv) {
  const o = {lines: 1_000_000, seed: 1, format: 'istio', envelopes: 'none', runs: 3, rows: ROWS.map((r) => r.id), keep: false, rss: 'auto', markdown: false, from: null, out: RESULTS}
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    const val = () => {
      const v = argv[++i]
      if (v === undefined) throw new Error(`${a} needs a value`)
      return v
    }
    if (a === '--lines') o.lines = Number(val())
    else if (a === '--seed') o.seed = Number(val())
    else if (a === '--format') o.format = val()
    else if (a === '--envelopes') o.envelopes = val()
    else if (a === '--runs') o.runs = Number(val())
    else if (a === '--rows') o.rows = val().split(',').filter(Boolean)
    else if (a === '--keep') o.keep = true
    else if (a === '--rss') o.rss = val()
    else if (a === '--markdown') o.markdown = true
    else if (a === '--from') o.from = val()
    else if (a === '--out') o.out = val()
    else if (a === '--help' || a === '-h') {
      process.stdout.write(USAGE)
      process.exit(0)
    } else throw new Error(`unknown argument ${a}`)
  }
  if (!Number.isInteger(o.lines) || o.lines < 1) throw new Error('--lines must be a positive integer')
  if (!Number.isInteger(o.seed)) throw new Error('--seed must be an integer')
  if (!Number.isInteger(o.runs) || o.runs < 1) throw new Error('--runs must be a positive integer')
  if (!(o.envelopes in ENVELOPE_SHARES)) throw new Error('--envelopes must be none or mixed')
  for (const id of o.rows) if (!ROWS.some((r) => r.id === id)) throw new Error(`unknown row ${id}`)
  if (!['auto', 'gnu-time', 'proc', 'none'].includes(o.rss)) throw new Error('--rss must be auto, gnu-time, proc or none')
  return o
}

/** An argument as a POSIX shell needs it: bare when it is safe, otherwise in single quotes. */
const shellQuote = (a) => (/^[\w.,:/=@+-]+$/.test(a) ? a : `'${a.replaceAll("'", "'\\''")}'`)

/** The command as a user would type it again, for the results and the README. */
function commandLine(args) {
  const rest = args.map(shellQuote).join(' ')
  // `npm run bench` sets npm_lifecycle_event; run directly, the script is the command.
  const base = process.env.npm_lifecycle_event === 'bench' ? `npm run bench${rest ? ' --' : ''}` : 'node test/bench/run.js'
  return rest ? `${base} ${rest}` : base
}

// ---------------------------------------------------------------------------------------------
// Child processes

/** Children still running, to end with the bench when it is interrupted. */
const children = new Set()

/** Starts a command. `done` resolves once it has exited and its stderr is drained; `exitAt` is hrtime at exit. */
function start(argv, {stdout = 'ignore'} = {}) {
  const child = spawn(argv[0], argv.slice(1), {stdio: ['ignore', stdout, 'pipe']})
  children.add(child)
  let err = ''
  let exitAt = null
  child.stderr.on('data', (d) => {
    err = (err + d).slice(-8192)
  })
  child.on('exit', () => {
    exitAt = process.hrtime.bigint()
    children.delete(child)
  })
  const done = new Promise((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (code, signal) => resolve({code, signal, stderr: err, exitAt: exitAt ?? process.hrtime.bigint()}))
  })
  return {child, done}
}

const run = (argv, opts) => start(argv, opts).done

/** Files to remove if the bench is interrupted: a half-written 3 GB log must not stay behind. */
const pending = new Set()
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    for (const child of children) child.kill(signal)
    for (const f of pending) rmSync(f, {force: true})
    process.exit(130)
  })
}

/** Can GNU time report max RSS here? (busybox time cannot take -f/-o.) */
async function gnuTimeWorks() {
  if (!existsSync(GNU_TIME)) return false
  const probe = join(OUT, `.time-probe-${process.pid}`)
  try {
    const r = await run([GNU_TIME, '-f', '%M', '-o', probe, process.execPath, '-e', '0'])
    return r.code === 0 && /^\d+\s*$/.test(readFileSync(probe, 'utf8'))
  } catch {
    return false
  } finally {
    rmSync(probe, {force: true})
  }
}

/** VmHWM of a live process in KB, or null. */
function vmHwm(pid) {
  try {
    const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Number(m[1]) : null
  } catch {
    return null
  }
}

/**
 * Runs argv once with stdout on `outFd`: wall ms (spawn to exit), peak RSS KB and CPU seconds (user +
 * system; GNU time only), each null when not measured, the exit code and the tail of stderr.
 */
async function timed(argv, outFd, rssMethod, tag) {
  const timeFile = join(OUT, `.time-${tag}-${process.pid}`)
  const cmd = rssMethod === 'gnu-time' ? [GNU_TIME, '-f', '%M %U %S', '-o', timeFile, ...argv] : argv
  pending.add(timeFile)
  let peak = null
  let cpuSec = null
  const started = process.hrtime.bigint()
  const {child, done} = start(cmd, {stdout: outFd})
  // /proc fallback: VmHWM is a high-water mark, so the last reading before exit is a lower bound
  // that misses at most the final 20 ms.
  const poll = rssMethod === 'proc' && child.pid !== undefined
    ? setInterval(() => {
        const v = vmHwm(child.pid)
        if (v !== null) peak = Math.max(peak ?? 0, v)
      }, 20)
    : null
  const res = await done
  if (poll) clearInterval(poll)
  if (rssMethod === 'gnu-time') {
    try {
      // The last line; a command killed by a signal gets a "Command terminated..." line before it.
      const [kb, user, sys] = readFileSync(timeFile, 'utf8').trim().split('\n').pop().split(' ').map(Number)
      if (Number.isFinite(kb)) peak = kb
      if (Number.isFinite(user) && Number.isFinite(sys)) cpuSec = user + sys
    } catch {
      /* no report: leave null */
    }
    rmSync(timeFile, {force: true})
  }
  pending.delete(timeFile)
  return {wallMs: Number(res.exitAt - started) / 1e6, peakRssKb: peak, cpuSec, code: res.code, signal: res.signal, stderr: res.stderr}
}

// ---------------------------------------------------------------------------------------------
// The input

const logName = (o) => `gen-${o.lines}-seed${o.seed}-${o.format.replaceAll(',', '+')}${o.envelopes === 'none' ? '-bare' : ''}.log`

/** Bytes the generated file will take, from the average of its first lines (exact formats and envelopes). */
function estimateBytes(o) {
  const sample = Math.min(o.lines, 5000)
  const shares = ENVELOPE_SHARES[o.envelopes]
  let bytes = 0
  for (const {text} of generateLog({lines: sample, seed: o.seed, formats: o.format.split(','), prefixShare: shares.prefix, timestampShare: shares.timestamps, withExpected: false})) {
    bytes += Buffer.byteLength(text) + 1
  }
  return Math.ceil((bytes / sample) * o.lines)
}

/** Refuses to start a generation that would fill the disk; keeps 10% and 512 MB spare. */
function checkDiskSpace(o) {
  const need = estimateBytes(o)
  const fs = statfsSync(OUT)
  const free = fs.bavail * fs.bsize
  if (free < need * 1.1 + 512e6) {
    throw new Error(`not enough disk for ${o.lines} lines: about ${(need / 1e9).toFixed(2)} GB needed in ${relative(process.cwd(), OUT) || '.'}, ${(free / 1e9).toFixed(2)} GB free`)
  }
  return need
}

/** The generated log: reused when a kept one exists, otherwise streamed to disk by generate.mjs. */
async function ensureLog(o, rssMethod) {
  mkdirSync(OUT, {recursive: true})
  const file = join(OUT, logName(o))
  if (existsSync(file)) return {file, generation: null}
  const estimate = checkDiskSpace(o)
  process.stderr.write(`generating ${relative(ROOT, file)} (${o.lines.toLocaleString('en-US')} lines, about ${(estimate / 1e6).toFixed(0)} MB)...\n`)
  const tmp = `${file}.tmp-${process.pid}`
  pending.add(tmp)
  const shares = ENVELOPE_SHARES[o.envelopes]
  const fd = openSync(tmp, 'w')
  const argv = [process.execPath, GENERATOR, '--lines', String(o.lines), '--seed', String(o.seed), '--format', o.format,
    '--prefix-share', String(shares.prefix), '--timestamp-share', String(shares.timestamps)]
  const res = await timed(argv, fd, rssMethod, 'generate')
  closeSync(fd)
  if (res.code !== 0) {
    rmSync(tmp, {force: true})
    throw new Error(`generator failed (exit ${res.code ?? res.signal}): ${res.stderr}`)
  }
  renameSync(tmp, file)
  pending.delete(tmp)
  const generation = {seconds: round(res.wallMs / 1000, 1), peakRssMb: res.peakRssKb === null ? null : round(res.peakRssKb / 1024, 1)}
  process.stderr.write(`generated in ${generation.seconds} s (${(statSync(file).size / 1e6).toFixed(1)} MB; generator peak RSS ${generation.peakRssMb ?? 'n/a'} MB)\n`)
  return {file, generation}
}

// ---------------------------------------------------------------------------------------------
// Rows

/** One measured run of a row: wall ms, peak RSS KB, and what inspect() made of its output. */
async function measure(row, file, ctx, rssMethod) {
  const capture = row.stdout === 'capture' ? join(OUT, `.stdout-${row.id}-${process.pid}`) : null
  const scratch = join(OUT, `.scratch-${row.id}-${process.pid}.json`)
  pending.add(scratch)
  const outFd = openSync(capture ?? '/dev/null', 'w')
  const res = await timed(row.argv(file, scratch), outFd, rssMethod, row.id)
  closeSync(outFd)
  const stdout = capture ? readFileSync(capture, 'utf8') : ''
  if (capture) rmSync(capture, {force: true})
  const failed = res.code === 0 ? null : `exit ${res.code ?? res.signal}`
  const seen = failed || !row.inspect ? {} : row.inspect({stdout, stderr: res.stderr, scratch}, ctx)
  rmSync(scratch, {force: true})
  pending.delete(scratch)
  return {wallMs: res.wallMs, peakRssKb: res.peakRssKb, cpuSec: res.cpuSec, problem: failed ?? seen.problem ?? null, parsedLines: seen.parsedLines, extra: seen.extra, stderr: res.stderr}
}

/** R runs of a row, stopping at the first invalid one; the summary keeps the best wall time. */
async function measureRow(row, file, ctx, o, rssMethod) {
  const ready = row.ready(ctx)
  if (ready !== true) return {id: row.id, label: row.label, status: ready}
  process.stderr.write(`${row.id}: `)
  const runs = []
  for (let i = 0; i < o.runs; i++) {
    const m = await measure(row, file, ctx, rssMethod)
    process.stderr.write(m.problem ? 'failed ' : `${(m.wallMs / 1000).toFixed(2)} s `)
    if (m.problem) {
      process.stderr.write('\n')
      return {id: row.id, label: row.label, status: `failed (${m.problem})`, stderrTail: m.stderr.slice(-2000)}
    }
    runs.push(m)
  }
  process.stderr.write('\n')
  return summarize(row, runs, ctx.lines, ctx.bytes)
}

function summarize(row, runs, lines, bytes) {
  const best = runs.reduce((a, b) => (b.wallMs < a.wallMs ? b : a))
  const peaks = runs.map((m) => m.peakRssKb).filter((v) => v !== null)
  const cpuTimes = runs.map((m) => m.cpuSec).filter((v) => v !== null)
  const last = runs[runs.length - 1]
  return {
    id: row.id,
    label: row.label,
    status: 'ok',
    wallMs: round(best.wallMs, 1),
    allWallMs: runs.map((m) => round(m.wallMs, 1)),
    linesPerSec: Math.round(lines / (best.wallMs / 1000)),
    mbPerSec: round(bytes / 1e6 / (best.wallMs / 1000), 1),
    peakRssMb: peaks.length ? round(Math.max(...peaks) / 1024, 1) : null,
    // On a shared machine CPU time moves less than wall time: the least over the runs is the cost.
    cpuSec: cpuTimes.length ? round(Math.min(...cpuTimes), 2) : null,
    parsedLines: last.parsedLines,
    ...last.extra,
    stderrTail: last.stderr ? last.stderr.slice(-600) : undefined,
  }
}

/** Says whether analyze kept to the memory budget; null when analyze's RSS was not measured. */
function rssBudgetNote(rows) {
  const a = rows.find((r) => r.id === 'analyze' && r.status === 'ok' && r.peakRssMb !== null)
  if (!a) return null
  a.rssBudgetMb = ANALYZE_RSS_BUDGET_MB
  a.withinRssBudget = a.peakRssMb < ANALYZE_RSS_BUDGET_MB
  return `analyze peak RSS ${a.peakRssMb.toFixed(1)} MB: ${a.withinRssBudget ? 'within' : 'over'} the ${ANALYZE_RSS_BUDGET_MB} MB budget.`
}

const RSS_METHODS = {
  'gnu-time': 'GNU time %M (max RSS of the command), largest over the runs; CPU s: GNU time %U + %S, least over the runs',
  proc: 'VmHWM from /proc/PID/status polled every 20 ms, largest over the runs',
  none: 'not measured',
}

async function chooseRssMethod(asked) {
  if (asked !== 'auto') return asked
  if (await gnuTimeWorks()) return 'gnu-time'
  return existsSync('/proc/self/status') ? 'proc' : 'none'
}

async function measureAll(o, args) {
  mkdirSync(OUT, {recursive: true})
  const rssMethod = await chooseRssMethod(o.rss)
  const {file, generation} = await ensureLog(o, rssMethod)
  const bytes = statSync(file).size
  const ctx = {lines: o.lines, format: o.format, bytes}
  const rows = []
  const loadStart = loadavg()[0]
  const build = buildFacts()
  if (!o.keep) pending.add(file)
  try {
    for (const row of ROWS.filter((r) => o.rows.includes(r.id))) rows.push(await measureRow(row, file, ctx, o, rssMethod))
  } finally {
    if (!o.keep) rmSync(file, {force: true})
    pending.delete(file)
  }
  addRatios(rows)
  const budget = rssBudgetNote(rows)
  // Another engineer's `npm run build` during the rows changes what the later rows run.
  const rebuilt = buildFacts().distBuiltAt !== build.distBuiltAt
  const notes = [budget, rebuilt ? 'dist/ was rebuilt during the run: later rows measured another build.' : null].filter(Boolean)
  const withGoaccess = o.rows.includes('goaccess')
  return {
    date: new Date().toISOString(),
    command: commandLine(args),
    argv: args,
    node: process.version,
    platform: `${platform()} ${release()}`,
    cpu: cpus()[0]?.model ?? 'unknown',
    cpus: cpus().length,
    memoryGb: round(totalmem() / 2 ** 30, 1),
    // Other work on the machine slows wall times: the 1-minute load average before and after the rows.
    loadAverage: {start: round(loadStart, 2), end: round(loadavg()[0], 2)},
    build: {...build, distRebuiltDuringRun: rebuilt},
    input: {file: relative(ROOT, file), lines: o.lines, seed: o.seed, formats: o.format.split(','), envelopes: o.envelopes, bytes, generation, kept: o.keep},
    method: {
      runs: o.runs,
      wall: `best of ${o.runs} runs, child process spawn to exit`,
      rss: RSS_METHODS[rssMethod],
      ratios: 'ratioToFloor = wall ÷ floor wall; speedVsGoaccess = GoAccess wall ÷ wall (above 1: faster than GoAccess)',
      units: 'MB = 10^6 bytes; RSS in MB = KB / 1024',
    },
    goaccess: withGoaccess ? goaccessFacts(rows) : undefined,
    notes,
    rows,
  }
}

/**
 * Which egress-audit was measured: the commit, whether src/ had uncommitted changes, and when dist/
 * was built, since parse and analyze figures move with the code.
 */
function buildFacts() {
  const git = (...args) => {
    const r = spawnSync('git', args, {cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore']})
    return r.status === 0 ? r.stdout.trim() : null
  }
  const dist = join(ROOT, 'dist', 'commands', 'analyze.js')
  const status = git('status', '--porcelain', '--', 'src')
  return {
    commit: git('rev-parse', '--short', 'HEAD'),
    srcChanged: status === null ? null : status !== '',
    distBuiltAt: existsSync(dist) ? statSync(dist).mtime.toISOString() : null,
  }
}

/** What the README must say of GoAccess: its version and the exact command, or why it did not run. */
function goaccessFacts(rows) {
  const row = rows.find((r) => r.id === 'goaccess')
  if (!goaccessInstalled()) return {status: NOT_INSTALLED}
  const command = goaccessArgv('FILE', 'report.json', GOACCESS).map(shellQuote).join(' ')
  return {status: row?.status ?? 'not run', version: goaccess?.version, command}
}

async function main() {
  const args = process.argv.slice(2)
  let o
  try {
    o = parseArgs(args)
  } catch (err) {
    process.stderr.write(`${err.message}\n${USAGE}`)
    process.exit(2)
  }
  let report
  if (o.from) report = JSON.parse(readFileSync(o.from, 'utf8'))
  else {
    report = await measureAll(o, args)
    writeFileSync(o.out, JSON.stringify(report, null, 2) + '\n')
  }
  process.stdout.write(o.markdown ? renderMarkdown(report) : renderTerminal(report))
  if (!o.from) process.stdout.write(`results: ${relative(process.cwd(), o.out)}\n`)
  for (const r of report.rows) if (r.status.startsWith('failed') && r.stderrTail) process.stderr.write(`\n${r.id} stderr:\n${r.stderrTail}\n`)
}

main().catch((err) => {
  process.stderr.write(`${err.stack ?? err}\n`)
  process.exit(1)
})
