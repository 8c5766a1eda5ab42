//! Tests of the `openwks` binary as a user runs it: first start, restart, credentials, and
//! durability of acknowledged writes across `kill -9`.

mod common;

use std::path::Path;
use std::process::Command;

use common::*;
use serde_json::{json, Value};

#[test]
fn help_documents_every_flag() {
    let out = Command::new(env!("CARGO_BIN_EXE_openwks"))
        .args(["serve", "--help"])
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    for flag in [
        "--listen",
        "--data-dir",
        "--region",
        "--catalog",
        "--database",
        "--database-pool",
        "--header-timeout",
        "--body-timeout",
        "--max-connections",
        "OPENWKS_LISTEN",
        "OPENWKS_DATABASE_URL",
        "OPENWKS_DATA_DIR",
        "OPENWKS_REGION",
    ] {
        assert!(text.contains(flag), "--help lacks {flag}:\n{text}");
    }
}

#[tokio::test]
async fn first_start_generates_credentials_and_later_starts_keep_them() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("dir");
    let mut s1 = start(dir.path(), false);
    let cred_path = dir.path().join("credentials.json");
    let creds: Value =
        serde_json::from_str(&std::fs::read_to_string(&cred_path).expect("credentials.json"))
            .expect("json");
    let mode = std::fs::metadata(&cred_path)
        .expect("meta")
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600);
    let pid = creds["project_id"].as_str().expect("pid").to_string();
    assert_eq!(pid.len(), 32);
    assert!(s1.stdout.iter().any(|l| l.contains(&pid)));
    assert!(
        s1.stdout
            .iter()
            .any(|l| l.contains(creds["secret_key"].as_str().expect("sk"))),
        "first start prints the SK"
    );
    assert!(s1.stdout.iter().any(|l| l.contains("cn-north-4")));
    s1.child.kill().expect("kill");
    let _ = s1.child.wait();
    let mut s2 = start(dir.path(), false);
    let again: Value =
        serde_json::from_str(&std::fs::read_to_string(&cred_path).expect("credentials.json"))
            .expect("json");
    assert_eq!(again, creds);
    assert!(s2.stdout.iter().any(|l| l.contains(&pid)));
    assert!(
        !s2.stdout
            .iter()
            .any(|l| l.contains(creds["secret_key"].as_str().expect("sk"))),
        "the SK is printed once"
    );
    // A second openwks on the same data dir is refused while the first runs.
    let out = Command::new(env!("CARGO_BIN_EXE_openwks"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path())
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("already using the data dir"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    s2.child.kill().expect("kill");
    let _ = s2.child.wait();
}

/// Creates run from 16 clients; the server is killed with SIGKILL in the middle; after a
/// restart every create that was acknowledged with 200 is there.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_creates_survive_kill_9() {
    let dir = tempfile::tempdir().expect("dir");
    let mut s = start(dir.path(), true);
    let client = reqwest::Client::new();
    let (vpc, subnet) = default_network(&client, &s.addr).await;
    let load = CreateLoad::start(
        &client,
        std::slice::from_ref(&s.addr),
        (&vpc, &subnet),
        16,
        true,
    );
    // Mid-load: once a good number of creates were acknowledged (however fast this machine).
    wait_for_acks(&load.acked, 100).await;
    s.child.kill().expect("kill -9");
    let _ = s.child.wait();
    let acked = load.finish().await;
    assert!(
        acked.len() > 50,
        "too few creates were acknowledged before the kill: {}",
        acked.len()
    );
    let mut s2 = start(dir.path(), true);
    let (status, list) = call(
        &client,
        &s2.addr,
        "GET",
        &format!("/v1/{PID}/app-server-groups?limit=1"),
        None,
    )
    .await
    .expect("list");
    assert_eq!(status, 200);
    let count = list["count"].as_u64().expect("count") as usize;
    assert!(
        count >= acked.len(),
        "{count} stored < {} acknowledged",
        acked.len()
    );
    for id in &acked {
        let (status, _) = call(
            &client,
            &s2.addr,
            "GET",
            &format!("/v1/{PID}/app-server-groups/{id}"),
            None,
        )
        .await
        .expect("show");
        assert_eq!(status, 200, "acknowledged group {id} was lost");
    }
    s2.child.kill().expect("kill");
    let _ = s2.child.wait();
}

