//! Issuing tokens, one at a time or a city at a time.

use qrseal_core::wire::{
    MAX_BODY_LEN, MAX_TEST_AGE_SECS, MAX_VALIDITY_SECS, SIGNING_DOMAIN, encode_body, signed_message,
};

use core::time::Duration;
use qrseal_core::{
    Claims, Colour, DisplayHint, SubjectId, TestRecord, Timestamp, Vaccination, text,
};

use rayon::prelude::*;

use crate::key::Sign as _;
use crate::{Error, IssuerKey, SubjectSecret};

/// How long tokens live, and how widely their expiries are spread.
///
/// A token issued at `now` expires at `now + ttl - spread(subject)`, where `spread(subject)`
/// is a whole number of seconds in `0..=spread` fixed per holder (drawn from the keyed
/// subject hash). A whole city issued overnight therefore expires over a `spread` window,
/// not in the same minute, and each holder's expiry stays put from day to day. Durations
/// count in whole seconds. Fields may be added: build one with [`TtlPolicy::new`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TtlPolicy {
    /// Nominal lifetime (1 s to 2^21-1 s, about 24 days).
    pub ttl: Duration,
    /// Width of the expiry spread (shorter than `ttl`).
    pub spread: Duration,
}

impl Default for TtlPolicy {
    /// 24 hours, spread over the last 3.
    fn default() -> Self {
        TtlPolicy::new(
            Duration::from_secs(24 * 3600),
            Duration::from_secs(3 * 3600),
        )
    }
}

impl TtlPolicy {
    /// Tokens living `ttl`, their expiries spread over the last `spread` of it. Checked
    /// when given to [`Issuer::with_ttl`].
    pub const fn new(ttl: Duration, spread: Duration) -> TtlPolicy {
        TtlPolicy { ttl, spread }
    }

    fn check(&self) -> Result<(), Error> {
        let ttl = self.ttl.as_secs();
        if ttl == 0 || ttl > u64::from(MAX_VALIDITY_SECS) {
            return Err(Error::InvalidTtl(
                "TTL must be between 1 s and 2^21-1 s (24 days)",
            ));
        }
        if self.spread.as_secs() >= ttl {
            return Err(Error::InvalidTtl(
                "the expiry spread must be shorter than the TTL",
            ));
        }
        Ok(())
    }

    /// The expiry of a token for `subject` issued at `now`.
    pub fn expiry(&self, subject: &SubjectId, now: Timestamp) -> Timestamp {
        let spread = subject.spread(self.spread.as_secs().saturating_add(1));
        now.saturating_add(self.ttl.as_secs().saturating_sub(spread))
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

    /// Signs a token for `status`, issued at `now`. A last vaccine dose dated after `now`'s
    /// date (in UTC, plus one day for time zones east of it) is refused: it cannot have
    /// happened yet, and is a typing mistake. A test collected more than
    /// [`MAX_TEST_AGE_SECS`] before `now` is left out of the token (v1 cannot carry it, and
    /// no checkpoint policy would accept it): the rest of the status is still issued.
    pub fn issue(&self, status: &Status, now: Timestamp) -> Result<IssuedToken, Error> {
        if let (Some(v), Some(today)) = (status.vaccination, now.date())
            && v.last_dose.days_since_epoch() > today.days_since_epoch().saturating_add(1)
        {
            return Err(Error::InvalidStatus(
                "the last vaccine dose is dated after the issue date",
            ));
        }
        let claims = Claims::new(
            status.subject,
            status.colour,
            now,
            self.ttl.expiry(&status.subject, now),
        )
        .with_test(status.test.filter(|t| {
            now.unix().saturating_sub(t.collected_at.unix()) <= u64::from(MAX_TEST_AGE_SECS)
        }))
        .with_vaccination(status.vaccination)
        .with_display_hint(status.display_hint);
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
