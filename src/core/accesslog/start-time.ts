// %START_TIME% readers. The default form is fixed-width UTC ("2024-06-21T19:24:00.453Z") and is read by
// position with charCodeAt: it runs once per line. A user's START_TIME(fmt) is compiled once into a
// regular expression (custom formats are rare, and the pattern language is strftime's).

const num = (s: string, at: number, len: number): number => {
  let n = 0
  for (let i = at; i < at + len; i++) {
    const d = s.charCodeAt(i) - 48
    if (d < 0 || d > 9) return NaN
    n = n * 10 + d
  }
  return n
}

const DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
const leap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0

// Date.UTC rolls month 13 into the next year and 31 February into March: check the fields first.
function utc(y: number, mo: number, d: number, h: number, mi: number, sec: number, ms: number): number {
  if (!(mo >= 1 && mo <= 12 && d >= 1 && d <= DAYS[mo - 1]! && h <= 23 && mi <= 59 && sec <= 60)) return NaN
  if (mo === 2 && d === 29 && !leap(y)) return NaN
  if (y >= 100) return Date.UTC(y, mo - 1, d, h, mi, sec, ms)
  // Date.UTC reads years 0–99 as 1900–1999 (a hostile or broken line's): set the year itself. 2000 is a
  // leap year, so 29 February (already checked against y) survives the detour.
  const t = new Date(Date.UTC(2000, mo - 1, d, h, mi, sec, ms))
  return t.setUTCFullYear(y)
}

/**
 * Reads an RFC 3339 time: `2024-06-21T19:24:00.453Z` (Envoy's default, the fast path), any number of
 * fraction digits or none, `Z` or a `±hh:mm` offset. Returns epoch milliseconds, or NaN.
 * @example readStartTime('2024-06-21T19:24:00.453Z') // 1718997840453
 */
