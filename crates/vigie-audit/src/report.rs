//! The audit report: one serialisable structure that the JSON file is (schema `vigie-audit`,
//! version 1, documented in `docs/audit-report.md`) and that the HTML page and the CSV work lists
//! are rendered from.
//!
//! Lists refer to records by `record_id`; the records themselves are written once, in
//! [`AuditReport::records`], only for the records some list refers to.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::evidence::Band;

/// Value of the `schema` member.
pub const SCHEMA: &str = "vigie-audit";
/// Value of the `version` member.
pub const VERSION: u32 = 1;

/// The whole audit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditReport {
    /// Always [`SCHEMA`].
    pub schema: String,
    /// Always [`VERSION`] for this layout.
    pub version: u32,
    /// When the audit ran (or the date given with `--report-date`), ISO 8601.
    pub generated_at: String,
    /// What was read.
    pub input: InputSummary,
    /// Where the duplicate evidence came from.
    pub evidence: EvidenceSummary,
    /// The settings of the run.
    pub settings: Settings,
    /// Standard indicators over all records.
    pub headline: Headline,
    /// The same indicators for each source (establishment), by decreasing record count.
    pub sources: Vec<SourceSummary>,
    /// RNIV status distribution over all records.
    pub status: StatusCounts,
    /// Suspected doublons: one person under several local ids.
    pub doublons: Vec<DoublonGroup>,
    /// Potential duplicates: record pairs in the review band.
    pub potential_duplicates: Vec<PotentialPair>,
    /// Collisions: one identifier on records of different people.
    pub collisions: Vec<Collision>,
    /// INS problems, one entry per record and problem.
    pub ins_problems: Vec<InsProblem>,
    /// Homonym groups: same birth name, first name and birth date, different people.
    pub homonym_groups: Vec<HomonymGroup>,
    /// Data quality per field and per source, and the work list of quality issues.
    pub quality: Quality,
    /// Headline indicators of the previous reports given and of this one, oldest first.
    pub trend: Vec<TrendPoint>,
    /// The `--fail-on` conditions evaluated on this report.
    pub conditions: Vec<ConditionResult>,
    /// The records referred to by the lists, by `record_id`.
    pub records: BTreeMap<String, RecordView>,
}

/// What was read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputSummary {
    /// File name (without its directory).
    pub file: String,
    /// Data rows in the file.
    pub rows: u64,
    /// Records read (rows minus skipped rows).
    pub records: u64,
    /// Rows skipped (unreadable, no `record_id`, duplicate `record_id`).
    pub skipped_rows: u64,
    /// Rows with a field decoded as Windows-1252.
    pub rows_decoded_windows_1252: u64,
    /// Value findings of the reader, `"field: reason"` → count.
    pub findings: BTreeMap<String, u64>,
}

/// Where the duplicate evidence came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvidenceSummary {
    /// Producer name: `fallback-exact` for the built-in fallback.
    pub producer: String,
    /// True for the built-in fallback (exact keys and same INS only).
    pub fallback: bool,
    /// Scored pairs received.
    pub pairs: u64,
    /// Of which in the auto-link band.
    pub auto_link_pairs: u64,
    /// Of which in the review band.
    pub review_pairs: u64,
}

/// Settings of the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// All sources are one identity domain (doublons across establishments); otherwise a
    /// doublon is within one source.
    pub cross_source: bool,
    /// A phone number is "repeated" when carried by at least this many distinct identities.
    pub phone_min_identities: u64,
}

