// JSON Schema (draft 2020-12) of the `json` report (ReportModel, src/report/model.ts). A TS module so it
// ships in dist/: `import {REPORT_SCHEMA} from 'egress-audit/dist/report/schema.js'`. Bump
// SCHEMA_VERSION's major when a consumer's validation against an older schema would break.

import {VERDICTS, SEVERITIES} from '../core/model.js'
import {SCHEMA_VERSION} from './model.js'

const str = {type: 'string'} as const
const strOrNull = {type: ['string', 'null']} as const
const int = {type: 'integer', minimum: 0} as const
const counts = {type: 'object', additionalProperties: int} as const
const obj = (properties: Record<string, unknown>, required = Object.keys(properties)) => ({type: 'object', additionalProperties: false, required, properties})

const evidence = obj({
  ref: str,
  kind: {enum: ['log', 'header', 'join', 'policy']},
  fact: str,
  fields: {type: 'object', additionalProperties: {type: ['string', 'number', 'boolean', 'null']}},
  strength: {enum: ['proven', 'inferred']},
})

const group = obj({key: str, chains: int, proven: int, verdicts: counts, firstSeen: strOrNull, lastSeen: strOrNull})

const hop = obj({
  ref: str,
  role: str,
  kind: {enum: ['http', 'tcp']},
  downstream: str,
  upstream: str,
  proven: {type: 'boolean'},
  cluster: strOrNull,
  upstreamHost: strOrNull,
  requestedServerName: strOrNull,
  method: strOrNull,
  path: strOrNull,
  authority: strOrNull,
  userAgent: strOrNull,
  requestId: strOrNull,
  responseCode: {type: ['integer', 'null']},
  responseFlags: {type: 'array', items: str},
  startTime: strOrNull,
})

export const REPORT_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: `https://github.com/egress-audit/egress-audit/schemas/report-${SCHEMA_VERSION}.json`,
  title: 'egress-audit report',
  description: 'What egress-audit observed in logs: scope, accounting, verdict summaries, findings with evidence, and every request chain.',
  ...obj({
    schemaVersion: {type: 'string', pattern: '^1\\.'},
    tool: obj({name: str, version: str}),
    generatedAt: str,
    statement: str,
    redacted: {type: 'boolean'},
    scope: obj({
      inputs: {
        type: 'array',
        items: obj({name: str, bytes: {type: ['integer', 'null'], minimum: 0}, sha256: {type: ['string', 'null'], pattern: '^[0-9a-f]{64}$'}, sha256Of: {enum: ['file', 'decoded-text', null]}, firstSeen: strOrNull, lastSeen: strOrNull}),
      },
      headers: {type: 'array', items: obj({name: str, bytes: {type: ['integer', 'null'], minimum: 0}, sha256: {type: ['string', 'null'], pattern: '^[0-9a-f]{64}$'}})},
      window: obj({since: strOrNull, until: strOrNull, firstSeen: strOrNull, lastSeen: strOrNull, joinWindowMs: {type: ['number', 'null']}}),
      policy: obj({name: str, path: strOrNull, sha256: {type: ['string', 'null'], pattern: '^[0-9a-f]{64}$'}}),
      gatewayPods: {type: 'array', items: str},
      gatewayAddresses: {type: 'array', items: str},
      problems: {type: 'array', items: obj({input: str, message: str})},
    }),
    accounting: obj({
      linesRead: int,
      parsed: int,
      skipped: int,
      parsedByFormat: counts,
      skippedByReason: counts,
      firstSkipped: {type: 'object', additionalProperties: {type: 'array', items: str}},
    }),
    totals: obj({
      chains: int,
      egress: int,
      proven: int,
      provenShare: {type: 'number', minimum: 0, maximum: 1},
      findings: int,
      findingsBySeverity: obj(Object.fromEntries(SEVERITIES.map((s) => [s, int]))),
      byVerdict: {type: 'object', propertyNames: {enum: [...VERDICTS]}, additionalProperties: int},
    }),
    summary: obj({byDestination: {type: 'array', items: group}, bySource: {type: 'array', items: group}, byVerdict: {type: 'array', items: group}}),
    findings: {
      type: 'array',
      items: obj({
        id: str,
        kind: str,
        severity: {enum: [...SEVERITIES]},
        title: str,
        detail: str,
        destination: strOrNull,
        source: strOrNull,
        policyRule: strOrNull,
        count: {type: 'integer', minimum: 1},
        chains: {type: 'array', items: str},
        firstSeen: strOrNull,
        lastSeen: strOrNull,
        evidence: {type: 'array', items: evidence},
      }),
    },
    chains: {
      type: 'array',
      items: obj({
        id: str,
        scope: {enum: ['egress', 'mesh', 'inbound', 'ingress', 'unknown']},
        destination: str,
        source: str,
        verdict: {enum: [...VERDICTS]},
        rule: str,
        reason: str,
        confidence: {enum: ['high', 'medium', 'low']},
        strength: {enum: ['proven', 'inferred']},
        startTime: strOrNull,
        hops: {type: 'array', items: hop},
        headers: {type: 'array', items: str},
        joinedBy: {type: 'array', items: str},
        missing: {type: 'array', items: str},
        findings: {type: 'array', items: str},
        evidence: {type: 'array', items: evidence},
      }),
    },
  }),
} as const
