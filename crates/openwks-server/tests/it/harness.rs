//! `TestApp`: a server on 127.0.0.1:0 with a temporary data dir, and a client that signs like
//! the SDK.

use std::sync::Arc;

use openwks_core::catalogue::Catalogue;
use openwks_core::identity::{AccessKey, Bootstrap, Project, User};
use openwks_server::{AppState, Settings};
use openwks_testkit::Caller;
pub use openwks_testkit::Resp;
use serde_json::{json, Value};
use tokio::sync::oneshot;

pub const PID: &str = "0123456789abcdef0123456789abcdef";
pub const AK: &str = "AKTEST0000000000001";
pub const SK: &str = "SKtest0000000000000000000000000000000001";
pub const PASSWORD: &str = "admin-Passw0rd";
pub const WIN2019: &str = "6f4d1f2a-2019-4b6e-9c0d-000000000001";
pub const WIN2022: &str = "6f4d1f2a-2022-4b6e-9c0d-000000000002";
pub const GOLD: &str = "0fd6c925-6349-49d6-8788-48263b129854";
pub const UBUNTU: &str = "c1b2e3d4-2204-4c5d-8e9f-000000000005";
pub const PRODUCT: &str = "workspace.appstream.general.xlarge.2";
pub const GPU_PRODUCT: &str = "workspace.appstream.gpu.2xlarge.8.a40";

pub struct TestApp {
    pub base: String,
    pub host: String,
    pub client: reqwest::Client,
    pub dir: Arc<tempfile::TempDir>,
    pub vpc_id: String,
    pub subnet_id: String,
    /// The server's state (tests run the scaling controller's `tick` by hand).
    pub state: AppState,
    shutdown: Option<oneshot::Sender<()>>,
    handle: Option<tokio::task::JoinHandle<()>>,
}

fn wanted() -> Bootstrap {
    Bootstrap {
        account_name: "acme".into(),
        project: Project {
            id: PID.into(),
            name: "cn-north-4".into(),
            account_id: "acct1".into(),
            account_name: "acme".into(),
            created_at: String::new(),
        },
        admin: User {
            id: "user1".into(),
            name: "admin".into(),
            account_id: "acct1".into(),
            is_admin: true,
            password_hash: openwks_server::auth::password::hash(PASSWORD),
        },
        key: AccessKey {
            access_key: AK.into(),
            secret_key: SK.into(),
            user_id: "user1".into(),
            account_id: "acct1".into(),
            status: "active".into(),
        },
    }
}

impl TestApp {
    pub async fn new() -> Self {
        Self::with(
            Arc::new(tempfile::tempdir().expect("tempdir")),
            Self::settings(),
        )
        .await
    }

    /// Test settings: servers boot at once; the scaling controller runs only when a test
    /// calls `scaler::tick`.
    pub fn settings() -> Settings {
        Settings {
            boot_delay: std::time::Duration::ZERO,
            scaling_interval: None,
            ..Settings::default()
        }
    }

    /// A server whose jobs take a minute of a virtual clock the test moves (so each running
    /// state can be seen), and that clock.
    pub async fn with_minute_jobs() -> (Arc<openwks_core::clock::VirtualClock>, Self) {
        let clock = Arc::new(openwks_core::clock::VirtualClock::at(1_780_000_000_000));
        let settings = Settings {
            clock: clock.clone(),
            boot_delay: std::time::Duration::from_secs(60),
            ..Self::settings()
        };
        let app = Self::with(Arc::new(tempfile::tempdir().expect("dir")), settings).await;
        (clock, app)
    }

    pub async fn with(dir: Arc<tempfile::TempDir>, settings: Settings) -> Self {
        let cat = Catalogue::default_for("cn-north-4").expect("catalogue");
        Self::with_catalogue(dir, settings, cat).await
    }

    /// Another replica of this app: its own store (writer, connections, caches) on the same
    /// database. Only on the PostgreSQL pass (`None` on SQLite, whose file has one writer).
    pub async fn replica(&self) -> Option<Self> {
        openwks_store::testing::database_url()?;
        let cat = (*self.state.catalogue).clone();
        Some(Self::with_catalogue(Arc::clone(&self.dir), Self::settings(), cat).await)
    }

