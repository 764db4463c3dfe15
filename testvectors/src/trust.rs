//! `trust.json`: trust lists, revocation lists and the trust store (docs/SPEC.md section 17).
//!
//! Each scenario starts a fresh `TrustStore` pinning a root key and runs an ordered list of
//! steps (load a list, verify a token at a time, take or restore a checkpoint, restart,
//! inspect the state), each with the outcome the store must give. Every step's expected
//! outcome is written here by hand and checked against the library while generating: a
//! disagreement is an error and nothing is written.

use std::time::Duration;

use qrseal_core::lists::{
    KeyEntry, KeyState, ListInfo, REVOCATION_LIST_DOMAIN, RevocationKind, RevocationStateId,
    TRUST_LIST_DOMAIN, canonical_revocations, encode_full_revocation_list, encode_revocation_delta,
    encode_trust_list,
};
use qrseal_core::wire::MAX_VALIDITY_SECS;
use qrseal_core::{Colour, SubjectId, Timestamp, text};
use qrseal_issuer::publish::{
    new_key_entry, rotate_keys, sign_full_revocations, sign_revocation_delta, sign_trust_list,
};
use qrseal_issuer::{Issuer, IssuerKey, RootKey, Status, TtlPolicy};
use qrseal_verifier::{
    Checkpoint, Denial, Error, Policy, TrustData, TrustStore, TrustedKey, Verified,
};

use crate::json::Json;
use crate::keys;

/// 2026-11-21T08:00:00Z, the same instant as the token vectors' clock.
const T0: u64 = 1_795_248_000;
const H: u64 = 3600;
const D: u64 = 86_400;
/// The skew most scenarios use (the verifier's default).
const SKEW: u64 = 300;
/// The clock at which lists are loaded unless a step says otherwise: after every list's
/// issue time (a list signed after the loading clock plus the skew is refused).
const LOAD_NOW: u64 = T0 + 365 * D;

/// Seed of the root key every scenario but one pins.
const ROOT_SEED: [u8; 32] = *b"qrseal test vectors root key 001";
/// Seed of a root key no scenario pins.
const OTHER_ROOT_SEED: [u8; 32] = *b"qrseal test vectors other root!!";
/// Seed of a third issuer key, pre-published in the rotation scenario.
const THIRD_SEED: [u8; 32] = *b"qrseal test vectors issuer key 3";
/// The ID number of a second holder.
const ID_NUMBER_2: &str = "11010119851224002X";

/// A key of the trust vectors.
struct Key {
    name: &'static str,
    description: &'static str,
    seed: [u8; 32],
}

fn all_keys() -> Vec<Key> {
    vec![
        Key {
            name: "root",
            description: "The root key every scenario pins; signs the trust lists.",
            seed: ROOT_SEED,
        },
        Key {
            name: "other-root",
            description: "A root key no scenario pins (wrong_root, forged_list).",
            seed: OTHER_ROOT_SEED,
        },
        Key {
            name: "issuer",
            description: "The first issuer key (the `issuer` key of tokens.json).",
            seed: keys::ISSUER_SEED,
        },
        Key {
            name: "next",
            description: "The key `issuer` is rotated to (the `next` key of tokens.json).",
            seed: keys::NEXT_SEED,
        },
        Key {
            name: "third",
            description: "An issuer key published ahead of its signing window.",
            seed: THIRD_SEED,
        },
        Key {
            name: "unknown",
            description: "A key no trust list holds (the `unknown` key of tokens.json).",
            seed: keys::UNKNOWN_SEED,
        },
    ]
}

fn key(seed: [u8; 32]) -> IssuerKey {
    IssuerKey::from_secret_bytes(seed)
}

fn ts(t: u64) -> Timestamp {
    Timestamp::from_unix(t)
}

fn info(sequence: u64, issued_at: u64, next_update_by: u64) -> ListInfo {
    ListInfo {
        sequence,
        issued_at: ts(issued_at),
        next_update_by: ts(next_update_by),
    }
}

/// A token in QR text form, with what a valid answer reports about it.
#[derive(Clone)]
struct Tok {
    text: String,
    issued: u64,
    subject: SubjectId,
}

/// What a step must give, as written by hand.
enum Want {
    /// A list loads; its sequence.
    Seq(u64),
    /// A token verifies with fresh data.
    Valid,
    /// A token verifies with stale data: (data, age, overdue).
    Stale(TrustData, u64, u64),
    /// An error code and the numbers it carries.
    Err(&'static str, Vec<(&'static str, u64)>),
    /// Exactly these fields (checkpoint, state, restart, restore).
    Fields(Vec<(&'static str, Json)>),
}

fn err(code: &'static str) -> Want {
    Want::Err(code, vec![])
}

fn held_got(code: &'static str, held: u64, got: u64) -> Want {
    Want::Err(code, vec![("held", held), ("got", got)])
}

fn by(code: &'static str, by_secs: u64) -> Want {
    Want::Err(code, vec![("by_secs", by_secs)])
}

fn revoked(before: u64) -> Want {
    Want::Err("revoked", vec![("before_unix", before)])
}

fn behind(loaded: u64, required: u64) -> Want {
    Want::Err(
        "revocations_behind",
        vec![("loaded", loaded), ("required", required)],
    )
}

fn compromised(since: u64) -> Want {
    Want::Err("key_compromised", vec![("since_unix", since)])
}

enum Op {
    LoadTrustList(Vec<u8>, u64),
    LoadRevocations(Vec<u8>, u64),
    Verify {
        tok: Tok,
        now: u64,
        max_stale: Option<u64>,
    },
    Checkpoint,
    Restart,
    Restore(Vec<u8>),
    State,
}

struct Step {
    note: String,
    op: Op,
    want: Vec<(&'static str, Json)>,
}

pub(crate) struct Scenario {
    name: &'static str,
    description: &'static str,
    skew: u64,
    grace: u64,
    steps: Vec<Step>,
}

/// Outcome fields shared by the generator's check and the JSON.
fn error_fields(e: &Error) -> Vec<(&'static str, Json)> {
    let mut out = vec![("expect", Json::str(e.code().as_str()))];
    match *e {
        Error::Rollback { held, got }
        | Error::DeltaGap { held, got }
        | Error::DeltaOutOfOrder { held, got } => {
            out.push(("held", Json::Int(held)));
            out.push(("got", Json::Int(got)));
        }
        Error::Expired { by } | Error::NotYetValid { by } | Error::ClockBehind { by } => {
            out.push(("by_secs", Json::Int(by.as_secs())));
        }
        Error::RevocationsBehind { loaded, required } => {
            out.push(("loaded", Json::Int(loaded)));
            out.push(("required", Json::Int(required)));
        }
        Error::Revoked { before } => out.push(("before_unix", Json::Int(before.unix()))),
        Error::KeyCompromised { since, .. } => out.push(("since_unix", Json::Int(since.unix()))),
        // The clock is the step's own `now_unix`.
        Error::ListFromFuture { issued_at, .. } => {
            out.push(("issued_at_unix", Json::Int(issued_at.unix())));
        }
        _ => {}
    }
    out
}

fn data_name(d: TrustData) -> &'static str {
    match d {
        TrustData::TrustList => "trust_list",
        TrustData::Revocations => "revocations",
    }
}

fn stale_json(data: TrustData, age: u64, overdue: u64) -> Json {
    Json::Object(vec![
        ("data", Json::str(data_name(data))),
        ("age_secs", Json::Int(age)),
        ("overdue_secs", Json::Int(overdue)),
    ])
    .compact()
}

fn decision_json(policy: &Policy, v: &Verified, now: u64) -> Json {
    let d = policy.evaluate(v, ts(now));
    let denials = d
        .denials()
        .map(|x| match x {
            Denial::StaleTrustData { data, overdue, max } => Json::Object(vec![
                ("reason", Json::str(x.code().as_str())),
                ("data", Json::str(data_name(data))),
                ("overdue_secs", Json::Int(overdue.as_secs())),
                ("max_secs", Json::Int(max.as_secs())),
            ]),
            other => Json::Object(vec![("reason", Json::str(other.code().as_str()))]),
        })
        .collect();
    Json::Object(vec![
        ("admitted", Json::Bool(d.admitted())),
        ("denials", Json::Array(denials)),
    ])
    .compact()
}

fn stale_policy(max: u64) -> Policy {
    Policy::default().max_stale(Some(Duration::from_secs(max)))
}

fn verified_fields(
    tok: &Tok,
    stale: Json,
    max_stale: Option<u64>,
    v: Option<&Verified>,
    now: u64,
) -> Vec<(&'static str, Json)> {
    let mut out = vec![
        ("expect", Json::str("ok")),
        ("issued_at_unix", Json::Int(tok.issued)),
        ("subject_hex", Json::str(tok.subject.to_string())),
        ("stale", stale),
    ];
    if let (Some(max), Some(v)) = (max_stale, v) {
        out.push(("decision", decision_json(&stale_policy(max), v, now)));
    }
    out
}

/// Builds scenarios step by step.
struct Sc {
    scenario: Scenario,
}

impl Sc {
    fn new(name: &'static str, description: &'static str) -> Sc {
        Sc {
            scenario: Scenario {
                name,
                description,
                skew: SKEW,
                grace: TrustStore::DEFAULT_GRACE.as_secs(),
                steps: Vec::new(),
            },
        }
    }

    fn grace(mut self, g: u64) -> Sc {
        self.scenario.grace = g;
        self
    }

    fn push(&mut self, note: &str, op: Op, want: Want) {
        let want = match (want, &op) {
            (Want::Seq(n), _) => vec![("expect", Json::str("ok")), ("sequence", Json::Int(n))],
            (Want::Err(code, nums), _) => {
                let mut v = vec![("expect", Json::str(code))];
                v.extend(nums.into_iter().map(|(k, n)| (k, Json::Int(n))));
                v
            }
            (Want::Fields(f), _) => f,
            (Want::Valid, Op::Verify { tok, .. }) => {
                verified_fields(tok, Json::Null, None, None, 0)
            }
            (Want::Stale(d, a, o), Op::Verify { tok, .. }) => {
                verified_fields(tok, stale_json(d, a, o), None, None, 0)
            }
            (Want::Valid | Want::Stale(..), _) => vec![("expect", Json::str("bad-want"))],
        };
        self.scenario.steps.push(Step {
            note: note.to_owned(),
            op,
            want,
        });
    }

    fn trust(&mut self, note: &str, list: &[u8], want: Want) {
        self.trust_at(note, list, LOAD_NOW, want);
    }

    fn trust_at(&mut self, note: &str, list: &[u8], now: u64, want: Want) {
        self.push(note, Op::LoadTrustList(list.to_vec(), now), want);
    }

    fn revs(&mut self, note: &str, list: &[u8], want: Want) {
        self.revs_at(note, list, LOAD_NOW, want);
    }

    fn revs_at(&mut self, note: &str, list: &[u8], now: u64, want: Want) {
        self.push(note, Op::LoadRevocations(list.to_vec(), now), want);
    }

    fn verify(&mut self, note: &str, tok: &Tok, now: u64, want: Want) {
        let op = Op::Verify {
            tok: tok.clone(),
            now,
            max_stale: None,
        };
        self.push(note, op, want);
    }

    /// A verify step that also evaluates a policy with `max_stale_secs`; the decision is
    /// taken from the library, and checked against `admitted`.
    fn verify_policy(
        &mut self,
        note: &str,
        tok: &Tok,
        now: u64,
        max: u64,
        want: Want,
        admitted: bool,
    ) {
        let op = Op::Verify {
            tok: tok.clone(),
            now,
            max_stale: Some(max),
        };
        self.push(note, op, want);
        if let Some(step) = self.scenario.steps.last_mut() {
            step.want.push(("admitted", Json::Bool(admitted)));
        }
    }

    /// A checkpoint step: the floor, then (sequence, issue time) of the trust list and of
    /// the revocation data.
    fn checkpoint(&mut self, note: &str, floor: u64, trust: (u64, u64), revs: (u64, u64)) {
        let cp = checkpoint_of(floor, trust, revs);
        self.push(
            note,
            Op::Checkpoint,
            Want::Fields(vec![(
                "checkpoint_hex",
                Json::str(hex::encode(cp.to_bytes())),
            )]),
        );
    }

    fn restart(&mut self, note: &str) {
        self.push(note, Op::Restart, Want::Fields(vec![]));
    }

    fn restore(&mut self, note: &str, bytes: &[u8], want: &'static str) {
        self.push(
            note,
            Op::Restore(bytes.to_vec()),
            Want::Fields(vec![("expect", Json::str(want))]),
        );
    }

    fn state(&mut self, note: &str, trust: Option<u64>, revs: Option<u64>, count: u64) {
        let opt = |v: Option<u64>| v.map_or(Json::Null, Json::Int);
        self.push(
            note,
            Op::State,
            Want::Fields(vec![
                ("trust_list_sequence", opt(trust)),
                ("revocation_sequence", opt(revs)),
                ("revoked_count", Json::Int(count)),
            ]),
        );
    }

    fn done(self) -> Scenario {
        self.scenario
    }
}

fn checkpoint_of(floor: u64, trust: (u64, u64), revs: (u64, u64)) -> Checkpoint {
    let mut cp = Checkpoint::default();
    cp.clock_floor = ts(floor);
    (cp.trust_list_sequence, cp.trust_list_issued_at) = (trust.0, ts(trust.1));
    (cp.revocation_sequence, cp.revocation_issued_at) = (revs.0, ts(revs.1));
    cp
}

fn checkpoint_bytes(floor: u64, trust: (u64, u64), revs: (u64, u64)) -> Vec<u8> {
    checkpoint_of(floor, trust, revs).to_bytes().to_vec()
}

/// The fixed material of every scenario.
struct Ctx {
    s1: SubjectId,
    s2: SubjectId,
}

fn pk(seed: [u8; 32]) -> [u8; 32] {
    key(seed).public_key()
}

fn entry(seed: [u8; 32], from: u64) -> KeyEntry {
    new_key_entry(pk(seed), ts(from))
}

fn fail<E: core::fmt::Display>(what: &str) -> impl FnOnce(E) -> String + '_ {
    move |e| format!("{what}: {e}")
}

