//! Collection sites and tube uploads, through HTTP against the running binary, on the
//! database the environment names (SQLite by default, PostgreSQL with
//! `QRSEAL_TEST_POSTGRES_URL`): enrolment and rotation, idempotent uploads, conflicts,
//! credentials, malformed input, the per-site limit, shedding, concurrent identical
//! uploads from two processes, and SIGKILL durability.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{ADMIN, Env, Reply, Service};
use sqlx::Row as _;

const JOURNAL: &str = "0123456789abcdef0123456789abcdef";

/// Enrols `site` and returns its credential.
fn enrol_site(service: &Service, site: &str) -> String {
    let r = service.request(
        "POST",
        "/v1/sites",
        Some(ADMIN),
        Some(&format!(r#"{{"site":"{site}"}}"#)),
    );
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.header("cache-control"), Some("no-store"));
    let j = r.json();
    assert_eq!(j["site"], site);
    j["credential"].as_str().unwrap().to_owned()
}

/// A batch of `n` samples for tube `tube`, sequence `seq` of `journal`.
fn batch(journal: &str, seq: u64, site: &str, tube: &str, n: usize) -> serde_json::Value {
    let samples: Vec<_> = (0..n)
        .map(|i| {
            serde_json::json!({
                "subject": format!("{:024x}", (seq << 16) + i as u64 + 1),
                "kid": "0a1b2c3d",
                // Every colour of the format: a permissive policy may admit dark red.
                "colour": (["green", "yellow", "red", "dark-red"][i % 4]),
                "scanned_at": 1_764_000_000 + i as u64,
            })
        })
        .collect();
    serde_json::json!({
        "batch": format!("{journal}-{seq}"),
        "site": site,
        "device": "handheld-01",
        "tube": tube,
        "opened_at": 1_764_000_000u64,
        "sealed_at": 1_764_000_100u64,
        "samples": samples,
    })
}

fn upload(service: &Service, credential: &str, body: &serde_json::Value) -> Reply {
    service.request(
        "POST",
        "/v1/samples",
        Some(credential),
        Some(&body.to_string()),
    )
}

fn body_text(r: &Reply) -> String {
    String::from_utf8_lossy(&r.body).into_owned()
}

/// (batch rows, sample rows) stored.
fn counts(env: &Env, rt: &tokio::runtime::Runtime) -> (i64, i64) {
    let pool = env.pool(rt);
    let out = rt.block_on(async {
        let count = |sql: &'static str| {
            let pool = pool.clone();
            async move {
                sqlx::query(sql)
                    .fetch_one(&pool)
                    .await
                    .unwrap()
                    .try_get::<i64, _>("n")
                    .unwrap()
            }
        };
        (
            count("SELECT COUNT(*) AS n FROM sample_batches").await,
            count("SELECT COUNT(*) AS n FROM samples").await,
        )
    });
    rt.block_on(pool.close());
    out
}

#[test]
fn upload_stores_once_replays_the_same_answer_and_reads_back_in_order() {
    let env = Env::new();
    let rt = common::runtime();
    let service = env.start(&[]);
    let credential = enrol_site(&service, "site-1");
    assert_eq!(credential.len(), 43, "256 bits, base64url");
    let body = batch(JOURNAL, 1, "site-1", "T0001", 10);

    let first = upload(&service, &credential, &body);
    assert_eq!(first.status, 201, "{}", body_text(&first));
    assert_eq!(first.header("cache-control"), Some("no-store"));
    let answer = first.json();
    assert_eq!(answer["batch"], format!("{JOURNAL}-1"));
    assert_eq!(answer["tube"], "T0001");
    assert_eq!(answer["samples"], 10);
    assert!(answer["stored_at"].as_i64().unwrap() >= 1_764_000_000);

    // A retry (the scanner never saw the answer): the same body, stored once.
    for _ in 0..3 {
        let again = upload(&service, &credential, &body);
        assert_eq!(again.status, 200, "{}", body_text(&again));
        assert_eq!(again.body, first.body, "the identical stored answer");
    }
    assert_eq!(counts(&env, &rt), (1, 10));

    // Read back by the admin and by the site that stored it: every field, in upload order.
    for reader in [ADMIN, credential.as_str()] {
        let r = service.request("GET", "/v1/samples/T0001", Some(reader), None);
        assert_eq!(r.status, 200, "{}", body_text(&r));
        let j = r.json();
        for field in [
            "batch",
            "site",
            "device",
            "tube",
            "opened_at",
            "sealed_at",
            "samples",
        ] {
            assert_eq!(j[field], body[field], "{field}");
        }
        assert_eq!(j["stored_at"], answer["stored_at"]);
    }
    let r = service.request("GET", "/v1/samples/T0002", Some(ADMIN), None);
    assert_eq!((r.status, r.error_code().as_str()), (404, "not_found"));
}