const CUSTOM_TOML: &str = r#"
[quotas]
max_server_groups = 3
max_session = 64
instances = 10
cores = 80
memory_mb = 327680
gpu_instances = 0
volumes = 20
volume_gigabytes = 2000

[[availability_zones]]
name = "{region}x"
display_name = "AZX"
default = true

[[products]]
product_id = "custom.appstream.small"
flavor_id = "t6.large.2"
cpu = 2
memory_mb = 4096
system_disk_type = "SAS"
system_disk_size = 40
sessions = 2

[[volume_types]]
volume_type = "SAS"
name_en = "High I/O"

[[images]]
id = "img-custom"
name = "Custom Windows"
os_type = "Windows"
image_type = "private"
min_disk = 40

[default_network]
vpc_name = "v"
vpc_cidr = "10.0.0.0/16"
subnet_name = "s"
subnet_cidr = "10.0.0.0/24"
subnet_gateway = "10.0.0.1"
"#;

const CUSTOM_YAML: &str = r#"
quotas: {max_server_groups: 3, max_session: 64, instances: 10, cores: 80, memory_mb: 327680, gpu_instances: 0, volumes: 20, volume_gigabytes: 2000}
availability_zones:
  - {name: "{region}y", display_name: AZY, default: true}
products:
  - {product_id: yaml.product, flavor_id: t6.large.2, cpu: 2, memory_mb: 4096, system_disk_type: SAS, system_disk_size: 40, sessions: 2}
volume_types:
  - {volume_type: SAS, name_en: High I/O}
images:
  - {id: img-yaml, name: Yaml Windows, os_type: Windows, image_type: private, min_disk: 40}
default_network: {vpc_name: v, vpc_cidr: 10.0.0.0/16, subnet_name: s, subnet_cidr: 10.0.0.0/24, subnet_gateway: 10.0.0.1}
"#;

