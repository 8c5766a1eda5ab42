//! Images built by people (issue #17): the app warehouse (application packages), image servers
//! (a server in the simulated fleet, built from a base image, on which warehouse apps are
//! installed), the private IMS images made from them, and the image jobs that do the work.
//!
//! What openwks decides where the vendor is silent (`docs/compatibility.md`, "Images"):
//! - A warehouse app is verified when it is created: a package whose file is not an
//!   `.exe`, `.msi`, `.zip` or `.rar` (the extensions `authorize_obs` lets one upload) fails
//!   verification (`VERIFY_FAIL`, with the reason); only verified apps can be attached.
//! - An app attached to an image server is installed on it; the image made from the server
//!   carries the base image's applications and the installed ones as its publishable apps,
//!   each at [`install_path`].
//! - A private image is `saving` while its job runs and `active` after; only active images can
//!   be chosen by server groups.

use serde::{Deserialize, Serialize};

use crate::catalogue::{Image, ImageApp};
use crate::error::{Error, Reason, Result};
use crate::validate::{check_enum, check_text};

/// `AppCategoryEnum` (the vendor's spelling, `BUSSINESS` and `ADN` included).
pub const APP_CATEGORIES: &[&str] = &[
    "GAME",
    "BUSSINESS_INTELLIGENCE",
    "SECURE_STORAGE",
    "MULTIMEDIA_AND_CODING",
    "PROJECT_MANAGEMENT",
    "PRODUCTIVITY_AND_COLLABORATION",
    "WEB_ADN_APPLICATION",
    "GRAPHIC_DESIGN",
    "OTHER",
];

/// `OsTypeEnum` of a warehouse app.
pub const APP_OS_TYPES: &[&str] = &["Linux", "Windows", "Other"];

/// The package files `authorize_obs` lets one upload (`app_file_name` pattern).
pub const PACKAGE_EXTENSIONS: &[&str] = &[".exe", ".msi", ".zip", ".rar"];

/// An application package in the warehouse (`WarehouseApp`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct WarehouseApp {
    /// The record id.
    pub id: String,
    /// The application id (what Terraform keeps; the path's `{id}` may be either).
    pub app_id: String,
    /// Owning project (`tenant_id` on the wire).
    pub project_id: String,
    pub app_name: String,
    pub app_category: String,
    pub os_type: String,
    pub version_id: String,
    pub version_name: String,
    pub appfile_store_path: String,
    /// KB; 0 when not given.
    pub app_file_size: i64,
    pub app_description: String,
    pub appicon_store_path: String,
    pub app_icon: String,
    pub app_extended_info: Option<serde_json::Value>,
    pub create_time: String,
    pub modify_time: String,
    pub verify_time: String,
    /// `VERIFYING`, `VERIFY_PASS` or `VERIFY_FAIL`.
    pub verify_status: String,
    pub verify_comment: String,
}

/// App names: 1–64 of letters, digits, Chinese characters, `_` and `-` (the vendor's
/// `[\w\u4e00-\u9fa5\u002d_]{1,64}$`).
pub fn check_app_name(name: &str) -> Result<()> {
    crate::validate::check_name("app_name", name)
}

/// `version_id` and `version_name`: 1–64 characters without white space (`[\S]{1,64}`).
pub fn check_version(field: &str, v: &str) -> Result<()> {
    let n = v.chars().count();
    if n == 0 || n > 64 || v.chars().any(char::is_whitespace) {
        return Err(Error::invalid(
            Reason::InvalidParameter,
            format!("{field} must be 1 to 64 characters without white space"),
        ));
    }
    Ok(())
}

/// Check a category and an OS type.
pub fn check_category_and_os(category: Option<&str>, os: Option<&str>) -> Result<()> {
    if let Some(c) = category {
        check_enum("app_category", c, APP_CATEGORIES)?;
    }
    if let Some(o) = os {
        check_enum("os_type", o, APP_OS_TYPES)?;
    }
    Ok(())
}

/// Check free-text fields of a warehouse app.
pub fn check_app_texts(description: Option<&str>, icon: Option<&str>) -> Result<()> {
    if let Some(d) = description {
        check_text("app_description", d, 0, 255, Reason::InvalidParameter)?;
    }
    if let Some(i) = icon {
        check_text("app_icon", i, 0, 10977, Reason::InvalidIcon)?;
    }
    Ok(())
}

impl WarehouseApp {
    /// Verify the package (at creation): its file must be one `authorize_obs` lets one upload.
    pub fn verify(&mut self, now: &str) {
        let path = self.appfile_store_path.to_ascii_lowercase();
        self.verify_time = now.to_string();
        if PACKAGE_EXTENSIONS.iter().any(|e| path.ends_with(e)) {
            self.verify_status = "VERIFY_PASS".into();
            self.verify_comment = String::new();
        } else {
            self.verify_status = "VERIFY_FAIL".into();
            self.verify_comment = format!(
                "the package {} is not an installer ({})",
                self.appfile_store_path,
                PACKAGE_EXTENSIONS.join(", ")
            );
        }
    }

