//! `diff --git REV`: the tree of a revision, read from git's objects
//! without a checkout (`git ls-tree` + one `git cat-file --batch`) into a
//! temporary directory laid out as the repository, so both sides are loaded
//! by the same walk, with the same `.gitignore`, `topoc.yaml`, `.env` and
//! relative references. The copy has an empty `.git` directory (with the
//! repository's `info/exclude`), so it is a repository root to the walk
//! and to naming, as the working tree is.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Component, Path, PathBuf};
use std::process::{Command, Stdio};

/// The work tree topoc runs in.
pub struct Repo {
    /// The top level, canonical.
    pub root: PathBuf,
    /// The working directory, canonical.
    cwd: PathBuf,
}

/// A revision's tree in a temporary directory (removed when dropped).
pub struct Snapshot {
    _dir: tempfile::TempDir,
    /// The copy of the top level, named as the top level is: a Compose
    /// project without `name:` is named after its directory.
    root: PathBuf,
}

impl Snapshot {
    /// The copy of the repository's top level.
    pub fn root(&self) -> &Path {
        &self.root
    }
}

/// Run git in the working directory; its stdout, or its stderr as the error.
fn git(args: &[&str]) -> Result<Vec<u8>, String> {
    let out = Command::new("git")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if out.status.success() {
        Ok(out.stdout)
    } else {
        let err = String::from_utf8_lossy(&out.stderr);
        Err(err.trim().to_string())
    }
}

fn text(bytes: Vec<u8>) -> String {
    String::from_utf8_lossy(&bytes)
        .trim_end_matches('\n')
        .to_string()
}

/// `.` and `..` resolved by spelling (the path may exist on one side only).
fn lexical(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out
}

impl Repo {
    pub fn discover() -> Result<Repo, String> {
        let top = git(&["rev-parse", "--show-toplevel"])
            .map_err(|e| format!("--git needs a git working tree: {e}"))?;
        let root = PathBuf::from(text(top));
        let root = root.canonicalize().unwrap_or(root);
        let cwd = std::env::current_dir()
            .and_then(|d| d.canonicalize())
            .map_err(|e| format!("cannot read the working directory: {e}"))?;
        Ok(Repo { root, cwd })
    }

    /// `path` (as typed, relative to the working directory) relative to the
    /// top level.
    pub fn relative(&self, path: &str) -> Result<PathBuf, String> {
        let joined = self.cwd.join(path);
        // Resolve links where the path exists; spell out the rest.
        let abs = joined.canonicalize().unwrap_or_else(|_| lexical(&joined));
        abs.strip_prefix(&self.root)
            .map(Path::to_path_buf)
            .map_err(|_| format!("`{path}` is outside the repository {}", self.root.display()))
    }

    /// The tree of `rev` (any commit-ish) in a temporary directory.
    pub fn snapshot(&self, rev: &str) -> Result<Snapshot, String> {
        if rev.starts_with('-') || rev.is_empty() {
            return Err(format!("--git: `{rev}` is not a revision"));
        }
        let commit = git(&[
            "rev-parse",
            "--verify",
            "--quiet",
            "--end-of-options",
            &format!("{rev}^{{commit}}"),
        ])
        .map(text);
        let listing = match commit {
            Ok(commit) => git(&["ls-tree", "-r", "-z", "--full-tree", &commit])
                .map_err(|e| format!("--git: cannot list {rev}: {e}"))?,
            // The first commit of a repository (HEAD names a branch with no
            // commit yet): everything is new.
            Err(_) if rev == "HEAD" && git(&["symbolic-ref", "--quiet", "HEAD"]).is_ok() => {
                Vec::new()
            }
            Err(_) => return Err(format!("--git: `{rev}` is not a commit of this repository")),
        };
        let dir = tempfile::Builder::new()
            .prefix("topoc-diff-")
            .tempdir()
            .map_err(|e| format!("cannot create a temporary directory: {e}"))?;
        let io = |e: std::io::Error| format!("cannot write the tree of {rev}: {e}");
        let root = dir
            .path()
            .join(self.root.file_name().unwrap_or("repository".as_ref()));
        let snap = Snapshot {
            _dir: dir,
            root: root.clone(),
        };
        std::fs::create_dir_all(root.join(".git/info")).map_err(io)?;
        if let Ok(p) = git(&["rev-parse", "--git-path", "info/exclude"]).map(text)
            && let Ok(exclude) = std::fs::read(self.cwd.join(p))
        {
            std::fs::write(root.join(".git/info/exclude"), exclude).map_err(io)?;
        }
        let mut blobs = Vec::new();
        for entry in listing.split(|&b| b == 0).filter(|e| !e.is_empty()) {
            let Some(e) = Entry::parse(entry) else {
                continue;
            };
            let Some(rel) = safe_path(e.path) else {
                continue;
            };
            let path = root.join(rel);
            match e.kind {
                b"blob" => blobs.push((e.oid.to_vec(), e.mode == b"120000", path)),
                // A submodule: its directory exists in a checkout, empty.
                b"commit" => std::fs::create_dir_all(&path).map_err(io)?,
                _ => {}
            }
        }
        write_blobs(&blobs).map_err(io)?;
        Ok(snap)
    }
}

