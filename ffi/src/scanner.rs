//! `qrseal_scanner`: the trusted keys or the trust store, loading trust data, verifying.

use core::time::Duration;

use qrseal_core::Timestamp;
use qrseal_core::lists::ListInfo;
use qrseal_core::wire::PUBLIC_KEY_LEN;
use qrseal_verifier::{Checkpoint, Code, Error, TrustStore, TrustedKey, Verified, Verifier};

use crate::codes::qrseal_code;
use crate::policy::qrseal_policy;
use crate::types::{qrseal_list_info, qrseal_verdict};
use crate::{Outcome, boundary, boundary_void, handle, handle_mut, input, write_out};

/// A scanner's trust: an opaque handle around either a [`Verifier`] (from issuer public
/// keys, [`qrseal_scanner_new_keys`]) or a [`TrustStore`] (from a pinned root key,
/// [`qrseal_scanner_new_root`], then trust lists, revocation lists and a checkpoint).
///
/// The verify functions take it `const`: any number of threads may verify with one scanner
/// at once (the store's clock floor is atomic). Loading, restoring and the setters take it
/// non-`const`: the caller must keep every other call off the scanner meanwhile (a lock
/// around loads, or a new scanner swapped in).
pub struct qrseal_scanner {
    inner: Inner,
}

// Boxed already (one handle per scanner, made once), so the variants' sizes do not matter.
#[allow(clippy::large_enum_variant)]
enum Inner {
    Keys(Verifier),
    Store(TrustStore),
}

impl qrseal_scanner {
    fn verify(&self, input: Input<'_>, now: Timestamp) -> Result<Verified, Error> {
        match (&self.inner, input) {
            (Inner::Keys(v), Input::Text(t)) => v.verify(t, now),
            (Inner::Keys(v), Input::Bytes(b)) => v.verify_bytes(b, now),
            (Inner::Store(s), Input::Text(t)) => s.verify(t, now),
            (Inner::Store(s), Input::Bytes(b)) => s.verify_bytes(b, now),
        }
    }

    fn store_mut(&mut self) -> Result<&mut TrustStore, Code> {
        match &mut self.inner {
            Inner::Store(s) => Ok(s),
            Inner::Keys(_) => Err(Code::InvalidArgument),
        }
    }

    /// Applies a by-value builder method to the scanner in place.
    fn rebuild(&mut self, f: impl FnOnce(Inner) -> Inner) {
        // The placeholder is an empty verifier, which allocates nothing.
        let old = core::mem::replace(&mut self.inner, Inner::Keys(Verifier::new([])));
        self.inner = f(old);
    }
}

enum Input<'a> {
    Text(&'a str),
    Bytes(&'a [u8]),
}

/// Boxes a scanner into `*out`.
///
/// # Safety
///
/// `out` was checked not NULL and is writable.
unsafe fn publish(out: *mut *mut qrseal_scanner, inner: Inner) -> Outcome {
    let scanner = Box::into_raw(Box::new(qrseal_scanner { inner }));
    // SAFETY: the caller's promise above.
    unsafe { write_out(out, scanner) }
}

/// Makes a scanner trusting the issuer public keys in `keys`: `keys_len / 32` raw 32-byte
/// Ed25519 keys, one after another (see [`qrseal_public_key_from_pem`] for PEM files). A
/// length that is not a multiple of 32 is `QRSEAL_INVALID_ARGUMENT`; a key that is not an
/// acceptable Ed25519 key (non-canonical, small order) is `QRSEAL_INVALID_KEY`. The clock
/// skew is 5 minutes until [`qrseal_scanner_set_clock_skew`]. Release with
/// [`qrseal_scanner_free`].
///
/// # Safety
///
/// `keys` must point to `keys_len` readable bytes (or be anything with `keys_len` 0); `out`
/// must be NULL (refused) or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qrseal_scanner_new_keys(
    keys: *const u8,
    keys_len: usize,
    out: *mut *mut qrseal_scanner,
) -> qrseal_code {
    boundary(|| {
        // SAFETY: the caller's promise above.
        let keys = unsafe { input(keys, keys_len) }?;
        if out.is_null() || keys.len() % PUBLIC_KEY_LEN != 0 {
            return Err(Code::InvalidArgument);
        }
        let mut trusted = Vec::with_capacity(keys.len() / PUBLIC_KEY_LEN);
        for key in keys.chunks_exact(PUBLIC_KEY_LEN) {
            let key: &[u8; PUBLIC_KEY_LEN] = key.try_into().map_err(|_| Code::Internal)?;
            trusted.push(TrustedKey::from_bytes(key).map_err(|e| e.code())?);
        }
        // SAFETY: out checked not NULL; writable by the caller's promise.
        unsafe { publish(out, Inner::Keys(Verifier::new(trusted))) }
    })
}

