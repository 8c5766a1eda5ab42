//! The store in SQL, on two engines: the embedded SQLite file and PostgreSQL.
//!
//! One module per resource (`server_groups`, `servers`, `sessions`, ...): its SQL functions
//! over a [`crate::db::Connection`] (reads) or a write context ([`tx::WriteTx`]: the
//! connection plus the effects a write leaves: views to evict, routers to drop), and at its end
//! the `impl` of its resource trait ([`crate::ServerGroups`], ...) for [`SqlStore`], which runs
//! them on the [`engine`]: writes on the process's one writer thread (group commit), reads on
//! pooled connections. Modules below the resources: `rows` (plain row access), `tx`, `fleet`,
//! `generations`, `cache`; none of them imports a resource module, and the resource modules
//! import each other in one direction only (`scripts/module-cycles.py` checks it).

mod admin;
mod app_groups;
mod apps;
mod authorizations;
mod cache;
mod ecs;
mod engine;
mod fleet;
mod generations;
mod hosts;
mod hotspot;
mod iam;
mod identity;
mod image_rows;
mod images;
mod network;
mod policies;
pub mod postgres;
mod rows;
mod scaling;
mod schedules;
mod server_groups;
mod servers;
mod sessions;
pub mod snapshot;
mod sqlite_conn;
mod sqlite_migrate;
mod storages;
mod tx;

pub use engine::{SqlStore, SqliteStore};
pub use servers::PowerAction;
/// The description of the default subnet a first start (or a reset) creates in each project.
pub const DEFAULT_SUBNET_DESCRIPTION: &str = admin::DEFAULT_SUBNET;

#[cfg(test)]
mod tests;
