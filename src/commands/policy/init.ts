import {existsSync} from 'node:fs'
import {writeFile} from 'node:fs/promises'

import {Args, Flags} from '@oclif/core'

import {EXAMPLE_POLICY} from '../../core/classify/policy.js'
import {BaseCommand} from '../../shell/base-command.js'
import {UsageError} from '../../shell/errors.js'

export default class PolicyInit extends BaseCommand {
  static override summary = 'Write a commented example egress policy (to stdout when no FILE is given).'
  static override description = `A policy says which verdicts are allowed for which destinations (host globs, ports) and which workloads may reach them; 'egress-audit analyze --policy FILE' reports everything else as a violation. Without one, analyze allows only gateway-mtls-originated, gateway-passthrough and blocked.`

  static override examples = ['<%= config.bin %> policy init egress-policy.yaml', '<%= config.bin %> policy init > egress-policy.yaml']

  static override args = {file: Args.string({description: 'Where to write it; stdout when absent', required: false, ignoreStdin: true})}
  static override flags = {force: Flags.boolean({char: 'f', description: 'Overwrite FILE if it exists.'})}

  async run(): Promise<void> {
    const {args, flags} = await this.parse(PolicyInit)
    if (args.file === undefined) {
      process.stdout.write(EXAMPLE_POLICY)
      return
    }
    if (existsSync(args.file) && !flags.force) throw new UsageError(`${args.file} exists; use --force to overwrite it`)
    await writeFile(args.file, EXAMPLE_POLICY)
    process.stderr.write(`wrote ${args.file}: edit it, then run egress-audit analyze --policy ${args.file} …\n`)
  }
}
