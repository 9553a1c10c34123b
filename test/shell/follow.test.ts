// followFile against a writer in another process (follow-writer.mjs): growth, a partial line, rename +
// create, copytruncate, a path missing for a while. Nothing here waits on the clock: each step waits
// for the writer's `ok` or for the follower's output, and the test's timeout bounds a hang.

import {type ChildProcessWithoutNullStreams, spawn} from 'node:child_process'
import {appendFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {createInterface} from 'node:readline'
import {StringDecoder} from 'node:string_decoder'
import {fileURLToPath} from 'node:url'
import {afterAll, describe, expect, onTestFailed, onTestFinished, test, vi} from 'vitest'

import {InputError} from '../../src/shell/errors.js'
import {type FollowEvent, type FollowOptions, followFile} from '../../src/shell/follow.js'

// One race cannot be staged from outside: the writer appending to the old file after the follower's read
// found its end, but before the follower saw the path name a new file. A hook on fs/promises' stat (which
// the follower calls at end of file) lets a test write at exactly that moment; it is otherwise the real stat.
const hooks = vi.hoisted(() => ({beforeStat: null as null | (() => void)}))
vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs/promises')>()
  const stat = ((...args: Parameters<typeof fs.stat>) => {
    const hook = hooks.beforeStat
    hooks.beforeStat = null
    hook?.()
    return fs.stat(...args)
  }) as typeof fs.stat
  return {...fs, stat, default: {...fs, stat}}
})

const WRITER = fileURLToPath(new URL('follow-writer.mjs', import.meta.url))
const root = mkdtempSync(join(tmpdir(), 'egress-audit-follow-'))
afterAll(() => rmSync(root, {recursive: true, force: true}))

let dirs = 0
/** A fresh directory per test: the watcher looks at the file's directory. */
const freshDir = () => {
  const dir = join(root, String(++dirs))
  mkdirSync(dir)
  return dir
}

type Command =
  | {op: 'open'; path: string}
  | {op: 'write'; text: string}
  | {op: 'rename'; to: string}
  | {op: 'reopen'}
  | {op: 'copytruncate'; to: string}
  | {op: 'lines'; from: number; count: number; seed: number}

/** The writer process; run() resolves once it has done the commands. */
function startWriter(): {run: (...commands: Command[]) => Promise<void>} {
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [WRITER], {stdio: 'pipe'})
  onTestFinished(() => {
    child.stdin.end()
    child.kill()
  })
  const replies = createInterface({input: child.stdout})[Symbol.asyncIterator]()
  let queue = Promise.resolve()
  const one = async (command: Command): Promise<void> => {
    child.stdin.write(`${JSON.stringify(command)}\n`)
    const reply = await replies.next()
    if (reply.done) throw new Error(`the writer exited: ${child.exitCode}`)
    if (reply.value !== 'ok') throw new Error(`the writer failed ${JSON.stringify(command)}: ${reply.value}`)
  }
  return {
    run: (...commands) => {
      queue = queue.then(async () => {
        for (const command of commands) await one(command)
      })
      return queue
    },
  }
}

