//! Structured JSON logs (tracing-subscriber), without patient data: the server logs route
//! templates, statuses, latencies, counts and request ids only — never names, birth dates,
//! identifiers, query strings or bodies.

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

/// The default filter when `RUST_LOG` is not set.
pub const DEFAULT_FILTER: &str = "info";

/// A JSON subscriber writing to `writer`, filtered by `filter` (an `EnvFilter` directive).
pub fn json_subscriber<W>(filter: &str, writer: W) -> impl tracing::Subscriber + Send + Sync
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(EnvFilter::new(filter))
        .with_current_span(true)
        .with_target(true)
        .with_writer(writer)
        .finish()
}
