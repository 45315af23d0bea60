//! Shared harness of the MLLP tests: a server on 127.0.0.1:0 over the real engine (temp data
//! dir) or the in-memory stand-in, plain or over TLS, an MLLP client over TCP or TLS, the
//! conformance directory and a reply formatter for snapshots.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod memory;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio_util::codec::{Decoder, Encoder};
use vigie_engine::{Engine, EngineConfig, SyncPolicy};
use vigie_hl7::mllp::MllpCodec;
use vigie_server::config::{Config, DomainConfig, SourceConfig};
use vigie_server::mllp::{MllpState, MpiBackend, serve};

/// The nearest ancestor of the crate holding `shared/conformance` (CI clones the repository
/// beside `shared/`).
pub fn conformance_dir() -> PathBuf {
    let start = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let start = start.canonicalize().unwrap_or(start);
    start
        .ancestors()
        .map(|dir| dir.join("shared/conformance"))
        .find(|dir| dir.is_dir())
        .expect("shared/conformance in an ancestor of the crate")
}

/// A conformance file's bytes.
pub fn conformance(name: &str) -> Vec<u8> {
    std::fs::read(conformance_dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

pub fn domain(id: &str, namespace: Option<&str>, oid: Option<&str>) -> DomainConfig {
    DomainConfig {
        id: id.to_owned(),
        namespace: namespace.map(str::to_owned),
        oid: oid.map(str::to_owned),
        system: None,
    }
}

pub fn source(application: &str, feeds: &[&str]) -> SourceConfig {
    SourceConfig {
        application: Some(application.to_owned()),
        facility: None,
        address: None,
        certificate: None,
        feeds: feeds.iter().map(|s| (*s).to_owned()).collect(),
        queries: Vec::new(),
    }
}

/// The domains and senders of the conformance messages (plus two hospitals for scenarios).
pub fn conformance_config() -> Config {
    Config {
        domains: vec![
            domain(
                "HIMSS2005",
                Some("HIMSS2005"),
                Some("1.3.6.1.4.1.21367.2005.1.1"),
            ),
            domain("1.2.3.4.5.1000", None, Some("1.2.3.4.5.1000")),
            domain("domain2", Some("domain2"), None),
            domain("1.12.23.34.45", None, Some("1.12.23.34.45")),
            domain(
                "IPI-NS-P",
                Some("IPI-NS-P"),
                Some("2.16.840.1.113883.3.37.4.1.1.2.1.1"),
            ),
            domain(
                "BBB",
                Some("BBB"),
                Some("2.16.840.1.113883.3.37.4.1.1.2.611.1"),
            ),
            domain(
                "CCC",
                Some("CCC"),
                Some("2.16.840.1.113883.3.37.4.1.1.2.711.1"),
            ),
            domain(
                "HZLN",
                Some("HZLN"),
                Some("2.16.840.1.113883.3.37.4.1.1.2.411.1"),
            ),
            domain(
                "PKLN",
                Some("PKLN"),
                Some("2.16.840.1.113883.3.37.4.1.1.2.511.1"),
            ),
            domain(
                "IHEFACILITY",
                Some("IHEFACILITY"),
                Some("1.3.6.1.4.1.21367.3000.1.6"),
            ),
            domain("350000121", None, Some("350000121")),
            domain("CHU-A", Some("CHU-A"), Some("1.2.250.1.71.4.2.7.1")),
            domain("CH-B", Some("CH-B"), Some("1.2.250.1.71.4.2.7.2")),
        ],
        sources: vec![
            source(
                "1.2.840.114350.1.13.99998.8734",
                &["HIMSS2005", "1.2.3.4.5.1000", "domain2", "1.12.23.34.45"],
            ),
            source("SAP-ISH", &["HIMSS2005"]),
            source("ICW-MPI", &["IPI-NS-P", "BBB", "CCC"]),
            source("Gazelle", &["350000121"]),
            source("HOSP_A", &["CHU-A"]),
            source("HOSP_B", &["CH-B"]),
            source("MESA_PIX_CLIENT", &[]),
            source("MESA_PD_CONSUMER", &[]),
            source("PatientManager", &[]),
            source("1.2.840.114350.1.13.99998.8735", &[]),
        ],
        ..Config::default()
    }
}

/// Opens the real engine on a data dir (no fsync: tests).
pub fn open_engine(dir: &std::path::Path) -> Arc<Engine> {
    Arc::new(
        Engine::open(EngineConfig {
            data_dir: dir.to_path_buf(),
            model: None,
            sync: SyncPolicy::Never,
            candidate_limit: 50,
            cache_mb: 16,
        })
        .expect("engine opens on a temp dir"),
    )
}

/// A running server; dropping it stops it.
pub struct TestServer {
    pub addr: SocketAddr,
    pub state: MllpState,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
    pub dir: tempfile::TempDir,
}

impl TestServer {
    /// Over the real engine in a temp dir (`VIGIE_MLLP_TEST_BACKEND=memory`: over the
    /// in-memory stand-in, to exercise the MLLP layer without the engine; snapshots then
    /// differ where scores show).
    pub async fn start(config: Config) -> TestServer {
        TestServer::start_with(config, None).await
    }

    /// As [`TestServer::start`], over TLS with `tls`.
    pub async fn start_tls(config: Config, tls: Arc<rustls::ServerConfig>) -> TestServer {
        TestServer::start_with(config, Some(tls)).await
    }

    async fn start_with(config: Config, tls: Option<Arc<rustls::ServerConfig>>) -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        let mut state = if std::env::var("VIGIE_MLLP_TEST_BACKEND").as_deref() == Ok("memory") {
            MllpState::with_backend(Arc::new(memory::MemoryMpi::default()), Arc::new(config))
        } else {
            MllpState::new(open_engine(dir.path()), Arc::new(config))
        };
        if let Some(tls) = tls {
            state = state.with_tls(tls);
        }
        TestServer::with_state(state, dir).await
    }

    /// Over a given backend.
    pub async fn with_backend(config: Config, backend: Arc<dyn MpiBackend>) -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        let state = MllpState::with_backend(backend, Arc::new(config));
        TestServer::with_state(state, dir).await
    }

    async fn with_state(state: MllpState, dir: tempfile::TempDir) -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(serve(listener, state.clone(), async move {
            let _ = rx.await;
        }));
        TestServer {
            addr,
            state,
            shutdown: Some(tx),
            task: Some(task),
            dir,
        }
    }

    pub async fn client(&self) -> Client {
        Client::connect(self.addr).await
    }

    /// Stops the server and waits for it.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            tokio::time::timeout(Duration::from_secs(10), task)
                .await
                .expect("server stops")
                .unwrap()
                .unwrap();
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// An MLLP client, over plain TCP by default.
pub struct Client<S = TcpStream> {
    pub stream: S,
    codec: MllpCodec,
    buffer: BytesMut,
}

