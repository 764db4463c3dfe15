//! The issuer through its public API: keys and key files, subject hashing, issuing, TTL
//! spread, batch issuing.

use std::collections::HashMap;
use std::time::Duration;

use qrseal_core::{
    Colour, Date, DisplayHint, TestRecord, TestResult, Timestamp, Token, Vaccination,
};
use qrseal_issuer::{Error, Issuer, IssuerKey, Status, SubjectSecret, TtlPolicy, keyfile};

const NOW: u64 = 1_795_248_000; // 2026-11-21T08:00:00Z

fn issuer() -> Issuer {
    Issuer::new(
        IssuerKey::from_secret_bytes([1; 32]),
        SubjectSecret::from_bytes([2; 32]),
    )
}

#[test]
fn key_files_are_private_never_overwritten_and_load_back() {
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("keys");
    let key = IssuerKey::generate().unwrap();
    let secret = SubjectSecret::generate().unwrap();
    keyfile::save_new(&keys, &key, &secret).unwrap();

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |f: &str| {
            std::fs::metadata(keys.join(f))
                .unwrap()
                .permissions()
                .mode()
                & 0o777
        };
        assert_eq!(mode(keyfile::ISSUER_KEY_FILE), 0o600);
        assert_eq!(mode(keyfile::SUBJECT_KEY_FILE), 0o600);
    }
    let pem = std::fs::read_to_string(keys.join(keyfile::ISSUER_KEY_FILE)).unwrap();
    assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"));
    let public = std::fs::read_to_string(keys.join(keyfile::ISSUER_PUB_FILE)).unwrap();
    assert!(public.starts_with("-----BEGIN PUBLIC KEY-----"));

    let (loaded, loaded_secret) = keyfile::load(&keys).unwrap();
    assert_eq!(loaded.public_key(), key.public_key());
    assert_eq!(loaded.key_id(), key.key_id());
    assert_eq!(
        loaded_secret.subject_for("110101199003078888").unwrap(),
        secret.subject_for("110101199003078888").unwrap()
    );

    // A second key set into the same directory is refused and the first is untouched.
    let other = IssuerKey::generate().unwrap();
    match keyfile::save_new(&keys, &other, &SubjectSecret::generate().unwrap()) {
        Err(Error::KeyFileExists(path)) => assert!(path.ends_with(keyfile::ISSUER_KEY_FILE)),
        other => panic!("expected KeyFileExists, got {other:?}"),
    }
    assert_eq!(
        std::fs::read_to_string(keys.join(keyfile::ISSUER_KEY_FILE)).unwrap(),
        pem
    );
    // No temporary files are left behind.
    assert_eq!(std::fs::read_dir(&keys).unwrap().count(), 3);

    // If only one of the three exists, nothing is written either.
    let partial = dir.path().join("partial");
    std::fs::create_dir(&partial).unwrap();
    std::fs::write(partial.join(keyfile::SUBJECT_KEY_FILE), "x").unwrap();
    assert!(matches!(
        keyfile::save_new(&partial, &key, &secret),
        Err(Error::KeyFileExists(_))
    ));
    assert_eq!(std::fs::read_dir(&partial).unwrap().count(), 1);
}

#[test]
fn damaged_key_files_give_errors_not_panics() {
    let dir = tempfile::tempdir().unwrap();
    assert!(matches!(keyfile::load(dir.path()), Err(Error::Io { .. })));
    keyfile::save_new(
        dir.path(),
        &IssuerKey::generate().unwrap(),
        &SubjectSecret::generate().unwrap(),
    )
    .unwrap();
    let path = dir.path().join(keyfile::ISSUER_KEY_FILE);
    for junk in [
        &b""[..],
        b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
        &[0xff; 100],
    ] {
        std::fs::write(&path, junk).unwrap();
        assert!(matches!(
            keyfile::load(dir.path()),
            Err(Error::KeyEncoding(_) | Error::Io { .. })
        ));
    }
    std::fs::write(&path, vec![b'A'; 100_000]).unwrap();
    assert!(matches!(
        keyfile::load(dir.path()),
        Err(Error::KeyEncoding(_))
    ));
    assert!(
        SubjectSecret::from_pem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n")
            .is_err()
    );
}

