// X-Forwarded-Client-Cert, Envoy's grammar (docs: http_conn_man/headers.rst; brief §6): elements separated
// by `,`, one per proxy; inside, `key=value` pairs separated by `;`; keys case-insensitive; a value holding
// `,` `;` or `=` is double-quoted, an inner `"` written `\"`. Cert and Chain are URL-encoded PEM; URI and
// DNS repeat, one per SAN. Offsets in errors are 0-based characters into the whole header value, and
// elements are counted from 1, so "XFCC element 2: unterminated quote at offset 41" points at the quote.

import {ok, skippedWith, type Parsed} from '../result.js'
import {clip} from '../text/scrub.js'
import {decodeCertificate, MAX_CHAIN_CERTIFICATES, splitPemBundle} from './certificate.js'
import type {CertificateInfo, XfccElement, XfccFields} from './types.js'

type SingleKey = 'by' | 'hash' | 'cert' | 'chain' | 'subject'
const SINGLE_KEYS: readonly string[] = ['by', 'hash', 'cert', 'chain', 'subject'] satisfies SingleKey[]
const KEY_NAMES: Record<SingleKey | 'uri' | 'dns', string> = {by: 'By', hash: 'Hash', cert: 'Cert', chain: 'Chain', subject: 'Subject', uri: 'URI', dns: 'DNS'}

/** Splits an XFCC value into elements and their fields, without decoding certificates. Never throws. */
export function parseXfcc(value: string): Parsed<XfccFields[]> {
  if (value.trim() === '') return skippedWith('bad-field', 'XFCC: empty value')
  const scanner = new XfccScanner(value)
  const elements = scanner.run()
  return scanner.error === undefined ? ok(elements) : skippedWith('bad-field', scanner.error)
}

/** Parses an XFCC value and reads every certificate in it, checked against `now`. Never throws. */
export function decodeXfcc(value: string, options: {now: Date | number}): Parsed<XfccElement[]> {
  const parsed = parseXfcc(value)
  if (!parsed.ok) return parsed
  const at = new Date(options.now)
  return ok(parsed.value.map((fields, i) => decodeXfccElement(fields, i + 1, at)))
}

/** Writes elements back as Envoy would: By;Hash;Cert;Chain;Subject;URI…;DNS…, quoting where needed. */
export function formatXfcc(elements: readonly XfccFields[]): string {
  return elements.map(formatElement).join(',')
}

/** The PEM certificates an element carries (Cert, then Chain's that differ), URL-decoded, for `--pem`. */
export function certificatePems(element: XfccFields): string[] {
  const pems: string[] = []
  for (const raw of [element.cert, element.chain]) {
    if (raw === undefined) continue
    const text = decodeUrl(raw)
    if (!text.ok) continue
    for (const block of splitPemBundle(text.value)) if (!pems.includes(block)) pems.push(block)
  }
  return pems
}

// ---- parsing ----------------------------------------------------------------------------------------

class XfccScanner {
  error: string | undefined
  private i = 0
  private elementNo = 1
  private readonly elements: XfccFields[] = []
  private current: XfccFields = emptyFields()
  private pairs = 0

  constructor(private readonly text: string) {}

  run(): XfccFields[] {
    while (this.error === undefined && this.readPair()) {
      /* one pair per turn */
    }
    if (this.error === undefined && this.pairs > 0) this.elements.push(this.current)
    return this.elements
  }

  /** Reads one key=value and the separator after it; false at the end or on an error. */
  private readPair(): boolean {
    const {text} = this
    this.skipSpaces()
    const keyStart = this.i
    while (this.i < text.length && !isOneOf(text.charCodeAt(this.i), EQUALS, SEMI, COMMA)) this.i++
    const key = text.slice(keyStart, this.i).trim()
    const stop = text.charCodeAt(this.i)
    if (stop !== EQUALS) return this.endWithoutValue(key, keyStart, stop)
    if (key === '') return this.fail(`missing key before '=' at offset ${this.i}`)
    // A quote can only open a value; one in a key means the quoting upstream went wrong.
    if (key.includes('"')) return this.fail(`quote in key ${JSON.stringify(clip(key, 40))} at offset ${text.indexOf('"', keyStart)}`)
    this.i++
    const value = this.readValue()
    if (value === undefined) return false
    if (!this.assign(key, value, keyStart)) return false
    return this.readSeparator()
  }

  /** A key with no `=`: tolerated only as an empty pair (`;;`, a trailing `;`) or the end. */
  private endWithoutValue(key: string, keyStart: number, stop: number): boolean {
    if (key !== '') return this.fail(`${JSON.stringify(clip(key, 40))} has no '=' at offset ${keyStart}`)
    if (Number.isNaN(stop)) {
      if (this.pairs === 0) return this.fail(`empty element at offset ${this.i}`)
      return false
    }
    if (stop === COMMA) return this.fail(`empty element at offset ${this.i}`)
    this.i++ // a stray `;`
    return true
  }

  private readValue(): string | undefined {
    this.skipSpaces()
    if (this.text.charCodeAt(this.i) === QUOTE) return this.readQuoted()
    const start = this.i
    while (this.i < this.text.length && !isOneOf(this.text.charCodeAt(this.i), SEMI, COMMA)) this.i++
    return this.text.slice(start, this.i).trim()
  }

