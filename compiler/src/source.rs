//! Input files: loading with size and encoding limits, stable file ids, and
//! positions (1-based line, 1-based column counted in Unicode scalar values).

use serde::Serialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Inputs larger than this are refused before parsing (design §10), and so
/// are the inputs of one run together. Peak memory is about 20 bytes per
/// input byte (measured on `topoc-gen` manifest streams: 16× at 50-100 MB,
/// 19× at 128 MiB, 26× at 200 MB, when the analyses' larger-than-linear
/// parts start to show), so at this size a run stays under 3 GB.
pub const MAX_FILE_BYTES: u64 = 128 * 1024 * 1024;
/// The total of every file a run reads (inputs, `.env`, included files).
pub const MAX_RUN_BYTES: u64 = MAX_FILE_BYTES;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct FileId(pub u32);

/// A position in a file: 1-based line and column (in Unicode scalar
/// values). Positions of one file order as they appear in it. There is no
/// offset from the file start: every node of a syntax tree carries two
/// positions, and renderers find bytes through the line table
/// (`SourceFile::byte_offset`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Pos {
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
    /// An empty span at line 1, column 1: for findings about a whole file.
    pub fn file_start(file: FileId) -> Span {
        let p = Pos { line: 1, column: 1 };
        Span {
            file,
            start: p,
            end: p,
        }
    }

    /// The size of a span, to prefer the innermost of nested ones: lines,
    /// then columns. Of two nested spans the inner one is smaller, and two
    /// nested spans of one size are the same span.
    pub fn extent(self) -> (u32, i64) {
        (
            self.end.line.saturating_sub(self.start.line),
            i64::from(self.end.column) - i64::from(self.start.column),
        )
    }

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
    /// Computed on first use: a 60 MB manifest stream has millions of
    /// lines, and only renderers of snippets (and byte-position lookups)
    /// need them; spans carry their lines already.
    line_starts: std::sync::OnceLock<Vec<usize>>,
    /// The canonical path, when the file exists on disk.
    canonical: Option<PathBuf>,
    /// The path relative to the repository root, `/`-separated, once
    /// [`SourceMap::set_repository_root`] ran and the file lies under it.
    repo_path: Option<String>,
    /// The kustomize overlay (its directory) this file was read through
    /// (`input/kustomize`): a file shared by several kustomize overlays is
    /// one `SourceFile` per overlay. (Not the editor-buffer [`Overlay`].)
    pub kustomize_overlay: Option<String>,
}

/// Files from this size have their line starts found on two threads.
const PARALLEL_LINE_STARTS: usize = 4 << 20;

/// Whether byte `i` of `bytes` ends a line as YAML counts them: an LF, the
/// LF of a CRLF, or a lone CR (renderers that index lines must agree with
/// the parser's positions).
fn ends_line(bytes: &[u8], i: usize) -> bool {
    bytes[i] == b'\n' || (bytes[i] == b'\r' && bytes.get(i + 1) != Some(&b'\n'))
}

/// The number of line breaks in `text`, as [`ends_line`] counts them.
pub fn line_breaks(text: &str) -> usize {
    let bytes = text.as_bytes();
    if bytes.contains(&b'\r') {
        (0..bytes.len()).filter(|&i| ends_line(bytes, i)).count()
    } else {
        memchr::memchr_iter(b'\n', bytes).count()
    }
}

impl SourceFile {
    pub fn new(name: impl Into<String>, path: impl Into<PathBuf>, text: String) -> Self {
        SourceFile {
            name: name.into(),
            path: path.into(),
            text,
            line_starts: std::sync::OnceLock::new(),
            canonical: None,
            repo_path: None,
            kustomize_overlay: None,
        }
    }

