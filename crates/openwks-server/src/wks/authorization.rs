//! Authorizations and authorization mails: the 6 operations. Adding is idempotent (authorizing
//! twice is one authorization); removing a missing authorization succeeds; mails are recorded,
//! never sent.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use bytes::Bytes;
use openwks_api::wks::authorization::{
    AppGroupAuthorizeReq, Authorization, AuthorizationMail, ListAppGroupAuthorizationResponse,
    ListAuthorizationMailRecordResponse, ResendAuthorizationMailReq, ResendAuthorizedMailReq,
};
use openwks_core::authorization::{
    check_authorize, AccountSpec, AuthorizationView, MailRecord, ACCOUNT_TYPES,
};
use openwks_core::error::Reason;
use openwks_core::validate::check_enum;
use openwks_core::{Error, Result};
use openwks_store::{AuthorizationFilter, MailFilter};

use crate::error::ApiResult;
use crate::request::{json_body, Query, P};
use crate::AppState;

use super::empty_ok;

fn parse(body: &Bytes) -> Result<(Vec<String>, Vec<openwks_core::authorization::Account>)> {
    let req: AppGroupAuthorizeReq = json_body(body)?;
    let accounts = req.accounts.map(|v| {
        v.into_iter()
            .map(|a| AccountSpec {
                id: a.id,
                account: a.account,
                account_type: a.account_type,
                domain: a.domain,
                email: a.email,
                telephone_number: a.telephone_number,
                platform_type: a.platform_type,
            })
            .collect()
    });
    check_authorize(req.app_group_ids, accounts)
}

/// `add_app_group_authorization`: `POST /v1/{project_id}/app-groups/authorizations`.
pub async fn add_app_group_authorization(
    State(st): State<AppState>,
    P(project_id): P<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let (ids, accounts) = parse(&body)?;
    st.store
        .add_authorizations(project_id, ids, accounts, st.timestamp())
        .await?;
    Ok(empty_ok())
}

/// `batch_delete_app_group_authorization`:
/// `POST /v1/{project_id}/app-groups/actions/batch-delete-authorization`.
pub async fn batch_delete_app_group_authorization(
    State(st): State<AppState>,
    P(project_id): P<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let (ids, accounts) = parse(&body)?;
    st.store
        .remove_authorizations(project_id, ids, accounts, st.timestamp())
        .await?;
    Ok(empty_ok())
}

fn out(v: AuthorizationView) -> Authorization {
    let AuthorizationView {
        authorization,
        app_group_name,
    } = v;
    let a = authorization.account;
    Authorization {
        id: authorization.id,
        account_id: a.account_id,
        account: a.account,
        app_id: String::new(),
        app_name: String::new(),
        app_group_id: authorization.app_group_id,
        app_group_name,
        authorization_type: "APP_GROUP".into(),
        account_type: a.account_type,
        platform_type: a.platform_type,
        domain: a.domain,
        create_at: authorization.create_at,
    }
}

/// `list_app_group_authorization`: `GET /v1/{project_id}/app-groups/actions/list-authorizations`.
pub async fn list_app_group_authorization(
    State(st): State<AppState>,
    P(project_id): P<String>,
    q: Query,
) -> ApiResult<Response> {
    let (offset, limit) = q.page()?;
    let f = AuthorizationFilter {
        app_group_id: q.str("app_group_id").map(str::to_string),
        account_id: q.str("account_id").map(str::to_string),
        account: q.str("account").map(str::to_string),
        account_type: q
            .str("account_type")
            .map(|t| check_enum("account_type", t, ACCOUNT_TYPES).map(str::to_string))
            .transpose()?,
    };
    let (count, views) = st
        .store
        .list_authorizations(project_id, f, offset, limit)
        .await?;
    Ok(Json(ListAppGroupAuthorizationResponse {
        count,
        authorizations: views.into_iter().map(out).collect(),
    })
    .into_response())
}

fn mail_out(m: MailRecord) -> AuthorizationMail {
    let MailRecord {
        id,
        project_id: _,
        account,
        account_auth_type,
        account_auth_name,
        app_group_id,
        app_group_name,
        mail_send_type,
        mail_send_result,
        error_msg,
        send_at,
    } = m;
    AuthorizationMail {
        id,
        account,
        account_auth_type,
        account_auth_name,
        app_group_id,
        app_group_name,
        mail_send_type,
        mail_send_result,
        error_msg,
        send_at,
    }
}

/// `list_authorization_mail_record`: `GET /v1/{project_id}/mails`.
pub async fn list_authorization_mail_record(
    State(st): State<AppState>,
    P(project_id): P<String>,
    q: Query,
) -> ApiResult<Response> {
    let (offset, limit) = q.page()?;
    let f = MailFilter {
        app_group_id: q.str("app_group_id").map(str::to_string),
        account: q.str("account").map(str::to_string),
        mail_send_type: q.str("mail_send_type").map(str::to_string),
        mail_send_result: q.str("mail_send_result").map(str::to_string),
    };
    let (count, records) = st
        .store
        .list_mail_records(project_id, f, offset, limit)
        .await?;
    Ok(Json(ListAuthorizationMailRecordResponse {
        count,
        records: records.into_iter().map(mail_out).collect(),
    })
    .into_response())
}

fn check_ids(ids: Vec<String>, what: &str) -> Result<Vec<String>> {
    if ids.is_empty() || ids.len() > 100 || ids.iter().any(String::is_empty) {
        return Err(Error::invalid(
            Reason::OutOfRange,
            format!("records must hold 1 to 100 {what} ids, got {}", ids.len()),
        ));
    }
    Ok(ids)
}

/// `send_authorization_mail`: `POST /v1/{project_id}/mails/actions/send` `{records: [{id}]}`:
/// send these mail records again.
pub async fn send_authorization_mail(
    State(st): State<AppState>,
    P(project_id): P<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let req: ResendAuthorizationMailReq = json_body(&body)?;
    let ids = req.records.ok_or_else(|| Error::missing("records"))?;
    let ids = ids.into_iter().map(|r| r.id.unwrap_or_default()).collect();
    st.store
        .resend_mails(project_id, check_ids(ids, "mail record")?, st.timestamp())
        .await?;
    Ok(empty_ok())
}

/// `send_authorized_mail`: `POST /v1/{project_id}/mails/actions/send-by-authorization`
/// `{records: [authorization id]}`.
pub async fn send_authorized_mail(
    State(st): State<AppState>,
    P(project_id): P<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let req: ResendAuthorizedMailReq = json_body(&body)?;
    let ids = req.records.ok_or_else(|| Error::missing("records"))?;
    st.store
        .send_authorization_mails(project_id, check_ids(ids, "authorization")?, st.timestamp())
        .await?;
    Ok(empty_ok())
}
