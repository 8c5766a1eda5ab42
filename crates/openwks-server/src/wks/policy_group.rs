//! Policy groups and templates (issue #18): the vendor's thirteen operations under
//! `/v1/{project_id}/policy-groups` and `/policy-templates`. A group sets policy fields (the
//! vendor's model, checked by `openwks_core::policy`) for its targets — users, user groups, app
//! groups, OUs or all — with a priority; a session's effective policy (`docs/policies.md`) is
//! computed from the groups that apply to it.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use bytes::Bytes;
use openwks_api::wks::policy::{
    IdResponse, ListPolicyGroupsResponse, PoliciesResponse, PolicyGroupFields, PolicyGroupReq,
    PolicyGroupView, ShowPolicyGroupResponse, TargetInfo, TargetsResponse,
};
use openwks_core::error::Reason;
use openwks_core::policy::{
    self, check_group_name, check_template_name, PolicyGroup, PolicyTemplate, Target, TargetType,
    ALL_TARGETS_ID,
};
use openwks_core::validate::check_text;
use openwks_core::Error;
use serde_json::{json, Value};

use super::empty_ok;
use crate::error::ApiResult;
use crate::request::{json_body, Query, P};
use crate::AppState;

/// The most targets a group has.
const MAX_TARGETS: usize = 500;

/// A `{policy_group: {...}}` body with what every write checks the same way: the name
/// (required, by `name_rule`), the description and the policy document when given, the
/// priority's range.
struct Checked {
    name: String,
    description: Option<String>,
    priority: Option<u32>,
    targets: Option<Vec<TargetInfo>>,
    policies: Option<Value>,
}

fn checked_fields(
    body: &Bytes,
    name_rule: fn(&str) -> openwks_core::Result<()>,
) -> openwks_core::Result<Checked> {
    let r: PolicyGroupReq = json_body(body)?;
    let f: PolicyGroupFields = r
        .policy_group
        .ok_or_else(|| Error::missing("policy_group"))?;
    let name = f
        .policy_group_name
        .ok_or_else(|| Error::missing("policy_group_name"))?;
    name_rule(&name)?;
    if let Some(d) = &f.description {
        check_text("description", d, 0, 255, Reason::InvalidParameter)?;
    }
    if let Some(p) = &f.policies {
        policy::validate(p)?;
    }
    Ok(Checked {
        name,
        description: f.description,
        priority: f.priority.map(check_priority).transpose()?,
        targets: f.targets,
        policies: f.policies,
    })
}

fn check_priority(p: i64) -> openwks_core::Result<u32> {
    u32::try_from(p)
        .ok()
        .filter(|p| (1..=99_999).contains(p))
        .ok_or_else(|| Error::invalid(Reason::OutOfRange, "priority must be 1 to 99999"))
}

/// A group's targets: at most 500, each with an id and a name of 1–128 characters; user
/// groups and app groups must exist; `ALL` is `default-apply-all-targets`.
async fn targets(
    st: &AppState,
    project_id: &str,
    given: Vec<TargetInfo>,
) -> openwks_core::Result<Vec<Target>> {
    if given.len() > MAX_TARGETS {
        return Err(Error::invalid(
            Reason::OutOfRange,
            format!("targets holds at most {MAX_TARGETS} targets"),
        ));
    }
    let mut out: Vec<Target> = Vec::with_capacity(given.len());
    for t in given {
        let kind = TargetType::parse(
            t.target_type
                .as_deref()
                .ok_or_else(|| Error::missing("targets[].target_type"))?,
        )?;
        let id = t
            .target_id
            .ok_or_else(|| Error::missing("targets[].target_id"))?;
        let mut name = t
            .target_name
            .ok_or_else(|| Error::missing("targets[].target_name"))?;
        check_text("target_id", &id, 1, 128, Reason::InvalidParameter)?;
        check_text("target_name", &name, 1, 128, Reason::InvalidParameter)?;
        match kind {
            TargetType::All if id != ALL_TARGETS_ID => {
                return Err(Error::invalid(
                    Reason::InvalidParameter,
                    format!("an ALL target's target_id is {ALL_TARGETS_ID}"),
                ))
            }
            // The names of groups are theirs, as they are now (sessions are matched on them).
            TargetType::AppGroup => {
                name = st
                    .store
                    .app_group(project_id.to_string(), id.clone())
                    .await?
                    .ok_or_else(|| Error::not_found("app group", &id))?
                    .group
                    .name;
            }
            TargetType::UserGroup => {
                name = st
                    .store
                    .user_group(project_id.to_string(), id.clone())
                    .await?
                    .ok_or_else(|| Error::not_found("user group", &id))?
                    .name;
            }
            _ => {}
        }
        if !out
            .iter()
            .any(|o| o.target_type == kind && o.target_id == id)
        {
            out.push(Target {
                target_type: kind,
                target_id: id,
                target_name: name,
            });
        }
    }
    Ok(out)
}

