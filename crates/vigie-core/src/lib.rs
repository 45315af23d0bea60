//! Vigie's pure core: the identity vocabulary and French identity rules (INS, RNIV statuses),
//! normalisation, French phonetics, comparators and the record parser.
//!
//! Nothing in this crate does IO, spawns threads or panics on bad data: every parser accepts any
//! string and answers with a typed error or a finding.

pub mod birthplace;
pub mod compare;
pub mod date;
pub mod fuzz;
pub mod ids;
pub mod ins;
pub mod matching;
pub mod normalize;
pub mod phonetics;
pub mod record;
pub mod sex;
pub mod status;