  /** `"…"` with `\"` and `\\` unescaped; any other backslash is kept (RFC 2253 subjects use `\,`). */
  private readQuoted(): string | undefined {
    const {text} = this
    const open = this.i
    let out = ''
    let from = ++this.i
    while (this.i < text.length) {
      const c = text.charCodeAt(this.i)
      if (c === BACKSLASH && isOneOf(text.charCodeAt(this.i + 1), QUOTE, BACKSLASH)) {
        out += text.slice(from, this.i)
        from = ++this.i // keep the escaped character, drop the backslash
        this.i++
      } else if (c === QUOTE) {
        out += text.slice(from, this.i)
        this.i++
        this.skipSpaces()
        if (this.i < text.length && !isOneOf(text.charCodeAt(this.i), SEMI, COMMA)) {
          this.fail(`unexpected ${JSON.stringify(text[this.i])} after a quoted value at offset ${this.i}`)
          return undefined
        }
        return out
      } else {
        this.i++
      }
    }
    this.fail(`unterminated quote at offset ${open}`)
    return undefined
  }

  private readSeparator(): boolean {
    if (this.i >= this.text.length) return false
    if (this.text.charCodeAt(this.i) === COMMA) {
      this.elements.push(this.current)
      this.current = emptyFields()
      this.pairs = 0
      this.elementNo++
    }
    this.i++
    return true
  }

  private assign(key: string, value: string, at: number): boolean {
    const lower = key.toLowerCase()
    const fields = this.current
    this.pairs++
    if (lower === 'uri') fields.uri.push(value)
    else if (lower === 'dns') fields.dns.push(value)
    else if (SINGLE_KEYS.includes(lower)) {
      const k = lower as SingleKey
      if (fields[k] !== undefined) return this.fail(`repeated ${KEY_NAMES[k]} at offset ${at}`)
      fields[k] = value
    } else (fields.other ??= []).push({key, value})
    return true
  }

  private skipSpaces(): void {
    while (this.i < this.text.length && isSpace(this.text.charCodeAt(this.i))) this.i++
  }

  private fail(message: string): false {
    this.error = `XFCC element ${this.elementNo}: ${message}`
    return false
  }
}

const EQUALS = 0x3d
const SEMI = 0x3b
const COMMA = 0x2c
const QUOTE = 0x22
const BACKSLASH = 0x5c
const isOneOf = (c: number, a: number, b: number, d = -1) => c === a || c === b || c === d
const isSpace = (c: number) => c === 0x20 || c === 0x09
const emptyFields = (): XfccFields => ({uri: [], dns: []})

// ---- certificates -----------------------------------------------------------------------------------

function decodeXfccElement(fields: XfccFields, elementNo: number, at: Date): XfccElement {
  const problems: string[] = []
  const where = `XFCC element ${elementNo}`
  let certificate: CertificateInfo | null = null
  if (fields.cert !== undefined) {
    const pem = decodeUrl(fields.cert)
    if (!pem.ok) problems.push(`${where}: Cert ${pem.detail ?? pem.reason}`)
    else {
      const cert = decodeCertificate(pem.value, at)
      if (cert.ok) certificate = cert.value
      else problems.push(`${where}: Cert is ${cert.detail ?? cert.reason}`)
    }
  }
  const chainCertificates = fields.chain === undefined ? [] : decodeChain(fields.chain, at, where, problems)
  const leaf = certificate ?? chainCertificates[0] ?? null
  const hashMatches = fields.hash === undefined || leaf === null ? null : normaliseHex(fields.hash) === leaf.sha256
  return {...fields, certificate, chainCertificates, hashMatches, problems}
}

function decodeChain(raw: string, at: Date, where: string, problems: string[]): CertificateInfo[] {
  const text = decodeUrl(raw)
  if (!text.ok) {
    problems.push(`${where}: Chain ${text.detail ?? text.reason}`)
    return []
  }
  const blocks = splitPemBundle(text.value)
  if (blocks.length === 0) problems.push(`${where}: Chain holds no PEM certificate`)
  if (blocks.length > MAX_CHAIN_CERTIFICATES) {
    problems.push(`${where}: Chain holds ${blocks.length} certificates; read the first ${MAX_CHAIN_CERTIFICATES}`)
  }
  const out: CertificateInfo[] = []
  blocks.slice(0, MAX_CHAIN_CERTIFICATES).forEach((pem, i) => {
    const cert = decodeCertificate(pem, at)
    if (cert.ok) out.push(cert.value)
    else problems.push(`${where}: Chain certificate ${i + 1} is ${cert.detail ?? cert.reason}`)
  })
  return out
}

/** Hash as Envoy writes it is lowercase hex; accept openssl's colon form and uppercase too. */
const normaliseHex = (s: string) => s.replace(/:/g, '').toLowerCase()

/** URL decoding that reports the first bad escape instead of throwing URIError. */
function decodeUrl(raw: string): Parsed<string> {
  try {
    return ok(decodeURIComponent(raw))
  } catch {
    const bad = /%(?![0-9a-fA-F]{2})/.exec(raw)
    return skippedWith('bad-field', bad ? `has a malformed %-escape at offset ${bad.index} of its value` : 'URL-decodes to invalid UTF-8')
  }
}

// ---- formatting -------------------------------------------------------------------------------------

function formatElement(e: XfccFields): string {
  const pairs: string[] = []
  const put = (key: string, value: string | undefined, alwaysQuote = false) => {
    if (value !== undefined) pairs.push(`${key}=${alwaysQuote || needsQuotes(value) ? quote(value) : value}`)
  }
  put('By', e.by)
  put('Hash', e.hash)
  // Envoy quotes Cert, Chain and Subject whatever they hold (conn_manager_utility.cc).
  put('Cert', e.cert, true)
  put('Chain', e.chain, true)
  put('Subject', e.subject, true)
  for (const uri of e.uri) put('URI', uri)
  for (const dns of e.dns) put('DNS', dns)
  for (const {key, value} of e.other ?? []) put(key, value)
  return pairs.join(';')
}

const needsQuotes = (v: string) => v === '' || /[,;="\\]/.test(v) || v.trim() !== v
const quote = (v: string) => `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`
