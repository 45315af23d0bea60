//! A small, total ER7 (pipe-and-hat) parser: a message is split once into segments and fields;
//! repetitions, components and sub-components are split on access; values are unescaped on
//! access ([`crate::escape`]).
//!
//! Segment terminators may be CR (the standard), LF or CRLF; blank lines are skipped. Field
//! numbers follow HL7: `MSH-1` is the field separator, `MSH-2` the encoding characters, and for
//! every other segment field 1 is the first after the segment id. Repetition, component and
//! sub-component numbers are 1-based; a position past the end reads as empty. Nothing here
//! panics on any input: malformed messages give an [`Hl7Error`] with an ERR-2 location.

use std::borrow::Cow;
use std::ops::Range;

use crate::charset::{self, Charset};
use crate::error::{ErrorCode, ErrorKind, ErrorLocation, Hl7Error};
use crate::escape::{Separators, unescape};

/// Largest message the parser accepts (bytes of decoded text).
pub const MAX_MESSAGE_LEN: usize = 16 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Span {
    start: u32,
    end: u32,
}

impl Span {
    fn range(self) -> Range<usize> {
        self.start as usize..self.end as usize
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct SegmentSpan {
    whole: Span,
    /// Index of the first field span in `Message::fields`.
    first_field: u32,
    n_fields: u32,
    /// 1-based occurrence of this segment id.
    sequence: u32,
}

/// A parsed ER7 message: the decoded text and the positions of its segments and fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    text: String,
    separators: Separators,
    charset: Charset,
    charset_fallback: bool,
    segments: Vec<SegmentSpan>,
    /// Split of each segment on the field separator; index 0 of a segment is its id.
    fields: Vec<Span>,
}

impl Message {
    /// Decodes bytes per MSH-18 ([`crate::charset`]) and parses them.
    ///
    /// # Errors
    /// An unsupported MSH-18 (`103` at `MSH^1^18`) or any error of [`Message::parse`].
    pub fn parse_bytes(bytes: &[u8]) -> Result<Message, Hl7Error> {
        if bytes.len() > MAX_MESSAGE_LEN {
            return Err(Hl7Error::new(
                ErrorCode::ApplicationInternalError,
                ErrorKind::TooLarge,
                None,
            ));
        }
        let decoded = charset::decode(bytes).ok_or_else(|| {
            Hl7Error::new(
                ErrorCode::TableValueNotFound,
                ErrorKind::UnsupportedCharset,
                Some(ErrorLocation::field("MSH", 1, 18)),
            )
        })?;
        let mut message = Message::parse_text(decoded.text)?;
        message.charset = decoded.charset;
        message.charset_fallback = decoded.fallback;
        Ok(message)
    }

    /// Parses already decoded text (MSH-18 is then only informative).
    ///
    /// # Errors
    /// No `MSH` at the start (`100`), bad encoding characters (`102` at `MSH^1^2`), a bad
    /// segment id (`100` at that segment), a message over [`MAX_MESSAGE_LEN`].
    pub fn parse(text: &str) -> Result<Message, Hl7Error> {
        let mut message = Message::parse_text(text.to_owned())?;
        message.charset = message
            .segment("MSH")
            .map(|msh| msh.field(18).component(1).text())
            .and_then(|value| Charset::from_msh18(&value))
            .unwrap_or(Charset::Default);
        Ok(message)
    }

