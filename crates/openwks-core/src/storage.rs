//! Storage (issue 19): WKS storages on SFS 3.0 file systems, the folders claimed in them
//! (a user's personal folder, a shared folder), who is attached to a folder with which access
//! policy, and the mounts a session gets by its server group's `storage_mount_policy`.
//!
//! The rules are the vendor's (`CreatePersistentStorage`, `CreateShareFolder`,
//! `CreateOrUpdateStoragePolicyStatement`, `ListStoragePolicyStatement` in the vendor's API
//! definitions). Files themselves are the server crate's (`files.rs`); paths a user gives are
//! checked here ([`check_relative_path`]), with no I/O.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Reason, Result};
use crate::validate::check_text;

/// `storage_class` values: `sfs` (SFS 3.0), the only one the vendor supports.
pub const STORAGE_CLASSES: &[&str] = &["sfs"];

/// Upload, modify, rename, move.
pub const PUT: &str = "PutObject";
/// Download (read).
pub const GET: &str = "GetObject";
/// Delete.
pub const DELETE: &str = "DeleteObject";

/// A WKS storage: an SFS 3.0 file system the service keeps folders in.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PersistentStorage {
    /// Decimal, 18 digits (the vendor's Terraform provider tells ids from names by it).
    pub id: String,
    pub project_id: String,
    /// 1–128 visible characters or spaces, not all spaces.
    pub name: String,
    /// `sfs`.
    pub storage_class: String,
    /// The SFS file system's name.
    pub storage_handle: String,
    pub create_time: String,
}

/// A storage with how many folders of each kind it has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageView {
    pub storage: PersistentStorage,
    pub user_claim_count: i64,
    pub share_claim_count: i64,
}

/// Personal or shared folder.
pub const CLAIM_MODES: &[&str] = &["USER", "SHARE"];
/// Who a folder is attached to.
pub const ATTACH_TYPES: &[&str] = &["USER", "USER_GROUP"];

/// A folder claimed in a storage: a user's personal folder (`users/{user}/`) or a shared one
/// (`shares/{name}/`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct StorageClaim {
    /// `storage_claim_id`.
    pub id: String,
    pub project_id: String,
    pub storage_id: String,
    /// `USER` or `SHARE`.
    pub claim_mode: String,
    /// Relative to the file system's root, ending in `/` (`shares/video/`).
    pub folder_path: String,
    pub create_time: String,
}

/// A member of a folder: a user or a user group, with the access policy it has there.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct StorageAssignment {
    pub claim_id: String,
    pub storage_id: String,
    pub project_id: String,
    /// User or user-group name.
    pub attach: String,
    /// `USER` or `USER_GROUP`.
    pub attach_type: String,
    pub policy_statement_id: String,
}

/// An access policy: what a user may do on a folder from the client device (`actions`,
/// uploads and downloads between the device and the folder) and from inside a session
/// (`roam_actions`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PolicyStatement {
    pub policy_statement_id: String,
    pub actions: Vec<String>,
    pub roam_actions: Vec<String>,
}

/// The id of a project's own policy (one per project; creating it again updates it).
pub const CUSTOM_POLICY_ID: &str = "CUSTOM_1";

/// The four built-in policies, as the vendor documents them.
pub fn default_policies() -> Vec<PolicyStatement> {
    let all = || vec![PUT.to_string(), DELETE.to_string(), GET.to_string()];
    let p = |id: &str, actions: Vec<String>, roam: Vec<String>| PolicyStatement {
        policy_statement_id: id.to_string(),
        actions,
        roam_actions: roam,
    };
    vec![
        p("DEFAULT_1", all(), all()),
        p("DEFAULT_2", vec![GET.to_string()], all()),
        p(
            "DEFAULT_3",
            vec![PUT.to_string(), DELETE.to_string()],
            all(),
        ),
        p("DEFAULT_4", vec![], vec![GET.to_string()]),
    ]
}

