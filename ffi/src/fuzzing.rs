//! Entry point for fuzz/ (feature `fuzzing`; not a public API): random sequences of calls
//! through the C ABI itself, with random buffers, lengths and NULL pointers. Asserts, by
//! panicking, what the header promises: every call returns a code of the table, outputs are
//! written only on success, and nothing else happens (the sanitizer catches the rest).

use core::ptr::{null, null_mut};

use crate::{
    QRSEAL_CHECKPOINT_LEN, QRSEAL_PUBLIC_KEY_LEN, qrseal_code, qrseal_code_category,
    qrseal_code_message, qrseal_code_name, qrseal_list_info, qrseal_policy, qrseal_policy_free,
    qrseal_policy_new, qrseal_policy_set_accepted_colours, qrseal_policy_set_max_stale,
    qrseal_policy_set_max_test_age, qrseal_policy_set_min_doses,
    qrseal_policy_set_require_revocations, qrseal_public_key_from_pem, qrseal_scanner,
    qrseal_scanner_checkpoint, qrseal_scanner_free, qrseal_scanner_get_state,
    qrseal_scanner_load_revocations, qrseal_scanner_load_trust_list, qrseal_scanner_new_keys,
    qrseal_scanner_new_root, qrseal_scanner_restore, qrseal_scanner_set_clock_skew,
    qrseal_scanner_set_grace, qrseal_scanner_state, qrseal_scanner_verify_bytes,
    qrseal_scanner_verify_text, qrseal_verdict,
};

struct Input<'a>(&'a [u8]);

impl<'a> Input<'a> {
    fn byte(&mut self) -> u8 {
        let (&b, rest) = self.0.split_first().unwrap_or((&0, &[]));
        self.0 = rest;
        b
    }

    fn u64(&mut self) -> u64 {
        (0..8).fold(0, |n, _| n << 8 | u64::from(self.byte()))
    }

    /// A buffer: a 16-bit length, then that many bytes (fewer at the end of the input).
    fn chunk(&mut self) -> &'a [u8] {
        let len = usize::from(self.byte()) << 8 | usize::from(self.byte());
        let (chunk, rest) = self.0.split_at(len.min(self.0.len()));
        self.0 = rest;
        chunk
    }
}

fn assert_known(rc: qrseal_code) {
    assert!(!qrseal_code_name(rc as u32).is_null(), "{rc:?} has no name");
}

/// The bytes of a value, to check that a failed call left its output alone.
fn bytes_of<T>(value: &T) -> Vec<u8> {
    // SAFETY: reads size_of::<T>() initialised bytes of a live value (the outputs are
    // `#[repr(C)]` structs filled with a pattern before the call, padding included).
    unsafe { core::slice::from_raw_parts((value as *const T).cast::<u8>(), size_of::<T>()) }
        .to_vec()
}

