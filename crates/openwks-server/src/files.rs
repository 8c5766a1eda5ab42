//! The files of storage folders (issue 19): real directories under the storage directory
//! (`serve --storage-dir`, by default `<data-dir>/storage`; on PostgreSQL deployments a
//! directory every replica mounts, `docs/storage.md`).
//!
//! Layout: `{root}/{project_id}/{file system}/` is an SFS file system; a folder is a
//! directory in it (`users/{user}/`, `shares/{name}/`). Three hidden directories sit at the file
//! system's root, outside every folder: `.openwks-partial/` (writes in progress),
//! `.deleted/` (folders being deleted) and `.transfer/` (files shared by `transfer_file`).
//!
//! Rules that hold for every operation:
//! - a path a user gives is checked by `openwks_core::storage::check_relative_path` (relative,
//!   no `.`/`..`, no `\`, no control characters) and then walked part by part from the
//!   folder: a symbolic link anywhere on the way is refused, so nothing outside the folder is
//!   ever read or written;
//! - a write lands whole or not at all: it goes to `.openwks-partial/`, is synced, and is
//!   renamed into place (a cut request never reaches here: its body is read first);
//! - a folder being deleted is first renamed into `.deleted/{claim}` before the store forgets
//!   it, and purged after; if the store refuses, it is renamed back, and a folder found in
//!   `.deleted/` whose claim still exists is put back on its next use.

use std::io::Write;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use openwks_core::error::Reason;
use openwks_core::{Error, Result};

/// Where folders are.
#[derive(Debug, Clone)]
pub struct Files {
    root: Option<PathBuf>,
    /// Bytes each file system holds, as last walked, and when: a file system's quota (its
    /// project configuration's, up to a TiB) is checked against a figure at most
    /// [`FS_USAGE_TTL`] old plus this process's writes since, not a walk of the whole file
    /// system per write. A folder's own quota is walked on every write (exact).
    fs_usage: std::sync::Arc<
        std::sync::Mutex<std::collections::HashMap<PathBuf, (u64, std::time::Instant)>>,
    >,
}

/// How long a walked file-system usage figure is trusted.
pub const FS_USAGE_TTL: std::time::Duration = std::time::Duration::from_secs(5);

/// A folder on disk: its file system's directory and its own.
#[derive(Debug, Clone)]
pub struct Folder {
    pub fs: PathBuf,
    pub dir: PathBuf,
}

/// What a path names.
#[derive(Debug)]
pub enum Got {
    /// A file's bytes.
    File(Vec<u8>),
    /// A directory's entries, sorted by name.
    Dir(Vec<Entry>),
}

/// A directory entry.
#[derive(Debug, Clone, serde::Serialize, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    /// `file` or `folder`.
    pub kind: &'static str,
    pub size: u64,
    /// Inode number.
    pub inode: u64,
}

/// An SFS file system: its name, when it was made (ms) and the bytes its files hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSystem {
    pub name: String,
    pub created_ms: i64,
    pub usage: u64,
}

const PARTIAL: &str = ".openwks-partial";
const DELETED: &str = ".deleted";
const TRANSFER: &str = ".transfer";

fn io(context: &str, e: std::io::Error) -> Error {
    Error::internal_from(context.to_string(), e)
}

fn invalid(msg: String) -> Error {
    Error::invalid(Reason::InvalidParameter, msg)
}

/// Whether `p` is a symbolic link (a missing path is not).
fn is_link(p: &Path) -> bool {
    std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_symlink())
}

/// Walk `parts` from `base`, refusing symbolic links and non-directories on the way; the path
/// they name (which need not exist).
fn walk(base: &Path, parts: &[String]) -> Result<PathBuf> {
    if is_link(base) {
        return Err(invalid("the folder is a symbolic link".into()));
    }
    let mut p = base.to_path_buf();
    for (i, part) in parts.iter().enumerate() {
        p.push(part);
        match std::fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_symlink() => {
                return Err(invalid(format!(
                    "{} is a symbolic link; openwks does not follow links",
                    parts[..=i].join("/")
                )))
            }
            Ok(m) if i + 1 < parts.len() && !m.is_dir() => {
                return Err(invalid(format!(
                    "{} is a file, not a folder",
                    parts[..=i].join("/")
                )))
            }
            _ => {}
        }
    }
    Ok(p)
}

