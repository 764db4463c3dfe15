//! The verifier: trusted keys in, verified claims or a named rejection out.

use alloc::vec::Vec;
use core::time::Duration;

use qrseal_core::wire::{MAX_TOKEN_LEN, signed_message};

use qrseal_core::{KeyId, Timestamp, Token, text};

use crate::signature::{Prepared, batch_equation, verify_parts};
use crate::{Error, TrustedKey, Verified};

/// Inserts `key` into `keys`, which stay sorted by key id and then public key, one entry a
/// public key: of keys given twice, the first given is kept.
///
/// Not a sort of the collected keys: each iterator type `Verifier::new` is called with made
/// its own copy of std's stable sort (27 KB of WebAssembly each, where the verify-only
/// module's whole budget is 50 KB compressed). Keys arrive in order from a trust list (at
/// most 1024), so each insertion is a binary search and a push; keys given out of order cost
/// one `memmove` of the keys after the insertion point each.
fn insert_key(keys: &mut Vec<TrustedKey>, key: TrustedKey) {
    let order = |k: &TrustedKey| (k.key_id(), *k.public_key());
    let new = order(&key);
    let at = keys.partition_point(|k| order(k) < new);
    // The key id is a function of the public key, so an equal key sorts exactly here.
    if keys
        .get(at)
        .is_some_and(|k| k.public_key() == key.public_key())
    {
        return;
    }
    keys.insert(at, key);
}

/// How many signatures one batch equation covers. Larger batches amortise more, but a bad
/// token makes its whole batch fall back to one-by-one checks.
const BATCH_CHUNK: usize = 64;

/// Verifies tokens offline against a fixed set of trusted issuer keys.
///
/// Keys are parsed once, when the verifier is built; [`Verifier::verify`] then neither
/// allocates nor parses keys. Time always comes from the caller.
#[derive(Clone, Debug)]
pub struct Verifier {
    // Sorted by key id, so lookups are a binary search and ids shared by two keys (4-byte ids
    // can collide) sit side by side.
    keys: Vec<TrustedKey>,
    skew_secs: u64,
}

impl Verifier {
    /// The clock skew tolerated by default: 5 minutes either way.
    pub const DEFAULT_CLOCK_SKEW: Duration = Duration::from_secs(300);

    /// A verifier trusting `keys`, with the default clock skew.
    ///
    /// Keys given in key-id order (a trust list's) cost a binary search each; each key given
    /// out of order moves the keys after its place, so `n` keys in random order cost about
    /// `n²/4` moves: milliseconds for a trust list's maximum of 1024, meant for a handful.
    pub fn new(keys: impl IntoIterator<Item = TrustedKey>) -> Verifier {
        let mut sorted = Vec::new();
        for key in keys {
            insert_key(&mut sorted, key);
        }
        Verifier {
            keys: sorted,
            skew_secs: Self::DEFAULT_CLOCK_SKEW.as_secs(),
        }
    }

    /// Sets the tolerated clock skew (whole seconds count): a token is accepted from `skew`
    /// before its issue time until `skew` after its expiry.
    pub fn with_clock_skew(mut self, skew: Duration) -> Verifier {
        self.skew_secs = skew.as_secs();
        self
    }

    /// The tolerated clock skew.
    pub fn clock_skew(&self) -> Duration {
        Duration::from_secs(self.skew_secs)
    }

    pub(crate) fn skew_secs(&self) -> u64 {
        self.skew_secs
    }

    /// The trusted keys, sorted by key id.
    pub fn keys(&self) -> &[TrustedKey] {
        &self.keys
    }

    pub(crate) fn keys_for(&self, id: KeyId) -> &[TrustedKey] {
        let start = self.keys.partition_point(|k| k.key_id() < id);
        let end = start + self.keys[start..].partition_point(|k| k.key_id() == id);
        &self.keys[start..end]
    }

    /// Verifies a token in either text form (QR or URL) at `now`.
    ///
    /// Checks, cheapest first: text length and encoding; token structure, version and
    /// canonical form; that the key id is trusted and, for keys from a trust list, that the
    /// key is not compromised, is accepted at `now` and was allowed to sign at the token's
    /// issue time; the validity window (with clock skew); and last the signature. Never
    /// allocates.
    pub fn verify(&self, token_text: &str, now: Timestamp) -> Result<Verified, Error> {
        let mut buf = [0u8; MAX_TOKEN_LEN];
        let (bytes, _) = text::decode(token_text, &mut buf)?;
        self.verify_bytes(bytes, now)
    }

