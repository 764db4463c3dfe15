//! The HTTP routes and the state they share. Handlers are thin: parse, authenticate, call
//! the issuer library and the store, map errors to [`ApiError`].

use std::future::Future;
use std::num::NonZeroU32;
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{DefaultBodyLimit, MatchedPath, Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use qrseal_core::Vaccination;
use qrseal_core::wire::SUBJECT_LEN;
use qrseal_core::{Colour, Date, DisplayHint, SubjectId, TestRecord, TestResult, Timestamp};
use qrseal_issuer::{Issuer, Status};
use qrseal_verifier::Code;
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::AnyPool;
use subtle::ConstantTimeEq as _;

use crate::admission::{self, Admission};
use crate::config::Config;
use crate::error::{ApiError, ServiceCode};
use crate::metrics::{Metrics, RequestLabels, RouteLabels};
use crate::store::{self, NewStatus, StoredToken};
use crate::subject;

/// Largest request body accepted (the largest real one, a status, is a few hundred bytes).
pub const MAX_BODY_BYTES: usize = 16 * 1024;
/// Largest total size of request headers accepted.
pub const MAX_HEADER_BYTES: usize = 8 * 1024;
/// Most request headers accepted.
pub const MAX_HEADERS: usize = 64;
/// Longest bearer credential looked at; longer ones are refused unread.
const MAX_CREDENTIAL_LEN: usize = 128;

/// Everything the handlers share. No state outside the database and the key files: the
/// in-memory holder rate limits only smooth one process's traffic.
#[derive(Debug)]
pub struct AppState {
    /// The flags.
    pub config: Config,
    /// The database.
    pub pool: AnyPool,
    /// Signs tokens.
    pub issuer: Issuer,
    /// SHA-256 of the admin token.
    pub admin_hash: [u8; 32],
    /// Metrics.
    pub metrics: Metrics,
    /// Admission control.
    pub admission: Admission,
    /// Per-holder token request limit.
    pub limiter: DefaultKeyedRateLimiter<[u8; SUBJECT_LEN]>,
    /// Tokens signed on the token route, in memory only.
    pub tokens: store::TokenCache,
    /// Collection sites' uploads.
    pub samples: crate::samples::Samples,
    /// Looks holders up by credential in batches.
    pub holders: store::HolderReader,
}

impl AppState {
    /// The state for `config`, with the given issuer, pool and admin token. Starts the
    /// token writer task: call inside a Tokio runtime.
    pub fn new(config: Config, pool: AnyPool, issuer: Issuer, admin_token: &str) -> AppState {
        let per_minute =
            NonZeroU32::new(config.holder_requests_per_minute).unwrap_or(NonZeroU32::MIN);
        let turn = store::WriteTurn::default();
        AppState {
            admission: Admission::new(
                config.min_in_flight,
                config.max_in_flight,
                config.latency_target,
                config.shed_retry_after,
            ),
            limiter: RateLimiter::keyed(Quota::per_minute(per_minute)),
            admin_hash: Sha256::digest(admin_token.as_bytes()).into(),
            tokens: store::TokenCache::new(config.token_cache),
            samples: crate::samples::Samples::new(
                pool.clone(),
                turn,
                config.site_uploads_per_minute,
            ),
            holders: store::HolderReader::spawn(
                pool.clone(),
                (config.db_connections as usize / 2).max(1),
            ),
            metrics: Metrics::default(),
            config,
            pool,
            issuer,
        }
    }
}

/// The routes every process serves, with the service's layers. Admission control is the
/// outermost layer, so a shed request costs no parsing at all.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/v1/holders", post(enrol))
        .route("/v1/holders/{subject}", get(holder))
        .route("/v1/holders/{subject}/status", put(set_status))
        .route("/v1/token", post(token))
        .route("/v1/trust-list", get(trust_list))
        .route("/v1/revocations/full", get(revocations_full))
        .route("/v1/revocations/delta/{sequence}", get(revocations_delta))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/v1/sites", post(crate::samples::enrol_site))
        .route(
            "/v1/samples",
            post(crate::samples::upload)
                .layer(DefaultBodyLimit::max(crate::samples::MAX_UPLOAD_BYTES)),
        )
        .route("/v1/samples/{tube}", get(crate::samples::tube))
        .route_layer(middleware::from_fn_with_state(state.clone(), record))
        .fallback(|| async { ApiError::service(ServiceCode::NotFound) })
        .method_not_allowed_fallback(|| async { ApiError::service(ServiceCode::MethodNotAllowed) })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(middleware::from_fn(limit_headers))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            admission::admit,
        ))
        .with_state(state)
}

