// Loading in WeChat and Alipay mini-programs. Their WebAssembly objects
// (WXWebAssembly, MYWebAssembly) instantiate only from a path inside the code package,
// take no bytes and no fetch Response, and on iOS have no WebAssembly.Instance to check
// with instanceof; TextEncoder/TextDecoder are missing. So: polyfill first, then
// instantiate through the host's object and hand the instance to wasm-bindgen's own
// finishing step, which does no instanceof check.
import './textcodec.js';
import { __wbg_get_imports, __wbg_finalize_init } from './qrseal_wasm.js';

export * from './qrseal_wasm.js';

function hostWebAssembly() {
  if (typeof WXWebAssembly !== 'undefined') return WXWebAssembly; // eslint-disable-line no-undef
  if (typeof MYWebAssembly !== 'undefined') return MYWebAssembly; // eslint-disable-line no-undef
  return undefined;
}

/**
 * Instantiates the module from `path` inside the code package (for example
 * `/qrseal/qrseal_wasm_bg.wasm.br`) through `WXWebAssembly` (WeChat) or `MYWebAssembly`
 * (Alipay, in a Worker), or through `host` when given. Resolves when the API is ready.
 * @param {string} path
 * @param {{ instantiate(path: string, imports: object): Promise<any> }} [host]
 * @returns {Promise<void>}
 */
export async function initMiniProgram(path, host) {
  const wasmHost = host || hostWebAssembly();
  if (!wasmHost) throw new Error('initMiniProgram: no WXWebAssembly or MYWebAssembly here');
  const result = await wasmHost.instantiate(path, __wbg_get_imports());
  // WeChat resolves to { instance, module }; accept a bare instance too.
  const instance = result && result.instance ? result.instance : result;
  __wbg_finalize_init(instance, result && result.module);
}
