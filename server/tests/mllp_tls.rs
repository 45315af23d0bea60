//! MLLP over TLS on 127.0.0.1 with certificates made by rcgen: an ITI-8 feed and an ITI-9
//! query, a client without a certificate refused at the handshake, sources bound to a client
//! certificate (and by address, over TLS and plain TCP), the audit trail naming the client
//! certificate of each message, the hot reload of the server certificate (new connections
//! see the new one, established ones go on, a broken file is refused and the current
//! certificate kept) and of the client CA bundle (a certificate of a new CA is refused before
//! the bundle is replaced and served after; one of the old CA then neither connects nor
//! resumes its session), and ITI-10 notifications to a consumer over mutual TLS (delivered to
//! a trusted consumer; nothing delivered, the outbox kept, to one whose certificate is not).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod pki;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use common::{TestServer, TlsClient, conformance_config, field, source};
use pki::TestCa;
use rcgen::ExtendedKeyUsagePurpose;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::io::AsyncWriteExt;
use vigie_server::config::{Config, ConsumerConfig, SourceConfig, TlsSection};
use vigie_server::mllp::notifier;
use vigie_server::tls::{ServerCert, ServerTls};

/// A test CA, the server's files and client identities (certificate PEM, key PEM).
struct Pki {
    ca: TestCa,
    dir: tempfile::TempDir,
}

impl Pki {
    fn new() -> Pki {
        let pki = Pki {
            ca: TestCa::new("Vigie MLLP test CA"),
            dir: tempfile::tempdir().unwrap(),
        };
        let (cert, key) = pki.server_identity();
        std::fs::write(pki.cert_path(), cert).unwrap();
        std::fs::write(pki.key_path(), key).unwrap();
        std::fs::write(pki.dir.path().join("ca.pem"), pki.ca.pem()).unwrap();
        pki
    }

    fn leaf(&self, cn: &str, names: Vec<String>, client: bool) -> (String, String) {
        self.ca.leaf(cn, names, client)
    }

    /// A new server certificate and key for `localhost` (a new key pair each time).
    fn server_identity(&self) -> (String, String) {
        self.leaf("localhost", vec!["localhost".into()], false)
    }

    fn client(&self, cn: &str) -> (String, String) {
        self.leaf(cn, Vec::new(), true)
    }

    fn cert_path(&self) -> PathBuf {
        self.dir.path().join("server.pem")
    }

    fn key_path(&self) -> PathBuf {
        self.dir.path().join("server.key")
    }

    fn ca_path(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }

    fn section(&self, require_client_cert: bool) -> TlsSection {
        TlsSection {
            cert: self.cert_path(),
            key: self.key_path(),
            client_ca: Some(self.dir.path().join("ca.pem")),
            require_client_cert,
            reload_interval_secs: 1,
        }
    }

    /// A client configuration trusting the CA, with or without a client certificate.
    fn client_config(&self, identity: Option<&(String, String)>) -> Arc<rustls::ClientConfig> {
        self.ca.client_config(identity)
    }
}

fn der_of(pem: &str) -> Vec<u8> {
    CertificateDer::from_pem_slice(pem.as_bytes())
        .unwrap()
        .to_vec()
}

/// Replaces a file the way deployment tools do: write beside it, then rename over it.
fn replace(path: &Path, content: &str) {
    let fresh = path.with_extension("new");
    std::fs::write(&fresh, content).unwrap();
    std::fs::rename(&fresh, path).unwrap();
}

fn a01(sender: &str, control: &str, pid3: &str) -> String {
    format!(
        "MSH|^~\\&|{sender}|FAC|VIGIE|VIGIE|20240101120000||ADT^A01^ADT_A01|{control}|P|2.5\r\
         EVN|A01|20240101120000\r\
         PID|||{pid3}||DURAND^PAUL^^^^^L||19800101|M\r\
         PV1||O\r"
    )
}

fn pix(sender: &str, control: &str, qpd3: &str) -> String {
    format!(
        "MSH|^~\\&|{sender}|FAC|VIGIE|VIGIE|2024||QBP^Q23^QBP_Q21|{control}|P|2.5\r\
         QPD|IHE PIX Query|T{control}|{qpd3}\rRCP|I\r"
    )
}