    pub async fn with_catalogue(
        dir: Arc<tempfile::TempDir>,
        settings: Settings,
        cat: Catalogue,
    ) -> Self {
        let mut settings = settings;
        if settings.storage_dir.is_none() {
            settings.storage_dir = Some(dir.path().join("storage"));
        }
        let store = Arc::new(openwks_store::testing::open(dir.path()).expect("open store"));
        let state = AppState::new(store, cat, wanted(), settings)
            .await
            .expect("state");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (tx, rx) = oneshot::channel::<()>();
        let served = state.clone();
        let handle = tokio::spawn(async move {
            let _ = openwks_server::serve_with_listener(listener, state, async {
                let _ = rx.await;
            })
            .await;
        });
        let mut app = Self {
            base: format!("http://{addr}"),
            host: addr.to_string(),
            client: reqwest::Client::new(),
            dir,
            vpc_id: String::new(),
            subnet_id: String::new(),
            state: served,
            shutdown: Some(tx),
            handle: Some(handle),
        };
        let subnets = app.get("/v1/{p}/subnets").await;
        assert_eq!(subnets.status, 200, "{}", subnets.text);
        app.subnet_id = subnets.body["subnets"][0]["id"]
            .as_str()
            .expect("default subnet")
            .to_string();
        app.vpc_id = subnets.body["subnets"][0]["vpc_id"]
            .as_str()
            .expect("vpc")
            .to_string();
        app
    }

    /// Stop the server and start a new one on the same data dir.
    pub async fn restart(self) -> Self {
        self.restart_with(Self::settings()).await
    }

    /// Restart with other settings.
    pub async fn restart_with(mut self, settings: Settings) -> Self {
        let dir = Arc::clone(&self.dir);
        self.stop().await;
        Self::with(dir, settings).await
    }

