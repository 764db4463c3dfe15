//! The qrseal verifier as a C library, for handheld scanners: `libqrseal.a`, `libqrseal.so`
//! (soname `libqrseal.so.1`, carrying [`QRSEAL_ABI_VERSION`]) and the header
//! `ffi/include/qrseal.h`, generated from this crate by cbindgen.
//!
//! Thin marshalling over [`qrseal_verifier`], with no rule of its own. The conventions, after
//! rustls-ffi and lol-html's C API:
//!
//! - every symbol starts with `qrseal_`; objects ([`qrseal_scanner`], [`qrseal_policy`]) are
//!   opaque handles made by a `_new` function and released by a `_free` function that
//!   accepts NULL;
//! - inputs are `(const uint8_t *, size_t)` pairs (a NULL pointer is allowed only with a
//!   length of 0); times are Unix seconds (`uint64_t now`), always the caller's;
//! - every function that can fail returns a [`qrseal_code`]: `QRSEAL_OK`, or the number of a
//!   row of the one error table ([`qrseal_verifier::Code`], docs/SPEC.md §7.5), and writes
//!   its outputs only on success; [`qrseal_code_name`] and [`qrseal_code_message`] give the
//!   row's stable string and message as static strings;
//! - results go into caller-provided `#[repr(C)]` structs ([`qrseal_verdict`]), so a verify
//!   allocates nothing;
//! - every entry point checks its pointers for NULL and catches panics, returning
//!   `QRSEAL_INVALID_ARGUMENT` or `QRSEAL_INTERNAL` (or NULL where it returns a pointer);
//! - a `const` handle argument means the call does not change the object: such calls may run
//!   from any number of threads at once on one handle; a non-`const` handle needs the caller
//!   to ensure no other call uses that handle at the same time.
//!
//! ```c
//! qrseal_scanner *scanner = NULL;
//! qrseal_policy *policy = NULL;
//! if (qrseal_scanner_new_keys(key, 32, &scanner) != QRSEAL_OK ||
//!     qrseal_policy_new(&policy) != QRSEAL_OK) return 1;
//! qrseal_verdict v;
//! qrseal_code rc = qrseal_scanner_verify_text(scanner, policy, (const uint8_t *)text,
//!                                             strlen(text), (uint64_t)time(NULL), &v);
//! if (rc != QRSEAL_OK) printf("REJECT %s\n", qrseal_code_name(rc));
//! else printf("%s\n", v.admitted ? "ADMIT" : "DENY");
//! qrseal_policy_free(policy);
//! qrseal_scanner_free(scanner);
//! ```
//!
//! The collection journal (qrseal-journal) is exposed as [`qrseal_journal`]: open it, record
//! each verified scan, open and seal tubes, read the pending batches as JSON bytes to POST
//! with the host's own HTTP stack, and mark them acknowledged (docs/SPEC.md §18).
//!
//! Features: `frame` adds `qrseal_decode_frame` (the verifier's `image` feature), declared in
//! the header under `#if defined(QRSEAL_FEATURE_FRAME)`. Install with `scripts/ffi.sh install
//! PREFIX` (header, both libraries, `qrseal.pc`).
#![allow(non_camel_case_types)]
// Raw pointers from C: every unsafe block states what the caller promised (the header says
// the same).
#![allow(unsafe_code)]
#![warn(clippy::unwrap_used, clippy::expect_used, unsafe_op_in_unsafe_fn)]

use core::ffi::c_char;
use std::ffi::CStr;
use std::panic::{AssertUnwindSafe, catch_unwind};

use qrseal_verifier::{Code, Error, Language};

// Generated (tests/generated.rs); left as the generator writes it.
#[rustfmt::skip]
mod codes;
#[cfg(feature = "frame")]
mod frame;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
mod journal;
mod policy;
mod scanner;
mod types;

pub use codes::*;
#[cfg(feature = "frame")]
pub use frame::*;
pub use journal::*;
pub use policy::*;
pub use scanner::*;
pub use types::*;

/// The ABI version: the number in the shared library's soname (`libqrseal.so.1`), raised on
/// any change that breaks a program built against an older header.
pub const QRSEAL_ABI_VERSION: u32 = 1;

/// The crate version as a C string.
const VERSION: &CStr =
    match CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
        Ok(v) => v,
        // Evaluated at compile time: a version with a NUL byte fails the build, never a call.
        Err(_) => panic!("version contains a NUL byte"),
    };

/// The library version, such as `"0.1.0"`: a static string. Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn qrseal_version() -> *const c_char {
    VERSION.as_ptr()
}

/// The ABI version this library implements ([`QRSEAL_ABI_VERSION`] of its header): compare
/// with the header's at start-up. Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn qrseal_abi_version() -> u32 {
    QRSEAL_ABI_VERSION
}

/// The stable lower-case name of a code (`"expired"`; `"ok"` for `QRSEAL_OK`): a static
/// string, or NULL for a number that is not in this library's table. Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn qrseal_code_name(code: u32) -> *const c_char {
    boundary_ptr(|| lookup(code).and_then(|c| c.map_or(Some(c"ok"), codes::name)))
}

/// The one-line message of a code for people, in `language` (`QRSEAL_LANGUAGE_ENGLISH` or
/// `QRSEAL_LANGUAGE_CHINESE`, UTF-8): a static string, or NULL for a number that is not in
/// this library's table or an unknown language. Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn qrseal_code_message(code: u32, language: u32) -> *const c_char {
    boundary_ptr(|| {
        let language = match language {
            QRSEAL_LANGUAGE_ENGLISH => Language::English,
            QRSEAL_LANGUAGE_CHINESE => Language::Chinese,
            _ => return None,
        };
        lookup(code).and_then(|c| match c {
            Some(c) => codes::message(c, language),
            None if language == Language::Chinese => Some(c"成功。"),
            None => Some(c"Success."),
        })
    })
}

