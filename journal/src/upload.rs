//! What an upload's answer means, and how long to wait before the next attempt: the rules
//! every host's upload loop follows, without an HTTP client (the CLI sends with ureq; a C
//! host with its own stack, then calls [`classify`] through the C library).

use std::time::Duration;

use crate::batch::Batch;

/// What the service's answer to `POST /v1/samples` means for a batch.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Answer {
    /// Stored (201), or stored before with the same content (200): acknowledge the batch
    /// with this `stored_at`.
    Stored {
        /// The service's `stored_at`, Unix seconds.
        stored_at: u64,
    },
    /// Shed (503) or over the site's limit (429): try again after the delay the service
    /// asked for (`None` when it gave no usable `Retry-After`).
    RetryAfter(Option<Duration>),
    /// The key was stored with other content, or the tube under another batch (409): the
    /// batch stays pending and needs a person.
    Conflict(String),
    /// Any other answer, or a 200/201 whose body is not this batch's acknowledgement: the
    /// batch stays pending.
    Refused {
        /// The HTTP status.
        status: u16,
        /// What was wrong, from the body when it says.
        message: String,
    },
}

/// Classifies the service's answer to the upload of `batch`: the HTTP `status`, the
/// `Retry-After` header's value if any, and the body. A 200 or 201 acknowledges the batch
/// only if the body names this batch key and tube and counts its samples.
pub fn classify(batch: &Batch, status: u16, retry_after: Option<&str>, body: &[u8]) -> Answer {
    let json: Option<serde_json::Value> = serde_json::from_slice(body).ok();
    let message = || {
        json.as_ref()
            .and_then(|j| j.get("message").or_else(|| j.get("error")))
            .and_then(|m| m.as_str())
            .map_or_else(
                || String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned(),
                str::to_owned,
            )
    };
    match status {
        200 | 201 => {
            let Some(j) = &json else {
                return Answer::Refused {
                    status,
                    message: "the acknowledgement is not JSON".to_owned(),
                };
            };
            let matches = j.get("batch").and_then(|v| v.as_str()) == Some(&batch.key)
                && j.get("tube").and_then(|v| v.as_str()) == Some(&batch.barcode)
                && j.get("samples").and_then(serde_json::Value::as_u64)
                    == Some(batch.samples as u64);
            match (
                matches,
                j.get("stored_at").and_then(serde_json::Value::as_u64),
            ) {
                (true, Some(stored_at)) => Answer::Stored { stored_at },
                _ => Answer::Refused {
                    status,
                    message: "the acknowledgement does not name this batch".to_owned(),
                },
            }
        }
        409 => Answer::Conflict(message()),
        429 | 503 => Answer::RetryAfter(
            retry_after
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs),
        ),
        _ => Answer::Refused {
            status,
            message: message(),
        },
    }
}

/// Jittered exponential back-off, bounded in attempts and in each wait.
#[derive(Clone, Copy, Debug)]
pub struct Backoff {
    /// Attempts per batch before giving up (at least 1).
    pub attempts: u32,
    /// The first wait when the service gave no `Retry-After`.
    pub base: Duration,
    /// The longest wait, `Retry-After` included (a larger one is cut to this).
    pub max: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            attempts: 6,
            base: Duration::from_millis(500),
            max: Duration::from_secs(60),
        }
    }
}

impl Backoff {
    /// The wait before attempt `attempt + 1` after `attempt` (from 1) failed, given the
    /// service's `Retry-After` and a uniform random `unit` in `[0, 1)`: the larger of
    /// `Retry-After` and `base * 2^(attempt-1)`, plus up to half of it again as jitter, so
    /// that scanners shed at once do not return at once; never above `max`.
    pub fn delay(&self, attempt: u32, retry_after: Option<Duration>, unit: f64) -> Duration {
        let exp = self
            .base
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(16));
        let floor = retry_after.map_or(exp, |r| r.max(exp)).min(self.max);
        let jitter = floor.mul_f64(unit.clamp(0.0, 1.0) / 2.0);
        (floor + jitter).min(self.max)
    }
}
