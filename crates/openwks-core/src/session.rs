//! User sessions (issue #5): a user who opens an app of an app group gets a session on a server
//! of the group's server group (or of one of its standby groups).
//!
//! Pure: the records, their states and the validation of what a client sends. Routing is
//! [`crate::routing`], storage is the store's.
//!
//! States follow the vendor's list (`ExportSessionsReq.session_state`): `Active` (a user is
//! connected), `Disconnected` (logged in, not connected; it keeps its slot until the
//! disconnect timeout), `AppcInit`, `SignedOut` (ended; frees its slot), `InitFail`. A session
//! holds a slot on its server while it is live ([`SessionState::is_live`]).

use serde::{Deserialize, Serialize};

use crate::error::Reason;
use crate::{Error, Result};

/// A session's state, named on the wire as the vendor names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SessionState {
    /// Connected and in use.
    Active,
    /// Logged in but not connected (keeps its slot until the disconnect timeout).
    Disconnected,
    /// The client is starting (the vendor's state; openwks sessions start `Active`).
    AppcInit,
    /// Logged off: the session is over.
    SignedOut,
    /// The session failed to start (the vendor's state; a refused launch stores nothing).
    InitFail,
}

impl SessionState {
    /// Every state of the vendor's list (filters accept these).
    pub const ALL: [SessionState; 5] = [
        Self::Active,
        Self::Disconnected,
        Self::AppcInit,
        Self::SignedOut,
        Self::InitFail,
    ];

    /// The wire (and stored) name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "Active",
            Self::Disconnected => "Disconnected",
            Self::AppcInit => "AppcInit",
            Self::SignedOut => "SignedOut",
            Self::InitFail => "InitFail",
        }
    }

    /// Whether a session in this state holds a slot on its server.
    pub fn is_live(self) -> bool {
        matches!(self, Self::Active | Self::Disconnected)
    }

    /// The state named `s`, if it is one.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

impl std::fmt::Display for SessionState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a session shows: a shared desktop (`"1"` on the wire) or applications (`"2"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SessionType {
    /// A desktop shared by the group's apps (`SESSION_DESKTOP_APP` groups).
    #[serde(rename = "1")]
    SharedDesktop,
    /// Individual applications.
    #[serde(rename = "2")]
    Application,
}

impl SessionType {
    /// The wire form (`"1"`, `"2"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SharedDesktop => "1",
            Self::Application => "2",
        }
    }
}

/// How long a disconnected session keeps its slot before it is logged off (AppStream's
/// `DisconnectTimeoutInSeconds` default is 15 minutes; the vendor keeps it in policy groups).
pub const DISCONNECT_TIMEOUT_MS: i64 = 15 * 60 * 1000;

/// Longest `delay_time` of a logoff, seconds (vendor: 0–999999).
pub const MAX_LOGOFF_DELAY_SECS: i64 = 999_999;

/// A session, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// 32 hex digits.
    pub id: String,
    /// Owning project.
    pub project_id: String,
    /// The user (`login_user`).
    pub user_name: String,
    /// App group the user opened.
    pub app_group_id: String,
    /// App opened first (later apps of the same group share the session).
    pub app_id: String,
    /// Its name.
    pub app_name: String,
    /// The server it runs on.
    pub server_id: String,
    /// The server's name.
    pub machine_name: String,
    /// The server's address.
    pub vm_ip: String,
    /// The server group it runs in (the primary, or a standby after failover).
    pub server_group_id: String,
    /// That group's name.
    pub server_group_name: String,
    /// The app group's server group (where the user was sent first).
    pub primary_server_group_id: String,
    /// The standby group that took the session, when the primary could not.
    pub secondary_server_group_id: Option<String>,
    /// Shared desktop or application (vendor `session_type`).
    pub session_type: SessionType,
    /// Its state.
    pub state: SessionState,
    /// Client address as sent.
    pub client_ip: String,
    /// Client OS as sent.
    pub client_type: String,
    /// When it started (wire time) and in epoch ms.
    pub start_time: String,
    /// Epoch ms of the start.
    pub start_ms: i64,
    /// When it ended (empty while live).
    pub end_time: String,
    /// Epoch ms of the end (live: none).
    pub end_ms: Option<i64>,
    /// Last state change (wire time).
    pub last_update_status_time: String,
    /// Epoch ms of the last state change.
    pub last_update_ms: i64,
    /// A pending logoff: when it takes effect (epoch ms).
    pub logoff_at_ms: Option<i64>,
    /// How long it keeps its slot once disconnected, from its effective policy at launch
    /// (`session.sbc…sbc_logout_waiting_time`): `None` is [`DISCONNECT_TIMEOUT_MS`],
    /// [`KEEP_DISCONNECTED`] never logs it off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disconnect_timeout_ms: Option<i64>,
}

