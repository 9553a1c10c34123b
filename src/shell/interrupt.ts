// Ctrl-C in follow mode is how a user says "that's enough": the first SIGINT (or SIGTERM) stops reading,
// and what was read is analysed and printed as usual; a second one ends the process at once, as users
// expect of a tool that seems stuck.

/** The exit code of a process ended by SIGINT (128 + 2). */
const INTERRUPTED = 130

export interface Interrupt {
  /** Aborts on the first SIGINT or SIGTERM. */
  signal: AbortSignal
  /** Stops listening (the command is done). */
  dispose(): void
}

/** Listens for SIGINT/SIGTERM while `active`; when not active the signals keep their usual meaning. */
export function stopOnInterrupt(active: boolean, proc: Pick<NodeJS.Process, 'on' | 'off' | 'exit'> = process): Interrupt {
  const controller = new AbortController()
  if (!active) return {signal: controller.signal, dispose: () => undefined}
  const onSignal = (): void => {
    if (controller.signal.aborted) proc.exit(INTERRUPTED)
    else controller.abort()
  }
  proc.on('SIGINT', onSignal)
  proc.on('SIGTERM', onSignal)
  return {
    signal: controller.signal,
    dispose: () => {
      proc.off('SIGINT', onSignal)
      proc.off('SIGTERM', onSignal)
    },
  }
}
