//! French identity rules applied on top of the match weight. They only ever override the band
//! of the weight in the direction the RNIV asks for:
//!
//! * same **usable** INS on both sides (qualified identities) and compatible strict traits →
//!   certain match (auto-link whatever the weight);
//! * same usable INS but incompatible strict traits → **collision**: flagged for review, never
//!   merged;
//! * two different usable INS → **veto**: never a match, no score overrides it;
//! * hard conflicts (different sexes when both are known, birth dates more than five years
//!   apart) → at most review;
//! * possible **twins** (same birth name, birth date and birthplace, different first names) and
//!   **family members** (same address, phone or e-mail with different first names or birth
//!   dates) → at most review;
//! * a **fictitious** identity is never auto-linked.

use super::comparison::{ComparisonKind, ComparisonVector, level};
use super::model::Decision;
use super::prepare::MatchRecord;

/// A rule that decided or capped a pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RuleHit {
    /// Same usable INS and compatible strict traits: certain match.
    InsCertainMatch,
    /// Two different usable INS: never a match.
    InsVeto,
    /// Same usable INS with incompatible strict traits: a potential collision, for review.
    InsCollision,
    /// A fictitious identity is never auto-linked.
    Fictitious,
    /// Different sexes (both known).
    SexConflict,
    /// Birth dates more than five years apart.
    BirthDatesFarApart,
    /// Same birth name, birth date and birthplace, different first names.
    PossibleTwins,
    /// Same household (address, phone or e-mail) with different first names or birth dates.
    FamilyMember,
}

impl RuleHit {
    /// Stable name (outputs, explanations).
    pub fn name(self) -> &'static str {
        match self {
            RuleHit::InsCertainMatch => "ins_certain_match",
            RuleHit::InsVeto => "ins_veto",
            RuleHit::InsCollision => "ins_collision",
            RuleHit::Fictitious => "fictitious_identity",
            RuleHit::SexConflict => "sex_conflict",
            RuleHit::BirthDatesFarApart => "birth_dates_far_apart",
            RuleHit::PossibleTwins => "possible_twins",
            RuleHit::FamilyMember => "family_member",
        }
    }

    /// One-line description.
    pub fn description(self) -> &'static str {
        match self {
            RuleHit::InsCertainMatch => {
                "same usable INS and compatible strict traits: certain match"
            }
            RuleHit::InsVeto => "two different usable INS: never the same person",
            RuleHit::InsCollision => {
                "same usable INS but incompatible strict traits: potential collision, review"
            }
            RuleHit::Fictitious => "fictitious identity: never auto-linked",
            RuleHit::SexConflict => "different sexes: at most review",
            RuleHit::BirthDatesFarApart => "birth dates more than five years apart: at most review",
            RuleHit::PossibleTwins => {
                "same birth name, date and place with different first names: possible twins"
            }
            RuleHit::FamilyMember => {
                "same household with different first names or birth dates: family member"
            }
        }
    }
}

/// The decision after rules, and the rule that made it (if any).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Verdict {
    /// Final decision.
    pub decision: Decision,
    /// The rule that overrode or capped the band of the weight.
    pub rule: Option<RuleHit>,
}

/// True when the strict traits of a pair with the same INS are compatible (typing errors
/// allowed, contradictions not).
pub fn strict_traits_compatible(vector: ComparisonVector) -> bool {
    let is = |kind, bad: &[u8]| vector.level(kind).is_some_and(|l| bad.contains(&l));
    !(is(ComparisonKind::Sex, &[level::binary::DIFFERENT])
        || is(
            ComparisonKind::BirthDate,
            &[
                level::date::SAME_YEAR,
                level::date::DIFFERENT,
                level::date::FAR_APART,
            ],
        )
        || is(ComparisonKind::BirthName, &[level::name::DIFFERENT])
        || is(ComparisonKind::FirstNames, &[level::first::DIFFERENT]))
}

