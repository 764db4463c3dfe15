// Shared by the Node tests and the browser test page: runs testvectors/*.json through an
// initialised qrseal-wasm module `q` and returns every disagreement with the expected
// (Rust) answer. No Node API here, so the same file runs in Chromium.

export const hex = (s) => {
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.substr(2 * i, 2), 16);
  return out;
};
const toHex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

function policyOf(q, p, maxStale) {
  const policy = new q.Policy();
  if (p) {
    policy.acceptColours(p.accepted_colours);
    policy.setMaxTestAge(p.max_test_age_secs ?? undefined);
    policy.setMinDoses(p.min_doses);
  }
  if (maxStale !== undefined) policy.setMaxStale(maxStale);
  return policy;
}

function checkClaims(fail, where, claims, want) {
  const got = {
    subject: claims.subject,
    colour: claims.colour,
    issued_at_unix: claims.issuedAt,
    expires_at_unix: claims.expiresAt,
    refresh_at_unix: claims.refreshAt,
    test: claims.testResult === undefined ? null
      : { result: claims.testResult, collected_at_unix: claims.testCollectedAt },
    vaccination: claims.doses === undefined ? null
      : { doses: claims.doses, last_dose_days: claims.lastDoseDays },
    display_hint: claims.displayHint ?? null,
  };
  const expected = {
    subject: want.subject,
    colour: want.colour,
    issued_at_unix: want.issued_at_unix,
    expires_at_unix: want.expires_at_unix,
    refresh_at_unix: want.refresh_at_unix,
    test: want.test && { result: want.test.result, collected_at_unix: want.test.collected_at_unix },
    vaccination: want.vaccination
      && { doses: want.vaccination.doses, last_dose_days: want.vaccination.last_dose_days },
    display_hint: want.display_hint,
  };
  if (JSON.stringify(got) !== JSON.stringify(expected)) {
    fail(`${where}: claims ${JSON.stringify(got)} != ${JSON.stringify(expected)}`);
  }
}

/** tokens.json: every input of every case, verdict, claims and policy decision. */
export function runTokens(q, file) {
  const failures = [];
  const fail = (m) => failures.push(m);
  const keys = new Map(file.keys.map((k) => [k.name, hex(k.public_key_hex)]));
  let checked = 0;
  for (const c of file.cases) {
    const scanner = new q.Scanner(c.skew_secs);
    for (const name of c.trusted_keys) scanner.addKey(keys.get(name));
    scanner.setPolicy(policyOf(q, c.policy));
    const inputs = [];
    if (c.qr_text !== null) inputs.push(['qr', () => scanner.verify(c.qr_text, c.now_unix)]);
    if (c.url_text !== null) inputs.push(['url', () => scanner.verify(c.url_text, c.now_unix)]);
    if (c.token_hex !== null) {
      inputs.push(['bytes', () => scanner.verifyBytes(hex(c.token_hex), c.now_unix)]);
    }
    for (const [form, run] of inputs) {
      const where = `${c.name} (${form})`;
      const v = run();
      checked++;
      if (c.expected.valid) {
        if (!v.valid) { fail(`${where}: refused with ${v.error.code}`); continue; }
        checkClaims(fail, where, v.claims, c.expected.claims);
        if (c.policy) {
          const want = c.expected_decision;
          const got = { admitted: v.admitted, denials: v.denials.map((d) => d.code) };
          const exp = { admitted: want.admitted, denials: want.denials.map((d) => d.reason) };
          if (JSON.stringify(got) !== JSON.stringify(exp)) {
            fail(`${where}: decision ${JSON.stringify(got)} != ${JSON.stringify(exp)}`);
          }
        }
      } else if (v.valid) {
        fail(`${where}: accepted, expected ${c.expected.error}`);
      } else if (v.error.code !== c.expected.error) {
        fail(`${where}: ${v.error.code} != ${c.expected.error}`);
      } else if (v.admitted || typeof v.error.number !== 'number' || !v.error.message) {
        fail(`${where}: incomplete rejection ${JSON.stringify(v.error)}`);
      }
    }
  }
  return { failures, checked };
}

function codeOf(run) {
  try { run(); return 'ok'; } catch (e) {
    if (typeof e.code !== 'string') throw e;
    return e.code;
  }
}