#[test]
fn subject_hashing_is_keyed_normalised_and_strict() {
    let a = SubjectSecret::from_bytes([2; 32]);
    let b = SubjectSecret::from_bytes([3; 32]);
    let id = "11010119900307888X";
    let s = a.subject_for(id).unwrap();
    assert_eq!(a.subject_for(" 11010119900307888x\n").unwrap(), s);
    assert_ne!(
        b.subject_for(id).unwrap(),
        s,
        "a different secret gives a different subject"
    );
    assert_ne!(a.subject_for("110101199003078881").unwrap(), s);
    for bad in ["", "   ", "1101-0119", "张三", &"1".repeat(65)] {
        assert!(
            matches!(a.subject_for(bad), Err(Error::InvalidIdNumber(_))),
            "{bad:?}"
        );
    }
    assert!(a.subject_for(&"1".repeat(64)).is_ok());
}

#[test]
fn issued_tokens_carry_the_status_and_parse() {
    let issuer = issuer();
    let now = Timestamp::from_unix(NOW);
    let mut status = Status::new(
        issuer.subject("110101199003078888").unwrap(),
        Colour::Yellow,
    );
    status.test = Some(TestRecord {
        result: TestResult::Negative,
        collected_at: now.saturating_sub(7200),
    });
    status.vaccination = Some(Vaccination {
        doses: 3,
        last_dose: "2026-03-01".parse::<Date>().unwrap(),
    });
    status.display_hint = Some(DisplayHint::new("张*明 ****1234").unwrap());
    let token = issuer.issue(&status, now).unwrap();
    let parsed = Token::parse(token.bytes()).unwrap();
    assert_eq!(&parsed.claims, token.claims());
    assert_eq!(parsed.key_id, issuer.key().key_id());
    assert_eq!(parsed.claims.colour, Colour::Yellow);
    assert_eq!(parsed.claims.issued_at, now);
    // Deterministic: the same status at the same time gives the same bytes.
    assert_eq!(issuer.issue(&status, now).unwrap(), token);

    // A test collected after the issue time cannot be carried.
    status.test = Some(TestRecord {
        result: TestResult::Negative,
        collected_at: now.saturating_add(1),
    });
    assert!(matches!(issuer.issue(&status, now), Err(Error::Claims(_))));
}

#[test]
fn expiries_spread_per_holder_over_the_window() {
    let ttl = TtlPolicy::new(
        Duration::from_secs(24 * 3600),
        Duration::from_secs(3 * 3600),
    );
    let issuer = issuer().with_ttl(ttl).unwrap();
    let now = Timestamp::from_unix(NOW);
    let mut per_minute: HashMap<u64, u32> = HashMap::new();
    for i in 0..10_000 {
        let subject = issuer.subject(&format!("1101011990{i:08}")).unwrap();
        let expiry = ttl.expiry(&subject, now);
        assert!(expiry <= now.saturating_add(24 * 3600));
        assert!(expiry >= now.saturating_add(21 * 3600));
        // Fixed per holder.
        assert_eq!(
            ttl.expiry(&subject, now.saturating_add(60)),
            expiry.saturating_add(60)
        );
        *per_minute.entry(expiry.unix() / 60).or_default() += 1;
    }
    // 10,000 holders over 180 minutes: about 56 a minute, none near all at once.
    assert!(
        per_minute.len() >= 175,
        "{} distinct minutes",
        per_minute.len()
    );
    let busiest = per_minute.values().max().copied().unwrap_or(0);
    assert!(busiest < 120, "busiest minute has {busiest} expiries");
}

#[test]
fn ttl_policies_are_checked() {
    for bad in [
        TtlPolicy::new(Duration::ZERO, Duration::ZERO),
        TtlPolicy::new(Duration::from_secs(3600), Duration::from_secs(3600)),
        TtlPolicy::new(Duration::from_secs(1 << 21), Duration::ZERO),
    ] {
        assert!(
            matches!(issuer().with_ttl(bad), Err(Error::InvalidTtl(_))),
            "{bad:?}"
        );
    }
}

#[test]
fn refresh_comes_before_expiry() {
    let issuer = issuer();
    let now = Timestamp::from_unix(NOW);
    let token = issuer
        .issue(
            &Status::new(issuer.subject("A1").unwrap(), Colour::Green),
            now,
        )
        .unwrap();
    let c = token.claims();
    assert!(token.refresh_at() > c.issued_at);
    assert!(token.refresh_at() < c.expires_at);
}

