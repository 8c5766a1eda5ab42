//! IAM users, access keys, groups, identity policies, attachments and the audit trail.

use super::engine::SqlStore;
use super::rows;
use crate::db::{params, Connection, OptionalExtension};
use openwks_core::error::Reason;
use openwks_core::iam_model::{
    AuditEvent, AuditFilter, IamGroup, IamKey, IamPolicy, IamUser, Principal,
};
use openwks_core::time::Timestamp;
use openwks_core::{Error, ErrorKind, Result};

use super::rows::{docs, json_err};
use crate::db::db_err;
use crate::Deleted;

fn user_row(r: &crate::db::Row) -> crate::db::DbResult<IamUser> {
    Ok(IamUser {
        id: r.get(0)?,
        name: r.get(1)?,
        account_id: r.get(2)?,
        is_admin: r.get::<_, i64>(3)? != 0,
        enabled: r.get::<_, i64>(4)? != 0,
        created_at: r.get(5)?,
    })
}

const USERS: &str =
    "SELECT id, name, account_id, is_admin, enabled, created_at FROM users WHERE account_id = ?1";

fn conflict(msg: String) -> Error {
    Error::conflict(Reason::Conflict, msg)
}

/// A user of the account.
pub(crate) fn user(conn: &Connection, account: &str, id: &str) -> Result<Option<IamUser>> {
    conn.prepare_cached(&format!("{USERS} AND id = ?2"))
        .map_err(db_err)?
        .query_row([account, id], user_row)
        .optional()
        .map_err(db_err)
}

fn must_user(conn: &Connection, account: &str, id: &str) -> Result<IamUser> {
    user(conn, account, id)?.ok_or_else(|| Error::not_found("IAM user", id))
}

/// Create a user; the name is unique in the account.
pub(crate) fn create_user(conn: &Connection, u: &IamUser, password_hash: &str) -> Result<()> {
    let taken: Option<String> = conn
        .prepare_cached("SELECT id FROM users WHERE account_id = ?1 AND name = ?2")
        .map_err(db_err)?
        .query_row([&u.account_id, &u.name], |r| r.get(0))
        .optional()
        .map_err(db_err)?;
    if taken.is_some() {
        return Err(conflict(format!("IAM user {} already exists", u.name)));
    }
    conn.prepare_cached(
        "INSERT INTO users (id, account_id, name, is_admin, password_hash, created_at, enabled) \
         VALUES (?1, ?2, ?3, 0, ?4, ?5, ?6)",
    )
    .map_err(db_err)?
    .execute(params![
        u.id,
        u.account_id,
        u.name,
        password_hash,
        u.created_at,
        u.enabled
    ])
    .map_err(db_err)?;
    Ok(())
}

/// Users of the account, by name.
pub(crate) fn users(conn: &Connection, account: &str) -> Result<Vec<IamUser>> {
    conn.prepare_cached(&format!("{USERS} ORDER BY name"))
        .map_err(db_err)?
        .query_map([account], user_row)
        .map_err(db_err)?
        .collect::<crate::db::DbResult<Vec<_>>>()
        .map_err(db_err)
}

/// Enable or disable a user and/or change its password; the administrator stays enabled.
pub(crate) fn update_user(
    conn: &Connection,
    account: &str,
    id: &str,
    enabled: Option<bool>,
    password_hash: Option<&str>,
) -> Result<IamUser> {
    let u = must_user(conn, account, id)?;
    if u.is_admin && enabled == Some(false) {
        return Err(conflict(
            "the account's administrator cannot be disabled".into(),
        ));
    }
    if let Some(e) = enabled {
        conn.execute(
            "UPDATE users SET enabled = ?2 WHERE id = ?1",
            params![id, e],
        )
        .map_err(db_err)?;
    }
    if let Some(h) = password_hash {
        conn.execute(
            "UPDATE users SET password_hash = ?2 WHERE id = ?1",
            params![id, h],
        )
        .map_err(db_err)?;
    }
    must_user(conn, account, id)
}

