//! nano's on-disk cache (`$NANO_CACHE_DIR`): built apps (`apps/*.wasm`) and
//! compiled components (`compiled/*.cwasm`), keyed by a hash of what they
//! were made from.
//!
//! Why an entry is checked before it is used: a `.cwasm` is native code that
//! wasmtime maps executable without verifying it, and a built app is the code
//! a file name serves. Whoever can change an entry runs code in this process
//! or swaps one app for another. So:
//! - the directories are 0700 and the files 0600 (a built app holds whatever
//!   its top-level code computed); a directory owned by another user turns
//!   caching off;
//! - an entry is read through one descriptor opened without following
//!   symbolic links, and must be a regular file owned by this user that no
//!   one else may read or write;
//! - it begins with an HMAC-SHA-256 of its contents under a key derived from
//!   the entry's name and a secret only this user can read (`key`, 32 random
//!   bytes made 0600 on first use). An entry cannot be forged or edited, nor
//!   copied to another name, without that secret: another user who can
//!   write the directory can delete entries, not substitute them.
//!
//! A bad entry is logged, never loaded, and rebuilt over. What this does not
//! protect against: a process running as the same user (or root), which can
//! read the secret — or replace the nano binary itself.

use ring::hmac;
use sha2::{Digest, Sha256};
use std::fs::{DirBuilder, File, OpenOptions};
use std::io::{ErrorKind, Read, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

/// The first bytes of every entry (the format's version), then the tag.
const MAGIC: &[u8; 8] = b"nanoc\x001\n";
const TAG_LEN: usize = 32;
const KEY_LEN: usize = 32;
/// Larger files are not read: no entry nano writes comes near it.
const MAX_ENTRY: u64 = 1 << 30;

/// `$NANO_CACHE_DIR`, else `$XDG_CACHE_HOME/nano`, else `~/.cache/nano`.
/// `NANO_CACHE_DIR=` (empty) turns caching off.
pub fn cache_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("NANO_CACHE_DIR") {
        return if dir.is_empty() { None } else { Some(PathBuf::from(dir)) };
    }
    if let Some(dir) = std::env::var_os("XDG_CACHE_HOME").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir).join("nano"));
    }
    std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache/nano"))
}

/// SHA-256 of the parts, each prefixed by its length (so no two lists of
/// parts hash alike), in hex: the name of a cache entry.
pub fn hex_digest(parts: &[&[u8]]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part);
    }
    hasher.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The process's cache, opened on first use (creating the directory and the
/// secret); None when caching is off or the directory cannot be trusted.
pub fn shared() -> Option<&'static Cache> {
    static CACHE: OnceLock<Option<Cache>> = OnceLock::new();
    CACHE
        .get_or_init(|| {
            let dir = cache_dir()?;
            Cache::open(&dir)
                .map_err(|e| tracing::warn!("not caching builds and compiled code in {}: {e}", dir.display()))
                .ok()
        })
        .as_ref()
}

pub struct Cache {
    dir: PathBuf,
    secret: hmac::Key,
}

impl Cache {
    /// Opens (creating if needed) the cache in `dir` and its secret.
    pub fn open(dir: &Path) -> Result<Cache, String> {
        private_dir(dir)?;
        let secret = read_or_create_secret(&dir.join("key"))?;
        Ok(Cache { dir: dir.to_path_buf(), secret: hmac::Key::new(hmac::HMAC_SHA256, &secret) })
    }

    fn path(&self, kind: &str, name: &str) -> PathBuf {
        self.dir.join(kind).join(name)
    }

    /// The MAC key of one entry: bound to its place, so a valid entry copied
    /// over another does not verify.
    fn entry_key(&self, kind: &str, name: &str) -> hmac::Key {
        let mut context = hmac::Context::with_key(&self.secret);
        context.update(b"nano cache entry\0");
        context.update(kind.as_bytes());
        context.update(b"/");
        context.update(name.as_bytes());
        hmac::Key::new(hmac::HMAC_SHA256, context.sign().as_ref())
    }

    /// The contents of entry `kind/name` when it exists and passes every
    /// check; a failing entry is logged and left to be rebuilt over.
    pub fn get(&self, kind: &str, name: &str) -> Option<Vec<u8>> {
        let path = self.path(kind, name);
        match self.read_verified(kind, name, &path) {
            Ok(payload) => Some(payload),
            Err(e) if e.kind() == ErrorKind::NotFound => None,
            Err(e) => {
                tracing::warn!("not loading the cache entry {}: {e}; rebuilding it", path.display());
                None
            }
        }
    }

