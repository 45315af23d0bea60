//! The MPI operations the MLLP layer uses, as a trait implemented by [`vigie_engine::Engine`]:
//! the listener holds an `Arc<dyn MpiBackend>` so that transport tests can run against a small
//! in-memory stand-in while the production server always passes the real engine
//! ([`super::MllpState::new`]). Every method is blocking; the listener calls them from
//! `spawn_blocking`. Signatures are the engine's own.

use vigie_core::record::IdentityRecord;
use vigie_engine::{
    AccessRecord, Actor, CrossReference, DomainId, Engine, EngineError, EnterpriseId, MergeId,
    Notification, RegisterOutcome, SearchHit, SearchQuery, SourceKey, SourceView,
};

/// The engine operations behind ITI-8/9/10/21/30 (see [`Engine`] for their contracts).
pub trait MpiBackend: Send + Sync + 'static {
    /// [`Engine::register`].
    fn register(
        &self,
        record: IdentityRecord,
        actor: &Actor,
    ) -> Result<RegisterOutcome, EngineError>;
    /// [`Engine::remove`].
    fn remove(&self, key: &SourceKey, actor: &Actor) -> Result<(), EngineError>;
    /// [`Engine::source`].
    fn source(&self, key: &SourceKey) -> Result<Option<SourceView>, EngineError>;
    /// [`Engine::search`].
    fn search(&self, query: &SearchQuery) -> Result<Vec<SearchHit>, EngineError>;
    /// [`Engine::cross_reference`].
    fn cross_reference(
        &self,
        key: &SourceKey,
        target_domains: &[DomainId],
    ) -> Result<CrossReference, EngineError>;
    /// [`Engine::link`].
    fn link(
        &self,
        a: &SourceKey,
        b: &SourceKey,
        actor: &Actor,
    ) -> Result<EnterpriseId, EngineError>;
    /// [`Engine::unlink`].
    fn unlink(&self, key: &SourceKey, actor: &Actor) -> Result<EnterpriseId, EngineError>;
    /// [`Engine::merge`].
    fn merge(
        &self,
        surviving: &SourceKey,
        merged: &SourceKey,
        actor: &Actor,
    ) -> Result<MergeId, EngineError>;
    /// [`Engine::change_local_id`].
    fn change_local_id(
        &self,
        old: &SourceKey,
        new: &SourceKey,
        actor: &Actor,
    ) -> Result<(), EngineError>;
    /// [`Engine::record_access`].
    fn record_access(&self, access: AccessRecord) -> Result<(), EngineError>;
    /// [`Engine::notifications`].
    fn notifications(&self, after: u64, limit: usize) -> Result<Vec<Notification>, EngineError>;
    /// [`Engine::ack_notifications`].
    fn ack_notifications(&self, up_to: u64) -> Result<(), EngineError>;
}

impl MpiBackend for Engine {
    fn register(
        &self,
        record: IdentityRecord,
        actor: &Actor,
    ) -> Result<RegisterOutcome, EngineError> {
        Engine::register(self, record, actor)
    }
    fn remove(&self, key: &SourceKey, actor: &Actor) -> Result<(), EngineError> {
        Engine::remove(self, key, actor)
    }
    fn source(&self, key: &SourceKey) -> Result<Option<SourceView>, EngineError> {
        Engine::source(self, key)
    }
    fn search(&self, query: &SearchQuery) -> Result<Vec<SearchHit>, EngineError> {
        Engine::search(self, query)
    }
    fn cross_reference(
        &self,
        key: &SourceKey,
        target_domains: &[DomainId],
    ) -> Result<CrossReference, EngineError> {
        Engine::cross_reference(self, key, target_domains)
    }
    fn link(
        &self,
        a: &SourceKey,
        b: &SourceKey,
        actor: &Actor,
    ) -> Result<EnterpriseId, EngineError> {
        Engine::link(self, a, b, actor)
    }
    fn unlink(&self, key: &SourceKey, actor: &Actor) -> Result<EnterpriseId, EngineError> {
        Engine::unlink(self, key, actor)
    }
    fn merge(
        &self,
        surviving: &SourceKey,
        merged: &SourceKey,
        actor: &Actor,
    ) -> Result<MergeId, EngineError> {
        Engine::merge(self, surviving, merged, actor)
    }
    fn change_local_id(
        &self,
        old: &SourceKey,
        new: &SourceKey,
        actor: &Actor,
    ) -> Result<(), EngineError> {
        Engine::change_local_id(self, old, new, actor)
    }
    fn record_access(&self, access: AccessRecord) -> Result<(), EngineError> {
        Engine::record_access(self, access)
    }
    fn notifications(&self, after: u64, limit: usize) -> Result<Vec<Notification>, EngineError> {
        Engine::notifications(self, after, limit)
    }
    fn ack_notifications(&self, up_to: u64) -> Result<(), EngineError> {
        Engine::ack_notifications(self, up_to)
    }
}
