// The progress line: what it says (bytes, lines, rates, ETA, the input's name), that it is drawn only on a
// terminal and only after a second, and that it is always erased — at the end, on a failure, on Ctrl-C.
// Time is a fake clock here; the end-to-end checks wait on output, never on the clock.
import {spawn, spawnSync} from 'node:child_process'
import {EventEmitter} from 'node:events'
import {closeSync, constants, createWriteStream, mkdtempSync, openSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {gzipSync} from 'node:zlib'
import {afterAll, describe, expect, test} from 'vitest'

import {InputError} from '../../src/shell/errors.js'
import {type InputSource, openInputs} from '../../src/shell/inputs.js'
import {type Clock, type InputCount, type ProcessHooks, formatBytes, formatDuration, progressAllowed, renderProgress, startProgress} from '../../src/shell/progress.js'
import {generateLog} from '../bench/generate.mjs'

const tmp = mkdtempSync(join(tmpdir(), 'egress-audit-progress-'))
afterAll(() => rmSync(tmp, {recursive: true, force: true}))

const ERASE = '\r\x1b[K'
const MB = 1_000_000

describe('formatBytes', () => {
  test.each([
    {n: 0, want: '0 B'},
    {n: 999, want: '999 B'},
    {n: 999.5, want: '1.0 kB'}, // rounds up into the next unit rather than showing "1000 B"
    {n: 4_200_000, want: '4.2 MB'},
    {n: 9_960_000, want: '10 MB'},
    {n: 123_456_789, want: '123 MB'},
    {n: 999_400_000, want: '999 MB'},
    {n: 1_500_000_000, want: '1.5 GB'},
    {n: 2.5e15, want: '2.5 PB'},
  ])('$n bytes → $want', ({n, want}) => expect(formatBytes(n)).toBe(want))
})

describe('formatDuration', () => {
  test.each([
    {s: 0, want: '0:00'},
    {s: 7, want: '0:07'},
    {s: 59.6, want: '1:00'},
    {s: 605, want: '10:05'},
    {s: 3725, want: '1:02:05'},
    {s: 36_000, want: '10:00:00'},
  ])('$s s → $want', ({s, want}) => expect(formatDuration(s)).toBe(want))
})

const input = (name: string, bytes: number, size?: number, gzip = false): InputCount => ({name, bytes, size, gzip})

describe('renderProgress', () => {
  test.each([
    {
      name: 'a file of known size: share done and ETA from the byte rate',
      view: {inputs: [input('a.log', 123 * MB, 300 * MB)], lines: 410_000, bytesPerSecond: 25 * MB, linesPerSecond: 85_312},
      want: 'egress-audit: 123 MB of 300 MB (41%) · 410,000 lines · 85,300 lines/s · ETA 0:08',
    },
    {
      name: 'stdin (no size): bytes read and the byte rate instead of an ETA',
      view: {inputs: [input('stdin', 12_300_000)], lines: 41_000, bytesPerSecond: 2_100_000, linesPerSecond: 8_500},
      want: 'egress-audit: 12 MB · 41,000 lines · 8,500 lines/s · 2.1 MB/s',
    },
    {
      name: 'gzip: its size on disk is compressed, so only what was decompressed',
      view: {inputs: [input('a.log.gz', 40 * MB, 5 * MB, true)], lines: 130_000, bytesPerSecond: 20 * MB, linesPerSecond: 65_000},
      want: 'egress-audit: 40 MB decompressed · 130,000 lines · 65,000 lines/s · 20 MB/s',
    },
    {
      name: 'several inputs: totals over all, and the name of the one read last',
      view: {inputs: [input('sidecar.log', 100 * MB, 100 * MB), input('logs/gateway.log', 50 * MB, 200 * MB)], current: 1, lines: 500_000, bytesPerSecond: 10 * MB, linesPerSecond: 33_000},
      want: 'egress-audit: logs/gateway.log · 150 MB of 300 MB (50%) · 500,000 lines · 33,000 lines/s · ETA 0:15',
    },
    {
      name: 'one input of several without a size: no total, no ETA',
      view: {inputs: [input('a.log', 1 * MB, 2 * MB), input('-', 3 * MB)], current: 0, lines: 10, bytesPerSecond: 1 * MB, linesPerSecond: 10},
      want: 'egress-audit: a.log · 4.0 MB · 10 lines · 10 lines/s · 1.0 MB/s',
    },
    {
      name: 'before any rate is known, and one line',
      view: {inputs: [input('a.log', 10, 100)], lines: 1, bytesPerSecond: null, linesPerSecond: null},
      want: 'egress-audit: 10 B of 100 B (10%) · 1 line',
    },
    {
      name: 'a stalled read has no ETA',
      view: {inputs: [input('a.log', 10 * MB, 100 * MB)], lines: 5, bytesPerSecond: 0, linesPerSecond: 0},
      want: 'egress-audit: 10 MB of 100 MB (10%) · 5 lines · 0 lines/s',
    },
    {
      name: 'never 100% while reading, nor more than the file (bad UTF-8 decodes to more bytes than it had)',
      view: {inputs: [input('a.log', 101 * MB, 100 * MB)], lines: 5, bytesPerSecond: 1 * MB, linesPerSecond: 1},
      want: 'egress-audit: 100 MB of 100 MB (99%) · 5 lines · 1 lines/s · ETA 0:00',
    },
    {
      name: 'an empty file is no total to divide by',
      view: {inputs: [input('empty.log', 0, 0)], lines: 0, bytesPerSecond: 0, linesPerSecond: 0},
      want: 'egress-audit: 0 B · 0 lines · 0 lines/s · 0 B/s',
    },
  ])('$name', ({view, want}) => expect(renderProgress({current: 0, ...view}, 200)).toBe(want))

  const two = (name: string) => ({inputs: [input('a.log', 1, 10), input(name, 1, 10)], current: 1, lines: 1, bytesPerSecond: 1, linesPerSecond: 1})

  test('a hostile input name cannot move the cursor, recolour, reorder or break the line', () => {
    const line = renderProgress(two('x\x1b[2J\x1b]8;;http://evil\x07y\u202ez\nw\r'), 200)
    // eslint-disable-next-line no-control-regex
    expect(line).not.toMatch(/[\x00-\x1f\x7f-\x9f\u202a-\u202e]/)
    expect(line).toContain('x\\x1b[2J\\x1b]8;;http://evil\\x07y\\u202ez\\nw\\x0d')
  })

  test.each([
    {name: 'a long path keeps its file name', file: `${'/very/deep/directory'.repeat(10)}/gateway.log`, columns: 80},
    {name: 'wide characters count twice', file: `/logs/${'日志'.repeat(30)}.log`, columns: 80},
    {name: 'a narrow terminal cuts the end of the line', file: 'sidecar.log', columns: 30},
    {name: 'a terminal narrower than the prefix', file: 'sidecar.log', columns: 5},
  ])('never wider than the terminal less one column: $name', ({file, columns}) => {
    const line = renderProgress(two(file), columns)
    const width = [...line].reduce((w, c) => w + (c.codePointAt(0)! >= 0x1100 ? 2 : 1), 0)
    expect(width).toBeLessThanOrEqual(Math.max(1, columns - 1))
    if (columns >= 80) expect(line).toMatch(/^egress-audit: …\S*\.log · /)
  })
})

describe('progressAllowed', () => {
  test.each([
    {name: 'a terminal', stream: {isTTY: true}, env: {TERM: 'xterm-256color'}, want: true},
    {name: 'a pipe or a file', stream: {isTTY: false}, env: {TERM: 'xterm-256color'}, want: false},
    {name: 'a stream that does not say', stream: {}, env: {}, want: false},
    {name: 'a dumb terminal (no erase-line)', stream: {isTTY: true}, env: {TERM: 'dumb'}, want: false},
  ])('$name: $want', ({stream, env, want}) => expect(progressAllowed(stream, env)).toBe(want))
})

/** A terminal (or not) that keeps what was written. */
function fakeStderr(isTTY = true, columns = 120) {
  const writes: string[] = []
  return {isTTY, columns, writes, write: (text: string) => writes.push(text), get text() { return writes.join('') }}
}

/** A clock that moves only when told, running the redraw timer as real time would. */
function fakeClock() {
  let now = 0
  const timers = new Set<{ms: number; next: number; tick: () => void}>()
  const clock: Clock & {advance(ms: number): void; timers: number} = {
    now: () => now,
    every(ms, tick) {
      const timer = {ms, next: now + ms, tick}
      timers.add(timer)
      return () => timers.delete(timer)
    },
    advance(ms) {
      const end = now + ms
      for (;;) {
        const due = [...timers].filter((t) => t.next <= end).sort((a, b) => a.next - b.next)[0]
        if (!due) break
        now = due.next
        due.next += due.ms
        due.tick()
      }
      now = end
    },
    get timers() {
      return timers.size
    },
  }
  return clock
}

/** `process` as far as SIGINT and exit go, recording the re-raised signal. */
function fakeProcess(): ProcessHooks & EventEmitter & {killed: string[]} {
  const proc = Object.assign(new EventEmitter(), {pid: 4242, killed: [] as string[]})
  return Object.assign(proc, {kill: (pid: number, signal: string) => proc.killed.push(`${pid} ${signal}`)})
}

/** An input whose chunks the test hands out one at a time (`next()`), or which fails after them. */
function manualSource(name: string, chunks: string[], options: {size?: number; failAfter?: boolean; follow?: boolean} = {}): InputSource {
  async function* gen(): AsyncGenerator<string> {
    yield* chunks
    if (options.failAfter) throw new InputError(name, 'permission denied')
  }
  const bytes = async function* () {
    for await (const c of gen()) yield Buffer.from(c)
  }
  return {name, size: options.size, follow: options.follow ?? false, chunks: gen, bytes, close: () => undefined}
}

const LINE = `${'x'.repeat(99)}\n` // 100 bytes, one line

function meterOver(sources: InputSource[], options: {isTTY?: boolean; lines?: () => number; columns?: number} = {}) {
  const stderr = fakeStderr(options.isTTY ?? true, options.columns)
  const clock = fakeClock()
  const proc = fakeProcess()
  const progress = startProgress(true, stderr, {clock, process: proc, lines: options.lines, isGzip: () => false})
  const tracked = progress.track(sources)
  return {stderr, clock, proc, progress, tracked}
}

describe('the meter', () => {
  test('not a terminal: the inputs are handed back untouched, no timer runs, nothing is written', async () => {
    const sources = [manualSource('a.log', [LINE.repeat(10)])]
    const {stderr, clock, progress, tracked} = meterOver(sources, {isTTY: false})
    expect(tracked).toBe(sources)
    expect(clock.timers).toBe(0)
    for await (const _ of tracked[0]!.chunks()) clock.advance(5000)
    progress.stop()
    expect(stderr.writes).toEqual([])
  })

  test('not asked for (--no-progress, --json): nothing, even on a terminal', () => {
    const stderr = fakeStderr(true)
    const sources = [manualSource('a.log', [LINE])]
    expect(startProgress(false, stderr).track(sources)).toBe(sources)
    expect(stderr.writes).toEqual([])
  })

  test('a short input shows nothing at all: not a line, not an erase', async () => {
    const {stderr, clock, tracked} = meterOver([manualSource('a.log', [LINE, LINE], {size: 200})])
    for await (const _ of tracked[0]!.chunks()) clock.advance(300)
    clock.advance(5000)
    expect(stderr.writes).toEqual([])
    expect(clock.timers).toBe(0)
  })

  test('after a second, redrawn in place about four times a second; erased when the input ends', async () => {
    const {stderr, clock, tracked} = meterOver([manualSource('a.log', Array.from({length: 10}, () => LINE.repeat(100)), {size: 100_000})])
    const chunks = tracked[0]!.chunks()[Symbol.asyncIterator]()
    await chunks.next() // 10 kB
    clock.advance(999)
    expect(stderr.writes).toEqual([]) // three ticks have passed, none drawn
    clock.advance(1)
    expect(stderr.writes).toEqual([`\regress-audit: 10 kB of 100 kB (10%) · 100 lines · 100 lines/s · ETA 0:09${'\x1b[K'}`])
    await chunks.next()
    await chunks.next() // 30 kB
    clock.advance(1000)
    expect(stderr.writes).toHaveLength(5)
    expect(stderr.writes.at(-1)).toBe(`\regress-audit: 30 kB of 100 kB (30%) · 300 lines · 150 lines/s · ETA 0:05${'\x1b[K'}`)
    while (!(await chunks.next()).done) {
      /* read to the end */
    }
    expect(stderr.writes.at(-1)).toBe(ERASE)
    expect(clock.timers).toBe(0)
    clock.advance(5000)
    expect(stderr.writes.at(-1)).toBe(ERASE) // nothing after the erase
  })

  test('a terminal of unknown width (0 columns: an unsized pty) gets the line for 80', async () => {
    const {stderr, clock, tracked} = meterOver([manualSource('a.log', [LINE])], {columns: 0})
    await tracked[0]!.chunks()[Symbol.asyncIterator]().next()
    clock.advance(1000)
    expect(stderr.writes.at(-1)).toBe(`\regress-audit: 100 B · 1 line · 1 lines/s · 100 B/s${'\x1b[K'}`)
  })

  test('the rate is over the last few seconds: a reading that stalls shows its ETA go', async () => {
    const {stderr, clock, tracked} = meterOver([manualSource('a.log', [LINE.repeat(500), LINE.repeat(500)], {size: 200_000})])
    const chunks = tracked[0]!.chunks()[Symbol.asyncIterator]()
    await chunks.next()
    clock.advance(1000)
    expect(stderr.writes.at(-1)).toContain('· 500 lines/s · ETA 0:03')
    clock.advance(10_000) // no more data
    expect(stderr.writes.at(-1)).toBe(`\regress-audit: 50 kB of 200 kB (25%) · 500 lines · 0 lines/s${'\x1b[K'}`)
  })

  test("bytes() (parse --jobs) is counted too, and the core's line count is used when given", async () => {
    const stats = {linesRead: 0}
    const {stderr, clock, tracked} = meterOver([manualSource('a.log', [LINE.repeat(20), LINE.repeat(20)], {size: 4000})], {lines: () => stats.linesRead})
    const bytes = tracked[0]!.bytes()[Symbol.asyncIterator]()
    await bytes.next()
    stats.linesRead = 7 // the workers have parsed fewer lines than were read
    clock.advance(1000)
    expect(stderr.writes.at(-1)).toContain('2.0 kB of 4.0 kB (50%) · 7 lines · ')
  })

  test('several inputs read interleaved: totals over all, named by the one read last, erased when the last ends', async () => {
    const {stderr, clock, tracked} = meterOver([manualSource('sidecar.log', [LINE, LINE], {size: 200}), manualSource('gateway.log', [LINE, LINE], {size: 200})])
    const [a, b] = tracked.map((s) => s.chunks()[Symbol.asyncIterator]())
    await a!.next()
    await b!.next()
    clock.advance(1000)
    expect(stderr.writes.at(-1)).toMatch(/^\regress-audit: gateway\.log · 200 B of 400 B \(50%\) · 2 lines · /)
    await a!.next()
    clock.advance(250)
    expect(stderr.writes.at(-1)).toMatch(/^\regress-audit: sidecar\.log · 300 B of 400 B \(75%\) · 3 lines · /)
    expect(await a!.next()).toMatchObject({done: true})
    expect(stderr.writes.at(-1)).not.toBe(ERASE) // gateway.log is still being read
    await b!.next()
    expect(await b!.next()).toMatchObject({done: true})
    expect(stderr.writes.at(-1)).toBe(ERASE)
  })

  test('an input that fails part-way is done too: erased before its error is printed', async () => {
    const {stderr, clock, tracked} = meterOver([manualSource('a.log', [LINE], {size: 1000, failAfter: true})])
    const chunks = tracked[0]!.chunks()[Symbol.asyncIterator]()
    await chunks.next()
    clock.advance(1000)
    await expect(chunks.next()).rejects.toThrow(InputError)
    expect(stderr.writes.at(-1)).toBe(ERASE)
  })

  test('a reader that stops early (stdout closed) leaves stop() to erase: once, however often called', async () => {
    const {stderr, clock, progress, tracked} = meterOver([manualSource('a.log', [LINE, LINE]), manualSource('b.log', [LINE])])
    const chunks = tracked[0]!.chunks()[Symbol.asyncIterator]()
    await chunks.next()
    clock.advance(1000)
    await chunks.return?.() // b.log is never opened
    expect(stderr.writes.at(-1)).not.toBe(ERASE)
    progress.stop()
    progress.stop()
    expect(stderr.writes.filter((w) => w === ERASE)).toHaveLength(1)
    expect(stderr.writes.at(-1)).toBe(ERASE)
  })

  test('Ctrl-C erases the line, then dies of SIGINT as it would have', async () => {
    const {stderr, clock, proc, tracked} = meterOver([manualSource('a.log', [LINE, LINE])])
    expect(proc.listenerCount('SIGINT')).toBe(0) // nothing shown yet: Ctrl-C is left alone
    await tracked[0]!.chunks()[Symbol.asyncIterator]().next()
    clock.advance(1000)
    expect(proc.listenerCount('SIGINT')).toBe(1)
    proc.emit('SIGINT')
    expect(stderr.writes.at(-1)).toBe(ERASE)
    expect(proc.killed).toEqual(['4242 SIGINT'])
    expect(proc.listenerCount('exit')).toBe(0)
  })

  test('Ctrl-C when the command handles SIGINT itself (follow mode): erased, not killed', async () => {
    const {stderr, clock, proc, tracked} = meterOver([manualSource('a.log', [LINE, LINE])])
    await tracked[0]!.chunks()[Symbol.asyncIterator]().next()
    clock.advance(1000)
    proc.on('SIGINT', () => undefined)
    proc.emit('SIGINT')
    expect(stderr.writes.at(-1)).toBe(ERASE)
    expect(proc.killed).toEqual([])
  })

  test('process.exit() part-way erases the line', async () => {
    const {stderr, clock, proc, tracked} = meterOver([manualSource('a.log', [LINE, LINE])])
    await tracked[0]!.chunks()[Symbol.asyncIterator]().next()
    clock.advance(1000)
    proc.emit('exit')
    expect(stderr.writes.at(-1)).toBe(ERASE)
    expect(proc.listenerCount('SIGINT')).toBe(0)
  })

  test('a gzipped file gets no share or ETA: its size on disk is compressed (detected by content, as inputs.ts does)', async () => {
    const text = LINE.repeat(2000)
    writeFileSync(join(tmp, 'plain.log'), text)
    writeFileSync(join(tmp, 'renamed.txt'), gzipSync(text))
    const stderr = fakeStderr()
    const clock = fakeClock()
    const [plain, gz] = startProgress(true, stderr, {clock, process: fakeProcess()}).track(openInputs([join(tmp, 'plain.log'), join(tmp, 'renamed.txt')]))
    await plain!.chunks()[Symbol.asyncIterator]().next()
    await gz!.chunks()[Symbol.asyncIterator]().next()
    clock.advance(1000)
    expect(stderr.writes.at(-1)).toMatch(/^\regress-audit: \S*renamed\.txt · [\d.]+ kB decompressed · [\d,]+ lines · /)
    expect(stderr.writes.at(-1)).not.toMatch(/%|ETA/)
  })
})

// End to end, through the built binary: a pipe never gets the line; a terminal (a pty from script(1)) does,
// and it is erased before the summary.
const BIN = join(import.meta.dirname, '../../bin/run.js')
const PROGRESS = /egress-audit: [\d.]+ (?:B|kB|MB|GB) .*lines/

/** A log long enough that a progress line would have shown (40,000 lines: seconds of analyze), made once. */
let bigLog: string | undefined
function generatedBigLog(): string {
  if (bigLog) return bigLog
  bigLog = join(tmp, 'big.log')
  let text = ''
  for (const line of generateLog({lines: 40_000, seed: 7, withExpected: false})) text += `${line.text}\n`
  writeFileSync(bigLog, text)
  return bigLog
}

describe('egress-audit with a progress line', () => {
  test.each([
    {command: 'analyze', args: ['--fail-on', 'none']},
    {command: 'parse', args: []},
  ])('$command with stderr on a pipe: no progress line, no terminal control, over an input long enough to show one', ({command, args}) => {
    const r = spawnSync(process.execPath, [BIN, command, generatedBigLog(), ...args], {encoding: 'utf8', maxBuffer: 256 << 20, stdio: ['ignore', 'pipe', 'pipe']})
    expect(r.status).toBe(0)
    expect(r.stderr).not.toMatch(PROGRESS)
    expect(r.stderr).not.toContain('\r')
    expect(r.stderr).not.toContain('\x1b')
    expect(r.stdout).not.toContain('\x1b')
  })

  const hasScript = spawnSync('script', ['--version'], {encoding: 'utf8'}).status === 0
  const hasMkfifo = process.platform !== 'win32' && spawnSync('mkfifo', ['--version']).status === 0

  test.skipIf(!hasScript || !hasMkfifo)('analyze on a terminal: the line shows while input waits, and is erased before the summary', async () => {
    const fifo = join(tmp, 'live.fifo')
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0)
    const quote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`
    // script(1) gives the command a pseudo-terminal; the FIFO holds the input open as long as the test wants.
    const child = spawn('script', ['-qec', `${quote(process.execPath)} ${quote(BIN)} analyze ${quote(fifo)} --fail-on none`, '/dev/null'], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: {...process.env, TERM: 'xterm', NO_COLOR: '1'},
    })
    let screen = ''
    child.stdout.on('data', (d) => (screen += d))
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve))
    const feed = createWriteStream(fifo)
    try {
      for (const line of generateLog({lines: 2000, seed: 3, withExpected: false})) feed.write(`${line.text}\n`)
      // Every line written is read within a redraw or two; a FIFO has no size, so no share and no ETA.
      const drawn = /egress-audit: [\d.]+ kB · 2,000 lines · [\d,]+ lines\/s · [\d.]+ [kMG]?B\/s/
      await new Promise<void>((resolve, reject) => {
        const look = () => (drawn.test(screen) ? resolve() : undefined)
        child.stdout.on('data', look)
        child.on('exit', () => reject(new Error(`exited before a progress line; output: ${JSON.stringify(screen)}`)))
        look()
      })
      await new Promise<void>((resolve) => feed.end(resolve))
      expect(await exited).toBe(0)
      const lastDraw = screen.lastIndexOf('egress-audit: ')
      const erase = screen.indexOf(ERASE, lastDraw)
      expect(erase).toBeGreaterThan(lastDraw)
      expect(screen.indexOf('Egress observed')).toBeGreaterThan(erase)
    } finally {
      child.kill()
      child.stdin.end()
      // A child that never opened the FIFO would leave our open() of its other end waiting for ever.
      closeSync(openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK))
      feed.destroy()
    }
  })
})
