//! YAML tags (`!reset`, `!override`, `!!str`, ...) as small interned ids.
//!
//! Every node has room for a tag, but almost none carries one; a 4-byte id
//! instead of a pointer keeps `Node` at 56 bytes, which at 100k objects is
//! millions of nodes (and the page faults of their memory). The texts are
//! interned for the life of the process: a file can only name as many
//! distinct tags as it has bytes, and a process reads a bounded input
//! (`source::MAX_RUN_BYTES`), or, in the language server, what its user
//! types.

use std::num::NonZeroU32;
use std::sync::{Mutex, OnceLock, PoisonError};

/// A tag's text, interned. Equal ids are equal texts.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Tag(NonZeroU32);

#[derive(Default)]
struct Interner {
    ids: std::collections::HashMap<&'static str, Tag>,
    texts: Vec<&'static str>,
}

fn interner() -> &'static Mutex<Interner> {
    static TAGS: OnceLock<Mutex<Interner>> = OnceLock::new();
    TAGS.get_or_init(Mutex::default)
}

impl Tag {
    /// The tag written `text` (`!!str` for the core schema's, `!name` for a
    /// local one).
    pub fn new(text: &str) -> Tag {
        // The table is only ever appended to: a panic elsewhere cannot leave
        // it inconsistent, so a poisoned lock is still usable.
        let mut t = interner().lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(&tag) = t.ids.get(text) {
            return tag;
        }
        let text: &'static str = Box::leak(text.into());
        t.texts.push(text);
        let id = u32::try_from(t.texts.len())
            .ok()
            .and_then(NonZeroU32::new)
            .expect("fewer tags than bytes of input");
        let tag = Tag(id);
        t.ids.insert(text, tag);
        tag
    }

    pub fn as_str(self) -> &'static str {
        let t = interner().lock().unwrap_or_else(PoisonError::into_inner);
        t.texts[self.0.get() as usize - 1]
    }
}

impl std::fmt::Debug for Tag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::Tag;

    #[test]
    fn equal_texts_share_an_id_and_read_back() {
        let a = Tag::new("!reset");
        let b = Tag::new(&String::from("!reset"));
        let c = Tag::new("!override");
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(a.as_str(), "!reset");
        assert_eq!(c.as_str(), "!override");
        assert_eq!(format!("{a:?}"), "\"!reset\"");
    }

    #[test]
    fn node_stays_small() {
        assert_eq!(std::mem::size_of::<Option<Tag>>(), 4);
        // Value (32) + Span (20) + tag (4): millions of these per large stream.
        assert!(std::mem::size_of::<crate::syntax::Node>() <= 56);
    }
}
