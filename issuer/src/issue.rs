//! Issuing tokens, one at a time or a city at a time.

use qrseal_core::wire::{
    MAX_BODY_LEN, MAX_VALIDITY_SECS, SIGNING_DOMAIN, encode_body, signed_message,
};

use qrseal_core::{
    Claims, Colour, DisplayHint, SubjectId, TestRecord, Timestamp, Vaccination, text,
};
use rayon::prelude::*;

use crate::key::Sign as _;
use crate::{Error, IssuerKey, SubjectSecret};

/// How long tokens live, and how widely their expiries are spread.
///
/// A token issued at `now` expires at `now + ttl - spread(subject)`, where `spread(subject)`
/// is a value in `0..=spread_secs` fixed per holder (drawn from the keyed subject hash). A
/// whole city issued overnight therefore expires over a `spread_secs` window, not in the
/// same minute, and each holder's expiry stays put from day to day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TtlPolicy {
    /// Nominal lifetime, in seconds (at most 2^21-1, about 24 days).
    pub ttl_secs: u32,
    /// Width of the expiry spread, in seconds (less than `ttl_secs`).
    pub spread_secs: u32,
}

impl Default for TtlPolicy {
    /// 24 hours, spread over the last 3.
    fn default() -> Self {
        TtlPolicy {
            ttl_secs: 24 * 3600,
            spread_secs: 3 * 3600,
        }
    }
}

impl TtlPolicy {
    fn check(&self) -> Result<(), Error> {
        if self.ttl_secs == 0 || self.ttl_secs > MAX_VALIDITY_SECS {
            return Err(Error::InvalidTtl(
                "TTL must be between 1 s and 2^21-1 s (24 days)",
            ));
        }
        if self.spread_secs >= self.ttl_secs {
            return Err(Error::InvalidTtl(
                "the expiry spread must be shorter than the TTL",
            ));
        }
        Ok(())
    }

    /// The expiry of a token for `subject` issued at `now`.
    pub fn expiry(&self, subject: &SubjectId, now: Timestamp) -> Timestamp {
        let spread = subject.spread(u64::from(self.spread_secs) + 1);
        now.saturating_add(u64::from(self.ttl_secs).saturating_sub(spread))
    }
}

/// What the issuer knows about a holder at issue time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Status {
    /// Keyed hash of the ID number ([`Issuer::subject`]).
    pub subject: SubjectId,
    /// Status colour.
    pub colour: Colour,
    /// Latest test, if any (collected at or before the issue time).
    pub test: Option<TestRecord>,
    /// Vaccination, if any.
    pub vaccination: Option<Vaccination>,
    /// Masked name or ID for the gate.
    pub display_hint: Option<DisplayHint>,
}

impl Status {
    /// A status with only a colour.
    pub fn new(subject: SubjectId, colour: Colour) -> Status {
        Status {
            subject,
            colour,
            test: None,
            vaccination: None,
            display_hint: None,
        }
    }
}

/// A signed token and the claims it carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IssuedToken {
    bytes: Vec<u8>,
    claims: Claims,
}

impl IssuedToken {
    /// The binary token.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The claims signed.
    pub fn claims(&self) -> &Claims {
        &self.claims
    }

    /// The QR text form (`QS:` + base45).
    pub fn qr_text(&self) -> String {
        text::encode_qr(&self.bytes)
    }

    /// The URL text form (base64url).
    pub fn url_text(&self) -> String {
        text::encode_url(&self.bytes)
    }

    /// When the holder's app should refresh in the background ([`Claims::refresh_at`]).
    pub fn refresh_at(&self) -> Timestamp {
        self.claims.refresh_at()
    }
}

/// Signs tokens with one issuer key. Stateless: any number of processes holding the same
/// keys issue interchangeable tokens.
#[derive(Debug)]
pub struct Issuer {
    key: IssuerKey,
    subject_secret: SubjectSecret,
    ttl: TtlPolicy,
}

impl Issuer {
    /// An issuer with the default [`TtlPolicy`].
    pub fn new(key: IssuerKey, subject_secret: SubjectSecret) -> Issuer {
        Issuer {
            key,
            subject_secret,
            ttl: TtlPolicy::default(),
        }
    }

    /// Replaces the TTL policy.
    pub fn with_ttl(mut self, ttl: TtlPolicy) -> Result<Issuer, Error> {
        ttl.check()?;
        self.ttl = ttl;
        Ok(self)
    }

    /// The signing key.
    pub fn key(&self) -> &IssuerKey {
        &self.key
    }

    /// The TTL policy.
    pub fn ttl(&self) -> TtlPolicy {
        self.ttl
    }

    /// The subject id for an ID number ([`SubjectSecret::subject_for`]).
    pub fn subject(&self, id_number: &str) -> Result<SubjectId, Error> {
        self.subject_secret.subject_for(id_number)
    }

    /// Signs a token for `status`, issued at `now`.
    pub fn issue(&self, status: &Status, now: Timestamp) -> Result<IssuedToken, Error> {
        let claims = Claims {
            subject: status.subject,
            colour: status.colour,
            test: status.test,
            vaccination: status.vaccination,
            issued_at: now,
            expires_at: self.ttl.expiry(&status.subject, now),
            display_hint: status.display_hint,
        };
        // The message is the domain followed by the body; build it in place so signing
        // copies nothing to the heap but the finished token.
        let mut message = [0u8; SIGNING_DOMAIN.len() + MAX_BODY_LEN];
        message[..SIGNING_DOMAIN.len()].copy_from_slice(SIGNING_DOMAIN);
        let body: &mut [u8; MAX_BODY_LEN] = (&mut message[SIGNING_DOMAIN.len()..])
            .try_into()
            .map_err(|_| Error::KeyEncoding("message buffer"))?;
        let n = encode_body(self.key.key_id(), &claims, body)?;
        debug_assert_eq!(
            signed_message(&body[..n]).concat(),
            message[..SIGNING_DOMAIN.len() + n]
        );
        let signature = self.key.sign(&message[..SIGNING_DOMAIN.len() + n]);
        let mut bytes = Vec::with_capacity(n + signature.len());
        bytes.extend_from_slice(&message[SIGNING_DOMAIN.len()..SIGNING_DOMAIN.len() + n]);
        bytes.extend_from_slice(&signature);
        Ok(IssuedToken { bytes, claims })
    }

    /// Signs a token for each status on every core (for pre-issuing a city's tokens
    /// overnight). Results come back in input order.
    pub fn issue_batch(
        &self,
        statuses: &[Status],
        now: Timestamp,
    ) -> Vec<Result<IssuedToken, Error>> {
        statuses
            .par_iter()
            .with_min_len(64)
            .map(|s| self.issue(s, now))
            .collect()
    }
}
