import type {LineStats} from '../result.js'

export interface InputProblem {
  input: string
  message: string
}

const n = (x: number) => x.toLocaleString('en-US')

/**
 * The input accounting as lines of text: what was read, what was parsed (by format) and what was skipped
 * (by reason, with the first places each reason occurred), so a reader can check nothing went missing:
 * parsed + skipped = lines read.
 * @example renderAccounting(stats, []) // ['4 lines read: 3 parsed (istio 3), 1 skipped', '  truncated  1  a.log:4']
 */
export function renderAccounting(stats: LineStats, problems: InputProblem[], inputs?: number): string[] {
  const formats = Object.entries(stats.parsedByFormat)
    .sort((a, b) => b[1] - a[1])
    .map(([f, c]) => `${f} ${n(c)}`)
    .join(', ')
  const from = inputs === undefined ? '' : ` from ${n(inputs)} input${inputs === 1 ? '' : 's'}`
  const out = [`${n(stats.linesRead)} lines read${from}: ${n(stats.parsed)} parsed${formats ? ` (${formats})` : ''}, ${n(stats.skipped)} skipped`]
  const reasons = Object.entries(stats.skippedByReason).sort((a, b) => (b[1] ?? 0) - (a[1] ?? 0))
  const width = Math.max(0, ...reasons.map(([r]) => r.length))
  for (const [reason, count] of reasons) {
    const first = stats.firstSkipped[reason as keyof LineStats['firstSkipped']] ?? []
    const more = (count ?? 0) > first.length ? ', …' : ''
    out.push(`  skipped ${reason.padEnd(width)}  ${n(count ?? 0).padStart(7)}  ${first.join(', ')}${more}`)
  }
  for (const p of problems) out.push(`  input error: ${p.input}: ${p.message}`)
  return out
}
