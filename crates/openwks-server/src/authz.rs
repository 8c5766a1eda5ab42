//! Authorization of IAM users: every route carries its action and the place its resource(s)
//! are named ([`crate::routes::ROUTES`]; `docs/authorization.md` is the same table, a test
//! keeps them in step). A request of an IAM user other than the account's administrator
//! passes only when the user's identity policies allow the action on every resource it names
//! (taken from the decoded input the handler acts on, [`crate::input`]), and each of its
//! dependencies. Every write and every denied request is appended to the audit trail, bounded
//! in size.
//!
//! Condition keys: `g:RequestTag/<key>` and `g:TagKeys` from the tags sent in the body (create
//! and tag operations), `g:ResourceTag/<key>` and `g:EnterpriseProjectId` from the stored
//! server group (or, for a create, `enterprise_project_id` sent, default `0`), `g:UserName`
//! and `g:UserId` of the caller.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use openwks_core::error::Reason;
use openwks_core::iam::{evaluate, urn, Decision, PolicyDocument, RequestContext};
use openwks_core::iam_model::AuditEvent;
use openwks_core::identity::Caller;
use openwks_core::{Error, ErrorKind, Result};

use crate::error::ApiError;
use crate::input::Input;
use crate::middleware::Ctx;
use crate::route::{Dialect, Res, Route};
use crate::AppState;

/// A user's compiled policies and the generation they were read at.
type Compiled = (u64, Arc<Vec<PolicyDocument>>);

/// Compiled policies per user, valid for one generation of the IAM data: any change of a
/// policy, an attachment or a membership bumps the generation, so a decision is never made
/// from policies older than the last change.
#[derive(Default)]
pub struct PolicyCache {
    generation: AtomicU64,
    users: RwLock<HashMap<String, Compiled>>,
}

impl PolicyCache {
    /// Forget everything (an IAM change happened).
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        if let Ok(mut u) = self.users.write() {
            u.clear();
        }
    }

    async fn policies(&self, st: &AppState, caller: &Caller) -> Result<Arc<Vec<PolicyDocument>>> {
        let generation = self.generation.load(Ordering::SeqCst);
        if let Some((g, p)) = self
            .users
            .read()
            .ok()
            .and_then(|u| u.get(&caller.user_id).cloned())
        {
            if g == generation {
                return Ok(p);
            }
        }
        let docs = st
            .store
            .iam_effective_policies(caller.account_id.clone(), caller.user_id.clone())
            .await?;
        let parsed: Vec<PolicyDocument> = docs
            .iter()
            .filter_map(|p| PolicyDocument::parse(&p.document).ok())
            .collect();
        let parsed = Arc::new(parsed);
        if let Ok(mut u) = self.users.write() {
            // Only if nothing changed while we read.
            if self.generation.load(Ordering::SeqCst) == generation {
                u.insert(caller.user_id.clone(), (generation, Arc::clone(&parsed)));
            }
        }
        Ok(parsed)
    }
}

/// Condition values of one request.
pub type Values = HashMap<String, Vec<String>>;

fn caller_values(st: &AppState, caller: &Caller) -> Values {
    let mut v = Values::new();
    v.insert("g:userid".into(), vec![caller.user_id.clone()]);
    if let Some(u) = st.directory.user(&caller.user_id) {
        v.insert("g:username".into(), vec![u.name]);
    }
    v
}

/// The values a stored server group contributes.
pub fn server_group_values(v: &mut Values, group: &openwks_core::server_group::ServerGroup) {
    v.insert(
        "g:enterpriseprojectid".into(),
        vec![group.enterprise_project_id.clone()],
    );
    for t in &group.tags {
        v.insert(
            format!("g:resourcetag/{}", t.key.to_lowercase()),
            vec![t.value.clone()],
        );
    }
}

/// Whether `caller` may do `action` on `resource` with `values` (administrators always may).
pub async fn allowed(
    st: &AppState,
    caller: &Caller,
    action: &str,
    resource: &str,
    values: &Values,
) -> Result<Decision> {
    if caller.is_admin {
        return Ok(Decision::Allow);
    }
    let ps = st.policy_cache.policies(st, caller).await?;
    Ok(evaluate(
        ps.iter(),
        &RequestContext {
            action,
            resource,
            values,
        },
    ))
}

