//! The storage statements the token route relies on, on the configured database (SQLite,
//! or PostgreSQL when `QRSEAL_TEST_POSTGRES_URL` is set).

mod common;

use common::{Env, runtime};
use qrseal_service::store::{self, StoredToken, TokenCache};

#[test]
fn batched_lookups_find_exactly_the_holders_asked_for() {
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

fn token(n: i64, status_version: i64, refresh_at: i64) -> StoredToken {
    StoredToken {
        qr: format!("QR{n}"),
        url: format!("url{n}"),
        issued_at: 1_000 + n,
        expires_at: 3_000 + n,
        refresh_at,
        status_version,
    }
}

#[test]
fn the_token_cache_answers_only_for_the_current_status_and_before_refresh_and_stays_bounded() {
    let cache = TokenCache::new(3);
    cache.put("a".into(), token(1, 4, 2_000), 1_000);
    assert_eq!(cache.get("a", 4, 1_999).map(|t| t.qr), Some("QR1".into()));
    assert!(
        cache.get("a", 5, 1_500).is_none(),
        "signed for an older status"
    );
    assert!(cache.get("a", 4, 2_000).is_none(), "due for refresh");
    assert!(cache.get("b", 4, 1_500).is_none());
    // Full: tokens past their refresh time go first.
    cache.put("b".into(), token(2, 0, 1_200), 1_000);
    cache.put("c".into(), token(3, 0, 5_000), 1_000);
    cache.put("d".into(), token(4, 0, 5_000), 1_300);
    assert_eq!(cache.len(), 3, "b (due at 1,200) made room for d");
    assert!(cache.get("b", 0, 1_100).is_none());
    assert!(cache.get("d", 0, 1_300).is_some());
    // Full of live tokens: everything goes, and the cache never holds more than 3.
    cache.put("e".into(), token(5, 0, 5_000), 1_300);
    assert_eq!(cache.len(), 1);
    assert!(cache.get("e", 0, 1_300).is_some());
    // Replacing a holder's token never evicts.
    cache.put("e".into(), token(6, 1, 5_000), 1_300);
    assert_eq!(cache.len(), 1);
    assert_eq!(cache.get("e", 1, 1_300).map(|t| t.qr), Some("QR6".into()));
    // Capacity 0 keeps nothing.
    let none = TokenCache::new(0);
    none.put("a".into(), token(1, 0, 5_000), 1_000);
    assert!(none.is_empty());
}
