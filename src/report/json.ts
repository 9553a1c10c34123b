import {stringifySafe} from '../core/text/json.js'
import type {ReportModel} from './model.js'

/**
 * The report model as JSON, in pieces: the same bytes as `JSON.stringify(model, null, 2)`, but chains and
 * findings one at a time, so a report over millions of lines is never one string (V8 caps a string near
 * 512 MiB). Keys keep the model's fixed order, so equal analyses give equal bytes.
 */
export function* jsonChunks(model: ReportModel): Generator<string> {
  const entries = Object.entries(model)
  yield '{\n'
  for (const [i, [key, value]] of entries.entries()) {
    const comma = i === entries.length - 1 ? '' : ','
    if (Array.isArray(value) && value.length > 0) {
      yield `  ${JSON.stringify(key)}: [\n`
      for (const [j, item] of value.entries()) yield `    ${stringifySafe(item, 2).replace(/\n/g, '\n    ')}${j === value.length - 1 ? '' : ','}\n`
      yield `  ]${comma}\n`
    } else yield `  ${JSON.stringify(key)}: ${stringifySafe(value, 2).replace(/\n/g, '\n  ')}${comma}\n`
  }
  yield '}\n'
}

export const renderJson = (model: ReportModel): string => [...jsonChunks(model)].join('')
