//! The HTTP layer of openwks: the axum router, authentication (AK/SK and tokens), the handlers
//! of each vendor API, error rendering, metrics and the access log.
//!
//! Handlers extract, convert the wire DTO into a core spec, call the core rules and the store,
//! and convert back. No SQL and no business rules live here.

pub mod auth;
pub mod authz;
pub mod cluster;
pub mod ecs;
pub mod error;
pub mod ext;
pub mod faults;
pub mod files;
pub mod iam;
pub mod iam_ops;
pub mod iam_v5;
pub mod ims;
pub mod init;
pub mod input;
pub mod jobs;
pub mod metrics;
pub mod middleware;
pub mod ops;
pub mod recorder;
pub mod request;
pub mod request_id;
pub mod route;
pub mod router;
pub mod routes;
pub mod scaler;
pub mod service;
pub(crate) mod simulated;
pub mod vpc;
pub mod wks;

use std::sync::Arc;

use openwks_core::catalogue::Catalogue;
use openwks_core::identity::Bootstrap;
use openwks_store::Store;

pub use openwks_sched::Weigher;
pub use router::{app, serve_with_listener};

/// Settings of a running server.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The region (`cn-north-4`).
    pub region: String,
    /// Largest accepted request body in bytes.
    pub max_body_bytes: usize,
    /// Allowed clock skew of `X-Sdk-Date`, in seconds.
    pub max_clock_skew_secs: i64,
    /// Lifetime of issued tokens, in seconds.
    pub token_ttl_secs: i64,
    /// Simulated time a server takes to boot or be torn down.
    pub boot_delay: std::time::Duration,
    /// How the scheduler chooses among the hosts that pass its filters.
    pub weigher: Weigher,
    /// Where time comes from (sessions, scaling); tests use a virtual clock.
    pub clock: Arc<dyn openwks_core::clock::Clock>,
    /// How often the scaling controller runs (and disconnected or logged-off sessions
    /// expire); `None`: never by itself (tests call `scaler::tick`).
    pub scaling_interval: Option<std::time::Duration>,
    /// How long the audit trail keeps an event; `None`: for ever.
    pub audit_retention: Option<std::time::Duration>,
    /// How long a connection may take to send a request's headers (also how long an idle
    /// keep-alive connection waits for its next request); then it is closed.
    pub header_timeout: std::time::Duration,
    /// How long a request may take to send its body; then 408.
    pub body_timeout: std::time::Duration,
    /// Connections served at once; further ones wait in the listen backlog until one closes.
    pub max_connections: usize,
    /// How many of the last requests the recorder keeps (0: off).
    pub record_requests: usize,
    /// Mint resource ids from this seed (`serve --seed`): the same requests on a fresh data
    /// dir get the same ids. `None`: random.
    pub seed: Option<u64>,
    /// Where storage folders keep their files (`serve --storage-dir`); `None`: storage
    /// operations that touch files answer 503.
    pub storage_dir: Option<std::path::PathBuf>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            region: "cn-north-4".into(),
            max_body_bytes: 2 * 1024 * 1024,
            max_clock_skew_secs: 15 * 60,
            token_ttl_secs: 24 * 3600,
            boot_delay: std::time::Duration::from_secs(2),
            weigher: Weigher::Spread,
            clock: Arc::new(openwks_core::clock::SystemClock),
            scaling_interval: Some(std::time::Duration::from_secs(5)),
            audit_retention: Some(std::time::Duration::from_secs(90 * 86_400)),
            header_timeout: std::time::Duration::from_secs(10),
            body_timeout: std::time::Duration::from_secs(30),
            max_connections: 4096,
            record_requests: 0,
            seed: None,
            storage_dir: None,
        }
    }
}

/// Everything a handler needs; one `Arc`, cheap to clone (extractors clone it per request).
#[derive(Clone)]
pub struct AppState(Arc<StateInner>);