/// The items of a list an IAM user may `get` (all for the administrator), counted after
/// filtering (no count leak), then the page. `kind` is the resource type (`serverGroup`,
/// `appGroup`); `values` adds an item's condition values.
async fn visible<T>(
    st: &AppState,
    caller: &Caller,
    (project_id, kind): (&str, &str),
    all: Vec<T>,
    (offset, limit): (i64, i64),
    id_of: impl Fn(&T) -> &str,
    values: impl Fn(&T, &mut Values),
) -> Result<(i64, Vec<T>)> {
    let action = format!("workspace:{kind}:get");
    let mut seen = Vec::new();
    for item in all {
        let mut v = caller_values(st, caller);
        values(&item, &mut v);
        let resource = urn(
            "workspace",
            &st.settings.region,
            project_id,
            kind,
            id_of(&item),
        );
        if allowed(st, caller, &action, &resource, &v).await? == Decision::Allow {
            seen.push(item);
        }
    }
    Ok(openwks_core::paging::page(seen, offset, limit))
}

/// The server groups of a list an IAM user may `get`, and how many; then the page.
pub async fn visible_server_groups(
    st: &AppState,
    caller: &Caller,
    project_id: &str,
    all: Vec<openwks_core::server_group::ServerGroupView>,
    offset: i64,
    limit: i64,
) -> Result<(i64, Vec<openwks_core::server_group::ServerGroupView>)> {
    visible(
        st,
        caller,
        (project_id, "serverGroup"),
        all,
        (offset, limit),
        |v| &v.group.id,
        |v, values| server_group_values(values, &v.group),
    )
    .await
}

/// The app groups of a list an IAM user may `get`, and how many; then the page.
pub async fn visible_app_groups(
    st: &AppState,
    caller: &Caller,
    project_id: &str,
    all: Vec<openwks_core::app_group::AppGroupView>,
    offset: i64,
    limit: i64,
) -> Result<(i64, Vec<openwks_core::app_group::AppGroupView>)> {
    visible(
        st,
        caller,
        (project_id, "appGroup"),
        all,
        (offset, limit),
        |v| &v.group.id,
        |_, _| {},
    )
    .await
}

fn denied(action: &str, what: &str, d: Decision) -> Error {
    let why = if d == Decision::ExplicitDeny {
        "an identity policy denies it"
    } else {
        "no identity policy allows it"
    };
    Error::new(
        ErrorKind::Forbidden,
        Reason::ActionDenied,
        format!("the caller is not allowed {action}{what}: {why}"),
    )
}

/// Tags and enterprise project sent in a body (creates and tag operations).
fn request_values(v: &mut Values, json: &serde_json::Value, new_group: bool) {
    if let Some(tags) = json.get("tags").and_then(|t| t.as_array()) {
        let mut keys = Vec::new();
        for t in tags {
            if let Some(k) = t.get("key").and_then(|k| k.as_str()) {
                keys.push(k.to_string());
                let val = t
                    .get("value")
                    .and_then(|x| x.as_str())
                    .unwrap_or("")
                    .to_string();
                v.insert(format!("g:requesttag/{}", k.to_lowercase()), vec![val]);
            }
        }
        v.insert("g:tagkeys".into(), keys);
    }
    if new_group {
        let ep = json
            .get("enterprise_project_id")
            .and_then(|e| e.as_str())
            .filter(|e| !e.is_empty())
            .unwrap_or("0");
        v.insert("g:enterpriseprojectid".into(), vec![ep.to_string()]);
    }
}

/// The longest path and reason an audit row keeps (a denied request must not be a way to
/// write megabytes into the trail).
const AUDIT_TEXT_MAX: usize = 512;

