// The example pages and the test vectors in headless Chromium (Debian's chromium, driven by
// playwright-core). A static server on 127.0.0.1 serves the repository, the package (/pkg/)
// and the fixtures, plus a stub of the issuer service's POST /v1/token; it and every browser
// are stopped when the tests end, whatever happens.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFileSync, writeFileSync, mkdirSync, mkdtempSync, rmSync, existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extname, join, normalize } from 'node:path';
import { tmpdir } from 'node:os';
import { pathToFileURL } from 'node:url';

const root = process.env.QRSEAL_ROOT;
const user = process.env.QRSEAL_USER_DIR;
const fixtures = process.env.QRSEAL_FIXTURES;
const tools = createRequire(join(process.env.QRSEAL_TOOLS, 'x.js'));
const { chromium } = tools('playwright-core');
const jsQR = tools('jsqr');
const { PNG } = tools('pngjs');
const output = join(root, 'target/wasm/test-output');
mkdirSync(output, { recursive: true });
const pkgDir = join(user, 'node_modules/qrseal-wasm');
const q = await import(pathToFileURL(join(pkgDir, 'node.js')));
q.initNode();

// ---- the server: static files and the token-service stub ----
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript',
  '.json': 'application/json', '.wasm': 'application/wasm', '.pub': 'text/plain' };
const mounts = [['/pkg/', pkgDir], ['/web/pkg/', pkgDir], ['/fixtures/', fixtures], ['/web/', join(root, 'examples/web')], ['/', root]];
const stub = { mode: 'ok', token: null, calls: 0 };
const sockets = new Set();
const server = createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  if (url.pathname === '/v1/token') {
    stub.calls++;
    if (stub.mode === 'fail') { req.socket.destroy(); return; }
    if (stub.mode === '503') {
      res.writeHead(503, { 'Retry-After': '120', 'Content-Type': 'application/json' });
      res.end('{"error":"overloaded"}');
      return;
    }
    const claims = q.readToken(stub.token);
    const iso = (s) => new Date(s * 1000).toISOString().replace('.000Z', 'Z');
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ qr: stub.token, url: null, expires_at: iso(claims.expiresAt), refresh_at: iso(claims.refreshAt) }));
    return;
  }
  for (const [prefix, dir] of mounts) {
    if (!url.pathname.startsWith(prefix)) continue;
    const file = normalize(join(dir, decodeURIComponent(url.pathname.slice(prefix.length))));
    if (!file.startsWith(dir) || !existsSync(file) || !statSync(file).isFile()) break;
    res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' });
    res.end(readFileSync(file));
    return;
  }
  res.writeHead(404);
  res.end();
});
server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${server.address().port}`;
const browsers = [];
const profiles = [];
after(async () => {
  for (const b of browsers) await b.close().catch(() => {});
  for (const s of sockets) s.destroy();
  await new Promise((r) => server.close(r));
  for (const p of profiles) rmSync(p, { recursive: true, force: true });
});

async function launch(extraArgs = [], locale = 'en-US') {
  const profile = mkdtempSync(join(tmpdir(), 'qrseal-chromium-'));
  profiles.push(profile);
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    locale,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync', ...extraArgs],
  });
  browsers.push(context);
  // Page errors and console lines, to name the cause when a page times out.
  context.log = [];
  context.on('page', (page) => {
    page.on('console', (m) => context.log.push(`console.${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => context.log.push(`pageerror: ${e.message}`));
  });
  return context;
}

async function waitFor(context, page, fn, arg) {
  try {
    await page.waitForFunction(fn, arg, { timeout: 30000 });
  } catch (e) {
    throw new Error(`${e.message}\n${context.log.join('\n')}`);
  }
}

test('Chromium: every test vector gives the Rust verdict', async () => {
  const context = await launch();
  const page = await context.newPage();
  await page.goto(`${base}/wasm/tests/browser/vectors.html`);
  await page.waitForFunction(() => window.vectorResult, null, { timeout: 60000 });
  const result = await page.evaluate(() => window.vectorResult);
  assert.equal(result.error, undefined, result.error);
  assert.deepEqual(result.tokens.failures, []);
  assert.deepEqual(result.trust.failures, []);
  assert.deepEqual(result.ed25519.failures, []);
  assert.equal(result.trust.checked, 226);
  assert.equal(result.ed25519.checked, 914);
  assert.ok(result.tokens.checked >= 200);
  await context.close();
});