/// Makes a scanner pinning the root public key `root` (32 raw bytes; any other length is
/// `QRSEAL_INVALID_ARGUMENT`). It trusts no issuer until a trust list is loaded
/// ([`qrseal_scanner_load_trust_list`]); restore the saved checkpoint
/// ([`qrseal_scanner_restore`]) before loading anything. Clock skew 5 minutes, grace 24
/// hours, until changed. Release with [`qrseal_scanner_free`].
///
/// # Safety
///
/// As [`qrseal_scanner_new_keys`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qrseal_scanner_new_root(
    root: *const u8,
    root_len: usize,
    out: *mut *mut qrseal_scanner,
) -> qrseal_code {
    boundary(|| {
        // SAFETY: the caller's promise above.
        let root = unsafe { input(root, root_len) }?;
        let root: &[u8; PUBLIC_KEY_LEN] = root.try_into().map_err(|_| Code::InvalidArgument)?;
        if out.is_null() {
            return Err(Code::InvalidArgument);
        }
        let root = TrustedKey::from_bytes(root).map_err(|e| e.code())?;
        // SAFETY: out checked not NULL; writable by the caller's promise.
        unsafe { publish(out, Inner::Store(TrustStore::new(root))) }
    })
}

/// Reads an Ed25519 public key from a PEM file's bytes (`-----BEGIN PUBLIC KEY-----`, as
/// `qrseal keygen` writes `issuer.pub` and `root.pub`) into `out[0..32]`. `out_len` below
/// 32 is `QRSEAL_BUFFER_TOO_SMALL`; a file that is not such a key, `QRSEAL_INVALID_KEY`.
/// Thread-safe.
///
/// # Safety
///
/// `pem` must point to `pem_len` readable bytes; `out` to `out_len` writable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qrseal_public_key_from_pem(
    pem: *const u8,
    pem_len: usize,
    out: *mut u8,
    out_len: usize,
) -> qrseal_code {
    boundary(|| {
        // SAFETY: the caller's promise above.
        let pem = unsafe { input(pem, pem_len) }?;
        if out.is_null() {
            return Err(Code::InvalidArgument);
        }
        if out_len < PUBLIC_KEY_LEN {
            return Err(Code::BufferTooSmall);
        }
        let pem = core::str::from_utf8(pem).map_err(|_| Code::InvalidKey)?;
        let key = TrustedKey::from_public_key_pem(pem).map_err(|e| e.code())?;
        // SAFETY: out is not NULL and the caller promises out_len >= 32 writable bytes.
        unsafe { core::ptr::copy_nonoverlapping(key.public_key().as_ptr(), out, PUBLIC_KEY_LEN) };
        Ok(())
    })
}

/// Releases a scanner; NULL is allowed and does nothing. No other call may use the scanner
/// meanwhile or after.
///
/// # Safety
///
/// `scanner` must be NULL or come from a `qrseal_scanner_new_*` function and not have been
/// freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qrseal_scanner_free(scanner: *mut qrseal_scanner) {
    boundary_void(|| {
        if !scanner.is_null() {
            // SAFETY: made by Box::into_raw in publish, freed once (caller's promise).
            drop(unsafe { Box::from_raw(scanner) });
        }
    });
}

/// Sets the clock skew tolerated on tokens, key windows and the clock floor, in seconds
/// (default 300). Not thread-safe: no other call may use the scanner meanwhile.
///
/// # Safety
///
/// `scanner` must be NULL (refused) or a live scanner no other call uses meanwhile.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qrseal_scanner_set_clock_skew(
    scanner: *mut qrseal_scanner,
    skew_secs: u64,
) -> qrseal_code {
    boundary(|| {
        // SAFETY: the caller's promise above.
        let s = unsafe { handle_mut(scanner) }?;
        let skew = Duration::from_secs(skew_secs);
        s.rebuild(|inner| match inner {
            Inner::Keys(v) => Inner::Keys(v.with_clock_skew(skew)),
            Inner::Store(t) => Inner::Store(t.with_clock_skew(skew)),
        });
        Ok(())
    })
}

