// X-Forwarded-Client-Cert (src/core/headers/xfcc.ts). Any value parses into elements or an error that
// names the element and offset, never a throw; what formatXfcc writes parses back to the same elements
// (a round trip), and writing a parsed value is a fixed point (idempotence); certificates in Cert and
// Chain are read whatever surrounds them, and Hash is checked against the certificate's own SHA-256.

import {deepStrictEqual} from 'node:assert/strict'
import {X509Certificate, createHash} from 'node:crypto'
import {readFileSync} from 'node:fs'

import fc from 'fast-check'

import {decodeXfcc, formatXfcc, parseXfcc} from '../../src/core/headers/xfcc.js'
import type {XfccFields} from '../../src/core/headers/types.js'
import {XFCC_VALUES} from './corpus.js'
import {check} from './entries.js'
import {fuzz} from './fuzz.js'
import {anyText, mutated} from './mutate.js'

const GRAMMAR = ['By=', 'Hash=', 'URI=', 'DNS=', 'Cert="', 'Chain=', 'Subject=', 'x-other=', ';', ',', '"', '\\', '\\"', '=', ' ', '\t', 'a', '%0A', '%', '%ZZ', 'spiffe://x/ns/a/sa/b']
const anyXfcc = fc.oneof(anyText(200), mutated(XFCC_VALUES), fc.array(fc.constantFrom(...GRAMMAR), {maxLength: 40}).map((a) => a.join('')))

fuzz('any value: elements each with at least one pair, or an error naming the element and where',
  fc.property(anyXfcc, (value) => {
    const r = parseXfcc(value)
    if (!r.ok) return check(r.reason === 'bad-field' && /^XFCC( element \d+)?: /.test(r.detail ?? ''), () => `error ${JSON.stringify(r)}`)
    check(r.value.length > 0, () => 'parsed to no element')
    for (const e of r.value) check(Object.keys(e).length > 2 || e.uri.length + e.dns.length > 0, () => `empty element ${JSON.stringify(e)}`)
  }))

fuzz('any value, certificates decoded: every element keeps its fields, and what could not be read is a problem, not a throw',
  fc.property(anyXfcc, fc.date({min: new Date('2000-01-01'), max: new Date('2040-01-01'), noInvalidDate: true}), (value, now) => {
    const parsed = parseXfcc(value)
    const decoded = decodeXfcc(value, {now})
    check(parsed.ok === decoded.ok, () => 'parse and decode disagree on whether the value is XFCC')
    if (!parsed.ok || !decoded.ok) return
    decoded.value.forEach((e, i) => {
      const {certificate: _c, chainCertificates: _cc, hashMatches: _h, problems, ...fields} = e
      deepStrictEqual(fields, parsed.value[i])
      check(problems.every((p) => typeof p === 'string' && p.startsWith(`XFCC element ${i + 1}: `)), () => `problems ${JSON.stringify(problems)}`)
    })
  }))

// ---- round trip and idempotence -----------------------------------------------------------------------

// Values may hold every character the grammar treats specially; the 'binary' unit adds the rest.
const special = fc.constantFrom(',', ';', '=', '"', '\\', ' ', '\t', '\\"', '%0A', '\u00a0')
const value = fc.oneof(fc.string({unit: 'binary', maxLength: 30}), fc.array(fc.oneof(special, fc.string({maxLength: 3})), {maxLength: 8}).map((a) => a.join('')))
const otherKey = fc
  .stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,10}$/)
  .filter((k) => !['by', 'hash', 'cert', 'chain', 'subject', 'uri', 'dns'].includes(k.toLowerCase()))
const element: fc.Arbitrary<XfccFields> = fc
  .record(
    {by: value, hash: value, cert: value, chain: value, subject: value, uri: fc.array(value, {maxLength: 3}), dns: fc.array(value, {maxLength: 3}), other: fc.array(fc.record({key: otherKey, value}, {noNullPrototype: true}), {minLength: 1, maxLength: 2})},
    {requiredKeys: ['uri', 'dns'], noNullPrototype: true},
  )
  // An element needs at least one pair: an empty one is not something Envoy writes.
  .filter((e) => Object.keys(e).length > 2 || e.uri.length + e.dns.length > 0)

