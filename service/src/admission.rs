//! Admission control, the outermost layer: a bound on the requests in flight that adapts to
//! the latency the service measures. Over the bound a request is answered 503 `overloaded`
//! at once, with a jittered `Retry-After`, rather than queued: a queue in front of a
//! saturated service only adds latency to every request and lets timeouts fire on work
//! already done.
//!
//! The bound follows the AIMD rule of Netflix's concurrency-limits: a handled request that
//! took longer than `--latency-target` cuts the bound by a tenth (at most once per target
//! interval, so one slow moment counts once), and every request handled in time while the
//! bound was at least half used raises it by `1 / bound` (about one per bound's worth of
//! requests). By Little's law (in flight = throughput x latency) the bound settles where the
//! service's real throughput times the target latency lies, whatever the machine, database
//! or mix of requests; it never goes below `--min-in-flight` nor above `--max-in-flight`.
//! No crate of this kind is widely used in the Rust ecosystem, so the limiter is this
//! module's hundred lines, tested below.
//!
//! Shedding costs one atomic add and subtract, one cheap random number and a static body: no
//! body read, no database, no lock. The service times every shed answer in its own histogram
//! (`qrseal_shed_duration_seconds`).

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::app::AppState;
use crate::error::{ApiError, ServiceCode};

/// The body of every shed answer (the service's usual error object, built once).
const SHED_BODY: &str = r#"{"error":{"code":"overloaded","message":"The service is busy; keep showing your valid token and retry later."}}"#;

/// Share of the bound cut when a request is slow.
const BACKOFF: f64 = 0.9;

#[derive(Debug)]
struct Limit {
    /// The bound, fractional so that additive increase can be gradual.
    value: f64,
    /// When the bound was last cut.
    last_cut: Option<Instant>,
}

/// The adaptive in-flight bound.
#[derive(Debug)]
pub struct Limiter {
    in_flight: AtomicUsize,
    /// `floor(limit.value)`, read without the lock on every admission.
    current: AtomicUsize,
    limit: Mutex<Limit>,
    min: usize,
    max: usize,
    target: Duration,
}

/// A request admitted by [`Limiter::try_acquire`]; report how it went with
/// [`Limiter::release`]. Dropped without that (the client went away and the server dropped
/// the request mid-way), it still leaves the in-flight count, and says nothing of latency.
#[derive(Debug)]
#[must_use]
pub struct Admitted<'l> {
    limiter: &'l Limiter,
    /// Requests in flight when this one was admitted (itself included).
    in_flight: usize,
}

impl Drop for Admitted<'_> {
    fn drop(&mut self) {
        self.limiter.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Limiter {
    /// A bound between `min` and `max` (`max` is raised to 1, `min` kept between 1 and
    /// `max`), starting at `max`, cut when a request takes longer than `target`.
    pub fn new(min: usize, max: usize, target: Duration) -> Limiter {
        let max = max.max(1);
        let min = min.clamp(1, max);
        Limiter {
            in_flight: AtomicUsize::new(0),
            current: AtomicUsize::new(max),
            limit: Mutex::new(Limit {
                value: max as f64,
                last_cut: None,
            }),
            min,
            max,
            target,
        }
    }

    /// The bound now.
    pub fn limit(&self) -> usize {
        self.current.load(Ordering::Relaxed)
    }

    /// Requests in flight now.
    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::Relaxed)
    }

    /// Admits a request if fewer than the bound are in flight.
    pub fn try_acquire(&self) -> Option<Admitted<'_>> {
        let in_flight = self.in_flight.fetch_add(1, Ordering::AcqRel) + 1;
        // From here the guard owns the increment: dropping it undoes it.
        let admitted = Admitted {
            limiter: self,
            in_flight,
        };
        (in_flight <= self.limit()).then_some(admitted)
    }

    /// Ends an admitted request that took `latency` (`None`: it timed out), finished `now`.
    pub fn release(&self, admitted: Admitted<'_>, latency: Option<Duration>, now: Instant) {
        // A poisoned lock only means another thread panicked mid-update of two numbers
        // that are valid at any instant; carry on with them.
        let mut limit = self.limit.lock().unwrap_or_else(|p| p.into_inner());
        let slow = latency.is_none_or(|l| l > self.target);
        if slow {
            let recently = limit
                .last_cut
                .is_some_and(|at| now.saturating_duration_since(at) < self.target);
            if !recently {
                limit.value = (limit.value * BACKOFF).max(self.min as f64);
                limit.last_cut = Some(now);
            }
        } else if admitted.in_flight * 2 >= limit.value as usize {
            limit.value = (limit.value + 1.0 / limit.value).min(self.max as f64);
        }
        self.current.store(
            (limit.value as usize).clamp(self.min, self.max),
            Ordering::Relaxed,
        );
        drop(limit);
        drop(admitted);
    }
}

