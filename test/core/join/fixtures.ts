// Reads committed fixtures into what the analyzer takes: entries (through the real reader, envelopes
// included) and header evidence (through the real capture reader). Shared by the join, classify and
// analyze tests.
import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {AccessLogReader} from '../../../src/core/accesslog/reader.js'
import {buildHeaderEvidence, parseCapture} from '../../../src/core/headers/index.js'
import type {HeaderEvidence} from '../../../src/core/headers/types.js'
import type {AccessLogEntry} from '../../../src/core/model.js'
import {newLineStats} from '../../../src/core/result.js'

export const ROOT = join(import.meta.dirname, '../../../fixtures')

/** Entries of a text, cited as `name:line`. */
export function entriesOf(text: string, name: string): AccessLogEntry[] {
  const reader = new AccessLogReader(name, newLineStats())
  return [...reader.push(text).entries, ...reader.end().entries]
}

/** Entries of a fixture file (path relative to fixtures/), cited by that relative path. */
export function readEntries(rel: string, name = rel): AccessLogEntry[] {
  return entriesOf(readFileSync(join(ROOT, rel), 'utf8'), name)
}

/** Header evidence of a capture fixture, cited by its relative path. */
export function readHeaders(rel: string, name = rel): HeaderEvidence[] {
  const capture = parseCapture(readFileSync(join(ROOT, rel), 'utf8'), {input: name})
  return capture.sets.map((s) => buildHeaderEvidence(s, {now: new Date('2024-07-01T00:00:00Z')}))
}

/** One line as an entry (a kubectl prefix is unwrapped). */
export function entry(text: string, name = 'test.log', line = 1): AccessLogEntry {
  const entries = entriesOf(`${'\n'.repeat(line - 1)}${text}\n`, name)
  if (entries.length !== 1) throw new Error(`not one access-log line: ${text}`)
  return entries[0]!
}

/** The demo's inputs, cited as egress-audit demo cites them. */
export function demoInputs(): {sidecar: AccessLogEntry[]; gateway: AccessLogEntry[]; headers: HeaderEvidence[]} {
  return {
    sidecar: readEntries('demo/sidecar.log', 'fixtures/demo/sidecar.log'),
    gateway: readEntries('demo/gateway.log', 'fixtures/demo/gateway.log'),
    headers: readHeaders('demo/headers.json', 'fixtures/demo/headers.json'),
  }
}

// Real lines (brief §4.2, §4.3, seed 001), and partners built with the join keys of §4.3.
export const SEED = {
  gwHttp: '[2024-06-21T19:24:00.453Z] "GET /headers HTTP/2" 200 - via_upstream - "-" 0 1450 57 57 "10.244.0.7" "curl/7.83.1-DEV" "51ed62d9-1da8-4250-9923-df406ca9fd57" "httpbin.org" "3.213.1.197:80" outbound|80||httpbin.org 10.244.0.6:41144 10.244.0.6:8080 10.244.0.7:55490 - -',
  gwOrig: '[2024-06-21T19:32:56.681Z] "GET /headers HTTP/2" 200 - via_upstream - "-" 0 1451 111 111 "10.244.0.7" "curl/7.83.1-DEV" "1f00a5df-5e92-4753-8c52-248de5c3d73a" "httpbin.org" "3.213.1.197:443" outbound|443||httpbin.org 10.244.0.6:57676 10.244.0.6:8080 10.244.0.7:34850 - -',
  gwMtlsOrig: '[2024-06-21T19:50:33.667Z] "GET /headers HTTP/1.1" 200 - via_upstream - "-" 0 2997 109 108 "10.244.0.7" "curl/7.83.1-DEV" "0db0a05e-6c1e-4a8a-b932-0f582340d36e" "httpbin.org" "3.211.196.247:443" outbound|443||httpbin.org 10.244.0.6:42264 10.244.0.6:8443 10.244.0.7:54554 httpbin.org -',
  gwPass: '[2024-06-21T21:22:27.560Z] "- - -" 0 - - - "-" 940 5946 156 - "-" "-" "-" "-" "18.211.234.122:443" outbound|443||httpbin.org 10.244.0.6:50356 10.244.0.6:8443 10.244.0.7:51628 httpbin.org -',
  gwMtlsPlain: '[2024-06-24T21:29:03.272Z] "GET /headers HTTP/1.1" 200 - via_upstream - "-" 0 3157 67 67 "10.244.0.7" "curl/7.83.1-DEV" "a925dde7-a7ac-4e1b-b33d-0b5c4403b791" "httpbin.org" "44.195.190.188:80" outbound|80||httpbin.org 10.244.0.6:56744 10.244.0.6:8443 10.244.0.7:57726 httpbin.org -',
  blogSidecar: '[2022-05-10T20:36:16.973Z] "HEAD / HTTP/1.1" 200 - via_upstream - "-" 0 0 421 420 "-" "curl/7.83.0-DEV" "5ab0ed38-2e77-92a8-bb44-0a07573cd530" "developers.google.com" "10.100.2.6:8080" outbound|80|google|istio-egressgateway.istio-system.svc.cluster.local 10.100.0.5:48236 173.194.217.101:80 10.100.0.5:48764 - -',
  blogGateway: '[2022-05-10T20:36:16.981Z] "HEAD / HTTP/2" 200 - via_upstream - "-" 0 0 395 394 "10.100.0.5" "curl/7.83.0-DEV" "5ab0ed38-2e77-92a8-bb44-0a07573cd530" "developers.google.com" "173.194.217.101:443" outbound|443||developers.google.com 10.100.2.6:51492 10.100.2.6:8080 10.100.0.5:48236 developers.google.com -',
} as const

const GW80 = 'outbound|80||istio-egressgateway.istio-system.svc.cluster.local'

/**
 * A sidecar line to the gateway's http port (8080) with the given request id, connection (its upstream
 * local port) and start, plain HTTP; `gw` gives the matching gateway line. Both in Istio's format.
 */
export function pairLines(o: {id: string; port: number; start: string; duration?: number; gwId?: string; gwStart?: string; host?: string}): {sidecar: string; gateway: string} {
  const host = o.host ?? 'httpbin.org'
  const d = o.duration ?? 60
  const gwStart = o.gwStart ?? new Date(Date.parse(o.start) + 8).toISOString()
  return {
    sidecar: `[${o.start}] "GET /get HTTP/1.1" 200 - via_upstream - "-" 0 900 ${d} ${d} "-" "curl/8.0" "${o.id}" "${host}" "10.244.0.6:8080" ${GW80} 10.244.0.7:${o.port} 3.213.1.197:80 10.244.0.7:${o.port - 1} - -`,
    gateway: `[${gwStart}] "GET /get HTTP/2" 200 - via_upstream - "-" 0 900 ${d - 10} ${d - 10} "10.244.0.7" "curl/8.0" "${o.gwId ?? o.id}" "${host}" "3.213.1.197:443" outbound|443||${host} 10.244.0.6:${o.port + 10000} 10.244.0.6:8080 10.244.0.7:${o.port} - -`,
  }
}
