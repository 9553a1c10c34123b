import {Args, Flags} from '@oclif/core'

import {compileFormat} from '../core/accesslog/parse-line.js'
import {DEFAULT_MAX_HELD} from '../core/join/chains.js'
import {BaseCommand} from '../shell/base-command.js'
import {UsageError} from '../shell/errors.js'
import {FAIL_ON, type FailOn, loadHeaders, loadPolicy, parseTimeFlag, parseWindow, runAnalysis} from '../shell/analyze-run.js'
import {openInputs} from '../shell/inputs.js'
import {launchTui} from '../shell/tui-launch.js'
import {assertSomeInput} from '../shell/read-logs.js'

const many = {multiple: true, multipleNonGreedy: true, delimiter: ','} as const

export default class Analyze extends BaseCommand {
  static override summary = 'Prove how each request left the mesh: join sidecar and egress-gateway lines into chains, give each a verdict and list the findings.'
  static override description = `Reads access logs of sidecars and egress gateways (files, .gz, stdin; any Istio format, detected per line), joins the lines of one request — by x-request-id, or by connection addresses and time — and classifies each chain: gateway-mtls-originated, gateway-passthrough, direct-plaintext, passthrough-cluster, blocked and the rest of the verdict table. Echoed headers (--headers: httpbin JSON, curl -v, HAR) add what the destination saw. Each verdict cites the lines and fields it rests on and says whether TLS fields prove it or names and ports only suggest it. Findings are compared with --policy (default: egress through the gateway, mTLS inside the mesh, TLS outside). Everything reported was observed in logs; nothing here says what the mesh enforces.`

  static override examples = [
    {description: 'Sidecar and gateway logs with pod names', command: 'kubectl logs -l app=curl -c istio-proxy --prefix > sidecar.log\nkubectl logs -n istio-system -l istio=egressgateway --prefix > gateway.log\n<%= config.bin %> analyze sidecar.log gateway.log'},
    {description: 'From a pipe, failing CI on medium findings', command: 'kubectl logs -n istio-system -l istio=egressgateway --prefix | <%= config.bin %> analyze --fail-on medium'},
    {description: 'With what httpbin echoed and your own policy', command: '<%= config.bin %> analyze sidecar.log gateway.log --headers echoes.json --policy egress-policy.yaml'},
    {description: 'The last two hours, one chain per line for jq', command: "<%= config.bin %> analyze *.log --since 2h --ndjson | jq -r 'select(.verdict != \"gateway-mtls-originated\") | .destination.key'"},
  ]

  static override strict = false
  static override args = {file: Args.string({description: "Log files to read ('-' for stdin; stdin when none)", required: false, ignoreStdin: true})}

  static override flags = {
    format: Flags.string({char: 'F', description: "A preset name (see 'egress-audit formats') or an Envoy format string; detected per line when absent.", helpValue: 'PRESET|FORMAT'}),
    headers: Flags.string({...many, description: 'Captures of echoed headers (httpbin JSON, curl -v, HAR, raw); repeat or comma-separate.', helpValue: 'FILE'}),
    policy: Flags.string({description: 'Egress policy YAML (see `egress-audit policy init`); default: via the gateway, mTLS in, TLS out.', helpValue: 'FILE'}),
    since: Flags.string({description: 'Only lines that start at or after this time: RFC 3339 or a duration ago (2h, 30m).', helpValue: 'TIME'}),
    until: Flags.string({description: 'Only lines that start at or before this time: RFC 3339 or a duration ago.', helpValue: 'TIME'}),
    window: Flags.string({description: "How long (log time) a line waits for its partner from the other proxy: 5s, 500ms, 2m, or 'all'.", default: '5s', helpValue: 'DURATION'}),
    'max-held': Flags.integer({
      description: 'Unjoined lines kept past --window for a partner from a log printed later in the same input (one pod after another, sidecars before the gateway); 0 keeps none. Bounds memory.',
      default: DEFAULT_MAX_HELD,
      min: 0,
      helpValue: 'N',
    }),
    'gateway-pod': Flags.string({...many, description: 'Pod names (globs) of egress gateways, when theirs do not contain "egressgateway".', helpValue: 'GLOB'}),
    'gateway-address': Flags.string({...many, description: 'Egress gateway addresses: pod or service IPs, ip:port, or service host names.', helpValue: 'ADDRESS'}),
    'fail-on': Flags.string({description: 'Exit 1 when a finding is at or above this severity.', options: [...FAIL_ON], default: 'high'}),
    interactive: Flags.boolean({char: 'i', description: 'Open the result in the interactive inspector (as `egress-audit tui`).', exclusive: ['json', 'ndjson']}),
    json: Flags.boolean({description: 'The whole result (chains with hops and evidence, findings, accounting) as one JSON document.', exclusive: ['ndjson']}),
    ndjson: Flags.boolean({description: 'One chain per line as chains complete; findings and accounting on stderr.', exclusive: ['json']}),
  }

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(Analyze)
    const paths = argv as string[]
    assertSomeInput(paths)
    const plan = flags.format === undefined ? undefined : compileFormat(flags.format)
    if (plan && !plan.ok) throw new UsageError(`--format: ${plan.detail ?? plan.reason}`)
    // Every flag is checked before any file is read: a usage error costs nothing.
    const analyzer = {
      windowMs: parseWindow(flags.window),
      maxHeld: flags['max-held'],
      gatewayPods: flags['gateway-pod'] ?? [],
      gatewayAddresses: flags['gateway-address'] ?? [],
      sinceMs: flags.since === undefined ? null : parseTimeFlag('since', flags.since),
      untilMs: flags.until === undefined ? null : parseTimeFlag('until', flags.until),
    }
    const policy = await loadPolicy(flags.policy)
    const headers = await loadHeaders((flags.headers ?? []).map((path) => ({path, name: path})))
    if (flags.interactive) {
      process.exitCode = await launchTui({
        version: this.config.version,
        policyPath: flags.policy,
        headerPaths: flags.headers ?? [],
        sources: openInputs(paths),
        headers,
        analyzer: {...analyzer, policy},
        read: {plan: plan?.ok ? plan.value : undefined},
      })
      return
    }
    process.exitCode = await runAnalysis({
      sources: openInputs(paths),
      headers,
      analyzer: {...analyzer, policy},
      read: {plan: plan?.ok ? plan.value : undefined},
      mode: flags.json ? 'json' : flags.ndjson ? 'ndjson' : 'summary',
      failOn: flags['fail-on'] as FailOn,
    })
  }
}