#[test]
fn other_content_under_a_batch_key_or_a_tube_under_another_batch_is_a_conflict() {
    let env = Env::new();
    let rt = common::runtime();
    let service = env.start(&[]);
    let credential = enrol_site(&service, "site-1");
    let body = batch(JOURNAL, 1, "site-1", "T0001", 10);
    assert_eq!(upload(&service, &credential, &body).status, 201);

    let mut changed = body.clone();
    changed["samples"][3]["colour"] = "green".into();
    changed["samples"][4]["colour"] = "green".into();
    let mut reordered = body.clone();
    reordered["samples"].as_array_mut().unwrap().swap(0, 1);
    let mut fewer = body.clone();
    fewer["samples"].as_array_mut().unwrap().pop();
    let mut other_tube = body.clone();
    other_tube["tube"] = "T0002".into();
    let mut resealed = body.clone();
    resealed["sealed_at"] = 1_764_000_101u64.into();
    // The same tube under another batch key (another journal, or another sequence number).
    let same_tube_other_key = batch("fedcba9876543210fedcba9876543210", 1, "site-1", "T0001", 10);
    let same_tube_next_seq = batch(JOURNAL, 2, "site-1", "T0001", 3);
    for conflicting in [
        &changed,
        &reordered,
        &fewer,
        &other_tube,
        &resealed,
        &same_tube_other_key,
        &same_tube_next_seq,
    ] {
        let r = upload(&service, &credential, conflicting);
        assert_eq!(
            (r.status, r.error_code().as_str()),
            (409, "batch_conflict"),
            "{conflicting}"
        );
    }
    assert_eq!(
        counts(&env, &rt),
        (1, 10),
        "nothing of a conflict is stored"
    );
    // The original is still answered as a replay.
    assert_eq!(upload(&service, &credential, &body).status, 200);
}

