//! Published apps of an app group (sdk-surface.md §2.3, "apps"): publish, update, enable and
//! disable, unpublish, pre-boot policy, icons; and the publishable apps of an image.

use std::collections::BTreeMap;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Reason, Result};
use crate::validate::{check_enum, check_range};

/// `AppStateEnum`.
pub const APP_STATES: &[&str] = &["NORMAL", "FORBIDDEN"];
/// Apps in one publish request (vendor definitions: 1–20).
pub const MAX_PUBLISH: usize = 20;
/// Largest icon, decoded.
pub const MAX_ICON_BYTES: usize = 512 * 1024;

/// A published app.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct App {
    /// Id.
    pub id: String,
    /// Project (`tenant_id`).
    pub project_id: String,
    /// The app group it is published in.
    pub app_group_id: String,
    /// Name, unique in the app group.
    pub name: String,
    /// Version.
    pub version: String,
    /// Command-line parameters.
    pub command_param: String,
    /// Executable path.
    pub execute_path: String,
    /// Working directory.
    pub work_path: String,
    /// Icon file path on the server image.
    pub icon_path: String,
    /// Icon index in that file.
    pub icon_index: i64,
    /// Description.
    pub description: String,
    /// `NORMAL` (can be opened) or `FORBIDDEN` (disabled).
    pub state: String,
    /// Publish time.
    pub publish_at: String,
    /// 1 image app, 2 app warehouse, 3 custom.
    pub source_type: i64,
    /// Publisher.
    pub publisher: String,
    /// The uploaded icon's id (served at `icon_url`), if any.
    pub icon_id: Option<String>,
    /// An external icon URL given at publish, if any.
    pub external_icon_url: String,
    /// Source images.
    pub source_image_ids: Vec<String>,
    /// Runs sandboxed.
    pub sandbox_enable: bool,
    /// Pre-boot.
    pub is_pre_boot: bool,
    /// Pre-launch policy.
    pub pre_launch_policy: i64,
    /// Extended key-value info.
    pub extended_info: BTreeMap<String, String>,
}

/// An icon: its content type and bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Icon {
    /// Id (random; the icon URL carries it).
    pub id: String,
    /// `image/png`, `image/jpeg`, `image/gif`, `image/bmp` or `image/x-icon`.
    pub content_type: String,
    /// The image.
    pub data: Vec<u8>,
}

/// Check an icon's bytes: not empty, at most [`MAX_ICON_BYTES`], a PNG, JPEG, GIF, BMP or ICO
/// by its magic number. Returns the content type.
pub fn sniff_icon(data: &[u8]) -> Result<&'static str> {
    if data.is_empty() {
        return Err(Error::invalid(Reason::InvalidIcon, "the icon is empty"));
    }
    if data.len() > MAX_ICON_BYTES {
        return Err(Error::invalid(
            Reason::InvalidIcon,
            format!(
                "the icon is {} bytes; at most {MAX_ICON_BYTES} are allowed",
                data.len()
            ),
        ));
    }
    let t = if data.starts_with(&[0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a]) {
        "image/png"
    } else if data.starts_with(&[0xff, 0xd8, 0xff]) {
        "image/jpeg"
    } else if data.starts_with(b"GIF87a") || data.starts_with(b"GIF89a") {
        "image/gif"
    } else if data.starts_with(b"BM") {
        "image/bmp"
    } else if data.starts_with(&[0, 0, 1, 0]) {
        "image/x-icon"
    } else {
        return Err(Error::invalid(
            Reason::InvalidIcon,
            "the icon is not a PNG, JPEG, GIF, BMP or ICO image",
        ));
    };
    Ok(t)
}

/// Decode base64 icon content (optionally a `data:image/...;base64,` URI) and check it.
pub fn decode_icon(content: &str, id: String) -> Result<Icon> {
    let b64 = content.trim();
    let b64 = match b64.strip_prefix("data:") {
        Some(rest) => rest
            .split_once(";base64,")
            .map(|(_, d)| d)
            .ok_or_else(|| Error::invalid(Reason::InvalidIcon, "a data URI icon must be base64"))?,
        None => b64,
    };
    let data = STANDARD.decode(b64.as_bytes()).map_err(|e| {
        Error::invalid(
            Reason::InvalidIcon,
            format!("icon_content is not valid base64: {e}"),
        )
    })?;
    let content_type = sniff_icon(&data)?.to_string();
    Ok(Icon {
        id,
        content_type,
        data,
    })
}

fn check_len(field: &str, v: &str, lo: usize, hi: usize) -> Result<()> {
    crate::validate::check_text(field, v, lo, hi, Reason::OutOfRange)
}