/// A `disconnect_timeout_ms` that keeps a disconnected session until its user logs off (a
/// policy with `sbc_auto_logout: false`).
pub const KEEP_DISCONNECTED: i64 = i64::MAX;

impl Session {
    /// Whether it holds a slot on its server.
    pub fn is_live(&self) -> bool {
        self.state.is_live()
    }

    /// When the session ends by itself, if it does: a pending logoff, or the disconnect
    /// timeout of a disconnected session, whichever is first.
    pub fn deadline_ms(&self) -> Option<i64> {
        let keep = self.disconnect_timeout_ms.unwrap_or(DISCONNECT_TIMEOUT_MS);
        let timeout = (self.state == SessionState::Disconnected && keep != KEEP_DISCONNECTED)
            .then(|| self.last_update_ms.saturating_add(keep));
        match (self.logoff_at_ms, timeout) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Move to `state` at `now`; ending states close the session.
    pub fn set_state(&mut self, state: SessionState, now: crate::time::Timestamp) {
        self.state = state;
        self.last_update_ms = now.ms();
        self.last_update_status_time = now.wire();
        if !self.is_live() {
            self.end_ms = Some(now.ms());
            self.end_time = now.wire();
            self.logoff_at_ms = None;
        }
    }
}

/// One app opened in a session (vendor `AppConnectionInfo`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppConnection {
    /// 32 hex digits.
    pub id: String,
    /// The session it runs in.
    pub session_id: String,
    /// Project.
    pub project_id: String,
    /// User.
    pub user_name: String,
    /// App group.
    pub app_group_id: String,
    /// App group name.
    pub app_group_name: String,
    /// App.
    pub app_id: String,
    /// App name.
    pub app_name: String,
    /// Server.
    pub server_id: String,
    /// Server name.
    pub machine_name: String,
    /// Server address.
    pub vm_ip: String,
    /// Primary group.
    pub primary_server_group_id: String,
    /// Standby group that took it.
    pub secondary_server_group_id: Option<String>,
    /// Client address.
    pub client_ip: String,
    /// Client OS.
    pub client_type: String,
    /// When the app was opened.
    pub brokering_time: String,
    /// Epoch ms of that.
    pub brokering_ms: i64,
}

/// A launch request, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LaunchSpec {
    /// The user.
    pub user_name: String,
    /// App group.
    pub app_group_id: String,
    /// App.
    pub app_id: String,
    /// Client address ("" when not sent).
    pub client_ip: String,
    /// Client OS ("" when not sent).
    pub client_type: String,
    /// Decide and explain, assign nothing.
    pub dry_run: bool,
}

fn check_len(field: &str, v: &str, min: usize, max: usize) -> Result<()> {
    crate::validate::check_text(field, v, min, max, Reason::InvalidParameter)
}

impl LaunchSpec {
    /// Check the fields (user 1–64 characters as in `ExportSessionsReq.user_name`; ids 1–64;
    /// `client_ip` an IPv4 or IPv6 address; `client_type` at most 255).
    pub fn new(
        user_name: Option<String>,
        app_group_id: Option<String>,
        app_id: Option<String>,
        client_ip: Option<String>,
        client_type: Option<String>,
        dry_run: bool,
    ) -> Result<Self> {
        let user_name = user_name.ok_or_else(|| Error::missing("user_name"))?;
        let app_group_id = app_group_id.ok_or_else(|| Error::missing("app_group_id"))?;
        let app_id = app_id.ok_or_else(|| Error::missing("app_id"))?;
        check_len("user_name", &user_name, 1, 64)?;
        if user_name.chars().any(char::is_control) {
            return Err(Error::invalid(
                Reason::InvalidParameter,
                "user_name must not contain control characters",
            ));
        }
        check_len("app_group_id", &app_group_id, 1, 64)?;
        check_len("app_id", &app_id, 1, 64)?;
        let client_ip = client_ip.unwrap_or_default();
        if !client_ip.is_empty() && client_ip.parse::<std::net::IpAddr>().is_err() {
            return Err(Error::invalid(
                Reason::InvalidParameter,
                format!("client_ip {client_ip:?} is not an IP address"),
            ));
        }
        let client_type = client_type.unwrap_or_default();
        check_len("client_type", &client_type, 0, 255)?;
        Ok(Self {
            user_name,
            app_group_id,
            app_id,
            client_ip,
            client_type,
            dry_run,
        })
    }
}

