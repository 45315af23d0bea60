//! The state every HTTP handler shares: the engine, the configuration, the known domains, the
//! authenticator, the rate limiter and the metrics handle; and [`AppState::run`], the one way
//! handlers call the (blocking) engine.

use std::sync::Arc;

use vigie_engine::{AccessRecord, Actor, Engine, EngineError, EnterpriseId};

use crate::auth::{Authenticator, RateLimiter};
use crate::config::Config;
use crate::domains::DomainRegistry;
use crate::http::error::ApiError;
use crate::metrics::Metrics;

/// Shared state of the HTTP API (cheap to clone).
#[derive(Clone)]
pub struct AppState {
    /// The MPI.
    pub engine: Arc<Engine>,
    /// The configuration.
    pub config: Arc<Config>,
    /// Known identifier domains (the registry the MLLP side uses too).
    pub domains: Arc<DomainRegistry>,
    /// Credential verification.
    pub auth: Arc<Authenticator>,
    /// Per-client rate limit.
    pub rate_limiter: Arc<RateLimiter>,
    /// Prometheus metrics.
    pub metrics: Metrics,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("domains", &self.domains.all().len())
            .field("auth", &self.auth)
            .finish_non_exhaustive()
    }
}

impl AppState {
    /// Builds the state from an open engine and a checked configuration; `domains` are the
    /// configured domains plus any the caller adds (the demo population's), given as is or
    /// already shared with the MLLP listener ([`MllpState::with_domains`]).
    ///
    /// [`MllpState::with_domains`]: crate::mllp::MllpState::with_domains
    pub fn new(
        engine: Arc<Engine>,
        config: Config,
        domains: impl Into<Arc<DomainRegistry>>,
        auth: Authenticator,
        metrics: Metrics,
    ) -> AppState {
        let rate_limiter = RateLimiter::new(
            config.server.rate_limit_per_sec,
            config.server.rate_limit_burst,
        );
        AppState {
            engine,
            config: Arc::new(config),
            domains: domains.into(),
            auth: Arc::new(auth),
            rate_limiter: Arc::new(rate_limiter),
            metrics,
        }
    }

    /// Runs a blocking engine call on the blocking pool; an engine error or a panic becomes an
    /// [`ApiError`] (details logged, never returned).
    ///
    /// # Errors
    /// The mapped engine error.
    pub async fn run<T, F>(&self, call: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Engine) -> Result<T, EngineError> + Send + 'static,
    {
        let engine = self.engine.clone();
        match tokio::task::spawn_blocking(move || call(&engine)).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(error)) => Err(ApiError::from_engine(&error)),
            Err(join) => {
                tracing::error!(panic = join.is_panic(), "engine call failed");
                Err(ApiError::internal())
            }
        }
    }

    /// Records a non-mutating access (query, read, denial) in the audit trail.
    ///
    /// # Errors
    /// When the audit record cannot be written: the access must then fail (503).
    pub async fn audit(
        &self,
        actor: Actor,
        action: &str,
        outcome: &str,
        patients: Vec<EnterpriseId>,
    ) -> Result<(), ApiError> {
        let access = AccessRecord {
            actor,
            action: action.to_owned(),
            outcome: outcome.to_owned(),
            patients,
        };
        self.run(move |engine| engine.record_access(access)).await
    }

    /// Records an access whose request already failed: a failure to audit is logged only.
    pub async fn audit_failure(&self, actor: Actor, action: &str, outcome: &str) {
        if self
            .audit(actor, action, outcome, Vec::new())
            .await
            .is_err()
        {
            tracing::error!(
                action,
                outcome,
                "audit record of a failed access not written"
            );
        }
    }
}