    /// Sized up front: a doubling Vec touched and copied twice its 8 bytes
    /// per line. A large file without CRs is split in two at a line break
    /// and each half filled on its own thread (the first touch of the
    /// 8 bytes per line is most of the cost: 3M lines, 25 MB).
    fn compute_line_starts(text: &str) -> Vec<usize> {
        let bytes = text.as_bytes();
        let has_cr = bytes.contains(&b'\r');
        let mid =
            (!has_cr && bytes.len() >= PARALLEL_LINE_STARTS && crate::parallel::threads() > 1)
                .then(|| memchr::memchr(b'\n', &bytes[bytes.len() / 2..]))
                .flatten()
                .map(|i| bytes.len() / 2 + i + 1);
        let Some(mid) = mid else {
            let mut line_starts = Vec::with_capacity(line_breaks(text) + 1);
            line_starts.push(0);
            if has_cr {
                line_starts.extend(
                    (0..bytes.len())
                        .filter(|&i| ends_line(bytes, i))
                        .map(|i| i + 1),
                );
            } else {
                line_starts.extend(memchr::memchr_iter(b'\n', bytes).map(|i| i + 1));
            }
            return line_starts;
        };
        let (head, tail) = bytes.split_at(mid);
        let (in_head, in_tail) = std::thread::scope(|s| {
            let tail = s.spawn(|| memchr::memchr_iter(b'\n', tail).count());
            let head = memchr::memchr_iter(b'\n', head).count();
            (
                head,
                tail.join().unwrap_or_else(|p| std::panic::resume_unwind(p)),
            )
        });
        // Zeroed pages come from the system untouched, so each thread's
        // writes fault in its own half.
        let mut line_starts = vec![0; 1 + in_head + in_tail];
        let (first, second) = line_starts.split_at_mut(1 + in_head);
        let fill = |out: &mut [usize], part: &[u8], at: usize| {
            for (o, i) in out.iter_mut().zip(memchr::memchr_iter(b'\n', part)) {
                *o = at + i + 1;
            }
        };
        std::thread::scope(|s| {
            let t = s.spawn(|| fill(second, tail, mid));
            fill(&mut first[1..], head, 0);
            t.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
        });
        line_starts
    }

    /// The name for outputs that must not depend on how the path was typed
    /// or where topoc ran (SARIF, GitHub annotations, emitted comments):
    /// relative to the repository root when known, else the name as given.
    pub fn repo_name(&self) -> &str {
        self.repo_path.as_deref().unwrap_or(&self.name)
    }

    /// Byte offset of a position (for renderers that index the text by bytes).
    pub fn byte_offset(&self, pos: Pos) -> usize {
        let starts = self.line_starts();
        let line = (pos.line.max(1) as usize - 1).min(starts.len() - 1);
        let start = starts[line];
        let rest = &self.text[start..];
        let col = pos.column.max(1) as usize - 1;
        // Columns count characters; over ASCII they are bytes.
        if rest.len() >= col && rest.as_bytes()[..col].is_ascii() {
            return start + col;
        }
        rest.char_indices()
            .nth(col)
            .map(|(i, _)| start + i)
            .unwrap_or(self.text.len())
    }

    /// The position of a byte offset (used for errors found on raw bytes).
    pub fn pos_of_byte(&self, byte: usize) -> Pos {
        let starts = self.line_starts();
        let line = starts.partition_point(|&s| s <= byte) - 1;
        let start = starts[line];
        let column = self.text[start..byte.min(self.text.len())].chars().count();
        Pos {
            line: line as u32 + 1,
            column: column as u32 + 1,
        }
    }

    /// Byte offset where each line starts.
    pub fn line_starts(&self) -> &[usize] {
        self.line_starts
            .get_or_init(|| Self::compute_line_starts(&self.text))
    }

    pub fn line_count(&self) -> usize {
        self.line_starts().len()
    }
}

/// All files of one run; `FileId` indexes into it.
#[derive(Debug, Default, Clone)]
pub struct SourceMap {
    files: Vec<SourceFile>,
    /// Bytes of text of every file, for the run's limit.
    bytes: u64,
    /// Canonical path → the first file read from it. Canonicalizing every
    /// loaded file on each `find_path` made reading a directory of N files
    /// cost N² system calls.
    by_path: HashMap<PathBuf, FileId>,
    /// Files that are not inputs (the configuration, command-line
    /// locations), left out of the summary's file count.
    not_inputs: std::collections::HashSet<FileId>,
    /// Set by [`SourceMap::set_repository_root`].
    root: Option<PathBuf>,
    /// Text that stands for files on disk (an editor's unsaved buffers).
    overlay: Option<std::sync::Arc<Overlay>>,
}

/// Texts read instead of the files at their paths: the one seam through
/// which a language server makes unsaved editor buffers the input. Keys are
/// absolute paths with `.` and `..` resolved by spelling
/// ([`overlay_keys`]), so a lookup costs no system call.
pub type Overlay = HashMap<PathBuf, String>;

