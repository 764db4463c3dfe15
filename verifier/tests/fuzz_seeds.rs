//! Runs every fuzz target's invariants (the hidden `fuzzing` module) over its committed seed
//! corpus in `fuzz/seeds/`, so that `cargo test` replays every regression input a fuzzer ever
//! found (they are kept there, named `regression-*`) without nightly or cargo-fuzz.
#![cfg(feature = "fuzzing")]

use std::path::PathBuf;

use qrseal_verifier::fuzzing;

fn seeds(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/seeds")
        .join(target);
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&path).unwrap())
        })
        .collect();
    out.sort();
    assert!(!out.is_empty(), "no seeds for {target}");
    out
}

fn replay(target: &str, f: fn(&[u8])) {
    for (name, data) in seeds(target) {
        let outcome = std::panic::catch_unwind(|| f(&data));
        assert!(outcome.is_ok(), "{target}: seed {name} broke an invariant");
    }
}

#[test]
fn text_decode_seeds() {
    replay("text_decode", fuzzing::text_decode);
}

#[test]
fn token_parse_seeds() {
    replay("token_parse", fuzzing::token_parse);
}

#[test]
fn verify_seeds_including_regressions() {
    assert!(
        seeds("verify")
            .iter()
            .any(|(n, _)| n.starts_with("regression-"))
    );
    replay("verify", fuzzing::verify);
}

#[test]
fn verify_batch_seeds() {
    replay("verify_batch", fuzzing::verify_batch);
}

#[test]
fn policy_seeds() {
    replay("policy", fuzzing::policy);
}

#[cfg(feature = "image")]
#[test]
fn image_decode_seeds() {
    replay("image_decode", fuzzing::image_decode);
}

#[test]
fn trust_list_seeds() {
    replay("trust_list", fuzzing::trust_list);
}

#[test]
fn revocation_list_seeds() {
    replay("revocation_list", fuzzing::revocation_list);
}

#[test]
fn trust_store_seeds() {
    replay("trust_store", fuzzing::trust_store);
}

/// The seeds of `trust_list`, `revocation_list` and `trust_store`, made here because they
/// need signed lists (and the verifier has no signing code). Deterministic: fixed key seeds,
/// fixed times, deterministic Ed25519.
mod trust_seeds {
    use qrseal_core::lists::{
        KeyEntry, KeyState, ListInfo, Revocation, RevocationKind, RevocationList, TrustList, Window,
    };
    use qrseal_core::lists::{RevocationStateId, canonical_revocations};
    use qrseal_core::{Colour, SubjectId, Timestamp};
    use qrseal_issuer::publish::{
        new_key_entry, sign_full_revocations, sign_revocation_delta, sign_trust_list,
    };
    use qrseal_issuer::{Issuer, IssuerKey, RootKey, Status, SubjectSecret};
    use qrseal_verifier::{Checkpoint, TrustStore, TrustedKey, fuzzing};

    /// The root `fuzzing::trust_store` pins (`fuzzing::TRUST_ROOT_PUBLIC_KEY`).
    pub(crate) const ROOT_SEED: [u8; 32] = *b"qrseal fuzz trust-store root key";
    /// The `issuer`, `next` and `unknown` keys of testvectors/tokens.json.
    const ISSUER_SEED: [u8; 32] = *b"qrseal test vectors issuer key 1";
    const NEXT_SEED: [u8; 32] = *b"qrseal test vectors issuer key 2";
    const UNKNOWN_SEED: [u8; 32] = *b"qrseal test vectors unknown key!";
    const SUBJECT_SECRET: [u8; 32] = *b"qrseal test vectors subject key!";
    /// 2026-11-21T08:00:00Z, `fuzzing`'s clock for op bytes with 32 in their upper six bits.
    const NOW: u64 = 1_795_248_000;
    const HOUR: u64 = 3600;
    const DAY: u64 = 24 * HOUR;

    /// Step kinds of `fuzzing::trust_store` (the op byte's low two bits), loading at `NOW`
    /// (lists signed after the loading clock plus the skew are refused).
    const TRUST: u8 = 32 << 2;
    const REVOKE: u8 = 1 | (32 << 2);
    /// Verify at `NOW` (32 hours after the harness's base time).
    const VERIFY_NOW: u8 = 2 | (32 << 2);
    const RESTORE: u8 = 3;

