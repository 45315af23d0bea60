//! Support package of the criterion benchmarks; the benches live in `benches/`.
