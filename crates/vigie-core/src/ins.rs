//! The INS: matricule (NIR or NIA) with its key, the OID of its register, and the consistency
//! check of a NIR against the strict traits.
//! INTERFACE STUB: the identity helper completes it; signatures are the contract.

/// A validated INS (matricule with a correct key and a known OID).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Ins {
    matricule: String,
}

impl Ins {
    /// The 15-character matricule (13 + key).
    pub fn matricule(&self) -> &str {
        &self.matricule
    }
}
