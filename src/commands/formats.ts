import {Flags} from '@oclif/core'

import {PRESETS, presetByName} from '../core/accesslog/formats.js'
import {renderIstioConfig} from '../core/render/istio-config.js'
import {BaseCommand} from '../shell/base-command.js'
import {UsageError} from '../shell/errors.js'

export default class Formats extends BaseCommand {
  static override summary = 'List the access-log formats egress-audit reads, or print the Istio configuration for its own.'
  static override description = `Every preset can be pinned with --format NAME on parse and analyze; without it the format is detected per line. The egress-audit preset is Istio's default format plus TLS versions and peer certificates: with it, verdicts about mTLS and TLS origination are proven by the logs instead of inferred from cluster names and ports.`

  static override examples = [
    {description: 'All presets with their Envoy format strings', command: '<%= config.bin %> formats'},
    {description: 'Make the mesh log in the egress-audit preset', command: '<%= config.bin %> formats --istio > egress-audit-logging.yaml'},
    {description: 'Only one format string, for scripts', command: '<%= config.bin %> formats --preset istio-1.8'},
  ]

  static override flags = {
    istio: Flags.boolean({description: 'Print ready-to-apply Istio configuration (Telemetry + meshConfig) for the egress-audit preset.', exclusive: ['preset', 'json']}),
    preset: Flags.string({description: 'Print only this preset\'s format string.', helpValue: 'NAME'}),
    json: Flags.boolean({description: 'The presets as JSON.'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Formats)
    if (flags.istio) return void process.stdout.write(renderIstioConfig())
    if (flags.preset !== undefined) {
      const preset = presetByName(flags.preset)
      if (!preset) throw new UsageError(`--preset: unknown preset '${flags.preset}' (known: ${PRESETS.map((p) => p.name).join(', ')})`)
      return void process.stdout.write(preset.format.endsWith('\n') ? preset.format : `${preset.format}\n`)
    }
    if (flags.json) return void process.stdout.write(`${JSON.stringify(PRESETS, null, 2)}\n`)
    for (const p of PRESETS) {
      process.stdout.write(`${p.name}  (${p.encoding})\n  ${p.description}\n  ${p.format.trimEnd()}\n\n`)
    }
  }
}
