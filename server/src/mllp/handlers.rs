//! One message in, one reply out: parsing, the App. C header checks (type, trigger, version,
//! processing id, segment cap), sender rights, and dispatch to the feed (ITI-8, ITI-30) and
//! query (ITI-9, ITI-21, QCN) handlers. Synchronous: it calls the engine, so the listener runs
//! it in `spawn_blocking`.

use vigie_engine::{AccessRecord, EngineError, ErrorKind as EngineErrorKind};
use vigie_hl7::er7::Message;
use vigie_hl7::error::{ErrorCode, ErrorLocation, Hl7Error};
use vigie_hl7::header::MessageHeader;
use vigie_hl7::message::{InboundOptions, Request, parse_inbound};
use vigie_hl7::reply::{Ack, AckCode, ErrorDetail, Severity, build_ack};

use super::MllpState;
use super::sender::{Peer, Rights, Sender};
use super::{feed, query};

/// A refusal: MSA-1 (`AE`/`AR`) and its ERR segments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Nak {
    pub code: AckCode,
    pub errors: Vec<ErrorDetail>,
}

impl Nak {
    pub fn error(code: ErrorCode, location: Option<ErrorLocation>) -> Nak {
        Nak {
            code: AckCode::Error,
            errors: vec![ErrorDetail::new(code, location)],
        }
    }

    pub fn with_diagnostic(mut self, text: &str) -> Nak {
        if let Some(e) = self.errors.last_mut() {
            e.diagnostic = Some(text.to_owned());
        }
        self
    }

    /// A sender not authorised for a domain: `AR` + `204` at the location naming the domain
    /// (local decision, `docs/mllp.md`).
    pub fn denied(location: Option<ErrorLocation>) -> Nak {
        let mut nak = Nak::error(ErrorCode::UnknownKeyIdentifier, location);
        nak.code = AckCode::Reject;
        if let Some(e) = nak.errors.last_mut() {
            e.user_message = Some("sender not authorised for this domain".to_owned());
        }
        nak
    }
}

impl From<Hl7Error> for Nak {
    fn from(error: Hl7Error) -> Nak {
        let ack = Ack::for_error("", &error);
        Nak {
            code: ack.code,
            errors: ack.errors,
        }
    }
}

/// Engine errors as ACK codes: bad input `AE 102`, not found `AE 204`, conflict `AE 205`,
/// storage unavailable `AR 207` (may be retried), internal `AE 207`. The diagnostic is the
/// error class only (engine messages may name identifiers).
impl From<EngineError> for Nak {
    fn from(error: EngineError) -> Nak {
        let (ack, code, text) = match error.kind() {
            EngineErrorKind::InvalidInput => (AckCode::Error, ErrorCode::DataType, "invalid input"),
            EngineErrorKind::NotFound => {
                (AckCode::Error, ErrorCode::UnknownKeyIdentifier, "not found")
            }
            EngineErrorKind::Conflict => (
                AckCode::Error,
                ErrorCode::DuplicateKeyIdentifier,
                "conflict with the stored identities",
            ),
            EngineErrorKind::Unavailable => (
                AckCode::Reject,
                ErrorCode::ApplicationInternalError,
                "storage unavailable, retry later",
            ),
            EngineErrorKind::Internal => (
                AckCode::Error,
                ErrorCode::ApplicationInternalError,
                "internal error",
            ),
        };
        tracing::warn!(kind = ?error.kind(), "engine error answered {}", ack.code());
        let mut nak = Nak::error(code, None).with_diagnostic(text);
        nak.code = ack;
        nak
    }
}

/// A warning carried by an `AA` (ERR-4 = `W`, ERR-3 = `0`).
pub(crate) fn warning(location: Option<ErrorLocation>, text: String) -> ErrorDetail {
    ErrorDetail {
        severity: Severity::Warning,
        diagnostic: Some(text),
        ..ErrorDetail::new(ErrorCode::Accepted, location)
    }
}

/// What the handler of one message needs.
pub(crate) struct Context<'a> {
    pub state: &'a MllpState,
    pub header: &'a MessageHeader,
    pub sender: Sender,
    pub rights: Rights<'a>,
}

