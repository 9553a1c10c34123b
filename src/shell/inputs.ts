// Opens what the user named (files, `-` for stdin) as streams of decoded text for the core's line splitter.
// gzip is recognised by its magic bytes, not its name: `kubectl logs … | gzip > x.log` and a `.gz` renamed
// by a browser both work, and so does a gzipped stdin. With `follow` (-f), regular files are followed as
// they grow and across rotation (follow.ts); stdin is read as without it, since a pipe from
// `kubectl logs -f` is live already.

import {closeSync, createReadStream, openSync, readSync, statSync} from 'node:fs'
import {pipeline, Readable} from 'node:stream'
import {StringDecoder} from 'node:string_decoder'
import {createGunzip} from 'node:zlib'

import {InputError} from './errors.js'
import {describeFileError, type FollowEvent, followFile} from './follow.js'

export interface InputSource {
  /** As the user named it: a path, or '-' / 'stdin'. Used in citations (input:line). */
  name: string
  /** Bytes on disk for a regular file when it was opened (for progress/ETA); undefined for stdin/pipes. */
  size?: number
  /**
   * A followed file (-f): it does not end by itself, only when the signal given to openInputs aborts
   * (after what it holds of an unfinished last line) or on close(). False for stdin, which ends when its
   * writer does, and for gzip, which is read once.
   */
  follow: boolean
  /**
   * Decoded UTF-8 text chunks (invalid bytes become U+FFFD; a multi-byte character is never split).
   * gzip is detected by its magic bytes 1f 8b and decompressed, multi-member files included. Throws
   * InputError (exit 3) when the input cannot be opened or fails part-way (a truncated gzip says how far it got).
   */
  chunks(): AsyncIterable<string>
  /** The same input as bytes (gunzipped, without a UTF-8 byte-order mark), for readers that decode elsewhere. */
  bytes(): AsyncIterable<Buffer>
  /**
   * Stops reading now and lets the input go: a read still waiting (a quiet pipe, a followed file at its
   * end) ends as the end of the input, not as an error, and so does every later read; the stream or file
   * is closed. A followed file's unfinished last line is dropped: abort the signal to end with it.
   */
  close(): void
}

export interface OpenInputsOptions {
  /** Follow regular files as they grow and across rotation (-f). gzip files and stdin are read as without it. */
  follow?: boolean
  /** Ends the followed files: each yields what it holds of an unfinished last line, then ends. */
  signal?: AbortSignal
  /** A followed file was rotated, truncated, or is missing while it rotates (a TUI status line). */
  onEvent?: (event: FollowEvent) => void
}

/** Read size: large enough that per-chunk costs (a promise, a decode call) vanish against the bytes. */
const READ_CHUNK = 256 * 1024

const GZIP_MAGIC = [0x1f, 0x8b] as const
const BOM = [0xef, 0xbb, 0xbf] as const

/** One source per path; '-' (or no paths at all) means stdin. A path that does not exist or is a directory
 * is reported when its chunks are read, not here, so the other inputs are still read. */
export function openInputs(
  paths: string[],
  stdin: NodeJS.ReadableStream = process.stdin,
  options: OpenInputsOptions = {},
): InputSource[] {
  // stdin can be read once; naming it twice (`a.log - -`) is reported rather than read as empty.
  const once = {taken: false}
  if (paths.length === 0) return [stdinSource('stdin', stdin, once)]
  return paths.map((path) => (path === '-' ? stdinSource(path, stdin, once) : fileSource(path, options)))
}

function fileSource(path: string, options: OpenInputsOptions): InputSource {
  const size = regularFileSize(path)
  // Only a regular file can be followed (a FIFO from `<(kubectl logs -f …)` is live already), and a gzip
  // file is read once: it is a finished log (logrotate's `compress`), and a stream of deflate blocks has
  // no line boundaries to resume at after a rotation.
  const follow = options.follow === true && size !== undefined && !startsWithGzipMagic(path)
  const closed = new AbortController()
  const bytes = follow
    ? () => followedBytes(path, closed.signal, options)
    : () => inputBytes(path, () => createReadStream(path, {highWaterMark: READ_CHUNK}), closed.signal)
  return {name: path, size, follow, chunks: () => decodeInput(bytes()), bytes, close: () => closed.abort()}
}

