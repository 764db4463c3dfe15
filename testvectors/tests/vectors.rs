//! The committed test vectors, checked three ways:
//!
//! 1. they are exactly what the generator produces now (so nobody edits them by hand and no
//!    library change slips through without regenerating and reviewing them);
//! 2. read as plain JSON, independently of the generator's types, every token case gives the
//!    expected answer through `qrseal_verifier::Verifier`, one by one and in batches, and
//!    every policy case the expected decision;
//! 3. every C2SP/CCTV Ed25519 vector is accepted or rejected by `signature::verify` and
//!    `signature::verify_batch` exactly as `ed25519.json` says, and the counts of what qrseal
//!    and `verify_strict` accept are pinned;
//! 4. every trust-store scenario of `trust.json` gives the stated outcome at every step,
//!    with tokens verified one by one and in batches.

// A failed unwrap is a failed test, with the location in the message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use qrseal_core::lists::ListInfo;
use qrseal_core::{Claims, Colour, KeyId, Timestamp, Token, text};
use qrseal_issuer::{IssuerKey, SubjectSecret, TtlPolicy};
use qrseal_verifier::{
    Checkpoint, ColourSet, Denial, Error, Policy, TrustData, TrustStore, TrustedKey, Verified,
    Verifier, signature,
};
use serde_json::{Value, json};

fn dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn load(name: &str) -> Value {
    let path = dir().join(name);
    let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn hex_n<const N: usize>(v: &Value) -> [u8; N] {
    let bytes = hex::decode(v.as_str().expect("hex string")).expect("valid hex");
    bytes.try_into().expect("right length")
}

fn u64_of(v: &Value) -> u64 {
    v.as_u64().unwrap_or_else(|| panic!("not an integer: {v}"))
}

fn secs(v: &Value) -> Duration {
    Duration::from_secs(u64_of(v))
}

// ---------------------------------------------------------------------------------------
// 1. The committed files are current.

fn clip(line: Option<&str>) -> String {
    match line {
        None => "<end of file>".into(),
        Some(l) if l.chars().count() > 160 => {
            format!("{}...", l.chars().take(160).collect::<String>())
        }
        Some(l) => l.to_owned(),
    }
}

#[test]
fn committed_files_match_the_generator() {
    let mut problems = Vec::new();
    for (name, generated) in qrseal_testvectors::generate() {
        let path = dir().join(&name);
        let committed = match fs::read_to_string(&path) {
            Ok(c) => c,
            Err(e) => {
                problems.push(format!("testvectors/{name}: cannot be read ({e})"));
                continue;
            }
        };
        if committed == generated {
            continue;
        }
        let mut a = committed.lines();
        let mut b = generated.lines();
        let mut line = 1;
        loop {
            let (x, y) = (a.next(), b.next());
            if x != y || (x.is_none() && y.is_none()) {
                problems.push(format!(
                    "testvectors/{name} differs from the generator's output, first at line \
                     {line}:\n    committed: {}\n    generated: {}",
                    clip(x),
                    clip(y)
                ));
                break;
            }
            line += 1;
        }
    }
    assert!(
        problems.is_empty(),
        "{}\n\nThe committed test vectors are stale. Run `cargo run -p qrseal-testvectors`, \
         review the diff of testvectors/ (a changed vector is a changed format or rule: update \
         docs/SPEC.md with it), and commit the files.",
        problems.join("\n")
    );
}

// ---------------------------------------------------------------------------------------
// 2. Token cases, through the verifier.

struct Doc {
    keys: BTreeMap<String, TrustedKey>,
    cases: Vec<Value>,
}

fn tokens() -> Doc {
    let doc = load("tokens.json");
    let mut keys = BTreeMap::new();
    for k in doc["keys"].as_array().expect("keys") {
        let name = k["name"].as_str().expect("key name").to_owned();
        let public: [u8; 32] = hex_n(&k["public_key_hex"]);
        let seed: [u8; 32] = hex_n(&k["secret_seed_hex"]);
        assert_eq!(
            IssuerKey::from_secret_bytes(seed).public_key(),
            public,
            "key {name}: the seed does not give the public key"
        );
        let trusted = TrustedKey::from_bytes(&public).expect("a loadable key");
        assert_eq!(
            trusted.key_id().to_string(),
            k["key_id_hex"].as_str().expect("key id"),
            "key {name}: key id"
        );
        keys.insert(name, trusted);
    }
    let cases = doc["cases"].as_array().expect("cases").clone();
    Doc { keys, cases }
}

impl Doc {
    fn verifier(&self, case: &Value) -> Verifier {
        let keys = case["trusted_keys"]
            .as_array()
            .expect("trusted_keys")
            .iter()
            .map(|n| self.keys[n.as_str().expect("key name")].clone());
        Verifier::new(keys).with_clock_skew(secs(&case["skew_secs"]))
    }
}

fn now_of(case: &Value) -> Timestamp {
    let now = Timestamp::from_unix(u64_of(&case["now_unix"]));
    assert_eq!(
        Timestamp::parse_rfc3339(case["now"].as_str().expect("now")).expect("RFC 3339"),
        now,
        "{}: now and now_unix disagree",
        case["name"]
    );
    now
}

/// The texts of a case: (which, text).
fn texts(case: &Value) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    for form in ["qr_text", "url_text"] {
        if let Some(t) = case[form].as_str() {
            out.push((form, t.to_owned()));
        }
    }
    out
}

