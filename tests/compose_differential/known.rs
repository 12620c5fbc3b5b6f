//! Where topoc and docker compose disagree, and why.

/// Deliberately stricter: docker compose loads the project, but the engine
/// would refuse it; topoc refuses it with a finding that says so.
pub const STRICTER: &[(&str, &str)] = &[];

/// Other disagreements, each with its reason.
pub const KNOWN: &[(&str, &str)] = &[];
