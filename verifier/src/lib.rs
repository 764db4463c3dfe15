//! Offline verification of qrseal tokens: a [`Verifier`] built from trusted issuer public keys
//! checks a token's text (QR or URL form) at a caller-given `now` and returns its claims or a
//! rejection naming the reason; a [`Policy`] turns claims into admit or deny. No signing code
//! lives here, so a scanner ships none. `no_std` + `alloc`; the `image` feature adds reading
//! QR symbols from PNG/JPEG files and camera frames.
//!
//! ```
//! use qrseal_core::{Colour, Timestamp};
//! use qrseal_issuer::{IssuerKey, Issuer, Status, SubjectSecret, TtlPolicy};
//! use qrseal_verifier::{Policy, TrustedKey, Verifier};
//!
//! // Issuer side (normally another machine).
//! let key = IssuerKey::from_secret_bytes([1; 32]);
//! let issuer = Issuer::new(key, SubjectSecret::from_bytes([2; 32]));
//! let now = Timestamp::parse_rfc3339("2026-11-21T08:00:00Z")?;
//! let subject = issuer.subject("110101199003078888")?;
//! let token = issuer.issue(&Status::new(subject, Colour::Green), now)?;
//!
//! // Scanner side: trusts the issuer's public key, nothing else.
//! let verifier = Verifier::new([TrustedKey::from_bytes(&issuer.key().public_key())?]);
//! let verified = verifier.verify(&token.qr_text(), now)?;
//! assert_eq!(verified.claims.colour, Colour::Green);
//! assert!(Policy::default().evaluate(&verified, now).admitted());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! A scanner that follows key rotation and revocation holds a [`TrustStore`] instead: it pins
//! the root public key, installs root-signed trust lists and issuer-signed revocation lists
//! (full or delta) with rollback protection, keeps a clock floor, and flags stale trust data
//! for the [`Policy`] to decide on. See its documentation for an example.
//!
//! Every rejection ([`Error`]) and every policy denial ([`Denial`]) names its row of the one
//! error table every host shares ([`Code`]: a stable string and number, a [`Category`] that
//! says what a checkpoint does about it, and a message in English and Chinese); the Rust
//! types carry the details. A [`TrustStore`] verifies through `&self`, so one store serves
//! several scanner threads.
//!
//! Features: `std` (default); `image` (decode QR symbols from images, via `image` + `rxing`).
//! Signature rule: see [`signature`].
#![no_std]
#![forbid(unsafe_code)]
// Library code returns errors; tests may unwrap (clippy.toml).
#![warn(clippy::unwrap_used, clippy::expect_used)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

mod code;
mod error;
#[cfg(feature = "image")]
pub mod frame;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
mod key;
mod policy;
mod revocations;
pub mod signature;
mod store;
mod verifier;

pub use code::{Category, Code, Language};
pub use error::{Error, KeyDefect};
pub use key::TrustedKey;
pub use policy::{ColourSet, Decision, Denial, Hours, Policy};
pub use store::{Checkpoint, Stale, TrustData, TrustStore, Verified};
pub use verifier::Verifier;