    pub async fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(h) = self.handle.take() {
            let _ = h.await;
        }
    }

    /// `{p}` in a path is replaced by the project id.
    pub fn path(&self, p: &str) -> String {
        p.replace("{p}", PID)
    }

    /// `X-Sdk-Date` now, on the server's own clock (a test that moves a virtual clock signs
    /// with the time the server reads).
    pub fn sdk_date(&self) -> String {
        self.state.now_utc().format("%Y%m%dT%H%M%SZ").to_string()
    }

    /// Build signed headers like the SDK does (the shared client's signing).
    pub fn signed_headers(
        &self,
        method: &str,
        path_query: &str,
        body: &[u8],
        ak: &str,
        sk: &str,
        date: &str,
    ) -> Vec<(String, String)> {
        let caller = Caller {
            ak,
            sk,
            host: &self.host,
            project_id: Some(PID),
        };
        openwks_testkit::signed_headers(&caller, date, method, path_query, body)
    }

    pub async fn send_raw(
        &self,
        method: &str,
        path_query: &str,
        body: Vec<u8>,
        headers: Vec<(String, String)>,
    ) -> Resp {
        openwks_testkit::send(&self.client, &self.base, method, path_query, body, headers)
            .await
            .expect("send")
    }

    pub async fn call(&self, method: &str, path_query: &str, body: Option<Value>) -> Resp {
        let pq = self.path(path_query);
        let bytes = body
            .map(|b| serde_json::to_vec(&b).expect("json"))
            .unwrap_or_default();
        let hs = self.signed_headers(method, &pq, &bytes, AK, SK, &self.sdk_date());
        self.send_raw(method, &pq, bytes, hs).await
    }

    /// A call signed with another user's key pair.
    pub async fn call_as(
        &self,
        (ak, sk): (&str, &str),
        method: &str,
        path_query: &str,
        body: Option<Value>,
    ) -> Resp {
        let pq = self.path(path_query);
        let bytes = body
            .map(|b| serde_json::to_vec(&b).expect("json"))
            .unwrap_or_default();
        let hs = self.signed_headers(method, &pq, &bytes, ak, sk, &self.sdk_date());
        self.send_raw(method, &pq, bytes, hs).await
    }

    pub async fn get(&self, p: &str) -> Resp {
        self.call("GET", p, None).await
    }
    pub async fn post(&self, p: &str, body: Value) -> Resp {
        self.call("POST", p, Some(body)).await
    }
    pub async fn patch(&self, p: &str, body: Value) -> Resp {
        self.call("PATCH", p, Some(body)).await
    }
    pub async fn put(&self, p: &str, body: Value) -> Resp {
        self.call("PUT", p, Some(body)).await
    }
    pub async fn delete(&self, p: &str) -> Resp {
        self.call("DELETE", p, None).await
    }

    /// A valid create body on the default network.
    pub fn group_body(&self, name: &str) -> Value {
        json!({
            "name": name, "image_id": WIN2019, "image_type": "public", "os_type": "Windows",
            "product_id": PRODUCT, "vpc_id": self.vpc_id, "subnet_id": self.subnet_id,
            "system_disk_type": "SAS", "system_disk_size": 80
        })
    }

    /// The body of `create_app_servers` for `n` servers of group `sg` on the default network.
    pub fn app_servers_body(&self, sg: &str, n: i64) -> Value {
        json!({"type": "createApps", "server_group_id": sg, "subscription_num": n, "product_id": PRODUCT,
               "flavor_id": "s6.xlarge.2", "root_volume": {"type": "SAS", "size": 80}, "vpc_id": self.vpc_id,
               "subnet_id": self.subnet_id, "nics": [{"subnet_id": self.subnet_id}]})
    }

    /// Finish every job due on the server's clock (with the test settings' zero boot delay:
    /// every job accepted so far).
    pub async fn run_jobs(&self) {
        openwks_server::jobs::run_due(&self.state).await;
    }

    /// A WKS job once the jobs due on the server's clock are finished (its v2 view, as
    /// Terraform polls it). With the test settings' zero boot delay every accepted job is due
    /// at once, so it is finished: nothing polls or sleeps. A job not due yet (a longer boot
    /// delay) fails here: move the clock first.
    pub async fn wait_job(&self, job: &str) -> Value {
        self.run_jobs().await;
        let j = self.get(&format!("/v2/{{p}}/job/{job}")).await;
        assert_eq!(j.status, 200, "{}", j.text);
        assert_ne!(
            j.body["status"], "RUNNING",
            "job {job} is not due on the server's clock yet: {}",
            j.text
        );
        j.body
    }

    /// Make schedule task `id` due now on the server's clock (a test then runs it with one
    /// controller round, `scaler::tick`).
    pub async fn make_due(&self, id: &str) {
        let due = self.state.now_ms();
        self.state
            .store
            .update_schedule_task(
                PID.to_string(),
                id.to_string(),
                Box::new(move |t| {
                    t.next_ms = Some(due);
                    Ok(())
                }),
            )
            .await
            .expect("due now");
    }

    /// Create `n` app servers in group `sg`, wait for the job; the servers' ids.
    pub async fn app_servers(&self, sg: &str, n: i64) -> Vec<String> {
        let r = self
            .post(
                "/v1/{p}/app-servers/actions/create",
                self.app_servers_body(sg, n),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        let j = self.wait_job(r.body["job_id"].as_str().expect("job")).await;
        job_servers(&j)
    }

    /// Create a group and return its id.
    pub async fn create_group(&self, body: Value) -> String {
        let r = self.post("/v1/{p}/app-server-groups", body).await;
        assert_eq!(r.status, 200, "{}", r.text);
        r.body["id"].as_str().expect("id").to_string()
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Assert the vendor error shape and the request-id header.
pub fn assert_error(r: &Resp, status: u16, code: &str) {
    assert_eq!(r.status, status, "{}", r.text);
    assert_eq!(r.code(), code, "{}", r.text);
    assert!(!r.msg().is_empty(), "error_msg is empty: {}", r.text);
    let rid = r.request_id().expect("X-Request-Id header");
    assert_eq!(r.body["request_id"].as_str(), Some(rid));
}

/// The servers of a finished WKS job (v2 view): `sub_jobs[i].job_resource_info.resource_id`.
pub fn job_servers(job: &Value) -> Vec<String> {
    job["sub_jobs"]
        .as_array()
        .expect("sub_jobs")
        .iter()
        .map(|s| {
            s["job_resource_info"]["resource_id"]
                .as_str()
                .unwrap_or("")
                .to_string()
        })
        .collect()
}
