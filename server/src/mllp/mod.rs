//! The HL7 v2 MLLP listener: IHE PIX Manager (ITI-8 feed, ITI-9 query, ITI-10 update
//! notifications), PDQ Supplier (ITI-21 with continuation and cancel) and PAM France consumer
//! (ITI-30: A28, A31, A40, A47; A24/A37 under the Link/Unlink option), over one shared MPI
//! engine. Behaviour and configuration: `docs/mllp.md`.
//!
//! * [`serve`] accepts connections on a bound listener until `shutdown` resolves, over plain
//!   TCP or, when the state carries a rustls configuration ([`MllpState::with_tls`]), TLS;
//! * [`handlers::handle_frame`] turns one received message into its reply (ACK, `RSP^K23`,
//!   `RSP^K22`); it is synchronous and calls the engine, so the listener runs it in
//!   `spawn_blocking` and writes the ACK only after the engine returned (durable writes);
//! * [`notifier::run`] drains the engine's notification outbox to the ITI-10 consumers.

pub mod backend;
mod feed;
pub mod handlers;
pub mod listener;
pub mod notifier;
mod query;
pub mod sender;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use parking_lot::Mutex;
use tokio_rustls::TlsAcceptor;
use vigie_engine::Engine;
use vigie_hl7::header::MessageHeader;
use vigie_hl7::reply::OutboundHeader;
use vigie_hl7::timestamp::Timestamp;
use vigie_hl7::types::AssigningAuthority;

pub use backend::MpiBackend;
pub use listener::serve;

use crate::config::Config;
use crate::domains::DomainRegistry;
use crate::tls::ServerCert;
use query::Continuations;

/// Everything a connection needs: the engine, the configuration, the known domains (the
/// registry the HTTP side uses too), the TLS acceptor (MLLP over TLS) and the listener's own
/// state (PDQ continuation pointers, control-id counter). Cheap to clone.
#[derive(Clone)]
pub struct MllpState {
    engine: Arc<dyn MpiBackend>,
    config: Arc<Config>,
    domains: Arc<DomainRegistry>,
    tls: Option<TlsAcceptor>,
    /// The certificate presented to ITI-10 consumers over TLS (the `[tls]` one).
    client_identity: Option<Arc<ServerCert>>,
    shared: Arc<Shared>,
}

struct Shared {
    continuations: Mutex<Continuations>,
    next_control: AtomicU64,
    /// Start time in seconds, so control ids differ across restarts.
    epoch: u64,
}

impl MllpState {
    /// The state of a server over the real engine, with the domains of `config` (see
    /// [`MllpState::with_domains`] to share the server's registry).
    pub fn new(engine: Arc<Engine>, config: Arc<Config>) -> MllpState {
        MllpState::with_backend(engine, config)
    }

    /// The state over any [`MpiBackend`] (tests of the transport use a small stand-in).
    pub fn with_backend(engine: Arc<dyn MpiBackend>, config: Arc<Config>) -> MllpState {
        let epoch = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        MllpState {
            domains: Arc::new(DomainRegistry::from_config(&config)),
            shared: Arc::new(Shared {
                continuations: Mutex::new(Continuations::default()),
                next_control: AtomicU64::new(1),
                epoch,
            }),
            engine,
            config,
            tls: None,
            client_identity: None,
        }
    }

    /// The same state over the server's one domain registry (shared with the HTTP side, which
    /// may hold domains added at start-up).
    pub fn with_domains(mut self, domains: Arc<DomainRegistry>) -> MllpState {
        self.domains = domains;
        self
    }

    /// The same state serving MLLP over TLS with `config` (from
    /// [`ServerTls::mllp_config`](crate::tls::ServerTls::mllp_config)).
    pub fn with_tls(mut self, config: Arc<rustls::ServerConfig>) -> MllpState {
        self.tls = Some(TlsAcceptor::from(config));
        self
    }

    /// The same state presenting `certificate` as client certificate to ITI-10 consumers
    /// over TLS.
    pub fn with_client_identity(mut self, certificate: Arc<ServerCert>) -> MllpState {
        self.client_identity = Some(certificate);
        self
    }

    /// The client certificate presented to ITI-10 consumers over TLS, if any.
    pub fn client_identity(&self) -> Option<&Arc<ServerCert>> {
        self.client_identity.as_ref()
    }

    /// True when connections are served over TLS.
    pub fn is_tls(&self) -> bool {
        self.tls.is_some()
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The engine.
    pub fn engine(&self) -> &dyn MpiBackend {
        self.engine.as_ref()
    }

    /// The known domains.
    pub fn domains(&self) -> &DomainRegistry {
        &self.domains
    }

    /// A new MSH-10 for a message Vigie sends (unique per process start).
    pub(crate) fn next_control_id(&self) -> String {
        let n = self.shared.next_control.fetch_add(1, Ordering::Relaxed);
        format!("V{:x}.{n}", self.shared.epoch)
    }

    /// Vigie's MSH-3/MSH-4.
    pub(crate) fn own_application(&self) -> (AssigningAuthority, AssigningAuthority) {
        let m = &self.config.mllp;
        (
            AssigningAuthority::new(&m.application, "", ""),
            AssigningAuthority::new(&m.facility, "", ""),
        )
    }

    /// The MSH of a reply: MSH-3/4 ↔ MSH-5/6 swapped; Vigie's own names when the request
    /// left MSH-5/MSH-6 empty.
    pub(crate) fn reply_header(&self, request: &MessageHeader) -> OutboundHeader {
        let mut header = OutboundHeader::answering(request, &self.next_control_id(), now());
        let (app, facility) = self.own_application();
        if header.sending_application.is_empty() {
            header.sending_application = app;
        }
        if header.sending_facility.is_empty() {
            header.sending_facility = facility;
        }
        header
    }
}

/// The current time (UTC, second precision) as an HL7 timestamp.
pub(crate) fn now() -> Timestamp {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    timestamp_of(secs)
}

/// A Unix time in seconds as an HL7 timestamp (proleptic Gregorian calendar, UTC).
fn timestamp_of(secs: u64) -> Timestamp {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let year = u16::try_from(year.clamp(1, 9999)).unwrap_or(1970);
    Timestamp::from_parts(
        year,
        month as u8,
        day as u8,
        (rem / 3600) as u8,
        ((rem % 3600) / 60) as u8,
        (rem % 60) as u8,
    )
    .unwrap_or_else(|| Timestamp::of_year(year))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_times_become_calendar_timestamps() {
        assert_eq!(timestamp_of(0).to_string(), "19700101000000");
        assert_eq!(timestamp_of(951_782_400).to_string(), "20000229000000");
        assert_eq!(timestamp_of(1_767_225_599).to_string(), "20251231235959");
    }
}
