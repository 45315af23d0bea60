//! Typed inbound messages: what Vigie receives as PIX Manager, PDQ Supplier and PAM France
//! consumer, read into plain data ([`Inbound`]) or a typed error that still carries the header
//! needed to answer ([`InboundError`]).
//!
//! | MSH-9 | transaction | result |
//! |---|---|---|
//! | `ADT^A01/A04/A05` | ITI-8 | [`FeedMessage::Register`] |
//! | `ADT^A28` | ITI-30 | [`FeedMessage::Register`] |
//! | `ADT^A08` | ITI-8 | [`FeedMessage::Update`] |
//! | `ADT^A31` | ITI-30 | [`FeedMessage::Update`] (insert when unknown) |
//! | `ADT^A40` | ITI-8, ITI-30 | [`FeedMessage::Merge`] |
//! | `ADT^A47` | ITI-30 | [`FeedMessage::ChangeIdentifier`] |
//! | `ADT^A24` / `ADT^A37` | ITI-30 Link/Unlink | [`FeedMessage::Link`] / [`FeedMessage::Unlink`] |
//! | `QBP^Q23` | ITI-9 | [`PixQuery`] |
//! | `QBP^Q22` | ITI-21 | [`PdqQuery`] |
//! | `QCN^J01` | ITI-21 | [`QueryCancel`] |
//!
//! Segment rules are lenient where fixtures in the field are (EVN, PV1 and MSH-9.3 optional; a
//! 2-component MSH-9 accepted); PID, MRG, QPD and QID are required (`100`). Unknown message
//! types give `200` at `MSH^1^9^1^1`, unknown triggers `201` at `MSH^1^9^1^2`, unsupported
//! versions `203` at `MSH^1^12`.

use crate::er7::{Message, Segment};
use crate::error::{ErrorCode, ErrorKind, ErrorLocation, Hl7Error};
use crate::header::{MessageHeader, Transaction, check_version};
use crate::pid::{Patient, PidFinding, Zfd};
use crate::query::{PdqQuery, PixQuery, QueryCancel};
use crate::timestamp::Timestamp;
use crate::types::PatientIdentifier;

/// An ADT trigger event Vigie handles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AdtEvent {
    /// A01 admit (ITI-8).
    A01,
    /// A04 register an outpatient (ITI-8).
    A04,
    /// A05 pre-admit (ITI-8).
    A05,
    /// A08 update patient information (ITI-8).
    A08,
    /// A24 link patient information (ITI-30 Link/Unlink).
    A24,
    /// A28 add person information (ITI-30).
    A28,
    /// A31 update person information (ITI-30).
    A31,
    /// A37 unlink patient information (ITI-30 Link/Unlink).
    A37,
    /// A40 merge patient, patient identifier list (ITI-8, ITI-30).
    A40,
    /// A47 change patient identifier list (ITI-30).
    A47,
}

impl AdtEvent {
    /// Reads MSH-9.2.
    pub fn parse(code: &str) -> Option<AdtEvent> {
        Some(match code {
            "A01" => AdtEvent::A01,
            "A04" => AdtEvent::A04,
            "A05" => AdtEvent::A05,
            "A08" => AdtEvent::A08,
            "A24" => AdtEvent::A24,
            "A28" => AdtEvent::A28,
            "A31" => AdtEvent::A31,
            "A37" => AdtEvent::A37,
            "A40" => AdtEvent::A40,
            "A47" => AdtEvent::A47,
            _ => return None,
        })
    }

    /// The trigger code.
    pub fn code(self) -> &'static str {
        match self {
            AdtEvent::A01 => "A01",
            AdtEvent::A04 => "A04",
            AdtEvent::A05 => "A05",
            AdtEvent::A08 => "A08",
            AdtEvent::A24 => "A24",
            AdtEvent::A28 => "A28",
            AdtEvent::A31 => "A31",
            AdtEvent::A37 => "A37",
            AdtEvent::A40 => "A40",
            AdtEvent::A47 => "A47",
        }
    }

    /// The transactions this event belongs to.
    pub fn transactions(self) -> &'static [Transaction] {
        match self {
            AdtEvent::A01 | AdtEvent::A04 | AdtEvent::A05 | AdtEvent::A08 => &[Transaction::Iti8],
            AdtEvent::A40 => &[Transaction::Iti8, Transaction::Iti30],
            _ => &[Transaction::Iti30],
        }
    }
}