/// Bytes the files under `dir` hold (links are not followed).
pub fn usage_of(dir: &Path) -> u64 {
    let mut total = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let Ok(m) = e.metadata() else { continue };
            if m.is_dir() {
                stack.push(e.path());
            } else if m.is_file() {
                total += m.len();
            }
        }
    }
    total
}

fn sync_dir(dir: &Path) {
    if let Ok(f) = std::fs::File::open(dir) {
        let _ = f.sync_all();
    }
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::internal(format!("file task: {e}")))?
}

impl Files {
    /// Folders under `root`; `None`: storage operations that touch files answer 503.
    pub fn new(root: Option<PathBuf>) -> Self {
        Self {
            root,
            fs_usage: Default::default(),
        }
    }

    /// The storage directory.
    pub fn root(&self) -> Option<&Path> {
        self.root.as_deref()
    }

    fn project_dir(&self, project_id: &str) -> Result<PathBuf> {
        let root = self.root.as_ref().ok_or_else(|| {
            Error::unavailable("no storage directory is configured (serve --storage-dir)")
        })?;
        if project_id.is_empty() || !project_id.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(Error::internal(format!("project id {project_id:?}")));
        }
        Ok(root.join(project_id))
    }

    /// The directory of a file system (its name checked by
    /// `openwks_core::storage::check_storage_handle` when the storage was made; checked again).
    pub fn fs_dir(&self, project_id: &str, handle: &str) -> Result<PathBuf> {
        openwks_core::storage::check_storage_handle(handle)?;
        Ok(self.project_dir(project_id)?.join(handle))
    }

    /// Make a file system (nothing when it exists).
    pub async fn create_fs(&self, project_id: &str, handle: &str) -> Result<()> {
        let dir = self.fs_dir(project_id, handle)?;
        blocking(move || {
            if is_link(&dir) {
                return Err(invalid(format!("{} is a symbolic link", dir.display())));
            }
            std::fs::create_dir_all(&dir).map_err(|e| io("creating a file system", e))
        })
        .await
    }

    /// The project's file systems, by name.
    pub async fn file_systems(&self, project_id: &str) -> Result<Vec<FileSystem>> {
        let dir = self.project_dir(project_id)?;
        blocking(move || {
            let mut out = Vec::new();
            let Ok(rd) = std::fs::read_dir(&dir) else {
                return Ok(out);
            };
            for e in rd.flatten() {
                let Ok(m) = std::fs::symlink_metadata(e.path()) else {
                    continue;
                };
                let name = e.file_name().to_string_lossy().into_owned();
                if !m.is_dir() || openwks_core::storage::check_storage_handle(&name).is_err() {
                    continue;
                }
                let created_ms = m
                    .created()
                    .or_else(|_| m.modified())
                    .ok()
                    .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                    .map(|d| d.as_millis() as i64)
                    .unwrap_or(0);
                let usage = usage_of(&e.path());
                out.push(FileSystem {
                    name,
                    created_ms,
                    usage,
                });
            }
            out.sort_by(|a, b| a.name.cmp(&b.name));
            Ok(out)
        })
        .await
    }

    fn folder_parts(folder_path: &str) -> Result<Vec<String>> {
        openwks_core::storage::check_relative_path("folder_path", folder_path)
    }

    /// A folder, made when missing (put back from `.deleted/` when a delete of it did not
    /// finish).
    pub async fn folder(
        &self,
        project_id: &str,
        handle: &str,
        folder_path: &str,
        claim_id: &str,
    ) -> Result<Folder> {
        let fs = self.fs_dir(project_id, handle)?;
        let parts = Self::folder_parts(folder_path)?;
        let trashed = fs.join(DELETED).join(claim_id);
        blocking(move || {
            std::fs::create_dir_all(&fs).map_err(|e| io("creating a file system", e))?;
            let dir = walk(&fs, &parts)?;
            if !dir.exists() {
                if let Some(parent) = dir.parent() {
                    std::fs::create_dir_all(parent).map_err(|e| io("creating a folder", e))?;
                }
                if trashed.is_dir() && !is_link(&trashed) {
                    std::fs::rename(&trashed, &dir).map_err(|e| io("restoring a folder", e))?;
                } else {
                    std::fs::create_dir_all(&dir).map_err(|e| io("creating a folder", e))?;
                }
                walk(&fs, &parts)?;
            }
            Ok(Folder { fs, dir })
        })
        .await
    }

    /// Move a folder out of sight before its claim is deleted (nothing when it does not
    /// exist).
    pub async fn trash(
        &self,
        project_id: &str,
        handle: &str,
        folder_path: &str,
        claim_id: &str,
    ) -> Result<()> {
        let fs = self.fs_dir(project_id, handle)?;
        let parts = Self::folder_parts(folder_path)?;
        let claim_id = claim_id.to_string();
        blocking(move || {
            let dir = walk(&fs, &parts)?;
            if !dir.exists() {
                return Ok(());
            }
            let bin = fs.join(DELETED);
            std::fs::create_dir_all(&bin).map_err(|e| io("creating .deleted", e))?;
            let to = bin.join(&claim_id);
            if to.exists() {
                std::fs::remove_dir_all(&to).map_err(|e| io("clearing .deleted", e))?;
            }
            std::fs::rename(&dir, &to).map_err(|e| io("moving a folder to .deleted", e))?;
            sync_dir(&bin);
            Ok(())
        })
        .await
    }

    /// Put back a folder [`Files::trash`] moved (its claim was not deleted after all).
    pub async fn untrash(
        &self,
        project_id: &str,
        handle: &str,
        folder_path: &str,
        claim_id: &str,
    ) -> Result<()> {
        self.folder(project_id, handle, folder_path, claim_id)
            .await
            .map(|_| ())
    }

    /// Move a folder to the same place in another file system (nothing when it does not
    /// exist; a folder there already is refused).
    pub async fn move_folder(
        &self,
        project_id: &str,
        from_handle: &str,
        to_handle: &str,
        folder_path: &str,
    ) -> Result<()> {
        let from_fs = self.fs_dir(project_id, from_handle)?;
        let to_fs = self.fs_dir(project_id, to_handle)?;
        let parts = Self::folder_parts(folder_path)?;
        let folder_path = folder_path.to_string();
        blocking(move || {
            let from = walk(&from_fs, &parts)?;
            if !from.exists() {
                return Ok(());
            }
            std::fs::create_dir_all(&to_fs).map_err(|e| io("creating a file system", e))?;
            let to = walk(&to_fs, &parts)?;
            if to.exists() {
                return Err(Error::conflict(
                    Reason::Conflict,
                    format!("{folder_path} exists in {} already", to_fs.display()),
                ));
            }
            if let Some(parent) = to.parent() {
                std::fs::create_dir_all(parent).map_err(|e| io("creating a folder", e))?;
            }
            std::fs::rename(&from, &to).map_err(|e| io("moving a folder", e))?;
            Ok(())
        })
        .await
    }

    /// Remove for good a folder whose claim is deleted.
    pub async fn purge(&self, project_id: &str, handle: &str, claim_id: &str) -> Result<()> {
        let to = self
            .fs_dir(project_id, handle)?
            .join(DELETED)
            .join(claim_id);
        blocking(move || {
            if to.exists() {
                std::fs::remove_dir_all(&to).map_err(|e| io("removing a deleted folder", e))?;
            }
            Ok(())
        })
        .await
    }

    /// Write `data` at `parts` in `folder`, whole or not at all, making the folders on the
    /// way; refused (nothing written) when the folder's `quota` or its file system's
    /// `fs_quota` (bytes) would be exceeded. Answers the size.
    pub async fn put(
        &self,
        folder: &Folder,
        parts: Vec<String>,
        data: Bytes,
        quota: Option<u64>,
    ) -> Result<u64> {
        self.put_within(folder, parts, data, quota, None).await
    }

    /// [`Files::put`] with the file system's quota too.
    pub async fn put_within(
        &self,
        folder: &Folder,
        parts: Vec<String>,
        data: Bytes,
        quota: Option<u64>,
        fs_quota: Option<u64>,
    ) -> Result<u64> {
        if parts.is_empty() {
            return Err(invalid("path must name a file in the folder".into()));
        }
        let (fs, dir) = (folder.fs.clone(), folder.dir.clone());
        let tmp_name = format!("{}", uuid::Uuid::new_v4().simple());
        let usage_cache = std::sync::Arc::clone(&self.fs_usage);
        blocking(move || {
            let target = walk(&dir, &parts)?;
            if target.is_dir() {
                return Err(Error::conflict(
                    Reason::Conflict,
                    format!("{} is a folder", parts.join("/")),
                ));
            }
            let old = std::fs::metadata(&target).map(|m| m.len()).unwrap_or(0);
            let fs_used = |fs: &Path| -> u64 {
                let mut cache = match usage_cache.lock() {
                    Ok(g) => g,
                    Err(p) => p.into_inner(),
                };
                match cache.get(fs) {
                    Some((u, at)) if at.elapsed() < FS_USAGE_TTL => *u,
                    _ => {
                        let u = usage_of(fs);
                        cache.insert(fs.to_path_buf(), (u, std::time::Instant::now()));
                        u
                    }
                }
            };
            for (what, q, under) in [("folder", quota, &dir), ("file system", fs_quota, &fs)] {
                let Some(q) = q else { continue };
                let used = if what == "folder" {
                    usage_of(under)
                } else {
                    fs_used(under)
                }
                .saturating_sub(old);
                if used + data.len() as u64 > q {
                    return Err(Error::invalid(
                        Reason::StorageQuotaExceeded,
                        format!(
                            "the {what}'s quota is {q} bytes; {used} are used and this file is \
                             {} bytes (nothing was written)",
                            data.len()
                        ),
                    ));
                }
            }
            // Folders on the way, each checked again once made.
            for i in 1..parts.len() {
                let d = walk(&dir, &parts[..i])?;
                if !d.exists() {
                    // Another write may make it at the same moment: that is fine.
                    match std::fs::create_dir(&d) {
                        Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => {
                            return Err(io("creating a folder", e));
                        }
                        _ => {}
                    }
                }
                walk(&dir, &parts[..i])?;
            }
            let partial = fs.join(PARTIAL);
            std::fs::create_dir_all(&partial).map_err(|e| io("creating .openwks-partial", e))?;
            let tmp = partial.join(tmp_name);
            let written = (|| -> std::io::Result<()> {
                let mut f = std::fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .open(&tmp)?;
                f.write_all(&data)?;
                f.sync_all()
            })();
            if let Err(e) = written {
                let _ = std::fs::remove_file(&tmp);
                return Err(io("writing a file", e));
            }
            // The last check: nothing on the way became a link while the file was written.
            if let Err(e) = walk(&dir, &parts) {
                let _ = std::fs::remove_file(&tmp);
                return Err(e);
            }
            if let Err(e) = std::fs::rename(&tmp, &target) {
                let _ = std::fs::remove_file(&tmp);
                return Err(io("placing a file", e));
            }
            if let Some(parent) = target.parent() {
                sync_dir(parent);
            }
            if let Ok(mut cache) = usage_cache.lock() {
                if let Some((u, _)) = cache.get_mut(&fs) {
                    *u = (*u + data.len() as u64).saturating_sub(old);
                }
            }
            Ok(data.len() as u64)
        })
        .await
    }

    /// What `parts` names in `folder`: a file's bytes or a folder's entries.
    pub async fn get(&self, folder: &Folder, parts: Vec<String>) -> Result<Got> {
        let dir = folder.dir.clone();
        blocking(move || {
            let p = walk(&dir, &parts)?;
            let m = std::fs::symlink_metadata(&p)
                .map_err(|_| Error::not_found("file", &parts.join("/")))?;
            if m.is_dir() {
                return Ok(Got::Dir(entries(&p)?));
            }
            let bytes = std::fs::read(&p).map_err(|e| io("reading a file", e))?;
            Ok(Got::File(bytes))
        })
        .await
    }

    /// Delete the file or folder `parts` names (a folder with what it holds); `NotFound` when
    /// there is none. The folder itself cannot be deleted this way.
    pub async fn delete(&self, folder: &Folder, parts: Vec<String>) -> Result<()> {
        if parts.is_empty() {
            return Err(invalid(
                "path must name a file or folder in the folder".into(),
            ));
        }
        let dir = folder.dir.clone();
        blocking(move || {
            let p = walk(&dir, &parts)?;
            let m = std::fs::symlink_metadata(&p)
                .map_err(|_| Error::not_found("file", &parts.join("/")))?;
            if m.is_dir() {
                std::fs::remove_dir_all(&p).map_err(|e| io("deleting a folder", e))?;
            } else {
                std::fs::remove_file(&p).map_err(|e| io("deleting a file", e))?;
            }
            Ok(())
        })
        .await
    }
    /// Empty what `parts` names in `folder`: a folder keeps itself and loses what it holds, a
    /// file goes. Whether there was anything.
    pub async fn empty(&self, folder: &Folder, parts: Vec<String>) -> Result<bool> {
        if parts.is_empty() {
            return Err(invalid(
                "the profile must be named inside the folder".into(),
            ));
        }
        let dir = folder.dir.clone();
        blocking(move || {
            let p = walk(&dir, &parts)?;
            let Ok(m) = std::fs::symlink_metadata(&p) else {
                return Ok(false);
            };
            if m.is_dir() {
                for e in std::fs::read_dir(&p).map_err(|e| io("reading a profile", e))? {
                    let e = e.map_err(|e| io("reading a profile", e))?;
                    let ft = e.file_type().map_err(|e| io("reading a profile", e))?;
                    if ft.is_dir() {
                        std::fs::remove_dir_all(e.path())
                    } else {
                        std::fs::remove_file(e.path())
                    }
                    .map_err(|e| io("emptying a profile", e))?;
                }
            } else {
                std::fs::remove_file(&p).map_err(|e| io("removing a profile", e))?;
            }
            Ok(true)
        })
        .await
    }

    /// Share the file `parts` of `folder`: a copy is put, whole, in the file system's transfer
    /// area under a new code, with the extraction code's digest. Answers `(code, file name)`.
    pub async fn share(
        &self,
        folder: &Folder,
        parts: Vec<String>,
        code: String,
        acc_code: String,
        from: String,
    ) -> Result<(String, String)> {
        let Some(name) = parts.last().cloned() else {
            return Err(invalid("file_url must name a file".into()));
        };
        let (fs, dir) = (folder.fs.clone(), folder.dir.clone());
        blocking(move || {
            let src = walk(&dir, &parts)?;
            let m = std::fs::symlink_metadata(&src)
                .map_err(|_| Error::not_found("file", &parts.join("/")))?;
            if !m.is_file() {
                return Err(invalid(format!("{} is not a file", parts.join("/"))));
            }
            let bytes = std::fs::read(&src).map_err(|e| io("reading a file", e))?;
            let partial = fs.join(PARTIAL).join(format!("t-{code}"));
            std::fs::create_dir_all(&partial).map_err(|e| io("creating a transfer", e))?;
            let meta = serde_json::json!({
                "file_name": name,
                "acc_code_sha256": digest(&acc_code),
                "from": from,
            });
            let written = (|| -> std::io::Result<()> {
                for (file, data) in [
                    ("file", bytes.as_slice()),
                    ("meta.json", meta.to_string().as_bytes()),
                ] {
                    let mut f = std::fs::File::create(partial.join(file))?;
                    f.write_all(data)?;
                    f.sync_all()?;
                }
                Ok(())
            })();
            let area = fs.join(TRANSFER);
            let placed = written
                .and_then(|_| std::fs::create_dir_all(&area))
                .and_then(|_| std::fs::rename(&partial, area.join(&code)));
            if let Err(e) = placed {
                let _ = std::fs::remove_dir_all(&partial);
                return Err(io("placing a transfer", e));
            }
            sync_dir(&area);
            Ok((code, name))
        })
        .await
    }

    /// A shared file of the file system `fs` by its code, if the extraction code is right:
    /// `(file name, bytes, sharer)`. A wrong code and a wrong extraction code answer alike.
    pub async fn shared(
        &self,
        fs: PathBuf,
        code: String,
        acc_code: String,
    ) -> Result<(String, Vec<u8>, String)> {
        blocking(move || {
            let refused = || {
                Error::new(
                    openwks_core::ErrorKind::NotFound,
                    Reason::NotFound,
                    "no shared file has that file_code and file_acc_code",
                )
            };
            if code.is_empty() || !code.chars().all(|c| c.is_ascii_hexdigit()) {
                return Err(refused());
            }
            let dir = fs.join(TRANSFER).join(&code);
            if is_link(&dir) || !dir.is_dir() {
                return Err(refused());
            }
            let meta: serde_json::Value = std::fs::read(dir.join("meta.json"))
                .ok()
                .and_then(|b| serde_json::from_slice(&b).ok())
                .ok_or_else(refused)?;
            if meta["acc_code_sha256"].as_str() != Some(digest(&acc_code).as_str()) {
                return Err(refused());
            }
            let bytes = std::fs::read(dir.join("file")).map_err(|_| refused())?;
            Ok((
                meta["file_name"].as_str().unwrap_or("file").to_string(),
                bytes,
                meta["from"].as_str().unwrap_or("").to_string(),
            ))
        })
        .await
    }

    /// A name for `name` in `folder`'s directory `parts` that no entry has: `name`, else
    /// `stem (1).ext`, `stem (2).ext`, ….
    pub async fn free_name(
        &self,
        folder: &Folder,
        parts: Vec<String>,
        name: String,
    ) -> Result<String> {
        let dir = folder.dir.clone();
        blocking(move || {
            let d = walk(&dir, &parts)?;
            let (stem, ext) = match name.rfind('.') {
                Some(i) if i > 0 => (name[..i].to_string(), name[i..].to_string()),
                _ => (name.clone(), String::new()),
            };
            let mut candidate = name.clone();
            let mut n = 1;
            while std::fs::symlink_metadata(d.join(&candidate)).is_ok() {
                candidate = format!("{stem} ({n}){ext}");
                n += 1;
            }
            Ok(candidate)
        })
        .await
    }
}

