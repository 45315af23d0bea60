//! RNIV identity status (PROV/RECUP/VALI/QUAL) and attributes (doubtful, fictitious, homonym),
//! with the rules that tie them (RNIV EXI SI 07, 08, 09; RNIV 1 v2.0 §3.2.3):
//!
//! * a doubtful (`DOUT`) or fictitious (`FICT`) identity can only be provisional: any other
//!   requested status is downgraded to `PROV`, with a finding;
//! * only doubtful + homonym may combine: fictitious with doubtful or with homonym is reported
//!   (both flags are kept, nothing is silently dropped);
//! * the INS matricule may be used only for a qualified identity.
//!
//! Parsing never fails: unknown or misplaced codes become [`StateFinding`]s.

use std::fmt;
use std::str::FromStr;

/// RNIV identity status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum IdentityStatus {
    /// Provisional (`PROV`).
    #[default]
    Provisional,
    /// Recovered (`RECUP`): INS retrieved, identity not checked on a high-trust document.
    Recovered,
    /// Validated (`VALI`) on a high-trust document.
    Validated,
    /// Qualified (`QUAL`): validated and INS retrieved/verified.
    Qualified,
}

/// The value is not one of `PROV`, `RECUP`, `VALI`, `QUAL`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("unknown identity status (expected PROV, RECUP, VALI or QUAL)")]
pub struct StatusError;

impl IdentityStatus {
    /// The RNIV / FR Core code: `PROV`, `RECUP`, `VALI` or `QUAL`.
    pub fn code(&self) -> &'static str {
        match self {
            IdentityStatus::Provisional => "PROV",
            IdentityStatus::Recovered => "RECUP",
            IdentityStatus::Validated => "VALI",
            IdentityStatus::Qualified => "QUAL",
        }
    }
}

impl FromStr for IdentityStatus {
    type Err = StatusError;
    /// Reads a code, case-insensitive, surrounding spaces ignored.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_uppercase().as_str() {
            "PROV" => Ok(IdentityStatus::Provisional),
            "RECUP" => Ok(IdentityStatus::Recovered),
            "VALI" => Ok(IdentityStatus::Validated),
            "QUAL" => Ok(IdentityStatus::Qualified),
            _ => Err(StatusError),
        }
    }
}

impl fmt::Display for IdentityStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// An RNIV attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IdentityAttribute {
    /// Doubtful (`DOUT`, douteuse).
    Doubtful,
    /// Fictitious (`FICT`, fictive).
    Fictitious,
    /// Homonym (`HOMA`, homonyme).
    Homonym,
}

impl IdentityAttribute {
    /// The code: `DOUT`, `FICT` or `HOMA`.
    pub fn code(&self) -> &'static str {
        match self {
            IdentityAttribute::Doubtful => "DOUT",
            IdentityAttribute::Fictitious => "FICT",
            IdentityAttribute::Homonym => "HOMA",
        }
    }
}

impl fmt::Display for IdentityAttribute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Longest code echoed back in a finding (longer values are cut).
const MAX_ECHOED_CODE: usize = 16;

/// Something to report about a status and its attributes. The state is still built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StateFinding {
    /// The requested status is not allowed with this attribute: the status was set to `PROV`
    /// (RNIV EXI SI 09).
    DowngradedToProvisional {
        /// The status that was asked for.
        requested: IdentityStatus,
        /// The attribute that forbids it (`DOUT` or `FICT`).
        because: IdentityAttribute,
    },
    /// Two attributes that RNIV does not allow together (only `DOUT` + `HOMA` may combine).
    IncompatibleAttributes(IdentityAttribute, IdentityAttribute),
    /// The status code is not PROV/RECUP/VALI/QUAL; the identity is treated as `PROV`.
    UnknownStatus {
        /// The code read (upper case, cut to 16 characters).
        code: String,
    },
    /// An attribute code that is not `DOUT`, `FICT` or `HOMA`; ignored.
    UnknownAttribute {
        /// The code read (upper case, cut to 16 characters).
        code: String,
    },
    /// A PAM France table 0445 management code (doublon, collision… e.g. `DPOT`, `COLV`) found
    /// among the attributes: not an RNIV attribute, ignored here.
    ManagementCode {
        /// The code.
        code: String,
    },
}

impl fmt::Display for StateFinding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StateFinding::DowngradedToProvisional { requested, because } => write!(
                f,
                "status {requested} is not allowed for a {because} identity: set to PROV"
            ),
            StateFinding::IncompatibleAttributes(a, b) => {
                write!(f, "attributes {a} and {b} may not combine")
            }
            StateFinding::UnknownStatus { code } => {
                write!(f, "unknown identity status {code:?}: treated as PROV")
            }
            StateFinding::UnknownAttribute { code } => {
                write!(f, "unknown identity attribute {code:?}: ignored")
            }
            StateFinding::ManagementCode { code } => {
                write!(
                    f,
                    "management code {code} is not an identity attribute: ignored"
                )
            }
        }
    }
}