fn bound_source(application: &str, certificate: &str, feeds: &[&str]) -> SourceConfig {
    SourceConfig {
        certificate: Some(certificate.to_owned()),
        ..source(application, feeds)
    }
}

fn tls_config(sources: Vec<SourceConfig>) -> Config {
    let mut config = conformance_config();
    config.sources = sources;
    config
}

async fn tls_server(pki: &Pki, config: Config) -> (TestServer, ServerTls) {
    let server_tls = ServerTls::load(&pki.section(true)).unwrap();
    let mllp = server_tls.mllp_config(&config.mllp).unwrap();
    (TestServer::start_tls(config, mllp).await, server_tls)
}

async fn connect(server: &TestServer, pki: &Pki, identity: &(String, String)) -> TlsClient {
    TlsClient::connect_tls(server.addr, pki.client_config(Some(identity)))
        .await
        .expect("the handshake succeeds")
}

#[tokio::test]
async fn an_iti8_feed_and_an_iti9_query_over_tls() {
    let pki = Pki::new();
    let clinic = pki.client("clinic-a");
    let config = tls_config(vec![bound_source("HOSP_A", "clinic-a", &["CHU-A", "CH-B"])]);
    let (server, _tls) = tls_server(&pki, config).await;
    let mut client = connect(&server, &pki, &clinic).await;

    let ack = client
        .send(a01("HOSP_A", "F1", "A1001^^^CHU-A^PI~B2002^^^CH-B^PI").as_bytes())
        .await;
    assert_eq!(field(&ack, "MSA", 1), "AA", "{ack}");
    assert_eq!(field(&ack, "MSA", 2), "F1");
    assert_eq!(field(&ack, "MSH", 9), "ACK^A01^ACK");

    let rsp = client
        .send(pix("HOSP_A", "Q1", "A1001^^^CHU-A").as_bytes())
        .await;
    assert_eq!(field(&rsp, "MSH", 9), "RSP^K23^RSP_K23", "{rsp}");
    assert_eq!(field(&rsp, "MSA", 1), "AA", "{rsp}");
    assert_eq!(field(&rsp, "QAK", 2), "OK", "{rsp}");
    let ids = field(&rsp, "PID", 3);
    assert!(
        ids.contains("B2002^^^CH-B&1.2.250.1.71.4.2.7.2&ISO^PI"),
        "{ids}"
    );
    assert!(!ids.contains("A1001"), "{ids}");
    server.stop().await;
}

#[tokio::test]
async fn a_client_without_a_certificate_is_refused_at_the_handshake() {
    let pki = Pki::new();
    let config = tls_config(vec![source("HOSP_A", &["CHU-A"])]);
    let (server, _tls) = tls_server(&pki, config).await;
    // In TLS 1.3 the client finishes its side before the server checks its (empty) certificate
    // message: the refusal is then the server's alert, read as the first bytes.
    let refusal = match TlsClient::connect_tls(server.addr, pki.client_config(None)).await {
        Err(error) => error,
        Ok(mut client) => {
            client
                .send_only(a01("HOSP_A", "N1", "A1^^^CHU-A^PI").as_bytes())
                .await;
            client
                .try_recv()
                .await
                .expect_err("no reply without a client certificate")
        }
    };
    let alert = refusal
        .get_ref()
        .and_then(|e| e.downcast_ref::<rustls::Error>());
    assert!(
        matches!(alert, Some(rustls::Error::AlertReceived(_))),
        "{refusal:?}"
    );
    // Not TLS at all: closed without a reply.
    let mut plain = common::Client::connect(server.addr).await;
    plain
        .send_only(a01("HOSP_A", "N2", "A2^^^CHU-A^PI").as_bytes())
        .await;
    assert_eq!(plain.try_recv().await.ok().flatten(), None);
    // With a certificate of the CA the same sender is served.
    let mut client = connect(&server, &pki, &pki.client("any-clinic")).await;
    let ack = client
        .send(a01("HOSP_A", "N3", "A3^^^CHU-A^PI").as_bytes())
        .await;
    assert_eq!(field(&ack, "MSA", 1), "AA", "{ack}");
    server.stop().await;
}

