//! Input front-ends: parsers for the source formats topoc reads.

pub mod compose;
