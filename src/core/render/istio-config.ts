import {stringify} from 'yaml'

import {EGRESS_AUDIT_FORMAT} from '../accesslog/formats.js'

/**
 * The Istio configuration that makes a mesh log in the `egress-audit` preset: an extension provider with
 * an envoyFileAccessLog in meshConfig plus a mesh-wide Telemetry resource that enables it (Istio 1.22+,
 * telemetry.istio.io/v1), and the older meshConfig-only form (accessLogFile + accessLogFormat).
 * Generated with the yaml library so the format string's quotes and percent signs are quoted correctly.
 */
export function renderIstioConfig(providerName = 'egress-audit'): string {
  const meshConfig = {
    apiVersion: 'install.istio.io/v1alpha1',
    kind: 'IstioOperator',
    spec: {
      meshConfig: {
        extensionProviders: [{name: providerName, envoyFileAccessLog: {path: '/dev/stdout', logFormat: {text: EGRESS_AUDIT_FORMAT}}}],
      },
    },
  }
  const telemetry = {
    apiVersion: 'telemetry.istio.io/v1',
    kind: 'Telemetry',
    metadata: {name: 'egress-audit-access-log', namespace: 'istio-system'},
    spec: {accessLogging: [{providers: [{name: providerName}]}]},
  }
  const legacy = {meshConfig: {accessLogFile: '/dev/stdout', accessLogEncoding: 'TEXT', accessLogFormat: EGRESS_AUDIT_FORMAT}}
  return [
    '# egress-audit: make sidecars and gateways log the TLS evidence egress-audit needs to prove a verdict.',
    '# Option 1 (Istio 1.22 and later): an extension provider in meshConfig, enabled mesh-wide by Telemetry.',
    '# Apply the IstioOperator fields with `istioctl install -f` (or the same meshConfig in your Helm values),',
    '# then `kubectl apply -f` the Telemetry resource. Older releases use telemetry.istio.io/v1alpha1.',
    stringify(meshConfig, {lineWidth: 0}).trimEnd(),
    '---',
    stringify(telemetry, {lineWidth: 0}).trimEnd(),
    '',
    '# Option 2 (any release): the meshConfig default format, e.g. in `istioctl install --set` or Helm values.',
    '# The `egress-audit` preset keeps every field of Istio\'s default format, so other tools still read it.',
    stringify(legacy, {lineWidth: 0}).trimEnd().replace(/^/gm, '# '),
    '',
  ].join('\n')
}