/// Standard indicators (over all records, or over one source).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Headline {
    /// Records.
    pub records: u64,
    /// Suspected doublon groups.
    pub doublon_groups: u64,
    /// Records in those groups.
    pub records_in_doublon_groups: u64,
    /// Records in those groups beyond the first of each group.
    pub duplicate_records: u64,
    /// `duplicate_records / records`.
    pub duplicate_rate: f64,
    /// Record pairs in the review band.
    pub potential_duplicate_pairs: u64,
    /// Collisions (all kinds).
    pub collisions: u64,
    /// Collisions by kind.
    pub collisions_by_kind: BTreeMap<String, u64>,
    /// Qualified identities (`QUAL`).
    pub qualified: u64,
    /// `qualified / records`.
    pub qualified_share: f64,
    /// Records with an INS value (valid or not).
    pub records_with_ins: u64,
    /// Records whose INS could not be read (bad key, malformed, unknown OID).
    pub invalid_ins: u64,
    /// `invalid_ins / records_with_ins`.
    pub invalid_ins_share: f64,
    /// INS problems (informational kinds excluded).
    pub ins_problems: u64,
    /// INS problems by kind (informational kinds included).
    pub ins_problems_by_kind: BTreeMap<String, u64>,
    /// Homonym groups.
    pub homonym_groups: u64,
    /// Doubtful identities (`DOUT`).
    pub doubtful: u64,
    /// Fictitious identities (`FICT`).
    pub fictitious: u64,
    /// Data-quality issues by kind.
    pub quality_issues_by_kind: BTreeMap<String, u64>,
}

/// Indicators of one source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceSummary {
    /// The source (`(none)` for records without one).
    pub source: String,
    /// Its indicators.
    pub headline: Headline,
    /// Its status distribution.
    pub status: StatusCounts,
}

/// RNIV status distribution and attributes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusCounts {
    /// Provisional (`PROV`).
    pub prov: u64,
    /// Recovered (`RECUP`).
    pub recup: u64,
    /// Validated (`VALI`).
    pub vali: u64,
    /// Qualified (`QUAL`).
    pub qual: u64,
    /// Doubtful attribute (`DOUT`).
    pub doubtful: u64,
    /// Fictitious attribute (`FICT`).
    pub fictitious: u64,
    /// Homonym attribute (`HOMA`).
    pub homonym: u64,
}

/// A per-field weight in an explanation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contribution {
    /// Canonical field name.
    pub field: String,
    /// Weight (log2), averaged over the pairs of a group.
    pub weight: f64,
}

/// What the identitovigilance cell should do with a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Strict traits agree, all links in the auto-link band: merge (after the usual check).
    Merge,
    /// Some strict trait or INS differs, or a link is uncertain: check identity documents.
    CheckDocuments,
}

impl Action {
    /// The snake-case name used in JSON and CSV.
    pub fn code(self) -> &'static str {
        match self {
            Action::Merge => "merge",
            Action::CheckDocuments => "check_documents",
        }
    }
}

/// One suspected doublon: records of one person under several local ids.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DoublonGroup {
    /// `D1`, `D2`… in report order.
    pub id: String,
    /// Sources of the records.
    pub sources: Vec<String>,
    /// The records (`record_id`), at least two, with at least two local ids.
    pub records: Vec<String>,
    /// Distinct local ids (records without one count one each).
    pub local_ids: u64,
    /// Lowest probability of the pairs that link the group (`null`: no pair given).
    pub probability: Option<f64>,
    /// Mean weight of those pairs.
    pub weight: Option<f64>,
    /// `auto_link` when every linking pair is, else `review`.
    pub band: Band,
    /// Mean per-field weights of the linking pairs, highest first.
    pub explanation: Vec<Contribution>,
    /// Strict traits or INS that conflict between two records of the group.
    pub conflicts: Vec<String>,
    /// Displayed fields whose values are not all equal.
    pub differing_fields: Vec<String>,
    /// Suggested action.
    pub action: Action,
}

/// A pair of records in the review band.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PotentialPair {
    /// `P1`, `P2`…
    pub id: String,
    /// One record.
    pub left: String,
    /// The other record.
    pub right: String,
    /// Match probability.
    pub probability: f64,
    /// Match weight.
    pub weight: f64,
    /// Per-field weights, highest first.
    pub explanation: Vec<Contribution>,
    /// Strict traits or INS that conflict.
    pub conflicts: Vec<String>,
    /// Displayed fields whose values differ.
    pub differing_fields: Vec<String>,
}