/** A follower consuming followFile as a reader would, recording its lines, chunks and events. */
function startFollower(path: string, options: Partial<FollowOptions> = {}) {
  const stop = new AbortController()
  const seen = {lines: [] as string[], chunks: [] as Buffer[], events: [] as FollowEvent[], ended: false}
  const waiters = new Set<() => void>()
  const changed = () => {
    for (const check of waiters) check()
  }
  const decoder = new StringDecoder('utf8')
  let carry = ''
  const done = (async () => {
    try {
      for await (const chunk of followFile(path, {...options, signal: stop.signal, onEvent: (e) => (seen.events.push(e), changed())})) {
        seen.chunks.push(chunk)
        const parts = (carry + decoder.write(chunk)).split('\n')
        carry = parts.pop()!
        seen.lines.push(...parts)
        changed()
      }
      if (carry !== '') seen.lines.push(carry)
    } finally {
      seen.ended = true
      changed()
    }
  })()
  // The failure is reported by until() or by awaiting done; this keeps it from being unhandled meanwhile.
  done.catch(() => undefined)

  /** Resolves once the condition holds; fails if the follow ends (or fails) first. */
  const until = (what: string, condition: () => boolean): Promise<void> =>
    new Promise((resolve, reject) => {
      const check = () => {
        if (condition()) {
          waiters.delete(check)
          resolve()
        } else if (seen.ended) {
          waiters.delete(check)
          done.then(() => reject(new Error(`the follow ended before ${what}`)), reject)
        }
      }
      waiters.add(check)
      check()
    })
  const lines = (n: number) => until(`${n} lines`, () => seen.lines.length >= n)
  const event = (type: FollowEvent['type'], n = 1) =>
    until(`${n} '${type}' events`, () => seen.events.filter((e) => e.type === type).length >= n)
  const line = (text: string) => until(`the line ${JSON.stringify(text)}`, () => seen.lines.includes(text))
  onTestFinished(() => stop.abort())
  // A lost line shows as a timeout: say what was read by then.
  onTestFailed(() => console.error(`followed ${path}:`, JSON.stringify(seen, (k, v) => (k === 'chunks' ? undefined : v), 1)))
  return {seen, lines, line, event, stop: () => stop.abort(), done}
}

const numbered = (from: number, to: number) => Array.from({length: to - from + 1}, (_, i) => `line ${from + i}`)

describe.each([
  {mode: 'fs.watch and the poll', options: {}},
  // What happens where fs.watch is blind (NFS, some overlay mounts): the poll alone.
  {mode: 'the poll alone', options: {watch: false, pollMs: 20}},
])('followFile with $mode', ({options}) => {
  test('growth, a partial line, rename + create, copytruncate: every line once, in order', async () => {
    const dir = freshDir()
    const path = join(dir, 'access.log')
    const writer = startWriter()
    await writer.run({op: 'open', path}, {op: 'write', text: 'line 1\nline 2\n'})
    const f = startFollower(path, options)
    await f.lines(2)

    // Growth.
    await writer.run({op: 'write', text: 'line 3\n'})
    await f.lines(3)

    // A partial line: the read that saw line 4 saw the start of line 5 too, and held it back.
    await writer.run({op: 'write', text: 'line 4\nline 5 is wri'})
    await f.lines(4)
    expect(f.seen.chunks.every((c) => c.at(-1) === 0x0a)).toBe(true)
    await writer.run({op: 'write', text: 'tten in two parts\n'})
    await f.lines(5)
    expect(f.seen.lines[4]).toBe('line 5 is written in two parts')

    // Rename + create: what the writer still wrote to the old file after the rename is read before the
    // new file, and the old file's unfinished last line becomes a line of its own.
    await writer.run(
      {op: 'write', text: 'line 6\n'},
      {op: 'rename', to: `${path}.1`},
      {op: 'write', text: 'line 7\nline 8 never finished'},
      {op: 'reopen'},
      {op: 'write', text: 'line 9\n'},
    )
    await f.lines(9)
    await f.event('rotated')

    // copytruncate, after the follower has read everything (lines written between the copy and the
    // truncate are lost in real life; here there are none).
    await writer.run({op: 'write', text: 'line 10\n'})
    await f.lines(10)
    await writer.run({op: 'copytruncate', to: `${path}.2`})
    await f.event('truncated')
    await writer.run({op: 'write', text: 'line 11\n'})
    await f.lines(11)

    // copytruncate with a line written right after it: shorter than what was read, so still seen.
    await writer.run({op: 'write', text: 'line 12\nline 13\n'})
    await f.lines(13)
    await writer.run({op: 'copytruncate', to: `${path}.3`}, {op: 'write', text: 'line 14\n'})
    await f.lines(14)
    await f.event('truncated', 2)

    f.stop()
    await f.done
    expect(f.seen.lines).toEqual([
      ...numbered(1, 4),
      'line 5 is written in two parts',
      ...numbered(6, 7),
      'line 8 never finished',
      ...numbered(9, 14),
    ])
    expect(f.seen.events.filter((e) => e.type !== 'waiting')).toEqual([
      {type: 'rotated', path},
      {type: 'truncated', path},
      {type: 'truncated', path},
    ])
    expect(f.seen.chunks.every((c) => c.at(-1) === 0x0a)).toBe(true)
  })

  test('a rename whose new file comes only later: the old file is still read while the path is missing', async () => {
    const dir = freshDir()
    const path = join(dir, 'access.log')
    const writer = startWriter()
    await writer.run({op: 'open', path}, {op: 'write', text: 'one\n'})
    const f = startFollower(path, options)
    await f.lines(1)

    await writer.run({op: 'rename', to: `${path}.1`})
    await f.event('waiting')
    await writer.run({op: 'write', text: 'two, to the renamed file\n'})
    await f.lines(2)
    await writer.run({op: 'reopen'}, {op: 'write', text: 'three, to the new file\n'})
    await f.lines(3)

    f.stop()
    await f.done
    expect(f.seen.lines).toEqual(['one', 'two, to the renamed file', 'three, to the new file'])
    expect(f.seen.events).toEqual([
      {type: 'waiting', path},
      {type: 'rotated', path},
    ])
  })
})

