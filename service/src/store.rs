//! Storage: one pool over SQLite or PostgreSQL (sqlx's `Any` driver), the migrations in
//! `service/migrations`, and every statement the service runs. The SQL stays in the subset
//! both databases share; every value is a bind.

use std::time::Duration;

use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Executor as _, Row as _};

/// Turns the `--database-url` flag into a sqlx URL: a bare path is a SQLite file, created
/// when missing.
pub fn database_url(flag: &str) -> String {
    if flag.starts_with("postgres://") || flag.starts_with("postgresql://") {
        flag.to_owned()
    } else if let Some(rest) = flag.strip_prefix("sqlite://") {
        if rest.contains('?') {
            flag.to_owned()
        } else {
            format!("sqlite://{rest}?mode=rwc")
        }
    } else {
        format!("sqlite://{flag}?mode=rwc")
    }
}

/// Opens the pool and runs the migrations.
///
/// SQLite connections use the write-ahead log and `synchronous=FULL`, so a write is on disk
/// before it is acknowledged (WAL with `NORMAL` may lose the last commits on power loss),
/// and wait up to 10 s for the one writer's lock instead of failing.
pub async fn open(url: &str, connections: u32) -> Result<AnyPool, sqlx::Error> {
    sqlx::any::install_default_drivers();
    let pool = AnyPoolOptions::new()
        .max_connections(connections.max(1))
        .acquire_timeout(Duration::from_secs(5))
        .after_connect(|conn, _meta| {
            Box::pin(async move {
                if conn.backend_name() == "SQLite" {
                    conn.execute("PRAGMA journal_mode = WAL").await?;
                    conn.execute("PRAGMA synchronous = FULL").await?;
                    conn.execute("PRAGMA busy_timeout = 10000").await?;
                    // Read the file through a memory map rather than one pread(2) per page
                    // (profiled: a token lookup in a million holders read several pages,
                    // each a system call). Pages stay in the OS page cache either way.
                    conn.execute("PRAGMA mmap_size = 4294967296").await?;
                }
                Ok(())
            })
        })
        .connect(&database_url(url))
        .await?;
    sqlx::migrate!("./migrations").run(&pool).await?;
    Ok(pool)
}

/// A holder's row, as the token route reads it.
#[derive(Clone, Debug)]
pub struct HolderRow {
    /// Subject hash, hex.
    pub subject: String,
    /// SHA-256 of the credential, hex.
    pub credential_hash: String,
    /// Display hint, NFC.
    pub display_hint: Option<String>,
    /// Colour index.
    pub colour: Option<i64>,
    /// Test result index.
    pub test_result: Option<i64>,
    /// Test collection time.
    pub test_collected_at: Option<i64>,
    /// Vaccine doses.
    pub doses: Option<i64>,
    /// Date of the last dose.
    pub last_dose: Option<String>,
    /// Status version.
    pub status_version: i64,
    /// Earliest issue time of a token.
    pub issue_not_before: i64,
    /// The token signed last.
    pub token: Option<StoredToken>,
}

/// A token as stored.
#[derive(Clone, Debug)]
pub struct StoredToken {
    /// QR form.
    pub qr: String,
    /// URL form.
    pub url: String,
    /// Issue time.
    pub issued_at: i64,
    /// Expiry.
    pub expires_at: i64,
    /// Refresh time.
    pub refresh_at: i64,
    /// The status version it was signed for.
    pub status_version: i64,
}

const HOLDER_COLUMNS: &str = "subject, credential_hash, display_hint, colour, test_result, \
    test_collected_at, doses, last_dose, status_version, issue_not_before, token_qr, \
    token_url, token_issued_at, token_expires_at, token_refresh_at, token_status_version";

fn holder_row(row: &AnyRow) -> Result<HolderRow, sqlx::Error> {
    let token = match (
        row.try_get::<Option<String>, _>("token_qr")?,
        row.try_get::<Option<String>, _>("token_url")?,
        row.try_get::<Option<i64>, _>("token_issued_at")?,
        row.try_get::<Option<i64>, _>("token_expires_at")?,
        row.try_get::<Option<i64>, _>("token_refresh_at")?,
        row.try_get::<Option<i64>, _>("token_status_version")?,
    ) {
        (Some(qr), Some(url), Some(issued_at), Some(expires_at), Some(refresh_at), Some(v)) => {
            Some(StoredToken {
                qr,
                url,
                issued_at,
                expires_at,
                refresh_at,
                status_version: v,
            })
        }
        _ => None,
    };
    Ok(HolderRow {
        subject: row.try_get("subject")?,
        credential_hash: row.try_get("credential_hash")?,
        display_hint: row.try_get("display_hint")?,
        colour: row.try_get("colour")?,
        test_result: row.try_get("test_result")?,
        test_collected_at: row.try_get("test_collected_at")?,
        doses: row.try_get("doses")?,
        last_dose: row.try_get("last_dose")?,
        status_version: row.try_get("status_version")?,
        issue_not_before: row.try_get("issue_not_before")?,
        token,
    })
}