    fn parse_text(mut text: String) -> Result<Message, Hl7Error> {
        if text.len() > MAX_MESSAGE_LEN {
            return Err(Hl7Error::new(
                ErrorCode::ApplicationInternalError,
                ErrorKind::TooLarge,
                None,
            ));
        }
        // Leading white space and a BOM are tolerated; the message starts at MSH.
        let skip = text.len()
            - text
                .trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n'])
                .len();
        if skip > 0 {
            text.drain(..skip);
        }
        let no_header = || Hl7Error::new(ErrorCode::SegmentSequence, ErrorKind::NoHeader, None);
        if !text.starts_with("MSH") {
            return Err(no_header());
        }
        let separators = read_separators(&text)?;
        let field_sep = separators.field;
        let mut segments = Vec::new();
        let mut fields = Vec::new();
        let mut counts: Vec<([u8; 3], u32)> = Vec::new();
        let mut offset = 0usize;
        for line in text.split(['\r', '\n']) {
            let start = offset;
            offset += line.len() + 1;
            if line.trim().is_empty() {
                continue;
            }
            let id = line.get(..3).unwrap_or("");
            let id_ok = id.len() == 3
                && id
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
                && line
                    .get(3..)
                    .and_then(|rest| rest.chars().next())
                    .is_none_or(|c| c == field_sep);
            let key: [u8; 3] = id.as_bytes().try_into().unwrap_or([0; 3]);
            let sequence = match counts.iter_mut().find(|(k, _)| *k == key) {
                Some((_, n)) => {
                    *n += 1;
                    *n
                }
                None => {
                    counts.push((key, 1));
                    1
                }
            };
            if !id_ok {
                let shown: String = id.chars().filter(char::is_ascii_alphanumeric).collect();
                return Err(Hl7Error::new(
                    ErrorCode::SegmentSequence,
                    ErrorKind::BadSegmentId,
                    Some(ErrorLocation::segment(&shown, sequence)),
                ));
            }
            let first_field = fields.len() as u32;
            let mut field_start = start;
            for (index, c) in line.char_indices() {
                if c == field_sep {
                    fields.push(span(field_start, start + index));
                    field_start = start + index + c.len_utf8();
                }
            }
            fields.push(span(field_start, start + line.len()));
            segments.push(SegmentSpan {
                whole: span(start, start + line.len()),
                first_field,
                n_fields: fields.len() as u32 - first_field,
                sequence,
            });
        }
        if segments.is_empty() {
            return Err(no_header());
        }
        Ok(Message {
            text,
            separators,
            charset: Charset::Default,
            charset_fallback: false,
            segments,
            fields,
        })
    }

    /// The decoded text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The encoding characters of this message.
    pub fn separators(&self) -> Separators {
        self.separators
    }

    /// The character set read from MSH-18.
    pub fn charset(&self) -> Charset {
        self.charset
    }

    /// The bytes did not fit the declared MSH-18 and were read as Windows-1252.
    pub fn charset_fallback(&self) -> bool {
        self.charset_fallback
    }

    /// Every segment, in order.
    pub fn segments(&self) -> impl Iterator<Item = Segment<'_>> {
        (0..self.segments.len()).filter_map(move |index| self.segment_at(index))
    }

    /// The segment at a 0-based position.
    pub fn segment_at(&self, index: usize) -> Option<Segment<'_>> {
        let span = self.segments.get(index)?;
        let start = span.first_field as usize;
        let fields = self.fields.get(start..start + span.n_fields as usize)?;
        Some(Segment {
            message: self,
            index,
            sequence: span.sequence,
            raw: self.text.get(span.whole.range()).unwrap_or(""),
            fields,
        })
    }

    /// The first segment with this id.
    pub fn segment(&self, id: &str) -> Option<Segment<'_>> {
        self.segments().find(|segment| segment.id() == id)
    }

    /// Number of segments.
    pub fn len(&self) -> usize {
        self.segments.len()
    }

    /// Never true for a parsed message (it has at least its MSH); for API completeness.
    pub fn is_empty(&self) -> bool {
        self.segments.is_empty()
    }
}

fn span(start: usize, end: usize) -> Span {
    Span {
        start: start as u32,
        end: end as u32,
    }
}

