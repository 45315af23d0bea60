//! The TLS material of the `[tls]` section, shared by HTTPS and MLLP over TLS: the server
//! certificate chain and key from PEM files, optional client-certificate verification (mTLS)
//! against a PEM CA bundle, TLS 1.2 and 1.3 with rustls' safe defaults, and one crypto provider
//! for the whole process (`ring`).
//!
//! **Hot reload.** The certificate and key are not fixed in the rustls configurations: both
//! listeners resolve them through one [`ServerCert`] (a [`ResolvesServerCert`] holding the
//! current [`CertifiedKey`]), consulted at each handshake. [`ServerCert::watch`] reads the two
//! files every `tls.reload_interval_secs` and swaps in the new pair when their content changed
//! and it is usable (both parse, the key matches the certificate); otherwise the refusal is
//! logged (file and cause, never key material) and the current pair kept. Established
//! connections are never touched: the new certificate is seen by new handshakes only. The
//! client CA bundle is read at start-up only.

use std::fmt;
use std::future::Future;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use parking_lot::{Mutex, RwLock};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert, WebPkiClientVerifier};
use rustls::sign::CertifiedKey;
use rustls::{RootCertStore, ServerConfig};

use crate::config::{MllpSection, TlsSection};

/// Why the TLS configuration cannot be built.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A PEM file cannot be read or holds nothing usable.
    #[error("{what} {path}: {message}")]
    Pem {
        /// `certificate`, `key` or `client CA`.
        what: &'static str,
        /// The file.
        path: String,
        /// The cause.
        message: String,
    },
    /// rustls refused the material.
    #[error("tls: {0}")]
    Rustls(String),
}

/// The crypto provider of every rustls object Vigie builds.
pub fn crypto_provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn pem_error(what: &'static str, path: &Path, message: impl ToString) -> TlsError {
    TlsError::Pem {
        what,
        path: path.display().to_string(),
        message: message.to_string(),
    }
}

/// The certificate and key files as read, or why they could not be.
struct Files {
    cert: std::io::Result<Vec<u8>>,
    key: std::io::Result<Vec<u8>>,
}

impl Files {
    fn read(cert: &Path, key: &Path) -> Files {
        Files {
            cert: std::fs::read(cert),
            key: std::fs::read(key),
        }
    }

    /// A fingerprint of what was read (contents, or the kind of read error), to notice a
    /// change without keeping the key bytes around. Not a security function.
    fn fingerprint(&self) -> u64 {
        let mut hasher = DefaultHasher::new();
        for file in [&self.cert, &self.key] {
            match file {
                Ok(bytes) => bytes.hash(&mut hasher),
                Err(e) => e.kind().hash(&mut hasher),
            }
        }
        hasher.finish()
    }
}

fn certified_key(
    files: &Files,
    cert_path: &Path,
    key_path: &Path,
    provider: &CryptoProvider,
) -> Result<CertifiedKey, TlsError> {
    let cert_bytes = files
        .cert
        .as_ref()
        .map_err(|e| pem_error("certificate", cert_path, e))?;
    let key_bytes = files
        .key
        .as_ref()
        .map_err(|e| pem_error("key", key_path, e))?;
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(cert_bytes)
        .collect::<Result<_, _>>()
        .map_err(|e| pem_error("certificate", cert_path, e))?;
    if certs.is_empty() {
        return Err(pem_error("certificate", cert_path, "no certificate found"));
    }
    let key =
        PrivateKeyDer::from_pem_slice(key_bytes).map_err(|e| pem_error("key", key_path, e))?;
    // Parses the key and checks that it is the certificate's (SubjectPublicKeyInfo).
    CertifiedKey::from_der(certs, key, provider).map_err(|e| TlsError::Rustls(e.to_string()))
}

/// What [`ServerCert::reload`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reload {
    /// The files are as last read: nothing to do.
    Unchanged,
    /// A new certificate and key are in use for new handshakes.
    Reloaded,
}

/// The server certificate and key, resolved at each handshake and replaced in place when the
/// files change ([`ServerCert::reload`], [`ServerCert::watch`]).
pub struct ServerCert {
    cert_path: PathBuf,
    key_path: PathBuf,
    provider: Arc<CryptoProvider>,
    current: RwLock<Arc<CertifiedKey>>,
    /// Fingerprint of the files last tried, loaded or refused (a refused pair is not retried,
    /// nor logged again, until the files change once more).
    last_seen: Mutex<u64>,
}

impl fmt::Debug for ServerCert {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerCert")
            .field("cert", &self.cert_path)
            .field("key", &self.key_path)
            .finish_non_exhaustive()
    }
}