/// One line of `git ls-tree -z`: `MODE TYPE OID\tPATH`.
struct Entry<'a> {
    mode: &'a [u8],
    kind: &'a [u8],
    oid: &'a [u8],
    path: &'a [u8],
}

impl<'a> Entry<'a> {
    fn parse(line: &'a [u8]) -> Option<Entry<'a>> {
        let tab = line.iter().position(|&b| b == b'\t')?;
        let (meta, path) = (&line[..tab], &line[tab + 1..]);
        let mut parts = meta.split(|&b| b == b' ');
        Some(Entry {
            mode: parts.next()?,
            kind: parts.next()?,
            oid: parts.next()?,
            path,
        })
    }
}

/// A tree path as a relative path with plain components only: a hostile
/// tree naming `..`, an absolute path or a `.git` directory is left out,
/// as git itself refuses to check such paths out.
fn safe_path(bytes: &[u8]) -> Option<PathBuf> {
    #[cfg(unix)]
    let path = {
        use std::os::unix::ffi::OsStrExt;
        PathBuf::from(std::ffi::OsStr::from_bytes(bytes))
    };
    #[cfg(not(unix))]
    let path = PathBuf::from(String::from_utf8_lossy(bytes).into_owned());
    let plain = path.components().all(|c| match c {
        Component::Normal(n) => !n.eq_ignore_ascii_case(".git"),
        _ => false,
    });
    (plain && path.components().next().is_some()).then_some(path)
}

/// Read every blob through one `git cat-file --batch` and write it at its
/// path (links as links; a blob over the per-file limit as a sparse file of
/// its size, which the loader refuses exactly as it refuses the original).
fn write_blobs(blobs: &[(Vec<u8>, bool, PathBuf)]) -> std::io::Result<()> {
    if blobs.is_empty() {
        return Ok(());
    }
    let mut child = Command::new("git")
        .args(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let mut stdin = child.stdin.take().ok_or_else(broken)?;
    let oids: Vec<Vec<u8>> = blobs.iter().map(|b| b.0.clone()).collect();
    // Fed from a thread: git answers while it reads, so a single thread
    // writing everything first could block on a full pipe.
    let feeder = std::thread::spawn(move || -> std::io::Result<()> {
        let mut w = std::io::BufWriter::new(&mut stdin);
        for oid in oids {
            w.write_all(&oid)?;
            w.write_all(b"\n")?;
        }
        w.flush()
    });
    let mut out = BufReader::new(child.stdout.take().ok_or_else(broken)?);
    let result = read_blobs(&mut out, blobs);
    drop(out);
    let fed = feeder.join().unwrap_or_else(|_| Err(broken()));
    let status = child.wait()?;
    result?;
    fed?;
    if !status.success() {
        return Err(std::io::Error::other("git cat-file failed"));
    }
    Ok(())
}

fn broken() -> std::io::Error {
    std::io::Error::other("git cat-file closed its pipe")
}

fn read_blobs(
    out: &mut BufReader<std::process::ChildStdout>,
    blobs: &[(Vec<u8>, bool, PathBuf)],
) -> std::io::Result<()> {
    let mut header = Vec::new();
    for (oid, is_link, path) in blobs {
        header.clear();
        out.read_until(b'\n', &mut header)?;
        // `OID TYPE SIZE`, or `OID missing`.
        let fields: Vec<&[u8]> = header.trim_ascii_end().split(|&b| b == b' ').collect();
        let size: u64 = match fields.as_slice() {
            [o, _, size] if o == oid => std::str::from_utf8(size)
                .ok()
                .and_then(|s| s.parse().ok())
                .ok_or_else(broken)?,
            _ => {
                let what = String::from_utf8_lossy(&header);
                return Err(std::io::Error::other(format!(
                    "git cat-file: {}",
                    what.trim()
                )));
            }
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut body = out.by_ref().take(size);
        if *is_link {
            let mut target = Vec::new();
            body.read_to_end(&mut target)?;
            link(&target, path)?;
        } else if size > topoc::source::MAX_FILE_BYTES {
            std::io::copy(&mut body, &mut std::io::sink())?;
            std::fs::File::create(path)?.set_len(size)?;
        } else {
            let mut file = std::fs::File::create(path)?;
            std::io::copy(&mut body, &mut file)?;
        }
        let mut newline = [0u8; 1];
        out.read_exact(&mut newline)?;
    }
    Ok(())
}

#[cfg(unix)]
fn link(target: &[u8], path: &Path) -> std::io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    std::os::unix::fs::symlink(std::ffi::OsStr::from_bytes(target), path)
}

#[cfg(not(unix))]
fn link(_target: &[u8], _path: &Path) -> std::io::Result<()> {
    // Where git checks links out as text files, no topology reads them.
    Ok(())
}
