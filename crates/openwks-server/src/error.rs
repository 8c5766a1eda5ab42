//! The HTTP side of errors: the status of each [`ErrorKind`], the wire code of each
//! [`Reason`] per dialect, the transport's own refusals, and the rendering:
//! WorkspaceApp `{"error_code","error_msg","request_id"}`, or ECS (Nova)
//! `{"error":{"code","message"}}`. The `X-Request-Id` header is added to every response by the
//! outer middleware. `docs/errors.md` lists every code (a test checks it).

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use openwks_api::error_body::WksErrorBody;
use openwks_core::error::Reason;
use openwks_core::{Error, ErrorKind};

use crate::request_id::current_request_id;

/// What the HTTP layer refuses by itself, before any operation runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// No route has this path (404).
    NoSuchApi,
    /// The path exists, the method does not (405).
    MethodNotAllowed,
    /// The body did not arrive within the body timeout (408).
    RequestTimeout,
    /// The body is over the limit (413).
    PayloadTooLarge,
}

impl Transport {
    /// The HTTP status.
    pub fn status(self) -> StatusCode {
        match self {
            Self::NoSuchApi => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        }
    }

    /// The wire code (the same in both dialects).
    pub fn code(self) -> &'static str {
        match self {
            Self::NoSuchApi => "APIGW.0101",
            Self::MethodNotAllowed => "WKS.00000405",
            Self::RequestTimeout => "WKS.00000408",
            Self::PayloadTooLarge => "WKS.00000413",
        }
    }
}

/// The HTTP status of a kind of failure.
pub fn status_of(kind: ErrorKind) -> StatusCode {
    match kind {
        ErrorKind::Invalid => StatusCode::BAD_REQUEST,
        ErrorKind::Unauthorized => StatusCode::UNAUTHORIZED,
        ErrorKind::Forbidden => StatusCode::FORBIDDEN,
        ErrorKind::NotFound => StatusCode::NOT_FOUND,
        ErrorKind::Conflict => StatusCode::CONFLICT,
        ErrorKind::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ErrorKind::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
        ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        ErrorKind::NotImplemented => StatusCode::NOT_IMPLEMENTED,
        ErrorKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
    }
}

/// The WorkspaceApp dialect's code of a reason: the vendor's code where its documentation
/// names one (`../shared/reference/anchors-appstream.md` §5), an openwks code in the vendor's
/// block otherwise. The match is exhaustive: a new reason does not compile without its code.
pub fn wks_code(reason: Reason) -> &'static str {
    match reason {
        Reason::InvalidParameter => "WKS.00211102",
        Reason::EmptyRequest => "WKS.0001",
        Reason::MissingParameter => "WKS.00211104",
        Reason::InvalidName => "WKS.00211105",
        Reason::InvalidEnum => "WKS.00211106",
        Reason::OutOfRange => "WKS.00211107",
        Reason::InvalidTag => "WKS.00211108",
        Reason::InvalidImage => "WKS.00211109",
        Reason::InvalidProduct => "WKS.00211110",
        Reason::InvalidNetwork => "WKS.00211111",
        Reason::InvalidAz => "WKS.00211112",
        Reason::InvalidDisk => "WKS.00211113",
        Reason::InvalidIpVirtual => "WKS.00211114",
        Reason::InvalidPrimary => "WKS.00211115",
        Reason::MalformedBody => "WKS.00211116",
        Reason::InvalidQuery => "WKS.00211117",
        Reason::QuotaExceeded => "WKS.00211118",
        Reason::Conflict => "WKS.00211103",
        Reason::DuplicateName => "WKS.00211119",
        Reason::HasStandbyGroups => "WKS.00211120",
        Reason::HasAppGroups => "WKS.00211121",
        Reason::HasServers => "WKS.00211122",
        Reason::InUse => "WKS.00211123",
        Reason::UnsupportedAuthorization => "WKS.00131106",
        Reason::InvalidServerGroupRef => "WKS.00131107",
        Reason::AppTypeMismatch => "WKS.00131108",
        Reason::SharedDesktopOneAppGroup => "WKS.00131105",
        Reason::DuplicateAppGroupName => "WKS.00131109",
        Reason::InvalidIcon => "WKS.00131110",
        Reason::DuplicateAppName => "WKS.00131111",
        Reason::EcsInvalid => "Ecs.0005",
        Reason::EcsGroupFull => "Ecs.0022",
        Reason::EcsNoCapacity => "Ecs.0319",
        Reason::EcsServerNotFound => "Ecs.0114",
        Reason::EcsBadStatus => "Ecs.0100",
        Reason::EcsGroupNotFound => "Ecs.0313",
        Reason::EcsNotImplemented => "Ecs.0501",
        Reason::NotFound | Reason::AppGroupNotFound | Reason::AppNotFound => "WKS.00211902",
        Reason::AuthFailed => "APIGW.0301",
        Reason::TokenInvalid => "APIGW.0307",
        Reason::Forbidden => "WKS.00081102",
        Reason::UnsupportedMediaType => "WKS.00000415",
        Reason::Internal => "WKS.00211401",
        Reason::TooManyAttempts => "APIGW.0308",
        Reason::Unavailable => "WKS.00050902",
        Reason::LaunchNotAuthorized => "WKS.00131112",
        Reason::AppDisabled => "WKS.00131113",
        Reason::NoCapacity => "WKS.00131114",
        Reason::AppGroupUnbound => "WKS.00131115",
        Reason::InvalidPolicy => "WKS.00081103",
        Reason::ActionDenied => "WKS.00081104",
        Reason::StorageInUse => "WKS.00211124",
        Reason::StorageActionDenied => "WKS.00211125",
        Reason::StorageQuotaExceeded => "WKS.00211126",
    }
}

