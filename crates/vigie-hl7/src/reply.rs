//! Replies built from plain data (pure functions: data in, bytes out): the original-mode ACK
//! (IHE ITI TF-2 App. C), `RSP^K23` (ITI-9, the six cases of §3.9.4.2.2.6), `RSP^K22`
//! (ITI-21, with QRI scores, QAK hit counts and DSC continuation) and the ITI-10 `ADT^A31`
//! update notification.
//!
//! Choices where the sources disagree (ihe.md §14): MSH-level rejections (`200`, `201`, `202`,
//! `203`) are answered `AR` with `HL70357` codes (App. C), not the ANS `AE` +
//! `messageErrorCondition`; ITI-9 case 5 is an `RSP^K23` `AE` (TF-2), not IPF's legacy
//! `ACK^Q23` `AR`, with one ERR per unknown domain (as ITI-21 case 3).

use crate::builder::{FieldValue, MessageBuilder, SegmentBuilder};
use crate::charset::Charset;
use crate::error::{ErrorCode, ErrorLocation, Hl7Error};
use crate::header::{MessageHeader, VersionId};
use crate::pid::Patient;
use crate::query::{PdqQuery, PixQuery};
use crate::timestamp::Timestamp;
use crate::types::{AssigningAuthority, PatientIdentifier, PersonName};

/// The MSH of an outgoing message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundHeader {
    /// MSH-3.
    pub sending_application: AssigningAuthority,
    /// MSH-4.
    pub sending_facility: AssigningAuthority,
    /// MSH-5.
    pub receiving_application: AssigningAuthority,
    /// MSH-6.
    pub receiving_facility: AssigningAuthority,
    /// MSH-7.
    pub timestamp: Timestamp,
    /// MSH-10.
    pub control_id: String,
    /// MSH-11.1 (`P`).
    pub processing_id: String,
    /// MSH-11.2, when any (`T`).
    pub processing_mode: Option<String>,
    /// MSH-12.
    pub version: VersionId,
    /// MSH-17 (`FRA`).
    pub country: Option<String>,
    /// MSH-18 and the encoding of the bytes.
    pub charset: Charset,
}

impl OutboundHeader {
    /// The header of an answer: MSH-3/4 and MSH-5/6 swapped (for ITI-21, MSH-5 of the query
    /// becomes MSH-3), processing id, version, country and character set kept.
    pub fn answering(request: &MessageHeader, control_id: &str, timestamp: Timestamp) -> Self {
        OutboundHeader {
            sending_application: request.receiving_application.clone(),
            sending_facility: request.receiving_facility.clone(),
            receiving_application: request.sending_application.clone(),
            receiving_facility: request.sending_facility.clone(),
            timestamp,
            control_id: control_id.to_owned(),
            processing_id: if request.processing_id.is_empty() {
                "P".to_owned()
            } else {
                request.processing_id.clone()
            },
            processing_mode: request.processing_mode.clone(),
            version: if request.version.version.is_empty() {
                VersionId {
                    version: "2.5".to_owned(),
                    ..VersionId::default()
                }
            } else {
                request.version.clone()
            },
            country: request.country.clone(),
            charset: request.charset,
        }
    }

    /// A header for a message Vigie starts (notifications): version 2.5, production, UTF-8
    /// text written with MSH-18 empty when ASCII.
    pub fn new(
        sending: (AssigningAuthority, AssigningAuthority),
        receiving: (AssigningAuthority, AssigningAuthority),
        control_id: &str,
        timestamp: Timestamp,
    ) -> Self {
        OutboundHeader {
            sending_application: sending.0,
            sending_facility: sending.1,
            receiving_application: receiving.0,
            receiving_facility: receiving.1,
            timestamp,
            control_id: control_id.to_owned(),
            processing_id: "P".to_owned(),
            processing_mode: None,
            version: VersionId {
                version: "2.5".to_owned(),
                ..VersionId::default()
            },
            country: None,
            charset: Charset::Default,
        }
    }