/// The route templates (metric labels, and the paths of service/openapi.json).
pub const ROUTES: &[&str] = &[
    "/v1/holders",
    "/v1/holders/{subject}",
    "/v1/holders/{subject}/status",
    "/v1/token",
    "/v1/trust-list",
    "/v1/revocations/full",
    "/v1/revocations/delta/{sequence}",
    "/healthz",
    "/metrics",
    "/v1/sites",
    "/v1/samples",
    "/v1/samples/{tube}",
];

async fn record(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .and_then(|m| ROUTES.iter().find(|r| **r == m.as_str()).copied())
        .unwrap_or("other");
    let started = Instant::now();
    let response = next.run(request).await;
    state
        .metrics
        .latency
        .get_or_create(&RouteLabels { route })
        .observe(started.elapsed().as_secs_f64());
    state
        .metrics
        .requests
        .get_or_create(&RequestLabels {
            route,
            status: response.status().as_u16(),
        })
        .inc();
    response
}

async fn limit_headers(request: Request, next: Next) -> Response {
    let headers = request.headers();
    let bytes: usize = headers
        .iter()
        .map(|(k, v)| k.as_str().len() + v.len())
        .sum();
    if headers.len() > MAX_HEADERS || bytes > MAX_HEADER_BYTES {
        return ApiError::service(ServiceCode::HeadersTooLarge).into_response();
    }
    next.run(request).await
}

/// Seconds since the Unix epoch from the system clock (0 if it is before 1970).
pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

pub(crate) fn now_i64() -> i64 {
    i64::try_from(unix_now()).unwrap_or(i64::MAX)
}

pub(crate) async fn timed<T>(
    state: &AppState,
    f: impl Future<Output = Result<T, sqlx::Error>>,
) -> Result<T, ApiError> {
    let started = Instant::now();
    let out = f.await;
    state
        .metrics
        .db_time
        .observe(started.elapsed().as_secs_f64());
    out.map_err(|e| ApiError::storage(&e))
}

pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let token = value.strip_prefix("Bearer ")?.trim();
    (!token.is_empty() && token.len() <= MAX_CREDENTIAL_LEN).then_some(token)
}

pub(crate) fn hash_hex(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        // Writing into a String cannot fail.
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// Checks the admin token in constant time (over its SHA-256, so even its length leaks not).
pub(crate) fn require_admin(state: &AppState, headers: &HeaderMap) -> Result<(), ApiError> {
    let presented: [u8; 32] = Sha256::digest(bearer(headers).unwrap_or("").as_bytes()).into();
    if bool::from(presented.ct_eq(&state.admin_hash)) {
        Ok(())
    } else {
        Err(ApiError::service(ServiceCode::Unauthorized))
    }
}

pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(
    body: Result<Bytes, BytesRejection>,
) -> Result<T, ApiError> {
    let body = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::service(ServiceCode::TooLarge)
        } else {
            ApiError::service(ServiceCode::BadRequest)
        }
    })?;
    serde_json::from_slice(&body).map_err(|e| ApiError::service_detail(ServiceCode::BadRequest, e))
}

fn path_subject(path: Result<Path<String>, PathRejection>) -> Result<String, ApiError> {
    let Path(s) = path.map_err(|_| ApiError::service(ServiceCode::BadRequest))?;
    subject::parse(&s).map(|b| hex(&b)).ok_or_else(|| {
        ApiError::service_detail(ServiceCode::BadRequest, "The subject is 24 hex digits.")
    })
}