fn read_separators(text: &str) -> Result<Separators, Hl7Error> {
    let bad = || {
        Hl7Error::new(
            ErrorCode::DataType,
            ErrorKind::BadEncodingCharacters,
            Some(ErrorLocation::field("MSH", 1, 2)),
        )
    };
    let mut chars = text.chars().skip(3);
    let field = chars.next().ok_or_else(bad)?;
    let encoding: Vec<char> = chars
        .take_while(|&c| c != field && c != '\r' && c != '\n')
        .collect();
    if !(4..=5).contains(&encoding.len()) {
        return Err(bad());
    }
    let mut all = vec![field];
    all.extend(&encoding);
    let distinct = all
        .iter()
        .enumerate()
        .all(|(i, c)| !all.iter().skip(i + 1).any(|d| d == c));
    if !distinct || !all.iter().all(char::is_ascii_punctuation) {
        return Err(bad());
    }
    match encoding.as_slice() {
        [component, repetition, escape, subcomponent, ..] => Ok(Separators {
            field,
            component: *component,
            repetition: *repetition,
            escape: *escape,
            subcomponent: *subcomponent,
        }),
        _ => Err(bad()),
    }
}

/// One segment of a [`Message`].
#[derive(Debug, Clone, Copy)]
pub struct Segment<'m> {
    message: &'m Message,
    index: usize,
    sequence: u32,
    raw: &'m str,
    fields: &'m [Span],
}

impl<'m> Segment<'m> {
    /// The segment id (`MSH`, `PID`…).
    pub fn id(&self) -> &'m str {
        self.raw.get(..3).unwrap_or("")
    }

    /// 0-based position in the message.
    pub fn index(&self) -> usize {
        self.index
    }

    /// 1-based occurrence of this id in the message (ERL segment sequence).
    pub fn sequence(&self) -> u32 {
        self.sequence
    }

    /// The raw text of the segment.
    pub fn raw(&self) -> &'m str {
        self.raw
    }

    /// The separators of the message.
    pub fn separators(&self) -> Separators {
        self.message.separators
    }

    /// Number of the last field present (trailing empty fields included as written).
    pub fn field_count(&self) -> usize {
        let split = self.fields.len().saturating_sub(1);
        if self.id() == "MSH" { split + 1 } else { split }
    }

    /// Field `number` (HL7 numbering); empty when absent.
    pub fn field(&self, number: usize) -> Field<'m> {
        let separators = self.message.separators;
        let is_msh = self.id() == "MSH";
        let literal = |raw: &'m str| Field {
            raw,
            separators,
            literal: true,
        };
        if is_msh && number == 1 {
            let end = self
                .raw
                .char_indices()
                .nth(4)
                .map_or(self.raw.len(), |(i, _)| i);
            return literal(self.raw.get(3..end).unwrap_or(""));
        }
        let split_index = if is_msh {
            number.saturating_sub(1)
        } else {
            number
        };
        if number == 0 {
            return literal("");
        }
        let raw = self
            .fields
            .get(split_index)
            .and_then(|span| self.message.text.get(span.range()))
            .unwrap_or("");
        Field {
            raw,
            separators,
            literal: is_msh && number == 2,
        }
    }

    /// The location of a field of this segment, for ERR-2.
    pub fn location(&self, field: u32) -> ErrorLocation {
        ErrorLocation::field(self.id(), self.sequence, field)
    }

    /// The location of this segment, for ERR-2.
    pub fn segment_location(&self) -> ErrorLocation {
        ErrorLocation::segment(self.id(), self.sequence)
    }
}

/// A field: its repetitions, and shortcuts to the first repetition's components.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field<'m> {
    raw: &'m str,
    separators: Separators,
    /// MSH-1 and MSH-2 are not split.
    literal: bool,
}

