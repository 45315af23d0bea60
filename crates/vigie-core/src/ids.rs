//! Identifier newtypes: a record id is never a patient id.
//! INTERFACE STUB: the identity helper completes it; signatures are the contract.

use std::fmt;

/// Why an identifier was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// Empty or only white space.
    #[error("identifier is empty")]
    Empty,
}

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);
        impl $name {
            /// Validates and wraps a value (trimmed, non-empty).
            pub fn new(value: &str) -> Result<Self, IdError> {
                let value = value.trim();
                if value.is_empty() { return Err(IdError::Empty); }
                Ok(Self(value.to_owned()))
            }
            /// The identifier as text.
            pub fn as_str(&self) -> &str { &self.0 }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(&self.0) }
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