    fn t(unix: u64) -> Timestamp {
        Timestamp::from_unix(unix)
    }

    fn info(sequence: u64) -> ListInfo {
        ListInfo {
            sequence,
            issued_at: t(NOW - 2 * HOUR),
            next_update_by: t(NOW + 7 * DAY),
        }
    }

    fn key(seed: [u8; 32]) -> IssuerKey {
        IssuerKey::from_secret_bytes(seed)
    }

    fn entry(seed: [u8; 32]) -> KeyEntry {
        new_key_entry(key(seed).public_key(), t(NOW - 365 * DAY))
    }

    fn subject(i: u8) -> SubjectId {
        SubjectId([i.wrapping_mul(37); 12])
    }

    fn state_of(entries: &[Revocation]) -> RevocationStateId {
        RevocationStateId::of_entries(&canonical_revocations(entries).unwrap())
    }

    /// A full list (`base` ignored) or a delta applying to the set `base`.
    fn revocations(
        seed: [u8; 32],
        kind: RevocationKind,
        sequence: u64,
        base: &[Revocation],
        entries: &[Revocation],
    ) -> Vec<u8> {
        match kind {
            RevocationKind::Full => {
                sign_full_revocations(&key(seed), &info(sequence), entries).unwrap()
            }
            RevocationKind::Delta => {
                let merged = [base, entries].concat();
                let (b, st) = (state_of(base), state_of(&merged));
                sign_revocation_delta(&key(seed), &info(sequence), entries, b, st).unwrap()
            }
        }
    }