/// The ECS dialect's code: the reason's own `Ecs.` code where it has one, else the ECS code
/// of its kind (invalid → `Ecs.0005`, internal → `Ecs.0001`), else the
/// WorkspaceApp code.
pub fn ecs_code(kind: ErrorKind, reason: Reason) -> &'static str {
    let own = wks_code(reason);
    if own.starts_with("Ecs.") {
        return own;
    }
    match kind {
        ErrorKind::Invalid => "Ecs.0005",
        ErrorKind::Internal => "Ecs.0001",
        _ => own,
    }
}

/// What a caller is told of an internal failure.
const INTERNAL_MESSAGE: &str = "The requested operation failed. Please try again later.";

/// A failure answered to a client: an operation's error, or the transport's refusal.
#[derive(Debug)]
pub enum Failure {
    /// What an operation answered.
    Op(Error),
    /// What the HTTP layer refused, with a message for a person.
    Transport(Transport, String),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Self::Op(e)
    }
}

/// The parts of an answer, whatever the dialect.
struct Rendered {
    status: StatusCode,
    message: String,
    retry_after: Option<String>,
}

impl Failure {
    fn render(&self) -> Rendered {
        match self {
            Self::Transport(t, message) => Rendered {
                status: t.status(),
                message: message.clone(),
                retry_after: None,
            },
            Self::Op(e) => {
                if e.kind == ErrorKind::Internal {
                    tracing::error!(reason = ?e.code, cause = %e.cause_chain(), "internal error");
                }
                let message = self.public_message();
                let retry_after = match (e.kind, e.retry_after_secs()) {
                    (_, Some(secs)) => Some(secs.to_string()),
                    (ErrorKind::Unavailable, None) => Some("1".to_string()),
                    _ => None,
                };
                Rendered {
                    status: status_of(e.kind),
                    message,
                    retry_after,
                }
            }
        }
    }

    /// What the caller is told (an internal failure's cause is logged, never sent).
    pub fn public_message(&self) -> String {
        match self {
            Self::Op(e) if e.kind == ErrorKind::Internal => INTERNAL_MESSAGE.to_string(),
            Self::Op(e) => e.message.clone(),
            Self::Transport(_, m) => m.clone(),
        }
    }

    /// The code in the WorkspaceApp dialect.
    pub fn wks_code(&self) -> &'static str {
        match self {
            Self::Op(e) => wks_code(e.code),
            Self::Transport(t, _) => t.code(),
        }
    }

    /// The code in the ECS dialect.
    pub fn ecs_code(&self) -> &'static str {
        match self {
            Self::Op(e) => ecs_code(e.kind, e.code),
            Self::Transport(t, _) => t.code(),
        }
    }
}

fn answer(r: Rendered, body: impl serde::Serialize) -> Response {
    let mut resp = (r.status, axum::Json(body)).into_response();
    if let Some(v) = r.retry_after.and_then(|v| HeaderValue::from_str(&v).ok()) {
        resp.headers_mut().insert("retry-after", v);
    }
    resp
}

/// A failure answered in the WorkspaceApp dialect.
#[derive(Debug)]
pub struct ApiError(pub Failure);

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        Self(Failure::Op(e))
    }
}

/// Handler result.
pub type ApiResult<T> = Result<T, ApiError>;

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let error_code = self.0.wks_code().to_string();
        let r = self.0.render();
        let body = WksErrorBody {
            error_code,
            error_msg: r.message.clone(),
            request_id: current_request_id(),
        };
        answer(r, body)
    }
}

/// A failure answered in the ECS (Nova) dialect.
#[derive(Debug)]
pub struct EcsApiError(pub Failure);

impl From<Error> for EcsApiError {
    fn from(e: Error) -> Self {
        Self(Failure::Op(e))
    }
}

