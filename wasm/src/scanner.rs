//! Scanner pages: verification against issuer keys or a pinned root, and the policy.

use core::str::FromStr;
use core::time::Duration;

use qrseal_core::Colour;
use qrseal_core::wire::PUBLIC_KEY_LEN;
use qrseal_verifier::{
    Checkpoint, Code, ColourSet, Error, TrustData, TrustStore, TrustedKey, Verified, Verifier,
};
use wasm_bindgen::prelude::*;

use crate::reason::{Reason, js_seconds, seconds, throw, throw_core, timestamp};
use crate::token::Claims;

/// What a checkpoint requires of a verified token (colours, a recent negative test, doses,
/// fresh trust data, revocation data). A new one is qrseal's default: green only, no test
/// or dose requirement, trust data at most 72 hours past its next update, revocation data
/// not required.
#[wasm_bindgen]
#[derive(Clone, Debug, Default)]
pub struct Policy {
    inner: qrseal_verifier::Policy,
}

#[wasm_bindgen]
impl Policy {
    /// The default policy.
    #[wasm_bindgen(constructor)]
    pub fn new() -> Policy {
        Policy::default()
    }

    /// Admits exactly these colours (`green`, `yellow`, `red`, `dark-red`). Throws (code
    /// `unencodable`) for a name that is not a colour.
    #[wasm_bindgen(js_name = acceptColours)]
    pub fn accept_colours(&mut self, colours: Vec<String>) -> Result<(), JsValue> {
        let mut set = ColourSet::EMPTY;
        for name in &colours {
            set = set.with(Colour::from_str(name).map_err(throw_core)?);
        }
        self.inner = self.inner.accept(set);
        Ok(())
    }

    /// Requires a negative test collected at most `secs` seconds before `now`;
    /// `undefined` removes the requirement.
    #[wasm_bindgen(js_name = setMaxTestAge)]
    pub fn set_max_test_age(&mut self, secs: Option<f64>) -> Result<(), JsValue> {
        self.inner.max_test_age = duration(secs, "maxTestAge")?;
        Ok(())
    }

    /// Requires at least `doses` vaccine doses (0: no requirement).
    #[wasm_bindgen(js_name = setMinDoses)]
    pub fn set_min_doses(&mut self, doses: u8) {
        self.inner = self.inner.min_doses(doses);
    }

    /// Denies when the trust data is more than `secs` seconds past its next update;
    /// `undefined`: stale data never denies.
    #[wasm_bindgen(js_name = setMaxStale)]
    pub fn set_max_stale(&mut self, secs: Option<f64>) -> Result<(), JsValue> {
        self.inner = self.inner.max_stale(duration(secs, "maxStale")?);
        Ok(())
    }

    /// Denies tokens verified without revocation data.
    #[wasm_bindgen(js_name = setRequireRevocations)]
    pub fn set_require_revocations(&mut self, required: bool) {
        self.inner = self.inner.require_revocations(required);
    }
}

fn duration(secs: Option<f64>, what: &str) -> Result<Option<Duration>, JsValue> {
    secs.map(|s| seconds(s, what).map(Duration::from_secs))
        .transpose()
}

/// The answer to one scan: whether the token verified, whether the policy admits it, and
/// why not.
#[wasm_bindgen(getter_with_clone)]
#[derive(Clone, Debug)]
pub struct Verdict {
    /// The token verified (signature, key, dates, revocation).
    pub valid: bool,
    /// The token verified and the policy admits it: the one flag a gate acts on.
    pub admitted: bool,
    /// Why the token did not verify (`undefined` when `valid`).
    pub error: Option<Reason>,
    /// The verified claims (`undefined` unless `valid`).
    pub claims: Option<Claims>,
    /// Every reason the policy denies a valid token, in the order colour, test,
    /// vaccination, stale trust data, missing revocation data; empty when admitted.
    pub denials: Vec<Reason>,
    /// Which trust data is stale (`trust_list` or `revocations`), if any: the token
    /// verified against data that may be out of date.
    pub stale: Option<String>,
    /// How long the stale data is past its next update, seconds.
    #[wasm_bindgen(js_name = staleOverdue)]
    pub stale_overdue: Option<f64>,
}

