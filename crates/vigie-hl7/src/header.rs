//! The message header (MSH) as plain data: applications and facilities, type, control id,
//! version, character set; and the check of the message type and version against what Vigie
//! supports (IHE ITI TF-2 App. C: unknown type `200`, trigger `201`, version `203`).

use crate::charset::Charset;
use crate::er7::{Message, Segment};
use crate::error::{ErrorCode, ErrorKind, ErrorLocation, Hl7Error};
use crate::timestamp::Timestamp;
use crate::types::AssigningAuthority;

/// MSH-9: message type, trigger event, message structure.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MessageType {
    /// MSH-9.1 (`ADT`, `QBP`, `QCN`, `ACK`, `RSP`).
    pub code: String,
    /// MSH-9.2 (`A01`, `Q23`…).
    pub trigger: String,
    /// MSH-9.3 (`ADT_A01`…), optional in v2.3.1.
    pub structure: Option<String>,
}

/// MSH-12: version id, with the PAM France country and profile version
/// (`2.5^FRA^2.11`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VersionId {
    /// MSH-12.1 (`2.5`, `2.3.1`).
    pub version: String,
    /// MSH-12.2 internationalisation code (`FRA`).
    pub country: Option<String>,
    /// MSH-12.3 international version (PAM France profile version, `2.11`).
    pub profile_version: Option<String>,
}

/// The MSH of a received message.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MessageHeader {
    /// MSH-3.
    pub sending_application: AssigningAuthority,
    /// MSH-4.
    pub sending_facility: AssigningAuthority,
    /// MSH-5 (ITI-21: selects the patient information source).
    pub receiving_application: AssigningAuthority,
    /// MSH-6.
    pub receiving_facility: AssigningAuthority,
    /// MSH-7, when readable.
    pub timestamp: Option<Timestamp>,
    /// MSH-9.
    pub message_type: MessageType,
    /// MSH-10 message control id (echoed in MSA-2).
    pub control_id: String,
    /// MSH-11 processing id (`P`, `T`, `D`; mode in component 2), raw.
    pub processing_id: String,
    /// MSH-11.2 processing mode, when given (`T` in `P^T`).
    pub processing_mode: Option<String>,
    /// MSH-12.
    pub version: VersionId,
    /// MSH-15 accept acknowledgement type (table 0155).
    pub accept_ack: Option<String>,
    /// MSH-16 application acknowledgement type.
    pub application_ack: Option<String>,
    /// MSH-17 country code (`FRA`).
    pub country: Option<String>,
    /// MSH-18, as read.
    pub charset: Charset,
    /// MSH-21 message profile identifiers, first repetition raw (`2.11^IHE_FRANCE-2.11-PAM`).
    pub profile: Option<String>,
}

fn opt(text: std::borrow::Cow<'_, str>) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

impl MessageHeader {
    /// Reads the MSH of a parsed message. Only what every reply needs is required: MSH-9.1 and
    /// MSH-10 (`101`); the rest is read leniently (IPF fixtures have an empty MSH-7).
    ///
    /// # Errors
    /// No MSH (`100`), empty MSH-9.1 or MSH-10 (`101`).
    pub fn read(message: &Message) -> Result<MessageHeader, Hl7Error> {
        let msh = message
            .segment("MSH")
            .ok_or_else(|| Hl7Error::missing_segment("MSH"))?;
        let header = MessageHeader::read_lenient(&msh, message.charset());
        if header.message_type.code.is_empty() {
            return Err(Hl7Error::missing(
                ErrorLocation::field("MSH", 1, 9).component(1),
            ));
        }
        if header.control_id.is_empty() {
            return Err(Hl7Error::missing(ErrorLocation::field("MSH", 1, 10)));
        }
        Ok(header)
    }

    /// Reads whatever the MSH holds, never failing (for answering a broken message).
    pub fn read_lenient(msh: &Segment<'_>, charset: Charset) -> MessageHeader {
        let hd = |n| AssigningAuthority::from_components(&msh.field(n).repetition(1));
        let msh9 = msh.field(9);
        let msh11 = msh.field(11);
        let msh12 = msh.field(12);
        MessageHeader {
            sending_application: hd(3),
            sending_facility: hd(4),
            receiving_application: hd(5),
            receiving_facility: hd(6),
            timestamp: Timestamp::parse(&msh.field(7).text()).ok(),
            message_type: MessageType {
                code: msh9.component(1).text().trim().to_owned(),
                trigger: msh9.component(2).text().trim().to_owned(),
                structure: opt(msh9.component(3).text()),
            },
            control_id: msh.field(10).text().trim().to_owned(),
            processing_id: msh11.component(1).text().trim().to_owned(),
            processing_mode: opt(msh11.component(2).text()),
            version: VersionId {
                version: msh12.component(1).text().trim().to_owned(),
                country: opt(msh12.component(2).text()),
                profile_version: opt(msh12.component(3).text()),
            },
            accept_ack: opt(msh.field(15).text()),
            application_ack: opt(msh.field(16).text()),
            country: opt(msh.field(17).text()),
            charset,
            profile: opt(std::borrow::Cow::Borrowed(
                msh.field(21).repetition(1).raw(),
            )),
        }
    }
}

/// The IHE transaction a message belongs to, which fixes its accepted HL7 versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transaction {
    /// ITI-8 Patient Identity Feed (HL7 v2.3.1): A01, A04, A05, A08, A40.
    Iti8,
    /// ITI-9 PIX Query (v2.5): QBP^Q23.
    Iti9,
    /// ITI-21 Patient Demographics Query (v2.5): QBP^Q22, QCN^J01.
    Iti21,
    /// ITI-30 Patient Identity Management (v2.5, PAM France): A28, A31, A47, A40, A24, A37.
    Iti30,
}