/// What a launch takes from its app group and app once they pass [`check_launch`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LaunchTarget {
    /// The app group's server group (the primary: standbys follow it).
    pub primary_server_group_id: String,
    /// App group name (for the connection record).
    pub app_group_name: String,
    /// App name.
    pub app_name: String,
    /// Shared desktop or application.
    pub session_type: SessionType,
}

/// The preconditions of a launch, in the order they are refused: the app group exists (404),
/// the app exists in it (404), the user is authorized on the group, directly or through a user
/// group (403 `WKS.00131112`), the app is enabled (400), the group is bound to a server group
/// (409). The store calls it inside the launch's write, on what that write reads, so a revoke,
/// disable or unbind acknowledged before the launch is never walked around.
pub fn check_launch(
    spec: &LaunchSpec,
    group: Option<&crate::app_group::AppGroup>,
    app: Option<&crate::app::App>,
    authorizations: &[crate::authorization::Account],
    user_groups: &[String],
) -> Result<LaunchTarget> {
    let group = group.ok_or_else(|| {
        Error::not_found_as(Reason::AppGroupNotFound, "app group", &spec.app_group_id)
    })?;
    let app = app.ok_or_else(|| Error::not_found_as(Reason::AppNotFound, "app", &spec.app_id))?;
    if !crate::authorization::authorized_on_group(&spec.user_name, user_groups, authorizations) {
        return Err(Error::new(
            crate::ErrorKind::Forbidden,
            Reason::LaunchNotAuthorized,
            format!(
                "user {} is not authorized on app group {}, directly or through a user group",
                spec.user_name, spec.app_group_id
            ),
        ));
    }
    if app.state != "NORMAL" {
        return Err(Error::invalid(
            Reason::AppDisabled,
            format!(
                "app {} is {}: a disabled app cannot be opened",
                app.id, app.state
            ),
        ));
    }
    let primary = group.app_server_group_id.clone().ok_or_else(|| {
        Error::conflict(
            Reason::AppGroupUnbound,
            format!("app group {} is bound to no server group", group.id),
        )
    })?;
    Ok(LaunchTarget {
        primary_server_group_id: primary,
        app_group_name: group.name.clone(),
        app_name: app.name.clone(),
        session_type: if group.app_type == "SESSION_DESKTOP_APP" {
            SessionType::SharedDesktop
        } else {
            SessionType::Application
        },
    })
}

/// A logoff request, validated (vendor `LogoffUserSessionReq`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogoffSpec {
    /// 1–999 ids, each 1–64 characters.
    pub session_ids: Vec<String>,
    /// Seconds until it takes effect (0–999999).
    pub delay_secs: i64,
}

impl LogoffSpec {
    /// Check a logoff: `session_ids` 1–999 ids of 1–64 characters, `delay_time` 0–999999 and
    /// `message_type` 0–4 required, `message`/`title` 1–255 when sent, `transaction_id` 1–31.
    pub fn new(
        session_ids: Option<Vec<String>>,
        delay_time: Option<i64>,
        message_type: Option<i64>,
        message: Option<&str>,
        title: Option<&str>,
        transaction_id: Option<&str>,
    ) -> Result<Self> {
        let ids = session_ids.ok_or_else(|| Error::missing("session_ids"))?;
        if ids.is_empty() || ids.len() > 999 {
            return Err(Error::invalid(
                Reason::OutOfRange,
                "session_ids must hold 1 to 999 ids",
            ));
        }
        for id in &ids {
            check_len("session_ids[]", id, 1, 64)?;
        }
        let delay = delay_time.ok_or_else(|| Error::missing("delay_time"))?;
        crate::validate::check_range("delay_time", delay, 0, MAX_LOGOFF_DELAY_SECS)?;
        let mt = message_type.ok_or_else(|| Error::missing("message_type"))?;
        crate::validate::check_range("message_type", mt, 0, 4)?;
        if let Some(m) = message {
            check_len("message", m, 1, 255)?;
        }
        if let Some(t) = title {
            check_len("title", t, 1, 255)?;
        }
        if let Some(t) = transaction_id {
            check_len("transaction_id", t, 1, 31)?;
        }
        let mut seen = std::collections::HashSet::new();
        let session_ids = ids.into_iter().filter(|i| seen.insert(i.clone())).collect();
        Ok(Self {
            session_ids,
            delay_secs: delay,
        })
    }
}

