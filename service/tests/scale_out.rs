//! Two processes on one database: both serve every route, and the revocation publisher
//! signs each list once, by one process or the other.

mod common;

use common::Env;
use sqlx::Row as _;

#[test]
fn two_processes_serve_one_database_and_publish_each_list_once() {
    let env = Env::new();
    let a = env.start(&["--publish-interval", "100ms"]);
    let b = env.start(&["--publish-interval", "100ms"]);
    let mut holders = Vec::new();
    for i in 0..6 {
        // Enrolled through one process, status set through the other.
        let (enrol, set) = if i % 2 == 0 { (&a, &b) } else { (&b, &a) };
        let (subject, credential) = enrol.enrol(&format!("12345600000{i}"));
        assert_eq!(
            set.set_status(&subject, r#"{"colour":"green"}"#).status,
            200
        );
        holders.push((subject, credential));
    }
    // Either process hands out the same stored token.
    for (_, credential) in &holders {
        let from_a = a.token(credential).json();
        let from_b = b.token(credential).json();
        assert_eq!(from_a["qr"], from_b["qr"]);
        env.verifier()
            .verify(
                from_a["qr"].as_str().unwrap(),
                qrseal_core::Timestamp::from_unix(qrseal_service::app::unix_now()),
            )
            .unwrap();
    }
    // Worsen everyone, half through each process, and let both publishers run a while.
    for (i, (subject, _)) in holders.iter().enumerate() {
        let via = if i % 2 == 0 { &a } else { &b };
        assert_eq!(
            via.set_status(subject, r#"{"colour":"red"}"#).json()["revocation_queued"],
            true
        );
    }
    let rt = common::runtime();
    let pool = env.pool(&rt);
    for _ in 0..600 {
        let pending: i64 = rt
            .block_on(
                sqlx::query("SELECT COUNT(*) AS n FROM pending_revocations WHERE published_sequence IS NULL")
                    .fetch_one(&pool),
            )
            .unwrap()
            .try_get("n")
            .unwrap();
        if pending == 0 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    std::thread::sleep(std::time::Duration::from_millis(500));
    let (sequence, lists) = rt.block_on(async {
        let s: i64 = sqlx::query("SELECT sequence FROM publisher WHERE id = 1")
            .fetch_one(&pool)
            .await
            .unwrap()
            .try_get("sequence")
            .unwrap();
        let rows = sqlx::query("SELECT sequence FROM revocation_lists ORDER BY sequence")
            .fetch_all(&pool)
            .await
            .unwrap();
        let seqs: Vec<i64> = rows
            .iter()
            .map(|r| r.try_get("sequence").unwrap())
            .collect();
        (s, seqs)
    });
    // One unbroken chain 1..=n, and the two processes' publication counts add up to n: no
    // list was signed twice.
    assert_eq!(lists, (1..=sequence).collect::<Vec<_>>());
    let published = a.metric("qrseal_revocation_publications_total")
        + b.metric("qrseal_revocation_publications_total");
    assert_eq!(published, sequence as f64);
    // Both serve the latest list, and it revokes all six.
    let full_a = a.get("/v1/revocations/full");
    let full_b = b.get("/v1/revocations/full");
    assert_eq!(full_a.body, full_b.body);
    let list = qrseal_core::lists::RevocationList::parse(&full_a.body).unwrap();
    assert_eq!(list.info.sequence as i64, sequence);
    assert_eq!(list.len(), holders.len());
}