/// `--catalog` replaces the embedded catalogue (TOML or YAML), `--region` names the project
/// and the zones; a malformed catalogue stops the start with a message.
#[tokio::test]
async fn catalog_file_and_region_flags_take_effect() {
    let client = reqwest::Client::new();
    for (file, text, product, zone) in [
        (
            "cat.toml",
            CUSTOM_TOML,
            "custom.appstream.small",
            "eu-test-1x",
        ),
        ("cat.yaml", CUSTOM_YAML, "yaml.product", "eu-test-1y"),
    ] {
        let dir = tempfile::tempdir().expect("dir");
        let cat = dir.path().join(file);
        std::fs::write(&cat, text).expect("write catalogue");
        let cat_arg = cat.to_string_lossy().to_string();
        let mut s = start_with(
            &dir.path().join("data"),
            true,
            &["--catalog", &cat_arg, "--region", "eu-test-1"],
        );
        let (status, p) = call(&client, &s.addr, "GET", &format!("/v1/{PID}/product"), None)
            .await
            .expect("products");
        assert_eq!(status, 200, "{p}");
        let ids: Vec<_> = p["products"]
            .as_array()
            .expect("products")
            .iter()
            .map(|x| x["product_id"].clone())
            .collect();
        assert_eq!(ids, vec![json!(product)]);
        let (_, z) = call(
            &client,
            &s.addr,
            "GET",
            &format!("/v1/{PID}/availability-zone"),
            None,
        )
        .await
        .expect("zones");
        assert_eq!(z["availability_zones"][0]["availability_zone"], zone);
        let (_, r) = call(
            &client,
            &s.addr,
            "GET",
            &format!("/v1/{PID}/app-server-groups/resources/restrict"),
            None,
        )
        .await
        .expect("restrict");
        assert_eq!(r, json!({"max_session": 64, "max_group_count": 3}));
        let (_, t) = call(
            &client,
            &s.addr,
            "GET",
            &format!("/v1/{PID}/tenant/profile"),
            None,
        )
        .await
        .expect("profile");
        assert_eq!(t["project_name"], "eu-test-1");
        s.child.kill().expect("kill");
        let _ = s.child.wait();
    }
    let dir = tempfile::tempdir().expect("dir");
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[quotas]\nmax_server_groups = \"many\"\n").expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_openwks"))
        .args(["serve", "--listen", "127.0.0.1:0", "--catalog"])
        .arg(&bad)
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("catalogue"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn iam_cli(data: &Path, addr: &str, args: &[&str]) -> (bool, Value, String) {
    cli(data, addr, "iam", args)
}

/// `openwks <command> --endpoint <addr> --data-dir <data> <args>`: success, the JSON printed,
/// stderr.
fn cli(data: &Path, addr: &str, command: &str, args: &[&str]) -> (bool, Value, String) {
    let (ok, stdout, stderr) = cli_text(data, addr, command, args);
    (
        ok,
        serde_json::from_str(&stdout).unwrap_or(Value::Null),
        stderr,
    )
}

/// `openwks clock`, `openwks jobs run-due` and `openwks reset` drive a running server with the
/// administrator's key: a job's boot delay passes when the clock moves, the job is finished on
/// demand, a reset empties the resources and keeps the key working, and `openwks requests
/// tail` shows what was called.
#[tokio::test]
async fn the_cli_moves_the_clock_runs_due_jobs_and_resets() {
    let dir = tempfile::tempdir().expect("dir");
    let mut s = start_with(
        dir.path(),
        true,
        &[
            "--time-control",
            "--boot-delay",
            "600s",
            "--record-requests",
            "50",
        ],
    );
    let client = reqwest::Client::new();
    let (vpc, subnet) = default_network(&client, &s.addr).await;
    let (status, g) = call(
        &client,
        &s.addr,
        "POST",
        &format!("/v1/{PID}/app-server-groups"),
        Some(group("cli-sg", &vpc, &subnet)),
    )
    .await
    .expect("group");
    assert_eq!(status, 200, "{g}");
    let body = json!({"type": "createApps", "server_group_id": g["id"], "subscription_num": 1,
        "product_id": "workspace.appstream.general.xlarge.2", "flavor_id": "s6.xlarge.2",
        "root_volume": {"type": "SAS", "size": 80}, "vpc_id": vpc, "subnet_id": subnet});
    let (status, j) = call(
        &client,
        &s.addr,
        "POST",
        &format!("/v1/{PID}/app-servers/actions/create"),
        Some(body),
    )
    .await
    .expect("servers");
    assert_eq!(status, 200, "{j}");
    let job = j["job_id"].as_str().expect("job").to_string();
    let (ok, before, err) = cli(dir.path(), &s.addr, "clock", &[]);
    assert!(ok, "{err}");
    let (ok, ran, err) = cli(dir.path(), &s.addr, "jobs", &["run-due"]);
    assert!(ok, "{err}");
    assert_eq!(ran["finished"], 0, "not due before the boot delay: {ran}");
    let (ok, after, err) = cli(dir.path(), &s.addr, "clock", &["advance", "10m"]);
    assert!(ok, "{err}");
    let moved = after["now_ms"].as_i64().unwrap_or(0) - before["now_ms"].as_i64().unwrap_or(0);
    assert!(moved >= 600_000, "moved {moved} ms");
    let (ok, _, err) = cli(dir.path(), &s.addr, "jobs", &["run-due"]);
    assert!(ok, "{err}");
    let (_, j) = call(
        &client,
        &s.addr,
        "GET",
        &format!("/v2/{PID}/job/{job}"),
        None,
    )
    .await
    .expect("job");
    assert_eq!(j["status"], "SUCCESS", "{j}");
    let (ok, reset, err) = cli(dir.path(), &s.addr, "reset", &[]);
    assert!(ok, "{err}");
    assert_eq!(reset["removed"]["server_groups"], 1, "{reset}");
    let (status, list) = call(
        &client,
        &s.addr,
        "GET",
        &format!("/v1/{PID}/app-server-groups"),
        None,
    )
    .await
    .expect("list");
    assert_eq!((status, &list["count"]), (200, &json!(0)), "{list}");
    // The recorder saw the calls, newest first (the reset last).
    let (ok, tail, err) = cli(dir.path(), &s.addr, "requests", &["tail", "--limit", "2"]);
    assert!(ok, "{err}");
    assert_eq!(tail["count"], 2, "{tail}");
    assert_eq!(
        tail["requests"][1]["path"], "/openwks/v1/_admin/reset",
        "{tail}"
    );
    // Pinned, the clock stands still between two reads; unpinned it runs on.
    let (ok, pinned, err) = cli(dir.path(), &s.addr, "clock", &["pin"]);
    assert!(ok, "{err}");
    assert_eq!(pinned["pinned"], true, "{pinned}");
    let (_, again, _) = cli(dir.path(), &s.addr, "clock", &["show"]);
    assert_eq!(again["now_ms"], pinned["now_ms"], "{again}");
    let (ok, unpinned, err) = cli(dir.path(), &s.addr, "clock", &["unpin"]);
    assert!(ok, "{err}");
    assert_eq!(unpinned["pinned"], false, "{unpinned}");
    // A fault rule from the command line fails the next list, then is used up.
    let (ok, rule, err) = cli(
        dir.path(),
        &s.addr,
        "faults",
        &[
            "add",
            "list_server_groups",
            "--error-code",
            "WKS.00050902",
            "--status",
            "503",
            "--count",
            "1",
        ],
    );
    assert!(ok, "{err}");
    assert_eq!(rule["count"], 1, "{rule}");
    let (status, _) = call(
        &client,
        &s.addr,
        "GET",
        &format!("/v1/{PID}/app-server-groups"),
        None,
    )
    .await
    .expect("list");
    assert_eq!(status, 503);
    let (ok, rules, err) = cli(dir.path(), &s.addr, "faults", &["list"]);
    assert!(ok, "{err}");
    assert_eq!(rules["count"], 0, "used up: {rules}");
    // A bad span is refused before anything is sent.
    let (ok, _, err) = cli(dir.path(), &s.addr, "clock", &["advance", "soon"]);
    assert!(!ok && err.contains("span"), "{err}");
    s.kill9();
}

/// `openwks iam` manages users, keys and policies of a running server with the administrator's
/// key from credentials.json; the new user's key then works within its policy.
#[tokio::test]
async fn the_iam_cli_manages_users_keys_and_policies() {
    let dir = tempfile::tempdir().expect("dir");
    let mut s = start(dir.path(), true);
    let (ok, user, err) = iam_cli(dir.path(), &s.addr, &["create-user", "cli-viewer"]);
    assert!(ok, "{err}");
    let uid = user["id"].as_str().expect("id").to_string();
    let (ok, key, err) = iam_cli(dir.path(), &s.addr, &["create-key", &uid]);
    assert!(ok, "{err}");
    let (ak, sk) = (
        key["access_key"].as_str().expect("ak").to_string(),
        key["secret_key"].as_str().expect("sk").to_string(),
    );
    let file = dir.path().join("policy.json");
    std::fs::write(
        &file,
        r#"{"Version": "5.0", "Statement": [{"Effect": "Allow", "Action": ["workspace:serverGroup:list"]}]}"#,
    )
    .expect("write policy");
    let (ok, pol, err) = iam_cli(
        dir.path(),
        &s.addr,
        &["create-policy", "lister", file.to_str().expect("path")],
    );
    assert!(ok, "{err}");
    let pid = pol["id"].as_str().expect("policy id").to_string();
    let (ok, _, err) = iam_cli(dir.path(), &s.addr, &["attach", &uid, &pid]);
    assert!(ok, "{err}");
    let client = reqwest::Client::new();
    let as_user = |method: &'static str, path: String| {
        let (client, addr, ak, sk) = (client.clone(), s.addr.clone(), ak.clone(), sk.clone());
        async move {
            let caller = openwks_testkit::Caller {
                ak: &ak,
                sk: &sk,
                host: &addr,
                project_id: None,
            };
            let date = openwks_testkit::sdk_date();
            openwks_testkit::call(&client, &caller, &date, method, &path, None)
                .await
                .expect("send")
                .status
        }
    };
    assert_eq!(
        as_user("GET", format!("/v1/{PID}/app-server-groups")).await,
        200
    );
    assert_eq!(as_user("GET", format!("/v1/{PID}/app-groups")).await, 403);
    let (ok, _, err) = iam_cli(
        dir.path(),
        &s.addr,
        &["set-user", &uid, "--enabled", "false"],
    );
    assert!(ok, "{err}");
    assert_eq!(
        as_user("GET", format!("/v1/{PID}/app-server-groups")).await,
        401
    );
    let (ok, audit, err) = iam_cli(
        dir.path(),
        &s.addr,
        &["audit", "--user", "cli-viewer", "--result", "denied"],
    );
    assert!(ok, "{err}");
    assert_eq!(audit["count"], 1, "{audit}");
    // Errors are reported, with a failing exit status.
    let (ok, _, err) = iam_cli(dir.path(), &s.addr, &["create-user", "bad name"]);
    assert!(!ok && err.contains("WKS.00211105"), "{err}");
    s.child.kill().expect("kill");
    let _ = s.child.wait();
}