/// Delete a user with its keys, memberships and attachments (not the administrator).
pub(crate) fn delete_user(conn: &Connection, account: &str, id: &str) -> Result<Deleted> {
    let Some(u) = user(conn, account, id)? else {
        return Ok(Deleted::NotFound);
    };
    if u.is_admin {
        return Err(conflict(
            "the account's administrator cannot be deleted".into(),
        ));
    }
    for sql in [
        "DELETE FROM access_keys WHERE user_id = ?1",
        "DELETE FROM iam_group_members WHERE user_id = ?1",
        "DELETE FROM iam_attachments WHERE principal_type = 'USER' AND principal_id = ?1",
        "DELETE FROM users WHERE id = ?1",
    ] {
        conn.execute(sql, [id]).map_err(db_err)?;
    }
    Ok(Deleted::Yes)
}

/// Add a key pair to a user.
pub(crate) fn create_key(
    conn: &Connection,
    account: &str,
    user_id: &str,
    ak: &str,
    sk: &str,
    now: Timestamp,
) -> Result<IamKey> {
    must_user(conn, account, user_id)?;
    let taken: Option<i64> = conn
        .prepare_cached("SELECT 1 FROM access_keys WHERE access_key = ?1")
        .map_err(db_err)?
        .query_row([ak], |r| r.get(0))
        .optional()
        .map_err(db_err)?;
    if taken.is_some() {
        return Err(Error::conflict(
            Reason::Conflict,
            format!("access key {ak} already exists"),
        ));
    }
    let n: i64 = conn
        .prepare_cached("SELECT COUNT(*) FROM access_keys WHERE user_id = ?1")
        .map_err(db_err)?
        .query_row([user_id], |r| r.get(0))
        .map_err(db_err)?;
    if n >= 2 {
        return Err(Error::new(
            ErrorKind::Invalid,
            Reason::QuotaExceeded,
            "a user has at most 2 access keys (as on the vendor's IAM)",
        ));
    }
    conn.prepare_cached(
        "INSERT INTO access_keys (access_key, secret_key, user_id, status, created_at) VALUES (?1, ?2, ?3, 'active', ?4)",
    )
    .map_err(db_err)?
    .execute(params![ak, sk, user_id, now.wire()])
    .map_err(db_err)?;
    Ok(IamKey {
        access_key: ak.to_string(),
        user_id: user_id.to_string(),
        status: "active".into(),
        created_at: now.wire(),
    })
}

fn key_row(r: &crate::db::Row) -> crate::db::DbResult<IamKey> {
    Ok(IamKey {
        access_key: r.get(0)?,
        user_id: r.get(1)?,
        status: r.get(2)?,
        created_at: r.get(3)?,
    })
}

/// A user's keys.
pub(crate) fn keys(conn: &Connection, account: &str, user_id: &str) -> Result<Vec<IamKey>> {
    must_user(conn, account, user_id)?;
    conn.prepare_cached(
        "SELECT access_key, user_id, status, created_at FROM access_keys WHERE user_id = ?1 ORDER BY created_at",
    )
    .map_err(db_err)?
    .query_map([user_id], key_row)
    .map_err(db_err)?
    .collect::<crate::db::DbResult<Vec<_>>>()
    .map_err(db_err)
}

/// Activate or deactivate a key of the user.
pub(crate) fn set_key_status(
    conn: &Connection,
    account: &str,
    user_id: &str,
    ak: &str,
    status: crate::KeyStatus,
) -> Result<IamKey> {
    must_user(conn, account, user_id)?;
    let n = conn
        .execute(
            "UPDATE access_keys SET status = ?3 WHERE access_key = ?1 AND user_id = ?2",
            params![ak, user_id, status.as_str()],
        )
        .map_err(db_err)?;
    if n == 0 {
        return Err(Error::not_found("access key", ak));
    }
    conn.prepare_cached(
        "SELECT access_key, user_id, status, created_at FROM access_keys WHERE access_key = ?1",
    )
    .map_err(db_err)?
    .query_row([ak], key_row)
    .map_err(db_err)
}

