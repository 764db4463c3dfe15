//! The journal through its public API: state rebuilt on open, tail recovery, refusals,
//! locking, batches and acknowledgements, group commit, and a disk that fills up.

use std::path::{Path, PathBuf};

use qrseal_core::{Colour, KeyId, SubjectId};
use qrseal_journal::{
    Damage, Durability, Error, Journal, MAX_TORN_TAIL, Options, Record, Scan, SealReason, decode,
    upload,
};

const T0: u64 = 1_700_000_000;

fn scan(i: u8, verdict: u16) -> Scan {
    Scan {
        subject: SubjectId([i; 12]),
        key_id: KeyId([0xab, 0xcd, 0xef, i]),
        colour: Colour::Green,
        verdict,
        scanned_at: T0 + u64::from(i),
    }
}

fn opts(tube_size: usize) -> Options {
    Options {
        tube_size,
        ..Options::default()
    }
}

fn new_journal(dir: &Path, tube_size: usize) -> (PathBuf, Journal) {
    let path = dir.join("j.qsj");
    let j =
        Journal::create_with_id(&path, [7; 16], "site-1", "dev-1", T0, opts(tube_size)).unwrap();
    (path, j)
}

/// Writes a journal with one full tube (3 samples), a denied scan, and an open tube with one
/// sample; returns its path.
fn populated(dir: &Path) -> PathBuf {
    let (path, j) = new_journal(dir, 3);
    j.open_tube("TUBE-A", T0 + 1).unwrap();
    for i in 1..=3 {
        let out = j.record_scan(scan(i, 0)).unwrap();
        assert_eq!(out.tube, Some(1));
        assert_eq!(out.sealed, (i == 3).then_some(1));
    }
    let denied = j.record_scan(scan(4, 400)).unwrap();
    assert_eq!((denied.tube, denied.not_assigned), (None, None));
    j.open_tube("TUBE-B", T0 + 5).unwrap();
    j.record_scan(scan(5, 0)).unwrap();
    path
}

#[test]
fn state_is_rebuilt_on_open_and_batches_are_the_contract_json() {
    let dir = tempfile::tempdir().unwrap();
    let path = populated(dir.path());
    let (j, recovery) = Journal::open(&path, opts(3)).unwrap();
    assert_eq!(recovery.dropped_bytes, 0);
    let status = j.status().unwrap();
    assert_eq!(status.scans, 5);
    assert_eq!(status.pending, 1);
    let open = status.open_tube.unwrap();
    assert_eq!(
        (open.tube, open.barcode.as_str(), open.samples),
        (2, "TUBE-B", 1)
    );
    let batches = j.pending_batches().unwrap();
    assert_eq!(batches.len(), 1);
    let key = format!("{}-1", "07".repeat(16));
    assert_eq!(batches[0].key, key);
    let expected = format!(
        r#"{{"batch":"{key}","site":"site-1","device":"dev-1","tube":"TUBE-A","opened_at":{},"sealed_at":{},"samples":[{}]}}"#,
        T0 + 1,
        T0 + 3,
        (1..=3)
            .map(|i: u8| format!(
                r#"{{"subject":"{}","kid":"abcdef{i:02x}","colour":"green","scanned_at":{}}}"#,
                format!("{i:02x}").repeat(12),
                T0 + u64::from(i)
            ))
            .collect::<Vec<_>>()
            .join(",")
    );
    assert_eq!(
        String::from_utf8(batches[0].json.clone()).unwrap(),
        expected
    );
    // No ID number or name: the file holds only hashes, key ids, codes and times.
    let bytes = std::fs::read(&path).unwrap();
    assert!(decode(&bytes).unwrap().tail.is_none());
}

#[test]
fn acknowledge_marks_only_its_batch_and_survives_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = populated(dir.path());
    {
        let (j, _) = Journal::open(&path, opts(3)).unwrap();
        let b = &j.pending_batches().unwrap()[0];
        assert!(matches!(
            j.acknowledge(&format!("{}-9", "07".repeat(16)), T0),
            Err(Error::NoSuchBatch(_))
        ));
        assert!(matches!(
            j.acknowledge(&format!("{}-01", "07".repeat(16)), T0),
            Err(Error::NoSuchBatch(_))
        ));
        assert!(matches!(
            j.acknowledge(&format!("{}-1", "08".repeat(16)), T0),
            Err(Error::NoSuchBatch(_))
        ));
        assert!(j.acknowledge(&b.key, T0 + 100).unwrap());
        assert!(
            !j.acknowledge(&b.key, T0 + 100).unwrap(),
            "a second ack is a no-op"
        );
    }
    let (j, _) = Journal::open(&path, opts(3)).unwrap();
    assert!(j.pending_batches().unwrap().is_empty());
    assert_eq!(j.status().unwrap().acknowledged, 1);
}

