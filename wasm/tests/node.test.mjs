// The installed package (the tarball from `npm pack`, installed into an empty folder by
// scripts/wasm.sh) in Node: every test vector, a user's five-line script, the holder API.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runTokens, runTrust, runEd25519, hex } from './common.mjs';

const root = process.env.QRSEAL_ROOT;
const user = process.env.QRSEAL_USER_DIR;
const fixtures = process.env.QRSEAL_FIXTURES;
assert.ok(root && user && fixtures, 'run through scripts/wasm.sh');
const vectors = (name) => JSON.parse(readFileSync(join(root, 'testvectors', name), 'utf8'));
const resolve = createRequire(join(user, 'package.json')).resolve;
const q = await import(pathToFileURL(resolve('qrseal-wasm/node')));
q.initNode();

test('tokens.json: every input of every case gives the Rust verdict', () => {
  const { failures, checked } = runTokens(q, vectors('tokens.json'));
  assert.deepEqual(failures, []);
  assert.ok(checked >= 200, `only ${checked} inputs`);
});

test('trust.json: every step of every scenario gives the Rust outcome', () => {
  const { failures, checked } = runTrust(q, vectors('trust.json'));
  assert.deepEqual(failures, []);
  assert.equal(checked, 226);
});

test('ed25519.json: the acceptance rule on all C2SP vectors', () => {
  const external = vectors('external/ed25519-validation-vectors.json');
  const { failures, checked } = runEd25519(q, vectors('ed25519.json'), external);
  assert.deepEqual(failures, []);
  assert.equal(checked, 914);
});

test('a user verifies a CLI-issued token in five lines', () => {
  const script = [
    "import { initNode, Scanner } from 'qrseal-wasm/node';",
    "import { readFileSync } from 'node:fs';",
    'initNode(); const scanner = new Scanner();',
    "scanner.addKeyPem(readFileSync(process.argv[2], 'utf8'));",
    'console.log(scanner.verify(process.argv[3], Math.floor(Date.now() / 1000)).admitted);',
  ].join('\n');
  writeFileSync(join(user, 'verify.mjs'), script);
  const run = (token) => execFileSync('node', ['verify.mjs', join(fixtures, 'keys/issuer.pub'), token],
    { cwd: user, encoding: 'utf8' }).trim();
  const token = readFileSync(join(fixtures, 'green.txt'), 'utf8').trim();
  assert.equal(run(token), 'true');
  // One character of the signature changed: refused.
  const forged = token.slice(0, -2) + (token.at(-2) === 'A' ? 'B' : 'A') + token.at(-1);
  assert.equal(run(forged), 'false');
});

test('verdicts carry the table row in both languages, and the policy reasons', () => {
  const scanner = new q.Scanner();
  scanner.addKeyPem(readFileSync(join(fixtures, 'keys/issuer.pub'), 'utf8'));
  const token = readFileSync(join(fixtures, 'green.txt'), 'utf8').trim();
  const claims = q.readToken(token);
  const late = scanner.verify(token, claims.expiresAt + 3600);
  assert.equal(late.valid, false);
  assert.equal(late.error.code, 'expired');
  assert.equal(late.error.number, 202);
  assert.equal(late.error.category, 'invalid');
  assert.match(late.error.messageZh, /[\u4e00-\u9fff]/);
  assert.match(late.error.detail, /expired/);
  const policy = new q.Policy();
  policy.acceptColours(['yellow']);
  policy.setMaxTestAge(48 * 3600);
  scanner.setPolicy(policy);
  const denied = scanner.verify(token, claims.issuedAt);
  assert.equal(denied.valid, true);
  assert.equal(denied.admitted, false);
  assert.deepEqual(denied.denials.map((d) => d.code), ['colour', 'no_test']);
  assert.deepEqual(denied.denials.map((d) => d.category), ['denied', 'denied']);
});

test('bad arguments throw an Error naming the table row', () => {
  const scanner = new q.Scanner();
  const kinds = [[-1, 'a negative number'], [1.5, 'a fraction'], [NaN, 'NaN'], [Infinity, 'an infinity'],
    [-Infinity, 'an infinity'], [2 ** 53, 'a number above 2^53 - 1']];
  for (const [now, kind] of kinds) {
    assert.throws(() => scanner.verify('QS:', now), (e) => e instanceof Error && e.code === 'invalid_time'
      && e.number === 504 && e.message.endsWith(`now must be whole seconds between 0 and 2^53 - 1, got ${kind}`));
  }
  assert.throws(() => scanner.addKey(new Uint8Array(31)), (e) => e.code === 'invalid_key');
  assert.throws(() => scanner.addKey(new Uint8Array(32)), (e) => e.code === 'invalid_key');
  assert.throws(() => scanner.addKeyPem('not a key'), (e) => e.code === 'invalid_key');
  assert.throws(() => q.readToken(''), (e) => e.code === 'empty_text');
  assert.throws(() => q.readToken('QS:' + 'A'.repeat(5000)), (e) => e.code === 'text_too_long');
  assert.throws(() => new q.TrustScanner(new Uint8Array(3)), (e) => e.code === 'invalid_key');
  assert.throws(() => new q.Policy().acceptColours(['blue']), (e) => typeof e.code === 'string');
  const store = new q.TrustScanner(hex(vectors('trust.json').keys[0].public_key_hex));
  assert.throws(() => store.loadTrustList(new Uint8Array(10), 0), (e) => e.category === 'unusable');
  assert.throws(() => store.restoreCheckpoint(new Uint8Array(44)), (e) => e.code === 'invalid_checkpoint');
});

test('holder: readToken gives the claims and core\'s refresh time without verifying', () => {
  const file = vectors('tokens.json');
  for (const c of file.cases.filter((c) => c.expected.valid && c.qr_text)) {
    const claims = q.readToken(c.qr_text);
    assert.equal(claims.refreshAt, c.expected.claims.refresh_at_unix, c.name);
    assert.equal(claims.colour, c.expected.claims.colour, c.name);
    assert.equal(claims.displayHint ?? null, c.expected.claims.display_hint, c.name);
  }
});

test('holder: the SVG and the module matrix draw the same symbol', () => {
  const token = readFileSync(join(fixtures, 'green.txt'), 'utf8').trim();
  const m = q.renderMatrix(token);
  assert.equal(m.modules.length, m.width * m.width);
  assert.ok(m.width >= 21 && (m.width - 17) % 4 === 0, `width ${m.width}`);
  // Finder pattern: the top-left 7x7 ring is dark, its inner ring light.
  assert.equal(m.modules[0], 1);
  assert.equal(m.modules[m.width + 1], 0);
  const svg = q.renderSvg(token, 4, true);
  assert.match(svg, /^<\?xml|^<svg/);
  assert.ok(svg.includes(`width="${(m.width + 8) * 4}"`), 'SVG size = (modules + quiet zone) x 4');
  assert.throws(() => q.renderSvg(token, 0, true), (e) => e.code === 'render');
  assert.throws(() => q.renderMatrix('qs:lower case'), (e) => e.code === 'invalid_character');
  assert.throws(() => q.renderSvg('', 4, true), (e) => e.code === 'empty_text');
});
