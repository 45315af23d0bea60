//! Support package of the integration tests; the tests live in `it/`.
