//! Sessions and connections of the official SDK: `list_sessions`, `list_session_by_user_name`,
//! `logoff_user_session`, `list_app_connection`, `list_user_connection`, `list_session_type`,
//! `show_session_types` and the three exports (a `task_id` whose result is served at
//! `GET /openwks/v1/{project_id}/export-tasks/{task_id}`).

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use bytes::Bytes;
use openwks_api::ext::ExportTask;
use openwks_api::wks::session::{
    AppConnectionInfo, AppSession, ExportSessionsReq, ExportTaskResponse, ListAppConnectionReq,
    ListAppConnectionResponse, ListSessionByUserNameResponse, ListSessionsResponse,
    ListUserConnectionReq, ListUserConnectionResponse, LogoffUserSessionReq, QuerySessionTypesReq,
    SessionCommon, SessionInfo, SessionTypeEntity, SessionTypesResponse, UserConnectionInfo,
};
use openwks_core::error::Reason;
use openwks_core::session::{
    AppConnection, ConnectionFilter, LogoffSpec, Session, SessionFilter, SessionState,
};
use openwks_core::Error;

use crate::error::ApiResult;
use crate::request::{json_body, json_body_or_default, Query, P};
use crate::AppState;

use super::empty_ok;

/// Exports cover at most 30 days (vendor `ExportSessionsReq`).
const EXPORT_WINDOW_MS: i64 = 30 * 24 * 3600 * 1000;

fn seconds_in_state(s: &Session, now_ms: i64) -> String {
    let until = s.end_ms.unwrap_or(now_ms);
    ((until - s.last_update_ms).max(0) / 1000).to_string()
}

/// What both session models say of a session.
fn session_common(s: &Session, now_ms: i64) -> SessionCommon {
    SessionCommon {
        status_continue_time: seconds_in_state(s, now_ms),
        id: s.id.clone(),
        session_stamp: s.id.clone(),
        os_session_id: String::new(),
        protocol_type: "HDP".into(),
        login_user: s.user_name.clone(),
        session_type: s.session_type.as_str().into(),
        app_server_group_id: s.server_group_id.clone(),
        start_time: s.start_time.clone(),
        machine_sid: String::new(),
        machine_name: s.machine_name.clone(),
        session_state: s.state.as_str().into(),
        app_name: s.app_name.clone(),
        client_mac: String::new(),
        client_name: String::new(),
        public_ip: s.client_ip.clone(),
        client_ip: s.client_ip.clone(),
        client_version: String::new(),
        client_type: s.client_type.clone(),
        agent_version: String::new(),
        vm_ip: s.vm_ip.clone(),
        failed_reason: String::new(),
        failed_code: String::new(),
        last_update_status_time: s.last_update_status_time.clone(),
        tenant_id: s.project_id.clone(),
    }
}

fn session_info(s: Session, now_ms: i64) -> SessionInfo {
    SessionInfo {
        common: session_common(&s, now_ms),
        app_server_group_name: s.server_group_name,
        pre_conn_time: Some(s.start_time),
        end_time: s.end_ms.map(|_| s.end_time),
        primary_server_group_id: s.primary_server_group_id,
        secondary_server_group_id: s.secondary_server_group_id,
    }
}

fn app_session(s: Session, now_ms: i64) -> AppSession {
    AppSession {
        common: session_common(&s, now_ms),
        app_group_id: s.app_group_id,
        pre_conn_time: s.start_time,
        end_time: s.end_time,
    }
}

fn user_connection(s: Session) -> UserConnectionInfo {
    UserConnectionInfo {
        id: s.id,
        user_name: s.user_name,
        desktop_group_name: s.server_group_name,
        machine_name: s.machine_name,
        machine_sid: String::new(),
        vm_ip: s.vm_ip,
        public_ip: s.client_ip.clone(),
        client_ip: s.client_ip,
        client_mac: String::new(),
        client_name: String::new(),
        client_type: s.client_type,
        client_version: String::new(),
        agent_version: String::new(),
        connect_flag: "0".into(),
        connect_type: s.session_type.as_str().into(),
        failed_code: String::new(),
        failed_reason: String::new(),
        pre_conn_time: Some(s.start_time.clone()),
        start_time: s.start_time,
        end_time: s.end_ms.map(|_| s.end_time),
        update_time: s.last_update_status_time,
        tenant_id: s.project_id,
        virtual_ip: String::new(),
        wi_ip: String::new(),
    }
}