/// Check a policy's action lists: only `PutObject`, `DeleteObject`, `GetObject`, none twice,
/// `PutObject` and `DeleteObject` together or not at all; `roam_actions` not empty. Answers
/// them in the vendor's order (Put, Delete, Get).
pub fn check_policy(
    actions: &[String],
    roam_actions: &[String],
) -> Result<(Vec<String>, Vec<String>)> {
    fn one(field: &str, list: &[String], may_be_empty: bool) -> Result<Vec<String>> {
        if list.is_empty() && !may_be_empty {
            return Err(Error::invalid(
                Reason::MissingParameter,
                format!("{field} must name 1 to 3 actions"),
            ));
        }
        if list.len() > 3 {
            return Err(Error::invalid(
                Reason::OutOfRange,
                format!("{field} names at most 3 actions, got {}", list.len()),
            ));
        }
        for (i, a) in list.iter().enumerate() {
            crate::validate::check_enum(field, a, &[PUT, DELETE, GET])?;
            if list[..i].contains(a) {
                return Err(Error::invalid(
                    Reason::InvalidParameter,
                    format!("{field} names {a} twice"),
                ));
            }
        }
        let has = |a: &str| list.iter().any(|x| x == a);
        if has(PUT) != has(DELETE) {
            return Err(Error::invalid(
                Reason::InvalidParameter,
                format!("{field}: PutObject and DeleteObject must be set together"),
            ));
        }
        Ok([PUT, DELETE, GET]
            .into_iter()
            .filter(|a| has(a))
            .map(str::to_string)
            .collect())
    }
    Ok((
        one("actions", actions, true)?,
        one("roam_actions", roam_actions, false)?,
    ))
}

/// A storage name: 1–128 visible characters or spaces, not all spaces
/// (`^(?! +$)[\S ]{1,128}$`).
pub fn check_storage_name(name: &str) -> Result<()> {
    let n = name.chars().count();
    if n == 0 || n > 128 {
        return Err(Error::invalid(
            Reason::InvalidName,
            format!("name must be 1 to 128 characters long, got {n}"),
        ));
    }
    if name.chars().all(|c| c == ' ') {
        return Err(Error::invalid(
            Reason::InvalidName,
            "name must not be only spaces",
        ));
    }
    if let Some(c) = name
        .chars()
        .find(|c| c.is_whitespace() && *c != ' ' || c.is_control())
    {
        return Err(Error::invalid(
            Reason::InvalidName,
            format!(
                "name may contain visible characters and spaces only (found U+{:04X})",
                c as u32
            ),
        ));
    }
    Ok(())
}

/// An SFS file system name (`storage_handle`): 1–128 characters; as it names a directory,
/// letters, digits, `.`, `_` and `-`, starting with a letter or digit (SFS 3.0 names follow the
/// bucket rules, which are stricter still).
pub fn check_storage_handle(handle: &str) -> Result<()> {
    check_text(
        "storage_metadata.storage_handle",
        handle,
        1,
        128,
        Reason::InvalidParameter,
    )?;
    let ok_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
    if !handle.chars().all(ok_char) || !handle.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return Err(Error::invalid(
            Reason::InvalidParameter,
            format!(
                "storage_metadata.storage_handle must be an SFS file system name (letters, \
                 digits, '.', '_' and '-', starting with a letter or digit), got {handle:?}"
            ),
        ));
    }
    Ok(())
}

/// A shared folder's name: 1–32 letters, digits, spaces, `_` or `-`, not starting with a space
/// (`^(?!\u0020+$)[\w\u002d][\w\u002d\u0020]{0,31}$`, Java's ASCII `\w`).
pub fn check_folder_name(name: &str) -> Result<()> {
    let n = name.chars().count();
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    let first_ok = name.chars().next().is_some_and(word);
    if n == 0 || n > 32 || !first_ok || !name.chars().all(|c| word(c) || c == ' ') {
        return Err(Error::invalid(
            Reason::InvalidName,
            format!(
                "folder_name must be 1 to 32 letters, digits, spaces, '_' or '-', not starting \
                 with a space; got {name:?}"
            ),
        ));
    }
    Ok(())
}