fn bounded(s: &str) -> String {
    if s.len() <= AUDIT_TEXT_MAX {
        return s.to_string();
    }
    let mut end = AUDIT_TEXT_MAX;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

/// What a request acts on: each resource's URN with its condition values (one `*` where the
/// route names none).
async fn targets(
    st: &AppState,
    caller: &Caller,
    route: &Route,
    input: &Input,
    ids: &[String],
) -> Result<Vec<(String, Values)>> {
    let region = &st.settings.region;
    let project_id = input.project_id();
    let mut base = caller_values(st, caller);
    if let Some(body) = &input.body {
        request_values(&mut base, body, route.resource == Res::NewServerGroup);
    }
    let one = |urn: String| vec![(urn, base.clone())];
    Ok(match route.resource {
        Res::Unscoped | Res::IamUser(_) => one("*".into()),
        Res::NewServerGroup => one(urn("workspace", region, project_id, "serverGroup", "*")),
        Res::NewAppGroup => one(urn("workspace", region, project_id, "appGroup", "*")),
        Res::AppGroup(_) | Res::ServerGroup(_) if ids.is_empty() => one("*".into()),
        Res::AppGroup(_) => ids
            .iter()
            .map(|id| {
                (
                    urn("workspace", region, project_id, "appGroup", id),
                    base.clone(),
                )
            })
            .collect(),
        Res::ServerGroup(_) => {
            let mut out = Vec::with_capacity(ids.len());
            for id in ids {
                let mut v = base.clone();
                if let Some(g) = st
                    .store
                    .server_group(project_id.to_string(), id.to_string())
                    .await?
                {
                    server_group_values(&mut v, &g.group);
                }
                out.push((urn("workspace", region, project_id, "serverGroup", id), v));
            }
            out
        }
    })
}

/// The URNs a request acts on, for the audit row (no store reads: the administrator's writes
/// are audited too).
fn audited_resource(st: &AppState, route: &Route, input: &Input, ids: &[String]) -> String {
    let region = &st.settings.region;
    let kind = match route.resource {
        Res::ServerGroup(_) | Res::NewServerGroup => "serverGroup",
        Res::AppGroup(_) | Res::NewAppGroup => "appGroup",
        Res::IamUser(_) => {
            return ids
                .first()
                .map_or_else(|| "*".into(), |id| format!("iam::user:{id}"))
        }
        Res::Unscoped => return "*".into(),
    };
    if ids.is_empty() {
        return urn("workspace", region, input.project_id(), kind, "*");
    }
    bounded(
        &ids.iter()
            .map(|id| urn("workspace", region, input.project_id(), kind, id))
            .collect::<Vec<_>>()
            .join(","),
    )
}

/// Decide one request of a non-administrator: `Ok(resource)` or the resource refused and the
/// 403. Every resource the request names must be allowed; the first refused is named.
async fn decide(
    st: &AppState,
    caller: &Caller,
    route: &Route,
    input: &Input,
    ids: &[String],
) -> std::result::Result<String, (String, Error)> {
    if let Res::IamUser(_) = route.resource {
        for id in ids {
            if st.directory.user(id).is_some_and(|u| u.is_admin) {
                return Err((
                    format!("iam::user:{id}"),
                    Error::new(
                        ErrorKind::Forbidden,
                        Reason::ActionDenied,
                        format!(
                            "the caller is not allowed {}: only the administrator manages the administrator's password, state and access keys",
                            route.action
                        ),
                    ),
                ));
            }
        }
    }
    let targets = targets(st, caller, route, input, ids)
        .await
        .map_err(|e| ("*".to_string(), e))?;
    let mut resources = Vec::with_capacity(targets.len());
    for (resource, values) in &targets {
        let on = if resource == "*" {
            String::new()
        } else {
            format!(" on {resource}")
        };
        let fail = |e| (resource.clone(), e);
        let d = allowed(st, caller, route.action, resource, values)
            .await
            .map_err(fail)?;
        let d = match (d, route.alias) {
            (Decision::ImplicitDeny, Some(alias)) => allowed(st, caller, alias, resource, values)
                .await
                .map_err(fail)?,
            (d, _) => d,
        };
        if d != Decision::Allow {
            return Err((resource.clone(), denied(route.action, &on, d)));
        }
        for dep in route.deps {
            let d = allowed(st, caller, dep, "*", values).await.map_err(fail)?;
            if d != Decision::Allow {
                return Err((
                    resource.clone(),
                    denied(dep, &format!(" (a dependency of {})", route.action), d),
                ));
            }
        }
        resources.push(resource.clone());
    }
    Ok(bounded(&resources.join(",")))
}

fn audit_event(
    st: &AppState,
    caller: &Caller,
    (action, resource): (&str, &str),
    (method, path): (&str, &str),
    status: u16,
    reason: &str,
) -> AuditEvent {
    let now_ms = st.settings.clock.now_ms();
    AuditEvent {
        id: st.new_simple_id(),
        time: openwks_core::time::format_ms(now_ms),
        time_ms: now_ms,
        account_id: caller.account_id.clone(),
        user_id: caller.user_id.clone(),
        user_name: st
            .directory
            .user(&caller.user_id)
            .map(|u| u.name)
            .unwrap_or_default(),
        action: action.to_string(),
        resource: bounded(resource),
        method: method.to_string(),
        path: bounded(path),
        status,
        result: if status == 403 && !reason.is_empty() {
            "denied".into()
        } else {
            "allowed".into()
        },
        reason: bounded(reason),
        request_id: crate::request_id::current_request_id(),
    }
}

/// The state of a route's authorization layer: the application and the route's row (`None`:
/// an SDK operation openwks does not implement).
#[derive(Clone)]
pub struct Guarded {
    /// The application.
    pub st: AppState,
    /// The route.
    pub route: Option<&'static Route>,
}

/// The route layer of every route (after routing): decode the request's input once, authorize
/// what the route acts on in that input, run the handler on the same input, audit. `route` is
/// `None` for an SDK operation openwks does not implement: only the administrator reaches its
/// 501.
pub async fn authorize(State(g): State<Guarded>, req: Request, next: Next) -> Response {
    let Guarded { st, route } = g;
    if route.is_some_and(|r| r.public) {
        return next.run(req).await;
    }
    let dialect = route.map_or(Dialect::Wks, |r| r.dialect);
    let render = |e: Error| match dialect {
        Dialect::Wks => ApiError::from(e).into_response(),
        Dialect::Ecs => crate::error::EcsApiError::from(e).into_response(),
    };
    let Some(ctx) = req.extensions().get::<Ctx>().cloned() else {
        return render(Error::unauthorized("the request is not authenticated"));
    };
    let caller = ctx.caller;
    let (mut parts, body) = req.into_parts();
    // The outer middleware has already read the body within the size limit.
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let input = match Input::decode(&mut parts, &bytes).await {
        Ok(i) => i,
        Err(e) => return render(e),
    };
    let template = parts
        .extensions
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_default();
    let (action, write) = match route {
        Some(r) => (r.action.to_string(), r.writes()),
        None => (
            format!("{} {template}", parts.method),
            parts.method != axum::http::Method::GET,
        ),
    };
    // The resources the route acts on, taken once from the decoded input; a resource named
    // twice differently is refused for anyone (audited when an IAM user sent it).
    let ids = match route.map(|r| input.ids(r.resource)).transpose() {
        Ok(ids) => ids.unwrap_or_default(),
        Err(e) if caller.is_admin || route.is_some_and(|r| r.open) => return render(e),
        Err(e) => {
            return refuse(
                &st,
                &caller,
                (&action, "*"),
                (&parts.method, parts.uri.path()),
                e,
                render,
            )
            .await
        }
    };
    let outcome = match route {
        Some(r) if caller.is_admin || r.open => Ok(audited_resource(&st, r, &input, &ids)),
        Some(r) => decide(&st, &caller, r, &input, &ids).await,
        None if caller.is_admin => Ok("*".to_string()),
        None => Err((
            "*".to_string(),
            Error::new(
                ErrorKind::Forbidden,
                Reason::ActionDenied,
                format!(
                    "{} {template} has no action IAM users can be granted",
                    parts.method
                ),
            ),
        )),
    };
    let path = parts.uri.path().to_string();
    let method = parts.method.to_string();
    match outcome {
        Ok(resource) => {
            parts.extensions.insert(input.query);
            let (rule, injected) = match inject(&st, route, &method, &template).await {
                Some((rule, answer)) => (Some(rule), answer),
                None => (None, None),
            };
            let mut resp = match injected {
                Some(resp) => resp,
                None => {
                    next.run(Request::from_parts(parts, Body::from(bytes)))
                        .await
                }
            };
            if let Some(rule) = rule {
                resp.extensions_mut()
                    .insert(crate::faults::InjectedMark(rule));
            }
            if write {
                let e = audit_event(
                    &st,
                    &caller,
                    (&action, &resource),
                    (&method, &path),
                    resp.status().as_u16(),
                    "",
                );
                if let Err(err) = st.store.append_audit(e).await {
                    tracing::error!(error = %err, "could not append an audit event");
                    return render(Error::unavailable("the audit trail cannot be written"));
                }
            }
            resp
        }
        Err((resource, err)) => {
            refuse(
                &st,
                &caller,
                (&action, &resource),
                (&parts.method, &path),
                err,
                render,
            )
            .await
        }
    }
}

/// A fault rule's effect on this call (`crate::faults`), after its latency has passed: the
/// rule, and the error to answer in the route's dialect (`None`: run the operation). `None`
/// when no rule applies. The administrator's routes are never faulted.
async fn inject(
    st: &AppState,
    route: Option<&'static Route>,
    method: &str,
    template: &str,
) -> Option<(String, Option<Response>)> {
    if template.starts_with("/openwks/v1/_admin/") {
        return None;
    }
    let sdk = route.map_or("", |r| r.sdk);
    let op = format!("{method} {template}");
    let injected = st.faults.draw(sdk, &op)?;
    let label = if sdk.is_empty() { op.as_str() } else { sdk };
    st.metrics
        .count("openwks_injected_faults_total", "operation", label);
    if injected.latency_ms > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(injected.latency_ms)).await;
    }
    let ecs = route.is_some_and(|r| r.dialect == Dialect::Ecs);
    let resp = injected
        .error
        .map(|(status, code, msg)| crate::error::coded_answer(ecs, status, &code, &msg));
    Some((injected.rule_id, resp))
}

/// Audit a refusal, then answer it.
async fn refuse(
    st: &AppState,
    caller: &Caller,
    (action, resource): (&str, &str),
    (method, path): (&axum::http::Method, &str),
    err: Error,
    render: impl Fn(Error) -> Response,
) -> Response {
    let e = audit_event(
        st,
        caller,
        (action, resource),
        (method.as_str(), path),
        crate::error::status_of(err.kind).as_u16(),
        &err.message,
    );
    if let Err(e2) = st.store.append_audit(e).await {
        tracing::error!(error = %e2, "could not append an audit event");
    }
    render(err)
}
