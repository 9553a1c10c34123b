import fc from 'fast-check'
import {describe, expect, test} from 'vitest'

import {hostOfAuthority, ipOf, parseCluster, portOf, portOfAuthority, sameIp, splitAddress} from '../../../src/core/join/cluster.js'

describe('parseCluster', () => {
  test.each([
    {name: 'service cluster of the seed gateway line', raw: 'outbound|443||httpbin.org', want: {kind: 'service', direction: 'outbound', port: 443, subset: '', host: 'httpbin.org'}},
    {name: 'subset and the gateway host (BLOG22 sidecar line)', raw: 'outbound|80|google|istio-egressgateway.istio-system.svc.cluster.local', want: {kind: 'service', port: 80, subset: 'google', host: 'istio-egressgateway.istio-system.svc.cluster.local'}},
    {name: 'inbound cluster without a host', raw: 'inbound|8080||', want: {kind: 'service', direction: 'inbound', port: 8080, host: ''}},
    {name: 'waypoint inbound-vip', raw: 'inbound-vip|80|http|httpbin.org', want: {kind: 'service', direction: 'inbound-vip', port: 80, subset: 'http', host: 'httpbin.org'}},
    {name: "%UPSTREAM_CLUSTER%'s alt_stat_name ';' (Istio 1.23) is dropped", raw: 'outbound|443||httpbin.org;', want: {kind: 'service', host: 'httpbin.org'}},
    {name: 'DNS-SRV form (empty subset: "_._.")', raw: 'outbound_.443_._.httpbin.org', want: {kind: 'service', direction: 'outbound', port: 443, subset: '', host: 'httpbin.org'}},
    {name: 'PassthroughCluster', raw: 'PassthroughCluster', want: {kind: 'passthrough'}},
    {name: 'BlackHoleCluster', raw: 'BlackHoleCluster', want: {kind: 'blackhole'}},
    {name: 'InboundPassthroughCluster (1.23+)', raw: 'InboundPassthroughCluster', want: {kind: 'inbound-passthrough'}},
    {name: 'InboundPassthroughClusterIpv4 (before 1.23)', raw: 'InboundPassthroughClusterIpv4', want: {kind: 'inbound-passthrough'}},
    {name: 'InboundPassthroughClusterIpv6', raw: 'InboundPassthroughClusterIpv6', want: {kind: 'inbound-passthrough'}},
    {name: 'AllowAnyDynamicDNSCluster (1.31 pre-releases)', raw: 'AllowAnyDynamicDNSCluster', want: {kind: 'allow-any-dns'}},
    {name: 'a bad port is null, not NaN', raw: 'outbound|99999||x', want: {kind: 'service', port: null}},
    {name: 'too many fields: other', raw: 'outbound|1||a|b', want: {kind: 'other'}},
    {name: 'unknown direction: other', raw: 'sideways|1||a', want: {kind: 'other'}},
    {name: 'a waypoint internal cluster', raw: 'main_internal', want: {kind: 'other'}},
  ])('$name', ({raw, want}) => expect(parseCluster(raw)).toMatchObject({...want, raw}))

  test.each([null, undefined, '', '-'])('%j is no cluster', (raw) => expect(parseCluster(raw)).toBeNull())

  test('never throws, and keeps the raw name', () => {
    fc.assert(fc.property(fc.string(), (s) => {
      const c = parseCluster(s)
      return c === null || c.raw === s
    }))
  })
})

describe('addresses and authorities', () => {
  test.each([
    {address: '10.244.0.6:8080', want: {ip: '10.244.0.6', port: 8080}},
    {address: '[::1]:443', want: {ip: '::1', port: 443}},
    {address: 'fd00::1', want: {ip: 'fd00::1', port: null}},
    {address: '10.0.0.1', want: {ip: '10.0.0.1', port: null}},
    {address: '-', want: null},
    {address: null, want: null},
  ])('splitAddress($address)', ({address, want}) => expect(splitAddress(address)).toEqual(want))

  test.each([
    {authority: 'httpbin.org', host: 'httpbin.org', port: null},
    {authority: 'my-nginx.mesh-external.svc.cluster.local:443', host: 'my-nginx.mesh-external.svc.cluster.local', port: 443},
    {authority: '[2001:db8::1]:8443', host: '2001:db8::1', port: 8443},
    {authority: '-', host: null, port: null},
  ])('$authority', ({authority, host, port}) => {
    expect(hostOfAuthority(authority)).toBe(host)
    expect(portOfAuthority(authority)).toBe(port)
  })
})

// The per-line path reads addresses in place (ipOf, portOf, sameIp) instead of splitting them into
// objects: each must say what splitAddress says, for every shape an address can take.
describe('addresses read in place agree with splitAddress', () => {
  const ADDRESSES = [
    '10.244.0.6:8080', '10.244.0.6', '[::1]:80', '[fd00::6]', '[fd00::6]:x', '[::1', 'fd00::6', '-', '', null, undefined,
    'host.example:443', ':443', '10.0.0.1:', '10.0.0.1:99999', '10.0.0.1:0', '/var/run/envoy.sock', '10.0.0.1:8o80',
  ]
  test.each(ADDRESSES.map((address) => ({address})))('ipOf and portOf($address)', ({address}) => {
    expect(ipOf(address)).toBe(splitAddress(address)?.ip ?? null)
    expect(portOf(address)).toBe(splitAddress(address)?.port ?? null)
  })

  test('sameIp(a, b) is splitAddress(a).ip === splitAddress(b).ip, when both have one', () => {
    for (const a of ADDRESSES) {
      for (const b of ADDRESSES) {
        const sa = splitAddress(a)
        const sb = splitAddress(b)
        expect(sameIp(a, b), `${a} ~ ${b}`).toBe(sa !== null && sb !== null && sa.ip === sb.ip)
      }
    }
  })

  test('for any text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.constantFrom(...ADDRESSES.filter((a): a is string => typeof a === 'string'))), fc.string(), (a, b) => {
        expect(ipOf(a)).toBe(splitAddress(a)?.ip ?? null)
        expect(portOf(a)).toBe(splitAddress(a)?.port ?? null)
        expect(sameIp(a, b)).toBe(splitAddress(a) !== null && splitAddress(b) !== null && splitAddress(a)!.ip === splitAddress(b)!.ip)
      }),
      {numRuns: 2000},
    )
  })
})
