//! The Compose front end.

use super::{LoadOptions, Loaded};
use crate::source::FileId;
use crate::syntax::Document;

pub fn load_projects(loaded: &mut Loaded, files: Vec<(FileId, Document)>, opts: &LoadOptions) {
    let _ = (loaded, files, opts);
}
