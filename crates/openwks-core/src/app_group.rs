//! App groups (seed `wksapp-create-app-group.txt`; sdk-surface.md §2.3): a set of published
//! applications, bound to a server group, authorized to users and user groups.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Reason, Result};
use crate::server_group::{ServerGroup, APP_TYPES};
use crate::validate::{check_enum, check_name};

/// `authorization_type` values; `APP` is documented as "not supported".
pub const AUTHORIZATION_TYPES: &[&str] = &["APP", "APP_GROUP"];

/// An app group.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AppGroup {
    /// Snowflake-style decimal id.
    pub id: String,
    /// Owning project (the wire's `tenant_id`).
    pub project_id: String,
    /// 1–64 letters, digits, `_`, `-`; unique in the project.
    pub name: String,
    /// The server group its apps run on, if bound.
    pub app_server_group_id: Option<String>,
    /// Description (≤ 255).
    pub description: String,
    /// Always `APP_GROUP` (`APP` is not supported).
    pub authorization_type: String,
    /// `SESSION_DESKTOP_APP` or `COMMON_APP`; equals the bound server group's.
    pub app_type: String,
    /// Creation time (the wire's `create_at`).
    pub create_at: String,
}

/// An app group with what is derived from other resources.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppGroupView {
    /// The group.
    pub group: AppGroup,
    /// The bound server group's name ("" when unbound).
    pub app_server_group_name: String,
    /// The bound server group's description.
    pub app_server_group_description: String,
    /// Published apps.
    pub app_count: i64,
}

/// Create fields as sent (mirrors `CreateAppGroupReq`).
#[derive(Debug, Clone, Default)]
pub struct CreateAppGroupSpec {
    pub name: Option<String>,
    pub app_server_group_id: Option<String>,
    pub description: Option<String>,
    pub authorization_type: Option<String>,
    pub app_type: Option<String>,
}

/// Update fields as sent (mirrors `UpdateAppGroupReq`). An empty `app_server_group_id` unbinds.
#[derive(Debug, Clone, Default)]
pub struct UpdateAppGroupSpec {
    pub name: Option<String>,
    pub app_server_group_id: Option<String>,
    pub description: Option<String>,
}

fn check_description(d: &str) -> Result<()> {
    crate::validate::check_text("description", d, 0, 255, Reason::OutOfRange)
}

fn check_authorization_type(t: Option<&str>) -> Result<String> {
    match t {
        None | Some("") => Ok("APP_GROUP".into()),
        Some(t) => {
            check_enum("authorization_type", t, AUTHORIZATION_TYPES)?;
            if t == "APP" {
                return Err(Error::invalid(
                    Reason::UnsupportedAuthorization,
                    "authorization_type APP (application-based authorization) is not supported; use APP_GROUP",
                ));
            }
            Ok(t.to_string())
        }
    }
}

impl CreateAppGroupSpec {
    /// The server group the request names, if any (`""` means none).
    pub fn server_group_id(&self) -> Option<&str> {
        self.app_server_group_id
            .as_deref()
            .filter(|s| !s.is_empty())
    }

    /// Validate into a new app group. `server_group` is the group named by
    /// `app_server_group_id`, looked up in the caller's project. The binding rules that depend
    /// on other app groups run in the store's transaction ([`check_binding`]).
    pub fn validate(
        self,
        server_group: Option<&ServerGroup>,
        id: String,
        project_id: String,
        now: String,
    ) -> Result<AppGroup> {
        let name = self.name.clone().ok_or_else(|| Error::missing("name"))?;
        check_name("name", &name)?;
        let description = self.description.clone().unwrap_or_default();
        check_description(&description)?;
        let authorization_type = check_authorization_type(self.authorization_type.as_deref())?;
        let app_type = match self.app_type.as_deref().filter(|a| !a.is_empty()) {
            Some(a) => check_enum("app_type", a, APP_TYPES)?.to_string(),
            None => server_group.map_or_else(|| "COMMON_APP".to_string(), |g| g.app_type.clone()),
        };
        let g = AppGroup {
            id,
            project_id,
            name,
            app_server_group_id: self.server_group_id().map(str::to_string),
            description,
            authorization_type,
            app_type,
            create_at: now,
        };
        check_server_group(&g, server_group)?;
        Ok(g)
    }
}

/// The bound server group exists in the project and has the app group's app type.
pub fn check_server_group(g: &AppGroup, server_group: Option<&ServerGroup>) -> Result<()> {
    let Some(sid) = g.app_server_group_id.as_deref() else {
        return Ok(());
    };
    let sg = server_group.ok_or_else(|| {
        Error::invalid(
            Reason::InvalidServerGroupRef,
            format!("app_server_group_id {sid} does not name a server group of this project"),
        )
    })?;
    if sg.app_type != g.app_type {
        return Err(Error::invalid(
            Reason::AppTypeMismatch,
            format!(
                "app_type {} does not match the server group's app_type {}",
                g.app_type, sg.app_type
            ),
        ));
    }
    Ok(())
}

