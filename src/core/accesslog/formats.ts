// The access-log formats Istio users actually have, from Istio 1.0 to today, and our own preset.
// Sources: istio/istio pilot/pkg/model/telemetry_logging.go across tags, Envoy's access-log usage docs
// (shared/domain-brief.md §1 has the history and commits).

export interface Preset {
  name: string
  /** Who writes it, in a few words, for `egress-audit formats`. */
  description: string
  /** An Envoy text format string, or for JSON encodings the key → operator map as a JSON object string. */
  format: string
  encoding: 'text' | 'json'
  /** Presets with the same shape as another one are not tried again during detection. */
  sameShapeAs?: string
}

const REQUEST = '[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE% %RESPONSE_FLAGS%'
const COUNTS = '%BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%" "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%"'
const ADDRESSES = '%UPSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_REMOTE_ADDRESS%'
const DETAILS = '%RESPONSE_CODE_DETAILS% %CONNECTION_TERMINATION_DETAILS%'
const UTFR = '"%UPSTREAM_TRANSPORT_FAILURE_REASON%"'
const MIXER = '"%DYNAMIC_METADATA(istio.mixer:status)%"'

/** Istio's default text format since 1.23 (22 fields; %UPSTREAM_CLUSTER_RAW%). */
export const ISTIO_FORMAT = `${REQUEST} ${DETAILS} ${UTFR} ${COUNTS} %UPSTREAM_CLUSTER_RAW% ${ADDRESSES} %REQUESTED_SERVER_NAME% %ROUTE_NAME%\n`

/**
 * The fields that turn an inferred verdict into a proven one: which TLS version each side spoke and
 * whose certificate it saw. Envoy has logged these for years; Istio's default format leaves them out.
 */
export const TLS_EVIDENCE_FIELDS = '%UPSTREAM_TLS_VERSION% "%UPSTREAM_PEER_URI_SAN%" "%UPSTREAM_PEER_SUBJECT%" %DOWNSTREAM_TLS_VERSION% "%DOWNSTREAM_PEER_URI_SAN%" "%DOWNSTREAM_PEER_SUBJECT%"'

/** Our preset: Istio's default fields (so every Istio tool still reads them) plus the TLS evidence. */
export const EGRESS_AUDIT_FORMAT = `${ISTIO_FORMAT.trimEnd()} ${TLS_EVIDENCE_FIELDS}\n`

/** Istio's JSON encoding (meshConfig.accessLogEncoding: JSON): key → operator, in Istio's order. */
export const ISTIO_JSON_KEYS: Record<string, string> = {
  start_time: '%START_TIME%',
  route_name: '%ROUTE_NAME%',
  method: '%REQ(:METHOD)%',
  path: '%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%',
  protocol: '%PROTOCOL%',
  response_code: '%RESPONSE_CODE%',
  response_flags: '%RESPONSE_FLAGS%',
  response_code_details: '%RESPONSE_CODE_DETAILS%',
  connection_termination_details: '%CONNECTION_TERMINATION_DETAILS%',
  bytes_received: '%BYTES_RECEIVED%',
  bytes_sent: '%BYTES_SENT%',
  duration: '%DURATION%',
  upstream_service_time: '%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%',
  x_forwarded_for: '%REQ(X-FORWARDED-FOR)%',
  user_agent: '%REQ(USER-AGENT)%',
  request_id: '%REQ(X-REQUEST-ID)%',
  authority: '%REQ(:AUTHORITY)%',
  upstream_host: '%UPSTREAM_HOST%',
  upstream_cluster: '%UPSTREAM_CLUSTER_RAW%',
  upstream_local_address: '%UPSTREAM_LOCAL_ADDRESS%',
  downstream_local_address: '%DOWNSTREAM_LOCAL_ADDRESS%',
  downstream_remote_address: '%DOWNSTREAM_REMOTE_ADDRESS%',
  requested_server_name: '%REQUESTED_SERVER_NAME%',
  upstream_transport_failure_reason: '%UPSTREAM_TRANSPORT_FAILURE_REASON%',
}