/// Admission control's state: the limiter and the `Retry-After` range.
#[derive(Debug)]
pub struct Admission {
    /// The adaptive bound.
    pub limiter: Limiter,
    max_retry_after: u64,
    jitter: AtomicU64,
}

impl Admission {
    /// Between `min_in_flight` and `max_in_flight` requests at once, adapted to keep handled
    /// requests under `latency_target`; shed ones are told to retry after a random time
    /// between `max_retry_after / 2` and `max_retry_after` seconds.
    pub fn new(
        min_in_flight: usize,
        max_in_flight: usize,
        latency_target: Duration,
        max_retry_after: u64,
    ) -> Admission {
        // Without randomness the jitter still spreads: the sequence below from a fixed seed.
        let seed = getrandom::u64().unwrap_or(0x853c_49e6_748f_ea9b);
        Admission {
            limiter: Limiter::new(min_in_flight, max_in_flight, latency_target),
            max_retry_after: max_retry_after.max(1),
            jitter: AtomicU64::new(seed),
        }
    }

    /// A `Retry-After` between half the maximum and the maximum. SplitMix64 over a shared
    /// counter: no system call per shed answer, and spread enough to keep retries apart.
    fn retry_after(&self) -> u64 {
        let mut z = self
            .jitter
            .fetch_add(0x9e37_79b9_7f4a_7c15, Ordering::Relaxed)
            .wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        let low = (self.max_retry_after / 2).max(1);
        let width = self.max_retry_after - low + 1;
        low + z % width
    }

    fn shed(&self) -> Response {
        let mut response = Response::new(Body::from(SHED_BODY));
        *response.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
        let h = response.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        h.insert(header::RETRY_AFTER, HeaderValue::from(self.retry_after()));
        response
    }
}

/// The middleware: health and metrics pass untouched (load balancers and monitoring must
/// see the service even when it sheds); everything else needs to be admitted, and gets
/// `--request-timeout` to finish.
pub async fn admit(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let path = request.uri().path();
    if path == "/healthz" || path == "/metrics" {
        return next.run(request).await;
    }
    let learns = teaches_the_limiter(request.method(), path);
    let admission = &state.admission;
    let Some(admitted) = admission.limiter.try_acquire() else {
        let response = admission.shed();
        state
            .metrics
            .in_flight
            .set(gauge(admission.limiter.in_flight()));
        state.metrics.shed.inc();
        state
            .metrics
            .shed_latency
            .observe(started.elapsed().as_secs_f64());
        return response;
    };
    let response = tokio::time::timeout(state.config.request_timeout, next.run(request)).await;
    let now = Instant::now();
    if learns {
        let latency = response.is_ok().then(|| now.duration_since(started));
        admission.limiter.release(admitted, latency, now);
    } else {
        // Leaves the in-flight count and tells the bound nothing.
        drop(admitted);
    }
    // Set from the limiter rather than counted here: a request dropped mid-way (its client
    // gone) never reaches this line, but its guard has left the limiter's count.
    let metrics = &state.metrics;
    metrics.in_flight.set(gauge(admission.limiter.in_flight()));
    metrics
        .in_flight_limit
        .set(gauge(admission.limiter.limit()));
    match response {
        Ok(r) => r,
        Err(_) => ApiError::service(ServiceCode::Timeout)
            .retry_after(1)
            .into_response(),
    }
}

/// Whether a request's latency tells the limiter about load. Writes wait for their durable
/// commit (an fsync, shared by a group of uploads) by design, tens of milliseconds that say
/// nothing about overload; learning from them cut the bound and shed token requests while
/// collection sites uploaded (BENCHMARKS.md). They still hold a place while in flight.
fn teaches_the_limiter(method: &axum::http::Method, path: &str) -> bool {
    method == axum::http::Method::GET || path == "/v1/token"
}

