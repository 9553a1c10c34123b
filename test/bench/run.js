#!/usr/bin/env node
// The benchmark: how fast egress-audit reads access logs, next to the floor of any Node line reader.
// A measurement, not a test: it asserts nothing about time.
//
//   npm run bench                         (builds first, then runs this file)
//   node test/bench/run.js [--lines N] [--seed S] [--format F[,F...]] [--runs R] [--rows floor,parse] [--keep] [--rss auto|gnu-time|proc|none]
//
// It generates a realistic log once into bench-out/ (gitignored; the file name carries lines, seed and
// format, so a kept file is reused), then runs every row as its own child process, R times, and keeps
// the best wall time. Peak RSS comes from GNU time (`/usr/bin/time -f %M`) when present, otherwise from
// polling /proc/PID/status VmHWM every 20 ms; the largest value over the runs is reported. Results go to
// the terminal and to bench-out/results.json. Without --keep the generated log is deleted afterwards.
//
// To add a row (analyze, GoAccess, ...), add one entry to ROWS.

import {spawn} from 'node:child_process'
import {closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {cpus, platform, release, totalmem} from 'node:os'
import {dirname, join, relative} from 'node:path'
import {fileURLToPath} from 'node:url'

const HERE = dirname(fileURLToPath(import.meta.url))
const ROOT = join(HERE, '..', '..')
const OUT = join(ROOT, 'bench-out')
const GENERATOR = join(HERE, 'generate.mjs')
const FLOOR = join(HERE, 'readline-floor.mjs')
const BIN = join(ROOT, 'bin', 'run.js')
const GNU_TIME = '/usr/bin/time'

/**
 * @typedef {{
 *   id: string,
 *   label: string,
 *   argv: (file: string) => string[],
 *   ready: () => true | string,
 *   stdout: 'discard' | 'capture',
 *   check?: (stdout: string, ctx: {lines: number}) => string | null,
 * }} Row
 * ready(): true, or why the row cannot run ("not built"). check(): null, or why the run is not valid.
 */

/** @type {Row[]} */
const ROWS = [
  {
    id: 'floor',
    label: 'node:readline floor (count lines)',
    argv: (file) => [process.execPath, FLOOR, file],
    ready: () => true,
    stdout: 'capture',
    check: (stdout, {lines}) => (Number(stdout.trim()) === lines ? null : `counted ${stdout.trim()} lines, expected ${lines}`),
  },
  {
    id: 'parse',
    label: 'egress-audit parse FILE > /dev/null',
    argv: (file) => [process.execPath, BIN, 'parse', file],
    ready: () => (existsSync(join(ROOT, 'dist', 'commands', 'parse.js')) ? true : 'not built'),
    stdout: 'discard',
  },
  {
    id: 'parse-jobs',
    label: 'egress-audit parse --jobs 2 FILE > /dev/null',
    argv: (file) => [process.execPath, BIN, 'parse', '--jobs', '2', file],
    ready: () => (existsSync(join(ROOT, 'dist', 'shell', 'parallel', 'parse-worker.js')) ? true : 'not built'),
    stdout: 'discard',
  },
  {
    id: 'analyze',
    label: 'egress-audit analyze FILE (summary)',
    // Exit 1 means findings, which a generated log has: still a valid run.
    argv: (file) => [process.execPath, BIN, 'analyze', '--fail-on', 'none', file],
    ready: () => (existsSync(join(ROOT, 'dist', 'commands', 'analyze.js')) ? true : 'not built'),
    stdout: 'discard',
  },
  // {id: 'goaccess', label: 'goaccess (custom log-format)', argv: (file) => ['goaccess', file, '--log-format=...', '-o', '/dev/null'], ready: ..., stdout: 'discard'},
]

const USAGE = `usage: node test/bench/run.js [--lines N] [--seed S] [--format F[,F...]] [--runs R] [--rows ${ROWS.map((r) => r.id).join(',')}] [--keep] [--rss auto|gnu-time|proc|none]
  --lines   lines to generate (default 1000000)
  --seed    generator seed (default 1)
  --format  generator formats (default istio)
  --runs    runs per row; the best wall time is kept (default 3)
  --rows    which rows to measure (default all)
  --keep    keep the generated log in bench-out/ for the next run (default: delete it afterwards)
  --rss     how to measure peak RSS: auto (GNU time if it works, else /proc), gnu-time, proc, none
`

function parseArgs(argv) {
  const o = {lines: 1_000_000, seed: 1, format: 'istio', runs: 3, rows: ROWS.map((r) => r.id), keep: false, rss: 'auto'}
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
    else if (a === '--runs') o.runs = Number(val())
    else if (a === '--rows') o.rows = val().split(',').filter(Boolean)
    else if (a === '--keep') o.keep = true
    else if (a === '--rss') o.rss = val()
    else if (a === '--help' || a === '-h') {
      process.stdout.write(USAGE)
      process.exit(0)
    } else throw new Error(`unknown argument ${a}`)
  }
  if (!Number.isInteger(o.lines) || o.lines < 1) throw new Error('--lines must be a positive integer')
  if (!Number.isInteger(o.seed)) throw new Error('--seed must be an integer')
  if (!Number.isInteger(o.runs) || o.runs < 1) throw new Error('--runs must be a positive integer')
  for (const id of o.rows) if (!ROWS.some((r) => r.id === id)) throw new Error(`unknown row ${id}`)
  if (!['auto', 'gnu-time', 'proc', 'none'].includes(o.rss)) throw new Error('--rss must be auto, gnu-time, proc or none')
  return o
}

