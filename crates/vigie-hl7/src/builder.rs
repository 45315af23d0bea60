//! Building ER7 messages: segments of fields made of repetitions, components and
//! sub-components, escaped on output with the standard separators `|^~\&`.
//!
//! Values are given unescaped; the builder escapes them. Trailing empty fields, components and
//! sub-components are dropped; empty repetitions between others are kept (ITI-9 needs
//! `~^^^^^^S`). A value given with [`FieldValue::raw`] is written as is (the caller vouches for
//! it, e.g. a field echoed from a request with the same separators).

use crate::charset::Charset;
use crate::er7::Segment;
use crate::escape::{Separators, escape};

/// One field value: either raw ER7 text, or repetitions → components → sub-components.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum FieldValue {
    /// Nothing.
    #[default]
    Empty,
    /// Written verbatim (already escaped for the standard separators).
    Raw(String),
    /// Repetitions of components of sub-components, unescaped.
    Structured(Vec<Vec<Vec<String>>>),
}

impl FieldValue {
    /// A single text value.
    pub fn text(value: impl Into<String>) -> FieldValue {
        FieldValue::Structured(vec![vec![vec![value.into()]]])
    }

    /// Raw ER7 text, written verbatim.
    pub fn raw(value: impl Into<String>) -> FieldValue {
        FieldValue::Raw(value.into())
    }

    /// One repetition of simple components.
    pub fn components<S: AsRef<str>>(components: &[S]) -> FieldValue {
        FieldValue::Structured(vec![
            components
                .iter()
                .map(|c| vec![c.as_ref().to_owned()])
                .collect(),
        ])
    }

    /// Several repetitions, each a list of components, each a list of sub-components.
    pub fn repetitions(repetitions: Vec<Vec<Vec<String>>>) -> FieldValue {
        FieldValue::Structured(repetitions)
    }

    /// True when nothing would be written.
    pub fn is_empty(&self) -> bool {
        match self {
            FieldValue::Empty => true,
            FieldValue::Raw(raw) => raw.is_empty(),
            FieldValue::Structured(reps) => reps
                .iter()
                .all(|rep| rep.iter().all(|comp| comp.iter().all(String::is_empty))),
        }
    }

    fn write(&self, out: &mut String) {
        match self {
            FieldValue::Empty => {}
            FieldValue::Raw(raw) => out.push_str(raw),
            FieldValue::Structured(reps) => {
                let s = Separators::STANDARD;
                let last_rep = reps
                    .iter()
                    .rposition(|rep| rep.iter().any(|c| c.iter().any(|v| !v.is_empty())));
                let Some(last_rep) = last_rep else { return };
                for (r, rep) in reps.iter().take(last_rep + 1).enumerate() {
                    if r > 0 {
                        out.push(s.repetition);
                    }
                    let last_comp = rep.iter().rposition(|c| c.iter().any(|v| !v.is_empty()));
                    let Some(last_comp) = last_comp else { continue };
                    for (c, comp) in rep.iter().take(last_comp + 1).enumerate() {
                        if c > 0 {
                            out.push(s.component);
                        }
                        let last_sub = comp.iter().rposition(|v| !v.is_empty()).unwrap_or(0);
                        for (i, sub) in comp.iter().take(last_sub + 1).enumerate() {
                            if i > 0 {
                                out.push(s.subcomponent);
                            }
                            out.push_str(&escape(sub, &s));
                        }
                    }
                }
            }
        }
    }
}

impl From<&str> for FieldValue {
    fn from(value: &str) -> Self {
        FieldValue::text(value)
    }
}

impl From<String> for FieldValue {
    fn from(value: String) -> Self {
        FieldValue::text(value)
    }
}

/// A segment under construction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentBuilder {
    id: String,
    /// `fields[0]` is field 1.
    fields: Vec<FieldValue>,
}

impl SegmentBuilder {
    /// A new empty segment (`id` should be three upper-case letters or digits).
    pub fn new(id: &str) -> SegmentBuilder {
        SegmentBuilder {
            id: id.to_owned(),
            fields: Vec::new(),
        }
    }

    /// Copies a parsed segment. With the standard separators the fields are kept verbatim;
    /// otherwise they are re-encoded value by value.
    pub fn from_segment(segment: &Segment<'_>) -> SegmentBuilder {
        let mut builder = SegmentBuilder::new(segment.id());
        let standard = segment.separators() == Separators::STANDARD;
        let first = if segment.id() == "MSH" { 3 } else { 1 };
        for number in first..=segment.field_count() {
            let field = segment.field(number);
            let value = if standard {
                FieldValue::raw(field.raw())
            } else {
                FieldValue::Structured(
                    field
                        .repetitions()
                        .map(|rep| {
                            rep.components()
                                .map(|comp| {
                                    (1..=comp.subcomponents().count())
                                        .map(|n| comp.subcomponent(n).into_owned())
                                        .collect()
                                })
                                .collect()
                        })
                        .collect(),
                )
            };
            builder.set(number, value);
        }
        builder
    }

    /// The segment id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Sets field `number` (1-based; for MSH, fields 1 and 2 are written by the builder).
    pub fn set(&mut self, number: usize, value: impl Into<FieldValue>) -> &mut SegmentBuilder {
        if let Some(index) = number.checked_sub(1) {
            if self.fields.len() <= index {
                self.fields.resize(index + 1, FieldValue::Empty);
            }
            if let Some(slot) = self.fields.get_mut(index) {
                *slot = value.into();
            }
        }
        self
    }