fn trust_list(root: [u8; 32], i: ListInfo, keys: &[KeyEntry]) -> Result<Vec<u8>, String> {
    sign_trust_list(&RootKey::from_secret_bytes(root), &i, keys).map_err(fail("sign_trust_list"))
}

fn to_revocations(entries: &[(SubjectId, u64)]) -> Vec<qrseal_core::lists::Revocation> {
    entries
        .iter()
        .map(|&(subject, before)| qrseal_core::lists::Revocation {
            subject,
            issued_before: ts(before),
        })
        .collect()
}

/// The state id of the set `entries` describe (merged: a subject keeps its latest time).
fn state_of(entries: &[(SubjectId, u64)]) -> Result<RevocationStateId, String> {
    let raw = canonical_revocations(&to_revocations(entries)).map_err(fail("canonical"))?;
    Ok(RevocationStateId::of_entries(&raw))
}

/// A full list (`base` ignored) or a delta applying to the set `base` holding `entries`.
fn revocations(
    signer: [u8; 32],
    kind: RevocationKind,
    i: ListInfo,
    base: &[(SubjectId, u64)],
    entries: &[(SubjectId, u64)],
) -> Result<Vec<u8>, String> {
    let list = to_revocations(entries);
    match kind {
        RevocationKind::Full => {
            sign_full_revocations(&key(signer), &i, &list).map_err(fail("sign_full_revocations"))
        }
        RevocationKind::Delta => {
            let merged = [base, entries].concat();
            sign_revocation_delta(&key(signer), &i, &list, state_of(base)?, state_of(&merged)?)
                .map_err(fail("sign_revocation_delta"))
        }
    }
}

/// `body` signed as a list: `domain || body` by `signer`, signature appended.
fn resign(signer: [u8; 32], domain: &[u8], body: &[u8]) -> Vec<u8> {
    let mut message = domain.to_vec();
    message.extend_from_slice(body);
    let mut out = body.to_vec();
    out.extend_from_slice(&crate::keys::raw_sign(signer, &message));
    out
}

/// The list with one bit of its signature flipped.
fn flip_signature(list: &[u8]) -> Vec<u8> {
    let mut out = list.to_vec();
    let n = out.len();
    out[n - 40] ^= 0x01;
    out
}

fn put_u64(b: &mut [u8], at: usize, v: u64) {
    b[at..at + 8].copy_from_slice(&v.to_le_bytes());
}

impl Ctx {
    fn new() -> Result<Ctx, String> {
        let secret = keys::subject_secret();
        Ok(Ctx {
            s1: secret
                .subject_for(crate::tokens::ID_NUMBER)
                .map_err(fail("subject"))?,
            s2: secret.subject_for(ID_NUMBER_2).map_err(fail("subject"))?,
        })
    }

    /// A green token for `subject` by `seed`, issued at `issued`, valid `ttl` seconds.
    fn tok(
        &self,
        seed: [u8; 32],
        subject: SubjectId,
        issued: u64,
        ttl: u32,
    ) -> Result<Tok, String> {
        let issuer = Issuer::new(key(seed), keys::subject_secret())
            .with_ttl(TtlPolicy::new(
                Duration::from_secs(u64::from(ttl)),
                Duration::ZERO,
            ))
            .map_err(fail("ttl"))?;
        let t = issuer
            .issue(&Status::new(subject, Colour::Green), ts(issued))
            .map_err(fail("issue"))?;
        Ok(Tok {
            text: t.qr_text(),
            issued,
            subject,
        })
    }

    /// The same token with one bit of its signature flipped.
    fn forged(&self, t: &Tok) -> Result<Tok, String> {
        let mut buf = [0u8; qrseal_core::wire::MAX_TOKEN_LEN];
        let (bytes, _) = text::decode(&t.text, &mut buf).map_err(fail("decode"))?;
        let mut bytes = bytes.to_vec();
        let n = bytes.len();
        bytes[n - 40] ^= 0x01;
        Ok(Tok {
            text: text::encode_qr(&bytes),
            ..t.clone()
        })
    }

    /// The usual first trust list: `issuer` active since 30 days before T0.
    fn tl1(&self) -> Result<Vec<u8>, String> {
        trust_list(
            ROOT_SEED,
            info(1, T0 - 2 * D, T0 + 7 * D),
            &[entry(keys::ISSUER_SEED, T0 - 30 * D)],
        )
    }

    fn scenarios(&self) -> Result<Vec<Scenario>, String> {
        Ok(vec![
            self.rotation()?,
            self.forged_trust_list()?,
            self.trust_list_rollback()?,
            self.revocation_sequencing()?,
            self.delta_without_full_list()?,
            self.compromised_key()?,
            self.revoked_and_reissued()?,
            self.stale_data()?,
            self.clock_set_back()?,
            self.malformed_trust_lists()?,
            self.malformed_revocation_lists()?,
            self.list_from_future()?,
            self.retired_key_after_restart()?,
        ])
    }

