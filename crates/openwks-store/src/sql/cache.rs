//! A bounded cache of server-group views, kept coherent with the database.
//!
//! Only this process writes the database file (the data directory is locked), so every change
//! passes through the writer thread. Write functions call `WriteTx::touch` for every group whose view
//! they change (the group itself, its primary when its standby set changes, its standbys when
//! they follow it). After the batch commits, the writer calls [`ViewCache::evict`], which, under
//! the cache lock, bumps the generation and removes those entries.
//!
//! A reader that misses notes the generation *before* its database read and inserts its result
//! only if the generation is unchanged when it takes the lock: a commit that happened after
//! its snapshot always either evicts the inserted entry or prevents the insert. So the cache
//! never serves a view older than the last commit.
//!
//! On a database that other processes write too (PostgreSQL replicas), the cache follows the
//! database's write generation and the changes each batch records ([`ViewCache::shared`]).

use std::collections::HashMap;
use std::sync::RwLock;

use openwks_core::server_group::ServerGroupView;

struct Inner {
    generation: u64,
    views: HashMap<String, ServerGroupView>,
}

/// The cache: group id → view.
pub(crate) struct ViewCache {
    inner: RwLock<Inner>,
    capacity: usize,
    local: bool,
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
            local: true,
        }
    }

    /// A cache for a database other processes write too (PostgreSQL replicas). Another
    /// replica's commit evicts nothing here directly; instead every write batch of every
    /// replica moves the *database* write generation (`write_generation` row 1) and records
    /// the groups whose views it changed under that generation (`view_changes`). The cache
    /// is valid through one generation (its `generation`): a reader first learns the current
    /// generation, and whoever reads it also reads the changes since the cache's and applies
    /// them ([`Self::advance`]: those views go, the rest stay valid); a lookup is served only
    /// if the cache is valid through the reader's generation ([`Self::lookup`]). A view read
    /// from the database is kept with the generation of its snapshot, unless that is older
    /// than the cache's: changes between the two may already have been applied
    /// ([`Self::store`]).
    pub(crate) fn shared(capacity: usize) -> Self {
        Self {
            local: false,
            ..Self::new(capacity)
        }
    }

    /// The cached view of `id` in `project_id`, for a reader that noted `stamp` before it
    /// looked: the local generation ([`Self::generation`]), or in shared mode the database
    /// write generation read just now.
    pub(crate) fn lookup(&self, stamp: u64, project_id: &str, id: &str) -> Option<ServerGroupView> {
        if self.local {
            return self.get(project_id, id);
        }
        let g = self.inner.read().ok()?;
        if g.generation >= stamp {
            return Self::find(&g, project_id, id);
        }
        None
    }

    /// Keep a view read after noting `stamp` (local mode: unless a commit happened since;
    /// shared mode: the write generation of the snapshot it was read in).
    pub(crate) fn store(&self, stamp: u64, view: &ServerGroupView) {
        if self.local {
            return self.insert(stamp, view);
        }
        let Ok(mut g) = self.inner.write() else {
            return;
        };
        if stamp >= g.generation {
            self.put(&mut g, view);
        }
    }

    /// Shared mode: the database is at generation `gen`, and `changed` are the groups whose
    /// views changed after `since` (read together, in one snapshot); `None`: start over.
    /// Afterwards the cache is valid through `gen`.
    pub(crate) fn advance(&self, since: u64, gen: u64, changed: Option<Vec<String>>) {
        let Ok(mut g) = self.inner.write() else {
            return;
        };
        if gen <= g.generation {
            return;
        }
        match changed {
            // What was read covers everything after the cache's generation.
            Some(ids) if since <= g.generation => {
                for id in ids {
                    g.views.remove(&id);
                }
            }
            _ => g.views.clear(),
        }
        g.generation = gen;
    }

    fn find(g: &Inner, project_id: &str, id: &str) -> Option<ServerGroupView> {
        g.views
            .get(id)
            .filter(|v| v.group.project_id == project_id)
            .cloned()
    }

    /// Add a view, keeping the bound: a quarter of the capacity goes when it is full.
    fn put(&self, g: &mut Inner, view: &ServerGroupView) {
        if g.views.len() >= self.capacity {
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

    /// The view of `id` in `project_id`, if cached (local mode).
    pub(crate) fn get(&self, project_id: &str, id: &str) -> Option<ServerGroupView> {
        if !self.local {
            return None;
        }
        let g = self.inner.read().ok()?;
        Self::find(&g, project_id, id)
    }

    /// The generation to note before a database read.
    pub(crate) fn generation(&self) -> u64 {
        self.inner.read().map(|g| g.generation).unwrap_or(u64::MAX)
    }

    /// Insert a view read at `generation`, unless a commit happened since (local mode).
    pub(crate) fn insert(&self, generation: u64, view: &ServerGroupView) {
        if !self.local {
            return;
        }
        let Ok(mut g) = self.inner.write() else {
            return;
        };
        if g.generation == generation {
            self.put(&mut g, view);
        }
    }

    /// After a commit: bump the generation and evict what the batch touched.
    pub(crate) fn evict(&self, ids: &[String]) {
        // Shared mode: the database generation retires entries (see `shared`).
        if !self.local {
            return;
        }
        if let Ok(mut g) = self.inner.write() {
            g.generation += 1;
            for id in ids {
                g.views.remove(id);
            }
        }
    }

    /// After a failed commit: nothing changed, but be safe and drop everything.
    pub(crate) fn clear(&self) {
        if !self.local {
            return;
        }
        if let Ok(mut g) = self.inner.write() {
            g.generation += 1;
            g.views.clear();
        }
    }
}
