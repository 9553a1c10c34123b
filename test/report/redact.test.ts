import {describe, expect, test} from 'vitest'

import {Pseudonyms, redactModel} from '../../src/report/redact.js'
import type {ReportModel} from '../../src/report/model.js'

// A model cut down to the shapes redaction walks: hop fields, evidence fields, free text.
const doc = (over: Record<string, unknown>) => ({redacted: false, scope: {inputs: [{name: 'logs/10.0.0.1.log', sha256: 'ab'.repeat(32)}]}, ...over}) as unknown as ReportModel

describe('--redact', () => {
  test.each([
    {name: 'IPv4 with a port', text: 'upstream 10.244.0.7:8080 then 10.244.0.7', want: 'upstream ip-1:8080 then ip-1'},
    {name: 'IPv6, full and compressed', text: 'from 2001:db8:0:0:0:0:0:1 and fe80::1', want: 'from ip-1 and ip-2'},
    {name: 'version numbers are not IPs', text: 'Istio 1.22.0, curl/7.83.1-DEV', want: 'Istio 1.22.0, curl/7.83.1-DEV'},
    {name: 'a time is not an IPv6', text: '2024-06-21T19:24:00.453Z', want: '2024-06-21T19:24:00.453Z'},
  ])('free text: $name', ({text, want}) => expect((redactModel(doc({statement: text})) as unknown as {statement: string}).statement).toBe(want))

  test('paths and request ids: whole values under their keys, and the same values in free text', () => {
    const out = redactModel(
      doc({
        chains: [
          {id: 'a.log:1', hops: [{ref: 'a.log:1', path: '/pay?card=4111', requestId: 'r-123456'}], reason: 'GET /pay?card=4111 failed (r-123456)'},
          {id: 'a.log:2', hops: [{ref: 'a.log:2', path: '/pay?card=4111', requestId: 'r-999999'}], reason: 'fine'},
          {id: 'a.log:3', hops: [{ref: 'a.log:3', path: '/', requestId: null}], reason: 'a/b/ stays'},
        ],
      }),
    ) as unknown as {chains: {hops: {path: string; requestId: string | null}[]; reason: string}[]; scope: {inputs: {name: string; sha256: string}[]}; redacted: boolean}
    expect(out.chains.map((c) => c.hops[0]!.path)).toEqual(['path-1', 'path-1', 'path-2'])
    expect(out.chains.map((c) => c.hops[0]!.requestId)).toEqual(['rid-1', 'rid-2', null])
    expect(out.chains[0]!.reason).toBe('GET path-1 failed (rid-1)')
    expect(out.chains[2]!.reason).toBe('a/b/ stays')
    expect(out.scope.inputs[0]).toEqual({name: 'logs/10.0.0.1.log', sha256: 'ab'.repeat(32)}) // file names and hashes kept
    expect(out.redacted).toBe(true)
  })

  test('one Pseudonyms per report: stable numbering in order of first sight', () => {
    const p = new Pseudonyms()
    expect([p.get('ip', 'a'), p.get('ip', 'b'), p.get('ip', 'a'), p.get('path', 'a')]).toEqual(['ip-1', 'ip-2', 'ip-1', 'path-1'])
  })
})
