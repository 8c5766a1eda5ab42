//! Hotspot session migration configuration (issue #18): `/v1/{project_id}/hotspot-session-config…`,
//! the vendor's five operations. One configuration per project: whether hot servers shed
//! sessions, how many a round (`hotspot_exit_session_num`, 0–100), and the users whose sessions
//! never move. The scaling controller acts on it (`service::hotspot`).

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use bytes::Bytes;
use openwks_api::wks::hotspot::{
    CreateHotspotSessionConfigReq, HotspotConfigView, ListHotspotSessionConfigResponse,
    ListNonMigrationUsersResponse, UpdateHotspotSessionConfigReq, UpdateNonMigrationUsersReq,
    UserInfo,
};
use openwks_core::error::Reason;
use openwks_core::hotspot::{HotspotConfig, UserRef, MAX_NON_MIGRATE_USERS};
use openwks_core::validate::{check_enum, check_text};
use openwks_core::Error;

use super::empty_ok;
use crate::error::ApiResult;
use crate::request::{json_body, Query, P};
use crate::AppState;

fn users_view(users: &[UserRef]) -> Vec<UserInfo> {
    users
        .iter()
        .map(|u| UserInfo {
            user_id: Some(u.user_id.clone()),
            user_name: Some(u.user_name.clone()),
        })
        .collect()
}

fn exit_num(n: i64) -> openwks_core::Result<u32> {
    u32::try_from(n).ok().filter(|n| *n <= 100).ok_or_else(|| {
        Error::invalid(
            Reason::OutOfRange,
            "hotspot_exit_session_num must be 0 to 100",
        )
    })
}

/// Users as given: each names an id or a name (1–128 characters each), none twice.
fn users(given: Vec<UserInfo>) -> openwks_core::Result<Vec<UserRef>> {
    let mut out: Vec<UserRef> = Vec::with_capacity(given.len());
    for u in given {
        let id = u.user_id.unwrap_or_default();
        let name = u.user_name.unwrap_or_default();
        if id.is_empty() && name.is_empty() {
            return Err(Error::missing("non_migrate_users[].user_name"));
        }
        for (field, v) in [("user_id", &id), ("user_name", &name)] {
            if !v.is_empty() {
                check_text(field, v, 1, 128, Reason::InvalidParameter)?;
            }
        }
        if !out.iter().any(|o| o.user_id == id && o.user_name == name) {
            out.push(UserRef {
                user_id: id,
                user_name: name,
            });
        }
    }
    if out.len() > MAX_NON_MIGRATE_USERS {
        return Err(Error::invalid(
            Reason::OutOfRange,
            format!("non_migrate_users holds at most {MAX_NON_MIGRATE_USERS} users"),
        ));
    }
    Ok(out)
}

/// `create_hotspot_session_config`: `POST /v1/{project_id}/hotspot-session-config` (409 when
/// the project has one).
pub async fn create_hotspot_session_config(
    State(st): State<AppState>,
    P(project_id): P<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let r: CreateHotspotSessionConfigReq = json_body(&body)?;
    let num = exit_num(
        r.hotspot_exit_session_num
            .ok_or_else(|| Error::missing("hotspot_exit_session_num"))?,
    )?;
    let enabled = r
        .hotspot_session_migration_enable
        .ok_or_else(|| Error::missing("hotspot_session_migration_enable"))?;
    let c = HotspotConfig {
        id: st.new_simple_id(),
        project_id,
        enabled,
        exit_session_num: num,
        non_migrate_users: users(r.non_migrate_users.unwrap_or_default())?,
    };
    let c = st.store.create_hotspot_config(c).await?;
    Ok(Json(HotspotConfigView {
        id: c.id,
        project_id: None,
        hotspot_session_migration_enable: c.enabled,
        hotspot_exit_session_num: c.exit_session_num,
        non_migrate_users: Some(users_view(&c.non_migrate_users)),
    })
    .into_response())
}

/// `list_hotspot_session_config`: `GET /v1/{project_id}/hotspot-session-config`.
pub async fn list_hotspot_session_config(
    State(st): State<AppState>,
    P(project_id): P<String>,
    q: Query,
) -> ApiResult<Response> {
    let (offset, limit) = q.page()?;
    let (_, all) = st.store.hotspot_configs(project_id, offset, limit).await?;
    Ok(Json(ListHotspotSessionConfigResponse {
        items: all
            .into_iter()
            .map(|c| HotspotConfigView {
                non_migrate_users: Some(users_view(&c.non_migrate_users)),
                id: c.id,
                project_id: Some(c.project_id),
                hotspot_session_migration_enable: c.enabled,
                hotspot_exit_session_num: c.exit_session_num,
            })
            .collect(),
    })
    .into_response())
}

