//! Structured JSON logs (tracing-subscriber), without patient data: the server logs route
//! templates, statuses, latencies, counts and request ids only — never names, birth dates,
//! identifiers, query strings or bodies.
//!
//! Lines are handed to a background thread ([`background_writer`]), so request handling never
//! blocks on the log destination. When more than [`LOG_QUEUE_LINES`] lines are waiting (the
//! destination cannot keep up), further lines are dropped rather than slowing requests down;
//! the audit trail, which is in the store, is never affected.

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

/// Log lines that may wait for the background writer before new ones are dropped.
pub const LOG_QUEUE_LINES: usize = 65_536;

/// A writer that queues lines for a background thread writing them to `destination`, and the
/// guard that flushes the queue when dropped (keep it alive as long as the subscriber).
pub fn background_writer<W>(
    destination: W,
) -> (
    tracing_appender::non_blocking::NonBlocking,
    tracing_appender::non_blocking::WorkerGuard,
)
where
    W: std::io::Write + Send + 'static,
{
    tracing_appender::non_blocking::NonBlockingBuilder::default()
        .buffered_lines_limit(LOG_QUEUE_LINES)
        .lossy(true)
        .thread_name("vigie-log")
        .finish(destination)
}

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