/** JSON keys people use for the TLS evidence fields (and our JSON preset uses). */
export const TLS_JSON_KEYS: Record<string, string> = {
  upstream_tls_version: '%UPSTREAM_TLS_VERSION%',
  upstream_peer_uri_san: '%UPSTREAM_PEER_URI_SAN%',
  upstream_peer_subject: '%UPSTREAM_PEER_SUBJECT%',
  downstream_tls_version: '%DOWNSTREAM_TLS_VERSION%',
  downstream_peer_uri_san: '%DOWNSTREAM_PEER_URI_SAN%',
  downstream_peer_subject: '%DOWNSTREAM_PEER_SUBJECT%',
}

export const PRESETS: readonly Preset[] = [
  {
    name: 'egress-audit',
    description: "Istio's default fields plus TLS versions and peer certificates: verdicts become proven, not inferred",
    format: EGRESS_AUDIT_FORMAT,
    encoding: 'text',
  },
  {name: 'istio', description: "Istio's default text format, 1.23 and later (%UPSTREAM_CLUSTER_RAW%)", format: ISTIO_FORMAT, encoding: 'text'},
  {
    name: 'istio-1.9',
    description: "Istio's default text format, 1.9 to 1.22 (response code details added)",
    format: ISTIO_FORMAT.replace('%UPSTREAM_CLUSTER_RAW%', '%UPSTREAM_CLUSTER%'),
    encoding: 'text',
    sameShapeAs: 'istio',
  },
  {
    name: 'istio-1.8',
    description: "Istio's default text format, 1.8 (mixer status gone, no response code details yet)",
    format: `${REQUEST} ${UTFR} ${COUNTS} %UPSTREAM_CLUSTER% ${ADDRESSES} %REQUESTED_SERVER_NAME% %ROUTE_NAME%\n`,
    encoding: 'text',
  },
  {
    name: 'istio-1.3',
    description: "Istio's default text format, 1.3 to 1.7 (mixer status, failure reason, route name)",
    format: `${REQUEST} ${MIXER} ${UTFR} ${COUNTS} %UPSTREAM_CLUSTER% ${ADDRESSES} %REQUESTED_SERVER_NAME% %ROUTE_NAME%\n`,
    encoding: 'text',
  },
  {
    name: 'istio-1.2',
    description: "Istio's default text format, 1.2 (upstream transport failure reason added)",
    format: `${REQUEST} ${MIXER} ${UTFR} ${COUNTS} %UPSTREAM_CLUSTER% ${ADDRESSES} %REQUESTED_SERVER_NAME%\n`,
    encoding: 'text',
  },
  {
    name: 'istio-1.1',
    description: "Istio's default text format, 1.1 (one format for HTTP and TCP, mixer status)",
    format: `${REQUEST} ${MIXER} ${COUNTS} %UPSTREAM_CLUSTER% ${ADDRESSES} %REQUESTED_SERVER_NAME%\n`,
    encoding: 'text',
  },
  {
    name: 'istio-1.0',
    description: 'Istio 1.0-era format with SNI, as in the 2019 documentation (no mixer status, no failure reason)',
    format: `${REQUEST} ${COUNTS} %UPSTREAM_CLUSTER% ${ADDRESSES} %REQUESTED_SERVER_NAME%\n`,
    encoding: 'text',
  },
  {
    name: 'istio-1.0-http',
    description: "Istio 1.0's HTTP format (ends at the downstream remote address)",
    format: `${REQUEST} ${COUNTS} %UPSTREAM_CLUSTER% ${ADDRESSES}\n`,
    encoding: 'text',
  },
  {name: 'envoy', description: "Envoy's own default format (no cluster, no addresses)", format: `${REQUEST} ${COUNTS}\n`, encoding: 'text'},
  {
    name: 'istio-json',
    description: "Istio's JSON encoding (meshConfig.accessLogEncoding: JSON)",
    format: JSON.stringify(ISTIO_JSON_KEYS),
    encoding: 'json',
  },
  {
    name: 'egress-audit-json',
    description: 'Istio JSON keys plus the TLS evidence fields',
    format: JSON.stringify({...ISTIO_JSON_KEYS, ...TLS_JSON_KEYS}),
    encoding: 'json',
  },
]

export const presetByName = (name: string): Preset | undefined => PRESETS.find((p) => p.name === name)
