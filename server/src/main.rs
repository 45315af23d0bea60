//! INTERFACE STUB — `vigie-server`: loads the config, opens the engine, runs HTTP and MLLP.

fn main() {}