/// A patient identity feed message (ITI-8, ITI-30).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedMessage {
    /// A01, A04, A05, A28: create (or register) the patient.
    Register {
        /// The trigger.
        event: AdtEvent,
        /// The PID.
        patient: Patient,
        /// The PAM France ZFD segment, when sent.
        zfd: Option<Zfd>,
    },
    /// A08, A31: update the patient (A31: insert when unknown).
    Update {
        /// The trigger.
        event: AdtEvent,
        /// The PID (empty fields: keep; `""`: delete).
        patient: Patient,
        /// The PAM France ZFD segment, when sent.
        zfd: Option<Zfd>,
    },
    /// A40: merge the patients of `prior` (MRG-1) into `patient` (PID-3 = surviving ids).
    Merge {
        /// The surviving patient.
        patient: Patient,
        /// MRG-1 repetitions: the ids being merged away (an id without authority is kept as
        /// sent: the server fills it from the source configuration, ITI-8 §3.8.4.1.3).
        prior: Vec<PatientIdentifier>,
    },
    /// A47: replace the identifier `prior` (MRG-1) by the PID-3 one; a PID-3 INS `""` deletes
    /// every INS (PAM France §4.4.3).
    ChangeIdentifier {
        /// The patient with the corrected identifiers.
        patient: Patient,
        /// MRG-1 repetitions: the wrong ids.
        prior: Vec<PatientIdentifier>,
    },
    /// A24: link two patients (records stay distinct).
    Link {
        /// First PID.
        first: Patient,
        /// Second PID.
        second: Patient,
    },
    /// A37: unlink two patients.
    Unlink {
        /// First PID.
        first: Patient,
        /// Second PID.
        second: Patient,
    },
}

/// A feed message with its event data and the findings on its PID values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feed {
    /// The message.
    pub message: FeedMessage,
    /// EVN-2 recorded date/time.
    pub recorded: Option<Timestamp>,
    /// EVN-6 event occurred.
    pub occurred: Option<Timestamp>,
    /// Values of the PID(s) that could not be read (kept as unknown).
    pub findings: Vec<PidFinding>,
}

/// What an inbound message asks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// ITI-8 / ITI-30 feed.
    Feed(Box<Feed>),
    /// ITI-9 PIX query.
    PixQuery(Box<PixQuery>),
    /// ITI-21 PDQ query (first or follow-up with DSC).
    PdqQuery(Box<PdqQuery>),
    /// ITI-21 query cancel.
    Cancel(QueryCancel),
}

/// A parsed inbound message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inbound {
    /// Its MSH.
    pub header: MessageHeader,
    /// What it asks.
    pub request: Request,
}

/// A message that cannot be processed, with what is needed to answer it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{error}")]
pub struct InboundError {
    /// The header when it could be read (MSH-10 for MSA-2, applications to swap).
    pub header: Option<Box<MessageHeader>>,
    /// The error (code and location for ERR).
    pub error: Hl7Error,
}

/// Options of [`parse_inbound`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InboundOptions {
    /// Refuse versions outside those of each transaction (`203`); on by default.
    pub check_versions: bool,
}

impl Default for InboundOptions {
    fn default() -> Self {
        InboundOptions {
            check_versions: true,
        }
    }
}

/// Decodes (MSH-18) and reads an inbound message.
///
/// # Errors
/// Any [`Hl7Error`], with the header when it could be read.
pub fn parse_inbound(bytes: &[u8], options: InboundOptions) -> Result<Inbound, InboundError> {
    let message = Message::parse_bytes(bytes).map_err(|error| {
        // The header may still be readable when the body is not; try without charset rules.
        let header = Message::parse(&String::from_utf8_lossy(bytes))
            .ok()
            .and_then(|m| {
                m.segment("MSH")
                    .map(|msh| MessageHeader::read_lenient(&msh, m.charset()))
            });
        InboundError {
            header: header.map(Box::new),
            error,
        }
    })?;
    read_inbound(&message, options)
}