#[tokio::test]
async fn sources_bound_to_a_certificate_match_only_that_certificate() {
    let pki = Pki::new();
    let sources = vec![
        bound_source("HOSP_A", "clinic-a", &["CHU-A"]),
        bound_source("HOSP_B", "clinic-b", &["CH-B"]),
        SourceConfig {
            address: Some("127.0.0.1".to_owned()),
            ..source("HOSP_C", &["CH-B"])
        },
    ];
    let feed_a = |control: &str| a01("HOSP_A", control, "A1001^^^CHU-A^PI");
    let (server, _tls) = tls_server(&pki, tls_config(sources.clone())).await;

    let mut clinic_a = connect(&server, &pki, &pki.client("clinic-a")).await;
    let ack = clinic_a.send(feed_a("T1").as_bytes()).await;
    assert_eq!(field(&ack, "MSA", 1), "AA", "{ack}");

    // clinic-b's certificate names the HOSP_B source: as HOSP_A it is an unknown sender, as
    // HOSP_B it may not feed CHU-A.
    let mut clinic_b = connect(&server, &pki, &pki.client("clinic-b")).await;
    let unknown = clinic_b.send(feed_a("T2").as_bytes()).await;
    assert_eq!(field(&unknown, "MSA", 1), "AR", "{unknown}");
    assert_eq!(field(&unknown, "ERR", 2), "MSH^1^3");
    let other_domain = clinic_b
        .send(a01("HOSP_B", "T3", "A1002^^^CHU-A^PI").as_bytes())
        .await;
    assert_eq!(field(&other_domain, "MSA", 1), "AR", "{other_domain}");
    assert_eq!(field(&other_domain, "ERR", 2), "PID^1^3^1^4");
    assert!(field(&other_domain, "ERR", 3).starts_with("204^"));
    let own = clinic_b
        .send(a01("HOSP_B", "T4", "B2002^^^CH-B^PI").as_bytes())
        .await;
    assert_eq!(field(&own, "MSA", 1), "AA", "{own}");

    // A certificate of the CA that no source names: an unknown sender.
    let mut stranger = connect(&server, &pki, &pki.client("stranger")).await;
    let refused_tls = stranger.send(feed_a("T5").as_bytes()).await;
    assert_eq!(field(&refused_tls, "MSA", 1), "AR", "{refused_tls}");
    // A source by address ignores certificates.
    let by_address = stranger
        .send(a01("HOSP_C", "T6", "B2003^^^CH-B^PI").as_bytes())
        .await;
    assert_eq!(field(&by_address, "MSA", 1), "AA", "{by_address}");
    server.stop().await;

    // Plain TCP, same sources: the address source feeds; the certificate source never matches
    // and is refused exactly as the stranger was over TLS.
    let server = TestServer::start(tls_config(sources)).await;
    let mut plain = server.client().await;
    let by_address = plain
        .send(a01("HOSP_C", "P1", "B2004^^^CH-B^PI").as_bytes())
        .await;
    assert_eq!(field(&by_address, "MSA", 1), "AA", "{by_address}");
    let refused_plain = plain.send(feed_a("T5").as_bytes()).await;
    assert_eq!(field(&refused_plain, "MSA", 1), "AR", "{refused_plain}");
    let err = |reply: &str| common::segments(reply, "ERR");
    assert_eq!(err(&refused_tls), err(&refused_plain));
    assert_eq!(
        field(&refused_tls, "MSA", 2),
        field(&refused_plain, "MSA", 2)
    );
    server.stop().await;
}

