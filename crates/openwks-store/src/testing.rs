//! The store the test suites run on: embedded SQLite, or PostgreSQL when
//! `OPENWKS_TEST_DATABASE_URL` is set (`./test.sh` runs every suite both ways).

use std::path::Path;

use openwks_core::Result;

use crate::postgres::PgConfig;
use crate::sql::SqlStore;

/// The variable naming the PostgreSQL server of the PostgreSQL pass.
pub const DATABASE_URL_VAR: &str = "OPENWKS_TEST_DATABASE_URL";

/// The PostgreSQL server of this test run, if it is the PostgreSQL pass.
pub fn database_url() -> Option<String> {
    std::env::var(DATABASE_URL_VAR)
        .ok()
        .filter(|u| !u.trim().is_empty())
}

/// The schema of a test's data dir: each test its own (tests run in parallel), and the same
/// one again when a test restarts on the same dir.
pub fn schema_for(dir: &Path) -> String {
    let name: String = dir
        .to_string_lossy()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    // ASCII only by now: the last 40 bytes are the last 40 characters.
    let tail = &name[name.len().saturating_sub(40)..];
    let run: String = std::env::var(RUN_VAR)
        .unwrap_or_default()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(12)
        .collect::<String>()
        .to_ascii_lowercase();
    format!("t_{run}_{tail}")
}

/// Names this test run (its schemas start with `t_<run>_`, so that `./test.sh` drops just
/// its own afterwards, even while another run shares the server).
pub const RUN_VAR: &str = "OPENWKS_TEST_RUN";

/// The `openwks serve` flags that put a spawned server of a test on this pass's backend:
/// none on the SQLite pass; `--database`, its own schema and a small pool on the PostgreSQL
/// pass.
pub fn serve_flags(dir: &Path) -> Vec<String> {
    match database_url() {
        None => Vec::new(),
        Some(url) => vec![
            "--database".into(),
            url,
            "--database-schema".into(),
            schema_for(dir),
            "--database-pool".into(),
            "4".into(),
        ],
    }
}

/// Open the test store of `dir`: `dir/openwks.db`, or on the PostgreSQL pass the schema
/// [`schema_for`] `dir` (a small pool: many tests run at once).
pub fn open(dir: &Path) -> Result<SqlStore> {
    match database_url() {
        None => SqlStore::open(dir.join("openwks.db")),
        Some(url) => SqlStore::open_postgres(PgConfig {
            schema: Some(schema_for(dir)),
            pool_size: 4,
            ..PgConfig::new(url)
        }),
    }
}
