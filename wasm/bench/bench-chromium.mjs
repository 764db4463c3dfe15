// Budgets in headless Chromium (scripts/wasm.sh bench): bench.html on a server on
// 127.0.0.1 that this script starts and always stops.
import { createServer } from 'node:http';
import { readFileSync, existsSync, statSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extname, join, normalize } from 'node:path';
import { tmpdir } from 'node:os';

const root = process.env.QRSEAL_ROOT;
const toolsDir = process.env.QRSEAL_TOOLS;
const pkgDir = join(process.env.QRSEAL_USER_DIR, 'node_modules/qrseal-wasm');
const { chromium } = createRequire(join(toolsDir, 'x.js'))('playwright-core');
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.json': 'application/json', '.wasm': 'application/wasm' };
const mounts = [['/pkg/', pkgDir], ['/tools/', toolsDir], ['/', root]];
const server = createServer((req, res) => {
  const path = new URL(req.url, 'http://x').pathname;
  for (const [prefix, dir] of mounts) {
    if (!path.startsWith(prefix)) continue;
    const file = normalize(join(dir, decodeURIComponent(path.slice(prefix.length))));
    if (!file.startsWith(dir) || !existsSync(file) || !statSync(file).isFile()) break;
    res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' });
    res.end(readFileSync(file));
    return;
  }
  res.writeHead(404);
  res.end();
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const profile = mkdtempSync(join(tmpdir(), 'qrseal-bench-'));
let context;
try {
  context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium', headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = await context.newPage();
  await page.goto(`http://127.0.0.1:${server.address().port}/wasm/bench/bench.html`);
  await page.waitForFunction(() => window.benchResult, null, { timeout: 300000 });
  const out = await page.evaluate(() => window.benchResult);
  if (out.error) throw new Error(out.error);
  const us = (ns) => (ns / 1000).toFixed(1);
  console.log(`chromium ${context.browser()?.version() ?? ''}`.trim());
  console.log(`verify (text to decision), wasm: ${us(out.verify)} us`);
  console.log(`@noble/ed25519 verify, same signature: ${us(out.noble)} us -> wasm is ${out.nobleRatio.toFixed(1)}x noble's rate (median of per-round ratios)`);
  console.log(`renderSvg: ${us(out.svg)} us; decodeFrame 640x480 gray: ${us(out.frame)} us`);
} finally {
  if (context) await context.close();
  server.close();
  rmSync(profile, { recursive: true, force: true });
}
