// One table of exit codes (DESIGN.md). 1 means findings and nothing else: a stray exception must never
// look like findings, so BaseCommand maps it to 70.
export const EXIT = {clean: 0, findings: 1, usage: 2, input: 3, bug: 70, output: 74} as const
export type ExitCode = (typeof EXIT)[keyof typeof EXIT]

export const BUG_REPORT_URL = 'https://github.com/egress-audit/egress-audit/issues'
