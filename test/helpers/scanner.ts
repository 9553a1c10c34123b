// The WebAssembly scanner as `npm run build` compiles it (dist/wasm/scan.wasm): `npm test` builds first.
// Tests that compare the scanner's rows with the JavaScript path's load it here.
import {readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

import {Scanner} from '../../src/core/accesslog/scanner.js'

const WASM = fileURLToPath(new URL('../../dist/wasm/scan.wasm', import.meta.url))
let module: WebAssembly.Module | undefined

/** A fresh scanner over the built module; throws when the build has not made it. */
export function builtScanner(): Scanner {
  module ??= new WebAssembly.Module(readFileSync(WASM))
  return new Scanner(module)
}
