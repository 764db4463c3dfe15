//! Collection sites and the tubes they upload (the service side of the collection journal).
//!
//! A site is enrolled by the admin and gets a credential (256 random bits, stored only as
//! its SHA-256, replaced on re-enrolment). A site's scanner uploads each sealed tube as a
//! batch keyed by `<journal id>-<tube sequence>`; the upload is idempotent: the same batch
//! with the same content is stored once and answered the same every time, so a scanner may
//! retry any number of times. A batch key reused with other content, or a tube already
//! stored under another batch, is a conflict the scanner cannot fix by retrying.
//!
//! Uploads are written by one group-commit task per process: it takes every upload waiting,
//! writes them in one transaction (one fsync on SQLite, where a commit costs milliseconds)
//! and answers each only after the commit, so an acknowledged batch is as durable as any
//! other acknowledged write. The database's unique constraints decide between concurrent
//! uploads of one batch, in this process or another on the same database: the insert that
//! loses finds the winner's row and answers as a replay.

use std::num::NonZeroU32;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use qrseal_core::wire::{KEY_ID_LEN, SUBJECT_LEN};
use qrseal_verifier::Code;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::{AnyPool, Row as _};
use subtle::ConstantTimeEq as _;
use tokio::sync::{mpsc, oneshot};

use crate::app::{self, AppState};
use crate::error::{ApiError, ServiceCode};
use crate::store::WriteTurn;

/// Largest upload body accepted: 100 samples at about 100 bytes each, with room for
/// whitespace. The other routes keep [`app::MAX_BODY_BYTES`].
pub const MAX_UPLOAD_BYTES: usize = 64 * 1024;
/// Most samples in one batch (a tube holds ten swabs; a hundred leaves room for pooling).
pub const MAX_SAMPLES: usize = 100;
/// Longest site, device or tube id.
pub const MAX_ID_LEN: usize = 64;
/// Most uploads written in one transaction.
const GROUP: usize = 512;
/// Most uploads waiting for the writer (admission control bounds it well below this).
const QUEUE: usize = 4096;

/// The samples state every handler shares: the group-commit writer and the per-site limit.
#[derive(Debug)]
pub struct Samples {
    writer: mpsc::Sender<Job>,
    limiter: DefaultKeyedRateLimiter<String>,
}

impl Samples {
    /// Starts the writer task on `pool` (call inside a Tokio runtime); it writes when it
    /// holds `turn`, shared with the process's other batch writers. Each site may make
    /// `uploads_per_minute` upload requests a minute, in bursts of as many.
    pub fn new(pool: AnyPool, turn: WriteTurn, uploads_per_minute: u32) -> Samples {
        let per_minute = NonZeroU32::new(uploads_per_minute).unwrap_or(NonZeroU32::MIN);
        let (writer, rx) = mpsc::channel(QUEUE);
        tokio::spawn(write_groups(pool, turn, rx));
        Samples {
            writer,
            // Keys are authenticated site ids, so the map is bounded by the enrolled sites.
            limiter: RateLimiter::keyed(Quota::per_minute(per_minute)),
        }
    }
}

