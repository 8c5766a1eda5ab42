//! The one error type of openwks and its stable code table.
//!
//! Every error carries an HTTP-class [`ErrorKind`], a stable code (the vendor's where it is
//! known, `docs/errors.md` lists them all) and a message for a person. The HTTP layer renders
//! it in the dialect of the route (WorkspaceApp `{"error_code","error_msg"}`, or ECS
//! `{"error":{"code","message"}}`); nothing else decides a status code.

use std::fmt;

/// What kind of failure: decides the HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// 400: the request is malformed or breaks a documented rule.
    Invalid,
    /// 401: authentication failed.
    Unauthorized,
    /// 403: authenticated, but not allowed.
    Forbidden,
    /// 404: no such resource (or route).
    NotFound,
    /// 405: the path exists, the method does not.
    MethodNotAllowed,
    /// 408: the client did not send its request in time.
    RequestTimeout,
    /// 409: the request conflicts with the state of a resource.
    Conflict,
    /// 413: the body is over the limit.
    PayloadTooLarge,
    /// 415: unsupported media type.
    UnsupportedMediaType,
    /// 500: a bug or a failed dependency. The message is never the cause.
    Internal,
    /// 429: too many attempts; retry after a while.
    TooManyRequests,
    /// 501: an operation of the vendor's API openwks does not implement (yet).
    NotImplemented,
    /// 503: temporarily unavailable; retry later.
    Unavailable,
}

impl ErrorKind {
    /// The HTTP status of this kind.
    pub fn status(self) -> u16 {
        match self {
            Self::Invalid => 400,
            Self::Unauthorized => 401,
            Self::Forbidden => 403,
            Self::NotFound => 404,
            Self::MethodNotAllowed => 405,
            Self::RequestTimeout => 408,
            Self::Conflict => 409,
            Self::PayloadTooLarge => 413,
            Self::UnsupportedMediaType => 415,
            Self::TooManyRequests => 429,
            Self::Internal => 500,
            Self::NotImplemented => 501,
            Self::Unavailable => 503,
        }
    }
}