/// Delete a key of the user (the administrator keeps at least one).
pub(crate) fn delete_key(
    conn: &Connection,
    account: &str,
    user_id: &str,
    ak: &str,
) -> Result<Deleted> {
    let u = must_user(conn, account, user_id)?;
    if u.is_admin {
        let n: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM access_keys WHERE user_id = ?1",
                [user_id],
                |r| r.get(0),
            )
            .map_err(db_err)?;
        if n <= 1 {
            return Err(conflict(
                "the administrator's last access key cannot be deleted".into(),
            ));
        }
    }
    let n = conn
        .execute(
            "DELETE FROM access_keys WHERE access_key = ?1 AND user_id = ?2",
            [ak, user_id],
        )
        .map_err(db_err)?;
    Ok(if n == 0 {
        Deleted::NotFound
    } else {
        Deleted::Yes
    })
}

/// Create a policy (the document was checked by the caller).
pub(crate) fn create_policy(conn: &Connection, p: &IamPolicy) -> Result<()> {
    let r = conn
        .prepare_cached(
            "INSERT INTO iam_policies (id, account_id, name, doc) VALUES (?1, ?2, ?3, ?4)",
        )
        .map_err(db_err)?
        .execute(params![
            p.id,
            p.account_id,
            p.name,
            serde_json::to_string(p).map_err(json_err)?
        ]);
    match r {
        Ok(_) => Ok(()),
        Err(crate::db::DbError::Constraint(_)) => {
            Err(conflict(format!("policy {} already exists", p.name)))
        }
        Err(e) => Err(db_err(e)),
    }
}

/// Policies of the account, by name.
pub(crate) fn policies(conn: &Connection, account: &str) -> Result<Vec<IamPolicy>> {
    docs(
        conn,
        "SELECT doc FROM iam_policies WHERE account_id = ?1 ORDER BY name",
        [account],
    )
}

/// A policy.
pub(crate) fn policy(conn: &Connection, account: &str, id: &str) -> Result<Option<IamPolicy>> {
    Ok(docs(
        conn,
        "SELECT doc FROM iam_policies WHERE account_id = ?1 AND id = ?2",
        [account, id],
    )?
    .into_iter()
    .next())
}

/// How many users and groups a policy of the account is attached to.
pub(crate) fn attachment_count(conn: &Connection, account: &str, id: &str) -> Result<i64> {
    if policy(conn, account, id)?.is_none() {
        return Err(Error::not_found("policy", id));
    }
    conn.query_row(
        "SELECT COUNT(*) FROM iam_attachments WHERE policy_id = ?1",
        [id],
        |r| r.get(0),
    )
    .map_err(db_err)
}

/// Delete a policy; refused while it is attached.
pub(crate) fn delete_policy(conn: &Connection, account: &str, id: &str) -> Result<Deleted> {
    if policy(conn, account, id)?.is_none() {
        return Ok(Deleted::NotFound);
    }
    let n = attachment_count(conn, account, id)?;
    if n > 0 {
        return Err(Error::conflict(
            Reason::InUse,
            format!("policy {id} is attached to {n} user(s) or group(s): detach it first"),
        ));
    }
    conn.execute("DELETE FROM iam_policies WHERE id = ?1", [id])
        .map_err(db_err)?;
    Ok(Deleted::Yes)
}

/// Create a group.
pub(crate) fn create_group(conn: &Connection, g: &IamGroup) -> Result<()> {
    let r = conn
        .prepare_cached(
            "INSERT INTO iam_groups (id, account_id, name, doc) VALUES (?1, ?2, ?3, ?4)",
        )
        .map_err(db_err)?
        .execute(params![
            g.id,
            g.account_id,
            g.name,
            serde_json::to_string(g).map_err(json_err)?
        ]);
    match r {
        Ok(_) => Ok(()),
        Err(crate::db::DbError::Constraint(_)) => {
            Err(conflict(format!("IAM group {} already exists", g.name)))
        }
        Err(e) => Err(db_err(e)),
    }
}

fn with_members(conn: &Connection, mut g: IamGroup) -> Result<IamGroup> {
    g.members = rows::strings(
        conn,
        "SELECT user_id FROM iam_group_members WHERE group_id = ?1 ORDER BY user_id",
        [&g.id],
    )?;
    Ok(g)
}

