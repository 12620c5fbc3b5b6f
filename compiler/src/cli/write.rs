//! Writing `compile -o PATH` so that the target path cannot be turned against
//! the user (issue 18, item 3):
//!
//! - a regular file is replaced atomically: the new text goes to a temp file
//!   created with `O_EXCL` beside it (`tempfile`, so a name planted in a
//!   shared directory, symlink or not, is never opened), is synced, gets the
//!   old file's mode (and owner, when we may set it), then is renamed over;
//! - a symbolic link is followed to the file it names, and that file is
//!   replaced; the link itself stays (a dangling link is refused);
//! - a character device or FIFO (`/dev/null`, `/dev/stdout`, a named pipe) is
//!   written through, like a shell redirection, never replaced by a file;
//!   any other kind of file (block device, socket) is refused;
//! - temp files are named `.<name>.topoc-<pid>-<random>.tmp`; one left behind
//!   by a killed run (its process gone) is removed by the next run writing the
//!   same target, when it is a regular file owned by the same user.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Write `bytes` to `path` following the rules above.
pub fn write_output(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_output_with(path, |w| w.write_all(bytes))
}

/// Write what `write` produces to `path` following the rules above, as it
/// is produced (a regular file only appears, whole, once `write` is done;
/// an error leaves the target as it was).
pub fn write_output_with(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => replace_regular(path, None, write),
        Err(e) => Err(e),
        Ok(link_meta) => {
            let meta = if link_meta.file_type().is_symlink() {
                std::fs::metadata(path).map_err(|e| {
                    if e.kind() == io::ErrorKind::NotFound {
                        io::Error::new(
                            io::ErrorKind::NotFound,
                            "is a symbolic link to nothing (not following it)",
                        )
                    } else {
                        e
                    }
                })?
            } else {
                link_meta.clone()
            };
            let kind = meta.file_type();
            if kind.is_file() {
                let real = if link_meta.file_type().is_symlink() {
                    std::fs::canonicalize(path)?
                } else {
                    path.to_path_buf()
                };
                replace_regular(&real, Some(&meta), write)
            } else if kind.is_char_device() || kind.is_fifo() {
                write_through(path, write)
            } else if kind.is_dir() {
                Err(io::Error::other("is a directory"))
            } else {
                Err(io::Error::other(
                    "exists and is neither a regular file, a character device nor a FIFO: not replacing it",
                ))
            }
        }
    }
}

/// A device or FIFO receives the bytes as a shell redirection would give them.
fn write_through(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    let mut f = OpenOptions::new().write(true).open(path)?;
    write(&mut f)?;
    f.flush()
}

fn temp_prefix(name: &str) -> String {
    format!(".{name}.topoc-{}-", std::process::id())
}

const TEMP_SUFFIX: &str = ".tmp";

/// Replace the regular file at `path` (or create it) atomically.
fn replace_regular(
    path: &Path,
    old: Option<&std::fs::Metadata>,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| io::Error::other("has no file name"))?;
    // 0o666 is narrowed by the umask at creation, as for any new file; an
    // existing file's exact mode is set below.
    let mut tmp = tempfile::Builder::new()
        .prefix(&temp_prefix(&name))
        .suffix(TEMP_SUFFIX)
        .permissions(std::fs::Permissions::from_mode(0o666))
        .tempfile_in(&dir)?;
    let own_uid = tmp.as_file().metadata()?.uid();
    remove_stale_temps(&dir, &name, own_uid, tmp.path());
    if let Some(old) = old {
        keep_mode_and_owner(tmp.as_file(), old)?;
    }
    write(&mut tmp)?;
    tmp.flush()?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// The replaced file keeps its permission bits, and its owner and group when
/// the process may set them (as root; a plain user can only keep its own).
fn keep_mode_and_owner(f: &File, old: &std::fs::Metadata) -> io::Result<()> {
    f.set_permissions(std::fs::Permissions::from_mode(old.mode() & 0o7777))?;
    let now = f.metadata()?;
    if now.uid() != old.uid() || now.gid() != old.gid() {
        // Not permitted for a non-root user giving the file away: the new
        // file then belongs to whoever wrote it, as with any editor.
        let _ = std::os::unix::fs::fchown(f, Some(old.uid()), Some(old.gid()));
    }
    Ok(())
}

