//! Authorizations and authorization mails (sdk-surface.md §2.3).

use serde::{Deserialize, Serialize};

/// `AccountInfo`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AccountInfo {
    pub id: Option<String>,
    pub account: Option<String>,
    pub account_type: Option<String>,
    pub domain: Option<String>,
    pub email: Option<String>,
    pub telephone_number: Option<String>,
    pub platform_type: Option<String>,
}

/// `AppGroupAuthorizeReq` (add and batch-delete).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AppGroupAuthorizeReq {
    pub app_group_ids: Option<Vec<String>>,
    pub accounts: Option<Vec<AccountInfo>>,
}

/// `Authorization`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Authorization {
    pub id: String,
    pub account_id: String,
    pub account: String,
    pub app_id: String,
    pub app_name: String,
    pub app_group_id: String,
    pub app_group_name: String,
    pub authorization_type: String,
    pub account_type: String,
    pub platform_type: String,
    pub domain: String,
    pub create_at: String,
}

/// `ListAppGroupAuthorizationResponse`: `{count, authorizations}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ListAppGroupAuthorizationResponse {
    pub count: i64,
    pub authorizations: Vec<Authorization>,
}

/// `AuthorizationMail` (output).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AuthorizationMail {
    pub id: String,
    pub account: String,
    pub account_auth_type: String,
    pub account_auth_name: String,
    pub app_group_id: String,
    pub app_group_name: String,
    pub mail_send_type: String,
    pub mail_send_result: String,
    pub error_msg: String,
    pub send_at: String,
}

/// `ListAuthorizationMailRecordResponse`: `{count, records}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ListAuthorizationMailRecordResponse {
    pub count: i64,
    pub records: Vec<AuthorizationMail>,
}

/// One record of `ResendAuthorizationMailReq`: the mail record to send again (by `id`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AuthorizationMailRef {
    pub id: Option<String>,
}

/// `ResendAuthorizationMailReq`: `{records: [AuthorizationMail]}`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ResendAuthorizationMailReq {
    pub records: Option<Vec<AuthorizationMailRef>>,
}

/// `ResendAuthorizedMailReq`: `{records: [authorization id]}`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ResendAuthorizedMailReq {
    pub records: Option<Vec<String>>,
}
