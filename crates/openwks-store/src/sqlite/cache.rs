//! A bounded cache of server-group views, kept coherent with the database.
//!
//! Only this process writes the database file (the data directory is locked), so every change
//! passes through the writer thread. Write functions call [`touch`] for every group whose view
//! they change (the group itself, its primary when its standby set changes, its standbys when
//! they follow it). After the batch commits, the writer calls [`ViewCache::evict`], which, under
//! the cache lock, bumps the generation and removes those entries.
//!
//! A reader that misses notes the generation *before* its database read and inserts its result
//! only if the generation is unchanged when it takes the lock: a commit that happened after
//! its snapshot always either evicts the inserted entry or prevents the insert. So the cache
//! never serves a view older than the last commit.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::RwLock;

use openwks_core::server_group::ServerGroupView;

thread_local! {
    static TOUCHED: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

/// Record (on the writer thread) that the view of group `id` changes in this transaction.
pub(crate) fn touch(id: &str) {
    TOUCHED.with(|t| t.borrow_mut().push(id.to_string()));
}

/// Take what was touched since the last call (writer thread).
/// How many touches this batch has made so far (a mark for [`touched_since`]).
pub(crate) fn touched_len() -> usize {
    TOUCHED.with(|t| t.borrow().len())
}

/// Whether `id` was touched after `mark` in this batch.
pub(crate) fn touched_since(mark: usize, id: &str) -> bool {
    TOUCHED.with(|t| t.borrow().iter().skip(mark).any(|x| x == id))
}

pub(crate) fn take_touched() -> Vec<String> {
    TOUCHED.with(|t| std::mem::take(&mut *t.borrow_mut()))
}

struct Inner {
    generation: u64,
    views: HashMap<String, ServerGroupView>,
}

/// The cache: group id → view.
pub(crate) struct ViewCache {
    inner: RwLock<Inner>,
    capacity: usize,
    enabled: bool,
}

impl ViewCache {
    /// A cache of at most `capacity` views.
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            inner: RwLock::new(Inner {
                generation: 0,
                views: HashMap::new(),
            }),
            capacity,
            enabled: true,
        }
    }

    /// A cache that keeps nothing (several processes share the database: another one's
    /// commit would not evict anything here).
    pub(crate) fn disabled() -> Self {
        Self {
            enabled: false,
            ..Self::new(0)
        }
    }

    /// The view of `id` in `project_id`, if cached.
    pub(crate) fn get(&self, project_id: &str, id: &str) -> Option<ServerGroupView> {
        if !self.enabled {
            return None;
        }
        let g = self.inner.read().ok()?;
        g.views
            .get(id)
            .filter(|v| v.group.project_id == project_id)
            .cloned()
    }

    /// The generation to note before a database read.
    pub(crate) fn generation(&self) -> u64 {
        self.inner.read().map(|g| g.generation).unwrap_or(u64::MAX)
    }

    /// Insert a view read at `generation`, unless a commit happened since.
    pub(crate) fn insert(&self, generation: u64, view: &ServerGroupView) {
        if !self.enabled {
            return;
        }
        let Ok(mut g) = self.inner.write() else {
            return;
        };
        if g.generation != generation {
            return;
        }
        if g.views.len() >= self.capacity {
            // Bounded: drop an arbitrary entry (a quarter of the capacity at a time).
            let drop: Vec<String> = g
                .views
                .keys()
                .take(self.capacity / 4 + 1)
                .cloned()
                .collect();
            for k in drop {
                g.views.remove(&k);
            }
        }
        g.views.insert(view.group.id.clone(), view.clone());
    }

    /// After a commit: bump the generation and evict what the batch touched.
    pub(crate) fn evict(&self, ids: &[String]) {
        if let Ok(mut g) = self.inner.write() {
            g.generation += 1;
            for id in ids {
                g.views.remove(id);
            }
        }
    }

    /// After a failed commit: nothing changed, but be safe and drop everything.
    pub(crate) fn clear(&self) {
        if let Ok(mut g) = self.inner.write() {
            g.generation += 1;
            g.views.clear();
        }
    }
}