#[tokio::test]
async fn the_audit_trail_names_the_client_certificate_of_each_message() {
    let pki = Pki::new();
    let config = tls_config(vec![
        bound_source("HOSP_A", "clinic-a", &["CHU-A", "CH-B"]),
        bound_source("HOSP_B", "clinic-b", &["CH-B"]),
    ]);
    // The real engine, kept here to read its audit trail.
    let dir = tempfile::tempdir().unwrap();
    let engine = common::open_engine(dir.path());
    let mllp_tls = ServerTls::load(&pki.section(true))
        .unwrap()
        .mllp_config(&config.mllp)
        .unwrap();
    let state =
        vigie_server::mllp::MllpState::new(engine.clone(), Arc::new(config)).with_tls(mllp_tls);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(vigie_server::mllp::serve(listener, state, async move {
        let _ = stopped.await;
    }));

    let client_config = pki.client_config(Some(&pki.client("clinic-a")));
    let mut clinic_a = TlsClient::connect_tls(addr, client_config).await.unwrap();
    let ack = clinic_a
        .send(a01("HOSP_A", "C1", "A1001^^^CHU-A^PI~B2002^^^CH-B^PI").as_bytes())
        .await;
    assert_eq!(field(&ack, "MSA", 1), "AA", "{ack}");
    let rsp = clinic_a
        .send(pix("HOSP_A", "C2", "A1001^^^CHU-A").as_bytes())
        .await;
    assert_eq!(field(&rsp, "QAK", 2), "OK", "{rsp}");
    // clinic-b's certificate feeding a domain of HOSP_A: refused, and the denial names it.
    let client_config = pki.client_config(Some(&pki.client("clinic-b")));
    let mut clinic_b = TlsClient::connect_tls(addr, client_config).await.unwrap();
    let refused = clinic_b
        .send(a01("HOSP_B", "C3", "A1002^^^CHU-A^PI").as_bytes())
        .await;
    assert_eq!(field(&refused, "MSA", 1), "AR", "{refused}");
    stop.send(()).unwrap();
    server.await.unwrap().unwrap();

    let records = engine.audit_records(0, 100).unwrap();
    let mllp: Vec<_> = records
        .iter()
        .filter(|r| r.actor.channel == "mllp")
        .map(|r| {
            (
                r.actor.who.as_str(),
                r.actor.from.as_str(),
                r.action.as_str(),
                r.outcome.as_str(),
            )
        })
        .collect();
    // The feed (one registration per identifier), the query and the denial, each under the
    // certificate that sent it.
    let a = "HOSP_A|FAC|cn=clinic-a";
    let b = "HOSP_B|FAC|cn=clinic-b";
    let local = "127.0.0.1";
    assert_eq!(
        mllp,
        [
            (a, local, "register", "ok"),
            (a, local, "register", "ok"),
            (a, local, "pix-query", "ok"),
            (b, local, "denied", "denied"),
        ]
    );
}

/// The JSON log lines of this test binary.
fn logs() -> Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let writer = LogWriter(buffer.clone());
        let subscriber = vigie_server::logging::json_subscriber("info", move || writer.clone());
        let _ = tracing::subscriber::set_global_default(subscriber);
        buffer
    })
    .clone()
}

