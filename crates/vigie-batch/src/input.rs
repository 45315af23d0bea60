//! Reading identity files (canonical CSV, mapped columns, UTF-8 or Windows-1252) into
//! `IdentityRecord`s, with bad rows reported by line number.
//! (placeholder: being written by the lead)
