//! Init files (`openwks serve --init FILE`, `docs/extensions.md` "Init files"): a YAML file
//! that declares IAM policies, IAM users with their keys, user groups, server groups with a
//! number of servers, app groups with their apps and authorizations. Applied at every start,
//! it creates what is missing (matched by name) and leaves what exists: the first start builds
//! the fleet, a restart changes nothing.
//!
//! The file is applied through the route table itself, in process, signed with the
//! administrator's key: every rule, default and error of the API applies to it as to any
//! client, and the audit trail records it. An error names the line of the item it concerns.

use std::collections::BTreeMap;

use axum::body::Body;
use axum::http::Request;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use tower::ServiceExt as _;

use crate::AppState;

/// An init file, as declared. Unknown keys are errors (a typo must not be ignored).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InitFile {
    /// IAM identity policies.
    #[serde(default)]
    pub policies: Vec<PolicyDecl>,
    /// IAM users.
    #[serde(default)]
    pub users: Vec<UserDecl>,
    /// Workspace user groups (authorization targets).
    #[serde(default)]
    pub user_groups: Vec<UserGroupDecl>,
    /// Server groups, each with how many servers it should have.
    #[serde(default)]
    pub server_groups: Vec<ServerGroupDecl>,
    /// App groups with their apps and authorizations.
    #[serde(default)]
    pub app_groups: Vec<AppGroupDecl>,
}

/// An IAM policy: `POST /openwks/v1/iam/policies`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyDecl {
    /// Its name.
    pub name: String,
    /// Its description.
    #[serde(default)]
    pub description: Option<String>,
    /// The policy document (a mapping, or its JSON text).
    pub document: Value,
}

/// An IAM user: `POST /openwks/v1/iam/users`, its keys and policies.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserDecl {
    /// User name.
    pub name: String,
    /// Console password.
    #[serde(default)]
    pub password: Option<String>,
    /// Whether the user may sign in (default yes).
    #[serde(default)]
    pub enabled: Option<bool>,
    /// Key pairs the user signs with (at most two).
    #[serde(default)]
    pub access_keys: Vec<KeyDecl>,
    /// Names of policies (declared above, or existing) attached to the user.
    #[serde(default)]
    pub policies: Vec<String>,
}

/// A key pair.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyDecl {
    /// Access key (16–40 upper-case letters and digits).
    pub access_key: String,
    /// Secret key (30–64 letters and digits).
    pub secret_key: String,
}

/// A user group: `POST /openwks/v1/{project_id}/user-groups`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserGroupDecl {
    /// Its name.
    pub name: String,
    /// Its description.
    #[serde(default)]
    pub description: Option<String>,
    /// Member user names.
    #[serde(default)]
    pub members: Vec<String>,
}

/// A server group: the body of `create_server_group` (any of its fields, as the API takes
/// them), where the image, product, network and system disk default to the catalogue's first
/// Windows image and product, the project's default network and an 80 GB SAS disk; `servers`
/// is how many servers it should have (`create_app_servers` makes the missing ones).
#[derive(Debug, Deserialize)]
pub struct ServerGroupDecl {
    /// How many servers the group should have.
    #[serde(default)]
    pub servers: u32,
    /// The create body.
    #[serde(flatten)]
    pub body: Map<String, Value>,
}

/// An app group: the body of `create_app_group`, with `server_group` naming a declared (or
/// existing) server group, `apps` as `publish_app` items and `authorizations` as
/// `add_app_group_authorization` accounts.
#[derive(Debug, Deserialize)]
pub struct AppGroupDecl {
    /// The server group's name.
    #[serde(default)]
    pub server_group: Option<String>,
    /// Apps to publish (`PublishApp` items).
    #[serde(default)]
    pub apps: Vec<Map<String, Value>>,
    /// Accounts to authorize (`AccountInfo` items).
    #[serde(default)]
    pub authorizations: Vec<Map<String, Value>>,
    /// The create body.
    #[serde(flatten)]
    pub body: Map<String, Value>,
}

/// What went wrong, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitError {
    /// The line (1-based) of the item concerned, when known.
    pub line: Option<usize>,
    /// What went wrong.
    pub message: String,
}

