//! ITI-10 PIX Update Notification: a task that drains the engine's notification outbox
//! (`engine.notifications(after, n)`) and sends each change as an `ADT^A31^ADT_A05` (vigie-hl7
//! builder: PID-3 fully qualified ids, PID-5 one space, `PV1||N`) to every configured
//! consumer over MLLP.
//!
//! Delivery choice: **at least once, in order, acknowledged globally**. A notification is
//! acknowledged to the engine (`ack_notifications(seq)`) only once every consumer concerned
//! answered it with an ACK `AA` (or `AE`/`CE`, which App. C says not to resend unchanged: logged
//! and counted as delivered). Until then it is retried with exponential backoff (0.5 s doubling
//! up to `mllp.notify_max_backoff_secs`) on a fresh connection; an unreachable consumer holds
//! back the outbox for all (no per-consumer cursor: the engine keeps one outbox cursor, and a
//! per-consumer cursor outside the store would not survive a restart). A restart re-sends the
//! notifications not yet acknowledged; consumers must tolerate duplicates (A31 is idempotent).
//!
//! A consumer with `domains` receives only the ids of those domains, and nothing when a change
//! leaves it no id.
//!
//! A consumer with `tls = true` is reached over TLS: its certificate must chain to its `ca`
//! bundle (default: `tls.client_ca`) and carry its `server_name` (default: the host of its
//! address); the server's `[tls]` certificate, when configured, is presented as client
//! certificate (resolved at each handshake, so its hot reload applies). A consumer whose
//! certificate does not verify gets nothing: the handshake fails, the notification stays in the
//! outbox and is retried like an unreachable consumer's.

use std::future::Future;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use rustls::RootCertStore;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_util::codec::{Decoder, Encoder};
use vigie_engine::Notification;
use vigie_hl7::er7::Message;
use vigie_hl7::mllp::MllpCodec;
use vigie_hl7::reply::{OutboundHeader, build_a31_notification};
use vigie_hl7::types::{AssigningAuthority, PatientIdentifier};

use super::{MllpState, now};
use crate::config::ConsumerConfig;
use crate::tls::{ServerCert, TlsError, crypto_provider};

/// Notifications fetched per poll.
const BATCH: usize = 64;

/// The A31 for one consumer, or `None` when the change leaves it no identifier.
pub fn notification_for(
    state: &MllpState,
    consumer: &ConsumerConfig,
    notification: &Notification,
) -> Option<Vec<u8>> {
    let ids: Vec<PatientIdentifier> = notification
        .keys
        .iter()
        .filter(|k| {
            consumer.domains.is_empty() || consumer.domains.iter().any(|d| d == k.domain.as_str())
        })
        .map(|k| {
            PatientIdentifier::new(
                k.local_id.as_str(),
                state.domains().authority(&k.domain),
                Some("PI"),
            )
        })
        .collect();
    if ids.is_empty() {
        return None;
    }
    let receiver = AssigningAuthority::new(&consumer.name, "", "");
    let header = OutboundHeader::new(
        state.own_application(),
        (receiver.clone(), receiver),
        &state.next_control_id(),
        now(),
    );
    Some(build_a31_notification(&header, now(), &ids))
}

/// What a consumer answered.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Answer {
    /// `AA`/`CA`, or `AE`/`CE` (not to be resent unchanged).
    Done,
    /// `AR`/`CR`, no answer, or a transport error: retry.
    Retry,
}

/// How a consumer is reached: plain TCP, or TLS with this connector and expected name.
#[derive(Clone)]
pub enum Link {
    /// Plain TCP.
    Tcp,
    /// TLS.
    Tls(TlsConnector, ServerName<'static>),
    /// TLS settings that could not be loaded at start: never delivered (retried, logged).
    Unusable,
}

impl std::fmt::Debug for Link {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Link::Tcp => f.write_str("Tcp"),
            Link::Tls(_, name) => write!(f, "Tls({name:?})"),
            Link::Unusable => f.write_str("Unusable"),
        }
    }
}

fn pem_error(path: &Path, message: impl ToString) -> TlsError {
    TlsError::Pem {
        what: "consumer CA",
        path: path.display().to_string(),
        message: message.to_string(),
    }
}

/// The link to `consumer`: its trust roots (`ca`, else `default_ca`), its expected name and
/// the client certificate `identity`.
///
/// # Errors
/// [`TlsError`] when the CA bundle cannot be read or holds no certificate, no CA is given, or
/// the name is not a valid server name.
pub fn link(
    consumer: &ConsumerConfig,
    identity: Option<&Arc<ServerCert>>,
    default_ca: Option<&Path>,
) -> Result<Link, TlsError> {
    if !consumer.tls {
        return Ok(Link::Tcp);
    }
    let ca = consumer.ca.as_deref().or(default_ca).ok_or_else(|| {
        TlsError::Rustls(format!(
            "consumer {}: tls needs `ca` or tls.client_ca",
            consumer.name
        ))
    })?;
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(ca).map_err(|e| pem_error(ca, e))? {
        roots
            .add(cert.map_err(|e| pem_error(ca, e))?)
            .map_err(|e| pem_error(ca, e))?;
    }
    if roots.is_empty() {
        return Err(pem_error(ca, "no certificate found"));
    }
    let host = match &consumer.server_name {
        Some(name) => name.clone(),
        None => host_of(&consumer.address).to_owned(),
    };
    let name = ServerName::try_from(host)
        .map_err(|e| TlsError::Rustls(format!("consumer {}: server name: {e}", consumer.name)))?;
    let builder = rustls::ClientConfig::builder_with_provider(crypto_provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Rustls(e.to_string()))?
        .with_root_certificates(roots);
    let config = match identity {
        Some(cert) => builder.with_client_cert_resolver(cert.clone()),
        None => builder.with_no_client_auth(),
    };
    Ok(Link::Tls(TlsConnector::from(Arc::new(config)), name))
}

