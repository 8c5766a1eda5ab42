//! WorkspaceApp v1 (`huaweicloudsdkworkspaceapp.v1`) wire types.

pub mod app;
pub mod app_group;
pub mod app_server;
pub mod authorization;
pub mod catalogue;
pub mod convert;
pub mod hotspot;
pub mod image;
pub mod policy;
pub mod schedule;
pub mod server_group;
pub mod session;
pub mod storage;