fn field_of(e: &Error) -> Option<&'static str> {
    use qrseal_core::Error as C;
    match e {
        Error::Malformed(C::Truncated { field, .. })
        | Error::Malformed(C::UnknownEnumValue { field, .. })
        | Error::Malformed(C::OutOfRange { field, .. })
        | Error::Malformed(C::FieldTooLong { field, .. })
        | Error::Malformed(C::InvalidText { field })
        | Error::Malformed(C::NotNfc { field, .. })
        | Error::Malformed(C::TooManyDigits { field, .. }) => Some(field.name()),
        _ => None,
    }
}

fn time_matches(obj: &Value, key: &str, t: Timestamp) -> bool {
    obj[format!("{key}_unix")].as_u64() == Some(t.unix())
        && obj[key].as_str() == Some(t.to_string().as_str())
}

/// Every claim field against the expected JSON; returns what differs.
fn claims_mismatch(expected: &Value, c: &Claims) -> Option<String> {
    let known = [
        "subject",
        "colour",
        "issued_at",
        "issued_at_unix",
        "expires_at",
        "expires_at_unix",
        "test",
        "vaccination",
        "display_hint",
        "refresh_at",
        "refresh_at_unix",
    ];
    let obj = expected.as_object()?;
    if let Some(k) = obj.keys().find(|k| !known.contains(&k.as_str())) {
        return Some(format!("unknown claim {k} in the vector: extend this test"));
    }
    let test_ok = match (&expected["test"], c.test) {
        (Value::Null, None) => true,
        (t, Some(r)) if !t.is_null() => {
            t["result"].as_str() == Some(r.result.name())
                && time_matches(t, "collected_at", r.collected_at)
        }
        _ => false,
    };
    let vaccination_ok = match (&expected["vaccination"], c.vaccination) {
        (Value::Null, None) => true,
        (v, Some(x)) if !v.is_null() => {
            v["doses"].as_u64() == Some(u64::from(x.doses))
                && v["last_dose_days"].as_u64() == Some(u64::from(x.last_dose.days_since_epoch()))
                && v["last_dose"].as_str() == Some(x.last_dose.to_string().as_str())
        }
        _ => false,
    };
    let hint_ok = match (&expected["display_hint"], &c.display_hint) {
        (Value::Null, None) => true,
        (Value::String(s), Some(h)) => s == h.as_str(),
        _ => false,
    };
    let checks = [
        (
            "subject",
            expected["subject"].as_str() == Some(c.subject.to_string().as_str()),
        ),
        (
            "colour",
            expected["colour"].as_str() == Some(c.colour.name()),
        ),
        (
            "issued_at",
            time_matches(expected, "issued_at", c.issued_at),
        ),
        (
            "expires_at",
            time_matches(expected, "expires_at", c.expires_at),
        ),
        ("test", test_ok),
        ("vaccination", vaccination_ok),
        ("display_hint", hint_ok),
        (
            "refresh_at",
            time_matches(expected, "refresh_at", c.refresh_at()),
        ),
    ];
    let bad: Vec<&str> = checks
        .iter()
        .filter(|(_, ok)| !ok)
        .map(|(n, _)| *n)
        .collect();
    (!bad.is_empty()).then(|| format!("claims differ in {bad:?}: got {c:?}"))
}