/// Whether `s` is 1 to 64 characters of `[A-Za-z0-9._-]` (site, device and tube ids).
fn is_id(s: &str) -> bool {
    (1..=MAX_ID_LEN).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// Whether `s` is exactly `len` lower-case hex digits.
fn is_lower_hex(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Whether `s` is a batch key: 32 lower-case hex digits (the journal id), `-`, and the tube's
/// sequence number in decimal without leading zeros, so that one tube has one key.
fn is_batch_key(s: &str) -> bool {
    let Some((journal, sequence)) = s.split_once('-') else {
        return false;
    };
    is_lower_hex(journal, 32)
        && !sequence.is_empty()
        && sequence.bytes().all(|b| b.is_ascii_digit())
        && (sequence == "0" || !sequence.starts_with('0'))
        && sequence.parse::<u64>().is_ok()
}

fn bad(detail: &str) -> ApiError {
    ApiError::service_detail(ServiceCode::BadRequest, detail)
}

/// A unix time as sent: a JSON integer from 0 to the largest BIGINT.
fn unix_time(t: u64, what: &str) -> Result<i64, ApiError> {
    i64::try_from(t).map_err(|_| bad(&format!("`{what}` is out of range.")))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SiteRequest {
    site: String,
}

/// `POST /v1/sites` (admin): enrols a site or rotates its credential.
pub(crate) async fn enrol_site(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    app::require_admin(&state, &headers)?;
    let request: SiteRequest = app::parse_json(body)?;
    if !is_id(&request.site) {
        return Err(bad("The site is 1 to 64 characters of A-Z a-z 0-9 . _ -."));
    }
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret).map_err(|_| {
        ApiError::shared(
            Code::Internal,
            StatusCode::SERVICE_UNAVAILABLE,
            "no randomness",
        )
    })?;
    let credential = URL_SAFE_NO_PAD.encode(secret);
    let hash = app::hash_hex(&credential);
    let now = app::now_i64();
    app::timed(&state, async {
        // One statement: the old credential stops working when the new one is stored.
        sqlx::query(
            "INSERT INTO sites (site, credential_hash, enrolled_at, rotated_at) \
             VALUES ($1, $2, $3, $3) ON CONFLICT (site) DO UPDATE SET \
             credential_hash = excluded.credential_hash, rotated_at = excluded.rotated_at",
        )
        .bind(&request.site)
        .bind(&hash)
        .bind(now)
        .execute(&state.pool)
        .await
    })
    .await?;
    Ok(app::no_store(
        (
            StatusCode::CREATED,
            axum::Json(json!({ "site": request.site, "credential": credential })),
        )
            .into_response(),
    ))
}

/// The site whose credential is the bearer token, or `unauthorized`.
async fn authenticate_site(state: &AppState, headers: &HeaderMap) -> Result<String, ApiError> {
    let credential =
        app::bearer(headers).ok_or_else(|| ApiError::service(ServiceCode::Unauthorized))?;
    let presented = app::hash_hex(credential);
    let row = app::timed(state, async {
        sqlx::query("SELECT site, credential_hash FROM sites WHERE credential_hash = $1")
            .bind(&presented)
            .fetch_optional(&state.pool)
            .await
    })
    .await?
    .ok_or_else(|| ApiError::service(ServiceCode::Unauthorized))?;
    let stored: String = row
        .try_get("credential_hash")
        .map_err(|e| ApiError::storage(&e))?;
    // Found by the hash; compared again in constant time so that the answer does not depend
    // on how the database's index compares strings.
    if !bool::from(stored.as_bytes().ct_eq(presented.as_bytes())) {
        return Err(ApiError::service(ServiceCode::Unauthorized));
    }
    row.try_get("site").map_err(|e| ApiError::storage(&e))
}

/// One sample as uploaded and as answered. Field order is the canonical order the content
/// hash is taken over.
#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct SampleJson {
    subject: String,
    kid: String,
    colour: String,
    scanned_at: u64,
}

/// An upload. Field order is the canonical order the content hash is taken over.
#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct UploadRequest {
    batch: String,
    site: String,
    device: String,
    tube: String,
    opened_at: u64,
    sealed_at: u64,
    samples: Vec<SampleJson>,
}

/// Whether `name` is the stable name of a colour of the token format. Any colour is
/// accepted: the scanner's policy decided who was admitted to a tube (a permissive policy may
/// admit dark red), and refusing the tube would leave it in the journal forever.
fn is_colour_name(name: &str) -> bool {
    qrseal_core::Colour::ALL.iter().any(|c| c.name() == name)
}

impl UploadRequest {
    /// Every check the contract makes, except that the site is the authenticated one.
    /// Times are stored as the scanner sent them: its clock may be wrong, and refusing a
    /// tube for that would leave it in the journal forever.
    fn validate(&self) -> Result<(), ApiError> {
        if !is_batch_key(&self.batch) {
            return Err(bad(
                "The batch is 32 lower-case hex digits, `-`, and a decimal tube number.",
            ));
        }
        for (what, id) in [
            ("site", &self.site),
            ("device", &self.device),
            ("tube", &self.tube),
        ] {
            if !is_id(id) {
                return Err(bad(&format!(
                    "The {what} is 1 to 64 characters of A-Z a-z 0-9 . _ -."
                )));
            }
        }
        unix_time(self.opened_at, "opened_at")?;
        unix_time(self.sealed_at, "sealed_at")?;
        if self.samples.is_empty() || self.samples.len() > MAX_SAMPLES {
            return Err(bad("A batch holds 1 to 100 samples."));
        }
        let mut subjects = std::collections::HashSet::with_capacity(self.samples.len());
        for s in &self.samples {
            if !is_lower_hex(&s.subject, 2 * SUBJECT_LEN) {
                return Err(bad("A subject is 24 lower-case hex digits."));
            }
            if !is_lower_hex(&s.kid, 2 * KEY_ID_LEN) {
                return Err(bad("A kid is 8 lower-case hex digits."));
            }
            if !is_colour_name(&s.colour) {
                return Err(bad("A colour is green, yellow, red or dark-red."));
            }
            unix_time(s.scanned_at, "scanned_at")?;
            if !subjects.insert(s.subject.as_str()) {
                return Err(bad("A subject appears twice in the batch."));
            }
        }
        Ok(())
    }

