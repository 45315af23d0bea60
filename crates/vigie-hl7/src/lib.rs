//! HL7 v2 wire library (docs written at the end).

pub mod charset;
pub mod er7;
pub mod error;
pub mod escape;
pub mod builder;
pub mod types;
pub mod header;
pub mod pid;
pub mod timestamp;
pub mod message;
pub mod query;
pub mod mllp;
pub mod reply;
pub mod fuzz;