/// Checks one verification result against `expected`; returns what is wrong.
fn mismatch(expected: &Value, got: &Result<Verified, Error>) -> Option<String> {
    match (expected["valid"].as_bool(), got) {
        (Some(true), Ok(v)) => claims_mismatch(&expected["claims"], &v.claims),
        (Some(false), Err(e)) => {
            if expected["error"].as_str() != Some(e.code().as_str()) {
                return Some(format!("expected error {}, got {e:?}", expected["error"]));
            }
            if let Some(f) = expected.get("field")
                && f.as_str() != field_of(e)
            {
                return Some(format!("expected field {f}, got {e:?}"));
            }
            if let Some(by) = expected.get("by_secs") {
                let got_by = match e {
                    Error::Expired { by } | Error::NotYetValid { by } => Some(by.as_secs()),
                    _ => None,
                };
                if by.as_u64() != got_by {
                    return Some(format!("expected by_secs {by}, got {e:?}"));
                }
            }
            None
        }
        _ => Some(format!("expected {expected}, got {got:?}")),
    }
}

fn parse_policy(p: &Value) -> Policy {
    let mut policy = Policy::default()
        .accept(
            p["accepted_colours"]
                .as_array()
                .expect("accepted_colours")
                .iter()
                .map(|c| Colour::from_str(c.as_str().expect("colour name")).expect("a colour"))
                .collect::<ColourSet>(),
        )
        .min_doses(u8::try_from(u64_of(&p["min_doses"])).expect("min_doses fits u8"));
    if let Some(max) = p["max_test_age_secs"].as_u64() {
        policy = policy.max_test_age(Duration::from_secs(max));
    }
    policy
}

fn denial_value(d: &Denial) -> Value {
    let value = match d {
        Denial::Colour(c) => json!({"reason": "colour", "colour": c.name()}),
        Denial::NoTest => json!({"reason": "no_test"}),
        Denial::TestNotNegative(r) => json!({"reason": "test_not_negative", "result": r.name()}),
        Denial::TestTooOld { age, max } => {
            json!({"reason": "test_too_old", "age_secs": age.as_secs(), "max_secs": max.as_secs()})
        }
        Denial::TooFewDoses { doses, min } => {
            json!({"reason": "too_few_doses", "doses": doses, "min": min})
        }
        other => panic!("a denial this test does not know: {other:?}"),
    };
    assert_eq!(
        value["reason"],
        d.code().as_str(),
        "the vector names a denial by its stable code"
    );
    value
}

