//! Authentication: who is calling.
//!
//! - [`sdk_hmac`]: the vendor's `SDK-HMAC-SHA256` AK/SK signature (sdk-surface.md §4.3).
//! - [`token`]: `X-Auth-Token` tokens issued by `POST /v3/auth/tokens`.
//! - [`password`]: password hashing for IAM users.
//! - [`Directory`]: keys, users and projects, cached in memory for the hot path.

pub mod lockout;
pub mod password;
pub mod sdk_hmac;
pub mod token;

use std::collections::HashMap;
use std::sync::RwLock;

use openwks_core::identity::{AccessKey, Project, User};
use openwks_core::{Error, Result};
use openwks_store::Store;
use rand::RngCore;

/// `n` random bytes as lower-case hex.
pub fn random_hex(n: usize) -> String {
    let mut b = vec![0u8; n];
    rand::rng().fill_bytes(&mut b);
    hex::encode(b)
}

#[derive(Default)]
struct Snapshot {
    keys: HashMap<String, AccessKey>,
    users: HashMap<String, User>,
    projects: HashMap<String, Project>,
    /// Per user, the [`password::stamp`] of its current password hash.
    stamps: HashMap<String, String>,
}

/// The identities the authentication path looks up on every request, cached in memory and
/// reloaded whenever they change.
pub struct Directory {
    region: String,
    snap: RwLock<Snapshot>,
}

impl Directory {
    /// Load everything from the store.
    pub async fn load(store: &dyn Store, region: &str) -> Result<Self> {
        let d = Self {
            region: region.to_string(),
            snap: RwLock::new(Snapshot::default()),
        };
        d.reload(store).await?;
        Ok(d)
    }

    /// Reload from the store (after a change of keys, users or projects).
    pub async fn reload(&self, store: &dyn Store) -> Result<()> {
        let keys = store.access_keys().await?;
        let mut snap = Snapshot::default();
        for k in keys {
            if !snap.users.contains_key(&k.user_id) {
                if let Some(u) = store.user(k.user_id.clone()).await? {
                    if !snap.projects.values().any(|p| p.account_id == u.account_id) {
                        for p in store.projects(u.account_id.clone(), None).await? {
                            snap.projects.insert(p.id.clone(), p);
                        }
                    }
                    snap.stamps
                        .insert(u.id.clone(), password::stamp(&u.password_hash));
                    snap.users.insert(u.id.clone(), u);
                }
            }
            snap.keys.insert(k.access_key.clone(), k);
        }
        // Every enabled user of those accounts (users without keys sign in with a password or
        // temporary keys); the directory never holds password hashes it does not need.
        let accounts: std::collections::BTreeSet<String> =
            snap.users.values().map(|u| u.account_id.clone()).collect();
        for a in accounts {
            for u in store.iam_users(a).await? {
                if u.enabled && !snap.users.contains_key(&u.id) {
                    if let Some(full) = store.user(u.id.clone()).await? {
                        snap.stamps
                            .insert(u.id.clone(), password::stamp(&full.password_hash));
                    }
                    snap.users.insert(
                        u.id.clone(),
                        User {
                            id: u.id,
                            name: u.name,
                            account_id: u.account_id,
                            is_admin: u.is_admin,
                            password_hash: String::new(),
                        },
                    );
                }
            }
        }
        *self
            .snap
            .write()
            .map_err(|_| Error::internal("directory lock poisoned"))? = snap;
        Ok(())
    }

    /// The key pair of an access key.
    pub fn key(&self, ak: &str) -> Option<AccessKey> {
        self.snap.read().ok()?.keys.get(ak).cloned()
    }

    /// A user by id.
    pub fn user(&self, id: &str) -> Option<User> {
        self.snap.read().ok()?.users.get(id).cloned()
    }

    /// The [`password::stamp`] of a user's current password (tokens carry the one they were
    /// issued under).
    pub fn password_stamp(&self, user_id: &str) -> Option<String> {
        self.snap.read().ok()?.stamps.get(user_id).cloned()
    }

    /// A project by id.
    pub fn project(&self, id: &str) -> Option<Project> {
        self.snap.read().ok()?.projects.get(id).cloned()
    }

    /// The project an account uses when a request names none: the one named after the
    /// region, else its oldest.
    pub fn default_project(&self, account_id: &str) -> Option<Project> {
        let snap = self.snap.read().ok()?;
        let mut ps: Vec<&Project> = snap
            .projects
            .values()
            .filter(|p| p.account_id == account_id)
            .collect();
        ps.sort_by(|a, b| a.created_at.cmp(&b.created_at));
        ps.iter()
            .find(|p| p.name == self.region)
            .or(ps.first())
            .map(|p| (*p).clone())
    }
}
