//! Character sets of HL7 v2 messages (MSH-18, HL7 table 0211) and their decoding with
//! `encoding_rs`.
//!
//! MSH-18 is read from the raw bytes before decoding (the header is ASCII). Supported:
//! empty/`ASCII` (UTF-8 when the bytes are valid UTF-8, Windows-1252 otherwise), `8859/1`
//! (decoded as Windows-1252, its superset), `8859/2`…`8859/9`, `8859/15` (with the
//! Windows-1252 characters `Œ œ € …` tolerated in the C1 range, where senders often put them),
//! `UNICODE UTF-8` (falling back to Windows-1252 when the bytes are not UTF-8; the fallback is
//! reported). Other sets are refused with a table-0211 error.

use std::borrow::Cow;

use encoding_rs::Encoding;

/// A character set of table 0211 that Vigie reads and writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Charset {
    /// MSH-18 empty or `ASCII`: the HL7 default. Read leniently (UTF-8, else Windows-1252);
    /// written as UTF-8 with MSH-18 left empty, which is exact for ASCII text.
    #[default]
    Default,
    /// `8859/1` (read as Windows-1252).
    Latin1,
    /// `8859/2` … `8859/9` (the number).
    Iso8859(u8),
    /// `8859/15`, the PAM France standard.
    Latin9,
    /// `UNICODE UTF-8`.
    Utf8,
}

impl Charset {
    /// Reads an MSH-18 value (case and surrounding spaces ignored; `UTF-8`, `ISO-8859-15`
    /// and similar spellings accepted). `None` for a set Vigie does not support.
    pub fn from_msh18(value: &str) -> Option<Charset> {
        let upper = value.trim().to_ascii_uppercase();
        let compact: String = upper
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '_' | '/'))
            .collect();
        Some(match compact.as_str() {
            "" | "ASCII" | "USASCII" => Charset::Default,
            "UNICODEUTF8" | "UTF8" | "UNICODE" => Charset::Utf8,
            "88591" | "ISO88591" | "LATIN1" | "WINDOWS1252" | "CP1252" => Charset::Latin1,
            "885915" | "ISO885915" | "LATIN9" => Charset::Latin9,
            other => {
                let number = other
                    .strip_prefix("ISO8859")
                    .or_else(|| other.strip_prefix("8859"))?;
                match number.parse::<u8>() {
                    Ok(n @ 2..=9) => Charset::Iso8859(n),
                    _ => return None,
                }
            }
        })
    }

    /// The MSH-18 value to write (`""` for the default).
    pub fn msh18(self) -> Cow<'static, str> {
        match self {
            Charset::Default => Cow::Borrowed(""),
            Charset::Latin1 => Cow::Borrowed("8859/1"),
            Charset::Iso8859(n) => Cow::Owned(format!("8859/{n}")),
            Charset::Latin9 => Cow::Borrowed("8859/15"),
            Charset::Utf8 => Cow::Borrowed("UNICODE UTF-8"),
        }
    }

    fn encoding(self) -> &'static Encoding {
        match self {
            Charset::Default | Charset::Utf8 => encoding_rs::UTF_8,
            Charset::Latin1 => encoding_rs::WINDOWS_1252,
            Charset::Latin9 => encoding_rs::ISO_8859_15,
            Charset::Iso8859(n) => match n {
                2 => encoding_rs::ISO_8859_2,
                3 => encoding_rs::ISO_8859_3,
                4 => encoding_rs::ISO_8859_4,
                5 => encoding_rs::ISO_8859_5,
                6 => encoding_rs::ISO_8859_6,
                7 => encoding_rs::ISO_8859_7,
                8 => encoding_rs::ISO_8859_8,
                _ => encoding_rs::WINDOWS_1254,
            },
        }
    }

    /// Encodes text in this set; characters it cannot represent become `?`.
    pub fn encode(self, text: &str) -> Vec<u8> {
        let encoding = self.encoding();
        if encoding == encoding_rs::UTF_8 || text.is_ascii() {
            return text.as_bytes().to_vec();
        }
        let (whole, _, unmappable) = encoding.encode(text);
        if !unmappable {
            return whole.into_owned();
        }
        let mut out = Vec::with_capacity(text.len());
        let mut buf = [0u8; 4];
        for c in text.chars() {
            let piece = c.encode_utf8(&mut buf);
            let (bytes, _, unmappable) = encoding.encode(piece);
            if unmappable {
                out.push(b'?');
            } else {
                out.extend_from_slice(&bytes);
            }
        }
        out
    }
}

/// Decoded message text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    /// The text.
    pub text: String,
    /// The set read from MSH-18.
    pub charset: Charset,
    /// The bytes did not fit the declared set and were read as Windows-1252.
    pub fallback: bool,
}

