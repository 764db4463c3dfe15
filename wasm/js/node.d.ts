export * from './qrseal_wasm.js';
/** Loads the WebAssembly module from this package (once; later calls do nothing). */
export function initNode(): void;