/// Sets how long past its next-update-by time trust data stays fresh, in seconds (default
/// 86400). Only for a scanner made by [`qrseal_scanner_new_root`] (otherwise
/// `QRSEAL_INVALID_ARGUMENT`). Not thread-safe.
///
/// # Safety
///
/// As [`qrseal_scanner_set_clock_skew`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qrseal_scanner_set_grace(
    scanner: *mut qrseal_scanner,
    grace_secs: u64,
) -> qrseal_code {
    boundary(|| {
        // SAFETY: the caller's promise above.
        let s = unsafe { handle_mut(scanner) }?;
        s.store_mut()?;
        s.rebuild(|inner| match inner {
            Inner::Store(t) => Inner::Store(t.with_grace(Duration::from_secs(grace_secs))),
            keys @ Inner::Keys(_) => keys,
        });
        Ok(())
    })
}

/// The one place the loads call the store.
fn load(
    store: &mut TrustStore,
    list: List,
    bytes: &[u8],
    now: Timestamp,
) -> Result<ListInfo, Error> {
    match list {
        List::Trust => store.load_trust_list(bytes, now),
        List::Revocations => store.load_revocations(bytes, now),
    }
}

#[derive(Clone, Copy)]
enum List {
    Trust,
    Revocations,
}

/// The body of both load functions.
///
/// # Safety
///
/// As [`qrseal_scanner_load_trust_list`].
unsafe fn load_list(
    scanner: *mut qrseal_scanner,
    list: List,
    bytes: *const u8,
    len: usize,
    now: u64,
    out: *mut qrseal_list_info,
) -> qrseal_code {
    boundary(|| {
        // SAFETY: the caller's promise (see the public functions).
        let s = unsafe { handle_mut(scanner) }?;
        // SAFETY: as above.
        let bytes = unsafe { input(bytes, len) }?;
        let info =
            load(s.store_mut()?, list, bytes, Timestamp::from_unix(now)).map_err(|e| e.code())?;
        if !out.is_null() {
            // SAFETY: not NULL; the caller promises it is writable.
            unsafe { out.write(info.into()) };
        }
        Ok(())
    })
}

/// Installs a root-signed trust list (the file's bytes) at `now` (Unix seconds); its keys
/// replace the previous list's. On success writes the list's header to `*out` unless `out`
/// is NULL. A list that is refused (`QRSEAL_FORGED_LIST`, `QRSEAL_ROLLBACK`, ...) changes
/// nothing. Only for a scanner made by [`qrseal_scanner_new_root`]. Not thread-safe: no
/// other call may use the scanner meanwhile.
///
/// # Safety
///
/// `scanner` must be NULL (refused) or a live scanner no other call uses meanwhile; `bytes`
/// must point to `len` readable bytes; `out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qrseal_scanner_load_trust_list(
    scanner: *mut qrseal_scanner,
    bytes: *const u8,
    len: usize,
    now: u64,
    out: *mut qrseal_list_info,
) -> qrseal_code {
    // SAFETY: the caller's promise above.
    unsafe { load_list(scanner, List::Trust, bytes, len, now, out) }
}

/// Installs a full revocation list or applies a delta (the file's bytes) at `now`; see
/// [`qrseal_scanner_load_trust_list`] for the rest. Deltas must be applied in order
/// (`QRSEAL_DELTA_GAP`, `QRSEAL_DELTA_OUT_OF_ORDER`).
///
/// # Safety
///
/// As [`qrseal_scanner_load_trust_list`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qrseal_scanner_load_revocations(
    scanner: *mut qrseal_scanner,
    bytes: *const u8,
    len: usize,
    now: u64,
    out: *mut qrseal_list_info,
) -> qrseal_code {
    // SAFETY: the caller's promise above.
    unsafe { load_list(scanner, List::Revocations, bytes, len, now, out) }
}