    fn list_from_future(&self) -> Result<Scenario, String> {
        let mut s = Sc::new(
            "list-from-future",
            "A list signed after the loading clock plus the skew is refused (list_from_future) \
             and changes nothing: the clock floor is not raised, so tokens keep verifying. At \
             exactly now + skew it loads.",
        );
        s.trust_at("trust list 1 at T0", &self.tl1()?, T0, Want::Seq(1));
        let t = self.tok(keys::ISSUER_SEED, self.s1, T0 - H, D as u32)?;
        let ahead = |issued: u64| {
            trust_list(
                ROOT_SEED,
                info(2, issued, issued + 7 * D),
                &[entry(keys::ISSUER_SEED, T0 - 30 * D)],
            )
        };
        // 2099-01-01T00:00:00Z.
        let y2099 = 4_070_908_800;
        s.trust_at(
            "trust list 2 dated 2099, loaded at T0",
            &ahead(y2099)?,
            T0,
            Want::Err("list_from_future", vec![("issued_at_unix", y2099)]),
        );
        s.trust_at(
            "trust list 2 dated T0 + skew + 1 (a publisher's fast clock), loaded at T0",
            &ahead(T0 + SKEW + 1)?,
            T0,
            Want::Err("list_from_future", vec![("issued_at_unix", T0 + SKEW + 1)]),
        );
        s.state("nothing changed", Some(1), None, 0);
        s.verify("the floor was not raised", &t, T0, Want::Valid);
        let rl = |issued: u64| {
            revocations(
                keys::ISSUER_SEED,
                RevocationKind::Full,
                info(1, issued, issued + D),
                &[],
                &[(self.s1, issued)],
            )
        };
        s.revs_at(
            "revocation list dated 2099, loaded at T0",
            &rl(y2099)?,
            T0,
            Want::Err("list_from_future", vec![("issued_at_unix", y2099)]),
        );
        s.verify("holder 1 not revoked", &t, T0, Want::Valid);
        s.trust_at(
            "trust list 2 dated T0 + skew, loaded at T0",
            &ahead(T0 + SKEW)?,
            T0,
            Want::Seq(2),
        );
        s.checkpoint("checkpoint", T0 + SKEW, (2, T0 + SKEW), (0, 0));
        Ok(s.done())
    }

    fn retired_key_after_restart(&self) -> Result<Scenario, String> {
        let mut s = Sc::new(
            "retired-key-after-restart",
            "After a restart that restores the checkpoint, a list with a higher sequence signed \
             by a retired key inside its old signing window is older than the list the \
             checkpoint recorded: backdated_list, though nothing is held in memory yet. The \
             genuine list still loads.",
        );
        let rotated = rotate_keys(
            &[entry(keys::ISSUER_SEED, T0 - 30 * D)],
            pk(keys::NEXT_SEED),
            ts(T0 - D),
        )
        .map_err(fail("rotate"))?;
        let tl = trust_list(ROOT_SEED, info(1, T0 - 2 * H, T0 + 7 * D), &rotated)?;
        s.trust(
            "trust list: issuer retired at T0 - 1 d, next active",
            &tl,
            Want::Seq(1),
        );
        let genuine = revocations(
            keys::NEXT_SEED,
            RevocationKind::Full,
            info(2, T0, T0 + D),
            &[],
            &[(self.s1, T0)],
        )?;
        s.revs("full list 2 by next, issued T0", &genuine, Want::Seq(2));
        let t = self.tok(keys::NEXT_SEED, self.s1, T0 - 2 * H, D as u32)?;
        s.verify("holder 1's token issued T0 - 2 h", &t, T0, revoked(T0));
        s.checkpoint("checkpoint", T0, (1, T0 - 2 * H), (2, T0));
        s.restart("restart");
        s.restore(
            "restore the checkpoint",
            &checkpoint_bytes(T0, (1, T0 - 2 * H), (2, T0)),
            "ok",
        );
        s.trust("trust list", &tl, Want::Seq(1));
        let evil = revocations(
            keys::ISSUER_SEED,
            RevocationKind::Full,
            info(1001, T0 - 2 * D, T0 + 30 * D),
            &[],
            &[],
        )?;
        s.revs(
            "full list 1001 by the retired issuer, dated T0 - 2 d (inside its old window)",
            &evil,
            err("backdated_list"),
        );
        s.state("no revocation data loaded", Some(1), None, 0);
        s.revs("the genuine full list 2", &genuine, Want::Seq(2));
        s.verify("holder 1 still revoked", &t, T0, revoked(T0));
        Ok(s.done())
    }

    fn rotation(&self) -> Result<Scenario, String> {
        let mut s = Sc::new(
            "valid-rotation",
            "issuer is rotated to next at R = T0 + 1 day by a second trust list published at T0 \
             (rotate_keys), which also pre-publishes `third` for T0 + 10 days. Walked across \
             time: old-key tokens verify until they expire, new-key tokens verify, an old-key \
             token issued after R is outside its signing window, the old key's acceptance \
             window ends MAX_VALIDITY_SECS after R, and the pre-published key is refused \
             before its window.",
        );
        let r = T0 + D;
        let p = T0 + 10 * D;
        let old = [entry(keys::ISSUER_SEED, T0 - 30 * D)];
        let mut rotated = rotate_keys(&old, pk(keys::NEXT_SEED), ts(r)).map_err(fail("rotate"))?;
        rotated.push(entry(THIRD_SEED, p));
        let tl2 = trust_list(ROOT_SEED, info(2, T0, T0 + 40 * D), &rotated)?;
        let accept_until = r + u64::from(MAX_VALIDITY_SECS);

        s.trust("trust list 1: issuer active", &self.tl1()?, Want::Seq(1));
        let before = self.tok(keys::ISSUER_SEED, self.s1, T0 - H, 2 * D as u32)?;
        s.verify(
            "issuer token, before the rotation list",
            &before,
            T0 - H / 2,
            Want::Valid,
        );
        s.trust(
            "trust list 2: issuer retired (signs until R, accepted until R + 2^21 - 1 s), next \
             from R, third from T0 + 10 d",
            &tl2,
            Want::Seq(2),
        );
        s.verify(
            "the same old-key token, after the rotation list",
            &before,
            T0,
            Want::Valid,
        );
        let next_early = self.tok(keys::NEXT_SEED, self.s1, r - H, D as u32)?;
        s.verify(
            "next token issued before R: the acceptance window (with skew) has not opened",
            &next_early,
            r - H,
            err("key_not_accepted"),
        );
        let late_old = self.tok(keys::ISSUER_SEED, self.s1, r - 1, D as u32)?;
        s.verify(
            "old-key token issued 1 s before R, verified 2 h after R",
            &late_old,
            r + 2 * H,
            Want::Valid,
        );
        let next_tok = self.tok(keys::NEXT_SEED, self.s2, r, D as u32)?;
        s.verify(
            "new-key token issued at R",
            &next_tok,
            r + 2 * H,
            Want::Valid,
        );
        let after = self.tok(keys::ISSUER_SEED, self.s1, r, D as u32)?;
        s.verify(
            "old-key token issued at R: the signing window [.., R) is half-open",
            &after,
            r + 2 * H,
            err("outside_signing_window"),
        );
        s.verify(
            "the first old-key token, after its expiry",
            &before,
            T0 - H + 2 * D + SKEW,
            by("expired", SKEW),
        );
        let third_early = self.tok(THIRD_SEED, self.s1, T0 + 2 * D, D as u32)?;
        s.verify(
            "third token at T0 + 2 d: third is not accepted before T0 + 10 d (checked before \
             its signing window)",
            &third_early,
            T0 + 2 * D,
            err("key_not_accepted"),
        );
        let third_on_time = self.tok(THIRD_SEED, self.s2, p, D as u32)?;
        s.verify(
            "third token issued at its window's start, skew + 1 s before it: now + skew < \
             accepting.from",
            &third_on_time,
            p - SKEW - 1,
            err("key_not_accepted"),
        );
        s.verify(
            "the same token skew seconds before its window: accepted",
            &third_on_time,
            p - SKEW,
            Want::Valid,
        );
        s.verify(
            "the same token 1 s earlier again: the token just verified raised the clock floor \
             to its issue time",
            &third_on_time,
            p - SKEW - 1,
            by("clock_behind", SKEW + 1),
        );
        // A long-lived old-key token: issued 1 s before R, valid the longest allowed.
        let longest = self.tok(keys::ISSUER_SEED, self.s1, r - 1, MAX_VALIDITY_SECS)?;
        s.verify(
            "longest-lived old-key token, its last accepted second (expires R - 1 + 2^21 - 1, \
             plus skew)",
            &longest,
            accept_until - 2 + SKEW,
            Want::Valid,
        );
        s.verify(
            "the same token 1 s later: expired (the key is still accepted, with skew)",
            &longest,
            accept_until - 1 + SKEW,
            by("expired", SKEW),
        );
        s.verify(
            "the same token at accepting.until + skew: the key check comes first",
            &longest,
            accept_until + SKEW,
            err("key_not_accepted"),
        );
        let revs_by_old = revocations(
            keys::ISSUER_SEED,
            RevocationKind::Full,
            info(1, r + H, r + D),
            &[],
            &[(self.s2, r)],
        )?;
        s.revs(
            "revocation list signed by the retired key, issued after its signing window",
            &revs_by_old,
            err("unknown_list_signer"),
        );
        let revs_by_new = revocations(
            keys::NEXT_SEED,
            RevocationKind::Full,
            info(1, r + H, accept_until + 2 * D),
            &[],
            &[(self.s2, r)],
        )?;
        s.revs(
            "the same list signed by the new key",
            &revs_by_new,
            Want::Seq(1),
        );
        let backdated = revocations(
            keys::ISSUER_SEED,
            RevocationKind::Full,
            info(2, r - H, r + D),
            &[],
            &[],
        )?;
        s.revs(
            "sequence 2 signed by the retired key, dated inside its old signing window: earlier \
             than the list held, refused (an emptied set would otherwise replace it)",
            &backdated,
            err("backdated_list"),
        );
        s.state("state", Some(2), Some(1), 1);
        s.checkpoint(
            "checkpoint: floor = the newest issue time seen",
            p,
            (2, T0),
            (1, r + H),
        );
        Ok(s.done())
    }

