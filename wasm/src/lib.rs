//! qrseal for web and mini-program pages, compiled to WebAssembly with wasm-bindgen: a
//! [`Scanner`] (issuer keys) or [`TrustScanner`] (a pinned root key with trust and
//! revocation lists) verifies a token's text offline at a `now` the page passes in, and a
//! holder page reads its own token ([`read_token`]) and draws it ([`render_svg`],
//! [`render_matrix`]). Marshalling only: every rule lives in `qrseal-core` and
//! `qrseal-verifier`, and every failure carries a row of the shared error table
//! (`qrseal_verifier::Code`).
//!
//! At the boundary: times are seconds since the Unix epoch as JavaScript `number`s (whole,
//! at most 2^53), keys and lists are `Uint8Array`s, texts are strings. Functions that can
//! only fail on bad arguments throw a JavaScript `Error` whose `code`, `number` and
//! `category` properties name the table row; [`Scanner::verify`] never throws for a bad
//! token, it returns a [`Verdict`].
//!
//! Features (both default): `render` (SVG and module matrix), `frame` (decode camera frames).
//! The package built by `scripts/wasm.sh` is documented in `wasm/README.md`.
// wasm-bindgen's generated glue is unsafe code in macro output; none is written by hand.
#![allow(unsafe_code)]
#![warn(clippy::unwrap_used, clippy::expect_used)]

mod reason;
#[cfg(feature = "render")]
mod render;
mod scanner;
mod token;

#[cfg(feature = "frame")]
mod frame;

#[cfg(feature = "frame")]
pub use frame::decode_frame;
pub use reason::Reason;
#[cfg(feature = "render")]
pub use render::{QrMatrix, render_matrix, render_svg};
pub use scanner::{ListInfo, Policy, Scanner, TrustScanner, Verdict, verify_ed25519};
pub use token::{Claims, read_token};