    /// Whether the path's `{id}` names this app (the record id or the application id).
    pub fn named_by(&self, id: &str) -> bool {
        self.id == id || self.app_id == id
    }
}

/// Where an installed warehouse app runs from on a server of `os_type`.
pub fn install_path(os_type: &str, app_name: &str) -> String {
    if os_type == "Windows" {
        format!("C:\\Program Files\\{app_name}\\{app_name}.exe")
    } else {
        format!("/opt/{app_name}/bin/{app_name}")
    }
}

/// The app warehouse's bucket of a project (`ShowAppWarehouseBucket`). openwks keeps packages'
/// metadata only; the bucket is a name (`docs/compatibility.md`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct WarehouseBucket {
    pub id: String,
    pub project_id: String,
    pub bucket_name: String,
    pub is_user_create_bucket: bool,
    pub update_time: String,
}

/// OBS bucket names: 3–63 of lower-case letters, digits, `.` and `-`, starting and ending with
/// a letter or digit, no `..`, `.-`, `-.` or `--` (the vendor's pattern).
pub fn check_bucket_name(name: &str) -> Result<()> {
    let bad = || {
        Error::invalid(
            Reason::InvalidParameter,
            format!("bucket_name {name:?} is not a valid bucket name: 3 to 63 lower-case letters, digits, '.' and '-', starting and ending with a letter or digit"),
        )
    };
    let n = name.len();
    if !(3..=63).contains(&n)
        || !name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-')
    {
        return Err(bad());
    }
    let edge_ok = |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if !edge_ok(name.chars().next()) || !edge_ok(name.chars().last()) {
        return Err(bad());
    }
    if ["..", ".-", "-.", "--"].iter().any(|p| name.contains(p)) {
        return Err(bad());
    }
    Ok(())
}

/// A private image made from an image server (visible in IMS, usable by server groups with
/// `image_type: private` once active).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PrivateImage {
    /// The image as server groups see it (`image_type` `private`).
    pub image: Image,
    /// Owning project.
    pub project_id: String,
    /// `saving` while its job runs, then `active`.
    pub status: String,
    pub description: String,
    pub enterprise_project_id: String,
    /// The image server it was made from.
    pub image_server_id: String,
    pub created_at: String,
    pub updated_at: String,
}

/// Image names (`recreate_server_image`): 1–128 characters of letters, digits, Chinese
/// characters, spaces, `.`, `-` and `_`, not starting with a space and not ending with one
/// (the vendor's `^(?! +)[\ \.\-\w\u4e00-\u9fa5]{0,127}[\.\-\w\u4e00-\u9fa5]$`).
pub fn check_image_name(name: &str) -> Result<()> {
    let ok = |c: char| {
        c.is_ascii_alphanumeric()
            || c == '_'
            || c == '.'
            || c == '-'
            || ('\u{4e00}'..='\u{9fa5}').contains(&c)
    };
    let n = name.chars().count();
    let valid = (1..=128).contains(&n)
        && !name.starts_with(' ')
        && name.chars().last().is_some_and(ok)
        && name.chars().all(|c| ok(c) || c == ' ');
    if !valid {
        return Err(Error::invalid(
            Reason::InvalidName,
            format!("name {name:?} must be 1 to 128 letters, digits, Chinese characters, spaces, '.', '-' and '_', neither starting nor ending with a space"),
        ));
    }
    Ok(())
}

/// Image-server names: 1–64 of letters, digits, Chinese characters, `_` and `-` (the vendor's
/// pattern also refuses all-space names, which these characters cannot make).
pub fn check_server_name(name: &str) -> Result<()> {
    crate::validate::check_name("name", name)
}

/// The base image of an image server (`ImageRef`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct ImageRef {
    pub id: String,
    pub image_type: String,
    pub spce_code: String,
    pub product_id: String,
}

/// An account that administers an image server (`ImageAccountInfo`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Account {
    pub account: String,
    /// `USER` or `USER_GROUP`.
    pub account_type: String,
    pub domain: String,
}

/// A warehouse app attached to an image server (`AttachServerAppInfo`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AttachedApp {
    /// The warehouse record id.
    pub id: String,
    pub app_id: String,
    /// What it installs as (kept so the image made later does not depend on the warehouse).
    pub installed: ImageApp,
}

