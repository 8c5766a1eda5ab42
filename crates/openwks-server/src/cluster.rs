//! What replicas sharing one database coordinate (issue 8).
//!
//! - **Background duties run once.** The scaling controller and the job sweeper run only on
//!   the replica holding the `background` lease (a row in the store, renewed every second,
//!   held for three): a replica that dies hands them over within about three seconds. On the
//!   embedded SQLite store there is one process, which always holds them.
//! - **Jobs are finished by someone.** The replica that accepts a job finishes it after the
//!   boot delay; the lease holder also finishes every job still `RUNNING` a grace period after
//!   that (its replica died, or its finish failed while the database was away). Finishing is
//!   idempotent, so a job finished twice changes nothing the second time.
//! - **Caches follow other replicas' changes.** The authentication directory and the compiled
//!   identity policies are reloaded when the store's IAM generation moves: checked every
//!   second, and at once when a request signs with an access key this replica does not know
//!   (a key just created on another replica works at once).

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::Duration;

use crate::AppState;

/// The lease of the background duties.
pub const LEASE: &str = "background";
/// How often the lease is renewed and the IAM generation checked.
const BEAT: Duration = Duration::from_secs(1);
/// How long a lease lasts without renewal.
const LEASE_TTL_MS: i64 = 3_000;
/// How long after its boot delay a running job is left to the replica that started it.
const JOB_GRACE: Duration = Duration::from_secs(2);

/// This replica's part in the cluster.
#[derive(Debug)]
pub struct Cluster {
    /// This process's id (holder name of its leases).
    pub replica_id: String,
    leader: AtomicBool,
    iam_seen: AtomicI64,
    refresh: tokio::sync::Mutex<()>,
}

impl Cluster {
    /// A replica; `alone` (embedded store): it is always the leader. `iam_seen`: the IAM
    /// generation read before the authentication directory was loaded.
    pub fn new(alone: bool, iam_seen: i64) -> Self {
        Self {
            replica_id: uuid::Uuid::new_v4().simple().to_string(),
            leader: AtomicBool::new(alone),
            iam_seen: AtomicI64::new(iam_seen),
            refresh: tokio::sync::Mutex::new(()),
        }
    }

    /// Whether this replica runs the background duties now.
    pub fn is_leader(&self) -> bool {
        self.leader.load(Ordering::SeqCst)
    }
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Reload the authentication directory and drop compiled policies if the IAM generation
/// moved since this replica last looked (another replica changed keys, users or policies).
pub async fn refresh_iam(st: &AppState) {
    if !st.store.shared() {
        return;
    }
    let _one = st.cluster.refresh.lock().await;
    let generation = match st.store.iam_generation().await {
        Ok(g) => g,
        Err(e) => {
            tracing::warn!(error = %e, "cannot read the IAM generation");
            return;
        }
    };
    if generation == st.cluster.iam_seen.load(Ordering::SeqCst) {
        return;
    }
    match st.directory.reload(st.store.as_ref()).await {
        Ok(()) => {
            st.policy_cache.invalidate();
            st.cluster.iam_seen.store(generation, Ordering::SeqCst);
        }
        Err(e) => tracing::warn!(error = %e, "cannot reload the authentication directory"),
    }
}

/// Finish the running jobs whose boot delay and grace have passed.
async fn sweep_jobs(st: &AppState) {
    let jobs = match st.store.running_jobs().await {
        Ok(j) => j,
        Err(e) => {
            tracing::warn!(error = %e, "cannot list running jobs");
            return;
        }
    };
    let due = chrono::Utc::now()
        - chrono::Duration::from_std(st.settings.boot_delay + JOB_GRACE)
            .unwrap_or_else(|_| chrono::Duration::seconds(2));
    for job in jobs {
        let begun = chrono::DateTime::parse_from_rfc3339(&job.begin_time)
            .map(|t| t.with_timezone(&chrono::Utc))
            .unwrap_or(due);
        if begun > due {
            continue;
        }
        let now = openwks_core::time::now_rfc3339();
        match st.store.finish_job(&job.project_id, &job.id, now).await {
            Ok(_) => tracing::info!(job = %job.id, "finished a job left running"),
            Err(e) => {
                tracing::warn!(job = %job.id, error = %e, "could not finish a job left running")
            }
        }
    }
}

/// Start the replica's heartbeat: lease, job sweep, IAM refresh.
pub fn spawn(st: &AppState) {
    let st = st.clone();
    tokio::spawn(async move {
        let shared = st.store.shared();
        let mut t = tokio::time::interval(BEAT);
        t.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            t.tick().await;
            if shared {
                let held = st
                    .store
                    .try_lease(LEASE, &st.cluster.replica_id, now_ms(), LEASE_TTL_MS)
                    .await
                    .unwrap_or_else(|e| {
                        tracing::warn!(error = %e, "cannot renew the background lease");
                        false
                    });
                if held != st.cluster.leader.swap(held, Ordering::SeqCst) {
                    tracing::info!(replica = %st.cluster.replica_id, leader = held, "background duties {}", if held { "taken" } else { "given up" });
                }
                refresh_iam(&st).await;
            }
            if st.cluster.is_leader() {
                sweep_jobs(&st).await;
            }
        }
    });
}

/// Give the lease up (graceful shutdown): another replica takes the duties at once.
pub async fn resign(st: &AppState) {
    if st.store.shared() && st.cluster.leader.swap(false, Ordering::SeqCst) {
        let _ = st.store.release_lease(LEASE, &st.cluster.replica_id).await;
    }
}