test('a writer splitting lines anywhere while the follower reads, and rotating: no line lost, none twice, in order', async () => {
  const dir = freshDir()
  const path = join(dir, 'access.log')
  const writer = startWriter()
  await writer.run({op: 'open', path})
  const f = startFollower(path)
  const line = (n: number) => `line ${n} é ${'x'.repeat(n % 13)}`
  const segments = 5
  const perSegment = 600
  for (let k = 0; k < segments; k++) {
    const from = k * perSegment + 1
    // The rotation comes at once, but the next waits until the follower has read the new file: two
    // rotations between two looks would skip the middle file, for tail -F and for us alike.
    const rotate: Command[] = k === 0 ? [] : [{op: 'rename', to: `${path}.${k}`}, {op: 'reopen'}]
    await writer.run(...rotate, {op: 'lines', from, count: perSegment, seed: 20240621 + k})
    // The segment's last line: a line lost before it shows as a difference below, not as a timeout.
    await f.line(line(from + perSegment - 1))
  }
  f.stop()
  await f.done
  expect(f.seen.lines).toEqual(Array.from({length: segments * perSegment}, (_, i) => line(i + 1)))
  expect(f.seen.events.filter((e) => e.type === 'rotated')).toHaveLength(segments - 1)
})

describe.skipIf(process.platform !== 'linux')('followFile: fs.watch wakes it, without waiting for the poll', () => {
  // The poll is set to a minute, and the line is appended once the follower has found the end and looks
  // at the path (the stat hook): only a notification makes it read on before the test times out.
  test('the file itself', async () => {
    const path = join(freshDir(), 'access.log')
    writeFileSync(path, 'a\n')
    const follow = followFile(path, {signal: new AbortController().signal, pollMs: 60_000})
    expect((await follow.next()).value?.toString()).toBe('a\n')
    hooks.beforeStat = () => appendFileSync(path, 'b\n')
    expect((await follow.next()).value?.toString()).toBe('b\n')
    await follow.return(undefined)
  })

  test('a symbolic link to a file elsewhere (/var/log/containers/*.log → /var/log/pods/…)', async () => {
    const target = join(freshDir(), '0.log')
    const link = join(freshDir(), 'pod_ns_container.log')
    writeFileSync(target, 'a\n')
    symlinkSync(target, link)
    const follow = followFile(link, {signal: new AbortController().signal, pollMs: 60_000})
    expect((await follow.next()).value?.toString()).toBe('a\n')
    hooks.beforeStat = () => appendFileSync(target, 'b\n')
    expect((await follow.next()).value?.toString()).toBe('b\n')
    await follow.return(undefined)
  })
})

