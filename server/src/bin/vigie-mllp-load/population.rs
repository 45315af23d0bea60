//! Query populations drawn from a generated file (`vigie generate`, the file imported into the
//! store with `vigie import`): PDQ criteria and PIX identifiers of identities that exist, picked
//! deterministically from a seed, so that two runs on the same file send the same queries.
//!
//! PDQ mix (per query, by a draw on the seed and the query number):
//! * 70 % family name + first given name + birth date,
//! * 15 % family name + first given name,
//! * 15 % family name + birth date;
//!
//! and, independently, 10 % of the queries carry one typing error (a substitution, deletion or
//! transposition after the first letter) in the family name, or for a third of them in the
//! given name. The family name is the birth name, or the used name for 20 % of the queries
//! whose record has one (a desk clerk types the name the patient gives). Records without the
//! fields a query kind needs (e.g. a partial birth date) are skipped for that kind.
//!
//! PIX: the local id and domain (`source` column) of a record picked uniformly.
//!
//! Feed: the records of the file in order (message `n` registers record `n`), each as an
//! `ADT^A01` whose PID is built from the whole record the way the server builds its own PID
//! segments (PAM France names, birth place, address, PID-32 status; the INS for a qualified
//! identity), with the record's local id in its domain. Feed a file that is *not* in the store
//! (e.g. a second `vigie generate` run) to measure registrations of new identities.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, bail};
use vigie_batch::input::{ReadOptions, read_path};
use vigie_core::date::PartialDate;
use vigie_core::record::IdentityRecord;
use vigie_hl7::pid::Patient;
use vigie_hl7::types::{AssigningAuthority, PatientIdentifier};

/// One PDQ query: the criteria a clerk would type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PdqCriteria {
    /// Family name (possibly with a typo).
    pub family: String,
    /// First given name, when the query has one.
    pub given: Option<String>,
    /// Full birth date (year, month, day), when the query has one.
    pub birth_date: Option<(u16, u8, u8)>,
    /// The record the query was drawn from (the patient a clerk is looking for), when it has
    /// an identifier.
    pub origin: Option<PixId>,
}

/// One PIX query: a local id in its domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PixId {
    /// Domain (the file's `source`; the HL7 namespace and the end of the FHIR system).
    pub domain: String,
    /// Local id.
    pub local_id: String,
}

/// The identities of a file, reduced to what queries need.
#[derive(Debug, Default)]
pub struct Population {
    people: Vec<Person>,
    /// The records themselves, in file order (feeds).
    records: Vec<IdentityRecord>,
}

#[derive(Debug)]
struct Person {
    domain: Option<String>,
    local_id: Option<String>,
    birth_name: Option<String>,
    used_name: Option<String>,
    given: Option<String>,
    birth_date: Option<(u16, u8, u8)>,
}

/// SplitMix64: a small, well-mixed, deterministic generator (no dependency, same stream on
/// every platform).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// The generator of query `n` under `seed` (independent of the order queries are sent).
    pub fn for_query(seed: u64, n: u64) -> Rng {
        let mut rng = Rng(seed ^ n.wrapping_mul(0xA076_1D64_78BD_642F));
        rng.next_u64();
        rng
    }

    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// True with probability `percent` / 100.
    pub fn percent(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }
}

