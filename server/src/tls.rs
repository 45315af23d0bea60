//! The rustls `ServerConfig` of the `[tls]` section, shared by HTTPS and MLLP over TLS: server
//! certificate chain and key from PEM files, optional client-certificate verification (mTLS)
//! against a PEM CA bundle, TLS 1.2 and 1.3 with rustls' safe defaults, and one crypto provider
//! for the whole process (`ring`).

use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};

use crate::config::TlsSection;

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
pub fn crypto_provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn pem_error(what: &'static str, path: &std::path::Path, message: impl ToString) -> TlsError {
    TlsError::Pem {
        what,
        path: path.display().to_string(),
        message: message.to_string(),
    }
}

/// Builds the server configuration (no ALPN: HTTPS adds `http/1.1`, MLLP needs none).
///
/// # Errors
/// [`TlsError`] when a file cannot be read or rustls refuses the certificates or key.
pub fn server_config(tls: &TlsSection) -> Result<ServerConfig, TlsError> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&tls.cert)
        .map_err(|e| pem_error("certificate", &tls.cert, e))?
        .collect::<Result<_, _>>()
        .map_err(|e| pem_error("certificate", &tls.cert, e))?;
    if certs.is_empty() {
        return Err(pem_error("certificate", &tls.cert, "no certificate found"));
    }
    let key = PrivateKeyDer::from_pem_file(&tls.key).map_err(|e| pem_error("key", &tls.key, e))?;
    let provider = crypto_provider();
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Rustls(e.to_string()))?;
    let builder = match &tls.client_ca {
        Some(ca) => {
            let mut roots = RootCertStore::empty();
            for cert in
                CertificateDer::pem_file_iter(ca).map_err(|e| pem_error("client CA", ca, e))?
            {
                let cert = cert.map_err(|e| pem_error("client CA", ca, e))?;
                roots.add(cert).map_err(|e| pem_error("client CA", ca, e))?;
            }
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider);
            let verifier = if tls.require_client_cert {
                verifier.build()
            } else {
                verifier.allow_unauthenticated().build()
            }
            .map_err(|e| TlsError::Rustls(e.to_string()))?;
            builder.with_client_cert_verifier(verifier)
        }
        None => builder.with_no_client_auth(),
    };
    builder
        .with_single_cert(certs, key)
        .map_err(|e| TlsError::Rustls(e.to_string()))
}

/// The HTTPS configuration: [`server_config`] with ALPN `http/1.1`.
///
/// # Errors
/// As [`server_config`].
pub fn https_config(tls: &TlsSection) -> Result<Arc<ServerConfig>, TlsError> {
    let mut config = server_config(tls)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}
