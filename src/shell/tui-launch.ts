import type {TuiRunOptions} from './tui-run.js'

/**
 * Opens the TUI (for `tui` and `analyze -i`). ink decides once, when it is loaded, whether it runs under
 * CI (CI, CONTINUOUS_INTEGRATION, CI_*) and then stops drawing interactively. The TUI draws only on a
 * terminal, so there such a variable (a CI job that opens a terminal, a developer's shell) must not switch
 * the interface off: clear it first, then load ink.
 */
export async function launchTui(options: TuiRunOptions): Promise<number> {
  if (process.stdout.isTTY) {
    for (const key of Object.keys(process.env)) if (key === 'CI' || key === 'CONTINUOUS_INTEGRATION' || key.startsWith('CI_')) delete process.env[key]
  }
  const {runTui} = await import('./tui-run.js')
  return runTui(options)
}
