// Header evidence: decoders for the headers an echo service shows, captures that hold them, and the
// evidence built from one header set. Pure: no I/O, and nothing here throws on any input.

export type * from './types.js'
export {PEER_PROXY_TYPES} from './types.js'
export {decodePeerMetadata, decodeBase64, findFirstProblem} from './peer-metadata.js'
export {decodePeerId} from './peer-id.js'
export {parseXfcc, decodeXfcc, formatXfcc, certificatePems} from './xfcc.js'
export {decodeCertificate, splitPemBundle, parseSpiffeId, formatSerial, MAX_CHAIN_CERTIFICATES} from './certificate.js'
export {decodeDecoratorOperation, decodeEnvoyInternal, decodeAttemptCount, decodeForwardedFor, splitHostPort} from './envoy-headers.js'
export {decodeAmznTraceId, decodeB3Headers, decodeB3Single, decodeTraceparent} from './trace.js'
export {headerFields, headerValues, firstHeader, toHeaderSet, type HeaderInput} from './header-set.js'
export {buildHeaderEvidence, type EvidenceOptions} from './evidence.js'
export {concludeFromHeaders, isExternalHost} from './conclusions.js'
export {parseCapture, type CaptureOptions} from './capture.js'
