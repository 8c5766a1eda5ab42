//! Storage (issue 19): WKS storages, the folders claimed in them, their members and each
//! project's own access policy (the `Storages` trait). Every batch is one write: a refusal
//! leaves everything as it was.

use openwks_core::error::Reason;
use openwks_core::storage::{
    default_policies, user_folder_path, CloudFolder, CloudStorage, CloudStorageView, Membership,
    PersistentStorage, PolicyStatement, StorageAssignment, StorageClaim, StorageView,
};
use openwks_core::{Error, Result};

use super::engine::SqlStore;
use super::image_rows::doc;
use super::rows::{self, json_err};
use crate::db::{db_err, params, Connection, OptionalExtension};
use crate::UserFolder;

fn storage(conn: &Connection, project_id: &str, id: &str) -> Result<PersistentStorage> {
    rows::by_id(conn, "persistent_storages", project_id, id)?
        .ok_or_else(|| Error::not_found("storage", id))
}

fn claim_counts(conn: &Connection, storage_id: &str) -> Result<(i64, i64)> {
    let modes = rows::strings(
        conn,
        "SELECT claim_mode FROM storage_claims WHERE storage_id = ?1",
        [storage_id],
    )?;
    let users = modes.iter().filter(|m| *m == "USER").count() as i64;
    Ok((users, modes.len() as i64 - users))
}

fn view(conn: &Connection, s: PersistentStorage) -> Result<StorageView> {
    let (user_claim_count, share_claim_count) = claim_counts(conn, &s.id)?;
    Ok(StorageView {
        storage: s,
        user_claim_count,
        share_claim_count,
    })
}

/// A page (oldest first) of a project's rows of `table` that `keep` keeps, each answered as
/// `view` makes it, and the count of all kept.
fn list_page<T: serde::de::DeserializeOwned, V>(
    conn: &Connection,
    table: &str,
    project_id: &str,
    offset: i64,
    limit: i64,
    view: fn(&Connection, T) -> Result<V>,
    keep: impl Fn(&T) -> bool,
) -> Result<(i64, Vec<V>)> {
    let all: Vec<T> = rows::docs(
        conn,
        &format!("SELECT doc FROM {table} WHERE project_id = ?1 ORDER BY seq"),
        [project_id],
    )?;
    let matching: Vec<T> = all.into_iter().filter(|s| keep(s)).collect();
    let (count, page) = openwks_core::paging::page(matching, offset, limit);
    let views = page
        .into_iter()
        .map(|s| view(conn, s))
        .collect::<Result<Vec<_>>>()?;
    Ok((count, views))
}

fn claims(conn: &Connection, storage_id: &str) -> Result<Vec<StorageClaim>> {
    rows::docs(
        conn,
        "SELECT doc FROM storage_claims WHERE storage_id = ?1 ORDER BY seq",
        [storage_id],
    )
}

fn members(conn: &Connection, claim_id: &str) -> Result<Vec<StorageAssignment>> {
    let rows = conn
        .prepare_cached(
            "SELECT storage_id, project_id, attach, attach_type, policy_statement_id \
             FROM storage_assignments WHERE claim_id = ?1 ORDER BY seq",
        )
        .map_err(db_err)?
        .query_map([claim_id], |r| {
            Ok(StorageAssignment {
                claim_id: claim_id.to_string(),
                storage_id: r.get(0)?,
                project_id: r.get(1)?,
                attach: r.get(2)?,
                attach_type: r.get(3)?,
                policy_statement_id: r.get(4)?,
            })
        })
        .map_err(db_err)?
        .collect::<crate::db::DbResult<Vec<_>>>()
        .map_err(db_err)?;
    Ok(rows)
}

fn save_claim(conn: &Connection, c: &StorageClaim) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO storage_claims (id, project_id, storage_id, claim_mode, folder_path, doc) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )
    .map_err(db_err)?
    .execute(params![
        c.id,
        c.project_id,
        c.storage_id,
        c.claim_mode,
        c.folder_path,
        doc(c)?
    ])
    .map_err(db_err)?;
    Ok(())
}

fn put_member(conn: &Connection, a: &StorageAssignment) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO storage_assignments \
         (claim_id, storage_id, project_id, attach, attach_type, policy_statement_id) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (claim_id, attach_type, attach) \
         DO UPDATE SET policy_statement_id = excluded.policy_statement_id",
    )
    .map_err(db_err)?
    .execute(params![
        a.claim_id,
        a.storage_id,
        a.project_id,
        a.attach,
        a.attach_type,
        a.policy_statement_id
    ])
    .map_err(db_err)?;
    Ok(())
}