/// A user or user-group name a folder is attached to: 1–128 printable characters, no `/`
/// or `\` (it names a directory), not `.` or `..`.
pub fn check_attach(field: &str, attach: &str) -> Result<()> {
    check_text(field, attach, 1, 128, Reason::InvalidParameter)?;
    if attach.contains(['/', '\\']) || attach == "." || attach == ".." {
        return Err(Error::invalid(
            Reason::InvalidParameter,
            format!("{field} must not contain '/' or '\\' nor be '.' or '..', got {attach:?}"),
        ));
    }
    Ok(())
}

/// The folder of a user's personal folder.
pub fn user_folder_path(user: &str) -> String {
    format!("users/{user}/")
}

/// The folder of a shared folder.
pub fn share_folder_path(name: &str) -> String {
    format!("shares/{name}/")
}

/// A path a user gives inside a folder (`docs/report.txt`): relative, `/`-separated, each
/// part 1–255 bytes, never `.` or `..`, no `\`, NUL or other control character, at most 1024
/// bytes and 32 levels. Answers the parts. An empty path (or `/`) is the folder itself.
pub fn check_relative_path(field: &str, path: &str) -> Result<Vec<String>> {
    let bad = |why: &str| {
        Err(Error::invalid(
            Reason::InvalidParameter,
            format!("{field} {why}: {path:?}"),
        ))
    };
    if path.len() > 1024 {
        return bad("must be at most 1024 bytes");
    }
    if path.starts_with("//") {
        return bad("must be relative to the folder");
    }
    if let Some(c) = path.chars().find(|c| c.is_control()) {
        return Err(Error::invalid(
            Reason::InvalidParameter,
            format!(
                "{field} must not contain control characters (found U+{:04X})",
                c as u32
            ),
        ));
    }
    if path.contains('\\') {
        return bad("must use '/' as its separator ('\\' is refused)");
    }
    // A leading '/' is the folder's root (as the client shows it), not the host's.
    let trimmed = path.strip_prefix('/').unwrap_or(path);
    let trimmed = trimmed.strip_suffix('/').unwrap_or(trimmed);
    if trimmed.is_empty() {
        return Ok(Vec::new());
    }
    let mut parts = Vec::new();
    for p in trimmed.split('/') {
        if p.is_empty() {
            return bad("has an empty part ('//')");
        }
        if p == "." || p == ".." {
            return bad("must not contain '.' or '..' parts");
        }
        if p.len() > 255 {
            return bad("has a part longer than 255 bytes");
        }
        parts.push(p.to_string());
    }
    if parts.len() > 32 {
        return bad("is more than 32 levels deep");
    }
    Ok(parts)
}

/// What a folder allows, from where.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Access {
    /// From inside a session (the folder is mounted on the server): `roam_actions`.
    Cloud,
    /// Between the user's device and the folder: `actions`.
    Client,
}

/// A folder a session gets mounted, and what its user may do there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mount {
    /// `storage_claim_id`: how file operations name the mount.
    pub storage_claim_id: String,
    pub storage_id: String,
    pub storage_name: String,
    /// The SFS file system.
    pub storage_handle: String,
    /// `USER` or `SHARE`.
    pub claim_mode: String,
    pub folder_path: String,
    /// Where the folder appears on the server.
    pub mount_point: String,
    pub policy_statement_id: String,
    pub actions: Vec<String>,
    pub roam_actions: Vec<String>,
    /// `USER` when the user is a member by name, `USER_GROUP` when through a user group.
    pub attach_type: String,
    /// The folder's quota in bytes (cloud storages' personal folders), if it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quota: Option<u64>,
}