fn app_connection(c: AppConnection, s: Option<&Session>) -> AppConnectionInfo {
    AppConnectionInfo {
        id: c.id,
        user_name: c.user_name,
        app_group_id: c.app_group_id,
        app_group_name: c.app_group_name,
        app_id: c.app_id,
        app_name: c.app_name,
        brokering_time: c.brokering_time,
        end_time: s.filter(|s| s.end_ms.is_some()).map(|s| s.end_time.clone()),
        aps_instance_id: c.server_id,
        aps_instance_name: c.machine_name.clone(),
        aps_host_id: String::new(),
        machine_name: c.machine_name,
        vm_ip: c.vm_ip,
        public_ip: c.client_ip.clone(),
        client_ip: c.client_ip,
        client_type: c.client_type,
        client_name: String::new(),
        client_mac: String::new(),
        client_version: String::new(),
        agent_version: String::new(),
        connection_failure_reason: String::new(),
        failed_code: String::new(),
        sid: String::new(),
        tenant_id: c.project_id,
        transaction_id: String::new(),
        virtual_ip: String::new(),
        wi_ip: String::new(),
        primary_server_group_id: c.primary_server_group_id,
        secondary_server_group_id: c.secondary_server_group_id,
    }
}

/// The session filter of `list_sessions` (query) and `export_sessions` (body): the same
/// fields under the same names.
fn session_filter(r: ExportSessionsReq, times_required: bool) -> Result<SessionFilter, Error> {
    let begin = r.query_begin_time.filter(|s| !s.is_empty());
    let end = r.query_end_time.filter(|s| !s.is_empty());
    if times_required {
        begin
            .as_ref()
            .ok_or_else(|| Error::missing("query_begin_time"))?;
        end.as_ref()
            .ok_or_else(|| Error::missing("query_end_time"))?;
    } else if begin.is_some() != end.is_some() {
        return Err(Error::invalid(
            Reason::InvalidParameter,
            "query_begin_time and query_end_time must be sent together or not at all",
        ));
    }
    let begin_ms = SessionFilter::parse_sent_time("query_begin_time", &begin)?;
    let end_ms = SessionFilter::parse_sent_time("query_end_time", &end)?;
    if let (Some(b), Some(e)) = (begin_ms, end_ms) {
        if b > e {
            return Err(Error::invalid(
                Reason::InvalidParameter,
                "query_begin_time must not be after query_end_time",
            ));
        }
    }
    let nonempty = |v: Option<String>| v.filter(|s| !s.is_empty());
    Ok(SessionFilter {
        user_name: nonempty(r.user_name),
        begin_ms,
        end_ms,
        server_group_id: nonempty(r.app_server_group_id),
        vm_ip: nonempty(r.vm_ip),
        public_ip: nonempty(r.public_ip),
        machine_name: nonempty(r.machine_name),
        states: nonempty(r.session_state)
            .map(|s| SessionFilter::parse_states(&s))
            .transpose()?,
        is_success: nonempty(r.is_success)
            .map(|s| SessionFilter::parse_is_success(&s))
            .transpose()?,
    })
}

/// `list_sessions`: `GET /v1/{project_id}/session/list-sessions` (newest first).
pub async fn list_sessions(
    State(st): State<AppState>,
    P(project_id): P<String>,
    q: Query,
) -> ApiResult<Response> {
    let (offset, limit) = q.page()?;
    let s = |k: &str| q.str(k).map(str::to_string);
    let f = session_filter(
        ExportSessionsReq {
            user_name: s("user_name"),
            query_begin_time: s("query_begin_time"),
            query_end_time: s("query_end_time"),
            app_server_group_id: s("app_server_group_id"),
            vm_ip: s("vm_ip"),
            public_ip: s("public_ip"),
            machine_name: s("machine_name"),
            session_state: s("session_state"),
            is_success: s("is_success"),
        },
        true,
    )?;
    let (count, items) = st.store.list_sessions(project_id, f, offset, limit).await?;
    let now_ms = st.settings.clock.now_ms();
    Ok(Json(ListSessionsResponse {
        count,
        items: items.into_iter().map(|s| session_info(s, now_ms)).collect(),
    })
    .into_response())
}

