// The few WebAssembly JS API types the scanner uses (core/accesslog/scanner.ts). TypeScript has them only
// in its DOM libraries and @types/node 20 not at all; Node 20 has the API itself.
declare namespace WebAssembly {
  class Module {
    constructor(bytes: Uint8Array)
  }
  class Instance {
    constructor(module: Module, imports?: Record<string, Record<string, unknown>>)
    readonly exports: Record<string, unknown>
  }
  class Memory {
    readonly buffer: ArrayBuffer
    grow(pages: number): number
  }
  class Global {
    value: unknown
  }
}
