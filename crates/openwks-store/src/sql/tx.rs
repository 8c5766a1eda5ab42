//! The write context: what a write job is given besides its SQL connection, and what it leaves
//! for the engine to do after the commit.
//!
//! A write function that changes a server group's view says so with [`WriteTx::touch`]; one
//! that routes or frees a session slot uses the writer's routers through [`WriteTx`]. Nothing
//! is carried on the side (no thread-locals): the engine owns the [`WriterState`], lends it to
//! each job of a batch, and after the commit takes the touched ids (to evict cached views and
//! drop the routers of those groups) or, when the batch rolled back, forgets every router.
//! A job that fails (rolled back to its savepoint) drops the routers it adjusted, so a router
//! never counts a session that was not written.

use std::cell::RefCell;
use std::collections::HashMap;

use std::sync::Arc;

use openwks_core::ids::IdSource;
use openwks_core::routing::Router;

use crate::db::Connection;

/// A group's routing state, kept by the writer between batches.
pub(crate) struct Routed {
    /// The group's servers and their live sessions.
    pub(crate) router: Router,
    /// Its standby groups, oldest first.
    pub(crate) standbys: Vec<String>,
    /// The group's name.
    pub(crate) name: String,
    /// Name and address per server.
    pub(crate) places: HashMap<String, (String, String)>,
    /// How many touches the batch had made when it was built: valid while its group is not
    /// touched after that.
    mark: usize,
}

impl Routed {
    /// A router built now (in the current batch).
    pub(crate) fn new(
        router: Router,
        standbys: Vec<String>,
        name: String,
        places: HashMap<String, (String, String)>,
    ) -> Self {
        Self {
            router,
            standbys,
            name,
            places,
            mark: 0,
        }
    }
}

/// What the writer keeps across the jobs of a batch and across batches.
#[derive(Default)]
pub(crate) struct WriterState {
    /// Groups whose views the current batch changed, in order.
    touched: Vec<String>,
    /// Routers per server group.
    routers: HashMap<String, Routed>,
    /// Where the ids the store mints come from (random, or seeded with `serve --seed`).
    ids: Arc<IdSource>,
}

impl WriterState {
    /// Another process wrote the database: the routers may be behind.
    pub(crate) fn foreign_write(&mut self) {
        self.routers.clear();
    }

    /// The batch ended: answer the groups it touched (to evict their views) and drop their
    /// routers; every router when it did not commit.
    pub(crate) fn batch_ended(&mut self, committed: bool) -> Vec<String> {
        let touched = std::mem::take(&mut self.touched);
        if committed {
            for id in &touched {
                self.routers.remove(id);
            }
        } else {
            self.routers.clear();
        }
        touched
    }

    /// The groups touched so far in this batch.
    pub(crate) fn touched(&self) -> &[String] {
        &self.touched
    }
}

/// One write job's context: the connection of the batch's transaction and the writer's state.
pub(crate) struct WriteTx<'a> {
    db: &'a Connection,
    state: &'a RefCell<WriterState>,
    /// Groups whose routers this job adjusted (dropped if the job fails).
    adjusted: RefCell<Vec<String>>,
}

impl<'a> WriteTx<'a> {
    /// The context of a job running on `db`.
    pub(crate) fn new(db: &'a Connection, state: &'a RefCell<WriterState>) -> Self {
        Self {
            db,
            state,
            adjusted: RefCell::new(Vec::new()),
        }
    }

    /// The connection, inside the batch's transaction (and the job's savepoint).
    pub(crate) fn db(&self) -> &'a Connection {
        self.db
    }

    /// Where the ids this write mints come from.
    pub(crate) fn ids(&self) -> Arc<IdSource> {
        Arc::clone(&self.state.borrow().ids)
    }

    /// Mint the store's ids from `ids` from now on.
    pub(crate) fn set_ids(&self, ids: Arc<IdSource>) {
        self.state.borrow_mut().ids = ids;
    }

    /// The view of server group `id` changes in this write: evict it after the commit, and
    /// rebuild its router before the next decision.
    pub(crate) fn touch(&self, id: &str) {
        self.state.borrow_mut().touched.push(id.to_string());
    }

    /// Whether the writer has a router of group `id` built after the group's last touch.
    pub(crate) fn has_router(&self, id: &str) -> bool {
        let st = self.state.borrow();
        st.routers
            .get(id)
            .is_some_and(|r| !st.touched.iter().skip(r.mark).any(|t| t == id))
    }

    /// Keep `routed` as the router of group `id` (built from this transaction's view).
    pub(crate) fn put_router(&self, id: &str, mut routed: Routed) {
        let mut st = self.state.borrow_mut();
        routed.mark = st.touched.len();
        st.routers.insert(id.to_string(), routed);
    }

    /// Forget the router of group `id`.
    pub(crate) fn drop_router(&self, id: &str) {
        self.state.borrow_mut().routers.remove(id);
    }

    /// Run `f` on the router of group `id`, if the writer has one. The job's failure drops it.
    pub(crate) fn with_router<R>(&self, id: &str, f: impl FnOnce(&mut Routed) -> R) -> Option<R> {
        let out = self.state.borrow_mut().routers.get_mut(id).map(f);
        if out.is_some() {
            self.adjusted.borrow_mut().push(id.to_string());
        }
        out
    }

    /// The job failed and rolled back to its savepoint: drop the routers it adjusted.
    pub(crate) fn job_failed(&self) {
        let mut st = self.state.borrow_mut();
        for id in self.adjusted.borrow().iter() {
            st.routers.remove(id);
        }
    }
}