/// The holder with subject `subject`.
pub async fn holder_by_subject(
    pool: &AnyPool,
    subject: &str,
) -> Result<Option<HolderRow>, sqlx::Error> {
    let sql = format!("SELECT {HOLDER_COLUMNS} FROM holders WHERE subject = $1");
    sqlx::query(&sql)
        .bind(subject)
        .fetch_optional(pool)
        .await?
        .as_ref()
        .map(holder_row)
        .transpose()
}

/// Largest number of credential lookups answered by one query.
pub const READ_BATCH: usize = 64;

/// The holders whose credentials hash to `hashes` (at most [`READ_BATCH`]), in one query.
/// The statement's parameter count is rounded up to a power of two (the extra places repeat
/// the first hash) so that a connection prepares at most seven statements for all batches.
pub async fn holders_by_credentials(
    pool: &AnyPool,
    hashes: &[String],
) -> Result<Vec<HolderRow>, sqlx::Error> {
    let Some(first) = hashes.first() else {
        return Ok(Vec::new());
    };
    let hashes = &hashes[..hashes.len().min(READ_BATCH)];
    let places = hashes.len().next_power_of_two();
    let list = (1..=places)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!("SELECT {HOLDER_COLUMNS} FROM holders WHERE credential_hash IN ({list})");
    let mut query = sqlx::query(&sql);
    for i in 0..places {
        query = query.bind(hashes.get(i).unwrap_or(first));
    }
    query
        .fetch_all(pool)
        .await?
        .iter()
        .map(holder_row)
        .collect()
}

/// A lookup [`HolderReader`] could not answer: the database failed (the reader logs why) or
/// too many lookups were waiting.
#[derive(Debug, thiserror::Error)]
#[error("holder lookup failed")]
pub struct LookupFailed;

type Lookup = (
    String,
    tokio::sync::oneshot::Sender<Result<Option<HolderRow>, LookupFailed>>,
);

/// Looks holders up by credential for the token route, many requests to one query.
///
/// Profiled under the surge benchmark, a token request's own work was small next to the
/// hand-off of each query to the database driver's worker thread and back (two thread
/// wake-ups per query, most of the CPU). The reader tasks take every lookup waiting when
/// they are free and answer them with one query, so under load the hand-off is paid once
/// per batch; alone, a lookup is sent at once (nothing waits for a batch to fill).
#[derive(Debug, Clone)]
pub struct HolderReader {
    queue: tokio::sync::mpsc::Sender<Lookup>,
}

/// Most lookups waiting for a reader; more are answered `Err` (storage busy) at once.
const READ_QUEUE: usize = 16_384;

impl HolderReader {
    /// Starts `readers` reader tasks on `pool`.
    pub fn spawn(pool: AnyPool, readers: usize) -> HolderReader {
        let (queue, rx) = tokio::sync::mpsc::channel::<Lookup>(READ_QUEUE);
        let rx = std::sync::Arc::new(tokio::sync::Mutex::new(rx));
        for _ in 0..readers.max(1) {
            let (pool, rx) = (pool.clone(), rx.clone());
            tokio::spawn(async move {
                let mut batch = Vec::with_capacity(READ_BATCH);
                loop {
                    if rx.lock().await.recv_many(&mut batch, READ_BATCH).await == 0 {
                        return;
                    }
                    let hashes: Vec<String> = batch.iter().map(|(h, _)| h.clone()).collect();
                    match holders_by_credentials(&pool, &hashes).await {
                        Ok(rows) => {
                            for (hash, reply) in batch.drain(..) {
                                let row = rows.iter().find(|r| r.credential_hash == hash);
                                // The requester may have gone (timeout): nothing to do.
                                let _ = reply.send(Ok(row.cloned()));
                            }
                        }
                        Err(e) => {
                            eprintln!("qrseal-service: database: {e}");
                            for (_, reply) in batch.drain(..) {
                                let _ = reply.send(Err(LookupFailed));
                            }
                        }
                    }
                }
            });
        }
        HolderReader { queue }
    }

