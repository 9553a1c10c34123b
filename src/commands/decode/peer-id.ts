import {Args, Flags} from '@oclif/core'

import {decodePeerId} from '../../core/headers/index.js'
import {scrub} from '../../core/text/scrub.js'
import {BaseCommand} from '../../shell/base-command.js'
import {UsageError} from '../../shell/errors.js'
import {stringifySafe} from '../../core/text/json.js'

export default class DecodePeerId extends BaseCommand {
  static override summary = 'Decode an X-Envoy-Peer-Metadata-Id header value to JSON.'
  static override description =
    "The value is the sending proxy's Envoy node id, TYPE~IP~POD.NAMESPACE~NAMESPACE.svc.cluster.local. TYPE says " +
    'what kind of proxy spoke last: sidecar, router (a gateway: the request left through it), waypoint or ztunnel.'

  static override examples = [
    {
      description: 'A sidecar (seed: direct egress via a ServiceEntry):',
      command: '<%= config.bin %> <%= command.id %> sidecar~10.244.0.7~curl.default~default.svc.cluster.local',
    },
    {
      description: 'The egress gateway (seed: HTTP via the gateway):',
      command: '<%= config.bin %> <%= command.id %> router~10.244.0.6~istio-egressgateway-75c5457c56-htpvz.istio-system~istio-system.svc.cluster.local',
    },
  ]

  static override args = {
    value: Args.string({description: 'The X-Envoy-Peer-Metadata-Id header value.', required: true}),
  }

  static override flags = {
    json: Flags.boolean({description: 'Print compact JSON on one line (pretty on a terminal otherwise).'}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(DecodePeerId)
    const decoded = decodePeerId(args.value)
    if (!decoded.ok) throw new UsageError(scrub(decoded.detail ?? decoded.reason, true))
    const pretty = !flags.json && process.stdout.isTTY === true
    this.log(stringifySafe(decoded.value, pretty ? 2 : undefined))
  }
}