impl std::fmt::Display for InitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(l) => write!(f, "line {l}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for InitError {}

/// A parsed file and where each item of each section starts.
#[derive(Debug)]
pub struct Parsed {
    /// The declarations.
    pub file: InitFile,
    lines: BTreeMap<(String, usize), usize>,
}

impl Parsed {
    fn at(&self, section: &str, index: usize, message: impl Into<String>) -> InitError {
        InitError {
            line: self.lines.get(&(section.to_string(), index)).copied(),
            message: message.into(),
        }
    }
}

/// Parse an init file. Syntax and shape errors (an unknown key, a missing name, a string
/// where a number belongs) name their line.
pub fn parse(text: &str) -> Result<Parsed, InitError> {
    let file: InitFile = if text.trim().is_empty() {
        InitFile::default()
    } else {
        serde_yaml_ng::from_str(text).map_err(|e| InitError {
            line: e.location().map(|l| l.line()),
            message: strip_location(&e.to_string()),
        })?
    };
    Ok(Parsed {
        file,
        lines: item_lines(text),
    })
}

/// serde_yaml's message without its " at line L column C" (the line is told once, in front).
fn strip_location(message: &str) -> String {
    match message.find(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

/// The first line of each item of each top-level section, for block-style YAML (`section:`
/// at column 0, items as `- ` at the section's first item indentation).
fn item_lines(text: &str) -> BTreeMap<(String, usize), usize> {
    let mut out = BTreeMap::new();
    let mut section: Option<String> = None;
    let mut indent: Option<usize> = None;
    let mut index = 0;
    for (n, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let col = line.len() - trimmed.len();
        if col == 0 && !trimmed.starts_with('-') {
            section = trimmed
                .split(':')
                .next()
                .map(|s| s.trim().trim_matches('"').to_string());
            indent = None;
            index = 0;
            continue;
        }
        let Some(sec) = &section else { continue };
        if trimmed.starts_with("- ") || trimmed == "-" {
            match indent {
                None => indent = Some(col),
                Some(i) if i != col => continue,
                Some(_) => {}
            }
            out.insert((sec.clone(), index), n + 1);
            index += 1;
        }
    }
    out
}

/// What applying created (`kind` → names), and what existed already.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Applied {
    /// Newly created, as `kind name` (`server group office`, `servers office +2`).
    pub created: Vec<String>,
    /// Found by name and left as they are.
    pub existing: usize,
}

/// The administrator's in-process, signed client of the route table.
struct Admin {
    st: AppState,
    project_id: String,
    /// The application (router and middleware), built once for every call.
    app: tower::util::BoxCloneService<
        Request<Body>,
        axum::response::Response,
        std::convert::Infallible,
    >,
}

/// An answer: status and JSON body.
struct Answer {
    status: u16,
    body: Value,
}

impl Answer {
    fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }
    fn error(&self) -> String {
        let b = &self.body;
        let code = b["error_code"]
            .as_str()
            .or(b["error"]["code"].as_str())
            .unwrap_or("");
        let msg = b["error_msg"]
            .as_str()
            .or(b["error"]["message"].as_str())
            .unwrap_or("");
        format!("{} {code}: {msg}", self.status)
    }
}

impl Admin {
    async fn call(&self, method: &str, path: &str, body: Option<&Value>) -> Answer {
        let bytes = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
        let date = chrono::DateTime::from_timestamp_millis(self.st.now_ms())
            .unwrap_or_default()
            .format("%Y%m%dT%H%M%SZ")
            .to_string();
        let boot = self.st.bootstrap();
        let key = &boot.key;
        let signed = openwks_api::signer::sign_json_call(
            openwks_api::signer::KeyPair {
                access_key: &key.access_key,
                secret_key: &key.secret_key,
            },
            &date,
            "openwks.init",
            Some(&self.project_id),
            method,
            path,
            &bytes,
        );
        let mut req = Request::builder()
            .method(method)
            .uri(path)
            .header("user-agent", "openwks-init");
        for (k, v) in signed {
            req = req.header(k, v);
        }
        let Ok(req) = req.body(Body::from(bytes)) else {
            return Answer {
                status: 400,
                body: json!({"error_msg": format!("cannot build a request for {path}")}),
            };
        };
        let resp = match self.app.clone().oneshot(req).await {
            Ok(r) => r,
            Err(never) => match never {},
        };
        let status = resp.status().as_u16();
        let body = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or(Value::Null);
        Answer { status, body }
    }

    /// GET that must succeed.
    async fn get(&self, path: &str) -> Result<Value, String> {
        let a = self.call("GET", path, None).await;
        if a.ok() {
            Ok(a.body)
        } else {
            Err(format!("GET {path}: {}", a.error()))
        }
    }

    /// Every item of a paged list (`offset`/`limit`, items under `key`).
    async fn all(&self, path: &str, key: &str) -> Result<Vec<Value>, String> {
        let mut out = Vec::new();
        let sep = if path.contains('?') { '&' } else { '?' };
        loop {
            let page = self
                .get(&format!("{path}{sep}offset={}&limit=100", out.len()))
                .await?;
            let items = page[key].as_array().cloned().unwrap_or_default();
            let n = items.len();
            out.extend(items);
            if n < 100 {
                return Ok(out);
            }
        }
    }
}

fn named<'a>(items: &'a [Value], name: &str) -> Option<&'a Value> {
    items.iter().find(|v| v["name"].as_str() == Some(name))
}