fn digest(s: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(s.as_bytes()))
}

fn entries(dir: &Path) -> Result<Vec<Entry>> {
    use std::os::unix::fs::MetadataExt;
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).map_err(|e| io("listing a folder", e))? {
        let e = e.map_err(|e| io("listing a folder", e))?;
        let Ok(m) = std::fs::symlink_metadata(e.path()) else {
            continue;
        };
        if m.file_type().is_symlink() {
            continue;
        }
        out.push(Entry {
            name: e.file_name().to_string_lossy().into_owned(),
            kind: if m.is_dir() { "folder" } else { "file" },
            size: if m.is_dir() { 0 } else { m.len() },
            inode: m.ino(),
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(p: &str) -> Vec<String> {
        openwks_core::storage::check_relative_path("path", p).expect("path")
    }

    #[tokio::test]
    async fn writes_are_whole_and_links_are_refused() {
        let root = tempfile::tempdir().expect("dir");
        let files = Files::new(Some(root.path().to_path_buf()));
        let f = files
            .folder("p1", "fs1", "users/ann/", "c1")
            .await
            .expect("folder");
        let n = files
            .put(
                &f,
                parts("docs/a.txt"),
                Bytes::from_static(b"hello"),
                Some(10),
            )
            .await
            .expect("put");
        assert_eq!(n, 5);
        let e = files
            .put(&f, parts("b.txt"), Bytes::from_static(b"123456"), Some(10))
            .await
            .expect_err("over quota");
        assert_eq!(e.code, Reason::StorageQuotaExceeded);
        assert!(!f.dir.join("b.txt").exists(), "nothing written");
        // Overwriting counts the old size once.
        files
            .put(
                &f,
                parts("docs/a.txt"),
                Bytes::from_static(b"0123456789"),
                Some(10),
            )
            .await
            .expect("replace");
        // No partial file is left anywhere.
        let partial = f.fs.join(PARTIAL);
        assert_eq!(std::fs::read_dir(&partial).expect("dir").count(), 0);
        // A link planted in the folder (by someone on the host) is never followed.
        let outside = root.path().join("secret.txt");
        std::fs::write(&outside, b"secret").expect("write");
        std::os::unix::fs::symlink(&outside, f.dir.join("link.txt")).expect("link");
        std::os::unix::fs::symlink(root.path(), f.dir.join("up")).expect("link");
        for p in ["link.txt", "up/secret.txt"] {
            assert!(files.get(&f, parts(p)).await.is_err(), "{p}");
            assert!(files
                .put(&f, parts(p), Bytes::from_static(b"x"), None)
                .await
                .is_err());
        }
        assert_eq!(std::fs::read(&outside).expect("read"), b"secret");
        match files.get(&f, parts("")).await.expect("list") {
            Got::Dir(es) => {
                let names: Vec<_> = es.iter().map(|e| e.name.as_str()).collect();
                assert_eq!(names, vec!["docs"], "links are not listed");
            }
            Got::File(_) => panic!("a folder"),
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_writes_into_a_new_folder_all_land() {
        let root = tempfile::tempdir().expect("dir");
        let files = Files::new(Some(root.path().to_path_buf()));
        let f = files
            .folder("p1", "fs1", "users/ann/", "c1")
            .await
            .expect("folder");
        let mut tasks = Vec::new();
        for i in 0..32 {
            let (files, f) = (files.clone(), f.clone());
            tasks.push(tokio::spawn(async move {
                files
                    .put(
                        &f,
                        parts(&format!("new/deeper/x{i}")),
                        Bytes::from_static(b"x"),
                        None,
                    )
                    .await
            }));
        }
        for t in tasks {
            t.await.expect("task").expect("every write lands");
        }
        assert_eq!(
            std::fs::read_dir(f.dir.join("new/deeper"))
                .expect("dir")
                .count(),
            32
        );
    }

    #[tokio::test]
    async fn a_deleted_folder_comes_back_only_if_its_claim_lives() {
        let root = tempfile::tempdir().expect("dir");
        let files = Files::new(Some(root.path().to_path_buf()));
        let f = files
            .folder("p1", "fs1", "shares/video/", "s1")
            .await
            .expect("folder");
        files
            .put(&f, parts("a.mp4"), Bytes::from_static(b"v"), None)
            .await
            .expect("put");
        files
            .trash("p1", "fs1", "shares/video/", "s1")
            .await
            .expect("trash");
        assert!(!f.dir.exists());
        // The store refused the delete: the next use finds the folder as it was.
        let again = files
            .folder("p1", "fs1", "shares/video/", "s1")
            .await
            .expect("folder");
        assert!(again.dir.join("a.mp4").exists());
        files
            .trash("p1", "fs1", "shares/video/", "s1")
            .await
            .expect("trash");
        files.purge("p1", "fs1", "s1").await.expect("purge");
        let fresh = files
            .folder("p1", "fs1", "shares/video/", "s2")
            .await
            .expect("folder");
        assert!(
            !fresh.dir.join("a.mp4").exists(),
            "a new claim starts empty"
        );
        let fss = files.file_systems("p1").await.expect("fss");
        assert_eq!(fss.len(), 1);
        assert_eq!(fss[0].name, "fs1");
        assert!(Files::new(None).file_systems("p1").await.is_err());
    }
}
