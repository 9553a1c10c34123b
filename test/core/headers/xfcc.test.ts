import {spawnSync} from 'node:child_process'

import {describe, expect, test} from 'vitest'

import {certificatePems, decodeXfcc, formatXfcc, parseXfcc, type XfccElement} from '../../../src/core/headers/index.js'
import {derSha256, fixturePath, pem, seedHeaders, urlEncodedPem} from './fixtures.js'

const NOW = new Date('2025-01-01T00:00:00Z')
const GW_SA = 'spiffe://cluster.local/ns/istio-system/sa/istio-egressgateway-service-account'
const DEFAULT_SA = 'spiffe://cluster.local/ns/default/sa/default'

const decode = (value: string, now: Date | number = NOW): XfccElement[] => {
  const r = decodeXfcc(value, {now})
  if (!r.ok) throw new Error(`expected a decode, got ${r.detail}`)
  return r.value
}
const parseError = (value: string) => {
  const r = parseXfcc(value)
  return r.ok ? 'parsed' : r.detail
}

describe('seed 001 XFCC, set by the egress gateway (brief §6, checked with openssl)', () => {
  test.each([
    {
      scenario: 'gateway-mtls-originated',
      hash: 'b21b1cb5b1a2f41340db0509416c2696583ee01cbc1d2eab03c751de6fa919ca',
      serial: 'fc:c5:40:26:c2:90:48:31:13:a1:03:8f:fa:5e:e9:0f',
      validFrom: '2024-06-21T19:19:51.000Z',
      validTo: '2024-06-22T19:21:51.000Z',
      requestTime: '2024-06-21T19:50:33Z',
    },
    {
      scenario: 'gateway-mtls-plaintext',
      hash: 'c207a3ae62f457284f557a63adad6f393852824c2875df3716e7da01af08ea0d',
      serial: '60:68:2b:67:3f:47:5d:95:03:02:e1:90:ae:37:ee:b5',
      validFrom: '2024-06-24T20:10:53.000Z',
      validTo: '2024-06-25T20:12:53.000Z',
      requestTime: '2024-06-24T21:29:03Z',
    },
  ] as const)('$scenario', ({scenario, hash, serial, validFrom, validTo, requestTime}) => {
    const value = seedHeaders(scenario)['X-Forwarded-Client-Cert'] as string
    const [el, ...rest] = decode(value, new Date(requestTime))
    expect(rest).toEqual([])
    expect(el).toMatchObject({by: GW_SA, hash, subject: '', uri: [DEFAULT_SA], dns: [], chainCertificates: [], hashMatches: true, problems: []})
    expect(el?.certificate).toEqual({
      subject: '',
      issuer: 'O=cluster.local',
      serial,
      uris: [DEFAULT_SA],
      dnsNames: [],
      ipAddresses: [],
      spiffe: {uri: DEFAULT_SA, trustDomain: 'cluster.local', path: '/ns/default/sa/default', namespace: 'default', serviceAccount: 'default'},
      validFrom,
      validTo,
      expired: false,
      notYetValid: false,
      checkedAt: new Date(requestTime).toISOString(),
      sha256: hash,
      isCA: false,
      keyType: 'rsa',
      keyBits: 2048,
      keyCurve: null,
    })
    // 24 h + 2 min: Istio's workload TTL with NotBefore backdated 2 minutes (brief §6)
    expect(Date.parse(validTo) - Date.parse(validFrom)).toBe((24 * 60 + 2) * 60_000)
    // Checked today the certificate has long expired: that is why evidence checks at the request time.
    expect(decode(value, NOW)[0]?.certificate?.expired).toBe(true)
  })

  test('the seed values round-trip exactly through formatXfcc: Envoy writes the same key order', () => {
    for (const scenario of ['gateway-mtls-originated', 'gateway-mtls-plaintext'] as const) {
      const value = seedHeaders(scenario)['X-Forwarded-Client-Cert'] as string
      const fields = parseXfcc(value)
      expect(fields.ok && formatXfcc(fields.value)).toBe(value)
    }
  })

  test('certificatePems gives the URL-decoded PEM, byte for byte the committed fixture', () => {
    const [el] = decode(seedHeaders('gateway-mtls-originated')['X-Forwarded-Client-Cert'] as string)
    expect(certificatePems(el as XfccElement)).toEqual([pem('seed-mtls-originated')])
  })
})