/// App names: 1–64 characters, no tabs or line breaks, not only spaces (vendor pattern
/// `^(?! +$)[\S ]{1,64}$`).
pub fn check_app_name(name: &str) -> Result<()> {
    let n = name.chars().count();
    if n == 0
        || n > 64
        || name.trim().is_empty()
        || name
            .chars()
            .any(|c| (c.is_whitespace() && c != ' ') || c.is_control())
    {
        return Err(Error::invalid(
            Reason::InvalidName,
            "app name must be 1 to 64 characters without tabs or line breaks, and not only spaces",
        ));
    }
    Ok(())
}

/// One app to publish, as sent (mirrors `PublishApp`).
#[derive(Debug, Clone, Default)]
pub struct PublishSpec {
    pub name: Option<String>,
    pub version: Option<String>,
    pub command_param: Option<String>,
    pub icon_uri: Option<String>,
    pub execute_path: Option<String>,
    pub work_path: Option<String>,
    pub icon_path: Option<String>,
    pub icon_index: Option<i64>,
    pub description: Option<String>,
    pub source_type: Option<i64>,
    pub publisher: Option<String>,
    pub source_image_ids: Option<Vec<String>>,
    pub sandbox_enable: Option<bool>,
    pub extended_info: Option<BTreeMap<String, String>>,
    pub is_pre_boot: Option<bool>,
    pub pre_launch_policy: Option<i64>,
}

impl PublishSpec {
    /// Validate into an app (and its icon, when `icon_uri` carries base64 data).
    pub fn validate(
        self,
        id: String,
        icon_id: String,
        project_id: &str,
        app_group_id: &str,
        now: &str,
    ) -> Result<(App, Option<Icon>)> {
        let name = self.name.ok_or_else(|| Error::missing("items[].name"))?;
        check_app_name(&name)?;
        let execute_path = self
            .execute_path
            .ok_or_else(|| Error::missing("items[].execute_path"))?;
        check_len("items[].execute_path", &execute_path, 1, 255)?;
        let source_type = check_range(
            "items[].source_type",
            self.source_type
                .ok_or_else(|| Error::missing("items[].source_type"))?,
            1,
            3,
        )?;
        let command_param = self.command_param.unwrap_or_default();
        check_len("items[].command_param", &command_param, 0, 2048)?;
        let fields = [
            ("items[].version", self.version.unwrap_or_default()),
            ("items[].work_path", self.work_path.unwrap_or_default()),
            ("items[].icon_path", self.icon_path.unwrap_or_default()),
            ("items[].description", self.description.unwrap_or_default()),
            ("items[].publisher", self.publisher.unwrap_or_default()),
        ];
        for (f, v) in &fields {
            check_len(f, v, 0, 255)?;
        }
        let [(_, version), (_, work_path), (_, icon_path), (_, description), (_, publisher)] =
            fields;
        let icon_index = check_range(
            "items[].icon_index",
            self.icon_index.unwrap_or(0),
            0,
            i64::from(i32::MAX),
        )?;
        let source_image_ids = self.source_image_ids.unwrap_or_default();
        if source_image_ids.len() > 20 {
            return Err(Error::invalid(
                Reason::OutOfRange,
                "items[].source_image_ids holds at most 20 ids",
            ));
        }
        let pre_launch_policy = check_range(
            "items[].pre_launch_policy",
            self.pre_launch_policy.unwrap_or(0),
            0,
            1,
        )?;
        let (icon, external_icon_url) = match self
            .icon_uri
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
        {
            None => (None, String::new()),
            Some(u) if u.starts_with("http://") || u.starts_with("https://") => {
                check_len("items[].icon_uri", u, 0, 10977)?;
                (None, u.to_string())
            }
            Some(u) => (Some(decode_icon(u, icon_id)?), String::new()),
        };
        let app = App {
            id,
            project_id: project_id.to_string(),
            app_group_id: app_group_id.to_string(),
            name,
            version,
            command_param,
            execute_path,
            work_path,
            icon_path,
            icon_index,
            description,
            state: "NORMAL".into(),
            publish_at: now.to_string(),
            source_type,
            publisher,
            icon_id: icon.as_ref().map(|i| i.id.clone()),
            external_icon_url,
            source_image_ids,
            sandbox_enable: self.sandbox_enable.unwrap_or(false),
            is_pre_boot: self.is_pre_boot.unwrap_or(false),
            pre_launch_policy,
            extended_info: self.extended_info.unwrap_or_default(),
        };
        Ok((app, icon))
    }
}

/// Update fields as sent (mirrors `UpdateAppReq`).
#[derive(Debug, Clone, Default)]
pub struct UpdateAppSpec {
    pub name: Option<String>,
    pub version: Option<String>,
    pub execute_path: Option<String>,
    pub work_path: Option<String>,
    pub description: Option<String>,
    pub command_param: Option<String>,
    pub state: Option<String>,
    pub sandbox_enable: Option<bool>,
    pub extended_info: Option<BTreeMap<String, String>>,
}

