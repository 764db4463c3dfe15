// Node.js entry: loads the module from the package folder synchronously.
import { readFileSync } from 'node:fs';
import { initSync } from './qrseal_wasm.js';

export * from './qrseal_wasm.js';

let ready = false;

/** Loads the WebAssembly module from this package (once; later calls do nothing). */
export function initNode() {
  if (ready) return;
  initSync({ module: readFileSync(new URL('./qrseal_wasm_bg.wasm', import.meta.url)) });
  ready = true;
}