describe('grammar (Envoy headers.rst)', () => {
  test('Envoy docs example: quoted Subject with commas and equals signs', () => {
    const value =
      'By=http://frontend.lyft.com;Hash=468ed33be74eee6556d90c0149c1309e9ba61d6425303443c0748a02dd8de688;Subject="/C=US/ST=CA/L=San Francisco/OU=Lyft/CN=Test Client";URI=http://testclient.lyft.com'
    expect(parseXfcc(value)).toEqual({
      ok: true,
      value: [{
        by: 'http://frontend.lyft.com',
        hash: '468ed33be74eee6556d90c0149c1309e9ba61d6425303443c0748a02dd8de688',
        subject: '/C=US/ST=CA/L=San Francisco/OU=Lyft/CN=Test Client',
        uri: ['http://testclient.lyft.com'],
        dns: [],
      }],
    })
  })

  test.each([
    {name: 'two elements, one per proxy', value: 'By=spiffe://a;URI=spiffe://b,By=spiffe://c;URI=spiffe://d', want: [{by: 'spiffe://a', uri: ['spiffe://b'], dns: []}, {by: 'spiffe://c', uri: ['spiffe://d'], dns: []}]},
    {name: 'keys in any case', value: 'by=x;HASH=ab;uRi=u;dns=d;SUBJECT=""', want: [{by: 'x', hash: 'ab', uri: ['u'], dns: ['d'], subject: ''}]},
    {name: 'repeated URI and DNS keep their order', value: 'URI=u1;DNS=a.example;URI=u2;DNS=b.example', want: [{uri: ['u1', 'u2'], dns: ['a.example', 'b.example']}]},
    {name: 'comma, semicolon and equals inside quotes', value: 'Subject="CN=a,O=b;c=d";URI=u', want: [{subject: 'CN=a,O=b;c=d', uri: ['u'], dns: []}]},
    {name: 'escaped quotes inside quotes', value: 'Subject="CN=\\"quoted\\" name";By=b', want: [{subject: 'CN="quoted" name', by: 'b', uri: [], dns: []}]},
    {name: 'an escaped backslash, and RFC 2253 \\, kept', value: 'Subject="CN=a\\\\b,O=x\\,y"', want: [{subject: 'CN=a\\b,O=x\\,y', uri: [], dns: []}]},
    {name: 'spaces around separators', value: ' By=a ; URI=b , By=c ', want: [{by: 'a', uri: ['b'], dns: []}, {by: 'c', uri: [], dns: []}]},
    {name: 'a trailing semicolon', value: 'By=a;', want: [{by: 'a', uri: [], dns: []}]},
    {name: 'an empty quoted value', value: 'Subject=""', want: [{subject: '', uri: [], dns: []}]},
    {name: 'an empty unquoted value', value: 'By=;URI=u', want: [{by: '', uri: ['u'], dns: []}]},
    {name: 'unknown keys are kept in order', value: 'By=a;X-Custom=1;Other="q;v"', want: [{by: 'a', uri: [], dns: [], other: [{key: 'X-Custom', value: '1'}, {key: 'Other', value: 'q;v'}]}]},
    {name: 'an equals sign in an unquoted value', value: 'URI=spiffe://td/ns/a=b', want: [{uri: ['spiffe://td/ns/a=b'], dns: []}]},
  ])('$name', ({value, want}) => expect(parseXfcc(value)).toEqual({ok: true, value: want}))

  test.each([
    {name: 'empty', value: '', want: 'XFCC: empty value'},
    {name: 'unterminated quote in element 2', value: 'By=spiffe://a;URI=spiffe://b,By=spiffe://c;Subject="CN=open', want: 'XFCC element 2: unterminated quote at offset 51'},
    {name: 'text after a closing quote', value: 'Subject="a"b;By=c', want: 'XFCC element 1: unexpected "b" after a quoted value at offset 11'},
    {name: 'a pair without =', value: 'By=a;junk;URI=u', want: 'XFCC element 1: "junk" has no \'=\' at offset 5'},
    {name: 'a missing key', value: 'By=a;=b', want: "XFCC element 1: missing key before '=' at offset 5"},
    {name: 'an empty element between commas', value: 'By=a,,By=b', want: 'XFCC element 2: empty element at offset 5'},
    {name: 'a trailing comma', value: 'By=a,', want: 'XFCC element 2: empty element at offset 5'},
    {name: 'By twice in one element', value: 'By=a;URI=u;by=b', want: 'XFCC element 1: repeated By at offset 11'},
    {name: 'a quote escaped at the very end', value: 'Subject="abc\\"', want: 'XFCC element 1: unterminated quote at offset 8'},
  ])('$name', ({value, want}) => expect(parseError(value)).toBe(want))

  test('the unterminated-quote offset points at the quote', () => {
    const value = 'By=spiffe://a;URI=spiffe://b,By=spiffe://c;Subject="CN=open'
    expect(value[51]).toBe('"')
  })
})

