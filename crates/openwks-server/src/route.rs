//! The shape of a row of the route table ([`crate::routes::ROUTES`]): its method, how the
//! resource(s) it acts on are taken from the decoded input, its access level and its error
//! dialect. The table itself, which names every handler, is the top of the crate; what reads a
//! row (input decoding, authorization, the router) depends on this module only.

use axum::routing::{MethodFilter, MethodRouter};

use crate::AppState;

/// An HTTP method of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(clippy::upper_case_acronyms)]
pub enum HttpMethod {
    /// `GET`.
    GET,
    /// `POST`.
    POST,
    /// `PUT`.
    PUT,
    /// `PATCH`.
    PATCH,
    /// `DELETE`.
    DELETE,
}

impl HttpMethod {
    /// The method's name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::GET => "GET",
            Self::POST => "POST",
            Self::PUT => "PUT",
            Self::PATCH => "PATCH",
            Self::DELETE => "DELETE",
        }
    }

    /// The method by name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "GET" => Self::GET,
            "POST" => Self::POST,
            "PUT" => Self::PUT,
            "PATCH" => Self::PATCH,
            "DELETE" => Self::DELETE,
            _ => return None,
        })
    }

    /// The router's filter for it.
    pub const fn filter(self) -> MethodFilter {
        match self {
            Self::GET => MethodFilter::GET,
            Self::POST => MethodFilter::POST,
            Self::PUT => MethodFilter::PUT,
            Self::PATCH => MethodFilter::PATCH,
            Self::DELETE => MethodFilter::DELETE,
        }
    }
}

/// Where in the decoded request a resource id is taken from. The handler reads the same place:
/// the same decoded path parameter, the same parsed query, the same JSON body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Src {
    /// A path parameter (percent-decoded by the router, as the handler gets it).
    InPath(&'static str),
    /// A query parameter (decoded; a repeated key is refused).
    InQuery(&'static str),
    /// A top-level string field of the JSON body.
    InBody(&'static str),
    /// Every string of a top-level array field of the JSON body (batch routes).
    BodyList(&'static str),
    /// The `.1` field of every object in the top-level array field `.0` (batch routes).
    BodyItems(&'static str, &'static str),
    /// The `.1` field of every object in the top-level array field `.0` whose field `.2` is
    /// `.3` (typed target lists: the server groups among `target_infos`).
    BodyItemsWhere(&'static str, &'static str, &'static str, &'static str),
    /// The `.2` field of the object `.1` of every object in the top-level array field `.0`
    /// (an order's `resources[].create_services.server_group_id`).
    BodyItemsIn(&'static str, &'static str, &'static str),
}

impl Src {
    /// The parameter or field name that names the resource.
    pub const fn key(self) -> &'static str {
        match self {
            Self::InPath(k) | Self::InQuery(k) | Self::InBody(k) | Self::BodyList(k) => k,
            Self::BodyItems(_, k)
            | Self::BodyItemsWhere(_, k, _, _)
            | Self::BodyItemsIn(_, _, k) => k,
        }
    }
}

/// The resource(s) a route acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Res {
    /// None in particular (lists, catalogue reads, routes scoped by the project): `*`.
    Unscoped,
    /// The server group(s) named at this place.
    ServerGroup(Src),
    /// A server group being created: `…:serverGroup:*`.
    NewServerGroup,
    /// The app group(s) named at this place.
    AppGroup(Src),
    /// An app group being created: `…:appGroup:*`.
    NewAppGroup,
    /// An IAM user's password, state or keys: only the administrator manages the
    /// administrator (checked on `*` otherwise).
    IamUser(Src),
}

/// Read (`R`) or write (`W`: audited).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Reads and lists.
    R,
    /// Writes.
    W,
    /// A `GET` reads, any other method writes (what a row does not say otherwise).
    ByMethod,
}

/// The error shape a route answers in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// WorkspaceApp, IMS, VPC, IAM and the extensions: `{"error_code","error_msg"}`.
    Wks,
    /// ECS (Nova style): `{"error":{"code","message"}}`.
    Ecs,
}

/// One route.
#[derive(Clone, Copy)]
pub struct Route {
    /// HTTP method.
    pub method: HttpMethod,
    /// Path template (axum syntax), the vendor's path in full.
    pub path: &'static str,
    /// The handler, for the route's method.
    pub handler: fn(MethodFilter) -> MethodRouter<AppState>,
    /// The SDK operation (`huaweicloudsdkworkspaceapp`) it serves; empty for other services.
    pub sdk: &'static str,
    /// The IAM action; empty for public routes.
    pub action: &'static str,
    /// Read or write; writes are audited.
    pub level: Level,
    /// What it acts on.
    pub resource: Res,
    /// Actions also needed (each on `*`).
    pub deps: &'static [&'static str],
    /// An older name that grants the same (the seed's alias column).
    pub alias: Option<&'static str>,
    /// Needs no permission (the vendor says so: temporary keys of the caller itself).
    pub open: bool,
    /// Needs no authentication at all (health, metrics, tokens, icons).
    pub public: bool,
    /// Error shape.
    pub dialect: Dialect,
}

impl std::fmt::Debug for Route {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.method.as_str(), self.path)
    }
}

impl Route {
    /// What a row does not say.
    pub(crate) const DEFAULT: Route = Route {
        method: HttpMethod::GET,
        path: "",
        handler: |f| axum::routing::on(f, crate::error::not_implemented),
        sdk: "",
        action: "",
        level: Level::ByMethod,
        resource: Res::Unscoped,
        deps: &[],
        alias: None,
        open: false,
        public: false,
        dialect: Dialect::Wks,
    };

    /// Whether the route writes (and is audited).
    pub fn writes(&self) -> bool {
        match self.level {
            Level::R => false,
            Level::W => true,
            Level::ByMethod => self.method != HttpMethod::GET,
        }
    }
}
