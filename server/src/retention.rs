//! Audit-trail retention: with `[audit] retention_days > 0`, the server deletes the audit
//! records older than the retention once at start and then every
//! [`RETENTION_INTERVAL`](crate::config::RETENTION_INTERVAL), through
//! [`Engine::prune_audit`] (which keeps the hash chain verifiable from an anchor and audits the
//! prune itself). Logs carry counts and sequence numbers only.

use std::sync::Arc;
use std::time::Duration;

use vigie_engine::{Actor, AuditPrune, Engine, EngineError};

/// The actor recorded on the `audit-prune` records the server writes.
pub fn actor() -> Actor {
    Actor {
        who: "vigie-server".into(),
        from: "local".into(),
        channel: "admin".into(),
    }
}

/// One prune of the records older than `retention`, on the blocking pool; logged.
///
/// # Errors
/// The engine's error (also logged), or `Internal` when the blocking task failed.
pub async fn prune_once(
    engine: &Arc<Engine>,
    retention: Duration,
) -> Result<AuditPrune, EngineError> {
    let engine = Arc::clone(engine);
    let result = tokio::task::spawn_blocking(move || engine.prune_audit(retention, &actor()))
        .await
        .unwrap_or_else(|_| Err(EngineError::Internal("audit prune task failed".into())));
    match &result {
        Ok(pruned) if pruned.deleted > 0 => tracing::info!(
            deleted = pruned.deleted,
            through = pruned.anchor.as_ref().map_or(0, |a| a.seq),
            record = pruned.record.unwrap_or(0),
            "audit retention: old records deleted"
        ),
        Ok(_) => tracing::debug!("audit retention: nothing to delete"),
        Err(error) => tracing::error!(kind = ?error.kind(), %error, "audit retention failed"),
    }
    result
}

/// Prunes at once, then every `interval`, until `shutdown` completes.
pub async fn run(
    engine: Arc<Engine>,
    retention: Duration,
    interval: Duration,
    shutdown: impl Future<Output = ()> + Send,
) {
    tokio::pin!(shutdown);
    loop {
        // A failure is logged and retried at the next tick.
        let _ = prune_once(&engine, retention).await;
        tokio::select! {
            () = tokio::time::sleep(interval) => {}
            () = &mut shutdown => return,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use vigie_engine::{AccessRecord, EngineConfig, SyncPolicy};

    use super::*;

    fn engine(dir: &std::path::Path) -> Arc<Engine> {
        let mut config = EngineConfig::new(dir);
        config.sync = SyncPolicy::Never;
        Arc::new(Engine::open(config).unwrap())
    }

    fn query(engine: &Engine) {
        engine
            .record_access(AccessRecord {
                actor: actor(),
                action: "pix-query".into(),
                outcome: "ok".into(),
                patients: Vec::new(),
            })
            .unwrap();
    }

    /// Waits for the clock to pass the last audit record's millisecond.
    fn after_last_record(engine: &Engine) {
        let last = engine.audit_records(0, 100).unwrap().pop().unwrap().at_ms;
        let now = || {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_millis()
        };
        while now() <= u128::from(last) {
            std::thread::yield_now();
        }
    }

    #[tokio::test]
    async fn the_retention_task_prunes_at_start_and_stops_on_shutdown() {
        let dir = tempfile::tempdir().unwrap();
        let engine = engine(dir.path());
        for _ in 0..3 {
            query(&engine);
        }
        // A year's retention keeps fresh records.
        let kept = prune_once(&engine, Duration::from_secs(365 * 86_400))
            .await
            .unwrap();
        assert_eq!(kept.deleted, 0);
        after_last_record(&engine);
        // The task prunes once at start, then stops with the shutdown.
        run(
            Arc::clone(&engine),
            Duration::ZERO,
            Duration::from_secs(3600),
            std::future::ready(()),
        )
        .await;
        let records = engine.audit_records(0, 100).unwrap();
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].action, "audit-prune");
        assert_eq!(records[0].actor, actor());
        assert_eq!(engine.audit_anchor().unwrap().unwrap().seq, 3);
        assert_eq!(engine.verify_audit_chain().unwrap(), Ok(4));
    }
}
