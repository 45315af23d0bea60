//! Vigie's embedded store of record (RocksDB column families) and its candidate index (tantivy).

pub use rocksdb;
pub use tantivy;