/// `list_session_by_user_name`: `GET /v1/{project_id}/session/user-session-info?user_name=`:
/// the user's current (live) sessions.
pub async fn list_session_by_user_name(
    State(st): State<AppState>,
    P(project_id): P<String>,
    q: Query,
) -> ApiResult<Response> {
    let user = q
        .str("user_name")
        .filter(|s| !s.is_empty())
        .ok_or_else(|| Error::missing("user_name"))?;
    let f = SessionFilter {
        user_name: Some(user.to_string()),
        states: Some(vec![SessionState::Active, SessionState::Disconnected]),
        ..Default::default()
    };
    let (_, items) = st.store.list_sessions(project_id, f, 0, i64::MAX).await?;
    let now_ms = st.settings.clock.now_ms();
    Ok(Json(ListSessionByUserNameResponse {
        session_info_list: items.into_iter().map(|s| app_session(s, now_ms)).collect(),
    })
    .into_response())
}

/// `logoff_user_session`: `POST /v1/{project_id}/session/logoff`. Every id must name a session
/// of the project (404 otherwise, nothing changes); live sessions end now (`delay_time` 0) or
/// when the delay has passed (the slot is freed then); ended sessions are left alone.
pub async fn logoff_user_session(
    State(st): State<AppState>,
    P(project_id): P<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let r: LogoffUserSessionReq = json_body(&body)?;
    let spec = LogoffSpec::new(
        r.session_ids,
        r.delay_time,
        r.message_type,
        r.message.as_deref(),
        r.title.as_deref(),
        r.transaction_id.as_deref(),
    )?;
    st.store
        .logoff_sessions(
            project_id,
            spec.session_ids,
            spec.delay_secs,
            st.timestamp(),
        )
        .await?;
    Ok(empty_ok())
}

/// Whether every filter sent (non-empty) equals its value, and the record's time `at` lies in
/// the window `[begin, end]` sent as `(field name, value)`.
fn filters_hold(
    exact: &[(&Option<String>, &str)],
    (at_field, at): (&str, &str),
    begin: (&str, &Option<String>),
    end: (&str, &Option<String>),
) -> Result<bool, Error> {
    let (begin, end) = (
        SessionFilter::parse_sent_time(begin.0, begin.1)?,
        SessionFilter::parse_sent_time(end.0, end.1)?,
    );
    let at = SessionFilter::parse_time(at_field, at).unwrap_or(0);
    Ok(exact.iter().all(|(want, v)| {
        want.as_deref()
            .filter(|w| !w.is_empty())
            .is_none_or(|w| w == *v)
    }) && begin.is_none_or(|b| at >= b)
        && end.is_none_or(|e| at <= e))
}

/// A filter field's value when one was sent (empty means not sent).
fn sent(v: &Option<String>) -> Option<String> {
    v.as_deref().filter(|s| !s.is_empty()).map(str::to_string)
}

/// The store's filter for a `ListAppConnectionReq`: the fields openwks records as exact
/// matches, the brokering window; a non-empty filter on a field it does not record matches
/// nothing.
fn connection_filter(
    f: &ListAppConnectionReq,
    project_id: &str,
) -> Result<ConnectionFilter, Error> {
    let exact: Vec<(&'static str, String)> = [
        ("id", &f.id),
        ("user_name", &f.user_name),
        ("app_group_id", &f.app_group_id),
        ("app_group_name", &f.app_group_name),
        ("app_name", &f.app_name),
        ("machine_name", &f.machine_name),
        ("vm_ip", &f.vm_ip),
        ("client_ip", &f.public_ip),
        ("client_type", &f.client_type),
    ]
    .into_iter()
    .filter_map(|(k, v)| sent(v).map(|v| (k, v)))
    .collect();
    let unrecorded = [
        &f.client_name,
        &f.client_version,
        &f.agent_version,
        &f.connection_failure_reason,
        &f.failed_code,
        &f.sid,
        &f.virtual_ip,
        &f.wi_ip,
    ];
    Ok(ConnectionFilter {
        exact,
        from_ms: SessionFilter::parse_sent_time("brokering_start_time", &f.brokering_start_time)?,
        to_ms: SessionFilter::parse_sent_time("brokering_end_time", &f.brokering_end_time)?,
        nothing: unrecorded.iter().any(|v| sent(v).is_some())
            || sent(&f.tenant_id).is_some_and(|t| t != project_id),
    })
}

