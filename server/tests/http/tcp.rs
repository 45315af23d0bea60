//! Real sockets: the router served by `http::serve` on 127.0.0.1:0, raw HTTP/1.1 requests,
//! graceful shutdown; and HTTPS with a client certificate (mTLS, CN → client).

use std::sync::Arc;
use std::time::Duration;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair,
};
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
    dir: tempfile::TempDir,
    ca_pem: String,
    client: (String, String),
    stranger: (String, String),
}

fn pki() -> Pki {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "Vigie test CA");
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let leaf = |cn: &str, names: Vec<String>, client: bool| {
        let mut params = CertificateParams::new(names).unwrap();
        params.distinguished_name.push(DnType::CommonName, cn);
        params.extended_key_usages = vec![if client {
            ExtendedKeyUsagePurpose::ClientAuth
        } else {
            ExtendedKeyUsagePurpose::ServerAuth
        }];
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &ca).unwrap();
        (cert.pem(), key.serialize_pem())
    };
    let server = leaf("localhost", vec!["localhost".into()], false);
    let client = leaf("clinic-cert", Vec::new(), true);
    let stranger = leaf("unknown-cert", Vec::new(), true);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("server.pem"), &server.0).unwrap();
    std::fs::write(dir.path().join("server.key"), &server.1).unwrap();
    std::fs::write(dir.path().join("ca.pem"), ca.pem()).unwrap();
    Pki {
        dir,
        ca_pem: ca.pem(),
        client,
        stranger,
    }
}

fn client_config(pki: &Pki, identity: Option<&(String, String)>) -> Arc<rustls::ClientConfig> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_slice(pki.ca_pem.as_bytes()).unwrap())
        .unwrap();
    let builder = rustls::ClientConfig::builder_with_provider(vigie_server::tls::crypto_provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots);
    let config = match identity {
        Some((cert, key)) => builder
            .with_client_auth_cert(
                vec![CertificateDer::from_pem_slice(cert.as_bytes()).unwrap()],
                PrivateKeyDer::from_pem_slice(key.as_bytes()).unwrap(),
            )
            .unwrap(),
        None => builder.with_no_client_auth(),
    };
    Arc::new(config)
}

#[tokio::test]
async fn mtls_maps_the_certificate_cn_to_a_client() {
    let h = Harness::new();
    h.feed_mohr().await;
    let pki = pki();
    let tls = vigie_server::tls::https_config(&TlsSection {
        cert: pki.dir.path().join("server.pem"),
        key: pki.dir.path().join("server.key"),
        client_ca: Some(pki.dir.path().join("ca.pem")),
        require_client_cert: true,
    })
    .unwrap();
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