/// The fields of an [`AppConnection`] a filter may name (exact matches).
pub const CONNECTION_FIELDS: [&str; 10] = [
    "id",
    "user_name",
    "app_group_id",
    "app_group_name",
    "app_name",
    "machine_name",
    "vm_ip",
    "client_ip",
    "client_type",
    "project_id",
];

/// Filters of `list_app_connection` (and its export): exact matches on fields of
/// [`CONNECTION_FIELDS`], a window on the brokering time.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConnectionFilter {
    /// `(field, value)` pairs that must all be equal.
    pub exact: Vec<(&'static str, String)>,
    /// Brokered at or after (epoch ms).
    pub from_ms: Option<i64>,
    /// Brokered at or before (epoch ms).
    pub to_ms: Option<i64>,
    /// A non-empty filter on a field openwks does not record was sent: nothing matches.
    pub nothing: bool,
}

/// Filters of `list_sessions` (and `export_sessions`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionFilter {
    /// Exact user.
    pub user_name: Option<String>,
    /// Sessions that started at or after this (epoch ms).
    pub begin_ms: Option<i64>,
    /// ... and at or before this.
    pub end_ms: Option<i64>,
    /// Exact server group (where the session runs).
    pub server_group_id: Option<String>,
    /// Exact server address.
    pub vm_ip: Option<String>,
    /// Exact client address.
    pub public_ip: Option<String>,
    /// Exact server name.
    pub machine_name: Option<String>,
    /// Any of these states.
    pub states: Option<Vec<SessionState>>,
    /// `true`: sessions that were created (every stored one); `false`: failed ones (none are
    /// stored: a refused launch creates no session).
    pub is_success: Option<bool>,
}

impl SessionFilter {
    /// Whether `s` passes.
    pub fn matches(&self, s: &Session) -> bool {
        let eq = |f: &Option<String>, v: &str| f.as_deref().is_none_or(|f| f == v);
        eq(&self.user_name, &s.user_name)
            && eq(&self.server_group_id, &s.server_group_id)
            && eq(&self.vm_ip, &s.vm_ip)
            && eq(&self.public_ip, &s.client_ip)
            && eq(&self.machine_name, &s.machine_name)
            && self.begin_ms.is_none_or(|b| s.start_ms >= b)
            && self.end_ms.is_none_or(|e| s.start_ms <= e)
            && self.states.as_ref().is_none_or(|st| st.contains(&s.state))
            && self.is_success != Some(false)
    }

