//! Who may open what: authorizations of accounts (users and user groups) on app groups
//! (sdk-surface.md §2.3, "authorizations & mails"), the user groups of the openwks directory,
//! and the mail records the vendor API keeps (openwks records sends; nothing leaves the
//! machine).

use serde::{Deserialize, Serialize};

use crate::error::{Error, Reason, Result};
use crate::validate::check_enum;

/// `AccountTypeEnum`.
pub const ACCOUNT_TYPES: &[&str] = &["USER", "USER_GROUP"];
/// `PlatformTypeEnum`.
pub const PLATFORM_TYPES: &[&str] = &["AD", "LOCAL", "SYSTEM"];

/// An authorized account.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Account {
    /// User name or user-group name (1–64 characters).
    pub account: String,
    /// `USER` or `USER_GROUP`.
    pub account_type: String,
    /// The account's id as the caller gave it (`id`), or the account name.
    pub account_id: String,
    /// AD domain.
    pub domain: String,
    /// Mail address (mails are recorded, never sent).
    pub email: String,
    /// Phone.
    pub telephone_number: String,
    /// `AD`, `LOCAL` or `SYSTEM`.
    pub platform_type: String,
}

/// `AccountInfo` fields as sent.
#[derive(Debug, Clone, Default)]
pub struct AccountSpec {
    pub id: Option<String>,
    pub account: Option<String>,
    pub account_type: Option<String>,
    pub domain: Option<String>,
    pub email: Option<String>,
    pub telephone_number: Option<String>,
    pub platform_type: Option<String>,
}

impl AccountSpec {
    /// Validate one account.
    pub fn validate(self) -> Result<Account> {
        let account = self
            .account
            .filter(|a| !a.trim().is_empty())
            .ok_or_else(|| Error::missing("accounts[].account"))?;
        let n = account.chars().count();
        if n > 64 || account.chars().any(char::is_control) {
            return Err(Error::invalid(
                Reason::OutOfRange,
                format!("accounts[].account must be 1 to 64 printable characters, got {n}"),
            ));
        }
        let account_type = self
            .account_type
            .ok_or_else(|| Error::missing("accounts[].account_type"))?;
        check_enum("accounts[].account_type", &account_type, ACCOUNT_TYPES)?;
        let platform_type = match self.platform_type.as_deref().filter(|p| !p.is_empty()) {
            Some(p) => check_enum("accounts[].platform_type", p, PLATFORM_TYPES)?.to_string(),
            None => "LOCAL".to_string(),
        };
        Ok(Account {
            account_id: self
                .id
                .filter(|i| !i.is_empty())
                .unwrap_or_else(|| account.clone()),
            account,
            account_type,
            domain: self.domain.unwrap_or_default(),
            email: self.email.unwrap_or_default(),
            telephone_number: self.telephone_number.unwrap_or_default(),
            platform_type,
        })
    }
}

/// Validate an authorize / de-authorize request: 1–100 app groups, 1–100 accounts, no
/// duplicates (a duplicate is folded, not refused).
pub fn check_authorize(
    app_group_ids: Option<Vec<String>>,
    accounts: Option<Vec<AccountSpec>>,
) -> Result<(Vec<String>, Vec<Account>)> {
    let mut ids = app_group_ids.ok_or_else(|| Error::missing("app_group_ids"))?;
    let accounts = accounts.ok_or_else(|| Error::missing("accounts"))?;
    if ids.is_empty() || ids.len() > 100 {
        return Err(Error::invalid(
            Reason::OutOfRange,
            format!("app_group_ids must hold 1 to 100 ids, got {}", ids.len()),
        ));
    }
    if accounts.is_empty() || accounts.len() > 100 {
        return Err(Error::invalid(
            Reason::OutOfRange,
            format!(
                "accounts must hold 1 to 100 accounts, got {}",
                accounts.len()
            ),
        ));
    }
    ids.sort();
    ids.dedup();
    let mut out: Vec<Account> = Vec::new();
    for a in accounts {
        let a = a.validate()?;
        if !out
            .iter()
            .any(|o| o.account == a.account && o.account_type == a.account_type)
        {
            out.push(a);
        }
    }
    Ok((ids, out))
}

/// An authorization of an account on an app group.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Authorization {
    /// Id.
    pub id: String,
    /// Project.
    pub project_id: String,
    /// The app group.
    pub app_group_id: String,
    /// Who.
    pub account: Account,
    /// When.
    pub create_at: String,
}

/// An authorization with its app group's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationView {
    /// The authorization.
    pub authorization: Authorization,
    /// The app group's name.
    pub app_group_name: String,
}

/// A recorded authorization mail (`AuthorizationMail`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct MailRecord {
    /// Id.
    pub id: String,
    /// Project.
    pub project_id: String,
    /// Recipient account.
    pub account: String,
    /// `USER` or `USER_GROUP` (the authorization that caused it).
    pub account_auth_type: String,
    /// The authorized account's name.
    pub account_auth_name: String,
    /// App group.
    pub app_group_id: String,
    /// App group name at send time.
    pub app_group_name: String,
    /// `ADD_GROUP_AUTHORIZATION`, `DEL_GROUP_AUTHORIZATION` or `RESEND`.
    pub mail_send_type: String,
    /// `SUCCESS` (recorded) or `FAIL` (no address).
    pub mail_send_result: String,
    /// Why a send failed.
    pub error_msg: String,
    /// When.
    pub send_at: String,
}