/// The keys a buffer for `path` is stored under: its lexical absolute path
/// and, when different (a symlink on the way), its canonical one.
pub fn overlay_keys(path: &Path) -> Vec<PathBuf> {
    let mut keys = vec![lexical(path)];
    if let Ok(c) = path.canonicalize()
        && c != keys[0]
    {
        keys.push(c);
    }
    keys
}

impl SourceMap {
    /// Add a file that is not an input (the configuration file, the place
    /// of a command-line problem): it is not counted by `input_count`.
    pub fn add_not_input(&mut self, file: SourceFile) -> FileId {
        let id = self.add(file);
        self.not_inputs.insert(id);
        id
    }

    /// Stop counting a file as an input (a file the walk read and skipped).
    pub fn mark_not_input(&mut self, id: FileId) {
        self.not_inputs.insert(id);
    }

    /// How many files are inputs.
    pub fn input_count(&self) -> usize {
        self.files.len() - self.not_inputs.len()
    }

    pub fn add(&mut self, mut file: SourceFile) -> FileId {
        let id = FileId(self.files.len() as u32);
        self.bytes += file.text.len() as u64;
        if let Ok(canonical) = file.path.canonicalize() {
            self.by_path.entry(canonical.clone()).or_insert(id);
            file.canonical = Some(canonical);
        }
        self.files.push(file);
        id
    }

    /// Read files through `overlay` from now on.
    pub fn set_overlay(&mut self, overlay: Option<std::sync::Arc<Overlay>>) {
        self.overlay = overlay;
    }

    /// The text of the file at `path`, at most `limit` bytes: the overlay's
    /// when it has one, else the file on disk ([`read_file_within`]).
    pub fn read_within(&self, path: &Path, limit: u64) -> Result<String, ReadError> {
        if let Some(text) = self.overlay.as_ref().and_then(|o| o.get(&lexical(path))) {
            if text.len() as u64 > limit.min(MAX_FILE_BYTES) {
                return Err(ReadError::TooLarge {
                    size: Some(text.len() as u64),
                    limit: limit.min(MAX_FILE_BYTES),
                });
            }
            return Ok(text.clone());
        }
        read_file_within(path, limit)
    }

    /// The root given to [`SourceMap::set_repository_root`].
    pub fn root(&self) -> Option<&Path> {
        self.root.as_deref()
    }

    /// Name every file relative to `root` (a repository's top level, see
    /// [`repository_root`]) for [`SourceFile::repo_name`]. Stdin and files
    /// outside `root` keep their names.
    pub fn set_repository_root(&mut self, root: &Path) {
        let root = root.canonicalize().unwrap_or_else(|_| lexical(root));
        self.root = Some(root.clone());
        for f in &mut self.files {
            if f.name == "-" {
                continue;
            }
            let full = match &f.canonical {
                Some(c) => c.clone(),
                None => lexical(&f.path),
            };
            f.repo_path = full.strip_prefix(&root).ok().and_then(|rel| {
                let parts: Vec<_> = rel.iter().map(|c| c.to_string_lossy()).collect();
                (!parts.is_empty()).then(|| parts.join("/"))
            });
        }
    }

