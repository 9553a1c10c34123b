// Loads the WebAssembly access-log scanner that `npm run build` compiles next to the JavaScript
// (dist/wasm/scan.wasm; source in src/wasm/scan.ts). Without it `parse` is correct, only slower: every
// line then goes the JavaScript way, so a missing file is not an error here (a test checks the package has it).
import {readFileSync} from 'node:fs'

import {Scanner} from '../core/accesslog/scanner.js'

export const SCANNER_WASM = new URL('../wasm/scan.wasm', import.meta.url)

let module: WebAssembly.Module | null | undefined

/** A scanner of its own (each reader needs one: it keeps its input in the module's memory), or undefined. */
export function loadScanner(): Scanner | undefined {
  if (module === undefined) {
    try {
      module = new WebAssembly.Module(readFileSync(SCANNER_WASM))
    } catch {
      module = null
    }
  }
  return module === null ? undefined : new Scanner(module)
}