    /// Parse the `session_state` comma list: each must be a [`SessionState`].
    pub fn parse_states(v: &str) -> Result<Vec<SessionState>> {
        let names = SessionState::ALL.map(SessionState::as_str);
        v.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                let s = crate::validate::check_enum("session_state", s, &names)?;
                SessionState::parse(s).ok_or_else(|| Error::internal("a checked state"))
            })
            .collect()
    }

    /// Parse `is_success` (`"true"` / `"false"`).
    pub fn parse_is_success(v: &str) -> Result<bool> {
        match v {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err(Error::invalid(
                Reason::InvalidParameter,
                format!("is_success must be \"true\" or \"false\", not {v:?}"),
            )),
        }
    }

    /// Parse a time filter when one was sent (empty means not sent).
    pub fn parse_sent_time(field: &str, v: &Option<String>) -> Result<Option<i64>> {
        v.as_deref()
            .filter(|s| !s.is_empty())
            .map(|s| Self::parse_time(field, s))
            .transpose()
    }

    /// Parse a query time (`2024-02-27T03:47:51.182Z`) to epoch ms.
    pub fn parse_time(field: &str, v: &str) -> Result<i64> {
        chrono::DateTime::parse_from_rfc3339(v)
            .map(|t| t.timestamp_millis())
            .map_err(|_| {
                Error::invalid(
                    Reason::InvalidParameter,
                    format!("{field} must be a time like 2024-02-27T03:47:51.182Z, not {v:?}"),
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session() -> Session {
        Session {
            id: "s".into(),
            project_id: "p".into(),
            user_name: "alice".into(),
            app_group_id: "ag".into(),
            app_id: "app".into(),
            app_name: "Notepad".into(),
            server_id: "srv".into(),
            machine_name: "m".into(),
            vm_ip: "10.0.0.5".into(),
            server_group_id: "sg".into(),
            server_group_name: "sg".into(),
            primary_server_group_id: "sg".into(),
            secondary_server_group_id: None,
            session_type: SessionType::Application,
            state: SessionState::Active,
            client_ip: "1.2.3.4".into(),
            client_type: "Windows".into(),
            start_time: "t".into(),
            start_ms: 1_000,
            end_time: String::new(),
            end_ms: None,
            last_update_status_time: "t".into(),
            last_update_ms: 1_000,
            logoff_at_ms: None,
            disconnect_timeout_ms: None,
        }
    }

    #[test]
    fn a_disconnected_session_times_out_and_a_logoff_can_come_first() {
        let mut s = session();
        assert_eq!(s.deadline_ms(), None);
        s.set_state(
            SessionState::Disconnected,
            crate::time::Timestamp::from_ms(2_000),
        );
        assert_eq!(s.deadline_ms(), Some(2_000 + DISCONNECT_TIMEOUT_MS));
        // A policy's timeout, or none at all.
        s.disconnect_timeout_ms = Some(60_000);
        assert_eq!(s.deadline_ms(), Some(2_000 + 60_000));
        s.disconnect_timeout_ms = Some(KEEP_DISCONNECTED);
        assert_eq!(s.deadline_ms(), None);
        s.logoff_at_ms = Some(5_000);
        assert_eq!(s.deadline_ms(), Some(5_000));
        assert!(s.is_live());
        s.set_state(
            SessionState::SignedOut,
            crate::time::Timestamp::from_ms(5_000),
        );
        assert!(!s.is_live());
        assert_eq!((s.end_ms, s.logoff_at_ms), (Some(5_000), None));
    }

    #[test]
    fn launch_and_logoff_fields_are_checked() {
        let ok = LaunchSpec::new(
            Some("alice".into()),
            Some("1".into()),
            Some("a".into()),
            Some("::1".into()),
            None,
            false,
        );
        assert!(ok.is_ok());
        let bad_ip = LaunchSpec::new(
            Some("alice".into()),
            Some("1".into()),
            Some("a".into()),
            Some("999.1.1.1".into()),
            None,
            false,
        );
        assert!(bad_ip.is_err_and(|e| e.message.contains("client_ip")));
        let no_user = LaunchSpec::new(None, Some("1".into()), Some("a".into()), None, None, false);
        assert!(no_user.is_err_and(|e| e.code == Reason::MissingParameter));
        let long = "x".repeat(65);
        assert!(LaunchSpec::new(
            Some(long),
            Some("1".into()),
            Some("a".into()),
            None,
            None,
            false
        )
        .is_err());

        assert!(LogoffSpec::new(Some(vec![]), Some(0), Some(0), None, None, None).is_err());
        assert!(LogoffSpec::new(Some(vec!["a".into()]), None, Some(0), None, None, None).is_err());
        assert!(LogoffSpec::new(
            Some(vec!["a".into()]),
            Some(1_000_000),
            Some(0),
            None,
            None,
            None
        )
        .is_err());
        assert!(
            LogoffSpec::new(Some(vec!["a".into()]), Some(0), Some(5), None, None, None).is_err()
        );
        assert!(LogoffSpec::new(
            Some(vec!["a".into()]),
            Some(0),
            Some(0),
            Some(""),
            None,
            None
        )
        .is_err());
        let l = LogoffSpec::new(
            Some(vec!["a".into(), "a".into()]),
            Some(30),
            Some(1),
            Some("bye"),
            None,
            None,
        )
        .expect("valid");
        assert_eq!((l.session_ids.len(), l.delay_secs), (1, 30));
    }

    #[test]
    fn filters_match_each_field() {
        let s = session();
        assert!(SessionFilter::default().matches(&s));
        let by_user = SessionFilter {
            user_name: Some("bob".into()),
            ..Default::default()
        };
        assert!(!by_user.matches(&s));
        let window = SessionFilter {
            begin_ms: Some(500),
            end_ms: Some(999),
            ..Default::default()
        };
        assert!(!window.matches(&s));
        let states = SessionFilter {
            states: Some(SessionFilter::parse_states("Disconnected, Active").expect("valid")),
            ..Default::default()
        };
        assert!(states.matches(&s));
        assert!(SessionFilter::parse_states("Sleeping").is_err());
        let failed = SessionFilter {
            is_success: Some(SessionFilter::parse_is_success("false").expect("valid")),
            ..Default::default()
        };
        assert!(!failed.matches(&s));
        assert!(SessionFilter::parse_is_success("yes").is_err());
        assert_eq!(
            SessionFilter::parse_time("t", "2024-02-27T03:47:51.182Z").ok(),
            Some(1_709_005_671_182)
        );
        assert!(SessionFilter::parse_time("t", "yesterday").is_err());
    }
}
