//! A scanner pinning a root key, through the C ABI: a token verifies the same from its text
//! and from its bytes (`TrustStore::verify_bytes` makes the store's checks, in the store's
//! order, before the token's), a verify raises the clock floor only when it succeeds, and
//! a failed load changes nothing.
#![allow(unsafe_code)] // calls the C ABI

use std::mem::MaybeUninit;
use std::ptr::{null, null_mut};

use qrseal_core::lists::ListInfo;
use qrseal_core::{Colour, Timestamp};
use qrseal_ffi::*;
use qrseal_issuer::publish::{new_key_entry, sign_trust_list};
use qrseal_issuer::{Issuer, IssuerKey, RootKey, Status, SubjectSecret};

const NOW: u64 = 1_795_248_000;

struct Fixture {
    scanner: *mut qrseal_scanner,
    policy: *mut qrseal_policy,
    text: String,
    bytes: Vec<u8>,
}

impl Drop for Fixture {
    fn drop(&mut self) {
        // SAFETY: handles made by the fixture, freed once.
        unsafe {
            qrseal_scanner_free(self.scanner);
            qrseal_policy_free(self.policy);
        }
    }
}

fn fixture() -> Fixture {
    let now = Timestamp::from_unix(NOW);
    let root = RootKey::from_secret_bytes([1; 32]);
    let key = IssuerKey::from_secret_bytes([2; 32]);
    let info = ListInfo {
        sequence: 1,
        issued_at: now,
        next_update_by: now.saturating_add(86_400),
    };
    let list = sign_trust_list(&root, &info, &[new_key_entry(key.public_key(), now)]).unwrap();
    let issuer = Issuer::new(key, SubjectSecret::from_bytes([3; 32]));
    let subject = issuer.subject("110101199003078888").unwrap();
    let token = issuer
        .issue(&Status::new(subject, Colour::Green), now)
        .unwrap();
    let (mut scanner, mut policy) = (null_mut(), null_mut());
    let public = root.public_key();
    // SAFETY: valid buffers with their lengths; the handles are freed by the fixture.
    unsafe {
        assert_eq!(
            qrseal_scanner_new_root(public.as_ptr(), public.len(), &mut scanner),
            qrseal_code::QRSEAL_OK
        );
        assert_eq!(qrseal_policy_new(&mut policy), qrseal_code::QRSEAL_OK);
        let mut out = qrseal_list_info::default();
        assert_eq!(
            qrseal_scanner_load_trust_list(scanner, list.as_ptr(), list.len(), NOW, &mut out),
            qrseal_code::QRSEAL_OK
        );
        assert_eq!(out.sequence, 1);
        // A failed load (the same list again is fine; a damaged one is refused) changes
        // nothing and writes nothing.
        let mut damaged = list.clone();
        *damaged.last_mut().unwrap() ^= 1;
        let mut untouched = qrseal_list_info::default();
        assert_eq!(
            qrseal_scanner_load_trust_list(
                scanner,
                damaged.as_ptr(),
                damaged.len(),
                NOW,
                &mut untouched
            ),
            qrseal_code::QRSEAL_FORGED_LIST
        );
        assert_eq!(untouched, qrseal_list_info::default());
    }
    Fixture {
        scanner,
        policy,
        text: token.qr_text(),
        bytes: token.bytes().to_vec(),
    }
}

fn verify(f: &Fixture, text: bool, now: u64) -> Result<qrseal_verdict, qrseal_code> {
    let mut v = MaybeUninit::uninit();
    let input: &[u8] = if text { f.text.as_bytes() } else { &f.bytes };
    // SAFETY: live handles, a valid input slice and a writable verdict.
    let rc = unsafe {
        if text {
            qrseal_scanner_verify_text(
                f.scanner,
                f.policy,
                input.as_ptr(),
                input.len(),
                now,
                v.as_mut_ptr(),
            )
        } else {
            qrseal_scanner_verify_bytes(
                f.scanner,
                f.policy,
                input.as_ptr(),
                input.len(),
                now,
                v.as_mut_ptr(),
            )
        }
    };
    // SAFETY: written on success.
    (rc == qrseal_code::QRSEAL_OK)
        .then(|| unsafe { v.assume_init() })
        .ok_or(rc)
}

#[test]
fn text_and_bytes_give_the_same_verdict() {
    let f = fixture();
    let a = verify(&f, true, NOW).unwrap();
    let b = verify(&f, false, NOW).unwrap();
    assert!(a.admitted && b.admitted);
    assert_eq!(a.claims.subject, b.claims.subject);
    assert_eq!(a.claims.issued_at, b.claims.issued_at);
    assert_eq!(a.claims.colour, qrseal_colour::QRSEAL_COLOUR_GREEN);
    assert!(!a.has_revocations && a.stale == qrseal_stale::QRSEAL_STALE_NONE);
    // A day later both are expired, and the store's own checks come first for both: with
    // the clock set back past the floor (the token's issue time), clock_behind.
    for text in [true, false] {
        assert_eq!(
            verify(&f, text, NOW + 3 * 86_400).unwrap_err(),
            qrseal_code::QRSEAL_EXPIRED
        );
        assert_eq!(
            verify(&f, text, NOW - 3600).unwrap_err(),
            qrseal_code::QRSEAL_CLOCK_BEHIND
        );
    }
}

#[test]
fn state_and_checkpoint() {
    let f = fixture();
    let mut state = qrseal_scanner_state::default();
    let mut cp = [0u8; QRSEAL_CHECKPOINT_LEN];
    let mut len = 0;
    // SAFETY: a live handle and valid buffers.
    unsafe {
        assert_eq!(
            qrseal_scanner_get_state(f.scanner, &mut state),
            qrseal_code::QRSEAL_OK
        );
        assert!(state.has_trust_list && state.trust_list.sequence == 1 && !state.has_revocations);
        assert_eq!(
            qrseal_scanner_checkpoint(f.scanner, cp.as_mut_ptr(), cp.len(), &mut len),
            qrseal_code::QRSEAL_OK
        );
        assert_eq!(len, qrseal_checkpoint_len());
        assert_eq!(
            qrseal_scanner_restore(f.scanner, cp.as_ptr(), len - 1),
            qrseal_code::QRSEAL_INVALID_CHECKPOINT
        );
        assert_eq!(
            qrseal_scanner_restore(null_mut(), cp.as_ptr(), len),
            qrseal_code::QRSEAL_INVALID_ARGUMENT
        );
        assert_eq!(
            qrseal_scanner_get_state(null(), &mut state),
            qrseal_code::QRSEAL_INVALID_ARGUMENT
        );
    }
}