    /// Every byte string the seeds are made of, by name.
    struct Parts {
        trust: Vec<(&'static str, Vec<u8>)>,
        revocation: Vec<(&'static str, Vec<u8>)>,
        tokens: Vec<(&'static str, Vec<u8>)>,
    }

    impl Parts {
        fn get(&self, name: &str) -> Vec<u8> {
            let all = self
                .trust
                .iter()
                .chain(&self.revocation)
                .chain(&self.tokens);
            all.filter(|(n, _)| *n == name)
                .map(|(_, b)| b.clone())
                .next()
                .unwrap_or_else(|| panic!("no part {name}"))
        }
    }

    fn parts() -> Parts {
        let root = RootKey::from_secret_bytes(ROOT_SEED);
        let secret = SubjectSecret::from_bytes(SUBJECT_SECRET);
        let issue = |seed: [u8; 32]| {
            let issuer = Issuer::new(key(seed), SubjectSecret::from_bytes(SUBJECT_SECRET));
            let s = issuer.subject("110101199003078888").unwrap();
            let token = issuer.issue(&Status::new(s, Colour::Green), t(NOW - HOUR));
            token.unwrap().bytes().to_vec()
        };
        let holder = secret.subject_for("110101199003078888").unwrap();

        let both = [entry(ISSUER_SEED), entry(NEXT_SEED)];
        let mut next_compromised = entry(NEXT_SEED);
        next_compromised.state = KeyState::Compromised {
            since: t(NOW - 3 * HOUR),
        };
        let mut issuer_retired = entry(ISSUER_SEED);
        issuer_retired.state = KeyState::Retired;
        issuer_retired.signing = Window {
            from: t(NOW - 365 * DAY),
            until: t(NOW - 30 * DAY),
        };
        let tl1 = sign_trust_list(&root, &info(1), &both).unwrap();
        let tl2 =
            sign_trust_list(&root, &info(2), &[entry(ISSUER_SEED), next_compromised]).unwrap();
        let tl3 = sign_trust_list(&root, &info(3), &[issuer_retired, entry(NEXT_SEED)]).unwrap();
        let tl_empty = sign_trust_list(&root, &info(1), &[]).unwrap();
        let tl_wrong_root =
            sign_trust_list(&RootKey::from_secret_bytes(UNKNOWN_SEED), &info(4), &both).unwrap();

        let rev = |s: SubjectId, before: u64| Revocation {
            subject: s,
            issued_before: t(before),
        };
        let others: Vec<Revocation> = (1..=5).map(|i| rev(subject(i), NOW - DAY)).collect();
        let mut early = others.clone();
        early.push(rev(holder, NOW - 30 * DAY));
        let mut late = others.clone();
        late.push(rev(holder, NOW));
        let full_early = revocations(ISSUER_SEED, RevocationKind::Full, 1, &[], &early);
        let full_late = revocations(ISSUER_SEED, RevocationKind::Full, 1, &[], &late);
        let added2 = [rev(holder, NOW), rev(subject(9), NOW)];
        let delta2 = revocations(ISSUER_SEED, RevocationKind::Delta, 2, &early, &added2);
        let after2 = [&early[..], &added2[..]].concat();
        let delta3 = revocations(
            ISSUER_SEED,
            RevocationKind::Delta,
            3,
            &after2,
            &[rev(subject(1), NOW - 2 * DAY), rev(subject(10), NOW)],
        );
        let delta3_empty = revocations(ISSUER_SEED, RevocationKind::Delta, 3, &after2, &[]);
        let full_next = revocations(NEXT_SEED, RevocationKind::Full, 5, &[], &others);
        let full_unknown = revocations(UNKNOWN_SEED, RevocationKind::Full, 5, &[], &others);

        let flip = |mut b: Vec<u8>, at: usize| {
            let i = if at < b.len() { at } else { b.len() - 1 };
            b[i] ^= 0x01;
            b
        };

        Parts {
            trust: vec![
                ("tl1", tl1.clone()),
                ("tl2-next-compromised", tl2),
                ("tl3-issuer-retired", tl3),
                ("tl-empty", tl_empty),
                ("tl-wrong-root", tl_wrong_root),
                ("tl-forged", flip(tl1.clone(), tl1.len() - 1)),
            ],
            revocation: vec![
                ("full-early", full_early.clone()),
                ("full-late", full_late),
                ("delta2", delta2),
                ("delta3", delta3),
                ("delta3-empty", delta3_empty),
                ("full-next", full_next),
                ("full-unknown-signer", full_unknown),
                (
                    "full-forged",
                    flip(full_early.clone(), full_early.len() - 1),
                ),
            ],
            tokens: vec![
                ("token-issuer", issue(ISSUER_SEED)),
                ("token-next", issue(NEXT_SEED)),
                ("token-unknown", issue(UNKNOWN_SEED)),
            ],
        }
    }

    /// Structurally broken variants of a valid list, each breaking one rule.
    fn broken(list: &[u8], entries_at: usize, entry_len: usize) -> Vec<(String, Vec<u8>)> {
        let mut out = vec![
            ("truncated".to_string(), list[..list.len() - 1].to_vec()),
            ("trailing-byte".to_string(), [list, &[0]].concat()),
            ("header-only".to_string(), list[..entries_at].to_vec()),
        ];
        let mut v = list.to_vec();
        v[4] = 2;
        out.push(("version-2".to_string(), v));
        let mut v = list.to_vec();
        v[0] = b'X';
        out.push(("wrong-magic".to_string(), v));
        if list.len() >= entries_at + 2 * entry_len + 64 {
            let mut v = list.to_vec();
            let (a, b) = v[entries_at..entries_at + 2 * entry_len].split_at_mut(entry_len);
            a.swap_with_slice(b);
            out.push(("entries-swapped".to_string(), v));
            let mut v = list.to_vec();
            v.copy_within(entries_at..entries_at + entry_len, entries_at + entry_len);
            out.push(("entry-repeated".to_string(), v));
        }
        out
    }

    fn record(op: u8, bytes: &[u8]) -> Vec<u8> {
        let len = u16::try_from(bytes.len()).unwrap();
        [&[op][..], &len.to_le_bytes(), bytes].concat()
    }

    fn checkpoint(floor: u64, trust: u64, revocations: u64) -> Vec<u8> {
        let mut cp = Checkpoint::default();
        cp.clock_floor = t(floor);
        cp.trust_list_sequence = trust;
        cp.revocation_sequence = revocations;
        cp.to_bytes().to_vec()
    }

    /// A `trust_store` scenario: each step is (op, part name or raw bytes, the code the
    /// step gives: "ok" or the error's code).
    type Step = (u8, Vec<u8>, &'static str);

    fn scenarios(p: &Parts) -> Vec<(&'static str, Vec<Step>)> {
        let s = |op: u8, part: &str, code: &'static str| (op, p.get(part), code);
        vec![
            (
                "load-and-verify",
                vec![
                    s(TRUST, "tl1", "ok"),
                    s(REVOKE, "full-early", "ok"),
                    s(VERIFY_NOW, "token-issuer", "ok"),
                    s(VERIFY_NOW, "token-next", "ok"),
                    s(VERIFY_NOW, "token-unknown", "unknown_key"),
                ],
            ),
            (
                "revoked",
                vec![
                    s(TRUST, "tl1", "ok"),
                    s(REVOKE, "full-late", "ok"),
                    s(VERIFY_NOW, "token-issuer", "revoked"),
                ],
            ),
            (
                "deltas",
                vec![
                    s(TRUST, "tl1", "ok"),
                    s(REVOKE, "full-early", "ok"),
                    s(REVOKE, "delta3", "delta_gap"),
                    s(REVOKE, "delta2", "ok"),
                    s(VERIFY_NOW, "token-issuer", "revoked"),
                    s(REVOKE, "delta2", "delta_out_of_order"),
                    s(REVOKE, "delta3", "ok"),
                    s(REVOKE, "full-early", "rollback"),
                ],
            ),
            (
                "delta-without-full",
                vec![
                    s(TRUST, "tl1", "ok"),
                    s(REVOKE, "delta3-empty", "delta_gap"),
                    s(REVOKE, "full-early", "ok"),
                    s(REVOKE, "delta2", "ok"),
                    s(REVOKE, "delta3-empty", "ok"),
                ],
            ),
            (
                "rotation-and-rollback",
                vec![
                    s(TRUST, "tl2-next-compromised", "ok"),
                    s(VERIFY_NOW, "token-next", "key_compromised"),
                    s(REVOKE, "full-next", "unknown_list_signer"),
                    s(TRUST, "tl1", "rollback"),
                    s(TRUST, "tl3-issuer-retired", "ok"),
                    s(VERIFY_NOW, "token-issuer", "outside_signing_window"),
                    s(REVOKE, "full-early", "unknown_list_signer"),
                    s(REVOKE, "full-next", "ok"),
                ],
            ),
            (
                "forgeries",
                vec![
                    s(TRUST, "tl-forged", "forged_list"),
                    s(TRUST, "tl-wrong-root", "wrong_root"),
                    s(TRUST, "tl1", "ok"),
                    s(REVOKE, "full-forged", "forged_list"),
                    s(REVOKE, "full-unknown-signer", "unknown_list_signer"),
                    s(REVOKE, "tl1", "list_wrong_magic"),
                    s(TRUST, "full-early", "list_wrong_magic"),
                ],
            ),
            (
                "no-trust-list",
                vec![
                    s(REVOKE, "full-early", "unknown_list_signer"),
                    s(VERIFY_NOW, "token-issuer", "unknown_key"),
                    s(TRUST, "tl-empty", "ok"),
                    s(VERIFY_NOW, "token-issuer", "unknown_key"),
                ],
            ),
            (
                "clock-and-checkpoint",
                vec![
                    s(TRUST, "tl1", "ok"),
                    (RESTORE, checkpoint(NOW + 2 * DAY, 0, 0), "ok"),
                    s(VERIFY_NOW, "token-issuer", "clock_behind"),
                    (RESTORE, b"QSCP".to_vec(), "invalid_checkpoint"),
                    s(TRUST, "tl1", "ok"),
                ],
            ),
            (
                "restored-sequences",
                vec![
                    (RESTORE, checkpoint(NOW - DAY, 2, 3), "ok"),
                    s(TRUST, "tl1", "rollback"),
                    s(TRUST, "tl2-next-compromised", "ok"),
                    s(VERIFY_NOW, "token-issuer", "revocations_behind"),
                    s(REVOKE, "full-early", "ok"),
                    s(REVOKE, "delta3", "delta_gap"),
                    s(REVOKE, "delta2", "ok"),
                    s(VERIFY_NOW, "token-issuer", "revocations_behind"),
                    s(REVOKE, "delta3", "ok"),
                    s(VERIFY_NOW, "token-issuer", "revoked"),
                ],
            ),
            (
                "clock-sweep",
                vec![
                    s(TRUST, "tl1", "ok"),
                    s(2, "token-issuer", "clock_behind"),
                    s(2 | (30 << 2), "token-issuer", "not_yet_valid"),
                    s(2 | (31 << 2), "token-issuer", "ok"),
                    s(2 | (63 << 2), "token-issuer", "expired"),
                    s(2 | (29 << 2), "token-issuer", "clock_behind"),
                ],
            ),
        ]
    }

    /// Runs a scenario on a store pinning the fuzzing root, checking every step's outcome,
    /// so that the seeds keep reaching the paths they are named for.
    fn check_scenario(name: &str, steps: &[Step]) {
        let root = TrustedKey::from_bytes(&fuzzing::TRUST_ROOT_PUBLIC_KEY).unwrap();
        let mut store = TrustStore::new(root);
        for (i, (op, bytes, want)) in steps.iter().enumerate() {
            let now = t(NOW - 32 * HOUR + u64::from(op >> 2) * HOUR);
            let code = match op & 3 {
                0 => store.load_trust_list(bytes, now).map(|_| ()),
                1 => store.load_revocations(bytes, now).map(|_| ()),
                2 => {
                    let text = qrseal_core::text::encode_qr(bytes);
                    store.verify(&text, now).map(|_| ())
                }
                _ => Checkpoint::from_bytes(bytes).map(|c| store.restore(&c)),
            }
            .map_or_else(|e| e.code().as_str(), |()| "ok");
            assert_eq!(code, *want, "scenario {name}, step {i}");
        }
    }

    /// Every seed file: (target, file name, bytes).
    fn all() -> Vec<(&'static str, String, Vec<u8>)> {
        let p = parts();
        let mut out = Vec::new();
        for (name, bytes) in &p.trust {
            out.push(("trust_list", format!("valid-{name}"), bytes.clone()));
        }
        for (name, bytes) in broken(&p.get("tl1"), 35, 77) {
            out.push(("trust_list", format!("broken-{name}"), bytes));
        }
        let mut unknown_state = p.get("tl1");
        unknown_state[35 + 68] = 3;
        out.push(("trust_list", "broken-unknown-state".into(), unknown_state));
        let mut bad_id = p.get("tl1");
        bad_id[35] ^= 1;
        out.push(("trust_list", "broken-key-id".into(), bad_id));
        for (name, bytes) in &p.revocation {
            out.push(("revocation_list", format!("valid-{name}"), bytes.clone()));
        }
        for (name, bytes) in broken(&p.get("full-early"), 102, 16) {
            out.push(("revocation_list", format!("broken-{name}"), bytes));
        }
        let mut kind = p.get("delta2");
        kind[5] = 2;
        out.push(("revocation_list", "broken-kind".into(), kind));
        let mut seq1_delta = p.get("delta2");
        seq1_delta[10..18].copy_from_slice(&1u64.to_le_bytes());
        out.push((
            "revocation_list",
            "broken-delta-sequence-1".into(),
            seq1_delta,
        ));
        let mut huge = p.get("full-early");
        huge[98..102].copy_from_slice(&u32::MAX.to_le_bytes());
        out.push(("revocation_list", "broken-huge-count".into(), huge));
        for (name, steps) in scenarios(&p) {
            check_scenario(name, &steps);
            let bytes = steps.iter().flat_map(|(op, b, _)| record(*op, b)).collect();
            out.push(("trust_store", name.to_string(), bytes));
        }
        out
    }

    /// The committed seeds are exactly what this module makes; `QRSEAL_WRITE_SEEDS=1 cargo
    /// test -p qrseal-verifier --features fuzzing --test fuzz_seeds` rewrites them.
    #[test]
    fn trust_seeds_are_current() {
        assert_eq!(
            key(ROOT_SEED).public_key(),
            fuzzing::TRUST_ROOT_PUBLIC_KEY,
            "fuzzing::TRUST_ROOT_PUBLIC_KEY is the public key of ROOT_SEED"
        );
        let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz/seeds");
        let write = std::env::var_os("QRSEAL_WRITE_SEEDS").is_some();
        for (target, name, bytes) in all() {
            let parses = match target {
                "trust_list" => Some(TrustList::parse(&bytes).is_ok()),
                "revocation_list" => Some(RevocationList::parse(&bytes).is_ok()),
                _ => None,
            };
            if let Some(parses) = parses {
                assert_eq!(parses, name.starts_with("valid-"), "{target}/{name}");
            }
            let path = dir.join(target).join(&name);
            if write {
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(&path, &bytes).unwrap();
            } else {
                let committed = std::fs::read(&path).unwrap_or_default();
                assert!(
                    committed == bytes,
                    "{} is not current: run QRSEAL_WRITE_SEEDS=1 cargo test -p \
                     qrseal-verifier --features fuzzing --test fuzz_seeds",
                    path.display()
                );
            }
        }
    }
}
