//! Prometheus metrics, served as text at `/metrics`.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// Labels of a request: the route template and the status answered.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    /// Route template, such as `/v1/token`.
    pub route: &'static str,
    /// HTTP status.
    pub status: u16,
}

/// Labels of a latency histogram: the route template.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    /// Route template.
    pub route: &'static str,
}

type HistogramFamily<L> = Family<L, Histogram, fn() -> Histogram>;

fn latency_histogram() -> Histogram {
    // 50 us to about 3.3 s.
    Histogram::new(exponential_buckets(0.000_05, 2.0, 17))
}

/// Every metric the service keeps.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    /// Requests answered, by route and status.
    pub requests: Family<RequestLabels, Counter>,
    /// Requests shed by admission control (answered 503 without being handled).
    pub shed: Counter,
    /// Time the service took to answer a shed request.
    pub shed_latency: Histogram,
    /// Requests being handled now.
    pub in_flight: Gauge,
    /// The adaptive in-flight bound now.
    pub in_flight_limit: Gauge,
    /// Latency of handled requests, by route.
    pub latency: HistogramFamily<RouteLabels>,
    /// Tokens signed.
    pub tokens_signed: Counter,
    /// Tokens served as stored, without signing.
    pub tokens_cached: Counter,
    /// Time spent in database calls.
    pub db_time: Histogram,
    /// Revocation lists this process published.
    pub publications: Counter,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::default();
        let requests = Family::<RequestLabels, Counter>::default();
        let shed = Counter::default();
        let in_flight = Gauge::default();
        // 1 us to about 0.5 s: shed answers should take microseconds.
        let shed_latency = Histogram::new(exponential_buckets(0.000_001, 2.0, 20));
        let in_flight_limit = Gauge::default();
        let latency = HistogramFamily::<RouteLabels>::new_with_constructor(
            latency_histogram as fn() -> Histogram,
        );
        let tokens_signed = Counter::default();
        let tokens_cached = Counter::default();
        let db_time = latency_histogram();
        let publications = Counter::default();
        registry.register(
            "qrseal_requests",
            "Requests answered, by route and HTTP status",
            requests.clone(),
        );
        registry.register(
            "qrseal_shed_requests",
            "Requests shed by admission control (503 without handling)",
            shed.clone(),
        );
        registry.register(
            "qrseal_shed_duration_seconds",
            "Time taken to answer a shed request, from admission control's start to the answer",
            shed_latency.clone(),
        );
        registry.register(
            "qrseal_in_flight",
            "Requests being handled",
            in_flight.clone(),
        );
        registry.register(
            "qrseal_in_flight_limit",
            "The adaptive bound on requests handled at once",
            in_flight_limit.clone(),
        );
        registry.register(
            "qrseal_request_duration_seconds",
            "Latency of handled requests, by route",
            latency.clone(),
        );
        registry.register(
            "qrseal_tokens_signed",
            "Tokens signed",
            tokens_signed.clone(),
        );
        registry.register(
            "qrseal_tokens_served_stored",
            "Tokens served as stored, without signing",
            tokens_cached.clone(),
        );
        registry.register(
            "qrseal_database_duration_seconds",
            "Time spent in database calls",
            db_time.clone(),
        );
        registry.register(
            "qrseal_revocation_publications",
            "Revocation lists published by this process",
            publications.clone(),
        );
        Metrics {
            registry,
            requests,
            shed,
            shed_latency,
            in_flight,
            in_flight_limit,
            latency,
            tokens_signed,
            tokens_cached,
            db_time,
            publications,
        }
    }
}

impl Metrics {
    /// The Prometheus text exposition.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}