impl Context<'_> {
    /// Records a refused access in the audit trail (best effort: a failure is logged).
    pub fn record_denied(&self, action: &str) {
        let access = AccessRecord {
            actor: self.sender.actor(),
            action: "denied".to_owned(),
            outcome: "denied".to_owned(),
            patients: Vec::new(),
        };
        if let Err(e) = self.state.engine().record_access(access) {
            tracing::warn!(kind = ?e.kind(), action, "could not audit a denied access");
        }
    }
}

fn ack_bytes(
    state: &MllpState,
    header: &MessageHeader,
    code: AckCode,
    errors: Vec<ErrorDetail>,
) -> Vec<u8> {
    let ack = Ack {
        code,
        acknowledged_control_id: header.control_id.clone(),
        errors,
    };
    let trigger = header.message_type.trigger.clone();
    build_ack(&state.reply_header(header), &trigger, &ack)
}

/// The ACK of a message that could not be read at all (oversized frame, no MSH): MSA-2
/// empty, one ERR.
pub fn unreadable_reply(state: &MllpState, code: AckCode, error: ErrorDetail) -> Vec<u8> {
    ack_bytes(state, &MessageHeader::default(), code, vec![error])
}

fn count_segments(frame: &[u8]) -> usize {
    frame
        .split(|&b| b == b'\r' || b == b'\n')
        .filter(|s| !s.iter().all(u8::is_ascii_whitespace))
        .count()
}

fn header_of(frame: &[u8]) -> MessageHeader {
    let first = frame
        .split(|&b| b == b'\r' || b == b'\n')
        .next()
        .unwrap_or_default();
    Message::parse(&String::from_utf8_lossy(first))
        .ok()
        .and_then(|m| {
            m.segment("MSH")
                .map(|msh| MessageHeader::read_lenient(&msh, m.charset()))
        })
        .unwrap_or_default()
}

/// Answers one received message (the MLLP payload) from `peer`. Never fails: every problem
/// becomes an `AE`/`AR` with ERR segments.
pub fn handle_frame(state: &MllpState, peer: &Peer, frame: &[u8]) -> Vec<u8> {
    let max_segments = state.config.mllp.max_segments;
    if count_segments(frame) > max_segments {
        let header = header_of(frame);
        let mut detail = ErrorDetail::new(ErrorCode::SegmentSequence, None);
        detail.diagnostic = Some(format!("more than {max_segments} segments"));
        return ack_bytes(state, &header, AckCode::Error, vec![detail]);
    }
    let inbound = match parse_inbound(frame, InboundOptions::default()) {
        Ok(inbound) => inbound,
        Err(error) => {
            let header = error.header.map(|h| *h).unwrap_or_default();
            let nak = Nak::from(error.error);
            return ack_bytes(state, &header, nak.code, nak.errors);
        }
    };
    let header = &inbound.header;
    if !matches!(header.processing_id.as_str(), "P" | "T" | "D") {
        let nak = Nak {
            code: AckCode::Reject,
            errors: vec![ErrorDetail::new(
                ErrorCode::UnsupportedProcessingId,
                Some(ErrorLocation::field("MSH", 1, 11)),
            )],
        };
        return ack_bytes(state, header, nak.code, nak.errors);
    }
    let sender = Sender::of(header, peer);
    let rights = Rights::of(&state.config, &sender);
    let ctx = Context {
        state,
        header,
        sender,
        rights,
    };
    match inbound.request {
        Request::Feed(feed) => match feed::handle(&ctx, &feed) {
            Ok(warnings) => ack_bytes(state, header, AckCode::Accept, warnings),
            Err(nak) => ack_bytes(state, header, nak.code, nak.errors),
        },
        Request::PixQuery(q) => query::pix(&ctx, &q),
        Request::PdqQuery(q) => query::pdq(&ctx, &q),
        Request::Cancel(cancel) => {
            query::cancel(&ctx, &cancel);
            ack_bytes(state, header, AckCode::Accept, Vec::new())
        }
    }
}
