// Types for goaccess.mjs (plain JavaScript so that run.js needs no build).
export declare const ISTIO_FIELDS: ReadonlyArray<readonly [envoy: string, goaccess: string]>
export declare const GOACCESS_LOG_FORMAT: string
export declare const GOACCESS_DATE_FORMAT: string
export declare const GOACCESS_TIME_FORMAT: string
export declare const GOACCESS_INPUT_FORMAT: 'istio'
export declare const NOT_INSTALLED: string
export declare function goaccessVersion(bin?: string): string | null
export declare function goaccessArgv(file: string, reportFile: string, bin?: string): string[]
export declare function readGoaccessCounts(reportFile: string): {total: number; valid: number; failed: number} | null