impl<'m> Field<'m> {
    /// The raw (escaped) text.
    pub fn raw(&self) -> &'m str {
        self.raw
    }

    /// True when empty (not present: "keep the stored value").
    pub fn is_empty(&self) -> bool {
        self.raw.is_empty()
    }

    /// True for the explicit null `""` ("delete the stored value").
    pub fn is_null(&self) -> bool {
        self.raw == "\"\""
    }

    /// The repetitions (one empty repetition for an empty field).
    pub fn repetitions(&self) -> impl Iterator<Item = Repetition<'m>> + use<'m> {
        let separators = self.separators;
        let literal = self.literal;
        split_level(self.raw, separators.repetition, literal).map(move |raw| Repetition {
            raw,
            separators,
            literal,
        })
    }

    /// Non-empty repetitions only.
    pub fn values(&self) -> impl Iterator<Item = Repetition<'m>> + use<'m> {
        self.repetitions().filter(|rep| !rep.is_empty())
    }

    /// Repetition `number` (1-based); empty when absent.
    pub fn repetition(&self, number: usize) -> Repetition<'m> {
        number
            .checked_sub(1)
            .and_then(|n| self.repetitions().nth(n))
            .unwrap_or(Repetition {
                raw: "",
                separators: self.separators,
                literal: self.literal,
            })
    }

    /// Component `number` of the first repetition.
    pub fn component(&self, number: usize) -> Component<'m> {
        self.repetition(1).component(number)
    }

    /// The unescaped text of the first repetition's first component's first sub-component.
    pub fn text(&self) -> Cow<'m, str> {
        self.component(1).text()
    }
}

/// The parts of one level (repetitions, components, sub-components): split on `separator`, or
/// the whole text for MSH-1/MSH-2, which are never split. No allocation: navigation runs for
/// every field a message mapping reads.
fn split_level(raw: &str, separator: char, literal: bool) -> impl Iterator<Item = &str> {
    let (whole, split) = if literal {
        (Some(raw), None)
    } else {
        (None, Some(raw.split(separator)))
    };
    whole.into_iter().chain(split.into_iter().flatten())
}

/// A repetition of a field: its components.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Repetition<'m> {
    raw: &'m str,
    separators: Separators,
    literal: bool,
}

impl<'m> Repetition<'m> {
    /// The raw (escaped) text.
    pub fn raw(&self) -> &'m str {
        self.raw
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.raw.is_empty()
    }

    /// True for the explicit null `""`.
    pub fn is_null(&self) -> bool {
        self.raw == "\"\""
    }

    /// The components (one for an empty repetition).
    pub fn components(&self) -> impl Iterator<Item = Component<'m>> + use<'m> {
        let separators = self.separators;
        let literal = self.literal;
        split_level(self.raw, separators.component, literal).map(move |raw| Component {
            raw,
            separators,
            literal,
        })
    }

    /// Component `number` (1-based); empty when absent.
    pub fn component(&self, number: usize) -> Component<'m> {
        number
            .checked_sub(1)
            .and_then(|n| self.components().nth(n))
            .unwrap_or(Component {
                raw: "",
                separators: self.separators,
                literal: self.literal,
            })
    }
}

/// A component: its sub-components.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Component<'m> {
    raw: &'m str,
    separators: Separators,
    literal: bool,
}