/// Groups of the account with their members.
pub(crate) fn groups(conn: &Connection, account: &str) -> Result<Vec<IamGroup>> {
    docs::<IamGroup>(
        conn,
        "SELECT doc FROM iam_groups WHERE account_id = ?1 ORDER BY name",
        [account],
    )?
    .into_iter()
    .map(|g| with_members(conn, g))
    .collect()
}

/// A group with its members.
pub(crate) fn group(conn: &Connection, account: &str, id: &str) -> Result<Option<IamGroup>> {
    docs::<IamGroup>(
        conn,
        "SELECT doc FROM iam_groups WHERE account_id = ?1 AND id = ?2",
        [account, id],
    )?
    .into_iter()
    .next()
    .map(|g| with_members(conn, g))
    .transpose()
}

/// Delete a group with its memberships and attachments.
pub(crate) fn delete_group(conn: &Connection, account: &str, id: &str) -> Result<Deleted> {
    if group(conn, account, id)?.is_none() {
        return Ok(Deleted::NotFound);
    }
    for sql in [
        "DELETE FROM iam_group_members WHERE group_id = ?1",
        "DELETE FROM iam_attachments WHERE principal_type = 'GROUP' AND principal_id = ?1",
        "DELETE FROM iam_groups WHERE id = ?1",
    ] {
        conn.execute(sql, [id]).map_err(db_err)?;
    }
    Ok(Deleted::Yes)
}

/// Add or remove a user of a group; idempotent.
pub(crate) fn set_member(
    conn: &Connection,
    account: &str,
    group_id: &str,
    user_id: &str,
    change: crate::Change,
) -> Result<IamGroup> {
    group(conn, account, group_id)?.ok_or_else(|| Error::not_found("IAM group", group_id))?;
    must_user(conn, account, user_id)?;
    let sql = if change == crate::Change::Add {
        "INSERT INTO iam_group_members (group_id, user_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING"
    } else {
        "DELETE FROM iam_group_members WHERE group_id = ?1 AND user_id = ?2"
    };
    conn.execute(sql, [group_id, user_id]).map_err(db_err)?;
    group(conn, account, group_id)?.ok_or_else(|| Error::not_found("IAM group", group_id))
}

/// Attach or detach a policy to a user or group; idempotent.
pub(crate) fn set_attachment(
    conn: &Connection,
    account: &str,
    policy_id: &str,
    principal: Principal,
    principal_id: &str,
    change: crate::Change,
) -> Result<()> {
    policy(conn, account, policy_id)?.ok_or_else(|| Error::not_found("policy", policy_id))?;
    match principal {
        Principal::User => {
            must_user(conn, account, principal_id)?;
        }
        Principal::Group => {
            group(conn, account, principal_id)?
                .ok_or_else(|| Error::not_found("IAM group", principal_id))?;
        }
    }
    let sql = if change == crate::Change::Add {
        "INSERT INTO iam_attachments (policy_id, principal_type, principal_id) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING"
    } else {
        "DELETE FROM iam_attachments WHERE policy_id = ?1 AND principal_type = ?2 AND principal_id = ?3"
    };
    conn.execute(sql, [policy_id, principal.as_str(), principal_id])
        .map_err(db_err)?;
    Ok(())
}

/// Policies attached to a user or group directly.
pub(crate) fn attached(
    conn: &Connection,
    account: &str,
    principal: Principal,
    principal_id: &str,
) -> Result<Vec<IamPolicy>> {
    docs(
        conn,
        "SELECT p.doc FROM iam_policies p JOIN iam_attachments a ON a.policy_id = p.id \
         WHERE p.account_id = ?1 AND a.principal_type = ?2 AND a.principal_id = ?3 ORDER BY p.name",
        [account, principal.as_str(), principal_id],
    )
}

/// Every policy that applies to a user: its own and its groups'.
pub(crate) fn effective(conn: &Connection, account: &str, user_id: &str) -> Result<Vec<IamPolicy>> {
    docs(
        conn,
        "SELECT DISTINCT p.doc FROM iam_policies p JOIN iam_attachments a ON a.policy_id = p.id \
         WHERE p.account_id = ?1 AND ((a.principal_type = 'USER' AND a.principal_id = ?2) OR \
         (a.principal_type = 'GROUP' AND a.principal_id IN \
          (SELECT group_id FROM iam_group_members WHERE user_id = ?2)))",
        [account, user_id],
    )
}

