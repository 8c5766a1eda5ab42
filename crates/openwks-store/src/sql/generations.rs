//! The database's generations: the write generation every batch moves (by which replicas and
//! view caches learn that something changed), the log of which views each batch changed, and
//! the IAM generation (by which replicas reload their key and policy caches).

use crate::db::{db_err, params, Connection};
use openwks_core::{Error, Result};

/// Most view changes a cache applies one by one; with more it starts over.
const VIEW_CHANGES_MAX: usize = 10_000;

/// How many generations of view changes are kept, and how often older ones are pruned.
const VIEW_CHANGES_KEPT: u64 = 8_192;
const VIEW_CHANGES_PRUNE_EVERY: u64 = 1_024;

/// Move the IAM generation (in the caller's write).
pub(crate) fn bump_iam_generation(conn: &Connection) -> Result<()> {
    conn.execute("UPDATE write_generation SET gen = gen + 1 WHERE id = 2", [])
        .map_err(db_err)?;
    Ok(())
}

/// The IAM generation.
pub(crate) fn iam_generation(conn: &Connection) -> Result<i64> {
    generation(conn, 2)
}

/// Counter `id` of `write_generation` (1: write batches, 2: IAM changes).
pub(crate) fn generation<T: crate::db::FromValue>(conn: &Connection, id: i64) -> Result<T> {
    conn.query_row(
        "SELECT gen FROM write_generation WHERE id = ?1",
        [id],
        |r| r.get(0),
    )
    .map_err(db_err)
}

/// The database write generation (moved by every write batch on PostgreSQL).
pub(crate) fn write_generation(conn: &Connection) -> Result<u64> {
    generation(conn, 1)
}

/// The write generation now, and the groups whose views changed after generation `since`
/// (one statement, one snapshot): `None` when a cache at `since` must start over instead (it
/// has nothing yet, some of those changes were pruned, or they are too many).
pub(crate) fn view_changes(conn: &Connection, since: u64) -> Result<(u64, Option<Vec<String>>)> {
    if since == 0 {
        return Ok((write_generation(conn)?, None));
    }
    let rows = conn
        .prepare_cached(
            "SELECT w.gen, h.gen, c.group_id FROM write_generation w \
             JOIN write_generation h ON h.id = 3 \
             LEFT JOIN view_changes c ON c.gen > ?1 AND c.gen <= w.gen \
             WHERE w.id = 1 LIMIT ?2",
        )
        .map_err(db_err)?
        .query_map(params![since, VIEW_CHANGES_MAX + 1], |r| {
            Ok((
                r.get::<_, u64>(0)?,
                r.get::<_, u64>(1)?,
                r.get::<_, Option<String>>(2)?,
            ))
        })
        .map_err(db_err)?
        .collect::<crate::db::DbResult<Vec<_>>>()
        .map_err(db_err)?;
    let Some(&(now, pruned, _)) = rows.first() else {
        return Err(Error::internal("write_generation has no rows 1 and 3"));
    };
    if since < pruned || rows.len() > VIEW_CHANGES_MAX {
        return Ok((now, None));
    }
    Ok((now, Some(rows.into_iter().filter_map(|r| r.2).collect())))
}

/// Record (in the write batch of generation `gen`) which groups' views the batch changed; every
/// 1,024th generation also forgets the changes older than 8,192 generations (a cache further
/// behind starts over, see [`view_changes`]).
pub(crate) fn log_view_changes(conn: &Connection, gen: u64, ids: &[String]) -> Result<()> {
    if !ids.is_empty() {
        let mut ids = ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        // Group ids are UUIDs openwks made: a comma never occurs in one.
        conn.execute_later(
            "INSERT INTO view_changes (gen, group_id) SELECT CAST(?1 AS BIGINT), unnest(string_to_array(?2, ','))",
            params![gen, ids.join(",")],
        )
        .map_err(db_err)?;
    }
    if gen.is_multiple_of(VIEW_CHANGES_PRUNE_EVERY) && gen > VIEW_CHANGES_KEPT {
        let cut = gen - VIEW_CHANGES_KEPT;
        conn.execute_later("DELETE FROM view_changes WHERE gen <= ?1", [cut])
            .map_err(db_err)?;
        conn.execute_later(
            "UPDATE write_generation SET gen = ?1 WHERE id = 3 AND gen < ?1",
            [cut],
        )
        .map_err(db_err)?;
    }
    Ok(())
}