    /// The holder whose credential hashes to `credential_hash`; `Err` when the database
    /// failed or the queue is full.
    pub async fn holder(&self, credential_hash: String) -> Result<Option<HolderRow>, LookupFailed> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.queue
            .try_send((credential_hash, reply))
            .map_err(|_| LookupFailed)?;
        answer.await.map_err(|_| LookupFailed)?
    }
}

/// Enrols a holder, or replaces the credential of one enrolled already (the old credential
/// stops working in the same statement). One statement: atomic on both databases.
pub async fn enrol(
    pool: &AnyPool,
    subject: &str,
    credential_hash: &str,
    display_hint: Option<&str>,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO holders (subject, credential_hash, display_hint, status_version, \
         issue_not_before, enrolled_at, updated_at) VALUES ($1, $2, $3, 0, 0, $4, $4) \
         ON CONFLICT (subject) DO UPDATE SET credential_hash = excluded.credential_hash, \
         display_hint = excluded.display_hint, updated_at = excluded.updated_at, \
         token_qr = NULL, token_url = NULL, token_issued_at = NULL, token_expires_at = NULL, \
         token_refresh_at = NULL, token_status_version = NULL",
    )
    .bind(subject)
    .bind(credential_hash)
    .bind(display_hint)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(())
}

/// A status to store.
#[derive(Debug)]
pub struct NewStatus {
    /// Colour index.
    pub colour: i64,
    /// Test result index and collection time.
    pub test: Option<(i64, i64)>,
    /// Doses and last dose date.
    pub vaccination: Option<(i64, String)>,
}

/// What [`set_status`] found before writing, for the caller to sign with.
#[derive(Debug)]
pub struct StatusChange {
    /// The colour before (None if the holder had no status).
    pub old_colour: Option<i64>,
    /// The new status version.
    pub status_version: i64,
    /// The display hint.
    pub display_hint: Option<String>,
    /// Earliest issue time before this change.
    pub issue_not_before: i64,
    /// The time, read once this update held the holder's write lock: a token request that
    /// read the old status did so before this update committed, so a revocation dated from
    /// here covers the token it signs (a time read before waiting for the lock may be
    /// seconds earlier than that token).
    pub now: i64,
}

/// Stores a status in one transaction: `decide` sees the state before and returns the
/// earliest issue time from now on, the revocation to queue (subject's tokens issued before
/// that time), and the token signed for the new status; all three are written together or
/// not at all. `Ok(None)` when no holder has this subject.
pub async fn set_status<E>(
    pool: &AnyPool,
    subject: &str,
    status: &NewStatus,
    clock: impl Fn() -> i64,
    decide: impl FnOnce(&StatusChange) -> Result<(i64, Option<i64>, StoredToken), E>,
) -> Result<Option<Result<(StatusChange, bool), E>>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    // Writing first takes the row lock (PostgreSQL) or the write lock (SQLite) before
    // reading, so two updates of one holder serialise instead of both reading the old state.
    let bumped =
        sqlx::query("UPDATE holders SET status_version = status_version + 1 WHERE subject = $1")
            .bind(subject)
            .execute(&mut *tx)
            .await?;
    if bumped.rows_affected() == 0 {
        return Ok(None);
    }
    let now = clock();
    let row = sqlx::query(
        "SELECT colour, status_version, display_hint, issue_not_before FROM holders \
         WHERE subject = $1",
    )
    .bind(subject)
    .fetch_one(&mut *tx)
    .await?;
    let change = StatusChange {
        old_colour: row.try_get("colour")?,
        status_version: row.try_get("status_version")?,
        display_hint: row.try_get("display_hint")?,
        issue_not_before: row.try_get("issue_not_before")?,
        now,
    };
    let (not_before, revoke_before, token) = match decide(&change) {
        Ok(d) => d,
        // Dropping the transaction rolls the version bump back.
        Err(e) => return Ok(Some(Err(e))),
    };
    if let Some(before) = revoke_before {
        sqlx::query(
            "INSERT INTO pending_revocations (subject, issued_before, queued_at) \
             VALUES ($1, $2, $3) ON CONFLICT (subject, issued_before) DO NOTHING",
        )
        .bind(subject)
        .bind(before)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query(
        "UPDATE holders SET colour = $2, test_result = $3, test_collected_at = $4, doses = $5, \
         last_dose = $6, issue_not_before = $7, token_qr = $8, token_url = $9, \
         token_issued_at = $10, token_expires_at = $11, token_refresh_at = $12, \
         token_status_version = $13, updated_at = $14 WHERE subject = $1",
    )
    .bind(subject)
    .bind(status.colour)
    .bind(status.test.map(|t| t.0))
    .bind(status.test.map(|t| t.1))
    .bind(status.vaccination.as_ref().map(|v| v.0))
    .bind(status.vaccination.as_ref().map(|v| v.1.clone()))
    .bind(not_before)
    .bind(&token.qr)
    .bind(&token.url)
    .bind(token.issued_at)
    .bind(token.expires_at)
    .bind(token.refresh_at)
    .bind(change.status_version)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Some(Ok((change, revoke_before.is_some()))))
}

