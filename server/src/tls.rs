//! The TLS material of the `[tls]` section, shared by HTTPS and MLLP over TLS: the server
//! certificate chain and key from PEM files, optional client-certificate verification (mTLS)
//! against a PEM CA bundle, TLS 1.2 and 1.3 with rustls' safe defaults, and one crypto provider
//! for the whole process (`ring`).
//!
//! **Hot reload.** The certificate and key are not fixed in the rustls configurations: both
//! listeners resolve them through one [`ServerCert`] (a [`ResolvesServerCert`] holding the
//! current [`CertifiedKey`]), consulted at each handshake. [`ServerTls::watch`] reads the two
//! files every `tls.reload_interval_secs` and swaps in the new pair when their content changed
//! and it is usable (both parse, the key matches the certificate); otherwise the refusal is
//! logged (file and cause, never key material) and the current pair kept. Established
//! connections are never touched: the new certificate is seen by new handshakes only.
//!
//! The client CA bundle (`tls.client_ca`) is reloaded the same way, on the same poll: both
//! listeners verify client certificates through a [`ClientCa`], whose verifiers are rebuilt
//! when the file's content changed and it holds at least one usable certificate; a broken
//! new bundle is refused (logged, file and cause only) and the current verifiers kept. When a
//! new bundle is taken, the TLS sessions cached for resumption are dropped, so a client whose
//! certificate the new bundle no longer trusts cannot resume a session verified under the old
//! one (it must do a full handshake, and is refused).

use std::fmt;
use std::future::Future;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use parking_lot::{Mutex, RwLock};
use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::server::{
    ClientHello, ResolvesServerCert, ServerSessionMemoryCache, StoresServerSessions,
    WebPkiClientVerifier,
};
use rustls::sign::CertifiedKey;
use rustls::{
    DigitallySignedStruct, DistinguishedName, RootCertStore, ServerConfig, SignatureScheme,
};

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
/// files change ([`ServerCert::reload`], [`ServerTls::watch`]).
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
}

impl Watched for ServerCert {
    const WHAT: &'static str = "server certificate";

    fn reload(&self) -> Result<Reload, TlsError> {
        ServerCert::reload(self)
    }

    fn log_taken(&self) {
        tracing::info!(file = %self.cert_path.display(), "server certificate reloaded");
    }
}

/// TLS material read from files and replaced in place when they change (see
/// [`ServerTls::watch`]).
trait Watched: Send + Sync + 'static {
    /// What it is, in log messages.
    const WHAT: &'static str;

    /// Reads the files again (blocking); a refused new version keeps the current one.
    fn reload(&self) -> Result<Reload, TlsError>;

    /// Logs that a new version was taken (file names and counters only).
    fn log_taken(&self);
}

/// [`Watched::reload`] on the blocking pool, logging a new version or a refused one.
async fn reload_logged<T: Watched>(item: Arc<T>) {
    let worker = item.clone();
    match tokio::task::spawn_blocking(move || worker.reload()).await {
        Ok(Ok(Reload::Unchanged)) => {}
        Ok(Ok(Reload::Reloaded)) => item.log_taken(),
        Ok(Err(error)) => {
            tracing::warn!(%error, "new {} refused, the current one is kept", T::WHAT);
        }
        Err(error) => tracing::error!(%error, "{} reload failed", T::WHAT),
    }
}

/// The server certificate is also Vigie's client certificate towards mTLS peers (ITI-10
/// consumers), reloaded alike.
impl rustls::client::ResolvesClientCert for ServerCert {
    fn resolve(
        &self,
        _root_hint_subjects: &[&[u8]],
        _sigschemes: &[SignatureScheme],
    ) -> Option<Arc<CertifiedKey>> {
        Some(self.current())
    }

    fn has_certs(&self) -> bool {
        true
    }
}

impl ResolvesServerCert for ServerCert {
    fn resolve(&self, _client_hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.current())
    }
}

/// Sessions each rustls configuration keeps for resumption (rustls' default).
const RESUMABLE_SESSIONS: usize = 256;

/// The hint lists (CA subject names sent in a certificate request) of every distinct bundle
/// loaded, append-only: a handshake borrows the current one for as long as the verifier lives
/// ([`ClientCertVerifier::root_hint_subjects`] returns a borrow), so none is ever dropped while
/// the [`ClientCa`] lives. Reloading a bundle with the same subjects reuses its entry.
struct HintChain {
    hints: Vec<DistinguishedName>,
    next: OnceLock<Box<HintChain>>,
}

