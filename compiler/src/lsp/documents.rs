//! The editor's open buffers. Their text, not the file on disk, is what an
//! analysis reads (through `source::Overlay`), saved or not.

use super::text::{self, Encoding};
use crate::source::{Overlay, overlay_keys};
use lsp_types::{TextDocumentContentChangeEvent, Uri};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

pub struct Document {
    pub path: PathBuf,
    pub version: i32,
    pub text: String,
}

#[derive(Default)]
pub struct Documents {
    /// By URI text (`Uri` caches its parse in a `Cell`: no map key).
    open: BTreeMap<String, Document>,
}

impl Documents {
    /// `didOpen`; None for URIs that are not files.
    pub fn open(&mut self, uri: Uri, version: i32, text: String) -> Option<PathBuf> {
        let path = text::path_of(&uri)?;
        self.open.insert(
            uri.as_str().to_string(),
            Document {
                path: path.clone(),
                version,
                text,
            },
        );
        Some(path)
    }

    /// `didChange`: full replacements and ranged edits, in order.
    pub fn change(
        &mut self,
        uri: &Uri,
        version: i32,
        changes: Vec<TextDocumentContentChangeEvent>,
        enc: Encoding,
    ) -> Option<PathBuf> {
        let doc = self.open.get_mut(uri.as_str())?;
        for c in changes {
            match c.range {
                None => doc.text = c.text,
                Some(r) => {
                    let starts = text::line_starts(&doc.text);
                    let a = text::byte_offset(&doc.text, &starts, r.start, enc);
                    let b = text::byte_offset(&doc.text, &starts, r.end, enc).max(a);
                    doc.text.replace_range(a..b, &c.text);
                }
            }
        }
        doc.version = version;
        Some(doc.path.clone())
    }

    /// `didClose`: the file on disk is the input again.
    pub fn close(&mut self, uri: &Uri) -> Option<PathBuf> {
        self.open.remove(uri.as_str()).map(|d| d.path)
    }

    #[cfg(test)]
    pub fn get(&self, uri: &Uri) -> Option<&Document> {
        self.open.get(uri.as_str())
    }

    /// The open buffers as an analysis reads them.
    pub fn overlay(&self) -> Arc<Overlay> {
        Arc::new(
            self.open
                .values()
                .flat_map(|d| {
                    overlay_keys(&d.path)
                        .into_iter()
                        .map(|k| (k, d.text.clone()))
                })
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lsp_types::{Position, Range};
    use std::str::FromStr;

    #[test]
    fn ranged_edits_apply_in_order() {
        let mut docs = Documents::default();
        let uri = Uri::from_str("file:///w/compose.yaml").unwrap();
        docs.open(uri.clone(), 1, "a: é1\nb: 2\n".into());
        let edit = |l1, c1, l2, c2, t: &str| TextDocumentContentChangeEvent {
            range: Some(Range::new(Position::new(l1, c1), Position::new(l2, c2))),
            range_length: None,
            text: t.into(),
        };
        docs.change(
            &uri,
            2,
            vec![edit(0, 4, 0, 5, "9"), edit(1, 3, 1, 4, "3\nc: 4")],
            Encoding::Utf16,
        );
        let d = docs.get(&uri).unwrap();
        assert_eq!(d.text, "a: é9\nb: 3\nc: 4\n");
        assert_eq!(d.version, 2);
    }
}
