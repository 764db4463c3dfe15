//! Admission control: over the in-flight bound, requests are answered 503 `overloaded` at
//! once with a jittered Retry-After; nothing else fails.

mod common;

use std::sync::Arc;

use common::Env;

#[test]
fn over_the_bound_requests_are_shed_with_retry_after_and_nothing_fails() {
    let env = Env::new();
    let service = Arc::new(env.start(&[
        "--max-in-flight",
        "1",
        "--shed-retry-after",
        "20",
        "--holder-rate",
        "1000000",
    ]));
    let mut credentials = Vec::new();
    for i in 0..8 {
        let (subject, credential) = service.enrol(&format!("31000000000{i}"));
        assert_eq!(
            service.set_status(&subject, r#"{"colour":"green"}"#).status,
            200
        );
        credentials.push(credential);
    }
    let credentials = Arc::new(credentials);
    let mut served = 0;
    let mut shed = Vec::new();
    // Rounds of 32 clients at once against a bound of one; stop once shedding was seen.
    for _ in 0..20 {
        let threads: Vec<_> = (0..32)
            .map(|t| {
                let (service, credentials) = (service.clone(), credentials.clone());
                std::thread::spawn(move || {
                    (0..20)
                        .map(|_| service.token(&credentials[t % credentials.len()]))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for t in threads {
            for r in t.join().unwrap() {
                match r.status {
                    200 => served += 1,
                    503 => {
                        assert_eq!(r.error_code(), "overloaded");
                        let retry: u64 = r.header("retry-after").unwrap().parse().unwrap();
                        assert!((10..=20).contains(&retry), "{retry}");
                        shed.push(retry);
                    }
                    other => panic!("unexpected {other}: {}", String::from_utf8_lossy(&r.body)),
                }
            }
        }
        if !shed.is_empty() {
            break;
        }
    }
    assert!(served > 0);
    assert!(!shed.is_empty(), "nothing was shed");
    assert_eq!(
        service.metric("qrseal_shed_requests_total"),
        shed.len() as f64
    );
    // Every shed answer was timed by the service itself.
    assert_eq!(
        service.metric("qrseal_shed_duration_seconds_count"),
        shed.len() as f64
    );
    // Health and metrics are never shed: they answered throughout.
    assert_eq!(service.get("/healthz").status, 200);
}
