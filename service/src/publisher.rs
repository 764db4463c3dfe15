//! The background publisher: signs the revocations queued since the last list into the next
//! full list and delta, in the same transaction that marks them published. Every process
//! runs one; they take turns on the `publisher` row, so each sequence number is signed
//! once, by whichever process gets there first.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use qrseal_core::lists::{Revocation, RevocationList};
use qrseal_core::{SubjectId, Timestamp};
use qrseal_issuer::revocation::RevocationPublisher;
use sqlx::{AnyPool, Row as _};

use crate::app::unix_now;
use crate::subject;

/// Why a publication failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PublishError {
    /// The database failed; the transaction was rolled back.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// The issuer library refused to publish (a clock behind the last list, a list signed
    /// by another key); nothing was written.
    #[error("publishing: {0}")]
    Issuer(#[from] qrseal_issuer::Error),
    /// A stored value is not what this service writes.
    #[error("stored data is corrupt: {0}")]
    Corrupt(&'static str),
}

/// Publishes if anything is due: queued revocations, no list yet, or a list older than
/// half of `valid_for`. Returns the sequence published.
pub async fn publish_once(
    pool: &AnyPool,
    publisher: &RevocationPublisher<'_>,
    valid_for: Duration,
) -> Result<Option<u64>, PublishError> {
    let mut tx = pool.begin().await?;
    // The lock: a write to the one publisher row, before any read, so a second publisher
    // waits here and then sees what the first one published.
    sqlx::query("UPDATE publisher SET runs = runs WHERE id = 1")
        .execute(&mut *tx)
        .await?;
    let sequence: i64 = sqlx::query("SELECT sequence FROM publisher WHERE id = 1")
        .fetch_one(&mut *tx)
        .await?
        .try_get("sequence")?;
    let base: Option<Vec<u8>> = if sequence > 0 {
        let text: String =
            sqlx::query("SELECT full_list FROM revocation_lists WHERE sequence = $1")
                .bind(sequence)
                .fetch_one(&mut *tx)
                .await?
                .try_get("full_list")?;
        Some(
            STANDARD
                .decode(text)
                .map_err(|_| PublishError::Corrupt("a stored list is not base64"))?,
        )
    } else {
        None
    };
    let rows = sqlx::query(
        "SELECT subject, issued_before FROM pending_revocations \
         WHERE published_sequence IS NULL",
    )
    .fetch_all(&mut *tx)
    .await?;
    let mut queued = Vec::with_capacity(rows.len());
    let mut keys = Vec::with_capacity(rows.len());
    for row in &rows {
        let s: String = row.try_get("subject")?;
        let before: i64 = row.try_get("issued_before")?;
        let id = subject::parse(&s).ok_or(PublishError::Corrupt("a queued subject"))?;
        let before_u = u64::try_from(before).map_err(|_| PublishError::Corrupt("a queued time"))?;
        queued.push(Revocation {
            subject: SubjectId(id),
            issued_before: Timestamp::from_unix(before_u),
        });
        keys.push((s, before));
    }
    let now = Timestamp::from_unix(unix_now());
    if queued.is_empty()
        && let Some(base) = &base
    {
        let list = RevocationList::parse(base).map_err(qrseal_issuer::Error::from)?;
        if now.seconds_since(list.info.issued_at) < valid_for.as_secs() / 2 {
            return Ok(None);
        }
    }
    let published = publisher.publish(base.as_deref(), &queued, now, valid_for.as_secs())?;
    let next = i64::try_from(published.info.sequence)
        .map_err(|_| PublishError::Corrupt("the list sequence"))?;
    sqlx::query(
        "INSERT INTO revocation_lists (sequence, full_list, delta, issued_at, entries) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(next)
    .bind(STANDARD.encode(&published.full))
    .bind(published.delta.as_ref().map(|d| STANDARD.encode(d)))
    .bind(i64::try_from(now.unix()).unwrap_or(i64::MAX))
    .bind(i64::try_from(published.full_count).unwrap_or(i64::MAX))
    .execute(&mut *tx)
    .await?;
    // Marked one by one, by key: on PostgreSQL a revocation queued after the read above is
    // not in this list and must stay pending.
    for (s, before) in &keys {
        sqlx::query(
            "UPDATE pending_revocations SET published_sequence = $3 \
             WHERE subject = $1 AND issued_before = $2",
        )
        .bind(s)
        .bind(before)
        .bind(next)
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query("UPDATE publisher SET sequence = $1, runs = runs + 1 WHERE id = 1")
        .bind(next)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Some(published.info.sequence))
}