/// Reads an inbound message already parsed.
///
/// # Errors
/// Any [`Hl7Error`], with the header when it could be read.
pub fn read_inbound(message: &Message, options: InboundOptions) -> Result<Inbound, InboundError> {
    let header = MessageHeader::read(message).map_err(|error| InboundError {
        header: message
            .segment("MSH")
            .map(|msh| Box::new(MessageHeader::read_lenient(&msh, message.charset()))),
        error,
    })?;
    match dispatch(message, &header, options) {
        Ok(request) => Ok(Inbound { header, request }),
        Err(error) => Err(InboundError {
            header: Some(Box::new(header)),
            error,
        }),
    }
}

fn unsupported_type() -> Hl7Error {
    Hl7Error::new(
        ErrorCode::UnsupportedMessageType,
        ErrorKind::UnsupportedMessageType,
        Some(ErrorLocation::field("MSH", 1, 9).component(1)),
    )
}

fn unsupported_event() -> Hl7Error {
    Hl7Error::new(
        ErrorCode::UnsupportedEventCode,
        ErrorKind::UnsupportedEvent,
        Some(ErrorLocation::field("MSH", 1, 9).component(2)),
    )
}

fn dispatch(
    message: &Message,
    header: &MessageHeader,
    options: InboundOptions,
) -> Result<Request, Hl7Error> {
    let version = |transactions: &[Transaction]| {
        if options.check_versions {
            check_version(header, transactions)
        } else {
            Ok(())
        }
    };
    let trigger = header.message_type.trigger.as_str();
    match header.message_type.code.as_str() {
        "ADT" => {
            let event = AdtEvent::parse(trigger).ok_or_else(unsupported_event)?;
            version(event.transactions())?;
            read_feed(message, event).map(|feed| Request::Feed(Box::new(feed)))
        }
        "QBP" => match trigger {
            "Q23" => {
                version(&[Transaction::Iti9])?;
                PixQuery::read(message).map(|q| Request::PixQuery(Box::new(q)))
            }
            "Q22" => {
                version(&[Transaction::Iti21])?;
                PdqQuery::read(message).map(|q| Request::PdqQuery(Box::new(q)))
            }
            _ => Err(unsupported_event()),
        },
        "QCN" => match trigger {
            "J01" => {
                version(&[Transaction::Iti21])?;
                QueryCancel::read(message).map(Request::Cancel)
            }
            _ => Err(unsupported_event()),
        },
        _ => Err(unsupported_type()),
    }
}

