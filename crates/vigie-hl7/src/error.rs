//! Typed HL7 errors: the table-0357 code, the ERR-2 location (ERL) and what went wrong.
//!
//! Every error the parsers and the message mapping return is an [`Hl7Error`]: it says which
//! segment, field, repetition, component and sub-component are concerned (for ERR-2) and which
//! HL7 table 0357 code applies (for ERR-3), so that the server can answer with an ACK or an RSP
//! without interpreting the error. Errors never carry patient data (names, dates, identifiers):
//! only positions, codes and fixed texts.

use std::fmt;

/// HL7 table 0357, message error condition codes (IHE ITI TF-2 App. C).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// `0` message accepted.
    Accepted,
    /// `100` segment sequence error (missing, extra or misplaced segment).
    SegmentSequence,
    /// `101` required field missing.
    RequiredFieldMissing,
    /// `102` data type error.
    DataType,
    /// `103` table value not found.
    TableValueNotFound,
    /// `200` unsupported message type.
    UnsupportedMessageType,
    /// `201` unsupported event code.
    UnsupportedEventCode,
    /// `202` unsupported processing id.
    UnsupportedProcessingId,
    /// `203` unsupported version id.
    UnsupportedVersionId,
    /// `204` unknown key identifier.
    UnknownKeyIdentifier,
    /// `205` duplicate key identifier.
    DuplicateKeyIdentifier,
    /// `206` application record locked.
    ApplicationRecordLocked,
    /// `207` application internal error.
    ApplicationInternalError,
}

impl ErrorCode {
    /// The numeric code (ERR-3.1).
    pub fn code(self) -> u16 {
        match self {
            ErrorCode::Accepted => 0,
            ErrorCode::SegmentSequence => 100,
            ErrorCode::RequiredFieldMissing => 101,
            ErrorCode::DataType => 102,
            ErrorCode::TableValueNotFound => 103,
            ErrorCode::UnsupportedMessageType => 200,
            ErrorCode::UnsupportedEventCode => 201,
            ErrorCode::UnsupportedProcessingId => 202,
            ErrorCode::UnsupportedVersionId => 203,
            ErrorCode::UnknownKeyIdentifier => 204,
            ErrorCode::DuplicateKeyIdentifier => 205,
            ErrorCode::ApplicationRecordLocked => 206,
            ErrorCode::ApplicationInternalError => 207,
        }
    }

    /// The table-0357 text (ERR-3.2).
    pub fn text(self) -> &'static str {
        match self {
            ErrorCode::Accepted => "Message accepted",
            ErrorCode::SegmentSequence => "Segment sequence error",
            ErrorCode::RequiredFieldMissing => "Required field missing",
            ErrorCode::DataType => "Data type error",
            ErrorCode::TableValueNotFound => "Table value not found",
            ErrorCode::UnsupportedMessageType => "Unsupported message type",
            ErrorCode::UnsupportedEventCode => "Unsupported event code",
            ErrorCode::UnsupportedProcessingId => "Unsupported processing id",
            ErrorCode::UnsupportedVersionId => "Unsupported version id",
            ErrorCode::UnknownKeyIdentifier => "Unknown key identifier",
            ErrorCode::DuplicateKeyIdentifier => "Duplicate key identifier",
            ErrorCode::ApplicationRecordLocked => "Application record locked",
            ErrorCode::ApplicationInternalError => "Application internal error",
        }
    }

    /// The code of a number, if it is in table 0357.
    pub fn from_code(code: u16) -> Option<ErrorCode> {
        Some(match code {
            0 => ErrorCode::Accepted,
            100 => ErrorCode::SegmentSequence,
            101 => ErrorCode::RequiredFieldMissing,
            102 => ErrorCode::DataType,
            103 => ErrorCode::TableValueNotFound,
            200 => ErrorCode::UnsupportedMessageType,
            201 => ErrorCode::UnsupportedEventCode,
            202 => ErrorCode::UnsupportedProcessingId,
            203 => ErrorCode::UnsupportedVersionId,
            204 => ErrorCode::UnknownKeyIdentifier,
            205 => ErrorCode::DuplicateKeyIdentifier,
            206 => ErrorCode::ApplicationRecordLocked,
            207 => ErrorCode::ApplicationInternalError,
            _ => return None,
        })
    }

    /// Whether the error lies in the message header, so that App. C answers `AR` (reject)
    /// rather than `AE` (error): unsupported type, event, processing id or version.
    pub fn is_header_rejection(self) -> bool {
        matches!(
            self,
            ErrorCode::UnsupportedMessageType
                | ErrorCode::UnsupportedEventCode
                | ErrorCode::UnsupportedProcessingId
                | ErrorCode::UnsupportedVersionId
        )
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.code(), self.text())
    }
}