impl std::ops::Deref for AppState {
    type Target = StateInner;
    fn deref(&self) -> &StateInner {
        &self.0
    }
}

/// The shared state behind [`AppState`].
pub struct StateInner {
    /// The store.
    pub store: Arc<dyn Store>,
    /// The catalogue (read-only).
    pub catalogue: Arc<Catalogue>,
    /// Keys, users and projects, cached for authentication.
    pub directory: Arc<auth::Directory>,
    /// Secret that signs tokens.
    pub token_secret: Arc<String>,
    /// What the first start created, or a snapshot loaded: read it with
    /// [`AppState::bootstrap`].
    pub bootstrap: std::sync::RwLock<Arc<Bootstrap>>,
    /// Request metrics.
    pub metrics: Arc<metrics::Metrics>,
    /// Settings.
    pub settings: Arc<Settings>,
    /// IAM users' compiled identity policies.
    pub policy_cache: Arc<authz::PolicyCache>,
    /// This replica's part among replicas sharing the database.
    pub cluster: Arc<cluster::Cluster>,
    /// Snowflake ids (app groups), with a node number of this process's own.
    pub ids: Arc<openwks_core::ids::Snowflake>,
    /// UUIDs and hex ids of resources (random, or seeded with `serve --seed`); read with
    /// [`AppState::new_uuid`], [`AppState::new_simple_id`], [`AppState::new_hex_id`].
    pub id_source: Arc<openwks_core::ids::IdSource>,
    /// Failed password sign-ins per user name (lockout).
    pub sign_ins: Arc<auth::lockout::SignInGuard>,
    /// Jobs waiting for their boot delay to pass on the clock.
    pub jobs: Arc<jobs::JobQueue>,
    /// The last requests (`Settings::record_requests`).
    pub recorder: Arc<recorder::Recorder>,
    /// Fault and latency injection rules.
    pub faults: Arc<faults::Faults>,
    /// The files of storage folders.
    pub files: Arc<files::Files>,
}

impl StateInner {
    /// Now, from the one clock every part of the server reads ([`Settings::clock`]): epoch
    /// milliseconds.
    pub fn now_ms(&self) -> i64 {
        self.settings.clock.now_ms()
    }

    /// Now, as a timestamp (what the store's writes take).
    pub fn timestamp(&self) -> openwks_core::time::Timestamp {
        openwks_core::time::Timestamp::from_ms(self.now_ms())
    }

    /// Now, as wire time (`YYYY-MM-DDTHH:MM:SS.mmmZ`).
    pub fn now(&self) -> String {
        openwks_core::time::format_ms(self.now_ms())
    }

    /// Now, as a chrono time (signature skew, token expiry).
    pub fn now_utc(&self) -> chrono::DateTime<chrono::Utc> {
        chrono::DateTime::from_timestamp_millis(self.now_ms()).unwrap_or_default()
    }
}

