// The TUI's colours, by meaning: components ask for a tone, never a colour. With NO_COLOR set (or
// TERM=dumb) every tone maps to no colour; selection still shows, by inverse video, which is not colour.

import type {Severity, Verdict} from '../core/model.js'

export type Tone = 'ok' | 'warn' | 'bad' | 'info' | 'muted' | 'accent' | 'heading'

export const VERDICT_TONE: Record<Verdict, Tone> = {
  'gateway-mtls-originated': 'ok',
  'gateway-passthrough': 'ok',
  'gateway-originated': 'warn',
  'sidecar-originated': 'warn',
  'sidecar-mtls-originated': 'warn',
  'direct-tls': 'warn',
  unknown: 'warn',
  'gateway-mtls-plaintext': 'bad',
  'gateway-plaintext': 'bad',
  'direct-plaintext': 'bad',
  'passthrough-cluster': 'bad',
  failed: 'bad',
  blocked: 'info',
}

export const SEVERITY_TONE: Record<Severity, Tone> = {high: 'bad', medium: 'warn', low: 'info', info: 'muted'}

export interface Theme {
  /** An ink colour name for a tone, or undefined for the terminal's own colour. */
  color(tone: Tone | undefined): string | undefined
  bold(tone: Tone | undefined): boolean
}

const COLOURS: Record<Tone, string> = {ok: 'green', warn: 'yellow', bad: 'red', info: 'cyan', muted: 'gray', accent: 'blue', heading: 'magenta'}

export function makeTheme(colour: boolean): Theme {
  return {
    color: (tone) => (colour && tone ? COLOURS[tone] : undefined),
    bold: (tone) => tone === 'heading' || tone === 'bad',
  }
}

/** Colour unless NO_COLOR is set (any value, https://no-color.org) or TERM=dumb. */
export function colourFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  return !env.NO_COLOR && env.TERM !== 'dumb'
}