#[test]
fn every_token_case_verifies_as_expected_one_by_one() {
    let doc = tokens();
    let mut failures = Vec::new();
    let mut policies = 0;
    for case in &doc.cases {
        let name = case["name"].as_str().expect("name");
        let verifier = doc.verifier(case);
        let now = now_of(case);
        let expected = &case["expected"];
        let mut inputs = texts(case);
        assert!(
            !inputs.is_empty() || !case["token_hex"].is_null(),
            "{name}: no input"
        );
        let token = case["token_hex"]
            .as_str()
            .map(|h| hex::decode(h).expect("token hex"));
        if let Some(token) = &token {
            // The texts of a case with bytes are exactly the encodings of those bytes.
            for (form, t) in &inputs {
                let encoded = if *form == "qr_text" {
                    text::encode_qr(token)
                } else {
                    text::encode_url(token)
                };
                assert_eq!(
                    &encoded, t,
                    "{name}: {form} is not the encoding of token_hex"
                );
            }
        }
        let mut results = Vec::new();
        for (form, t) in inputs.drain(..) {
            results.push((form, verifier.verify(&t, now)));
        }
        if let Some(token) = &token {
            results.push(("token_hex", verifier.verify_bytes(token, now)));
        }
        for (form, got) in &results {
            if let Some(why) = mismatch(expected, got) {
                failures.push(format!("{name} ({form}): {why}"));
            }
        }
        if expected["valid"] == true {
            let token = token.expect("valid cases carry token_hex");
            let parsed = Token::parse(&token).expect("a valid token parses");
            assert_eq!(
                parsed.key_id.to_string(),
                expected["key_id"].as_str().expect("key_id"),
                "{name}: key id"
            );
        }
        if let Some(policy) = case.get("policy") {
            policies += 1;
            let Ok(claims) = &results[0].1 else {
                panic!("{name}: a policy case must verify");
            };
            let decision = parse_policy(policy).evaluate(claims, now);
            let denials: Vec<Value> = decision.denials().map(|d| denial_value(&d)).collect();
            let want = &case["expected_decision"];
            assert_eq!(
                json!({"admitted": decision.admitted(), "denials": denials}),
                *want,
                "{name}: policy decision"
            );
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(policies >= 2, "too few policy cases: {policies}");
    assert!(doc.cases.len() >= 80, "only {} cases", doc.cases.len());
}

#[test]
fn every_token_case_verifies_as_expected_in_batches() {
    let doc = tokens();
    // Cases sharing keys, clock and skew go through one verify_batch call.
    let mut groups: BTreeMap<(String, u64, u64), Vec<&Value>> = BTreeMap::new();
    for case in &doc.cases {
        let key = (
            case["trusted_keys"].to_string(),
            u64_of(&case["now_unix"]),
            u64_of(&case["skew_secs"]),
        );
        groups.entry(key).or_default().push(case);
    }
    // (texts, valid, bad signatures) of the largest group.
    let mut largest = (0, 0, 0);
    let mut failures = Vec::new();
    for cases in groups.values() {
        let verifier = doc.verifier(cases[0]);
        let now = now_of(cases[0]);
        let mut inputs: Vec<(&Value, String)> = Vec::new();
        for case in cases {
            for (_, t) in texts(case) {
                inputs.push((case, t));
            }
        }
        let refs: Vec<&str> = inputs.iter().map(|(_, t)| t.as_str()).collect();
        let results = verifier.verify_batch(&refs, now);
        assert_eq!(results.len(), inputs.len());
        for ((case, t), got) in inputs.iter().zip(&results) {
            if let Some(why) = mismatch(&case["expected"], got) {
                failures.push(format!("{} (batch, {t:?}): {why}", case["name"]));
            }
        }
        if inputs.len() > largest.0 {
            let valid = results.iter().filter(|r| r.is_ok()).count();
            let bad_sig = results
                .iter()
                .filter(|r| matches!(r, Err(Error::BadSignature)))
                .count();
            largest = (inputs.len(), valid, bad_sig);
        }
        // The valid ones alone: the batch equation holds without any fallback.
        let valid: Vec<&str> = inputs
            .iter()
            .filter(|(case, _)| case["expected"]["valid"] == true)
            .map(|(_, t)| t.as_str())
            .collect();
        assert!(verifier.verify_batch(&valid, now).iter().all(Result::is_ok));
    }
    // The main group mixes valid tokens with bad signatures (which make the batch equation
    // fail and force the one-by-one fallback) and crosses the verifier's 64-token chunks.
    let (texts, valid, bad_sig) = largest;
    assert!(
        texts > 64 && valid > 0 && bad_sig > 0,
        "the largest batch has {texts} texts, {valid} valid, {bad_sig} bad signatures"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

// ---------------------------------------------------------------------------------------
// 3. The Ed25519 rule on the C2SP/CCTV vectors.

/// Pinned: the number of the 914 vectors qrseal accepts. A change here is a change of the
/// signature rule, to be made in docs/SPEC.md first.
const QRSEAL_ACCEPTS: usize = 106;
/// Pinned: the number ed25519-dalek's `verify_strict` accepts (from the flags).
const VERIFY_STRICT_ACCEPTS: usize = 43;

#[test]
fn ed25519_vectors_are_accepted_exactly_as_documented() {
    let external = load("external/ed25519-validation-vectors.json");
    let ours = load("ed25519.json");
    let verdicts: BTreeMap<u64, &Value> = ours["vectors"]
        .as_array()
        .expect("vectors")
        .iter()
        .map(|v| (u64_of(&v["number"]), v))
        .collect();
    let external = external.as_array().expect("an array");
    assert_eq!(verdicts.len(), external.len(), "one verdict per vector");

    let mut accepted = Vec::new();
    let mut rejected_with_loadable_key = None;
    let (mut ours_count, mut strict_count, mut only_ours, mut only_strict) = (0, 0, 0, 0);
    for v in external {
        let number = u64_of(&v["number"]);
        let key: [u8; 32] = hex_n(&v["key"]);
        let sig: [u8; 64] = hex_n(&v["sig"]);
        let msg = v["msg"].as_str().expect("msg").as_bytes().to_vec();
        let flags: Vec<&str> = v["flags"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let rule = !flags.iter().any(|f| {
            [
                "low_order_A",
                "low_order_R",
                "non_canonical_A",
                "non_canonical_R",
            ]
            .contains(f)
        });
        let strict = flags
            .iter()
            .all(|f| ["low_order_component_A", "low_order_component_R"].contains(f));
        let verdict = verdicts[&number];
        assert_eq!(verdict["accepted"], rule, "vector {number}: file vs rule");
        assert_eq!(verdict["verify_strict_accepts"], strict, "vector {number}");

        let trusted = TrustedKey::from_bytes(&key).ok();
        let single = trusted
            .as_ref()
            .is_some_and(|k| signature::verify(k, &msg, &sig));
        let batch = trusted
            .as_ref()
            .is_some_and(|k| signature::verify_batch(&[(k, &msg[..], &sig)]));
        assert_eq!(single, rule, "vector {number} {flags:?}: verify");
        assert_eq!(
            batch, rule,
            "vector {number} {flags:?}: verify_batch of one"
        );

        ours_count += usize::from(rule);
        strict_count += usize::from(strict);
        if rule && !strict {
            only_ours += 1;
            assert!(
                flags.contains(&"low_order_residue"),
                "vector {number}: accepted only by qrseal without low_order_residue"
            );
        }
        only_strict += usize::from(strict && !rule);
        match trusted {
            Some(k) if rule => accepted.push((k, msg, sig)),
            Some(k) if rejected_with_loadable_key.is_none() => {
                rejected_with_loadable_key = Some((k, msg, sig));
            }
            _ => {}
        }
    }

    let batch: Vec<(&TrustedKey, &[u8], &[u8; 64])> =
        accepted.iter().map(|(k, m, s)| (k, &m[..], s)).collect();
    assert!(
        signature::verify_batch(&batch),
        "all accepted vectors together"
    );
    let (k, m, s) = rejected_with_loadable_key.expect("a rejected vector with a valid key");
    let mut with_bad = batch.clone();
    with_bad.insert(with_bad.len() / 2, (&k, &m[..], &s));
    assert!(
        !signature::verify_batch(&with_bad),
        "one rejected vector among the accepted ones fails the batch"
    );

    println!(
        "ed25519 vectors: {} total; qrseal accepts {ours_count}, verify_strict accepts \
         {strict_count}; {only_ours} accepted only by qrseal (low_order_residue), {only_strict} \
         only by verify_strict",
        external.len()
    );
    assert_eq!(ours_count, QRSEAL_ACCEPTS);
    assert_eq!(strict_count, VERIFY_STRICT_ACCEPTS);
    assert_eq!(only_ours, QRSEAL_ACCEPTS - VERIFY_STRICT_ACCEPTS);
    assert_eq!(only_strict, 0);
    let counts = &ours["counts"];
    assert_eq!(u64_of(&counts["total"]), external.len() as u64);
    assert_eq!(u64_of(&counts["accepted"]), ours_count as u64);
    assert_eq!(
        u64_of(&counts["verify_strict_accepts"]),
        strict_count as u64
    );
}

// ---------------------------------------------------------------------------------------
// Subject hashing and spread.

#[test]
fn subject_vectors_hold() {
    let doc = load("subjects.json");
    let secret = SubjectSecret::from_bytes(hex_n(&doc["subject_secret_hex"]));
    let ttl = TtlPolicy::new(
        secs(&doc["ttl_policy"]["ttl_secs"]),
        secs(&doc["ttl_policy"]["spread_secs"]),
    );
    let issued = u64_of(&doc["issued_at_unix"]);
    for s in doc["subjects"].as_array().expect("subjects") {
        let id = s["id_number"].as_str().expect("id");
        let subject = secret.subject_for(id).expect("hashes");
        assert_eq!(
            subject.to_string(),
            s["subject_hex"].as_str().expect("hex"),
            "{id:?}"
        );
        let first8 = u64::from_le_bytes(subject.0[..8].try_into().expect("8 bytes"));
        assert_eq!(
            s["first_8_bytes_le_u64"].as_str(),
            Some(first8.to_string().as_str())
        );
        let spread = first8 % (ttl.spread.as_secs() + 1);
        assert_eq!(u64_of(&s["expiry_spread_secs"]), spread);
        let expires = issued + ttl.ttl.as_secs() - spread;
        assert_eq!(u64_of(&s["expires_at_unix"]), expires);
        assert_eq!(
            ttl.expiry(&subject, Timestamp::from_unix(issued)).unix(),
            expires
        );
        let life = expires - issued;
        let refresh = issued + life / 2 + first8 % (life / 4 + 1);
        assert_eq!(u64_of(&s["refresh_at_unix"]), refresh);
    }
    for r in doc["rejected_id_numbers"].as_array().expect("rejected") {
        let id = r["id_number"].as_str().expect("id");
        assert!(secret.subject_for(id).is_err(), "{id:?} must be refused");
    }
}

// ---------------------------------------------------------------------------------------
// 4. Trust data scenarios, through the trust store.

fn trust_store(s: &Value) -> TrustStore {
    let root: [u8; 32] = hex_n(&s["root_public_key_hex"]);
    TrustStore::new(TrustedKey::from_bytes(&root).expect("root key"))
        .with_clock_skew(secs(&s["skew_secs"]))
        .with_grace(secs(&s["grace_secs"]))
}

fn list_outcome(r: Result<ListInfo, Error>) -> Value {
    match r {
        Ok(info) => json!({"expect": "ok", "sequence": info.sequence}),
        Err(e) => error_outcome(&e),
    }
}

fn error_outcome(e: &Error) -> Value {
    let mut v = json!({"expect": e.code().as_str()});
    match *e {
        Error::Rollback { held, got }
        | Error::DeltaGap { held, got }
        | Error::DeltaOutOfOrder { held, got } => {
            v["held"] = json!(held);
            v["got"] = json!(got);
        }
        Error::Expired { by } | Error::NotYetValid { by } | Error::ClockBehind { by } => {
            v["by_secs"] = json!(by.as_secs());
        }
        Error::RevocationsBehind { loaded, required } => {
            v["loaded"] = json!(loaded);
            v["required"] = json!(required);
        }
        Error::Revoked { before } => v["before_unix"] = json!(before.unix()),
        Error::ListFromFuture { issued_at, .. } => v["issued_at_unix"] = json!(issued_at.unix()),
        Error::KeyCompromised { since, .. } => v["since_unix"] = json!(since.unix()),
        _ => {}
    }
    v
}

fn data_name(d: TrustData) -> &'static str {
    match d {
        TrustData::TrustList => "trust_list",
        TrustData::Revocations => "revocations",
    }
}

fn verify_outcome(step: &Value, r: &Result<Verified, Error>, now: Timestamp) -> Value {
    let v = match r {
        Ok(v) => v,
        Err(e) => return error_outcome(e),
    };
    let stale = v.stale.map_or(Value::Null, |s| {
        json!({"data": data_name(s.data), "age_secs": s.age.as_secs(), "overdue_secs": s.overdue.as_secs()})
    });
    let mut out = json!({
        "expect": "ok",
        "issued_at_unix": v.claims.issued_at.unix(),
        "subject_hex": v.claims.subject.to_string(),
        "stale": stale,
    });
    if let Some(p) = step.get("policy") {
        let policy =
            Policy::default().max_stale(p["max_stale_secs"].as_u64().map(Duration::from_secs));
        let d = policy.evaluate(v, now);
        let denials: Vec<Value> = d
            .denials()
            .map(|x| match x {
                Denial::StaleTrustData { data, overdue, max } => {
                    json!({"reason": x.code().as_str(), "data": data_name(data),
                           "overdue_secs": overdue.as_secs(), "max_secs": max.as_secs()})
                }
                other => json!({"reason": other.code().as_str()}),
            })
            .collect();
        out["decision"] = json!({"admitted": d.admitted(), "denials": denials});
    }
    out
}

/// The outcome fields of a step: everything but the op, the note and the inputs.
fn expected_outcome(step: &Value) -> Value {
    let mut v = step.clone();
    let obj = v.as_object_mut().expect("a step is an object");
    for k in [
        "op", "note", "list_hex", "text", "now_unix", "now", "policy",
    ] {
        obj.remove(k);
    }
    if step["op"] == "restore_checkpoint" {
        obj.remove("checkpoint_hex");
    }
    v
}

/// Runs one step and returns its outcome in the vector's form.
fn run_trust_step(scenario: &Value, store: &mut TrustStore, step: &Value) -> Value {
    let hex_of = |k: &str| hex::decode(step[k].as_str().expect("hex")).expect("valid hex");
    match step["op"].as_str().expect("op") {
        "load_trust_list" => {
            let now = Timestamp::from_unix(u64_of(&step["now_unix"]));
            list_outcome(store.load_trust_list(&hex_of("list_hex"), now))
        }
        "load_revocations" => {
            let now = Timestamp::from_unix(u64_of(&step["now_unix"]));
            list_outcome(store.load_revocations(&hex_of("list_hex"), now))
        }
        "verify" => {
            let now = Timestamp::from_unix(u64_of(&step["now_unix"]));
            assert_eq!(step["now"].as_str(), Some(now.to_string().as_str()));
            let r = store.verify(step["text"].as_str().expect("text"), now);
            verify_outcome(step, &r, now)
        }
        "checkpoint" => json!({"checkpoint_hex": hex::encode(store.checkpoint().to_bytes())}),
        "restore_checkpoint" => match Checkpoint::from_bytes(&hex_of("checkpoint_hex")) {
            Ok(cp) => {
                store.restore(&cp);
                json!({"expect": "ok"})
            }
            Err(e) => json!({"expect": e.code().as_str()}),
        },
        "restart" => {
            *store = trust_store(scenario);
            json!({})
        }
        "state" => json!({
            "trust_list_sequence": store.trust_list().map(|i| i.sequence),
            "revocation_sequence": store.revocations().map(|i| i.sequence),
            "revoked_count": store.revoked_count(),
        }),
        other => panic!("unknown op {other}"),
    }
}

fn trust_scenarios() -> Vec<Value> {
    let doc = load("trust.json");
    for k in doc["keys"].as_array().expect("keys") {
        let public: [u8; 32] = hex_n(&k["public_key_hex"]);
        let seed: [u8; 32] = hex_n(&k["secret_seed_hex"]);
        assert_eq!(IssuerKey::from_secret_bytes(seed).public_key(), public);
        assert_eq!(
            KeyId::for_public_key(&public).to_string(),
            k["key_id_hex"].as_str().expect("key id")
        );
    }
    doc["scenarios"].as_array().expect("scenarios").clone()
}

#[test]
fn every_trust_scenario_runs_as_expected_step_by_step() {
    let scenarios = trust_scenarios();
    let mut failures = Vec::new();
    let mut codes = std::collections::BTreeSet::new();
    let mut steps = 0;
    for s in &scenarios {
        let mut store = trust_store(s);
        for (i, step) in s["steps"].as_array().expect("steps").iter().enumerate() {
            steps += 1;
            let got = run_trust_step(s, &mut store, step);
            let want = expected_outcome(step);
            if got != want {
                failures.push(format!(
                    "{} step {i} ({}): expected {want}, got {got}",
                    s["name"], step["note"]
                ));
            }
            if let Some(c) = want["expect"].as_str() {
                codes.insert(c.to_owned());
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Every outcome the issue asks the vectors to cover is there.
    for code in [
        "ok",
        "forged_list",
        "wrong_root",
        "rollback",
        "backdated_list",
        "delta_gap",
        "delta_out_of_order",
        "unknown_list_signer",
        "key_compromised",
        "key_not_accepted",
        "outside_signing_window",
        "revoked",
        "clock_behind",
        "revocations_behind",
        "invalid_checkpoint",
        "list_truncated",
        "list_wrong_magic",
        "list_unsupported_version",
        "list_unknown_kind",
        "list_zero_sequence",
        "list_next_update_not_after_issue",
        "list_delta_sequence_one",
        "list_base_state_on_full",
        "list_too_many_keys",
        "list_too_many_entries",
        "list_key_id_mismatch",
        "list_empty_signing_window",
        "list_empty_acceptance_window",
        "list_stray_compromise_time",
        "list_unknown_key_state",
        "list_keys_out_of_order",
        "list_subjects_out_of_order",
        "list_state_mismatch",
        "list_trailing_bytes",
        "list_from_future",
        "delta_wrong_base",
    ] {
        assert!(codes.contains(code), "no trust step expects {code}");
    }
    assert!(
        scenarios.len() >= 10 && steps >= 150,
        "{} scenarios, {steps} steps",
        scenarios.len()
    );
}

#[test]
fn every_trust_scenario_runs_as_expected_with_batched_verification() {
    let mut batched = 0;
    let mut failures = Vec::new();
    for s in &trust_scenarios() {
        let mut store = trust_store(s);
        let steps = s["steps"].as_array().expect("steps");
        let mut i = 0;
        while i < steps.len() {
            if steps[i]["op"] != "verify" {
                run_trust_step(s, &mut store, &steps[i]);
                i += 1;
                continue;
            }
            // A maximal run of verify steps at the same instant: one verify_batch call.
            let now = u64_of(&steps[i]["now_unix"]);
            let mut j = i;
            while j < steps.len()
                && steps[j]["op"] == "verify"
                && u64_of(&steps[j]["now_unix"]) == now
            {
                j += 1;
            }
            let texts: Vec<&str> = steps[i..j]
                .iter()
                .map(|st| st["text"].as_str().expect("text"))
                .collect();
            let now = Timestamp::from_unix(now);
            let results = store.verify_batch(&texts, now);
            assert_eq!(results.len(), j - i);
            for (step, r) in steps[i..j].iter().zip(&results) {
                let got = verify_outcome(step, r, now);
                if got != expected_outcome(step) {
                    failures.push(format!("{} (batch) {}: got {got}", s["name"], step["note"]));
                }
            }
            batched += usize::from(j - i > 1);
            i = j;
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(batched >= 3, "only {batched} runs of several verify steps");
}

// ---------------------------------------------------------------------------------------
// 5. Collection journal files: decoded and opened as journal.json states.

#[test]
fn journal_cases_read_as_stated() {
    let doc = load("journal.json");
    let cases = doc["cases"].as_array().unwrap();
    assert!(cases.len() >= 10);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let mut bytes = hex::decode(case["file_hex"].as_str().unwrap()).unwrap();
        bytes.resize(
            bytes.len() + case["zero_bytes_after"].as_u64().unwrap() as usize,
            0,
        );
        let expected = &case["expected"];
        let path =
            std::env::temp_dir().join(format!("qrseal-vectors-{}-{name}", std::process::id()));
        fs::write(&path, &bytes).unwrap();
        let opened = qrseal_journal::Journal::open(&path, qrseal_journal::Options::default());
        if let Some(code) = expected.get("error") {
            let err = qrseal_journal::decode(&bytes).unwrap_err();
            assert_eq!(err.code().as_str(), code.as_str().unwrap(), "{name}");
            assert_eq!(
                opened.unwrap_err().code().as_str(),
                code.as_str().unwrap(),
                "{name}"
            );
            assert_eq!(
                fs::read(&path).unwrap(),
                bytes,
                "{name}: refused file left unchanged"
            );
            fs::remove_file(&path).unwrap();
            continue;
        }
        let decoded = qrseal_journal::decode(&bytes).unwrap();
        let offsets: Vec<u64> = decoded.records.iter().map(|r| r.0).collect();
        let want: Vec<u64> = expected["records"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["offset"].as_u64().unwrap())
            .collect();
        assert_eq!(offsets, want, "{name}");
        let (j, recovery) = opened.unwrap();
        match &expected["tail"] {
            Value::Null => assert_eq!(recovery.dropped_bytes, 0, "{name}"),
            t => {
                assert_eq!(recovery.offset, t["offset"].as_u64().unwrap(), "{name}");
                assert_eq!(
                    recovery.dropped_bytes,
                    t["dropped_bytes"].as_u64().unwrap(),
                    "{name}"
                );
                assert_eq!(
                    recovery.reason.unwrap().as_str(),
                    t["reason"].as_str().unwrap()
                );
            }
        }
        let status = j.status().unwrap();
        assert_eq!(
            u64::from(status.scans),
            expected["scans"].as_u64().unwrap(),
            "{name}"
        );
        let pending: Vec<Value> = j
            .pending_batches()
            .unwrap()
            .into_iter()
            .map(|b| json!({"key": b.key, "json": String::from_utf8(b.json).unwrap()}))
            .collect();
        assert_eq!(Value::Array(pending), expected["pending"], "{name}");
        assert_eq!(
            status
                .open_tube
                .map(|t| json!({"tube": t.tube, "barcode": t.barcode, "samples": t.samples})),
            Some(expected["open_tube"].clone()).filter(|v| !v.is_null()),
            "{name}"
        );
        drop(j);
        fs::remove_file(&path).unwrap();
    }
}