impl Mount {
    /// Whether the mount allows `action` from `access`.
    pub fn allows(&self, access: Access, action: &str) -> bool {
        let list = match access {
            Access::Cloud => &self.roam_actions,
            Access::Client => &self.actions,
        };
        list.iter().any(|a| a == action)
    }
}

/// A folder the user is a member of (by name or through a group), as the store finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    pub storage: PersistentStorage,
    pub claim: StorageClaim,
    pub assignment: StorageAssignment,
    /// A cloud storage's personal folder carries its own access (its four switches) and its
    /// quota instead of a policy of the project.
    pub own: Option<(PolicyStatement, Option<u64>)>,
}

/// The mounts a session of `user` gets on a server group whose `storage_mount_policy` is
/// `mount_policy`: `USER` its personal folders, `SHARE` the shared folders it is a member of,
/// `ANY` (or none set) both. A member by name and through groups gets the policy attached by
/// name; through several groups only, the union of their policies' actions. `policies` are the
/// project's (built-in and its own); a membership whose policy is gone gives no access.
pub fn mounts(
    mount_policy: &str,
    memberships: &[Membership],
    policies: &[PolicyStatement],
) -> Vec<Mount> {
    let wanted = |mode: &str| match mount_policy {
        "USER" => mode == "USER",
        "SHARE" => mode == "SHARE",
        _ => true,
    };
    let mut out: Vec<Mount> = Vec::new();
    let mut ms: Vec<&Membership> = memberships
        .iter()
        .filter(|m| wanted(&m.claim.claim_mode))
        .collect();
    // By name first, so it wins over groups.
    ms.sort_by_key(|m| (m.claim.id.clone(), m.assignment.attach_type != "USER"));
    for m in ms {
        let found = match &m.own {
            Some((own, _)) => Some(own),
            None => policies
                .iter()
                .find(|p| p.policy_statement_id == m.assignment.policy_statement_id),
        };
        let Some(p) = found else {
            continue;
        };
        if let Some(have) = out.iter_mut().find(|x| x.storage_claim_id == m.claim.id) {
            if have.attach_type == "USER_GROUP" && m.assignment.attach_type == "USER_GROUP" {
                union_into(&mut have.actions, &p.actions);
                union_into(&mut have.roam_actions, &p.roam_actions);
                have.policy_statement_id = "MULTIPLE".to_string();
            }
            continue;
        }
        let folder = m.claim.folder_path.trim_end_matches('/');
        let mount_point = match m.claim.claim_mode.as_str() {
            "USER" => format!("/mnt/{}/personal", m.storage.storage_handle),
            _ => format!(
                "/mnt/{}/{}",
                m.storage.storage_handle,
                folder.rsplit('/').next().unwrap_or(folder)
            ),
        };
        out.push(Mount {
            storage_claim_id: m.claim.id.clone(),
            storage_id: m.storage.id.clone(),
            storage_name: m.storage.name.clone(),
            storage_handle: m.storage.storage_handle.clone(),
            claim_mode: m.claim.claim_mode.clone(),
            folder_path: m.claim.folder_path.clone(),
            mount_point,
            policy_statement_id: p.policy_statement_id.clone(),
            actions: p.actions.clone(),
            roam_actions: p.roam_actions.clone(),
            attach_type: m.assignment.attach_type.clone(),
            quota: m.own.as_ref().and_then(|(_, q)| *q),
        });
    }
    out.sort_by(|a, b| {
        (
            a.claim_mode.as_str() != "USER",
            &a.folder_path,
            &a.storage_id,
        )
            .cmp(&(
                b.claim_mode.as_str() != "USER",
                &b.folder_path,
                &b.storage_id,
            ))
    });
    out
}

fn union_into(have: &mut Vec<String>, more: &[String]) {
    for a in more {
        if !have.contains(a) {
            have.push(a.clone());
        }
    }
    have.sort_by_key(|a| [PUT, DELETE, GET].iter().position(|x| x == a));
}