/// Runs the calls `data` describes.
pub fn c_api(data: &[u8]) {
    let mut input = Input(data);
    let mut scanner: *mut qrseal_scanner = null_mut();
    let mut policy: *mut qrseal_policy = null_mut();
    // SAFETY: every pointer passed below is NULL, a live handle, or a live Rust buffer with
    // its true length (or a shorter one); handles are set to NULL when freed.
    unsafe {
        assert_eq!(qrseal_policy_new(&mut policy), qrseal_code::QRSEAL_OK);
        while !input.0.is_empty() {
            let op = input.byte();
            let now = input.u64() % (1 << 34);
            match op % 14 {
                0 | 1 => {
                    let keys = input.chunk();
                    qrseal_scanner_free(scanner);
                    scanner = null_mut();
                    let rc = if op % 14 == 0 {
                        qrseal_scanner_new_keys(keys.as_ptr(), keys.len(), &mut scanner)
                    } else {
                        qrseal_scanner_new_root(keys.as_ptr(), keys.len(), &mut scanner)
                    };
                    assert_known(rc);
                    assert_eq!(rc == qrseal_code::QRSEAL_OK, !scanner.is_null());
                }
                2 | 3 => {
                    let list = input.chunk();
                    let mut info = qrseal_list_info {
                        sequence: 7,
                        issued_at: 7,
                        next_update_by: 7,
                    };
                    let before = info;
                    let rc = if op % 14 == 2 {
                        qrseal_scanner_load_trust_list(
                            scanner,
                            list.as_ptr(),
                            list.len(),
                            now,
                            &mut info,
                        )
                    } else {
                        qrseal_scanner_load_revocations(
                            scanner,
                            list.as_ptr(),
                            list.len(),
                            now,
                            &mut info,
                        )
                    };
                    assert_known(rc);
                    if rc != qrseal_code::QRSEAL_OK {
                        assert_eq!(info, before);
                    }
                }
                4 | 5 => {
                    let token = input.chunk();
                    let flags = input.byte();
                    let len = if flags & 1 != 0 {
                        token.len()
                    } else {
                        token.len() / 2
                    };
                    let ptr = if flags & 2 != 0 {
                        null()
                    } else {
                        token.as_ptr()
                    };
                    let mut verdict = core::mem::MaybeUninit::<qrseal_verdict>::uninit();
                    core::ptr::write_bytes(verdict.as_mut_ptr(), 0xa5, 1);
                    let before = bytes_of(&verdict);
                    let out = if flags & 4 != 0 {
                        null_mut()
                    } else {
                        verdict.as_mut_ptr()
                    };
                    let rc = if op % 14 == 4 {
                        qrseal_scanner_verify_text(scanner, policy, ptr, len, now, out)
                    } else {
                        qrseal_scanner_verify_bytes(scanner, policy, ptr, len, now, out)
                    };
                    assert_known(rc);
                    if rc == qrseal_code::QRSEAL_OK {
                        let v = verdict.assume_init_ref();
                        assert_eq!(v.admitted, v.denial_count == 0);
                    } else {
                        assert_eq!(bytes_of(&verdict), before);
                    }
                }
                6 => {
                    let cap = usize::from(input.byte() % 64);
                    let mut buf = [0x5au8; 64];
                    let mut len = 12345usize;
                    let rc = qrseal_scanner_checkpoint(scanner, buf.as_mut_ptr(), cap, &mut len);
                    assert_known(rc);
                    if rc == qrseal_code::QRSEAL_OK {
                        assert_eq!(len, QRSEAL_CHECKPOINT_LEN);
                        assert_eq!(
                            qrseal_scanner_restore(scanner, buf.as_ptr(), len),
                            qrseal_code::QRSEAL_OK
                        );
                    } else {
                        assert!(buf.iter().all(|&b| b == 0x5a) && len == 12345);
                    }
                }
                7 => {
                    let saved = input.chunk();
                    assert_known(qrseal_scanner_restore(scanner, saved.as_ptr(), saved.len()));
                }
                8 => {
                    assert_known(qrseal_scanner_set_clock_skew(scanner, now));
                    assert_known(qrseal_scanner_set_grace(scanner, input.u64()));
                }
                9 => {
                    let b = input.byte();
                    assert_known(qrseal_policy_set_accepted_colours(
                        policy,
                        u32::from(b >> 3),
                    ));
                    assert_known(qrseal_policy_set_max_test_age(policy, b & 1 != 0, now));
                    assert_known(qrseal_policy_set_min_doses(policy, b));
                    assert_known(qrseal_policy_set_max_stale(policy, b & 2 != 0, now));
                    assert_known(qrseal_policy_set_require_revocations(policy, b & 4 != 0));
                }
                10 => {
                    let code = (now & 0xffff_ffff) as u32;
                    let _ = (
                        qrseal_code_name(code),
                        qrseal_code_message(code, u32::from(input.byte() % 3)),
                        qrseal_code_category(code),
                    );
                }
                11 => {
                    let pem = input.chunk();
                    let mut key = [0u8; QRSEAL_PUBLIC_KEY_LEN];
                    let cap = usize::from(input.byte()) % (QRSEAL_PUBLIC_KEY_LEN + 1);
                    let rc =
                        qrseal_public_key_from_pem(pem.as_ptr(), pem.len(), key.as_mut_ptr(), cap);
                    assert_known(rc);
                }
                12 => {
                    let mut state = qrseal_scanner_state::default();
                    assert_known(qrseal_scanner_get_state(scanner, &mut state));
                }
                _ => {
                    qrseal_scanner_free(scanner);
                    scanner = null_mut();
                }
            }
        }
        qrseal_scanner_free(scanner);
        qrseal_policy_free(policy);
    }
}
