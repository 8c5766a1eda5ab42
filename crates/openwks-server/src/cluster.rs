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
//!   (a key just created on another replica works at once; requests arriving together share
//!   one check, see [`Rounds`]).

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
    refresh: Rounds,
}

/// Work that serves everyone who asked before it started (a check of the IAM generation): a
/// caller waits for a round that *began after it asked*, and rounds run one at a time, so any
/// number of callers arriving together cost one round, at most two, not one each (a flood
/// of requests signed with unknown access keys must not queue one database read each). The
/// store's `GenerationReads` applies the same rule to the write generation, but shares the
/// value read and wakes every waiter at once (it is on the path of every read); this guards
/// a rare path and needs neither.
#[derive(Debug, Default)]
pub(crate) struct Rounds {
    /// Rounds begun so far.
    begun: std::sync::atomic::AtomicU64,
    /// The newest round finished.
    finished: std::sync::atomic::AtomicU64,
    one: tokio::sync::Mutex<()>,
}

impl Rounds {
    /// Run `work`, unless a round that began after this call has finished by the time it is
    /// this call's turn.
    pub(crate) async fn run<F: std::future::Future<Output = ()>>(&self, work: impl FnOnce() -> F) {
        let asked = self.begun.load(Ordering::SeqCst);
        let _turn = self.one.lock().await;
        if self.finished.load(Ordering::SeqCst) > asked {
            return;
        }
        let round = self.begun.fetch_add(1, Ordering::SeqCst) + 1;
        work().await;
        self.finished.store(round, Ordering::SeqCst);
    }
}

impl Cluster {
    /// A replica; `alone` (embedded store): it is always the leader. `iam_seen`: the IAM
    /// generation read before the authentication directory was loaded.
    pub fn new(alone: bool, iam_seen: i64) -> Self {
        Self {
            replica_id: uuid::Uuid::new_v4().simple().to_string(),
            leader: AtomicBool::new(alone),
            iam_seen: AtomicI64::new(iam_seen),
            refresh: Rounds::default(),
        }
    }

    /// Whether this replica runs the background duties now.
    pub fn is_leader(&self) -> bool {
        self.leader.load(Ordering::SeqCst)
    }
}

/// Reload the authentication directory and drop compiled policies if the IAM generation
/// moved since this replica last looked (another replica changed keys, users or policies).
pub async fn refresh_iam(st: &AppState) {
    if !st.store.shared() {
        return;
    }
    st.cluster.refresh.run(|| refresh_iam_now(st)).await;
}

async fn refresh_iam_now(st: &AppState) {
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
    let due = st.now_utc()
        - chrono::Duration::from_std(st.settings.boot_delay + JOB_GRACE)
            .unwrap_or_else(|_| chrono::Duration::seconds(2));
    for job in jobs {
        let begun = chrono::DateTime::parse_from_rfc3339(&job.begin_time)
            .map(|t| t.with_timezone(&chrono::Utc))
            .unwrap_or(due);
        if begun > due {
            continue;
        }
        match st
            .store
            .finish_job(job.project_id, job.id.clone(), st.timestamp())
            .await
        {
            Ok(_) => tracing::info!(job = %job.id, "finished a job left running"),
            Err(e) => {
                tracing::warn!(job = %job.id, error = %e, "could not finish a job left running")
            }
        }
    }
}

/// Delete the audit events older than the retention (on the injected clock).
pub async fn prune_audit(st: &AppState) {
    let Some(keep) = st.settings.audit_retention else {
        return;
    };
    let before = st.settings.clock.now_ms() - i64::try_from(keep.as_millis()).unwrap_or(i64::MAX);
    match st.store.prune_audit(before).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(deleted = n, "audit events past their retention deleted"),
        Err(e) => tracing::warn!(error = %e, "could not prune the audit trail"),
    }
}

/// One heartbeat of this replica: take or renew the background lease, pick up IAM changes
/// made elsewhere; as the lease holder, finish jobs left running and (on every 60th beat,
/// the first included) prune the audit trail. `beat` counts from 1. The heartbeat task calls
/// it every [`BEAT`]; tests call it by hand.
pub async fn beat(st: &AppState, beat: u64) {
    if st.store.shared() {
        let held = st
            .store
            .try_lease(
                LEASE.to_string(),
                st.cluster.replica_id.clone(),
                st.timestamp(),
                LEASE_TTL_MS,
            )
            .await
            .unwrap_or_else(|e| {
                tracing::warn!(error = %e, "cannot renew the background lease");
                false
            });
        if held != st.cluster.leader.swap(held, Ordering::SeqCst) {
            tracing::info!(replica = %st.cluster.replica_id, leader = held, "background duties {}", if held { "taken" } else { "given up" });
        }
        refresh_iam(st).await;
    }
    if st.cluster.is_leader() {
        sweep_jobs(st).await;
        if beat % 60 == 1 {
            prune_audit(st).await;
        }
    }
}

/// Start the replica's heartbeat: [`beat`] every [`BEAT`].
pub fn spawn(st: &AppState) {
    let st = st.clone();
    tokio::spawn(async move {
        let mut t = tokio::time::interval(BEAT);
        t.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut beats: u64 = 0;
        loop {
            t.tick().await;
            beats += 1;
            beat(&st, beats).await;
        }
    });
}

/// Give the lease up (graceful shutdown): another replica takes the duties at once.
pub async fn resign(st: &AppState) {
    if st.store.shared() && st.cluster.leader.swap(false, Ordering::SeqCst) {
        let _ = st
            .store
            .release_lease(LEASE.to_string(), st.cluster.replica_id.clone())
            .await;
    }
}

#[cfg(test)]
mod tests {
    use super::Rounds;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    /// Callers arriving together share rounds: far fewer rounds than callers, yet every
    /// caller returns only after a round that began after it asked has finished.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn callers_arriving_together_share_a_round() {
        let rounds = Arc::new(Rounds::default());
        let ran = Arc::new(AtomicUsize::new(0));
        let callers: Vec<_> = (0..200)
            .map(|_| {
                let (rounds, ran) = (Arc::clone(&rounds), Arc::clone(&ran));
                tokio::spawn(async move {
                    let before = ran.load(Ordering::SeqCst);
                    rounds
                        .run(|| async {
                            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                            ran.fetch_add(1, Ordering::SeqCst);
                        })
                        .await;
                    // A round that finished after this caller asked.
                    assert!(ran.load(Ordering::SeqCst) > before);
                })
            })
            .collect();
        for c in callers {
            c.await.expect("caller");
        }
        let n = ran.load(Ordering::SeqCst);
        assert!((1..=3).contains(&n), "{n} rounds for 200 callers");

        // A caller after them all gets a round of its own.
        rounds
            .run(|| async {
                ran.fetch_add(1, Ordering::SeqCst);
            })
            .await;
        assert_eq!(ran.load(Ordering::SeqCst), n + 1);
    }
}