/// A user group of the openwks directory (`/openwks/v1/{project_id}/user-groups`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct UserGroup {
    /// Id.
    pub id: String,
    /// Project.
    pub project_id: String,
    /// Name, unique in the project (what authorizations name as `account`).
    pub name: String,
    /// Description.
    pub description: String,
    /// Members' user names, sorted (the first [`MEMBERS_SHOWN`] when read back).
    pub members: Vec<String>,
    /// How many members the group has.
    #[serde(default)]
    pub member_count: i64,
    /// Creation time.
    pub create_at: String,
}

/// How many members a user group answers with (the rest are counted in `member_count`): a
/// group of a million users stays cheap to read and to change.
pub const MEMBERS_SHOWN: i64 = 1000;

/// Validate a user-group name (1–64 letters, digits, `_`, `-`, `.`) and description (≤ 255).
pub fn check_user_group(name: &str, description: &str) -> Result<()> {
    let n = name.chars().count();
    if n == 0
        || n > 64
        || !name
            .chars()
            .all(|c| c.is_alphanumeric() || "_-.".contains(c))
    {
        return Err(Error::invalid(
            Reason::InvalidName,
            "name must be 1 to 64 letters, digits, '_', '-' or '.'",
        ));
    }
    crate::validate::check_text("description", description, 0, 255, Reason::OutOfRange)
}

/// Validate user names given to a group (1–100 names of 1–64 printable characters).
pub fn check_user_names(users: Option<Vec<String>>) -> Result<Vec<String>> {
    let mut users = users.ok_or_else(|| Error::missing("users"))?;
    if users.is_empty() || users.len() > 100 {
        return Err(Error::invalid(
            Reason::OutOfRange,
            format!("users must hold 1 to 100 names, got {}", users.len()),
        ));
    }
    for u in &users {
        let n = u.chars().count();
        if n == 0 || n > 64 || u.chars().any(char::is_control) {
            return Err(Error::invalid(
                Reason::InvalidName,
                format!("user name {u:?} must be 1 to 64 printable characters"),
            ));
        }
    }
    users.sort();
    users.dedup();
    Ok(users)
}

/// Whether `user` (a member of `user_groups`) holds one of `authorizations` of an app group:
/// directly (a `USER` authorization) or through a `USER_GROUP` authorization of one of its
/// groups.
pub fn authorized_on_group(user: &str, user_groups: &[String], authorizations: &[Account]) -> bool {
    authorizations
        .iter()
        .any(|a| match a.account_type.as_str() {
            "USER" => a.account == user,
            "USER_GROUP" => user_groups.contains(&a.account),
            _ => false,
        })
}

/// The question the session router asks: may `user` open an app whose state is `app_state`,
/// published in an app group that has `authorizations`? Only a `NORMAL` app can be opened, and
/// only by an authorized user ([`authorized_on_group`]).
pub fn may_open(
    user: &str,
    user_groups: &[String],
    authorizations: &[Account],
    app_state: &str,
) -> bool {
    app_state == "NORMAL" && authorized_on_group(user, user_groups, authorizations)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn acc(account: &str, t: &str) -> AccountSpec {
        AccountSpec {
            account: Some(account.into()),
            account_type: Some(t.into()),
            ..Default::default()
        }
    }

    #[test]
    fn accounts_are_validated_and_folded() {
        let (ids, accs) = check_authorize(
            Some(vec!["2".into(), "1".into(), "2".into()]),
            Some(vec![acc("alice", "USER"), acc("alice", "USER")]),
        )
        .expect("ok");
        assert_eq!(ids, vec!["1".to_string(), "2".to_string()]);
        assert_eq!(accs.len(), 1);
        assert_eq!(accs[0].platform_type, "LOCAL");
        assert!(check_authorize(Some(vec!["1".into()]), Some(vec![acc("a", "ROLE")])).is_err());
        assert!(check_authorize(Some(vec![]), Some(vec![acc("a", "USER")])).is_err());
        assert!(check_authorize(Some(vec!["1".into()]), None).is_err());
        let mut bad = acc("a", "USER");
        bad.platform_type = Some("LDAP".into());
        assert!(bad.validate().is_err());
    }

    #[test]
    fn may_open_directly_or_through_a_group() {
        let auths = vec![
            acc("alice", "USER").validate().expect("a"),
            acc("cad-team", "USER_GROUP").validate().expect("g"),
        ];
        assert!(may_open("alice", &[], &auths, "NORMAL"));
        assert!(may_open("bob", &["cad-team".into()], &auths, "NORMAL"));
        assert!(!may_open("bob", &["gis-team".into()], &auths, "NORMAL"));
        assert!(!may_open("carol", &[], &[], "NORMAL"));
        assert!(
            !may_open("alice", &[], &auths, "FORBIDDEN"),
            "a disabled app cannot be opened"
        );
        assert!(authorized_on_group("alice", &[], &auths));
    }
}