    /// SHA-256 of the canonical JSON of the upload: equal exactly when every field is.
    fn content_hash(&self) -> String {
        // Serialising a struct of strings, integers and a vector cannot fail; an empty
        // hash would only make every replay of this batch a conflict.
        let canonical = serde_json::to_vec(self).unwrap_or_default();
        app::hex(&Sha256::digest(&canonical))
    }
}

/// `POST /v1/samples` (site): stores a sealed tube's batch, once.
pub(crate) async fn upload(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let site = authenticate_site(&state, &headers).await?;
    if let Err(not_until) = state.samples.limiter.check_key(&site) {
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        return Err(ApiError::service(ServiceCode::RateLimited).retry_after(wait.as_secs() + 1));
    }
    let request: UploadRequest = app::parse_json(body)?;
    request.validate()?;
    if request.site != site {
        return Err(ApiError::service(ServiceCode::SiteMismatch));
    }
    let content_hash = request.content_hash();
    let (answer, outcome) = oneshot::channel();
    let job = Job {
        upload: request,
        content_hash,
        answer,
    };
    let started = std::time::Instant::now();
    if state.samples.writer.send(job).await.is_err() {
        return Err(ApiError::service(ServiceCode::StorageUnavailable).retry_after(1));
    }
    let written = outcome.await;
    state
        .metrics
        .db_time
        .observe(started.elapsed().as_secs_f64());
    let (batch, tube, samples, written) = match written {
        Ok(w) => w,
        Err(_) => return Err(ApiError::service(ServiceCode::StorageUnavailable).retry_after(1)),
    };
    let (status, stored_at) = match written.map_err(|e| ApiError::storage(&e))? {
        Written::Stored(at) => (StatusCode::CREATED, at),
        Written::Replayed(at) => (StatusCode::OK, at),
        Written::Conflict => return Err(ApiError::service(ServiceCode::BatchConflict)),
    };
    Ok(app::no_store(
        (
            status,
            axum::Json(json!({
                "batch": batch,
                "tube": tube,
                "samples": samples,
                "stored_at": stored_at,
            })),
        )
            .into_response(),
    ))
}

/// `GET /v1/samples/{tube}` (admin, or the site that stored the tube).
pub(crate) async fn tube(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let reader = if app::require_admin(&state, &headers).is_ok() {
        None
    } else {
        Some(authenticate_site(&state, &headers).await?)
    };
    let Path(tube) = path.map_err(|_| ApiError::service(ServiceCode::BadRequest))?;
    if !is_id(&tube) {
        return Err(bad("The tube is 1 to 64 characters of A-Z a-z 0-9 . _ -."));
    }
    let found = app::timed(&state, read_tube(&state.pool, &tube)).await?;
    let Some((batch, samples)) = found else {
        return Err(ApiError::service(ServiceCode::NotFound));
    };
    // Another site's tube is answered like a missing one: a site learns nothing of others.
    if reader.is_some_and(|site| site != batch["site"]) {
        return Err(ApiError::service(ServiceCode::NotFound));
    }
    let mut body = batch;
    body["samples"] = samples.into();
    Ok(app::no_store(axum::Json(body).into_response()))
}

async fn read_tube(
    pool: &AnyPool,
    tube: &str,
) -> Result<Option<(serde_json::Value, Vec<serde_json::Value>)>, sqlx::Error> {
    let Some(row) = sqlx::query(
        "SELECT batch, site, device, tube, opened_at, sealed_at, stored_at \
         FROM sample_batches WHERE tube = $1",
    )
    .bind(tube)
    .fetch_optional(pool)
    .await?
    else {
        return Ok(None);
    };
    let batch_key: String = row.try_get("batch")?;
    let batch = json!({
        "batch": batch_key,
        "site": row.try_get::<String, _>("site")?,
        "device": row.try_get::<String, _>("device")?,
        "tube": row.try_get::<String, _>("tube")?,
        "opened_at": row.try_get::<i64, _>("opened_at")?,
        "sealed_at": row.try_get::<i64, _>("sealed_at")?,
        "stored_at": row.try_get::<i64, _>("stored_at")?,
    });
    let rows = sqlx::query(
        "SELECT subject, kid, colour, scanned_at FROM samples WHERE batch = $1 \
         ORDER BY position",
    )
    .bind(&batch_key)
    .fetch_all(pool)
    .await?;
    let samples = rows
        .iter()
        .map(|r| {
            Ok(json!({
                "subject": r.try_get::<String, _>("subject")?,
                "kid": r.try_get::<String, _>("kid")?,
                "colour": r.try_get::<String, _>("colour")?,
                "scanned_at": r.try_get::<i64, _>("scanned_at")?,
            }))
        })
        .collect::<Result<_, sqlx::Error>>()?;
    Ok(Some((batch, samples)))
}