    fn msh(&self, message_type: [&str; 3]) -> SegmentBuilder {
        let hd = |a: &AssigningAuthority| {
            FieldValue::components(&[
                a.namespace.clone().unwrap_or_default(),
                a.universal_id.clone().unwrap_or_default(),
                a.universal_id_type.clone().unwrap_or_default(),
            ])
        };
        let mut msh = SegmentBuilder::new("MSH");
        msh.set(3, hd(&self.sending_application))
            .set(4, hd(&self.sending_facility))
            .set(5, hd(&self.receiving_application))
            .set(6, hd(&self.receiving_facility))
            .set(7, self.timestamp.to_string())
            .set(9, FieldValue::components(&message_type))
            .set(10, self.control_id.as_str())
            .set(
                11,
                FieldValue::components(&[
                    self.processing_id.clone(),
                    self.processing_mode.clone().unwrap_or_default(),
                ]),
            )
            .set(
                12,
                FieldValue::components(&[
                    self.version.version.clone(),
                    self.version.country.clone().unwrap_or_default(),
                    self.version.profile_version.clone().unwrap_or_default(),
                ]),
            );
        if let Some(country) = &self.country {
            msh.set(17, country.as_str());
        }
        msh.set(18, self.charset.msh18().into_owned());
        msh
    }

    fn finish(&self, message: &MessageBuilder) -> Vec<u8> {
        message.encode(self.charset)
    }
}

/// MSA-1 acknowledgement code (table 0008, original mode).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AckCode {
    /// `AA` accepted.
    Accept,
    /// `AE` error: do not resend unchanged.
    Error,
    /// `AR` rejected (header-level or transient).
    Reject,
}

impl AckCode {
    /// `AA`, `AE` or `AR`.
    pub fn code(self) -> &'static str {
        match self {
            AckCode::Accept => "AA",
            AckCode::Error => "AE",
            AckCode::Reject => "AR",
        }
    }
}

/// ERR-4 severity (table 0516).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Severity {
    /// `E` error.
    Error,
    /// `W` warning.
    Warning,
    /// `I` information.
    Information,
}

impl Severity {
    /// `E`, `W` or `I`.
    pub fn code(self) -> &'static str {
        match self {
            Severity::Error => "E",
            Severity::Warning => "W",
            Severity::Information => "I",
        }
    }
}

/// One ERR segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorDetail {
    /// ERR-2 locations (none when the error is not in a field).
    pub locations: Vec<ErrorLocation>,
    /// ERR-3 code (written `code^text^HL70357`).
    pub code: ErrorCode,
    /// ERR-4.
    pub severity: Severity,
    /// ERR-7 diagnostic information (never patient data).
    pub diagnostic: Option<String>,
    /// ERR-8 user message.
    pub user_message: Option<String>,
}

impl ErrorDetail {
    /// An error (`E`) at an optional location.
    pub fn new(code: ErrorCode, location: Option<ErrorLocation>) -> ErrorDetail {
        ErrorDetail {
            locations: location.into_iter().collect(),
            code,
            severity: Severity::Error,
            diagnostic: None,
            user_message: None,
        }
    }

    fn segment(&self) -> SegmentBuilder {
        let mut err = SegmentBuilder::new("ERR");
        err.set(
            2,
            FieldValue::repetitions(
                self.locations
                    .iter()
                    .map(|l| l.components().into_iter().map(|c| vec![c]).collect())
                    .collect(),
            ),
        );
        err.set(
            3,
            FieldValue::components(&[
                self.code.code().to_string(),
                self.code.text().to_owned(),
                "HL70357".to_owned(),
            ]),
        );
        err.set(4, self.severity.code());
        if let Some(d) = &self.diagnostic {
            err.set(7, d.as_str());
        }
        if let Some(m) = &self.user_message {
            err.set(8, m.as_str());
        }
        err
    }
}

impl From<&Hl7Error> for ErrorDetail {
    fn from(error: &Hl7Error) -> Self {
        ErrorDetail {
            diagnostic: Some(error.kind.to_string()),
            ..ErrorDetail::new(error.code, error.location.clone())
        }
    }
}

/// An original-mode acknowledgement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ack {
    /// MSA-1.
    pub code: AckCode,
    /// MSA-2 = MSH-10 of the acknowledged message.
    pub acknowledged_control_id: String,
    /// ERR segments.
    pub errors: Vec<ErrorDetail>,
}

