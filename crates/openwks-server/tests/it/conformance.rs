//! Schema conformance against the vendor's own definitions (issue 15): the OpenAPI fragments of
//! `huawei-cloud-api-definitions-WorkspaceApp` / `-ECS`, vendored for every operation openwks
//! serves (`tests/vendor/`, `scripts/vendor-api-definitions.py`).
//!
//! - Responses: every read operation is called on a world with a server group, servers, an
//!   app group, a published app, an authorization, a session, sub-jobs, an ECS group and an
//!   ECS server; each answer is walked against the response schema (fields the schema does not
//!   have, fields it has that are missing, JSON types, enum values).
//! - Requests: every query parameter bound of the read operations (minimum, maximum, length,
//!   enum), and every property bound of the main write bodies (required, minimum, maximum,
//!   length, enum), is broken one at a time: openwks must answer 400.
//!
//! - Shapes: every answer above (and the writes that built the world) is also an insta snapshot
//!   (`tests/it/snapshots/`), with what changes from run to run redacted ([`shape`]): a changed
//!   field, a renamed one or a new one shows as a diff, the same on both engines.
//!
//! Every finding must be in the allow-list of `docs/conformance.md`, which says why; an entry
//! that no longer matches a finding fails too, so the list only shrinks with the drift.

use std::collections::BTreeSet;

use serde_json::{json, Map, Value};

use crate::harness::{TestApp, PID};