/// An ERR-2 error location (ERL): segment id ^ segment sequence ^ field ^ field repetition ^
/// component ^ sub-component, every number 1-based; trailing parts may be absent.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ErrorLocation {
    /// Segment id (`MSH`, `PID`, `QPD`…).
    pub segment: String,
    /// Occurrence of that segment in the message (1 for the first `PID`, 2 for the second…).
    pub sequence: u32,
    /// Field number (MSH-1 is the field separator).
    pub field: Option<u32>,
    /// Field repetition.
    pub repetition: Option<u32>,
    /// Component.
    pub component: Option<u32>,
    /// Sub-component.
    pub subcomponent: Option<u32>,
}

impl ErrorLocation {
    /// A location of a whole segment.
    pub fn segment(segment: &str, sequence: u32) -> ErrorLocation {
        ErrorLocation {
            segment: segment.chars().take(3).collect(),
            sequence,
            field: None,
            repetition: None,
            component: None,
            subcomponent: None,
        }
    }

    /// A location of a field (in the first occurrence of `segment` unless `sequence` says).
    pub fn field(segment: &str, sequence: u32, field: u32) -> ErrorLocation {
        ErrorLocation {
            field: Some(field),
            ..ErrorLocation::segment(segment, sequence)
        }
    }

    /// Narrows to a repetition.
    pub fn repetition(mut self, repetition: u32) -> ErrorLocation {
        self.repetition = Some(repetition);
        self
    }

    /// Narrows to a component (the repetition defaults to 1).
    pub fn component(mut self, component: u32) -> ErrorLocation {
        self.repetition.get_or_insert(1);
        self.component = Some(component);
        self
    }

    /// Narrows to a sub-component (repetition and component default to 1).
    pub fn subcomponent(mut self, subcomponent: u32) -> ErrorLocation {
        self.repetition.get_or_insert(1);
        self.component.get_or_insert(1);
        self.subcomponent = Some(subcomponent);
        self
    }

    /// The ERL components as strings, trailing absent parts dropped (`["QPD","1","3","1","1"]`).
    pub fn components(&self) -> Vec<String> {
        let mut parts = vec![self.segment.clone(), self.sequence.to_string()];
        let rest = [
            self.field,
            self.repetition,
            self.component,
            self.subcomponent,
        ];
        let last = rest.iter().rposition(Option::is_some);
        if let Some(last) = last {
            for part in rest.iter().take(last + 1) {
                parts.push(part.map(|n| n.to_string()).unwrap_or_default());
            }
        }
        parts
    }
}

impl fmt::Display for ErrorLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.components().join("^"))
    }
}

