import {fileURLToPath} from 'node:url'

import {Flags} from '@oclif/core'

import {BaseCommand} from '../shell/base-command.js'
import {FAIL_ON, type FailOn, loadHeaders, runAnalysis} from '../shell/analyze-run.js'
import {openInputs} from '../shell/inputs.js'

/** The bundled fixtures, found from this file, not the working directory: dist/commands → fixtures/demo. */
export const DEMO_DIR = fileURLToPath(new URL('../../fixtures/demo/', import.meta.url))
const LOGS = ['sidecar.log', 'gateway.log']
const HEADERS = 'headers.json'

export default class Demo extends BaseCommand {
  static override summary = 'Run analyze on bundled logs and echoed headers: every scenario of an egress walk-through, no cluster needed.'
  static override description = `The fixtures (fixtures/demo: sidecar.log, gateway.log, headers.json and a README listing each request) hold the real gateway lines and echoed headers of an egress-gateway walk-through (plain HTTP, TLS origination, mTLS to the gateway, SNI passthrough, double encryption), sidecar TLS and mutual TLS origination, ALLOW_ANY's PassthroughCluster and REGISTRY_ONLY's BlackHoleCluster, with constructed partner lines that join them. The output is what 'egress-audit analyze fixtures/demo/sidecar.log fixtures/demo/gateway.log --headers fixtures/demo/headers.json' prints: every verdict, findings of every severity.`

  static override examples = ['<%= config.bin %> demo', '<%= config.bin %> demo --json | jq ".chains[] | {id, verdict, confidence, strength}"']

  static override flags = {
    json: Flags.boolean({description: 'The whole result as one JSON document.', exclusive: ['ndjson']}),
    ndjson: Flags.boolean({description: 'One chain per line.', exclusive: ['json']}),
    'fail-on': Flags.string({description: 'Exit 1 when a finding is at or above this severity (the demo has findings of every severity).', options: [...FAIL_ON], default: 'high'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Demo)
    const name = (file: string) => `fixtures/demo/${file}`
    // Read from the package, cite as fixtures/demo/FILE: the same whatever the working directory.
    const sources = openInputs(LOGS.map((f) => `${DEMO_DIR}${f}`)).map((s, i) => ({...s, name: name(LOGS[i]!)}))
    const headers = await loadHeaders([{path: `${DEMO_DIR}${HEADERS}`, name: name(HEADERS)}])
    process.exitCode = await runAnalysis({
      sources,
      headers,
      analyzer: {},
      read: {},
      mode: flags.json ? 'json' : flags.ndjson ? 'ndjson' : 'summary',
      failOn: flags['fail-on'] as FailOn,
    })
  }
}