impl ServerCert {
    /// Reads the certificate chain and key.
    ///
    /// # Errors
    /// [`TlsError`] when a file cannot be read, holds no certificate or key, or the key is not
    /// the certificate's.
    pub fn load(cert: &Path, key: &Path) -> Result<ServerCert, TlsError> {
        let provider = crypto_provider();
        let files = Files::read(cert, key);
        let certified = certified_key(&files, cert, key, &provider)?;
        Ok(ServerCert {
            cert_path: cert.to_path_buf(),
            key_path: key.to_path_buf(),
            provider,
            current: RwLock::new(Arc::new(certified)),
            last_seen: Mutex::new(files.fingerprint()),
        })
    }

    /// The certificate chain and key new handshakes get.
    pub fn current(&self) -> Arc<CertifiedKey> {
        self.current.read().clone()
    }

    /// Reads the files again and, when they changed since last read, swaps in the new pair.
    /// Blocking (reads two small files).
    ///
    /// # Errors
    /// [`TlsError`] when the changed files are not a usable pair: the current one is kept.
    pub fn reload(&self) -> Result<Reload, TlsError> {
        let files = Files::read(&self.cert_path, &self.key_path);
        let fingerprint = files.fingerprint();
        {
            let mut last_seen = self.last_seen.lock();
            if *last_seen == fingerprint {
                return Ok(Reload::Unchanged);
            }
            *last_seen = fingerprint;
        }
        let certified = certified_key(&files, &self.cert_path, &self.key_path, &self.provider)?;
        *self.current.write() = Arc::new(certified);
        Ok(Reload::Reloaded)
    }

    /// Calls [`ServerCert::reload`] every `every` until `shutdown` resolves, logging each new
    /// certificate and each refused one.
    pub async fn watch(
        self: Arc<Self>,
        every: Duration,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) {
        tokio::pin!(shutdown);
        let mut ticks = tokio::time::interval(every.max(Duration::from_millis(100)));
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        ticks.tick().await;
        loop {
            tokio::select! {
                () = &mut shutdown => return,
                _ = ticks.tick() => {}
            }
            let cert = self.clone();
            match tokio::task::spawn_blocking(move || cert.reload()).await {
                Ok(Ok(Reload::Unchanged)) => {}
                Ok(Ok(Reload::Reloaded)) => {
                    tracing::info!(
                        file = %self.cert_path.display(),
                        "server certificate reloaded"
                    );
                }
                Ok(Err(error)) => {
                    tracing::warn!(%error, "new server certificate refused, the current one is kept");
                }
                Err(error) => tracing::error!(%error, "server certificate reload failed"),
            }
        }
    }
}

impl ResolvesServerCert for ServerCert {
    fn resolve(&self, _client_hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.current())
    }
}

/// The `[tls]` material: the reloadable server certificate and the client CA roots, from which
/// the HTTPS and MLLP rustls configurations are built (sharing the certificate).
#[derive(Debug, Clone)]
pub struct ServerTls {
    certificate: Arc<ServerCert>,
    client_roots: Option<Arc<RootCertStore>>,
    require_client_cert: bool,
    reload_interval: Duration,
}

impl ServerTls {
    /// Reads the certificate, key and client CA bundle of `[tls]`.
    ///
    /// # Errors
    /// [`TlsError`] when a file cannot be read or rustls refuses its content.
    pub fn load(tls: &TlsSection) -> Result<ServerTls, TlsError> {
        let certificate = Arc::new(ServerCert::load(&tls.cert, &tls.key)?);
        let client_roots = match &tls.client_ca {
            Some(ca) => {
                let mut roots = RootCertStore::empty();
                for cert in
                    CertificateDer::pem_file_iter(ca).map_err(|e| pem_error("client CA", ca, e))?
                {
                    let cert = cert.map_err(|e| pem_error("client CA", ca, e))?;
                    roots.add(cert).map_err(|e| pem_error("client CA", ca, e))?;
                }
                if roots.is_empty() {
                    return Err(pem_error("client CA", ca, "no certificate found"));
                }
                Some(Arc::new(roots))
            }
            None => None,
        };
        Ok(ServerTls {
            certificate,
            client_roots,
            require_client_cert: tls.require_client_cert,
            reload_interval: Duration::from_secs(tls.reload_interval_secs),
        })
    }

    /// The shared, reloadable server certificate.
    pub fn certificate(&self) -> &Arc<ServerCert> {
        &self.certificate
    }

    /// True when client certificates are verified (a client CA is configured).
    pub fn verifies_clients(&self) -> bool {
        self.client_roots.is_some()
    }

