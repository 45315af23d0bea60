//! The MLLP accept loop and connections.
//!
//! * connections beyond `server.mllp_max_connections` are closed at once (semaphore);
//! * a connection is closed after `server.mllp_idle_timeout_secs` without a byte, or when a
//!   started frame is not complete within `mllp.read_timeout_secs`;
//! * the codec is driven directly on a read buffer (rather than through `Framed`, whose stream
//!   ends at the first decode error): an oversized frame is answered (`AE`, ERR `207`) and the
//!   connection goes on with the next frame; bytes before a start block are discarded; a
//!   `0x1C` not followed by `0x0D` ends the frame (lenient codec);
//! * each message is handled in `spawn_blocking` (the engine is blocking) one at a time per
//!   connection (original mode: the sender waits for each ACK); a panic in a handler is
//!   answered `AE 207` and neither the connection nor the listener goes down;
//! * over TLS (`mllp.tls`), each accepted socket goes through the `tokio_rustls` handshake
//!   first (bounded by `mllp.read_timeout_secs`), in the connection's task so a slow client
//!   never holds the accept loop; a failed handshake (no client certificate when one is
//!   required, a certificate of another CA, not TLS at all) closes the socket and is logged
//!   without the peer's data. The CN of the verified client certificate goes with every
//!   message of the connection to the sender rights ([`super::sender`]). The same
//!   connection code serves both streams.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;
use tokio::time::Instant;
use tokio_util::codec::{Decoder, Encoder};
use vigie_hl7::error::ErrorCode;
use vigie_hl7::mllp::{MllpCodec, MllpError};
use vigie_hl7::reply::{AckCode, ErrorDetail};

use super::MllpState;
use super::handlers::{handle_frame, unreadable_reply};
use super::sender::Peer;
use crate::auth::certificate_common_name;

/// Serves MLLP on a bound listener (over TLS when the state has a TLS configuration) until
/// `shutdown` resolves, then stops accepting, lets each connection finish the message it is
/// handling, and returns.
///
/// # Errors
/// Only when accepting fails persistently (the error of `accept`); per-connection errors are
/// logged and end that connection only.
pub async fn serve(
    listener: TcpListener,
    state: MllpState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let limit = state.config.server.mllp_max_connections.max(1);
    let slots = Arc::new(Semaphore::new(limit));
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut connections = JoinSet::new();
    if state.config.sources.is_empty() {
        tracing::warn!(
            "no [[sources]] configured: every MLLP sender may feed and query every domain"
        );
    }
    let bound_sources = state
        .config
        .sources
        .iter()
        .filter(|s| s.certificate.is_some())
        .count();
    let no_client_ca = state
        .config
        .tls
        .as_ref()
        .is_some_and(|t| t.client_ca.is_none());
    if bound_sources > 0 && (state.tls.is_none() || no_client_ca) {
        tracing::warn!(
            sources = bound_sources,
            "[[sources]] bound to a certificate never match: MLLP is not served over TLS with a client CA"
        );
    }
    tokio::pin!(shutdown);
    let mut accept_errors = 0u32;
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(pair) => { accept_errors = 0; pair }
                    Err(e) => {
                        accept_errors += 1;
                        tracing::warn!(error = %e, "MLLP accept failed");
                        if accept_errors > 100 {
                            return Err(e.into());
                        }
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let Ok(permit) = slots.clone().try_acquire_owned() else {
                    tracing::warn!(limit, "MLLP connection refused: too many connections");
                    drop(stream);
                    continue;
                };
                let _ = stream.set_nodelay(true);
                let state = state.clone();
                let stop = stop_rx.clone();
                connections.spawn(async move {
                    if let Err(e) = accepted_connection(stream, peer, state, stop).await {
                        tracing::debug!(error = %e, "MLLP connection ended with an error");
                    }
                    drop(permit);
                });
            }
        }
    }
    let _ = stop_tx.send(true);
    while connections.join_next().await.is_some() {}
    Ok(())
}