#[test]
fn tube_rules() {
    let dir = tempfile::tempdir().unwrap();
    let (_, j) = new_journal(dir.path(), 10);
    // No open tube: recorded, not assigned, and said why.
    let out = j.record_scan(scan(1, 0)).unwrap();
    assert_eq!(out.not_assigned, Some("no tube is open"));
    assert!(matches!(j.seal_tube(T0), Err(Error::NoOpenTube)));
    j.open_tube("T1", T0).unwrap();
    // The earlier scan can be assigned by hand, once.
    assert_eq!(j.assign(0, T0).unwrap(), (1, false));
    assert!(matches!(j.assign(0, T0), Err(Error::NotAssignable { .. })));
    assert!(matches!(j.assign(7, T0), Err(Error::NoSuchScan(7))));
    // The same person twice in one tube: recorded, not assigned.
    let again = j.record_scan(scan(1, 0)).unwrap();
    assert_eq!(
        again.not_assigned,
        Some("the same person is already in this tube")
    );
    // A denied scan is never assigned.
    let denied = j.record_scan(scan(2, 400)).unwrap();
    assert!(matches!(
        j.assign(denied.index, T0),
        Err(Error::NotAssignable { .. })
    ));
    assert!(matches!(j.open_tube("T1", T0), Err(Error::TubeReused(_))));
    assert!(matches!(
        j.open_tube("bad barcode", T0),
        Err(Error::BadId { .. })
    ));
    // Opening the next tube seals this one.
    let next = j.open_tube("T2", T0).unwrap();
    assert_eq!((next.tube, next.sealed), (2, Some(1)));
    // An empty tube sealed is never a batch.
    j.open_tube("T3", T0).unwrap();
    assert_eq!(j.pending_batches().unwrap().len(), 1);
    assert_eq!(j.seal_tube(T0).unwrap(), 3);
    assert_eq!(j.pending_batches().unwrap().len(), 1);
    assert!(matches!(
        Journal::create(&dir.path().join("x"), "s", "d", T0, opts(101)),
        Err(Error::BadTubeSize)
    ));
    assert!(matches!(
        Journal::create(&dir.path().join("x"), "s/", "d", T0, opts(10)),
        Err(Error::BadId { .. })
    ));
}

#[test]
fn create_never_replaces_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.qsj");
    std::fs::write(&path, b"precious").unwrap();
    assert!(matches!(
        Journal::create(&path, "s", "d", T0, Options::default()),
        Err(Error::Exists)
    ));
    assert_eq!(std::fs::read(&path).unwrap(), b"precious");
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no temporary left"
    );
}

#[test]
fn a_second_handle_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (path, j) = new_journal(dir.path(), 10);
    assert!(matches!(
        Journal::open(&path, Options::default()),
        Err(Error::Locked)
    ));
    drop(j);
    Journal::open(&path, Options::default()).unwrap();
}

#[test]
fn a_torn_tail_is_cut_at_every_length() {
    let dir = tempfile::tempdir().unwrap();
    let path = populated(dir.path());
    let full = std::fs::read(&path).unwrap();
    let records = decode(&full).unwrap().records;
    let (last_offset, _) = records.last().unwrap();
    let last_offset = *last_offset as usize;
    for cut in last_offset + 1..full.len() {
        std::fs::write(&path, &full[..cut]).unwrap();
        let (j, recovery) = Journal::open(&path, opts(3)).unwrap();
        assert_eq!(recovery.offset, last_offset as u64);
        assert_eq!(recovery.dropped_bytes, (cut - last_offset) as u64);
        assert_eq!(recovery.reason, Some(Damage::Torn));
        assert_eq!(j.status().unwrap().open_tube.unwrap().samples, 0);
        drop(j);
        assert_eq!(std::fs::read(&path).unwrap(), &full[..last_offset]);
    }
}