// ---- the scanner page, fed by Chromium's fake camera ----
/** A Y4M video of the token's QR (8 px a module, quiet zone) on white, 640x480, 4:2:0. */
function y4m(text, file) {
  const W = 640; const H = 480; const m = q.renderMatrix(text);
  const size = 8; const side = (m.width + 8) * size;
  const x0 = (W - side) / 2 + 4 * size; const y0 = (H - side) / 2 + 4 * size;
  const y = Buffer.alloc(W * H, 235);
  for (let r = 0; r < m.width; r++) for (let c = 0; c < m.width; c++) {
    if (!m.modules[r * m.width + c]) continue;
    for (let dy = 0; dy < size; dy++) y.fill(16, (y0 + r * size + dy) * W + x0 + c * size, (y0 + r * size + dy) * W + x0 + (c + 1) * size);
  }
  const uv = Buffer.alloc((W / 2) * (H / 2) * 2, 128);
  const frame = Buffer.concat([Buffer.from('FRAME\n'), y, uv]);
  writeFileSync(file, Buffer.concat([Buffer.from(`YUV4MPEG2 W${W} H${H} F10:1 Ip A1:1 C420jpeg\n`), frame, frame]));
}

/** The token with one bit of its signature flipped, re-encoded (base45, RFC 9285). */
function forge(text) {
  const A = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:';
  const s = text.slice(3); const bytes = [];
  for (let i = 0; i < s.length; i += 3) {
    const n = A.indexOf(s[i]) + A.indexOf(s[i + 1]) * 45 + (i + 2 < s.length ? A.indexOf(s[i + 2]) * 2025 : 0);
    if (i + 2 < s.length) bytes.push(n >> 8, n & 255); else bytes.push(n);
  }
  bytes[bytes.length - 10] ^= 1;
  let out = 'QS:';
  for (let i = 0; i < bytes.length; i += 2) {
    if (i + 1 < bytes.length) { const n = bytes[i] * 256 + bytes[i + 1]; out += A[n % 45] + A[Math.floor(n / 45) % 45] + A[Math.floor(n / 2025)]; }
    else out += A[bytes[i] % 45] + A[Math.floor(bytes[i] / 45)];
  }
  return out;
}

const token = (name) => readFileSync(join(fixtures, name), 'utf8').trim();
const trustQuery = 'root=/fixtures/root/root.pub&trust=/fixtures/trust.qstl&revocations=/fixtures/rev/full.qsrl';
const cases = [
  ['valid', () => token('green.txt'), true, null],
  ['forged', () => forge(token('green.txt')), false, 'bad_signature'],
  ['expired', () => token('expired.txt'), false, 'expired'],
  ['revoked', () => token('revoked.txt'), false, 'revoked'],
];
for (const [name, make, admitted, code] of cases) {
  test(`Chromium scanner page, fake camera: ${name}`, async () => {
    const video = join(output, `camera-${name}.y4m`);
    const text = make();
    y4m(text, video);
    const context = await launch(['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
      `--use-file-for-fake-video-capture=${video}`], name === 'valid' ? 'zh-CN' : 'en-US');
    const page = await context.newPage();
    await page.goto(`${base}/web/scanner.html?${trustQuery}`);
    await waitFor(context, page, () => window.qrsealScanner && window.qrsealScanner.verdict);
    const state = await page.evaluate(() => window.qrsealScanner);
    assert.equal(state.text, text);
    assert.deepEqual(state.verdict, { admitted, code });
    assert.equal(await page.locator('#verdict').getAttribute('data-admitted'), String(admitted));
    if (name === 'valid') assert.equal(await page.locator('#verdict').textContent(), '有效');
    else assert.equal(await page.locator('#verdict').textContent(), 'NOT VALID');
    await page.screenshot({ path: join(output, `scanner-${name}.png`) });
    rmSync(video);
    await context.close();
  });
}

