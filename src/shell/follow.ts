// Follows a log file as `tail -n +1 -F` does: reads it from its start, then keeps reading as it grows, and
// across rotation, whether logrotate renames the file and creates a new one or copies and truncates it.
// Every complete line is yielded once, in order; a partial last line waits for its newline.
//
// At end of file the follower sleeps until fs.watch says the directory entry changed, or until the poll
// timer fires: fs.watch misses events on NFS, some overlay and FUSE mounts, and on a path whose directory
// we may not watch, so the poll is what guarantees progress and the watcher only makes it prompt. While
// data flows nothing is stat'ed: the file is only examined once a read comes back empty.
//
// What it cannot see, like tail -F: a file truncated and written past where we were before we looked
// (it looks like growth), lines written between logrotate's copy and its truncate (they are in the copy
// only), and a file rotated away and replaced again between two looks (the middle file is skipped).

import {type BigIntStats, type FSWatcher, watch} from 'node:fs'
import {type FileHandle, open, realpath, stat} from 'node:fs/promises'
import {basename, dirname} from 'node:path'

import {InputError} from './errors.js'

export type FollowEventType =
  /** The path names a new file (rename + create): the old one was read to its end, the new one is read from its start. */
  | 'rotated'
  /** The file shrank below what was read (copytruncate): it is read again from offset 0. */
  | 'truncated'
  /** The path is gone (renamed away, not yet re-created): the old file is still read while we wait for it. */
  | 'waiting'

export interface FollowEvent {
  type: FollowEventType
  path: string
}

/** The latest follow event of any input, with when it happened: what a status line shows (the TUI's header). */
export class LatestFollowEvent {
  event: (FollowEvent & {atMs: number}) | null = null
  readonly record = (event: FollowEvent): void => {
    this.event = {...event, atMs: Date.now()}
  }
}

export interface FollowOptions {
  /** Ends the follow: what is held of an unfinished last line is yielded as it is, then the generator returns. */
  signal: AbortSignal
  /** How often (ms) to look at the file at its end when no change notification came. Default 250. */
  pollMs?: number
  /** Wake on fs.watch notifications as well as the poll. Default true; false polls only. */
  watch?: boolean
  /** Rotation, truncation and waiting for the path to reappear (tests, a TUI status line). */
  onEvent?: (event: FollowEvent) => void
}

const DEFAULT_POLL_MS = 250

/** As inputs.ts reads: large enough that per-read costs vanish against the bytes. */
const READ_CHUNK = 256 * 1024

/**
 * The most bytes of one unfinished line held back. Logs are attacker-controlled, and a file that never
 * writes a newline must not grow our memory without bound: past this the bytes go on, and the line
 * splitter downstream (which bounds lines itself, and counts the overlong ones) joins them to the rest.
 */
const MAX_HELD = 1 << 20

const LF = 0x0a
const NEWLINE = Buffer.from('\n')
const AT_END = Object.freeze({end: true, out: null})

/**
 * The file's bytes, from its start, for as long as the signal allows. Each yield ends with a newline,
 * except what the abort releases and the pieces of a line longer than MAX_HELD.
 *
 * Throws InputError when the file cannot be opened at the start (missing, a directory, not readable),
 * when a file that replaced it cannot be opened, and when a read fails. A path that disappears during a
 * rotation is not an error: it is waited for.
 *
 * Stop it by aborting the signal, or by calling return() between reads (a `break` out of `for await`):
 * either way the file and the watcher are closed. A return() issued while a next() is still pending
 * only runs once that next() settles, which at end of file is at the next change or the abort.
 *
 * @example
 * const stop = new AbortController()
 * process.once('SIGINT', () => stop.abort())
 * for await (const lines of followFile('/var/log/envoy/access.log', {signal: stop.signal})) process.stdout.write(lines)
 */
export async function* followFile(path: string, options: FollowOptions): AsyncGenerator<Buffer> {
  const {signal} = options
  const pollMs = options.pollMs ?? DEFAULT_POLL_MS
  const file = await openFile(path).catch((error: unknown) => {
    throw error instanceof InputError ? error : new InputError(path, describeFileError(error))
  })
  const follower = new Follower(path, file, options.onEvent)
  const wakeup = new Wakeup()
  let watchers: FSWatcher[] = []
  signal.addEventListener('abort', wakeup.notify)
  try {
    if (options.watch !== false) watchers = await watchEntries(path, wakeup.notify)
    for (;;) {
      if (signal.aborted) {
        yield* follower.release()
        return
      }
      // Forget notifications up to here: one that comes after this read found the end wakes the wait below.
      wakeup.reset()
      const {end, out} = await follower.readOn()
      if (out) yield out
      if (!end) continue
      const change = await changeAtEnd(path, follower.file)
      switch (change) {
        case 'grew':
          continue
        case 'unchanged':
        case 'missing':
          follower.notePath(change)
          await wakeup.wait(pollMs)
          continue
        case 'truncated':
          yield* follower.restart()
          continue
        case 'replaced':
          yield* follower.switchFiles(signal)
          continue
      }
    }
  } catch (error) {
    // A failed system call is an input problem; anything else (a throwing onEvent) is a bug, and stays one.
    if (error instanceof InputError || !isSystemError(error)) throw error
    throw new InputError(path, `${describeFileError(error)} after ${follower.read} bytes`)
  } finally {
    signal.removeEventListener('abort', wakeup.notify)
    for (const watcher of watchers) watcher.close()
    await follower.file.handle.close()
  }
}

