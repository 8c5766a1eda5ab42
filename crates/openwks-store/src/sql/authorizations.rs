//! Authorizations, authorization mail records and user groups.

use super::engine::SqlStore;
use super::rows;
use super::tx::WriteTx;
use crate::db::Value;
use crate::db::{params, params_from_iter, Connection, OptionalExtension};
use openwks_core::authorization::{
    Account, Authorization, AuthorizationView, MailRecord, UserGroup,
};
use openwks_core::error::Reason;
use openwks_core::time::Timestamp;
use openwks_core::{Error, Result};

use super::rows::json_err;
use crate::db::db_err;
use crate::{AuthorizationFilter, Change, Deleted, MailFilter};

fn record_mail(
    tx: &WriteTx,
    project_id: &str,
    a: &Account,
    ag_id: &str,
    ag_name: &str,
    kind: &str,
    now: Timestamp,
) -> Result<()> {
    let (conn, ids) = (tx.db(), tx.ids());
    let (result, error_msg) = if a.account_type == "USER" && a.email.is_empty() {
        ("FAIL", "the account has no mail address")
    } else {
        ("SUCCESS", "")
    };
    let m = MailRecord {
        id: ids.uuid(),
        project_id: project_id.to_string(),
        account: a.account.clone(),
        account_auth_type: a.account_type.clone(),
        account_auth_name: a.account.clone(),
        app_group_id: ag_id.to_string(),
        app_group_name: ag_name.to_string(),
        mail_send_type: kind.to_string(),
        mail_send_result: result.to_string(),
        error_msg: error_msg.to_string(),
        send_at: now.wire(),
    };
    conn.prepare_cached("INSERT INTO mail_records (id, project_id, app_group_id, account, doc) VALUES (?1, ?2, ?3, ?4, ?5)")
        .map_err(db_err)?
        .execute(params![m.id, m.project_id, m.app_group_id, m.account, serde_json::to_string(&m).map_err(json_err)?])
        .map_err(db_err)?;
    Ok(())
}

fn user_group_exists(conn: &Connection, project_id: &str, name: &str) -> Result<bool> {
    conn.prepare_cached("SELECT 1 FROM user_groups WHERE project_id = ?1 AND name = ?2")
        .map_err(db_err)?
        .query_row([project_id, name], |_| Ok(()))
        .optional()
        .map_err(db_err)
        .map(|o| o.is_some())
}

/// Authorize every account on every app group: all app groups must exist (else nothing is
/// written); existing authorizations stay as they are (idempotent). A mail is recorded for each
/// new authorization.
pub(crate) fn add(
    tx: &WriteTx,
    project_id: &str,
    ag_ids: &[String],
    accounts: &[Account],
    now: Timestamp,
) -> Result<usize> {
    let (conn, ids) = (tx.db(), tx.ids());
    let mut groups = Vec::with_capacity(ag_ids.len());
    for id in ag_ids {
        groups.push(
            rows::app_group(conn, project_id, id)?
                .ok_or_else(|| Error::not_found("app group", id))?,
        );
    }
    for a in accounts {
        if a.account_type == "USER_GROUP"
            && a.platform_type == "LOCAL"
            && !user_group_exists(conn, project_id, &a.account)?
        {
            return Err(Error::invalid(
                Reason::InvalidParameter,
                format!("user group {} does not exist (create it under /openwks/v1/{{project_id}}/user-groups)", a.account),
            ));
        }
    }
    let mut added = 0;
    for g in &groups {
        for a in accounts {
            let auth = Authorization {
                id: ids.uuid(),
                project_id: project_id.to_string(),
                app_group_id: g.id.clone(),
                account: a.clone(),
                create_at: now.wire(),
            };
            let n = conn
                .prepare_cached(
                    "INSERT INTO authorizations (id, project_id, app_group_id, account, account_type, doc) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (app_group_id, account_type, account) DO NOTHING",
                )
                .map_err(db_err)?
                .execute(params![auth.id, project_id, g.id, a.account, a.account_type, serde_json::to_string(&auth).map_err(json_err)?])
                .map_err(db_err)?;
            if n > 0 {
                added += 1;
                record_mail(
                    tx,
                    project_id,
                    a,
                    &g.id,
                    &g.name,
                    "ADD_GROUP_AUTHORIZATION",
                    now,
                )?;
            }
        }
    }
    Ok(added)
}

