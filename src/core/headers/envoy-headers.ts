// The smaller headers Envoy adds on the way out (Envoy headers.rst; brief §7). Each decoder reads one value
// and never throws.

import {ok, skippedWith, type Parsed} from '../result.js'
import {clip} from '../text/scrub.js'
import type {DecoratorOperation} from './types.js'

/**
 * X-Envoy-Decorator-Operation: the route's operation, `host:port/path` for a single-cluster route
 * (`httpbin.org:443/*`), `vsName:port/path` for a weighted one (Istio route.go GetRouteOperation).
 * The last Envoy to route the request wrote it, so the port is where that Envoy sent it.
 */
export function decodeDecoratorOperation(value: string): Parsed<DecoratorOperation> {
  const text = value.trim()
  if (text === '') return skippedWith('bad-field', 'decorator operation: empty value')
  const slash = text.indexOf('/', text.startsWith('[') ? text.indexOf(']') : 0)
  const authority = slash === -1 ? text : text.slice(0, slash)
  const path = slash === -1 ? null : text.slice(slash)
  const hostPort = splitHostPort(authority)
  if (!hostPort) return skippedWith('bad-field', `decorator operation: ${JSON.stringify(clip(authority, 60))} is not host:port`)
  return ok({...hostPort, path})
}

/** `host:port`, `[v6]:port` or a bare host; null when the port is not a number from 1 to 65535. */
export function splitHostPort(authority: string): {host: string; port: number | null} | null {
  if (authority.startsWith('[')) {
    const close = authority.indexOf(']')
    if (close === -1) return null
    const host = authority.slice(1, close)
    const rest = authority.slice(close + 1)
    if (rest === '') return {host, port: null}
    return rest.startsWith(':') ? withPort(host, rest.slice(1)) : null
  }
  const colon = authority.lastIndexOf(':')
  if (colon === -1) return authority === '' ? null : {host: authority, port: null}
  return withPort(authority.slice(0, colon), authority.slice(colon + 1))
}

function withPort(host: string, portText: string): {host: string; port: number} | null {
  if (host === '' || !/^\d{1,5}$/.test(portText)) return null
  const port = Number(portText)
  return port >= 1 && port <= 65535 ? {host, port} : null
}

/** X-Envoy-Internal: Envoy writes exactly `true`, and removes the header otherwise. */
export function decodeEnvoyInternal(value: string): Parsed<boolean> {
  const text = value.trim().toLowerCase()
  if (text === 'true') return ok(true)
  if (text === 'false') return ok(false)
  return skippedWith('bad-field', `envoy internal: expected "true", found ${JSON.stringify(clip(value, 60))}`)
}

/** X-Envoy-Attempt-Count: 1 for the first try, one more per retry. */
export function decodeAttemptCount(value: string): Parsed<number> {
  const text = value.trim()
  if (!/^\d{1,9}$/.test(text) || Number(text) < 1) {
    return skippedWith('bad-field', `attempt count: expected a positive integer, found ${JSON.stringify(clip(value, 60))}`)
  }
  return ok(Number(text))
}

/** X-Forwarded-For: addresses, client first; repeated headers are one list (RFC 7230 §3.2.2). */
export function decodeForwardedFor(values: readonly string[]): Parsed<string[]> {
  const addresses = values.flatMap((v) => v.split(',')).map((s) => s.trim())
  if (addresses.some((a) => a === '')) return skippedWith('bad-field', 'forwarded for: empty address in the list')
  return ok(addresses)
}
