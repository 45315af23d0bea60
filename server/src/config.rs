//! The server's configuration file (TOML), documented in `docs/server-config.md`, with a
//! commented example in `server/vigie.example.toml`.
//!
//! Every section has defaults, so an empty file runs a local server on loopback with an embedded
//! store under `./vigie-data`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use vigie_core::ids::DomainId;

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
    /// Token-bucket burst of the per-client rate limit (0: twice the rate).
    pub rate_limit_burst: u32,
    /// Deepest JSON nesting accepted in a request body (deeper: 400).
    pub http_max_json_depth: usize,
    /// Public base URL of the HTTP API (`https://mpi.example.fr`), used in FHIR links; absent:
    /// taken from the request's `Host` header.
    pub public_url: Option<String>,
    /// Most matches a PDQm search or `$match` considers (paging happens inside them).
    pub max_results: usize,
    /// Number of persons of the demo population (`demo_when_empty`).
    pub demo_persons: u64,
    /// Seconds in-flight requests get to finish on shutdown.
    pub shutdown_grace_secs: u64,
    /// Most index candidates scored per registration and `$match` (the engine's default when 0).
    pub candidate_limit: usize,
    /// RocksDB block cache in MiB (the store's default when 0).
    pub cache_mb: usize,
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
            rate_limit_burst: 0,
            http_max_json_depth: 64,
            public_url: None,
            max_results: 100,
            demo_persons: 2_000,
            shutdown_grace_secs: 10,
            candidate_limit: 0,
            cache_mb: 0,
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
    /// Refuse connections without a client certificate (when `client_ca` is set; default true).
    #[serde(default = "default_true")]
    pub require_client_cert: bool,
    /// Seconds between two checks of `cert` and `key` for a new certificate (hot reload; 0:
    /// never, the certificate of the start-up is kept).
    #[serde(default = "default_reload_interval")]
    pub reload_interval_secs: u64,
}

fn default_true() -> bool {
    true
}

fn default_reload_interval() -> u64 {
    5
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
    /// Client certificate subject CN, when set: the source matches only an MLLP/TLS connection
    /// whose peer presented a verified client certificate with that CN.
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
    /// Send over TLS (the server's `[tls]` certificate, when configured, is presented as
    /// client certificate).
    #[serde(default)]
    pub tls: bool,
    /// PEM bundle of the CAs trusted for this consumer's certificate (default: `tls.client_ca`).
    #[serde(default)]
    pub ca: Option<PathBuf>,
    /// Name the consumer's certificate must carry (default: the host part of `address`).
    #[serde(default)]
    pub server_name: Option<String>,
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
    /// Clock skew tolerated on `exp` / `nbf`, in seconds.
    #[serde(default = "default_leeway")]
    pub leeway_secs: u64,
}

fn default_leeway() -> u64 {
    30
}

/// Audit-trail settings.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct AuditSection {
    /// Days of audit records kept (0: forever). When positive, the server deletes older records
    /// at start and every [`RETENTION_INTERVAL`] (`docs/server-config.md`).
    pub retention_days: u32,
    /// When a query's audit record is durable relative to its reply (`docs/server-config.md`).
    pub access_sync: AccessSyncSetting,
}

/// `[audit] access_sync`: `"deferred"` (default) or `"before-reply"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AccessSyncSetting {
    /// Written to the WAL before the reply, fsynced within 200 ms.
    #[default]
    Deferred,
    /// Fsynced before the reply.
    BeforeReply,
}

impl AccessSyncSetting {
    /// The engine's setting.
    pub fn engine(self) -> vigie_engine::AccessSync {
        match self {
            AccessSyncSetting::Deferred => vigie_engine::AccessSync::Deferred,
            AccessSyncSetting::BeforeReply => vigie_engine::AccessSync::BeforeReply,
        }
    }
}

/// Shortest audit retention the reliability reference accepts: six months (183 days).
pub const MIN_RETENTION_DAYS: u32 = 183;

/// Longest audit retention the reliability reference accepts unless justified: one year.
pub const MAX_RETENTION_DAYS: u32 = 365;

/// How often the server applies the audit retention (it also does at start).
pub const RETENTION_INTERVAL: std::time::Duration = std::time::Duration::from_secs(3600);

impl AuditSection {
    /// The retention to enforce (`None`: keep forever).
    pub fn retention(&self) -> Option<std::time::Duration> {
        (self.retention_days > 0)
            .then(|| std::time::Duration::from_secs(u64::from(self.retention_days) * 86_400))
    }