impl<'m> Component<'m> {
    /// The raw (escaped) text.
    pub fn raw(&self) -> &'m str {
        self.raw
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.raw.is_empty()
    }

    /// True for the explicit null `""`.
    pub fn is_null(&self) -> bool {
        self.raw == "\"\""
    }

    /// The raw sub-components (one for an empty component).
    pub fn subcomponents(&self) -> impl Iterator<Item = &'m str> + use<'m> {
        split_level(self.raw, self.separators.subcomponent, self.literal)
    }

    /// Sub-component `number` (1-based), unescaped; empty when absent.
    pub fn subcomponent(&self, number: usize) -> Cow<'m, str> {
        let raw = number
            .checked_sub(1)
            .and_then(|n| self.subcomponents().nth(n))
            .unwrap_or("");
        self.unescape(raw)
    }

    /// The first sub-component, unescaped (the component's value when it has no
    /// sub-components).
    pub fn text(&self) -> Cow<'m, str> {
        self.subcomponent(1)
    }

    /// The whole component unescaped, sub-component separators included.
    pub fn full_text(&self) -> Cow<'m, str> {
        self.unescape(self.raw)
    }

    fn unescape(&self, raw: &'m str) -> Cow<'m, str> {
        if self.literal {
            Cow::Borrowed(raw)
        } else {
            unescape(raw, &self.separators)
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const A01: &str = "MSH|^~\\&|APP|FAC|RCV|RFAC|20240101120000||ADT^A01^ADT_A01|MSG1|P|2.5\rEVN|A01|20240101\rPID|1||123^^^NS&1.2.3&ISO^PI~\"\"^^^&1.2&ISO||Le Gall\\S\\x^Hélène~^Ann||19800315|F\r";

    #[test]
    fn fields_components_and_subcomponents() {
        let message = Message::parse(A01).unwrap();
        assert_eq!(message.len(), 3);
        let msh = message.segment("MSH").unwrap();
        assert_eq!(msh.field(1).raw(), "|");
        assert_eq!(msh.field(2).raw(), "^~\\&");
        assert_eq!(msh.field(2).text(), "^~\\&");
        assert_eq!(msh.field(9).component(2).text(), "A01");
        assert_eq!(msh.field(12).text(), "2.5");
        assert_eq!(msh.field(40).raw(), "");
        let pid = message.segment("PID").unwrap();
        let cx = pid.field(3).repetition(1);
        assert_eq!(cx.component(4).subcomponent(2), "1.2.3");
        assert!(pid.field(3).repetition(2).component(1).is_null());
        assert_eq!(pid.field(5).component(1).text(), "Le Gall^x");
        assert_eq!(pid.field(5).component(2).text(), "Hélène");
        assert_eq!(pid.field(5).repetition(2).component(2).text(), "Ann");
        assert_eq!(pid.field(5).repetition(9).component(1).text(), "");
        assert_eq!(pid.sequence(), 1);
        assert_eq!(pid.location(3).to_string(), "PID^1^3");
    }

    #[test]
    fn lf_and_crlf_terminators_are_tolerated() {
        let crlf = A01.replace('\r', "\r\n");
        let message = Message::parse(&crlf).unwrap();
        assert_eq!(message.len(), 3);
        assert_eq!(message.segment("PID").unwrap().field(7).text(), "19800315");
    }

    #[test]
    fn custom_separators() {
        let text = "MSH#*@!$#A#B\rPID#1##x*y@z$w";
        let message = Message::parse(text).unwrap();
        let pid = message.segment("PID").unwrap();
        assert_eq!(pid.field(3).component(2).text(), "y");
        assert_eq!(pid.field(3).repetition(2).component(1).subcomponent(2), "w");
    }

    #[test]
    fn malformed_headers_are_typed_errors() {
        assert_eq!(Message::parse("").unwrap_err().kind, ErrorKind::NoHeader);
        assert_eq!(
            Message::parse("PID|1").unwrap_err().code,
            ErrorCode::SegmentSequence
        );
        let err = Message::parse("MSH|^^\\&|A").unwrap_err();
        assert_eq!(err.kind, ErrorKind::BadEncodingCharacters);
        assert_eq!(err.location.unwrap().to_string(), "MSH^1^2");
        let err = Message::parse("MSH|^~\\&|A\rpid|1").unwrap_err();
        assert_eq!(err.kind, ErrorKind::BadSegmentId);
    }

    #[test]
    fn repeated_segments_are_numbered() {
        let message = Message::parse("MSH|^~\\&|A\rPID|1\rPV1|1\rPID|2").unwrap();
        let pids: Vec<u32> = message
            .segments()
            .filter(|s| s.id() == "PID")
            .map(|s| s.sequence())
            .collect();
        assert_eq!(pids, vec![1, 2]);
    }

    proptest! {
        #[test]
        fn parser_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            let _ = Message::parse_bytes(&bytes);
        }

        #[test]
        fn parser_never_panics_on_hl7_like_text(tail in "[A-Z0-9|^~\\\\&\r\n\"é]{0,200}") {
            let text = format!("MSH|^~\\&|{tail}");
            if let Ok(message) = Message::parse(&text) {
                for segment in message.segments() {
                    for n in 0..12 {
                        let field = segment.field(n);
                        for rep in field.repetitions() {
                            for comp in rep.components() {
                                let _ = comp.text();
                                let _ = comp.subcomponent(3);
                            }
                        }
                    }
                }
            }
        }
    }
}
