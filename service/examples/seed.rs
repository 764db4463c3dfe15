//! Fills a database with holders for the surge benchmark (scripts/surge.sh): holder `i`
//! has the credential `bench` + `i` in 38 digits, colour green; even holders get a fresh
//! stored token, odd ones none, so that half of the requests need a signature. A key set is
//! made in KEYDIR when it has none. With
//! `--restale`, odd holders' stored tokens are marked due again instead (between runs).
//!
//! `cargo run --release -p qrseal-service --example seed -- DATABASE_URL KEYDIR COUNT [--restale]`

use qrseal_core::{Colour, Timestamp};
use qrseal_issuer::{Issuer, Status};
use sha2::{Digest, Sha256};

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, url, keys, count, rest @ ..] = args.as_slice() else {
        return Err("usage: seed DATABASE_URL KEYDIR COUNT [--restale]".into());
    };
    let pool = qrseal_service::store::open(url, 2).await?;
    if rest.iter().any(|a| a == "--restale") {
        let n = sqlx::query("UPDATE holders SET token_refresh_at = 0 WHERE enrolled_at = 1")
            .execute(&pool)
            .await?
            .rows_affected();
        println!("marked {n} stored tokens due");
        return Ok(());
    }
    let count: u64 = count.parse()?;
    let keys = std::path::Path::new(keys);
    if !keys.join("issuer.key").exists() {
        qrseal_issuer::keyfile::save_new(
            keys,
            &qrseal_issuer::IssuerKey::generate()?,
            &qrseal_issuer::SubjectSecret::generate()?,
        )?;
    }
    let (key, secret) = qrseal_issuer::keyfile::load(keys)?;
    let issuer = Issuer::new(key, secret);
    let now = Timestamp::from_unix(qrseal_service::app::unix_now());
    let chunk = 10_000u64;
    let mut start = 0;
    while start < count {
        let end = (start + chunk).min(count);
        let subjects: Vec<_> = (start..end)
            .map(|i| issuer.subject(&format!("B{i:017}")))
            .collect::<Result<_, _>>()?;
        let statuses: Vec<Status> = subjects
            .iter()
            .map(|s| Status::new(*s, Colour::Green))
            .collect();
        let tokens = issuer.issue_batch(&statuses, now);
        let mut tx = pool.begin().await?;
        for (i, (subject, token)) in (start..end).zip(subjects.iter().zip(tokens)) {
            let token = token?;
            let credential = format!("bench{i:038}");
            let odd = i % 2 == 1;
            let secs = |t: Timestamp| t.unix() as i64;
            sqlx::query(
                "INSERT INTO holders (subject, credential_hash, colour, status_version, \
                 issue_not_before, token_qr, token_url, token_issued_at, token_expires_at, \
                 token_refresh_at, token_status_version, enrolled_at, updated_at) \
                 VALUES ($1, $2, 0, 1, 0, $3, $4, $5, $6, $7, 1, $8, 0)",
            )
            .bind(hex(&subject.0))
            .bind(hex(&Sha256::digest(credential.as_bytes())))
            .bind(token.qr_text())
            .bind(token.url_text())
            .bind(secs(token.claims().issued_at))
            .bind(secs(token.claims().expires_at))
            .bind(if odd { 0 } else { secs(token.refresh_at()) })
            .bind(i64::from(odd))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        start = end;
    }
    println!("seeded {count} holders");
    Ok(())
}
