//! Real sockets: the router served by `http::serve` on 127.0.0.1:0, raw HTTP/1.1 requests,
//! graceful shutdown; HTTPS with a client certificate (mTLS, CN → client) and with a reloaded
//! server certificate.

use std::sync::Arc;
use std::time::Duration;

use crate::pki::TestCa;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use vigie_server::config::TlsSection;

use crate::support::*;

async fn raw_request<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    method: &str,
    path: &str,
    bearer: Option<&str>,
) -> (u16, String) {
    let auth = bearer
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    let request =
        format!("{method} {path} HTTP/1.1\r\nHost: localhost\r\n{auth}Connection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response).await;
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, text)
}

#[tokio::test]
async fn plain_tcp_end_to_end_and_graceful_shutdown() {
    let h = Harness::new();
    h.feed_mohr().await;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(vigie_server::http::serve(
        listener,
        h.router.clone(),
        None,
        async {
            let _ = stopped.await;
        },
        Duration::from_secs(5),
    ));
    let connect = || async { tokio::net::TcpStream::connect(addr).await.unwrap() };
    let (status, body) = raw_request(connect().await, "GET", "/fhir/metadata", None).await;
    assert_eq!(status, 200);
    assert!(body.contains("CapabilityStatement"));
    let before = h.audit_len();
    let pix = format!("/fhir/Patient/$ihe-pix?sourceIdentifier={RED}|IHERED-994");
    let (status, _) = raw_request(connect().await, "GET", &pix, None).await;
    assert_eq!(status, 401);
    h.assert_audited(before, "denied", "denied");
    let before = h.audit_len();
    let (status, body) = raw_request(connect().await, "GET", &pix, Some(&token("hub"))).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("IHEGREEN-994"));
    let records = h.audit();
    assert!(
        records[before..]
            .iter()
            .any(|r| r.action == "pix-query" && r.actor.from == "127.0.0.1")
    );
    let (status, _) = raw_request(
        connect().await,
        "GET",
        "/fhir/Patient?family=MOHR",
        Some(&token("stranger")),
    )
    .await;
    assert_eq!(status, 403);
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(10), server)
        .await
        .expect("the server stops")
        .unwrap()
        .unwrap();
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
}

struct Pki {
    ca: TestCa,
    dir: tempfile::TempDir,
    client: (String, String),
    stranger: (String, String),
}

impl Pki {
    fn leaf(&self, cn: &str, names: Vec<String>, client: bool) -> (String, String) {
        self.ca.leaf(cn, names, client)
    }

    /// A new server certificate and key (a new key pair), written over the server's files.
    fn renew_server(&self) -> String {
        let (cert, key) = self.leaf("localhost", vec!["localhost".into()], false);
        std::fs::write(self.dir.path().join("server.pem"), &cert).unwrap();
        std::fs::write(self.dir.path().join("server.key"), &key).unwrap();
        cert
    }

    fn section(&self) -> TlsSection {
        TlsSection {
            cert: self.dir.path().join("server.pem"),
            key: self.dir.path().join("server.key"),
            client_ca: Some(self.dir.path().join("ca.pem")),
            require_client_cert: true,
            reload_interval_secs: 0,
        }
    }
}

fn pki() -> Pki {
    let ca = TestCa::new("Vigie test CA");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ca.pem"), ca.pem()).unwrap();
    let mut pki = Pki {
        ca,
        dir,
        client: (String::new(), String::new()),
        stranger: (String::new(), String::new()),
    };
    pki.renew_server();
    pki.client = pki.leaf("clinic-cert", Vec::new(), true);
    pki.stranger = pki.leaf("unknown-cert", Vec::new(), true);
    pki
}

fn client_config(pki: &Pki, identity: Option<&(String, String)>) -> Arc<rustls::ClientConfig> {
    pki.ca.client_config(identity)
}

#[tokio::test]
async fn mtls_maps_the_certificate_cn_to_a_client() {
    let h = Harness::new();
    h.feed_mohr().await;
    let pki = pki();
    let tls = vigie_server::tls::https_config(&pki.section()).unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(vigie_server::http::serve(
        listener,
        h.router.clone(),
        Some(tls),
        async {
            let _ = stopped.await;
        },
        Duration::from_secs(5),
    ));
    let connect = |identity: Option<(String, String)>| {
        let config = client_config(&pki, identity.as_ref());
        async move {
            let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
            let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
            tokio_rustls::TlsConnector::from(config)
                .connect(name, tcp)
                .await
        }
    };
    let before = h.audit_len();
    let stream = connect(Some(pki.client.clone())).await.unwrap();
    let (status, body) = raw_request(stream, "GET", "/fhir/Patient?family=MOHR", None).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("IHERED-994") && !body.contains("IHEGREEN-994"));
    assert!(
        h.audit()[before..]
            .iter()
            .any(|r| r.actor.who == "cert-clinic")
    );
    // A certificate of the CA that no client is configured for: 403.
    let stream = connect(Some(pki.stranger.clone())).await.unwrap();
    let (status, _) = raw_request(stream, "GET", "/fhir/Patient?family=MOHR", None).await;
    assert_eq!(status, 403);
    // No client certificate: the handshake (or the first read) fails.
    let refused = match connect(None).await {
        Err(_) => true,
        Ok(stream) => raw_request(stream, "GET", "/health", None).await.0 == 0,
    };
    assert!(refused);
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(10), server)
        .await
        .expect("the server stops")
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn https_serves_a_reloaded_certificate_to_new_connections() {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let h = Harness::new();
    let pki = pki();
    let server_tls = vigie_server::tls::ServerTls::load(&pki.section()).unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(vigie_server::http::serve(
        listener,
        h.router.clone(),
        Some(server_tls.https_config().unwrap()),
        async {
            let _ = stopped.await;
        },
        Duration::from_secs(5),
    ));
    let connect = || {
        let config = client_config(&pki, Some(&pki.client));
        async move {
            let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
            let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
            tokio_rustls::TlsConnector::from(config)
                .connect(name, tcp)
                .await
                .unwrap()
        }
    };
    let presented = |stream: &tokio_rustls::client::TlsStream<tokio::net::TcpStream>| {
        stream.get_ref().1.peer_certificates().unwrap()[0].to_vec()
    };
    let der = |pem: &str| {
        CertificateDer::from_pem_slice(pem.as_bytes())
            .unwrap()
            .to_vec()
    };
    let first = std::fs::read_to_string(pki.dir.path().join("server.pem")).unwrap();
    let stream = connect().await;
    assert_eq!(presented(&stream), der(&first));

    let second = pki.renew_server();
    assert_eq!(
        server_tls.certificate().reload().unwrap(),
        vigie_server::tls::Reload::Reloaded
    );
    let renewed = connect().await;
    assert_eq!(presented(&renewed), der(&second));
    let (status, _) = raw_request(renewed, "GET", "/health", None).await;
    assert_eq!(status, 200);
    // The connection opened before the reload still answers.
    let (status, _) = raw_request(stream, "GET", "/health", None).await;
    assert_eq!(status, 200);

    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(10), server)
        .await
        .expect("the server stops")
        .unwrap()
        .unwrap();
}
