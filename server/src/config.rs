//! INTERFACE STUB — the server's configuration file (TOML), documented in `docs/server-config.md`.
//!
//! Every section has defaults, so an empty file runs a local server on loopback with an embedded
//! store under `./vigie-data`.

use std::net::SocketAddr;
use std::path::PathBuf;

use serde::Deserialize;

/// The whole configuration file.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Listeners, store, limits.
    pub server: ServerSection,
    /// TLS (HTTPS and MLLP over TLS); absent: plain TCP.
    pub tls: Option<TlsSection>,
    /// Identifier domains (assigning authorities) the MPI knows.
    pub domains: Vec<DomainConfig>,
    /// HL7 senders: which application/facility (MSH-3/MSH-4) or address may feed which domains.
    pub sources: Vec<SourceConfig>,
    /// PIX update notification consumers (ITI-10).
    pub consumers: Vec<ConsumerConfig>,
    /// HTTP clients (by certificate subject or JWT subject) and their rights.
    pub clients: Vec<ClientConfig>,
    /// Accepted JWT issuers.
    pub jwt: Vec<JwtIssuerConfig>,
    /// Audit-trail retention.
    pub audit: AuditSection,
    /// MLLP listener options beyond `server.mllp_*` (read timeout, segment cap, PDQ paging,
    /// ITI-10 notifier, Link/Unlink option), documented in `docs/mllp.md`.
    #[serde(default)]
    pub mllp: MllpSection,
}

/// Listeners, store, limits.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerSection {
    /// HTTP (FHIR + admin) listen address.
    pub http_addr: SocketAddr,
    /// MLLP listen address.
    pub mllp_addr: SocketAddr,
    /// Data directory of the embedded store.
    pub data_dir: PathBuf,
    /// Load a generated demo population when the store is empty.
    pub demo_when_empty: bool,
    /// Model file (JSON, from `vigie train`); absent: the store's or the default model.
    pub model: Option<PathBuf>,
    /// Max simultaneous MLLP connections.
    pub mllp_max_connections: usize,
    /// Max MLLP frame size in bytes.
    pub mllp_max_frame_bytes: usize,
    /// MLLP idle timeout (seconds) before the connection is closed.
    pub mllp_idle_timeout_secs: u64,
    /// Max HTTP request body in bytes.
    pub http_max_body_bytes: usize,
    /// HTTP request timeout (seconds).
    pub http_timeout_secs: u64,
    /// Per-client request rate limit (requests per second; 0: none).
    pub rate_limit_per_sec: u32,
    /// Allow unauthenticated access from loopback (development only; off by default).
    pub allow_anonymous_loopback: bool,
}

impl Default for ServerSection {
    fn default() -> Self {
        ServerSection {
            http_addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            mllp_addr: SocketAddr::from(([127, 0, 0, 1], 2575)),
            data_dir: PathBuf::from("vigie-data"),
            demo_when_empty: false,
            model: None,
            mllp_max_connections: 256,
            mllp_max_frame_bytes: 1 << 20,
            mllp_idle_timeout_secs: 300,
            http_max_body_bytes: 1 << 20,
            http_timeout_secs: 30,
            rate_limit_per_sec: 0,
            allow_anonymous_loopback: false,
        }
    }
}

/// TLS settings (rustls).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsSection {
    /// PEM certificate chain of the server.
    pub cert: PathBuf,
    /// PEM private key of the server.
    pub key: PathBuf,
    /// PEM CA bundle for client certificates (mTLS); absent: no client certificates.
    pub client_ca: Option<PathBuf>,
}

/// An identifier domain.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DomainConfig {
    /// The domain id used in the store (usually the OID, or the namespace).
    pub id: String,
    /// HL7 namespace id (CX-4.1 / HD-1).
    pub namespace: Option<String>,
    /// Universal id (OID, CX-4.2 / HD-2), FHIR system `urn:oid:<oid>`.
    pub oid: Option<String>,
    /// FHIR system URI when not `urn:oid:`.
    pub system: Option<String>,
}