fn targets_view(ts: &[Target]) -> Vec<TargetInfo> {
    ts.iter()
        .map(|t| TargetInfo {
            target_id: Some(t.target_id.clone()),
            target_name: Some(t.target_name.clone()),
            target_type: Some(t.target_type.as_str().into()),
        })
        .collect()
}

fn group_view(g: PolicyGroup) -> PolicyGroupView {
    PolicyGroupView {
        targets: Some(targets_view(&g.targets)),
        id: g.id,
        name: g.name,
        priority: Some(g.priority),
        description: g.description,
        policies: Some(g.policies),
        create_time: g.create_time,
        update_time: g.update_time,
    }
}

/// `create_policy_group`: `POST /v1/{project_id}/policy-groups` `{policy_group}` → `{id}`. The
/// priority is the last one plus one unless given.
pub async fn create_policy_group(
    State(st): State<AppState>,
    P(project_id): P<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let f = checked_fields(&body, check_group_name)?;
    let priority = match f.priority {
        Some(p) => p,
        None => {
            let (_, _, all) = st
                .store
                .list_policy_groups(project_id.clone(), None, 0, i64::MAX)
                .await?;
            all.iter()
                .map(|g| g.priority)
                .max()
                .map_or(1, |m| (m + 1).min(99_999))
        }
    };
    let targets = targets(&st, &project_id, f.targets.unwrap_or_default()).await?;
    let now = st.timestamp().wire();
    let g = st
        .store
        .create_policy_group(PolicyGroup {
            id: st.new_simple_id(),
            project_id,
            name: f.name,
            description: f.description.unwrap_or_default(),
            priority,
            targets,
            policies: f.policies.unwrap_or_else(|| json!({})),
            create_time: now.clone(),
            update_time: now,
        })
        .await?;
    Ok(Json(IdResponse { id: g.id }).into_response())
}

async fn list(
    st: &AppState,
    project_id: String,
    q: &Query,
    max_name: usize,
) -> openwks_core::Result<(i64, i64, Vec<PolicyGroupView>)> {
    let (offset, limit) = q.page()?;
    let name = q.string("policy_group_name");
    if name.as_ref().is_some_and(|n| n.chars().count() > max_name) {
        return Err(Error::invalid(
            Reason::InvalidQuery,
            format!("policy_group_name is at most {max_name} characters"),
        ));
    }
    // `policy_group_type` (0–4) is the vendor's own classification of groups; openwks has
    // one kind, and the range is all it checks.
    if let Some(t) = q.i64("policy_group_type")? {
        if !(0..=4).contains(&t) {
            return Err(Error::invalid(
                Reason::InvalidQuery,
                "policy_group_type must be 0 to 4",
            ));
        }
    }
    let (count, total, groups) = st
        .store
        .list_policy_groups(project_id, name, offset, limit)
        .await?;
    Ok((count, total, groups.into_iter().map(group_view).collect()))
}

/// `list_policy_group`: `GET /v1/{project_id}/policy-groups?offset&limit&policy_group_name&
/// policy_group_type`, by priority: `{count, total_count, items}`.
pub async fn list_policy_group(
    State(st): State<AppState>,
    P(project_id): P<String>,
    q: Query,
) -> ApiResult<Response> {
    let (count, total, items) = list(&st, project_id, &q, 1024).await?;
    Ok(Json(ListPolicyGroupsResponse {
        count,
        total_count: Some(total),
        items,
    })
    .into_response())
}