/// PAM France table 0445 management codes (not attributes).
const MANAGEMENT_CODES: &[&str] = &[
    "VIDE", "DOUB", "DESA", "DPOT", "DOUA", "COLP", "COLV", "FILI", "CACH", "ANOM", "IDVER",
    "RECD", "IDRA", "USUR", "HOMD", "INVA",
];

/// Upper-cases a code and cuts it for echoing in a finding.
fn echo(code: &str) -> String {
    code.to_uppercase().chars().take(MAX_ECHOED_CODE).collect()
}

/// RNIV attributes and the status, with the rules that tie them. Built only through
/// [`IdentityState::new`] or [`IdentityState::parse`], so the rules always hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct IdentityState {
    status: IdentityStatus,
    doubtful: bool,
    fictitious: bool,
    homonym: bool,
}

impl IdentityState {
    /// Applies the RNIV rules to a requested status and attribute flags. A doubtful or
    /// fictitious identity is downgraded to `PROV`; disallowed combinations are reported.
    pub fn new(
        status: IdentityStatus,
        doubtful: bool,
        fictitious: bool,
        homonym: bool,
    ) -> (IdentityState, Vec<StateFinding>) {
        let mut findings = Vec::new();
        let mut state = IdentityState {
            status,
            doubtful,
            fictitious,
            homonym,
        };
        if status != IdentityStatus::Provisional && (doubtful || fictitious) {
            let because = if fictitious {
                IdentityAttribute::Fictitious
            } else {
                IdentityAttribute::Doubtful
            };
            findings.push(StateFinding::DowngradedToProvisional {
                requested: status,
                because,
            });
            state.status = IdentityStatus::Provisional;
        }
        if fictitious && doubtful {
            findings.push(StateFinding::IncompatibleAttributes(
                IdentityAttribute::Fictitious,
                IdentityAttribute::Doubtful,
            ));
        }
        if fictitious && homonym {
            findings.push(StateFinding::IncompatibleAttributes(
                IdentityAttribute::Fictitious,
                IdentityAttribute::Homonym,
            ));
        }
        (state, findings)
    }