// ---- cloud storages ----

/// A project configuration of the SFS cluster (`ProjectConfig`): how much the project may keep
/// on a cluster group. openwks has two per project, on two cluster groups, so that folders can
/// move between them (`change_cluster`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectConfig {
    pub project_config_id: String,
    pub project_config_name: String,
    /// GiB the project may keep on it (its cloud storage's folders together).
    pub storage_quota: i64,
    /// The cluster group it is on.
    pub cluster_group_id: String,
}

/// The project configurations every project has.
pub fn project_configs() -> Vec<ProjectConfig> {
    vec![
        ProjectConfig {
            project_config_id: "default_project_config".into(),
            project_config_name: "user-file-persistent".into(),
            storage_quota: 1024,
            cluster_group_id: "default_cluster_group".into(),
        },
        ProjectConfig {
            project_config_id: "standby_project_config".into(),
            project_config_name: "user-file-standby".into(),
            storage_quota: 1024,
            cluster_group_id: "standby_cluster_group".into(),
        },
    ]
}

/// A cloud storage: a project configuration associated with its cluster group, holding users'
/// personal folders with quotas.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct CloudStorage {
    /// Decimal, 18 digits.
    pub id: String,
    pub project_id: String,
    /// The project configuration's name.
    pub name: String,
    pub project_config_id: String,
    pub cluster_group_id: String,
    pub create_time: String,
}

impl CloudStorage {
    /// The file system its folders are in.
    pub fn file_system(&self) -> String {
        format!("wks-cloud-{}", self.id)
    }
}

/// A cloud storage with how many personal folders it has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloudStorageView {
    pub storage: CloudStorage,
    pub user_claim_count: i64,
}

/// A user's personal folder in a cloud storage, with its quota and what the user may do from
/// the client device (`action_*`) and from a session (`roam_action_*`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct CloudFolder {
    /// `cloud_storage_assignment_id`: 18 decimal digits.
    pub id: String,
    pub project_id: String,
    pub storage_id: String,
    /// The user's id (its folder's name).
    pub attach_id: String,
    /// The user's name.
    pub attach_name: String,
    /// Bytes; `None`: no limit but the project configuration's.
    pub quota: Option<u64>,
    pub action_get: bool,
    pub action_put: bool,
    pub roam_action_get: bool,
    pub roam_action_put: bool,
    pub create_time: String,
}

impl CloudFolder {
    /// Its path in the cloud storage's file system.
    pub fn folder_path(&self) -> String {
        format!("users/{}/", self.attach_id)
    }

    /// Its access as a policy: a `put` switch allows upload, change and delete, a `get`
    /// switch download.
    pub fn policy(&self) -> PolicyStatement {
        let of = |put: bool, get: bool| {
            let mut v = Vec::new();
            if put {
                v.push(PUT.to_string());
                v.push(DELETE.to_string());
            }
            if get {
                v.push(GET.to_string());
            }
            v
        };
        PolicyStatement {
            policy_statement_id: "CLOUD_FOLDER".into(),
            actions: of(self.action_put, self.action_get),
            roam_actions: of(self.roam_action_put, self.roam_action_get),
        }
    }

    /// As a membership of its user (what a session mounts).
    pub fn membership(&self, s: &CloudStorage) -> Membership {
        Membership {
            storage: PersistentStorage {
                id: s.id.clone(),
                project_id: s.project_id.clone(),
                name: s.name.clone(),
                storage_class: "cloud".into(),
                storage_handle: s.file_system(),
                create_time: s.create_time.clone(),
            },
            claim: StorageClaim {
                id: self.id.clone(),
                project_id: self.project_id.clone(),
                storage_id: self.storage_id.clone(),
                claim_mode: "USER".into(),
                folder_path: self.folder_path(),
                create_time: self.create_time.clone(),
            },
            assignment: StorageAssignment {
                claim_id: self.id.clone(),
                storage_id: self.storage_id.clone(),
                project_id: self.project_id.clone(),
                attach: self.attach_name.clone(),
                attach_type: "USER".into(),
                policy_statement_id: "CLOUD_FOLDER".into(),
            },
            own: Some((self.policy(), self.quota)),
        }
    }
}

