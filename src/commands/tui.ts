import {Args, Flags} from '@oclif/core'

import {analysisFlags, analyzerOptionsFrom, followFlag, logFormatFrom} from '../shell/analysis-flags.js'
import {loadPolicyFile} from '../shell/analysis-input.js'
import {loadHeaders} from '../shell/analyze-run.js'
import {BaseCommand} from '../shell/base-command.js'
import {LatestFollowEvent} from '../shell/follow.js'
import {openInputs} from '../shell/inputs.js'
import {launchTui} from '../shell/tui-launch.js'
import {assertSomeInput} from '../shell/read-logs.js'

export default class Tui extends BaseCommand {
  static override summary = 'Inspect the analysis interactively: every chain, its hops and evidence, findings and skipped lines.'
  static override description = `Reads the same inputs as analyze (files, .gz, stdin; --headers, --policy, --since/--until, --window; -f to follow files) and opens a terminal inspector at once, which grows as the lines are read: a list of request chains (sort with s, group with o, filter by verdict v, severity l, destination d, workload w, search with /), a detail view per chain (the hop path with each arrow's transport, the decisive fields, echoed headers, the rule and evidence behind the verdict), the findings and the skipped lines; e exports the chains in view as a report (markdown, json, csv, html, junit, sarif). Press ? for every key. When logs are piped in, the keyboard is read from /dev/tty.`

  static override examples = [
    '<%= config.bin %> tui sidecar.log gateway.log --headers echoes.json',
    'kubectl logs -n istio-system -l istio=egressgateway --prefix | <%= config.bin %> tui',
    {description: 'Live: the gateway as it logs, chains shown as they complete', command: 'kubectl logs -f -n istio-system -l istio=egressgateway --prefix | <%= config.bin %> tui -f -'},
    {description: 'Follow log files as they grow and rotate', command: '<%= config.bin %> tui -f /var/log/istio/sidecar.log /var/log/istio/gateway.log'},
  ]

  static override strict = false
  static override args = {file: Args.string({description: "Log files to read ('-' for stdin; stdin when none)", required: false, ignoreStdin: true})}

  static override flags = {
    ...analysisFlags,
    ...followFlag,
    format: Flags.string({char: 'F', description: "A preset name (see 'egress-audit formats') or an Envoy format string; detected per line when absent.", helpValue: 'PRESET|FORMAT'}),
  }

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(Tui)
    const paths = argv as string[]
    assertSomeInput(paths)
    const plan = logFormatFrom('format', flags.format)
    const analyzer = analyzerOptionsFrom(flags)
    const policy = await loadPolicyFile(flags.policy)
    const headers = await loadHeaders((flags.headers ?? []).map((path) => ({path, name: path})))
    // Quitting the TUI aborts it: followed files end, and the reading stops.
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
  }
}
