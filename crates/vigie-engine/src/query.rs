//! Read paths: demographic search (PDQ), `$match`, cross-references (PIX).
//!
//! Search relevance: the query becomes a probe record; each candidate from the index (sharing
//! any query term) is compared with the model's comparators, and the relevance is the model's
//! weight summed over the *given* fields only, rescaled between the worst and best weights those
//! fields can reach: 1 when everything given agrees exactly, 0 when everything disagrees. A hit
//! must not contradict any given field (a missing value on the candidate does not contradict).
//!
//! Cost: candidates come from the index as a top-k disjunction of the query's terms (block-max
//! WAND, see `vigie_store`), best shared terms first. The sex is not an index term of the query
//! (it matches half the store and would not order the candidates): it filters and scores them,
//! like every given field. Candidates are examined [`FIRST_QUERY_CANDIDATES`] at a time; more
//! (twice as many each round, up to [`MAX_QUERY_CANDIDATES`]) are fetched only while the last
//! quarter of those examined still held hits — a specific query (names and birth date) stops
//! after the first round, a broad one (a common family name alone) goes on as before. The
//! birth date and sex of a candidate are checked on the index's copy of them before its row is
//! read (most candidates of a specific query are homonyms born on another day), the rows of a
//! round are read in one batched lookup, and name keys come from the thread's name cache.

use std::collections::{BTreeMap, HashSet};

use vigie_core::birthplace::BirthPlaceCode;
use vigie_core::ids::{EnterpriseId, RecordId};
use vigie_core::ins::Ins;
use vigie_core::matching::comparison::{ComparisonKind, birth_date_level, compare, level};
use vigie_core::matching::model::Decision;
use vigie_core::record::IdentityRecord;
use vigie_core::sex::Sex;
use vigie_core::status::IdentityState;

use vigie_store::IndexTraits;

use crate::terms::field_terms;
use crate::{DomainId, Engine, EngineError, SearchHit, SearchQuery, SourceKey};

/// Default number of hits when a query asks for 0.
pub const DEFAULT_LIMIT: usize = 50;
/// Most index candidates examined per query.
pub const MAX_QUERY_CANDIDATES: usize = 500;
/// Index candidates examined in the first round of a query (see the module docs).
pub const FIRST_QUERY_CANDIDATES: usize = 64;

fn contradicts(kind: ComparisonKind, lvl: Option<u8>) -> bool {
    let Some(lvl) = lvl else { return false };
    match kind {
        ComparisonKind::BirthDate => lvl >= level::date::DIFFERENT,
        _ => usize::from(lvl) + 1 >= kind.level_count(),
    }
}

impl Engine {
    fn probe_of(query: &SearchQuery) -> Result<(IdentityRecord, Vec<ComparisonKind>), EngineError> {
        let text = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let mut kinds = Vec::new();
        let family = text(&query.family);
        let given = text(&query.given);
        if family.is_some() {
            kinds.push(ComparisonKind::BirthName);
        }
        if given.is_some() {
            kinds.push(ComparisonKind::FirstNames);
        }
        if query.birth_date.is_some() {
            kinds.push(ComparisonKind::BirthDate);
        }
        let sex = query.sex.unwrap_or(Sex::Unknown);
        if sex.is_known() {
            kinds.push(ComparisonKind::Sex);
        }
        let birth_place = match text(&query.birth_place) {
            None => None,
            Some(code) => Some(
                BirthPlaceCode::try_parse(&code)
                    .map_err(|e| EngineError::InvalidInput(format!("birth place: {e}")))?,
            ),
        };
        if birth_place.is_some() {
            kinds.push(ComparisonKind::BirthPlace);
        }
        let ins = match text(&query.ins) {
            None => None,
            Some(m) => Some(
                Ins::parse(&m, None, true)
                    .map_err(|e| EngineError::InvalidInput(format!("ins: {e}")))?,
            ),
        };
        if ins.is_some() {
            kinds.push(ComparisonKind::Ins);
        }
        let postcode = text(&query.postcode);
        let city = text(&query.city);
        if postcode.is_some() || city.is_some() {
            kinds.push(ComparisonKind::Location);
        }
        let record = IdentityRecord {
            record_id: RecordId::new("query")
                .map_err(|_| EngineError::Internal("constant id refused".into()))?,
            source: None,
            local_id: None,
            birth_name: family,
            used_name: None,
            first_names: given,
            used_first_name: None,
            sex,
            birth_date: query.birth_date,
            birth_place,
            ins,
            state: IdentityState::default(),
            address: None,
            postcode,
            city,
            country: None,
            phone: None,
            email: None,
            other_id: None,
        };
        Ok((record, kinds))
    }