    /// Builder form of [`SegmentBuilder::set`].
    pub fn with(mut self, number: usize, value: impl Into<FieldValue>) -> SegmentBuilder {
        self.set(number, value);
        self
    }

    /// Field `number` as set.
    pub fn get(&self, number: usize) -> Option<&FieldValue> {
        number.checked_sub(1).and_then(|i| self.fields.get(i))
    }

    /// Appends the ER7 text of the segment (without terminator).
    pub fn write(&self, out: &mut String) {
        let s = Separators::STANDARD;
        out.push_str(&self.id);
        let is_msh = self.id == "MSH";
        let last = self.fields.iter().rposition(|f| !f.is_empty());
        if is_msh {
            out.push(s.field);
            out.push_str(&s.encoding_characters());
        }
        let Some(last) = last else { return };
        for (index, field) in self.fields.iter().enumerate().take(last + 1) {
            if is_msh && index < 2 {
                continue;
            }
            out.push(s.field);
            field.write(out);
        }
    }
}

/// A message under construction: segments written with CR terminators.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MessageBuilder {
    segments: Vec<SegmentBuilder>,
}

impl MessageBuilder {
    /// An empty message.
    pub fn new() -> MessageBuilder {
        MessageBuilder::default()
    }

    /// Appends a segment.
    pub fn push(&mut self, segment: SegmentBuilder) -> &mut MessageBuilder {
        self.segments.push(segment);
        self
    }

    /// The segments.
    pub fn segments(&self) -> &[SegmentBuilder] {
        &self.segments
    }

    /// The ER7 text, each segment ended by CR.
    pub fn to_er7(&self) -> String {
        let mut out = String::with_capacity(64 * self.segments.len());
        for segment in &self.segments {
            segment.write(&mut out);
            out.push('\r');
        }
        out
    }

    /// The bytes in a character set (the caller sets MSH-18 accordingly).
    pub fn encode(&self, charset: Charset) -> Vec<u8> {
        charset.encode(&self.to_er7())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::er7::Message;
    use proptest::prelude::*;

    #[test]
    fn writes_escaped_and_trimmed() {
        let mut msh = SegmentBuilder::new("MSH");
        msh.set(3, "APP")
            .set(9, FieldValue::components(&["ACK", "A01", "ACK"]));
        let pid = SegmentBuilder::new("PID")
            .with(
                3,
                FieldValue::repetitions(vec![vec![
                    vec!["1|2".into()],
                    vec![],
                    vec![],
                    vec!["NS".into(), "1.2".into(), "ISO".into()],
                    vec!["PI".into()],
                    vec![String::new()],
                ]]),
            )
            .with(
                5,
                FieldValue::repetitions(vec![
                    vec![],
                    vec![
                        vec![],
                        vec![],
                        vec![],
                        vec![],
                        vec![],
                        vec![],
                        vec!["S".into()],
                    ],
                ]),
            )
            .with(8, "");
        let mut message = MessageBuilder::new();
        message.push(msh).push(pid);
        assert_eq!(
            message.to_er7(),
            "MSH|^~\\&|APP||||||ACK^A01^ACK\rPID|||1\\F\\2^^^NS&1.2&ISO^PI||~^^^^^^S\r"
        );
    }

    #[test]
    fn empty_msh_still_has_encoding_characters() {
        let mut out = String::new();
        SegmentBuilder::new("MSH").write(&mut out);
        assert_eq!(out, "MSH|^~\\&");
    }

    #[test]
    fn copies_segments_verbatim_or_re_encoded() {
        let message =
            Message::parse("MSH|^~\\&|A\rQPD|IHE PIX Query|Q1|X\\S\\Y^^^NS&1.2&ISO||").unwrap();
        let mut out = String::new();
        SegmentBuilder::from_segment(&message.segment("QPD").unwrap()).write(&mut out);
        assert_eq!(out, "QPD|IHE PIX Query|Q1|X\\S\\Y^^^NS&1.2&ISO");
        let other = Message::parse("MSH#*@!$#A\rQPD#Q#T#X^Y*1*1*NS$1.2").unwrap();
        let mut out = String::new();
        SegmentBuilder::from_segment(&other.segment("QPD").unwrap()).write(&mut out);
        assert_eq!(out, "QPD|Q|T|X\\S\\Y^1^1^NS&1.2");
    }

    proptest! {
        #[test]
        fn built_values_parse_back(values in proptest::collection::vec(any::<String>(), 1..5)) {
            let mut pid = SegmentBuilder::new("PID");
            for (n, value) in values.iter().enumerate() {
                pid.set(n + 1, FieldValue::text(value.clone()));
            }
            let mut message = MessageBuilder::new();
            message.push(SegmentBuilder::new("MSH")).push(pid);
            let parsed = Message::parse(&message.to_er7()).unwrap();
            let segment = parsed.segment("PID").unwrap();
            for (n, value) in values.iter().enumerate() {
                prop_assert_eq!(segment.field(n + 1).text().into_owned(), value.clone());
            }
        }
    }
}