/// A damaged store is refused at start with an error that names it: an empty `openwks.db`
/// beside an existing `credentials.json` (not a first start), and a database with a
/// corrupted page.
#[tokio::test]
async fn a_damaged_or_lost_database_is_refused_at_start() {
    // The embedded store whatever the pass: the damage is to its file.
    let dir = tempfile::tempdir().expect("dir");
    let mut s = spawn(dir.path(), false, &[]);
    s.child.kill().expect("kill");
    let _ = s.child.wait();
    let db = dir.path().join("openwks.db");
    let good = std::fs::read(&db).expect("db");
    let refused = |why: &str| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_openwks"))
            .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(dir.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("run");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        let status = loop {
            if let Some(st) = child.try_wait().expect("wait") {
                break st;
            }
            if std::time::Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!("{why}: openwks started on a damaged data dir");
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        };
        let mut err = String::new();
        if let Some(mut e) = child.stderr.take() {
            use std::io::Read;
            let _ = e.read_to_string(&mut err);
        }
        assert!(!status.success(), "{why}: {err}");
        err
    };
    std::fs::write(&db, b"").expect("truncate");
    let err = refused("empty db");
    assert!(err.contains("missing or empty"), "{err}");
    std::fs::remove_file(&db).expect("rm");
    let err = refused("missing db");
    assert!(err.contains("missing or empty"), "{err}");
    // Page 1 overwritten, without the write-ahead log that would mask it (a corrupted page
    // in the middle is the store crate's `a_damaged_database_is_refused_when_opened`).
    for f in ["openwks.db-wal", "openwks.db-shm"] {
        let _ = std::fs::remove_file(dir.path().join(f));
    }
    let mut bad = good.clone();
    for b in &mut bad[..100.min(good.len())] {
        *b = 0xA5;
    }
    std::fs::write(&db, &bad).expect("corrupt");
    let err = refused("corrupted page");
    assert!(err.contains("is damaged"), "{err}");
}

