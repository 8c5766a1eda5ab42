//! The domain of openwks: what objects exist and the rules they obey.
//!
//! Server groups, the catalogue they are validated against (products, availability zones,
//! images, volume types), networks, identities, and the one error type every layer returns.
//! This crate does no I/O and must not depend on the HTTP stack, the store or the wire DTOs.

pub mod app;
pub mod app_group;
pub mod authorization;
pub mod catalogue;
pub mod clock;
pub mod compute;
pub mod ecs;
pub mod error;
pub mod fixtures;
pub mod hotspot;
pub mod iam;
pub mod iam_model;
pub mod identity;
pub mod ids;
pub mod image;
pub mod metrics;
pub mod network;
pub mod paging;
pub mod policy;
pub mod routing;
pub mod scaling;
pub mod schedule;
pub mod server_group;
pub mod session;
pub mod storage;
pub mod time;
pub mod validate;

pub use error::{Error, ErrorKind, Result};