    fn read_verified(&self, kind: &str, name: &str, path: &Path) -> std::io::Result<Vec<u8>> {
        let bytes = read_private_file(path, MAX_ENTRY)?;
        let untrusted = |why: &str| std::io::Error::new(ErrorKind::InvalidData, why.to_string());
        let rest = bytes.strip_prefix(MAGIC).ok_or_else(|| untrusted("not a nano cache entry (or an older format)"))?;
        if rest.len() < TAG_LEN {
            return Err(untrusted("truncated"));
        }
        let (tag, payload) = rest.split_at(TAG_LEN);
        hmac::verify(&self.entry_key(kind, name), payload, tag).map_err(|_| {
            untrusted("its MAC does not match (modified, copied from another entry, or made under another key)")
        })?;
        Ok(payload.to_vec())
    }

    /// Stores `payload` as entry `kind/name`, replacing what is there; a
    /// failure is logged (the cache is only an optimisation).
    pub fn put(&self, kind: &str, name: &str, payload: &[u8]) {
        let path = self.path(kind, name);
        let tag = hmac::sign(&self.entry_key(kind, name), payload);
        let write = || -> Result<(), String> {
            private_dir(&self.dir.join(kind))?;
            write_private_atomic(&path, &[MAGIC, tag.as_ref(), payload]).map_err(|e| e.to_string())
        };
        if let Err(e) = write() {
            tracing::warn!("could not write the cache entry {}: {e}", path.display());
        }
    }
}

