//! Vigie's batch pipeline: reading identity files in the canonical format (or mapped columns),
//! then blocking, scoring, EM training and clustering over millions of records with rayon.
//!
//! The decisions themselves live in `vigie-core` (pure); this crate adds files, threads and the
//! model file format.

pub mod input;
pub mod metrics;
pub mod model_file;
pub mod output;
pub mod pipeline;
pub mod report;