/// The stable error codes. Vendor codes where known (anchors-appstream.md §5), openwks codes in
/// the vendor's `WKS.0021xxxx` server-group block otherwise. `docs/errors.md` is the table.
pub mod codes {
    /// Generic invalid parameter (vendor default for 400).
    pub const INVALID_PARAMETER: &str = "WKS.00211102";
    /// The request body is empty where one is required (vendor `WKS.0001`).
    pub const EMPTY_REQUEST: &str = "WKS.0001";
    /// A required parameter is missing.
    pub const MISSING_PARAMETER: &str = "WKS.00211104";
    /// A name breaks the charset or length rule.
    pub const INVALID_NAME: &str = "WKS.00211105";
    /// A value is not one of the documented enum values.
    pub const INVALID_ENUM: &str = "WKS.00211106";
    /// A number is out of its documented range.
    pub const OUT_OF_RANGE: &str = "WKS.00211107";
    /// A tag breaks a tag rule (count, uniqueness, length, charset).
    pub const INVALID_TAG: &str = "WKS.00211108";
    /// The image does not exist or does not fit the request.
    pub const INVALID_IMAGE: &str = "WKS.00211109";
    /// The product does not exist or is not sold where asked.
    pub const INVALID_PRODUCT: &str = "WKS.00211110";
    /// The VPC or subnet does not exist or they do not belong together.
    pub const INVALID_NETWORK: &str = "WKS.00211111";
    /// The availability zone does not exist.
    pub const INVALID_AZ: &str = "WKS.00211112";
    /// The system disk is smaller than the image's minimum, or out of range.
    pub const INVALID_DISK: &str = "WKS.00211113";
    /// `ip_virtual` is not allowed (non-Windows image, or an update).
    pub const INVALID_IP_VIRTUAL: &str = "WKS.00211114";
    /// `primary_server_group_id` does not name a primary group of this project, or the standby
    /// does not match its primary.
    pub const INVALID_PRIMARY: &str = "WKS.00211115";
    /// The body is not valid JSON or a field has the wrong type.
    pub const MALFORMED_BODY: &str = "WKS.00211116";
    /// A query parameter is malformed or out of range (offset, limit, booleans).
    pub const INVALID_QUERY: &str = "WKS.00211117";
    /// The project's quota is used up.
    pub const QUOTA_EXCEEDED: &str = "WKS.00211118";
    /// Generic conflict (vendor default for 409).
    pub const CONFLICT: &str = "WKS.00211103";
    /// The name is already used in this project.
    pub const DUPLICATE_NAME: &str = "WKS.00211119";
    /// The server group still has standby groups.
    pub const HAS_STANDBY_GROUPS: &str = "WKS.00211120";
    /// The server group still has app groups bound.
    pub const HAS_APP_GROUPS: &str = "WKS.00211121";
    /// The server group still has servers.
    pub const HAS_SERVERS: &str = "WKS.00211122";
    /// The resource is in use by another resource (VPC with subnets, subnet used by a group).
    pub const IN_USE: &str = "WKS.00211123";
    /// `authorization_type` `APP` is documented as not supported.
    pub const UNSUPPORTED_AUTHORIZATION: &str = "WKS.00131106";
    /// `app_server_group_id` names no server group of the project.
    pub const INVALID_SERVER_GROUP_REF: &str = "WKS.00131107";
    /// The app group's `app_type` differs from its server group's.
    pub const APP_TYPE_MISMATCH: &str = "WKS.00131108";
    /// The vendor's rule: in shared desktop mode a server group has only one app group.
    pub const SHARED_DESKTOP_ONE_APP_GROUP: &str = "WKS.00131105";
    /// The app group name is already used in this project.
    pub const DUPLICATE_APP_GROUP_NAME: &str = "WKS.00131109";
    /// The icon is empty, too large, not base64 or not an image.
    pub const INVALID_ICON: &str = "WKS.00131110";
    /// The app name is already used in the app group.
    pub const DUPLICATE_APP_NAME: &str = "WKS.00131111";
    /// ECS: invalid parameters (also the ECS-dialect fallback for any 400).
    pub const ECS_INVALID: &str = "Ecs.0005";
    /// ECS: the ECS group is full ("Insufficient ECS group quota").
    pub const ECS_GROUP_FULL: &str = "Ecs.0022";
    /// ECS: not enough resources ("insufficient resources for flavor"); also a failed
    /// create job's error code.
    pub const ECS_NO_CAPACITY: &str = "Ecs.0319";
    /// ECS: the ECS does not exist.
    pub const ECS_SERVER_NOT_FOUND: &str = "Ecs.0114";
    /// ECS: the ECS's status does not allow the operation (e.g. add_member of a running ECS).
    pub const ECS_BAD_STATUS: &str = "Ecs.0100";
    /// ECS: the ECS group does not exist (the vendor's "ECS group query failed").
    pub const ECS_GROUP_NOT_FOUND: &str = "Ecs.0313";
    /// ECS: an internal error (the ECS-dialect fallback for 5xx).
    pub const ECS_INTERNAL: &str = "Ecs.0001";
    /// The resource does not exist (vendor default for 404).
    pub const NOT_FOUND: &str = "WKS.00211902";
    /// Authentication failed (APIG).
    pub const AUTH_FAILED: &str = "APIGW.0301";
    /// Token authentication failed (APIG).
    pub const TOKEN_INVALID: &str = "APIGW.0307";
    /// Not allowed (vendor default for 403).
    pub const FORBIDDEN: &str = "WKS.00081102";
    /// No such API (APIG).
    pub const NO_SUCH_API: &str = "APIGW.0101";
    /// Wrong method (vendor default for 405).
    pub const METHOD_NOT_ALLOWED: &str = "WKS.00000405";
    /// Body over the limit.
    pub const PAYLOAD_TOO_LARGE: &str = "WKS.00000413";
    /// Unsupported media type (vendor default for 415).
    pub const UNSUPPORTED_MEDIA_TYPE: &str = "WKS.00000415";
    /// Internal error (vendor default for 500).
    pub const INTERNAL: &str = "WKS.00211401";
    /// The request body did not arrive within the body timeout (408).
    pub const REQUEST_TIMEOUT: &str = "WKS.00000408";
    /// Too many failed sign-ins for one user name (429; the API gateway's throttling code).
    pub const TOO_MANY_ATTEMPTS: &str = "APIGW.0308";
    /// Service unavailable (vendor default for 503).
    pub const UNAVAILABLE: &str = "WKS.00050902";

    /// The user may not open the app group's apps (launch).
    pub const LAUNCH_NOT_AUTHORIZED: &str = "WKS.00131112";
    /// The app is disabled (`FORBIDDEN`) and cannot be opened.
    pub const APP_DISABLED: &str = "WKS.00131113";
    /// No server anywhere the routing policy allows has room for a new session.
    pub const NO_CAPACITY: &str = "WKS.00131114";
    /// The app group is bound to no server group.
    pub const APP_GROUP_UNBOUND: &str = "WKS.00131115";

    /// An identity policy document breaks the grammar.
    pub const INVALID_POLICY: &str = "WKS.00081103";
    /// An IAM user's identity policies do not allow the action (the message names it).
    pub const ACTION_DENIED: &str = "WKS.00081104";