impl Verdict {
    fn of(result: Result<Verified, Error>, policy: &qrseal_verifier::Policy, now: u64) -> Verdict {
        match result {
            Err(e) => Verdict {
                valid: false,
                admitted: false,
                error: Some(Reason::new(e.code(), &e)),
                claims: None,
                denials: Vec::new(),
                stale: None,
                stale_overdue: None,
            },
            Ok(verified) => {
                let decision = policy.evaluate(&verified, qrseal_core::Timestamp::from_unix(now));
                Verdict {
                    valid: true,
                    admitted: decision.admitted(),
                    error: None,
                    claims: Some(Claims::new(&verified.claims)),
                    denials: decision
                        .denials()
                        .map(|d| Reason::new(d.code(), &d))
                        .collect(),
                    stale: verified.stale.map(|s| {
                        match s.data {
                            TrustData::TrustList => "trust_list",
                            TrustData::Revocations => "revocations",
                        }
                        .into()
                    }),
                    stale_overdue: verified.stale.map(|s| s.overdue.as_secs() as f64),
                }
            }
        }
    }
}

/// A scanner that trusts a fixed set of issuer public keys: no trust list, no revocations.
/// Add keys with [`Scanner::add_key`] or [`Scanner::add_key_pem`], then verify.
#[wasm_bindgen]
#[derive(Clone, Debug)]
pub struct Scanner {
    keys: Vec<TrustedKey>,
    verifier: Verifier,
    policy: qrseal_verifier::Policy,
}

#[wasm_bindgen]
impl Scanner {
    /// A scanner trusting no key yet, tolerating `clock_skew` seconds of clock difference
    /// (`undefined`: qrseal's default, 300 s) and using the default [`Policy`].
    #[wasm_bindgen(constructor)]
    pub fn new(clock_skew: Option<f64>) -> Result<Scanner, JsValue> {
        let skew = duration(clock_skew, "clockSkew")?.unwrap_or(Verifier::DEFAULT_CLOCK_SKEW);
        Ok(Scanner {
            keys: Vec::new(),
            verifier: Verifier::new([]).with_clock_skew(skew),
            policy: qrseal_verifier::Policy::default(),
        })
    }

    /// Trusts an issuer public key given as its 32 raw bytes. Throws (code `invalid_key`)
    /// for a wrong length or a weak key.
    #[wasm_bindgen(js_name = addKey)]
    pub fn add_key(&mut self, public_key: &[u8]) -> Result<(), JsValue> {
        let key = raw_key(public_key)?;
        self.trust(TrustedKey::from_bytes(&key).map_err(throw)?);
        Ok(())
    }

    /// Trusts an issuer public key given as PEM text (`-----BEGIN PUBLIC KEY-----`, as
    /// `qrseal keygen` writes it). Throws (code `invalid_key`) for anything else.
    #[wasm_bindgen(js_name = addKeyPem)]
    pub fn add_key_pem(&mut self, pem: &str) -> Result<(), JsValue> {
        self.trust(TrustedKey::from_public_key_pem(pem).map_err(throw)?);
        Ok(())
    }

    /// Uses `policy` (copied) for the verdicts from now on.
    #[wasm_bindgen(js_name = setPolicy)]
    pub fn set_policy(&mut self, policy: &Policy) {
        self.policy = policy.inner;
    }

    /// Verifies a token's text (QR or URL form) at `now` (Unix seconds) and evaluates the
    /// policy. Throws only for a `now` that is not whole seconds (code `invalid_time`).
    pub fn verify(&self, text: &str, now: f64) -> Result<Verdict, JsValue> {
        let t = timestamp(now, "now")?;
        Ok(Verdict::of(
            self.verifier.verify(text, t),
            &self.policy,
            t.unix(),
        ))
    }

