// X.509 certificates from XFCC's Cert and Chain, read with node:crypto (parsing, not I/O). The time a
// certificate is checked against is passed in: the core never reads the clock.

import {createHash, X509Certificate} from 'node:crypto'

import {ok, skippedWith, type Parsed} from '../result.js'
import type {CertificateInfo, SpiffeId} from './types.js'

const BEGIN = '-----BEGIN CERTIFICATE-----'
const END = '-----END CERTIFICATE-----'

/** A hostile Chain can hold hundreds of certificates; an audit needs the first few. */
export const MAX_CHAIN_CERTIFICATES = 16

/** Reads one PEM certificate. Never throws. */
export function decodeCertificate(pem: string, at: Date): Parsed<CertificateInfo> {
  let cert: X509Certificate
  try {
    cert = new X509Certificate(pem)
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err)
    return skippedWith('bad-field', `not a PEM certificate (${oneLine(why)})`)
  }
  try {
    return ok(describeCertificate(cert, at))
  } catch (err) {
    return skippedWith('bad-field', `certificate could not be read (${oneLine(err instanceof Error ? err.message : String(err))})`)
  }
}

/** The PEM blocks of a bundle, in order. Scans with indexOf so a BEGIN without END costs one pass. */
export function splitPemBundle(text: string): string[] {
  const blocks: string[] = []
  let from = 0
  for (;;) {
    const start = text.indexOf(BEGIN, from)
    if (start === -1) break
    const stop = text.indexOf(END, start + BEGIN.length)
    if (stop === -1) break
    blocks.push(`${text.slice(start, stop + END.length)}\n`)
    from = stop + END.length
  }
  return blocks
}

function describeCertificate(cert: X509Certificate, at: Date): CertificateInfo {
  const sans = parseSubjectAltName(cert.subjectAltName ?? '')
  const uris = sans.filter((s) => s.type === 'URI').map((s) => s.value)
  const validFrom = toIso(cert.validFrom)
  const validTo = toIso(cert.validTo)
  const key = describeKey(cert)
  const spiffeUri = uris.find((u) => u.startsWith('spiffe://'))
  return {
    subject: formatName(cert.subject),
    issuer: formatName(cert.issuer),
    serial: formatSerial(cert.serialNumber),
    uris,
    dnsNames: sans.filter((s) => s.type === 'DNS').map((s) => s.value),
    ipAddresses: sans.filter((s) => s.type === 'IP Address').map((s) => s.value),
    spiffe: spiffeUri === undefined ? null : parseSpiffeId(spiffeUri),
    validFrom,
    validTo,
    expired: at.getTime() > Date.parse(validTo),
    notYetValid: at.getTime() < Date.parse(validFrom),
    checkedAt: at.toISOString(),
    sha256: createHash('sha256').update(cert.raw).digest('hex'),
    isCA: cert.ca,
    ...key,
  }
}

function describeKey(cert: X509Certificate): Pick<CertificateInfo, 'keyType' | 'keyBits' | 'keyCurve'> {
  try {
    const key = cert.publicKey
    const details = key.asymmetricKeyDetails
    return {keyType: key.asymmetricKeyType ?? null, keyBits: details?.modulusLength ?? null, keyCurve: details?.namedCurve ?? null}
  } catch {
    // An algorithm this OpenSSL build does not know: the certificate is still worth reporting.
    return {keyType: null, keyBits: null, keyCurve: null}
  }
}

/** node:crypto prints a name one RDN per line; an empty subject (Istio workload certs) is undefined. */
function formatName(name: string | undefined): string {
  return (name ?? '').split('\n').filter(Boolean).join(', ')
}

/** `FCC54026…` → `fc:c5:40:26:…`, as `openssl x509 -text` prints it. */
export function formatSerial(hex: string): string {
  const even = hex.length % 2 === 1 ? `0${hex}` : hex
  return even.toLowerCase().replace(/(..)(?!$)/g, '$1:')
}

/** node:crypto's `Jun 21 19:19:51 2024 GMT` → ISO 8601; kept as printed if it will not parse. */
function toIso(text: string): string {
  const ms = Date.parse(text)
  return Number.isNaN(ms) ? text : new Date(ms).toISOString()
}

type San = {type: string; value: string}

/**
 * node:crypto's subjectAltName: `DNS:a, URI:spiffe://…, IP Address:10.0.0.1`. Since the 2022 security
 * release a value holding `,` or `"` is written as a JSON string (`URI:"a,b"`), so a comma inside it
 * does not start a new entry.
 */
export function parseSubjectAltName(text: string): San[] {
  const out: San[] = []
  let i = 0
  while (i < text.length) {
    const colon = text.indexOf(':', i)
    if (colon === -1) break
    const type = text.slice(i, colon).trim()
    let value: string
    let next: number
    if (text[colon + 1] === '"') {
      const close = findJsonStringEnd(text, colon + 1)
      value = safeJsonString(text.slice(colon + 1, close + 1))
      next = text.indexOf(',', close + 1)
    } else {
      next = text.indexOf(', ', colon + 1)
      value = text.slice(colon + 1, next === -1 ? text.length : next)
    }
    out.push({type, value})
    if (next === -1) break
    i = next + 1
  }
  return out
}

function findJsonStringEnd(text: string, open: number): number {
  for (let i = open + 1; i < text.length; i++) {
    if (text[i] === '\\') i++
    else if (text[i] === '"') return i
  }
  return text.length - 1
}

function safeJsonString(quoted: string): string {
  try {
    const v: unknown = JSON.parse(quoted)
    return typeof v === 'string' ? v : quoted
  } catch {
    return quoted
  }
}

/** `spiffe://cluster.local/ns/default/sa/sleep` → trust domain, and Istio's namespace and service account. */
export function parseSpiffeId(uri: string): SpiffeId | null {
  if (!uri.startsWith('spiffe://')) return null
  const rest = uri.slice('spiffe://'.length)
  const slash = rest.indexOf('/')
  const trustDomain = slash === -1 ? rest : rest.slice(0, slash)
  const path = slash === -1 ? '' : rest.slice(slash)
  if (trustDomain === '') return null
  const m = /^\/ns\/([^/]+)\/sa\/([^/]+)$/.exec(path)
  return m ? {uri, trustDomain, path, namespace: m[1], serviceAccount: m[2]} : {uri, trustDomain, path}
}

const oneLine = (s: string) => s.replace(/\s*\n\s*/g, ' ')