fn delete_claim(conn: &Connection, id: &str) -> Result<()> {
    for sql in [
        "DELETE FROM storage_assignments WHERE claim_id = ?1",
        "DELETE FROM storage_claims WHERE id = ?1",
    ] {
        conn.prepare_cached(sql)
            .map_err(db_err)?
            .execute([id])
            .map_err(db_err)?;
    }
    Ok(())
}

fn claim_by_path(conn: &Connection, storage_id: &str, path: &str) -> Result<Option<StorageClaim>> {
    let d: Option<String> = conn
        .prepare_cached("SELECT doc FROM storage_claims WHERE storage_id = ?1 AND folder_path = ?2")
        .map_err(db_err)?
        .query_row([storage_id, path], |r| r.get(0))
        .optional()
        .map_err(db_err)?;
    d.map(|d| serde_json::from_str(&d).map_err(json_err))
        .transpose()
}

fn custom_policy(conn: &Connection, project_id: &str) -> Result<Option<PolicyStatement>> {
    Ok(rows::docs(
        conn,
        "SELECT doc FROM storage_policies WHERE project_id = ?1",
        [project_id],
    )?
    .into_iter()
    .next())
}

fn cloud_storage(conn: &Connection, project_id: &str, id: &str) -> Result<CloudStorage> {
    rows::by_id(conn, "cloud_storages", project_id, id)?
        .ok_or_else(|| Error::not_found("cloud storage", id))
}

fn cloud_count(conn: &Connection, storage_id: &str) -> Result<i64> {
    Ok(rows::strings(
        conn,
        "SELECT id FROM cloud_folders WHERE storage_id = ?1",
        [storage_id],
    )?
    .len() as i64)
}

fn cloud_view(conn: &Connection, s: CloudStorage) -> Result<CloudStorageView> {
    let user_claim_count = cloud_count(conn, &s.id)?;
    Ok(CloudStorageView {
        storage: s,
        user_claim_count,
    })
}

fn folders_of_storage(conn: &Connection, storage_id: &str) -> Result<Vec<CloudFolder>> {
    rows::docs(
        conn,
        "SELECT doc FROM cloud_folders WHERE storage_id = ?1 ORDER BY seq",
        [storage_id],
    )
}

fn folder_of(conn: &Connection, storage_id: &str, attach_id: &str) -> Result<Option<CloudFolder>> {
    let d: Option<String> = conn
        .prepare_cached("SELECT doc FROM cloud_folders WHERE storage_id = ?1 AND attach_id = ?2")
        .map_err(db_err)?
        .query_row([storage_id, attach_id], |r| r.get(0))
        .optional()
        .map_err(db_err)?;
    d.map(|d| serde_json::from_str(&d).map_err(json_err))
        .transpose()
}

fn save_folder(conn: &Connection, f: &CloudFolder, new: bool) -> Result<()> {
    let sql = if new {
        "INSERT INTO cloud_folders (id, project_id, storage_id, attach_id, attach_name, doc) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
    } else {
        "UPDATE cloud_folders SET project_id = ?2, storage_id = ?3, attach_id = ?4, \
         attach_name = ?5, doc = ?6 WHERE id = ?1"
    };
    conn.prepare_cached(sql)
        .map_err(db_err)?
        .execute(params![
            f.id,
            f.project_id,
            f.storage_id,
            f.attach_id,
            f.attach_name,
            doc(f)?
        ])
        .map_err(db_err)?;
    Ok(())
}

fn folders_of_user(
    conn: &Connection,
    project_id: &str,
    user: &str,
) -> Result<Vec<(CloudFolder, CloudStorage)>> {
    let folders: Vec<CloudFolder> = rows::docs(
        conn,
        "SELECT doc FROM cloud_folders WHERE project_id = ?1 AND attach_name = ?2 ORDER BY seq",
        [project_id, user],
    )?;
    folders
        .into_iter()
        .map(|f| {
            let s = cloud_storage(conn, project_id, &f.storage_id)?;
            Ok((f, s))
        })
        .collect()
}

