//! Wire types of the vendor APIs openwks speaks, and the request signer.
//!
//! Every struct here mirrors the JSON of one vendor SDK model (the struct is named after the
//! SDK class, e.g. `CreateServerGroupReq`). Request DTOs have every field optional, because the
//! SDK happily sends `{}`: validation belongs to `openwks-core`, at the seam where a DTO becomes
//! a domain type. This crate must not depend on the domain, the store or the HTTP stack.

pub mod ecs;
pub mod error_body;
pub mod ext;
pub mod iam;
pub mod ims;
pub mod signer;
pub mod vpc;
pub mod wks;
