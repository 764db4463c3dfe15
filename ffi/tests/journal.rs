//! The collection journal through the C ABI: verify, record, fill and seal a tube, read the
//! batch JSON, acknowledge with the service's answer, reopen; refusals and NULLs.
#![allow(unsafe_code)] // calls the C ABI

use std::ptr::{null, null_mut};

use qrseal_core::{Colour, Timestamp};
use qrseal_ffi::*;
use qrseal_issuer::{Issuer, IssuerKey, Status, SubjectSecret};

const NOW: u64 = 1_795_248_000;

fn tokens() -> (Vec<u8>, Vec<String>) {
    let key = IssuerKey::from_secret_bytes([2; 32]);
    let public = key.public_key().to_vec();
    let issuer = Issuer::new(key, SubjectSecret::from_bytes([3; 32]));
    let texts = [
        ("110101199003078881", Colour::Green),
        ("110101199003078882", Colour::Green),
        ("110101199003078883", Colour::Yellow),
    ]
    .iter()
    .map(|(id, colour)| {
        let subject = issuer.subject(id).unwrap();
        issuer
            .issue(&Status::new(subject, *colour), Timestamp::from_unix(NOW))
            .unwrap()
            .qr_text()
    })
    .collect();
    (public, texts)
}

unsafe fn open(path: &str) -> Result<*mut qrseal_journal, qrseal_code> {
    let mut j = null_mut();
    let mut dropped = 7u64;
    // SAFETY: valid buffers with their lengths.
    let rc = unsafe {
        qrseal_journal_open(
            path.as_ptr(),
            path.len(),
            b"site-1".as_ptr(),
            6,
            b"gate-1".as_ptr(),
            6,
            2,
            NOW,
            &mut j,
            &mut dropped,
        )
    };
    if rc == qrseal_code::QRSEAL_OK {
        assert_eq!(dropped, 0);
        Ok(j)
    } else {
        assert!(j.is_null(), "nothing written on failure");
        Err(rc)
    }
}