fn memberships(conn: &Connection, project_id: &str, user: &str) -> Result<Vec<Membership>> {
    let groups = super::authorizations::groups_of(conn, project_id, user)?;
    let mut accounts = vec![(user.to_string(), "USER")];
    accounts.extend(groups.into_iter().map(|g| (g, "USER_GROUP")));
    let mut out = Vec::new();
    for (attach, kind) in accounts {
        let found = conn
            .prepare_cached(
                "SELECT claim_id, policy_statement_id, storage_id FROM storage_assignments \
                 WHERE project_id = ?1 AND attach = ?2 AND attach_type = ?3 ORDER BY seq",
            )
            .map_err(db_err)?
            .query_map([project_id, attach.as_str(), kind], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get(2)?))
            })
            .map_err(db_err)?
            .collect::<crate::db::DbResult<Vec<(String, String, String)>>>()
            .map_err(db_err)?;
        for (claim_id, policy_statement_id, storage_id) in found {
            let Some(claim) =
                rows::by_id::<StorageClaim>(conn, "storage_claims", project_id, &claim_id)?
            else {
                continue;
            };
            out.push(Membership {
                storage: storage(conn, project_id, &storage_id)?,
                assignment: StorageAssignment {
                    claim_id,
                    storage_id,
                    project_id: project_id.to_string(),
                    attach: attach.clone(),
                    attach_type: kind.to_string(),
                    policy_statement_id,
                },
                claim,
                own: None,
            });
        }
    }
    for (f, s) in folders_of_user(conn, project_id, user)? {
        out.push(f.membership(&s));
    }
    Ok(out)
}