/** Starts a command. `done` resolves once it has exited and its stderr is drained; `exitAt` is hrtime at exit. */
function start(argv, {stdout = 'ignore'} = {}) {
  const child = spawn(argv[0], argv.slice(1), {stdio: ['ignore', stdout, 'pipe']})
  let err = ''
  let exitAt = null
  child.stderr.on('data', (d) => {
    err = (err + d).slice(-8192)
  })
  child.on('exit', () => {
    exitAt = process.hrtime.bigint()
  })
  const done = new Promise((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (code, signal) => resolve({code, signal, stderr: err, exitAt: exitAt ?? process.hrtime.bigint()}))
  })
  return {child, done}
}

const run = (argv, opts) => start(argv, opts).done

async function ensureLog(o) {
  mkdirSync(OUT, {recursive: true})
  const file = join(OUT, `gen-${o.lines}-seed${o.seed}-${o.format.replaceAll(',', '+')}.log`)
  if (existsSync(file)) return {file, generated: false}
  const tmp = `${file}.tmp-${process.pid}`
  const fd = openSync(tmp, 'w')
  const started = process.hrtime.bigint()
  const res = await run([process.execPath, GENERATOR, '--lines', String(o.lines), '--seed', String(o.seed), '--format', o.format], {stdout: fd})
  closeSync(fd)
  if (res.code !== 0) {
    rmSync(tmp, {force: true})
    throw new Error(`generator failed (exit ${res.code}): ${res.stderr}`)
  }
  renameSync(tmp, file)
  const s = Number(process.hrtime.bigint() - started) / 1e9
  process.stderr.write(`generated ${relative(ROOT, file)} (${o.lines} lines, ${(statSync(file).size / 1e6).toFixed(1)} MB) in ${s.toFixed(1)} s\n`)
  return {file, generated: true}
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

/** One measured run of a row: wall ms, peak RSS KB, validity. */
async function measure(row, file, ctx, rssMethod) {
  const devnull = openSync('/dev/null', 'w')
  const capture = row.stdout === 'capture' ? join(OUT, `.stdout-${row.id}-${process.pid}`) : null
  const outFd = capture ? openSync(capture, 'w') : devnull
  const timeFile = join(OUT, `.time-${row.id}-${process.pid}`)
  let argv = row.argv(file)
  if (rssMethod === 'gnu-time') argv = [GNU_TIME, '-f', '%M', '-o', timeFile, ...argv]
  let peak = null
  const started = process.hrtime.bigint()
  const {child, done} = start(argv, {stdout: outFd})
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
  const wallMs = Number(res.exitAt - started) / 1e6
  closeSync(devnull)
  if (capture) closeSync(outFd)
  if (rssMethod === 'gnu-time') {
    try {
      const v = Number(readFileSync(timeFile, 'utf8').trim().split('\n').pop())
      if (Number.isFinite(v)) peak = v
    } catch {
      /* no report: leave null */
    }
    rmSync(timeFile, {force: true})
  }
  const stdout = capture ? readFileSync(capture, 'utf8') : ''
  if (capture) rmSync(capture, {force: true})
  let invalid = res.code === 0 ? null : `exit ${res.code ?? res.signal}`
  if (!invalid && row.check) invalid = row.check(stdout, ctx)
  return {wallMs, peakRssKb: peak, invalid, stderr: res.stderr}
}

async function main() {
  let o
  try {
    o = parseArgs(process.argv.slice(2))
  } catch (err) {
    process.stderr.write(`${err.message}\n${USAGE}`)
    process.exit(2)
  }
  const {file, generated} = await ensureLog(o)
  const bytes = statSync(file).size
  const rssMethod = o.rss !== 'auto' ? o.rss : (await gnuTimeWorks()) ? 'gnu-time' : existsSync('/proc/self/status') ? 'proc' : 'none'
  const ctx = {lines: o.lines}
  const results = []
  for (const row of ROWS.filter((r) => o.rows.includes(r.id))) {
    const ready = row.ready()
    if (ready !== true) {
      results.push({id: row.id, label: row.label, status: ready})
      continue
    }
    const walls = []
    let peak = null
    let failure = null
    for (let i = 0; i < o.runs && !failure; i++) {
      const m = await measure(row, file, ctx, rssMethod)
      if (m.invalid) failure = {why: m.invalid, stderr: m.stderr}
      else {
        walls.push(m.wallMs)
        if (m.peakRssKb !== null) peak = Math.max(peak ?? 0, m.peakRssKb)
      }
      if (i === o.runs - 1 || failure) results.push(summarize(row, walls, peak, failure, o.lines, bytes, m.stderr))
    }
  }
  const floor = results.find((r) => r.id === 'floor' && r.status === 'ok')
  for (const r of results) if (r.status === 'ok' && floor) r.ratioToFloor = round(r.wallMs / floor.wallMs, 2)
  const report = {
    date: new Date().toISOString(),
    node: process.version,
    platform: `${platform()} ${release()}`,
    cpu: cpus()[0]?.model ?? 'unknown',
    cpus: cpus().length,
    memoryGb: round(totalmem() / 2 ** 30, 1),
    input: {file: relative(ROOT, file), lines: o.lines, seed: o.seed, formats: o.format.split(','), bytes, generatedNow: generated},
    method: {
      wall: `best of ${o.runs} runs, child process spawn to exit`,
      rss: rssMethod === 'gnu-time' ? 'GNU time %M (max RSS of the command), largest over the runs' : rssMethod === 'proc' ? 'VmHWM from /proc/PID/status polled every 20 ms, largest over the runs' : 'not measured',
      units: 'MB = 10^6 bytes; RSS in MB = KB / 1024',
    },
    rows: results,
  }
  writeFileSync(join(OUT, 'results.json'), JSON.stringify(report, null, 2) + '\n')
  printTable(report)
  if (!o.keep) rmSync(file, {force: true})
}

function round(x, digits) {
  const f = 10 ** digits
  return Math.round(x * f) / f
}

function summarize(row, walls, peak, failure, lines, bytes, stderr) {
  if (failure) return {id: row.id, label: row.label, status: `failed (${failure.why})`, stderrTail: failure.stderr.slice(-2000)}
  const best = Math.min(...walls)
  return {
    id: row.id,
    label: row.label,
    status: 'ok',
    wallMs: round(best, 1),
    allWallMs: walls.map((w) => round(w, 1)),
    linesPerSec: Math.round(lines / (best / 1000)),
    mbPerSec: round(bytes / 1e6 / (best / 1000), 1),
    peakRssMb: peak === null ? null : round(peak / 1024, 1),
    stderrTail: stderr ? stderr.slice(-600) : undefined,
  }
}

function printTable(report) {
  const head = ['row', 'status', `wall s (best of ${report.method.wall.match(/\d+/)?.[0]})`, 'lines/s', 'MB/s', 'peak RSS MB', '× floor']
  const body = report.rows.map((r) => [
    r.label,
    r.status,
    r.wallMs === undefined ? '' : (r.wallMs / 1000).toFixed(2),
    r.linesPerSec === undefined ? '' : r.linesPerSec.toLocaleString('en-US'),
    r.mbPerSec === undefined ? '' : r.mbPerSec.toFixed(1),
    r.peakRssMb === undefined || r.peakRssMb === null ? '' : r.peakRssMb.toFixed(1),
    r.ratioToFloor === undefined ? '' : r.ratioToFloor.toFixed(2),
  ])
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)))
  const line = (cells) => cells.map((c, i) => (i >= 2 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ')
  const out = [
    `egress-audit bench — ${report.input.lines.toLocaleString('en-US')} lines, ${(report.input.bytes / 1e6).toFixed(1)} MB (${report.input.formats.join(', ')}, seed ${report.input.seed})`,
    `${report.node} on ${report.cpu} ×${report.cpus}; RSS: ${report.method.rss}`,
    '',
    line(head),
    line(widths.map((w) => '-'.repeat(w))),
    ...body.map(line),
    '',
    `results: ${relative(process.cwd(), join(OUT, 'results.json'))}`,
  ]
  process.stdout.write(out.join('\n') + '\n')
  for (const r of report.rows) if (r.status.startsWith('failed') && r.stderrTail) process.stderr.write(`\n${r.id} stderr:\n${r.stderrTail}\n`)
}

main().catch((err) => {
  process.stderr.write(`${err.stack ?? err}\n`)
  process.exit(1)
})
