import {type Parsed, ok, skippedWith} from '../result.js'
import {type FieldSpec, describeOperator} from './operators.js'
import {compileTimeFormat, readStartTime} from './start-time.js'

/** One field of a text format and the literal text that follows it ('' for the last field: to the end). */
export interface Step {
  spec: FieldSpec
  sep: string
  /** A value ending at this separator cannot contain a space: no need to look for one. */
  sepStartsWithSpace: boolean
  /** Reads this field's time, for START_TIME fields. */
  readTime?: (s: string, at: number, end: number) => number
}

/**
 * A text format compiled once: the literal it starts with, then field/separator steps. Matching a line
 * walks these with indexOf; no regular expression runs per line.
 */
export interface TextPlan {
  kind: 'text'
  name: string
  formatString: string
  prefix: string
  steps: Step[]
}

/**
 * Splits an Envoy format string into literals and %OPERATOR% fields. Operators may carry arguments that
 * themselves contain % and : (`%START_TIME(%Y-%m-%dT%H:%M:%S%z)%`, `%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%`)
 * and a `:N` length limit. `%%` is a literal percent sign.
 */
export function tokenizeFormat(format: string): Parsed<Array<string | FieldSpec>> {
  const out: Array<string | FieldSpec> = []
  let literal = ''
  let i = 0
  while (i < format.length) {
    const c = format[i]!
    if (c !== '%') {
      literal += c
      i++
      continue
    }
    if (format[i + 1] === '%') {
      literal += '%'
      i += 2
      continue
    }
    let j = i + 1
    while (j < format.length && /[A-Z0-9_]/.test(format[j]!)) j++
    if (j === i + 1) return skippedWith('no-format-matched', `'%' at offset ${i} does not start an operator`)
    if (format[j] === '(') {
      let depth = 0
      for (; j < format.length; j++) {
        if (format[j] === '(') depth++
        else if (format[j] === ')' && --depth === 0) break
      }
      if (depth !== 0) return skippedWith('no-format-matched', `unclosed '(' in the operator at offset ${i}`)
      j++
    }
    if (format[j] === ':') {
      j++
      while (j < format.length && /\d/.test(format[j]!)) j++
    }
    if (format[j] !== '%') return skippedWith('no-format-matched', `operator at offset ${i} is not closed by '%'`)
    if (literal) out.push(literal)
    literal = ''
    out.push(describeOperator(format.slice(i + 1, j)))
    i = j + 1
  }
  if (literal) out.push(literal)
  return ok(out)
}

/**
 * Compiles an Envoy text format string into a plan. Two fields with nothing between them cannot be told
 * apart in a line, so such a format is refused with the place it happens.
 * @example compileTextFormat('istio', '[%START_TIME%] "%REQ(:METHOD)% ..."')
 */
export function compileTextFormat(name: string, format: string): Parsed<TextPlan> {
  const body = format.replace(/\r?\n$/, '')
  const tokens = tokenizeFormat(body)
  if (!tokens.ok) return tokens
  const parts = tokens.value
  let k = 0
  let prefix = ''
  if (typeof parts[0] === 'string') {
    prefix = parts[0]
    k = 1
  }
  const steps: Step[] = []
  for (; k < parts.length; k++) {
    const spec = parts[k]!
    if (typeof spec === 'string') continue
    const next = parts[k + 1]
    if (next !== undefined && typeof next !== 'string') {
      return skippedWith('no-format-matched', `%${spec.operator}% and %${next.operator}% have no text between them`)
    }
    const step: Step = {spec, sep: next ?? '', sepStartsWithSpace: (next ?? '').startsWith(' ')}
    if (spec.kind === 'time') step.readTime = timeReader(spec)
    steps.push(step)
  }
  if (steps.length === 0) return skippedWith('no-format-matched', 'no %OPERATOR% fields in it')
  return ok({kind: 'text', name, formatString: format, prefix, steps})
}

function timeReader(spec: FieldSpec): (s: string, at: number, end: number) => number {
  if (!spec.timeFormat) return readStartTime
  const read = compileTimeFormat(spec.timeFormat)
  return (s, at, end) => read(s.slice(at, end))
}