/// Remove the authorizations of these accounts on these app groups; missing ones are fine.
pub(crate) fn remove(
    tx: &WriteTx,
    project_id: &str,
    ag_ids: &[String],
    accounts: &[Account],
    now: Timestamp,
) -> Result<usize> {
    let conn = tx.db();
    let mut removed = 0;
    for id in ag_ids {
        let Some(g) = rows::app_group(conn, project_id, id)? else {
            continue;
        };
        for a in accounts {
            let n = conn
                .prepare_cached("DELETE FROM authorizations WHERE app_group_id = ?1 AND account_type = ?2 AND account = ?3")
                .map_err(db_err)?
                .execute([&g.id, &a.account_type, &a.account])
                .map_err(db_err)?;
            if n > 0 {
                removed += n;
                record_mail(
                    tx,
                    project_id,
                    a,
                    &g.id,
                    &g.name,
                    "DEL_GROUP_AUTHORIZATION",
                    now,
                )?;
            }
        }
    }
    Ok(removed)
}

/// Remove every authorization of an app group (it is being deleted).
pub(crate) fn remove_all_of_app_group(conn: &Connection, app_group_id: &str) -> Result<()> {
    conn.prepare_cached("DELETE FROM authorizations WHERE app_group_id = ?1")
        .map_err(db_err)?
        .execute([app_group_id])
        .map_err(db_err)?;
    Ok(())
}

pub(crate) fn list(
    conn: &Connection,
    project_id: &str,
    f: &AuthorizationFilter,
    offset: i64,
    limit: i64,
) -> Result<(i64, Vec<AuthorizationView>)> {
    let mut wh = String::from("a.project_id = ?");
    let mut args: Vec<Value> = vec![Value::Text(project_id.to_string())];
    for (col, v) in [
        ("a.app_group_id", &f.app_group_id),
        ("a.account", &f.account),
        ("a.account_type", &f.account_type),
    ] {
        if let Some(v) = v {
            wh.push_str(&format!(" AND {col} = ?"));
            args.push(Value::Text(v.clone()));
        }
    }
    let count: i64 = conn
        .prepare_cached(&format!("SELECT COUNT(*) FROM authorizations a WHERE {wh}"))
        .map_err(db_err)?
        .query_row(params_from_iter(args.iter()), |r| r.get(0))
        .map_err(db_err)?;
    args.push(Value::Integer(limit));
    args.push(Value::Integer(offset));
    let rows = conn
        .prepare_cached(&format!(
            "SELECT a.doc, g.name FROM authorizations a LEFT JOIN app_groups g ON g.id = a.app_group_id \
             WHERE {wh} ORDER BY a.seq DESC LIMIT ? OFFSET ?"
        ))
        .map_err(db_err)?
        .query_map(params_from_iter(args.iter()), |r| Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?)))
        .map_err(db_err)?
        .collect::<crate::db::DbResult<Vec<_>>>()
        .map_err(db_err)?;
    let mut out = Vec::with_capacity(rows.len());
    for (doc, name) in rows {
        let authorization: Authorization = serde_json::from_str(&doc).map_err(json_err)?;
        if f.account_id
            .as_ref()
            .is_some_and(|id| *id != authorization.account.account_id)
        {
            continue;
        }
        out.push(AuthorizationView {
            authorization,
            app_group_name: name.unwrap_or_default(),
        });
    }
    Ok((count, out))
}

