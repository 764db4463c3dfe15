//! The qrseal issuer service: enrols holders, takes statuses from the health authority's
//! feed, and hands each holder its current token over HTTP. Signing, subject hashing, TTL
//! and spread, and revocation lists are `qrseal-issuer`'s; this crate owns credentials,
//! storage (SQLite or PostgreSQL through sqlx, migrations in `service/migrations`),
//! admission control and the background revocation publisher.
//!
//! Run it with the binary `qrseal-service --keys DIR --admin-token-file FILE`; the API is
//! in docs/SERVICE.md and `service/openapi.json`. Any number of processes may share one
//! PostgreSQL database: the service keeps no state of its own outside it and the key files.

#![forbid(unsafe_code)]
#![warn(clippy::unwrap_used, clippy::expect_used)]

pub mod admission;
pub mod app;
pub mod config;
pub mod error;
pub mod metrics;
pub mod publisher;
pub mod samples;
pub mod store;
pub mod subject;

use std::sync::Arc;
use std::time::Duration;

use qrseal_core::Timestamp;
use qrseal_core::lists::{KeyEntry, TrustList};
use qrseal_issuer::revocation::RevocationPublisher;
use qrseal_issuer::{Issuer, TtlPolicy};
use qrseal_verifier::{TrustStore, TrustedKey};

pub use config::Config;

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// The key directory cannot be used.
    #[error("keys: {0}")]
    Keys(#[source] qrseal_issuer::Error),
    /// The TTL flags are refused.
    #[error("TTL: {0}")]
    Ttl(#[source] qrseal_issuer::Error),
    /// The admin token file cannot be read or is too short.
    #[error("admin token file: {0}")]
    AdminToken(String),
    /// The database cannot be opened or migrated.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// The migrations failed.
    #[error("database migration: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    /// The root public key file cannot be read or is not a PEM public key.
    #[error("root key: {0}")]
    RootKey(String),
    /// The listen address cannot be bound.
    #[error("listen: {0}")]
    Listen(#[source] std::io::Error),
}

/// Shortest admin token accepted.
pub const MIN_ADMIN_TOKEN_LEN: usize = 16;

/// Starts the service and runs it until SIGINT or SIGTERM. Prints
/// `qrseal-service listening on ADDR` on standard output once it accepts connections.
pub async fn run(config: Config) -> Result<(), StartError> {
    let (key, subject_secret) =
        qrseal_issuer::keyfile::load(&config.keys).map_err(StartError::Keys)?;
    let issuer = Issuer::new(key, subject_secret)
        .with_ttl(TtlPolicy::new(config.ttl, config.spread))
        .map_err(StartError::Ttl)?;
    let admin_token = std::fs::read_to_string(&config.admin_token_file).map_err(|e| {
        StartError::AdminToken(format!("{}: {e}", config.admin_token_file.display()))
    })?;
    let admin_token = admin_token.trim();
    if admin_token.len() < MIN_ADMIN_TOKEN_LEN {
        return Err(StartError::AdminToken(format!(
            "{}: the token must be at least {MIN_ADMIN_TOKEN_LEN} characters",
            config.admin_token_file.display()
        )));
    }
    let root = config.root_key.as_deref().map(read_root_key).transpose()?;
    let pool = store::open(&config.database_url, config.db_connections).await?;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(StartError::Listen)?;
    let address = listener.local_addr().map_err(StartError::Listen)?;
    let state = Arc::new(app::AppState::new(config, pool, issuer, admin_token));

    let publishing = tokio::spawn(publish_loop(state.clone(), root));
    let pruning = tokio::spawn(prune_limits(state.clone()));
    println!("qrseal-service listening on {address}");
    let served = axum::serve(listener, app::router(state.clone()))
        .with_graceful_shutdown(shutdown())
        .await;
    publishing.abort();
    pruning.abort();
    state.pool.close().await;
    served.map_err(StartError::Listen)
}

/// Largest root public key file read (a PEM public key is about 113 bytes).
const MAX_ROOT_KEY_FILE: u64 = 4096;

fn read_root_key(path: &std::path::Path) -> Result<TrustedKey, StartError> {
    let fail = |why: String| StartError::RootKey(format!("{}: {why}", path.display()));
    let len = std::fs::metadata(path)
        .map_err(|e| fail(e.to_string()))?
        .len();
    if len > MAX_ROOT_KEY_FILE {
        return Err(fail("too large for a public key".into()));
    }
    let pem = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
    TrustedKey::from_public_key_pem(&pem).map_err(|e| fail(e.to_string()))
}

/// The keys of the trust list at `path`, once it verifies against `root` at `now` (its
/// signature, its root, not signed in the future): the keys whose earlier revocation lists
/// the publisher may build on.
fn trusted_signers(
    root: &TrustedKey,
    path: &std::path::Path,
    now: Timestamp,
) -> Result<Vec<KeyEntry>, String> {
    let len = std::fs::metadata(path).map_err(|e| e.to_string())?.len();
    if len > app::MAX_TRUST_LIST_BYTES {
        return Err("too large".into());
    }
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    let mut store = TrustStore::new(root.clone());
    store
        .load_trust_list(&bytes, now)
        .map_err(|e| e.to_string())?;
    let list = TrustList::parse(&bytes).map_err(|e| e.to_string())?;
    Ok(list.keys().collect())
}

async fn publish_loop(state: Arc<app::AppState>, root: Option<TrustedKey>) {
    let mut interval = tokio::time::interval(
        state
            .config
            .publish_interval
            .max(Duration::from_millis(100)),
    );
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        interval.tick().await;
        let mut publisher = RevocationPublisher::new(state.issuer.key());
        // Read at each publication: the trust list file may be replaced at any time.
        if let (Some(root), Some(path)) = (&root, &state.config.trust_list) {
            let now = Timestamp::from_unix(app::unix_now());
            match trusted_signers(root, path, now) {
                Ok(keys) => {
                    for entry in keys {
                        publisher = publisher.with_base_signer(entry);
                    }
                }
                Err(e) => eprintln!(
                    "qrseal-service: trust list {} not used for publishing: {e}",
                    path.display()
                ),
            }
        }
        match publisher::publish_once(&state.pool, &publisher, state.config.list_valid_for).await {
            Ok(Some(sequence)) => {
                state.metrics.publications.inc();
                eprintln!("qrseal-service: published revocation list {sequence}");
            }
            Ok(None) => {}
            Err(e) => eprintln!("qrseal-service: publishing failed, will retry: {e}"),
        }
    }
}

/// Forgets the rate-limit state of holders that are back to a full allowance, so that the
/// memory the limiter holds follows the holders active in the last minute, not all holders
/// ever seen.
async fn prune_limits(state: Arc<app::AppState>) {
    let mut interval = tokio::time::interval(Duration::from_secs(10));
    loop {
        interval.tick().await;
        state.limiter.retain_recent();
        state.limiter.shrink_to_fit();
    }
}

async fn shutdown() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}