/// Applies the rules to a pair whose weight fell in `band`.
pub fn apply(
    a: &MatchRecord,
    b: &MatchRecord,
    vector: ComparisonVector,
    band: Decision,
) -> Verdict {
    let usable_ins = match (a.ins, b.ins) {
        (Some(x), Some(y)) if a.ins_usable && b.ins_usable => Some(x == y),
        _ => None,
    };
    let fictitious = a.fictitious || b.fictitious;
    match usable_ins {
        Some(false) => {
            return Verdict {
                decision: Decision::NonMatch,
                rule: Some(RuleHit::InsVeto),
            };
        }
        Some(true) if !strict_traits_compatible(vector) => {
            return Verdict {
                decision: Decision::Review,
                rule: Some(RuleHit::InsCollision),
            };
        }
        Some(true) if !fictitious => {
            return Verdict {
                decision: Decision::AutoLink,
                rule: Some(RuleHit::InsCertainMatch),
            };
        }
        _ => {}
    }
    if band < Decision::AutoLink {
        return Verdict {
            decision: band,
            rule: None,
        };
    }
    let cap = cap_rule(vector, fictitious);
    match cap {
        Some(rule) => Verdict {
            decision: Decision::Review,
            rule: Some(rule),
        },
        None => Verdict {
            decision: band,
            rule: None,
        },
    }
}