    /// Every code above (docs/errors.md must list each).
    pub const ALL: &[&str] = &[
        INVALID_PARAMETER,
        EMPTY_REQUEST,
        MISSING_PARAMETER,
        INVALID_NAME,
        INVALID_ENUM,
        OUT_OF_RANGE,
        INVALID_TAG,
        INVALID_IMAGE,
        INVALID_PRODUCT,
        INVALID_NETWORK,
        INVALID_AZ,
        INVALID_DISK,
        INVALID_IP_VIRTUAL,
        INVALID_PRIMARY,
        MALFORMED_BODY,
        INVALID_QUERY,
        QUOTA_EXCEEDED,
        CONFLICT,
        DUPLICATE_NAME,
        HAS_STANDBY_GROUPS,
        HAS_APP_GROUPS,
        HAS_SERVERS,
        IN_USE,
        NOT_FOUND,
        AUTH_FAILED,
        TOKEN_INVALID,
        FORBIDDEN,
        NO_SUCH_API,
        METHOD_NOT_ALLOWED,
        PAYLOAD_TOO_LARGE,
        UNSUPPORTED_MEDIA_TYPE,
        INTERNAL,
        TOO_MANY_ATTEMPTS,
        REQUEST_TIMEOUT,
        UNAVAILABLE,
        LAUNCH_NOT_AUTHORIZED,
        APP_DISABLED,
        NO_CAPACITY,
        APP_GROUP_UNBOUND,
        INVALID_POLICY,
        ACTION_DENIED,
    ];
}

/// The error of every openwks operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// Decides the HTTP status.
    pub kind: ErrorKind,
    /// Stable code, see [`codes`].
    pub code: &'static str,
    /// Message for a person. For [`ErrorKind::Internal`] this is logged, never sent.
    pub message: String,
}

/// Result with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Any error with an explicit kind and code.
    pub fn new(kind: ErrorKind, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            kind,
            code,
            message: message.into(),
        }
    }
    /// A 400 with a specific code.
    pub fn invalid(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Invalid, code, message)
    }
    /// A 400 for a missing required field.
    pub fn missing(field: &str) -> Self {
        Self::invalid(codes::MISSING_PARAMETER, format!("{field} is required"))
    }
    /// A 404 for a resource of `kind` named `id`.
    pub fn not_found(kind: &str, id: &str) -> Self {
        Self::new(
            ErrorKind::NotFound,
            codes::NOT_FOUND,
            format!("{kind} {id} does not exist"),
        )
    }
    /// A 409 with a specific code.
    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Conflict, code, message)
    }
    /// A 401.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unauthorized, codes::AUTH_FAILED, message)
    }
    /// A 500; `cause` is for the log only.
    pub fn internal(cause: impl Into<String>) -> Self {
        Self::new(ErrorKind::Internal, codes::INTERNAL, cause)
    }
    /// A 429 for `secs` seconds: the message ends with "try again in N s", which the HTTP
    /// layer also sends as `Retry-After`.
    pub fn too_many_attempts(what: &str, secs: i64) -> Self {
        Self::new(
            ErrorKind::TooManyRequests,
            codes::TOO_MANY_ATTEMPTS,
            format!("{what}; try again in {secs} s"),
        )
    }
    /// The seconds of a [`Error::too_many_attempts`].
    pub fn retry_after_secs(&self) -> Option<i64> {
        if self.kind != ErrorKind::TooManyRequests {
            return None;
        }
        self.message
            .rsplit_once("try again in ")
            .and_then(|(_, rest)| rest.strip_suffix(" s"))
            .and_then(|n| n.parse().ok())
    }
    /// A 503.
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unavailable, codes::UNAVAILABLE, message)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_documented_once_in_docs_errors_md() {
        let doc = include_str!("../../../docs/errors.md");
        let mut seen = std::collections::HashSet::new();
        for c in codes::ALL {
            assert!(seen.insert(*c), "{c} is defined twice");
            assert!(doc.contains(&format!("`{c}`")), "docs/errors.md lacks {c}");
        }
    }

    #[test]
    fn kinds_map_to_documented_statuses() {
        assert_eq!(Error::missing("name").kind.status(), 400);
        assert_eq!(Error::not_found("server group", "x").code, "WKS.00211902");
        assert_eq!(Error::conflict(codes::CONFLICT, "x").kind.status(), 409);
        assert_eq!(Error::unauthorized("x").code, "APIGW.0301");
        assert_eq!(Error::internal("x").kind.status(), 500);
    }
}