    /// A server configuration (no ALPN) resolving the shared certificate; with a client CA,
    /// client certificates are verified, and required when `require_client_cert`.
    ///
    /// # Errors
    /// [`TlsError::Rustls`] when rustls refuses the settings.
    pub fn config(&self, require_client_cert: bool) -> Result<ServerConfig, TlsError> {
        let provider = crypto_provider();
        let builder = ServerConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsError::Rustls(e.to_string()))?;
        let builder = match &self.client_roots {
            Some(roots) => {
                let verifier = WebPkiClientVerifier::builder_with_provider(roots.clone(), provider);
                let verifier = if require_client_cert {
                    verifier.build()
                } else {
                    verifier.allow_unauthenticated().build()
                }
                .map_err(|e| TlsError::Rustls(e.to_string()))?;
                builder.with_client_cert_verifier(verifier)
            }
            None => builder.with_no_client_auth(),
        };
        Ok(builder.with_cert_resolver(self.certificate.clone()))
    }

    /// The HTTPS configuration: ALPN `http/1.1`, client certificates as `[tls]` says.
    ///
    /// # Errors
    /// As [`ServerTls::config`].
    pub fn https_config(&self) -> Result<Arc<ServerConfig>, TlsError> {
        let mut config = self.config(self.require_client_cert)?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Arc::new(config))
    }

    /// The MLLP configuration: no ALPN, client certificates required as
    /// `mllp.require_client_cert` says, else as `[tls]` says.
    ///
    /// # Errors
    /// As [`ServerTls::config`].
    pub fn mllp_config(&self, mllp: &MllpSection) -> Result<Arc<ServerConfig>, TlsError> {
        let require = mllp.require_client_cert.unwrap_or(self.require_client_cert);
        Ok(Arc::new(self.config(require)?))
    }

    /// Watches the certificate files until `shutdown` (see [`ServerCert::watch`]); returns at
    /// once when `tls.reload_interval_secs` is 0.
    pub async fn watch(&self, shutdown: impl Future<Output = ()> + Send + 'static) {
        if self.reload_interval.is_zero() {
            return;
        }
        self.certificate
            .clone()
            .watch(self.reload_interval, shutdown)
            .await;
    }
}

/// Builds a server configuration from `[tls]` alone (no ALPN; its certificate is reloaded only
/// through [`ServerTls`]).
///
/// # Errors
/// [`TlsError`] when a file cannot be read or rustls refuses the certificates or key.
pub fn server_config(tls: &TlsSection) -> Result<ServerConfig, TlsError> {
    ServerTls::load(tls)?.config(tls.require_client_cert)
}

/// The HTTPS configuration of `[tls]` alone: [`server_config`] with ALPN `http/1.1`.
///
/// # Errors
/// As [`server_config`].
pub fn https_config(tls: &TlsSection) -> Result<Arc<ServerConfig>, TlsError> {
    ServerTls::load(tls)?.https_config()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn self_signed(cn: &str) -> (String, String) {
        let mut params = rcgen::CertificateParams::new(vec!["localhost".into()]).unwrap();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, cn);
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        (cert.pem(), key.serialize_pem())
    }

    #[test]
    fn a_changed_pair_is_swapped_in_and_a_bad_one_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let (cert_path, key_path) = (dir.path().join("c.pem"), dir.path().join("k.pem"));
        let (cert, key) = self_signed("first");
        std::fs::write(&cert_path, &cert).unwrap();
        std::fs::write(&key_path, &key).unwrap();
        let server = ServerCert::load(&cert_path, &key_path).unwrap();
        let first = server.current();
        assert_eq!(server.reload().unwrap(), Reload::Unchanged);

        // A certificate with the old key: refused, the first pair kept, not retried.
        let (second_cert, second_key) = self_signed("second");
        std::fs::write(&cert_path, &second_cert).unwrap();
        assert!(matches!(server.reload(), Err(TlsError::Rustls(_))));
        assert_eq!(server.current().cert, first.cert);
        assert_eq!(server.reload().unwrap(), Reload::Unchanged);

        // Its key arrives: the second pair is used.
        std::fs::write(&key_path, &second_key).unwrap();
        assert_eq!(server.reload().unwrap(), Reload::Reloaded);
        let second = server.current();
        assert_ne!(second.cert, first.cert);

        // Garbage and a missing file: refused, the second pair kept.
        std::fs::write(&cert_path, "not a certificate").unwrap();
        assert!(matches!(server.reload(), Err(TlsError::Pem { .. })));
        std::fs::remove_file(&key_path).unwrap();
        let error = server.reload().unwrap_err().to_string();
        assert!(error.starts_with("key "), "{error}");
        assert!(!error.contains("PRIVATE KEY"));
        assert_eq!(server.current().cert, second.cert);
    }
}