/// The category of a code: `"invalid"` (turn the holder away), `"denied"` (the policy
/// denies), `"unusable"` (fix the scanner or scan again), `"internal"`, or `"ok"` for
/// `QRSEAL_OK`: a static string, or NULL for a number not in this library's table.
/// Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn qrseal_code_category(code: u32) -> *const c_char {
    boundary_ptr(|| {
        lookup(code).map(|c| match c.map(Code::category) {
            None => c"ok",
            Some(qrseal_verifier::Category::Invalid) => c"invalid",
            Some(qrseal_verifier::Category::Denied) => c"denied",
            Some(qrseal_verifier::Category::Unusable) => c"unusable",
            Some(_) => c"internal",
        })
    })
}

/// English, for [`qrseal_code_message`].
pub const QRSEAL_LANGUAGE_ENGLISH: u32 = 0;
/// Simplified Chinese, for [`qrseal_code_message`].
pub const QRSEAL_LANGUAGE_CHINESE: u32 = 1;

/// `Some(None)` for `QRSEAL_OK`, `Some(Some(code))` for a row of the table, `None` otherwise.
fn lookup(code: u32) -> Option<Option<Code>> {
    if code == qrseal_code::QRSEAL_OK as u32 {
        return Some(None);
    }
    let n = u16::try_from(code).ok()?;
    Code::from_number(n).map(Some)
}

/// What an entry point's body returns: `Ok` or the row to report.
type Outcome = Result<(), Code>;

impl From<Error> for qrseal_code {
    fn from(e: Error) -> Self {
        codes::from_code(e.code())
    }
}

/// The panic boundary of every entry point that returns a code: runs `body`, turns its error
/// into the table's number, and a panic into `QRSEAL_INTERNAL` (a panic must never unwind
/// into C, which is undefined behaviour).
fn boundary(body: impl FnOnce() -> Outcome) -> qrseal_code {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => qrseal_code::QRSEAL_OK,
        Ok(Err(code)) => codes::from_code(code),
        Err(_) => qrseal_code::QRSEAL_INTERNAL,
    }
}

/// The panic boundary of entry points returning a static string: NULL on a panic.
fn boundary_ptr(body: impl FnOnce() -> Option<&'static CStr>) -> *const c_char {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Some(s)) => s.as_ptr(),
        Ok(None) | Err(_) => core::ptr::null(),
    }
}

/// The panic boundary of entry points that return nothing (the `_free` functions).
fn boundary_void(body: impl FnOnce()) {
    // Nothing to report to C; the panic is caught so that it cannot unwind into C.
    let _ = catch_unwind(AssertUnwindSafe(body));
}

/// The bytes `(ptr, len)` names: empty when `len` is 0 (whatever `ptr`), refused when `ptr`
/// is NULL with a non-zero length or `len` exceeds what a slice may span.
///
/// # Safety
///
/// When `ptr` is not NULL and `len` is not 0, `ptr` must point to `len` readable bytes that
/// stay unchanged for `'a`.
unsafe fn input<'a>(ptr: *const u8, len: usize) -> Result<&'a [u8], Code> {
    if len == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() || len > isize::MAX as usize {
        return Err(Code::InvalidArgument);
    }
    // SAFETY: non-NULL, len within isize::MAX, and the caller promises `len` readable bytes.
    Ok(unsafe { core::slice::from_raw_parts(ptr, len) })
}

/// A shared reference to a handle, or `invalid_argument` for NULL.
///
/// # Safety
///
/// A non-NULL `ptr` must come from the matching `_new` function and not have been freed.
unsafe fn handle<'a, T>(ptr: *const T) -> Result<&'a T, Code> {
    // SAFETY: the caller promises a live handle when not NULL.
    unsafe { ptr.as_ref() }.ok_or(Code::InvalidArgument)
}

/// An exclusive reference to a handle, or `invalid_argument` for NULL.
///
/// # Safety
///
/// As [`handle`], and no other call may use the handle meanwhile.
unsafe fn handle_mut<'a, T>(ptr: *mut T) -> Result<&'a mut T, Code> {
    // SAFETY: the caller promises a live handle used by no other call meanwhile.
    unsafe { ptr.as_mut() }.ok_or(Code::InvalidArgument)
}

/// Writes `value` through `out`, refusing NULL. Call only once every check has passed, so
/// that outputs are written only on success.
///
/// # Safety
///
/// A non-NULL `out` must be valid for writing a `T`.
unsafe fn write_out<T>(out: *mut T, value: T) -> Outcome {
    if out.is_null() {
        return Err(Code::InvalidArgument);
    }
    // SAFETY: not NULL, and the caller promises it is writable; `write` drops nothing.
    unsafe { out.write(value) };
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A panic inside an entry point's body becomes `QRSEAL_INTERNAL` (or NULL, or nothing)
    /// instead of unwinding into C.
    #[test]
    fn panics_stop_at_the_boundary() {
        assert_eq!(boundary(|| panic!("a bug")), qrseal_code::QRSEAL_INTERNAL);
        assert!(boundary_ptr(|| panic!("a bug")).is_null());
        boundary_void(|| panic!("a bug"));
        assert_eq!(boundary(|| Err(Code::Expired)), qrseal_code::QRSEAL_EXPIRED);
        assert_eq!(boundary(|| Ok(())), qrseal_code::QRSEAL_OK);
    }
}