impl Ack {
    /// `AA`.
    pub fn accept(control_id: &str) -> Ack {
        Ack {
            code: AckCode::Accept,
            acknowledged_control_id: control_id.to_owned(),
            errors: Vec::new(),
        }
    }

    /// `AR` for header-level errors (unsupported type, event, processing id, version),
    /// `AE` otherwise, with one ERR.
    pub fn for_error(control_id: &str, error: &Hl7Error) -> Ack {
        Ack {
            code: if error.code.is_header_rejection() {
                AckCode::Reject
            } else {
                AckCode::Error
            },
            acknowledged_control_id: control_id.to_owned(),
            errors: vec![ErrorDetail::from(error)],
        }
    }
}

fn msa(code: AckCode, control_id: &str) -> SegmentBuilder {
    SegmentBuilder::new("MSA")
        .with(1, code.code())
        .with(2, control_id)
}

/// Builds `ACK^<trigger>^ACK`.
pub fn build_ack(header: &OutboundHeader, trigger: &str, ack: &Ack) -> Vec<u8> {
    let mut message = MessageBuilder::new();
    message
        .push(header.msh(["ACK", trigger, "ACK"]))
        .push(msa(ack.code, &ack.acknowledged_control_id));
    for error in &ack.errors {
        message.push(error.segment());
    }
    header.finish(&message)
}

/// The answer of the identity cross-reference to an ITI-9 query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PixOutcome {
    /// Cases 1 and 6: the patient's identifiers in the requested (or all) domains. The
    /// queried identifier is removed by the builder; when nothing remains, case 2 is written.
    Found(Vec<PatientIdentifier>),
    /// Case 2: known id, no id in the requested domains.
    NotFound,
    /// Case 3: QPD-3 domain known, id unknown (`ERR-2 = QPD^1^3^1^1`).
    UnknownPatient,
    /// Case 4: QPD-3 domain unknown (`ERR-2 = QPD^1^3^1^4`).
    UnknownSourceDomain,
    /// Case 5: QPD-4 repetitions (1-based) naming unknown domains.
    UnknownTargetDomains(Vec<u32>),
    /// Another error (e.g. `207` internal error), answered `AE`.
    Failed(ErrorDetail),
}

fn qak(tag: &str, status: &str) -> SegmentBuilder {
    SegmentBuilder::new("QAK").with(1, tag).with(2, status)
}

/// Groups identifiers by domain (first appearance order) so that the ids of one domain are in
/// successive repetitions (ITI-9 case 6).
fn grouped(identifiers: impl IntoIterator<Item = PatientIdentifier>) -> Vec<PatientIdentifier> {
    let mut out: Vec<PatientIdentifier> = Vec::new();
    for id in identifiers {
        if out.contains(&id) {
            continue;
        }
        match out.iter().rposition(|o| o.authority.same_as(&id.authority)) {
            Some(at) => out.insert(at + 1, id),
            None => out.push(id),
        }
    }
    out
}