function stdinSource(name: string, stdin: NodeJS.ReadableStream, once: {taken: boolean}): InputSource {
  const closed = new AbortController()
  async function* bytes(): AsyncGenerator<Buffer> {
    if (closed.signal.aborted) return
    if (once.taken) throw new InputError(name, 'stdin was already read')
    once.taken = true
    yield* inputBytes(name, () => stdin, closed.signal)
  }
  const close = () => {
    closed.abort()
    // Not read yet: nothing waits on it, but a live pipe would keep the process up.
    if (!once.taken) destroyStream(stdin)
  }
  return {name, follow: false, chunks: () => decodeInput(bytes()), bytes, close}
}

/** A file that starts with gzip's magic. Errors say false: they are reported when the file is read. */
function startsWithGzipMagic(path: string): boolean {
  let fd: number | undefined
  try {
    fd = openSync(path, 'r')
    const head = Buffer.alloc(GZIP_MAGIC.length)
    return readSync(fd, head, 0, head.length, 0) === head.length && head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1]
  } catch {
    return false
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
}

function regularFileSize(path: string): number | undefined {
  try {
    const stat = statSync(path, {throwIfNoEntry: false})
    return stat?.isFile() ? stat.size : undefined
  } catch {
    // The error (permission denied, …) is reported when the chunks are read, with the other inputs still read.
    return undefined
  }
}

/** How far a read got, for the error message when it fails part-way. */
interface Progress {
  read: number
  inflated: number
  gzip: boolean
}

/**
 * The most bytes decoded into one text chunk. Below V8's largest regular object (128 KiB) a chunk's
 * string is born in the young generation and dies there with the lines sliced from it; a 256 KiB string
 * goes to the large-object space, which only a full collection frees. Measured over 1M lines (analyze):
 * 32 KiB pieces ran 11% fewer instructions (callgrind) and peaked at 150 MB RSS instead of 190 MB.
 */
export const TEXT_CHUNK = 32 * 1024

/** Decodes bytes as UTF-8 text chunks; a multi-byte character split between chunks is kept whole. */
async function* decodeInput(bytes: AsyncIterable<Buffer>): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8')
  for await (const buf of bytes) {
    for (let at = 0; at < buf.length; at += TEXT_CHUNK) {
      const text = decoder.write(at === 0 && buf.length <= TEXT_CHUNK ? buf : buf.subarray(at, at + TEXT_CHUNK))
      if (text.length > 0) yield text
    }
  }
  const rest = decoder.end()
  if (rest.length > 0) yield rest
}

/**
 * An input's bytes: gunzipped when it starts with gzip's magic, without a leading UTF-8 byte-order mark.
 * When `closed` aborts, the stream is destroyed and the read in progress ends as the end of the input.
 */
async function* inputBytes(name: string, open: () => NodeJS.ReadableStream, closed: AbortSignal): AsyncGenerator<Buffer> {
  if (closed.aborted) return
  const progress: Progress = {read: 0, inflated: 0, gzip: false}
  const raw = open()
  const destroy = () => destroyStream(raw)
  closed.addEventListener('abort', destroy)
  try {
    const bytes = rawBytes(raw, progress)
    const head = await peek(bytes, GZIP_MAGIC.length)
    progress.gzip = head.buffer.length >= 2 && head.buffer[0] === GZIP_MAGIC[0] && head.buffer[1] === GZIP_MAGIC[1]
    yield* withoutBom(progress.gzip ? gunzip(head, bytes, progress) : replay(head, bytes))
  } catch (error) {
    // The stream we destroyed on close() fails with a premature close: that is the end we asked for.
    if (closed.aborted) return
    throw error instanceof InputError ? error : new InputError(name, why(error, progress))
  } finally {
    closed.removeEventListener('abort', destroy)
    // Stop reading when the consumer stops early (`| head`, an error further down): no fd left open.
    destroy()
  }
}

function destroyStream(stream: NodeJS.ReadableStream): void {
  if ('destroy' in stream && typeof stream.destroy === 'function') stream.destroy()
}

