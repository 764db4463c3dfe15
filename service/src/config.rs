//! Command-line flags (each also read from an environment variable).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// How to run the service.
#[derive(Clone, Debug, clap::Parser)]
#[command(name = "qrseal-service", version, about = "The qrseal issuer service")]
#[non_exhaustive]
pub struct Config {
    /// Address to listen on.
    #[arg(long, env = "QRSEAL_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Database: a SQLite file path, `sqlite://PATH`, or `postgres://...`.
    #[arg(long, env = "QRSEAL_DATABASE_URL", default_value = "qrseal.db")]
    pub database_url: String,
    /// Directory holding issuer.key and subject.key (from `qrseal keygen`).
    #[arg(long, env = "QRSEAL_KEYS")]
    pub keys: PathBuf,
    /// File holding the admin token (at least 16 characters; surrounding whitespace ignored).
    #[arg(long, env = "QRSEAL_ADMIN_TOKEN_FILE")]
    pub admin_token_file: PathBuf,
    /// Trust list to serve at /v1/trust-list (from `qrseal trust-list`); re-read on change.
    #[arg(long, env = "QRSEAL_TRUST_LIST")]
    pub trust_list: Option<PathBuf>,
    /// Root public key (PEM, `root.pub` from `qrseal root-keygen`) that signs the trust
    /// list. With `--trust-list`, the publisher accepts a last revocation list signed by any
    /// key of the verified trust list within its signing window, so it keeps building on
    /// the chain after an issuer-key rotation.
    #[arg(long, env = "QRSEAL_ROOT_KEY", requires = "trust_list")]
    pub root_key: Option<PathBuf>,
    /// How often the publisher looks for revocations to publish.
    #[arg(long, env = "QRSEAL_PUBLISH_INTERVAL", default_value = "60s", value_parser = humantime::parse_duration)]
    pub publish_interval: Duration,
    /// How long a published revocation list stays current (its next-update-by); the
    /// publisher republishes after half of it even with nothing new.
    #[arg(long, env = "QRSEAL_LIST_VALID_FOR", default_value = "24h", value_parser = humantime::parse_duration)]
    pub list_valid_for: Duration,
    /// Token lifetime.
    #[arg(long, env = "QRSEAL_TTL", default_value = "24h", value_parser = humantime::parse_duration)]
    pub ttl: Duration,
    /// Width of the per-holder expiry spread (shorter than the TTL).
    #[arg(long, env = "QRSEAL_SPREAD", default_value = "3h", value_parser = humantime::parse_duration)]
    pub spread: Duration,
    /// Most requests handled at once; more are answered 503 at once (admission control).
    /// The bound adapts to the measured latency between `--min-in-flight` and this.
    #[arg(long, env = "QRSEAL_MAX_IN_FLIGHT", default_value_t = 256)]
    pub max_in_flight: usize,
    /// Least the adaptive in-flight bound falls to.
    #[arg(long, env = "QRSEAL_MIN_IN_FLIGHT", default_value_t = 4)]
    pub min_in_flight: usize,
    /// Latency a handled request should stay under: a slower one lowers the in-flight
    /// bound by a tenth, faster ones raise it gradually.
    #[arg(long, env = "QRSEAL_LATENCY_TARGET", default_value = "20ms", value_parser = humantime::parse_duration)]
    pub latency_target: Duration,
    /// Largest `Retry-After` (seconds) given to shed requests; each gets a random value
    /// between half of it and all of it, so retries spread out.
    #[arg(long, env = "QRSEAL_SHED_RETRY_AFTER", default_value_t = 30)]
    pub shed_retry_after: u64,
    /// Token requests a holder may make per minute (and in a burst).
    #[arg(long = "holder-rate", env = "QRSEAL_HOLDER_RATE", default_value_t = 6)]
    pub holder_requests_per_minute: u32,
    /// Sample uploads a collection site may make per minute (and in a burst).
    #[arg(long = "site-rate", env = "QRSEAL_SITE_RATE", default_value_t = 600)]
    pub site_uploads_per_minute: u32,
    /// Most tokens signed on the token route that one process keeps in memory (about 400
    /// bytes each) to answer a holder's repeat request without signing again; 0 keeps none.
    #[arg(long, env = "QRSEAL_TOKEN_CACHE", default_value_t = 100_000)]
    pub token_cache: usize,
    /// Database connections per process.
    #[arg(long, env = "QRSEAL_DB_CONNECTIONS", default_value_t = 8)]
    pub db_connections: u32,
    /// Answer `/metrics` only with the admin bearer token (otherwise it is public: keep it
    /// off the public network by other means then, such as the load balancer's routes).
    #[arg(long, env = "QRSEAL_METRICS_REQUIRE_ADMIN")]
    pub metrics_require_admin: bool,
    /// Longest a request may take before it is answered 503 `timeout`.
    #[arg(long, env = "QRSEAL_REQUEST_TIMEOUT", default_value = "10s", value_parser = humantime::parse_duration)]
    pub request_timeout: Duration,
}
