//! The one error type of openwks: a semantic [`Reason`], a coarse [`ErrorKind`], a message for
//! a person, and for internal failures the cause they came from.
//!
//! Nothing here knows HTTP or a vendor's code: the HTTP layer (`openwks-server`'s `error`
//! module) decides the status of a kind and renders a reason in the dialect of the route
//! (WorkspaceApp `{"error_code","error_msg"}` with `WKS.…` codes, or ECS
//! `{"error":{"code","message"}}` with `Ecs.…` codes), as Garage keeps `aws_code()` beside its
//! API error rather than in its model.

use std::fmt;
use std::sync::Arc;

/// What kind of failure, in the terms of the operation (the HTTP layer maps each to a status).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The request is malformed or breaks a documented rule.
    Invalid,
    /// The caller is not who it claims to be.
    Unauthorized,
    /// The caller may not do this.
    Forbidden,
    /// No such resource.
    NotFound,
    /// The request conflicts with the state of a resource.
    Conflict,
    /// The content's type is not one the operation takes (an icon that is not an image).
    UnsupportedMediaType,
    /// Too many attempts; retry after a while.
    TooManyRequests,
    /// A bug or a failed dependency. The message is for the log, never for the caller.
    Internal,
    /// An operation of the vendor's API openwks does not implement (yet).
    NotImplemented,
    /// Temporarily unavailable; retry later.
    Unavailable,
}