/// The raw MSH-18 value (first repetition, first component) of a message, read from its bytes.
pub fn raw_msh18(bytes: &[u8]) -> Option<&[u8]> {
    let start = bytes.windows(3).position(|w| w == b"MSH")?;
    let header = bytes.get(start..)?;
    let end = header
        .iter()
        .position(|&b| b == b'\r' || b == b'\n')
        .unwrap_or(header.len());
    let header = header.get(..end)?;
    let field_sep = *header.get(3)?;
    let component = header.get(4).copied();
    let repetition = header.get(5).copied();
    // Split index 17 is MSH-18 (index 0 = "MSH", index 1 = MSH-2).
    let field = header.split(|&b| b == field_sep).nth(17)?;
    let field = field
        .split(|&b| Some(b) == repetition)
        .next()
        .unwrap_or(field);
    Some(
        field
            .split(|&b| Some(b) == component)
            .next()
            .unwrap_or(field),
    )
}

/// Decodes message bytes per their MSH-18. A UTF-8 byte order mark is dropped.
///
/// # Errors
/// `None` when MSH-18 names a set that is not supported.
pub fn decode(bytes: &[u8]) -> Option<Decoded> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let declared = raw_msh18(bytes).unwrap_or(b"");
    let charset = Charset::from_msh18(&String::from_utf8_lossy(declared))?;
    let (text, fallback) = match charset {
        Charset::Default | Charset::Utf8 => match std::str::from_utf8(bytes) {
            Ok(text) => (text.to_owned(), false),
            Err(_) => (windows_1252(bytes), charset == Charset::Utf8),
        },
        Charset::Latin9 => {
            let (text, _) = encoding_rs::ISO_8859_15.decode_without_bom_handling(bytes);
            (c1_as_windows_1252(text), false)
        }
        other => {
            let (text, _) = other.encoding().decode_without_bom_handling(bytes);
            (text.into_owned(), false)
        }
    };
    Some(Decoded {
        text,
        charset,
        fallback,
    })
}

fn windows_1252(bytes: &[u8]) -> String {
    encoding_rs::WINDOWS_1252
        .decode_without_bom_handling(bytes)
        .0
        .into_owned()
}

/// ISO-8859-15 gives C1 controls for bytes 0x80–0x9F; senders that mean Windows-1252 put
/// `Œ œ € …` there: read those bytes as Windows-1252.
fn c1_as_windows_1252(text: Cow<'_, str>) -> String {
    if !text.chars().any(|c| ('\u{80}'..='\u{9f}').contains(&c)) {
        return text.into_owned();
    }
    text.chars()
        .map(|c| {
            let code = u32::from(c);
            if (0x80..=0x9F).contains(&code) {
                let byte = [code as u8];
                encoding_rs::WINDOWS_1252
                    .decode_without_bom_handling(&byte)
                    .0
                    .chars()
                    .next()
                    .unwrap_or(c)
            } else {
                c
            }
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn msh(charset: &str) -> Vec<u8> {
        format!("MSH|^~\\&|A|B|C|D|20240101||ADT^A31^ADT_A05|1|P|2.5||||||{charset}\rPID|||1^^^X||")
            .into_bytes()
    }

    #[test]
    fn reads_msh18() {
        assert_eq!(raw_msh18(&msh("8859/15")), Some(&b"8859/15"[..]));
        assert_eq!(raw_msh18(b"MSH|^~\\&|A"), None);
        assert_eq!(Charset::from_msh18("UNICODE UTF-8"), Some(Charset::Utf8));
        assert_eq!(Charset::from_msh18("iso-8859-15"), Some(Charset::Latin9));
        assert_eq!(Charset::from_msh18("8859/2"), Some(Charset::Iso8859(2)));
        assert_eq!(Charset::from_msh18("ISO IR87"), None);
    }

    #[test]
    fn latin9_keeps_oe_and_tolerates_windows_1252() {
        let mut bytes = msh("8859/15");
        // Œ in ISO-8859-15 (0xBC), é (0xE9), ç (0xE7), œ in Windows-1252 (0x9C).
        bytes.extend_from_slice(&[0xBC, b'U', b'F', 0xE9, 0xE7, 0x9C]);
        let decoded = decode(&bytes).unwrap();
        assert!(decoded.text.ends_with("ŒUFéçœ"), "{}", decoded.text);
        assert!(!decoded.fallback);
        let encoded = Charset::Latin9.encode("ŒUFéçœ€");
        assert_eq!(encoded, vec![0xBC, b'U', b'F', 0xE9, 0xE7, 0xBD, 0xA4]);
    }

    #[test]
    fn utf8_declared_but_latin1_sent_falls_back() {
        let mut bytes = msh("UNICODE UTF-8");
        bytes.extend_from_slice(&[b'C', 0xE9, b'l']);
        let decoded = decode(&bytes).unwrap();
        assert!(decoded.text.ends_with("Cél"));
        assert!(decoded.fallback);
        let mut bytes = msh("UNICODE UTF-8");
        bytes.extend_from_slice("Cœur".as_bytes());
        assert!(decode(&bytes).unwrap().text.ends_with("Cœur"));
    }

    #[test]
    fn default_is_lenient_and_unknown_sets_are_refused() {
        let mut bytes = msh("");
        bytes.extend_from_slice(&[0xE9]);
        assert!(decode(&bytes).unwrap().text.ends_with('é'));
        assert_eq!(decode(&msh("ISO IR87")), None);
        assert_eq!(Charset::Latin1.encode("Ω"), b"?");
    }
}