/// Raises the scanner's clock floor and lowest acceptable sequence numbers to a saved
/// checkpoint's (`QRSEAL_CHECKPOINT_LEN` bytes from [`qrseal_scanner_checkpoint`]); never
/// lowers them. Call at start-up, before loading anything. Bytes that are not a checkpoint
/// are `QRSEAL_INVALID_CHECKPOINT` and change nothing. Only for a scanner made by
/// [`qrseal_scanner_new_root`]. Not thread-safe.
///
/// # Safety
///
/// As [`qrseal_scanner_load_trust_list`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qrseal_scanner_restore(
    scanner: *mut qrseal_scanner,
    bytes: *const u8,
    len: usize,
) -> qrseal_code {
    boundary(|| {
        // SAFETY: the caller's promise above.
        let s = unsafe { handle_mut(scanner) }?;
        // SAFETY: as above.
        let bytes = unsafe { input(bytes, len) }?;
        let store = s.store_mut()?;
        let saved = Checkpoint::from_bytes(bytes).map_err(|e| e.code())?;
        store.restore(&saved);
        Ok(())
    })
}

/// Writes the scanner's checkpoint (clock floor and newest sequence numbers, to save after
/// every change and restore at start-up) into `buf`, and its length
/// (`QRSEAL_CHECKPOINT_LEN`) into `*out_len`. `buf_len` below that is
/// `QRSEAL_BUFFER_TOO_SMALL` (nothing written). Only for a scanner made by
/// [`qrseal_scanner_new_root`]. Thread-safe (reads only).
///
/// # Safety
///
/// `scanner` must be NULL (refused) or live; `buf` must point to `buf_len` writable bytes;
/// `out_len` must be NULL (refused) or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qrseal_scanner_checkpoint(
    scanner: *const qrseal_scanner,
    buf: *mut u8,
    buf_len: usize,
    out_len: *mut usize,
) -> qrseal_code {
    boundary(|| {
        // SAFETY: the caller's promise above.
        let s = unsafe { handle(scanner) }?;
        let Inner::Store(store) = &s.inner else {
            return Err(Code::InvalidArgument);
        };
        if buf.is_null() || out_len.is_null() {
            return Err(Code::InvalidArgument);
        }
        let bytes = store.checkpoint().to_bytes();
        if buf_len < bytes.len() {
            return Err(Code::BufferTooSmall);
        }
        // SAFETY: buf is not NULL and holds buf_len >= bytes.len() writable bytes (caller's
        // promise); out_len is not NULL and writable.
        unsafe {
            core::ptr::copy_nonoverlapping(bytes.as_ptr(), buf, bytes.len());
            out_len.write(bytes.len());
        }
        Ok(())
    })
}

/// The length of a checkpoint, as [`crate::QRSEAL_CHECKPOINT_LEN`] in the header the program was
/// built with: compare the two if the header may be older than the library. Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn qrseal_checkpoint_len() -> usize {
    Checkpoint::LEN
}

/// The body of both verify functions.
///
/// # Safety
///
/// As [`qrseal_scanner_verify_text`].
unsafe fn verify(
    scanner: *const qrseal_scanner,
    policy: *const qrseal_policy,
    (ptr, len, text): (*const u8, usize, bool),
    now: u64,
    out: *mut qrseal_verdict,
) -> qrseal_code {
    boundary(|| {
        // SAFETY: the caller's promise (see the public functions).
        let s = unsafe { handle(scanner) }?;
        // SAFETY: as above.
        let p = unsafe { handle(policy) }?;
        // SAFETY: as above; the slice does not outlive this call.
        let bytes = unsafe { input(ptr, len) }?;
        // Checked before verifying: a verify that succeeds raises the store's clock floor,
        // so it must not succeed without its result being delivered.
        if out.is_null() {
            return Err(Code::InvalidArgument);
        }
        let now = Timestamp::from_unix(now);
        let mapped;
        let input = match (text, core::str::from_utf8(bytes)) {
            (false, _) => Input::Bytes(bytes),
            (true, Ok(t)) => Input::Text(t),
            (true, Err(_)) => {
                // Not UTF-8, so some byte is not ASCII: no text form allows such a byte,
                // nor `!`. Each is replaced by `!`, which keeps the length and every
                // offset, so the verifier reports exactly what it reports for the bytes
                // themselves. Bad input only, so the copy costs nothing on the hot path.
                mapped = bytes
                    .iter()
                    .map(|&b| if b.is_ascii() { b } else { b'!' })
                    .collect::<Vec<u8>>();
                Input::Text(core::str::from_utf8(&mapped).map_err(|_| Code::Internal)?)
            }
        };
        let verified = s.verify(input, now).map_err(|e| e.code())?;
        let decision = p.policy.evaluate(&verified, now);
        // SAFETY: out is not NULL and writable (caller's promise).
        unsafe { write_out(out, qrseal_verdict::new(&verified, &decision)) }
    })
}

