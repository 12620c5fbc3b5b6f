//! topoc: a declarative topology compiler. See `compiler/ARCHITECTURE.md`.

pub mod analyze;
pub mod config;
pub mod diagnostic;
pub mod driver;
pub mod emit;
pub mod input;
pub mod ir;
pub mod lsp;
pub mod parallel;
pub mod resolve;
pub mod schema;
pub mod source;
pub mod syntax;
pub mod timing;
