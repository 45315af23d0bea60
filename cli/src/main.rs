//! The `vigie` command line.

fn main() {}