/// Verifies a token's text (QR form `QS:...` or URL form) at `now` (Unix seconds) and
/// evaluates `policy` on it. On success (`QRSEAL_OK`: the token is valid) writes the claims,
/// the trust data's state and the decision (`admitted`, and the denial codes) to `*out`;
/// otherwise returns the rejection (`QRSEAL_EXPIRED`, `QRSEAL_BAD_SIGNATURE`, ...) and writes
/// nothing. Allocates nothing.
///
/// The text is verified exactly as given (docs/SPEC.md §6): a scan engine's line end
/// (`"\r\n"`, `"\n"`) is not part of the token, and the caller removes it before the call
/// (examples/c-scanner does); a text that still carries it is rejected. Text that is not
/// UTF-8 gets the answer its bytes get (a byte outside ASCII is never valid in a token's text).
///
/// Thread-safe: any number of threads may verify with one scanner and one policy at once,
/// while no thread loads into the scanner or changes the policy.
///
/// # Safety
///
/// `scanner` and `policy` must be NULL (refused) or live handles; `text` must point to `len`
/// readable bytes; `out` must be NULL (refused) or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qrseal_scanner_verify_text(
    scanner: *const qrseal_scanner,
    policy: *const qrseal_policy,
    text: *const u8,
    len: usize,
    now: u64,
    out: *mut qrseal_verdict,
) -> qrseal_code {
    // SAFETY: the caller's promise above.
    unsafe { verify(scanner, policy, (text, len, true), now, out) }
}

/// Verifies a binary token (the bytes a text form encodes) at `now`; see
/// [`qrseal_scanner_verify_text`] for the rest.
///
/// # Safety
///
/// As [`qrseal_scanner_verify_text`], with `token` for `text`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qrseal_scanner_verify_bytes(
    scanner: *const qrseal_scanner,
    policy: *const qrseal_policy,
    token: *const u8,
    len: usize,
    now: u64,
    out: *mut qrseal_verdict,
) -> qrseal_code {
    // SAFETY: the caller's promise above.
    unsafe { verify(scanner, policy, (token, len, false), now, out) }
}

/// What a scanner built from a root key holds, for display and for tests.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct qrseal_scanner_state {
    /// Whether a trust list is installed (`trust_list` is then set).
    pub has_trust_list: bool,
    /// The header of the trust list held.
    pub trust_list: qrseal_list_info,
    /// Whether revocation data is loaded (`revocations` is then set).
    pub has_revocations: bool,
    /// The header of the newest revocation list or delta applied.
    pub revocations: qrseal_list_info,
    /// How many subjects are revoked.
    pub revoked_count: usize,
}

/// Writes what the scanner holds into `*out`. Only for a scanner made by
/// [`qrseal_scanner_new_root`]. Thread-safe (reads only).
///
/// # Safety
///
/// `scanner` must be NULL (refused) or live; `out` NULL (refused) or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qrseal_scanner_get_state(
    scanner: *const qrseal_scanner,
    out: *mut qrseal_scanner_state,
) -> qrseal_code {
    boundary(|| {
        // SAFETY: the caller's promise above.
        let s = unsafe { handle(scanner) }?;
        let Inner::Store(store) = &s.inner else {
            return Err(Code::InvalidArgument);
        };
        let state = qrseal_scanner_state {
            has_trust_list: store.trust_list().is_some(),
            trust_list: store.trust_list().map(Into::into).unwrap_or_default(),
            has_revocations: store.revocations().is_some(),
            revocations: store.revocations().map(Into::into).unwrap_or_default(),
            revoked_count: store.revoked_count(),
        };
        // SAFETY: the caller's promise above.
        unsafe { write_out(out, state) }
    })
}
