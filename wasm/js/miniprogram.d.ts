export * from './qrseal_wasm.js';
/**
 * Instantiates the module from `path` inside the mini-program's code package through
 * `WXWebAssembly` (WeChat) or `MYWebAssembly` (Alipay, in a Worker), or through `host`.
 */
export function initMiniProgram(
  path: string,
  host?: { instantiate(path: string, imports: object): Promise<unknown> },
): Promise<void>;