#[test]
fn collect_a_tube_through_the_c_abi() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.qsj").to_str().unwrap().to_owned();
    let (key, texts) = tokens();
    // SAFETY: valid buffers and handles throughout; every handle is released.
    unsafe {
        let (mut scanner, mut policy) = (null_mut(), null_mut());
        assert_eq!(
            qrseal_scanner_new_keys(key.as_ptr(), 32, &mut scanner),
            qrseal_code::QRSEAL_OK
        );
        assert_eq!(qrseal_policy_new(&mut policy), qrseal_code::QRSEAL_OK);
        let j = open(&path).unwrap();
        assert_eq!(open(&path), Err(qrseal_code::QRSEAL_JOURNAL_LOCKED));
        let mut tube = 0u32;
        assert_eq!(
            qrseal_journal_seal_tube(j, NOW, &mut tube),
            qrseal_code::QRSEAL_NO_OPEN_TUBE
        );
        assert_eq!(
            qrseal_journal_open_tube(j, b"T-1".as_ptr(), 3, NOW, &mut tube),
            qrseal_code::QRSEAL_OK
        );
        assert_eq!(tube, 1);
        assert_eq!(
            qrseal_journal_open_tube(j, b"bad tube".as_ptr(), 8, NOW, &mut tube),
            qrseal_code::QRSEAL_INVALID_ARGUMENT
        );
        let mut outcomes = Vec::new();
        for text in [&texts[2], &texts[0], &texts[1]] {
            let mut v = std::mem::MaybeUninit::<qrseal_verdict>::uninit();
            assert_eq!(
                qrseal_scanner_verify_text(
                    scanner,
                    policy,
                    text.as_ptr(),
                    text.len(),
                    NOW,
                    v.as_mut_ptr()
                ),
                qrseal_code::QRSEAL_OK
            );
            let v = v.assume_init();
            let mut o = qrseal_scan_outcome::default();
            // The verdict of one token with the text of another is refused.
            let other = if text == &texts[0] {
                &texts[1]
            } else {
                &texts[0]
            };
            assert_eq!(
                qrseal_journal_record_scan(j, &v, other.as_ptr(), other.len(), NOW, &mut o),
                qrseal_code::QRSEAL_INVALID_ARGUMENT
            );
            assert_eq!(
                qrseal_journal_record_scan(j, &v, text.as_ptr(), text.len(), NOW + 1, &mut o),
                qrseal_code::QRSEAL_OK
            );
            outcomes.push(o);
        }
        // Yellow is denied by the default policy: recorded, not in the tube.
        assert!(!outcomes[0].assigned);
        assert!(outcomes[1].assigned && !outcomes[1].sealed);
        assert!(outcomes[2].assigned && outcomes[2].sealed);
        assert_eq!(
            outcomes.iter().map(|o| o.index).collect::<Vec<_>>(),
            [0, 1, 2]
        );

        let mut n = 0usize;
        assert_eq!(
            qrseal_journal_pending_count(j, &mut n),
            qrseal_code::QRSEAL_OK
        );
        assert_eq!(n, 1);
        let mut batch = std::mem::MaybeUninit::<qrseal_batch>::uninit();
        let mut json = vec![0u8; QRSEAL_BATCH_JSON_CAP];
        assert_eq!(
            qrseal_journal_pending_batch(j, 0, batch.as_mut_ptr(), json.as_mut_ptr(), 10),
            qrseal_code::QRSEAL_BUFFER_TOO_SMALL
        );
        assert_eq!(
            qrseal_journal_pending_batch(j, 1, batch.as_mut_ptr(), json.as_mut_ptr(), json.len()),
            qrseal_code::QRSEAL_NO_SUCH_BATCH
        );
        assert_eq!(
            qrseal_journal_pending_batch(j, 0, batch.as_mut_ptr(), json.as_mut_ptr(), json.len()),
            qrseal_code::QRSEAL_OK
        );
        let batch = batch.assume_init();
        let key_len = batch.key.iter().position(|&b| b == 0).unwrap();
        let key = std::str::from_utf8(&batch.key[..key_len])
            .unwrap()
            .to_owned();
        let body: serde_json::Value = serde_json::from_slice(&json[..batch.json_len]).unwrap();
        assert_eq!(body["batch"], key.as_str());
        assert_eq!(body["tube"], "T-1");
        assert_eq!(body["samples"].as_array().unwrap().len(), 2);
        assert_eq!((batch.sequence, batch.samples), (1, 2));

        // An answer for another batch does not acknowledge this one.
        let wrong = br#"{"batch":"x-1","tube":"T-1","samples":2,"stored_at":5}"#;
        assert_eq!(
            qrseal_journal_acknowledge(j, key.as_ptr(), key.len(), wrong.as_ptr(), wrong.len()),
            qrseal_code::QRSEAL_INVALID_ARGUMENT
        );
        let answer = format!(r#"{{"batch":"{key}","tube":"T-1","samples":2,"stored_at":5}}"#);
        for _ in 0..2 {
            assert_eq!(
                qrseal_journal_acknowledge(
                    j,
                    key.as_ptr(),
                    key.len(),
                    answer.as_ptr(),
                    answer.len()
                ),
                qrseal_code::QRSEAL_OK
            );
        }
        assert_eq!(
            qrseal_journal_acknowledge(j, b"nope-1".as_ptr(), 6, answer.as_ptr(), answer.len()),
            qrseal_code::QRSEAL_NO_SUCH_BATCH
        );
        qrseal_journal_close(j);
        let j = open(&path).unwrap();
        assert_eq!(
            qrseal_journal_pending_count(j, &mut n),
            qrseal_code::QRSEAL_OK
        );
        assert_eq!(n, 0);
        assert_eq!(
            qrseal_journal_open_tube(j, b"T-1".as_ptr(), 3, NOW, &mut tube),
            qrseal_code::QRSEAL_TUBE_REUSED
        );
        qrseal_journal_close(j);
        qrseal_journal_close(null_mut());
        qrseal_scanner_free(scanner);
        qrseal_policy_free(policy);
    }
}

#[test]
fn bad_arguments_and_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let other = dir.path().join("other").to_str().unwrap().to_owned();
    std::fs::write(&other, b"not a journal at all, just text").unwrap();
    // SAFETY: NULLs where refused; valid buffers otherwise.
    unsafe {
        assert_eq!(open(&other), Err(qrseal_code::QRSEAL_JOURNAL_UNSUPPORTED));
        let mut j = null_mut();
        assert_eq!(
            qrseal_journal_open(null(), 3, null(), 0, null(), 0, 0, NOW, &mut j, null_mut()),
            qrseal_code::QRSEAL_INVALID_ARGUMENT
        );
        let path = dir.path().join("j").to_str().unwrap().to_owned();
        assert_eq!(
            qrseal_journal_open(
                path.as_ptr(),
                path.len(),
                b"s/".as_ptr(),
                2,
                b"d".as_ptr(),
                1,
                0,
                NOW,
                &mut j,
                null_mut()
            ),
            qrseal_code::QRSEAL_INVALID_ARGUMENT
        );
        assert!(j.is_null());
        let mut n = 0usize;
        assert_eq!(
            qrseal_journal_pending_count(null(), &mut n),
            qrseal_code::QRSEAL_INVALID_ARGUMENT
        );
        let mut o = qrseal_scan_outcome::default();
        assert_eq!(
            qrseal_journal_record_scan(null(), null(), null(), 0, NOW, &mut o),
            qrseal_code::QRSEAL_INVALID_ARGUMENT
        );
    }
}