fn gauge(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_reads_and_token_requests_teach_the_limiter() {
        use axum::http::Method;
        assert!(teaches_the_limiter(&Method::POST, "/v1/token"));
        assert!(teaches_the_limiter(&Method::GET, "/v1/samples/T1"));
        assert!(teaches_the_limiter(&Method::GET, "/v1/trust-list"));
        assert!(!teaches_the_limiter(&Method::POST, "/v1/samples"));
        assert!(!teaches_the_limiter(&Method::POST, "/v1/holders"));
        assert!(!teaches_the_limiter(&Method::PUT, "/v1/holders/00/status"));
        assert!(!teaches_the_limiter(&Method::POST, "/v1/sites"));
    }

    const TARGET: Duration = Duration::from_millis(20);
    const FAST: Option<Duration> = Some(Duration::from_millis(2));
    const SLOW: Option<Duration> = Some(Duration::from_millis(80));

    /// Runs `n` requests, `width` at a time, each taking `latency`, the clock moving `step`
    /// per round.
    fn rounds(l: &Limiter, t: &mut Instant, n: usize, latency: Option<Duration>, step: Duration) {
        for _ in 0..n {
            let width = l.limit();
            let admitted: Vec<_> = (0..width).filter_map(|_| l.try_acquire()).collect();
            *t += step;
            for a in admitted {
                l.release(a, latency, *t);
            }
        }
    }

    #[test]
    fn admits_up_to_the_bound_and_sheds_the_rest() {
        let l = Limiter::new(1, 3, TARGET);
        let held: Vec<_> = (0..3).map(|_| l.try_acquire().unwrap()).collect();
        assert!(l.try_acquire().is_none());
        assert_eq!(l.in_flight(), 3);
        let now = Instant::now();
        for a in held {
            l.release(a, FAST, now);
        }
        assert_eq!(l.in_flight(), 0);
        assert!(l.try_acquire().is_some());
    }

    #[test]
    fn a_request_dropped_mid_way_leaves_the_count() {
        let l = Limiter::new(1, 2, TARGET);
        for _ in 0..10 {
            let a = l.try_acquire().unwrap();
            let b = l.try_acquire().unwrap();
            assert!(l.try_acquire().is_none());
            drop((a, b));
        }
        assert_eq!(l.in_flight(), 0);
        assert_eq!(l.limit(), 2);
    }

    #[test]
    fn the_bound_falls_when_latency_rises_and_never_below_the_floor() {
        let l = Limiter::new(8, 200, TARGET);
        let mut t = Instant::now();
        assert_eq!(l.limit(), 200);
        rounds(&l, &mut t, 5, SLOW, TARGET);
        let after_five = l.limit();
        assert!(after_five < 200 && after_five > 8, "{after_five}");
        rounds(&l, &mut t, 200, SLOW, TARGET);
        assert_eq!(l.limit(), 8);
        // Timeouts count as slow.
        rounds(&l, &mut t, 10, None, TARGET);
        assert_eq!(l.limit(), 8);
    }

    #[test]
    fn one_slow_moment_cuts_once() {
        let l = Limiter::new(1, 100, TARGET);
        let t = Instant::now();
        let admitted: Vec<_> = (0..100).map(|_| l.try_acquire().unwrap()).collect();
        // A hundred slow answers within one target interval: one cut of a tenth.
        for a in admitted {
            l.release(a, SLOW, t);
        }
        assert_eq!(l.limit(), 90);
    }

    #[test]
    fn the_bound_recovers_when_latency_falls_and_never_above_the_ceiling() {
        let l = Limiter::new(4, 64, TARGET);
        let mut t = Instant::now();
        rounds(&l, &mut t, 100, SLOW, TARGET);
        assert_eq!(l.limit(), 4);
        rounds(&l, &mut t, 30, FAST, TARGET);
        let recovering = l.limit();
        assert!(recovering > 4, "{recovering}");
        rounds(&l, &mut t, 2_000, FAST, TARGET);
        assert_eq!(l.limit(), 64);
    }

    #[test]
    fn an_idle_service_does_not_raise_its_bound() {
        let l = Limiter::new(4, 64, TARGET);
        let mut t = Instant::now();
        rounds(&l, &mut t, 100, SLOW, TARGET);
        assert_eq!(l.limit(), 4);
        // One request at a time, fast: the bound is not used, so it is no evidence.
        for _ in 0..1_000 {
            let a = l.try_acquire().unwrap();
            t += TARGET;
            l.release(a, FAST, t);
        }
        assert!(l.limit() <= 5, "{}", l.limit());
    }

    #[test]
    fn retry_after_stays_in_its_range_and_spreads() {
        let a = Admission::new(1, 1, TARGET, 20);
        let seen: std::collections::BTreeSet<u64> = (0..1_000).map(|_| a.retry_after()).collect();
        assert!(seen.iter().all(|s| (10..=20).contains(s)), "{seen:?}");
        assert_eq!(seen.len(), 11);
    }

    #[tokio::test]
    async fn the_shed_answer_is_the_services_overloaded_error() {
        let a = Admission::new(1, 1, TARGET, 20);
        let ours = a.shed();
        let usual = ApiError::service(ServiceCode::Overloaded).into_response();
        assert_eq!(ours.status(), usual.status());
        assert_eq!(
            ours.headers().get(header::CONTENT_TYPE),
            usual.headers().get(header::CONTENT_TYPE)
        );
        let body = |r: Response| async {
            let bytes = axum::body::to_bytes(r.into_body(), 1 << 16).await.unwrap();
            serde_json::from_slice::<serde_json::Value>(&bytes).unwrap()
        };
        assert_eq!(body(ours).await, body(usual).await);
    }
}
