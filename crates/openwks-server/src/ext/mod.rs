//! openwks extension routes (`/openwks/v1/...`), signed like every route; `docs/extensions.md`.

pub mod admin;
pub mod drain;
pub mod files;
pub mod hosts;
pub mod iam_admin;
pub mod launch;
pub mod scaling;
pub mod user_groups;
