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
//!
//! ## Which caps depend on the source (cap gates)
//!
//! The INS rules, the sex conflict and the fictitious rule are unconditional. The twin, family
//! and far-apart caps are not facts about identity but a **prior about the source**: true
//! duplicates almost never show a totally different first name or birth date, so a pair that
//! does, while everything else agrees, is more likely twins or relatives. The Fellegi–Sunter
//! weight cannot see this by itself: it assumes fields disagree independently among
//! non-matches, and twins or relatives agree on name, date, place or address *together*, far
//! more often than random pairs do.
//!
//! Whether the prior holds is measurable. EM estimates m(level) = P(level | match) for the
//! disagreeing levels; among pairs agreeing on everything else, the share of true duplicates is
//! D·m / (D·m + R) (D duplicate pairs, R relative pairs with that pattern). When m is small, the
//! relatives dominate and the cap protects precision. When EM finds that a sizeable share of
//! true matches carries the disagreement (a registration practice that replaces first names or
//! birth dates outright, as FEBRL's corruption does), such pairs are mostly duplicates, the
//! trained weights already price the disagreement, and the cap only costs recall.
//!
//! So each data-dependent clause is gated by the trained m of its disagreeing level
//! ([`CapEvidence`]): the clause applies while m is below the bound, and is **lifted** when m
//! reaches it. The bounds are twice the m the French registry prior (the default model) gives
//! those levels, the registration practice the caps were designed for:
//!
//! | evidence | level | French prior m | bound | gates |
//! |---|---|---|---|---|
//! | first names differ | `first_names.different` | 2 % | 4 % | twins; family (first-name clause) |
//! | birth dates differ | `birth_date.different` | — | 2 % | family (birth-date clause) |
//! | birth dates far apart | `birth_date.far_apart` | 1 % | 2 % | far-apart cap |
//!
//! (The `different` date level, one to five years apart, gets the far-apart bound: a birth date
//! is a strict trait read off an identity document.) Measured: on the generated French file
//! EM gives 2.25 %, 0.07 % and 0.13 % (every cap stays), on FEBRL3 16.6 %, 0.48 % and 5.9 %,
//! on FEBRL4 11.2 %, 0.32 % and 4.4 % (first-name and far-apart clauses lifted, the family
//! birth-date clause kept). A model that was not trained ([`CapPolicy::default`]) keeps every
//! cap, and a model file records which gates are open and the m behind them.

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

/// The disagreement whose rarity among true matches a data-dependent cap relies on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CapEvidence {
    /// Totally different first names (`first_names.different`): gates the twin cap and the
    /// first-name clause of the family cap.
    FirstNamesDiffer,
    /// Birth dates one to five years apart (`birth_date.different`): gates the birth-date
    /// clause of the family cap.
    BirthDatesDiffer,
    /// Birth dates more than five years apart (`birth_date.far_apart`): gates the far-apart cap.
    BirthDatesFarApart,
}

impl CapEvidence {
    /// Every gate, in a stable order.
    pub const ALL: [CapEvidence; 3] = [
        CapEvidence::FirstNamesDiffer,
        CapEvidence::BirthDatesDiffer,
        CapEvidence::BirthDatesFarApart,
    ];

    /// Stable name (model files).
    pub fn name(self) -> &'static str {
        match self {
            CapEvidence::FirstNamesDiffer => "first_names_differ",
            CapEvidence::BirthDatesDiffer => "birth_dates_differ",
            CapEvidence::BirthDatesFarApart => "birth_dates_far_apart",
        }
    }

    /// The gate of a name.
    pub fn from_name(name: &str) -> Option<CapEvidence> {
        CapEvidence::ALL.into_iter().find(|e| e.name() == name)
    }

    /// The comparison and level whose m is the evidence.
    pub fn level(self) -> (ComparisonKind, u8) {
        match self {
            CapEvidence::FirstNamesDiffer => (ComparisonKind::FirstNames, level::first::DIFFERENT),
            CapEvidence::BirthDatesDiffer => (ComparisonKind::BirthDate, level::date::DIFFERENT),
            CapEvidence::BirthDatesFarApart => (ComparisonKind::BirthDate, level::date::FAR_APART),
        }
    }

    /// The cap clauses lifted with this gate.
    pub fn gates(self) -> &'static [RuleHit] {
        match self {
            CapEvidence::FirstNamesDiffer => &[RuleHit::PossibleTwins, RuleHit::FamilyMember],
            CapEvidence::BirthDatesDiffer => &[RuleHit::FamilyMember],
            CapEvidence::BirthDatesFarApart => &[RuleHit::BirthDatesFarApart],
        }
    }

    /// The clause applies while m of the evidence level is below this bound (twice the French
    /// registry prior; see the module documentation).
    pub fn bound(self) -> f64 {
        match self {
            CapEvidence::FirstNamesDiffer => 0.04,
            CapEvidence::BirthDatesDiffer | CapEvidence::BirthDatesFarApart => 0.02,
        }
    }
}