/// Why an operation failed, in the domain's terms. The wire code of each reason, per dialect
/// (WorkspaceApp `WKS.…`/`APIGW.…`, ECS `Ecs.…`), is the HTTP layer's business: the tables
/// are in `openwks-server` (`error::wks_code`, `error::ecs_code`), `docs/errors.md` lists them.
macro_rules! reasons {
    ($($(#[$doc:meta])* $name:ident,)*) => {
        /// Why an operation failed (see the module's documentation).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Reason {
            $($(#[$doc])* $name,)*
        }

        impl Reason {
            /// Every reason.
            pub const ALL: &'static [Reason] = &[$(Reason::$name,)*];
        }
    };
}

reasons! {
    /// Generic invalid parameter (vendor default for 400).
    InvalidParameter,
    /// The request body is empty where one is required (vendor `WKS.0001`).
    EmptyRequest,
    /// A required parameter is missing.
    MissingParameter,
    /// A name breaks the charset or length rule.
    InvalidName,
    /// A value is not one of the documented enum values.
    InvalidEnum,
    /// A number is out of its documented range.
    OutOfRange,
    /// A tag breaks a tag rule (count, uniqueness, length, charset).
    InvalidTag,
    /// The image does not exist or does not fit the request.
    InvalidImage,
    /// The product does not exist or is not sold where asked.
    InvalidProduct,
    /// The VPC or subnet does not exist or they do not belong together.
    InvalidNetwork,
    /// The availability zone does not exist.
    InvalidAz,
    /// The system disk is smaller than the image's minimum, or out of range.
    InvalidDisk,
    /// `ip_virtual` is not allowed (non-Windows image, or an update).
    InvalidIpVirtual,
    /// `primary_server_group_id` does not name a primary group of this project, or the standby
    /// does not match its primary.
    InvalidPrimary,
    /// The body is not valid JSON or a field has the wrong type.
    MalformedBody,
    /// A query parameter is malformed or out of range (offset, limit, booleans).
    InvalidQuery,
    /// The project's quota is used up.
    QuotaExceeded,
    /// Generic conflict (vendor default for 409).
    Conflict,
    /// The name is already used in this project.
    DuplicateName,
    /// The server group still has standby groups.
    HasStandbyGroups,
    /// The server group still has app groups bound.
    HasAppGroups,
    /// The server group still has servers.
    HasServers,
    /// The resource is in use by another resource (VPC with subnets, subnet used by a group).
    InUse,
    /// `authorization_type` `APP` is documented as not supported.
    UnsupportedAuthorization,
    /// `app_server_group_id` names no server group of the project.
    InvalidServerGroupRef,
    /// The app group's `app_type` differs from its server group's.
    AppTypeMismatch,
    /// The vendor's rule: in shared desktop mode a server group has only one app group.
    SharedDesktopOneAppGroup,
    /// The app group name is already used in this project.
    DuplicateAppGroupName,
    /// The icon is empty, too large, not base64 or not an image.
    InvalidIcon,
    /// The app name is already used in the app group.
    DuplicateAppName,
    /// ECS: invalid parameters (also the ECS-dialect fallback for any 400).
    EcsInvalid,
    /// ECS: the ECS group is full ("Insufficient ECS group quota").
    EcsGroupFull,
    /// ECS: not enough resources ("insufficient resources for flavor"); also a failed
    /// create job's error code.
    EcsNoCapacity,
    /// ECS: the ECS does not exist.
    EcsServerNotFound,
    /// ECS: the ECS's status does not allow the operation (e.g. add_member of a running ECS).
    EcsBadStatus,
    /// ECS: the ECS group does not exist (the vendor's "ECS group query failed").
    EcsGroupNotFound,
    /// ECS: an operation openwks does not simulate (501, the reason in the message).
    EcsNotImplemented,
    /// The resource does not exist (vendor default for 404).
    NotFound,
    /// Authentication failed (APIG).
    AuthFailed,
    /// Token authentication failed (APIG).
    TokenInvalid,
    /// Not allowed (vendor default for 403).
    Forbidden,
    /// Unsupported media type (vendor default for 415).
    UnsupportedMediaType,
    /// Internal error (vendor default for 500).
    Internal,
    /// Too many failed sign-ins for one user name (429; the API gateway's throttling code).
    TooManyAttempts,
    /// Service unavailable (vendor default for 503).
    Unavailable,
    /// The user may not open the app group's apps (launch).
    LaunchNotAuthorized,
    /// The app is disabled (`FORBIDDEN`) and cannot be opened.
    AppDisabled,
    /// No server anywhere the routing policy allows has room for a new session.
    NoCapacity,
    /// The app group is bound to no server group.
    AppGroupUnbound,
    /// An identity policy document breaks the grammar.
    InvalidPolicy,
    /// An IAM user's identity policies do not allow the action (the message names it).
    ActionDenied,
    /// A storage still has folders, or a shared folder still has members (400: the vendor
    /// documents no 409 for storage deletes).
    StorageInUse,
    /// A file operation the folder's access policy does not allow (403).
    StorageActionDenied,
    /// A write would take a folder over its quota.
    StorageQuotaExceeded,
    /// No app group of that id in the project (answered as [`Reason::NotFound`] on the wire).
    AppGroupNotFound,
    /// No app of that id in the app group (answered as [`Reason::NotFound`] on the wire).
    AppNotFound,
}

/// The error of every openwks operation.
#[derive(Clone)]
pub struct Error {
    /// What kind of failure.
    pub kind: ErrorKind,
    /// Why, see [`Reason`].
    pub code: Reason,
    /// Message for a person. For [`ErrorKind::Internal`] this is logged, never sent.
    pub message: String,
    /// What an internal failure came from (a database error, a decoding error), for the log.
    pub source: Option<Arc<dyn std::error::Error + Send + Sync>>,
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Error");
        d.field("kind", &self.kind)
            .field("code", &self.code)
            .field("message", &self.message);
        if let Some(s) = &self.source {
            d.field("source", &format_args!("{s}"));
        }
        d.finish()
    }
}

/// Two errors are equal when they say the same (the source is for the log).
impl PartialEq for Error {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind && self.code == other.code && self.message == other.message
    }
}

impl Eq for Error {}

/// Result with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Any error with an explicit kind and reason.
    pub fn new(kind: ErrorKind, code: Reason, message: impl Into<String>) -> Self {
        Self {
            kind,
            code,
            message: message.into(),
            source: None,
        }
    }
    /// An invalid request for a specific reason.
    pub fn invalid(code: Reason, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Invalid, code, message)
    }
    /// An invalid request that lacks a required field.
    pub fn missing(field: &str) -> Self {
        Self::invalid(Reason::MissingParameter, format!("{field} is required"))
    }
    /// No resource of `kind` named `id`.
    pub fn not_found(kind: &str, id: &str) -> Self {
        Self::new(
            ErrorKind::NotFound,
            Reason::NotFound,
            format!("{kind} {id} does not exist"),
        )
    }
    /// No resource named `id`, for a more specific `reason` than [`Reason::NotFound`] (the wire
    /// code is the same; callers such as the launch metrics tell them apart).
    pub fn not_found_as(reason: Reason, kind: &str, id: &str) -> Self {
        Self::new(
            ErrorKind::NotFound,
            reason,
            format!("{kind} {id} does not exist"),
        )
    }
    /// A conflict for a specific reason.
    pub fn conflict(code: Reason, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Conflict, code, message)
    }
    /// Authentication failed.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unauthorized, Reason::AuthFailed, message)
    }
    /// An internal failure; `cause` is for the log only.
    pub fn internal(cause: impl Into<String>) -> Self {
        Self::new(ErrorKind::Internal, Reason::Internal, cause)
    }
    /// An internal failure that came from `source` (kept for the log), in `context`.
    pub fn internal_from(
        context: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        let mut e = Self::internal(context);
        e.source = Some(Arc::new(source));
        e
    }
    /// Too many attempts, for `secs` seconds: the message ends with "try again in N s", which
    /// the HTTP layer also sends as `Retry-After`.
    pub fn too_many_attempts(what: &str, secs: i64) -> Self {
        Self::new(
            ErrorKind::TooManyRequests,
            Reason::TooManyAttempts,
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
    /// Temporarily unavailable.
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unavailable, Reason::Unavailable, message)
    }
    /// The message and, for internal failures, the chain of causes (for the log).
    pub fn cause_chain(&self) -> String {
        let mut out = self.message.clone();
        let mut next: Option<&(dyn std::error::Error + 'static)> = self
            .source
            .as_deref()
            .map(|s| s as &(dyn std::error::Error + 'static));
        while let Some(s) = next {
            out.push_str(": ");
            out.push_str(&s.to_string());
            next = s.source();
        }
        out
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}: {}", self.code, self.cause_chain())
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|s| s as &(dyn std::error::Error + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_are_listed_once() {
        let mut seen = std::collections::HashSet::new();
        for r in Reason::ALL {
            assert!(seen.insert(*r), "{r:?} is listed twice");
        }
        assert!(Reason::ALL.contains(&Reason::NotFound));
    }

    #[test]
    fn constructors_carry_their_kind_and_reason() {
        assert_eq!(Error::missing("name").kind, ErrorKind::Invalid);
        assert_eq!(Error::missing("name").code, Reason::MissingParameter);
        assert_eq!(Error::not_found("server group", "x").code, Reason::NotFound);
        assert_eq!(
            Error::conflict(Reason::Conflict, "x").kind,
            ErrorKind::Conflict
        );
        assert_eq!(Error::unauthorized("x").code, Reason::AuthFailed);
        assert_eq!(Error::internal("x").kind, ErrorKind::Internal);
    }

    #[test]
    fn an_internal_error_keeps_its_source_for_the_log() {
        let io = std::io::Error::other("disk on fire");
        let e = Error::internal_from("writing the batch", io);
        assert_eq!(e.cause_chain(), "writing the batch: disk on fire");
        assert!(std::error::Error::source(&e).is_some());
        // The source is for the log: equality is about what the caller is told.
        assert_eq!(e, Error::internal("writing the batch"));
    }
}