    /// Verifies a binary token at `now`, like [`Scanner::verify`].
    #[wasm_bindgen(js_name = verifyBytes)]
    pub fn verify_bytes(&self, token: &[u8], now: f64) -> Result<Verdict, JsValue> {
        let t = timestamp(now, "now")?;
        Ok(Verdict::of(
            self.verifier.verify_bytes(token, t),
            &self.policy,
            t.unix(),
        ))
    }

    fn trust(&mut self, key: TrustedKey) {
        self.keys.push(key);
        self.verifier =
            Verifier::new(self.keys.iter().cloned()).with_clock_skew(self.verifier.clock_skew());
    }
}

/// The header of a list a [`TrustScanner`] accepted.
#[wasm_bindgen]
#[derive(Clone, Copy, Debug)]
pub struct ListInfo {
    /// The list's sequence number (exact below 2^53).
    pub sequence: f64,
    /// When it was signed, Unix seconds.
    #[wasm_bindgen(js_name = issuedAt)]
    pub issued_at: f64,
    /// When a newer list will have been published, Unix seconds.
    #[wasm_bindgen(js_name = nextUpdateBy)]
    pub next_update_by: f64,
}

impl From<qrseal_core::lists::ListInfo> for ListInfo {
    fn from(info: qrseal_core::lists::ListInfo) -> Self {
        ListInfo {
            sequence: info.sequence as f64,
            issued_at: js_seconds(info.issued_at),
            next_update_by: js_seconds(info.next_update_by),
        }
    }
}

/// A scanner that pins a root public key and follows the issuer keys, rotations and
/// revocations it signs: load a trust list and revocation lists (bytes, as published),
/// keep [`TrustScanner::checkpoint`] across restarts, verify.
#[wasm_bindgen]
#[derive(Debug)]
pub struct TrustScanner {
    store: TrustStore,
    policy: qrseal_verifier::Policy,
}

#[wasm_bindgen]
impl TrustScanner {
    /// A scanner pinning the root public key (32 raw bytes), tolerating `clock_skew`
    /// seconds (`undefined`: 300) and treating data as fresh for `grace` seconds past its
    /// next update (`undefined`: 24 hours). Throws (code `invalid_key`) for a bad key.
    #[wasm_bindgen(constructor)]
    pub fn new(
        root_public_key: &[u8],
        clock_skew: Option<f64>,
        grace: Option<f64>,
    ) -> Result<TrustScanner, JsValue> {
        let key = raw_key(root_public_key)?;
        let root = TrustedKey::from_bytes(&key).map_err(throw)?;
        TrustScanner::pinning(root, clock_skew, grace)
    }

    /// Like the constructor, with the root public key as PEM text.
    #[wasm_bindgen(js_name = fromPem)]
    pub fn from_pem(
        root_pem: &str,
        clock_skew: Option<f64>,
        grace: Option<f64>,
    ) -> Result<TrustScanner, JsValue> {
        let root = TrustedKey::from_public_key_pem(root_pem).map_err(throw)?;
        TrustScanner::pinning(root, clock_skew, grace)
    }

    fn pinning(
        root: TrustedKey,
        clock_skew: Option<f64>,
        grace: Option<f64>,
    ) -> Result<TrustScanner, JsValue> {
        let skew = duration(clock_skew, "clockSkew")?.unwrap_or(Verifier::DEFAULT_CLOCK_SKEW);
        let grace = duration(grace, "grace")?.unwrap_or(TrustStore::DEFAULT_GRACE);
        Ok(TrustScanner {
            store: TrustStore::new(root)
                .with_clock_skew(skew)
                .with_grace(grace),
            policy: qrseal_verifier::Policy::default(),
        })
    }

    /// Installs a root-signed trust list at `now`. Throws with the list's refusal code
    /// (`forged_list`, `rollback`, ...); a refused list changes nothing.
    #[wasm_bindgen(js_name = loadTrustList)]
    pub fn load_trust_list(&mut self, bytes: &[u8], now: f64) -> Result<ListInfo, JsValue> {
        let now = timestamp(now, "now")?;
        self.store
            .load_trust_list(bytes, now)
            .map(ListInfo::from)
            .map_err(throw)
    }

