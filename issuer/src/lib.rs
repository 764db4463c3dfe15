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
//! Key files, written crash-safely and refused when others could read them: [`keyfile`].
//! Display hints from typed text, normalised to NFC: [`display_hint`].
//! Revocation publishing: [`revocation::RevocationPublisher`] (numbering, merging, checking
//! the list built on), and on disk [`revocation_dir`].
//!
//! Features: `files` (default) adds everything that touches the file system: key files
//! ([`keyfile`]) and the revocation directory ([`revocation_dir`]). Without it the crate
//! holds only in-memory signing and publishing, for services that keep keys elsewhere.

#![forbid(unsafe_code)]
// Library code returns errors; tests may unwrap (clippy.toml).
#![warn(clippy::unwrap_used, clippy::expect_used)]

mod error;
mod hint;
mod issue;
mod key;
#[cfg(feature = "files")]
pub mod keyfile;
pub mod publish;
pub mod revocation;
#[cfg(feature = "files")]
pub mod revocation_dir;

pub use error::Error;
pub use hint::display_hint;
pub use issue::{IssuedToken, Issuer, Status, TtlPolicy};
pub use key::{IssuerKey, MAX_ID_NUMBER_LEN, RootKey, SubjectSecret};