/// Kind of collision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CollisionKind {
    /// One INS on records with incompatible strict traits.
    SharedIns,
    /// Two or more different INS in one duplicate cluster.
    SeveralInsInGroup,
    /// One (source, local id) on records with incompatible strict traits.
    SharedLocalId,
}

impl CollisionKind {
    /// The snake-case name used in JSON and CSV.
    pub fn code(self) -> &'static str {
        match self {
            CollisionKind::SharedIns => "shared_ins",
            CollisionKind::SeveralInsInGroup => "several_ins_in_group",
            CollisionKind::SharedLocalId => "shared_local_id",
        }
    }
}

/// One identifier carried by records of different people.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Collision {
    /// `C1`, `C2`…
    pub id: String,
    /// Kind.
    pub kind: CollisionKind,
    /// The shared identifier: the INS matricule, `source/local_id`, or the INS list.
    pub key: String,
    /// The records.
    pub records: Vec<String>,
    /// Strict traits that conflict (or `ins`).
    pub conflicting_fields: Vec<String>,
}

/// Kind of INS problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InsProblemKind {
    /// The key does not match the first 13 characters.
    InvalidKey,
    /// Not a 15-character matricule (length, characters).
    Malformed,
    /// Not an INS register OID (unknown, or the superseded INS-C).
    UnknownOid,
    /// A test or demonstration register OID in production data.
    TestOid,
    /// Sex digit differs from the declared sex.
    SexMismatch,
    /// Birth year differs.
    BirthYearMismatch,
    /// Birth month differs.
    BirthMonthMismatch,
    /// Birthplace differs.
    BirthPlaceMismatch,
    /// Sex digit or month code outside the documented values.
    UnexpectedCode,
    /// INS on a provisional or validated identity (never retrieved through INSi).
    NonQualifiedCarrier,
    /// NIA key not following the NIR rule (informational: NIA keys are undocumented).
    NiaKeyUnverified,
    /// INS on a recovered (`RECUP`) identity: stored, not usable until qualified
    /// (informational).
    RecoveredNotQualified,
}

impl InsProblemKind {
    /// The snake-case name used in JSON and CSV.
    pub fn code(self) -> &'static str {
        match self {
            InsProblemKind::InvalidKey => "invalid_key",
            InsProblemKind::Malformed => "malformed",
            InsProblemKind::UnknownOid => "unknown_oid",
            InsProblemKind::TestOid => "test_oid",
            InsProblemKind::SexMismatch => "sex_mismatch",
            InsProblemKind::BirthYearMismatch => "birth_year_mismatch",
            InsProblemKind::BirthMonthMismatch => "birth_month_mismatch",
            InsProblemKind::BirthPlaceMismatch => "birth_place_mismatch",
            InsProblemKind::UnexpectedCode => "unexpected_code",
            InsProblemKind::NonQualifiedCarrier => "non_qualified_carrier",
            InsProblemKind::NiaKeyUnverified => "nia_key_unverified",
            InsProblemKind::RecoveredNotQualified => "recovered_not_qualified",
        }
    }

    /// Informational kinds are listed but not counted as problems.
    pub fn informational(self) -> bool {
        matches!(
            self,
            InsProblemKind::NiaKeyUnverified | InsProblemKind::RecoveredNotQualified
        )
    }

    /// Whether the INS value could not be read at all (counts in `invalid_ins`).
    pub fn unreadable(self) -> bool {
        matches!(
            self,
            InsProblemKind::InvalidKey | InsProblemKind::Malformed | InsProblemKind::UnknownOid
        )
    }
}

