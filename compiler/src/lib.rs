//! topoc: a declarative topology compiler. See `compiler/ARCHITECTURE.md`.

pub mod input;
