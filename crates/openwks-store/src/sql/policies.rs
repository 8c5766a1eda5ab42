//! Policy groups and policy templates (issue 18): one document per row in two tables of the
//! same shape, names unique in a project.

use openwks_core::error::Reason;
use openwks_core::policy::{PolicyGroup, PolicyTemplate};
use openwks_core::{Error, Result};
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::engine::SqlStore;
use super::rows::{self, json_err};
use crate::db::{db_err, params, Connection, Value};
use crate::Deleted;

/// What the two tables keep of a document besides itself.
trait Row: Serialize + DeserializeOwned {
    const TABLE: &'static str;
    const WHAT: &'static str;
    fn keys(&self) -> (&str, &str, &str, i64);
}

impl Row for PolicyGroup {
    const TABLE: &'static str = "policy_groups";
    const WHAT: &'static str = "policy group";
    fn keys(&self) -> (&str, &str, &str, i64) {
        (
            &self.id,
            &self.project_id,
            &self.name,
            i64::from(self.priority),
        )
    }
}

impl Row for PolicyTemplate {
    const TABLE: &'static str = "policy_templates";
    const WHAT: &'static str = "policy template";
    fn keys(&self) -> (&str, &str, &str, i64) {
        (&self.id, &self.project_id, &self.name, 0)
    }
}

fn name_taken<T: Row>(
    conn: &Connection,
    project_id: &str,
    name: &str,
    except: &str,
) -> Result<bool> {
    let n: i64 = conn
        .prepare_cached(&format!(
            "SELECT COUNT(*) FROM {} WHERE project_id = ?1 AND name = ?2 AND id <> ?3",
            T::TABLE
        ))
        .map_err(db_err)?
        .query_row([project_id, name, except], |r| r.get(0))
        .map_err(db_err)?;
    Ok(n > 0)
}

fn save<T: Row>(conn: &Connection, v: &T, new: bool) -> Result<()> {
    let (id, project_id, name, priority) = v.keys();
    if name_taken::<T>(conn, project_id, name, id)? {
        return Err(Error::conflict(
            Reason::DuplicateName,
            format!("a {} named {name:?} exists", T::WHAT),
        ));
    }
    let doc = serde_json::to_string(v).map_err(json_err)?;
    let sql = if new {
        format!(
            "INSERT INTO {} (name, priority, doc, id, project_id) VALUES (?1, ?2, ?3, ?4, ?5)",
            T::TABLE
        )
    } else {
        format!(
            "UPDATE {} SET name = ?1, priority = ?2, doc = ?3 WHERE id = ?4 AND project_id = ?5",
            T::TABLE
        )
    };
    conn.prepare_cached(&sql)
        .map_err(db_err)?
        .execute(params![name, priority, doc, id, project_id])
        .map_err(db_err)?;
    Ok(())
}

/// A change of a row's document, applied atomically.
type Change<T> = Box<dyn FnOnce(&mut T) -> Result<()> + Send>;

fn update<T: Row>(conn: &Connection, project_id: &str, id: &str, f: Change<T>) -> Result<T> {
    let mut v: T = rows::by_id(conn, T::TABLE, project_id, id)?
        .ok_or_else(|| Error::not_found(T::WHAT, id))?;
    f(&mut v)?;
    save(conn, &v, false)?;
    Ok(v)
}

fn delete<T: Row>(conn: &Connection, project_id: &str, id: &str) -> Result<Deleted> {
    let n = conn
        .prepare_cached(&format!(
            "DELETE FROM {} WHERE id = ?1 AND project_id = ?2",
            T::TABLE
        ))
        .map_err(db_err)?
        .execute([id, project_id])
        .map_err(db_err)?;
    Ok(if n == 0 {
        Deleted::NotFound
    } else {
        Deleted::Yes
    })
}

/// A page of a project's rows (by priority, then age), the total that match and the total of
/// the project.
fn page<T: Row>(
    conn: &Connection,
    project_id: &str,
    name_contains: Option<&str>,
    offset: i64,
    limit: i64,
) -> Result<(i64, i64, Vec<T>)> {
    let all = Value::Text(project_id.to_string());
    let (total, _) = rows::page(
        conn,
        ("doc", T::TABLE, "project_id = ?", "seq"),
        vec![all.clone()],
        0,
        0,
    )?;
    let mut wh = String::from("project_id = ?");
    let mut args = vec![all];
    if let Some(n) = name_contains {
        wh.push_str(" AND instr(lower(name), lower(?)) > 0");
        args.push(Value::Text(n.to_string()));
    }
    let (count, docs) = rows::page(
        conn,
        ("doc", T::TABLE, &wh, "priority, seq"),
        args,
        offset,
        limit,
    )?;
    Ok((count, total, rows::decode(&docs)?))
}

#[async_trait::async_trait]
impl crate::Policies for SqlStore {
    async fn create_policy_group(&self, group: PolicyGroup) -> Result<PolicyGroup> {
        self.write(move |c| {
            save(c.db(), &group, true)?;
            Ok(group)
        })
        .await
    }

    async fn policy_group(&self, project_id: String, id: String) -> Result<Option<PolicyGroup>> {
        self.read(move |c| rows::by_id(c, PolicyGroup::TABLE, &project_id, &id))
            .await
    }

    async fn list_policy_groups(
        &self,
        project_id: String,
        name_contains: Option<String>,
        offset: i64,
        limit: i64,
    ) -> Result<(i64, i64, Vec<PolicyGroup>)> {
        self.read(move |c| page(c, &project_id, name_contains.as_deref(), offset, limit))
            .await
    }

    async fn effective_policy(
        &self,
        project_id: String,
        spec: openwks_core::session::LaunchSpec,
    ) -> Result<openwks_core::policy::Effective> {
        self.read(move |c| {
            let primary =
                super::sessions::launch_target(c, &project_id, &spec)?.primary_server_group_id;
            match super::sessions::effective_policy(c, &project_id, &spec, &primary)? {
                Some(e) => Ok(e),
                None => Ok(openwks_core::policy::effective(
                    &[],
                    &openwks_core::policy::Subject::default(),
                )),
            }
        })
        .await
    }

    async fn update_policy_group(
        &self,
        project_id: String,
        id: String,
        update: crate::PolicyGroupUpdate,
    ) -> Result<PolicyGroup> {
        self.write(move |c| self::update(c.db(), &project_id, &id, update))
            .await
    }

    async fn delete_policy_group(&self, project_id: String, id: String) -> Result<Deleted> {
        self.write(move |c| delete::<PolicyGroup>(c.db(), &project_id, &id))
            .await
    }

    async fn create_policy_template(&self, template: PolicyTemplate) -> Result<PolicyTemplate> {
        self.write(move |c| {
            save(c.db(), &template, true)?;
            Ok(template)
        })
        .await
    }

    async fn list_policy_templates(
        &self,
        project_id: String,
        name_contains: Option<String>,
        offset: i64,
        limit: i64,
    ) -> Result<(i64, Vec<PolicyTemplate>)> {
        self.read(move |c| {
            page(c, &project_id, name_contains.as_deref(), offset, limit).map(|(n, _, v)| (n, v))
        })
        .await
    }

    async fn update_policy_template(
        &self,
        project_id: String,
        id: String,
        update: crate::PolicyTemplateUpdate,
    ) -> Result<PolicyTemplate> {
        self.write(move |c| self::update(c.db(), &project_id, &id, update))
            .await
    }

    async fn delete_policy_template(&self, project_id: String, id: String) -> Result<Deleted> {
        self.write(move |c| delete::<PolicyTemplate>(c.db(), &project_id, &id))
            .await
    }
}
