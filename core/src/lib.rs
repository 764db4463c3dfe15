//! The core of qrseal: the claims a health-status token carries, the v1 wire format that an
//! issuer signs and a scanner verifies offline, the two text forms (QR and URL), and QR
//! rendering behind the `render` feature. No keys and no clocks live here: signing is in
//! `qrseal-issuer`, verification in `qrseal-verifier`, and every time comes from the caller.
//! `no_std`; `alloc` adds the `String` encoders.
//!
//! ```
//! use qrseal_core::wire::MAX_BODY_LEN;
//! use qrseal_core::{text, Claims, Colour, KeyId, SubjectId, Timestamp, Token};
//!
//! let claims = Claims::new(
//!     SubjectId([7; 12]),
//!     Colour::Green,
//!     Timestamp::parse_rfc3339("2026-11-21T08:00:00Z")?,
//!     Timestamp::parse_rfc3339("2026-11-22T08:00:00Z")?,
//! );
//! let mut body = [0u8; MAX_BODY_LEN];
//! let n = qrseal_core::wire::encode_body(KeyId([1, 2, 3, 4]), &claims, &mut body)?;
//! // An issuer signs `signed_message(&body[..n])` and appends the 64-byte signature.
//! let mut token = body[..n].to_vec();
//! token.extend_from_slice(&[0u8; 64]);
//! let qr = text::encode_qr(&token);
//! assert!(qr.starts_with("QS:"));
//!
//! let mut buf = [0u8; qrseal_core::wire::MAX_TOKEN_LEN];
//! let (bytes, _form) = text::decode(&qr, &mut buf)?;
//! let parsed = Token::parse(bytes)?; // structure only: the signature is not checked here
//! assert_eq!(parsed.claims, claims);
//! # Ok::<(), qrseal_core::Error>(())
//! ```
//!
//! Features: `std` (default), `alloc`, `render` (PNG/SVG/terminal output via `qrcode` and
//! `image`).
#![no_std]
#![forbid(unsafe_code)]
// Library code returns errors; tests may unwrap (clippy.toml).
#![warn(clippy::unwrap_used, clippy::expect_used)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(all(test, not(feature = "alloc")))]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod base45;
mod claims;
mod error;
pub mod lists;
#[cfg(feature = "render")]
pub mod render;
pub mod text;
mod time;
pub mod wire;

pub use claims::{Claims, Colour, DisplayHint, SubjectId, TestRecord, TestResult, Vaccination};
pub use error::{Error, Field};
pub use time::{Date, Timestamp};
pub use wire::{KeyId, Token};