/// The first capping rule that applies to a pair (fictitious, conflicts, twins, family).
pub fn cap_rule(vector: ComparisonVector, fictitious: bool) -> Option<RuleHit> {
    let at = |kind| vector.level(kind);
    let date = at(ComparisonKind::BirthDate);
    let first = at(ComparisonKind::FirstNames);
    if fictitious {
        return Some(RuleHit::Fictitious);
    }
    if at(ComparisonKind::Sex) == Some(level::binary::DIFFERENT) {
        return Some(RuleHit::SexConflict);
    }
    if date == Some(level::date::FAR_APART) {
        return Some(RuleHit::BirthDatesFarApart);
    }
    let first_different = first == Some(level::first::DIFFERENT);
    let same_name = !vector.names_swapped()
        && matches!(
            at(ComparisonKind::BirthName),
            Some(level::name::EXACT | level::name::PHONETIC)
        );
    let place_ok = matches!(
        at(ComparisonKind::BirthPlace),
        None | Some(level::place::EXACT)
    );
    if same_name && date == Some(level::date::EXACT) && place_ok && first_different {
        return Some(RuleHit::PossibleTwins);
    }
    let household = matches!(
        at(ComparisonKind::Location),
        Some(level::location::ADDRESS_EXACT | level::location::ADDRESS_CLOSE)
    ) || at(ComparisonKind::Phone) == Some(level::ident::EXACT)
        || at(ComparisonKind::Email) == Some(level::binary::EQUAL);
    let date_different = matches!(date, Some(level::date::DIFFERENT));
    if household && (first_different || date_different) {
        return Some(RuleHit::FamilyMember);
    }
    None
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::matching::comparison::compare;
    use crate::matching::prepare::InsCode;
    use crate::matching::testutil::rec;

    fn with_ins(mut r: MatchRecord, ins: &str, usable: bool) -> MatchRecord {
        r.ins = Some(InsCode::from_matricule(ins));
        r.ins_usable = usable;
        r
    }

    #[test]
    fn same_usable_ins_is_certain() {
        let a = with_ins(
            rec("DUPONT", "JEAN", "1980-03-04", 'M'),
            "180037511111111",
            true,
        );
        let b = with_ins(
            rec("DUPOND", "JEAN", "1980-03-04", 'M'),
            "180037511111111",
            true,
        );
        let v = compare(&a, &b);
        let verdict = apply(&a, &b, v, Decision::NonMatch);
        assert_eq!(verdict.decision, Decision::AutoLink);
        assert_eq!(verdict.rule, Some(RuleHit::InsCertainMatch));
    }

    #[test]
    fn same_ins_without_qualified_status_is_not_certain() {
        let a = with_ins(
            rec("DUPONT", "JEAN", "1980-03-04", 'M'),
            "180037511111111",
            false,
        );
        let b = with_ins(
            rec("DUPONT", "JEAN", "1980-03-04", 'M'),
            "180037511111111",
            true,
        );
        let verdict = apply(&a, &b, compare(&a, &b), Decision::Review);
        assert_eq!(
            verdict,
            Verdict {
                decision: Decision::Review,
                rule: None
            }
        );
    }

    #[test]
    fn different_usable_ins_vetoes_any_weight() {
        let a = with_ins(
            rec("DUPONT", "JEAN", "1980-03-04", 'M'),
            "180037511111111",
            true,
        );
        let b = with_ins(
            rec("DUPONT", "JEAN", "1980-03-04", 'M'),
            "180037511111122",
            true,
        );
        let verdict = apply(&a, &b, compare(&a, &b), Decision::AutoLink);
        assert_eq!(verdict.decision, Decision::NonMatch);
        assert_eq!(verdict.rule, Some(RuleHit::InsVeto));
    }

    #[test]
    fn same_ins_with_other_traits_is_a_collision() {
        let a = with_ins(
            rec("DUPONT", "JEAN", "1980-03-04", 'M'),
            "180037511111111",
            true,
        );
        let b = with_ins(
            rec("LEROY", "MARIE", "1952-11-20", 'F'),
            "180037511111111",
            true,
        );
        let verdict = apply(&a, &b, compare(&a, &b), Decision::AutoLink);
        assert_eq!(verdict.decision, Decision::Review);
        assert_eq!(verdict.rule, Some(RuleHit::InsCollision));
    }

    #[test]
    fn twins_are_capped() {
        let a = rec("DUPONT", "JEAN", "1980-03-04", 'M');
        let b = rec("DUPONT", "PAUL", "1980-03-04", 'M');
        let verdict = apply(&a, &b, compare(&a, &b), Decision::AutoLink);
        assert_eq!(
            verdict,
            Verdict {
                decision: Decision::Review,
                rule: Some(RuleHit::PossibleTwins)
            }
        );
    }

    #[test]
    fn family_members_are_capped() {
        let mut a = rec("DUPONT", "JEAN", "1980-03-04", 'M');
        let mut b = rec("DUPONT", "JEAN", "1983-07-12", 'M');
        a.phone = Some("0612345678".into());
        b.phone = Some("0612345678".into());
        let verdict = apply(&a, &b, compare(&a, &b), Decision::AutoLink);
        assert_eq!(verdict.rule, Some(RuleHit::FamilyMember));
        assert_eq!(verdict.decision, Decision::Review);
    }

    #[test]
    fn conflicts_and_fictitious_are_capped_not_raised() {
        let a = rec("DUPONT", "JEAN", "1980-03-04", 'M');
        let b = rec("DUPONT", "JEAN", "1980-03-04", 'F');
        let v = compare(&a, &b);
        assert_eq!(
            apply(&a, &b, v, Decision::AutoLink).rule,
            Some(RuleHit::SexConflict)
        );
        assert_eq!(
            apply(&a, &b, v, Decision::NonMatch).decision,
            Decision::NonMatch
        );
        let mut c = rec("DUPONT", "JEAN", "1980-03-04", 'M');
        c.fictitious = true;
        let verdict = apply(&a, &c, compare(&a, &c), Decision::AutoLink);
        assert_eq!(
            verdict,
            Verdict {
                decision: Decision::Review,
                rule: Some(RuleHit::Fictitious)
            }
        );
        let d = rec("DUPONT", "JEAN", "1961-09-17", 'M');
        let verdict = apply(&a, &d, compare(&a, &d), Decision::AutoLink);
        assert_eq!(verdict.rule, Some(RuleHit::BirthDatesFarApart));
    }

    #[test]
    fn a_plain_match_keeps_its_band() {
        let a = rec("DUPONT", "JEAN", "1980-03-04", 'M');
        let b = rec("DUPONT", "JEAN", "1980-04-03", 'M');
        let verdict = apply(&a, &b, compare(&a, &b), Decision::AutoLink);
        assert_eq!(
            verdict,
            Verdict {
                decision: Decision::AutoLink,
                rule: None
            }
        );
    }
}
