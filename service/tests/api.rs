//! The service's API, through HTTP against the running binary, on the database the
//! environment names (SQLite by default, PostgreSQL with `QRSEAL_TEST_POSTGRES_URL`).

mod common;

use std::io::{Read as _, Write as _};
use std::net::TcpStream;

use common::{ADMIN, Env};
use qrseal_core::lists::RevocationList;
use qrseal_core::{Colour, Timestamp};

fn now() -> Timestamp {
    Timestamp::from_unix(qrseal_service::app::unix_now())
}

/// Green with a negative test an hour ago and two doses.
static GREEN_STATUS: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let tested = now().saturating_sub(3600);
    format!(
        r#"{{"colour":"green","test":{{"result":"negative","collected_at":"{tested}"}},"vaccination":{{"doses":2,"last_dose":"2025-08-01"}}}}"#
    )
});
const RED: &str = r#"{"colour":"red"}"#;

#[test]
fn enrol_set_status_and_fetch_a_verified_token() {
    let env = Env::new();
    let service = env.start(&[]);
    let (subject, credential) = service.enrol("11010119900307888X");
    assert_eq!(subject.len(), 24);
    assert_eq!(credential.len(), 43, "256 bits, base64url");
    // No status yet: nothing to sign.
    let r = service.token(&credential);
    assert_eq!((r.status, r.error_code().as_str()), (409, "no_status"));

    let r = service.set_status(&subject, &GREEN_STATUS);
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.json()["revocation_queued"], false);
    let r = service.token(&credential);
    assert_eq!(r.status, 200);
    assert_eq!(r.header("cache-control"), Some("no-store"));
    let j = r.json();
    let verified = env
        .verifier()
        .verify(j["qr"].as_str().unwrap(), now())
        .unwrap();
    assert_eq!(verified.claims.colour, Colour::Green);
    assert_eq!(verified.claims.subject.to_string(), subject);
    assert_eq!(verified.claims.vaccination.unwrap().doses, 2);
    let by_url = env
        .verifier()
        .verify(j["url"].as_str().unwrap(), now())
        .unwrap();
    assert_eq!(by_url.claims, verified.claims);
    assert_eq!(
        j["expires_at"].as_str().unwrap(),
        verified.claims.expires_at.to_string()
    );
    assert_eq!(
        j["refresh_at"].as_str().unwrap(),
        verified.claims.refresh_at().to_string()
    );

    // Fresh and unchanged: served as stored, not signed again.
    let signed = service.metric("qrseal_tokens_signed_total");
    let again = service.token(&credential).json();
    assert_eq!(again["qr"], j["qr"]);
    assert_eq!(service.metric("qrseal_tokens_signed_total"), signed);
    assert!(service.metric("qrseal_tokens_served_stored_total") >= 1.0);
}

#[test]
fn a_worse_colour_revokes_earlier_tokens_through_the_published_list() {
    let env = Env::new();
    let service = env.start(&[]);
    let (subject, credential) = service.enrol("440101199001011234");
    assert_eq!(service.set_status(&subject, &GREEN_STATUS).status, 200);
    let green = service.token(&credential).json();
    let green = env
        .verifier()
        .verify(green["qr"].as_str().unwrap(), now())
        .unwrap();

    let r = service.set_status(&subject, RED);
    assert_eq!(r.json()["revocation_queued"], true);
    let red = service.token(&credential).json();
    let red = env
        .verifier()
        .verify(red["qr"].as_str().unwrap(), now())
        .unwrap();
    assert_eq!(red.claims.colour, Colour::Red);

    // The publisher runs every 200 ms in tests; wait for the list carrying the revocation.
    let (full, entry) = wait_for(|| {
        let r = service.get("/v1/revocations/full");
        if r.status != 200 {
            return None;
        }
        let entry = RevocationList::parse(&r.body)
            .unwrap()
            .entries()
            .find(|e| e.subject == red.claims.subject)?;
        Some((r, entry))
    });
    let list = RevocationList::parse(&full.body).unwrap();
    assert!(
        green.claims.issued_at < entry.issued_before,
        "the green token is revoked"
    );
    assert!(
        red.claims.issued_at >= entry.issued_before,
        "the red token is not"
    );

    // Caching headers for CDNs, and 304 for a client holding the list.
    let etag = full.header("etag").unwrap().to_owned();
    assert!(full.header("cache-control").unwrap().starts_with("public"));
    let mut request = axum::http::Request::builder()
        .uri(format!("{}/v1/revocations/full", service.base))
        .header("If-None-Match", &etag);
    request = request.header("Accept", "*/*");
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let r = agent.run(request.body(()).unwrap()).unwrap();
    assert_eq!(r.status().as_u16(), 304);

    // The delta leading to a later list is served too, immutable.
    let sequence = list.info.sequence;
    if sequence > 1 {
        let d = service.get(&format!("/v1/revocations/delta/{sequence}"));
        assert_eq!(d.status, 200);
        assert!(d.header("cache-control").unwrap().contains("immutable"));
    }
    let r = service.get("/v1/revocations/delta/999999");
    assert_eq!((r.status, r.error_code().as_str()), (404, "not_published"));
    // A better colour queues nothing.
    assert_eq!(
        service.set_status(&subject, &GREEN_STATUS).json()["revocation_queued"],
        false
    );
}

