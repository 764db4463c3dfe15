// Mini-program loading, in Node with a shim of WeChat's environment: no TextEncoder or
// TextDecoder, no WebAssembly global (so no WebAssembly.Instance or Module to check with
// instanceof), and a WXWebAssembly whose instantiate takes only a path inside the code
// package (read from disk here; .wasm.br decompressed as WeChat does).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { brotliDecompressSync } from 'node:zlib';
import { runTokens, runTrust } from './common.mjs';

const root = process.env.QRSEAL_ROOT;
const user = process.env.QRSEAL_USER_DIR;
const entry = createRequire(join(user, 'package.json')).resolve('qrseal-wasm/miniprogram');
const packageDir = dirname(entry);
const vectors = (name) => JSON.parse(readFileSync(join(root, 'testvectors', name), 'utf8'));

const RealWebAssembly = globalThis.WebAssembly;
const paths = [];
delete globalThis.TextEncoder;
delete globalThis.TextDecoder;
delete globalThis.WebAssembly;
globalThis.WXWebAssembly = {
  async instantiate(path, imports) {
    assert.equal(typeof path, 'string', 'WXWebAssembly.instantiate takes a path only');
    paths.push(path);
    let bytes = readFileSync(join(packageDir, path));
    if (path.endsWith('.br')) bytes = brotliDecompressSync(bytes);
    const { instance, module } = await RealWebAssembly.instantiate(bytes, imports);
    return { instance, module };
  },
};

const q = await import(pathToFileURL(entry));
await q.initMiniProgram('qrseal_wasm_bg.wasm.br');

test('initMiniProgram loads the .wasm.br by path through WXWebAssembly', () => {
  assert.deepEqual(paths, ['qrseal_wasm_bg.wasm.br']);
  assert.equal(globalThis.WebAssembly, undefined);
});

test('the text codecs in use are the package\'s polyfill', () => {
  assert.equal(globalThis.TextEncoder.name, 'Utf8Encoder');
  assert.equal(globalThis.TextDecoder.name, 'Utf8Decoder');
});

test('every token and trust vector gives the Rust verdict without TextEncoder/TextDecoder', () => {
  // Includes the Chinese display hint (UTF-8 out of the module) and the non-ASCII
  // character case (UTF-8 into the module).
  const tokens = runTokens(q, vectors('tokens.json'));
  assert.deepEqual(tokens.failures, []);
  const trust = runTrust(q, vectors('trust.json'));
  assert.deepEqual(trust.failures, []);
});

test('the polyfill round-trips every kind of UTF-8 sequence', () => {
  const s = 'A é 张*明 ＊１ 😀 \u0000';
  const bytes = new globalThis.TextEncoder().encode(s);
  assert.deepEqual([...bytes], [...Buffer.from(s, 'utf8')]);
  assert.equal(new globalThis.TextDecoder().decode(bytes), s);
  assert.equal(new globalThis.TextDecoder().decode(bytes.subarray(2, 4)), 'é');
});

test('the package is well under the 2 MB code-package limit', () => {
  const total = readdirSync(packageDir).reduce((n, f) => n + statSync(join(packageDir, f)).size, 0);
  assert.ok(total < 1024 * 1024, `${total} bytes`);
});

test('Alipay: MYWebAssembly is used when WXWebAssembly is absent', async () => {
  const seen = [];
  const host = {
    async instantiate(path, imports) {
      seen.push(path);
      return RealWebAssembly.instantiate(readFileSync(join(packageDir, path)), imports);
    },
  };
  globalThis.MYWebAssembly = host;
  const wx = globalThis.WXWebAssembly;
  delete globalThis.WXWebAssembly;
  try {
    await q.initMiniProgram('qrseal_wasm_bg.wasm');
  } finally {
    globalThis.WXWebAssembly = wx;
    delete globalThis.MYWebAssembly;
  }
  assert.deepEqual(seen, ['qrseal_wasm_bg.wasm']);
  assert.equal(runTokens(q, vectors('tokens.json')).failures.length, 0);
});