    /// Demographic search (see the module docs).
    pub(crate) fn search_impl(&self, query: &SearchQuery) -> Result<Vec<SearchHit>, EngineError> {
        let limit = if query.limit == 0 {
            DEFAULT_LIMIT
        } else {
            query.limit
        };
        if let Some(key) = &query.identifier {
            let Some(row) = self.store.source(key)?.filter(|r| r.active) else {
                return Ok(Vec::new());
            };
            let mut hits = Vec::new();
            self.push_hit(
                &mut hits,
                &row.enterprise,
                1.0,
                Decision::AutoLink,
                &query.domains,
            )?;
            return Ok(hits);
        }
        let (probe_record, kinds) = Self::probe_of(query)?;
        if kinds.is_empty() {
            return Err(EngineError::InvalidInput(
                "a search needs at least one criterion".into(),
            ));
        }
        let probe = crate::prep::prepare(&probe_record);
        let mut terms = Vec::new();
        field_terms(&probe_record, &probe, &mut terms);
        // Boosts: identifiers and exact keys weigh more than phonetic keys. The sex is a filter
        // (see the module docs), an index term only when it is the sole criterion.
        let mut sex_term = None;
        let mut weighted: Vec<(String, f32)> = Vec::with_capacity(terms.len());
        for t in terms {
            let boost = match t.split_once(':').map(|(p, _)| p) {
                Some("sex") => {
                    sex_term = Some(t);
                    continue;
                }
                Some("ins") => 8.0,
                Some("dob" | "n" | "bp") => 3.0,
                Some("f" | "np" | "pc" | "city") => 2.0,
                _ => 1.0,
            };
            weighted.push((t, boost));
        }
        if weighted.is_empty()
            && let Some(t) = sex_term
        {
            weighted.push((t, 1.0));
        }
        let (mut lo, mut hi) = (0.0, 0.0);
        for kind in &kinds {
            let weights: Vec<f64> = (0..kind.level_count())
                .map(|l| self.model.level_weight(*kind, u8::try_from(l).ok()))
                .collect();
            lo += weights
                .iter()
                .copied()
                .fold(f64::INFINITY, f64::min)
                .min(0.0);
            hi += weights
                .iter()
                .copied()
                .fold(f64::NEG_INFINITY, f64::max)
                .max(0.0);
        }
        let span = (hi - lo).max(f64::EPSILON);
        // The strict traits a hit must not contradict, checked on the index's copy of them
        // before a candidate's row is read (and again, with everything else, after).
        let check_date = kinds.contains(&ComparisonKind::BirthDate);
        let check_sex = kinds.contains(&ComparisonKind::Sex);
        let accept = |traits: &IndexTraits| {
            let date_contradicts = check_date
                && contradicts(
                    ComparisonKind::BirthDate,
                    birth_date_level(probe.birth_date, traits.birth_date),
                );
            let sex_contradicts = check_sex && traits.sex.is_known() && traits.sex != probe.sex;
            !date_contradicts && !sex_contradicts
        };
        let max_candidates = (limit * 10).clamp(100, MAX_QUERY_CANDIDATES);
        let mut n_candidates = FIRST_QUERY_CANDIDATES.min(max_candidates);
        let mut examined: HashSet<SourceKey> = HashSet::new();
        let mut best: BTreeMap<EnterpriseId, (f64, Decision)> = BTreeMap::new();
        loop {
            let found = self
                .store
                .search_index_filtered(&weighted, n_candidates, &accept)?;
            let tail = n_candidates - n_candidates / 4;
            let mut tail_hits = 0usize;
            let fresh: Vec<_> = found
                .hits
                .into_iter()
                .filter(|hit| examined.insert(hit.key.clone()))
                .collect();
            let keys: Vec<SourceKey> = fresh.iter().map(|hit| hit.key.clone()).collect();
            let rows = self.store.sources(&keys)?;
            for (hit, row) in fresh.into_iter().zip(rows) {
                let Some(row) = row.filter(|r| r.active) else {
                    continue;
                };
                if !accept(&IndexTraits::of(&row.record)) {
                    continue;
                }
                let candidate = crate::prep::prepare(&row.record);
                let vector = compare(&probe, &candidate);
                if kinds.iter().any(|k| contradicts(*k, vector.level(*k))) {
                    continue;
                }
                let weight: f64 = kinds
                    .iter()
                    .map(|k| self.model.level_weight(*k, vector.level(*k)))
                    .sum();
                let relevance = ((weight - lo) / span).clamp(0.0, 1.0);
                let decision = self.model.score_vector(vector, &probe, &candidate).decision;
                if hit.rank >= tail {
                    tail_hits += 1;
                }
                let entry = best
                    .entry(row.enterprise.clone())
                    .or_insert((relevance, decision));
                if relevance > entry.0 {
                    *entry = (relevance, decision);
                }
            }
            let exhausted = found.considered < n_candidates;
            if exhausted || tail_hits == 0 || n_candidates >= max_candidates {
                break;
            }
            n_candidates = (n_candidates * 2).min(max_candidates);
        }
        self.collect_hits(best, limit, &query.domains)
    }