/// What went wrong, without any value from the message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The message is empty or does not start with an `MSH` segment.
    #[error("the message does not start with an MSH segment")]
    NoHeader,
    /// The MSH encoding characters are missing, repeated or not punctuation.
    #[error("invalid encoding characters in MSH-1/MSH-2")]
    BadEncodingCharacters,
    /// A segment id is not three upper-case letters or digits.
    #[error("invalid segment id")]
    BadSegmentId,
    /// The message is larger than the parser accepts.
    #[error("message too large")]
    TooLarge,
    /// MSH-18 names a character set the parser cannot decode.
    #[error("unsupported character set in MSH-18")]
    UnsupportedCharset,
    /// A required segment is missing.
    #[error("required segment {segment} is missing")]
    MissingSegment {
        /// The segment id.
        segment: &'static str,
    },
    /// A segment appears where it should not (second patient group, …).
    #[error("unexpected segment")]
    UnexpectedSegment,
    /// A required field or component is empty.
    #[error("required value is missing")]
    MissingValue,
    /// A value does not have the expected data type (timestamp, number, path…).
    #[error("value has the wrong data type")]
    BadValue,
    /// A coded value is not in its table.
    #[error("value is not in its table")]
    UnknownTableValue,
    /// The message type (MSH-9.1) is not supported.
    #[error("unsupported message type")]
    UnsupportedMessageType,
    /// The trigger event (MSH-9.2) is not supported for that message type.
    #[error("unsupported trigger event")]
    UnsupportedEvent,
    /// The HL7 version (MSH-12) is not supported for that transaction.
    #[error("unsupported HL7 version")]
    UnsupportedVersion,
    /// `@PID.3.1` given without an assigning authority (`@PID.3.4…`), forbidden by ITI-21.
    #[error("an identifier parameter has no assigning authority")]
    IdentifierWithoutAuthority,
}

/// A typed HL7 error: what, where (ERR-2) and which table-0357 code (ERR-3).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {kind}{}", location.as_ref().map(|l| format!(" at {l}")).unwrap_or_default())]
pub struct Hl7Error {
    /// Table-0357 code for ERR-3.
    pub code: ErrorCode,
    /// Location for ERR-2, when the error lies in a field or segment.
    pub location: Option<ErrorLocation>,
    /// What went wrong.
    pub kind: ErrorKind,
}

impl Hl7Error {
    /// Builds an error.
    pub fn new(code: ErrorCode, kind: ErrorKind, location: Option<ErrorLocation>) -> Hl7Error {
        Hl7Error {
            code,
            location,
            kind,
        }
    }

    /// A required segment is missing (`100`).
    pub fn missing_segment(segment: &'static str) -> Hl7Error {
        Hl7Error::new(
            ErrorCode::SegmentSequence,
            ErrorKind::MissingSegment { segment },
            Some(ErrorLocation::segment(segment, 1)),
        )
    }

    /// A required value is missing (`101`).
    pub fn missing(location: ErrorLocation) -> Hl7Error {
        Hl7Error::new(
            ErrorCode::RequiredFieldMissing,
            ErrorKind::MissingValue,
            Some(location),
        )
    }

    /// A value has the wrong data type (`102`).
    pub fn bad_value(location: ErrorLocation) -> Hl7Error {
        Hl7Error::new(ErrorCode::DataType, ErrorKind::BadValue, Some(location))
    }

    /// A coded value is not in its table (`103`).
    pub fn unknown_table_value(location: ErrorLocation) -> Hl7Error {
        Hl7Error::new(
            ErrorCode::TableValueNotFound,
            ErrorKind::UnknownTableValue,
            Some(location),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_drop_trailing_parts_but_keep_inner_gaps() {
        assert_eq!(
            ErrorLocation::field("QPD", 1, 3).component(1).to_string(),
            "QPD^1^3^1^1"
        );
        assert_eq!(
            ErrorLocation::field("QPD", 1, 4).repetition(2).to_string(),
            "QPD^1^4^2"
        );
        assert_eq!(ErrorLocation::field("MSH", 1, 12).to_string(), "MSH^1^12");
        let gap = ErrorLocation {
            repetition: None,
            component: Some(4),
            ..ErrorLocation::field("QPD", 1, 3)
        };
        assert_eq!(gap.to_string(), "QPD^1^3^^4");
    }

    #[test]
    fn codes_round_trip() {
        for code in [
            0, 100, 101, 102, 103, 200, 201, 202, 203, 204, 205, 206, 207,
        ] {
            assert_eq!(ErrorCode::from_code(code).map(ErrorCode::code), Some(code));
        }
        assert_eq!(ErrorCode::from_code(999), None);
    }
}