impl HintChain {
    fn new(hints: Vec<DistinguishedName>) -> HintChain {
        HintChain {
            hints,
            next: OnceLock::new(),
        }
    }

    /// The position of `hints` in the chain, appended when not there yet.
    fn index_of(&self, hints: &[DistinguishedName]) -> usize {
        let same = |a: &[DistinguishedName]| {
            a.len() == hints.len() && a.iter().zip(hints).all(|(x, y)| x.as_ref() == y.as_ref())
        };
        let mut node = self;
        let mut index = 0;
        while !same(&node.hints) {
            node = node
                .next
                .get_or_init(|| Box::new(HintChain::new(hints.to_vec())));
            index += 1;
        }
        index
    }

    fn get(&self, index: usize) -> &[DistinguishedName] {
        let mut node = self;
        for _ in 0..index {
            match node.next.get() {
                Some(next) => node = next,
                None => return &[],
            }
        }
        &node.hints
    }
}

/// The verifiers built from one client CA bundle.
struct ClientVerifiers {
    /// 0 for the bundle read at start-up, one more at each bundle taken since.
    generation: u64,
    /// Requires a client certificate.
    required: Arc<dyn ClientCertVerifier>,
    /// Verifies a client certificate when one is presented.
    optional: Arc<dyn ClientCertVerifier>,
    /// Position of the bundle's subject names in [`ClientCa::hints`].
    hints: usize,
}

type DynVerifier = Arc<dyn ClientCertVerifier>;

/// The verifiers (client certificate required, optional) of a PEM bundle as read.
fn client_verifiers(
    bytes: &std::io::Result<Vec<u8>>,
    path: &Path,
    provider: &Arc<CryptoProvider>,
) -> Result<(DynVerifier, DynVerifier), TlsError> {
    let bytes = bytes
        .as_ref()
        .map_err(|e| pem_error("client CA", path, e))?;
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(bytes) {
        let cert = cert.map_err(|e| pem_error("client CA", path, e))?;
        roots
            .add(cert)
            .map_err(|e| pem_error("client CA", path, e))?;
    }
    if roots.is_empty() {
        return Err(pem_error("client CA", path, "no certificate found"));
    }
    let roots = Arc::new(roots);
    let builder = || WebPkiClientVerifier::builder_with_provider(roots.clone(), provider.clone());
    let required = builder()
        .build()
        .map_err(|e| TlsError::Rustls(e.to_string()))?;
    let optional = builder()
        .allow_unauthenticated()
        .build()
        .map_err(|e| TlsError::Rustls(e.to_string()))?;
    Ok((required, optional))
}

fn fingerprint_of(file: &std::io::Result<Vec<u8>>) -> u64 {
    let mut hasher = DefaultHasher::new();
    match file {
        Ok(bytes) => bytes.hash(&mut hasher),
        Err(e) => e.kind().hash(&mut hasher),
    }
    hasher.finish()
}

/// The client CA bundle (`tls.client_ca`), from which client certificates are verified, and
/// replaced in place when the file changes ([`ClientCa::reload`]). The rustls configurations
/// hold [`ClientCa::verifier`]s, which ask it for the current verifiers at each handshake.
pub struct ClientCa {
    path: PathBuf,
    provider: Arc<CryptoProvider>,
    current: RwLock<Arc<ClientVerifiers>>,
    /// Fingerprint of the file last tried, taken or refused (a refused bundle is not retried,
    /// nor logged again, until the file changes once more).
    last_seen: Mutex<u64>,
    hints: HintChain,
}

impl fmt::Debug for ClientCa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCa")
            .field("file", &self.path)
            .field("generation", &self.current.read().generation)
            .finish_non_exhaustive()
    }
}

impl ClientCa {
    /// Reads the PEM bundle.
    ///
    /// # Errors
    /// [`TlsError`] when the file cannot be read, holds no certificate or rustls refuses one.
    pub fn load(path: &Path) -> Result<ClientCa, TlsError> {
        let provider = crypto_provider();
        let bytes = std::fs::read(path);
        let (required, optional) = client_verifiers(&bytes, path, &provider)?;
        let hints = HintChain::new(required.root_hint_subjects().to_vec());
        Ok(ClientCa {
            path: path.to_path_buf(),
            provider,
            current: RwLock::new(Arc::new(ClientVerifiers {
                generation: 0,
                required,
                optional,
                hints: 0,
            })),
            last_seen: Mutex::new(fingerprint_of(&bytes)),
            hints,
        })
    }