/// The authorizations of an app group and the user groups `user` belongs to: what
/// `openwks_core::authorization::may_open` decides on.
pub(crate) fn access_facts(
    conn: &Connection,
    project_id: &str,
    app_group_id: &str,
    user: &str,
) -> Result<(Vec<Account>, Vec<String>)> {
    // Only the authorizations that can concern this user (its own, its user groups'): an
    // indexed lookup, however many accounts the app group has.
    let accounts = conn
        .prepare_cached(
            "SELECT doc FROM authorizations WHERE project_id = ?1 AND app_group_id = ?2 AND \
             ((account_type = 'USER' AND account = ?3) OR (account_type = 'USER_GROUP' AND account IN \
              (SELECT g.name FROM user_groups g JOIN user_group_members m ON m.user_group_id = g.id \
               WHERE g.project_id = ?1 AND m.user_name = ?3)))",
        )
        .map_err(db_err)?
        .query_map([project_id, app_group_id, user], |r| r.get::<_, String>(0))
        .map_err(db_err)?
        .collect::<crate::db::DbResult<Vec<_>>>()
        .map_err(db_err)?
        .iter()
        .map(|d| {
            serde_json::from_str::<Authorization>(d)
                .map(|a| a.account)
                .map_err(json_err)
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((accounts, groups_of(conn, project_id, user)?))
}

/// The names of the user groups of a project `user` is a member of.
pub(crate) fn groups_of(conn: &Connection, project_id: &str, user: &str) -> Result<Vec<String>> {
    super::rows::strings(
        conn,
        "SELECT g.name FROM user_groups g JOIN user_group_members m ON m.user_group_id = g.id \
         WHERE g.project_id = ?1 AND m.user_name = ?2",
        [project_id, user],
    )
}

pub(crate) fn list_mails(
    conn: &Connection,
    project_id: &str,
    f: &MailFilter,
    offset: i64,
    limit: i64,
) -> Result<(i64, Vec<MailRecord>)> {
    let all = conn
        .prepare_cached("SELECT doc FROM mail_records WHERE project_id = ?1 AND (app_group_id = ?2 OR ?2 IS NULL) AND (account = ?3 OR ?3 IS NULL) ORDER BY seq DESC")
        .map_err(db_err)?
        .query_map(params![project_id, f.app_group_id, f.account], |r| r.get::<_, String>(0))
        .map_err(db_err)?
        .collect::<crate::db::DbResult<Vec<_>>>()
        .map_err(db_err)?;
    let mut records = Vec::new();
    for d in all {
        let m: MailRecord = serde_json::from_str(&d).map_err(json_err)?;
        if f.mail_send_type
            .as_ref()
            .is_some_and(|t| *t != m.mail_send_type)
            || f.mail_send_result
                .as_ref()
                .is_some_and(|r| *r != m.mail_send_result)
        {
            continue;
        }
        records.push(m);
    }
    let count = records.len() as i64;
    Ok((
        count,
        records
            .into_iter()
            .skip(offset as usize)
            .take(limit as usize)
            .collect(),
    ))
}

/// Send again the mails of these mail records (all must exist).
pub(crate) fn resend(
    tx: &WriteTx,
    project_id: &str,
    record_ids: &[String],
    now: Timestamp,
) -> Result<usize> {
    let conn = tx.db();
    for id in record_ids {
        let doc: String = conn
            .prepare_cached("SELECT doc FROM mail_records WHERE id = ?1 AND project_id = ?2")
            .map_err(db_err)?
            .query_row([id, project_id], |r| r.get(0))
            .optional()
            .map_err(db_err)?
            .ok_or_else(|| Error::not_found("mail record", id))?;
        let m: MailRecord = serde_json::from_str(&doc).map_err(json_err)?;
        let a = Account {
            account: m.account.clone(),
            account_type: m.account_auth_type.clone(),
            account_id: m.account.clone(),
            domain: String::new(),
            email: if m.mail_send_result == "SUCCESS" {
                "recorded".into()
            } else {
                String::new()
            },
            telephone_number: String::new(),
            platform_type: "LOCAL".into(),
        };
        record_mail(
            tx,
            project_id,
            &a,
            &m.app_group_id,
            &m.app_group_name,
            "RESEND",
            now,
        )?;
    }
    Ok(record_ids.len())
}

/// Send the authorization mails of these authorizations (all must exist).
pub(crate) fn send_for_authorizations(
    tx: &WriteTx,
    project_id: &str,
    auth_ids: &[String],
    now: Timestamp,
) -> Result<usize> {
    let conn = tx.db();
    for id in auth_ids {
        let row: (String, Option<String>) = conn
            .prepare_cached("SELECT a.doc, g.name FROM authorizations a LEFT JOIN app_groups g ON g.id = a.app_group_id WHERE a.id = ?1 AND a.project_id = ?2")
            .map_err(db_err)?
            .query_row([id, project_id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()
            .map_err(db_err)?
            .ok_or_else(|| Error::not_found("authorization", id))?;
        let a: Authorization = serde_json::from_str(&row.0).map_err(json_err)?;
        record_mail(
            tx,
            project_id,
            &a.account,
            &a.app_group_id,
            &row.1.unwrap_or_default(),
            "ADD_GROUP_AUTHORIZATION",
            now,
        )?;
    }
    Ok(auth_ids.len())
}

fn load_user_group(conn: &Connection, project_id: &str, id: &str) -> Result<Option<UserGroup>> {
    let doc: Option<String> = conn
        .prepare_cached("SELECT doc FROM user_groups WHERE id = ?1 AND project_id = ?2")
        .map_err(db_err)?
        .query_row([id, project_id], |r| r.get(0))
        .optional()
        .map_err(db_err)?;
    let Some(doc) = doc else { return Ok(None) };
    let mut g: UserGroup = serde_json::from_str(&doc).map_err(json_err)?;
    g.members = conn
        .prepare_cached(
            "SELECT user_name FROM user_group_members WHERE user_group_id = ?1 ORDER BY user_name LIMIT ?2",
        )
        .map_err(db_err)?
        .query_map(
            crate::db::params![id, openwks_core::authorization::MEMBERS_SHOWN],
            |r| r.get::<_, String>(0),
        )
        .map_err(db_err)?
        .collect::<crate::db::DbResult<Vec<_>>>()
        .map_err(db_err)?;
    // A counter kept with the memberships (counting a million rows per read would not be).
    g.member_count = conn
        .prepare_cached("SELECT member_count FROM user_groups WHERE id = ?1")
        .map_err(db_err)?
        .query_row([id], |r| r.get(0))
        .map_err(db_err)?;
    Ok(Some(g))
}

pub(crate) fn user_group(
    conn: &Connection,
    project_id: &str,
    id: &str,
) -> Result<Option<UserGroup>> {
    load_user_group(conn, project_id, id)
}

pub(crate) fn create_user_group(conn: &Connection, g: &UserGroup) -> Result<UserGroup> {
    if user_group_exists(conn, &g.project_id, &g.name)? {
        return Err(Error::conflict(
            Reason::Conflict,
            format!("a user group named {} already exists", g.name),
        ));
    }
    let mut stored = g.clone();
    stored.members = Vec::new();
    conn.prepare_cached(
        "INSERT INTO user_groups (id, project_id, name, doc) VALUES (?1, ?2, ?3, ?4)",
    )
    .map_err(db_err)?
    .execute(params![
        g.id,
        g.project_id,
        g.name,
        serde_json::to_string(&stored).map_err(json_err)?
    ])
    .map_err(db_err)?;
    set_members(conn, &g.id, &g.members, Change::Add)?;
    load_user_group(conn, &g.project_id, &g.id)?
        .ok_or_else(|| Error::internal("user group vanished"))
}

pub(crate) fn list_user_groups(
    conn: &Connection,
    project_id: &str,
    offset: i64,
    limit: i64,
) -> Result<(i64, Vec<UserGroup>)> {
    let (count, ids) = rows::page(
        conn,
        ("id", "user_groups", "project_id = ?", "seq"),
        vec![Value::Text(project_id.to_string())],
        offset,
        limit,
    )?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(g) = load_user_group(conn, project_id, &id)? {
            out.push(g);
        }
    }
    Ok((count, out))
}

/// Add or remove members, keeping the group's `member_count` in step.
fn set_members(conn: &Connection, id: &str, users: &[String], change: Change) -> Result<()> {
    let sql = if change == Change::Add {
        "INSERT INTO user_group_members (user_group_id, user_name) VALUES (?1, ?2) ON CONFLICT DO NOTHING"
    } else {
        "DELETE FROM user_group_members WHERE user_group_id = ?1 AND user_name = ?2"
    };
    let mut changed = 0i64;
    for u in users {
        changed += conn
            .prepare_cached(sql)
            .map_err(db_err)?
            .execute([id, u])
            .map_err(db_err)? as i64;
    }
    let delta = if change == Change::Add {
        changed
    } else {
        -changed
    };
    conn.prepare_cached("UPDATE user_groups SET member_count = member_count + ?2 WHERE id = ?1")
        .map_err(db_err)?
        .execute(params![id, delta])
        .map_err(db_err)?;
    Ok(())
}

pub(crate) fn change_members(
    conn: &Connection,
    project_id: &str,
    id: &str,
    users: &[String],
    change: Change,
) -> Result<UserGroup> {
    if load_user_group(conn, project_id, id)?.is_none() {
        return Err(Error::not_found("user group", id));
    }
    set_members(conn, id, users, change)?;
    load_user_group(conn, project_id, id)?.ok_or_else(|| Error::internal("user group vanished"))
}

/// Delete a user group with its memberships and the authorizations that name it.
pub(crate) fn delete_user_group(conn: &Connection, project_id: &str, id: &str) -> Result<Deleted> {
    let Some(g) = load_user_group(conn, project_id, id)? else {
        return Ok(Deleted::NotFound);
    };
    conn.execute(
        "DELETE FROM user_group_members WHERE user_group_id = ?1",
        [id],
    )
    .map_err(db_err)?;
    conn.execute(
        "DELETE FROM authorizations WHERE project_id = ?1 AND account_type = 'USER_GROUP' AND account = ?2",
        [project_id, &g.name],
    )
    .map_err(db_err)?;
    conn.execute("DELETE FROM user_groups WHERE id = ?1", [id])
        .map_err(db_err)?;
    Ok(Deleted::Yes)
}

#[async_trait::async_trait]
impl crate::Authorizations for SqlStore {
    async fn add_authorizations(
        &self,
        project_id: String,
        app_group_ids: Vec<String>,
        accounts: Vec<openwks_core::authorization::Account>,
        now: Timestamp,
    ) -> Result<usize> {
        self.write(move |c| add(c, &project_id, &app_group_ids, &accounts, now))
            .await
    }

    async fn remove_authorizations(
        &self,
        project_id: String,
        app_group_ids: Vec<String>,
        accounts: Vec<openwks_core::authorization::Account>,
        now: Timestamp,
    ) -> Result<usize> {
        self.write(move |c| remove(c, &project_id, &app_group_ids, &accounts, now))
            .await
    }

    async fn list_authorizations(
        &self,
        project_id: String,
        filter: crate::AuthorizationFilter,
        offset: i64,
        limit: i64,
    ) -> Result<(i64, Vec<openwks_core::authorization::AuthorizationView>)> {
        self.read(move |c| list(c, &project_id, &filter, offset, limit))
            .await
    }

    async fn access_facts(
        &self,
        project_id: String,
        app_group_id: String,
        user: String,
    ) -> Result<(Vec<openwks_core::authorization::Account>, Vec<String>)> {
        self.read(move |c| access_facts(c, &project_id, &app_group_id, &user))
            .await
    }

    async fn list_mail_records(
        &self,
        project_id: String,
        filter: crate::MailFilter,
        offset: i64,
        limit: i64,
    ) -> Result<(i64, Vec<openwks_core::authorization::MailRecord>)> {
        self.read(move |c| list_mails(c, &project_id, &filter, offset, limit))
            .await
    }

    async fn resend_mails(
        &self,
        project_id: String,
        record_ids: Vec<String>,
        now: Timestamp,
    ) -> Result<usize> {
        self.write(move |c| resend(c, &project_id, &record_ids, now))
            .await
    }

    async fn send_authorization_mails(
        &self,
        project_id: String,
        authorization_ids: Vec<String>,
        now: Timestamp,
    ) -> Result<usize> {
        self.write(move |c| send_for_authorizations(c, &project_id, &authorization_ids, now))
            .await
    }

    async fn create_user_group(
        &self,
        group: openwks_core::authorization::UserGroup,
    ) -> Result<openwks_core::authorization::UserGroup> {
        self.write(move |c| create_user_group(c.db(), &group)).await
    }

    async fn user_group(
        &self,
        project_id: String,
        id: String,
    ) -> Result<Option<openwks_core::authorization::UserGroup>> {
        self.read(move |c| user_group(c, &project_id, &id)).await
    }

    async fn list_user_groups(
        &self,
        project_id: String,
        offset: i64,
        limit: i64,
    ) -> Result<(i64, Vec<openwks_core::authorization::UserGroup>)> {
        self.read(move |c| list_user_groups(c, &project_id, offset, limit))
            .await
    }

    async fn change_user_group_members(
        &self,
        project_id: String,
        id: String,
        users: Vec<String>,
        change: crate::Change,
    ) -> Result<openwks_core::authorization::UserGroup> {
        self.write(move |c| change_members(c.db(), &project_id, &id, &users, change))
            .await
    }

    async fn delete_user_group(&self, project_id: String, id: String) -> Result<crate::Deleted> {
        self.write(move |c| delete_user_group(c.db(), &project_id, &id))
            .await
    }
}