fn wait_for<T>(mut f: impl FnMut() -> Option<T>) -> T {
    for _ in 0..600 {
        if let Some(t) = f() {
            return t;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("condition not reached within 30 s");
}

#[test]
fn nobody_obtains_another_holders_token() {
    let env = Env::new();
    let service = env.start(&[]);
    let (alice, alice_credential) = service.enrol("110101199003078881");
    let (bob, bob_credential) = service.enrol("110101199003078882");
    assert_eq!(service.set_status(&alice, &GREEN_STATUS).status, 200);
    assert_eq!(service.set_status(&bob, RED).status, 200);

    // Each credential gives its own holder's token, nobody else's.
    for (credential, subject) in [(&alice_credential, &alice), (&bob_credential, &bob)] {
        let j = service.token(credential).json();
        let v = env
            .verifier()
            .verify(j["qr"].as_str().unwrap(), now())
            .unwrap();
        assert_eq!(&v.claims.subject.to_string(), subject);
    }

    // Wrong, missing, malformed and admin credentials all get the same 401.
    let mut wrong = alice_credential.clone().into_bytes();
    wrong[0] = if wrong[0] == b'A' { b'B' } else { b'A' };
    let wrong = String::from_utf8(wrong).unwrap();
    let unauthorised = |r: common::Reply| {
        assert_eq!((r.status, r.error_code().as_str()), (401, "unauthorized"));
        r.body
    };
    let reference = unauthorised(service.token(&wrong));
    for r in [
        service.request("POST", "/v1/token", None, None),
        service.token(ADMIN),
        service.token(&"x".repeat(5_000)),
        service.request("POST", "/v1/token", Some(""), None),
        service.token(&alice), // a subject is not a credential
    ] {
        assert_eq!(unauthorised(r), reference);
    }

    // Re-enrolling rotates the credential: the old one stops working at once.
    let (again, rotated) = service.enrol("110101199003078881");
    assert_eq!(again, alice);
    assert_ne!(rotated, alice_credential);
    unauthorised(service.token(&alice_credential));
    assert_eq!(service.token(&rotated).status, 200);

    // Holder credentials open no admin route, and subjects cannot be enumerated: without the
    // admin token an enrolled subject and an unknown one get the same answer.
    for credential in [Some(rotated.as_str()), None, Some("not-the-admin-token")] {
        let known = service.request(
            "PUT",
            &format!("/v1/holders/{alice}/status"),
            credential,
            Some(&GREEN_STATUS),
        );
        let unknown = service.request(
            "PUT",
            "/v1/holders/000000000000000000000000/status",
            credential,
            Some(&GREEN_STATUS),
        );
        assert_eq!(known.status, 401);
        assert_eq!(known.body, unknown.body);
        let r = service.request("GET", &format!("/v1/holders/{alice}"), credential, None);
        assert_eq!(r.status, 401);
        let r = service.request(
            "POST",
            "/v1/holders",
            credential,
            Some(r#"{"id_number":"1"}"#),
        );
        assert_eq!(r.status, 401);
    }
    // With the admin token, an unknown subject is named as such.
    let r = service.set_status("000000000000000000000000", &GREEN_STATUS);
    assert_eq!(
        (r.status, r.error_code().as_str()),
        (404, "unknown_subject")
    );
}

#[test]
fn token_requests_are_limited_per_holder() {
    let env = Env::new();
    let service = env.start(&["--holder-rate", "3"]);
    let (subject, credential) = service.enrol("110101199003078883");
    let (other_subject, other) = service.enrol("110101199003078884");
    assert_eq!(service.set_status(&subject, &GREEN_STATUS).status, 200);
    assert_eq!(
        service.set_status(&other_subject, &GREEN_STATUS).status,
        200
    );
    for _ in 0..3 {
        assert_eq!(service.token(&credential).status, 200);
    }
    let r = service.token(&credential);
    assert_eq!((r.status, r.error_code().as_str()), (429, "rate_limited"));
    let retry: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=61).contains(&retry), "{retry}");
    // Another holder is not affected.
    assert_eq!(service.token(&other).status, 200);
}

#[test]
fn malformed_and_oversized_requests_get_json_errors_never_a_500() {
    let env = Env::new();
    let service = env.start(&[]);
    let (subject, credential) = service.enrol("110101199003078885");
    let status_path = format!("/v1/holders/{subject}/status");
    let check = |r: &common::Reply, status: u16, code: &str| {
        assert_eq!(
            (r.status, r.error_code().as_str()),
            (status, code),
            "{}",
            String::from_utf8_lossy(&r.body)
        );
    };
    check(
        &service.set_status(&subject, "not json"),
        400,
        "bad_request",
    );
    check(&service.set_status(&subject, "{}"), 400, "bad_request");
    check(
        &service.set_status(&subject, r#"{"colour":"green","extra":1}"#),
        400,
        "bad_request",
    );
    check(
        &service.set_status(&subject, r#"{"colour":"blue"}"#),
        422,
        "unencodable",
    );
    let r = service.set_status(
        &subject,
        r#"{"colour":"green","test":{"result":"negative","collected_at":"yesterday"}}"#,
    );
    assert_eq!(r.status, 422);
    assert!(
        r.json()["error"]["number"].is_u64(),
        "codes of the shared table carry their number"
    );
    let r = service.set_status(
        &subject,
        r#"{"colour":"green","vaccination":{"doses":2,"last_dose":"2099-01-01"}}"#,
    );
    check(&r, 422, "invalid_status");
    let r = service.set_status(
        &subject,
        r#"{"colour":"green","vaccination":{"doses":0,"last_dose":"2025-01-01"}}"#,
    );
    assert_eq!(r.status, 422, "{}", String::from_utf8_lossy(&r.body));
    check(&service.set_status("zz", &GREEN_STATUS), 400, "bad_request");
    check(
        &service.set_status(&"a".repeat(5000), &GREEN_STATUS),
        400,
        "bad_request",
    );
    let r = service.request(
        "POST",
        "/v1/holders",
        Some(ADMIN),
        Some(r#"{"id_number":""}"#),
    );
    check(&r, 400, "invalid_id_number");
    let r = service.request(
        "POST",
        "/v1/holders",
        Some(ADMIN),
        Some(r#"{"id_number":"110101199003078886","display_hint":"110101199003078886"}"#),
    );
    assert_eq!(r.status, 422, "a hint with a whole ID number is refused");
    // Far larger: the service answers before reading it all, and closes.
    let raw = format!(
        "PUT {status_path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {ADMIN}\r\n\
         Content-Length: 104857600\r\n\r\n{}",
        "g".repeat(1 << 20)
    );
    let reply = raw_request(service.address(), raw.as_bytes());
    assert!(reply.starts_with("HTTP/1.1 413"), "{reply}");
    assert!(reply.contains(r#""code":"too_large""#), "{reply}");
    check(&service.get("/nowhere"), 404, "not_found");
    check(
        &service.request("DELETE", "/v1/token", None, None),
        405,
        "method_not_allowed",
    );
    check(&service.get("/v1/revocations/delta/-1"), 400, "bad_request");
    check(&service.get("/v1/revocations/delta/x"), 400, "bad_request");
    check(&service.get("/v1/trust-list"), 404, "not_published");

    // Headers: too many or too large.
    let mut raw =
        format!("POST /v1/token HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {credential}\r\n");
    for i in 0..100 {
        raw.push_str(&format!("X-Filler-{i}: {}\r\n", "v".repeat(100)));
    }
    raw.push_str("Connection: close\r\n\r\n");
    let reply = raw_request(service.address(), raw.as_bytes());
    assert!(reply.starts_with("HTTP/1.1 431"), "{reply}");

    // Garbage of every shape on every route: never a 5xx other than a 503 with a code.
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    let routes = [
        ("POST", "/v1/holders".to_owned(), Some(ADMIN)),
        ("PUT", status_path.clone(), Some(ADMIN)),
        ("POST", "/v1/token".to_owned(), Some(credential.as_str())),
        ("GET", "/v1/revocations/delta/1".to_owned(), None),
    ];
    for i in 0..200 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let len = (seed % 300) as usize;
        let body: String = (0..len)
            .map(|j| {
                let b = (seed.rotate_left(j as u32) % 96) as u8 + 32;
                if j % 7 == 0 {
                    ['{', '"', ':', '}', '[', ']', ','][j % 7]
                } else {
                    b as char
                }
            })
            .collect();
        let (method, path, bearer) = &routes[i % routes.len()];
        let r = service.request(method, path, *bearer, Some(&body));
        assert!(r.status < 500 || r.status == 503, "{} {}", r.status, body);
        if r.status >= 400 {
            r.error_code();
        }
    }
    // Raw bytes that are not HTTP at all: the connection is refused politely, the service
    // stays up.
    let _ = raw_request(
        service.address(),
        b"\x00\xff\r\n\r\nGARBAGE / HTTP/9\r\n\r\n",
    );
    assert_eq!(service.get("/healthz").status, 200);
}

fn raw_request(address: &str, bytes: &[u8]) -> String {
    let mut stream = TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    let _ = stream.write_all(bytes);
    let mut out = Vec::new();
    let _ = stream.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

#[test]
fn trust_list_is_served_with_etag_and_metrics_are_prometheus_text() {
    let env = Env::new();
    let trust = env.dir.path().join("trust.qstl");
    std::fs::write(&trust, b"trust list bytes").unwrap();
    let service = env.start(&["--trust-list", trust.to_str().unwrap()]);
    let r = service.get("/v1/trust-list");
    assert_eq!(r.status, 200);
    assert_eq!(r.body, b"trust list bytes");
    assert!(r.header("etag").is_some());
    assert!(r.header("cache-control").unwrap().contains("max-age"));
    let r = service.get("/healthz");
    assert_eq!(r.json()["status"], "ok");
    let text = String::from_utf8(service.get("/metrics").body).unwrap();
    for name in [
        "qrseal_requests_total",
        "qrseal_shed_requests_total",
        "qrseal_request_duration_seconds_bucket",
        "qrseal_tokens_signed_total",
        "qrseal_database_duration_seconds_bucket",
    ] {
        assert!(text.contains(name), "{name} missing:\n{text}");
    }
    // Secrets are never in metrics.
    assert!(!text.contains(ADMIN));
}

#[test]
fn a_token_signed_on_request_is_stored_then_served_without_signing() {
    let env = Env::new();
    let service = env.start(&["--holder-rate", "100000"]);
    let (subject, _) = service.enrol("110101199003078890");
    assert_eq!(service.set_status(&subject, &GREEN_STATUS).status, 200);
    // Enrolling again rotates the credential and drops the stored token, so the next
    // request has none to serve and signs (the path a token past its refresh time takes).
    let (_, credential) = service.enrol("110101199003078890");
    let signed = service.metric("qrseal_tokens_signed_total");
    let first = service.token(&credential).json();
    assert_eq!(service.metric("qrseal_tokens_signed_total"), signed + 1.0);
    env.verifier()
        .verify(first["qr"].as_str().unwrap(), now())
        .unwrap();
    // The new token is stored in the background (batched; until then a request may sign
    // once more), and from then on served without signing.
    let stored = wait_for(|| {
        let before = service.metric("qrseal_tokens_signed_total");
        let t = service.token(&credential).json();
        (service.metric("qrseal_tokens_signed_total") == before).then_some(t)
    });
    let signed = service.metric("qrseal_tokens_signed_total");
    for _ in 0..3 {
        assert_eq!(service.token(&credential).json()["qr"], stored["qr"]);
    }
    assert_eq!(service.metric("qrseal_tokens_signed_total"), signed);
}

#[test]
fn metrics_can_require_the_admin_token() {
    let env = Env::new();
    let service = env.start(&["--metrics-require-admin"]);
    for bearer in [None, Some("wrong-admin-token-0123456789")] {
        let r = service.request("GET", "/metrics", bearer, None);
        assert_eq!(r.status, 401);
        assert_eq!(r.error_code(), "unauthorized");
    }
    let r = service.request("GET", "/metrics", Some(ADMIN), None);
    assert_eq!(r.status, 200);
    assert!(
        String::from_utf8(r.body)
            .unwrap()
            .contains("qrseal_requests_total")
    );
    // Health stays public for load balancers.
    assert_eq!(service.get("/healthz").status, 200);
}

#[test]
fn a_test_older_than_a_token_can_carry_is_stored_and_left_out_of_the_token() {
    let env = Env::new();
    let service = env.start(&[]);
    let (subject, credential) = service.enrol("110101199003078881");
    let old = Timestamp::from_unix(now().unix() - 30 * 86_400);
    let r = service.set_status(
        &subject,
        &format!(r#"{{"colour":"green","test":{{"result":"negative","collected_at":"{old}"}}}}"#),
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let r = service.token(&credential);
    assert_eq!(r.status, 200);
    let verified = env
        .verifier()
        .verify(r.json()["qr"].as_str().unwrap(), now())
        .unwrap();
    assert_eq!(verified.claims.colour, Colour::Green);
    assert_eq!(verified.claims.test, None);
}

/// A status update that waits for the holder's lock dates its revocation from when it got
/// the lock: a token request that read the old status while it waited signs after the wait,
/// and a revocation dated from before the wait would miss that token.
#[test]
fn a_revocation_is_dated_from_when_the_update_held_the_lock() {
    let env = Env::new();
    let rt = common::runtime();
    let service = env.start(&[]);
    let (subject, _) = service.enrol("440101199001011234");
    assert_eq!(service.set_status(&subject, &GREEN_STATUS).status, 200);
    let pool = env.pool(&rt);
    // Another writer holds the holder's row (PostgreSQL) or the write lock (SQLite).
    let mut tx = rt.block_on(pool.begin()).unwrap();
    rt.block_on(
        sqlx::query("UPDATE holders SET updated_at = updated_at WHERE subject = $1")
            .bind(&subject)
            .execute(&mut *tx),
    )
    .unwrap();
    let released = std::thread::scope(|s| {
        let update = s.spawn(|| service.set_status(&subject, RED));
        std::thread::sleep(std::time::Duration::from_secs(3));
        let released = now().unix() as i64;
        rt.block_on(tx.commit()).unwrap();
        let r = update.join().unwrap();
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        assert_eq!(r.json()["revocation_queued"], true);
        released
    });
    let issued_before: i64 = rt
        .block_on(
            sqlx::query_scalar("SELECT issued_before FROM pending_revocations WHERE subject = $1")
                .bind(&subject)
                .fetch_one(&pool),
        )
        .unwrap();
    assert!(
        issued_before > released,
        "revocation dated {issued_before}, lock released at {released}"
    );
}

/// A token due for refresh is signed without writing to the database, kept in the process's
/// memory for the holder's next request, and signed identically by every process (issue
/// times are rounded down to the minute), so which process answers does not matter.
#[test]
fn a_refreshed_token_is_not_written_back_and_every_process_signs_the_same_bytes() {
    let env = Env::new();
    let rt = common::runtime();
    let a = env.start(&[]);
    let b = env.start(&[]);
    let (subject, credential) = a.enrol("440101199001011234");
    assert_eq!(a.set_status(&subject, &GREEN_STATUS).status, 200);
    let pool = env.pool(&rt);
    // The stored token falls due.
    rt.block_on(
        sqlx::query("UPDATE holders SET token_refresh_at = 0 WHERE subject = $1")
            .bind(&subject)
            .execute(&pool),
    )
    .unwrap();
    let mut same = false;
    for _ in 0..3 {
        let from_a = a.token(&credential).json();
        let from_b = b.token(&credential).json();
        if from_a["qr"] == from_b["qr"] {
            same = true;
            break;
        }
        // Only a minute boundary between the two requests may tell them apart.
        assert_ne!(from_a["issued_at"], from_b["issued_at"]);
    }
    assert!(same, "two processes signed different tokens for one status");
    let refreshed = a.token(&credential).json();
    let verified = env
        .verifier()
        .verify(refreshed["qr"].as_str().unwrap(), now())
        .unwrap();
    assert!(
        verified.claims.issued_at.unix().is_multiple_of(60),
        "rounded down to the minute"
    );
    // Asked again: answered from memory, not signed again, and nothing was written back.
    let signed = a.metric("qrseal_tokens_signed_total");
    assert_eq!(a.token(&credential).json()["qr"], refreshed["qr"]);
    assert_eq!(a.metric("qrseal_tokens_signed_total"), signed);
    let stored: i64 = rt
        .block_on(
            sqlx::query_scalar("SELECT token_refresh_at FROM holders WHERE subject = $1")
                .bind(&subject)
                .fetch_one(&pool),
        )
        .unwrap();
    assert_eq!(stored, 0, "the token route wrote to the database");
}
