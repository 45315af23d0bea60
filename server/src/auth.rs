//! Who is calling: bearer JWT (`[[jwt]]` issuers, `sub` → `[[clients]]`), client certificate
//! (mTLS, subject CN → `[[clients]]`) or, for local development only, anonymous loopback; what
//! the caller may do (feed / query domains, admin); and the per-client token-bucket rate limit.
//!
//! Failures are typed ([`AuthError`]) so the HTTP layer answers 401 (no or bad credentials) or
//! 403 (authenticated, but no client is configured for it) and records the denial. Nothing here
//! logs a token or a certificate.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use parking_lot::Mutex;
use serde::Deserialize;
use vigie_core::ids::DomainId;
use vigie_engine::Actor;

use crate::config::{ClientConfig, Config, JwtIssuerConfig};

/// How a principal was authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    /// Bearer JWT.
    Bearer,
    /// Client certificate (mTLS).
    Certificate,
    /// Unauthenticated loopback caller (`allow_anonymous_loopback`).
    AnonymousLoopback,
}

/// An authenticated caller and its rights.
#[derive(Debug, Clone)]
pub struct Principal {
    /// The client's configuration (name and rights).
    pub client: Arc<ClientConfig>,
    /// How it was authenticated.
    pub method: AuthMethod,
    /// Network origin (IP address), or `unknown`.
    pub from: String,
}

impl Principal {
    /// The audit actor for a channel (`fhir`, `admin`).
    pub fn actor(&self, channel: &str) -> Actor {
        Actor {
            who: self.client.name.clone(),
            from: self.from.clone(),
            channel: channel.to_owned(),
        }
    }

    /// May feed `domain`.
    pub fn may_feed(&self, domain: &DomainId) -> bool {
        self.client.may_feed(domain)
    }

    /// May read the identifiers of `domain`.
    pub fn may_query(&self, domain: &DomainId) -> bool {
        self.client.may_query(domain)
    }

    /// May use the admin API.
    pub fn is_admin(&self) -> bool {
        self.client.admin
    }
}

/// Why a request is not authenticated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// No credentials at all (401).
    #[error("authentication required")]
    Missing,
    /// Credentials that cannot be verified (401); the reason never quotes the token.
    #[error("invalid credentials: {0}")]
    Invalid(&'static str),
    /// Valid credentials of a subject no client is configured for (403).
    #[error("no client is configured for this subject")]
    UnknownClient,
}

impl AuthError {
    /// True for 401 (false: 403).
    pub fn is_unauthenticated(&self) -> bool {
        !matches!(self, AuthError::UnknownClient)
    }
}

/// Why the authenticator cannot be built from the configuration.
#[derive(Debug, thiserror::Error)]
pub enum AuthSetupError {
    /// A key file cannot be read.
    #[error("jwt issuer {issuer}: cannot read key {path}: {source}")]
    Io {
        /// Issuer.
        issuer: String,
        /// Key path.
        path: String,
        /// Cause.
        source: std::io::Error,
    },
    /// A key cannot be parsed.
    #[error("jwt issuer {issuer}: invalid key: {message}")]
    Key {
        /// Issuer.
        issuer: String,
        /// jsonwebtoken's message.
        message: String,
    },
}

struct Issuer {
    key: DecodingKey,
    validation: Validation,
}

#[derive(Debug, Deserialize)]
struct Claims {
    sub: String,
}

/// Verifies credentials and maps them to clients.
pub struct Authenticator {
    issuers: Vec<Issuer>,
    clients: Vec<Arc<ClientConfig>>,
    allow_anonymous_loopback: bool,
    anonymous: Arc<ClientConfig>,
}

impl std::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authenticator")
            .field("issuers", &self.issuers.len())
            .field("clients", &self.clients.len())
            .field("allow_anonymous_loopback", &self.allow_anonymous_loopback)
            .finish()
    }
}