fn read_feed(message: &Message, event: AdtEvent) -> Result<Feed, Hl7Error> {
    let evn = message.segment("EVN");
    let timestamp = |n: usize| {
        evn.as_ref()
            .and_then(|evn| Timestamp::parse(&evn.field(n).text()).ok())
    };
    let pids: Vec<Segment<'_>> = message.segments().filter(|s| s.id() == "PID").collect();
    let mrg = message.segment("MRG");
    let mut findings = Vec::new();
    let mut read_pid = |segment: &Segment<'_>| -> Result<Patient, Hl7Error> {
        let (patient, mut pid_findings) = Patient::read(segment)?;
        findings.append(&mut pid_findings);
        Ok(patient)
    };
    let first = pids
        .first()
        .ok_or_else(|| Hl7Error::missing_segment("PID"))?;
    let expected_pids = if matches!(event, AdtEvent::A24 | AdtEvent::A37) {
        2
    } else {
        1
    };
    if let Some(extra) = pids.get(expected_pids) {
        return Err(Hl7Error::new(
            ErrorCode::SegmentSequence,
            ErrorKind::UnexpectedSegment,
            Some(extra.segment_location()),
        ));
    }
    let zfd = message.segment("ZFD").map(|s| Zfd::read(&s));
    let prior = |mrg: Option<Segment<'_>>| -> Result<Vec<PatientIdentifier>, Hl7Error> {
        let mrg = mrg.ok_or_else(|| Hl7Error::missing_segment("MRG"))?;
        if mrg.index() < first.index() {
            return Err(Hl7Error::new(
                ErrorCode::SegmentSequence,
                ErrorKind::UnexpectedSegment,
                Some(mrg.segment_location()),
            ));
        }
        let ids: Vec<PatientIdentifier> = mrg
            .field(1)
            .repetitions()
            .filter_map(|rep| PatientIdentifier::from_repetition(&rep))
            .collect();
        if ids.is_empty() {
            return Err(Hl7Error::missing(mrg.location(1)));
        }
        Ok(ids)
    };
    let message = match event {
        AdtEvent::A01 | AdtEvent::A04 | AdtEvent::A05 | AdtEvent::A28 => FeedMessage::Register {
            event,
            patient: read_pid(first)?,
            zfd,
        },
        AdtEvent::A08 | AdtEvent::A31 => FeedMessage::Update {
            event,
            patient: read_pid(first)?,
            zfd,
        },
        AdtEvent::A40 => FeedMessage::Merge {
            patient: read_pid(first)?,
            prior: prior(mrg)?,
        },
        AdtEvent::A47 => FeedMessage::ChangeIdentifier {
            patient: read_pid(first)?,
            prior: prior(mrg)?,
        },
        AdtEvent::A24 | AdtEvent::A37 => {
            let second = pids.get(1).ok_or_else(|| {
                Hl7Error::new(
                    ErrorCode::SegmentSequence,
                    ErrorKind::MissingSegment { segment: "PID" },
                    Some(ErrorLocation::segment("PID", 2)),
                )
            })?;
            let first = read_pid(first)?;
            let second = read_pid(second)?;
            if event == AdtEvent::A24 {
                FeedMessage::Link { first, second }
            } else {
                FeedMessage::Unlink { first, second }
            }
        }
    };
    Ok(Feed {
        message,
        recorded: timestamp(2),
        occurred: timestamp(6),
        findings,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Inbound, InboundError> {
        parse_inbound(text.as_bytes(), InboundOptions::default())
    }

    #[test]
    fn unknown_type_trigger_and_version() {
        let err = parse("MSH|^~\\&|A|B|C|D|||ORU^R01|1|P|2.5\r").unwrap_err();
        assert_eq!(err.error.code.code(), 200);
        assert_eq!(err.error.location.unwrap().to_string(), "MSH^1^9^1^1");
        assert_eq!(err.header.unwrap().control_id, "1");
        let err = parse("MSH|^~\\&|A|B|C|D|||ADT^A02|1|P|2.5\r").unwrap_err();
        assert_eq!(err.error.code.code(), 201);
        assert_eq!(err.error.location.unwrap().to_string(), "MSH^1^9^1^2");
        let err =
            parse("MSH|^~\\&|A|B|C|D|||ADT^A31^ADT_A05|1|P|2.3.1\rPID|||1^^^X||N\r").unwrap_err();
        assert_eq!(err.error.code.code(), 203);
        let lenient = parse_inbound(
            b"MSH|^~\\&|A|B|C|D|||ADT^A31^ADT_A05|1|P|2.3.1\rPID|||1^^^X||N\r",
            InboundOptions {
                check_versions: false,
            },
        );
        assert!(lenient.is_ok());
    }

    #[test]
    fn link_needs_two_pids_and_merge_a_single_group() {
        let err = parse("MSH|^~\\&|A|B|C|D|||ADT^A24^ADT_A24|1|P|2.5\rEVN||2024\rPID|||1^^^X||N\r")
            .unwrap_err();
        assert_eq!(err.error.location.unwrap().to_string(), "PID^2");
        let ok = parse("MSH|^~\\&|A|B|C|D|||ADT^A37^ADT_A37|1|P|2.5\rEVN||2024\rPID|||1^^^X||N\rPID|||2^^^X||M\r").unwrap();
        assert!(
            matches!(ok.request, Request::Feed(f) if matches!(f.message, FeedMessage::Unlink { .. }))
        );
        let err = parse("MSH|^~\\&|A|B|C|D|||ADT^A40^ADT_A39|1|P|2.5\rPID|||1^^^X||N\rMRG|2^^^X\rPID|||3^^^X||N\rMRG|4^^^X\r").unwrap_err();
        assert_eq!(err.error.code.code(), 100);
        assert_eq!(err.error.location.unwrap().to_string(), "PID^2");
    }
}
