import {describe, expect, test} from 'vitest'

import {REPORT_FORMATS, chunkRenderers, renderers} from '../../src/report/index.js'
import {demoReport} from './helpers.js'

const EXT = {json: 'json', csv: 'csv', markdown: 'md', html: 'html', junit: 'xml', sarif: 'sarif'} as const

// The reports are the product: a change to any of them shows in review as a diff of these files.
describe('golden reports over fixtures/demo', () => {
  test.each(REPORT_FORMATS)('%s', async (format) => {
    const model = await demoReport()
    await expect(renderers[format](model, {})).toMatchFileSnapshot(`./__snapshots__/demo.${EXT[format]}`)
  })

  test('csv, one row per finding', async () => {
    await expect(renderers.csv(await demoReport(), {rows: 'findings'})).toMatchFileSnapshot('./__snapshots__/demo-findings.csv')
  })

  test('json, redacted', async () => {
    await expect(renderers.json(await demoReport(true), {})).toMatchFileSnapshot('./__snapshots__/demo-redacted.json')
  })

  test('in pieces, the same bytes; json is exactly JSON.stringify(model, null, 2)', async () => {
    const model = await demoReport()
    for (const f of REPORT_FORMATS) expect([...chunkRenderers[f](model, {rows: 'findings', excel: true})].join('')).toBe(renderers[f](model, {rows: 'findings', excel: true}))
    expect(renderers.json(model, {})).toBe(`${JSON.stringify(model, null, 2)}\n`)
  })

  test('the same analysis gives the same bytes', async () => {
    const [a, b] = [await demoReport(), await demoReport()]
    for (const f of REPORT_FORMATS) expect(renderers[f](a, {})).toBe(renderers[f](b, {}))
  })
})