fn text(value: Option<&str>) -> Option<String> {
    value
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

/// Letters a typo may put in (upper-case ASCII: the generator's names are mostly so).
const LETTERS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// One typing error after the first letter: substitution, deletion or adjacent transposition.
/// Names shorter than 4 characters are left alone (a typo would make another name).
pub fn typo(name: &str, rng: &mut Rng) -> String {
    let mut chars: Vec<char> = name.chars().collect();
    if chars.len() < 4 {
        return name.to_owned();
    }
    let at = 1 + rng.below(chars.len() - 2);
    match rng.below(3) {
        0 => {
            let current = chars[at];
            let mut letter = char::from(LETTERS[rng.below(LETTERS.len())]);
            if letter == current.to_ascii_uppercase() {
                letter = if letter == 'Z' { 'A' } else { 'Z' };
            }
            // Same case as the letter replaced (names come in upper case or title case).
            chars[at] = if current.is_lowercase() {
                letter.to_ascii_lowercase()
            } else {
                letter
            };
        }
        1 => {
            chars.remove(at);
        }
        _ if chars[at] != chars[at + 1] => chars.swap(at, at + 1),
        _ => {
            chars.remove(at);
        }
    }
    chars.into_iter().collect()
}

impl Population {
    /// Reads the records of a canonical CSV file (docs/record-format.md).
    ///
    /// # Errors
    /// When the file cannot be read, or holds no record usable for queries.
    pub fn read(path: &Path) -> anyhow::Result<Population> {
        let input = read_path(path, &ReadOptions::default())
            .with_context(|| format!("reading {}", path.display()))?;
        let people: Vec<Person> = input
            .records
            .iter()
            .map(|r| Person {
                domain: r.source.as_ref().map(|d| d.as_str().to_owned()),
                local_id: r.local_id.as_ref().map(|l| l.as_str().to_owned()),
                birth_name: text(r.birth_name.as_deref()),
                used_name: text(r.used_name.as_deref()),
                given: r
                    .first_names
                    .as_deref()
                    .and_then(|f| f.split_whitespace().next())
                    .map(str::to_owned)
                    .or_else(|| text(r.used_first_name.as_deref())),
                birth_date: match r.birth_date {
                    Some(PartialDate::Full(y, m, d)) => Some((y, m, d)),
                    _ => None,
                },
            })
            .collect();
        if people.is_empty() {
            bail!("{} holds no record", path.display());
        }
        Ok(Population {
            people,
            records: input.records,
        })
    }

    /// Number of records.
    pub fn len(&self) -> usize {
        self.people.len()
    }

    /// A record picked by `rng` that satisfies `usable` (`None` after 64 unlucky draws).
    fn pick(&self, rng: &mut Rng, usable: impl Fn(&Person) -> bool) -> Option<&Person> {
        (0..64)
            .map(|_| &self.people[rng.below(self.people.len())])
            .find(|p| usable(p))
    }

    /// PDQ query number `n` under `seed` (see the module docs for the mix).
    pub fn pdq(&self, seed: u64, n: u64) -> Option<PdqCriteria> {
        let mut rng = Rng::for_query(seed, n);
        let roll = rng.below(100);
        let (with_given, with_date) = match roll {
            0..70 => (true, true),
            70..85 => (true, false),
            _ => (false, true),
        };
        let person = self.pick(&mut rng, |p| {
            (p.birth_name.is_some() || p.used_name.is_some())
                && (!with_given || p.given.is_some())
                && (!with_date || p.birth_date.is_some())
        })?;
        let use_used = person.used_name.is_some() && rng.percent(20);
        let mut family = if use_used {
            person.used_name.clone()
        } else {
            person
                .birth_name
                .clone()
                .or_else(|| person.used_name.clone())
        }?;
        let mut given = if with_given {
            person.given.clone()
        } else {
            None
        };
        if rng.percent(10) {
            match given.as_mut() {
                Some(g) if rng.percent(33) => *g = typo(g, &mut rng),
                _ => family = typo(&family, &mut rng),
            }
        }
        let origin = match (&person.domain, &person.local_id) {
            (Some(domain), Some(local_id)) => Some(PixId {
                domain: domain.clone(),
                local_id: local_id.clone(),
            }),
            _ => None,
        };
        Some(PdqCriteria {
            family,
            given,
            birth_date: if with_date { person.birth_date } else { None },
            origin,
        })
    }

    /// Feed message number `n`: the PID segment (ER7, default delimiters) registering record
    /// `n` of the file; `None` past the end of the file or for a record without a domain or a
    /// local id.
    pub fn feed_pid(&self, n: u64) -> Option<String> {
        let record = self.records.get(usize::try_from(n).ok()?)?;
        let (domain, local_id) = (record.source.as_ref()?, record.local_id.as_ref()?);
        let local = PatientIdentifier::new(
            local_id.as_str(),
            AssigningAuthority::new(domain.as_str(), "", ""),
            Some("PI"),
        );
        let mut pid = String::new();
        Patient::from_identity(record, vec![local])
            .to_segment()
            .write(&mut pid);
        Some(pid)
    }

    /// PIX query number `n` under `seed`: an identifier of the file.
    pub fn pix(&self, seed: u64, n: u64) -> Option<PixId> {
        let mut rng = Rng::for_query(seed, n);
        let person = self.pick(&mut rng, |p| p.domain.is_some() && p.local_id.is_some())?;
        Some(PixId {
            domain: person.domain.clone()?,
            local_id: person.local_id.clone()?,
        })
    }
}

/// Escapes an HL7 v2 value (default delimiters `|^~\&`).
pub fn hl7_escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\E\\"),
            '|' => out.push_str("\\F\\"),
            '^' => out.push_str("\\S\\"),
            '~' => out.push_str("\\R\\"),
            '&' => out.push_str("\\T\\"),
            '\r' | '\n' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Percent-encodes a URL query value (RFC 3986 unreserved characters kept).
pub fn url_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len() * 3);
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