/// Serves an accepted socket: directly, or after the TLS handshake.
async fn accepted_connection(
    mut stream: TcpStream,
    peer: SocketAddr,
    state: MllpState,
    mut stop: watch::Receiver<bool>,
) -> std::io::Result<()> {
    let Some(acceptor) = state.tls.clone() else {
        return connection(&mut stream, Peer::plain(peer.ip()), state, stop).await;
    };
    let deadline = Duration::from_secs(state.config.mllp.read_timeout_secs.max(1));
    let mut stream = tokio::select! {
        handshake = tokio::time::timeout(deadline, acceptor.accept(stream)) => {
            match handshake {
                Ok(Ok(stream)) => stream,
                Ok(Err(e)) => {
                    tracing::info!(error = %e, "MLLP TLS handshake failed");
                    return Ok(());
                }
                Err(_) => {
                    tracing::info!("MLLP TLS handshake timed out");
                    return Ok(());
                }
            }
        }
        _ = stop.changed() => return Ok(()),
    };
    let certificate = stream
        .get_ref()
        .1
        .peer_certificates()
        .and_then(|chain| chain.first())
        .and_then(|der| certificate_common_name(der));
    let peer = Peer {
        address: peer.ip(),
        certificate,
    };
    let served = connection(&mut stream, peer, state, stop).await;
    // close_notify, so the client sees a clean end rather than a truncated stream.
    let _ = stream.shutdown().await;
    served
}

async fn write_frame<S: AsyncWrite + Unpin>(
    stream: &mut S,
    codec: &mut MllpCodec,
    payload: Vec<u8>,
) -> std::io::Result<()> {
    let mut out = BytesMut::with_capacity(payload.len() + 3);
    codec
        .encode(payload, &mut out)
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    stream.write_all(&out).await?;
    stream.flush().await
}

async fn reply_to(state: &MllpState, peer: &Peer, frame: bytes::Bytes) -> Vec<u8> {
    let handler_state = state.clone();
    let peer = peer.clone();
    let handled =
        tokio::task::spawn_blocking(move || handle_frame(&handler_state, &peer, &frame)).await;
    match handled {
        Ok(reply) => reply,
        Err(e) => {
            tracing::error!(panic = e.is_panic(), "MLLP handler failed");
            let mut detail = ErrorDetail::new(ErrorCode::ApplicationInternalError, None);
            detail.diagnostic = Some("internal error".to_owned());
            unreadable_reply(state, AckCode::Error, detail)
        }
    }
}

/// Serves one connection, plain TCP or TLS.
async fn connection<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
    peer: Peer,
    state: MllpState,
    mut stop: watch::Receiver<bool>,
) -> std::io::Result<()> {
    let server = &state.config.server;
    let idle = Duration::from_secs(server.mllp_idle_timeout_secs.max(1));
    let read_timeout = Duration::from_secs(state.config.mllp.read_timeout_secs.max(1));
    let mut codec = MllpCodec::new(server.mllp_max_frame_bytes.max(64)).lenient(true);
    let mut buffer = BytesMut::with_capacity(8 * 1024);
    let mut frame_deadline: Option<Instant> = None;
    loop {
        // Answer every complete frame in the buffer first.
        loop {
            match codec.decode(&mut buffer) {
                Ok(Some(frame)) => {
                    let reply = reply_to(&state, &peer, frame).await;
                    write_frame(stream, &mut codec, reply).await?;
                }
                Ok(None) => break,
                Err(MllpError::FrameTooLarge { limit }) => {
                    let mut detail = ErrorDetail::new(ErrorCode::ApplicationInternalError, None);
                    detail.diagnostic = Some(format!("MLLP frame larger than {limit} bytes"));
                    let reply = unreadable_reply(&state, AckCode::Error, detail);
                    write_frame(stream, &mut codec, reply).await?;
                }
                Err(MllpError::Io(e)) => return Err(e),
                Err(e) => {
                    tracing::debug!(error = %e, "MLLP framing error, frame dropped");
                }
            }
        }
        if *stop.borrow() {
            return Ok(());
        }
        frame_deadline = if buffer.is_empty() {
            None
        } else {
            frame_deadline.or_else(|| Some(Instant::now() + read_timeout))
        };
        let deadline = frame_deadline.unwrap_or_else(|| Instant::now() + idle);
        tokio::select! {
            read = stream.read_buf(&mut buffer) => {
                if read? == 0 {
                    return Ok(());
                }
            }
            () = tokio::time::sleep_until(deadline) => {
                tracing::debug!(partial = frame_deadline.is_some(), "MLLP connection timed out");
                return Ok(());
            }
            _ = stop.changed() => return Ok(()),
        }
    }
}