/// An answer with what changes from run to run replaced by what it is: ids (`[uuid]`,
/// `[id]`), times (`[time]`, `[ms]`), addresses and generated names, metric values. What
/// remains is the answer's shape and its fixed values, the same on both engines.
pub(crate) fn shape(v: &Value) -> Value {
    use regex::Regex;
    use std::sync::OnceLock;
    static RULES: OnceLock<Vec<(Regex, &'static str)>> = OnceLock::new();
    let rules = RULES.get_or_init(|| {
        [
            (
                r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}",
                "[uuid]",
            ),
            (r"\b[0-9a-f]{32}\b", "[id]"),
            (r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z?", "[time]"),
            (r"\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b", "[ip]"),
            (r"\[ip\]:\d+", "[ip]:[port]"),
            (r"^\d{15,}$", "[snowflake]"),
            (r"wks-cloud-\d{15,}", "wks-cloud-[snowflake]"),
            // App servers are named <group>-<6 hex of the job>-<nnnn>.
            (r"-[0-9a-fA-F]{6}-(\d{4})\b", "-[hex]-$1"),
            // ... and a group's only server <group>-<6 hex>.
            (r"-[0-9a-fA-F]{6}$", "-[hex]"),
            (r"\b([0-9a-f]{2}:){5}[0-9a-f]{2}\b", "[mac]"),
            (r"S-1-5-21-\d+-\d+-\d+-\d+", "[sid]"),
            (r"\b[a-z]{2}-[a-z]+-\d[a-z]-host-\d{3}\b", "[host]"),
        ]
        .into_iter()
        .map(|(re, to)| (Regex::new(re).expect("regex"), to))
        .collect()
    });
    let text = |s: &str| {
        let mut out = s.to_string();
        for (re, to) in rules {
            out = re.replace_all(&out, *to).into_owned();
        }
        out
    };
    match v {
        Value::String(s) => Value::String(text(s)),
        Value::Array(a) => Value::Array(a.iter().map(shape).collect()),
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, v)| {
                    let v = match (k.as_str(), v) {
                        // Epoch times and measured values: their type is the shape.
                        (k, Value::Number(_))
                            if k.ends_with("_ms")
                                || k.ends_with("time")
                                || k == "timestamp"
                                || k == "average"
                                || k == "value" =>
                        {
                            json!("[number]")
                        }
                        // A wall-clock time the vendor shows in local form.
                        ("upgrade_time", Value::String(_)) => json!("[local time]"),
                        // Temporary credentials are random.
                        ("ak" | "sk" | "security_token", Value::String(_)) => json!("[secret]"),
                        // A shared file's codes are random; an inode is the disk's.
                        ("file_code" | "file_acc_code", Value::String(_)) => json!("[code]"),
                        ("inode_no", Value::Number(_)) => json!("[inode]"),
                        // Seconds a session has been in its state: 0 or 1 by how fast the
                        // world was built (PostgreSQL is slower).
                        ("status_continue_time", Value::String(_)) => json!("[seconds]"),
                        // An order number carries the time it was made.
                        ("order_id", Value::String(o)) if o.starts_with("CS") => json!("[order]"),
                        // Where the scheduler placed it: any zone, any host.
                        (
                            "site_id"
                            | "availability_zone"
                            | "OS-EXT-AZ:availability_zone"
                            | "host_id"
                            | "hostId"
                            | "OS-EXT-SRV-ATTR:host",
                            Value::String(_),
                        ) => {
                            json!("[placement]")
                        }
                        _ => shape(v),
                    };
                    (text(k), v)
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

/// One operation's definition.
struct Op {
    product: String,
    name: String,
    method: String,
    path: String,
    params: Vec<Value>,
    body: Option<Value>,
    ok: Option<Value>,
    defs: Value,
}

fn load() -> Vec<Op> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vendor");
    let mut ops = Vec::new();
    for product in ["WorkspaceApp", "ECS"] {
        let mut files: Vec<_> = std::fs::read_dir(root.join(product))
            .expect("tests/vendor")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        for f in files {
            let d: Value =
                serde_json::from_str(&std::fs::read_to_string(&f).expect("read")).expect("json");
            let name = d["name"].as_str().unwrap_or_default().to_string();
            for (path, methods) in d["paths"].as_object().into_iter().flatten() {
                for (method, op) in methods.as_object().into_iter().flatten() {
                    // Parameters may be `$ref`s to the file's shared `parameters`.
                    let params: Vec<Value> = op["parameters"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(|p| match p["$ref"].as_str() {
                            Some(r) => {
                                d["parameters"][r.trim_start_matches("#/parameters/")].clone()
                            }
                            None => p.clone(),
                        })
                        .collect();
                    let body = params
                        .iter()
                        .find(|p| p["in"] == "body")
                        .map(|p| p["schema"].clone());
                    let ok = ["200", "201", "202"]
                        .iter()
                        .find_map(|c| op["responses"][*c]["schema"].as_object().cloned())
                        .map(Value::Object);
                    ops.push(Op {
                        product: product.to_string(),
                        name: name.clone(),
                        method: method.to_uppercase(),
                        path: path.clone(),
                        params,
                        body,
                        ok,
                        defs: d["definitions"].clone(),
                    });
                }
            }
        }
    }
    ops
}

/// `schema` with `$ref` and `allOf` resolved (one level of properties merged).
fn resolve(defs: &Value, schema: &Value) -> Value {
    let mut s = schema.clone();
    for _ in 0..16 {
        let Some(r) = s["$ref"].as_str() else { break };
        let name = r.trim_start_matches("#/definitions/");
        s = defs[name].clone();
    }
    if let Some(parts) = s["allOf"].as_array().cloned() {
        let mut props = Map::new();
        let mut required = Vec::new();
        for p in parts {
            let p = resolve(defs, &p);
            props.extend(p["properties"].as_object().cloned().unwrap_or_default());
            required.extend(p["required"].as_array().cloned().unwrap_or_default());
        }
        props.extend(s["properties"].as_object().cloned().unwrap_or_default());
        s = json!({"type": "object", "properties": props, "required": required});
    }
    s
}

/// What the walk finds: `(operation, field path, kind)`.
type Finding = (String, String, &'static str);

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn walk(op: &str, defs: &Value, schema: &Value, v: &Value, at: &str, out: &mut BTreeSet<Finding>) {
    let s = resolve(defs, schema);
    if v.is_null() {
        return; // The SDK reads null as absent.
    }
    let want = s["type"]
        .as_str()
        .unwrap_or(if s.get("properties").is_some() {
            "object"
        } else {
            ""
        });
    let got = kind_of(v);
    let fits = match want {
        "" => true,
        "number" => got == "integer" || got == "number",
        w => w == got,
    };
    if !fits {
        out.insert((op.into(), at.into(), "type"));
        return;
    }
    if let (Some(allowed), Some(x)) = (s["enum"].as_array(), v.as_str()) {
        if !allowed.iter().any(|a| a.as_str() == Some(x)) {
            out.insert((op.into(), format!("{at}={x}"), "enum"));
        }
    }
    match v {
        Value::Array(items) => {
            if let Some(item) = s.get("items") {
                for i in items {
                    walk(op, defs, item, i, &format!("{at}[]"), out);
                }
            }
        }
        Value::Object(fields) => {
            let props = s["properties"].as_object();
            let extra = s.get("additionalProperties").filter(|a| a.is_object());
            let join = |k: &str| {
                if at.is_empty() {
                    k.to_string()
                } else {
                    format!("{at}.{k}")
                }
            };
            match (props, extra) {
                (Some(props), _) => {
                    for (k, x) in fields {
                        match props.get(k) {
                            Some(ps) => walk(op, defs, ps, x, &join(k), out),
                            None => {
                                out.insert((op.into(), join(k), "unexpected"));
                            }
                        }
                    }
                    for k in props.keys() {
                        if !fields.contains_key(k) {
                            out.insert((op.into(), join(k), "missing"));
                        }
                    }
                }
                (None, Some(each)) => {
                    for x in fields.values() {
                        walk(op, defs, each, x, &join("*"), out);
                    }
                }
                (None, None) => {}
            }
        }
        _ => {}
    }
}

/// The allow-list of `docs/conformance.md`: `| operation | field | kind | why |` rows.
fn allowed() -> BTreeSet<Finding> {
    let doc = include_str!("../../../../docs/conformance.md");
    let mut out = BTreeSet::new();
    for line in doc.lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<String> = line
            .split('|')
            .map(|c| c.trim().trim_matches('`').to_string())
            .collect();
        if cells.len() >= 5 {
            let kind: &'static str = match cells[3].as_str() {
                "type" => "type",
                "enum" => "enum",
                "unexpected" => "unexpected",
                "missing" => "missing",
                "accepted" => "accepted",
                other => panic!("docs/conformance.md: unknown kind {other:?} in {line}"),
            };
            out.insert((cells[1].clone(), cells[2].clone(), kind));
        }
    }
    out
}

/// Values for path and required query parameters, by name, from the world.
pub(crate) struct World {
    pub(crate) app: TestApp,
    pub(crate) values: std::collections::HashMap<&'static str, String>,
    ecs: std::collections::HashMap<&'static str, String>,
    /// The image server and image job the image operations' paths name.
    pub(crate) images: std::collections::HashMap<&'static str, String>,
    /// The cloud storage, the user's personal folder in it and a folder of files.
    pub(crate) cloud: std::collections::HashMap<&'static str, String>,
    /// The shapes of the writes' answers that built the world.
    shapes: Vec<(String, Value)>,
}

pub(crate) async fn world() -> World {
    let app = TestApp::new().await;
    let mut body = app.group_body("conf-sg");
    body["tags"] = json!([{"key": "team", "value": "cad"}]);
    body["route_policy"] = json!({"max_session": 4, "cpu_threshold": 80});
    let mut shapes = Vec::new();
    let r = app.post("/v1/{p}/app-server-groups", body).await;
    assert_eq!(r.status, 200, "{}", r.text);
    shapes.push(("WorkspaceApp.CreateServerGroup".to_string(), shape(&r.body)));
    let sg = r.body["id"].as_str().expect("sg").to_string();
    let r = app
        .post(
            "/v1/{p}/app-servers/actions/create",
            app.app_servers_body(&sg, 2),
        )
        .await;
    shapes.push(("WorkspaceApp.CreateAppServers".to_string(), shape(&r.body)));
    let job = r.body["job_id"].as_str().expect("job").to_string();
    let done = app.wait_job(&job).await;
    let server = crate::harness::job_servers(&done)[0].clone();
    let user = "conf-user".to_string();
    let r = app
        .post(
            "/v1/{p}/app-groups",
            json!({"name": "conf-ag", "app_server_group_id": sg}),
        )
        .await;
    shapes.push(("WorkspaceApp.CreateAppGroup".to_string(), shape(&r.body)));
    let ag = r.body["id"].as_str().expect("ag").to_string();
    let r = app
        .post(
            &format!("/v1/{{p}}/app-groups/{ag}/apps"),
            json!({"items": [{"name": "Notepad", "execute_path": "C:\\notepad.exe", "source_type": 1}]}),
        )
        .await;
    shapes.push(("WorkspaceApp.PublishApp".to_string(), shape(&r.body)));
    let app_id = r.body["items"][0]["id"].as_str().expect("app").to_string();
    let r = app
        .post(
            "/v1/{p}/app-groups/authorizations",
            json!({"app_group_ids": [ag], "accounts": [{"account": user, "account_type": "USER", "email": "u@example.com"}]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    shapes.push((
        "WorkspaceApp.AddAppGroupAuthorization".to_string(),
        shape(&r.body),
    ));
    let r = crate::sessions::launch(&app, &user, &ag, &app_id).await;
    assert!(r.status < 300, "{}", r.text);
    shapes.push(("openwks.Launch".to_string(), shape(&r.body)));
    // ECS: an anti-affinity group with one server.
    let g = app
        .post(
            "/v1/{p}/cloudservers/os-server-groups",
            json!({"server_group": {"name": "conf-ecs", "policies": ["anti-affinity"]}}),
        )
        .await;
    shapes.push(("ECS.CreateServerGroup".to_string(), shape(&g.body)));
    let ecs_group = g.body["server_group"]["id"]
        .as_str()
        .expect("group")
        .to_string();
    let r = app
        .post(
            "/v1/{p}/cloudservers",
            json!({"server": {"name": "conf-vm", "imageRef": "6f4d1f2a-2019-4b6e-9c0d-000000000001",
                "flavorRef": "s6.xlarge.2", "vpcid": app.vpc_id, "nics": [{"subnet_id": app.subnet_id}],
                "root_volume": {"volumetype": "SAS", "size": 80}, "count": 1,
                "os:scheduler_hints": {"group": ecs_group}}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    shapes.push(("ECS.CreatePostPaidServers".to_string(), shape(&r.body)));
    let ecs_job = r.body["job_id"].as_str().expect("job").to_string();
    let ecs_server = r.body["serverIds"][0].as_str().expect("id").to_string();
    app.run_jobs().await;
    let j = app.get(&format!("/v1/{{p}}/jobs/{ecs_job}")).await;
    assert_eq!(j.body["status"], "SUCCESS", "{}", j.text);
    // Hotspot migration, a policy group, a schedule task with one run (made due by hand).
    let r = app
        .post(
            "/v1/{p}/hotspot-session-config",
            json!({"hotspot_exit_session_num": 2, "hotspot_session_migration_enable": false,
                   "non_migrate_users": [{"user_id": "u-1", "user_name": "alice"}]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    shapes.push((
        "WorkspaceApp.CreateHotspotSessionConfig".to_string(),
        shape(&r.body),
    ));
    let config_id = r.body["id"].as_str().expect("config").to_string();
    let r = app
        .post(
            "/v1/{p}/policy-groups",
            json!({"policy_group": {"policy_group_name": "conf_pg", "priority": 1,
                "targets": [{"target_type": "APPGROUP", "target_id": ag, "target_name": "conf-ag"}],
                "policies": {"audio": {"audio_redirection_enable": false}}}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let policy_group_id = r.body["id"].as_str().expect("policy group").to_string();
    let r = app
        .post(
            "/v1/{p}/schedule-task",
            json!({"task_name": "conf-start", "task_type": "START_SERVER", "scheduled_type": "FIXED_TIME",
                   "scheduled_date": "2030-01-02", "scheduled_time": "03:04:05", "time_zone": "Europe/Paris",
                   "target_infos": [{"target_type": "SERVER", "target_id": server}]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let task_id = r.body["id"].as_str().expect("task").to_string();
    app.make_due(&task_id).await;
    openwks_server::scaler::tick(&app.state)
        .await
        .expect("tick");
    let h = app
        .get(&format!(
            "/v1/{{p}}/schedule-task/{task_id}/execute-history"
        ))
        .await;
    let execute_history_id = h.body["items"][0]["id"]
        .as_str()
        .expect("a run")
        .to_string();
    // The app warehouse (one verified package, the default bucket) and an image server built
    // with it, one image made from it.
    let r = app
        .post(
            "/v1/{p}/app-warehouse/apps",
            json!({"app_name": "conf-editor", "app_category": "OTHER", "os_type": "Windows",
                   "version_id": "1.0", "version_name": "1.0", "appfile_store_path": "/conf/editor.exe",
                   "app_file_size": 10, "app_description": "conformance"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    shapes.push((
        "WorkspaceApp.CreateWarehouseApp".to_string(),
        shape(&r.body),
    ));
    let package = r.body["id"].as_str().expect("package").to_string();
    let r = app
        .post("/v1/{p}/app-warehouse/bucket-and-acl/create", json!({}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    shapes.push(("WorkspaceApp.CreateBucketOrAcl".to_string(), shape(&r.body)));
    let r = app
        .post(
            "/v1/{p}/image-servers",
            json!({"name": "conf-builder", "product_id": crate::harness::PRODUCT,
                   "vpc_id": app.vpc_id, "subnet_id": app.subnet_id,
                   "root_volume": {"type": "SAS", "size": 80},
                   "image_ref": {"id": crate::harness::WIN2019, "image_type": "public"},
                   "authorize_accounts": [{"account": "builder", "account_type": "USER"}],
                   "attach_apps": [package]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    shapes.push(("WorkspaceApp.CreateImageServer".to_string(), shape(&r.body)));
    app.run_jobs().await;
    let j = app
        .get(&format!(
            "/v1/{{p}}/image-server-jobs/{}",
            r.body["job_id"].as_str().expect("job")
        ))
        .await;
    assert_eq!(j.body["status"], "SUCCESS", "{}", j.text);
    let image_server = j.body["sub_jobs"][0]["job_resource_info"]["resource_id"]
        .as_str()
        .expect("image server")
        .to_string();
    let r = app
        .post(
            &format!("/v1/{{p}}/image-servers/{image_server}/actions/recreate-image"),
            json!({"name": "conf image"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    shapes.push((
        "WorkspaceApp.RecreateServerImage".to_string(),
        shape(&r.body),
    ));
    let image_job = r.body["job_id"].as_str().expect("job").to_string();
    app.run_jobs().await;
    // Storage: a WKS storage with the user's personal folder and a shared folder.
    let r = app
        .post(
            "/v1/{p}/persistent-storages",
            json!({"name": "conf storage", "storage_metadata": {"storage_class": "sfs", "storage_handle": "conf-fs"}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    shapes.push((
        "WorkspaceApp.CreatePersistentStorage".to_string(),
        shape(&r.body),
    ));
    let storage_id = r.body["id"].as_str().expect("storage").to_string();
    let r = app
        .post(
            &format!("/v1/{{p}}/persistent-storages/{storage_id}/actions/assign-folder"),
            json!({"items": [{"attach": user, "policy_statement_id": "DEFAULT_1"}]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = app
        .post(
            &format!("/v1/{{p}}/persistent-storages/{storage_id}/actions/create-share-folder"),
            json!({"folder_name": "conf share"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    shapes.push(("WorkspaceApp.CreateShareFolder".to_string(), shape(&r.body)));
    let storage_claim_id = r.body["storage_claim_id"]
        .as_str()
        .expect("claim")
        .to_string();
    let r = app
        .post(
            &format!("/v1/{{p}}/persistent-storages/{storage_id}/actions/assign-share-folder"),
            json!({"storage_claim_id": storage_claim_id, "add_items": [{"attach": user, "attach_type": "USER", "policy_statement_id": "DEFAULT_2"}]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = app
        .put(
            "/v1/{p}/storages-policy/actions/create-statements",
            json!({"actions": [], "roam_actions": ["GetObject"]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    shapes.push((
        "WorkspaceApp.CreateOrUpdateStoragePolicyStatement".to_string(),
        shape(&r.body),
    ));
    // A cloud storage with the user's personal folder holding a file.
    let r = app
        .post(
            "/v1/{p}/cloud-storages",
            json!({"project_config_cluster_group_id_list": [{"project_config_id": "default_project_config", "cluster_group_id": "default_cluster_group"}]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let cloud_id = app.get("/v1/{p}/cloud-storages").await.body["items"][0]["id"]
        .as_str()
        .expect("cloud storage")
        .to_string();
    let r = app
        .post(
            &format!("/v1/{{p}}/cloud-storages/{cloud_id}/actions/create-folder"),
            json!({"items": [{"attach_id": "conf-user-id", "attach_name": user, "file_system_quota": 1_000_000,
                              "action_get": true, "action_put": true, "roam_action_get": true, "roam_action_put": true}]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    shapes.push((
        "WorkspaceApp.CreateUserFolderAssignment".to_string(),
        shape(&r.body),
    ));
    let files = app
        .dir
        .path()
        .join("storage")
        .join(PID)
        .join(format!("wks-cloud-{cloud_id}"))
        .join("users/conf-user-id/My Files");
    std::fs::create_dir_all(files.join("backup")).expect("folders");
    std::fs::write(files.join("report.txt"), b"conformance").expect("file");
    let cloud = [
        ("storage_id", cloud_id.clone()),
        ("cloud_storage_id", cloud_id),
        ("claim_mode", "USER".to_string()),
        ("user_name", user.clone()),
        ("folder_url", "My Files/".to_string()),
    ]
    .into_iter()
    .collect();
    let now = chrono::Utc::now().timestamp_millis();
    let values = [
        ("storage_id", storage_id),
        ("storage_claim_id", storage_claim_id),
        ("claim_mode", "USER".into()),
        ("config_id", config_id),
        ("policy_group_id", policy_group_id),
        ("task_id", task_id),
        ("execute_history_id", execute_history_id),
        ("server_group_id", sg),
        ("app_group_id", ag),
        ("server_id", server),
        ("app_id", app_id),
        ("job_id", job),
        ("user_name", user),
        ("product_id", crate::harness::PRODUCT.to_string()),
        ("subscription_num", "1".into()),
        ("disk_size", "80".into()),
        ("disk_num", "1".into()),
        ("namespace", "SYS.ECS".into()),
        ("metric_name", "cpu_util".into()),
        ("from", (now - 3_600_000).to_string()),
        ("to", now.to_string()),
        ("period", "1".into()),
        ("filter", "average".into()),
        ("query_begin_time", "2000-01-01T00:00:00.000Z".into()),
        ("query_end_time", "2100-01-01T00:00:00.000Z".into()),
        ("job_type", "CREATE_SERVER".into()),
    ]
    .into_iter()
    .collect();
    let ecs = [
        ("server_group_id", ecs_group),
        ("server_id", ecs_server),
        ("job_id", ecs_job),
    ]
    .into_iter()
    .collect();
    let images = [("server_id", image_server), ("job_id", image_job)]
        .into_iter()
        .collect();
    World {
        app,
        values,
        ecs,
        images,
        cloud,
        shapes,
    }
}

impl World {
    fn value(&self, op: &Op, name: &str) -> Option<String> {
        if name == "project_id" {
            return Some(PID.to_string());
        }
        if op.product == "ECS" {
            if let Some(v) = self.ecs.get(name) {
                return Some(v.clone());
            }
        }
        if op.path.contains("/cloud-storages") {
            if let Some(v) = self.cloud.get(name) {
                return Some(v.clone());
            }
        }
        if op.path.contains("/image-server") {
            if let Some(v) = self.images.get(name) {
                return Some(v.clone());
            }
        }
        self.values.get(name).cloned()
    }

    /// The path of `op` with its path parameters filled in, and its required query.
    fn url(&self, op: &Op, query: &[(String, String)]) -> String {
        let mut path = op.path.clone();
        for p in op.params.iter().filter(|p| p["in"] == "path") {
            let name = p["name"].as_str().unwrap_or_default();
            let v = self
                .value(op, name)
                .unwrap_or_else(|| panic!("{}: no value for path parameter {name}", op.name));
            path = path.replace(&format!("{{{name}}}"), &v);
        }
        let mut q: Vec<(String, String)> = op
            .params
            .iter()
            .filter(|p| p["in"] == "query" && p["required"] == true)
            .filter(|p| !query.iter().any(|(k, _)| p["name"] == k.as_str()))
            .map(|p| {
                let name = p["name"].as_str().unwrap_or_default();
                let v = self
                    .value(op, name)
                    .unwrap_or_else(|| panic!("{}: no value for query parameter {name}", op.name));
                (name.to_string(), v)
            })
            .collect();
        q.extend(query.iter().cloned());
        if q.is_empty() {
            path
        } else {
            let enc = |s: &str| {
                percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC)
                    .to_string()
            };
            let qs: Vec<String> = q.iter().map(|(k, v)| format!("{k}={}", enc(v))).collect();
            format!("{path}?{}", qs.join("&"))
        }
    }
}

/// Values that break one bound of a parameter or property schema: `(what, value)`.
fn breakers(s: &Value) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    let ty = s["type"].as_str().unwrap_or_default();
    if ty == "integer" || ty == "number" {
        if let Some(max) = s["maximum"].as_i64().filter(|m| *m < i64::from(i32::MAX)) {
            out.push((format!("maximum {max}"), json!(max + 1)));
        }
        if let Some(min) = s["minimum"].as_i64() {
            out.push((format!("minimum {min}"), json!(min - 1)));
        }
    }
    if ty == "string" {
        if let Some(allowed) = s["enum"].as_array().filter(|a| !a.is_empty()) {
            let _ = allowed;
            out.push(("enum".into(), json!("NOT_A_VALUE_OF_THE_ENUM")));
        }
        if let Some(max) = s["maxLength"].as_u64().filter(|m| *m < 100_000) {
            out.push((
                format!("maxLength {max}"),
                json!("a".repeat(max as usize + 1)),
            ));
        }
        if let Some(min) = s["minLength"].as_u64().filter(|m| *m > 0) {
            out.push((
                format!("minLength {min}"),
                json!("a".repeat(min as usize - 1)),
            ));
        }
    }
    out
}

#[tokio::test]
async fn openwks_answers_what_the_vendors_definitions_say() {
    let ops = load();
    assert!(ops.len() >= 80, "vendored definitions: {}", ops.len());
    let w = world().await;
    let mut found: BTreeSet<Finding> = BTreeSet::new();
    let mut checked = 0;
    let mut shapes: Vec<(String, Value)> = w.shapes.clone();
    // Responses of every read, and the bounds of every query parameter.
    for op in ops.iter().filter(|o| o.method == "GET") {
        let r = w.app.get(&w.url(op, &[])).await;
        assert_eq!(r.status, 200, "{} {}: {}", op.name, op.path, r.text);
        shapes.push((format!("{}.{}", op.product, op.name), shape(&r.body)));
        if let Some(schema) = &op.ok {
            let key = format!("{}.{}", op.product, op.name);
            walk(&key, &op.defs, schema, &r.body, "", &mut found);
            checked += 1;
        }
        for p in op.params.iter().filter(|p| p["in"] == "query") {
            let name = p["name"].as_str().unwrap_or_default();
            for (what, bad) in breakers(p) {
                let v = match &bad {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                let r = w.app.get(&w.url(op, &[(name.to_string(), v)])).await;
                if r.status != 400 {
                    found.insert((
                        format!("{}.{}", op.product, op.name),
                        format!("?{name} {what}"),
                        "accepted",
                    ));
                }
            }
        }
    }
    assert!(checked >= 25, "response schemas checked: {checked}");
    // Every answer's shape as a snapshot (tests/it/snapshots/): a changed field is a diff to
    // review (`cargo insta review`, or INSTA_UPDATE=always and read `git diff`).
    for (name, v) in &shapes {
        insta::assert_json_snapshot!(name.as_str(), v);
    }
    // The bounds of the main write bodies, broken one at a time from a valid body.
    let sg = w.values["server_group_id"].clone();
    let ag = w.values["app_group_id"].clone();
    let bodies: Vec<(&str, Value)> = vec![
        ("CreateServerGroup", w.app.group_body("conf-new")),
        ("UpdateServerGroup", json!({"description": "x"})),
        (
            "CreateAppGroup",
            json!({"name": "conf-ag-new", "app_server_group_id": sg}),
        ),
        ("UpdateAppGroup", json!({"description": "x"})),
        (
            "CreateWarehouseApp",
            json!({"app_name": "conf-pkg", "app_category": "GAME", "os_type": "Windows",
                   "version_id": "1", "version_name": "1", "appfile_store_path": "/p/setup.exe",
                   "app_file_size": 1, "app_description": "", "app_icon": ""}),
        ),
        ("AuthorizeObs", json!({"app_file_name": "setup.exe"})),
        (
            "BindAppWarehouseBucket",
            json!({"bucket_name": "conf-bucket"}),
        ),
        ("InitializeTenant", json!({"service_status": "active"})),
        (
            "CreatePersistentStorage",
            json!({"name": "conf storage new", "storage_metadata": {"storage_class": "sfs", "storage_handle": "conf-fs-new"}}),
        ),
        (
            "CreateOrUpdateStoragePolicyStatement",
            json!({"actions": ["GetObject"], "roam_actions": ["GetObject"]}),
        ),
        (
            "CreateImageServer",
            json!({"name": "conf-img-new", "product_id": crate::harness::PRODUCT,
                   "vpc_id": w.app.vpc_id, "subnet_id": w.app.subnet_id,
                   "root_volume": {"type": "SAS", "size": 80},
                   "image_ref": {"id": crate::harness::WIN2019, "image_type": "public"},
                   "authorize_accounts": [{"account": "builder", "account_type": "USER"}],
                   "description": "", "ou_name": "", "availability_zone": ""}),
        ),
        (
            "CreateOrUpdateScalingPolicy",
            json!({"server_group_id": sg, "enable": true, "max_scaling_amount": 10,
            "single_expansion_count": 2, "scaling_policy_by_session": {"session_usage_threshold": 80, "shrink_after_session_idle_minutes": 30}}),
        ),
    ];
    for (name, valid) in bodies {
        let op = ops
            .iter()
            .find(|o| o.product == "WorkspaceApp" && o.name == name)
            .unwrap_or_else(|| panic!("no definition of {name}"));
        let schema = resolve(&op.defs, op.body.as_ref().expect("body schema"));
        let url = w.url(op, &[]).replace(&format!("/{PID}/"), "/{p}/");
        let _ = &ag;
        let props = schema["properties"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        let required: Vec<String> = schema["required"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| r.as_str().map(str::to_string))
            .collect();
        let mut cases: Vec<(String, Value)> = Vec::new();
        for r in &required {
            let mut b = valid.clone();
            if let Some(o) = b.as_object_mut() {
                o.remove(r);
            }
            cases.push((format!("{r} required"), b));
        }
        for (k, ps) in &props {
            let ps = resolve(&op.defs, ps);
            for (what, bad) in breakers(&ps) {
                let mut b = valid.clone();
                b[k.as_str()] = bad;
                cases.push((format!("{k} {what}"), b));
            }
        }
        for (i, (what, mut b)) in cases.into_iter().enumerate() {
            // Each case its own name, so that one accepted case cannot make the next a 409.
            for key in ["name", "app_name"] {
                if name.starts_with("Create")
                    && b.get(key).is_some()
                    && !what.starts_with(&format!("{key} "))
                {
                    b[key] = json!(format!("conf-case-{i}"));
                }
            }
            let r = w.app.call(&op.method, &url, Some(b)).await;
            if r.status != 400 {
                found.insert((format!("WorkspaceApp.{name}"), what, "accepted"));
            }
        }
    }
    // A row whose field ends in `*` covers every finding of its kind under that prefix.
    let allow = allowed();
    let covers = |a: &Finding, f: &Finding| {
        a.0 == f.0
            && a.2 == f.2
            && match a.1.strip_suffix('*') {
                Some(prefix) => f.1.starts_with(prefix),
                None => a.1 == f.1,
            }
    };
    let unexplained: Vec<&Finding> = found
        .iter()
        .filter(|f| !allow.iter().any(|a| covers(a, f)))
        .collect();
    let stale: Vec<&Finding> = allow
        .iter()
        .filter(|a| !found.iter().any(|f| covers(a, f)))
        .collect();
    let row = |f: &&Finding| format!("| `{}` | `{}` | {} | |", f.0, f.1, f.2);
    assert!(
        unexplained.is_empty() && stale.is_empty(),
        "docs/conformance.md is out of step with what openwks answers.\nNot explained ({}):\n{}\nNo longer found ({}):\n{}",
        unexplained.len(),
        unexplained.iter().map(row).collect::<Vec<_>>().join("\n"),
        stale.len(),
        stale.iter().map(row).collect::<Vec<_>>().join("\n"),
    );
}