/// Append an audit event.
pub(crate) fn append_audit(conn: &Connection, e: &AuditEvent) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO audit_events (account_id, user_id, action, resource, time_ms, doc, result, user_name) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )
    .map_err(db_err)?
    .execute(params![
        e.account_id,
        e.user_id,
        e.action,
        e.resource,
        e.time_ms,
        serde_json::to_string(e).map_err(json_err)?,
        e.result,
        e.user_name
    ])
    .map_err(db_err)?;
    Ok(())
}

/// What the audit queries filter on (`?1` account … `?8` result), as `AuditFilter::matches`.
const AUDIT_WHERE: &str = "account_id = ?1 AND (time_ms >= ?2 OR ?2 IS NULL) \
     AND (time_ms <= ?3 OR ?3 IS NULL) AND (user_id = ?4 OR user_name = ?4 OR ?4 IS NULL) \
     AND (action = ?5 OR ?5 IS NULL) AND (instr(resource, ?6) > 0 OR ?6 IS NULL) \
     AND (result = ?7 OR ?7 IS NULL)";

/// Audit events of the account, newest first, filtered and paged in SQL; `(count, page)`.
pub(crate) fn audit(
    conn: &Connection,
    account: &str,
    f: &AuditFilter,
    offset: i64,
    limit: i64,
) -> Result<(i64, Vec<AuditEvent>)> {
    let count: i64 = conn
        .query_row(
            &format!("SELECT COUNT(*) FROM audit_events WHERE {AUDIT_WHERE}"),
            params![account, f.from_ms, f.to_ms, f.user, f.action, f.resource, f.result],
            |r| r.get(0),
        )
        .map_err(db_err)?;
    let page: Vec<AuditEvent> = docs(
        conn,
        &format!(
            "SELECT doc FROM audit_events WHERE {AUDIT_WHERE} ORDER BY seq DESC LIMIT ?8 OFFSET ?9"
        ),
        params![account, f.from_ms, f.to_ms, f.user, f.action, f.resource, f.result, limit, offset],
    )?;
    Ok((count, page))
}

/// Delete the audit events older than `before_ms`; how many.
pub(crate) fn prune_audit(conn: &Connection, before_ms: i64) -> Result<u64> {
    let n = conn
        .execute("DELETE FROM audit_events WHERE time_ms < ?1", [before_ms])
        .map_err(db_err)?;
    Ok(n as u64)
}

#[async_trait::async_trait]
impl crate::Iam for SqlStore {
    async fn create_iam_user(&self, user: IamUser, password_hash: String) -> Result<IamUser> {
        self.iam_write(move |c| create_user(c.db(), &user, &password_hash).map(|()| user))
            .await
    }

    async fn iam_user(&self, account_id: String, id: String) -> Result<Option<IamUser>> {
        self.read(move |c| user(c, &account_id, &id)).await
    }

    async fn iam_users(&self, account_id: String) -> Result<Vec<IamUser>> {
        self.read(move |c| users(c, &account_id)).await
    }

    async fn update_iam_user(
        &self,
        account_id: String,
        id: String,
        enabled: Option<bool>,
        password_hash: Option<String>,
    ) -> Result<IamUser> {
        self.iam_write(move |c| {
            update_user(c.db(), &account_id, &id, enabled, password_hash.as_deref())
        })
        .await
    }

    async fn delete_iam_user(&self, account_id: String, id: String) -> Result<crate::Deleted> {
        self.iam_write(move |c| delete_user(c.db(), &account_id, &id))
            .await
    }

    async fn create_iam_key(
        &self,
        account_id: String,
        user_id: String,
        access_key: String,
        secret_key: String,
        now: Timestamp,
    ) -> Result<IamKey> {
        self.iam_write(move |c| {
            create_key(c.db(), &account_id, &user_id, &access_key, &secret_key, now)
        })
        .await
    }

