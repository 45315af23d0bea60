//! RNIV identity status (PROV/RECUP/VALI/QUAL) and attributes (doubtful, fictitious, homonym).
//! INTERFACE STUB: the identity helper completes it; signatures are the contract.

/// RNIV identity status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum IdentityStatus {
    /// Provisional.
    #[default]
    Provisional,
    /// Recovered (INS retrieved, identity not validated on a document).
    Recovered,
    /// Validated on a high-trust document.
    Validated,
    /// Qualified: validated and INS retrieved/verified.
    Qualified,
}

/// RNIV attributes and the status, with the rules that tie them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct IdentityState {
    status: IdentityStatus,
    doubtful: bool,
    fictitious: bool,
    homonym: bool,
}

impl IdentityState {
    /// The status.
    pub fn status(&self) -> IdentityStatus {
        self.status
    }
    /// Doubtful identity.
    pub fn doubtful(&self) -> bool {
        self.doubtful
    }
    /// Fictitious identity.
    pub fn fictitious(&self) -> bool {
        self.fictitious
    }
    /// Homonym attribute.
    pub fn homonym(&self) -> bool {
        self.homonym
    }
    /// An INS is usable only for a qualified identity.
    pub fn ins_usable(&self) -> bool {
        self.status == IdentityStatus::Qualified
    }
}