    /// Installs an issuer-signed revocation list (full or delta) at `now`. Throws with the
    /// list's refusal code; a refused list changes nothing.
    #[wasm_bindgen(js_name = loadRevocations)]
    pub fn load_revocations(&mut self, bytes: &[u8], now: f64) -> Result<ListInfo, JsValue> {
        let now = timestamp(now, "now")?;
        self.store
            .load_revocations(bytes, now)
            .map(ListInfo::from)
            .map_err(throw)
    }

    /// The state to keep across restarts (clock floor, list sequences): 44 bytes, to store
    /// and pass to [`TrustScanner::restore_checkpoint`] after a restart.
    pub fn checkpoint(&self) -> Vec<u8> {
        self.store.checkpoint().to_bytes().to_vec()
    }

    /// Raises the clock floor and the sequences to a saved checkpoint's. Throws (code
    /// `invalid_checkpoint`) for bytes that are not one; the scanner is then unchanged.
    #[wasm_bindgen(js_name = restoreCheckpoint)]
    pub fn restore_checkpoint(&mut self, bytes: &[u8]) -> Result<(), JsValue> {
        let saved = Checkpoint::from_bytes(bytes).map_err(throw)?;
        self.store.restore(&saved);
        Ok(())
    }

    /// The sequence of the trust list held, if any.
    #[wasm_bindgen(getter, js_name = trustListSequence)]
    pub fn trust_list_sequence(&self) -> Option<f64> {
        self.store.trust_list().map(|i| i.sequence as f64)
    }

    /// The sequence of the revocation data held, if any.
    #[wasm_bindgen(getter, js_name = revocationSequence)]
    pub fn revocation_sequence(&self) -> Option<f64> {
        self.store.revocations().map(|i| i.sequence as f64)
    }

    /// How many subjects the revocation set holds.
    #[wasm_bindgen(getter, js_name = revokedCount)]
    pub fn revoked_count(&self) -> f64 {
        self.store.revoked_count() as f64
    }

    /// Uses `policy` (copied) for the verdicts from now on.
    #[wasm_bindgen(js_name = setPolicy)]
    pub fn set_policy(&mut self, policy: &Policy) {
        self.policy = policy.inner;
    }

    /// Verifies a token's text at `now` against the trust data (keys, windows, revocations,
    /// clock floor) and evaluates the policy. Throws only for a `now` that is not whole
    /// seconds (code `invalid_time`).
    pub fn verify(&self, text: &str, now: f64) -> Result<Verdict, JsValue> {
        let t = timestamp(now, "now")?;
        Ok(Verdict::of(
            self.store.verify(text, t),
            &self.policy,
            t.unix(),
        ))
    }
}

fn raw_key(bytes: &[u8]) -> Result<[u8; PUBLIC_KEY_LEN], JsValue> {
    <[u8; PUBLIC_KEY_LEN]>::try_from(bytes).map_err(|_| {
        Reason::new(
            Code::InvalidKey,
            &format_args!(
                "a public key is {PUBLIC_KEY_LEN} bytes, got {}",
                bytes.len()
            ),
        )
        .into_js_error()
    })
}

/// Plain Ed25519 under qrseal's acceptance rule (docs/SPEC.md, "Signature"; no qrseal
/// domain): true iff `signature` (64 bytes) is valid for `message` under `public_key` (32
/// bytes). A key qrseal refuses to load, or a wrong length, gives false.
#[wasm_bindgen(js_name = verifyEd25519)]
pub fn verify_ed25519(public_key: &[u8], message: &[u8], signature: &[u8]) -> bool {
    let (Ok(key), Ok(signature)) = (
        <&[u8; PUBLIC_KEY_LEN]>::try_from(public_key),
        <&[u8; 64]>::try_from(signature),
    ) else {
        return false;
    };
    TrustedKey::from_bytes(key)
        .is_ok_and(|key| qrseal_verifier::signature::verify(&key, message, signature))
}
