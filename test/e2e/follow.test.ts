// -f end to end: the built binary follows files while this test appends, rotates (rename + create) and
// copytruncates them, and every complete line comes out once. No sleeps as assertions: each step waits
// for the output the previous one must produce, within the test's timeout.
import {type ChildProcessWithoutNullStreams, spawn, spawnSync} from 'node:child_process'
import {appendFileSync, mkdtempSync, readFileSync, renameSync, truncateSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, describe, expect, test} from 'vitest'

const BIN = join(import.meta.dirname, '../../bin/run.js')
const DEMO = join(import.meta.dirname, '../../fixtures/demo')
const sidecarLines = readFileSync(join(DEMO, 'sidecar.log'), 'utf8').split('\n').filter(Boolean)
const gatewayLines = readFileSync(join(DEMO, 'gateway.log'), 'utf8').split('\n').filter(Boolean)

interface Running {
  child: ChildProcessWithoutNullStreams
  out: () => string
  err: () => string
  /** Resolves when stdout has at least n lines. */
  lines: (n: number) => Promise<string[]>
  exit: Promise<number | null>
}

const children: ChildProcessWithoutNullStreams[] = []
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL')
})

function start(args: string[]): Running {
  const child = spawn(process.execPath, [BIN, ...args], {env: {...process.env, NO_COLOR: '1'}})
  children.push(child)
  let out = ''
  let err = ''
  const waiters: (() => void)[] = []
  child.stdout.on('data', (d) => {
    out += d
    for (const w of waiters.splice(0)) w()
  })
  child.stderr.on('data', (d) => (err += d))
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  const current = () => out.split('\n').filter(Boolean)
  const lines = (n: number) =>
    new Promise<string[]>((resolve, reject) => {
      const check = () => (current().length >= n ? resolve(current()) : waiters.push(check))
      void exit.then(() => (current().length >= n ? resolve(current()) : reject(new Error(`exited with ${current().length} lines, waiting for ${n}: ${err}`))))
      check()
    })
  return {child, out: () => out, err: () => err, lines, exit}
}

const tmp = () => mkdtempSync(join(tmpdir(), 'egress-audit-follow-'))
const lineNumbers = (out: string[]) => out.map((l) => JSON.parse(l) as {source: {input: string; line: number}}).map((e) => e.source.line)

describe('parse -f', () => {
  test('follows growth, a partial line, rename + create and copytruncate; Ctrl-C ends it with the summary', async () => {
    const dir = tmp()
    const log = join(dir, 'sidecar.log')
    writeFileSync(log, `${sidecarLines.slice(0, 3).join('\n')}\n`)
    const run = start(['parse', '-f', log])
    expect(lineNumbers(await run.lines(3))).toEqual([1, 2, 3])

    // Growth, with the last line written in two parts: it waits for its newline.
    appendFileSync(log, `${sidecarLines[3]}\n${sidecarLines[4]!.slice(0, 40)}`)
    await run.lines(4)
    appendFileSync(log, `${sidecarLines[4]!.slice(40)}\n`)
    await run.lines(5)
    expect(run.out()).not.toContain('"line":6')

    // logrotate's default: rename, then a new file at the same path.
    renameSync(log, `${log}.1`)
    writeFileSync(log, `${sidecarLines.slice(5, 8).join('\n')}\n`)
    await run.lines(8)

    // copytruncate: once everything was read, the file is emptied and written from its start again. The new
    // text (649 bytes) is shorter than what was read (819), as a truncation must be for anyone to see it.
    truncateSync(log, 0)
    writeFileSync(log, `${sidecarLines.slice(8, 10).join('\n')}\n`)
    const all = await run.lines(10)
    expect(lineNumbers(all)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    // Every line exactly once, in order: the same entries as parsing the ten lines in one file.
    const whole = join(dir, 'whole.log')
    writeFileSync(whole, `${sidecarLines.slice(0, 10).join('\n')}\n`)
    const once = spawnSync(process.execPath, [BIN, 'parse', '-q', whole], {encoding: 'utf8'}).stdout.trim().split('\n')
    const strip = (l: string) => ({...JSON.parse(l), source: {...JSON.parse(l).source, input: null}})
    expect(all.map(strip)).toEqual(once.map(strip))

    run.child.kill('SIGINT')
    expect(await run.exit).toBe(0)
    expect(run.err()).toMatch(/10 lines read from 1 input: 10 parsed/)
  })
})

describe('analyze -f', () => {
  test('chains print as they complete while the files grow; Ctrl-C prints the findings and exits by them', async () => {
    const dir = tmp()
    const sidecar = join(dir, 'sidecar.log')
    const gateway = join(dir, 'gateway.log')
    writeFileSync(sidecar, '')
    writeFileSync(gateway, '')
    const run = start(['analyze', '-f', '--ndjson', sidecar, gateway])
    appendFileSync(sidecar, `${sidecarLines.join('\n')}\n`)
    appendFileSync(gateway, `${gatewayLines.join('\n')}\n`)
    // The demo's 27 lines make 19 chains; the last ones are released by the quiet inputs, not by more lines.
    const chains = (await run.lines(19)).map((l) => JSON.parse(l) as {verdict: string; hops: unknown[]})
    expect(chains.some((c) => c.hops.length === 2)).toBe(true)
    expect(new Set(chains.map((c) => c.verdict)).size).toBeGreaterThan(5)

    run.child.kill('SIGINT')
    // Findings at or above the default --fail-on high: exit 1, as without -f.
    expect(await run.exit).toBe(1)
    expect(run.err()).toMatch(/^19 chains, findings: \d+ high/m)
  })

  test('Ctrl-C also lets go of a stdin that never ends', async () => {
    const dir = tmp()
    const log = join(dir, 'x.log')
    writeFileSync(log, `${sidecarLines[0]}\n`)
    // Stdin stays open and never ends: the first SIGINT lets it go, so it must still exit.
    const run = start(['analyze', '-f', '--ndjson', '--fail-on', 'none', log, '-'])
    await run.lines(1)
    run.child.kill('SIGINT')
    expect(await run.exit).toBe(0)
  })
})