// ---- the holder page ----
function readQr(png) {
  const image = PNG.sync.read(png);
  const found = jsQR(new Uint8ClampedArray(image.data.buffer, image.data.byteOffset, image.data.length), image.width, image.height);
  return found && found.data;
}

test('Chromium holder page: draws the stored token, refreshes at the refresh time, survives 503 and network failures', async () => {
  const first = token('green.txt');
  const second = token('green2.txt');
  stub.mode = 'ok'; stub.token = first; stub.calls = 0;
  const context = await launch();
  const page = await context.newPage();
  await page.clock.install({ time: Date.now() });
  await page.goto(`${base}/web/holder.html?token-url=/v1/token`);
  await waitFor(context, page, () => window.qrsealHolder && window.qrsealHolder.token);
  assert.equal(stub.calls, 1, 'nothing stored: one fetch at once');
  assert.equal(await page.evaluate(() => localStorage.getItem('qrseal.token')), first);
  // An independent decoder (jsQR) reads the drawn symbol back to the stored token.
  assert.equal(readQr(await page.locator('#qr svg').screenshot()), first);
  await page.screenshot({ path: join(output, 'holder.png') });
  const claims = q.readToken(first);
  const holder = () => page.evaluate(() => ({ ...window.qrsealHolder, claims: null }));
  assert.equal((await holder()).nextAttemptAt, claims.refreshAt);

  // Before the refresh time: no request at all.
  const clockNow = async () => Math.floor((await page.evaluate(() => Date.now())) / 1000);
  await page.clock.fastForward((claims.refreshAt - (await clockNow()) - 60) * 1000);
  assert.equal(stub.calls, 1);

  // At the refresh time the service is overloaded: 503 with Retry-After 120.
  stub.mode = '503';
  await page.clock.fastForward(61 * 1000);
  await page.waitForFunction(() => window.qrsealHolder.failures === 1);
  let h = await holder();
  assert.equal(stub.calls, 2);
  assert.equal(h.token, first, 'the valid token stays on screen');
  const wait = h.nextAttemptAt - (await clockNow());
  assert.ok(wait >= 119 && wait <= 181, `Retry-After 120 with jitter, got ${wait}`);
  assert.equal(await page.locator('#qr').getAttribute('data-token'), first);

  // The retry meets a network failure: backoff, token kept.
  stub.mode = 'fail';
  await page.clock.fastForward((wait + 1) * 1000);
  await page.waitForFunction(() => window.qrsealHolder.failures === 2);
  h = await holder();
  // Chromium's network stack itself retries a request whose connection was reset, so the
  // stub may see more than one request for the page's one failed fetch.
  assert.ok(stub.calls >= 3, `${stub.calls} requests`);
  assert.equal(h.token, first);
  assert.match(await page.locator('#status').textContent(), /retrying/);

  // Then the service answers: the new token is drawn and stored.
  stub.mode = 'ok'; stub.token = second;
  await page.clock.fastForward((h.nextAttemptAt - (await clockNow()) + 1) * 1000);
  await page.waitForFunction((t) => window.qrsealHolder.token === t, second);
  assert.equal(await page.evaluate(() => localStorage.getItem('qrseal.token')), second);
  assert.equal(readQr(await page.locator('#qr svg').screenshot()), second);

  // A reload shows the stored token offline (no request) in Chinese.
  const calls = stub.calls;
  await page.reload();
  await page.waitForFunction(() => window.qrsealHolder && window.qrsealHolder.ready);
  assert.equal(await page.locator('#qr').getAttribute('data-token'), second);
  assert.equal(stub.calls, calls);
  await context.close();
});

test('Chromium holder page in Chinese', async () => {
  stub.mode = 'ok'; stub.token = token('green.txt');
  const context = await launch([], 'zh-CN');
  const page = await context.newPage();
  await page.goto(`${base}/web/holder.html?token-url=/v1/token`);
  await page.waitForFunction(() => window.qrsealHolder && window.qrsealHolder.token);
  assert.equal(await page.locator('#colour').textContent(), '绿码');
  await page.screenshot({ path: join(output, 'holder-zh.png') });
  await context.close();
});