impl Transaction {
    /// The versions Vigie accepts: ITI-8 was written for 2.3.1 and is accepted up to 2.5.1
    /// (ITI-8 feeds in 2.5 are common); the v2.5 transactions accept 2.5 and 2.5.1.
    pub fn accepts_version(self, version: &str) -> bool {
        match self {
            Transaction::Iti8 => matches!(version, "2.3.1" | "2.3" | "2.4" | "2.5" | "2.5.1"),
            Transaction::Iti9 | Transaction::Iti21 | Transaction::Iti30 => {
                matches!(version, "2.5" | "2.5.1")
            }
        }
    }
}

/// Rejects an unsupported version (`203` at `MSH^1^12`). A40 belongs to ITI-8 and ITI-30: it
/// is accepted in the union of both.
///
/// # Errors
/// When no given transaction accepts the version.
pub fn check_version(header: &MessageHeader, transactions: &[Transaction]) -> Result<(), Hl7Error> {
    let version = header.version.version.as_str();
    if transactions.iter().any(|t| t.accepts_version(version)) {
        Ok(())
    } else {
        Err(Hl7Error::new(
            ErrorCode::UnsupportedVersionId,
            ErrorKind::UnsupportedVersion,
            Some(ErrorLocation::field("MSH", 1, 12)),
        ))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_pam_france_header() {
        let message = Message::parse(
            "MSH|^~\\&|Gazelle|PAM_FR|PatientManager|PAM_FR|20210318151910||ADT^A31^ADT_A05|20210318151910|P|2.5^FRA^2.10||||||UNICODE UTF-8|||2.11^IHE_FRANCE-2.11-PAM\r",
        )
        .unwrap();
        let header = MessageHeader::read(&message).unwrap();
        assert_eq!(
            header.sending_application.namespace.as_deref(),
            Some("Gazelle")
        );
        assert_eq!(header.message_type.trigger, "A31");
        assert_eq!(header.message_type.structure.as_deref(), Some("ADT_A05"));
        assert_eq!(header.version.country.as_deref(), Some("FRA"));
        assert_eq!(header.version.profile_version.as_deref(), Some("2.10"));
        assert_eq!(header.charset, Charset::Utf8);
        assert_eq!(header.profile.as_deref(), Some("2.11^IHE_FRANCE-2.11-PAM"));
        assert_eq!(header.timestamp.unwrap().to_string(), "20210318151910");
        assert!(check_version(&header, &[Transaction::Iti30]).is_ok());
    }

    #[test]
    fn missing_control_id_and_bad_version() {
        let message = Message::parse("MSH|^~\\&|A|B|C|D|||ADT^A01||P|2.3.1\r").unwrap();
        let err = MessageHeader::read(&message).unwrap_err();
        assert_eq!(err.location.unwrap().to_string(), "MSH^1^10");
        let message = Message::parse("MSH|^~\\&|A|B|C|D|||QBP^Q23|1|P|2.3.1\r").unwrap();
        let header = MessageHeader::read(&message).unwrap();
        let err = check_version(&header, &[Transaction::Iti9]).unwrap_err();
        assert_eq!(err.code.code(), 203);
    }
}