/// The example init file's CI key signs at `addr` and lists the one app group it declares.
async fn ci_sees_one_app_group(client: &reqwest::Client, addr: &str) {
    let ci = openwks_testkit::Caller {
        ak: "CIACCESSKEY000000001",
        sk: "CiSecretKey0000000000000000000000000001",
        host: addr,
        project_id: None,
    };
    let r = openwks_testkit::call(
        client,
        &ci,
        &openwks_testkit::sdk_date(),
        "GET",
        &format!("/v1/{PID}/app-groups"),
        None,
    )
    .await
    .expect("ci call");
    assert_eq!((r.status, &r.body["count"]), (200, &json!(1)), "{}", r.text);
}

/// `serve --init examples/init.yaml` (the README's quick start): the first start builds what the
/// file declares and says so; a restart creates nothing; the declared key signs. A file with an
/// error fails the start and names the line.
#[tokio::test]
async fn the_example_init_file_builds_a_fleet_once() {
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/init.yaml");
    let dir = tempfile::tempdir().expect("dir");
    for (round, want) in [
        (0, "8 created, 0 already there"),
        (1, "0 created, 5 already there"),
    ] {
        let mut s = start_with(dir.path(), true, &["--init", example, "--boot-delay", "0"]);
        let line = s
            .stdout
            .iter()
            .find(|l| l.starts_with("init:"))
            .cloned()
            .unwrap_or_default();
        assert!(line.ends_with(want), "start {round}: {:?}", s.stdout);
        let client = reqwest::Client::new();
        let (status, groups) = call(
            &client,
            &s.addr,
            "GET",
            &format!("/v1/{PID}/app-server-groups"),
            None,
        )
        .await
        .expect("list");
        assert_eq!((status, &groups["count"]), (200, &json!(1)), "{groups}");
        ci_sees_one_app_group(&client, &s.addr).await;
        s.child.kill().expect("kill");
        let _ = s.child.wait();
    }
    let bad = dir.path().join("bad.yaml");
    std::fs::write(&bad, "users:\n  - name: a\n    passwd: x\n").expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_openwks"))
        .args(["serve", "--listen", "127.0.0.1:0", "--init"])
        .arg(&bad)
        .arg("--data-dir")
        .arg(dir.path().join("other"))
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("bad.yaml: line 3: ") && err.contains("passwd"),
        "{err}"
    );
}

