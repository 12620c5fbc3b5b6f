//! Sets of Kubernetes classes: the type lives in `resolve` (peer selections
//! are built there and shared with the engine's rules without a copy).

pub use crate::resolve::classset::BitSet;