#[test]
fn only_the_sites_own_current_credential_uploads_and_reads_its_tubes() {
    let env = Env::new();
    let rt = common::runtime();
    let service = env.start(&[]);
    let (_, holder) = service.enrol("11010119900307888X");
    let a = enrol_site(&service, "site-a");
    let b = enrol_site(&service, "site-b");
    assert_ne!(a, b);
    let body = batch(JOURNAL, 1, "site-a", "T0001", 10);

    for wrong in [
        None,
        Some("nope"),
        Some(ADMIN),
        Some(holder.as_str()),
        Some(&a[..42]),
    ] {
        let r = service.request("POST", "/v1/samples", wrong, Some(&body.to_string()));
        assert_eq!(
            (r.status, r.error_code().as_str()),
            (401, "unauthorized"),
            "{wrong:?}"
        );
    }
    // Site b's credential uploading site a's tube.
    let r = upload(&service, &b, &body);
    assert_eq!((r.status, r.error_code().as_str()), (403, "site_mismatch"));
    assert_eq!(counts(&env, &rt), (0, 0));

    assert_eq!(upload(&service, &a, &body).status, 201);
    // Site b cannot tell site a's tube from a missing one; the unknown cannot read at all.
    let r = service.request("GET", "/v1/samples/T0001", Some(&b), None);
    assert_eq!((r.status, r.error_code().as_str()), (404, "not_found"));
    let r = service.request("GET", "/v1/samples/T0001", Some(&holder), None);
    assert_eq!(r.status, 401);
    let r = service.request("GET", "/v1/samples/T0001", None, None);
    assert_eq!(r.status, 401);

    // Re-enrolling site a rotates its credential: the old one stops working at once.
    let rotated = enrol_site(&service, "site-a");
    assert_ne!(rotated, a);
    let next = batch(JOURNAL, 2, "site-a", "T0002", 10);
    let r = upload(&service, &a, &next);
    assert_eq!((r.status, r.error_code().as_str()), (401, "unauthorized"));
    let r = service.request("GET", "/v1/samples/T0001", Some(&a), None);
    assert_eq!(r.status, 401);
    assert_eq!(upload(&service, &rotated, &next).status, 201);
    // A replay with the new credential is still the same batch.
    assert_eq!(upload(&service, &rotated, &body).status, 200);
    assert_eq!(
        service
            .request("GET", "/v1/samples/T0001", Some(&rotated), None)
            .status,
        200
    );

    // Only the stored hash of the credential is in the database.
    let pool = env.pool(&rt);
    let stored: Vec<String> = rt.block_on(async {
        sqlx::query("SELECT credential_hash FROM sites ORDER BY site")
            .fetch_all(&pool)
            .await
            .unwrap()
            .iter()
            .map(|r| r.try_get("credential_hash").unwrap())
            .collect()
    });
    use sha2::Digest as _;
    let hash = |c: &str| {
        sha2::Sha256::digest(c.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    assert_eq!(stored, vec![hash(&rotated), hash(&b)]);
    rt.block_on(pool.close());
}

#[test]
fn malformed_and_oversized_requests_are_clear_errors_never_500() {
    let env = Env::new();
    let rt = common::runtime();
    let service = env.start(&[]);
    let credential = enrol_site(&service, "site-1");
    let good = batch(JOURNAL, 1, "site-1", "T0001", 10);
    let with = |f: &dyn Fn(&mut serde_json::Value)| {
        let mut b = good.clone();
        f(&mut b);
        b.to_string()
    };
    let mut bad: Vec<(String, &str)> = vec![
        ("".into(), "empty"),
        ("{".into(), "truncated"),
        ("[]".into(), "not an object"),
        ("\u{0}\u{1}".into(), "binary"),
        (with(&|b| b["batch"] = "x".into()), "batch form"),
        (
            with(&|b| b["batch"] = format!("{}-1", JOURNAL.to_uppercase()).into()),
            "upper hex",
        ),
        (
            with(&|b| b["batch"] = format!("{JOURNAL}-01").into()),
            "leading zero",
        ),
        (
            with(&|b| b["batch"] = format!("{JOURNAL}-99999999999999999999").into()),
            "seq range",
        ),
        (with(&|b| b["site"] = "".into()), "empty site"),
        (with(&|b| b["device"] = "a b".into()), "device charset"),
        (with(&|b| b["tube"] = "x".repeat(65).into()), "long tube"),
        (with(&|b| b["tube"] = "tübe".into()), "non-ASCII tube"),
        (with(&|b| b["opened_at"] = (-1).into()), "negative time"),
        (with(&|b| b["sealed_at"] = 1.5.into()), "fractional time"),
        (
            with(&|b| b["sealed_at"] = u64::MAX.into()),
            "time out of range",
        ),
        (
            with(&|b| b["opened_at"] = "1764000000".into()),
            "time as text",
        ),
        (
            with(&|b| b["samples"] = serde_json::json!([])),
            "no samples",
        ),
        (
            with(&|b| b["samples"][0]["subject"] = "ABCDEF0123456789ABCDEF01".into()),
            "upper subject",
        ),
        (
            with(&|b| b["samples"][0]["subject"] = "0123".into()),
            "short subject",
        ),
        (
            with(&|b| b["samples"][0]["kid"] = "0a1b2c3".into()),
            "short kid",
        ),
        (
            with(&|b| b["samples"][0]["colour"] = "dark_red".into()),
            "dark red",
        ),
        (
            with(&|b| b["samples"][0]["colour"] = "blue".into()),
            "no colour",
        ),
        (
            with(&|b| b["samples"][0]["verdict"] = "ok".into()),
            "unknown sample field",
        ),
        (with(&|b| b["extra"] = 1.into()), "unknown field"),
        (
            with(&|b| {
                b.as_object_mut().unwrap().remove("device");
            }),
            "missing field",
        ),
        (
            with(&|b| b["samples"][1]["subject"] = b["samples"][0]["subject"].clone()),
            "duplicate subject",
        ),
    ];
    let hundred_one = batch(JOURNAL, 1, "site-1", "T0001", 101).to_string();
    bad.push((hundred_one, "101 samples"));
    for (body, why) in &bad {
        let r = service.request("POST", "/v1/samples", Some(&credential), Some(body));
        assert_eq!(r.status, 400, "{why}: {}", body_text(&r));
        assert_eq!(r.error_code(), "bad_request", "{why}");
    }
    // A full batch of 100 is fine; a body over the upload limit is refused unread.
    let hundred = batch(JOURNAL, 2, "site-1", "T0002", 100);
    assert_eq!(upload(&service, &credential, &hundred).status, 201);
    let huge = format!(
        "{}{}",
        " ".repeat(qrseal_service::samples::MAX_UPLOAD_BYTES),
        good
    );
    let r = service.request("POST", "/v1/samples", Some(&credential), Some(&huge));
    assert_eq!((r.status, r.error_code().as_str()), (413, "too_large"));

    // Site enrolment and the tube path are checked too.
    for body in [
        r#"{"site":""}"#.to_owned(),
        r#"{"site":"a/b"}"#.to_owned(),
        format!(r#"{{"site":"{}"}}"#, "s".repeat(65)),
        r#"{"site":"a","credential":"x"}"#.to_owned(),
        r#"{"site":1}"#.to_owned(),
    ] {
        let r = service.request("POST", "/v1/sites", Some(ADMIN), Some(&body));
        assert_eq!(
            (r.status, r.error_code().as_str()),
            (400, "bad_request"),
            "{body}"
        );
    }
    let r = service.request(
        "POST",
        "/v1/sites",
        Some(&credential),
        Some(r#"{"site":"x"}"#),
    );
    assert_eq!(r.status, 401, "a site cannot enrol sites");
    let r = service.request(
        "GET",
        &format!("/v1/samples/{}", "t".repeat(65)),
        Some(ADMIN),
        None,
    );
    assert_eq!((r.status, r.error_code().as_str()), (400, "bad_request"));
    let r = service.request("GET", "/v1/samples/a%2Fb", Some(ADMIN), None);
    assert_eq!((r.status, r.error_code().as_str()), (400, "bad_request"));
    assert_eq!(counts(&env, &rt), (1, 100));
}

#[test]
fn a_site_over_its_rate_is_told_when_to_retry() {
    let env = Env::new();
    let service = env.start(&["--site-rate", "3"]);
    let a = enrol_site(&service, "site-a");
    let b = enrol_site(&service, "site-b");
    for seq in 1..=3 {
        let r = upload(
            &service,
            &a,
            &batch(JOURNAL, seq, "site-a", &format!("A{seq}"), 10),
        );
        assert_eq!(r.status, 201, "{}", body_text(&r));
    }
    let r = upload(&service, &a, &batch(JOURNAL, 4, "site-a", "A4", 10));
    assert_eq!((r.status, r.error_code().as_str()), (429, "rate_limited"));
    let retry: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=21).contains(&retry), "{retry}");
    // The limit is per site: another site still uploads.
    let r = upload(
        &service,
        &b,
        &batch("11111111111111111111111111111111", 1, "site-b", "B1", 10),
    );
    assert_eq!(r.status, 201);
}

#[test]
fn uploads_are_shed_like_token_requests_and_nothing_else_fails() {
    let env = Env::new();
    let rt = common::runtime();
    let service = Arc::new(env.start(&[
        "--max-in-flight",
        "1",
        "--shed-retry-after",
        "20",
        "--site-rate",
        "1000000",
    ]));
    let credential = Arc::new(enrol_site(&service, "site-1"));
    let stored = Arc::new(Mutex::new(Vec::new()));
    let mut shed = 0;
    // Rounds of 16 scanners at once against a bound of one; each retries its tube until it
    // is stored, as the journal's uploader does (without waiting, to keep the test short).
    for round in 0..20u64 {
        let threads: Vec<_> = (0..16u64)
            .map(|t| {
                let (service, credential, stored) =
                    (service.clone(), credential.clone(), stored.clone());
                std::thread::spawn(move || {
                    let seq = round * 16 + t;
                    let body = batch(JOURNAL, seq, "site-1", &format!("T{seq}"), 10);
                    let mut shed = 0;
                    loop {
                        let r = upload(&service, &credential, &body);
                        match r.status {
                            201 | 200 => {
                                stored.lock().unwrap().push(seq);
                                return shed;
                            }
                            503 => {
                                assert_eq!(r.error_code(), "overloaded");
                                let retry: u64 = r.header("retry-after").unwrap().parse().unwrap();
                                assert!((10..=20).contains(&retry), "{retry}");
                                shed += 1;
                            }
                            other => panic!("unexpected {other}: {}", body_text(&r)),
                        }
                    }
                })
            })
            .collect();
        shed += threads.into_iter().map(|t| t.join().unwrap()).sum::<u64>();
        if shed > 0 {
            break;
        }
    }
    assert!(shed > 0, "nothing was shed");
    let stored = stored.lock().unwrap().len() as i64;
    assert_eq!(counts(&env, &rt), (stored, stored * 10), "each tube once");
}

#[test]
fn identical_uploads_at_once_to_two_processes_store_one_row_set() {
    const CLIENTS: usize = 16;
    let env = Env::new();
    let rt = common::runtime();
    let a = Arc::new(env.start(&["--site-rate", "1000000"]));
    let b = Arc::new(env.start(&["--site-rate", "1000000"]));
    let credential = Arc::new(enrol_site(&a, "site-1"));
    for seq in 1..=5u64 {
        let body = Arc::new(batch(JOURNAL, seq, "site-1", &format!("T{seq}"), 10));
        let go = Arc::new(std::sync::Barrier::new(CLIENTS));
        let threads: Vec<_> = (0..CLIENTS)
            .map(|i| {
                let service = if i % 2 == 0 { a.clone() } else { b.clone() };
                let (credential, body, go) = (credential.clone(), body.clone(), go.clone());
                std::thread::spawn(move || {
                    go.wait();
                    upload(&service, &credential, &body)
                })
            })
            .collect();
        let replies: Vec<Reply> = threads.into_iter().map(|t| t.join().unwrap()).collect();
        let created = replies.iter().filter(|r| r.status == 201).count();
        assert_eq!(created, 1, "exactly one upload stores the batch");
        for r in &replies {
            assert!(
                matches!(r.status, 200 | 201),
                "{}: {}",
                r.status,
                body_text(r)
            );
            assert_eq!(r.body, replies[0].body, "every answer is the stored one");
        }
    }
    assert_eq!(counts(&env, &rt), (5, 50));
}

/// Kill -9 at random instants while scanners stream uploads; after each restart every
/// acknowledged batch is stored whole, and no batch is stored in part.
#[test]
fn acknowledged_batches_survive_sigkill_and_none_is_half_stored() {
    const SCANNERS: u64 = 4;
    const ROUNDS: usize = 4;
    let env = Env::new();
    let rt = common::runtime();
    let args = ["--site-rate", "1000000"];
    let mut service = env.start(&args);
    let credential = enrol_site(&service, "site-1");
    // Per scanner, the next tube to upload; and every batch acknowledged.
    let next: Arc<Mutex<Vec<u64>>> = Arc::new(Mutex::new(vec![0; SCANNERS as usize]));
    let acked: Arc<Mutex<Vec<(u64, u64)>>> = Arc::default();
    let mut seed = rand::random::<u64>();
    eprintln!("samples durability seed {seed}");
    for round in 0..ROUNDS {
        let stop = Arc::new(AtomicBool::new(false));
        let threads: Vec<_> = (0..SCANNERS)
            .map(|scanner| {
                let (stop, next, acked, base, credential) = (
                    stop.clone(),
                    next.clone(),
                    acked.clone(),
                    service.base.clone(),
                    credential.clone(),
                );
                std::thread::spawn(move || {
                    let agent: ureq::Agent = ureq::Agent::config_builder()
                        .http_status_as_error(false)
                        .timeout_global(Some(Duration::from_secs(20)))
                        .build()
                        .into();
                    while !stop.load(Ordering::Relaxed) {
                        let seq = next.lock().unwrap()[scanner as usize];
                        let body = scanner_batch(scanner, seq);
                        let r = agent
                            .post(format!("{base}/v1/samples"))
                            .header("Authorization", format!("Bearer {credential}"))
                            .send(body.to_string().as_str());
                        match r {
                            Ok(r) if r.status() == 201 || r.status() == 200 => {
                                acked.lock().unwrap().push((scanner, seq));
                                next.lock().unwrap()[scanner as usize] += 1;
                            }
                            Ok(r) => panic!("unexpected {}", r.status()),
                            // Killed mid-request: this tube may or may not be stored; the
                            // next round uploads it again, as the journal would.
                            Err(_) => return,
                        }
                    }
                })
            })
            .collect();
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        std::thread::sleep(Duration::from_millis(150 + seed % 700));
        service.kill();
        stop.store(true, Ordering::Relaxed);
        for t in threads {
            t.join().unwrap();
        }
        check_stored(&env, &rt, &acked.lock().unwrap(), round);
        service = Service::start(&env, &args);
    }
    // The retries of tubes in flight at the kills are stored or replayed, never conflicts.
    for scanner in 0..SCANNERS {
        let seq = next.lock().unwrap()[scanner as usize];
        let r = upload(&service, &credential, &scanner_batch(scanner, seq));
        assert!(matches!(r.status, 200 | 201), "{}", body_text(&r));
    }
    let acked = acked.lock().unwrap().len();
    eprintln!("samples durability: {ROUNDS} kills, {acked} acknowledged batches, all found whole");
    assert!(
        acked > ROUNDS * SCANNERS as usize,
        "the scanners made progress"
    );
}

fn scanner_batch(scanner: u64, seq: u64) -> serde_json::Value {
    let journal = format!("{:032x}", scanner + 1);
    batch(&journal, seq, "site-1", &format!("S{scanner}-T{seq}"), 10)
}

fn check_stored(env: &Env, rt: &tokio::runtime::Runtime, acked: &[(u64, u64)], round: usize) {
    let pool = env.pool(rt);
    rt.block_on(async {
        for (scanner, seq) in acked {
            let key = scanner_batch(*scanner, *seq)["batch"]
                .as_str()
                .unwrap()
                .to_owned();
            let row = sqlx::query("SELECT samples FROM sample_batches WHERE batch = $1")
                .bind(&key)
                .fetch_optional(&pool)
                .await
                .unwrap();
            assert!(
                row.is_some(),
                "round {round}: acknowledged batch {key} lost"
            );
        }
        // Every stored batch, acknowledged or not, has exactly its samples.
        let rows = sqlx::query(
            "SELECT b.batch, b.samples, COUNT(s.position) AS n FROM sample_batches b \
             LEFT JOIN samples s ON s.batch = b.batch GROUP BY b.batch, b.samples",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        for r in &rows {
            let (declared, found): (i64, i64) =
                (r.try_get("samples").unwrap(), r.try_get("n").unwrap());
            assert_eq!(declared, found, "round {round}: a batch stored in part");
        }
        let orphans: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM samples s WHERE NOT EXISTS \
             (SELECT 1 FROM sample_batches b WHERE b.batch = s.batch)",
        )
        .fetch_one(&pool)
        .await
        .unwrap()
        .try_get("n")
        .unwrap();
        assert_eq!(orphans, 0, "round {round}: samples without their batch");
    });
    rt.block_on(pool.close());
}