/// One INS problem on one record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InsProblem {
    /// Kind.
    pub kind: InsProblemKind,
    /// The record.
    pub record: String,
    /// What differs, e.g. `ins=1 declared=F`, `key=12 expected=44`, `status=PROV`.
    pub detail: String,
}

/// Records sharing birth name, first first name and full birth date that belong to different
/// people (different duplicate clusters).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HomonymGroup {
    /// `H1`, `H2`…
    pub id: String,
    /// `NAME|FIRST|YYYY-MM-DD` (normalised).
    pub key: String,
    /// The records.
    pub records: Vec<String>,
    /// Distinct people (clusters) among them.
    pub persons: u64,
    /// Records already carrying the homonym attribute (`HOMA`).
    pub flagged: u64,
}

/// Data quality.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Quality {
    /// Per field, over all records.
    pub fields: Vec<FieldQuality>,
    /// Per source: missing rate of each field and issue counts.
    pub by_source: Vec<SourceQuality>,
    /// Phone numbers carried by many distinct identities.
    pub repeated_phones: Vec<RepeatedPhone>,
    /// The work list: one entry per record and issue.
    pub issues: Vec<QualityIssue>,
}

/// Quality of one field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldQuality {
    /// Canonical field name.
    pub field: String,
    /// Records with a readable value.
    pub present: u64,
    /// Records without a value.
    pub missing: u64,
    /// Records whose value could not be read.
    pub invalid: u64,
    /// `missing / records`.
    pub missing_rate: f64,
    /// `invalid / records`.
    pub invalid_rate: f64,
}

/// Quality of one source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceQuality {
    /// The source.
    pub source: String,
    /// Its records.
    pub records: u64,
    /// Missing rate by field.
    pub missing_rate: BTreeMap<String, f64>,
    /// Issues by kind.
    pub issues: BTreeMap<String, u64>,
}

/// A phone number shared by many identities.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RepeatedPhone {
    /// The number (digits).
    pub phone: String,
    /// Distinct identities (duplicate clusters) carrying it.
    pub identities: u64,
    /// Records carrying it.
    pub records: u64,
    /// Sources where it appears.
    pub sources: Vec<String>,
}

/// Kind of data-quality issue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QualityIssueKind {
    /// A value that could not be read (date, sex, birthplace, identifier…).
    InvalidValue,
    /// Birth date on 1 January, the usual placeholder.
    PlaceholderBirthDate,
    /// Placeholder name (`X`, `INCONNU`, `ANONYME`, `TEST`…) on a non-fictitious identity.
    PlaceholderName,
    /// Phone number carried by many distinct identities.
    RepeatedPhone,
    /// Birth name looks like a first name and the first name like a family name.
    SwappedNames,
    /// Characters outside the RNIV rules.
    RnivCharacters,
}

impl QualityIssueKind {
    /// Every kind, in report order.
    pub const ALL: [QualityIssueKind; 6] = [
        QualityIssueKind::InvalidValue,
        QualityIssueKind::PlaceholderBirthDate,
        QualityIssueKind::PlaceholderName,
        QualityIssueKind::RepeatedPhone,
        QualityIssueKind::SwappedNames,
        QualityIssueKind::RnivCharacters,
    ];

    /// The snake-case name used in JSON and CSV.
    pub fn code(self) -> &'static str {
        match self {
            QualityIssueKind::InvalidValue => "invalid_value",
            QualityIssueKind::PlaceholderBirthDate => "placeholder_birth_date",
            QualityIssueKind::PlaceholderName => "placeholder_name",
            QualityIssueKind::RepeatedPhone => "repeated_phone",
            QualityIssueKind::SwappedNames => "swapped_names",
            QualityIssueKind::RnivCharacters => "rniv_characters",
        }
    }
}

/// One quality issue on one record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QualityIssue {
    /// Kind.
    pub kind: QualityIssueKind,
    /// Canonical field name.
    pub field: String,
    /// The record.
    pub record: String,
    /// Details: the reader's reason, the RNIV form, the number of identities sharing a phone…
    pub detail: String,
}

