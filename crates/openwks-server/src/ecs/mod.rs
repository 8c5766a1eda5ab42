//! Handlers of the ECS API (`/v1/{project_id}/cloudservers/...`), answering errors in the
//! ECS dialect.

pub mod server;
pub mod server_group;