pub(crate) fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn core_error(e: qrseal_core::Error) -> ApiError {
    let code = qrseal_verifier::Error::from(e).code();
    ApiError::shared(code, StatusCode::UNPROCESSABLE_ENTITY, e)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EnrolRequest {
    id_number: String,
    display_hint: Option<String>,
}

async fn enrol(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    require_admin(&state, &headers)?;
    let request: EnrolRequest = parse_json(body)?;
    let subject = state
        .issuer
        .subject(&request.id_number)
        .map_err(|e| ApiError::issue(&e))?;
    let hint = request
        .display_hint
        .as_deref()
        .map(qrseal_issuer::display_hint)
        .transpose()
        .map_err(|e| ApiError::issue(&e))?;
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret).map_err(|_| {
        ApiError::shared(
            Code::Internal,
            StatusCode::SERVICE_UNAVAILABLE,
            "no randomness",
        )
    })?;
    let credential = URL_SAFE_NO_PAD.encode(secret);
    let subject_hex = hex(&subject.0);
    timed(
        &state,
        store::enrol(
            &state.pool,
            &subject_hex,
            &hash_hex(&credential),
            hint.as_ref().map(DisplayHint::as_str),
            now_i64(),
        ),
    )
    .await?;
    Ok(no_store(
        axum::Json(json!({ "subject": subject_hex, "credential": credential })).into_response(),
    ))
}