/**
 * A followed file's bytes, without a leading byte-order mark. The follow ends on the caller's signal
 * (with what is held of an unfinished line) or on close() (without it: nobody reads it any more, and
 * returning at once closes the file). Errors come from followFile as InputErrors already.
 */
async function* followedBytes(path: string, closed: AbortSignal, options: OpenInputsOptions): AsyncGenerator<Buffer> {
  if (closed.aborted) return
  const ends = new AbortController()
  const end = () => ends.abort()
  options.signal?.addEventListener('abort', end)
  closed.addEventListener('abort', end)
  if (options.signal?.aborted) end()
  try {
    for await (const buf of withoutBom(followFile(path, {signal: ends.signal, onEvent: options.onEvent}))) {
      if (closed.aborted) return
      yield buf
    }
  } finally {
    options.signal?.removeEventListener('abort', end)
    closed.removeEventListener('abort', end)
  }
}

/**
 * Drops a UTF-8 byte-order mark (Windows tools write one): it is not part of the first line. It may
 * arrive split, so the first bytes wait while they could still be one, and only then: a followed file's
 * first line ("a\n" is shorter than a mark) must not wait for the second.
 */
async function* withoutBom(body: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let head: Buffer = Buffer.alloc(0)
  let checked = false
  for await (const buf of body) {
    if (checked) {
      yield buf
      continue
    }
    head = head.length === 0 ? buf : Buffer.concat([head, buf])
    if (head.length < BOM.length && startsLikeBom(head)) continue
    checked = true
    const bom = head.length >= BOM.length && startsLikeBom(head)
    yield bom ? head.subarray(BOM.length) : head
  }
  if (!checked && head.length > 0) yield head
}

/** The bytes agree with a byte-order mark as far as both go. */
function startsLikeBom(bytes: Buffer): boolean {
  for (let i = 0; i < BOM.length && i < bytes.length; i++) if (bytes[i] !== BOM[i]) return false
  return true
}

async function* rawBytes(raw: NodeJS.ReadableStream, progress: Progress): AsyncGenerator<Buffer> {
  for await (const chunk of raw) {
    // A stream someone set to an encoding yields strings; turn them back into bytes for one code path.
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
    progress.read += buf.length
    yield buf
  }
}

interface Head {
  buffer: Buffer
  done: boolean
}

/** Reads until at least n bytes (a pipe may deliver one byte first) or the end, without losing them. */
async function peek(bytes: AsyncIterator<Buffer>, n: number): Promise<Head> {
  const parts: Buffer[] = []
  let length = 0
  while (length < n) {
    const next = await bytes.next()
    if (next.done) return {buffer: Buffer.concat(parts), done: true}
    parts.push(next.value)
    length += next.value.length
  }
  return {buffer: parts.length === 1 ? parts[0]! : Buffer.concat(parts), done: false}
}

async function* replay(head: Head, bytes: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  if (head.buffer.length > 0) yield head.buffer
  if (head.done) return
  for (let next = await bytes.next(); !next.done; next = await bytes.next()) yield next.value
}

function gunzip(head: Head, bytes: AsyncGenerator<Buffer>, progress: Progress): AsyncIterable<Buffer> {
  const inflate = createGunzip({chunkSize: READ_CHUNK})
  // pipeline destroys both ends on an error, so the error (a truncated member, a bad header) reaches the
  // loop reading `inflate`, which is where it is reported; the callback has nothing left to do.
  pipeline(Readable.from(replay(head, bytes), {objectMode: false}), inflate, () => undefined)
  return counted(inflate, progress)
}

async function* counted(inflate: AsyncIterable<Buffer>, progress: Progress): AsyncGenerator<Buffer> {
  for await (const buf of inflate) {
    progress.inflated += buf.length
    yield buf
  }
}

function why(error: unknown, progress: Progress): string {
  const e = error as {code?: string}
  const reason = describeFileError(error)
  // zlib's errors carry Z_ codes (Z_BUF_ERROR: "unexpected end of file" for a truncated member).
  if (progress.gzip && e.code?.startsWith('Z_')) {
    return `gzip data ends early or is corrupt (${reason}) after ${progress.read} compressed bytes, ` +
      `${progress.inflated} bytes decompressed`
  }
  return progress.read > 0 ? `${reason} after ${progress.read} bytes` : reason
}
