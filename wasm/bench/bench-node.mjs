// Budgets in Node (scripts/wasm.sh bench): the installed package against @noble/ed25519 and
// against node's crypto.verify (OpenSSL) on the same signature, in the same run.
import { readFileSync } from 'node:fs';
import { createHash, createPublicKey, verify } from 'node:crypto';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';

const root = process.env.QRSEAL_ROOT;
const user = process.env.QRSEAL_USER_DIR;
const q = await import(pathToFileURL(createRequire(join(user, 'package.json')).resolve('qrseal-wasm/node')));
q.initNode();
const { run, pair, fixture } = await import('./cases.mjs');
const ed = await import(pathToFileURL(join(process.env.QRSEAL_TOOLS, '@noble/ed25519/index.js')));
const tokens = JSON.parse(readFileSync(join(root, 'testvectors/tokens.json'), 'utf8'));
const now = () => performance.now();
const { out, f, verifyFn } = run(q, ed, tokens, now, (m) => new Uint8Array(createHash('sha512').update(m).digest()));
const spki = createPublicKey({
  key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(f.key)]),
  format: 'der', type: 'spki',
});
if (!verify(null, f.message, spki, f.signature)) throw new Error('crypto.verify refuses');
const vc = pair(now, verifyFn, 1000, (n) => { for (let i = 0; i < n; i++) verify(null, f.message, spki, f.signature); }, 1000);
out.cryptoVerify = vc.b;
// The verify-only module (no basepoint table: see wasm/Cargo.toml) against noble too.
const voDir = join(root, 'target/wasm/verify-only');
const vo = await import(pathToFileURL(join(voDir, 'qrseal_wasm.js')));
vo.initSync({ module: readFileSync(join(voDir, 'qrseal_wasm_bg.wasm')) });
const fo = fixture(vo, tokens);
const vv = pair(now, (n) => { for (let i = 0; i < n; i++) fo.scanner.verify(fo.text, fo.now); }, 1000,
  (n) => { for (let i = 0; i < n; i++) ed.verify(f.signature, f.message, f.key); }, 100);
const us = (ns) => (ns / 1000).toFixed(1);
console.log(`node ${process.version}`);
console.log(`verify (text to decision), wasm: ${us(out.verify)} us (median of the rounds beside noble), ${us(vc.a)} us (beside crypto.verify)`);
console.log(`@noble/ed25519 verify, same signature: ${us(out.noble)} us -> wasm is ${out.nobleRatio.toFixed(1)}x noble's rate (median of per-round ratios)`);
console.log(`crypto.verify (OpenSSL), same signature: ${us(out.cryptoVerify)} us -> wasm takes ${(1 / vc.ratio).toFixed(2)}x its time (median of per-round ratios)`);
console.log(`verify-only module: verify ${us(vv.a)} us, noble ${us(vv.b)} us -> ${vv.ratio.toFixed(1)}x noble's rate (median of per-round ratios)`);
console.log(`renderSvg (version 6, 8 units a module): ${us(out.svg)} us`);
console.log(`decodeFrame 640x480 gray: ${us(out.frame)} us`);
