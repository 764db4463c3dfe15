//! Admission control, the outermost layer: a bounded number of requests in flight. Over the
//! bound a request is answered 503 `overloaded` at once, with a jittered `Retry-After`,
//! rather than queued: a queue in front of a saturated service only adds latency to every
//! request and lets timeouts fire on work already done.
//!
//! The bound is Little's law: in-flight = throughput x latency. At the measured saturation
//! throughput and the latency target of served requests, the product is the most work that
//! can be in flight without the latency target slipping (docs/SERVICE.md has the numbers);
//! `--max-in-flight` sets it.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio::sync::Semaphore;

use crate::app::AppState;
use crate::error::{ApiError, ServiceCode};

/// The in-flight bound.
#[derive(Debug)]
pub struct Admission {
    permits: Arc<Semaphore>,
    max_retry_after: u64,
}

impl Admission {
    /// At most `max_in_flight` requests at once; shed ones are told to retry after a random
    /// time between `max_retry_after / 2` and `max_retry_after` seconds.
    pub fn new(max_in_flight: usize, max_retry_after: u64) -> Admission {
        Admission {
            permits: Arc::new(Semaphore::new(max_in_flight.max(1))),
            max_retry_after: max_retry_after.max(1),
        }
    }

    fn retry_after(&self) -> u64 {
        let low = (self.max_retry_after / 2).max(1);
        let width = self.max_retry_after - low + 1;
        // Without randomness the jitter falls back to the upper bound: still a valid answer.
        let r = getrandom::u64().unwrap_or(width - 1);
        low + r % width
    }
}

/// The middleware: health and metrics pass untouched (load balancers and monitoring must
/// see the service even when it sheds); everything else needs a permit, and gets
/// `--request-timeout` to finish.
pub async fn admit(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if path == "/healthz" || path == "/metrics" {
        return next.run(request).await;
    }
    let Ok(permit) = state.admission.permits.clone().try_acquire_owned() else {
        state.metrics.shed.inc();
        return ApiError::service(ServiceCode::Overloaded)
            .retry_after(state.admission.retry_after())
            .into_response();
    };
    state.metrics.in_flight.inc();
    let response = tokio::time::timeout(state.config.request_timeout, next.run(request)).await;
    state.metrics.in_flight.dec();
    drop(permit);
    match response {
        Ok(r) => r,
        Err(_) => ApiError::service(ServiceCode::Timeout)
            .retry_after(1)
            .into_response(),
    }
}
