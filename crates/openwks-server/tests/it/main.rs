//! In-process API tests: a real server on an ephemeral port, signed requests, one module per
//! resource.

mod admin;
mod app_groups;
mod app_servers;
mod apps;
mod attacks;
mod auth;
mod authorizations;
mod catalogue;
mod client_findings;
mod conformance;
mod connections;
mod ecs;
mod ecs_servers;
mod errors;
mod harness;
mod iam;
mod init;
mod network;
mod replicas;
mod scaling;
mod server_groups;
mod sessions;
mod shapes;
mod tags;
mod tracing_spans;
