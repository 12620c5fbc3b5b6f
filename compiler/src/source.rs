//! Input files: loading with size and encoding limits, stable file ids, and
//! positions (1-based line, 1-based column counted in Unicode scalar values).

use serde::Serialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Inputs larger than this are refused before parsing (design §10).
pub const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct FileId(pub u32);

/// A position in a file. `offset` counts Unicode scalar values from the start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Pos {
    pub offset: u32,
    pub line: u32,
    pub column: u32,
}

/// A half-open range of a file; every YAML node, IR element and diagnostic has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    pub file: FileId,
    pub start: Pos,
    pub end: Pos,
}

impl Span {
    /// A span covering both `self` and `other` (same file assumed).
    pub fn to(self, other: Span) -> Span {
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}

#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The path as the user gave it (relative stays relative), or `-` for stdin.
    pub name: String,
    /// Where it was read from (for resolving relative references).
    pub path: PathBuf,
    pub text: String,
    line_starts: Vec<usize>,
}

impl SourceFile {
    pub fn new(name: impl Into<String>, path: impl Into<PathBuf>, text: String) -> Self {
        let mut line_starts = vec![0];
        if text.contains('\r') {
            // Line breaks as YAML counts them: LF, CRLF and a lone CR, so
            // renderers that index lines agree with the parser's positions.
            let bytes = text.as_bytes();
            for (i, &b) in bytes.iter().enumerate() {
                if b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n')) {
                    line_starts.push(i + 1);
                }
            }
        } else {
            line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        }
        SourceFile {
            name: name.into(),
            path: path.into(),
            text,
            line_starts,
        }
    }

    /// Byte offset of a position (for renderers that index the text by bytes).
    pub fn byte_offset(&self, pos: Pos) -> usize {
        let line = (pos.line.max(1) as usize - 1).min(self.line_starts.len() - 1);
        let start = self.line_starts[line];
        let rest = &self.text[start..];
        let col = pos.column.max(1) as usize - 1;
        rest.char_indices()
            .nth(col)
            .map(|(i, _)| start + i)
            .unwrap_or(self.text.len())
    }

    /// The position of a byte offset (used for errors found on raw bytes).
    pub fn pos_of_byte(&self, byte: usize) -> Pos {
        let line = self.line_starts.partition_point(|&s| s <= byte) - 1;
        let start = self.line_starts[line];
        let column = self.text[start..byte.min(self.text.len())].chars().count();
        Pos {
            offset: self.text[..start].chars().count() as u32 + column as u32,
            line: line as u32 + 1,
            column: column as u32 + 1,
        }
    }

    /// Byte offset where each line starts.
    pub fn line_starts(&self) -> &[usize] {
        &self.line_starts
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }
}

/// All files of one run; `FileId` indexes into it.
#[derive(Debug, Default, Clone)]
pub struct SourceMap {
    files: Vec<SourceFile>,
    /// Canonical path → the first file read from it. Canonicalizing every
    /// loaded file on each `find_path` made reading a directory of N files
    /// cost N² system calls.
    by_path: HashMap<PathBuf, FileId>,
}

impl SourceMap {
    pub fn add(&mut self, file: SourceFile) -> FileId {
        let id = FileId(self.files.len() as u32);
        if let Ok(canonical) = file.path.canonicalize() {
            self.by_path.entry(canonical).or_insert(id);
        }
        self.files.push(file);
        id
    }

    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    pub fn files(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(i as u32), f))
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// The id of an already loaded file, compared by canonical path.
    pub fn find_path(&self, path: &Path) -> Option<FileId> {
        self.by_path.get(&path.canonicalize().ok()?).copied()
    }
}

/// Why a file could not be turned into text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    Io(String),
    TooLarge(u64),
    /// Not UTF-8: the text up to the bad byte (for a position) and the byte offset.
    NotUtf8 {
        valid_prefix: String,
        byte: usize,
    },
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Io(e) => write!(f, "cannot read file: {e}"),
            ReadError::TooLarge(n) => write!(
                f,
                "file is {n} bytes, over the limit of {MAX_FILE_BYTES} bytes (256 MiB)"
            ),
            ReadError::NotUtf8 { byte, .. } => {
                write!(f, "file is not valid UTF-8 (invalid byte at offset {byte})")
            }
        }
    }
}

/// Turn raw bytes into text, refusing oversize and non-UTF-8 input. A leading
/// UTF-8 byte order mark is dropped.
pub fn decode(bytes: Vec<u8>) -> Result<String, ReadError> {
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(ReadError::TooLarge(bytes.len() as u64));
    }
    match String::from_utf8(bytes) {
        Ok(mut s) => {
            if s.starts_with('\u{feff}') {
                s.drain(..3);
            }
            Ok(s)
        }
        Err(e) => {
            let byte = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            let valid_prefix = String::from_utf8_lossy(&bytes[..byte]).into_owned();
            Err(ReadError::NotUtf8 { valid_prefix, byte })
        }
    }
}

/// Read a file from disk with the size check done before reading it all.
pub fn read_file(path: &Path) -> Result<String, ReadError> {
    let meta = std::fs::metadata(path).map_err(|e| ReadError::Io(e.to_string()))?;
    if meta.is_dir() {
        return Err(ReadError::Io("is a directory".into()));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(ReadError::TooLarge(meta.len()));
    }
    let bytes = std::fs::read(path).map_err(|e| ReadError::Io(e.to_string()))?;
    decode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_scalar_values() {
        let f = SourceFile::new("a", "a", "ab\nçé: x\n".into());
        let p = f.pos_of_byte(7); // after "çé" (4 bytes) on line 2
        assert_eq!((p.line, p.column), (2, 3));
        assert_eq!(f.byte_offset(p), 7);
    }

    #[test]
    fn find_path_matches_canonical_paths() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        let a = dir.path().join("a.yaml");
        std::fs::write(&a, "a: 1\n").unwrap();
        let mut m = SourceMap::default();
        m.add(SourceFile::new("-", ".", String::new()));
        let id = m.add(SourceFile::new("a", &a, "a: 1\n".into()));
        m.add(SourceFile::new("again", &a, "a: 1\n".into()));
        assert_eq!(m.find_path(&dir.path().join("sub/../a.yaml")), Some(id));
        assert_eq!(m.find_path(&dir.path().join("missing.yaml")), None);
    }

    #[test]
    fn non_utf8_reports_offset() {
        let err = decode(b"ok: 1\n\xff".to_vec()).unwrap_err();
        assert!(matches!(err, ReadError::NotUtf8 { byte: 6, .. }));
    }
}