export function readStartTime(s: string, at = 0, end = s.length): number {
  if (end - at < 20 || s.charCodeAt(at + 4) !== 0x2d /* - */ || s.charCodeAt(at + 7) !== 0x2d) return NaN
  const sep = s.charCodeAt(at + 10)
  if ((sep !== 0x54 /* T */ && sep !== 0x20) || s.charCodeAt(at + 13) !== 0x3a /* : */ || s.charCodeAt(at + 16) !== 0x3a) return NaN
  let i = at + 19
  let ms = 0
  if (s.charCodeAt(i) === 0x2e /* . */ || s.charCodeAt(i) === 0x2c /* , */) {
    i++
    // The first three digits are the milliseconds; the rest (micro-, nanoseconds) are cut, not rounded:
    // 23:59:59.9999 stays in its day.
    let scale = 100
    const from = i
    for (; i < end; i++) {
      const d = s.charCodeAt(i) - 48
      if (d < 0 || d > 9) break
      if (scale >= 1) ms += d * scale
      scale /= 10
    }
    if (i === from) return NaN
  }
  let offsetMin = 0
  const z = s.charCodeAt(i)
  if (z === 0x5a /* Z */ || z === 0x7a /* z */) i++
  else if (z === 0x2b /* + */ || z === 0x2d /* - */) {
    const oh = num(s, i + 1, 2)
    const colon = s.charCodeAt(i + 3) === 0x3a ? 1 : 0
    const om = num(s, i + 3 + colon, 2)
    if (Number.isNaN(oh) || Number.isNaN(om)) return NaN
    offsetMin = (z === 0x2b ? 1 : -1) * (oh * 60 + om)
    i += 5 + colon
  } else return NaN
  if (i !== end) return NaN
  const t = utc(num(s, at, 4), num(s, at + 5, 2), num(s, at + 8, 2), num(s, at + 11, 2), num(s, at + 14, 2), num(s, at + 17, 2), ms)
  return t - offsetMin * 60_000
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec']

type Part = 'Y' | 'm' | 'd' | 'H' | 'M' | 'S' | 'frac' | 'z' | 's' | 'b' | 'skip'

/**
 * Compiles Envoy's START_TIME(fmt) pattern (strftime plus %f / %Nf / %EnS fractions, %s epoch seconds)
 * into a reader returning epoch milliseconds or NaN. Time zones other than an explicit %z offset are
 * taken as UTC, which is what Envoy prints.
 * @example compileTimeFormat('%d/%b/%Y:%H:%M:%S %z')('21/Jun/2024:19:24:00 +0000') // 1718997840000
 */
export function compileTimeFormat(fmt: string): (s: string) => number {
  let source = ''
  const parts: Part[] = []
  const group = (re: string, part: Part) => {
    source += `(${re})`
    parts.push(part)
  }
  for (let i = 0; i < fmt.length; i++) {
    const c = fmt[i]!
    if (c !== '%') {
      source += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
      continue
    }
    let spec = fmt[++i] ?? ''
    // %3f, %6f, %9f: fixed fraction widths; %E3S / %E6S: seconds with a fraction.
    if (/[1-9]/.test(spec) && fmt[i + 1] === 'f') {
      group(`\\d{${spec}}`, 'frac')
      i++
      continue
    }
    if (spec === 'E' && /[1-9]/.test(fmt[i + 1] ?? '') && fmt[i + 2] === 'S') {
      group('\\d{2}', 'S')
      source += '[.,]'
      group(`\\d{${fmt[i + 1]}}`, 'frac')
      i += 2
      continue
    }
    if (spec === 'E' && fmt[i + 1] === 'f') {
      spec = 'f'
      i++
    }
    switch (spec) {
      case 'Y': group('\\d{4}', 'Y'); break
      case 'm': group('\\d{1,2}', 'm'); break
      case 'd': case 'e': group(' ?\\d{1,2}', 'd'); break
      case 'H': group('\\d{1,2}', 'H'); break
      case 'M': group('\\d{1,2}', 'M'); break
      case 'S': group('\\d{1,2}', 'S'); break
      case 'f': group('\\d{1,9}', 'frac'); break
      case 's': group('\\d{1,12}', 's'); break
      case 'z': group('[+-]\\d{2}:?\\d{2}|Z', 'z'); break
      case 'Z': group('[A-Za-z]{1,5}', 'skip'); break
      case 'b': case 'h': group('[A-Za-z]{3}', 'b'); break
      case 'a': group('[A-Za-z]{3}', 'skip'); break
      case 'T': group('\\d{1,2}', 'H'); source += ':'; group('\\d{2}', 'M'); source += ':'; group('\\d{2}', 'S'); break
      case 'F': group('\\d{4}', 'Y'); source += '-'; group('\\d{2}', 'm'); source += '-'; group('\\d{2}', 'd'); break
      case '%': source += '%'; break
      default: source += '.*?'
    }
  }
  const re = new RegExp(`^${source}$`)
  return (s: string) => {
    const m = re.exec(s)
    if (!m) return NaN
    let y = 1970, mo = 1, d = 1, h = 0, mi = 0, sec = 0, ms = 0, offsetMin = 0
    let epoch = NaN
    for (let k = 0; k < parts.length; k++) {
      const v = m[k + 1]!
      switch (parts[k]) {
        case 'Y': y = +v; break
        case 'm': mo = +v; break
        case 'd': d = +v; break
        case 'H': h = +v; break
        case 'M': mi = +v; break
        case 'S': sec = +v; break
        case 'frac': ms = Number(v.slice(0, 3).padEnd(3, '0')); break
        case 's': epoch = +v; break
        case 'b': mo = MONTHS.indexOf(v.toLowerCase()) + 1; break
        case 'z': if (v !== 'Z') offsetMin = (v[0] === '-' ? -1 : 1) * (+v.slice(1, 3) * 60 + +v.slice(-2)); break
        default:
      }
    }
    if (!Number.isNaN(epoch)) return epoch * 1000 + ms
    return utc(y, mo, d, h, mi, sec, ms) - offsetMin * 60_000
  }
}
