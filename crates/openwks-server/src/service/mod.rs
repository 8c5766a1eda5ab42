//! The use-case layer: typed functions between the HTTP handlers and the store, called by
//! handlers and by background workers (the scaling controller, the job sweeper) alike. Nothing
//! here knows HTTP: inputs are validated domain values, outputs domain values or
//! [`openwks_core::Error`]. Preconditions that must not change underneath a write are checked
//! by the store inside that write (see [`session::launch`]).
//!
//! Handlers (`wks/`, `ecs/`, `ext/`) may call these; workers call only these and the store,
//! never handler code (a unit test of this module checks the imports).

pub mod app_server;
pub mod drain;
pub mod hotspot;
pub mod schedule;
pub mod session;

#[cfg(test)]
mod tests {
    /// Workers import the use-case layer and the store, never a handler module.
    #[test]
    fn no_worker_imports_handler_code() {
        for (file, text) in [
            ("scaler.rs", include_str!("../scaler.rs")),
            ("cluster.rs", include_str!("../cluster.rs")),
            ("jobs.rs", include_str!("../jobs.rs")),
        ] {
            for handler in [
                "crate::wks",
                "crate::ecs",
                "crate::ext",
                "crate::iam_ops",
                "crate::iam_v5",
            ] {
                assert!(
                    !text.contains(handler),
                    "{file} uses {handler}: call crate::service instead"
                );
            }
        }
    }
}
