//! The storage statements the token route relies on, on the configured database (SQLite,
//! or PostgreSQL when `QRSEAL_TEST_POSTGRES_URL` is set).

mod common;

use common::{Env, runtime};
use qrseal_service::store::{self, StoredToken};

fn token(n: i64, status_version: i64) -> StoredToken {
    StoredToken {
        qr: format!("QR{n}"),
        url: format!("url{n}"),
        issued_at: 1_000 + n,
        expires_at: 2_000 + n,
        refresh_at: 1_500 + n,
        status_version,
    }
}

#[test]
fn tokens_are_stored_in_batches_and_a_token_for_an_old_status_is_skipped() {
    let env = Env::new();
    let rt = runtime();
    let pool = env.pool(&rt);
    rt.block_on(async {
        // 150 holders: more than one statement's worth, so the chunking is exercised.
        let subjects: Vec<String> = (0..150).map(|i| format!("{i:024x}")).collect();
        for (i, s) in subjects.iter().enumerate() {
            store::enrol(&pool, s, &format!("{i:064x}"), None, 1)
                .await
                .unwrap();
        }
        // Every holder is at status version 0; every third token was signed for version 7.
        let batch: Vec<(String, StoredToken)> = subjects
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let version = if i % 3 == 0 { 7 } else { 0 };
                (s.clone(), token(i as i64, version))
            })
            .collect();
        store::store_tokens(&pool, &batch).await.unwrap();
        for (i, s) in subjects.iter().enumerate() {
            let row = store::holder_by_subject(&pool, s).await.unwrap().unwrap();
            match row.token {
                Some(t) => {
                    assert_ne!(i % 3, 0, "holder {i}: a token for an old status was stored");
                    assert_eq!(
                        (t.qr, t.url, t.issued_at, t.expires_at, t.refresh_at),
                        (
                            format!("QR{i}"),
                            format!("url{i}"),
                            1_000 + i as i64,
                            2_000 + i as i64,
                            1_500 + i as i64
                        )
                    );
                    assert_eq!(t.status_version, 0);
                }
                None => assert_eq!(i % 3, 0, "holder {i}: its token was not stored"),
            }
        }
        // The batched lookup finds exactly the holders asked for, duplicates and strangers
        // included.
        let hashes = vec![
            format!("{:064x}", 5),
            format!("{:064x}", 5),
            format!("{:064x}", 149),
            "f".repeat(64),
        ];
        let mut found: Vec<String> = store::holders_by_credentials(&pool, &hashes)
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.subject)
            .collect();
        found.sort();
        assert_eq!(found, vec![subjects[5].clone(), subjects[149].clone()]);
    });
}