impl AppState {
    /// The account, project and administrator key in force (a snapshot load replaces them).
    pub fn bootstrap(&self) -> Arc<Bootstrap> {
        match self.bootstrap.read() {
            Ok(b) => Arc::clone(&b),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// The catalogue as project `project_id` sees it where it names `image_ids`: the shipped
    /// catalogue, plus the project's active private images (made by image servers) when one of
    /// the ids is not a shipped image. The store is read only then, so requests that name
    /// shipped images pay nothing.
    pub async fn catalogue_for(
        &self,
        project_id: &str,
        image_ids: &[&str],
    ) -> openwks_core::Result<std::borrow::Cow<'_, Catalogue>> {
        if image_ids
            .iter()
            .all(|id| id.is_empty() || self.catalogue.image(id).is_some())
        {
            return Ok(std::borrow::Cow::Borrowed(self.catalogue.as_ref()));
        }
        Ok(std::borrow::Cow::Owned(
            self.catalogue_with_private(project_id).await?,
        ))
    }

    /// The shipped catalogue plus the project's active private images.
    pub async fn catalogue_with_private(
        &self,
        project_id: &str,
    ) -> openwks_core::Result<Catalogue> {
        let private = self.store.private_images(project_id.to_string()).await?;
        let mut c = Catalogue::clone(&self.catalogue);
        c.images.extend(
            private
                .into_iter()
                .filter(|p| p.status == "active")
                .map(|p| p.image),
        );
        Ok(c)
    }

    /// A new resource id: a hyphenated v4 UUID.
    pub fn new_uuid(&self) -> String {
        self.id_source.uuid()
    }

    /// A new resource id: 32 hex digits.
    pub fn new_simple_id(&self) -> String {
        self.id_source.simple()
    }

    /// A new resource id: `n` random bytes as hex.
    pub fn new_hex_id(&self, n: usize) -> String {
        self.id_source.hex(n)
    }

    /// Put `b` in force (after a snapshot load).
    pub fn set_bootstrap(&self, b: Bootstrap) {
        match self.bootstrap.write() {
            Ok(mut g) => *g = Arc::new(b),
            Err(poisoned) => *poisoned.into_inner() = Arc::new(b),
        }
    }

    /// Build the state: bootstrap the store (first start creates the account) and load the
    /// authentication directory.
    pub async fn new(
        store: Arc<dyn Store>,
        catalogue: Catalogue,
        wanted: Bootstrap,
        settings: Settings,
    ) -> openwks_core::Result<Self> {
        // Each start takes the next node number (of 1,024), so replicas never mint the same id;
        // with a seed it also picks the start's id stream (a restart never repeats an id).
        let node = store.next_counter("snowflake_node".to_string()).await?;
        let id_source = Arc::new(match settings.seed {
            Some(seed) => openwks_core::ids::IdSource::seeded(seed, node as u64),
            None => openwks_core::ids::IdSource::random(),
        });
        store.use_id_source(Arc::clone(&id_source)).await?;
        let seed = settings.seed;
        let bootstrap = store.bootstrap(wanted, &catalogue).await?;
        let shared = store.shared();
        let token_secret = store
            .setting_or_init("token_secret".to_string(), auth::random_hex(32))
            .await?;
        // Read before the directory loads: a change in between makes the first check reload.
        let iam_seen = if shared {
            store.iam_generation().await?
        } else {
            i64::MIN
        };
        let directory = auth::Directory::load(store.as_ref(), &settings.region).await?;
        store.load_hosts(catalogue.hosts()).await?;
        let recorder = Arc::new(recorder::Recorder::new(settings.record_requests));
        let files = Arc::new(files::Files::new(settings.storage_dir.clone()));
        let state = Self(Arc::new(StateInner {
            store,
            catalogue: Arc::new(catalogue),
            directory: Arc::new(directory),
            token_secret: Arc::new(token_secret),
            bootstrap: std::sync::RwLock::new(Arc::new(bootstrap)),
            metrics: Arc::new(metrics::Metrics::default()),
            settings: Arc::new(settings),
            policy_cache: Arc::new(authz::PolicyCache::default()),
            cluster: Arc::new(cluster::Cluster::new(!shared, iam_seen)),
            ids: Arc::new(if let Some(seed) = seed {
                openwks_core::ids::Snowflake::deterministic(node.rem_euclid(1024) as u64, seed)
            } else {
                openwks_core::ids::Snowflake::new(node.rem_euclid(1024) as u64)
            }),
            id_source,
            sign_ins: Arc::new(auth::lockout::SignInGuard::default()),
            recorder,
            faults: Arc::new(faults::Faults::default()),
            jobs: Arc::new(jobs::JobQueue::default()),
            files,
        }));
        // Jobs that were running when the process stopped are resumed.
        jobs::resume_running(&state).await?;
        jobs::spawn(&state);
        cluster::spawn(&state);
        if let Some(every) = state.settings.scaling_interval {
            scaler::spawn(&state, every);
        }
        Ok(state)
    }
}