    fn forged_trust_list(&self) -> Result<Scenario, String> {
        let mut s = Sc::new(
            "forged-trust-list",
            "Trust lists that do not verify under the pinned root are refused and change \
             nothing: a flipped signature bit, a list naming and signed by another root, and a \
             list naming the pinned root but signed by another.",
        );
        s.trust("trust list 1: issuer active", &self.tl1()?, Want::Seq(1));
        let t = self.tok(keys::ISSUER_SEED, self.s1, T0 - H, D as u32)?;
        let n = self.tok(keys::NEXT_SEED, self.s1, T0 - H, D as u32)?;
        s.verify("issuer token", &t, T0, Want::Valid);
        let evil_keys = [entry(keys::NEXT_SEED, T0 - 30 * D)];
        let good2 = trust_list(ROOT_SEED, info(2, T0, T0 + 7 * D), &evil_keys)?;
        s.trust(
            "list 2 with one signature bit flipped",
            &flip_signature(&good2),
            err("forged_list"),
        );
        let other = trust_list(OTHER_ROOT_SEED, info(2, T0, T0 + 7 * D), &evil_keys)?;
        s.trust(
            "list 2 by another root (root key id field says so)",
            &other,
            err("wrong_root"),
        );
        let root_id = key(ROOT_SEED).key_id();
        let mut body = encode_trust_list(root_id, &info(2, T0, T0 + 7 * D), &evil_keys)
            .map_err(fail("encode"))?;
        let lie = resign(OTHER_ROOT_SEED, TRUST_LIST_DOMAIN, &body);
        s.trust(
            "list 2 naming the pinned root, signed by another root",
            &lie,
            err("forged_list"),
        );
        // The root's signature over the token domain instead of the trust-list domain.
        body = encode_trust_list(root_id, &info(2, T0, T0 + 7 * D), &evil_keys)
            .map_err(fail("encode"))?;
        let wrong_domain = resign(ROOT_SEED, qrseal_core::wire::SIGNING_DOMAIN, &body);
        s.trust(
            "list 2 signed by the root over the token domain instead of qrseal/v1/trust-list",
            &wrong_domain,
            err("forged_list"),
        );
        s.state("nothing changed", Some(1), None, 0);
        s.verify("issuer token still verifies", &t, T0 + 60, Want::Valid);
        s.verify("next is still unknown", &n, T0 + 60, err("unknown_key"));
        s.checkpoint("checkpoint", T0 - H, (1, T0 - 2 * D), (0, 0));
        s.trust("the genuine list 2", &good2, Want::Seq(2));
        s.verify("issuer is now unknown", &t, T0 + 120, err("unknown_key"));
        s.verify("next verifies", &n, T0 + 120, Want::Valid);
        Ok(s.done())
    }

    fn trust_list_rollback(&self) -> Result<Scenario, String> {
        let mut s = Sc::new(
            "trust-list-rollback",
            "A trust list with a lower sequence than one accepted is refused (rollback), also \
             after a restart that restores the checkpoint; the same sequence again is accepted.",
        );
        let k = [entry(keys::ISSUER_SEED, T0 - 30 * D)];
        let l = |seq: u64, keys: &[KeyEntry]| {
            trust_list(
                ROOT_SEED,
                info(seq, T0 - 10 * D + seq * H, T0 + 7 * D),
                keys,
            )
        };
        let with_next = [
            entry(keys::ISSUER_SEED, T0 - 30 * D),
            entry(keys::NEXT_SEED, T0 - 30 * D),
        ];
        s.trust(
            "sequence 5 (issuer and next)",
            &l(5, &with_next)?,
            Want::Seq(5),
        );
        s.trust(
            "sequence 4 (issuer only)",
            &l(4, &k)?,
            held_got("rollback", 5, 4),
        );
        let n = self.tok(keys::NEXT_SEED, self.s1, T0 - H, D as u32)?;
        s.verify("next still verifies", &n, T0, Want::Valid);
        s.trust(
            "sequence 5 again: accepted",
            &l(5, &with_next)?,
            Want::Seq(5),
        );
        s.trust("sequence 6 (issuer only)", &l(6, &k)?, Want::Seq(6));
        s.verify("next is unknown under 6", &n, T0, err("unknown_key"));
        s.checkpoint("checkpoint", T0 - H, (6, T0 - 10 * D + 6 * H), (0, 0));
        s.restart("restart: a fresh store");
        s.trust(
            "sequence 5 into the fresh store: accepted",
            &l(5, &with_next)?,
            Want::Seq(5),
        );
        s.restart("restart again");
        s.restore(
            "restore the checkpoint",
            &checkpoint_bytes(T0 - H, (6, T0 - 10 * D + 6 * H), (0, 0)),
            "ok",
        );
        s.trust(
            "sequence 5 after restoring: rollback",
            &l(5, &with_next)?,
            held_got("rollback", 6, 5),
        );
        s.state("nothing loaded", None, None, 0);
        s.trust("sequence 7", &l(7, &with_next)?, Want::Seq(7));
        s.verify("next verifies under 7", &n, T0, Want::Valid);
        Ok(s.done())
    }

    fn two_signer_tl(&self) -> Result<Vec<u8>, String> {
        trust_list(
            ROOT_SEED,
            info(1, T0 - 2 * D, T0 + 7 * D),
            &[
                entry(keys::ISSUER_SEED, T0 - 30 * D),
                entry(keys::NEXT_SEED, T0 - 30 * D),
            ],
        )
    }

    fn revocation_sequencing(&self) -> Result<Scenario, String> {
        let mut s = Sc::new(
            "revocation-full-and-deltas",
            "A full revocation list, then deltas: a gap, a repeat, a forged delta and one by an \
             unknown signer are refused and change nothing; an older full list is a rollback; a \
             newer full list replaces the set.",
        );
        s.trust(
            "trust list: issuer and next",
            &self.two_signer_tl()?,
            Want::Seq(1),
        );
        let a = self.tok(keys::ISSUER_SEED, self.s1, T0 - 2 * H, D as u32)?;
        let b = self.tok(keys::ISSUER_SEED, self.s2, T0 - 2 * H, D as u32)?;
        let full = |seq: u64, entries: &[(SubjectId, u64)]| {
            revocations(
                keys::ISSUER_SEED,
                RevocationKind::Full,
                info(seq, T0 - 5 * H + seq, T0 + D),
                &[],
                entries,
            )
        };
        let delta = |signer: [u8; 32],
                     seq: u64,
                     base: &[(SubjectId, u64)],
                     entries: &[(SubjectId, u64)]| {
            revocations(
                signer,
                RevocationKind::Delta,
                info(seq, T0 - 5 * H + seq, T0 + D),
                base,
                entries,
            )
        };
        s.verify("holder 1 before any revocation", &a, T0, Want::Valid);
        s.revs(
            "full list 1: holder 2 before T0 - 1 h",
            &full(1, &[(self.s2, T0 - H)])?,
            Want::Seq(1),
        );
        s.verify("holder 2's token issued T0 - 2 h", &b, T0, revoked(T0 - H));
        s.revs(
            "delta 3 on 1",
            &delta(
                keys::ISSUER_SEED,
                3,
                &[(self.s2, T0 - H)],
                &[(self.s1, T0 - H)],
            )?,
            held_got("delta_gap", 1, 3),
        );
        s.verify("holder 1 unaffected", &a, T0, Want::Valid);
        s.revs(
            "delta 2 by next: holder 1 before T0 - 1 h",
            &delta(
                keys::NEXT_SEED,
                2,
                &[(self.s2, T0 - H)],
                &[(self.s1, T0 - H)],
            )?,
            Want::Seq(2),
        );
        s.verify("holder 1 now revoked", &a, T0, revoked(T0 - H));
        s.revs(
            "delta 2 again",
            &delta(
                keys::NEXT_SEED,
                2,
                &[(self.s2, T0 - H)],
                &[(self.s1, T0 - H)],
            )?,
            held_got("delta_out_of_order", 2, 2),
        );
        let after2 = [(self.s2, T0 - H), (self.s1, T0 - H)];
        let d3 = delta(keys::ISSUER_SEED, 3, &after2, &[(self.s1, T0 - 3 * H)])?;
        s.revs(
            "delta 3, signature bit flipped",
            &flip_signature(&d3),
            err("forged_list"),
        );
        s.revs(
            "delta 3 by a key the trust list does not hold",
            &delta(keys::UNKNOWN_SEED, 3, &after2, &[])?,
            err("unknown_list_signer"),
        );
        let after2_state = state_of(&after2)?;
        let mut body = encode_revocation_delta(
            key(keys::ISSUER_SEED).key_id(),
            &info(3, T0 - 4 * H, T0 + D),
            &[],
            after2_state,
            after2_state,
        )
        .map_err(fail("encode"))?;
        s.revs(
            "delta 3 naming issuer, signed by next",
            &resign(keys::NEXT_SEED, REVOCATION_LIST_DOMAIN, &body),
            err("forged_list"),
        );
        body = encode_revocation_delta(
            key(keys::ISSUER_SEED).key_id(),
            &info(3, T0 - 40 * D, T0 + D),
            &[],
            after2_state,
            after2_state,
        )
        .map_err(fail("encode"))?;
        s.revs(
            "delta 3 issued before the signer's signing window",
            &resign(keys::ISSUER_SEED, REVOCATION_LIST_DOMAIN, &body),
            err("unknown_list_signer"),
        );
        s.state("nothing changed", Some(1), Some(2), 2);
        s.verify("holder 1 still revoked", &a, T0 + 1, revoked(T0 - H));
        s.revs(
            "full list 1 again",
            &full(1, &[])?,
            held_got("rollback", 2, 1),
        );
        s.revs(
            "delta 3 on a set holding a different time for holder 1 (another branch)",
            &delta(
                keys::ISSUER_SEED,
                3,
                &[(self.s2, T0 - H), (self.s1, T0 - 2 * H)],
                &[],
            )?,
            err("delta_wrong_base"),
        );
        s.revs(
            "delta 3 (holder 1 earlier: the later time stays)",
            &d3,
            Want::Seq(3),
        );
        s.revs(
            "full list 3: same sequence, replaces the set",
            &full(3, &[(self.s2, T0 - H)])?,
            Want::Seq(3),
        );
        s.verify("holder 1 no longer revoked", &a, T0 + 2, Want::Valid);
        s.verify("holder 2 still revoked", &b, T0 + 2, revoked(T0 - H));
        s.revs("full list 4, empty", &full(4, &[])?, Want::Seq(4));
        s.verify("holder 2 no longer revoked", &b, T0 + 3, Want::Valid);
        s.state("state", Some(1), Some(4), 0);
        s.checkpoint(
            "checkpoint",
            T0 - 2 * H,
            (1, T0 - 2 * D),
            (4, T0 - 5 * H + 4),
        );
        Ok(s.done())
    }