#[async_trait::async_trait]
impl crate::Storages for SqlStore {
    async fn create_persistent_storage(&self, s: PersistentStorage) -> Result<StorageView> {
        self.write(move |c| {
            let taken: Option<String> = c
                .db()
                .prepare_cached(
                    "SELECT id FROM persistent_storages WHERE project_id = ?1 AND handle = ?2",
                )
                .map_err(db_err)?
                .query_row([&s.project_id, &s.storage_handle], |r| r.get(0))
                .optional()
                .map_err(db_err)?;
            if let Some(other) = taken {
                return Err(Error::conflict(
                    Reason::Conflict,
                    format!(
                        "file system {} is already the storage of WKS storage {other}",
                        s.storage_handle
                    ),
                ));
            }
            c.db()
                .prepare_cached(
                    "INSERT INTO persistent_storages (id, project_id, name, handle, doc) \
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                )
                .map_err(db_err)?
                .execute(params![
                    s.id,
                    s.project_id,
                    s.name,
                    s.storage_handle,
                    doc(&s)?
                ])
                .map_err(db_err)?;
            Ok(StorageView {
                storage: s,
                user_claim_count: 0,
                share_claim_count: 0,
            })
        })
        .await
    }

    async fn list_persistent_storages(
        &self,
        project_id: String,
        id: Option<String>,
        name_contains: Option<String>,
        offset: i64,
        limit: i64,
    ) -> Result<(i64, Vec<StorageView>)> {
        self.read(move |c| {
            list_page(
                c,
                "persistent_storages",
                &project_id,
                offset,
                limit,
                view,
                |s: &PersistentStorage| {
                    id.as_deref().is_none_or(|i| s.id == i)
                        && name_contains.as_deref().is_none_or(|n| s.name.contains(n))
                },
            )
        })
        .await
    }

    async fn persistent_storage(
        &self,
        project_id: String,
        id: String,
    ) -> Result<Option<StorageView>> {
        self.read(move |c| {
            rows::by_id::<PersistentStorage>(c, "persistent_storages", &project_id, &id)?
                .map(|s| view(c, s))
                .transpose()
        })
        .await
    }

    async fn delete_persistent_storages(
        &self,
        project_id: String,
        ids: Vec<String>,
    ) -> Result<usize> {
        self.write(move |c| {
            let conn = c.db();
            let mut n = 0;
            for id in &ids {
                let Some(s) =
                    rows::by_id::<PersistentStorage>(conn, "persistent_storages", &project_id, id)?
                else {
                    continue;
                };
                let (users, shares) = claim_counts(conn, &s.id)?;
                if users + shares > 0 {
                    return Err(Error::invalid(
                        Reason::StorageInUse,
                        format!(
                            "WKS storage {id} still has {users} personal and {shares} shared \
                             folder(s); delete them first (nothing was deleted)"
                        ),
                    ));
                }
                n += conn
                    .prepare_cached("DELETE FROM persistent_storages WHERE id = ?1")
                    .map_err(db_err)?
                    .execute([id])
                    .map_err(db_err)?;
            }
            Ok(n)
        })
        .await
    }

    async fn assign_user_folders(
        &self,
        project_id: String,
        storage_id: String,
        folders: Vec<UserFolder>,
        now: openwks_core::time::Timestamp,
    ) -> Result<Vec<StorageClaim>> {
        self.write(move |c| {
            let conn = c.db();
            storage(conn, &project_id, &storage_id)?;
            let mut out = Vec::with_capacity(folders.len());
            for f in folders {
                let path = user_folder_path(&f.attach);
                let claim = match claim_by_path(conn, &storage_id, &path)? {
                    Some(have) => have,
                    None => {
                        let claim = StorageClaim {
                            id: f.new_claim_id,
                            project_id: project_id.clone(),
                            storage_id: storage_id.clone(),
                            claim_mode: "USER".into(),
                            folder_path: path,
                            create_time: now.wire(),
                        };
                        save_claim(conn, &claim)?;
                        claim
                    }
                };
                put_member(
                    conn,
                    &StorageAssignment {
                        claim_id: claim.id.clone(),
                        storage_id: storage_id.clone(),
                        project_id: project_id.clone(),
                        attach: f.attach,
                        attach_type: "USER".into(),
                        policy_statement_id: f.policy_statement_id,
                    },
                )?;
                out.push(claim);
            }
            Ok(out)
        })
        .await
    }

    async fn delete_user_folders(
        &self,
        project_id: String,
        storage_id: String,
        users: Vec<String>,
    ) -> Result<Vec<StorageClaim>> {
        self.write(move |c| {
            let conn = c.db();
            storage(conn, &project_id, &storage_id)?;
            let mut out = Vec::new();
            for u in users {
                if let Some(claim) = claim_by_path(conn, &storage_id, &user_folder_path(&u))? {
                    if claim.claim_mode == "USER" {
                        delete_claim(conn, &claim.id)?;
                        out.push(claim);
                    }
                }
            }
            Ok(out)
        })
        .await
    }

    async fn create_share_folder(&self, claim: StorageClaim) -> Result<StorageClaim> {
        self.write(move |c| {
            let conn = c.db();
            storage(conn, &claim.project_id, &claim.storage_id)?;
            if let Some(have) = claim_by_path(conn, &claim.storage_id, &claim.folder_path)? {
                return Err(Error::conflict(
                    Reason::DuplicateName,
                    format!(
                        "the storage already has the folder {} ({})",
                        have.folder_path, have.id
                    ),
                ));
            }
            save_claim(conn, &claim)?;
            Ok(claim)
        })
        .await
    }

    async fn change_share_members(
        &self,
        project_id: String,
        storage_id: String,
        claim_id: String,
        add: Vec<StorageAssignment>,
        remove: Vec<(String, String)>,
    ) -> Result<()> {
        self.write(move |c| {
            let conn = c.db();
            storage(conn, &project_id, &storage_id)?;
            let claim: StorageClaim = rows::by_id(conn, "storage_claims", &project_id, &claim_id)?
                .filter(|cl: &StorageClaim| cl.storage_id == storage_id)
                .ok_or_else(|| Error::not_found("shared folder", &claim_id))?;
            if claim.claim_mode != "SHARE" {
                return Err(Error::invalid(
                    Reason::InvalidParameter,
                    format!("{claim_id} is a personal folder; its member is set by assign-folder"),
                ));
            }
            for (attach, kind) in &remove {
                conn.prepare_cached(
                    "DELETE FROM storage_assignments WHERE claim_id = ?1 AND attach = ?2 \
                     AND attach_type = ?3",
                )
                .map_err(db_err)?
                .execute([claim_id.as_str(), attach, kind])
                .map_err(db_err)?;
            }
            for a in &add {
                put_member(conn, a)?;
            }
            Ok(())
        })
        .await
    }

    async fn delete_storage_claims(
        &self,
        project_id: String,
        storage_id: String,
        ids: Vec<String>,
    ) -> Result<Vec<StorageClaim>> {
        self.write(move |c| {
            let conn = c.db();
            storage(conn, &project_id, &storage_id)?;
            let mut out = Vec::new();
            for id in &ids {
                let Some(claim) =
                    rows::by_id::<StorageClaim>(conn, "storage_claims", &project_id, id)?
                        .filter(|cl| cl.storage_id == storage_id)
                else {
                    continue;
                };
                let ms = members(conn, id)?;
                if !ms.is_empty() {
                    return Err(Error::invalid(
                        Reason::StorageInUse,
                        format!(
                            "folder {} ({id}) still has {} member(s); remove its users and user \
                             groups first (nothing was deleted)",
                            claim.folder_path,
                            ms.len()
                        ),
                    ));
                }
                delete_claim(conn, id)?;
                out.push(claim);
            }
            Ok(out)
        })
        .await
    }

    async fn storage_claims(
        &self,
        project_id: String,
        storage_id: String,
        claim_mode: Option<String>,
    ) -> Result<Vec<(StorageClaim, Vec<StorageAssignment>)>> {
        self.read(move |c| {
            storage(c, &project_id, &storage_id)?;
            claims(c, &storage_id)?
                .into_iter()
                .filter(|cl| claim_mode.as_deref().is_none_or(|m| cl.claim_mode == m))
                .map(|cl| {
                    let ms = members(c, &cl.id)?;
                    Ok((cl, ms))
                })
                .collect()
        })
        .await
    }

    async fn storage_policies(&self, project_id: String) -> Result<Vec<PolicyStatement>> {
        self.read(move |c| {
            let mut all = default_policies();
            all.extend(custom_policy(c, &project_id)?);
            Ok(all)
        })
        .await
    }

    async fn put_storage_policy(
        &self,
        project_id: String,
        policy: PolicyStatement,
    ) -> Result<PolicyStatement> {
        self.write(move |c| {
            c.db()
                .prepare_cached(
                    "INSERT INTO storage_policies (project_id, doc) VALUES (?1, ?2) \
                     ON CONFLICT (project_id) DO UPDATE SET doc = excluded.doc",
                )
                .map_err(db_err)?
                .execute(params![project_id, doc(&policy)?])
                .map_err(db_err)?;
            Ok(policy)
        })
        .await
    }

    async fn create_cloud_storages(&self, storages: Vec<CloudStorage>) -> Result<()> {
        self.write(move |c| {
            let conn = c.db();
            for s in &storages {
                let taken: Option<String> = conn
                    .prepare_cached(
                        "SELECT id FROM cloud_storages WHERE project_id = ?1 AND project_config_id = ?2",
                    )
                    .map_err(db_err)?
                    .query_row([&s.project_id, &s.project_config_id], |r| r.get(0))
                    .optional()
                    .map_err(db_err)?;
                if let Some(other) = taken {
                    return Err(Error::conflict(
                        Reason::Conflict,
                        format!(
                            "project configuration {} is already associated (cloud storage {other}); \
                             nothing was created",
                            s.project_config_id
                        ),
                    ));
                }
                conn.prepare_cached(
                    "INSERT INTO cloud_storages (id, project_id, project_config_id, doc) \
                     VALUES (?1, ?2, ?3, ?4)",
                )
                .map_err(db_err)?
                .execute(params![s.id, s.project_id, s.project_config_id, doc(s)?])
                .map_err(db_err)?;
            }
            Ok(())
        })
        .await
    }

    async fn list_cloud_storages(
        &self,
        project_id: String,
        id: Option<String>,
        name_contains: Option<String>,
        offset: i64,
        limit: i64,
    ) -> Result<(i64, Vec<CloudStorageView>)> {
        self.read(move |c| {
            list_page(
                c,
                "cloud_storages",
                &project_id,
                offset,
                limit,
                cloud_view,
                |s: &CloudStorage| {
                    id.as_deref().is_none_or(|i| s.id == i)
                        && name_contains.as_deref().is_none_or(|n| s.name.contains(n))
                },
            )
        })
        .await
    }

    async fn cloud_storage(
        &self,
        project_id: String,
        id: String,
    ) -> Result<Option<CloudStorageView>> {
        self.read(move |c| {
            rows::by_id::<CloudStorage>(c, "cloud_storages", &project_id, &id)?
                .map(|s| cloud_view(c, s))
                .transpose()
        })
        .await
    }

    async fn delete_cloud_storages(&self, project_id: String, ids: Vec<String>) -> Result<usize> {
        self.write(move |c| {
            let conn = c.db();
            let mut n = 0;
            for id in &ids {
                if rows::by_id::<CloudStorage>(conn, "cloud_storages", &project_id, id)?.is_none() {
                    continue;
                }
                let folders = cloud_count(conn, id)?;
                if folders > 0 {
                    return Err(Error::invalid(
                        Reason::StorageInUse,
                        format!(
                            "cloud storage {id} still has {folders} personal folder(s); delete \
                             them first (nothing was deleted)"
                        ),
                    ));
                }
                n += conn
                    .prepare_cached("DELETE FROM cloud_storages WHERE id = ?1")
                    .map_err(db_err)?
                    .execute([id])
                    .map_err(db_err)?;
            }
            Ok(n)
        })
        .await
    }

    async fn put_cloud_folders(
        &self,
        project_id: String,
        storage_id: String,
        folders: Vec<CloudFolder>,
    ) -> Result<Vec<CloudFolder>> {
        self.write(move |c| {
            let conn = c.db();
            cloud_storage(conn, &project_id, &storage_id)?;
            let mut out = Vec::with_capacity(folders.len());
            for mut f in folders {
                match folder_of(conn, &storage_id, &f.attach_id)? {
                    Some(have) => {
                        f.id = have.id;
                        f.create_time = have.create_time;
                        save_folder(conn, &f, false)?;
                    }
                    None => save_folder(conn, &f, true)?,
                }
                out.push(f);
            }
            Ok(out)
        })
        .await
    }

    async fn update_cloud_folder(
        &self,
        project_id: String,
        storage_id: String,
        id: String,
        update: crate::CloudFolderUpdate,
    ) -> Result<CloudFolder> {
        self.write(move |c| {
            let conn = c.db();
            let mut f: CloudFolder = rows::by_id(conn, "cloud_folders", &project_id, &id)?
                .filter(|f: &CloudFolder| f.storage_id == storage_id)
                .ok_or_else(|| Error::not_found("personal folder", &id))?;
            update(&mut f)?;
            save_folder(conn, &f, false)?;
            Ok(f)
        })
        .await
    }

    async fn delete_cloud_folders(
        &self,
        project_id: String,
        storage_id: String,
        attach_ids: Vec<String>,
    ) -> Result<Vec<CloudFolder>> {
        self.write(move |c| {
            let conn = c.db();
            cloud_storage(conn, &project_id, &storage_id)?;
            let mut out = Vec::new();
            for a in attach_ids {
                if let Some(f) = folder_of(conn, &storage_id, &a)? {
                    conn.prepare_cached("DELETE FROM cloud_folders WHERE id = ?1")
                        .map_err(db_err)?
                        .execute([&f.id])
                        .map_err(db_err)?;
                    out.push(f);
                }
            }
            Ok(out)
        })
        .await
    }

    async fn cloud_folders(
        &self,
        project_id: String,
        storage_id: String,
    ) -> Result<Vec<CloudFolder>> {
        self.read(move |c| {
            cloud_storage(c, &project_id, &storage_id)?;
            folders_of_storage(c, &storage_id)
        })
        .await
    }

    async fn cloud_folders_of(
        &self,
        project_id: String,
        user_name: String,
    ) -> Result<Vec<(CloudFolder, CloudStorage)>> {
        self.read(move |c| folders_of_user(c, &project_id, &user_name))
            .await
    }

    async fn cloud_folder(
        &self,
        project_id: String,
        id: String,
    ) -> Result<Option<(CloudFolder, CloudStorage)>> {
        self.read(move |c| {
            rows::by_id::<CloudFolder>(c, "cloud_folders", &project_id, &id)?
                .map(|f| {
                    let s = cloud_storage(c, &project_id, &f.storage_id)?;
                    Ok((f, s))
                })
                .transpose()
        })
        .await
    }

    async fn move_cloud_folders(
        &self,
        project_id: String,
        from_storage_id: String,
        ids: Vec<String>,
        to_storage_id: String,
    ) -> Result<Vec<CloudFolder>> {
        self.write(move |c| {
            let conn = c.db();
            cloud_storage(conn, &project_id, &from_storage_id)?;
            cloud_storage(conn, &project_id, &to_storage_id)?;
            let mut out = Vec::with_capacity(ids.len());
            for id in &ids {
                let mut f: CloudFolder = rows::by_id(conn, "cloud_folders", &project_id, id)?
                    .filter(|f: &CloudFolder| f.storage_id == from_storage_id)
                    .ok_or_else(|| Error::not_found("personal folder", id))?;
                if let Some(there) = folder_of(conn, &to_storage_id, &f.attach_id)? {
                    return Err(Error::conflict(
                        Reason::Conflict,
                        format!(
                            "user {} already has a folder ({}) in cloud storage {to_storage_id}; \
                             nothing was moved",
                            f.attach_name, there.id
                        ),
                    ));
                }
                f.storage_id = to_storage_id.clone();
                save_folder(conn, &f, false)?;
                out.push(f);
            }
            Ok(out)
        })
        .await
    }

    async fn storage_memberships(
        &self,
        project_id: String,
        user: String,
    ) -> Result<Vec<Membership>> {
        self.read(move |c| memberships(c, &project_id, &user)).await
    }
}