fn issuer(config: &JwtIssuerConfig) -> Result<Issuer, AuthSetupError> {
    let bytes = std::fs::read(&config.key).map_err(|source| AuthSetupError::Io {
        issuer: config.issuer.clone(),
        path: config.key.display().to_string(),
        source,
    })?;
    let key_error = |e: jsonwebtoken::errors::Error| AuthSetupError::Key {
        issuer: config.issuer.clone(),
        message: e.to_string(),
    };
    let (algorithm, key) = match config.algorithm.as_str() {
        "RS256" => (
            Algorithm::RS256,
            DecodingKey::from_rsa_pem(&bytes).map_err(key_error)?,
        ),
        "ES256" => (
            Algorithm::ES256,
            DecodingKey::from_ec_pem(&bytes).map_err(key_error)?,
        ),
        "HS256" => {
            let secret = String::from_utf8_lossy(&bytes);
            (
                Algorithm::HS256,
                DecodingKey::from_secret(secret.trim().as_bytes()),
            )
        }
        _ => {
            return Err(AuthSetupError::Key {
                issuer: config.issuer.clone(),
                message: "unsupported algorithm".into(),
            });
        }
    };
    let mut validation = Validation::new(algorithm);
    validation.set_issuer(&[config.issuer.as_str()]);
    match &config.audience {
        Some(audience) => validation.set_audience(&[audience.as_str()]),
        None => validation.validate_aud = false,
    }
    validation.set_required_spec_claims(&["exp", "sub", "iss"]);
    validation.leeway = config.leeway_secs;
    Ok(Issuer { key, validation })
}

impl Authenticator {
    /// Loads the issuers' keys and the clients.
    ///
    /// # Errors
    /// [`AuthSetupError`] when a key cannot be read or parsed.
    pub fn from_config(config: &Config) -> Result<Authenticator, AuthSetupError> {
        let issuers = config
            .jwt
            .iter()
            .map(issuer)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Authenticator {
            issuers,
            clients: config.clients.iter().cloned().map(Arc::new).collect(),
            allow_anonymous_loopback: config.server.allow_anonymous_loopback,
            anonymous: Arc::new(ClientConfig {
                name: "anonymous-loopback".into(),
                certificate: None,
                jwt_subject: None,
                feeds: vec!["*".into()],
                queries: vec!["*".into()],
                admin: true,
            }),
        })
    }

    /// Authenticates a request from its `Authorization` header, the CN of its client
    /// certificate (if the connection is mTLS) and its peer address.
    ///
    /// # Errors
    /// [`AuthError`].
    pub fn authenticate(
        &self,
        authorization: Option<&str>,
        certificate_cn: Option<&str>,
        peer: Option<SocketAddr>,
    ) -> Result<Principal, AuthError> {
        let from = peer.map_or_else(|| "unknown".to_owned(), |p| p.ip().to_string());
        if let Some(header) = authorization {
            let token = header
                .strip_prefix("Bearer ")
                .or_else(|| header.strip_prefix("bearer "))
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .ok_or(AuthError::Invalid("not a bearer token"))?;
            let subject = self.verify_jwt(token)?;
            let client = self
                .clients
                .iter()
                .find(|c| c.jwt_subject.as_deref() == Some(subject.as_str()))
                .ok_or(AuthError::UnknownClient)?;
            return Ok(Principal {
                client: client.clone(),
                method: AuthMethod::Bearer,
                from,
            });
        }
        if let Some(cn) = certificate_cn {
            let client = self
                .clients
                .iter()
                .find(|c| c.certificate.as_deref() == Some(cn))
                .ok_or(AuthError::UnknownClient)?;
            return Ok(Principal {
                client: client.clone(),
                method: AuthMethod::Certificate,
                from,
            });
        }
        if self.allow_anonymous_loopback && peer.is_some_and(|p| p.ip().is_loopback()) {
            return Ok(Principal {
                client: self.anonymous.clone(),
                method: AuthMethod::AnonymousLoopback,
                from,
            });
        }
        Err(AuthError::Missing)
    }

    fn verify_jwt(&self, token: &str) -> Result<String, AuthError> {
        if self.issuers.is_empty() {
            return Err(AuthError::Invalid("no token issuer is configured"));
        }
        let header = jsonwebtoken::decode_header(token)
            .map_err(|_| AuthError::Invalid("malformed token"))?;
        let mut reason = "unsupported algorithm";
        for issuer in &self.issuers {
            if !issuer.validation.algorithms.contains(&header.alg) {
                continue;
            }
            match jsonwebtoken::decode::<Claims>(token, &issuer.key, &issuer.validation) {
                Ok(data) => return Ok(data.claims.sub),
                Err(error) => {
                    use jsonwebtoken::errors::ErrorKind;
                    reason = match error.kind() {
                        ErrorKind::ExpiredSignature => "token expired",
                        ErrorKind::ImmatureSignature => "token not yet valid",
                        ErrorKind::InvalidIssuer => "wrong issuer",
                        ErrorKind::InvalidAudience => "wrong audience",
                        ErrorKind::InvalidSignature => "bad signature",
                        ErrorKind::MissingRequiredClaim(_) => "missing claim",
                        _ => "invalid token",
                    };
                }
            }
        }
        Err(AuthError::Invalid(reason))
    }
}