/// Builds `RSP^K23^RSP_K23` for an ITI-9 query (`MSH MSA [ERR] QAK QPD [PID]`).
pub fn build_rsp_k23(
    header: &OutboundHeader,
    request_control_id: &str,
    query: &PixQuery,
    outcome: &PixOutcome,
) -> Vec<u8> {
    let mut message = MessageBuilder::new();
    message.push(header.msh(["RSP", "K23", "RSP_K23"]));
    let mut pid = None;
    let (code, status, errors) = match outcome {
        PixOutcome::Found(ids) => {
            let ids = grouped(
                ids.iter()
                    .filter(|id| !id.same_as(&query.patient) && id.id().is_some())
                    .cloned(),
            );
            if ids.is_empty() {
                (AckCode::Accept, "NF", vec![])
            } else {
                let names = vec![
                    vec![],
                    PersonName {
                        family: crate::types::Nullable::Absent,
                        given: None,
                        further_given: None,
                        suffix: None,
                        prefix: None,
                        name_type: crate::types::NameType::Pseudonym,
                    }
                    .to_components(),
                ];
                pid = Some(
                    SegmentBuilder::new("PID")
                        .with(
                            3,
                            FieldValue::repetitions(
                                ids.iter().map(PatientIdentifier::to_components).collect(),
                            ),
                        )
                        .with(5, FieldValue::repetitions(names)),
                );
                (AckCode::Accept, "OK", vec![])
            }
        }
        PixOutcome::NotFound => (AckCode::Accept, "NF", vec![]),
        PixOutcome::UnknownPatient => (
            AckCode::Error,
            "AE",
            vec![ErrorDetail::new(
                ErrorCode::UnknownKeyIdentifier,
                Some(ErrorLocation::field("QPD", 1, 3).component(1)),
            )],
        ),
        PixOutcome::UnknownSourceDomain => (
            AckCode::Error,
            "AE",
            vec![ErrorDetail::new(
                ErrorCode::UnknownKeyIdentifier,
                Some(ErrorLocation::field("QPD", 1, 3).component(4)),
            )],
        ),
        PixOutcome::UnknownTargetDomains(reps) => (
            AckCode::Error,
            "AE",
            reps.iter()
                .map(|&rep| {
                    ErrorDetail::new(
                        ErrorCode::UnknownKeyIdentifier,
                        Some(ErrorLocation::field("QPD", 1, 4).repetition(rep)),
                    )
                })
                .collect(),
        ),
        PixOutcome::Failed(detail) => (AckCode::Error, "AE", vec![detail.clone()]),
    };
    message.push(msa(code, request_control_id));
    for error in &errors {
        message.push(error.segment());
    }
    message.push(qak(&query.query_tag, status));
    message.push(query.qpd.clone());
    if let Some(pid) = pid {
        message.push(pid);
    }
    header.finish(&message)
}

/// One PDQ match.
#[derive(Debug, Clone, PartialEq)]
pub struct PdqMatch {
    /// The patient (every field Vigie has).
    pub patient: Patient,
    /// QRI-1 candidate confidence, 0..=1.
    pub score: Option<f64>,
}

/// A continuation (more matches than RCP-2 asked).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Continuation {
    /// DSC-1 pointer for the follow-up query.
    pub pointer: String,
    /// QAK-4 total hits.
    pub total: u32,
    /// QAK-6 hits remaining after this payload.
    pub remaining: u32,
}

/// The answer of the supplier to an ITI-21 query.
#[derive(Debug, Clone, PartialEq)]
pub enum PdqOutcome {
    /// Cases 1 and 2: matches (identifiers already limited to the requested domains or not:
    /// the builder filters them by QPD-8 and omits a PID left without identifiers).
    Found {
        /// This payload's matches.
        matches: Vec<PdqMatch>,
        /// When more remain.
        continuation: Option<Continuation>,
    },
    /// No match (`AA`/`NF`).
    NotFound,
    /// Case 3: QPD-8 repetitions naming unknown domains (one ERR each).
    UnknownDomains(Vec<u32>),
    /// Another error, answered `AE`.
    Failed(ErrorDetail),
}

