//! Prometheus metrics of one running application. Each `Application` owns its
//! registry, so several can run in one process (as the tests do).

use std::time::Duration;

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGaugeVec, Opts, Registry,
    TextEncoder,
};

use crate::domain::OutboxStatus;

/// The application's metric families.
pub struct Metrics {
    registry: Registry,
    http_requests: IntCounterVec,
    http_latency: HistogramVec,
    /// Requests answered 503 because huzhu had no room for them.
    pub http_shed: IntCounter,
    /// Requests being served now (those admission counts).
    pub http_in_flight: prometheus::IntGauge,
    pub mail: MailMetrics,
    round_seconds: prometheus::Histogram,
    solve_seconds: prometheus::Histogram,
}

/// The outbox's figures.
#[derive(Clone)]
pub struct MailMetrics {
    pub sent: IntCounter,
    pub retried: IntCounter,
    pub failed: IntCounter,
    /// The wait chosen before each retry: the backoff, as it grows.
    pub retry_delay: prometheus::Histogram,
    depth: IntGaugeVec,
}

impl MailMetrics {
    fn register(registry: &Registry) -> Result<Self, prometheus::Error> {
        let sent = IntCounter::new("emails_sent_total", "Emails delivered")?;
        let retried = IntCounter::new(
            "email_retries_total",
            "Failed delivery attempts that will be retried",
        )?;
        let failed = IntCounter::new(
            "emails_failed_total",
            "Emails given up after their last attempt",
        )?;
        let depth = IntGaugeVec::new(
            Opts::new("outbox_depth", "Outbox rows by status"),
            &["status"],
        )?;
        registry.register(Box::new(sent.clone()))?;
        registry.register(Box::new(retried.clone()))?;
        registry.register(Box::new(failed.clone()))?;
        let retry_delay = prometheus::Histogram::with_opts(
            HistogramOpts::new(
                "email_retry_delay_seconds",
                "The backoff before each retried delivery",
            )
            .buckets(vec![1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0, 14400.0]),
        )?;
        registry.register(Box::new(depth.clone()))?;
        registry.register(Box::new(retry_delay.clone()))?;
        Ok(Self {
            sent,
            retried,
            failed,
            retry_delay,
            depth,
        })
    }

    /// Sets the depth gauge from `(status, count)` pairs.
    pub fn set_depth(&self, counts: &[(OutboxStatus, i64)]) {
        for status in OutboxStatus::ALL {
            let n = counts
                .iter()
                .find(|(s, _)| *s == status)
                .map_or(0, |(_, n)| *n);
            self.depth.with_label_values(&[status.as_str()]).set(n);
        }
    }
}

impl Metrics {
    pub fn new() -> Result<Self, prometheus::Error> {
        let registry = Registry::new_custom(Some("huzhu".to_owned()), None)?;
        let http_requests = IntCounterVec::new(
            Opts::new(
                "http_requests_total",
                "HTTP requests by route pattern and status",
            ),
            &["method", "route", "status"],
        )?;
        let http_latency = HistogramVec::new(
            HistogramOpts::new(
                "http_request_duration_seconds",
                "HTTP request latency by route pattern",
            )
            .buckets(vec![
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
            ]),
            &["method", "route", "status"],
        )?;
        registry.register(Box::new(http_requests.clone()))?;
        registry.register(Box::new(http_latency.clone()))?;
        let http_shed = IntCounter::new(
            "http_requests_shed_total",
            "Requests answered 503 with Retry-After: no room within the queue wait",
        )?;
        let http_in_flight =
            prometheus::IntGauge::new("http_requests_in_flight", "Requests being served now")?;
        registry.register(Box::new(http_shed.clone()))?;
        registry.register(Box::new(http_in_flight.clone()))?;
        let mail = MailMetrics::register(&registry)?;
        let round_seconds = prometheus::Histogram::with_opts(
            HistogramOpts::new("round_duration_seconds", "Matching rounds, end to end")
                .buckets(vec![0.1, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0]),
        )?;
        let solve_seconds = prometheus::Histogram::with_opts(
            HistogramOpts::new("round_solve_seconds", "The solver's part of a round")
                .buckets(vec![0.01, 0.1, 0.5, 1.0, 2.0, 5.0, 10.0]),
        )?;
        registry.register(Box::new(round_seconds.clone()))?;
        registry.register(Box::new(solve_seconds.clone()))?;
        Ok(Self {
            registry,
            http_requests,
            http_latency,
            http_shed,
            http_in_flight,
            mail,
            round_seconds,
            solve_seconds,
        })
    }

    /// The registry, for other parts (outbox, rounds) to add their families.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    pub fn observe_request(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        // Clients choose the method: unknown ones share one label.
        let known = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];
        let method = if known.contains(&method) {
            method
        } else {
            "OTHER"
        };
        let status = status.to_string();
        let labels = [method, route, status.as_str()];
        self.http_requests.with_label_values(&labels).inc();
        self.http_latency
            .with_label_values(&labels)
            .observe(elapsed.as_secs_f64());
    }

    /// Records a finished round.
    pub fn observe_round(&self, solve_ms: i64, total_seconds: f64) {
        self.solve_seconds.observe(solve_ms as f64 / 1000.0);
        self.round_seconds.observe(total_seconds);
    }

    /// The Prometheus text exposition of every family.
    pub fn render(&self) -> String {
        let mut buffer = Vec::new();
        let families = self.registry.gather();
        if TextEncoder::new().encode(&families, &mut buffer).is_err() {
            return String::new();
        }
        String::from_utf8(buffer).unwrap_or_default()
    }
}