fn euid() -> u32 {
    // Safety: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

/// Creates `dir` (and missing parents) 0700, or checks an existing one: a
/// directory owned by this user, narrowed to 0700 if it was wider.
fn private_dir(dir: &Path) -> Result<(), String> {
    DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| format!("creating {}: {e}", dir.display()))?;
    // The cache root may be reached through a symbolic link the user made;
    // what it points to is what must be private.
    let meta = std::fs::metadata(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    if !meta.is_dir() {
        return Err(format!("{} is not a directory", dir.display()));
    }
    if meta.uid() != euid() {
        return Err(format!("{} belongs to uid {}, not to this user (uid {})", dir.display(), meta.uid(), euid()));
    }
    if meta.mode() & 0o077 != 0 {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .map_err(|e| format!("making {} private (0700): {e}", dir.display()))?;
    }
    Ok(())
}

/// Opens `path` without following a symbolic link or blocking on a FIFO and
/// reads it, if it is a regular file of this user's that no one else may
/// read or write (checked on the open descriptor, so nothing can be swapped
/// in between the check and the read).
fn read_private_file(path: &Path, max_len: u64) -> std::io::Result<Vec<u8>> {
    let untrusted = |why: String| std::io::Error::new(ErrorKind::PermissionDenied, why);
    let mut file = match OpenOptions::new().read(true).custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK).open(path) {
        Ok(file) => file,
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => return Err(untrusted("it is a symbolic link".into())),
        Err(e) => return Err(e),
    };
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(untrusted("not a regular file".into()));
    }
    if meta.uid() != euid() {
        return Err(untrusted(format!("owned by uid {}, not by this user (uid {})", meta.uid(), euid())));
    }
    if meta.mode() & 0o077 != 0 {
        return Err(untrusted(format!(
            "mode {:o}: others may read or write it (nano writes 0600)",
            meta.mode() & 0o777
        )));
    }
    if meta.len() > max_len {
        return Err(untrusted(format!("{} bytes, more than the {max_len} expected", meta.len())));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// A new 0600 file beside `path`, written and renamed over it, so a reader
/// sees the old file or the new one whole. The temporary name is never
/// followed if it exists (O_EXCL), and rename replaces a symbolic link at
/// `path` rather than writing through it.
fn write_private_atomic(path: &Path, parts: &[&[u8]]) -> std::io::Result<()> {
    let tmp = write_private_temp(path, parts)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

fn write_private_temp(path: &Path, parts: &[&[u8]]) -> std::io::Result<PathBuf> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let tmp = path.with_file_name(format!(".{name}.{}.{n}.tmp", std::process::id()));
    let mut file: File = OpenOptions::new().write(true).create_new(true).mode(0o600).open(&tmp)?;
    let written = parts.iter().try_for_each(|part| file.write_all(part));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    Ok(tmp)
}

/// The cache's secret: read when it is trustworthy (a 0600 regular file of
/// this user's, 32 bytes), else made anew. A new secret is linked into place
/// complete, so nano processes starting together agree on one.
fn read_or_create_secret(path: &Path) -> Result<Vec<u8>, String> {
    for _ in 0..3 {
        match read_private_file(path, KEY_LEN as u64) {
            Ok(secret) if secret.len() == KEY_LEN => return Ok(secret),
            Err(e) if e.kind() == ErrorKind::NotFound => {}
            untrusted => {
                let why = match untrusted {
                    Ok(secret) => format!("{} bytes, not {KEY_LEN}", secret.len()),
                    Err(e) => e.to_string(),
                };
                tracing::warn!(
                    "replacing the cache secret {} ({why}): every cache entry will be rebuilt",
                    path.display()
                );
                match std::fs::remove_file(path) {
                    Err(e) if e.kind() != ErrorKind::NotFound => {
                        return Err(format!("removing the untrusted secret {}: {e}", path.display()))
                    }
                    _ => {}
                }
            }
        }
        let mut secret = [0u8; KEY_LEN];
        ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut secret)
            .map_err(|_| "no randomness for the cache secret".to_string())?;
        let tmp = write_private_temp(path, &[&secret]).map_err(|e| format!("writing {}: {e}", path.display()))?;
        let linked = std::fs::hard_link(&tmp, path);
        let _ = std::fs::remove_file(&tmp);
        match linked {
            Ok(()) => return Ok(secret.to_vec()),
            // Another process made it first: use theirs.
            Err(e) if e.kind() == ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(format!("creating {}: {e}", path.display())),
        }
    }
    Err(format!("{}: could not settle on a secret", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("nano-cache-test-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn entries_round_trip_and_are_bound_to_their_name() {
        let dir = scratch("roundtrip");
        let cache = Cache::open(&dir).unwrap();
        cache.put("apps", "a.wasm", b"app a");
        cache.put("apps", "b.wasm", b"app b");
        assert_eq!(cache.get("apps", "a.wasm").as_deref(), Some(&b"app a"[..]));
        assert_eq!(cache.get("apps", "missing.wasm"), None);
        std::fs::copy(dir.join("apps/b.wasm"), dir.join("apps/a.wasm")).unwrap();
        assert_eq!(cache.get("apps", "a.wasm"), None, "b's entry verified under a's name");
        // The same secret is read back by the next process.
        let again = Cache::open(&dir).unwrap();
        assert_eq!(again.get("apps", "b.wasm").as_deref(), Some(&b"app b"[..]));
        let mode = |p: &str| std::fs::symlink_metadata(dir.join(p)).unwrap().mode() & 0o777;
        assert_eq!((mode("key"), mode("apps"), mode("apps/b.wasm")), (0o600, 0o700, 0o600));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn edited_wide_open_or_linked_entries_are_refused() {
        let dir = scratch("refused");
        let cache = Cache::open(&dir).unwrap();
        cache.put("compiled", "x.cwasm", b"compiled code");
        let path = dir.join("compiled/x.cwasm");
        let mut bytes = std::fs::read(&path).unwrap();
        *bytes.last_mut().unwrap() ^= 1;
        std::fs::write(&path, &bytes).unwrap();
        assert_eq!(cache.get("compiled", "x.cwasm"), None, "an edited entry was loaded");

        cache.put("compiled", "x.cwasm", b"compiled code");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o666)).unwrap();
        assert_eq!(cache.get("compiled", "x.cwasm"), None, "a world-writable entry was loaded");

        cache.put("compiled", "x.cwasm", b"compiled code");
        assert_eq!(std::fs::metadata(&path).unwrap().mode() & 0o777, 0o600, "put restores the mode");
        std::fs::rename(&path, dir.join("compiled/elsewhere")).unwrap();
        std::os::unix::fs::symlink(dir.join("compiled/elsewhere"), &path).unwrap();
        assert_eq!(cache.get("compiled", "x.cwasm"), None, "an entry behind a symbolic link was loaded");
        cache.put("compiled", "x.cwasm", b"compiled code");
        assert!(std::fs::symlink_metadata(&path).unwrap().is_file(), "put replaces the link");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn an_untrusted_secret_is_replaced() {
        let dir = scratch("secret");
        let cache = Cache::open(&dir).unwrap();
        cache.put("apps", "a.wasm", b"app a");
        std::fs::set_permissions(dir.join("key"), std::fs::Permissions::from_mode(0o644)).unwrap();
        let reopened = Cache::open(&dir).unwrap();
        assert_eq!(std::fs::metadata(dir.join("key")).unwrap().mode() & 0o777, 0o600);
        assert_eq!(reopened.get("apps", "a.wasm"), None, "an entry made under a disclosed secret was loaded");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