    fn delta_without_full_list(&self) -> Result<Scenario, String> {
        let mut s = Sc::new(
            "delta-without-full-list",
            "A delta with no full list held is a gap from 0. After a restored checkpoint, lists \
             are sequenced against the data loaded (an older full list loads, then the deltas \
             since), but no token verifies until the data reaches the checkpoint's sequence \
             (revocations_behind).",
        );
        s.trust(
            "trust list: issuer and next",
            &self.two_signer_tl()?,
            Want::Seq(1),
        );
        let d = |seq: u64| {
            // Full list 4 holds holder 2; delta 5 adds holder 1, and delta 6 repeats it.
            let base: &[(SubjectId, u64)] = if seq <= 5 {
                &[(self.s2, T0)]
            } else {
                &[(self.s2, T0), (self.s1, T0)]
            };
            revocations(
                keys::ISSUER_SEED,
                RevocationKind::Delta,
                info(seq, T0 - 5 * H + seq, T0 + D),
                base,
                &[(self.s1, T0)],
            )
        };
        let f = |seq: u64| {
            revocations(
                keys::ISSUER_SEED,
                RevocationKind::Full,
                info(seq, T0 - 5 * H + seq, T0 + D),
                &[],
                &[(self.s2, T0)],
            )
        };
        let t = self.tok(keys::ISSUER_SEED, self.s1, T0 - H, D as u32)?;
        s.revs(
            "delta 2, no full list held",
            &d(2)?,
            held_got("delta_gap", 0, 2),
        );
        s.state("nothing held", Some(1), None, 0);
        s.restore(
            "restore a checkpoint with revocation sequence 5 (as after a restart)",
            &checkpoint_bytes(0, (1, 0), (5, 0)),
            "ok",
        );
        s.verify(
            "no revocation data yet: every token is refused",
            &t,
            T0,
            behind(0, 5),
        );
        s.revs(
            "delta 6, no full list held",
            &d(6)?,
            held_got("delta_gap", 0, 6),
        );
        s.revs(
            "full list 4 (older than the checkpoint: loads, sequencing is against the data held)",
            &f(4)?,
            Want::Seq(4),
        );
        s.verify("still behind the checkpoint", &t, T0, behind(4, 5));
        s.revs("full list 3", &f(3)?, held_got("rollback", 4, 3));
        s.revs("delta 6 on 4", &d(6)?, held_got("delta_gap", 4, 6));
        s.revs("delta 5", &d(5)?, Want::Seq(5));
        s.verify("caught up: the delta revoked holder 1", &t, T0, revoked(T0));
        s.revs("delta 6", &d(6)?, Want::Seq(6));
        s.state("state", Some(1), Some(6), 2);
        s.restore(
            "restore an older checkpoint: lowers nothing",
            &checkpoint_bytes(0, (0, 0), (0, 0)),
            "ok",
        );
        s.checkpoint(
            "checkpoint",
            T0 - 5 * H + 6,
            (1, T0 - 2 * D),
            (6, T0 - 5 * H + 6),
        );
        Ok(s.done())
    }

    fn compromised_key(&self) -> Result<Scenario, String> {
        let mut s = Sc::new(
            "compromised-key",
            "Trust list 2, published at T0, marks issuer compromised since C = T0 + 2 h. Before \
             C its tokens verify; from C (no skew) none does, whatever its issue time; a token \
             claiming an issue time at or after C is refused even before C; a compromised key \
             signs no revocation list, even one dated before C.",
        );
        let c = T0 + 2 * H;
        s.trust("trust list 1", &self.tl1()?, Want::Seq(1));
        let mut e = entry(keys::ISSUER_SEED, T0 - 30 * D);
        e.state = KeyState::Compromised { since: ts(c) };
        let tl2 = trust_list(
            ROOT_SEED,
            info(2, T0, T0 + 7 * D),
            &[e, entry(keys::NEXT_SEED, T0 - 30 * D)],
        )?;
        s.trust(
            "trust list 2: issuer compromised since C, next active",
            &tl2,
            Want::Seq(2),
        );
        let t = self.tok(keys::ISSUER_SEED, self.s1, T0 - H, D as u32)?;
        s.verify("issuer token at C - 1 s", &t, c - 1, Want::Valid);
        s.verify("the same token at C", &t, c, compromised(c));
        let fwd = self.tok(keys::ISSUER_SEED, self.s2, c, D as u32)?;
        s.verify(
            "issuer token claiming issue time C, at C + 1 s (now >= since)",
            &fwd,
            c + 1,
            compromised(c),
        );
        let n = self.tok(keys::NEXT_SEED, self.s1, c, D as u32)?;
        s.verify("next token at C + 1 s", &n, c + 1, Want::Valid);
        s.restart("restart (a fresh store: the floor is 0)");
        s.trust("trust list 2", &tl2, Want::Seq(2));
        s.verify(
            "issuer token claiming issue time C, verified at C - 1 s (issued_at >= since)",
            &fwd,
            c - 1,
            compromised(c),
        );
        s.verify("an older issuer token at C - 1 s", &t, c - 1, Want::Valid);
        let expired = self.tok(keys::ISSUER_SEED, self.s1, T0 - 2 * D, D as u32)?;
        s.verify(
            "an expired issuer token at C: key_compromised comes before expired",
            &expired,
            c,
            compromised(c),
        );
        let rl = revocations(
            keys::ISSUER_SEED,
            RevocationKind::Full,
            info(1, T0, T0 + D),
            &[],
            &[],
        )?;
        s.revs(
            "revocation list by the compromised key, issued before C",
            &rl,
            err("unknown_list_signer"),
        );
        Ok(s.done())
    }