/// `list_policy_group_detail_info`: `GET /v1/{project_id}/policy-groups/show/detail`:
/// `{count, items}` with policies and targets.
pub async fn list_policy_group_detail_info(
    State(st): State<AppState>,
    P(project_id): P<String>,
    q: Query,
) -> ApiResult<Response> {
    let (count, _, items) = list(&st, project_id, &q, 128).await?;
    Ok(Json(ListPolicyGroupsResponse {
        count,
        total_count: None,
        items,
    })
    .into_response())
}

async fn group(st: &AppState, project_id: String, id: &str) -> openwks_core::Result<PolicyGroup> {
    st.store
        .policy_group(project_id, id.to_string())
        .await?
        .ok_or_else(|| Error::not_found("policy group", id))
}

/// `show_policy_group`: `GET /v1/{project_id}/policy-groups/{policy_group_id}`.
pub async fn show_policy_group(
    State(st): State<AppState>,
    P((project_id, id)): P<(String, String)>,
) -> ApiResult<Response> {
    let g = group(&st, project_id, &id).await?;
    Ok(Json(ShowPolicyGroupResponse {
        policy_group: group_view(g),
    })
    .into_response())
}

/// `update_policy_group`: `PATCH /v1/{project_id}/policy-groups/{policy_group_id}`
/// `{policy_group: {policy_group_name, …}}`: the fields given replace the group's (`targets`
/// and `policies` as a whole) → `{id}`.
pub async fn update_policy_group(
    State(st): State<AppState>,
    P((project_id, id)): P<(String, String)>,
    body: Bytes,
) -> ApiResult<Response> {
    let f = checked_fields(&body, check_group_name)?;
    let tgt = match f.targets {
        Some(t) => Some(targets(&st, &project_id, t).await?),
        None => None,
    };
    let (name, prio, desc, pol) = (f.name, f.priority, f.description, f.policies);
    let now = st.timestamp().wire();
    let g = st
        .store
        .update_policy_group(
            project_id,
            id,
            Box::new(move |g| {
                g.name = name;
                if let Some(p) = prio {
                    g.priority = p;
                }
                if let Some(d) = desc {
                    g.description = d;
                }
                if let Some(t) = tgt {
                    g.targets = t;
                }
                if let Some(p) = pol {
                    g.policies = p;
                }
                g.update_time = now;
                Ok(())
            }),
        )
        .await?;
    Ok(Json(IdResponse { id: g.id }).into_response())
}

/// `delete_policy_group`: `DELETE /v1/{project_id}/policy-groups/{policy_group_id}` (404 when
/// it is not there).
pub async fn delete_policy_group(
    State(st): State<AppState>,
    P((project_id, id)): P<(String, String)>,
) -> ApiResult<Response> {
    match st.store.delete_policy_group(project_id, id.clone()).await? {
        openwks_store::Deleted::Yes => Ok(empty_ok()),
        openwks_store::Deleted::NotFound => Err(Error::not_found("policy group", &id).into()),
    }
}

/// The policy's top-level sections (what `policy_type` names).
fn section(p: &Value, kind: Option<&str>) -> openwks_core::Result<Value> {
    let Some(kind) = kind else {
        return Ok(p.clone());
    };
    if !policy::sections().contains(&kind) {
        return Err(Error::invalid(
            Reason::InvalidQuery,
            format!(
                "policy_type must be one of {}",
                policy::sections().join(", ")
            ),
        ));
    }
    Ok(match p.get(kind) {
        Some(v) => json!({ kind: v }),
        None => json!({}),
    })
}

/// `list_policy_of_policy_group`: `GET …/{policy_group_id}/policy?policy_type` (a section of
/// the policy, such as `session` or `audio`): `{policies}`.
pub async fn list_policy_of_policy_group(
    State(st): State<AppState>,
    P((project_id, id)): P<(String, String)>,
    q: Query,
) -> ApiResult<Response> {
    let g = group(&st, project_id, &id).await?;
    Ok(Json(PoliciesResponse {
        policies: section(&g.policies, q.str("policy_type"))?,
    })
    .into_response())
}

