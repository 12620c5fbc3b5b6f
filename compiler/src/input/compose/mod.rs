//! Compose input: the pure string-level pieces of compose-go's loader.

pub mod dotenv;
pub mod interpolate;
pub mod ports;
