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
const { run, time } = await import('./cases.mjs');
const ed = await import(pathToFileURL(join(process.env.QRSEAL_TOOLS, '@noble/ed25519/index.js')));
const tokens = JSON.parse(readFileSync(join(root, 'testvectors/tokens.json'), 'utf8'));
const now = () => performance.now();
const { out, f } = run(q, ed, tokens, now, (m) => new Uint8Array(createHash('sha512').update(m).digest()));
const spki = createPublicKey({
  key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(f.key)]),
  format: 'der', type: 'spki',
});
if (!verify(null, f.message, spki, f.signature)) throw new Error('crypto.verify refuses');
out.cryptoVerify = time(now, (n) => { for (let i = 0; i < n; i++) verify(null, f.message, spki, f.signature); }, 2000);
const us = (ns) => (ns / 1000).toFixed(1);
console.log(`node ${process.version}`);
console.log(`verify (text to decision), wasm: ${us(out.verify)} us`);
console.log(`@noble/ed25519 verify, same signature: ${us(out.noble)} us -> wasm is ${(out.noble / out.verify).toFixed(1)}x noble's rate`);
console.log(`crypto.verify (OpenSSL), same signature: ${us(out.cryptoVerify)} us -> wasm takes ${(out.verify / out.cryptoVerify).toFixed(2)}x its time`);
console.log(`renderSvg (version 6, 8 units a module): ${us(out.svg)} us`);
console.log(`decodeFrame 640x480 gray: ${us(out.frame)} us`);