    /// Rename a file in findings (`diff --git` names files read from a
    /// revision `REV:path`, not by their temporary copy).
    pub fn set_name(&mut self, id: FileId, name: String) {
        self.files[id.0 as usize].name = name;
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

    /// Bytes of text read so far in this run.
    pub fn total_bytes(&self) -> u64 {
        self.bytes
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// The id of an already loaded file, compared by canonical path.
    pub fn find_path(&self, path: &Path) -> Option<FileId> {
        self.by_path.get(&path.canonicalize().ok()?).copied()
    }
}

/// An absolute path with `.` and `..` resolved by spelling alone (for
/// paths that do not exist, such as a `--stdin-filename`).
fn lexical(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in std::path::absolute(path)
        .unwrap_or_else(|_| path.to_path_buf())
        .components()
    {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out
}

/// The repository `dir` lies in: the nearest ancestor (or `dir` itself)
/// holding `.git` (a directory, or a file in worktrees and submodules), as
/// `git rev-parse --show-toplevel` finds it without running git.
pub fn repository_root(dir: &Path) -> Option<PathBuf> {
    let dir = dir.canonicalize().ok()?;
    dir.ancestors()
        .find(|d| d.join(".git").exists())
        .map(Path::to_path_buf)
}

/// Why a file could not be turned into text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    Io(String),
    /// Over `limit` bytes: `size` when known before reading (a regular file).
    TooLarge {
        size: Option<u64>,
        limit: u64,
    },
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
            ReadError::TooLarge { limit, .. } if *limit < MAX_FILE_BYTES => write!(
                f,
                "reading this file would take the inputs of this run over {MAX_RUN_BYTES} bytes (128 MiB) in total"
            ),
            ReadError::TooLarge { size: Some(n), .. } => write!(
                f,
                "file is {n} bytes, over the limit of {MAX_FILE_BYTES} bytes (128 MiB)"
            ),
            ReadError::TooLarge { size: None, .. } => write!(
                f,
                "input is over the limit of {MAX_FILE_BYTES} bytes (128 MiB); reading stopped there"
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
        return Err(ReadError::TooLarge {
            size: Some(bytes.len() as u64),
            limit: MAX_FILE_BYTES,
        });
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

/// Read a file from disk, at most [`MAX_FILE_BYTES`].
pub fn read_file(path: &Path) -> Result<String, ReadError> {
    read_file_within(path, MAX_FILE_BYTES)
}

/// Read a file from disk, at most `limit` bytes. The size of a regular file
/// is checked before reading; devices, FIFOs and `/proc` files (whose size
/// says 0) are read only up to the limit, never to exhaustion.
pub fn read_file_within(path: &Path, limit: u64) -> Result<String, ReadError> {
    let limit = limit.min(MAX_FILE_BYTES);
    let meta = std::fs::metadata(path).map_err(|e| ReadError::Io(e.to_string()))?;
    if meta.is_dir() {
        return Err(ReadError::Io("is a directory".into()));
    }
    if meta.is_file() && meta.len() > limit {
        return Err(ReadError::TooLarge {
            size: Some(meta.len()),
            limit,
        });
    }
    let file = std::fs::File::open(path).map_err(|e| ReadError::Io(e.to_string()))?;
    // A regular file's size is known: one buffer of that size (plus the one
    // byte that tells the file grew past the limit), instead of doubling
    // from empty, which touched twice the memory and copied it on the way.
    let expected = if meta.is_file() { meta.len() } else { 0 };
    if expected >= PARALLEL_READ
        && crate::parallel::threads() > 1
        && let Some(bytes) = read_halves(&file, expected)
    {
        return decode(bytes);
    }
    read_sized(file, limit, expected)
}

/// Regular files from this size are read in two halves on two threads:
/// most of a large read is the first touch of the buffer's pages (81 MB,
/// 20k pages), which each thread then does for its own half.
const PARALLEL_READ: u64 = 8 << 20;

/// The `size` bytes of `file`, read in two halves at once; `None` when the
/// file is no longer `size` bytes long (it is then read as a stream, which
/// finds its end and the limit), or where there are no positioned reads.
fn read_halves(file: &std::fs::File, size: u64) -> Option<Vec<u8>> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileExt;
        let len = usize::try_from(size).ok()?;
        // Zeroed pages come from the system untouched.
        let mut bytes = vec![0u8; len];
        let mid = len / 2;
        let (head, tail) = bytes.split_at_mut(mid);
        let read = std::thread::scope(|s| {
            let second = s.spawn(|| file.read_exact_at(tail, mid as u64).is_ok());
            let first = file.read_exact_at(head, 0).is_ok();
            first && second.join().unwrap_or(false)
        });
        let mut past_end = [0u8; 1];
        (read && file.read_at(&mut past_end, size).ok()? == 0).then_some(bytes)
    }
    #[cfg(not(unix))]
    {
        let _ = (file, size);
        None
    }
}

/// Read `r` (stdin, a pipe, a file) to its end or to `limit` bytes,
/// whichever comes first; past the limit is an error, not a truncation.
pub fn read_within(r: impl std::io::Read, limit: u64) -> Result<String, ReadError> {
    read_sized(r, limit, 0)
}

/// [`read_within`] into a buffer reserved for `expected` bytes (a hint, at
/// most `limit`: a file may change size between `stat` and `read`).
fn read_sized(r: impl std::io::Read, limit: u64, expected: u64) -> Result<String, ReadError> {
    use std::io::Read;
    let mut bytes = Vec::with_capacity(expected.min(limit).saturating_add(1) as usize);
    r.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| ReadError::Io(e.to_string()))?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge { size: None, limit });
    }
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

    /// Over ASCII a column is a byte count; past the end of a line it runs
    /// on into the next ones, past the end of the file it is the file's end.
    #[test]
    fn byte_offsets_of_ascii_and_other_columns() {
        let text = "ab\nçé: x\nxyz";
        let f = SourceFile::new("a", "a", text.into());
        let walk = |line: u32, column: u32| {
            let start = f.line_starts()[line as usize - 1];
            text[start..]
                .char_indices()
                .nth(column as usize - 1)
                .map_or(text.len(), |(i, _)| start + i)
        };
        for line in 1..=3 {
            for column in 1..=14 {
                let pos = Pos { line, column };
                assert_eq!(f.byte_offset(pos), walk(line, column), "{line}:{column}");
            }
        }
        assert_eq!(f.byte_offset(Pos { line: 1, column: 4 }), 3);
        assert_eq!(f.byte_offset(Pos { line: 3, column: 4 }), text.len());
        assert_eq!(f.byte_offset(Pos { line: 3, column: 9 }), text.len());
    }

    /// Node spans of a tree are nested or disjoint: of nested ones the
    /// inner is the smaller, and equal extents of nested spans mean one span.
    #[test]
    fn extent_orders_nested_spans_innermost_first() {
        let span = |(l1, c1): (u32, u32), (l2, c2): (u32, u32)| Span {
            file: FileId(0),
            start: Pos {
                line: l1,
                column: c1,
            },
            end: Pos {
                line: l2,
                column: c2,
            },
        };
        let outer = span((1, 1), (4, 2));
        let mid = span((2, 3), (4, 1));
        let inner = span((2, 5), (2, 9));
        let same_lines = span((1, 3), (4, 2));
        assert!(inner.extent() < mid.extent() && mid.extent() < outer.extent());
        // A span ending further left on its last line than it starts.
        assert!(mid.extent() < outer.extent());
        assert!(same_lines.extent() < outer.extent());
        assert_eq!(outer.extent(), span((1, 1), (4, 2)).extent());
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
    fn endless_inputs_are_read_up_to_the_limit_only() {
        let err = read_within(std::io::repeat(b'a'), 1000).unwrap_err();
        assert_eq!(
            err,
            ReadError::TooLarge {
                size: None,
                limit: 1000
            }
        );
        assert_eq!(read_within(&b"a: 1\n"[..], 5).unwrap(), "a: 1\n");
        if Path::new("/dev/zero").exists() {
            let err = read_file_within(Path::new("/dev/zero"), 4096).unwrap_err();
            assert!(
                matches!(err, ReadError::TooLarge { size: None, .. }),
                "{err}"
            );
        }
    }

    #[test]
    fn repository_names_do_not_depend_on_the_spelling() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("repo/.git")).unwrap();
        std::fs::create_dir_all(dir.path().join("repo/deploy/sub")).unwrap();
        let file = dir.path().join("repo/deploy/x.yaml");
        std::fs::write(&file, "a: 1\n").unwrap();
        let root = repository_root(&dir.path().join("repo/deploy/sub")).unwrap();
        assert_eq!(root, dir.path().join("repo").canonicalize().unwrap());
        let mut m = SourceMap::default();
        for p in [
            file.clone(),
            dir.path().join("repo/deploy/sub/../x.yaml"),
            dir.path().join("repo/./deploy/x.yaml"),
        ] {
            m.add(SourceFile::new(p.to_string_lossy(), &p, "a: 1\n".into()));
        }
        m.add(SourceFile::new("-", ".", String::new()));
        m.add(SourceFile::new(
            "/elsewhere/y.yaml",
            "/elsewhere/y.yaml",
            String::new(),
        ));
        m.set_repository_root(&root);
        let names: Vec<_> = m.files().map(|(_, f)| f.repo_name().to_string()).collect();
        assert_eq!(
            names,
            [
                "deploy/x.yaml",
                "deploy/x.yaml",
                "deploy/x.yaml",
                "-",
                "/elsewhere/y.yaml"
            ]
        );
    }

    #[test]
    fn line_starts_break_at_lf_crlf_and_a_lone_cr() {
        let f = SourceFile::new("a", "a", "a\r\nb\rc\nd\r".into());
        assert_eq!(f.line_starts(), [0, 3, 5, 7, 9]);
        assert_eq!(f.line_starts().len(), 5);
        assert_eq!(f.line_starts.get().map(Vec::capacity), Some(5));
        let f = SourceFile::new("a", "a", "a\nbé\n\nc".into());
        assert_eq!(f.line_starts(), [0, 2, 6, 7]);
        assert_eq!(SourceFile::new("a", "a", String::new()).line_starts(), [0]);
    }

    /// The two-thread scan of a large text against one pass over it: the
    /// second half's first break just after the middle, far after it, at
    /// the very end, or missing (then the scan is sequential).
    #[test]
    fn line_starts_of_large_texts_are_those_of_one_pass() {
        let one_pass = |t: &str| -> Vec<usize> {
            std::iter::once(0)
                .chain(
                    t.bytes()
                        .enumerate()
                        .filter(|&(_, b)| b == b'\n')
                        .map(|(i, _)| i + 1),
                )
                .collect()
        };
        let n = PARALLEL_LINE_STARTS;
        let lines = "key: value é\n".repeat(n / 10);
        let mut texts = vec![
            lines.clone(),
            format!("{lines}tail without a break"),
            format!("{}{}\n", "a".repeat(n), "b".repeat(n / 3)),
            format!("{}\n", "x".repeat(n + 1)),
            "y".repeat(n + 1),
        ];
        texts.push(format!("{}\n{}", "c".repeat(n / 2), "d\n".repeat(n / 4)));
        for t in &texts {
            assert!(t.len() >= n);
            assert_eq!(
                SourceFile::compute_line_starts(t),
                one_pass(t),
                "{} bytes",
                t.len()
            );
        }
    }

    /// Large files are read in two halves: exactly the bytes of the file,
    /// whatever character the middle falls in, with the BOM dropped and a
    /// bad byte in the second half reported at its own offset.
    #[test]
    fn large_files_are_read_exactly_in_two_halves() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("big.yaml");
        let n = PARALLEL_READ as usize;
        for pad in 0..4 {
            let text = format!("\u{feff}{}{}", "a".repeat(pad), "k: 😀é\n".repeat(n / 8));
            std::fs::write(&p, &text).unwrap();
            assert_eq!(
                read_file(&p).unwrap(),
                text['\u{feff}'.len_utf8()..],
                "pad {pad}"
            );
        }
        let mut bytes = "k: v\n".repeat(n / 4).into_bytes();
        let bad = bytes.len() - 7;
        bytes[bad] = 0xff;
        std::fs::write(&p, &bytes).unwrap();
        match read_file(&p).unwrap_err() {
            ReadError::NotUtf8 { byte, .. } => assert_eq!(byte, bad),
            e => panic!("{e}"),
        }
        // A file no longer the size it was: left to the streaming read.
        let f = std::fs::File::open(&p).unwrap();
        let size = bytes.len() as u64;
        assert_eq!(read_halves(&f, size).map(|b| b.len()), Some(bytes.len()));
        assert_eq!(read_halves(&f, size - 1), None, "the file grew");
        assert_eq!(read_halves(&f, size + 1), None, "the file shrank");
    }

    #[test]
    fn regular_files_are_read_whole_into_one_buffer() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.yaml");
        let text = "k: é\n".repeat(10_000);
        std::fs::write(&p, &text).unwrap();
        let read = read_file(&p).unwrap();
        assert_eq!(read, text);
        assert!(read.capacity() <= text.len() + 1, "{}", read.capacity());
        assert_eq!(read_file_within(&p, text.len() as u64).unwrap(), text);
        assert!(matches!(
            read_file_within(&p, text.len() as u64 - 1),
            Err(ReadError::TooLarge { size: Some(_), .. })
        ));
        std::fs::write(&p, "\u{feff}a: 1\n").unwrap();
        assert_eq!(read_file(&p).unwrap(), "a: 1\n");
    }

    #[test]
    fn non_utf8_reports_offset() {
        let err = decode(b"ok: 1\n\xff".to_vec()).unwrap_err();
        assert!(matches!(err, ReadError::NotUtf8 { byte: 6, .. }));
    }
}
