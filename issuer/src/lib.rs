//! Issuing qrseal tokens: Ed25519 issuer keys (PKCS#8 PEM files, secrets wiped on drop),
//! keyed subject hashing of ID numbers, and [`Issuer::issue`] / [`Issuer::issue_batch`],
//! which sign the v1 token of `qrseal-core` with expiries spread per holder so a city's
//! tokens never expire at once. Verification lives in `qrseal-verifier`, which does not
//! depend on this crate: scanners ship no signing code.
//!
//! ```
//! use qrseal_core::{Colour, Timestamp};
//! use qrseal_issuer::{Issuer, IssuerKey, Status, SubjectSecret};
//!
//! let issuer = Issuer::new(IssuerKey::generate()?, SubjectSecret::generate()?);
//! let subject = issuer.subject("11010119900307888X")?;
//! let now = Timestamp::parse_rfc3339("2026-11-21T08:00:00Z")?;
//! let token = issuer.issue(&Status::new(subject, Colour::Green), now)?;
//! assert!(token.qr_text().starts_with("QS:"));
//! assert!(token.refresh_at() < token.claims().expires_at);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Key files: [`keyfile`].

#![forbid(unsafe_code)]
// Library code returns errors; tests may unwrap (clippy.toml).
#![warn(clippy::unwrap_used, clippy::expect_used)]

mod error;
mod issue;
mod key;
pub mod keyfile;
pub mod publish;

pub use error::Error;
pub use issue::{IssuedToken, Issuer, Status, TtlPolicy};
pub use key::{IssuerKey, MAX_ID_NUMBER_LEN, RootKey, SubjectSecret};