async fn app_connections(
    st: &AppState,
    project_id: &str,
    f: &ListAppConnectionReq,
    (offset, limit): (i64, i64),
) -> Result<(i64, Vec<AppConnectionInfo>), Error> {
    let filter = connection_filter(f, project_id)?;
    let (count, page) = st
        .store
        .app_connections(project_id.to_string(), filter, offset, limit)
        .await?;
    Ok((
        count,
        page.into_iter()
            .map(|(c, s)| app_connection(c, s.as_ref()))
            .collect(),
    ))
}

/// `list_app_connection`: `POST /v1/{project_id}/session/app-connection?limit=&offset=`.
pub async fn list_app_connection(
    State(st): State<AppState>,
    P(project_id): P<String>,
    q: Query,
    body: Bytes,
) -> ApiResult<Response> {
    let (offset, limit) = q.page()?;
    let f: ListAppConnectionReq = json_body_or_default(&body)?;
    let (count, items) = app_connections(&st, &project_id, &f, (offset, limit)).await?;
    Ok(Json(ListAppConnectionResponse { count, items }).into_response())
}

fn user_connection_matches(
    f: &ListUserConnectionReq,
    c: &UserConnectionInfo,
) -> Result<bool, Error> {
    filters_hold(
        &[
            (&f.id, &c.id),
            (&f.user_name, &c.user_name),
            (&f.machine_name, &c.machine_name),
            (&f.vm_ip, &c.vm_ip),
            (&f.public_ip, &c.public_ip),
            (&f.client_type, &c.client_type),
            (&f.connect_type, &c.connect_type),
            (&f.tenant_id, &c.tenant_id),
            (&f.machine_sid, &c.machine_sid),
            (&f.client_name, &c.client_name),
            (&f.client_version, &c.client_version),
            (&f.agent_version, &c.agent_version),
            (&f.connect_flag, &c.connect_flag),
            (&f.failed_code, &c.failed_code),
            (&f.failed_reason, &c.failed_reason),
            (&f.virtual_ip, &c.virtual_ip),
            (&f.wi_ip, &c.wi_ip),
        ],
        ("start_time", &c.start_time),
        ("login_start_time", &f.login_start_time),
        ("login_end_time", &f.login_end_time),
    )
}

async fn user_connections(
    st: &AppState,
    project_id: &str,
    f: &ListUserConnectionReq,
) -> Result<Vec<UserConnectionInfo>, Error> {
    // What the sessions' own filter can do runs in the store; the rest is checked per record.
    let narrowed = SessionFilter {
        user_name: sent(&f.user_name),
        machine_name: sent(&f.machine_name),
        vm_ip: sent(&f.vm_ip),
        public_ip: sent(&f.public_ip),
        begin_ms: SessionFilter::parse_sent_time("login_start_time", &f.login_start_time)?,
        end_ms: SessionFilter::parse_sent_time("login_end_time", &f.login_end_time)?,
        ..Default::default()
    };
    let (_, all) = st
        .store
        .list_sessions(project_id.to_string(), narrowed, 0, i64::MAX)
        .await?;
    let mut out = Vec::new();
    for s in all {
        let info = user_connection(s);
        if user_connection_matches(f, &info)? {
            out.push(info);
        }
    }
    Ok(out)
}

/// `list_user_connection`: `POST /v1/{project_id}/session/user-connection?limit=&offset=`:
/// one login record per session.
pub async fn list_user_connection(
    State(st): State<AppState>,
    P(project_id): P<String>,
    q: Query,
    body: Bytes,
) -> ApiResult<Response> {
    let (offset, limit) = q.page()?;
    let f: ListUserConnectionReq = json_body_or_default(&body)?;
    let (count, items) =
        openwks_core::paging::page(user_connections(&st, &project_id, &f).await?, offset, limit);
    Ok(Json(ListUserConnectionResponse { count, items }).into_response())
}

fn session_types() -> Vec<SessionTypeEntity> {
    [("premium", "GPU"), ("standard", "CPU")]
        .into_iter()
        .map(|(spec, ty)| SessionTypeEntity {
            resource_spec_code: format!("workspace.appstreamsession.{spec}"),
            session_type: ty.into(),
            resource_type: "hws.resource.type.workspace.appstreamsession".into(),
            cloud_service_type: "hws.service.type.vdi".into(),
        })
        .collect()
}

/// `list_session_type`: `GET /v1/{project_id}/session-type`: the paid session packages
/// (`extra_session_type` GPU and CPU).
pub async fn list_session_type() -> ApiResult<Response> {
    Ok(Json(SessionTypesResponse {
        session_types: session_types(),
    })
    .into_response())
}