#[test]
fn batch_issuing_equals_issuing_one_by_one() {
    let issuer = issuer();
    let now = Timestamp::from_unix(NOW);
    let mut statuses: Vec<Status> = (0..300)
        .map(|i| {
            Status::new(
                issuer.subject(&format!("ID{i}")).unwrap(),
                Colour::ALL[i % 4],
            )
        })
        .collect();
    // One bad status in the middle fails alone.
    statuses[150].test = Some(TestRecord {
        result: TestResult::Negative,
        collected_at: now.saturating_add(5),
    });
    let batch = issuer.issue_batch(&statuses, now);
    assert_eq!(batch.len(), statuses.len());
    for (i, (status, result)) in statuses.iter().zip(&batch).enumerate() {
        match (issuer.issue(status, now), result) {
            (Ok(one), Ok(many)) => assert_eq!(&one, many, "token {i}"),
            (Err(_), Err(_)) => assert_eq!(i, 150),
            (a, b) => panic!("token {i}: one by one {a:?}, batch {b:?}"),
        }
    }
}

#[test]
fn a_foreign_file_in_place_of_the_staging_directory_is_reported_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    // Key writes stage in `.qrseal-keys.writing`, a directory; a plain file with that name
    // is not ours to remove.
    let stale = dir.path().join(".qrseal-keys.writing");
    std::fs::write(&stale, "someone else's").unwrap();
    let err = keyfile::save_new(
        dir.path(),
        &IssuerKey::generate().unwrap(),
        &SubjectSecret::generate().unwrap(),
    )
    .unwrap_err();
    assert!(
        matches!(err, Error::Io { ref path, .. } if path == &stale),
        "{err:?}"
    );
    assert_eq!(std::fs::read_to_string(&stale).unwrap(), "someone else's");
    // Nothing else was written.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);

    // A file where the directory should be.
    let file = dir.path().join("plain-file");
    std::fs::write(&file, "x").unwrap();
    let err = keyfile::save_new(
        &file,
        &IssuerKey::generate().unwrap(),
        &SubjectSecret::generate().unwrap(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("not a directory"), "{err}");
}

#[test]
fn a_vaccine_dose_dated_in_the_future_is_refused() {
    let issuer = issuer();
    let now = Timestamp::parse_rfc3339("2026-11-21T08:00:00Z").unwrap();
    let mut status = Status::new(issuer.subject("110101199003078888").unwrap(), Colour::Green);
    let dose = |date: &str| qrseal_core::Vaccination {
        doses: 2,
        last_dose: date.parse::<qrseal_core::Date>().unwrap(),
    };
    // Today, and tomorrow (a time zone east of UTC), are accepted.
    for date in ["2026-11-21", "2026-11-22"] {
        status.vaccination = Some(dose(date));
        assert!(issuer.issue(&status, now).is_ok(), "{date}");
    }
    status.vaccination = Some(dose("2026-11-23"));
    assert!(matches!(
        issuer.issue(&status, now),
        Err(Error::InvalidStatus(_))
    ));
}

#[test]
fn a_test_older_than_a_token_can_carry_is_left_out_not_refused() {
    let issuer = issuer();
    let now = Timestamp::from_unix(NOW);
    let mut status = Status::new(issuer.subject("110101199003078888").unwrap(), Colour::Green);
    let max = u64::from(qrseal_core::wire::MAX_TEST_AGE_SECS);
    let test = |age: u64| TestRecord {
        result: TestResult::Negative,
        collected_at: Timestamp::from_unix(NOW - age),
    };
    status.test = Some(test(max));
    let carried = issuer.issue(&status, now).unwrap();
    assert_eq!(carried.claims().test, Some(test(max)));
    status.test = Some(test(max + 1));
    let omitted = issuer.issue(&status, now).unwrap();
    assert_eq!(omitted.claims().test, None);
    assert_eq!(omitted.claims().colour, Colour::Green);
    // A test collected after the issue time is still an error, not dropped.
    status.test = Some(TestRecord {
        result: TestResult::Negative,
        collected_at: Timestamp::from_unix(NOW + 1),
    });
    assert!(issuer.issue(&status, now).is_err());
}