/// `update_hotspot_session_config`: `PATCH /v1/{project_id}/hotspot-session-config/{config_id}`.
pub async fn update_hotspot_session_config(
    State(st): State<AppState>,
    P((project_id, id)): P<(String, String)>,
    body: Bytes,
) -> ApiResult<Response> {
    let r: UpdateHotspotSessionConfigReq = json_body(&body)?;
    if r.hotspot_exit_session_num.is_none() && r.hotspot_session_migration_enable.is_none() {
        return Err(Error::invalid(
            Reason::EmptyRequest,
            "give hotspot_session_migration_enable or hotspot_exit_session_num",
        )
        .into());
    }
    let num = r.hotspot_exit_session_num.map(exit_num).transpose()?;
    let enabled = r.hotspot_session_migration_enable;
    let c = st
        .store
        .update_hotspot_config(
            project_id,
            id,
            Box::new(move |c| {
                if let Some(n) = num {
                    c.exit_session_num = n;
                }
                if let Some(e) = enabled {
                    c.enabled = e;
                }
                Ok(())
            }),
        )
        .await?;
    Ok(Json(HotspotConfigView {
        id: c.id,
        project_id: None,
        hotspot_session_migration_enable: c.enabled,
        hotspot_exit_session_num: c.exit_session_num,
        non_migrate_users: None,
    })
    .into_response())
}

/// `list_non_migration_users`: `GET …/{config_id}/non-migration-users?user_name&offset&limit`
/// (`user_name`: part of the name).
pub async fn list_non_migration_users(
    State(st): State<AppState>,
    P((project_id, id)): P<(String, String)>,
    q: Query,
) -> ApiResult<Response> {
    let (offset, limit) = q.page()?;
    let name = q.string("user_name");
    if name.as_ref().is_some_and(|n| n.chars().count() > 128) {
        return Err(
            Error::invalid(Reason::InvalidQuery, "user_name is at most 128 characters").into(),
        );
    }
    let c = st
        .store
        .hotspot_config(project_id, id.clone())
        .await?
        .ok_or_else(|| Error::not_found("hotspot session configuration", &id))?;
    let matching: Vec<UserRef> = c
        .non_migrate_users
        .into_iter()
        .filter(|u| {
            name.as_ref()
                .is_none_or(|n| u.user_name.contains(n.as_str()))
        })
        .collect();
    let (total, page) = openwks_core::paging::page(matching, offset, limit);
    Ok(Json(ListNonMigrationUsersResponse {
        total_count: total,
        non_migrate_users: users_view(&page),
    })
    .into_response())
}

/// `update_non_migration_users`: `PATCH …/{config_id}/non-migration-users` `{update_type: ADD |
/// DELETE, non_migrate_users}`: adds (at most 1,000 in all) or removes (an absent user is fine).
pub async fn update_non_migration_users(
    State(st): State<AppState>,
    P((project_id, id)): P<(String, String)>,
    body: Bytes,
) -> ApiResult<Response> {
    let r: UpdateNonMigrationUsersReq = json_body(&body)?;
    let kind = check_enum(
        "update_type",
        r.update_type
            .as_deref()
            .ok_or_else(|| Error::missing("update_type"))?,
        &["ADD", "DELETE"],
    )?;
    let given = users(
        r.non_migrate_users
            .ok_or_else(|| Error::missing("non_migrate_users"))?,
    )?;
    if given.is_empty() {
        return Err(Error::invalid(
            Reason::OutOfRange,
            "non_migrate_users must name 1 to 1000 users",
        )
        .into());
    }
    let add = kind == "ADD";
    st.store
        .update_hotspot_config(
            project_id,
            id,
            Box::new(move |c| {
                if add {
                    for u in given {
                        if !c.non_migrate_users.contains(&u) {
                            c.non_migrate_users.push(u);
                        }
                    }
                    if c.non_migrate_users.len() > MAX_NON_MIGRATE_USERS {
                        return Err(Error::invalid(
                            Reason::OutOfRange,
                            format!(
                                "a configuration holds at most {MAX_NON_MIGRATE_USERS} non-migration users"
                            ),
                        ));
                    }
                } else {
                    // A user given by name or by id goes, however it was added.
                    c.non_migrate_users.retain(|u| {
                        !given.iter().any(|g| {
                            (!g.user_name.is_empty() && g.user_name == u.user_name)
                                || (!g.user_id.is_empty() && g.user_id == u.user_id)
                        })
                    });
                }
                Ok(())
            }),
        )
        .await?;
    Ok(empty_ok())
}