/// `list_targets_of_policy_group`: `GET …/{policy_group_id}/target?target_type`: `{targets}`.
pub async fn list_targets_of_policy_group(
    State(st): State<AppState>,
    P((project_id, id)): P<(String, String)>,
    q: Query,
) -> ApiResult<Response> {
    let kind = q
        .str("target_type")
        .map(TargetType::parse)
        .transpose()
        .map_err(|e| Error::invalid(Reason::InvalidQuery, e.message))?;
    let g = group(&st, project_id, &id).await?;
    let ts: Vec<Target> = g
        .targets
        .into_iter()
        .filter(|t| kind.is_none_or(|k| t.target_type == k))
        .collect();
    Ok(Json(TargetsResponse {
        targets: targets_view(&ts),
    })
    .into_response())
}

/// `show_original_policy_info`: `GET /v1/{project_id}/policy-groups/actions/list-original-policy`:
/// the initial policy, every field with the vendor's default.
pub async fn show_original_policy_info(P(_project_id): P<String>) -> ApiResult<Response> {
    Ok(Json(PoliciesResponse {
        policies: policy::defaults(),
    })
    .into_response())
}

/// `create_policy_template`: `POST /v1/{project_id}/policy-templates` `{policy_group:
/// {policy_group_name, description?, policies}}` → `{id}`.
pub async fn create_policy_template(
    State(st): State<AppState>,
    P(project_id): P<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let f = checked_fields(&body, check_template_name)?;
    let policies = f.policies.ok_or_else(|| Error::missing("policies"))?;
    let now = st.timestamp().wire();
    let t = st
        .store
        .create_policy_template(PolicyTemplate {
            id: st.new_simple_id(),
            project_id,
            name: f.name,
            description: f.description.unwrap_or_default(),
            policies,
            create_time: now.clone(),
            update_time: now,
        })
        .await?;
    Ok(Json(IdResponse { id: t.id }).into_response())
}

/// `list_policy_template`: `GET /v1/{project_id}/policy-templates?offset&limit&
/// policy_group_name`: `{count, items}` (the vendor's items carry no policies).
pub async fn list_policy_template(
    State(st): State<AppState>,
    P(project_id): P<String>,
    q: Query,
) -> ApiResult<Response> {
    let (offset, limit) = q.page()?;
    let name = q.string("policy_group_name");
    if name.as_ref().is_some_and(|n| n.chars().count() > 1024) {
        return Err(Error::invalid(
            Reason::InvalidQuery,
            "policy_group_name is at most 1024 characters",
        )
        .into());
    }
    let (count, ts) = st
        .store
        .list_policy_templates(project_id, name, offset, limit)
        .await?;
    Ok(Json(ListPolicyGroupsResponse {
        count,
        total_count: None,
        items: ts
            .into_iter()
            .map(|t| PolicyGroupView {
                id: t.id,
                name: t.name,
                priority: None,
                description: t.description,
                targets: None,
                policies: None,
                create_time: t.create_time,
                update_time: t.update_time,
            })
            .collect(),
    })
    .into_response())
}

/// `update_policy_template`: `PATCH /v1/{project_id}/policy-templates/{policy_template_id}`
/// `{policy_group: {policy_group_name, description?, policies}}` → `{id}`.
pub async fn update_policy_template(
    State(st): State<AppState>,
    P((project_id, id)): P<(String, String)>,
    body: Bytes,
) -> ApiResult<Response> {
    let f = checked_fields(&body, check_template_name)?;
    let pol = f.policies.ok_or_else(|| Error::missing("policies"))?;
    let (name, desc) = (f.name, f.description);
    let now = st.timestamp().wire();
    let t = st
        .store
        .update_policy_template(
            project_id,
            id,
            Box::new(move |t| {
                t.name = name;
                if let Some(d) = desc {
                    t.description = d;
                }
                t.policies = pol;
                t.update_time = now;
                Ok(())
            }),
        )
        .await?;
    Ok(Json(IdResponse { id: t.id }).into_response())
}

/// `delete_policy_template`: `DELETE /v1/{project_id}/policy-templates/{policy_template_id}`.
pub async fn delete_policy_template(
    State(st): State<AppState>,
    P((project_id, id)): P<(String, String)>,
) -> ApiResult<Response> {
    match st
        .store
        .delete_policy_template(project_id, id.clone())
        .await?
    {
        openwks_store::Deleted::Yes => Ok(empty_ok()),
        openwks_store::Deleted::NotFound => Err(Error::not_found("policy template", &id).into()),
    }
}