/// What the writer did with one upload.
#[derive(Clone, Copy, Debug)]
enum Written {
    /// Stored now, at this time.
    Stored(i64),
    /// Stored before with the same content, at this time.
    Replayed(i64),
    /// The batch key holds other content, or the tube is stored under another batch.
    Conflict,
}

/// The batch key, tube and sample count the answer repeats, and what was written.
type Answer = (String, String, usize, Result<Written, sqlx::Error>);

/// An upload handed to the writer, and where its answer goes.
struct Job {
    upload: UploadRequest,
    content_hash: String,
    answer: oneshot::Sender<Answer>,
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Job")
            .field("batch", &self.upload.batch)
            .finish()
    }
}

/// The group-commit loop: every upload waiting goes into one transaction; each is answered
/// after the commit. When a group's transaction fails (a database error, or on PostgreSQL a
/// deadlock with another process's group), each upload of it is retried in a transaction
/// of its own, so that one failure does not fail the others.
async fn write_groups(pool: AnyPool, turn: WriteTurn, mut rx: mpsc::Receiver<Job>) {
    let mut jobs = Vec::with_capacity(GROUP);
    while rx.recv_many(&mut jobs, GROUP).await > 0 {
        // One lock order for every group: two processes writing the same batches take
        // their unique-index locks in the same order on PostgreSQL.
        jobs.sort_by(|a, b| a.upload.batch.cmp(&b.upload.batch));
        let _turn = turn.lock().await;
        match write_group(&pool, &jobs).await {
            Ok(written) => {
                for (job, w) in jobs.drain(..).zip(written) {
                    answer(job, Ok(w));
                }
            }
            Err(_) => {
                for job in jobs.drain(..) {
                    let w = write_group(&pool, std::slice::from_ref(&job))
                        .await
                        .map(|w| w[0]);
                    answer(job, w);
                }
            }
        }
    }
}

fn answer(job: Job, written: Result<Written, sqlx::Error>) {
    let Job { upload, answer, .. } = job;
    let samples = upload.samples.len();
    // The request may have timed out meanwhile; what was written stays written, and its
    // retry is answered as a replay.
    let _ = answer.send((upload.batch, upload.tube, samples, written));
}

/// Writes `jobs` in one transaction. Each starts with an insert that does nothing when the
/// batch key or the tube exists already, so that the unique constraints decide: the loser
/// of a race finds the winner's row.
async fn write_group(pool: &AnyPool, jobs: &[Job]) -> Result<Vec<Written>, sqlx::Error> {
    let now = app::now_i64();
    let mut tx = pool.begin().await?;
    let mut written = Vec::with_capacity(jobs.len());
    for job in jobs {
        let u = &job.upload;
        let samples = i64::try_from(u.samples.len()).unwrap_or(i64::MAX);
        let inserted = sqlx::query(
            "INSERT INTO sample_batches (batch, site, device, tube, opened_at, sealed_at, \
             samples, content_hash, stored_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             ON CONFLICT DO NOTHING",
        )
        .bind(&u.batch)
        .bind(&u.site)
        .bind(&u.device)
        .bind(&u.tube)
        .bind(i64::try_from(u.opened_at).unwrap_or(i64::MAX))
        .bind(i64::try_from(u.sealed_at).unwrap_or(i64::MAX))
        .bind(samples)
        .bind(&job.content_hash)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if inserted.rows_affected() == 1 {
            insert_samples(&mut tx, u).await?;
            written.push(Written::Stored(now));
            continue;
        }
        let existing =
            sqlx::query("SELECT content_hash, stored_at FROM sample_batches WHERE batch = $1")
                .bind(&u.batch)
                .fetch_optional(&mut *tx)
                .await?;
        written.push(match existing {
            Some(row) if row.try_get::<String, _>("content_hash")? == job.content_hash => {
                Written::Replayed(row.try_get("stored_at")?)
            }
            // Other content under this key, or no row with this key: then the insert did
            // nothing because the tube is stored under another batch.
            _ => Written::Conflict,
        });
    }
    tx.commit().await?;
    Ok(written)
}