/// The state of one cap gate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CapGate {
    /// The evidence.
    pub evidence: CapEvidence,
    /// The trained m of the evidence level (`None`: not trained, the prior holds).
    pub m: Option<f64>,
    /// Whether the clauses it gates apply.
    pub active: bool,
}

impl CapGate {
    /// Why the gate is open or closed (explanations, model files).
    pub fn reason(&self) -> String {
        let (kind, lvl) = self.evidence.level();
        let label = kind
            .level_labels()
            .get(usize::from(lvl))
            .copied()
            .unwrap_or("?");
        let bound = self.evidence.bound();
        match (self.m, self.active) {
            (None, true) => "untrained model: the French registry prior holds".to_owned(),
            (None, false) => "lifted by the model file".to_owned(),
            (Some(m), true) if m < bound => format!(
                "m({}.{label}) = {m:.4} < {bound}: true matches rarely differ so",
                kind.name()
            ),
            (Some(m), true) => format!(
                "kept by the model file although m({}.{label}) = {m:.4} >= {bound}",
                kind.name()
            ),
            (Some(m), false) => format!(
                "m({}.{label}) = {m:.4} >= {bound}: true matches often differ so, the weights price it",
                kind.name()
            ),
        }
    }
}

/// Which data-dependent cap clauses apply (see the module documentation). The default keeps
/// them all.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CapPolicy {
    gates: [CapGate; 3],
}

impl Default for CapPolicy {
    fn default() -> Self {
        CapPolicy {
            gates: CapEvidence::ALL.map(|evidence| CapGate {
                evidence,
                m: None,
                active: true,
            }),
        }
    }
}

impl CapPolicy {
    /// The gates of a trained model: each clause applies while m of its evidence level is
    /// below the bound. `m(kind, level)` gives the trained m (`None`: not estimated, the gate
    /// stays closed, i.e. the cap applies).
    pub fn from_m(m: impl Fn(ComparisonKind, u8) -> Option<f64>) -> CapPolicy {
        CapPolicy {
            gates: CapEvidence::ALL.map(|evidence| {
                let (kind, lvl) = evidence.level();
                let value = m(kind, lvl).filter(|v| v.is_finite());
                CapGate {
                    evidence,
                    m: value,
                    active: value.is_none_or(|v| v < evidence.bound()),
                }
            }),
        }
    }

    /// A policy with explicit gate states (model files); gates not given stay active.
    pub fn from_gates(gates: impl IntoIterator<Item = CapGate>) -> CapPolicy {
        let mut policy = CapPolicy::default();
        for gate in gates {
            if let Some(slot) = policy
                .gates
                .iter_mut()
                .find(|g| g.evidence == gate.evidence)
            {
                *slot = gate;
            }
        }
        policy
    }

    /// The gates, in [`CapEvidence::ALL`] order.
    pub fn gates(&self) -> &[CapGate] {
        &self.gates
    }

    /// Whether the clauses of a gate apply.
    pub fn is_active(&self, evidence: CapEvidence) -> bool {
        self.gates
            .iter()
            .find(|g| g.evidence == evidence)
            .is_none_or(|g| g.active)
    }

