// Reads the committed fixtures: seed 001's echoed headers (verbatim) and the test certificates.
import {createHash, X509Certificate} from 'node:crypto'
import {readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

export const fixturePath = (rel: string) => fileURLToPath(new URL(`../../../fixtures/${rel}`, import.meta.url))
export const readFixture = (rel: string) => readFileSync(fixturePath(rel), 'utf8')

/** Seed 001's six echoes, one per egress scenario. */
export const SCENARIOS = [
  'direct-http',
  'gateway-http',
  'gateway-originated',
  'gateway-mtls-originated',
  'gateway-passthrough',
  'gateway-mtls-plaintext',
] as const
export type Scenario = (typeof SCENARIOS)[number]

export function seedHeaders(name: Scenario): Record<string, string> {
  return (JSON.parse(readFixture(`headers/${name}.json`)) as {headers: Record<string, string>}).headers
}

export const pem = (name: string) => readFixture(`certs/${name}.pem`)

/** A PEM as Envoy writes it into XFCC's Cert/Chain: URL-encoded (%20, %0A, %2F, %2B, %3D). */
export const urlEncodedPem = (text: string) => encodeURIComponent(text)

/** SHA-256 of the certificate's DER: what XFCC's Hash must be. */
export const derSha256 = (text: string) => createHash('sha256').update(new X509Certificate(text).raw).digest('hex')

/** The seed's sidecar and gateway peer-metadata values, decoded by hand (brief §5.2, checked with a scratch decoder). */
export const SIDECAR_METADATA = {
  APP_CONTAINERS: 'curl',
  CLUSTER_ID: 'Kubernetes',
  INSTANCE_IPS: '10.244.0.7',
  ISTIO_VERSION: '1.22.1',
  LABELS: {
    app: 'curl',
    'security.istio.io/tlsMode': 'istio',
    'service.istio.io/canonical-name': 'curl',
    'service.istio.io/canonical-revision': 'v1',
    version: 'v1',
  },
  MESH_ID: 'cluster.local',
  NAME: 'curl',
  NAMESPACE: 'default',
  OWNER: 'kubernetes://apis/v1/namespaces/default/pods/curl',
  WORKLOAD_NAME: 'curl',
}

export const GATEWAY_LABELS = {
  app: 'istio-egressgateway',
  chart: 'gateways',
  heritage: 'Tiller',
  'install.operator.istio.io/owning-resource': 'unknown',
  istio: 'egressgateway',
  'istio.io/rev': 'default',
  'operator.istio.io/component': 'EgressGateways',
  release: 'istio',
  'service.istio.io/canonical-name': 'istio-egressgateway',
  'service.istio.io/canonical-revision': 'latest',
  'sidecar.istio.io/inject': 'false',
}

export const GATEWAY_METADATA = {
  CLUSTER_ID: 'Kubernetes',
  INSTANCE_IPS: '10.244.0.6',
  ISTIO_VERSION: '1.22.1',
  LABELS: GATEWAY_LABELS,
  MESH_ID: 'cluster.local',
  NAME: 'istio-egressgateway-75c5457c56-htpvz',
  NAMESPACE: 'istio-system',
  OWNER: 'kubernetes://apis/apps/v1/namespaces/istio-system/deployments/istio-egressgateway',
  WORKLOAD_NAME: 'istio-egressgateway',
}

/** The last scenario ran on another cluster with Istio 1.19.3 (brief §11.1). */
export const GATEWAY_METADATA_1_19 = {...GATEWAY_METADATA, ISTIO_VERSION: '1.19.3', NAME: 'istio-egressgateway-6646f879b8-dfx7v'}