fn format_score(score: f64) -> String {
    let score = if score.is_finite() {
        score.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let text = format!("{score:.4}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text.is_empty() {
        "0".to_owned()
    } else {
        text.to_owned()
    }
}

/// Builds `RSP^K22^RSP_K21` for an ITI-21 query
/// (`MSH MSA [ERR] QAK QPD [{PID [QRI]}] [DSC]`).
pub fn build_rsp_k22(
    header: &OutboundHeader,
    request_control_id: &str,
    query: &PdqQuery,
    outcome: &PdqOutcome,
) -> Vec<u8> {
    let mut message = MessageBuilder::new();
    message.push(header.msh(["RSP", "K22", "RSP_K21"]));
    let in_domains = |id: &PatientIdentifier| {
        query.domains.is_empty() || query.domains.iter().any(|(_, d)| d.same_as(&id.authority))
    };
    match outcome {
        PdqOutcome::Found {
            matches,
            continuation,
        } => {
            let groups: Vec<(Patient, Option<f64>)> = matches
                .iter()
                .map(|m| {
                    let mut patient = m.patient.clone();
                    patient
                        .identifiers
                        .retain(|id| id.id().is_some() && in_domains(id));
                    patient.identifiers = grouped(patient.identifiers);
                    (patient, m.score)
                })
                .filter(|(p, _)| !p.identifiers.is_empty())
                .collect();
            let status = if groups.is_empty() { "NF" } else { "OK" };
            message.push(msa(AckCode::Accept, request_control_id));
            let mut qak = qak(&query.query_tag, status).with(3, query.query_name.as_str());
            if let Some(c) = continuation {
                qak.set(4, c.total.to_string())
                    .set(5, groups.len().to_string())
                    .set(6, c.remaining.to_string());
            }
            message.push(qak);
            message.push(query.qpd.clone());
            for (index, (patient, score)) in groups.iter().enumerate() {
                let mut patient = patient.clone();
                patient.set_id = Some((index + 1).to_string());
                message.push(patient.to_segment());
                if let Some(score) = score {
                    message.push(SegmentBuilder::new("QRI").with(1, format_score(*score)));
                }
            }
            if let (Some(c), false) = (continuation, groups.is_empty()) {
                message.push(
                    SegmentBuilder::new("DSC")
                        .with(1, c.pointer.as_str())
                        .with(2, "I"),
                );
            }
        }
        PdqOutcome::NotFound => {
            message.push(msa(AckCode::Accept, request_control_id));
            message.push(qak(&query.query_tag, "NF").with(3, query.query_name.as_str()));
            message.push(query.qpd.clone());
        }
        PdqOutcome::UnknownDomains(reps) => {
            message.push(msa(AckCode::Error, request_control_id));
            for &rep in reps {
                message.push(
                    ErrorDetail::new(
                        ErrorCode::UnknownKeyIdentifier,
                        Some(ErrorLocation::field("QPD", 1, 8).repetition(rep)),
                    )
                    .segment(),
                );
            }
            message.push(qak(&query.query_tag, "AE").with(3, query.query_name.as_str()));
            message.push(query.qpd.clone());
        }
        PdqOutcome::Failed(detail) => {
            message.push(msa(AckCode::Error, request_control_id));
            message.push(detail.segment());
            message.push(qak(&query.query_tag, "AE").with(3, query.query_name.as_str()));
            message.push(query.qpd.clone());
        }
    }
    header.finish(&message)
}

/// Builds the ITI-10 `ADT^A31^ADT_A05` notification: `EVN|A31|<time>`, a PID with only the
/// fully qualified identifiers (one domain's ids in successive repetitions) and PID-5 = one
/// space, `PV1||N`.
pub fn build_a31_notification(
    header: &OutboundHeader,
    event_time: Timestamp,
    identifiers: &[PatientIdentifier],
) -> Vec<u8> {
    let ids = grouped(identifiers.iter().filter(|id| id.id().is_some()).cloned());
    let mut message = MessageBuilder::new();
    message
        .push(header.msh(["ADT", "A31", "ADT_A05"]))
        .push(
            SegmentBuilder::new("EVN")
                .with(1, "A31")
                .with(2, event_time.to_string()),
        )
        .push(
            SegmentBuilder::new("PID")
                .with(
                    3,
                    FieldValue::repetitions(
                        ids.iter().map(PatientIdentifier::to_components).collect(),
                    ),
                )
                .with(5, FieldValue::raw(" ")),
        )
        .push(SegmentBuilder::new("PV1").with(2, "N"));
    header.finish(&message)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn scores_are_short_and_bounded() {
        assert_eq!(format_score(0.9), "0.9");
        assert_eq!(format_score(1.0), "1");
        assert_eq!(format_score(0.0), "0");
        assert_eq!(format_score(f64::NAN), "0");
        assert_eq!(format_score(0.123456), "0.1235");
    }

    #[test]
    fn ids_of_a_domain_are_grouped() {
        let a = AssigningAuthority::new("A", "1.1", "ISO");
        let b = AssigningAuthority::new("B", "1.2", "ISO");
        let ids = vec![
            PatientIdentifier::new("a1", a.clone(), Some("PI")),
            PatientIdentifier::new("b1", b.clone(), Some("PI")),
            PatientIdentifier::new("a2", a.clone(), Some("PI")),
            PatientIdentifier::new("a1", a, Some("PI")),
        ];
        let values: Vec<_> = grouped(ids)
            .iter()
            .map(|i| i.id().unwrap().to_owned())
            .collect();
        assert_eq!(values, vec!["a1", "a2", "b1"]);
    }
}