#[derive(Clone)]
struct LogWriter(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn log_text() -> String {
    String::from_utf8_lossy(&logs().lock().unwrap()).into_owned()
}

/// Waits (up to 30 s) for `done`, checked every 100 ms.
async fn eventually<F, Fut>(what: &str, mut done: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while !done().await {
        assert!(tokio::time::Instant::now() < deadline, "timed out: {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn the_server_certificate_is_reloaded_without_dropping_connections() {
    logs();
    let pki = Pki::new();
    let first = der_of(&std::fs::read_to_string(pki.cert_path()).unwrap());
    let clinic = pki.client("clinic-a");
    let config = tls_config(vec![bound_source("HOSP_A", "clinic-a", &["CHU-A"])]);
    let (server, server_tls) = tls_server(&pki, config).await;
    let watcher = Watcher::start(&server_tls);

    let mut old = connect(&server, &pki, &clinic).await;
    assert_eq!(old.server_certificate(), first);
    let ack = old
        .send(a01("HOSP_A", "R1", "R1^^^CHU-A^PI").as_bytes())
        .await;
    assert_eq!(field(&ack, "MSA", 1), "AA", "{ack}");

    // A broken certificate file: refused (logged), the current certificate kept.
    break_and_await_refusal(&pki.cert_path(), "new server certificate refused").await;
    let mut during = connect(&server, &pki, &clinic).await;
    assert_eq!(during.server_certificate(), first);
    let ack = during
        .send(a01("HOSP_A", "R2", "R2^^^CHU-A^PI").as_bytes())
        .await;
    assert_eq!(field(&ack, "MSA", 1), "AA", "{ack}");

    // A new certificate and key: new connections get it.
    let (cert, key) = pki.server_identity();
    let second = der_of(&cert);
    replace(&pki.key_path(), &key);
    replace(&pki.cert_path(), &cert);
    let (server_ref, pki_ref, clinic_ref, second_ref) = (&server, &pki, &clinic, &second);
    eventually(
        "a new connection sees the new certificate",
        move || async move {
            connect(server_ref, pki_ref, clinic_ref)
                .await
                .server_certificate()
                == *second_ref
        },
    )
    .await;
    let mut new = connect(&server, &pki, &clinic).await;
    let ack = new
        .send(a01("HOSP_A", "R3", "R3^^^CHU-A^PI").as_bytes())
        .await;
    assert_eq!(field(&ack, "MSA", 1), "AA", "{ack}");

    // The connections opened before the reload go on.
    for (client, control) in [(&mut old, "R4"), (&mut during, "R5")] {
        let ack = client
            .send(a01("HOSP_A", control, &format!("{control}^^^CHU-A^PI")).as_bytes())
            .await;
        assert_eq!(field(&ack, "MSA", 1), "AA", "{ack}");
        assert_eq!(client.server_certificate(), first);
    }

    // The log names the file and the cause, never key material.
    let text = log_text();
    assert!(text.contains("server certificate reloaded"), "{text}");
    let key_body = key.lines().nth(1).unwrap();
    assert!(!text.contains(key_body) && !text.contains("PRIVATE KEY"));

    watcher.stop().await;
    server.stop().await;
}

/// True when a client with this configuration gets an `AA` for an A01 over a new connection;
/// with `resumed`, also whether that connection resumed an earlier session.
async fn served(
    server: &TestServer,
    config: Arc<rustls::ClientConfig>,
    control: &str,
) -> (bool, bool) {
    let Ok(mut client) = TlsClient::connect_tls(server.addr, config).await else {
        return (false, false);
    };
    // Framed by hand: a refused client may find the connection already closed.
    let frame = [
        &b"\x0b"[..],
        a01("HOSP_A", control, &format!("{control}^^^CHU-A^PI")).as_bytes(),
        b"\x1c\r",
    ]
    .concat();
    let written = async {
        client.stream.write_all(&frame).await?;
        client.stream.flush().await
    };
    if written.await.is_err() {
        return (false, false);
    }
    let served = matches!(client.try_recv().await, Ok(Some(ack)) if field(&ack, "MSA", 1) == "AA");
    let resumed =
        client.stream.get_ref().1.handshake_kind() == Some(rustls::HandshakeKind::Resumed);
    (served, resumed)
}

#[tokio::test]
async fn the_client_ca_is_reloaded_for_new_connections() {
    logs();
    let pki = Pki::new();
    // Another CA: its client certificate is presented to a server that trusts `pki`'s CA.
    let next = Pki::new();
    let config = tls_config(vec![bound_source("HOSP_A", "clinic-a", &["CHU-A"])]);
    let (server, server_tls) = tls_server(&pki, config).await;
    let watcher = Watcher::start(&server_tls);
    // Each configuration is reused, so its client tries to resume its last session.
    let old_ca_client = pki.client_config(Some(&pki.client("clinic-a")));
    let new_ca_client = pki.client_config(Some(&next.client("clinic-a")));

    assert_eq!(
        served(&server, old_ca_client.clone(), "C1").await,
        (true, false)
    );
    assert_eq!(
        served(&server, old_ca_client.clone(), "C2").await,
        (true, true)
    );
    assert!(!served(&server, new_ca_client.clone(), "C3").await.0);

    // A broken bundle: refused (logged), the current one kept.
    break_and_await_refusal(&pki.ca_path(), "new client CA refused").await;
    assert!(served(&server, old_ca_client.clone(), "C4").await.0);
    assert!(!served(&server, new_ca_client.clone(), "C5").await.0);
    assert_eq!(server_tls.client_ca().unwrap().generation(), 0);

    // The new CA replaces the old one: its client is served, the old CA's client neither
    // connects nor resumes the session verified under the old bundle.
    replace(&pki.ca_path(), &next.ca.pem());
    let (server_ref, new_ref) = (&server, &new_ca_client);
    eventually("a client of the new CA is served", move || async move {
        served(server_ref, new_ref.clone(), "C6").await.0
    })
    .await;
    assert_eq!(server_tls.client_ca().unwrap().generation(), 1);
    assert_eq!(
        served(&server, old_ca_client.clone(), "C7").await,
        (false, false)
    );
    assert!(served(&server, new_ca_client.clone(), "C8").await.0);

    let text = log_text();
    assert!(text.contains("client CA reloaded"), "{text}");
    watcher.stop().await;
    server.stop().await;
}

impl Pki {
    /// A certificate for `localhost` usable both as server and client certificate.
    fn dual_identity(&self) -> (String, String) {
        self.ca.leaf_for(
            "vigie",
            vec!["localhost".into()],
            vec![
                ExtendedKeyUsagePurpose::ServerAuth,
                ExtendedKeyUsagePurpose::ClientAuth,
            ],
        )
    }

    /// A consumer's TLS acceptor: its certificate from this CA, client certificates of
    /// `client_ca` required.
    fn consumer_acceptor(&self, client_ca: &Pki) -> tokio_rustls::TlsAcceptor {
        let (cert, key) = self.server_identity();
        let mut roots = rustls::RootCertStore::empty();
        roots.add(client_ca.ca.der()).unwrap();
        let provider = vigie_server::tls::crypto_provider();
        let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
            Arc::new(roots),
            provider.clone(),
        )
        .build()
        .unwrap();
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_client_cert_verifier(verifier)
            .with_single_cert(
                vec![CertificateDer::from_pem_slice(cert.as_bytes()).unwrap()],
                PrivateKeyDer::from_pem_slice(key.as_bytes()).unwrap(),
            )
            .unwrap();
        tokio_rustls::TlsAcceptor::from(Arc::new(config))
    }
}

/// A server whose notifier sends to one TLS consumer at `address`, trusting `pki`'s CA and
/// presenting a certificate of `pki` (both usages).
async fn notifying_server(
    pki: &Pki,
    address: String,
) -> (
    TestServer,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<()>,
) {
    let mut config = conformance_config();
    config.sources = vec![source("HOSP_A", &["CHU-A"])];
    config.consumers = vec![ConsumerConfig {
        name: "XREF_TLS".to_owned(),
        address,
        domains: Vec::new(),
        tls: true,
        ca: Some(pki.ca_path()),
        server_name: Some("localhost".to_owned()),
    }];
    config.mllp.notify_poll_ms = 20;
    let (cert, key) = pki.dual_identity();
    let (cert_path, key_path) = (
        pki.dir.path().join("vigie.pem"),
        pki.dir.path().join("vigie.key"),
    );
    std::fs::write(&cert_path, cert).unwrap();
    std::fs::write(&key_path, key).unwrap();
    let identity = Arc::new(ServerCert::load(&cert_path, &key_path).unwrap());
    let server = TestServer::start(config).await;
    let state = server.state.clone().with_client_identity(identity);
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(notifier::run(state, async move {
        let _ = stop_rx.await;
    }));
    let ack = server
        .client()
        .await
        .send(a01("HOSP_A", "T1", "T-1^^^CHU-A^PI").as_bytes())
        .await;
    assert_eq!(field(&ack, "MSA", 1), "AA", "{ack}");
    (server, stop_tx, task)
}

async fn read_frame<S: tokio::io::AsyncRead + Unpin>(stream: &mut S) -> Option<String> {
    use tokio::io::AsyncReadExt;
    let mut buffer = Vec::new();
    loop {
        if let Some(end) = buffer.windows(2).position(|w| w == b"\x1c\r") {
            let start = buffer.iter().position(|b| *b == 0x0b)? + 1;
            return Some(String::from_utf8_lossy(&buffer[start..end]).into_owned());
        }
        let mut chunk = [0u8; 4096];
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
        }
    }
}

#[tokio::test]
async fn iti10_notifications_reach_a_consumer_over_mutual_tls() {
    let pki = Pki::new();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    // The consumer trusts Vigie's CA for client certificates.
    let acceptor = pki.consumer_acceptor(&pki);
    let (server, stop, task) =
        notifying_server(&pki, listener.local_addr().unwrap().to_string()).await;
    let (tcp, _) = listener.accept().await.unwrap();
    let mut stream = acceptor.accept(tcp).await.expect("mutual TLS handshake");
    let client_cn = stream.get_ref().1.peer_certificates().unwrap()[0].to_vec();
    assert_eq!(
        client_cn,
        der_of(&std::fs::read_to_string(pki.dir.path().join("vigie.pem")).unwrap())
    );
    let notification = read_frame(&mut stream).await.expect("an A31 over TLS");
    assert_eq!(field(&notification, "MSH", 9), "ADT^A31^ADT_A05");
    assert_eq!(field(&notification, "MSH", 5), "XREF_TLS");
    assert!(
        field(&notification, "PID", 3).starts_with("T-1^^^CHU-A"),
        "{notification}"
    );
    let control = field(&notification, "MSH", 10);
    let ack = format!(
        "\x0bMSH|^~\\&|XREF_TLS||VIGIE|VIGIE|2024||ACK^A31^ACK|A1|P|2.5\rMSA|AA|{control}\r\x1c\r"
    );
    stream.write_all(ack.as_bytes()).await.unwrap();
    stream.flush().await.unwrap();
    eventually("the outbox is acknowledged", || async {
        server
            .state
            .engine()
            .notifications(0, 10)
            .unwrap()
            .is_empty()
    })
    .await;
    let _ = stop.send(());
    tokio::time::timeout(Duration::from_secs(10), task)
        .await
        .unwrap()
        .unwrap();
    server.stop().await;
}

#[tokio::test]
async fn an_untrusted_iti10_consumer_gets_nothing_and_the_outbox_is_kept() {
    let pki = Pki::new();
    // The consumer's certificate comes from a CA Vigie does not trust.
    let stranger = Pki::new();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let acceptor = stranger.consumer_acceptor(&pki);
    let (server, stop, task) =
        notifying_server(&pki, listener.local_addr().unwrap().to_string()).await;
    // Two attempts (the first and a retry): each handshake fails, nothing is read.
    for _ in 0..2 {
        let (tcp, _) = listener.accept().await.unwrap();
        match acceptor.accept(tcp).await {
            Err(_) => {}
            Ok(mut stream) => assert_eq!(read_frame(&mut stream).await, None),
        }
    }
    let pending = server.state.engine().notifications(0, 10).unwrap();
    assert_eq!(
        pending.len(),
        1,
        "the notification stays in the outbox for a retry"
    );
    let _ = stop.send(());
    tokio::time::timeout(Duration::from_secs(10), task)
        .await
        .unwrap()
        .unwrap();
    server.stop().await;
}

/// The server's TLS file watcher, running until [`Watcher::stop`].
struct Watcher {
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

impl Watcher {
    fn start(server_tls: &ServerTls) -> Watcher {
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server_tls = server_tls.clone();
        let task = tokio::spawn(async move {
            server_tls
                .watch(async move {
                    let _ = stopped.await;
                })
                .await;
        });
        Watcher { stop, task }
    }

    async fn stop(self) {
        self.stop.send(()).unwrap();
        tokio::time::timeout(Duration::from_secs(10), self.task)
            .await
            .expect("the watcher stops")
            .unwrap();
    }
}

/// Writes a broken PEM file at `path` and waits until the watcher logs `refused` once more.
async fn break_and_await_refusal(path: &Path, refused: &'static str) {
    let refusals = move |text: &str| text.matches(refused).count();
    let before = refusals(&log_text());
    replace(path, "-----BEGIN CERTIFICATE-----\nbroken\n");
    eventually("the broken file is refused", || async move {
        refusals(&log_text()) > before
    })
    .await;
}