    /// Why the retention is outside the reference range (at least [`MIN_RETENTION_DAYS`], at
    /// most [`MAX_RETENTION_DAYS`] unless justified), for a warning at start; `None` inside it.
    pub fn retention_warning(&self) -> Option<&'static str> {
        match self.retention_days {
            0 => Some(
                "audit retention is unlimited (audit.retention_days = 0): the reference keeps \
                 audit records at most one year unless justified",
            ),
            days if days < MIN_RETENTION_DAYS => Some(
                "audit retention is shorter than six months (audit.retention_days < 183): \
                 records the reference requires are deleted",
            ),
            days if days > MAX_RETENTION_DAYS => Some(
                "audit retention is longer than one year (audit.retention_days > 365): the \
                 reference requires a justification",
            ),
            _ => None,
        }
    }
}

/// Why the configuration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file cannot be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The TOML is invalid (unknown key, wrong type…).
    #[error("invalid configuration {path}: {message}")]
    Toml {
        /// The file.
        path: String,
        /// toml's message.
        message: String,
    },
    /// A semantic problem (duplicate domain, client without any means of authentication…).
    #[error("invalid configuration: {0}")]
    Invalid(String),
}

impl Config {
    /// Reads and checks a configuration file.
    ///
    /// # Errors
    /// [`ConfigError`] when the file cannot be read, parsed or checked.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
            path: path.display().to_string(),
            source,
        })?;
        let config = Config::from_toml(&text).map_err(|e| match e {
            ConfigError::Toml { message, .. } => ConfigError::Toml {
                path: path.display().to_string(),
                message,
            },
            other => other,
        })?;
        Ok(config)
    }

    /// Parses and checks a configuration text.
    ///
    /// # Errors
    /// [`ConfigError::Toml`] or [`ConfigError::Invalid`].
    pub fn from_toml(text: &str) -> Result<Config, ConfigError> {
        let config: Config = toml::from_str(text).map_err(|e| ConfigError::Toml {
            path: "<text>".into(),
            message: e.message().to_owned(),
        })?;
        config.check()?;
        Ok(config)
    }

    /// Semantic checks: domain ids valid and unique, every client reachable by some credential,
    /// every domain a client or source names is configured, JWT algorithms known, MLLP over TLS
    /// only with a `[tls]` section.
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] naming the first problem.
    pub fn check(&self) -> Result<(), ConfigError> {
        let mut ids: Vec<&str> = Vec::new();
        for domain in &self.domains {
            DomainId::new(&domain.id)
                .map_err(|e| ConfigError::Invalid(format!("domain id {:?}: {e}", domain.id)))?;
            if ids.contains(&domain.id.as_str()) {
                return Err(ConfigError::Invalid(format!(
                    "domain {:?} is declared twice",
                    domain.id
                )));
            }
            ids.push(&domain.id);
        }
        let known = |d: &str| ids.contains(&d) || d == "*";
        for client in &self.clients {
            if client.certificate.is_none() && client.jwt_subject.is_none() {
                return Err(ConfigError::Invalid(format!(
                    "client {:?} has neither a certificate nor a jwt_subject",
                    client.name
                )));
            }
            for domain in client.feeds.iter().chain(&client.queries) {
                if !known(domain) {
                    return Err(ConfigError::Invalid(format!(
                        "client {:?} names the unknown domain {domain:?}",
                        client.name
                    )));
                }
            }
        }
        for issuer in &self.jwt {
            if !matches!(issuer.algorithm.as_str(), "RS256" | "ES256" | "HS256") {
                return Err(ConfigError::Invalid(format!(
                    "jwt issuer {:?}: algorithm must be RS256, ES256 or HS256",
                    issuer.issuer
                )));
            }
        }
        if self.mllp.tls && self.tls.is_none() {
            return Err(ConfigError::Invalid(
                "mllp.tls needs a [tls] section (certificate and key)".into(),
            ));
        }
        if self.mllp.require_client_cert == Some(true)
            && self.tls.as_ref().is_none_or(|t| t.client_ca.is_none())
        {
            return Err(ConfigError::Invalid(
                "mllp.require_client_cert needs tls.client_ca".into(),
            ));
        }
        if self.server.http_max_json_depth == 0 || self.server.max_results == 0 {
            return Err(ConfigError::Invalid(
                "server.http_max_json_depth and server.max_results must be positive".into(),
            ));
        }
        Ok(())
    }
}

