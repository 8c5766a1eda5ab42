//! Error bodies of the two wire dialects.

use serde::{Deserialize, Serialize};

/// The WorkspaceApp (and APIG) error body: `{"error_code","error_msg","request_id"}`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct WksErrorBody {
    /// `WKS.xxxxxxxx` or `APIGW.xxxx`.
    pub error_code: String,
    /// Human-readable message.
    pub error_msg: String,
    /// The request id, also sent as the `X-Request-Id` header.
    pub request_id: String,
}

/// The Nova/ECS error body: `{"error":{"code","message"}}`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct EcsErrorBody {
    /// The inner object.
    pub error: EcsError,
}

/// Inner object of [`EcsErrorBody`].
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct EcsError {
    /// `Ecs.xxxx`.
    pub code: String,
    /// Human-readable message.
    pub message: String,
}