/// The host of `host:port` (`[v6]:port` too).
fn host_of(address: &str) -> &str {
    let host = address.rsplit_once(':').map_or(address, |(host, _)| host);
    host.trim_start_matches('[').trim_end_matches(']')
}

/// Sends one framed payload and reads the first frame back.
async fn exchange<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    payload: &[u8],
) -> std::io::Result<bytes::Bytes> {
    let mut codec = MllpCodec::default().lenient(true);
    let mut out = BytesMut::new();
    codec
        .encode(payload, &mut out)
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    stream.write_all(&out).await?;
    stream.flush().await?;
    let mut buffer = BytesMut::new();
    loop {
        if let Some(frame) = codec
            .decode(&mut buffer)
            .map_err(|e| std::io::Error::other(e.to_string()))?
        {
            return Ok(frame);
        }
        if stream.read_buf(&mut buffer).await? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
    }
}

async fn send_once(address: &str, link: &Link, payload: &[u8], timeout: Duration) -> Answer {
    let attempt = async {
        let tcp = TcpStream::connect(address).await?;
        match link {
            Link::Tcp => exchange(tcp, payload).await,
            Link::Tls(connector, name) => {
                let stream = connector.connect(name.clone(), tcp).await?;
                exchange(stream, payload).await
            }
            Link::Unusable => Err(std::io::Error::other("consumer TLS settings unusable")),
        }
    };
    match tokio::time::timeout(timeout, attempt).await {
        Ok(Ok(frame)) => {
            let code = Message::parse_bytes(&frame)
                .ok()
                .and_then(|m| {
                    m.segment("MSA")
                        .map(|msa| msa.field(1).text().trim().to_owned())
                })
                .unwrap_or_default();
            match code.as_str() {
                "AA" | "CA" => Answer::Done,
                "AE" | "CE" => {
                    tracing::warn!(code, "ITI-10 consumer refused a notification; not resent");
                    Answer::Done
                }
                _ => Answer::Retry,
            }
        }
        Ok(Err(e)) => {
            tracing::debug!(error = %e, "ITI-10 delivery failed");
            Answer::Retry
        }
        Err(_) => Answer::Retry,
    }
}

/// Delivers one payload until the consumer acknowledges it or `stop` says so; false when
/// stopped before delivery.
async fn deliver(
    state: &MllpState,
    consumer: &ConsumerConfig,
    link: &Link,
    payload: &[u8],
    stop: &mut tokio::sync::watch::Receiver<bool>,
) -> bool {
    let cfg = &state.config.mllp;
    let timeout = Duration::from_secs(cfg.notify_ack_timeout_secs.max(1));
    let max_backoff = Duration::from_secs(cfg.notify_max_backoff_secs.max(1));
    let mut backoff = Duration::from_millis(500);
    loop {
        if send_once(&consumer.address, link, payload, timeout).await == Answer::Done {
            return true;
        }
        tracing::info!(consumer = %consumer.name, "ITI-10 consumer unavailable, retrying");
        tokio::select! {
            () = tokio::time::sleep(backoff) => {}
            _ = stop.changed() => return false,
        }
        if *stop.borrow() {
            return false;
        }
        backoff = (backoff * 2).min(max_backoff);
    }
}

/// Runs the notifier until `shutdown` resolves. Does nothing (but wait) when no consumer is
/// configured: the outbox is then left to the engine.
pub async fn run(state: MllpState, shutdown: impl Future<Output = ()> + Send + 'static) {
    let (stop_tx, mut stop) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        shutdown.await;
        let _ = stop_tx.send(true);
    });
    if state.config.consumers.is_empty() {
        let _ = stop.changed().await;
        return;
    }
    let default_ca = state
        .config
        .tls
        .as_ref()
        .and_then(|t| t.client_ca.as_deref());
    let links: Vec<Link> = state
        .config
        .consumers
        .iter()
        .map(|consumer| {
            link(consumer, state.client_identity(), default_ca).unwrap_or_else(|error| {
                tracing::error!(consumer = %consumer.name, %error,
                    "ITI-10 consumer TLS settings unusable; its notifications are held");
                Link::Unusable
            })
        })
        .collect();
    let poll = Duration::from_millis(state.config.mllp.notify_poll_ms.max(10));
    let mut after = 0u64;
    while !*stop.borrow() {
        let engine_state = state.clone();
        let fetched =
            tokio::task::spawn_blocking(move || engine_state.engine().notifications(after, BATCH))
                .await;
        let batch = match fetched {
            Ok(Ok(batch)) => batch,
            Ok(Err(e)) => {
                tracing::warn!(kind = ?e.kind(), "cannot read the notification outbox");
                Vec::new()
            }
            Err(_) => Vec::new(),
        };
        if batch.is_empty() {
            tokio::select! {
                () = tokio::time::sleep(poll) => {}
                _ = stop.changed() => {}
            }
            continue;
        }
        for notification in batch {
            for (consumer, link) in state.config.consumers.iter().zip(&links) {
                if let Some(payload) = notification_for(&state, consumer, &notification)
                    && !deliver(&state, consumer, link, &payload, &mut stop).await
                {
                    return;
                }
            }
            let seq = notification.seq;
            let engine_state = state.clone();
            let acked =
                tokio::task::spawn_blocking(move || engine_state.engine().ack_notifications(seq))
                    .await;
            if !matches!(acked, Ok(Ok(()))) {
                tracing::warn!(seq, "cannot acknowledge a notification; it will be re-sent");
            }
            after = seq;
        }
    }
}
