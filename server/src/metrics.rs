//! Prometheus metrics: one process-wide recorder (the `metrics` facade), rendered by the
//! `/metrics` route (no listener of its own). Series: `vigie_http_requests_total` and
//! `vigie_http_request_duration_seconds` by route template, method and status;
//! `vigie_decisions_total` by band; `vigie_engine_*` gauges refreshed at each scrape.

use std::sync::OnceLock;

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use vigie_engine::Stats;

/// Handle on the process-wide recorder (cheap to clone).
#[derive(Clone, Debug)]
pub struct Metrics {
    handle: Option<PrometheusHandle>,
}

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

impl Metrics {
    /// Installs the Prometheus recorder once per process and returns a handle on it. When
    /// another recorder is already installed the handle renders nothing.
    pub fn install() -> Metrics {
        let handle = HANDLE.get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets(LATENCY_BUCKETS)
                .unwrap_or_else(|_| PrometheusBuilder::new());
            let recorder = builder.build_recorder();
            let handle = recorder.handle();
            metrics::set_global_recorder(recorder).ok().map(|()| handle)
        });
        Metrics {
            handle: handle.clone(),
        }
    }

    /// A handle that records nothing (for tools embedding the router without metrics).
    pub fn disabled() -> Metrics {
        Metrics { handle: None }
    }

    /// The text exposition, after refreshing the engine gauges; `None` when disabled.
    pub fn render(&self, stats: Option<&Stats>) -> Option<String> {
        let handle = self.handle.as_ref()?;
        if let Some(stats) = stats {
            #[allow(clippy::cast_precision_loss)]
            {
                metrics::gauge!("vigie_engine_sources").set(stats.sources as f64);
                metrics::gauge!("vigie_engine_enterprises").set(stats.enterprises as f64);
                metrics::gauge!("vigie_engine_open_reviews").set(stats.open_reviews as f64);
                metrics::gauge!("vigie_engine_pending_notifications")
                    .set(stats.pending_notifications as f64);
            }
        }
        handle.run_upkeep();
        Some(handle.render())
    }
}

/// Counts one HTTP request.
pub fn record_request(route: &str, method: &str, status: u16, seconds: f64) {
    let labels = [
        ("route", route.to_owned()),
        ("method", method.to_owned()),
        ("status", status.to_string()),
    ];
    metrics::counter!("vigie_http_requests_total", &labels).increment(1);
    metrics::histogram!("vigie_http_request_duration_seconds", &labels).record(seconds);
}

/// Counts one matching decision of a band (`auto_link`, `review`, `non_match`).
pub fn record_decision(band: &'static str) {
    metrics::counter!("vigie_decisions_total", "band" => band).increment(1);
}