/// The vendor's `WKS.00131105`: in shared desktop mode (`SESSION_DESKTOP_APP`) a server group
/// can be associated with only one app group. `others_bound` counts the other app groups
/// already bound to the server group.
pub fn check_binding(server_group: Option<&ServerGroup>, others_bound: i64) -> Result<()> {
    if let Some(sg) = server_group {
        if sg.app_type == "SESSION_DESKTOP_APP" && others_bound > 0 {
            return Err(Error::invalid(
                Reason::SharedDesktopOneAppGroup,
                format!("In shared desktop mode, server group {} can be associated with only one application group", sg.id),
            ));
        }
    }
    Ok(())
}

impl UpdateAppGroupSpec {
    /// Whether nothing was sent.
    pub fn is_empty(&self) -> bool {
        self.name.is_none() && self.app_server_group_id.is_none() && self.description.is_none()
    }

    /// The server group the update binds to: `Some(Some(id))` bind, `Some(None)` unbind,
    /// `None` unchanged.
    pub fn new_binding(&self) -> Option<Option<&str>> {
        self.app_server_group_id
            .as_deref()
            .map(|s| if s.is_empty() { None } else { Some(s) })
    }

    /// Apply to `g`; `server_group` is the group bound after the update (looked up by the
    /// caller). When the binding changes to a group of another app type, the app group takes
    /// the new group's app type only if it has no choice of its own to keep, i.e. always: an
    /// app group's type is its server group's.
    pub fn apply(&self, g: &mut AppGroup, server_group: Option<&ServerGroup>) -> Result<()> {
        if let Some(n) = &self.name {
            check_name("name", n)?;
            g.name = n.clone();
        }
        if let Some(d) = &self.description {
            check_description(d)?;
            g.description = d.clone();
        }
        if let Some(b) = self.new_binding() {
            g.app_server_group_id = b.map(str::to_string);
            if let Some(sg) = server_group {
                g.app_type = sg.app_type.clone();
            }
        }
        check_server_group(g, server_group)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sg(app_type: &str) -> ServerGroup {
        let cat = crate::catalogue::Catalogue::default_for("r").expect("cat");
        let mut spec = crate::fixtures::create_spec("sg");
        spec.app_type = Some(app_type.into());
        crate::fixtures::view(&cat, spec).expect("view").group
    }

    fn spec(name: &str) -> CreateAppGroupSpec {
        CreateAppGroupSpec {
            name: Some(name.into()),
            ..Default::default()
        }
    }

    #[test]
    fn defaults_and_server_group_app_type() {
        let g = spec("ag")
            .validate(None, "1".into(), "p".into(), "t".into())
            .expect("ok");
        assert_eq!(
            (g.authorization_type.as_str(), g.app_type.as_str()),
            ("APP_GROUP", "COMMON_APP")
        );
        let s = sg("SESSION_DESKTOP_APP");
        let mut sp = spec("ag");
        sp.app_server_group_id = Some(s.id.clone());
        let g = sp
            .validate(Some(&s), "1".into(), "p".into(), "t".into())
            .expect("ok");
        assert_eq!(
            g.app_type, "SESSION_DESKTOP_APP",
            "defaults to the server group's"
        );
    }

    #[test]
    fn rules() {
        let mut sp = spec("ag");
        sp.authorization_type = Some("APP".into());
        assert_eq!(
            sp.validate(None, "1".into(), "p".into(), "t".into())
                .expect_err("APP")
                .code,
            Reason::UnsupportedAuthorization
        );
        let mut sp = spec("ag");
        sp.authorization_type = Some("USER".into());
        assert_eq!(
            sp.validate(None, "1".into(), "p".into(), "t".into())
                .expect_err("enum")
                .code,
            Reason::InvalidEnum
        );
        let mut sp = spec("ag");
        sp.app_server_group_id = Some("missing".into());
        assert_eq!(
            sp.validate(None, "1".into(), "p".into(), "t".into())
                .expect_err("ref")
                .code,
            Reason::InvalidServerGroupRef
        );
        let s = sg("COMMON_APP");
        let mut sp = spec("ag");
        sp.app_server_group_id = Some(s.id.clone());
        sp.app_type = Some("SESSION_DESKTOP_APP".into());
        assert_eq!(
            sp.validate(Some(&s), "1".into(), "p".into(), "t".into())
                .expect_err("type")
                .code,
            Reason::AppTypeMismatch
        );
        assert!(spec("Open Test for the API")
            .validate(None, "1".into(), "p".into(), "t".into())
            .is_err());
        assert!(check_binding(Some(&sg("SESSION_DESKTOP_APP")), 1).is_err());
        assert!(check_binding(Some(&sg("SESSION_DESKTOP_APP")), 0).is_ok());
        assert!(check_binding(Some(&sg("COMMON_APP")), 5).is_ok());
    }
}