/// An image server (`ImageServer`): a server group, an app group and one app server built
/// from the base image, administered by the authorized accounts.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ImageServer {
    pub id: String,
    pub project_id: String,
    pub name: String,
    pub description: String,
    pub image_ref: ImageRef,
    pub server_group_id: String,
    pub app_group_id: String,
    /// The app server (also the ECS instance: `instance_id`).
    pub server_id: String,
    /// The last image made from it ("" before).
    pub image_id: String,
    /// `CREATING`, `ACTIVE`, `BUILDING`, `BUILT`, `ERROR` or `DELETING`.
    pub status: String,
    pub authorize_accounts: Vec<Account>,
    /// Apps attached by the latest `attach_image_server_app` (the ones installed).
    pub attached_apps: Vec<AttachedApp>,
    pub os_type: String,
    pub enterprise_project_id: String,
    pub create_time: String,
    pub update_time: String,
}

impl ImageServer {
    /// The image a server built from it carries: the base image's OS, minimum disk and
    /// applications, plus the installed ones.
    pub fn image_from(&self, base: &Image, id: &str, name: &str) -> Image {
        let mut apps = base.apps.clone();
        for a in &self.attached_apps {
            if !apps.iter().any(|b| b.name == a.installed.name) {
                apps.push(a.installed.clone());
            }
        }
        Image {
            id: id.to_string(),
            name: name.to_string(),
            os_type: base.os_type.clone(),
            os_version: base.os_version.clone(),
            platform: base.platform.clone(),
            image_type: "private".into(),
            product_code: String::new(),
            min_disk: base.min_disk,
            min_ram: base.min_ram,
            apps,
        }
    }
}

/// `ImageJobType` of a job and of its sub-jobs.
pub const JOB_TYPES: &[&str] = &["CREATE_SERVER", "CREATE_SERVER_IMAGE", "DELETE_SERVER"];

/// `ImageJobDetailStatus` (a sub-job's status; a job's is one of the first four).
pub const SUB_JOB_STATUSES: &[&str] = &[
    "WAITING", "RUNNING", "SUCCESS", "FAILED", "ABNORMAL", "ROLLBACK", "ABORTING",
];

/// An image job (`ImageJobInfo` with its sub-jobs): it follows a compute job of the image
/// server's app server (`server_job_id`), settled in the write that finishes that job.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ImageJob {
    pub id: String,
    pub project_id: String,
    /// One of [`JOB_TYPES`].
    pub job_type: String,
    /// `RUNNING`, `SUCCESS` or `FAILED`.
    pub status: String,
    pub begin_time: String,
    pub end_time: String,
    /// The compute job it follows ("" for a job that failed before any).
    pub server_job_id: String,
    /// A `DELETE_SERVER` job that also deletes the image servers' groups.
    #[serde(default)]
    pub recursive: bool,
    pub sub_jobs: Vec<ImageSubJob>,
}

/// One resource of an image job (`ImageJobDetailInfo`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ImageSubJob {
    pub id: String,
    pub job_type: String,
    /// The image server (create, delete) or the image (create image).
    pub resource_id: String,
    pub resource_name: String,
    pub status: String,
    pub begin_time: String,
    pub end_time: String,
    pub error_code: String,
    pub error_message: String,
}

impl ImageJob {
    /// A job of one resource, running (or failed at once with `error`).
    pub fn one(
        id: &str,
        project_id: &str,
        job_type: &str,
        resource: (&str, &str),
        now: &str,
        server_job_id: &str,
    ) -> Self {
        Self {
            id: id.to_string(),
            project_id: project_id.to_string(),
            job_type: job_type.to_string(),
            status: "RUNNING".into(),
            begin_time: now.to_string(),
            end_time: String::new(),
            server_job_id: server_job_id.to_string(),
            recursive: false,
            sub_jobs: vec![ImageSubJob::new(id, 1, job_type, resource, now)],
        }
    }

    /// End the job and every running sub-job: `Ok` succeeds, `Err((code, message))` fails.
    pub fn settle(&mut self, outcome: std::result::Result<(), (&str, &str)>, now: &str) {
        self.end_time = now.to_string();
        self.status = if outcome.is_ok() { "SUCCESS" } else { "FAILED" }.into();
        for s in self.sub_jobs.iter_mut().filter(|s| s.status == "RUNNING") {
            s.end_time = now.to_string();
            match outcome {
                Ok(()) => s.status = "SUCCESS".into(),
                Err((code, message)) => {
                    s.status = "FAILED".into();
                    s.error_code = code.to_string();
                    s.error_message = message.to_string();
                }
            }
        }
    }
}