/// A folder path a user gives (`folder_url` of `list_folders_and_files`): the vendor's
/// grammar (`^(?=.{1,512}$)([^<>:"|?*]+[/\\])*[^<>:"|?*]+[/\\]?$`: `/` or `\` separated,
/// none of `<>:"|?*`), then the rules of [`check_relative_path`].
pub fn check_folder_url(url: &str) -> Result<Vec<String>> {
    let n = url.chars().count();
    if n == 0 || n > 512 {
        return Err(Error::invalid(
            Reason::InvalidParameter,
            format!("folder_url must be 1 to 512 characters long, got {n}"),
        ));
    }
    if let Some(c) = url.chars().find(|c| "<>:\"|?*".contains(*c)) {
        return Err(Error::invalid(
            Reason::InvalidParameter,
            format!("folder_url must not contain {c:?}"),
        ));
    }
    check_relative_path("folder_url", &url.replace('\\', "/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn policy_rules() {
        assert_eq!(
            check_policy(
                &s(&["GetObject"]),
                &s(&["GetObject", "DeleteObject", "PutObject"])
            ),
            Ok((
                s(&["GetObject"]),
                s(&["PutObject", "DeleteObject", "GetObject"])
            ))
        );
        assert!(check_policy(&[], &s(&["GetObject"])).is_ok());
        assert!(
            check_policy(&[], &[]).is_err(),
            "roam_actions may not be empty"
        );
        assert!(check_policy(&s(&["PutObject"]), &s(&["GetObject"])).is_err());
        assert!(check_policy(&s(&["GetObject", "GetObject"]), &s(&["GetObject"])).is_err());
        assert!(check_policy(&s(&["ListObject"]), &s(&["GetObject"])).is_err());
    }

    #[test]
    fn names() {
        assert!(check_storage_name("sfs tmp").is_ok());
        assert!(check_storage_name("   ").is_err());
        assert!(check_storage_name("a\tb").is_err());
        assert!(check_storage_name(&"x".repeat(129)).is_err());
        assert!(check_folder_name("video 2024").is_ok());
        assert!(check_folder_name(" video").is_err());
        assert!(check_folder_name("a/b").is_err());
        assert!(check_folder_name(&"x".repeat(33)).is_err());
        assert!(check_storage_handle("sfs-tmp").is_ok());
        assert!(check_storage_handle("../etc").is_err());
        assert!(check_storage_handle(".hidden").is_err());
        assert!(check_attach("attach", "alice").is_ok());
        assert!(check_attach("attach", "..").is_err());
        assert!(check_attach("attach", "a/b").is_err());
    }

    #[test]
    fn relative_paths() {
        assert_eq!(
            check_relative_path("path", "a/b.txt"),
            Ok(s(&["a", "b.txt"]))
        );
        assert_eq!(check_relative_path("path", "/a/"), Ok(s(&["a"])));
        assert_eq!(check_relative_path("path", ""), Ok(vec![]));
        for bad in [
            "../x",
            "a/../../b",
            "a//b",
            "a\\b",
            "a/./b",
            "//etc/passwd",
            "a\0b",
        ] {
            assert!(check_relative_path("path", bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn folder_urls_and_cloud_switches() {
        assert_eq!(
            check_folder_url("My Files\\backup\\"),
            Ok(s(&["My Files", "backup"]))
        );
        assert_eq!(check_folder_url("/"), Ok(vec![]));
        for bad in ["", "a:b", "a|b", "..\\x", "a/../b", &"x".repeat(513)] {
            assert!(check_folder_url(bad).is_err(), "{bad:?}");
        }
        let f = CloudFolder {
            id: "1".into(),
            project_id: "p".into(),
            storage_id: "2".into(),
            attach_id: "u".into(),
            attach_name: "ann".into(),
            quota: Some(5),
            action_get: true,
            action_put: false,
            roam_action_get: false,
            roam_action_put: true,
            create_time: String::new(),
        };
        let p = f.policy();
        assert_eq!(
            (p.actions, p.roam_actions),
            (s(&["GetObject"]), s(&["PutObject", "DeleteObject"]))
        );
        let s3 = CloudStorage {
            id: "2".into(),
            project_id: "p".into(),
            name: "n".into(),
            project_config_id: "c".into(),
            cluster_group_id: "g".into(),
            create_time: String::new(),
        };
        let ms = mounts("USER", &[f.membership(&s3)], &[]);
        assert_eq!(ms.len(), 1, "a cloud folder carries its own policy");
        assert_eq!(
            (ms[0].quota, ms[0].storage_handle.as_str()),
            (Some(5), "wks-cloud-2")
        );
        assert!(mounts("SHARE", &[f.membership(&s3)], &[]).is_empty());
    }

    fn membership(claim: &str, mode: &str, attach: &str, kind: &str, policy: &str) -> Membership {
        let storage = PersistentStorage {
            id: "1".into(),
            project_id: "p".into(),
            name: "st".into(),
            storage_class: "sfs".into(),
            storage_handle: "fs".into(),
            create_time: String::new(),
        };
        let folder_path = if mode == "USER" {
            user_folder_path(attach)
        } else {
            share_folder_path(claim)
        };
        Membership {
            claim: StorageClaim {
                id: claim.into(),
                project_id: "p".into(),
                storage_id: "1".into(),
                claim_mode: mode.into(),
                folder_path,
                create_time: String::new(),
            },
            assignment: StorageAssignment {
                claim_id: claim.into(),
                storage_id: "1".into(),
                project_id: "p".into(),
                attach: attach.into(),
                attach_type: kind.into(),
                policy_statement_id: policy.into(),
            },
            storage,
            own: None,
        }
    }

    #[test]
    fn mounts_follow_the_groups_policy() {
        let ms = vec![
            membership("home", "USER", "alice", "USER", "DEFAULT_1"),
            membership("video", "SHARE", "editors", "USER_GROUP", "DEFAULT_4"),
            membership("video", "SHARE", "alice", "USER", "DEFAULT_2"),
            membership("docs", "SHARE", "g1", "USER_GROUP", "DEFAULT_4"),
            membership("docs", "SHARE", "g2", "USER_GROUP", "DEFAULT_3"),
        ];
        let p = default_policies();
        let user: Vec<_> = mounts("USER", &ms, &p);
        assert_eq!(user.len(), 1);
        assert_eq!(user[0].folder_path, "users/alice/");
        let share = mounts("SHARE", &ms, &p);
        assert_eq!(share.len(), 2);
        let video = share
            .iter()
            .find(|m| m.storage_claim_id == "video")
            .expect("video");
        assert_eq!(video.policy_statement_id, "DEFAULT_2", "by name wins");
        let docs = share
            .iter()
            .find(|m| m.storage_claim_id == "docs")
            .expect("docs");
        assert_eq!(
            docs.roam_actions,
            s(&["PutObject", "DeleteObject", "GetObject"])
        );
        assert_eq!(docs.actions, s(&["PutObject", "DeleteObject"]));
        assert!(docs.allows(Access::Client, PUT) && !docs.allows(Access::Client, GET));
        assert_eq!(mounts("ANY", &ms, &p).len(), 3);
        assert_eq!(mounts("ANY", &ms, &[]).len(), 0, "no policy, no access");
    }
}
