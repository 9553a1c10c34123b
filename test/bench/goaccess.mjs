// GoAccess as a benchmark row: what a user would otherwise run over the same Istio access log.
//
// Fairness, measured with GoAccess 1.7 (Debian bookworm) on the generator's output, seed 1:
// - GoAccess takes one --log-format, with no alternatives, so it cannot read a line that a kubectl
//   prefix (`[pod/NAME/istio-proxy] `) or a kubelet timestamp precedes: on the generator's default mix
//   (30% prefixed, 10% timestamped) it fails 31.7% of 1M lines, and a failed line is cheaper than a
//   parsed one (one run each: 11.3 s on the mix, 16.0 s on bare lines). So the bench writes bare lines
//   by default (`--envelopes none`), what `kubectl logs` prints without --prefix/--timestamps, and
//   every row reads that same file.
// - Envoy does not escape a `"` inside a quoted field; GoAccess ends a quoted field at the first one.
//   The generator's pip user agent carries JSON (`pip/24.0 {"ci":null,...}`), so those lines, 2.6% of
//   the bare file, fail in GoAccess and nowhere else. No log-format can avoid it; the row reports
//   GoAccess's own counts (from its JSON report) so the table says how much it really parsed.
// - GoAccess runs as a user would run it for a report: no terminal UI, a JSON report written to a
//   scratch file (`-o x.json`), which is also where the parse counts come from. --no-global-config keeps
//   /etc/goaccess/goaccess.conf out of the measurement. --no-strict-status lets it accept status 0,
//   which Envoy writes for TCP connections ("- - -"); without it those lines would fail too.
import {spawnSync} from 'node:child_process'
import {readFileSync} from 'node:fs'

/**
 * The Istio ≥1.23 default text format (generate.mjs FORMAT_STRINGS.istio, src/core/accesslog/formats.ts),
 * one Envoy operator group beside the GoAccess specifier that reads it. `%^` skips a field.
 * @type {ReadonlyArray<readonly [envoy: string, goaccess: string]>}
 */
export const ISTIO_FIELDS = Object.freeze([
  // 2024-06-21T19:00:00.173Z: GoAccess reads the date up to the T and the time up to the dot.
  ['[%START_TIME%]', '[%dT%t.%^]'],
  // %r takes "- - -" (TCP) as a request line; %m would reject "-" as a method and fail the line.
  ['"%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%"', '"%r"'],
  ['%RESPONSE_CODE%', '%s'],
  ['%RESPONSE_FLAGS%', '%^'],
  ['%RESPONSE_CODE_DETAILS%', '%^'],
  ['%CONNECTION_TERMINATION_DETAILS%', '%^'],
  ['"%UPSTREAM_TRANSPORT_FAILURE_REASON%"', '"%^"'],
  ['%BYTES_RECEIVED%', '%^'],
  ['%BYTES_SENT%', '%b'],
  // Envoy's %DURATION% is in milliseconds, GoAccess's %L too.
  ['%DURATION%', '%L'],
  ['%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%', '%^'],
  ['"%REQ(X-FORWARDED-FOR)%"', '"%^"'],
  ['"%REQ(USER-AGENT)%"', '"%u"'],
  ['"%REQ(X-REQUEST-ID)%"', '"%^"'],
  // The authority is the destination host: GoAccess's virtual-host panel.
  ['"%REQ(:AUTHORITY)%"', '"%v"'],
  ['"%UPSTREAM_HOST%"', '"%^"'],
  ['%UPSTREAM_CLUSTER_RAW%', '%^'],
  ['%UPSTREAM_LOCAL_ADDRESS%', '%^'],
  ['%DOWNSTREAM_LOCAL_ADDRESS%', '%^'],
  // The client: the workload's IP:port. GoAccess validates %h as an IP, so the port is cut at the colon.
  ['%DOWNSTREAM_REMOTE_ADDRESS%', '%h:%^'],
  ['%REQUESTED_SERVER_NAME%', '%^'],
  ['%ROUTE_NAME%', '%^'],
])

export const GOACCESS_LOG_FORMAT = ISTIO_FIELDS.map(([, g]) => g).join(' ')
export const GOACCESS_DATE_FORMAT = '%Y-%m-%d'
export const GOACCESS_TIME_FORMAT = '%H:%M:%S'

/** The generator format this log-format matches; other formats have no GoAccess row. */
export const GOACCESS_INPUT_FORMAT = 'istio'

export const NOT_INSTALLED = 'goaccess not installed (apt-get install goaccess)'

/** `GoAccess - 1.7.` → "1.7", or null when goaccess cannot be run. */
export function goaccessVersion(bin = 'goaccess') {
  const r = spawnSync(bin, ['--version'], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']})
  if (r.error || r.status !== 0) return null
  return /GoAccess - ([\d.]*\d)/.exec(r.stdout)?.[1] ?? 'unknown'
}

/** The command line of one run: FILE in, a JSON report to `reportFile`, nothing on the terminal. */
export function goaccessArgv(file, reportFile, bin = 'goaccess') {
  return [
    bin,
    file,
    '--no-global-config',
    `--log-format=${GOACCESS_LOG_FORMAT}`,
    `--date-format=${GOACCESS_DATE_FORMAT}`,
    `--time-format=${GOACCESS_TIME_FORMAT}`,
    '--no-strict-status',
    '--no-progress',
    '--no-parsing-spinner',
    '-o',
    reportFile,
  ]
}

/**
 * GoAccess's own accounting, from the `general` object of its JSON report.
 * @returns {{total: number, valid: number, failed: number} | null} null when the report is missing or not GoAccess's
 */
export function readGoaccessCounts(reportFile) {
  let general
  try {
    general = JSON.parse(readFileSync(reportFile, 'utf8')).general
  } catch {
    return null
  }
  const {total_requests: total, valid_requests: valid, failed_requests: failed} = general ?? {}
  return [total, valid, failed].every(Number.isInteger) ? {total, valid, failed} : null
}