/// Remove `.<name>.topoc-<pid>-*.tmp` files whose process no longer runs.
/// Only regular files owned by `uid` are touched (never a planted link, never
/// someone else's file); without `/proc` nothing is removed.
fn remove_stale_temps(dir: &Path, name: &str, uid: u32, ours: &Path) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let head = format!(".{name}.topoc-");
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(file_name) = file_name.to_str() else {
            continue;
        };
        let Some(rest) = file_name
            .strip_prefix(&head)
            .and_then(|r| r.strip_suffix(TEMP_SUFFIX))
        else {
            continue;
        };
        let Some(pid) = rest.split('-').next().and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        let path = entry.path();
        if path == ours || Path::new(&format!("/proc/{pid}")).exists() {
            continue;
        }
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        if meta.file_type().is_file() && meta.uid() == uid {
            let _ = std::fs::remove_file(&path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leftovers(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains(".topoc-"))
            .collect();
        v.sort();
        v
    }

    #[test]
    fn creates_and_replaces_keeping_mode() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.nft");
        write_output(&p, b"one").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
        write_output(&p, b"two").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        let mode = std::fs::metadata(&p).unwrap().mode() & 0o7777;
        assert_eq!(mode, 0o600);
        assert!(leftovers(dir.path()).is_empty());
    }

    #[test]
    fn symlink_is_followed_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.yaml");
        std::fs::write(&real, "old").unwrap();
        let link = dir.path().join("link.yaml");
        std::os::unix::fs::symlink("real.yaml", &link).unwrap();
        write_output(&link, b"new").unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read(&real).unwrap(), b"new");
    }

    #[test]
    fn dangling_symlink_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("link.yaml");
        std::os::unix::fs::symlink("victim", &link).unwrap();
        assert!(write_output(&link, b"new").is_err());
        assert!(!dir.path().join("victim").exists());
    }

    #[test]
    fn character_device_is_written_through_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("null");
        std::os::unix::fs::symlink("/dev/null", &link).unwrap();
        write_output(&link, b"x").unwrap();
        write_output(Path::new("/dev/null"), b"x").unwrap();
        assert!(
            std::fs::metadata("/dev/null")
                .unwrap()
                .file_type()
                .is_char_device()
        );
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
    }

    #[test]
    fn planted_temp_names_are_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim.txt");
        std::fs::write(&victim, "precious").unwrap();
        // Every name a predictable scheme could pick for this process.
        for i in 0..50 {
            let planted = dir
                .path()
                .join(format!("{}{i}{TEMP_SUFFIX}", temp_prefix("out.nft")));
            std::os::unix::fs::symlink(&victim, planted).unwrap();
        }
        write_output(&dir.path().join("out.nft"), b"ruleset").unwrap();
        assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
        assert_eq!(
            std::fs::read(dir.path().join("out.nft")).unwrap(),
            b"ruleset"
        );
    }

    #[test]
    fn stale_temp_of_a_dead_process_is_removed() {
        let dir = tempfile::tempdir().unwrap();
        // pid_max is at most 2^22 on Linux: this pid cannot be running.
        let stale = dir.path().join(".out.nft.topoc-99999999-abc123.tmp");
        std::fs::write(&stale, "partial").unwrap();
        let live = dir
            .path()
            .join(format!(".out.nft.topoc-{}-zzz.tmp", std::process::id()));
        std::fs::write(&live, "in progress").unwrap();
        write_output(&dir.path().join("out.nft"), b"ruleset").unwrap();
        assert!(!stale.exists());
        assert!(live.exists(), "a running process's temp file stays");
    }

    #[test]
    fn owner_is_kept_when_running_as_root() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("secret.nft");
        std::fs::write(&p, "old").unwrap();
        let me = std::fs::metadata(&p).unwrap().uid();
        if me != 0 {
            eprintln!("skipped: changing a file's owner needs root");
            return;
        }
        std::os::unix::fs::chown(&p, Some(65534), Some(65534)).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
        write_output(&p, b"new").unwrap();
        let m = std::fs::metadata(&p).unwrap();
        assert_eq!((m.uid(), m.gid(), m.mode() & 0o7777), (65534, 65534, 0o600));
    }

    #[test]
    fn fifo_is_written_through() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe.nft");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if !made.is_ok_and(|s| s.success()) {
            eprintln!("skipped: mkfifo unavailable");
            return;
        }
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::read(fifo).unwrap())
        };
        write_output(&fifo, b"through").unwrap();
        assert_eq!(reader.join().unwrap(), b"through");
        assert!(
            std::fs::symlink_metadata(&fifo)
                .unwrap()
                .file_type()
                .is_fifo()
        );
    }
}