/// The latest full revocation list: sequence and base64 bytes.
pub async fn latest_full_list(pool: &AnyPool) -> Result<Option<(i64, String)>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT sequence, full_list FROM revocation_lists ORDER BY sequence DESC LIMIT 1",
    )
    .fetch_optional(pool)
    .await?;
    row.map(|r| Ok((r.try_get("sequence")?, r.try_get("full_list")?)))
        .transpose()
}

/// The delta that leads to list `sequence`, base64.
pub async fn delta(pool: &AnyPool, sequence: i64) -> Result<Option<String>, sqlx::Error> {
    let row = sqlx::query("SELECT delta FROM revocation_lists WHERE sequence = $1")
        .bind(sequence)
        .fetch_optional(pool)
        .await?;
    Ok(match row {
        Some(r) => r.try_get::<Option<String>, _>("delta")?,
        None => None,
    })
}

/// Whether the database answers.
pub async fn ping(pool: &AnyPool) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT 1").fetch_one(pool).await.map(|_| ())
}

/// Tokens signed at a holder's request, kept in this process's memory only.
///
/// Nothing is written to the database on the token route: a stored token is only a cache
/// (losing one costs one signature), and writing refreshed tokens back cost more than it
/// saved. Under the surge benchmark the write-behind batches made every SQLite commit drop
/// each reading connection's page cache and memory map, and held the one write lock that
/// sample uploads wait for (BENCHMARKS.md). The route issues at a time rounded down to
/// [`ISSUE_QUANTUM_SECS`], so every process, and this one after an eviction or a restart,
/// signs the same bytes for the same status within that time: a holder asking twice gets
/// the same token from whichever process answers.
///
/// Bounded: at most `capacity` tokens; when full, tokens past their refresh time are
/// dropped first, then everything (the next requests sign again).
#[derive(Debug)]
pub struct TokenCache {
    tokens: dashmap::DashMap<String, StoredToken>,
    capacity: usize,
}

/// Issue times on the token route are rounded down to a multiple of this (seconds).
pub const ISSUE_QUANTUM_SECS: i64 = 60;

impl TokenCache {
    /// An empty cache holding at most `capacity` tokens.
    pub fn new(capacity: usize) -> TokenCache {
        TokenCache {
            tokens: dashmap::DashMap::new(),
            capacity,
        }
    }

    /// The token cached for `subject` if it was signed for `status_version` and its refresh
    /// time is after `now`.
    pub fn get(&self, subject: &str, status_version: i64, now: i64) -> Option<StoredToken> {
        let t = self.tokens.get(subject)?;
        (t.status_version == status_version && now < t.refresh_at).then(|| t.clone())
    }

    /// Keeps `token` for `subject`, making room first if the cache is full.
    pub fn put(&self, subject: String, token: StoredToken, now: i64) {
        if self.capacity == 0 {
            return;
        }
        if self.tokens.len() >= self.capacity && !self.tokens.contains_key(&subject) {
            self.tokens.retain(|_, t| now < t.refresh_at);
            if self.tokens.len() >= self.capacity {
                self.tokens.clear();
            }
        }
        self.tokens.insert(subject, token);
    }

    /// How many tokens are cached.
    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    /// Whether no token is cached.
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }
}

/// Takes turns between this process's batch writers (sample uploads; formerly refreshed
/// tokens too).
/// SQLite has one write lock, and a writer waiting for it polls with growing sleeps while a
/// busy one takes it again at once, so without turns one writer starves the other for
/// seconds; this lock is first come, first served.
pub type WriteTurn = std::sync::Arc<tokio::sync::Mutex<()>>;