/// Handler result on ECS routes.
pub type EcsResult<T> = Result<T, EcsApiError>;

impl IntoResponse for EcsApiError {
    fn into_response(self) -> Response {
        let code = self.0.ecs_code().to_string();
        let r = self.0.render();
        let body = openwks_api::error_body::EcsErrorBody {
            error: openwks_api::error_body::EcsError {
                code,
                message: r.message.clone(),
            },
        };
        answer(r, body)
    }
}

/// The answer of an SDK operation openwks does not implement: 501, `"not implemented"` (an
/// expected answer, so it is logged at INFO by the access log only, never as an error).
pub async fn not_implemented() -> impl IntoResponse {
    ApiError::from(Error::new(
        ErrorKind::NotImplemented,
        Reason::Internal,
        "not implemented",
    ))
}

/// An answer with an arbitrary `code` (an injected fault): the WorkspaceApp body, or the ECS
/// one when `ecs`.
pub fn coded_answer(ecs: bool, status: u16, code: &str, message: &str) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if ecs {
        let body = openwks_api::error_body::EcsErrorBody {
            error: openwks_api::error_body::EcsError {
                code: code.to_string(),
                message: message.to_string(),
            },
        };
        (status, axum::Json(body)).into_response()
    } else {
        let body = WksErrorBody {
            error_code: code.to_string(),
            error_msg: message.to_string(),
            request_id: current_request_id(),
        };
        (status, axum::Json(body)).into_response()
    }
}

/// The answer of a delete: `204` when something was deleted, the vendor's 404 for `kind` `id`
/// when there was nothing.
pub fn deleted_or_not_found(
    d: openwks_store::Deleted,
    kind: &str,
    id: &str,
) -> ApiResult<Response> {
    match d {
        openwks_store::Deleted::Yes => Ok(StatusCode::NO_CONTENT.into_response()),
        openwks_store::Deleted::NotFound => Err(Error::not_found(kind, id).into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_documented_in_docs_errors_md_and_names_one_reason() {
        let doc = include_str!("../../../docs/errors.md");
        let mut seen = std::collections::HashMap::new();
        // The resource-specific not-found reasons answer the generic 404 code on the wire.
        let aliases = [Reason::AppGroupNotFound, Reason::AppNotFound];
        for r in Reason::ALL.iter().filter(|r| !aliases.contains(r)) {
            let c = wks_code(*r);
            assert!(
                seen.insert(c, *r).is_none(),
                "{c} is the code of two reasons"
            );
            assert!(
                doc.contains(&format!("`{c}`")),
                "docs/errors.md lacks {c} ({r:?})"
            );
        }
        let transport = [
            Transport::NoSuchApi,
            Transport::MethodNotAllowed,
            Transport::RequestTimeout,
            Transport::PayloadTooLarge,
        ];
        for t in transport {
            assert!(
                doc.contains(&format!("`{}`", t.code())),
                "docs/errors.md lacks {t:?}"
            );
        }
        for c in [
            ecs_code(ErrorKind::Invalid, Reason::InvalidName),
            ecs_code(ErrorKind::Internal, Reason::Internal),
        ] {
            assert!(doc.contains(&format!("`{c}`")), "docs/errors.md lacks {c}");
        }
    }

    #[test]
    fn resource_specific_not_found_reasons_answer_the_generic_404() {
        for r in [Reason::AppGroupNotFound, Reason::AppNotFound] {
            assert_eq!(wks_code(r), wks_code(Reason::NotFound));
            assert_eq!(ecs_code(ErrorKind::NotFound, r), "WKS.00211902");
        }
    }

    #[test]
    fn kinds_map_to_documented_statuses_and_dialects() {
        assert_eq!(
            status_of(Error::missing("name").kind),
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            wks_code(Error::not_found("group", "x").code),
            "WKS.00211902"
        );
        assert_eq!(
            status_of(Error::conflict(Reason::Conflict, "x").kind),
            StatusCode::CONFLICT
        );
        assert_eq!(wks_code(Error::unauthorized("x").code), "APIGW.0301");
        assert_eq!(
            status_of(Error::internal("x").kind),
            StatusCode::INTERNAL_SERVER_ERROR
        );
        // ECS: own codes kept, others fall back by kind.
        assert_eq!(
            ecs_code(ErrorKind::NotFound, Reason::EcsServerNotFound),
            "Ecs.0114"
        );
        assert_eq!(
            ecs_code(ErrorKind::Invalid, Reason::InvalidName),
            "Ecs.0005"
        );
        assert_eq!(ecs_code(ErrorKind::Internal, Reason::Internal), "Ecs.0001");
        assert_eq!(
            ecs_code(ErrorKind::NotFound, Reason::NotFound),
            "WKS.00211902"
        );
    }
}