impl UpdateAppSpec {
    /// Whether nothing was sent.
    pub fn is_empty(&self) -> bool {
        self.name.is_none()
            && self.version.is_none()
            && self.execute_path.is_none()
            && self.work_path.is_none()
            && self.description.is_none()
            && self.command_param.is_none()
            && self.state.is_none()
            && self.sandbox_enable.is_none()
            && self.extended_info.is_none()
    }

    /// Apply to `a` (only fields sent change).
    pub fn apply(&self, a: &mut App) -> Result<()> {
        if let Some(n) = &self.name {
            check_app_name(n)?;
            a.name = n.clone();
        }
        if let Some(p) = &self.execute_path {
            check_len("execute_path", p, 1, 255)?;
            a.execute_path = p.clone();
        }
        if let Some(c) = &self.command_param {
            check_len("command_param", c, 0, 2048)?;
            a.command_param = c.clone();
        }
        for (field, v, target) in [
            ("version", &self.version, &mut a.version),
            ("work_path", &self.work_path, &mut a.work_path),
            ("description", &self.description, &mut a.description),
        ] {
            if let Some(v) = v {
                check_len(field, v, 0, 255)?;
                *target = v.clone();
            }
        }
        if let Some(s) = &self.state {
            a.state = check_enum("state", s, APP_STATES)?.to_string();
        }
        if let Some(s) = self.sandbox_enable {
            a.sandbox_enable = s;
        }
        if let Some(e) = &self.extended_info {
            a.extended_info = e.clone();
        }
        Ok(())
    }
}

/// Validate a list of app ids for a batch operation (1–100).
pub fn check_ids(ids: Option<Vec<String>>) -> Result<Vec<String>> {
    let mut ids = ids.ok_or_else(|| Error::missing("ids"))?;
    if ids.is_empty() || ids.len() > 100 {
        return Err(Error::invalid(
            Reason::OutOfRange,
            format!("ids must hold 1 to 100 ids, got {}", ids.len()),
        ));
    }
    ids.sort();
    ids.dedup();
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG_1X1: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

    fn spec() -> PublishSpec {
        PublishSpec {
            name: Some("Notepad Plus".into()),
            execute_path: Some("C:\\Windows\\notepad.exe".into()),
            source_type: Some(1),
            ..Default::default()
        }
    }

    #[test]
    fn publish_rules() {
        let (a, icon) = spec()
            .validate("1".into(), "i".into(), "p", "g", "t")
            .expect("ok");
        assert_eq!((a.state.as_str(), icon.is_none()), ("NORMAL", true));
        let mut s = spec();
        s.name = Some("   ".into());
        assert!(s.validate("1".into(), "i".into(), "p", "g", "t").is_err());
        let mut s = spec();
        s.name = Some("tab\there".into());
        assert!(s.validate("1".into(), "i".into(), "p", "g", "t").is_err());
        let mut s = spec();
        s.source_type = Some(4);
        assert_eq!(
            s.validate("1".into(), "i".into(), "p", "g", "t")
                .expect_err("4")
                .code,
            Reason::OutOfRange
        );
        let mut s = spec();
        s.execute_path = None;
        assert_eq!(
            s.validate("1".into(), "i".into(), "p", "g", "t")
                .expect_err("path")
                .code,
            Reason::MissingParameter
        );
        let mut s = spec();
        s.icon_uri = Some(format!("data:image/png;base64,{PNG_1X1}"));
        let (a, icon) = s
            .validate("1".into(), "icon-1".into(), "p", "g", "t")
            .expect("icon");
        assert_eq!(icon.map(|i| i.content_type), Some("image/png".to_string()));
        assert_eq!(a.icon_id.as_deref(), Some("icon-1"));
    }

    #[test]
    fn icons_are_sniffed_and_bounded() {
        assert!(decode_icon(PNG_1X1, "i".into()).is_ok());
        assert_eq!(
            decode_icon("bm90IGFuIGltYWdl", "i".into())
                .expect_err("text")
                .code,
            Reason::InvalidIcon
        );
        assert_eq!(
            decode_icon("***", "i".into()).expect_err("b64").code,
            Reason::InvalidIcon
        );
        let big = STANDARD.encode(
            [
                &[0x89u8, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a][..],
                &vec![0u8; MAX_ICON_BYTES],
            ]
            .concat(),
        );
        assert!(decode_icon(&big, "i".into()).is_err());
    }

    #[test]
    fn update_is_partial_and_checks_state() {
        let (mut a, _) = spec()
            .validate("1".into(), "i".into(), "p", "g", "t")
            .expect("ok");
        UpdateAppSpec {
            state: Some("FORBIDDEN".into()),
            ..Default::default()
        }
        .apply(&mut a)
        .expect("ok");
        assert_eq!(
            (a.state.as_str(), a.name.as_str()),
            ("FORBIDDEN", "Notepad Plus")
        );
        assert!(UpdateAppSpec {
            state: Some("OFF".into()),
            ..Default::default()
        }
        .apply(&mut a)
        .is_err());
    }
}