async fn holder(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    require_admin(&state, &headers)?;
    let subject = path_subject(path)?;
    let row = timed(&state, store::holder_by_subject(&state.pool, &subject))
        .await?
        .ok_or_else(|| ApiError::service(ServiceCode::UnknownSubject))?;
    let colour = row
        .colour
        .and_then(|c| usize::try_from(c).ok())
        .and_then(|c| Colour::ALL.get(c))
        .map(|c| c.name());
    Ok(no_store(
        axum::Json(json!({
            "subject": row.subject,
            "colour": colour,
            "status_version": row.status_version,
        }))
        .into_response(),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TestJson {
    result: String,
    collected_at: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VaccinationJson {
    doses: u8,
    last_dose: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StatusRequest {
    colour: String,
    test: Option<TestJson>,
    vaccination: Option<VaccinationJson>,
}

const TEST_RESULTS: [TestResult; 3] = [
    TestResult::Negative,
    TestResult::Positive,
    TestResult::Pending,
];

fn colour_index(c: Colour) -> i64 {
    Colour::ALL
        .iter()
        .position(|x| *x == c)
        .map_or(0, |i| i as i64)
}

fn stored_token(token: &qrseal_issuer::IssuedToken, status_version: i64) -> StoredToken {
    let secs = |t: Timestamp| i64::try_from(t.unix()).unwrap_or(i64::MAX);
    StoredToken {
        qr: token.qr_text(),
        url: token.url_text(),
        issued_at: secs(token.claims().issued_at),
        expires_at: secs(token.claims().expires_at),
        refresh_at: secs(token.refresh_at()),
        status_version,
    }
}

async fn set_status(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    require_admin(&state, &headers)?;
    let subject_hex = path_subject(path)?;
    let request: StatusRequest = parse_json(body)?;
    let colour = Colour::from_str(&request.colour).map_err(core_error)?;
    let test = request
        .test
        .map(|t| {
            Ok::<_, ApiError>(TestRecord {
                result: TestResult::from_str(&t.result).map_err(core_error)?,
                collected_at: Timestamp::parse_rfc3339(&t.collected_at).map_err(core_error)?,
            })
        })
        .transpose()?;
    let vaccination = request
        .vaccination
        .map(|v| {
            Ok::<_, ApiError>(Vaccination {
                doses: v.doses,
                last_dose: Date::from_str(&v.last_dose).map_err(core_error)?,
            })
        })
        .transpose()?;
    let new = NewStatus {
        colour: colour_index(colour),
        test: test.map(|t| {
            let r = TEST_RESULTS
                .iter()
                .position(|x| *x == t.result)
                .map_or(0, |i| i as i64);
            (r, i64::try_from(t.collected_at.unix()).unwrap_or(i64::MAX))
        }),
        vaccination: vaccination.map(|v| (i64::from(v.doses), v.last_dose.to_string())),
    };
    let subject = SubjectId(
        subject::parse(&subject_hex).ok_or_else(|| ApiError::service(ServiceCode::BadRequest))?,
    );
    let issuer = &state.issuer;
    let outcome = timed(
        &state,
        store::set_status(&state.pool, &subject_hex, &new, now_i64, |change| {
            let now = change.now;
            let old = change
                .old_colour
                .and_then(|c| usize::try_from(c).ok())
                .and_then(|c| Colour::ALL.get(c).copied());
            let at = |secs: i64| Timestamp::from_unix(u64::try_from(secs).unwrap_or(0));
            let effect = qrseal_issuer::revocation::on_status_change(
                subject,
                old,
                colour,
                at(change.issue_not_before),
                at(now),
            );
            let secs = |t: Timestamp| i64::try_from(t.unix()).unwrap_or(i64::MAX);
            let not_before = secs(effect.issue_not_before);
            let display_hint = change
                .display_hint
                .as_deref()
                .map(DisplayHint::new)
                .transpose()
                .map_err(core_error)?;
            let status = Status {
                subject,
                colour,
                test,
                vaccination,
                display_hint,
            };
            let token = issuer
                .issue(&status, at(not_before.max(now)))
                .map_err(|e| ApiError::issue(&e))?;
            state.metrics.tokens_signed.inc();
            let revoke_before = effect.revocation.map(|r| secs(r.issued_before));
            Ok((
                not_before,
                revoke_before,
                stored_token(&token, change.status_version),
            ))
        }),
    )
    .await?;
    let (change, revoked) =
        outcome.ok_or_else(|| ApiError::service(ServiceCode::UnknownSubject))??;
    Ok(no_store(
        axum::Json(json!({
            "subject": subject_hex,
            "colour": colour.name(),
            "status_version": change.status_version,
            "revocation_queued": revoked,
        }))
        .into_response(),
    ))
}

async fn token(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let credential =
        bearer(&headers).ok_or_else(|| ApiError::service(ServiceCode::Unauthorized))?;
    let presented = hash_hex(credential);
    let started = Instant::now();
    let row = state.holders.holder(presented.clone()).await;
    state
        .metrics
        .db_time
        .observe(started.elapsed().as_secs_f64());
    let row = row
        .map_err(|_| ApiError::service(ServiceCode::StorageUnavailable).retry_after(1))?
        .ok_or_else(|| ApiError::service(ServiceCode::Unauthorized))?;
    // The row was found by the hash; comparing it again in constant time keeps the answer
    // independent of how a database index compares strings.
    if !bool::from(row.credential_hash.as_bytes().ct_eq(presented.as_bytes())) {
        return Err(ApiError::service(ServiceCode::Unauthorized));
    }
    let subject_bytes = subject::parse(&row.subject)
        .ok_or_else(|| ApiError::service(ServiceCode::StorageUnavailable))?;
    if let Err(not_until) = state.limiter.check_key(&subject_bytes) {
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        return Err(ApiError::service(ServiceCode::RateLimited).retry_after(wait.as_secs() + 1));
    }
    let Some(colour) = row
        .colour
        .and_then(|c| usize::try_from(c).ok())
        .and_then(|c| Colour::ALL.get(c).copied())
    else {
        return Err(ApiError::service(ServiceCode::NoStatus));
    };
    let now = now_i64();
    let cached = match row.token {
        Some(t) if t.status_version == row.status_version && now < t.refresh_at => Some(t),
        _ => state.tokens.get(&row.subject, row.status_version, now),
    };
    let token = if let Some(t) = cached {
        state.metrics.tokens_cached.inc();
        t
    } else {
        let test = match (row.test_result, row.test_collected_at) {
            (Some(r), Some(at)) => Some(TestRecord {
                result: usize::try_from(r)
                    .ok()
                    .and_then(|r| TEST_RESULTS.get(r).copied())
                    .unwrap_or(TestResult::Pending),
                collected_at: Timestamp::from_unix(u64::try_from(at).unwrap_or(0)),
            }),
            _ => None,
        };
        let vaccination = match (row.doses, row.last_dose.as_deref()) {
            (Some(d), Some(date)) => Some(Vaccination {
                doses: u8::try_from(d).unwrap_or(0),
                last_dose: Date::from_str(date).map_err(core_error)?,
            }),
            _ => None,
        };
        let display_hint = row
            .display_hint
            .as_deref()
            .map(DisplayHint::new)
            .transpose()
            .map_err(core_error)?;
        let status = Status {
            subject: SubjectId(subject_bytes),
            colour,
            test,
            vaccination,
            display_hint,
        };
        // Rounded down so that every process signs the same bytes for this status within
        // the quantum (store::TokenCache), and never before the last revocation's time.
        let issue_at = (now - now.rem_euclid(store::ISSUE_QUANTUM_SECS)).max(row.issue_not_before);
        let at = Timestamp::from_unix(u64::try_from(issue_at).unwrap_or(0));
        let issued = state
            .issuer
            .issue(&status, at)
            .map_err(|e| ApiError::issue(&e))?;
        state.metrics.tokens_signed.inc();
        let stored = stored_token(&issued, row.status_version);
        state.tokens.put(row.subject, stored.clone(), now);
        stored
    };
    let time = |s: i64| Timestamp::from_unix(u64::try_from(s).unwrap_or(0)).to_string();
    Ok(no_store(
        axum::Json(json!({
            "qr": token.qr,
            "url": token.url,
            "issued_at": time(token.issued_at),
            "expires_at": time(token.expires_at),
            "refresh_at": time(token.refresh_at),
        }))
        .into_response(),
    ))
}

/// Answers a published list with an ETag (its SHA-256) and `cache_control`, or 304 when the
/// client's `If-None-Match` names it already.
fn list_response(headers: &HeaderMap, bytes: Vec<u8>, cache_control: &'static str) -> Response {
    let etag = format!("\"{}\"", hex(&Sha256::digest(&bytes)[..16]));
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let mut response = if matches {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        ([(header::CONTENT_TYPE, "application/octet-stream")], bytes).into_response()
    };
    let h = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(cache_control),
    );
    response
}

/// Largest trust list served (a list of every key a country could need is far smaller).
pub const MAX_TRUST_LIST_BYTES: u64 = 1 << 20;

async fn trust_list(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let path = state
        .config
        .trust_list
        .as_ref()
        .ok_or_else(|| ApiError::service(ServiceCode::NotPublished))?;
    let bytes = match tokio::fs::metadata(path).await {
        Ok(m) if m.len() <= MAX_TRUST_LIST_BYTES => tokio::fs::read(path).await,
        Ok(_) => Err(std::io::Error::other("trust list too large")),
        Err(e) => Err(e),
    }
    .map_err(|e| {
        eprintln!("qrseal-service: trust list {}: {e}", path.display());
        ApiError::service(ServiceCode::NotPublished)
    })?;
    Ok(list_response(&headers, bytes, "public, max-age=300"))
}

async fn revocations_full(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let (_, text) = timed(&state, store::latest_full_list(&state.pool))
        .await?
        .ok_or_else(|| ApiError::service(ServiceCode::NotPublished))?;
    let bytes = STANDARD
        .decode(text)
        .map_err(|_| ApiError::service(ServiceCode::StorageUnavailable))?;
    // Short: a new list may be published at the next interval.
    Ok(list_response(&headers, bytes, "public, max-age=30"))
}

async fn revocations_delta(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let Path(s) = path.map_err(|_| ApiError::service(ServiceCode::BadRequest))?;
    let sequence: i64 = s.parse().ok().filter(|n| *n >= 1).ok_or_else(|| {
        ApiError::service_detail(
            ServiceCode::BadRequest,
            "The sequence is a positive integer.",
        )
    })?;
    let text = timed(&state, store::delta(&state.pool, sequence))
        .await?
        .ok_or_else(|| ApiError::service(ServiceCode::NotPublished))?;
    let bytes = STANDARD
        .decode(text)
        .map_err(|_| ApiError::service(ServiceCode::StorageUnavailable))?;
    // A delta never changes once published.
    Ok(list_response(
        &headers,
        bytes,
        "public, max-age=31536000, immutable",
    ))
}

async fn healthz(State(state): State<Arc<AppState>>) -> Result<Response, ApiError> {
    timed(&state, store::ping(&state.pool)).await?;
    Ok(axum::Json(json!({ "status": "ok" })).into_response())
}

async fn metrics(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    if state.config.metrics_require_admin
        && let Err(e) = require_admin(&state, &headers)
    {
        return e.into_response();
    }
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.encode(),
    )
        .into_response()
}