/// Headline indicators of one report, for the trend.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrendPoint {
    /// `generated_at` of the report.
    pub generated_at: String,
    /// Its input file.
    pub file: String,
    /// Records.
    pub records: u64,
    /// Duplicate rate.
    pub duplicate_rate: f64,
    /// Collisions.
    pub collisions: u64,
    /// Qualified share.
    pub qualified_share: f64,
    /// Invalid INS share.
    pub invalid_ins_share: f64,
    /// INS problems.
    pub ins_problems: u64,
    /// True for the report being written.
    pub current: bool,
}

/// A `--fail-on` condition and whether it holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConditionResult {
    /// The condition as written, e.g. `duplicates>0.5%`.
    pub condition: String,
    /// The measured value (a rate for `%` thresholds, else a count).
    pub value: f64,
    /// True when the condition holds (the run exits with code 3).
    pub holds: bool,
}

/// The displayed values of one record (absent values are omitted).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RecordView {
    /// 1-based line in the input file.
    pub line: u64,
    /// Source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Local id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_id: Option<String>,
    /// Birth name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_name: Option<String>,
    /// Used name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub used_name: Option<String>,
    /// Birth first names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_names: Option<String>,
    /// Used first name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub used_first_name: Option<String>,
    /// Sex code `M`, `F`, `U`.
    pub sex: String,
    /// Birth date, ISO (`1980`, `1980-03`, `1980-03-15`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<String>,
    /// Birthplace code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_place_code: Option<String>,
    /// INS matricule (valid ones only: an unreadable INS is an INS problem).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ins: Option<String>,
    /// INS register OID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ins_oid: Option<String>,
    /// Status code.
    pub identity_status: String,
    /// Attribute codes, `;`-separated.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub identity_attributes: String,
    /// Street address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// Postcode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postcode: Option<String>,
    /// City.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// Phone digits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// E-mail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

impl RecordView {
    /// The displayed fields, in order: (canonical name, value).
    pub fn fields(&self) -> [(&'static str, Option<&str>); 18] {
        [
            ("source", self.source.as_deref()),
            ("local_id", self.local_id.as_deref()),
            ("birth_name", self.birth_name.as_deref()),
            ("used_name", self.used_name.as_deref()),
            ("first_names", self.first_names.as_deref()),
            ("used_first_name", self.used_first_name.as_deref()),
            ("sex", Some(self.sex.as_str())),
            ("birth_date", self.birth_date.as_deref()),
            ("birth_place_code", self.birth_place_code.as_deref()),
            ("ins", self.ins.as_deref()),
            ("ins_oid", self.ins_oid.as_deref()),
            ("identity_status", Some(self.identity_status.as_str())),
            (
                "identity_attributes",
                Some(self.identity_attributes.as_str()).filter(|s| !s.is_empty()),
            ),
            ("address", self.address.as_deref()),
            ("postcode", self.postcode.as_deref()),
            ("city", self.city.as_deref()),
            ("phone", self.phone.as_deref()),
            ("email", self.email.as_deref()),
        ]
    }
}

/// Displayed fields whose values are not all equal among the given records (case and
/// surrounding spaces ignored; a missing value differs from a present one).
pub fn differing_fields(views: &[&RecordView]) -> Vec<String> {
    let Some(first) = views.first() else {
        return Vec::new();
    };
    let reference = first.fields();
    let mut out = Vec::new();
    for (position, (name, value)) in reference.iter().enumerate() {
        let norm = |v: Option<&str>| v.map(|s| s.trim().to_uppercase());
        let base = norm(*value);
        let differs = views.iter().skip(1).any(|view| {
            view.fields()
                .get(position)
                .is_some_and(|(_, other)| norm(*other) != base)
        });
        if differs {
            out.push((*name).to_owned());
        }
    }
    out
}