impl DomainConfig {
    /// The FHIR identifier system of this domain: `system`, else `urn:oid:<oid>`, else
    /// `urn:oid:<id>` when the id is an OID, else the id itself.
    pub fn fhir_system(&self) -> String {
        if let Some(system) = &self.system {
            system.clone()
        } else if let Some(oid) = &self.oid {
            format!("urn:oid:{oid}")
        } else if vigie_fhir::identifier::is_oid(&self.id) {
            format!("urn:oid:{}", self.id)
        } else {
            self.id.clone()
        }
    }
}

impl ClientConfig {
    /// True when the client may feed `domain`.
    pub fn may_feed(&self, domain: &DomainId) -> bool {
        self.feeds.iter().any(|d| d == "*" || d == domain.as_str())
    }

    /// True when the client may query (read the identifiers of) `domain`.
    pub fn may_query(&self, domain: &DomainId) -> bool {
        self.queries
            .iter()
            .any(|d| d == "*" || d == domain.as_str())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_example_and_an_empty_file_parse() {
        let example = Config::from_toml(include_str!("../vigie.example.toml")).unwrap();
        assert_eq!(example.domains.len(), 2);
        assert_eq!(example.server.rate_limit_per_sec, 50);
        let empty = Config::from_toml("").unwrap();
        assert_eq!(empty.server.http_max_json_depth, 64);
        assert!(!empty.server.allow_anonymous_loopback);
    }

    #[test]
    fn audit_retention_is_read_and_checked_against_the_reference_range() {
        let default = Config::from_toml("").unwrap();
        assert_eq!(default.audit.retention_days, 0);
        assert_eq!(default.audit.retention(), None);
        assert!(
            default
                .audit
                .retention_warning()
                .unwrap()
                .contains("unlimited")
        );
        let year = Config::from_toml("[audit]\nretention_days = 365").unwrap();
        assert_eq!(
            year.audit.retention(),
            Some(std::time::Duration::from_secs(365 * 86_400))
        );
        assert_eq!(year.audit.retention_warning(), None);
        for (days, warned) in [
            (1, true),
            (182, true),
            (183, false),
            (200, false),
            (365, false),
            (366, true),
            (3650, true),
        ] {
            let section = AuditSection {
                retention_days: days,
                ..AuditSection::default()
            };
            assert_eq!(section.retention_warning().is_some(), warned, "{days}");
            assert_eq!(
                section.retention().map(|d| d.as_secs()),
                Some(u64::from(days) * 86_400)
            );
        }
        assert!(Config::from_toml("[audit]\nretention_days = -1").is_err());
        // Query audit records: deferred fsync by default, fsync before the reply on request.
        assert_eq!(
            default.audit.access_sync.engine(),
            vigie_engine::AccessSync::Deferred
        );
        let strict = Config::from_toml("[audit]\naccess_sync = \"before-reply\"").unwrap();
        assert_eq!(
            strict.audit.access_sync.engine(),
            vigie_engine::AccessSync::BeforeReply
        );
        assert!(Config::from_toml("[audit]\naccess_sync = \"never\"").is_err());
        assert!(Config::from_toml("[audit]\nretention = 30").is_err());
    }

    #[test]
    fn semantic_errors_are_reported() {
        for text in [
            "[[domains]]\nid = \"A\"\n[[domains]]\nid = \"A\"",
            "[[clients]]\nname = \"x\"",
            "[[clients]]\nname = \"x\"\njwt_subject = \"x\"\nqueries = [\"nope\"]",
            "[[jwt]]\nissuer = \"i\"\nkey = \"k\"\nalgorithm = \"none\"",
            "[server]\nunknown = 1",
            "[mllp]\ntls = true",
            "[tls]\ncert = \"c\"\nkey = \"k\"\n[mllp]\ntls = true\nrequire_client_cert = true",
        ] {
            assert!(Config::from_toml(text).is_err(), "{text}");
        }
    }
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
    /// Serve MLLP over TLS with the certificate, key and client CA of `[tls]` (which must be
    /// present); off: plain TCP.
    pub tls: bool,
    /// Over MLLP/TLS, refuse connections without a client certificate; absent: as
    /// `tls.require_client_cert`. Needs `tls.client_ca`.
    pub require_client_cert: Option<bool>,
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
            tls: false,
            require_client_cert: None,
        }
    }
}