    /// Reads the bundle again and, when it changed since last read, takes it for new
    /// handshakes and drops the sessions cached for resumption. Blocking (reads one small
    /// file).
    ///
    /// # Errors
    /// [`TlsError`] when the changed file is not a usable bundle: the current one is kept.
    pub fn reload(&self) -> Result<Reload, TlsError> {
        let bytes = std::fs::read(&self.path);
        let fingerprint = fingerprint_of(&bytes);
        {
            let mut last_seen = self.last_seen.lock();
            if *last_seen == fingerprint {
                return Ok(Reload::Unchanged);
            }
            *last_seen = fingerprint;
        }
        let (required, optional) = client_verifiers(&bytes, &self.path, &self.provider)?;
        let hints = self.hints.index_of(required.root_hint_subjects());
        let mut current = self.current.write();
        *current = Arc::new(ClientVerifiers {
            generation: current.generation + 1,
            required,
            optional,
            hints,
        });
        Ok(Reload::Reloaded)
    }

    /// How many bundles were taken since start-up (0: the first one is in use).
    pub fn generation(&self) -> u64 {
        self.current.read().generation
    }

    fn current(&self) -> Arc<ClientVerifiers> {
        self.current.read().clone()
    }

    /// A client-certificate verifier that follows the reloads; `require`: a client without a
    /// certificate is refused.
    pub fn verifier(self: &Arc<Self>, require: bool) -> Arc<dyn ClientCertVerifier> {
        Arc::new(ReloadingClientVerifier {
            ca: self.clone(),
            require,
        })
    }

    /// A session store for resumption that forgets its sessions when a new bundle is taken.
    pub fn session_storage(self: &Arc<Self>) -> Arc<dyn StoresServerSessions> {
        Arc::new(SessionsOfCurrentCa {
            ca: self.clone(),
            sessions: Mutex::new((
                self.generation(),
                ServerSessionMemoryCache::new(RESUMABLE_SESSIONS),
            )),
        })
    }
}

impl Watched for ClientCa {
    const WHAT: &'static str = "client CA";

    fn reload(&self) -> Result<Reload, TlsError> {
        ClientCa::reload(self)
    }

    fn log_taken(&self) {
        tracing::info!(
            file = %self.path.display(),
            generation = self.generation(),
            "client CA reloaded"
        );
    }
}

/// The verifier in the rustls configurations: delegates to the current [`ClientCa`] bundle.
struct ReloadingClientVerifier {
    ca: Arc<ClientCa>,
    require: bool,
}

impl fmt::Debug for ReloadingClientVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReloadingClientVerifier")
            .field("ca", &self.ca)
            .field("require", &self.require)
            .finish()
    }
}

impl ReloadingClientVerifier {
    fn current(&self) -> Arc<dyn ClientCertVerifier> {
        let current = self.ca.current();
        if self.require {
            current.required.clone()
        } else {
            current.optional.clone()
        }
    }
}

impl ClientCertVerifier for ReloadingClientVerifier {
    fn offer_client_auth(&self) -> bool {
        true
    }

    fn client_auth_mandatory(&self) -> bool {
        self.require
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        self.ca.hints.get(self.ca.current().hints)
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        self.current()
            .verify_client_cert(end_entity, intermediates, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.current().verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.current().verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.current().supported_verify_schemes()
    }
}

/// Resumption sessions of one rustls configuration, dropped when the client CA changes: a
/// resumed session skips client-certificate verification.
struct SessionsOfCurrentCa {
    ca: Arc<ClientCa>,
    sessions: Mutex<(u64, Arc<ServerSessionMemoryCache>)>,
}

impl fmt::Debug for SessionsOfCurrentCa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionsOfCurrentCa")
            .finish_non_exhaustive()
    }
}

impl SessionsOfCurrentCa {
    fn current(&self) -> Arc<ServerSessionMemoryCache> {
        let generation = self.ca.generation();
        let mut sessions = self.sessions.lock();
        if sessions.0 != generation {
            *sessions = (
                generation,
                ServerSessionMemoryCache::new(RESUMABLE_SESSIONS),
            );
        }
        sessions.1.clone()
    }
}

impl StoresServerSessions for SessionsOfCurrentCa {
    fn put(&self, key: Vec<u8>, value: Vec<u8>) -> bool {
        self.current().put(key, value)
    }

    fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
        self.current().get(key)
    }

    fn take(&self, key: &[u8]) -> Option<Vec<u8>> {
        self.current().take(key)
    }

    fn can_cache(&self) -> bool {
        true
    }
}