    /// Verifies a binary token at `now`; see [`Verifier::verify`].
    pub fn verify_bytes(&self, token: &[u8], now: Timestamp) -> Result<Verified, Error> {
        let (token, keys) = self.precheck(token, now)?;
        let parts = signed_message(token.body);
        let issued_at = token.claims.issued_at;
        for key in keys {
            if key.allows(issued_at, now, self.skew_secs).is_err() {
                continue;
            }
            if verify_parts(key, &parts, token.signature) {
                return Ok(Verified::keys_only(token.claims));
            }
        }
        Err(Error::BadSignature)
    }

    /// Everything but the signature.
    fn precheck<'t>(
        &self,
        bytes: &'t [u8],
        now: Timestamp,
    ) -> Result<(Token<'t>, &[TrustedKey]), Error> {
        let token = Token::parse(bytes)?;
        let keys = self.keys_for(token.key_id);
        let c = &token.claims;
        // The trust list's word on the key: the first key's refusal is reported unless
        // another key with the same id allows the token.
        let mut verdicts = keys
            .iter()
            .map(|key| key.allows(c.issued_at, now, self.skew_secs));
        let first = verdicts
            .next()
            .unwrap_or(Err(Error::UnknownKey(token.key_id)));
        if first.is_err() && !verdicts.any(|v| v.is_ok()) {
            first?;
        }
        if now >= c.expires_at.saturating_add(self.skew_secs) {
            return Err(Error::Expired {
                by: Duration::from_secs(now.seconds_since(c.expires_at)),
            });
        }
        if now.saturating_add(self.skew_secs) < c.issued_at {
            return Err(Error::NotYetValid {
                by: Duration::from_secs(c.issued_at.seconds_since(now)),
            });
        }
        Ok((token, keys))
    }

    /// Verifies many tokens (either text form) at `now`, for servers. Returns one result per
    /// input, in order, each exactly what [`Verifier::verify`] would return for it.
    ///
    /// Signatures are checked together with one batch equation per group of 64 (about twice
    /// as fast per token as one at a time); a group that fails is re-checked token by token
    /// so that only the bad tokens are rejected.
    pub fn verify_batch(
        &self,
        token_texts: &[&str],
        now: Timestamp,
    ) -> Vec<Result<Verified, Error>> {
        let mut results = Vec::with_capacity(token_texts.len());
        for chunk in token_texts.chunks(BATCH_CHUNK) {
            self.verify_chunk(chunk, now, &mut results);
        }
        results
    }

    fn verify_chunk(
        &self,
        texts: &[&str],
        now: Timestamp,
        results: &mut Vec<Result<Verified, Error>>,
    ) {
        let first = results.len();
        let mut bufs = [[0u8; MAX_TOKEN_LEN]; BATCH_CHUNK];
        // Candidates for the batch equation, and the result slot of each.
        let mut batch: Vec<(&TrustedKey, Prepared)> = Vec::with_capacity(texts.len());
        let mut slots: Vec<usize> = Vec::with_capacity(texts.len());
        for (i, (text, buf)) in texts.iter().zip(bufs.iter_mut()).enumerate() {
            let outcome = text::decode(text, buf)
                .map_err(Error::from)
                .and_then(|(bytes, _)| self.precheck(bytes, now));
            match outcome {
                Err(e) => results.push(Err(e)),
                // A key id shared by two trusted keys: leave it to the one-by-one path.
                Ok((token, [key])) => {
                    match Prepared::new(key, &signed_message(token.body), token.signature) {
                        Some(p) => {
                            results.push(Ok(Verified::keys_only(token.claims)));
                            batch.push((key, p));
                            slots.push(first + i);
                        }
                        None => results.push(Err(Error::BadSignature)),
                    }
                }
                Ok(_) => results.push(self.verify(text, now)),
            }
        }
        if batch_equation(&batch) {
            return;
        }
        for ((key, p), slot) in batch.iter().zip(slots) {
            if !p.verify(key) {
                results[slot] = Err(Error::BadSignature);
            }
        }
    }
}