    /// Whether every cap applies.
    pub fn all_active(&self) -> bool {
        self.gates.iter().all(|g| g.active)
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
    caps: &CapPolicy,
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
    let cap = cap_rule(vector, fictitious, caps);
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

/// The first capping rule that applies to a pair (fictitious, conflicts, twins, family); the
/// twin, family and far-apart clauses only while their gate in `caps` is active.
pub fn cap_rule(vector: ComparisonVector, fictitious: bool, caps: &CapPolicy) -> Option<RuleHit> {
    let at = |kind| vector.level(kind);
    let date = at(ComparisonKind::BirthDate);
    let first = at(ComparisonKind::FirstNames);
    if fictitious {
        return Some(RuleHit::Fictitious);
    }
    if at(ComparisonKind::Sex) == Some(level::binary::DIFFERENT) {
        return Some(RuleHit::SexConflict);
    }
    if date == Some(level::date::FAR_APART) && caps.is_active(CapEvidence::BirthDatesFarApart) {
        return Some(RuleHit::BirthDatesFarApart);
    }
    let first_different =
        first == Some(level::first::DIFFERENT) && caps.is_active(CapEvidence::FirstNamesDiffer);
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
    let date_different = matches!(date, Some(level::date::DIFFERENT))
        && caps.is_active(CapEvidence::BirthDatesDiffer);
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
        let verdict = apply(&a, &b, v, Decision::NonMatch, &CapPolicy::default());
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
        let verdict = apply(
            &a,
            &b,
            compare(&a, &b),
            Decision::Review,
            &CapPolicy::default(),
        );
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
        let verdict = apply(
            &a,
            &b,
            compare(&a, &b),
            Decision::AutoLink,
            &CapPolicy::default(),
        );
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
        let verdict = apply(
            &a,
            &b,
            compare(&a, &b),
            Decision::AutoLink,
            &CapPolicy::default(),
        );
        assert_eq!(verdict.decision, Decision::Review);
        assert_eq!(verdict.rule, Some(RuleHit::InsCollision));
    }

    #[test]
    fn twins_are_capped() {
        let a = rec("DUPONT", "JEAN", "1980-03-04", 'M');
        let b = rec("DUPONT", "PAUL", "1980-03-04", 'M');
        let verdict = apply(
            &a,
            &b,
            compare(&a, &b),
            Decision::AutoLink,
            &CapPolicy::default(),
        );
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
        let verdict = apply(
            &a,
            &b,
            compare(&a, &b),
            Decision::AutoLink,
            &CapPolicy::default(),
        );
        assert_eq!(verdict.rule, Some(RuleHit::FamilyMember));
        assert_eq!(verdict.decision, Decision::Review);
    }

    #[test]
    fn conflicts_and_fictitious_are_capped_not_raised() {
        let a = rec("DUPONT", "JEAN", "1980-03-04", 'M');
        let b = rec("DUPONT", "JEAN", "1980-03-04", 'F');
        let v = compare(&a, &b);
        assert_eq!(
            apply(&a, &b, v, Decision::AutoLink, &CapPolicy::default()).rule,
            Some(RuleHit::SexConflict)
        );
        assert_eq!(
            apply(&a, &b, v, Decision::NonMatch, &CapPolicy::default()).decision,
            Decision::NonMatch
        );
        let mut c = rec("DUPONT", "JEAN", "1980-03-04", 'M');
        c.fictitious = true;
        let verdict = apply(
            &a,
            &c,
            compare(&a, &c),
            Decision::AutoLink,
            &CapPolicy::default(),
        );
        assert_eq!(
            verdict,
            Verdict {
                decision: Decision::Review,
                rule: Some(RuleHit::Fictitious)
            }
        );
        let d = rec("DUPONT", "JEAN", "1961-09-17", 'M');
        let verdict = apply(
            &a,
            &d,
            compare(&a, &d),
            Decision::AutoLink,
            &CapPolicy::default(),
        );
        assert_eq!(verdict.rule, Some(RuleHit::BirthDatesFarApart));
    }

    #[test]
    fn a_plain_match_keeps_its_band() {
        let a = rec("DUPONT", "JEAN", "1980-03-04", 'M');
        let b = rec("DUPONT", "JEAN", "1980-04-03", 'M');
        let verdict = apply(
            &a,
            &b,
            compare(&a, &b),
            Decision::AutoLink,
            &CapPolicy::default(),
        );
        assert_eq!(
            verdict,
            Verdict {
                decision: Decision::AutoLink,
                rule: None
            }
        );
    }

    fn policy(first: f64, date_different: f64, far_apart: f64) -> CapPolicy {
        CapPolicy::from_m(|kind, lvl| match (kind, lvl) {
            (ComparisonKind::FirstNames, level::first::DIFFERENT) => Some(first),
            (ComparisonKind::BirthDate, level::date::DIFFERENT) => Some(date_different),
            (ComparisonKind::BirthDate, level::date::FAR_APART) => Some(far_apart),
            _ => None,
        })
    }

    #[test]
    fn low_m_keeps_the_caps() {
        // What EM finds on the generated French file: true matches rarely differ so.
        let caps = policy(0.0225, 0.0007, 0.0013);
        assert!(caps.all_active());
        let a = rec("DUPONT", "JEAN", "1980-03-04", 'M');
        let b = rec("DUPONT", "PAUL", "1980-03-04", 'M');
        let verdict = apply(&a, &b, compare(&a, &b), Decision::AutoLink, &caps);
        assert_eq!(verdict.rule, Some(RuleHit::PossibleTwins));
        let d = rec("DUPONT", "JEAN", "1961-09-17", 'M');
        let verdict = apply(&a, &d, compare(&a, &d), Decision::AutoLink, &caps);
        assert_eq!(verdict.rule, Some(RuleHit::BirthDatesFarApart));
        assert!(caps.gates().iter().all(|g| g.reason().contains(" < ")));
    }

    #[test]
    fn high_m_lifts_only_the_gated_clauses() {
        // What EM finds on FEBRL3: first names and far-apart dates replaced outright.
        let caps = policy(0.166, 0.0048, 0.059);
        assert!(!caps.is_active(CapEvidence::FirstNamesDiffer));
        assert!(caps.is_active(CapEvidence::BirthDatesDiffer));
        assert!(!caps.is_active(CapEvidence::BirthDatesFarApart));
        let a = rec("DUPONT", "JEAN", "1980-03-04", 'M');
        let b = rec("DUPONT", "PAUL", "1980-03-04", 'M');
        let verdict = apply(&a, &b, compare(&a, &b), Decision::AutoLink, &caps);
        assert_eq!(
            verdict,
            Verdict {
                decision: Decision::AutoLink,
                rule: None
            }
        );
        let d = rec("DUPONT", "JEAN", "1961-09-17", 'M');
        let verdict = apply(&a, &d, compare(&a, &d), Decision::AutoLink, &caps);
        assert_eq!(verdict.decision, Decision::AutoLink);
        // The family birth-date clause stays: its own evidence is low.
        let mut e = rec("DUPONT", "JEAN", "1980-03-04", 'M');
        let mut f = rec("DUPONT", "JEAN", "1983-07-12", 'M');
        e.phone = Some("0612345678".into());
        f.phone = Some("0612345678".into());
        let verdict = apply(&e, &f, compare(&e, &f), Decision::AutoLink, &caps);
        assert_eq!(verdict.rule, Some(RuleHit::FamilyMember));
        // Unconditional rules are never lifted.
        let g = rec("DUPONT", "JEAN", "1980-03-04", 'F');
        let verdict = apply(&a, &g, compare(&a, &g), Decision::AutoLink, &caps);
        assert_eq!(verdict.rule, Some(RuleHit::SexConflict));
        let mut h = rec("DUPONT", "JEAN", "1980-03-04", 'M');
        h.fictitious = true;
        let verdict = apply(&a, &h, compare(&a, &h), Decision::AutoLink, &caps);
        assert_eq!(verdict.rule, Some(RuleHit::Fictitious));
    }

    #[test]
    fn gates_switch_at_the_bound_and_untrained_levels_keep_caps() {
        for evidence in CapEvidence::ALL {
            let (kind, lvl) = evidence.level();
            let at = |m: f64| {
                CapPolicy::from_m(|k, l| (k == kind && l == lvl).then_some(m)).is_active(evidence)
            };
            assert!(at(evidence.bound() * 0.99));
            assert!(!at(evidence.bound()));
            assert!(CapPolicy::from_m(|_, _| None).is_active(evidence));
            assert!(CapPolicy::from_m(|_, _| Some(f64::NAN)).is_active(evidence));
            assert_eq!(CapEvidence::from_name(evidence.name()), Some(evidence));
        }
        assert!(CapPolicy::default().all_active());
    }
}