/// `openwks stdout` of a table command: success, the text, stderr.
fn cli_text(data: &Path, addr: &str, command: &str, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_openwks"))
        .args([
            command,
            "--endpoint",
            &format!("http://{addr}"),
            "--data-dir",
        ])
        .arg(data)
        .args(args)
        .env_remove("OPENWKS_ACCESS_KEY")
        .env_remove("OPENWKS_SECRET_KEY")
        .env_remove("OPENWKS_PROJECT_ID")
        .output()
        .expect("run openwks");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The CLI's reads on the example fleet: `groups`, `explain`, `launch`, `sessions`, `hosts`
/// (tables and `--json`); `hosts fail` ends the session and `scaling round` replaces the
/// server; `jobs wait` follows the replacement's job to its end.
#[tokio::test]
async fn the_cli_reads_launches_and_fails_a_host() {
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/init.yaml");
    let dir = tempfile::tempdir().expect("dir");
    let d = dir.path();
    let mut s = start_with(d, true, &["--init", example, "--boot-delay", "0"]);
    let a = s.addr.clone();
    let (ok, groups, err) = cli_text(d, &a, "groups", &[]);
    assert!(
        ok && groups.starts_with("ID ") && groups.contains(" office "),
        "{groups}{err}"
    );
    let (ok, v, err) = cli(d, &a, "groups", &["--json"]);
    assert!(ok, "{err}");
    let sg = v["items"][0]["id"].as_str().expect("group").to_string();
    let client = reqwest::Client::new();
    let (_, ags) = call(&client, &a, "GET", &format!("/v1/{PID}/app-groups"), None)
        .await
        .expect("app groups");
    let ag = ags["items"][0]["id"].as_str().expect("ag").to_string();
    let (_, apps) = call(
        &client,
        &a,
        "GET",
        &format!("/v1/{PID}/app-groups/{ag}/apps"),
        None,
    )
    .await
    .expect("apps");
    let app = apps["items"][0]["id"].as_str().expect("app").to_string();
    let who = ["--user", "alice", "--app-group", &ag, "--app", &app];

    let (ok, text, err) = cli_text(d, &a, "explain", &who);
    assert!(ok && text.starts_with("would route to "), "{text}{err}");
    assert!(text.contains("GROUP") && text.contains("chosen"), "{text}");
    let (ok, launched, err) = cli(d, &a, "launch", &[&who[..], &["--json"]].concat());
    assert!(ok, "{err}");
    let server = launched["server_id"].as_str().expect("server").to_string();
    let (ok, text, err) = cli_text(d, &a, "sessions", &["--user", "alice"]);
    assert!(
        ok && text.contains("alice") && text.contains("Active"),
        "{text}{err}"
    );

    // Drain the session's server: the next explain passes it over and says why; undrain.
    let (ok, text, err) = cli_text(
        d,
        &a,
        "drain",
        &[&server, "--reason", "patching", "--minutes", "30"],
    );
    assert!(
        ok && text.contains("drained by") && text.contains("patching"),
        "{text}{err}"
    );
    let (ok, v, err) = cli(d, &a, "explain", &[&who[..], &["--json"]].concat());
    assert!(ok, "{err}");
    let passed = v["explanation"][0]["passed_over"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        passed
            .iter()
            .any(|p| p["server_id"] == server.as_str() && p["rule"] == "drained"),
        "{v}"
    );
    let (ok, text, err) = cli_text(d, &a, "undrain", &[&server]);
    assert!(ok && text.contains("takes sessions"), "{text}{err}");
    let (ok, _, err) = cli_text(d, &a, "drain", &[&server]);
    assert!(
        !ok && err.contains("reason"),
        "a drain needs a reason: {err}"
    );

    let (ok, hosts, err) = cli(d, &a, "hosts", &["--json"]);
    assert!(ok, "{err}");
    let host = hosts["hosts"]
        .as_array()
        .expect("hosts")
        .iter()
        .find(|h| {
            h["servers"]
                .as_array()
                .is_some_and(|s| s.contains(&json!(server)))
        })
        .and_then(|h| h["id"].as_str())
        .expect("the session's host")
        .to_string();
    let (ok, text, err) = cli_text(d, &a, "hosts", &["fail", &host, "--reason", "drill"]);
    assert!(
        ok && text.contains(&server) && text.contains("down"),
        "{text}{err}"
    );
    let (ok, text, _) = cli_text(d, &a, "hosts", &[]);
    assert!(
        ok && text
            .lines()
            .any(|l| l.starts_with(&host) && l.contains("down") && l.ends_with("drill")),
        "{text}"
    );
    let (ok, v, err) = cli(d, &a, "sessions", &["--json", "--user", "alice"]);
    assert!(ok, "{err}");
    assert!(
        v["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|x| x["session_state"] != "Active"),
        "the session ended with its host: {v}"
    );
    let (ok, round, err) = cli(d, &a, "scaling", &["round", "--json"]);
    assert!(ok, "{err}");
    let replace = &round["items"][0];
    assert_eq!(
        (&replace["action"], &replace["server_group_id"]),
        (&json!("REPLACE"), &json!(sg)),
        "{round}"
    );
    let job = replace["job_id"].as_str().expect("job");
    let (ok, text, err) = cli_text(d, &a, "jobs", &["wait", job]);
    assert!(ok, "{text}{err}");
    assert!(
        err.contains(&format!("job {job}: SUCCESS, 1/1 sub-jobs done")),
        "{err}"
    );
    let (ok, text, err) = cli_text(d, &a, "scaling", &["activities", &sg]);
    assert!(
        ok && text.contains("REPLACE") && text.contains(&host),
        "{text}{err}"
    );
    let (ok, text, err) = cli_text(d, &a, "scaling", &["preview", &sg]);
    assert!(ok && text.starts_with("HOLD: "), "{text}{err}");
    s.child.kill().expect("kill");
    let _ = s.child.wait();
}

/// `openwks snapshot save` on a server built by the example init file, `openwks snapshot load`
/// into another one with a different identity: the second serves the first's fleet and
/// identity, its credentials.json follows (and a restart keeps them); a server with resources
/// refuses a load.
#[tokio::test]
async fn a_snapshot_moves_a_whole_state_to_another_openwks() {
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/init.yaml");
    let (one, two) = (
        tempfile::tempdir().expect("dir"),
        tempfile::tempdir().expect("dir"),
    );
    let mut a = start_with(one.path(), true, &["--init", example, "--boot-delay", "0"]);
    let file = one.path().join("state.json");
    let file_s = file.to_string_lossy().to_string();
    let (ok, saved, err) = cli(one.path(), &a.addr, "snapshot", &["save", &file_s]);
    assert!(ok, "{err}");
    assert!(saved["rows"].as_u64().unwrap_or(0) > 10, "{saved}");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&file).expect("file").permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "it holds secret keys");
    // Loading into a server with resources is refused.
    let (ok, _, err) = cli(one.path(), &a.addr, "snapshot", &["load", &file_s]);
    assert!(!ok && err.contains("409"), "{err}");
    a.child.kill().expect("kill");
    let _ = a.child.wait();

    // Another openwks, with its own generated identity.
    let mut b = start(two.path(), false);
    assert!(!b.stdout.iter().any(|l| l.contains(AK)), "{:?}", b.stdout);
    let (ok, loaded, err) = cli(two.path(), &b.addr, "snapshot", &["load", &file_s]);
    assert!(ok, "{err}");
    assert_eq!(loaded["project_id"], PID, "{loaded}");
    assert_eq!(loaded["loaded"]["server_groups"], 1, "{loaded}");
    let creds: Value = serde_json::from_str(
        &std::fs::read_to_string(two.path().join("credentials.json")).expect("credentials"),
    )
    .expect("json");
    assert_eq!(
        (&creds["access_key"], &creds["project_id"]),
        (&json!(AK), &json!(PID))
    );
    // The CLI signs with the file, now the snapshot's key: the fleet is there.
    let (ok, text, err) = cli_text(two.path(), &b.addr, "groups", &[]);
    assert!(ok && text.contains(" office "), "{text}{err}");
    let client = reqwest::Client::new();
    ci_sees_one_app_group(&client, &b.addr).await;
    b.child.kill().expect("kill");
    let _ = b.child.wait();
    // A restart serves the loaded identity.
    let mut b = start(two.path(), false);
    assert!(b.stdout.iter().any(|l| l.ends_with(AK)), "{:?}", b.stdout);
    b.child.kill().expect("kill");
    let _ = b.child.wait();
}