    fn revoked_and_reissued(&self) -> Result<Scenario, String> {
        let mut s = Sc::new(
            "revoked-then-reissued",
            "Holder 1 is revoked before T = T0: tokens issued before T are refused, tokens \
             issued at or after T verify. A delta moves the time later; a delta with an earlier \
             time does not move it back. Revocation is checked last: a forged or expired \
             revoked token reports bad_signature or expired.",
        );
        s.trust("trust list", &self.tl1()?, Want::Seq(1));
        // Holder 1's time after each list: T0, then T + 2 h (delta 2), kept by delta 3.
        let rl = |seq: u64, kind, issued: u64, before: u64| {
            let base: &[(SubjectId, u64)] = match seq {
                2 => &[(self.s1, T0)],
                _ => &[(self.s1, T0 + 2 * H)],
            };
            revocations(
                keys::ISSUER_SEED,
                kind,
                info(seq, issued, issued + D),
                base,
                &[(self.s1, before)],
            )
        };
        s.revs(
            "full list 1: holder 1 before T0",
            &rl(1, RevocationKind::Full, T0 - 3 * H, T0)?,
            Want::Seq(1),
        );
        let old = self.tok(keys::ISSUER_SEED, self.s1, T0 - H, D as u32)?;
        let at = self.tok(keys::ISSUER_SEED, self.s1, T0, D as u32)?;
        let later = self.tok(keys::ISSUER_SEED, self.s1, T0 + H, D as u32)?;
        let other = self.tok(keys::ISSUER_SEED, self.s2, T0 - H, D as u32)?;
        s.verify("holder 1, issued T - 1 h", &old, T0 - H / 2, revoked(T0));
        s.verify(
            "holder 1, issued T - 1 h, forged",
            &self.forged(&old)?,
            T0 - H / 2,
            err("bad_signature"),
        );
        s.verify("holder 2, issued T - 1 h", &other, T0 - H / 2, Want::Valid);
        s.verify("holder 1 re-issued at T", &at, T0, Want::Valid);
        s.verify("holder 1 re-issued at T + 1 h", &later, T0 + H, Want::Valid);
        s.verify(
            "holder 1, issued T - 1 h, after expiry",
            &old,
            T0 + D,
            by("expired", H),
        );
        s.revs(
            "delta 2: holder 1 before T + 2 h",
            &rl(2, RevocationKind::Delta, T0 + H, T0 + 2 * H)?,
            Want::Seq(2),
        );
        s.verify(
            "holder 1 issued T + 1 h: now revoked",
            &later,
            T0 + 3 * H,
            revoked(T0 + 2 * H),
        );
        s.revs(
            "delta 3: holder 1 before T - 5 h (earlier)",
            &rl(3, RevocationKind::Delta, T0 + 2 * H, T0 - 5 * H)?,
            Want::Seq(3),
        );
        s.verify(
            "merging keeps the later time",
            &later,
            T0 + 3 * H,
            revoked(T0 + 2 * H),
        );
        let fresh = self.tok(keys::ISSUER_SEED, self.s1, T0 + 2 * H, D as u32)?;
        s.verify(
            "holder 1 re-issued at T + 2 h",
            &fresh,
            T0 + 3 * H,
            Want::Valid,
        );
        s.revs(
            "full list 4: holder 1 before T - 5 h (a full list replaces)",
            &rl(4, RevocationKind::Full, T0 + 3 * H, T0 - 5 * H)?,
            Want::Seq(4),
        );
        s.verify(
            "holder 1 issued T + 1 h verifies again",
            &later,
            T0 + 3 * H,
            Want::Valid,
        );
        s.state("state", Some(1), Some(4), 1);
        Ok(s.done())
    }

    fn stale_data(&self) -> Result<Scenario, String> {
        let mut s = Sc::new(
            "stale-data",
            "Grace 1 h. Data is stale from next_update_by + grace (inclusive); the token still \
             verifies, annotated with the more overdue data (revocations on a tie); a policy \
             with max_stale_secs 7200 denies beyond 2 h overdue. New lists make it fresh.",
        )
        .grace(H);
        let tl = trust_list(
            ROOT_SEED,
            info(1, T0 - 2 * D, T0 + 5 * D),
            &[entry(keys::ISSUER_SEED, T0 - 30 * D)],
        )?;
        s.trust("trust list: next update by T0 + 5 d", &tl, Want::Seq(1));
        let rev = |seq: u64, kind, issued: u64, nub: u64| {
            revocations(
                keys::ISSUER_SEED,
                kind,
                info(seq, issued, nub),
                &[(self.s2, T0 - 10 * D)],
                &[(self.s2, T0 - 10 * D)],
            )
        };
        s.revs(
            "full list 1: issued T0 - 1 d, next update by T0",
            &rev(1, RevocationKind::Full, T0 - D, T0)?,
            Want::Seq(1),
        );
        let t = self.tok(keys::ISSUER_SEED, self.s1, T0 - H, D as u32)?;
        s.verify("at T0 + 1 h - 1 s: fresh", &t, T0 + H - 1, Want::Valid);
        s.verify(
            "at T0 + 1 h: revocations stale",
            &t,
            T0 + H,
            Want::Stale(TrustData::Revocations, D + H, H),
        );
        s.verify_policy(
            "at T0 + 2 h, policy max 2 h: admitted (overdue 7200 is not > 7200)",
            &t,
            T0 + 2 * H,
            2 * H,
            Want::Stale(TrustData::Revocations, D + 2 * H, 2 * H),
            true,
        );
        s.verify_policy(
            "at T0 + 2 h + 1 s, policy max 2 h: denied",
            &t,
            T0 + 2 * H + 1,
            2 * H,
            Want::Stale(TrustData::Revocations, D + 2 * H + 1, 2 * H + 1),
            false,
        );
        s.revs(
            "delta 2: issued T0 + 3 h, next update by T0 + 1 d",
            &rev(2, RevocationKind::Delta, T0 + 3 * H, T0 + D)?,
            Want::Seq(2),
        );
        s.verify("at T0 + 4 h: fresh", &t, T0 + 4 * H, Want::Valid);
        let t5 = self.tok(keys::ISSUER_SEED, self.s1, T0 + 5 * D, D as u32)?;
        s.verify(
            "at T0 + 5 d + 2 h: both stale, revocations more overdue",
            &t5,
            T0 + 5 * D + 2 * H,
            Want::Stale(TrustData::Revocations, 5 * D - H, 4 * D + 2 * H),
        );
        s.revs(
            "delta 3: issued T0 + 5 d + 2 h, next update by T0 + 6 d",
            &rev(3, RevocationKind::Delta, T0 + 5 * D + 2 * H, T0 + 6 * D)?,
            Want::Seq(3),
        );
        s.verify(
            "at T0 + 5 d + 2 h: the trust list is stale",
            &t5,
            T0 + 5 * D + 2 * H,
            Want::Stale(TrustData::TrustList, 7 * D + 2 * H, 2 * H),
        );
        s.verify_policy(
            "the same, policy max 1 h: denied",
            &t5,
            T0 + 5 * D + 2 * H,
            H,
            Want::Stale(TrustData::TrustList, 7 * D + 2 * H, 2 * H),
            false,
        );
        let tl2 = trust_list(
            ROOT_SEED,
            info(2, T0 + 5 * D + 2 * H, T0 + 6 * D),
            &[entry(keys::ISSUER_SEED, T0 - 30 * D)],
        )?;
        s.trust("trust list 2: next update by T0 + 6 d", &tl2, Want::Seq(2));
        s.verify("fresh", &t5, T0 + 5 * D + 3 * H, Want::Valid);
        let t6 = self.tok(keys::ISSUER_SEED, self.s1, T0 + 6 * D + 2 * H, D as u32)?;
        s.verify(
            "both 2 h overdue: a tie reports revocations",
            &t6,
            T0 + 6 * D + 2 * H,
            Want::Stale(TrustData::Revocations, D - 2 * H + 2 * H, 2 * H),
        );
        Ok(s.done())
    }

    fn clock_set_back(&self) -> Result<Scenario, String> {
        let mut s = Sc::new(
            "clock-set-back",
            "The clock floor, raised by list issue times and by the issue times of tokens that \
             verify: a `now` more than the skew before it is clock_behind, checked before \
             anything else. A restored checkpoint keeps the floor across a restart.",
        );
        let tl = trust_list(
            ROOT_SEED,
            info(1, T0, T0 + 7 * D),
            &[entry(keys::ISSUER_SEED, T0 - 30 * D)],
        )?;
        s.trust("trust list issued at T0", &tl, Want::Seq(1));
        let t = self.tok(keys::ISSUER_SEED, self.s1, T0 - H, D as u32)?;
        s.verify(
            "at T0 - skew - 1",
            &t,
            T0 - SKEW - 1,
            by("clock_behind", SKEW + 1),
        );
        s.verify(
            "a garbage token at T0 - skew - 1: the clock is checked first",
            &Tok {
                text: "QS:".into(),
                ..t.clone()
            },
            T0 - SKEW - 1,
            by("clock_behind", SKEW + 1),
        );
        s.verify("at T0 - skew", &t, T0 - SKEW, Want::Valid);
        let t2 = self.tok(keys::ISSUER_SEED, self.s1, T0 + H, D as u32)?;
        s.verify(
            "a token issued at T0 + 1 h, at T0 + 1 h - skew",
            &t2,
            T0 + H - SKEW,
            Want::Valid,
        );
        s.verify(
            "the first token at T0: the floor is now T0 + 1 h",
            &t,
            T0,
            by("clock_behind", H),
        );
        let forged = self.forged(&self.tok(keys::ISSUER_SEED, self.s1, T0 + D, D as u32)?)?;
        s.verify(
            "a forged token issued at T0 + 1 d fails and does not raise the floor",
            &forged,
            T0 + D,
            err("bad_signature"),
        );
        s.verify(
            "the first token at T0 + 1 h - skew",
            &t,
            T0 + H - SKEW,
            Want::Valid,
        );
        s.checkpoint("checkpoint", T0 + H, (1, T0), (0, 0));
        let rl = revocations(
            keys::ISSUER_SEED,
            RevocationKind::Full,
            info(1, T0 + 2 * H, T0 + D),
            &[],
            &[],
        )?;
        s.revs("revocation list issued at T0 + 2 h", &rl, Want::Seq(1));
        s.verify("at T0 + 1 h", &t, T0 + H, by("clock_behind", H));
        s.checkpoint("checkpoint", T0 + 2 * H, (1, T0), (1, T0 + 2 * H));
        s.restart("restart");
        s.verify("fresh store, no trust list", &t, T0, err("unknown_key"));
        s.restore(
            "not a checkpoint (27 bytes)",
            &checkpoint_bytes(T0 + 2 * H, (1, T0), (1, T0 + 2 * H))[..27],
            "invalid_checkpoint",
        );
        let mut bad = checkpoint_bytes(T0 + 2 * H, (1, T0), (1, T0 + 2 * H));
        bad[0] = b'X';
        s.restore("not a checkpoint (magic)", &bad, "invalid_checkpoint");
        s.restore(
            "the saved checkpoint",
            &checkpoint_bytes(T0 + 2 * H, (1, T0), (1, T0 + 2 * H)),
            "ok",
        );
        s.verify(
            "restored, no revocation list loaded: revocations_behind comes before clock_behind",
            &t,
            T0 + H,
            behind(0, 1),
        );
        s.trust("trust list", &tl, Want::Seq(1));
        s.revs("revocation list", &rl, Want::Seq(1));
        s.verify("restored floor", &t, T0 + H, by("clock_behind", H));
        s.verify("at T0 + 2 h - skew", &t, T0 + 2 * H - SKEW, Want::Valid);
        Ok(s.done())
    }

