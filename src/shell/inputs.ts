// Opens what the user named (files, `-` for stdin) as streams of decoded text for the core's line splitter.
// gzip is recognised by its magic bytes, not its name: `kubectl logs … | gzip > x.log` and a `.gz` renamed
// by a browser both work, and so does a gzipped stdin.

import {createReadStream, statSync} from 'node:fs'
import {pipeline, Readable} from 'node:stream'
import {StringDecoder} from 'node:string_decoder'
import {createGunzip} from 'node:zlib'

import {InputError} from './errors.js'

export interface InputSource {
  /** As the user named it: a path, or '-' / 'stdin'. Used in citations (input:line). */
  name: string
  /** Bytes on disk for a regular file (for progress/ETA); undefined for stdin/pipes. */
  size?: number
  /**
   * Decoded UTF-8 text chunks (invalid bytes become U+FFFD; a multi-byte character is never split).
   * gzip is detected by its magic bytes 1f 8b and decompressed, multi-member files included. Throws
   * InputError (exit 3) when the input cannot be opened or fails part-way (a truncated gzip says how far it got).
   */
  chunks(): AsyncIterable<string>
  /** The same input as bytes (gunzipped, without a UTF-8 byte-order mark), for readers that decode elsewhere. */
  bytes(): AsyncIterable<Buffer>
}

/** Read size: large enough that per-chunk costs (a promise, a decode call) vanish against the bytes. */
const READ_CHUNK = 256 * 1024

const GZIP_MAGIC = [0x1f, 0x8b] as const

/** One source per path; '-' (or no paths at all) means stdin. A path that does not exist or is a directory
 * is reported when its chunks are read, not here, so the other inputs are still read. */
export function openInputs(paths: string[], stdin: NodeJS.ReadableStream = process.stdin): InputSource[] {
  // stdin can be read once; naming it twice (`a.log - -`) is reported rather than read as empty.
  const once = {taken: false}
  if (paths.length === 0) return [stdinSource('stdin', stdin, once)]
  return paths.map((path) => (path === '-' ? stdinSource(path, stdin, once) : fileSource(path)))
}

function fileSource(path: string): InputSource {
  return {
    name: path,
    size: regularFileSize(path),
    chunks: () => decodeInput(inputBytes(path, () => createReadStream(path, {highWaterMark: READ_CHUNK}))),
    bytes: () => inputBytes(path, () => createReadStream(path, {highWaterMark: READ_CHUNK})),
  }
}

function stdinSource(name: string, stdin: NodeJS.ReadableStream, once: {taken: boolean}): InputSource {
  async function* bytes(): AsyncGenerator<Buffer> {
    if (once.taken) throw new InputError(name, 'stdin was already read')
    once.taken = true
    yield* inputBytes(name, () => stdin)
  }
  return {name, chunks: () => decodeInput(bytes()), bytes}
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

/** Decodes bytes as UTF-8 text chunks; a multi-byte character split between chunks is kept whole. */
async function* decodeInput(bytes: AsyncIterable<Buffer>): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8')
  for await (const buf of bytes) {
    const text = decoder.write(buf)
    if (text.length > 0) yield text
  }
  const rest = decoder.end()
  if (rest.length > 0) yield rest
}

/** An input's bytes: gunzipped when it starts with gzip's magic, without a leading UTF-8 byte-order mark. */
async function* inputBytes(name: string, open: () => NodeJS.ReadableStream): AsyncGenerator<Buffer> {
  const progress: Progress = {read: 0, inflated: 0, gzip: false}
  const raw = open()
  try {
    const bytes = rawBytes(raw, progress)
    const head = await peek(bytes, GZIP_MAGIC.length)
    progress.gzip = head.buffer.length >= 2 && head.buffer[0] === GZIP_MAGIC[0] && head.buffer[1] === GZIP_MAGIC[1]
    const body = progress.gzip ? gunzip(head, bytes, progress) : replay(head, bytes)
    // A UTF-8 byte-order mark (Windows tools write one) is not part of the first line; it may arrive split.
    let head3: Buffer = Buffer.alloc(0)
    let checked = false
    for await (const buf of body) {
      if (checked) {
        yield buf
        continue
      }
      head3 = head3.length === 0 ? buf : Buffer.concat([head3, buf])
      if (head3.length < 3) continue
      checked = true
      yield head3[0] === 0xef && head3[1] === 0xbb && head3[2] === 0xbf ? head3.subarray(3) : head3
    }
    if (!checked && head3.length > 0) yield head3
  } catch (error) {
    throw error instanceof InputError ? error : new InputError(name, why(error, progress))
  } finally {
    // Stop reading when the consumer stops early (`| head`, an error further down): no fd left open.
    if ('destroy' in raw && typeof raw.destroy === 'function') raw.destroy()
  }
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

const REASONS: Record<string, string> = {
  ENOENT: 'no such file',
  EISDIR: 'it is a directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'the name is too long',
}

function why(error: unknown, progress: Progress): string {
  const e = error as {code?: string; message?: string}
  const reason = (e.code && REASONS[e.code]) || e.message || String(error)
  // zlib's errors carry Z_ codes (Z_BUF_ERROR: "unexpected end of file" for a truncated member).
  if (progress.gzip && e.code?.startsWith('Z_')) {
    return `gzip data ends early or is corrupt (${reason}) after ${progress.read} compressed bytes, ` +
      `${progress.inflated} bytes decompressed`
  }
  return progress.read > 0 ? `${reason} after ${progress.read} bytes` : reason
}