    fn collect_hits(
        &self,
        best: BTreeMap<EnterpriseId, (f64, Decision)>,
        limit: usize,
        domains: &[DomainId],
    ) -> Result<Vec<SearchHit>, EngineError> {
        let mut ranked: Vec<(EnterpriseId, f64, Decision)> =
            best.into_iter().map(|(e, (s, d))| (e, s, d)).collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let mut hits = Vec::new();
        for (ent, score, decision) in ranked {
            if hits.len() >= limit {
                break;
            }
            self.push_hit(&mut hits, &ent, score, decision, domains)?;
        }
        Ok(hits)
    }

    fn push_hit(
        &self,
        hits: &mut Vec<SearchHit>,
        ent: &EnterpriseId,
        score: f64,
        decision: Decision,
        domains: &[DomainId],
    ) -> Result<(), EngineError> {
        let Some(row) = self.store.enterprise(ent)?.filter(|r| r.is_active()) else {
            return Ok(());
        };
        let keys: Vec<SourceKey> = row
            .members
            .iter()
            .filter(|k| domains.is_empty() || domains.contains(&k.domain))
            .cloned()
            .collect();
        if keys.is_empty() {
            return Ok(());
        }
        hits.push(SearchHit {
            enterprise: ent.clone(),
            score,
            decision,
            golden: row.golden,
            keys,
        });
        Ok(())
    }

    /// `$match`: the probe against its candidates, model probability, grouped by enterprise.
    pub(crate) fn match_impl(
        &self,
        probe: &IdentityRecord,
        limit: usize,
    ) -> Result<Vec<SearchHit>, EngineError> {
        let limit = if limit == 0 { DEFAULT_LIMIT } else { limit };
        let prepared = crate::prep::prepare(probe);
        let scored = self.score_candidates(None, &prepared, None)?;
        let mut best: BTreeMap<EnterpriseId, (f64, Decision)> = BTreeMap::new();
        for s in scored {
            let entry = best
                .entry(s.row.enterprise.clone())
                .or_insert((s.score.probability, s.score.decision));
            if s.score.probability > entry.0 {
                *entry = (s.score.probability, s.score.decision);
            }
        }
        self.collect_hits(best, limit, &[])
    }
}
