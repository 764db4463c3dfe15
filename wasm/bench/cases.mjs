// What the benchmarks measure, shared by Node and the browser page: verify (text to
// decision) through the module against @noble/ed25519 verifying the same signature,
// SVG rendering, and decoding a 640x480 camera frame. Returns nanoseconds an operation.
// `ed` is @noble/ed25519 as the host loaded it.

export const hex = (s) => Uint8Array.from(s.match(/../g), (b) => parseInt(b, 16));
const DOMAIN = new TextEncoder().encode('qrseal/v1/token');

/** Median ns/op over `rounds` timed rounds of `n` calls each (after one warm-up round). */
export function time(now, fn, n, rounds = 7) {
  fn(n);
  const results = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = now();
    fn(n);
    results.push(((now() - t0) * 1e6) / n);
  }
  return median(results);
}

const median = (xs) => xs.slice().sort((a, b) => a - b)[xs.length >> 1];

/**
 * Two operations timed in alternating rounds, so that both see the same machine (the
 * development machine is shared and its load changes by the second): `{ a, b, ratio }`,
 * the median ns/op of each and the median of the per-round ratios b/a. The warm-up runs
 * each operation for about a second first: V8 compiles WebAssembly with its baseline
 * compiler (Liftoff) and moves hot functions to its optimising one (TurboFan) while they
 * run, and a page that scans codes all day runs the optimised code.
 */
export function pair(now, fa, na, fb, nb, rounds = 21) {
  for (const [fn, n] of [[fa, na], [fb, nb]]) {
    const t0 = now();
    do fn(n); while (now() - t0 < 1000);
  }
  const as = []; const bs = []; const ratios = [];
  for (let r = 0; r < rounds; r++) {
    let t0 = now();
    fa(na);
    const a = ((now() - t0) * 1e6) / na;
    t0 = now();
    fb(nb);
    const b = ((now() - t0) * 1e6) / nb;
    as.push(a); bs.push(b); ratios.push(b / a);
  }
  return { a: median(as), b: median(bs), ratio: median(ratios) };
}

/** The valid-size-budget-no-hint case: a realistic full token. */
export function fixture(q, tokens) {
  const c = tokens.cases.find((x) => x.name === 'valid-size-budget-no-hint');
  const key = hex(tokens.keys.find((k) => k.name === 'issuer').public_key_hex);
  const bytes = hex(c.token_hex);
  const body = bytes.subarray(0, bytes.length - 64);
  const signature = bytes.subarray(bytes.length - 64);
  const message = new Uint8Array(DOMAIN.length + body.length);
  message.set(DOMAIN);
  message.set(body, DOMAIN.length);
  const scanner = new q.Scanner();
  scanner.addKey(key);
  const policy = new q.Policy();
  policy.acceptColours(['green', 'yellow', 'red', 'dark-red']);
  scanner.setPolicy(policy);
  return { c, key, message, signature, scanner, now: c.now_unix, text: c.qr_text };
}

export function frame(q, text) {
  const W = 640; const H = 480; const m = q.renderMatrix(text);
  const size = 6; const x0 = (W - m.width * size) >> 1; const y0 = (H - m.width * size) >> 1;
  const gray = new Uint8Array(W * H).fill(230);
  for (let r = 0; r < m.width; r++) for (let c = 0; c < m.width; c++) {
    if (!m.modules[r * m.width + c]) continue;
    for (let dy = 0; dy < size; dy++) gray.fill(20, (y0 + r * size + dy) * W + x0 + c * size, (y0 + r * size + dy) * W + x0 + (c + 1) * size);
  }
  return { W, H, gray };
}

export function run(q, ed, tokens, now, sha512) {
  ed.hashes.sha512 = sha512;
  const f = fixture(q, tokens);
  const v = f.scanner.verify(f.text, f.now);
  if (!v.admitted) throw new Error('fixture does not verify');
  if (!ed.verify(f.signature, f.message, f.key)) throw new Error('noble refuses the signature');
  const out = {};
  const verifyFn = (n) => { for (let i = 0; i < n; i++) f.scanner.verify(f.text, f.now); };
  const vn = pair(now, verifyFn, 1000, (n) => { for (let i = 0; i < n; i++) ed.verify(f.signature, f.message, f.key); }, 100);
  out.verify = vn.a; out.noble = vn.b; out.nobleRatio = vn.ratio;
  out.svg = time(now, (n) => { for (let i = 0; i < n; i++) q.renderSvg(f.text, 8, true); }, 500);
  const fr = frame(q, f.text);
  if (q.decodeFrame(fr.W, fr.H, fr.gray, false) !== f.text) throw new Error('frame does not decode');
  out.frame = time(now, (n) => { for (let i = 0; i < n; i++) q.decodeFrame(fr.W, fr.H, fr.gray, false); }, 50);
  return { out, f, verifyFn };
}
