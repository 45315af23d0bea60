//! Vigie's HL7 v2 wire library: ER7 parsing and building, the MLLP codec, the IHE PIX/PDQ and
//! PAM France mapping to vigie-core's identity vocabulary, and the replies (ACK, RSP, ITI-10
//! notification). It does no IO and owns no state: the server reads frames with [`mllp`],
//! calls [`message::parse_inbound`], asks the engine, and writes the bytes a [`reply`] builder
//! returns. No dependency on a store, an engine, an async runtime or an HTTP stack (only
//! `tokio-util`'s codec traits and `bytes`).
//!
//! # Public API
//!
//! **Framing** — [`mllp::MllpCodec`] (`Decoder<Item = Bytes>`, `Encoder<&[u8] | Bytes |
//! Vec<u8>>`, `new(max_frame)`, `.lenient(bool)`, `discarded_bytes()`), [`mllp::MllpError`]
//! (`FrameTooLarge`, `MissingCarriageReturn`, `FramingByteInPayload`, `Io`), [`mllp::frame`].
//!
//! **ER7** — [`er7::Message::parse_bytes`] (MSH-18 charset → text → segments) and
//! [`er7::Message::parse`]; navigation `message.segment("PID")`, `segment.field(n)`,
//! `field.repetitions()`, `.repetition(n)`, `.component(n)`, `.subcomponent(n)`, `.text()`
//! (unescaped), `.raw()`, `.is_null()` (`""`). [`charset::Charset`] (`8859/1`, `8859/15`,
//! `UNICODE UTF-8`…, Windows-1252 tolerated), [`escape::escape`] / [`escape::unescape`],
//! [`builder::MessageBuilder`], [`builder::SegmentBuilder`], [`builder::FieldValue`].
//! [`timestamp::Timestamp`], [`timestamp::parse_birth_date`] (`YYYY[MM[DD…]]` →
//! `PartialDate`).
//!
//! **Errors** — [`error::Hl7Error`] `{ code: ErrorCode (table 0357), location:
//! Option<ErrorLocation> (ERR-2), kind: ErrorKind }`; never carries patient data.
//!
//! **Data types** — [`types::AssigningAuthority`] (HD), [`types::PatientIdentifier`] (CX,
//! `IdValue::Delete` for `""`, `kind()` → INS NIR/NIA, billing NIR, other),
//! [`types::PersonName`] (XPN), [`types::Address`] (XAD), [`types::Telecom`] (XTN).
//!
//! **Inbound** — [`message::parse_inbound`]`(&[u8], InboundOptions) -> Result<Inbound,
//! InboundError>`; [`message::Inbound`] `{ header: MessageHeader, request: Request }` with
//! [`message::Request`] = `Feed(Feed)` | `PixQuery` | `PdqQuery` | `Cancel`;
//! [`message::FeedMessage`] = `Register` (A01/A04/A05/A28) | `Update` (A08/A31) | `Merge`
//! (A40, MRG-1 prior ids) | `ChangeIdentifier` (A47) | `Link` (A24) | `Unlink` (A37);
//! [`message::InboundError`] keeps the header so a NAK can always be built.
//! [`header::MessageHeader`], [`header::Transaction`] (versions per transaction).
//! [`query::PixQuery`] (QPD-3 id, QPD-4 domains), [`query::PdqQuery`] (QPD-3 parameters and
//! [`query::PdqCriteria`], QPD-8 domains, RCP-2 limit, DSC pointer), [`query::QueryCancel`].
//!
//! **Domain mapping** — [`pid::Patient`] (PID as plain data) with
//! [`pid::Patient::identity_record`]` -> MappedRecord { record: IdentityRecord, findings,
//! notes }` (PAM France: INS only with `PID-32 = VALI`, NIR before NIA, `QUAL`/`VALI`/`PROV`),
//! [`pid::Patient::from_identity`] (record → PID for replies; INS only when qualified),
//! [`pid::Patient::to_segment`]; [`pid::IdentityReliability`] (table 0445), [`pid::Zfd`].
//!
//! **Replies** — [`reply::OutboundHeader::answering`] (swaps MSH-3/4 and MSH-5/6, keeps
//! version, country, charset), [`reply::build_ack`] with [`reply::Ack`] (`accept`,
//! `for_error`: `AR` for header-level codes, `AE` otherwise), [`reply::build_rsp_k23`] with
//! [`reply::PixOutcome`] (the six ITI-9 cases), [`reply::build_rsp_k22`] with
//! [`reply::PdqOutcome`] (PID + QRI, QAK counts, DSC continuation), and
//! [`reply::build_a31_notification`] (ITI-10).
//!
//! **Fuzzing** — [`fuzz`]: `hl7_message`, `mllp_decoder`, `qpd_params`.
//!
//! # Local decisions (documented here, tested in `tests/conformance.rs`)
//!
//! * MSH-level rejections are `AR` + `HL70357` (IHE App. C), not the ANS `AE`; ITI-9 case 5 is
//!   an `RSP^K23` `AE` with one ERR per unknown QPD-4 domain.
//! * A CX without assigning authority (MRG-1 of the A40 edge case) is kept as sent; the
//!   server fills it from the source configuration
//!   ([`types::PatientIdentifier::with_default_authority`]).
//! * In international feeds a `B` name is the birth name and `L` the used name; in PAM France
//!   `L` is the birth name and `D` the used name.
//! * Unreadable optional values (birth date, sex) are findings, never rejections; missing
//!   PID-3/PID-5/MRG/QPD are errors (`101`/`100`).
//! * EVN, PV1 and MSH-9.3 are optional on input (IPF fixtures omit them).

pub mod builder;
pub mod charset;
pub mod er7;
pub mod error;
pub mod escape;
pub mod fuzz;
pub mod header;
pub mod message;
pub mod mllp;
pub mod pid;
pub mod query;
pub mod reply;
pub mod timestamp;
pub mod types;
