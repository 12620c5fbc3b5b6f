//! Emitters: they read the IR (and analysis results computed from it) and
//! never re-read YAML.

pub mod graph;
