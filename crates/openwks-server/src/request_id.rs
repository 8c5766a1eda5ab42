//! The id of the request being served: drawn by the outer middleware, held in a task-local
//! while the request runs, written into every error body and the `X-Request-Id` header.

tokio::task_local! {
    /// The id of the request being served (set by the outer middleware).
    pub static REQUEST_ID: String;
}

/// The current request's id, or an empty string outside a request.
pub fn current_request_id() -> String {
    REQUEST_ID.try_with(Clone::clone).unwrap_or_default()
}

/// A request id: 32 hex characters, unique per process start (a random prefix drawn once and a
/// counter), without a `getrandom` system call per request.
pub fn next_request_id() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::OnceLock;
    static PREFIX: OnceLock<u64> = OnceLock::new();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let prefix = *PREFIX.get_or_init(rand::random::<u64>);
    format!(
        "{prefix:016x}{:016x}",
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}
