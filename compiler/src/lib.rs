//! topoc: a declarative topology compiler. See `compiler/ARCHITECTURE.md`.

pub mod diagnostic;
pub mod source;
pub mod ir;
pub mod syntax;
