import {Args, Flags} from '@oclif/core'

import {decodePeerMetadata} from '../../core/headers/index.js'
import {scrub} from '../../core/text/scrub.js'
import {BaseCommand} from '../../shell/base-command.js'
import {UsageError} from '../../shell/errors.js'
import {stringifySafe} from '../../core/text/json.js'

export default class DecodePeerMetadata extends BaseCommand {
  static override summary = 'Decode an X-Envoy-Peer-Metadata header value to JSON.'
  static override description =
    'The value is base64 (standard or URL-safe, padding optional) of a google.protobuf.Struct: the node metadata of the ' +
    'last Envoy that saw the request as plain HTTP (NAME, NAMESPACE, LABELS, WORKLOAD_NAME, OWNER, CLUSTER_ID, ' +
    'INSTANCE_IPS, ISTIO_VERSION, MESH_ID, APP_CONTAINERS…). Every key in the Struct is printed.'

  static override examples = [
    {
      description: "A sidecar's metadata, as httpbin.org echoed it (pod curl in default, Istio 1.22.1):",
      command: '<%= config.bin %> <%= command.id %> ChgKDkFQUF9DT05UQUlORVJTEgYaBGN1cmwKGgoKQ0xVU1RFUl9JRBIMGgpLdWJlcm5ldGVzChwKDElOU1RBTkNFX0lQUxIMGgoxMC4yNDQuMC43ChkKDUlTVElPX1ZFUlNJT04SCBoGMS4yMi4xCqwBCgZMQUJFTFMSoQEqngEKDQoDYXBwEgYaBGN1cmwKJAoZc2VjdXJpdHkuaXN0aW8uaW8vdGxzTW9kZRIHGgVpc3RpbwopCh9zZXJ2aWNlLmlzdGlvLmlvL2Nhbm9uaWNhbC1uYW1lEgYaBGN1cmwKKwojc2VydmljZS5pc3Rpby5pby9jYW5vbmljYWwtcmV2aXNpb24SBBoCdjEKDwoHdmVyc2lvbhIEGgJ2MQoaCgdNRVNIX0lEEg8aDWNsdXN0ZXIubG9jYWwKDgoETkFNRRIGGgRjdXJsChYKCU5BTUVTUEFDRRIJGgdkZWZhdWx0CjwKBU9XTkVSEjMaMWt1YmVybmV0ZXM6Ly9hcGlzL3YxL25hbWVzcGFjZXMvZGVmYXVsdC9wb2RzL2N1cmwKFwoNV09SS0xPQURfTkFNRRIGGgRjdXJs',
    },
    {
      description: 'Straight from an echo, with jq:',
      command: "<%= config.bin %> <%= command.id %> \"$(jq -r '.headers[\"X-Envoy-Peer-Metadata\"]' fixtures/headers/gateway-http.json)\"",
    },
  ]

  static override args = {
    value: Args.string({description: 'The X-Envoy-Peer-Metadata header value.', required: true}),
  }

  static override flags = {
    json: Flags.boolean({description: 'Print compact JSON on one line (pretty on a terminal otherwise).'}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(DecodePeerMetadata)
    const decoded = decodePeerMetadata(args.value)
    if (!decoded.ok) throw new UsageError(scrub(decoded.detail ?? decoded.reason, true))
    const pretty = !flags.json && process.stdout.isTTY === true
    this.log(stringifySafe(decoded.value, pretty ? 2 : undefined))
  }
}
