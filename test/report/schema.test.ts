import {Ajv2020} from 'ajv/dist/2020.js'
import {describe, expect, test} from 'vitest'

import {REPORT_SCHEMA, renderers} from '../../src/report/index.js'
import {SCHEMA_VERSION} from '../../src/report/model.js'
import {demoReport, hostileReport} from './helpers.js'

const validate = new Ajv2020({allErrors: true, strict: true, allowUnionTypes: true}).compile(REPORT_SCHEMA)

describe('the json report and its schema', () => {
  test.each([
    {name: 'demo', make: () => demoReport()},
    {name: 'demo, redacted', make: () => demoReport(true)},
    {name: 'hostile', make: () => hostileReport()},
    {name: 'hostile, redacted', make: () => hostileReport(true)},
  ])('$name validates', async ({make}) => {
    const doc = JSON.parse(renderers.json(await make(), {}))
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true)
    expect(doc.schemaVersion).toBe(SCHEMA_VERSION)
  })

  test('the schema rejects what it should', async () => {
    const doc = JSON.parse(renderers.json(await demoReport(), {}))
    expect(validate({...doc, chains: [{...doc.chains[0], verdict: 'enforced'}]})).toBe(false)
    expect(validate({...doc, extra: 1})).toBe(false)
    const {scope: _s, ...noScope} = doc
    expect(validate(noScope)).toBe(false)
  })

  test('key order is fixed, starting with schemaVersion', async () => {
    const doc = JSON.parse(renderers.json(await demoReport(), {}))
    expect(Object.keys(doc)).toEqual(['schemaVersion', 'tool', 'generatedAt', 'statement', 'redacted', 'scope', 'accounting', 'totals', 'summary', 'findings', 'chains'])
  })

  test('scope, accounting and the verdict summaries carry what an auditor needs', async () => {
    const m = await demoReport()
    expect(m.scope.inputs.map((i) => [i.name, i.firstSeen, i.lastSeen])).toEqual([
      ['fixtures/demo/sidecar.log', expect.any(String), expect.any(String)],
      ['fixtures/demo/gateway.log', expect.any(String), expect.any(String)],
    ])
    for (const i of m.scope.inputs) expect(i.sha256).toMatch(/^[0-9a-f]{64}$/)
    expect(m.accounting).toMatchObject({linesRead: 27, parsed: 27, skipped: 0})
    expect(m.summary.byDestination.find((r) => r.key === 'httpbin.org:443')?.verdicts['gateway-mtls-originated']).toBe(2)
    expect(m.summary.byVerdict.reduce((n, r) => n + r.chains, 0)).toBe(m.totals.chains)
    expect(m.summary.bySource.reduce((n, r) => n + r.chains, 0)).toBe(m.totals.chains)
    expect(m.statement).toContain('observed in logs')
    expect(m.statement).not.toMatch(/\benforced\b/)
  })
})
