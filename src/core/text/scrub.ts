// Log content is attacker-controlled. Before any of it reaches a terminal, control characters are made
// visible instead of acting: ESC shows as \x1b, so a CSI/OSC sequence in a user-agent cannot recolour,
// move the cursor, set the window title or plant an OSC 8 hyperlink. C1 controls (U+0080–U+009F, where
// U+009B is a one-byte CSI) are escaped too, and so are the Unicode bidi overrides that reorder text.

// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/
// eslint-disable-next-line no-control-regex
const CONTROL_G = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g

const show = (c: string): string => {
  const code = c.charCodeAt(0)
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`
}

/** Makes control characters visible (`\x1b`); tab and newline are kept unless `singleLine`. */
export function scrub(s: string, singleLine = false): string {
  let out = CONTROL.test(s) ? s.replace(CONTROL_G, show) : s
  if (singleLine && (out.includes('\n') || out.includes('\t'))) out = out.replace(/\n/g, '\\n').replace(/\t/g, '\\t')
  return out
}

/** Cuts a string to at most `max` characters, marking the cut with an ellipsis. */
export function clip(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, Math.max(0, max - 1))}…`
}