/// An MLLP/TLS client.
pub type TlsClient = Client<tokio_rustls::client::TlsStream<TcpStream>>;

impl Client {
    pub async fn connect(addr: SocketAddr) -> Client {
        Client::over(TcpStream::connect(addr).await.unwrap())
    }
}

impl TlsClient {
    /// Connects and completes the TLS handshake (server name `localhost`).
    pub async fn connect_tls(
        addr: SocketAddr,
        config: Arc<rustls::ClientConfig>,
    ) -> std::io::Result<TlsClient> {
        let tcp = TcpStream::connect(addr).await?;
        let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
        let stream = tokio_rustls::TlsConnector::from(config)
            .connect(name, tcp)
            .await?;
        Ok(Client::over(stream))
    }

    /// The end-entity certificate the server presented.
    pub fn server_certificate(&self) -> Vec<u8> {
        self.stream.get_ref().1.peer_certificates().unwrap()[0].to_vec()
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> Client<S> {
    /// A client over a connected stream.
    pub fn over(stream: S) -> Client<S> {
        Client {
            stream,
            codec: MllpCodec::default(),
            buffer: BytesMut::new(),
        }
    }

    /// The next reply, or the error that ended the stream (`Ok(None)`: closed cleanly).
    pub async fn try_recv(&mut self) -> std::io::Result<Option<String>> {
        let read = async {
            loop {
                if let Some(frame) = self.codec.decode(&mut self.buffer).unwrap() {
                    return Ok(Some(String::from_utf8_lossy(&frame).into_owned()));
                }
                if self.stream.read_buf(&mut self.buffer).await? == 0 {
                    return Ok(None);
                }
            }
        };
        tokio::time::timeout(Duration::from_secs(30), read)
            .await
            .expect("a reply or an end within 30 s")
    }

    /// Writes raw bytes.
    pub async fn write_raw(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).await.unwrap();
        self.stream.flush().await.unwrap();
    }

    /// Sends a message in one frame.
    pub async fn send_only(&mut self, message: &[u8]) {
        let mut out = BytesMut::new();
        self.codec.encode(message, &mut out).unwrap();
        self.write_raw(&out).await;
    }

    /// The next reply, `None` when the server closed the connection.
    pub async fn recv(&mut self) -> Option<String> {
        self.try_recv().await.ok().flatten()
    }

    /// Sends a message and returns the reply.
    pub async fn send(&mut self, message: &[u8]) -> String {
        self.send_only(message).await;
        self.recv().await.expect("a reply")
    }

    /// Sends ER7 text whose segments are separated by `\r` (or `\n`).
    pub async fn send_text(&mut self, text: &str) -> String {
        self.send(text.replace('\n', "\r").as_bytes()).await
    }
}

/// A reply as lines, MSH-7 and MSH-10 redacted.
pub fn redacted(reply: &str) -> String {
    reply
        .split('\r')
        .filter(|s| !s.is_empty())
        .map(|segment| {
            if segment.starts_with("MSH") {
                let mut fields: Vec<String> = segment.split('|').map(str::to_owned).collect();
                if fields.len() > 9 {
                    fields[6] = "[MSH-7]".to_owned();
                    fields[9] = "[MSH-10]".to_owned();
                }
                fields.join("|")
            } else {
                segment.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Field `n` of the first segment `id` (`MSA`, 1) of a reply; empty when absent.
pub fn field(reply: &str, id: &str, n: usize) -> String {
    segments(reply, id)
        .first()
        .map(|s| nth(s, id, n))
        .unwrap_or_default()
}

fn nth(segment: &str, id: &str, n: usize) -> String {
    let parts: Vec<&str> = segment.split('|').collect();
    // MSH-1 is the separator itself: MSH-n is parts[n - 1].
    let index = if id == "MSH" { n - 1 } else { n };
    parts.get(index).copied().unwrap_or("").to_owned()
}

/// Every segment `id` of a reply.
pub fn segments(reply: &str, id: &str) -> Vec<String> {
    reply
        .split('\r')
        .filter(|s| s.split('|').next() == Some(id))
        .map(str::to_owned)
        .collect()
}

/// Field `n` of every segment `id`.
pub fn fields(reply: &str, id: &str, n: usize) -> Vec<String> {
    segments(reply, id).iter().map(|s| nth(s, id, n)).collect()
}