fn id_of(v: &Value) -> String {
    v["id"].as_str().unwrap_or_default().to_string()
}

/// Apply `parsed` to the running state, as its administrator.
pub async fn apply(st: &AppState, parsed: &Parsed) -> Result<Applied, InitError> {
    let admin = Admin {
        st: st.clone(),
        project_id: st.bootstrap().project.id.clone(),
        app: tower::util::BoxCloneService::new(crate::app(st.clone())),
    };
    let mut applied = Applied::default();
    let f = &parsed.file;
    let p = admin.project_id.clone();

    // IAM policies.
    let policies = admin
        .get("/openwks/v1/iam/policies")
        .await
        .map_err(|m| parsed.at("policies", 0, m))?;
    let mut policy_ids: BTreeMap<String, String> = policies["policies"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| (p["name"].as_str().unwrap_or("").to_string(), id_of(p)))
        .collect();
    for (i, d) in f.policies.iter().enumerate() {
        if policy_ids.contains_key(&d.name) {
            applied.existing += 1;
            continue;
        }
        let body = json!({"name": d.name, "description": d.description, "document": d.document});
        let a = admin
            .call("POST", "/openwks/v1/iam/policies", Some(&body))
            .await;
        if !a.ok() {
            return Err(parsed.at("policies", i, format!("policy {}: {}", d.name, a.error())));
        }
        policy_ids.insert(d.name.clone(), id_of(&a.body));
        applied.created.push(format!("policy {}", d.name));
    }

    // IAM users, their keys and policies.
    let users = admin
        .get("/openwks/v1/iam/users")
        .await
        .map_err(|m| parsed.at("users", 0, m))?;
    let users = users["users"].as_array().cloned().unwrap_or_default();
    for (i, d) in f.users.iter().enumerate() {
        let at = |m: String| parsed.at("users", i, format!("user {}: {m}", d.name));
        let id = match named(&users, &d.name) {
            Some(u) => {
                applied.existing += 1;
                id_of(u)
            }
            None => {
                let body = json!({"name": d.name, "password": d.password, "enabled": d.enabled});
                let a = admin
                    .call("POST", "/openwks/v1/iam/users", Some(&body))
                    .await;
                if !a.ok() {
                    return Err(at(a.error()));
                }
                applied.created.push(format!("user {}", d.name));
                id_of(&a.body)
            }
        };
        let keys_path = format!("/openwks/v1/iam/users/{id}/access-keys");
        let have = admin.get(&keys_path).await.map_err(at)?;
        for k in &d.access_keys {
            let exists = have["access_keys"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|h| h["access_key"].as_str() == Some(&k.access_key));
            if exists {
                continue;
            }
            let body = json!({"access_key": k.access_key, "secret_key": k.secret_key});
            let a = admin.call("POST", &keys_path, Some(&body)).await;
            if !a.ok() {
                return Err(at(format!("access key {}: {}", k.access_key, a.error())));
            }
            applied
                .created
                .push(format!("access key {} of {}", k.access_key, d.name));
        }
        for name in &d.policies {
            let Some(pid) = policy_ids.get(name) else {
                return Err(at(format!("no policy named {name}")));
            };
            let a = admin
                .call(
                    "PUT",
                    &format!("/openwks/v1/iam/users/{id}/policies/{pid}"),
                    None,
                )
                .await;
            if !a.ok() {
                return Err(at(format!("attaching policy {name}: {}", a.error())));
            }
        }
    }

    // User groups.
    let groups = admin
        .all(&format!("/openwks/v1/{p}/user-groups"), "items")
        .await
        .map_err(|m| parsed.at("user_groups", 0, m))?;
    for (i, d) in f.user_groups.iter().enumerate() {
        if named(&groups, &d.name).is_some() {
            applied.existing += 1;
            continue;
        }
        let body = json!({"name": d.name, "description": d.description, "members": d.members});
        let a = admin
            .call("POST", &format!("/openwks/v1/{p}/user-groups"), Some(&body))
            .await;
        if !a.ok() {
            return Err(parsed.at(
                "user_groups",
                i,
                format!("user group {}: {}", d.name, a.error()),
            ));
        }
        applied.created.push(format!("user group {}", d.name));
    }

    // Server groups and their servers.
    let mut server_groups = admin
        .all(&format!("/v1/{p}/app-server-groups"), "items")
        .await
        .map_err(|m| parsed.at("server_groups", 0, m))?;
    let network = default_network(&admin, &p).await;
    for (i, d) in f.server_groups.iter().enumerate() {
        let name = d.body.get("name").and_then(Value::as_str).unwrap_or("");
        let at = |m: String| parsed.at("server_groups", i, format!("server group {name}: {m}"));
        if name.is_empty() {
            return Err(parsed.at("server_groups", i, "a server group needs a name"));
        }
        let body = server_group_body(st, &d.body, network.as_ref());
        let id = match named(&server_groups, name) {
            Some(g) => {
                applied.existing += 1;
                id_of(g)
            }
            None => {
                let a = admin
                    .call("POST", &format!("/v1/{p}/app-server-groups"), Some(&body))
                    .await;
                if !a.ok() {
                    return Err(at(a.error()));
                }
                applied.created.push(format!("server group {name}"));
                let g = admin
                    .get(&format!("/v1/{p}/app-server-groups/{}", id_of(&a.body)))
                    .await
                    .map_err(at)?;
                server_groups.push(g.clone());
                id_of(&g)
            }
        };
        if d.servers == 0 {
            continue;
        }
        let have = admin
            .all(
                &format!("/v1/{p}/app-servers?server_group_id={id}"),
                "items",
            )
            .await
            .map_err(at)?
            .len() as u32;
        if have >= d.servers {
            continue;
        }
        let want = d.servers - have;
        let create = json!({
            "type": "createApps",
            "server_group_id": id,
            "subscription_num": want,
            "product_id": body["product_id"],
            "root_volume": {"type": body["system_disk_type"], "size": body["system_disk_size"]},
            "vpc_id": body["vpc_id"],
            "subnet_id": body["subnet_id"],
        });
        let a = admin
            .call(
                "POST",
                &format!("/v1/{p}/app-servers/actions/create"),
                Some(&create),
            )
            .await;
        if !a.ok() {
            return Err(at(format!("creating {want} servers: {}", a.error())));
        }
        applied.created.push(format!("servers {name} +{want}"));
    }

    // App groups, their apps and authorizations.
    let app_groups = admin
        .all(&format!("/v1/{p}/app-groups"), "items")
        .await
        .map_err(|m| parsed.at("app_groups", 0, m))?;
    for (i, d) in f.app_groups.iter().enumerate() {
        let name = d.body.get("name").and_then(Value::as_str).unwrap_or("");
        let at = |m: String| parsed.at("app_groups", i, format!("app group {name}: {m}"));
        if name.is_empty() {
            return Err(parsed.at("app_groups", i, "an app group needs a name"));
        }
        let id = match named(&app_groups, name) {
            Some(g) => {
                applied.existing += 1;
                id_of(g)
            }
            None => {
                let mut body = d.body.clone();
                if let Some(sg) = &d.server_group {
                    let Some(g) = named(&server_groups, sg) else {
                        return Err(at(format!("no server group named {sg}")));
                    };
                    body.insert("app_server_group_id".into(), Value::String(id_of(g)));
                }
                let a = admin
                    .call(
                        "POST",
                        &format!("/v1/{p}/app-groups"),
                        Some(&Value::Object(body)),
                    )
                    .await;
                if !a.ok() {
                    return Err(at(a.error()));
                }
                applied.created.push(format!("app group {name}"));
                id_of(&a.body)
            }
        };
        if !d.apps.is_empty() {
            let published = admin
                .all(&format!("/v1/{p}/app-groups/{id}/apps"), "items")
                .await
                .map_err(at)?;
            let missing: Vec<Value> = d
                .apps
                .iter()
                .filter(|app| {
                    let n = app.get("name").and_then(Value::as_str).unwrap_or("");
                    named(&published, n).is_none()
                })
                .map(|app| Value::Object(app.clone()))
                .collect();
            if !missing.is_empty() {
                let n = missing.len();
                let a = admin
                    .call(
                        "POST",
                        &format!("/v1/{p}/app-groups/{id}/apps"),
                        Some(&json!({ "items": missing })),
                    )
                    .await;
                if !a.ok() {
                    return Err(at(format!("publishing apps: {}", a.error())));
                }
                applied.created.push(format!("apps {name} +{n}"));
            }
        }
        if !d.authorizations.is_empty() {
            // Adding an authorization that exists changes nothing (as on the vendor's API).
            let body = json!({"app_group_ids": [id], "accounts": d.authorizations});
            let a = admin
                .call(
                    "POST",
                    &format!("/v1/{p}/app-groups/authorizations"),
                    Some(&body),
                )
                .await;
            if !a.ok() {
                return Err(at(format!("authorizing: {}", a.error())));
            }
        }
    }
    Ok(applied)
}