/** One follow's state: the open file, the read buffer, what is held of the current line. */
class Follower {
  /** Bytes read so far, over every file: for an error's message. */
  read = 0
  #waiting = false
  readonly #line = new HeldLine()
  /** One read buffer for the whole follow: what is yielded or held is copied out of it. */
  readonly #scratch = Buffer.allocUnsafe(READ_CHUNK)

  constructor(
    readonly path: string,
    public file: OpenFile,
    readonly onEvent?: (event: FollowEvent) => void,
  ) {}

  /** One read on: the end of the file, or what can go on of the bytes read (nothing while a line is unfinished). */
  async readOn(): Promise<{end: boolean; out: Buffer | null}> {
    const n = await readAt(this.file, this.#scratch)
    this.read += n
    return n === 0 ? AT_END : {end: false, out: this.#line.push(this.#scratch.subarray(0, n))}
  }

  /** At the end, the path names our file still, or nothing: 'waiting' is said once per absence. */
  notePath(change: 'unchanged' | 'missing'): void {
    if (change === 'missing' && !this.#waiting) this.onEvent?.({type: 'waiting', path: this.path})
    this.#waiting = change === 'missing'
  }

  /** The follow ends: what is held of an unfinished line goes as it is. */
  *release(): Generator<Buffer> {
    const rest = this.#line.rest()
    if (rest) yield rest
  }

  /** copytruncate: the file is read again from offset 0, after what was held of its last line. */
  *restart(): Generator<Buffer> {
    this.file.position = 0
    this.onEvent?.({type: 'truncated', path: this.path})
    const end = this.#line.end()
    if (end) yield end
  }

  /**
   * rename + create: the old file is read to its end first (the writer may have written to it after our
   * last read, before it reopened the path), then the new one from its start. Returns early, still on
   * the old file, on the abort or when the path vanished again (the next look finds it missing).
   */
  async *switchFiles(signal: AbortSignal): AsyncGenerator<Buffer> {
    for (;;) {
      const {end, out} = await this.readOn()
      if (out) yield out
      if (end || signal.aborted) break
    }
    if (signal.aborted) return
    const next = await openReplacement(this.path)
    if (next === null) return
    // Switched before anything is yielded: a consumer that stops at that yield closes the new file, and
    // the old one is closed already.
    const old = this.file
    this.file = next
    await old.handle.close()
    this.#waiting = false
    this.onEvent?.({type: 'rotated', path: this.path})
    const end = this.#line.end()
    if (end) yield end
  }
}

/** A file open for following, and where we are in it. */
interface OpenFile {
  handle: FileHandle
  /** Its identity: when the path's dev/ino differ from these, the path names another file. */
  dev: bigint
  ino: bigint
  position: number
}

/** Opens a regular file for reading. stat comes first: opening a FIFO would block until it had a writer. */
async function openFile(path: string): Promise<OpenFile> {
  const named = await stat(path)
  if (named.isDirectory()) throw new InputError(path, 'it is a directory')
  if (!named.isFile()) throw new InputError(path, 'not a regular file: only regular files can be followed')
  const handle = await open(path, 'r')
  try {
    // The identity of what was opened, not of what the path named a moment before.
    const opened = await handle.stat({bigint: true})
    return {handle, dev: opened.dev, ino: opened.ino, position: 0}
  } catch (error) {
    await handle.close()
    throw error
  }
}

/** The file that now has the path, or null when it vanished again between the look and the open. */
async function openReplacement(path: string): Promise<OpenFile | null> {
  try {
    return await openFile(path)
  } catch (error) {
    if (isMissing(error)) return null
    throw error instanceof InputError ? error : new InputError(path, `${describeFileError(error)} (the file that replaced it)`)
  }
}

async function readAt(file: OpenFile, into: Buffer): Promise<number> {
  const {bytesRead} = await file.handle.read(into, 0, into.length, file.position)
  file.position += bytesRead
  return bytesRead
}

type Change = 'grew' | 'unchanged' | 'missing' | 'truncated' | 'replaced'

/**
 * What happened, now that a read found nothing more. Our own file is asked first: a size below what was
 * read is copytruncate (a truncation that the writer has already outgrown again cannot be told from
 * growth; tail -F has the same blind spot). Then the path: gone, or naming another file.
 */
async function changeAtEnd(path: string, file: OpenFile): Promise<Change> {
  const own = await file.handle.stat({bigint: true})
  const position = BigInt(file.position)
  if (own.size > position) return 'grew'
  if (own.size < position) return 'truncated'
  let named: BigIntStats
  try {
    named = await stat(path, {bigint: true})
  } catch (error) {
    if (isMissing(error)) return 'missing'
    throw error
  }
  return named.dev === file.dev && named.ino === file.ino ? 'unchanged' : 'replaced'
}

function isSystemError(error: unknown): boolean {
  return error instanceof Error && typeof (error as {code?: unknown}).code === 'string'
}

/** ENOTDIR too: a rotation tool may briefly replace a directory on the way. */
function isMissing(error: unknown): boolean {
  const code = (error as {code?: string}).code
  return code === 'ENOENT' || code === 'ENOTDIR'
}

/**
 * Watches the path's directory, not the file: a watch on the file follows its inode when it is renamed
 * away, and would not see the new file created at the path. When the path is a symbolic link (as
 * /var/log/containers/*.log are, into /var/log/pods/), the writes happen in its target's directory, which
 * is watched too. Only events naming our entry wake us (a busy /var/log changes all the time); anything
 * missed, a link pointed elsewhere included, is caught by the poll.
 */
async function watchEntries(path: string, onChange: () => void): Promise<FSWatcher[]> {
  const entries = [path]
  const target = await realpath(path).catch(() => path)
  if (target !== path) entries.push(target)
  return entries.map((entry) => watchEntry(entry, onChange)).filter((w) => w !== null)
}

/** A watch that cannot be set up (no inotify watches left, a filesystem without support), or fails later, leaves the poll alone. */
function watchEntry(path: string, onChange: () => void): FSWatcher | null {
  const name = basename(path)
  let watcher: FSWatcher
  try {
    watcher = watch(dirname(path), {persistent: true}, (_event, filename) => {
      if (filename === null || filename === name) onChange()
    })
  } catch {
    return null
  }
  watcher.on('error', () => watcher.close())
  return watcher
}

/**
 * What wakes the follower at end of file: a change notification, the poll timer, or the abort. A
 * notification that comes while the follower is reading is remembered, so that none is lost between the
 * read that found nothing and the wait.
 */
class Wakeup {
  #notified = false
  #wake: (() => void) | null = null

  readonly notify = (): void => {
    this.#notified = true
    this.#wake?.()
  }

  reset(): void {
    this.#notified = false
  }

  async wait(ms: number): Promise<void> {
    if (this.#notified) return
    let timer: NodeJS.Timeout | undefined
    await new Promise<void>((resolve) => {
      this.#wake = resolve
      // Not unref'd: while we follow, the process must stay up, even with nothing else to do.
      timer = setTimeout(resolve, ms)
    })
    clearTimeout(timer)
    this.#wake = null
  }
}

/**
 * The bytes after the last newline, held until their newline comes, so that each yield ends a line.
 * Everything kept is copied: the chunks come in a read buffer that is reused.
 */
class HeldLine {
  #parts: Buffer[] = []
  #length = 0
  /** Bytes of the current line have already gone on (it outgrew MAX_HELD): ending it needs a newline. */
  #open = false

  /** Returns what can go on: the complete lines with whatever was held before them, or a long line's bytes so far. */
  push(chunk: Buffer): Buffer | null {
    const nl = chunk.lastIndexOf(LF)
    if (nl === -1) {
      this.#keep(chunk)
      return this.#length > MAX_HELD ? this.#take(true) : null
    }
    const lines = this.#take(false, chunk.subarray(0, nl + 1))
    this.#keep(chunk.subarray(nl + 1))
    return lines
  }

  /**
   * The file is left for another (rotation) or read again from its start (truncation). What is held was
   * its last line, which its writer never finished: better one line than glued to the next file's first.
   */
  end(): Buffer | null {
    return this.#length > 0 || this.#open ? this.#take(false, NEWLINE) : null
  }

  /** The follow ends: what is held goes as it is, and the reader downstream counts it as the last line. */
  rest(): Buffer | null {
    return this.#length > 0 ? this.#take(true) : null
  }

  #keep(bytes: Buffer): void {
    if (bytes.length === 0) return
    this.#parts.push(Buffer.from(bytes))
    this.#length += bytes.length
  }

  #take(open: boolean, tail?: Buffer): Buffer {
    if (tail) this.#parts.push(tail)
    // Buffer.concat copies, even a single part: the result never aliases the read buffer.
    const out = Buffer.concat(this.#parts, this.#length + (tail?.length ?? 0))
    this.#parts = []
    this.#length = 0
    this.#open = open
    return out
  }
}

const REASONS: Record<string, string> = {
  ENOENT: 'no such file',
  EISDIR: 'it is a directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'the name is too long',
  ENOTDIR: 'a part of the path is not a directory',
}

/** Says why a file could not be opened or read, in words; the errno message otherwise. */
export function describeFileError(error: unknown): string {
  const e = error as {code?: string; message?: string}
  return (e.code && REASONS[e.code]) || e.message || String(error)
}
