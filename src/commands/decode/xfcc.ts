import {Args, Flags} from '@oclif/core'

import {certificatePems, decodeXfcc} from '../../core/headers/index.js'
import {scrub} from '../../core/text/scrub.js'
import {BaseCommand} from '../../shell/base-command.js'
import {UsageError} from '../../shell/errors.js'
import {stringifySafe} from '../../core/text/json.js'

export default class DecodeXfcc extends BaseCommand {
  static override summary = 'Decode an X-Forwarded-Client-Cert header value to JSON, certificates included.'
  static override description =
    'Each element (one per proxy that received the request over mutual TLS) gives By, Hash, Subject, URI and DNS, and ' +
    'its Cert and Chain decoded: subject, issuer, serial, SANs, SPIFFE trust domain / namespace / service account, ' +
    'validity, whether it was expired at --now, and whether Hash is the SHA-256 of the certificate.'

  static override examples = [
    {
      description: 'The element seed 001\'s egress gateway set (its Cert left out here for length):',
      command:
        "<%= config.bin %> <%= command.id %> 'By=spiffe://cluster.local/ns/istio-system/sa/istio-egressgateway-service-account;Hash=c207a3ae62f457284f557a63adad6f393852824c2875df3716e7da01af08ea0d;Subject=\"\";URI=spiffe://cluster.local/ns/default/sa/default'",
    },
    {
      description: 'The whole header from an echo, checked at the time of the request, certificates also as PEM:',
      command:
        "<%= config.bin %> <%= command.id %> \"$(jq -r '.headers[\"X-Forwarded-Client-Cert\"]' fixtures/headers/gateway-mtls-originated.json)\" --now 2024-06-21T19:50:33Z --pem",
    },
  ]

  static override args = {
    value: Args.string({description: 'The X-Forwarded-Client-Cert header value.', required: true}),
  }

  static override flags = {
    json: Flags.boolean({description: 'Print compact JSON on one line (pretty on a terminal otherwise).'}),
    pem: Flags.boolean({description: 'After the JSON, print each certificate (Cert, then Chain) as PEM.'}),
    now: Flags.string({description: 'Check certificate validity at this time (ISO 8601) instead of now.', helpValue: 'TIME'}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(DecodeXfcc)
    const now = flags.now === undefined ? Date.now() : Date.parse(flags.now)
    if (Number.isNaN(now)) throw new UsageError(`--now: ${JSON.stringify(scrub(flags.now ?? '', true))} is not an ISO 8601 time`)
    const decoded = decodeXfcc(args.value, {now})
    if (!decoded.ok) throw new UsageError(scrub(decoded.detail ?? decoded.reason, true))
    const pretty = !flags.json && process.stdout.isTTY === true
    this.log(stringifySafe(decoded.value, pretty ? 2 : undefined))
    // Certificate problems leave the element standing: they are in the JSON, and said once on stderr.
    for (const problem of decoded.value.flatMap((e) => e.problems)) this.logToStderr(`decode xfcc: ${scrub(problem, true)}`)
    if (flags.pem) for (const pem of decoded.value.flatMap(certificatePems)) this.log(scrub(pem.trimEnd()))
  }
}