/// The project's default network (the VPC and subnet a first start creates): `(vpc, subnet)`.
async fn default_network(admin: &Admin, p: &str) -> Option<(String, String)> {
    let subnets = admin.get(&format!("/v1/{p}/subnets")).await.ok()?;
    let s = subnets["subnets"].as_array()?.iter().find(|s| {
        s["description"].as_str() == Some(openwks_store::sql::DEFAULT_SUBNET_DESCRIPTION)
    })?;
    Some((
        s["vpc_id"].as_str()?.to_string(),
        s["id"].as_str()?.to_string(),
    ))
}

/// A server group's create body with the init file's defaults filled in where the file says
/// nothing: the catalogue's first Windows image (public) and first product, the default
/// network, an 80 GB SAS system disk.
fn server_group_body(
    st: &AppState,
    given: &Map<String, Value>,
    network: Option<&(String, String)>,
) -> Value {
    let mut body = given.clone();
    let mut default = |k: &str, v: Value| {
        body.entry(k.to_string()).or_insert(v);
    };
    if !given.contains_key("image_id") {
        if let Some(img) = st.catalogue.images.iter().find(|i| i.os_type == "Windows") {
            default("image_id", Value::String(img.id.clone()));
            default("image_type", Value::String("public".into()));
            default("os_type", Value::String("Windows".into()));
        }
    }
    if let Some(prod) = st.catalogue.products.first() {
        default("product_id", Value::String(prod.product_id.clone()));
    }
    if let Some((vpc, subnet)) = network {
        if !given.contains_key("subnet_id") {
            default("vpc_id", Value::String(vpc.clone()));
            default("subnet_id", Value::String(subnet.clone()));
        }
    }
    default("system_disk_type", Value::String("SAS".into()));
    default("system_disk_size", json!(80));
    Value::Object(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_are_found_by_line() {
        let text = "# fleet\nusers:\n  - name: a\n    password: x\n\n  - name: b\nserver_groups:\n- name: sg\n  servers: 2\n";
        let p = parse(text).expect("parses");
        assert_eq!(p.file.users.len(), 2);
        assert_eq!(p.at("users", 0, "m").line, Some(3));
        assert_eq!(p.at("users", 1, "m").line, Some(6));
        assert_eq!(p.at("server_groups", 0, "m").line, Some(8));
        assert_eq!(p.file.server_groups[0].servers, 2);
        assert_eq!(p.file.server_groups[0].body["name"], "sg");
    }

    #[test]
    fn shape_errors_name_their_line() {
        let e = parse("users:\n  - name: a\n    pasword: x\n").expect_err("typo");
        assert_eq!(e.line, Some(3), "{e}");
        assert!(e.message.contains("pasword"), "{e}");
        let e = parse("users:\n  - password: x\n").expect_err("no name");
        assert!(e.message.contains("name"), "{e}");
        let e = parse("server_groups:\n  - name: sg\n    servers: many\n").expect_err("servers");
        assert!(e.line.is_some(), "{e}");
        let e = parse("clusters: []\n").expect_err("unknown section");
        assert_eq!(e.line, Some(1), "{e}");
        assert!(parse("").expect("empty").file.users.is_empty());
    }
}