    fn malformed_trust_lists(&self) -> Result<Scenario, String> {
        let mut s = Sc::new(
            "malformed-trust-lists",
            "Each list has exactly one structural defect and, where it has a signature, is \
             re-signed by the root so that the defect is the only one. None changes the state.",
        );
        let root_id = key(ROOT_SEED).key_id();
        let i = info(3, T0, T0 + 7 * D);
        let keys2 = [
            entry(keys::ISSUER_SEED, T0 - 30 * D),
            entry(keys::NEXT_SEED, T0 - 30 * D),
        ];
        let body = encode_trust_list(root_id, &i, &keys2).map_err(fail("encode"))?;
        let good = resign(ROOT_SEED, TRUST_LIST_DOMAIN, &body);
        let signed = |b: &[u8]| resign(ROOT_SEED, TRUST_LIST_DOMAIN, b);
        let mutate = |f: &dyn Fn(&mut Vec<u8>)| {
            let mut b = body.clone();
            f(&mut b);
            signed(&b)
        };
        s.trust(
            "trust list 2 (issuer only)",
            &trust_list(ROOT_SEED, info(2, T0 - D, T0 + 7 * D), &keys2[..1])?,
            Want::Seq(2),
        );
        s.trust("empty input", &[], err("list_truncated"));
        s.trust("QST: a prefix of the magic", b"QST", err("list_truncated"));
        s.trust("magic and nothing else", b"QSTL", err("list_truncated"));
        let mut rl = good.clone();
        rl[..4].copy_from_slice(b"QSRL");
        s.trust("a revocation list's magic", &rl, err("list_wrong_magic"));
        s.trust(
            "lower-case magic",
            &mutate(&|b| b[..4].copy_from_slice(b"qstl")),
            err("list_wrong_magic"),
        );
        s.trust(
            "version 2",
            &mutate(&|b| b[4] = 2),
            err("list_unsupported_version"),
        );
        s.trust(
            "version 0, magic wrong too: magic first",
            &mutate(&|b| {
                b[0] = b'X';
                b[4] = 0;
            }),
            err("list_wrong_magic"),
        );
        s.trust("cut inside the header", &good[..20], err("list_truncated"));
        s.trust(
            "cut at the end of the header",
            &good[..35],
            err("list_truncated"),
        );
        s.trust(
            "sequence 0",
            &mutate(&|b| put_u64(b, 9, 0)),
            err("list_zero_sequence"),
        );
        s.trust(
            "next_update_by = issued_at",
            &mutate(&|b| put_u64(b, 25, T0)),
            err("list_next_update_not_after_issue"),
        );
        s.trust(
            "key count 1025 (more than 1024), input short too",
            &mutate(&|b| b[33..35].copy_from_slice(&1025u16.to_le_bytes())),
            err("list_too_many_keys"),
        );
        s.trust(
            "key count 3 with 2 entries",
            &mutate(&|b| b[33..35].copy_from_slice(&3u16.to_le_bytes())),
            err("list_truncated"),
        );
        s.trust(
            "key count 1 with 2 entries: the second is read as signature + trailing bytes",
            &mutate(&|b| b[33..35].copy_from_slice(&1u16.to_le_bytes())),
            err("list_trailing_bytes"),
        );
        s.trust(
            "key id does not match the public key",
            &mutate(&|b| b[35] ^= 0x01),
            err("list_key_id_mismatch"),
        );
        s.trust(
            "empty signing window (from = until)",
            &mutate(&|b| put_u64(b, 35 + 44, T0 - 30 * D)),
            err("list_empty_signing_window"),
        );
        s.trust(
            "empty acceptance window (from > until)",
            &mutate(&|b| put_u64(b, 35 + 60, T0 - 31 * D)),
            err("list_empty_acceptance_window"),
        );
        s.trust(
            "unknown key state 3",
            &mutate(&|b| b[35 + 68] = 3),
            err("list_unknown_key_state"),
        );
        s.trust(
            "compromise time on an active key",
            &mutate(&|b| put_u64(b, 35 + 69, T0)),
            err("list_stray_compromise_time"),
        );
        s.trust(
            "entries in descending order",
            &mutate(&|b| {
                let (a, c) = (b[35..112].to_vec(), b[112..189].to_vec());
                b[35..112].copy_from_slice(&c);
                b[112..189].copy_from_slice(&a);
            }),
            err("list_keys_out_of_order"),
        );
        s.trust(
            "the same key twice",
            &mutate(&|b| {
                let a = b[35..112].to_vec();
                b[112..189].copy_from_slice(&a);
            }),
            err("list_keys_out_of_order"),
        );
        s.trust(
            "signature cut by one byte",
            &good[..good.len() - 1],
            err("list_truncated"),
        );
        let mut long = good.clone();
        long.push(0);
        s.trust(
            "one byte after the signature",
            &long,
            err("list_trailing_bytes"),
        );
        // A small-order public key (the identity, y = 1) with a matching key id.
        let mut small = [0u8; 32];
        small[0] = 1;
        let bad_key = KeyEntry {
            public_key: small,
            ..keys2[0]
        };
        let with_bad = trust_list(ROOT_SEED, i, &[keys2[0], bad_key])?;
        s.trust(
            "a well-formed, root-signed list holding a small-order key",
            &with_bad,
            err("invalid_key"),
        );
        s.state("nothing changed", Some(2), None, 0);
        let n = self.tok(keys::NEXT_SEED, self.s1, T0 - H, D as u32)?;
        s.verify("next is unknown under list 2", &n, T0, err("unknown_key"));
        s.trust("the well-formed list 3", &good, Want::Seq(3));
        s.verify("next verifies under list 3", &n, T0, Want::Valid);
        let empty = trust_list(ROOT_SEED, info(4, T0, T0 + 7 * D), &[])?;
        s.trust("a list with no keys", &empty, Want::Seq(4));
        s.verify(
            "every token is then unknown_key",
            &n,
            T0,
            err("unknown_key"),
        );
        Ok(s.done())
    }

    fn malformed_revocation_lists(&self) -> Result<Scenario, String> {
        let mut s = Sc::new(
            "malformed-revocation-lists",
            "Each revocation list has exactly one structural defect and, where it has a \
             signature, is re-signed by issuer. None changes the state.",
        );
        s.trust("trust list", &self.tl1()?, Want::Seq(1));
        let signer = key(keys::ISSUER_SEED).key_id();
        let (lo, hi) = if self.s1.0 < self.s2.0 {
            (self.s1, self.s2)
        } else {
            (self.s2, self.s1)
        };
        let mk = || {
            encode_full_revocation_list(
                signer,
                &info(2, T0 - H, T0 + D),
                &[
                    qrseal_core::lists::Revocation {
                        subject: lo,
                        issued_before: ts(T0 - 2 * H),
                    },
                    qrseal_core::lists::Revocation {
                        subject: hi,
                        issued_before: ts(T0 - 2 * H),
                    },
                ],
            )
            .map_err(fail("encode"))
        };
        let body = mk()?;
        let good = resign(keys::ISSUER_SEED, REVOCATION_LIST_DOMAIN, &body);
        let mutate = |f: &dyn Fn(&mut Vec<u8>)| {
            let mut b = body.clone();
            f(&mut b);
            resign(keys::ISSUER_SEED, REVOCATION_LIST_DOMAIN, &b)
        };
        s.revs("empty input", &[], err("list_truncated"));
        let mut tl = good.clone();
        tl[..4].copy_from_slice(b"QSTL");
        s.revs("a trust list's magic", &tl, err("list_wrong_magic"));
        s.revs(
            "version 0",
            &mutate(&|b| b[4] = 0),
            err("list_unsupported_version"),
        );
        s.revs("kind 2", &mutate(&|b| b[5] = 2), err("list_unknown_kind"));
        s.revs("cut inside the header", &good[..30], err("list_truncated"));
        s.revs(
            "sequence 0",
            &mutate(&|b| put_u64(b, 10, 0)),
            err("list_zero_sequence"),
        );
        s.revs(
            "a delta with sequence 1",
            &mutate(&|b| {
                b[5] = 1;
                put_u64(b, 10, 1);
            }),
            err("list_delta_sequence_one"),
        );
        s.revs(
            "next_update_by before issued_at",
            &mutate(&|b| put_u64(b, 26, T0 - 2 * H)),
            err("list_next_update_not_after_issue"),
        );
        s.revs(
            "a full list naming a base state",
            &mutate(&|b| b[66] = 1),
            err("list_base_state_on_full"),
        );
        s.revs(
            "entry count 2^24 + 1 (refused from the header)",
            &mutate(&|b| b[98..102].copy_from_slice(&((1u32 << 24) + 1).to_le_bytes())),
            err("list_too_many_entries"),
        );
        s.revs(
            "entry count 2^24",
            &mutate(&|b| b[98..102].copy_from_slice(&(1u32 << 24).to_le_bytes())),
            err("list_truncated"),
        );
        s.revs(
            "subjects in descending order",
            &mutate(&|b| {
                let (a, c) = (b[102..118].to_vec(), b[118..134].to_vec());
                b[102..118].copy_from_slice(&c);
                b[118..134].copy_from_slice(&a);
            }),
            err("list_subjects_out_of_order"),
        );
        s.revs(
            "the same subject twice",
            &mutate(&|b| {
                let a = b[102..118].to_vec();
                b[118..134].copy_from_slice(&a);
            }),
            err("list_subjects_out_of_order"),
        );
        s.revs(
            "a full list whose state id is not that of its entries",
            &mutate(&|b| b[34] ^= 1),
            err("list_state_mismatch"),
        );
        s.revs(
            "signature cut by one byte",
            &good[..good.len() - 1],
            err("list_truncated"),
        );
        let mut long = good.clone();
        long.push(0);
        s.revs(
            "one byte after the signature",
            &long,
            err("list_trailing_bytes"),
        );
        s.state("nothing changed", Some(1), None, 0);
        s.revs("the well-formed list", &good, Want::Seq(2));
        s.state("loaded", Some(1), Some(2), 2);
        Ok(s.done())
    }
}