/** trust.json: every step of every scenario on one TrustScanner per scenario. */
export function runTrust(q, file) {
  const failures = [];
  const fail = (m) => failures.push(m);
  let checked = 0;
  for (const sc of file.scenarios) {
    const fresh = () => new q.TrustScanner(hex(sc.root_public_key_hex), sc.skew_secs, sc.grace_secs);
    let store = fresh();
    sc.steps.forEach((s, i) => {
      const where = `${sc.name} step ${i} (${s.op}: ${s.note})`;
      checked++;
      switch (s.op) {
        case 'load_trust_list':
        case 'load_revocations': {
          let info;
          const load = s.op === 'load_trust_list' ? 'loadTrustList' : 'loadRevocations';
          const got = codeOf(() => { info = store[load](hex(s.list_hex), s.now_unix); });
          if (got !== s.expect) fail(`${where}: ${got} != ${s.expect}`);
          else if (got === 'ok' && info.sequence !== s.sequence) fail(`${where}: sequence ${info.sequence}`);
          break;
        }
        case 'verify': {
          store.setPolicy(policyOf(q, null, s.policy ? s.policy.max_stale_secs : undefined));
          const v = store.verify(s.text, s.now_unix);
          const got = v.valid ? 'ok' : v.error.code;
          if (got !== s.expect) { fail(`${where}: ${got} != ${s.expect}`); break; }
          if (got !== 'ok') break;
          if (v.claims.issuedAt !== s.issued_at_unix || v.claims.subject !== s.subject_hex) {
            fail(`${where}: claims ${v.claims.issuedAt} ${v.claims.subject}`);
          }
          const stale = v.stale === undefined ? null : { data: v.stale, overdue_secs: v.staleOverdue };
          const want = s.stale && { data: s.stale.data, overdue_secs: s.stale.overdue_secs };
          if (JSON.stringify(stale) !== JSON.stringify(want)) {
            fail(`${where}: stale ${JSON.stringify(stale)} != ${JSON.stringify(want)}`);
          }
          if (s.decision) {
            const got2 = { admitted: v.admitted, denials: v.denials.map((d) => d.code) };
            const exp2 = { admitted: s.decision.admitted, denials: s.decision.denials.map((d) => d.reason) };
            if (JSON.stringify(got2) !== JSON.stringify(exp2)) {
              fail(`${where}: decision ${JSON.stringify(got2)} != ${JSON.stringify(exp2)}`);
            }
          }
          break;
        }
        case 'checkpoint': {
          const got = toHex(store.checkpoint());
          if (got !== s.checkpoint_hex) fail(`${where}: ${got} != ${s.checkpoint_hex}`);
          break;
        }
        case 'restore_checkpoint': {
          const got = codeOf(() => store.restoreCheckpoint(hex(s.checkpoint_hex)));
          if (got !== s.expect) fail(`${where}: ${got} != ${s.expect}`);
          break;
        }
        case 'restart':
          store = fresh();
          break;
        case 'state': {
          const got = {
            trust_list_sequence: store.trustListSequence ?? null,
            revocation_sequence: store.revocationSequence ?? null,
            revoked_count: store.revokedCount,
          };
          const want = {
            trust_list_sequence: s.trust_list_sequence,
            revocation_sequence: s.revocation_sequence,
            revoked_count: s.revoked_count,
          };
          if (JSON.stringify(got) !== JSON.stringify(want)) {
            fail(`${where}: ${JSON.stringify(got)} != ${JSON.stringify(want)}`);
          }
          break;
        }
        default:
          fail(`${where}: unknown op`);
      }
    });
  }
  return { failures, checked };
}

/** ed25519.json with the external vectors it describes: qrseal's verdict on each. */
export function runEd25519(q, ours, external) {
  const failures = [];
  const byNumber = new Map(external.map((v) => [v.number, v]));
  for (const v of ours.vectors) {
    const x = byNumber.get(v.number);
    const got = q.verifyEd25519(hex(x.key), new TextEncoder().encode(x.msg), hex(x.sig));
    if (got !== v.accepted) failures.push(`ed25519 vector ${v.number}: ${got} != ${v.accepted}`);
  }
  return { failures, checked: ours.vectors.length };
}
