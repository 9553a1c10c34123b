import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../shell/base-command.js'
import {analysisFlags, analyzerOptionsFrom, followFlag, logFormatFrom} from '../shell/analysis-flags.js'
import {loadPolicyFile} from '../shell/analysis-input.js'
import {FAIL_ON, type FailOn, loadHeaders, runAnalysis} from '../shell/analyze-run.js'
import {LatestFollowEvent} from '../shell/follow.js'
import {openInputs} from '../shell/inputs.js'
import {keepYoungGenerationSmall} from '../shell/memory.js'
import {stopOnInterrupt} from '../shell/interrupt.js'
import {progressFlag, startProgress} from '../shell/progress.js'
import {launchTui} from '../shell/tui-launch.js'
import {assertSomeInput} from '../shell/read-logs.js'

export default class Analyze extends BaseCommand {
  static override summary = 'Prove how each request left the mesh: join sidecar and egress-gateway lines into chains, give each a verdict and list the findings.'
  static override description = `Reads access logs of sidecars and egress gateways (files, .gz, stdin; any Istio format, detected per line), joins the lines of one request — by x-request-id, or by connection addresses and time — and classifies each chain: gateway-mtls-originated, gateway-passthrough, direct-plaintext, passthrough-cluster, blocked and the rest of the verdict table. Echoed headers (--headers: httpbin JSON, curl -v, HAR) add what the destination saw. Each verdict cites the lines and fields it rests on and says whether TLS fields prove it or names and ports only suggest it. Findings are compared with --policy (default: egress through the gateway, mTLS inside the mesh, TLS outside). Everything reported was observed in logs; nothing here says what the mesh enforces.`

  static override examples = [
    {description: 'Sidecar and gateway logs with pod names', command: 'kubectl logs -l app=curl -c istio-proxy --prefix > sidecar.log\nkubectl logs -n istio-system -l istio=egressgateway --prefix > gateway.log\n<%= config.bin %> analyze sidecar.log gateway.log'},
    {description: 'From a pipe, failing CI on medium findings', command: 'kubectl logs -n istio-system -l istio=egressgateway --prefix | <%= config.bin %> analyze --fail-on medium'},
    {description: 'With what httpbin echoed and your own policy', command: '<%= config.bin %> analyze sidecar.log gateway.log --headers echoes.json --policy egress-policy.yaml'},
    {description: 'Watch live: chains print as they complete; Ctrl-C prints the findings', command: 'kubectl logs -f -n istio-system -l istio=egressgateway --prefix | <%= config.bin %> analyze --ndjson -'},
    {description: 'Follow log files across rotation', command: '<%= config.bin %> analyze -f /var/log/pods/*/istio-proxy/0.log'},
    {description: 'The last two hours, one chain per line for jq', command: "<%= config.bin %> analyze *.log --since 2h --ndjson | jq -r 'select(.verdict != \"gateway-mtls-originated\") | .destination.key'"},
  ]

  static override strict = false
  static override args = {file: Args.string({description: "Log files to read ('-' for stdin; stdin when none)", required: false, ignoreStdin: true})}

  static override flags = {
    ...analysisFlags,
    ...followFlag,
    format: Flags.string({char: 'F', description: "A preset name (see 'egress-audit formats') or an Envoy format string; detected per line when absent.", helpValue: 'PRESET|FORMAT'}),
    'fail-on': Flags.string({description: 'Exit 1 when a finding is at or above this severity.', options: [...FAIL_ON], default: 'high'}),
    interactive: Flags.boolean({char: 'i', description: 'Open the result in the interactive inspector (as `egress-audit tui`).', exclusive: ['json', 'ndjson']}),
    json: Flags.boolean({description: 'The whole result (chains with hops and evidence, findings, accounting) as one JSON document.', exclusive: ['ndjson']}),
    ndjson: Flags.boolean({description: 'One chain per line as chains complete; findings and accounting on stderr.', exclusive: ['json']}),
    ...progressFlag(', never with --json, --ndjson or --interactive'),
  }

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(Analyze)
    const paths = argv as string[]
    assertSomeInput(paths)
    const plan = logFormatFrom('format', flags.format)
    // Every flag is checked before any file is read: a usage error costs nothing.
    const analyzer = analyzerOptionsFrom(flags)
    const policy = await loadPolicyFile(flags.policy)
    const headers = await loadHeaders((flags.headers ?? []).map((path) => ({path, name: path})))
    if (flags.interactive) {
      // As `tui`: quitting aborts the reading, and followed files end.
      const stop = new AbortController()
      const followEvents = new LatestFollowEvent()
      process.exitCode = await launchTui({
        version: this.config.version,
        policyPath: policy?.path,
        policySha256: policy?.sha256,
        headerPaths: flags.headers ?? [],
        sources: openInputs(paths, process.stdin, {follow: flags.follow, signal: stop.signal, onEvent: followEvents.record}),
        followEvents,
        headers,
        analyzer: {...analyzer, policy: policy?.policy},
        read: {plan},
        follow: flags.follow,
        stop,
      })
      return
    }
    // The memory budget: a summary of millions of lines in about 120 MB (memory.ts says why).
    if (!flags.json) keepYoungGenerationSmall()
    // Erased when the last input ends, before the summary; stop() covers a failure part-way.
    const progress = startProgress(flags.progress && !flags.json && !flags.ndjson)
    // -f: the first Ctrl-C ends the reading and the result is printed as usual.
    const interrupt = stopOnInterrupt(flags.follow)
    process.exitCode = await runAnalysis({
      sources: progress.track(openInputs(paths, process.stdin, {follow: flags.follow, signal: interrupt.signal})),
      headers,
      analyzer: {...analyzer, policy: policy?.policy},
      read: {plan},
      mode: flags.json ? 'json' : flags.ndjson ? 'ndjson' : 'summary',
      failOn: flags['fail-on'] as FailOn,
      follow: flags.follow,
      signal: interrupt.signal,
    }).finally(() => {
      progress.stop()
      interrupt.dispose()
    })
  }
}