/// Per-client token buckets.
#[derive(Debug)]
pub struct RateLimiter {
    rate: f64,
    burst: f64,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

impl RateLimiter {
    /// `rate` requests per second with bursts of `burst` (0: twice the rate); a rate of 0 means
    /// no limit.
    pub fn new(rate: u32, burst: u32) -> RateLimiter {
        let burst = if burst == 0 {
            rate.saturating_mul(2)
        } else {
            burst
        };
        RateLimiter {
            rate: f64::from(rate),
            burst: f64::from(burst.max(1)),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token for `client`; false when its bucket is empty.
    pub fn allow(&self, client: &str) -> bool {
        if self.rate <= 0.0 {
            return true;
        }
        let now = Instant::now();
        let mut buckets = self.buckets.lock();
        let (tokens, last) = buckets
            .entry(client.to_owned())
            .or_insert((self.burst, now));
        let elapsed = now.saturating_duration_since(*last).as_secs_f64();
        *tokens = (*tokens + elapsed * self.rate).min(self.burst);
        *last = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// One DER TLV: (tag, content, rest). `None` on malformed input.
fn der_next(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, mut rest) = rest.split_first()?;
    let len = if first < 0x80 {
        usize::from(first)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 {
            return None;
        }
        let (bytes, after) = rest.split_at_checked(n)?;
        rest = after;
        bytes
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b))
    };
    let (content, rest) = rest.split_at_checked(len)?;
    Some((tag, content, rest))
}

const OID_COMMON_NAME: &[u8] = &[0x55, 0x04, 0x03];

/// The subject common name (CN) of a DER X.509 certificate. `None` when the certificate cannot
/// be read or has no CN. The certificate chain was verified by rustls before this is called.
pub fn certificate_common_name(der: &[u8]) -> Option<String> {
    let (_, certificate, _) = der_next(der)?;
    let (_, tbs, _) = der_next(certificate)?;
    let mut rest = tbs;
    // Optional explicit version [0].
    let (tag, _, after) = der_next(rest)?;
    if tag == 0xa0 {
        rest = after;
    }
    // serial, signature algorithm, issuer, validity, then subject.
    for _ in 0..4 {
        let (_, _, after) = der_next(rest)?;
        rest = after;
    }
    let (tag, subject, _) = der_next(rest)?;
    if tag != 0x30 {
        return None;
    }
    let mut sets = subject;
    while let Some((_, set, after)) = der_next(sets) {
        sets = after;
        let mut attributes = set;
        while let Some((_, attribute, after)) = der_next(attributes) {
            attributes = after;
            let (oid_tag, oid, value) = der_next(attribute)?;
            if oid_tag == 0x06 && oid == OID_COMMON_NAME {
                let (_, text, _) = der_next(value)?;
                return String::from_utf8(text.to_vec()).ok();
            }
        }
    }
    None
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_rate_limiter_refuses_beyond_the_burst() {
        let limiter = RateLimiter::new(1, 2);
        assert!(limiter.allow("a"));
        assert!(limiter.allow("a"));
        assert!(!limiter.allow("a"));
        assert!(limiter.allow("b"));
        assert!(RateLimiter::new(0, 0).allow("a"));
    }

    #[test]
    fn der_reading_never_panics_on_garbage() {
        for bytes in [
            &b""[..],
            &[0x30],
            &[0x30, 0x84, 0xff, 0xff, 0xff, 0xff],
            &[0x30, 0x02, 0x30],
        ] {
            assert_eq!(certificate_common_name(bytes), None);
        }
    }

    #[test]
    fn the_common_name_is_read_from_the_subject() {
        let mut params = rcgen::CertificateParams::new(vec!["localhost".into()]).unwrap();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "clinic-a");
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        assert_eq!(
            certificate_common_name(cert.der()).as_deref(),
            Some("clinic-a")
        );
    }
}