    /// Reads a status code (empty = `PROV`) and a list of attribute codes separated by `;`
    /// (also `,`, `~`, `|` or spaces), case-insensitive. Never fails: unknown codes become
    /// findings, and the RNIV rules of [`IdentityState::new`] are applied.
    pub fn parse(status: &str, attributes: &str) -> (IdentityState, Vec<StateFinding>) {
        let mut findings = Vec::new();
        let trimmed = status.trim();
        let requested = if trimmed.is_empty() {
            IdentityStatus::Provisional
        } else {
            trimmed.parse().unwrap_or_else(|_| {
                findings.push(StateFinding::UnknownStatus {
                    code: echo(trimmed),
                });
                IdentityStatus::Provisional
            })
        };
        let (mut doubtful, mut fictitious, mut homonym) = (false, false, false);
        let separators = |c: char| matches!(c, ';' | ',' | '~' | '|') || c.is_whitespace();
        for code in attributes.split(separators).filter(|c| !c.is_empty()) {
            let upper = code.to_uppercase();
            match upper.as_str() {
                "DOUT" => doubtful = true,
                "FICT" => fictitious = true,
                "HOMA" => homonym = true,
                other if MANAGEMENT_CODES.contains(&other) => {
                    findings.push(StateFinding::ManagementCode {
                        code: other.to_owned(),
                    });
                }
                _ => findings.push(StateFinding::UnknownAttribute { code: echo(code) }),
            }
        }
        let (state, rule_findings) = IdentityState::new(requested, doubtful, fictitious, homonym);
        findings.extend(rule_findings);
        (state, findings)
    }

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
    /// An INS is usable only for a qualified identity (RNIV EXI SI 08).
    pub fn ins_usable(&self) -> bool {
        self.status == IdentityStatus::Qualified
    }
    /// The attributes set, in the order `DOUT`, `FICT`, `HOMA`.
    pub fn attributes(&self) -> Vec<IdentityAttribute> {
        [
            (self.doubtful, IdentityAttribute::Doubtful),
            (self.fictitious, IdentityAttribute::Fictitious),
            (self.homonym, IdentityAttribute::Homonym),
        ]
        .into_iter()
        .filter_map(|(set, a)| set.then_some(a))
        .collect()
    }
    /// The attributes as a `;`-separated list (`DOUT;HOMA`), empty when none: the form
    /// [`IdentityState::parse`] reads back.
    pub fn attribute_codes(&self) -> String {
        self.attributes()
            .iter()
            .map(IdentityAttribute::code)
            .collect::<Vec<_>>()
            .join(";")
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::IdentityAttribute as A;
    use super::IdentityStatus as S;
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn status_codes_round_trip() {
        for s in [S::Provisional, S::Recovered, S::Validated, S::Qualified] {
            assert_eq!(s.code().parse::<S>(), Ok(s));
            assert_eq!(s.to_string().to_lowercase().parse::<S>(), Ok(s));
        }
        assert_eq!(" qual ".parse::<S>(), Ok(S::Qualified));
        assert_eq!("VIDE".parse::<S>(), Err(StatusError));
        assert_eq!("".parse::<S>(), Err(StatusError));
    }

    #[test]
    fn only_qualified_may_use_the_ins() {
        for (s, usable) in [
            (S::Provisional, false),
            (S::Recovered, false),
            (S::Validated, false),
            (S::Qualified, true),
        ] {
            let (state, findings) = IdentityState::new(s, false, false, false);
            assert!(findings.is_empty());
            assert_eq!(state.status(), s);
            assert_eq!(state.ins_usable(), usable);
        }
        assert!(!IdentityState::default().ins_usable());
    }

    #[test]
    fn doubtful_or_fictitious_stays_provisional() {
        let (state, findings) = IdentityState::new(S::Qualified, true, false, false);
        assert_eq!(state.status(), S::Provisional);
        assert!(state.doubtful() && !state.ins_usable());
        assert_eq!(
            findings,
            vec![StateFinding::DowngradedToProvisional {
                requested: S::Qualified,
                because: A::Doubtful
            }]
        );
        let (state, findings) = IdentityState::new(S::Validated, false, true, false);
        assert_eq!(state.status(), S::Provisional);
        assert!(matches!(
            findings.as_slice(),
            [StateFinding::DowngradedToProvisional {
                because: A::Fictitious,
                ..
            }]
        ));
        let (state, findings) = IdentityState::new(S::Provisional, true, false, true);
        assert_eq!(state.status(), S::Provisional);
        assert!(state.doubtful() && state.homonym());
        assert!(findings.is_empty(), "DOUT + HOMA is allowed");
    }

    #[test]
    fn forbidden_combinations_are_reported_not_dropped() {
        let (state, findings) = IdentityState::new(S::Provisional, true, true, true);
        assert!(state.doubtful() && state.fictitious() && state.homonym());
        assert_eq!(
            findings,
            vec![
                StateFinding::IncompatibleAttributes(A::Fictitious, A::Doubtful),
                StateFinding::IncompatibleAttributes(A::Fictitious, A::Homonym),
            ]
        );
    }

    #[test]
    fn parse_status_and_attributes() {
        let (state, findings) = IdentityState::parse("QUAL", "");
        assert!(findings.is_empty() && state.ins_usable());

        let (state, findings) = IdentityState::parse("vali", "dout; homa");
        assert_eq!(state.status(), S::Provisional);
        assert_eq!(state.attribute_codes(), "DOUT;HOMA");
        assert_eq!(findings.len(), 1);

        let (state, findings) = IdentityState::parse("", "HOMA~DPOT,XYZ");
        assert_eq!(state.status(), S::Provisional);
        assert!(state.homonym());
        assert_eq!(
            findings,
            vec![
                StateFinding::ManagementCode {
                    code: "DPOT".into()
                },
                StateFinding::UnknownAttribute { code: "XYZ".into() },
            ]
        );

        let (state, findings) = IdentityState::parse("SUPER", "");
        assert_eq!(state.status(), S::Provisional);
        assert_eq!(
            findings,
            vec![StateFinding::UnknownStatus {
                code: "SUPER".into()
            }]
        );
    }

    #[test]
    fn echoed_codes_are_cut() {
        let long = "X".repeat(1000);
        let (_, findings) = IdentityState::parse(&long, &long);
        for f in findings {
            match f {
                StateFinding::UnknownStatus { code } | StateFinding::UnknownAttribute { code } => {
                    assert_eq!(code.chars().count(), MAX_ECHOED_CODE)
                }
                other => panic!("unexpected {other:?}"),
            }
        }
    }

    proptest! {
        #[test]
        fn parse_never_panics_and_rules_hold(status in any::<String>(), attrs in any::<String>()) {
            let (state, _) = IdentityState::parse(&status, &attrs);
            if state.doubtful() || state.fictitious() {
                prop_assert_eq!(state.status(), S::Provisional);
            }
        }

        #[test]
        fn attribute_codes_round_trip(
            s in 0usize..4, d in any::<bool>(), f in any::<bool>(), h in any::<bool>()
        ) {
            let status = [S::Provisional, S::Recovered, S::Validated, S::Qualified][s];
            let (state, _) = IdentityState::new(status, d, f, h);
            let (again, findings) =
                IdentityState::parse(state.status().code(), &state.attribute_codes());
            prop_assert_eq!(again, state);
            prop_assert!(
                findings.iter().all(|f| matches!(f, StateFinding::IncompatibleAttributes(..)))
            );
        }
    }
}