async fn insert_samples(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    u: &UploadRequest,
) -> Result<(), sqlx::Error> {
    use std::fmt::Write as _;
    let mut sql = String::from(
        "INSERT INTO samples (batch, position, subject, kid, colour, scanned_at) VALUES ",
    );
    for i in 0..u.samples.len() {
        let p = 1 + i * 5;
        // Writing into a String cannot fail.
        let _ = write!(
            sql,
            "{}($1, ${}, ${}, ${}, ${}, ${})",
            if i == 0 { "" } else { ", " },
            p + 1,
            p + 2,
            p + 3,
            p + 4,
            p + 5
        );
    }
    let mut query = sqlx::query(&sql).bind(&u.batch);
    for (position, s) in u.samples.iter().enumerate() {
        query = query
            .bind(i64::try_from(position).unwrap_or(i64::MAX))
            .bind(&s.subject)
            .bind(&s.kid)
            .bind(&s.colour)
            .bind(i64::try_from(s.scanned_at).unwrap_or(i64::MAX));
    }
    query.execute(&mut **tx).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn upload(seq: u64, tube: &str, colour: &str) -> Job {
        let upload = UploadRequest {
            batch: format!("{}-{seq}", "ab".repeat(16)),
            site: "s".into(),
            device: "d".into(),
            tube: tube.into(),
            opened_at: 1,
            sealed_at: 2,
            samples: vec![SampleJson {
                subject: "0".repeat(24),
                kid: "0".repeat(8),
                colour: colour.into(),
                scanned_at: 1,
            }],
        };
        let content_hash = upload.content_hash();
        Job {
            upload,
            content_hash,
            answer: oneshot::channel().0,
        }
    }

    /// Repeats of one batch in one group are answered as they would be one after the other:
    /// the first stores, the same content replays, other content or a taken tube conflicts.
    #[tokio::test]
    async fn one_group_answers_each_upload_as_if_it_came_alone() {
        let dir = tempfile::tempdir().unwrap();
        let url = dir.path().join("group.db").display().to_string();
        let pool = crate::store::open(&url, 2).await.unwrap();
        let jobs = [
            upload(1, "T1", "green"),
            upload(1, "T1", "green"),
            upload(1, "T1", "red"),
            upload(2, "T1", "green"),
            upload(3, "T3", "green"),
        ];
        let w = write_group(&pool, &jobs).await.unwrap();
        let Written::Stored(at) = w[0] else {
            panic!("{w:?}")
        };
        assert!(matches!(w[1], Written::Replayed(t) if t == at), "{w:?}");
        assert!(matches!(w[2], Written::Conflict), "{w:?}");
        assert!(matches!(w[3], Written::Conflict), "{w:?}");
        assert!(matches!(w[4], Written::Stored(_)), "{w:?}");
        // And in a later group, the same again is a replay with the first time.
        let w = write_group(&pool, &jobs[..1]).await.unwrap();
        assert!(matches!(w[0], Written::Replayed(t) if t == at), "{w:?}");
        let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM samples")
            .fetch_one(&pool)
            .await
            .unwrap()
            .try_get("n")
            .unwrap();
        assert_eq!(n, 2);
    }

    #[test]
    fn batch_keys_have_one_form_per_tube() {
        let j = "0123456789abcdef0123456789abcdef";
        assert!(is_batch_key(&format!("{j}-0")));
        assert!(is_batch_key(&format!("{j}-17")));
        assert!(is_batch_key(&format!("{j}-18446744073709551615")));
        assert!(!is_batch_key(&format!("{j}-18446744073709551616")));
        assert!(!is_batch_key(&format!("{j}-017")), "leading zero");
        assert!(!is_batch_key(&format!("{j}-")));
        assert!(!is_batch_key(&format!("{j}-+1")));
        assert!(!is_batch_key(&format!("{}-1", j.to_uppercase())));
        assert!(!is_batch_key(&format!("{}-1", &j[1..])));
        assert!(!is_batch_key(j));
    }

    #[test]
    fn ids_are_short_and_plain() {
        assert!(is_id("site-7.a_B"));
        assert!(is_id(&"x".repeat(64)));
        assert!(!is_id(&"x".repeat(65)));
        assert!(!is_id(""));
        assert!(!is_id("a b"));
        assert!(!is_id("a/b"));
        assert!(!is_id("é"));
    }
}