describe('generated certificates (fixtures/certs/README.md)', () => {
  const sleep = pem('sleep')
  const gateway = pem('gateway')
  const expired = pem('expired')
  const chain = pem('sleep-chain')
  const SLEEP_SA = 'spiffe://cluster.local/ns/default/sa/sleep'

  test('several elements with Cert, Chain and DNS SANs', () => {
    const value = formatXfcc([
      {by: GW_SA, hash: derSha256(sleep), cert: urlEncodedPem(sleep), chain: urlEncodedPem(chain), subject: '', uri: [SLEEP_SA], dns: []},
      {
        by: 'spiffe://cluster.local/ns/httpbin/sa/httpbin',
        hash: derSha256(gateway),
        cert: urlEncodedPem(gateway),
        subject: 'CN=istio-egressgateway,O=cluster.local',
        uri: [GW_SA],
        dns: ['istio-egressgateway.istio-system.svc', 'istio-egressgateway.istio-system.svc.cluster.local'],
      },
    ])
    const [first, second] = decode(value)
    expect(first).toMatchObject({hashMatches: true, problems: [], uri: [SLEEP_SA]})
    expect(first?.certificate).toMatchObject({subject: '', issuer: 'O=cluster.local, CN=intermediate', serial: '30:01', uris: [SLEEP_SA], isCA: false, keyType: 'rsa', keyBits: 2048})
    expect(first?.certificate?.spiffe).toEqual({uri: SLEEP_SA, trustDomain: 'cluster.local', path: '/ns/default/sa/sleep', namespace: 'default', serviceAccount: 'sleep'})
    expect(first?.chainCertificates.map((c) => [c.serial, c.subject, c.isCA])).toEqual([
      ['30:01', '', false],
      ['20:00', 'O=cluster.local, CN=intermediate', true],
    ])
    expect(second).toMatchObject({hashMatches: true, problems: [], dns: ['istio-egressgateway.istio-system.svc', 'istio-egressgateway.istio-system.svc.cluster.local']})
    expect(second?.certificate).toMatchObject({
      subject: 'O=cluster.local, CN=istio-egressgateway',
      serial: '30:02',
      uris: [GW_SA],
      dnsNames: ['istio-egressgateway.istio-system.svc', 'istio-egressgateway.istio-system.svc.cluster.local'],
      validFrom: '2024-01-01T00:00:00.000Z',
      validTo: '2034-01-01T00:00:00.000Z',
      keyType: 'ec',
      keyBits: null,
      keyCurve: 'prime256v1',
    })
    expect(certificatePems(first as XfccElement)).toEqual([sleep, pem('intermediate')])
  })

  test('a Chain alone: the hash is checked against its leaf', () => {
    const [el] = decode(formatXfcc([{hash: derSha256(sleep), chain: urlEncodedPem(chain), uri: [], dns: []}]))
    expect(el).toMatchObject({certificate: null, hashMatches: true})
    expect(el?.chainCertificates).toHaveLength(2)
  })

  test('an expired certificate', () => {
    const [el] = decode(formatXfcc([{hash: derSha256(expired), cert: urlEncodedPem(expired), uri: ['spiffe://cluster.local/ns/legacy/sa/old-client'], dns: []}]))
    expect(el?.certificate).toMatchObject({validFrom: '2023-01-01T00:00:00.000Z', validTo: '2023-01-02T00:00:00.000Z', expired: true, notYetValid: false, serial: '30:03'})
    const [before] = decode(formatXfcc([{cert: urlEncodedPem(expired), uri: [], dns: []}]), Date.parse('2022-12-31T00:00:00Z'))
    expect(before?.certificate).toMatchObject({expired: false, notYetValid: true})
  })

  test('a Hash that does not match its Cert', () => {
    const wrong = derSha256(gateway)
    const [el] = decode(formatXfcc([{by: GW_SA, hash: wrong, cert: urlEncodedPem(sleep), uri: [SLEEP_SA], dns: []}]))
    expect(el).toMatchObject({hashMatches: false})
    expect(el?.certificate?.sha256).toBe(derSha256(sleep))
  })

  test('Hash in uppercase or with colons still compares', () => {
    const colons = derSha256(sleep).toUpperCase().replace(/(..)(?!$)/g, '$1:')
    const [el] = decode(formatXfcc([{hash: colons, cert: urlEncodedPem(sleep), uri: [], dns: []}]))
    expect(el?.hashMatches).toBe(true)
  })

  test('no Cert: hashMatches is null', () => {
    expect(decode('By=a;Hash=abcd;URI=u')[0]).toMatchObject({certificate: null, hashMatches: null, problems: []})
  })

  test('an unreadable Cert is a problem on the element, not a failed header', () => {
    const [el] = decode('By=a;Cert="-----BEGIN%20CERTIFICATE-----%0AAAAA%0A-----END%20CERTIFICATE-----";URI=u')
    expect(el).toMatchObject({by: 'a', uri: ['u'], certificate: null})
    expect(el?.problems).toHaveLength(1)
    expect(el?.problems[0]).toMatch(/^XFCC element 1: Cert is not a PEM certificate \(.+\)$/)
  })

  test('a malformed %-escape in Cert', () => {
    expect(decode('Cert="abc%zz"')[0]?.problems).toEqual(['XFCC element 1: Cert has a malformed %-escape at offset 3 of its value'])
  })

  test('a Chain with no certificate in it', () => {
    expect(decode('Chain="nothing%20here"')[0]?.problems).toEqual(['XFCC element 1: Chain holds no PEM certificate'])
  })
})

// The openssl cross-check runs where openssl is installed (CI images have it); it reads the same files.
const openssl = spawnSync('openssl', ['version'], {encoding: 'utf8'})
describe.skipIf(openssl.status !== 0)('node:crypto agrees with openssl x509', () => {
  test.each(['sleep', 'gateway', 'expired', 'intermediate', 'root', 'seed-mtls-originated', 'seed-mtls-plaintext'])('%s', (name) => {
    const out = spawnSync('openssl', ['x509', '-noout', '-serial', '-fingerprint', '-sha256', '-in', fixturePath(`certs/${name}.pem`)], {encoding: 'utf8'}).stdout
    const serial = /serial=([0-9A-F]+)/.exec(out)?.[1] ?? ''
    const fingerprint = /Fingerprint=([0-9A-F:]+)/.exec(out)?.[1] ?? ''
    const [el] = decode(formatXfcc([{cert: urlEncodedPem(pem(name)), uri: [], dns: []}]))
    expect(el?.certificate?.serial.replace(/:/g, '')).toBe(serial.toLowerCase().replace(/^0+(?=..)/, ''))
    expect(el?.certificate?.sha256).toBe(fingerprint.replace(/:/g, '').toLowerCase())
  })
})
