import {appendFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {PassThrough, Readable} from 'node:stream'
import {fileURLToPath} from 'node:url'
import {gzipSync} from 'node:zlib'
import {afterAll, describe, expect, test} from 'vitest'

import {LineSplitter} from '../../src/core/input/lines.js'
import {InputError} from '../../src/shell/errors.js'
import type {FollowEvent} from '../../src/shell/follow.js'
import {type InputSource, openInputs} from '../../src/shell/inputs.js'

const FIXTURES = fileURLToPath(new URL('../../fixtures/input/', import.meta.url))
const fixture = (name: string) => join(FIXTURES, name)
const GATEWAY = readFileSync(fixture('gateway.log'), 'utf8')

const tmp = mkdtempSync(join(tmpdir(), 'egress-audit-inputs-'))
afterAll(() => rmSync(tmp, {recursive: true, force: true}))

async function collect(source: InputSource): Promise<string[]> {
  const chunks: string[] = []
  for await (const chunk of source.chunks()) chunks.push(chunk)
  return chunks
}
const text = async (source: InputSource) => (await collect(source)).join('')
const only = (path: string) => openInputs([path])[0]!
/** stdin that delivers exactly these byte chunks. */
const stdinOf = (...chunks: Buffer[]) => Readable.from(chunks)

/** The error a source's chunks end with, and what was read before it. */
async function failure(source: InputSource): Promise<{error: unknown; read: string}> {
  let read = ''
  try {
    for await (const chunk of source.chunks()) read += chunk
  } catch (error) {
    return {error, read}
  }
  throw new Error(`${source.name} was read without an error`)
}

describe('openInputs: files', () => {
  test.each([
    {name: 'plain text', file: 'gateway.log', want: GATEWAY},
    {name: 'gzip named .gz', file: 'gateway.log.gz', want: GATEWAY},
    {name: 'gzip found by its magic bytes, not its name', file: 'gateway-gzipped.log', want: GATEWAY},
    {name: 'two gzip members, one after the other', file: 'multi-member.log.gz', want: GATEWAY + GATEWAY},
    {name: 'CRLF kept for the splitter to trim', file: 'crlf.log', want: 'first line\r\nsecond line\r\n\r\nlast line, no newline'},
    {name: 'a UTF-8 byte-order mark is dropped', file: 'bom.log', want: '[2024-06-21T19:24:00.453Z] "GET /headers HTTP/2" 200\n'},
    {
      name: 'bytes that are not UTF-8 become U+FFFD',
      file: 'invalid-utf8.log',
      // é survives; a lone continuation byte, both bytes of an overlong pair, and a cut sequence at the end each become U+FFFD.
      want: 'ok é\nbad \uFFFD byte\nbad \uFFFD\uFFFD overlong\ncut \uFFFD',
    },
  ])('$name', async ({file, want}) => {
    const source = only(fixture(file))
    expect(source.name).toBe(fixture(file))
    expect(await text(source)).toBe(want)
  })

  test('size is the bytes on disk of a regular file', () => {
    const path = fixture('gateway.log.gz')
    expect(only(path).size).toBe(statSync(path).size)
  })

  test('a missing file is reported when read, exit 3, and the next input is still read', async () => {
    const [missing, good] = openInputs([join(tmp, 'nope.log'), fixture('gateway.log')])
    expect(missing!.size).toBeUndefined()
    const {error} = await failure(missing!)
    expect(error).toBeInstanceOf(InputError)
    expect((error as InputError).oclif.exit).toBe(3)
    expect((error as Error).message).toBe(`cannot read ${join(tmp, 'nope.log')}: no such file`)
    expect(await text(good!)).toBe(GATEWAY)
  })

  test('a directory is reported when read', async () => {
    const source = only(tmp)
    expect(source.size).toBeUndefined()
    const {error} = await failure(source)
    expect(error).toBeInstanceOf(InputError)
    expect((error as Error).message).toBe(`cannot read ${tmp}: it is a directory`)
  })

  test('a truncated gzip yields what it could, then says how far it got', async () => {
    const {error, read} = await failure(only(fixture('truncated.log.gz')))
    expect(error).toBeInstanceOf(InputError)
    expect((error as InputError).oclif.exit).toBe(3)
    const compressed = statSync(fixture('truncated.log.gz')).size
    expect((error as Error).message).toBe(
      `cannot read ${fixture('truncated.log.gz')}: gzip data ends early or is corrupt (unexpected end of file) after ${compressed} compressed bytes, ${Buffer.byteLength(read)} bytes decompressed`,
    )
    expect(read.startsWith(GATEWAY)).toBe(true)
  })

  test('gzip with garbage after the last member fails rather than passing the garbage on', async () => {
    const path = join(tmp, 'trailing.log.gz')
    writeFileSync(path, Buffer.concat([gzipSync(GATEWAY), Buffer.from('not gzip')]))
    const {error} = await failure(only(path))
    expect((error as Error).message).toMatch(/gzip data ends early or is corrupt \(incorrect header check\)/)
  })
})

describe('openInputs: big inputs', () => {
  // 4 MB of lines whose multi-byte characters (2, 3 and 4 bytes) land on every possible byte offset, so
  // some straddle the 256 KiB read boundaries.
  const line = (i: number) => `${i} é € 😀 ${'x'.repeat(i % 7)}\n`
  const big = Array.from({length: 140_000}, (_, i) => line(i)).join('')
  const plain = join(tmp, 'big.log')
  const gz = join(tmp, 'big.log.gz')
  writeFileSync(plain, big)
  writeFileSync(gz, gzipSync(big))

  test.each([
    {name: 'plain', path: plain},
    {name: 'gzip', path: gz},
  ])('$name: every character arrives whole, in chunks of up to 32 KiB (young-generation strings)', async ({path}) => {
    const chunks = await collect(only(path))
    expect(chunks.join('')).toBe(big)
    const longest = Math.max(...chunks.map((c) => c.length))
    expect(longest).toBeGreaterThan(16_000)
    expect(longest).toBeLessThanOrEqual(32 * 1024)
  })

  test('feeds the line splitter: lines and numbers as written', async () => {
    const splitter = new LineSplitter()
    let bad = 0
    const onLine = (t: string | null, n: number) => {
      if (t !== line(n - 1).slice(0, -1)) bad++
    }
    for await (const chunk of only(gz).chunks()) splitter.push(chunk, onLine)
    splitter.end(onLine)
    expect([splitter.count, bad]).toEqual([140_000, 0])
  })
})

describe('openInputs: stdin', () => {
  test.each([
    {name: 'no paths at all', paths: [], wantName: 'stdin'},
    {name: "'-'", paths: ['-'], wantName: '-'},
  ])('$name reads stdin, which has no size', async ({paths, wantName}) => {
    const [source] = openInputs(paths, stdinOf(Buffer.from(GATEWAY)))
    expect(source!.name).toBe(wantName)
    expect(source!.size).toBeUndefined()
    expect(await text(source!)).toBe(GATEWAY)
  })

  test('gzip on stdin, its magic bytes split across the first two chunks', async () => {
    const z = gzipSync(GATEWAY)
    const [source] = openInputs(['-'], stdinOf(z.subarray(0, 1), z.subarray(1, 2), z.subarray(2, 50), z.subarray(50)))
    expect(await text(source!)).toBe(GATEWAY)
  })

  test('a one-byte stdin that happens to be 0x1f is text', async () => {
    const [source] = openInputs([], stdinOf(Buffer.from([0x1f])))
    expect(await text(source!)).toBe('\x1f')
  })

  test('empty stdin has no chunks', async () => {
    expect(await collect(openInputs([], stdinOf())[0]!)).toEqual([])
  })

  test('a multi-byte character split between stdin chunks arrives whole', async () => {
    const euro = Buffer.from('€\n')
    const [source] = openInputs([], stdinOf(euro.subarray(0, 1), euro.subarray(1, 2), euro.subarray(2)))
    expect(await text(source!)).toBe('€\n')
  })

  test("stdin named twice: the second '-' is reported, not read as empty", async () => {
    const [first, second] = openInputs(['-', '-'], stdinOf(Buffer.from(GATEWAY)))
    expect(await text(first!)).toBe(GATEWAY)
    const {error} = await failure(second!)
    expect((error as Error).message).toBe('cannot read -: stdin was already read')
  })

  test('stopping early (| head) stops reading: the stream is destroyed', async () => {
    const stdin = new PassThrough()
    stdin.write(Buffer.from(GATEWAY))
    const [source] = openInputs([], stdin)
    for await (const chunk of source!.chunks()) {
      expect(chunk).toBe(GATEWAY)
      break
    }
    expect(stdin.destroyed).toBe(true)
  })
})

describe('openInputs: follow (-f)', () => {
  let dirs = 0
  const freshDir = () => {
    const dir = join(tmp, `follow-${++dirs}`)
    mkdirSync(dir)
    return dir
  }
  const follow = (paths: string[], signal = new AbortController().signal, stdin = stdinOf()) =>
    openInputs(paths, stdin, {follow: true, signal})

  test('only regular files that are not gzip are followed; stdin is read as without -f', () => {
    const plain = join(freshDir(), 'a.log')
    writeFileSync(plain, 'a\n')
    const paths = [plain, fixture('gateway.log.gz'), fixture('gateway-gzipped.log'), join(tmp, 'nope.log'), tmp, '-']
    expect(follow(paths).map((s) => s.follow)).toEqual([true, false, false, false, false, false])
    expect(openInputs(paths, stdinOf()).map((s) => s.follow)).toEqual([false, false, false, false, false, false])
  })

  test('a gzip file under -f is read once, to its end', async () => {
    const [source] = follow([fixture('gateway.log.gz')])
    expect(await text(source!)).toBe(GATEWAY)
  })

  test('a missing file under -f is reported as without it', async () => {
    const path = join(tmp, 'nope.log')
    const {error} = await failure(follow([path])[0]!)
    expect((error as Error).message).toBe(`cannot read ${path}: no such file`)
  })

  test('a followed file: its lines as they are written, decoded, byte-order mark dropped; the abort ends it with its unfinished line', async () => {
    const path = join(freshDir(), 'access.log')
    writeFileSync(path, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('first é\n')]))
    const stop = new AbortController()
    const chunks = follow([path], stop.signal)[0]!.chunks()[Symbol.asyncIterator]()
    expect((await chunks.next()).value).toBe('first é\n')
    appendFileSync(path, 'second €\nthird, unfin')
    expect((await chunks.next()).value).toBe('second €\n')
    stop.abort()
    expect((await chunks.next()).value).toBe('third, unfin')
    expect((await chunks.next()).done).toBe(true)
  })

  test('a first line shorter than a byte-order mark is passed on without waiting for the next', async () => {
    const path = join(freshDir(), 'access.log')
    writeFileSync(path, 'a\n')
    const stop = new AbortController()
    const chunks = follow([path], stop.signal)[0]!.bytes()[Symbol.asyncIterator]()
    expect((await chunks.next()).value?.toString()).toBe('a\n')
    stop.abort()
    expect((await chunks.next()).done).toBe(true)
  })

  test('rotation and truncation are reported through onEvent', async () => {
    const path = join(freshDir(), 'access.log')
    writeFileSync(path, 'old\n')
    const events: FollowEvent[] = []
    const [source] = openInputs([path], stdinOf(), {follow: true, signal: new AbortController().signal, onEvent: (e) => events.push(e)})
    const chunks = source!.chunks()[Symbol.asyncIterator]()
    expect((await chunks.next()).value).toBe('old\n')
    renameSync(path, `${path}.1`)
    writeFileSync(path, 'new, longer than the old\n')
    expect((await chunks.next()).value).toBe('new, longer than the old\n')
    writeFileSync(path, 'cut\n')
    expect((await chunks.next()).value).toBe('cut\n')
    expect(events).toEqual([
      {type: 'rotated', path},
      {type: 'truncated', path},
    ])
    await chunks.return?.()
  })

  test.skipIf(process.platform !== 'linux')('close(): a followed file waiting at its end ends as the end of the input, and is closed', async () => {
    const dir = freshDir()
    const path = join(dir, 'access.log')
    writeFileSync(path, 'a\nunfinished')
    const [source] = follow([path])
    const chunks = source!.chunks()[Symbol.asyncIterator]()
    expect((await chunks.next()).value).toBe('a\n')
    expect(fdsUnder(dir)).toBe(1)
    const waiting = chunks.next()
    source!.close()
    // The unfinished line is dropped: close() lets the input go, the signal is the way to end with it.
    expect(await waiting).toEqual({done: true, value: undefined})
    expect(fdsUnder(dir)).toBe(0)
    expect((await source!.chunks()[Symbol.asyncIterator]().next()).done).toBe(true)
  })

  test('close(): a quiet stdin waiting for input ends as the end of the input, not an error, and is destroyed', async () => {
    const stdin = new PassThrough()
    stdin.write('a\n')
    const [source] = openInputs([], stdin, {follow: true})
    const chunks = source!.chunks()[Symbol.asyncIterator]()
    expect((await chunks.next()).value).toBe('a\n')
    const waiting = chunks.next()
    source!.close()
    expect(await waiting).toEqual({done: true, value: undefined})
    expect(stdin.destroyed).toBe(true)
  })

  test('close() of a gzip stdin waiting for more ends it quietly too', async () => {
    const stdin = new PassThrough()
    stdin.write(gzipSync(GATEWAY).subarray(0, 10))
    const [source] = openInputs([], stdin)
    const waiting = collect(source!)
    // Let the first bytes flow into the gunzip, which then waits for the rest (the close ends it either way).
    await new Promise((resolve) => setImmediate(resolve))
    source!.close()
    await expect(waiting).resolves.toEqual([])
  })
})

/** Descriptors of this process open on files under dir (Linux). */
function fdsUnder(dir: string): number {
  let n = 0
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).startsWith(`${dir}/`)) n++
    } catch {
      // closed since the listing (the listing's own descriptor)
    }
  }
  return n
}
