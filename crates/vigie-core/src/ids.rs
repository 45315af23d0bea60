//! Identifier newtypes: a record id is never a patient id, a domain is never a local id.
//!
//! Every identifier is trimmed, non-empty, at most [`MAX_ID_CHARS`] characters long and free of
//! control characters. Errors say what is wrong and where, never echo the value.

use std::fmt;
use std::str::FromStr;

/// Longest accepted identifier, in characters (after trimming).
pub const MAX_ID_CHARS: usize = 256;

/// Why an identifier was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// Empty or only white space.
    #[error("identifier is empty")]
    Empty,
    /// Longer than [`MAX_ID_CHARS`] characters after trimming.
    #[error("identifier is too long ({len} characters, at most {max})")]
    TooLong {
        /// Length in characters after trimming.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// Contains a control character (tab, newline, NUL…) inside the value.
    #[error("identifier contains a control character at position {position}")]
    ControlCharacter {
        /// 1-based character position in the trimmed value.
        position: usize,
    },
}

/// Validates an identifier and returns it trimmed.
fn validate(value: &str) -> Result<&str, IdError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(IdError::Empty);
    }
    let mut len = 0usize;
    for (index, c) in value.chars().enumerate() {
        if c.is_control() {
            return Err(IdError::ControlCharacter {
                position: index + 1,
            });
        }
        len += 1;
    }
    if len > MAX_ID_CHARS {
        return Err(IdError::TooLong {
            len,
            max: MAX_ID_CHARS,
        });
    }
    Ok(value)
}

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);
        impl $name {
            /// Validates and wraps a value: trimmed, non-empty, at most [`MAX_ID_CHARS`]
            /// characters, no control character.
            pub fn new(value: &str) -> Result<Self, IdError> {
                validate(value).map(|v| Self(v.to_owned()))
            }
            /// The identifier as text.
            pub fn as_str(&self) -> &str { &self.0 }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(&self.0) }
        }
        impl FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, Self::Err> { Self::new(s) }
        }
        impl TryFrom<&str> for $name {
            type Error = IdError;
            fn try_from(s: &str) -> Result<Self, Self::Error> { Self::new(s) }
        }
        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str { &self.0 }
        }
    };
}

string_id!(
    /// Id of one row / registration in a file or feed.
    RecordId
);
string_id!(
    /// An assigning authority (identifier domain), a namespace or an OID.
    DomainId
);
string_id!(
    /// A patient's identifier within one domain (IPP).
    LocalId
);
string_id!(
    /// The enterprise identity (cluster) id the MPI assigns.
    EnterpriseId
);

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn trims_and_keeps_inner_spaces() {
        let id = LocalId::new("  IPP 0042 \n").unwrap();
        assert_eq!(id.as_str(), "IPP 0042");
        assert_eq!(id.to_string(), "IPP 0042");
    }

    #[test]
    fn refuses_empty_and_blank() {
        assert_eq!(RecordId::new(""), Err(IdError::Empty));
        assert_eq!(RecordId::new(" \t\r\n"), Err(IdError::Empty));
    }

    #[test]
    fn refuses_control_characters_with_position() {
        assert_eq!(
            DomainId::new("ab\u{0}c"),
            Err(IdError::ControlCharacter { position: 3 })
        );
        assert_eq!(
            DomainId::new(" é\tx"),
            Err(IdError::ControlCharacter { position: 2 })
        );
    }

    #[test]
    fn length_limit_counts_characters_not_bytes() {
        let ok = "é".repeat(MAX_ID_CHARS);
        assert!(EnterpriseId::new(&ok).is_ok());
        let long = "x".repeat(MAX_ID_CHARS + 1);
        assert_eq!(
            EnterpriseId::new(&long),
            Err(IdError::TooLong {
                len: MAX_ID_CHARS + 1,
                max: MAX_ID_CHARS
            })
        );
    }

    #[test]
    fn from_str_and_oid_domain() {
        let d: DomainId = "1.2.250.1.213.1.4.8".parse().unwrap();
        assert_eq!(d.as_str(), "1.2.250.1.213.1.4.8");
        assert!("".parse::<LocalId>().is_err());
    }

    proptest! {
        #[test]
        fn any_string_is_ok_or_err(s in any::<String>()) {
            match RecordId::new(&s) {
                Ok(id) => {
                    let v = id.as_str();
                    prop_assert!(!v.is_empty());
                    prop_assert_eq!(v, v.trim());
                    prop_assert!(v.chars().count() <= MAX_ID_CHARS);
                    prop_assert!(!v.chars().any(char::is_control));
                    // Idempotent: a valid id re-validates to itself.
                    prop_assert_eq!(RecordId::new(v), Ok(id.clone()));
                }
                Err(IdError::Empty) => prop_assert!(s.trim().is_empty()),
                Err(IdError::TooLong { len, max }) => {
                    prop_assert!(len > max);
                    prop_assert_eq!(len, s.trim().chars().count());
                }
                Err(IdError::ControlCharacter { position }) => {
                    let c = s.trim().chars().nth(position - 1);
                    prop_assert!(c.is_some_and(char::is_control));
                }
            }
        }
    }
}
