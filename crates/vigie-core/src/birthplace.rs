//! INSEE COG birthplace codes (strict trait): metropolitan `75056`, Corsica `2A004`/`2B033`,
//! overseas `97411`, abroad `99xxx`.
//! INTERFACE STUB: the identity helper completes it; signatures are the contract.

/// A validated INSEE birthplace code.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BirthPlaceCode(String);

impl BirthPlaceCode {
    /// Validates a code; `None` when it is not one.
    pub fn parse(input: &str) -> Option<Self> {
        let code = input.trim().to_ascii_uppercase();
        (code.len() == 5).then_some(Self(code))
    }
    /// The 5-character code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