/// The PDQm request path of PDQ criteria (`GET /fhir/Patient?family=&given=&birthdate=`).
pub fn pdqm_path(criteria: &PdqCriteria) -> String {
    let mut path = format!("/fhir/Patient?family={}", url_encode(&criteria.family));
    if let Some(given) = &criteria.given {
        let _ = write!(path, "&given={}", url_encode(given));
    }
    if let Some((y, m, d)) = criteria.birth_date {
        let _ = write!(path, "&birthdate={y:04}-{m:02}-{d:02}");
    }
    path
}

/// The PIXm request path of an identifier (`GET /fhir/Patient/$ihe-pix?sourceIdentifier=`),
/// the domain's FHIR system being `system_prefix` + domain.
pub fn pixm_path(id: &PixId, system_prefix: &str) -> String {
    format!(
        "/fhir/Patient/$ihe-pix?sourceIdentifier={}",
        url_encode(&format!("{system_prefix}{}|{}", id.domain, id.local_id))
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn population() -> Population {
        let csv = "record_id,source,local_id,birth_name,used_name,first_names,sex,birth_date\n\
                   1,CHU-A,11,DUPONT,MARTIN,JEAN PIERRE,M,1980-03-15\n\
                   2,CHU-B,22,LE GALL,,ANNE,F,1975\n\
                   3,CHU-A,33,D'ALMEIDA,,MARIE,F,2001-12-01\n";
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.csv");
        std::fs::write(&path, csv).unwrap();
        Population::read(&path).unwrap()
    }

    #[test]
    fn queries_are_deterministic_and_come_from_the_file() {
        let pop = population();
        assert_eq!(pop.len(), 3);
        let first: Vec<_> = (0..200).map(|n| pop.pdq(7, n)).collect();
        let again: Vec<_> = (0..200).map(|n| pop.pdq(7, n)).collect();
        assert_eq!(first, again);
        let other: Vec<_> = (0..200).map(|n| pop.pdq(8, n)).collect();
        assert_ne!(first, other);
        let mut kinds = [0usize; 3];
        for q in first.into_iter().map(Option::unwrap) {
            match (q.given.is_some(), q.birth_date.is_some()) {
                (true, true) => kinds[0] += 1,
                (true, false) => kinds[1] += 1,
                (false, true) => kinds[2] += 1,
                (false, false) => panic!("a query without given name nor date"),
            }
            // Dates only from full birth dates (record 2 has a year only).
            if let Some(date) = q.birth_date {
                assert!(date == (1980, 3, 15) || date == (2001, 12, 1));
            }
        }
        assert!(kinds.iter().all(|&k| k > 0), "{kinds:?}");
        assert!(kinds[0] > kinds[1] + kinds[2], "{kinds:?}");
        for n in 0..50 {
            let id = pop.pix(1, n).unwrap();
            assert!(
                [("CHU-A", "11"), ("CHU-B", "22"), ("CHU-A", "33")]
                    .contains(&(id.domain.as_str(), id.local_id.as_str()))
            );
        }
    }

    #[test]
    fn typos_are_one_edit_after_the_first_letter() {
        let mut rng = Rng::for_query(3, 0);
        for _ in 0..200 {
            let t = typo("BERNARD", &mut rng);
            assert_ne!(t, "BERNARD");
            assert!(t.starts_with('B'));
            assert!(t.len() == 6 || t.len() == 7, "{t}");
        }
        assert_eq!(typo("LI", &mut rng), "LI");
    }

    #[test]
    fn paths_and_hl7_values_are_escaped() {
        let q = PdqCriteria {
            family: "D'ALMEIDA".into(),
            given: Some("ANNE-SOPHIE".into()),
            birth_date: Some((1980, 3, 5)),
            origin: None,
        };
        assert_eq!(
            pdqm_path(&q),
            "/fhir/Patient?family=D%27ALMEIDA&given=ANNE-SOPHIE&birthdate=1980-03-05"
        );
        let id = PixId {
            domain: "CHU-A".into(),
            local_id: "12 3".into(),
        };
        assert_eq!(
            pixm_path(&id, "urn:vigie:"),
            "/fhir/Patient/$ihe-pix?sourceIdentifier=urn%3Avigie%3ACHU-A%7C12%203"
        );
        assert_eq!(
            hl7_escape("A^B|C~D\\E&F"),
            "A\\S\\B\\F\\C\\R\\D\\E\\E\\T\\F"
        );
    }
}
