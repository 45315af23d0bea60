//! HL7 v2 encoding characters and the escape sequences of ER7 text.
//!
//! Unescaping understands `\F\ \S\ \T\ \R\ \E\` (the separators), `\Xhh…\` (hexadecimal bytes,
//! read as UTF-8 when they are, else one Latin-1 character per byte), drops the highlighting and
//! character-set switches (`\H\ \N\ \Cxxyy\ \Mxxyyzz\`), turns `\.br\` into a line feed and
//! drops the other formatting commands. An unknown or unterminated escape is kept as written:
//! unescaping never fails.
//!
//! Escaping writes the five separator escapes and `\X0D\`, `\X0A\`, `\X0B\`, `\X1C\` for the
//! bytes that would break segments or MLLP frames, so that `unescape(escape(s)) == s` for every
//! string.

use std::borrow::Cow;

/// The ER7 delimiters of a message: field, component, repetition, escape, sub-component.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Separators {
    /// Field separator (MSH-1), `|`.
    pub field: char,
    /// Component separator, `^`.
    pub component: char,
    /// Repetition separator, `~`.
    pub repetition: char,
    /// Escape character, `\`.
    pub escape: char,
    /// Sub-component separator, `&`.
    pub subcomponent: char,
}

impl Default for Separators {
    fn default() -> Self {
        Separators::STANDARD
    }
}

impl Separators {
    /// The standard `|^~\&`.
    pub const STANDARD: Separators = Separators {
        field: '|',
        component: '^',
        repetition: '~',
        escape: '\\',
        subcomponent: '&',
    };

    /// MSH-2 as written: component, repetition, escape, sub-component.
    pub fn encoding_characters(&self) -> String {
        [
            self.component,
            self.repetition,
            self.escape,
            self.subcomponent,
        ]
        .iter()
        .collect()
    }

    fn escape_letter(&self, c: char) -> Option<char> {
        if c == self.field {
            Some('F')
        } else if c == self.component {
            Some('S')
        } else if c == self.subcomponent {
            Some('T')
        } else if c == self.repetition {
            Some('R')
        } else if c == self.escape {
            Some('E')
        } else {
            None
        }
    }
}

/// Escapes a text value for ER7 with these separators.
pub fn escape<'a>(text: &'a str, separators: &Separators) -> Cow<'a, str> {
    let needs = text
        .chars()
        .any(|c| separators.escape_letter(c).is_some() || is_framing_control(c));
    if !needs {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if let Some(letter) = separators.escape_letter(c) {
            out.push(separators.escape);
            out.push(letter);
            out.push(separators.escape);
        } else if is_framing_control(c) {
            out.push(separators.escape);
            out.push('X');
            out.push_str(&format!("{:02X}", u32::from(c)));
            out.push(separators.escape);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn is_framing_control(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{0b}' | '\u{1c}')
}

/// Resolves the escape sequences of a raw ER7 value (see the module documentation).
pub fn unescape<'a>(raw: &'a str, separators: &Separators) -> Cow<'a, str> {
    let esc = separators.escape;
    if !raw.contains(esc) {
        return Cow::Borrowed(raw);
    }
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(start) = rest.find(esc) {
        out.push_str(rest.get(..start).unwrap_or(""));
        let after = rest.get(start + esc.len_utf8()..).unwrap_or("");
        match after.find(esc) {
            Some(end) => {
                let body = after.get(..end).unwrap_or("");
                if apply_escape(body, separators, &mut out) {
                    rest = after.get(end + esc.len_utf8()..).unwrap_or("");
                } else {
                    // Unknown sequence: keep the escape character literally and go on after it.
                    out.push(esc);
                    rest = after;
                }
            }
            None => {
                out.push(esc);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// Appends the meaning of one escape sequence body; false when the sequence is unknown.
fn apply_escape(body: &str, separators: &Separators, out: &mut String) -> bool {
    match body {
        "F" => out.push(separators.field),
        "S" => out.push(separators.component),
        "T" => out.push(separators.subcomponent),
        "R" => out.push(separators.repetition),
        "E" => out.push(separators.escape),
        "H" | "N" => {}
        ".br" => out.push('\n'),
        _ => {
            let mut chars = body.chars();
            match chars.next() {
                Some('X') => return push_hex(chars.as_str(), out),
                Some('C') | Some('M') => {
                    let digits = chars.as_str();
                    return !digits.is_empty() && digits.chars().all(|c| c.is_ascii_hexdigit());
                }
                Some('.') => {
                    // Formatting commands (.sp, .in, .ti, .sk, .ce, .fi, .nf): dropped.
                    return body.len() <= 8 && body.chars().skip(1).all(|c| c.is_ascii_graphic());
                }
                _ => return false,
            }
        }
    }
    true
}

fn push_hex(digits: &str, out: &mut String) -> bool {
    if digits.is_empty()
        || !digits.len().is_multiple_of(2)
        || !digits.chars().all(|c| c.is_ascii_hexdigit())
    {
        return false;
    }
    let bytes: Vec<u8> = digits
        .as_bytes()
        .chunks(2)
        .filter_map(|pair| {
            std::str::from_utf8(pair)
                .ok()
                .and_then(|s| u8::from_str_radix(s, 16).ok())
        })
        .collect();
    match std::str::from_utf8(&bytes) {
        Ok(text) => out.push_str(text),
        Err(_) => out.extend(bytes.iter().map(|&b| char::from(b))),
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const S: Separators = Separators::STANDARD;

    #[test]
    fn separators_escape_and_unescape() {
        assert_eq!(
            escape("A|B^C&D~E\\F", &S),
            "A\\F\\B\\S\\C\\T\\D\\R\\E\\E\\F"
        );
        assert_eq!(
            unescape("A\\F\\B\\S\\C\\T\\D\\R\\E\\E\\F", &S),
            "A|B^C&D~E\\F"
        );
    }

    #[test]
    fn hex_sequences_read_utf8_or_latin1() {
        assert_eq!(unescape("a\\X0D\\b", &S), "a\rb");
        assert_eq!(unescape("\\XC3A9\\", &S), "é");
        assert_eq!(unescape("\\XE9\\", &S), "é");
    }

    #[test]
    fn formatting_and_unknown_sequences() {
        assert_eq!(unescape("\\H\\bold\\N\\", &S), "bold");
        assert_eq!(unescape("l1\\.br\\l2", &S), "l1\nl2");
        assert_eq!(unescape("a\\Q\\b", &S), "a\\Q\\b");
        assert_eq!(unescape("trailing\\", &S), "trailing\\");
        assert_eq!(unescape("\\X1\\", &S), "\\X1\\");
    }

    #[test]
    fn ipf_contrast_message_escapes() {
        assert_eq!(
            unescape("\\S\\\\S\\\\S\\\\T\\1.2.3.4\\T\\ISO", &S),
            "^^^&1.2.3.4&ISO"
        );
    }

    #[test]
    fn framing_bytes_are_escaped() {
        assert_eq!(escape("a\rb\u{1c}", &S), "a\\X0D\\b\\X1C\\");
        assert!(matches!(escape("Cœur éçà", &S), Cow::Borrowed(_)));
    }

    proptest! {
        #[test]
        fn escape_round_trips(text in any::<String>()) {
            let escaped = escape(&text, &S);
            prop_assert!(!escaped.contains(['|', '^', '~', '&', '\r', '\n']));
            let back = unescape(&escaped, &S).into_owned();
            prop_assert_eq!(back, text.clone());
        }

        #[test]
        fn unescape_never_panics(raw in any::<String>()) {
            let _ = unescape(&raw, &S);
        }
    }
}