/// An HL7 sender allowed to feed some domains.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceConfig {
    /// MSH-3 sending application (namespace id).
    pub application: Option<String>,
    /// MSH-4 sending facility (namespace id).
    pub facility: Option<String>,
    /// Source address (IP) the connection must come from, when set.
    pub address: Option<String>,
    /// Client certificate subject (CN) on MLLP/TLS, when set.
    pub certificate: Option<String>,
    /// Domains this sender may feed.
    pub feeds: Vec<String>,
    /// Domains this sender may query (PIX/PDQ); empty: all.
    #[serde(default)]
    pub queries: Vec<String>,
}

/// A PIX update notification consumer (ITI-10 over MLLP).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsumerConfig {
    /// Name (MSH-5/MSH-6 of notifications).
    pub name: String,
    /// MLLP address host:port.
    pub address: String,
    /// Domains whose identifiers the consumer receives (empty: all).
    #[serde(default)]
    pub domains: Vec<String>,
}

/// An HTTP client and its rights.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientConfig {
    /// Organisation / client name (recorded in the audit trail).
    pub name: String,
    /// Client certificate subject CN (mTLS).
    pub certificate: Option<String>,
    /// JWT `sub` (bearer tokens).
    pub jwt_subject: Option<String>,
    /// Domains it may feed.
    #[serde(default)]
    pub feeds: Vec<String>,
    /// Domains it may query (empty: none).
    #[serde(default)]
    pub queries: Vec<String>,
    /// May use the admin API (merge, unmerge, link, review, audit search).
    #[serde(default)]
    pub admin: bool,
}

/// A trusted JWT issuer.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JwtIssuerConfig {
    /// `iss` claim.
    pub issuer: String,
    /// Expected `aud`.
    pub audience: Option<String>,
    /// PEM public key (RS256/ES256) or, for HS256, a shared secret file.
    pub key: PathBuf,
    /// Algorithm: `RS256`, `ES256` or `HS256`.
    pub algorithm: String,
}

/// Audit-trail settings.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct AuditSection {
    /// Days of audit records kept (0: forever).
    pub retention_days: u32,
}

/// MLLP options beyond `server.mllp_*` (`docs/mllp.md`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MllpSection {
    /// Seconds allowed to receive the rest of a frame once its first byte arrived.
    pub read_timeout_secs: u64,
    /// Max segments in one message (more: `AE` + ERR `100`).
    pub max_segments: usize,
    /// MSH-3 (sending application) of Vigie's own messages and replies when MSH-5 was empty.
    pub application: String,
    /// MSH-4 (sending facility) of Vigie's own messages.
    pub facility: String,
    /// ITI-30 Link/Unlink option (A24/A37); off: those messages are rejected `AR`.
    pub link_unlink: bool,
    /// Max PDQ (ITI-21) matches kept for one query, over all continuation pages.
    pub pdq_max_results: usize,
    /// Seconds a PDQ continuation pointer (DSC) stays valid.
    pub continuation_ttl_secs: u64,
    /// Max continuation pointers kept at once (the oldest are dropped).
    pub max_continuations: usize,
    /// Accept INS of the test and demo registers (`1.2.250.1.213.1.4.10/.11`).
    pub allow_test_ins: bool,
    /// ITI-10 notifier: milliseconds between polls of the notification outbox.
    pub notify_poll_ms: u64,
    /// ITI-10 notifier: longest delay between retries to an unreachable consumer (seconds).
    pub notify_max_backoff_secs: u64,
    /// ITI-10 notifier: seconds to wait for a consumer's ACK.
    pub notify_ack_timeout_secs: u64,
}

impl Default for MllpSection {
    fn default() -> Self {
        MllpSection {
            read_timeout_secs: 30,
            max_segments: 1000,
            application: "VIGIE".to_owned(),
            facility: "VIGIE".to_owned(),
            link_unlink: false,
            pdq_max_results: 500,
            continuation_ttl_secs: 600,
            max_continuations: 10_000,
            allow_test_ins: false,
            notify_poll_ms: 500,
            notify_max_backoff_secs: 60,
            notify_ack_timeout_secs: 30,
        }
    }
}