fuzz('parseXfcc(formatXfcc(elements)) is the elements, whatever their values hold',
  fc.property(fc.array(element, {minLength: 1, maxLength: 4}), (elements) => {
    deepStrictEqual(parseXfcc(formatXfcc(elements)), {ok: true, value: elements})
  }))

fuzz('any value that parses, written and parsed again, gives the same elements (formatting is idempotent)',
  fc.property(fc.oneof(anyXfcc, fc.array(element, {minLength: 1, maxLength: 3}).map(formatXfcc)), (v) => {
    const once = parseXfcc(v)
    if (!once.ok) return
    const written = formatXfcc(once.value)
    deepStrictEqual(parseXfcc(written), once)
    check(formatXfcc(once.value) === written, () => 'formatting is not deterministic')
  }))

// ---- certificates -----------------------------------------------------------------------------------

const certFile = (name: string) => readFileSync(new URL(`../../fixtures/certs/${name}.pem`, import.meta.url), 'utf8')
const CERTS = ['sleep', 'gateway', 'expired', 'seed-mtls-originated', 'seed-mtls-plaintext'].map((name) => {
  const pem = certFile(name)
  const x509 = new X509Certificate(pem)
  return {name, pem, sha256: createHash('sha256').update(x509.raw).digest('hex'), notAfter: Date.parse(x509.validTo), notBefore: Date.parse(x509.validFrom)}
})
const CHAIN = certFile('sleep-chain')

/** Hash as Envoy writes it (lowercase hex), as openssl prints it (colons, uppercase), or a wrong one. */
const hashFor = (sha256: string) =>
  fc.oneof(
    fc.constant({text: sha256, matches: true}),
    fc.constant({text: sha256.toUpperCase().replace(/(..)(?!$)/g, '$1:'), matches: true}),
    fc.stringMatching(/^[0-9a-f]{64}$/).filter((h) => h !== sha256).map((text) => ({text, matches: false})),
  )

fuzz('a real certificate in Cert (any neighbours, a Chain or not) is read; Hash matches exactly when it is its SHA-256; validity is checked at `now`',
  fc.property(
    fc.constantFrom(...CERTS).chain((cert) => fc.tuple(fc.constant(cert), hashFor(cert.sha256))),
    fc.array(element, {maxLength: 2}),
    fc.boolean(),
    fc.date({min: new Date('2020-01-01'), max: new Date('2040-01-01'), noInvalidDate: true}),
    ([cert, hash], neighbours, withChain, now) => {
      const mine: XfccFields = {by: 'spiffe://cluster.local/ns/istio-system/sa/gw', hash: hash.text, cert: encodeURIComponent(cert.pem), subject: '', uri: ['spiffe://cluster.local/ns/default/sa/sleep'], dns: []}
      if (withChain) mine.chain = encodeURIComponent(CHAIN)
      const elements = [...neighbours, mine]
      const r = decodeXfcc(formatXfcc(elements), {now})
      check(r.ok, () => `refused: ${r.ok ? '' : r.detail}`)
      const e = r.value.at(-1)!
      check(e.certificate !== null, () => `certificate not read: ${JSON.stringify(e.problems)}`)
      check(e.certificate.sha256 === cert.sha256, () => `sha256 ${e.certificate?.sha256} ≠ ${cert.sha256}`)
      check(e.hashMatches === hash.matches, () => `hashMatches ${String(e.hashMatches)} for ${hash.text}`)
      check(e.certificate.expired === now.getTime() > cert.notAfter && e.certificate.notYetValid === now.getTime() < cert.notBefore, () => `validity at ${now.toISOString()}`)
      check(e.chainCertificates.length === (withChain ? 2 : 0), () => `${e.chainCertificates.length} chain certificates`)
    },
  ),
  // node:crypto reads three certificates per run (~2.5 ms under vitest): a fiftieth of the count keeps
  // `npm run fuzz` within minutes; the XFCC grammar itself gets the full count above.
  {scale: 1 / 50})