/// The `[tls]` material: the reloadable server certificate and client CA bundle, from which
/// the HTTPS and MLLP rustls configurations are built (sharing both).
#[derive(Debug, Clone)]
pub struct ServerTls {
    certificate: Arc<ServerCert>,
    client_ca: Option<Arc<ClientCa>>,
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
        let client_ca = match &tls.client_ca {
            Some(ca) => Some(Arc::new(ClientCa::load(ca)?)),
            None => None,
        };
        Ok(ServerTls {
            certificate,
            client_ca,
            require_client_cert: tls.require_client_cert,
            reload_interval: Duration::from_secs(tls.reload_interval_secs),
        })
    }

    /// The shared, reloadable server certificate.
    pub fn certificate(&self) -> &Arc<ServerCert> {
        &self.certificate
    }

    /// The shared, reloadable client CA bundle (`None`: client certificates are not asked).
    pub fn client_ca(&self) -> Option<&Arc<ClientCa>> {
        self.client_ca.as_ref()
    }

    /// True when client certificates are verified (a client CA is configured).
    pub fn verifies_clients(&self) -> bool {
        self.client_ca.is_some()
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
        Ok(match &self.client_ca {
            Some(ca) => {
                let mut config = builder
                    .with_client_cert_verifier(ca.verifier(require_client_cert))
                    .with_cert_resolver(self.certificate.clone());
                config.session_storage = ca.session_storage();
                config
            }
            None => builder
                .with_no_client_auth()
                .with_cert_resolver(self.certificate.clone()),
        })
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

    /// Watches the certificate, key and client CA files until `shutdown`, reading them every
    /// `tls.reload_interval_secs` (see [`ServerCert::reload`], [`ClientCa::reload`]); returns
    /// at once when it is 0.
    pub async fn watch(&self, shutdown: impl Future<Output = ()> + Send + 'static) {
        if self.reload_interval.is_zero() {
            return;
        }
        tokio::pin!(shutdown);
        let mut ticks = tokio::time::interval(self.reload_interval.max(Duration::from_millis(100)));
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        ticks.tick().await;
        loop {
            tokio::select! {
                () = &mut shutdown => return,
                _ = ticks.tick() => {}
            }
            reload_logged(self.certificate.clone()).await;
            if let Some(ca) = &self.client_ca {
                reload_logged(ca.clone()).await;
            }
        }
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

    fn ca_pem(cn: &str) -> String {
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, cn);
        let key = rcgen::KeyPair::generate().unwrap();
        params.self_signed(&key).unwrap().pem()
    }

    #[test]
    fn a_changed_client_ca_is_taken_and_a_broken_one_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ca.pem");
        let (first, second) = (ca_pem("first CA"), ca_pem("second CA"));
        std::fs::write(&path, &first).unwrap();
        let ca = Arc::new(ClientCa::load(&path).unwrap());
        let verifier = ca.verifier(true);
        let hints = |v: &Arc<dyn ClientCertVerifier>| {
            v.root_hint_subjects()
                .iter()
                .map(|n| n.as_ref().to_vec())
                .collect::<Vec<_>>()
        };
        let first_hints = hints(&verifier);
        assert_eq!(first_hints.len(), 1);
        assert_eq!(ca.reload().unwrap(), Reload::Unchanged);

        // Garbage, then a missing file: refused, the first bundle kept.
        std::fs::write(&path, "-----BEGIN CERTIFICATE-----\nbroken\n").unwrap();
        assert!(matches!(ca.reload(), Err(TlsError::Pem { .. })));
        std::fs::remove_file(&path).unwrap();
        assert!(
            ca.reload()
                .unwrap_err()
                .to_string()
                .starts_with("client CA ")
        );
        assert_eq!(
            (ca.generation(), hints(&verifier)),
            (0, first_hints.clone())
        );

        // A new bundle: taken, its subjects hinted; back to the first: its hints are reused.
        std::fs::write(&path, &second).unwrap();
        assert_eq!(ca.reload().unwrap(), Reload::Reloaded);
        assert_eq!(ca.generation(), 1);
        let second_hints = hints(&verifier);
        assert_ne!(second_hints, first_hints);
        std::fs::write(&path, &first).unwrap();
        assert_eq!(ca.reload().unwrap(), Reload::Reloaded);
        assert_eq!(hints(&verifier), first_hints);
        assert_eq!(ca.current().hints, 0);
        assert!(verifier.client_auth_mandatory());
        assert!(!ca.verifier(false).client_auth_mandatory());
    }
}