describe('followFile: ending', () => {
  test('abort: what is held of an unfinished line is yielded as it is, then the end', async () => {
    const path = join(freshDir(), 'access.log')
    writeFileSync(path, 'a\nb\nunfinished')
    const stop = new AbortController()
    const follow = followFile(path, {signal: stop.signal})
    // The whole file came in one read, so the unfinished line is held by now.
    expect((await follow.next()).value?.toString()).toBe('a\nb\n')
    stop.abort()
    expect((await follow.next()).value?.toString()).toBe('unfinished')
    expect(await follow.next()).toEqual({done: true, value: undefined})
  })

  test('abort while it waits at the end of the file ends the wait', async () => {
    const path = join(freshDir(), 'access.log')
    writeFileSync(path, 'a\n')
    const stop = new AbortController()
    const follow = followFile(path, {signal: stop.signal, pollMs: 60_000})
    expect((await follow.next()).value?.toString()).toBe('a\n')
    const waiting = follow.next()
    stop.abort()
    expect(await waiting).toEqual({done: true, value: undefined})
  })

  test('a signal aborted before the start: nothing is read', async () => {
    const path = join(freshDir(), 'access.log')
    writeFileSync(path, 'a\n')
    const follow = followFile(path, {signal: AbortSignal.abort()})
    expect(await follow.next()).toEqual({done: true, value: undefined})
  })

  test('truncation with an unfinished line held: it becomes a line, then the file is read again from its start', async () => {
    const path = join(freshDir(), 'access.log')
    writeFileSync(path, 'a\nb\nunfinished')
    const stop = new AbortController()
    const events: FollowEvent[] = []
    const follow = followFile(path, {signal: stop.signal, onEvent: (e) => events.push(e)})
    expect((await follow.next()).value?.toString()).toBe('a\nb\n')
    writeFileSync(path, 'c\n') // truncates to 0, then writes: shorter than what was read
    expect((await follow.next()).value?.toString()).toBe('unfinished\n')
    expect((await follow.next()).value?.toString()).toBe('c\n')
    expect(events).toEqual([{type: 'truncated', path}])
    await follow.return(undefined)
  })

  test('rotation: what the writer wrote to the old file between our last read and the rename is read first', async () => {
    const path = join(freshDir(), 'access.log')
    writeFileSync(path, 'a\n')
    const follow = followFile(path, {signal: new AbortController().signal})
    expect((await follow.next()).value?.toString()).toBe('a\n')
    renameSync(path, `${path}.1`)
    writeFileSync(path, 'c\n')
    // The follower finds the old file's end, then looks at the path: at that moment the writer appends.
    hooks.beforeStat = () => appendFileSync(`${path}.1`, 'b, late\n')
    expect((await follow.next()).value?.toString()).toBe('b, late\n')
    expect((await follow.next()).value?.toString()).toBe('c\n')
    await follow.return(undefined)
  })

  test.skipIf(process.platform !== 'linux')('return() early closes the file and the watcher: nothing left open', async () => {
    const dir = freshDir()
    const path = join(dir, 'access.log')
    writeFileSync(path, 'a\n')
    // A first follow creates libuv's inotify descriptor, which lives as long as the process.
    const warm = followFile(path, {signal: new AbortController().signal})
    await warm.next()
    await warm.return(undefined)
    const before = {files: fdsUnder(dir), watches: inotifyWatches(), watchers: activeWatchers()}

    const follow = followFile(path, {signal: new AbortController().signal})
    expect((await follow.next()).value?.toString()).toBe('a\n')
    expect(fdsUnder(dir)).toBe(before.files + 1)
    expect(inotifyWatches()).toBe(before.watches + 1)
    expect(await follow.return(undefined)).toEqual({done: true, value: undefined})
    expect({files: fdsUnder(dir), watches: inotifyWatches(), watchers: activeWatchers()}).toEqual(before)
  })

  test.skipIf(process.platform !== 'linux')('return() just after a rotation closes the file it rotated to; the old one was closed at the rotation', async () => {
    const dir = freshDir()
    const path = join(dir, 'access.log')
    writeFileSync(path, 'old\nunfinished')
    const before = fdsUnder(dir)
    const follow = followFile(path, {signal: new AbortController().signal})
    expect((await follow.next()).value?.toString()).toBe('old\n')
    renameSync(path, `${path}.1`)
    writeFileSync(path, 'new\n')
    // Stopped at the old file's last line, yielded once the new file is open.
    expect((await follow.next()).value?.toString()).toBe('unfinished\n')
    expect(fdsUnder(dir)).toBe(before + 1)
    await follow.return(undefined)
    expect(fdsUnder(dir)).toBe(before)
  })

  test('a line that never ends is let through in pieces, not held without bound, and ended at a truncation', async () => {
    const path = join(freshDir(), 'access.log')
    // Five reads of 256 KiB: the fifth takes what is held past 1 MiB, so all of it goes through, none held.
    const size = 5 * 256 * 1024
    writeFileSync(path, 'x'.repeat(size))
    const follow = followFile(path, {signal: new AbortController().signal})
    let through = 0
    while (through < size) {
      const piece = (await follow.next()).value!
      expect(piece.includes(0x0a)).toBe(false) // no newline invented
      through += piece.length
    }
    writeFileSync(path, 'new\n')
    // Nothing is held, but the line was left open: it is ended before the file is read from its start.
    expect((await follow.next()).value?.toString()).toBe('\n')
    expect((await follow.next()).value?.toString()).toBe('new\n')
    await follow.return(undefined)
  })

  test('an exception from onEvent is not an input error: it is ours', async () => {
    const path = join(freshDir(), 'access.log')
    writeFileSync(path, 'a\n')
    const bug = new TypeError('a bug in the caller')
    const follow = followFile(path, {signal: new AbortController().signal, onEvent: () => { throw bug }})
    await follow.next()
    writeFileSync(path, '') // truncated: onEvent is called, and throws
    await expect(follow.next()).rejects.toBe(bug)
  })
})