    async fn iam_keys(&self, account_id: String, user_id: String) -> Result<Vec<IamKey>> {
        self.read(move |c| keys(c, &account_id, &user_id)).await
    }

    async fn set_iam_key_status(
        &self,
        account_id: String,
        user_id: String,
        access_key: String,
        status: crate::KeyStatus,
    ) -> Result<IamKey> {
        self.iam_write(move |c| set_key_status(c.db(), &account_id, &user_id, &access_key, status))
            .await
    }

    async fn delete_iam_key(
        &self,
        account_id: String,
        user_id: String,
        access_key: String,
    ) -> Result<crate::Deleted> {
        self.iam_write(move |c| delete_key(c.db(), &account_id, &user_id, &access_key))
            .await
    }

    async fn create_iam_policy(&self, policy: IamPolicy) -> Result<IamPolicy> {
        self.iam_write(move |c| create_policy(c.db(), &policy).map(|()| policy))
            .await
    }

    async fn iam_policies(&self, account_id: String) -> Result<Vec<IamPolicy>> {
        self.read(move |c| policies(c, &account_id)).await
    }

    async fn iam_policy(&self, account_id: String, id: String) -> Result<Option<IamPolicy>> {
        self.read(move |c| policy(c, &account_id, &id)).await
    }

    async fn delete_iam_policy(&self, account_id: String, id: String) -> Result<crate::Deleted> {
        self.iam_write(move |c| delete_policy(c.db(), &account_id, &id))
            .await
    }

    async fn create_iam_group(&self, group: IamGroup) -> Result<IamGroup> {
        self.iam_write(move |c| create_group(c.db(), &group).map(|()| group))
            .await
    }

    async fn iam_groups(&self, account_id: String) -> Result<Vec<IamGroup>> {
        self.read(move |c| groups(c, &account_id)).await
    }

    async fn iam_group(&self, account_id: String, id: String) -> Result<Option<IamGroup>> {
        self.read(move |c| group(c, &account_id, &id)).await
    }

    async fn delete_iam_group(&self, account_id: String, id: String) -> Result<crate::Deleted> {
        self.iam_write(move |c| delete_group(c.db(), &account_id, &id))
            .await
    }

    async fn set_iam_member(
        &self,
        account_id: String,
        group_id: String,
        user_id: String,
        change: crate::Change,
    ) -> Result<IamGroup> {
        self.iam_write(move |c| set_member(c.db(), &account_id, &group_id, &user_id, change))
            .await
    }

    async fn set_iam_attachment(
        &self,
        account_id: String,
        policy_id: String,
        principal: Principal,
        principal_id: String,
        change: crate::Change,
    ) -> Result<()> {
        self.iam_write(move |c| {
            set_attachment(
                c.db(),
                &account_id,
                &policy_id,
                principal,
                &principal_id,
                change,
            )
        })
        .await
    }

    async fn iam_policy_attachments(&self, account_id: String, policy_id: String) -> Result<i64> {
        self.read(move |c| attachment_count(c, &account_id, &policy_id))
            .await
    }

    async fn iam_attached(
        &self,
        account_id: String,
        principal: Principal,
        principal_id: String,
    ) -> Result<Vec<IamPolicy>> {
        self.read(move |c| attached(c, &account_id, principal, &principal_id))
            .await
    }

    async fn iam_effective_policies(
        &self,
        account_id: String,
        user_id: String,
    ) -> Result<Vec<IamPolicy>> {
        self.read(move |c| effective(c, &account_id, &user_id))
            .await
    }
}

#[async_trait::async_trait]
impl crate::Audit for SqlStore {
    async fn append_audit(&self, event: AuditEvent) -> Result<()> {
        self.write_one(move |c| append_audit(c, &event)).await
    }

    async fn audit_events(
        &self,
        account_id: String,
        filter: AuditFilter,
        offset: i64,
        limit: i64,
    ) -> Result<(i64, Vec<AuditEvent>)> {
        self.read(move |c| audit(c, &account_id, &filter, offset, limit))
            .await
    }

    async fn prune_audit(&self, before_ms: i64) -> Result<u64> {
        self.write_one(move |c| prune_audit(c, before_ms)).await
    }
}
