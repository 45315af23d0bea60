//! Query-string plumbing shared by the search and operation parsers: form decoding and encoding,
//! FHIR search escapes (`\,` `\|` `\$` `\\`), OR-lists and `system|code` tokens, `_format`
//! negotiation. Everything works on decoded `(name, value)` pairs, so the server can feed it from
//! a URL query or an `application/x-www-form-urlencoded` POST body alike.

use crate::outcome::RequestError;

/// Splits a raw query string (`a=1&b=%7C`) into decoded pairs: `%XX` escapes decoded, `+` read
/// as a space (form encoding), invalid escapes kept as they are, empty segments skipped.
pub fn parse_query_string(query: &str) -> Vec<(String, String)> {
    query
        .trim_start_matches('?')
        .split('&')
        .filter(|segment| !segment.is_empty())
        .map(|segment| match segment.split_once('=') {
            Some((name, value)) => (decode(name), decode(value)),
            None => (decode(segment), String::new()),
        })
        .collect()
}

fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while let Some(&byte) = bytes.get(index) {
        let hex = |at: usize| bytes.get(at).and_then(|b| (*b as char).to_digit(16));
        match byte {
            b'%' => match (hex(index + 1), hex(index + 2)) {
                (Some(high), Some(low)) => {
                    out.push(u8::try_from(high * 16 + low).unwrap_or(b'?'));
                    index += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' => out.push(b' '),
            other => out.push(other),
        }
        index += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Percent-encodes a query component: only RFC 3986 unreserved characters stay as they are.
pub fn encode_component(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Builds a query string (without `?`) from pairs.
pub fn encode_query<N: AsRef<str>, V: AsRef<str>>(pairs: &[(N, V)]) -> String {
    pairs
        .iter()
        .map(|(name, value)| {
            format!(
                "{}={}",
                encode_component(name.as_ref()),
                encode_component(value.as_ref())
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Splits a search value on unescaped `separator`, removing the FHIR escapes (`\,` `\|` `\$`
/// `\\`) from each part.
pub fn split_unescaped(value: &str, separator: char) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            // Keep the escape: `unescape` removes it once the value is split.
            current.push('\\');
            if let Some(next) = chars.next() {
                current.push(next);
            }
        } else if c == separator {
            parts.push(std::mem::take(&mut current));
        } else {
            current.push(c);
        }
    }
    parts.push(current);
    parts
}

/// Removes the FHIR search escapes from a value.
pub fn unescape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some(next @ (',' | '|' | '$' | '\\')) => out.push(next),
                Some(next) => {
                    out.push('\\');
                    out.push(next);
                }
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Escapes `\`, `,`, `|` and `$` for a search value.
pub fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if matches!(c, '\\' | ',' | '|' | '$') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The OR-list of a value: split on unescaped commas (escapes kept for a further split).
pub fn or_list(value: &str) -> Vec<String> {
    split_unescaped(value, ',')
}

/// A `system|code` token split on its first unescaped `|`, each side unescaped. `None` for the
/// system when there is no `|`.
pub fn split_token(value: &str) -> (Option<String>, String) {
    let parts = split_unescaped(value, '|');
    match parts.as_slice() {
        [code] => (None, unescape(code)),
        [system, rest @ ..] => (Some(unescape(system)), unescape(&rest.join("|"))),
        [] => (None, String::new()),
    }
}

/// Response format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// `application/fhir+json`.
    Json,
    /// `application/fhir+xml`.
    Xml,
}

impl Format {
    /// The FHIR MIME type.
    pub fn mime_type(self) -> &'static str {
        match self {
            Format::Json => "application/fhir+json",
            Format::Xml => "application/fhir+xml",
        }
    }
}

/// Reads a `_format` value or one media range of `Accept` (parameters such as `;fhirVersion=4.0`
/// and a `+` decoded as a space are tolerated). `*/*` and `application/*` are JSON.
pub fn parse_format(value: &str) -> Option<Format> {
    let media = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
        .replace(' ', "+");
    match media.as_str() {
        "json" | "application/json" | "application/fhir+json" | "*/*" | "application/*" => {
            Some(Format::Json)
        }
        "xml" | "text/xml" | "application/xml" | "application/fhir+xml" => Some(Format::Xml),
        _ => None,
    }
}

/// Negotiates the response format: `_format` wins over `Accept`; the first media range of
/// `Accept` that is known wins; no preference means JSON. The caller answers 406 for a format
/// it does not serve (Vigie serves JSON).
///
/// # Errors
/// [`RequestError::UnsupportedFormat`] when `_format` is unknown or no media range is.
pub fn negotiate_format(
    format: Option<&str>,
    accept: Option<&str>,
) -> Result<Format, RequestError> {
    if let Some(format) = format {
        return parse_format(format).ok_or(RequestError::UnsupportedFormat);
    }
    match accept.map(str::trim).filter(|a| !a.is_empty()) {
        None => Ok(Format::Json),
        Some(accept) => accept
            .split(',')
            .find_map(parse_format)
            .ok_or(RequestError::UnsupportedFormat),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn query_strings_are_decoded() {
        let pairs = parse_query_string(
            "sourceIdentifier=urn%3Aoid%3A1.3.6.1.4.1.21367.13.20.1000%7CIHERED-994&x&bad=%zz&sp=a+b",
        );
        assert_eq!(
            pairs,
            vec![
                (
                    "sourceIdentifier".into(),
                    "urn:oid:1.3.6.1.4.1.21367.13.20.1000|IHERED-994".into()
                ),
                ("x".into(), String::new()),
                ("bad".into(), "%zz".into()),
                ("sp".into(), "a b".into()),
            ]
        );
    }

    #[test]
    fn tokens_and_or_lists_honour_escapes() {
        assert_eq!(
            or_list("urn:oid:1.2.3|,urn:oid:4.5.6|"),
            vec!["urn:oid:1.2.3|", "urn:oid:4.5.6|"]
        );
        assert_eq!(or_list(r"a\,b,c"), vec![r"a\,b", "c"]);
        assert_eq!(split_token("sys|val"), (Some("sys".into()), "val".into()));
        assert_eq!(split_token("|val"), (Some(String::new()), "val".into()));
        assert_eq!(split_token(r"a\|b"), (None, "a|b".into()));
        assert_eq!(split_token("s|a|b"), (Some("s".into()), "a|b".into()));
    }

    #[test]
    fn formats_are_negotiated() {
        assert_eq!(negotiate_format(None, None), Ok(Format::Json));
        assert_eq!(
            negotiate_format(Some("application/fhir xml"), Some("application/fhir+json")),
            Ok(Format::Xml)
        );
        assert_eq!(
            negotiate_format(None, Some("application/fhir+json; fhirVersion=4.0")),
            Ok(Format::Json)
        );
        assert_eq!(
            negotiate_format(Some("text/csv"), None),
            Err(RequestError::UnsupportedFormat)
        );
        assert_eq!(
            negotiate_format(None, Some("text/html")),
            Err(RequestError::UnsupportedFormat)
        );
    }

    proptest! {
        #[test]
        fn encoding_then_decoding_is_the_identity(name in "[^\u{0}]{0,12}", value in any::<String>()) {
            let query = encode_query(&[(name.as_str(), value.as_str())]);
            prop_assert_eq!(parse_query_string(&query), vec![(name.clone(), value.clone())]);
        }

        #[test]
        fn escaping_then_splitting_is_the_identity(values in proptest::collection::vec(any::<String>(), 1..4)) {
            let joined = values.iter().map(|v| escape(v)).collect::<Vec<_>>().join(",");
            let back: Vec<String> = or_list(&joined).iter().map(|v| unescape(v)).collect();
            prop_assert_eq!(back, values);
        }
    }
}