#[test]
fn a_bad_checksum_or_length_at_the_end_is_cut() {
    let dir = tempfile::tempdir().unwrap();
    let path = populated(dir.path());
    let full = std::fs::read(&path).unwrap();
    let last = decode(&full).unwrap().records.last().unwrap().0 as usize;
    let mut flipped = full.clone();
    *flipped.last_mut().unwrap() ^= 1;
    std::fs::write(&path, &flipped).unwrap();
    let (_, r) = Journal::open(&path, opts(3)).unwrap();
    assert_eq!(
        (r.offset, r.reason),
        (last as u64, Some(Damage::BadChecksum))
    );
    // A length field of 4 GiB is damage, not an allocation.
    let mut huge = full[..last].to_vec();
    huge.extend_from_slice(&u32::MAX.to_le_bytes());
    huge.extend_from_slice(&[1; 40]);
    std::fs::write(&path, &huge).unwrap();
    let (_, r) = Journal::open(&path, opts(3)).unwrap();
    assert_eq!((r.dropped_bytes, r.reason), (44, Some(Damage::BadLength)));
    assert_eq!(std::fs::read(&path).unwrap(), &full[..last]);
}

#[test]
fn damage_far_from_the_end_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = populated(dir.path());
    let full = std::fs::read(&path).unwrap();
    let first = decode(&full).unwrap().records[0].0 as usize;
    let mut bytes = full.clone();
    bytes[first + 6] ^= 0x55;
    bytes.extend(std::iter::repeat_n(0u8, MAX_TORN_TAIL as usize));
    std::fs::write(&path, &bytes).unwrap();
    assert!(matches!(
        Journal::open(&path, opts(3)),
        Err(Error::Damaged { offset, reason: Damage::BadChecksum, .. }) if offset == first as u64
    ));
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
}

#[test]
fn other_formats_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = populated(dir.path());
    let full = std::fs::read(&path).unwrap();
    type Check = fn(&Error) -> bool;
    let cases: [(Vec<u8>, Check); 4] = [
        (b"PK\x03\x04 not a journal".to_vec(), |e| {
            matches!(e, Error::NotAJournal)
        }),
        (
            {
                let mut b = full.clone();
                b[8] = 2;
                b
            },
            |e| matches!(e, Error::UnsupportedVersion(2)),
        ),
        (
            {
                let mut b = full.clone();
                b[30] ^= 1;
                b
            },
            |e| matches!(e, Error::CorruptHeader(_)),
        ),
        (full[..20].to_vec(), |e| {
            matches!(e, Error::CorruptHeader(_))
        }),
    ];
    for (bytes, check) in cases {
        std::fs::write(&path, &bytes).unwrap();
        let e = Journal::open(&path, opts(3)).unwrap_err();
        assert!(check(&e), "{e}");
        assert_eq!(std::fs::read(&path).unwrap(), bytes, "left unchanged");
    }
}

#[test]
fn a_valid_record_that_breaks_the_rules_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = populated(dir.path());
    let mut bytes = std::fs::read(&path).unwrap();
    // Tube 1 is sealed: sealing it again is a writer bug, not damage.
    Record::TubeSealed {
        tube: 1,
        sealed_at: T0,
        reason: SealReason::ByHand,
    }
    .encode_into(&mut bytes);
    std::fs::write(&path, &bytes).unwrap();
    assert!(matches!(
        Journal::open(&path, opts(3)),
        Err(Error::Inconsistent { .. })
    ));
}

#[test]
fn group_commit_from_threads_keeps_every_record() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("g.qsj");
    let options = Options {
        tube_size: 10,
        durability: Durability::GroupCommit,
    };
    let j = Journal::create(&path, "s", "d", T0, options).unwrap();
    std::thread::scope(|s| {
        for t in 0..4u8 {
            let j = &j;
            s.spawn(move || {
                for i in 0..50u8 {
                    j.record_scan(scan(t * 50 + i, 400)).unwrap();
                }
            });
        }
    });
    drop(j);
    let (j, r) = Journal::open(&path, options).unwrap();
    assert_eq!(r.dropped_bytes, 0);
    assert_eq!(j.status().unwrap().scans, 200);
}