impl ImageSubJob {
    /// The `n`th (from 1) sub-job of job `job_id`, running.
    pub fn new(job_id: &str, n: usize, job_type: &str, resource: (&str, &str), now: &str) -> Self {
        Self {
            id: format!("{job_id}-{n}"),
            job_type: job_type.to_string(),
            resource_id: resource.0.to_string(),
            resource_name: resource.1.to_string(),
            status: "RUNNING".into(),
            begin_time: now.to_string(),
            end_time: String::new(),
            error_code: String::new(),
            error_message: String::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app(path: &str) -> WarehouseApp {
        WarehouseApp {
            id: "r".into(),
            app_id: "a".into(),
            project_id: "p".into(),
            app_name: "notepad".into(),
            app_category: "OTHER".into(),
            os_type: "Windows".into(),
            version_id: "1".into(),
            version_name: "1".into(),
            appfile_store_path: path.into(),
            app_file_size: 0,
            app_description: String::new(),
            appicon_store_path: String::new(),
            app_icon: String::new(),
            app_extended_info: None,
            create_time: String::new(),
            modify_time: String::new(),
            verify_time: String::new(),
            verify_status: "VERIFYING".into(),
            verify_comment: String::new(),
        }
    }

    #[test]
    fn packages_pass_verification_only_as_installers() {
        for (path, ok) in [
            ("/x/notepad++.exe", true),
            ("/x/SETUP.MSI", true),
            ("/x/a.zip", true),
            ("/x/a.rar", true),
            ("/x/a.sh", false),
            ("/x/exe", false),
        ] {
            let mut a = app(path);
            a.verify("t");
            assert_eq!(a.verify_status == "VERIFY_PASS", ok, "{path}");
            assert_eq!(a.verify_comment.is_empty(), ok, "{path}");
        }
    }

    #[test]
    fn bucket_names_follow_obs_rules() {
        for ok in ["my-bucket", "wks-app-0123", "a.b.c", "abc"] {
            assert!(check_bucket_name(ok).is_ok(), "{ok}");
        }
        for bad in [
            "ab",
            "My-bucket",
            "-abc",
            "abc-",
            "a..b",
            "a.-b",
            "a-.b",
            "a--b",
            "a_b",
        ] {
            assert!(check_bucket_name(bad).is_err(), "{bad}");
        }
        assert!(check_bucket_name(&"a".repeat(64)).is_err());
    }

    #[test]
    fn image_names_follow_the_vendor_pattern() {
        for ok in ["Windows Server 2016 OpenOffice", "a", "x.y-z_1", "镜像"] {
            assert!(check_image_name(ok).is_ok(), "{ok}");
        }
        for bad in ["", " a", "a ", "a/b", "a<b", &"a".repeat(129)] {
            assert!(check_image_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn an_image_carries_base_and_installed_apps_once() {
        let base = Image {
            id: "b".into(),
            name: "base".into(),
            os_type: "Windows".into(),
            os_version: "2019".into(),
            platform: "Windows".into(),
            image_type: "public".into(),
            product_code: String::new(),
            min_disk: 60,
            min_ram: 0,
            apps: vec![ImageApp {
                name: "Notepad".into(),
                execute_path: "C:\\n.exe".into(),
                version: String::new(),
            }],
        };
        let installed = |n: &str| AttachedApp {
            id: n.into(),
            app_id: n.into(),
            installed: ImageApp {
                name: n.into(),
                execute_path: install_path("Windows", n),
                version: "1".into(),
            },
        };
        let s = ImageServer {
            id: "s".into(),
            project_id: "p".into(),
            name: "s".into(),
            description: String::new(),
            image_ref: ImageRef::default(),
            server_group_id: String::new(),
            app_group_id: String::new(),
            server_id: String::new(),
            image_id: String::new(),
            status: "ACTIVE".into(),
            authorize_accounts: Vec::new(),
            attached_apps: vec![installed("Notepad"), installed("Office")],
            os_type: "Windows".into(),
            enterprise_project_id: "0".into(),
            create_time: String::new(),
            update_time: String::new(),
        };
        let img = s.image_from(&base, "i", "mine");
        assert_eq!(img.image_type, "private");
        assert_eq!(img.min_disk, 60);
        let names: Vec<&str> = img.apps.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["Notepad", "Office"]);
        assert_eq!(
            img.apps[1].execute_path,
            "C:\\Program Files\\Office\\Office.exe"
        );
    }

    #[test]
    fn settling_a_job_settles_its_running_sub_jobs() {
        let mut j = ImageJob::one("j", "p", "CREATE_SERVER", ("s", "n"), "t0", "c");
        j.settle(Err(("WKS.X", "no host")), "t1");
        assert_eq!(j.status, "FAILED");
        assert_eq!(j.sub_jobs[0].status, "FAILED");
        assert_eq!(j.sub_jobs[0].error_message, "no host");
        assert_eq!(j.sub_jobs[0].end_time, "t1");
    }
}