/// What the store answers to one step.
fn run_step(
    store: &mut TrustStore,
    fresh: &dyn Fn() -> TrustStore,
    op: &Op,
) -> Vec<(&'static str, Json)> {
    let load = |r: Result<ListInfo, Error>| match r {
        Ok(i) => vec![
            ("expect", Json::str("ok")),
            ("sequence", Json::Int(i.sequence)),
        ],
        Err(e) => error_fields(&e),
    };
    match op {
        Op::LoadTrustList(b, now) => load(store.load_trust_list(b, ts(*now))),
        Op::LoadRevocations(b, now) => load(store.load_revocations(b, ts(*now))),
        Op::Verify {
            tok,
            now,
            max_stale,
        } => match store.verify(&tok.text, ts(*now)) {
            Ok(v) => {
                let stale = v.stale.map_or(Json::Null, |s| {
                    stale_json(s.data, s.age.as_secs(), s.overdue.as_secs())
                });
                let mut out = vec![
                    ("expect", Json::str("ok")),
                    ("issued_at_unix", Json::Int(v.claims.issued_at.unix())),
                    ("subject_hex", Json::str(v.claims.subject.to_string())),
                    ("stale", stale),
                ];
                if let Some(max) = max_stale {
                    out.push(("decision", decision_json(&stale_policy(*max), &v, *now)));
                }
                out
            }
            Err(e) => error_fields(&e),
        },
        Op::Checkpoint => vec![(
            "checkpoint_hex",
            Json::str(hex::encode(store.checkpoint().to_bytes())),
        )],
        Op::Restart => {
            *store = fresh();
            vec![]
        }
        Op::Restore(b) => match Checkpoint::from_bytes(b) {
            Ok(cp) => {
                store.restore(&cp);
                vec![("expect", Json::str("ok"))]
            }
            Err(e) => vec![("expect", Json::str(e.code().as_str()))],
        },
        Op::State => {
            let opt = |v: Option<ListInfo>| v.map_or(Json::Null, |i| Json::Int(i.sequence));
            vec![
                ("trust_list_sequence", opt(store.trust_list())),
                ("revocation_sequence", opt(store.revocations())),
                ("revoked_count", Json::Int(store.revoked_count() as u64)),
            ]
        }
    }
}

fn render(fields: &[(&'static str, Json)]) -> String {
    Json::Object(fields.to_vec()).compact().to_pretty()
}

/// Runs every scenario through the library; the observed outcome of each step must be
/// exactly the one written by hand.
pub(crate) fn check(scenarios: &mut [Scenario]) -> Result<(), String> {
    let root = TrustedKey::from_bytes(&pk(ROOT_SEED)).map_err(fail("root"))?;
    for sc in scenarios.iter_mut() {
        let (skew, grace) = (sc.skew, sc.grace);
        let fresh = || {
            TrustStore::new(root.clone())
                .with_clock_skew(Duration::from_secs(skew))
                .with_grace(Duration::from_secs(grace))
        };
        let mut store = fresh();
        for (i, step) in sc.steps.iter_mut().enumerate() {
            let got = run_step(&mut store, &fresh, &step.op);
            let mut want = step.want.clone();
            // The policy decision is taken from the library and checked against `admitted`.
            if let Some(pos) = want.iter().position(|(k, _)| *k == "admitted") {
                let admitted = matches!(want.remove(pos).1, Json::Bool(true));
                let decision = got.iter().find(|(k, _)| *k == "decision");
                let Some((_, Json::Compact(d))) = decision else {
                    return Err(format!("{} step {i}: no decision", sc.name));
                };
                let Json::Object(fields) = &**d else {
                    return Err(format!("{} step {i}: decision", sc.name));
                };
                let got_admitted = fields
                    .iter()
                    .any(|(k, v)| *k == "admitted" && matches!(v, Json::Bool(true)));
                if got_admitted != admitted {
                    return Err(format!(
                        "{} step {i} ({}): expected admitted = {admitted}",
                        sc.name, step.note
                    ));
                }
                if let Some(d) = decision {
                    want.push(d.clone());
                }
            }
            if render(&got) != render(&want) {
                return Err(format!(
                    "{} step {i} ({}): expected {}, the library gives {}",
                    sc.name,
                    step.note,
                    render(&want).trim_end(),
                    render(&got).trim_end()
                ));
            }
            step.want = want;
        }
    }
    Ok(())
}

pub(crate) fn scenarios() -> Result<Vec<Scenario>, String> {
    let mut s = Ctx::new()?.scenarios()?;
    check(&mut s)?;
    Ok(s)
}

fn step_json(step: &Step) -> Json {
    let mut fields: Vec<(&'static str, Json)> = Vec::new();
    let (op, inputs): (&str, Vec<(&'static str, Json)>) = match &step.op {
        Op::LoadTrustList(b, now) => (
            "load_trust_list",
            vec![
                ("list_hex", Json::str(hex::encode(b))),
                ("now_unix", Json::Int(*now)),
            ],
        ),
        Op::LoadRevocations(b, now) => (
            "load_revocations",
            vec![
                ("list_hex", Json::str(hex::encode(b))),
                ("now_unix", Json::Int(*now)),
            ],
        ),
        Op::Verify {
            tok,
            now,
            max_stale,
        } => {
            let mut v = vec![
                ("text", Json::str(tok.text.clone())),
                ("now_unix", Json::Int(*now)),
                ("now", Json::str(ts(*now).to_string())),
            ];
            if let Some(max) = max_stale {
                v.push((
                    "policy",
                    Json::Object(vec![("max_stale_secs", Json::Int(*max))]).compact(),
                ));
            }
            ("verify", v)
        }
        Op::Checkpoint => ("checkpoint", vec![]),
        Op::Restart => ("restart", vec![]),
        Op::Restore(b) => (
            "restore_checkpoint",
            vec![("checkpoint_hex", Json::str(hex::encode(b)))],
        ),
        Op::State => ("state", vec![]),
    };
    fields.push(("op", Json::str(op)));
    fields.push(("note", Json::str(step.note.clone())));
    fields.extend(inputs);
    fields.extend(step.want.iter().cloned());
    Json::Object(fields)
}

pub(crate) fn file(scenarios: &[Scenario]) -> Json {
    let keys = all_keys()
        .iter()
        .map(|k| {
            let signing = key(k.seed);
            Json::Object(vec![
                ("name", Json::str(k.name)),
                ("description", Json::str(k.description)),
                ("secret_seed_hex", Json::str(hex::encode(k.seed))),
                (
                    "public_key_hex",
                    Json::str(hex::encode(signing.public_key())),
                ),
                ("key_id_hex", Json::str(signing.key_id().to_string())),
            ])
        })
        .collect();
    let root = hex::encode(pk(ROOT_SEED));
    let scenarios = scenarios
        .iter()
        .map(|s| {
            Json::Object(vec![
                ("name", Json::str(s.name)),
                ("description", Json::str(s.description)),
                ("root_public_key_hex", Json::str(root.clone())),
                ("skew_secs", Json::Int(s.skew)),
                ("grace_secs", Json::Int(s.grace)),
                (
                    "steps",
                    Json::Array(s.steps.iter().map(step_json).collect()),
                ),
            ])
        })
        .collect();
    Json::Object(vec![
        (
            "description",
            Json::str(
                "qrseal trust data test vectors (docs/SPEC.md section 17). For each scenario, \
                 build a fresh trust store pinning root_public_key_hex with clock skew \
                 skew_secs and grace grace_secs, then run the steps in order; each must give \
                 exactly the outcome stated. See README.md.",
            ),
        ),
        ("spec", Json::str("docs/SPEC.md#17-trust-data")),
        ("regenerate", Json::str("cargo run -p qrseal-testvectors")),
        ("keys", Json::Array(keys)),
        ("scenarios", Json::Array(scenarios)),
    ])
}

/// The README table of scenarios.
pub(crate) fn table(scenarios: &[Scenario]) -> String {
    let mut out = String::from("| # | scenario | steps | what |\n| --- | --- | --- | --- |\n");
    for (i, s) in scenarios.iter().enumerate() {
        out.push_str(&format!(
            "| {} | `{}` | {} | {} |\n",
            i + 1,
            s.name,
            s.steps.len(),
            s.description.replace('|', "\\|")
        ));
    }
    let steps: usize = scenarios.iter().map(|s| s.steps.len()).sum();
    out.push_str(&format!(
        "\n{} scenarios, {steps} steps.\n",
        scenarios.len()
    ));
    out
}