/// `show_session_types`: `POST /v1/{project_id}/session-type`: the packages matching every
/// field sent.
pub async fn show_session_types(body: Bytes) -> ApiResult<Response> {
    let f: QuerySessionTypesReq = json_body_or_default(&body)?;
    let eq = |want: &Option<String>, v: &str| want.as_deref().is_none_or(|w| w == v);
    let session_types = session_types()
        .into_iter()
        .filter(|t| {
            eq(&f.resource_spec_code, &t.resource_spec_code)
                && eq(&f.session_type, &t.session_type)
                && eq(&f.resource_type, &t.resource_type)
                && eq(&f.cloud_service_type, &t.cloud_service_type)
        })
        .collect();
    Ok(Json(SessionTypesResponse { session_types }).into_response())
}

async fn save_export(
    st: &AppState,
    project_id: &str,
    kind: &str,
    items: Vec<serde_json::Value>,
) -> ApiResult<Response> {
    let task_id = st.new_simple_id();
    let task = ExportTask {
        task_id: task_id.clone(),
        status: "SUCCESS".into(),
        kind: kind.into(),
        create_time: openwks_core::time::format_ms(st.settings.clock.now_ms()),
        count: items.len() as i64,
        items,
    };
    let doc = serde_json::to_string(&task)
        .map_err(|e| Error::internal(format!("export document: {e}")))?;
    st.store
        .save_export(project_id.to_string(), task_id.clone(), doc)
        .await?;
    Ok(Json(ExportTaskResponse { task_id }).into_response())
}

fn values<T: serde::Serialize>(items: Vec<T>) -> Vec<serde_json::Value> {
    items
        .into_iter()
        .filter_map(|i| serde_json::to_value(i).ok())
        .collect()
}

/// `export_sessions`: `POST /v1/{project_id}/session/list-sessions/export`: the sessions that
/// match (times both or neither; neither means the last 30 days; at most 30 days).
pub async fn export_sessions(
    State(st): State<AppState>,
    P(project_id): P<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let r: ExportSessionsReq = json_body_or_default(&body)?;
    let mut f = session_filter(r, false)?;
    let now_ms = st.settings.clock.now_ms();
    match (f.begin_ms, f.end_ms) {
        (Some(b), Some(e)) if e - b > EXPORT_WINDOW_MS => {
            return Err(Error::invalid(
                Reason::InvalidParameter,
                "an export covers at most 30 days",
            )
            .into())
        }
        (None, None) => {
            f.begin_ms = Some(now_ms - EXPORT_WINDOW_MS);
            f.end_ms = Some(now_ms);
        }
        _ => {}
    }
    let (_, all) = st
        .store
        .list_sessions(project_id.clone(), f, 0, i64::MAX)
        .await?;
    let items = all.into_iter().map(|s| session_info(s, now_ms)).collect();
    save_export(&st, &project_id, "sessions", values(items)).await
}

/// `export_app_connection`: `POST /v1/{project_id}/session/app-connection/export`.
pub async fn export_app_connection(
    State(st): State<AppState>,
    P(project_id): P<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let f: ListAppConnectionReq = json_body_or_default(&body)?;
    let (_, items) = app_connections(&st, &project_id, &f, (0, i64::MAX)).await?;
    save_export(&st, &project_id, "app_connections", values(items)).await
}

/// `export_user_connection`: `POST /v1/{project_id}/session/user-connection/export`.
pub async fn export_user_connection(
    State(st): State<AppState>,
    P(project_id): P<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let f: ListUserConnectionReq = json_body_or_default(&body)?;
    let items = user_connections(&st, &project_id, &f).await?;
    save_export(&st, &project_id, "user_connections", values(items)).await
}

/// `GET /openwks/v1/{project_id}/export-tasks/{task_id}`: an export's result.
pub async fn show_export(
    State(st): State<AppState>,
    P((project_id, id)): P<(String, String)>,
) -> ApiResult<Response> {
    let doc = st
        .store
        .export(project_id, id.clone())
        .await?
        .ok_or_else(|| Error::not_found("export task", &id))?;
    let task: ExportTask =
        serde_json::from_str(&doc).map_err(|e| Error::internal(format!("export document: {e}")))?;
    Ok(Json(task).into_response())
}