#[test]
fn upload_answers_are_classified() {
    let dir = tempfile::tempdir().unwrap();
    let path = populated(dir.path());
    let (j, _) = Journal::open(&path, opts(3)).unwrap();
    let b = &j.pending_batches().unwrap()[0];
    let ack = |key: &str, n: u32| {
        format!(r#"{{"batch":"{key}","tube":"TUBE-A","samples":{n},"stored_at":42}}"#)
    };
    assert_eq!(
        upload::classify(b, 201, None, ack(&b.key, 3).as_bytes()),
        upload::Answer::Stored { stored_at: 42 }
    );
    assert_eq!(
        upload::classify(b, 200, None, ack(&b.key, 3).as_bytes()),
        upload::Answer::Stored { stored_at: 42 }
    );
    assert!(matches!(
        upload::classify(b, 201, None, ack("other-1", 3).as_bytes()),
        upload::Answer::Refused { status: 201, .. }
    ));
    assert!(matches!(
        upload::classify(b, 200, None, ack(&b.key, 2).as_bytes()),
        upload::Answer::Refused { .. }
    ));
    assert_eq!(
        upload::classify(b, 503, Some("3"), b"{}"),
        upload::Answer::RetryAfter(Some(std::time::Duration::from_secs(3)))
    );
    assert_eq!(
        upload::classify(b, 429, Some("soon"), b""),
        upload::Answer::RetryAfter(None)
    );
    assert!(matches!(
        upload::classify(b, 409, None, br#"{"error":"batch_conflict","message":"m"}"#),
        upload::Answer::Conflict(m) if m == "m"
    ));
    let backoff = upload::Backoff::default();
    let d = backoff.delay(1, Some(std::time::Duration::from_secs(3)), 0.0);
    assert_eq!(d, std::time::Duration::from_secs(3));
    assert!(backoff.delay(1, Some(std::time::Duration::from_secs(3)), 0.99) > d);
    assert_eq!(backoff.delay(30, None, 0.99), backoff.max);
}

/// The child's part of `a_full_disk_fails_the_append_cleanly`: appends until the file-size
/// limit set by its parent stops it, printing how many calls returned.
fn fill_until_full(path: &Path) {
    let (j, _) = Journal::open(path, opts(10)).unwrap();
    let mut ok = 0u32;
    let err = loop {
        match j.record_scan(scan((ok % 250) as u8, 400)) {
            Ok(_) => ok += 1,
            Err(e) => break e,
        }
    };
    assert!(matches!(err, Error::Io { .. }), "{err}");
    // The next append fails the same way, and leaves no partial record either.
    assert!(matches!(j.record_scan(scan(1, 400)), Err(Error::Io { .. })));
    println!("RECORDED {ok}");
}

#[test]
fn a_full_disk_fails_the_append_cleanly() {
    // Run again by itself, as the child, under the file-size limit.
    if let Some(path) = std::env::var_os("QRSEAL_JOURNAL_CHILD") {
        return fill_until_full(Path::new(&path));
    }
    let dir = tempfile::tempdir().unwrap();
    let (path, j) = new_journal(dir.path(), 10);
    drop(j);
    let exe = std::env::current_exe().unwrap();
    // SIGXFSZ would kill the child at the limit; ignored, the write fails with EFBIG. The
    // limit is in 1024-byte blocks: 2 KiB is not a multiple of a record's 36 bytes, so the
    // last append is cut mid-record.
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg("trap '' XFSZ; ulimit -f 2; exec \"$0\" --exact a_full_disk_fails_the_append_cleanly --nocapture --test-threads 1")
        .arg(&exe)
        .env("QRSEAL_JOURNAL_CHILD", &path)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let recorded: u32 = stdout
        .lines()
        .find_map(|l| l.split("RECORDED ").nth(1))
        .unwrap()
        .parse()
        .unwrap();
    assert!(recorded > 10);
    let len = std::fs::metadata(&path).unwrap().len();
    assert!(len <= 2048);
    let (j, r) = Journal::open(&path, opts(10)).unwrap();
    assert_eq!(r.dropped_bytes, 0, "the failed append was cut back");
    assert_eq!(j.status().unwrap().scans, recorded);
    assert_eq!(j.status().unwrap().bytes, len);
}