describe('followFile: errors', () => {
  test.each([
    {name: 'a file that does not exist', make: (dir: string) => join(dir, 'nope.log'), why: 'no such file'},
    {name: 'a directory', make: (dir: string) => dir, why: 'it is a directory'},
  ])('$name fails at the start, exit 3', async ({make, why}) => {
    const path = make(freshDir())
    const follow = followFile(path, {signal: new AbortController().signal})
    const error = await follow.next().then(
      () => null,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(InputError)
    expect((error as InputError).message).toBe(`cannot read ${path}: ${why}`)
    expect((error as InputError).oclif.exit).toBe(3)
  })
})

/** Descriptors of this process open on files under dir (a renamed file stays under it). */
function fdsUnder(dir: string): number {
  return openFds().filter((target) => target.startsWith(`${dir}/`)).length
}

/** inotify watches this process holds: one per fs.watch. */
function inotifyWatches(): number {
  let watches = 0
  for (const fd of readdirSync('/proc/self/fd')) {
    const target = linkOf(fd)
    if (target !== 'anon_inode:inotify') continue
    watches += readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8').split('\n').filter((l) => l.startsWith('inotify wd:')).length
  }
  return watches
}

function activeWatchers(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'FSEventWrap').length
}

function openFds(): string[] {
  return readdirSync('/proc/self/fd').map(linkOf)
}

function linkOf(fd: string): string {
  try {
    return readlinkSync(`/proc/self/fd/${fd}`)
  } catch {
    return '' // closed since the listing (the listing's own descriptor)
  }
}
