//! Authorization as an attacker tries it: a narrow IAM user with an explicit Deny on one server
//! group (by URN) and on every group tagged `secret=yes` (by `g:ResourceTag`) must not reach
//! them by percent-encoding, by naming them in a second place, or through a batch; a narrow IAM
//! right must not reach the administrator; lists, tag lists and validation answers tell only
//! what the caller may get. Each test fails when its fix is reverted.

use openwks_core::error::Reason;
use serde_json::{json, Value};

use crate::harness::{TestApp, PID};
use crate::iam::{attach, denied, policy, user, Who};

/// A group with a `Deny` by URN, one with a `Deny` by tag, one open; a user allowed everything
/// but those two.
struct Scene {
    app: TestApp,
    by_urn: String,
    by_tag: String,
    open: String,
    u: Who,
}

async fn scene() -> Scene {
    let app = TestApp::new().await;
    let by_urn = app.create_group(app.group_body("deny-by-urn")).await;
    let mut tagged = app.group_body("deny-by-tag");
    tagged["tags"] = json!([{"key": "secret", "value": "yes"}]);
    let by_tag = app.create_group(tagged).await;
    let open = app.create_group(app.group_body("open-sg")).await;
    let u = user(&app, "attacker").await;
    let p = policy(
        &app,
        "all-but",
        json!([
            {"Effect": "Allow", "Action": ["*"]},
            {"Effect": "Deny", "Action": ["workspace:*:*"],
             "Resource": [format!("workspace:*:*:serverGroup:{by_urn}")]},
            {"Effect": "Deny", "Action": ["workspace:*:*"],
             "Condition": {"StringEquals": {"g:ResourceTag/secret": ["yes"]}}}
        ]),
    )
    .await;
    attach(&app, &u.id, &p).await;
    Scene {
        app,
        by_urn,
        by_tag,
        open,
        u,
    }
}

/// `id` with its character at `i` percent-encoded (upper or lower hex).
fn encode_at(id: &str, i: usize, lower: bool) -> String {
    let (a, b) = id.split_at(i);
    let mut chars = b.chars();
    let c = chars.next().expect("a character");
    let hex = if lower {
        format!("%{:02x}", c as u32)
    } else {
        format!("%{:02X}", c as u32)
    };
    format!("{a}{hex}{}", chars.as_str())
}

/// Every character of `s` percent-encoded.
fn encode_all(s: &str) -> String {
    s.bytes().map(|b| format!("%{b:02X}")).collect()
}

#[tokio::test]
async fn percent_encoded_ids_and_projects_do_not_walk_around_a_deny() {
    let s = scene().await;
    let (app, u) = (&s.app, &s.u);
    for id in [&s.by_urn, &s.by_tag] {
        for enc in [
            encode_at(id, 0, false),
            encode_at(id, 3, true),
            encode_all(id),
        ] {
            for (m, body) in [
                ("GET", None),
                ("PATCH", Some(json!({"description": "pwned"}))),
                ("DELETE", None),
            ] {
                let r = app
                    .call_as(
                        u.key(),
                        m,
                        &format!("/v1/{{p}}/app-server-groups/{enc}"),
                        body.clone(),
                    )
                    .await;
                assert!(denied(&r), "{m} {enc}: {} {}", r.status, r.text);
                // The same with the project id encoded too.
                let r = app
                    .call_as(
                        u.key(),
                        m,
                        &format!("/v1/{}/app-server-groups/{enc}", encode_at(PID, 0, false)),
                        body,
                    )
                    .await;
                assert!(denied(&r), "{m} project+{enc}: {} {}", r.status, r.text);
            }
        }
    }
    // Nothing changed, nothing deleted.
    for id in [&s.by_urn, &s.by_tag] {
        let g = app.get(&format!("/v1/{{p}}/app-server-groups/{id}")).await;
        assert_eq!(g.status, 200, "{}", g.text);
        assert_ne!(g.body["description"], "pwned");
    }
    // The encoded form still reaches the open group (it is the same id).
    let r = app
        .call_as(
            u.key(),
            "GET",
            &format!(
                "/v1/{{p}}/app-server-groups/{}",
                encode_at(&s.open, 0, false)
            ),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["id"], s.open.as_str());
    // The trail names the real id and the canonical path, so a search for it finds them.
    let trail = app
        .get(&format!(
            "/openwks/v1/audit-events?result=denied&limit=100&resource=workspace:cn-north-4:{PID}:serverGroup:{}",
            s.by_urn
        ))
        .await;
    assert_eq!(trail.status, 200, "{}", trail.text);
    assert!(
        trail.body["count"].as_i64().unwrap_or(0) >= 9,
        "{}",
        trail.text
    );
    for e in trail.body["items"].as_array().expect("items") {
        assert!(
            !e["path"].as_str().unwrap_or("%").contains('%'),
            "the audit row keeps the canonical path: {e}"
        );
    }
}

#[tokio::test]
async fn app_group_ids_encoded_are_the_same_app_group() {
    let app = TestApp::new().await;
    let sg = app.create_group(app.group_body("ag-sg")).await;
    let ag = app
        .post(
            "/v1/{p}/app-groups",
            json!({"name": "secret-ag", "app_server_group_id": sg, "authorization_type": "APP_GROUP"}),
        )
        .await;
    assert_eq!(ag.status, 200, "{}", ag.text);
    let ag = ag.body["id"].as_str().expect("id").to_string();
    let u = user(&app, "ag-attacker").await;
    let p = policy(
        &app,
        "no-ag",
        json!([
            {"Effect": "Allow", "Action": ["*"]},
            {"Effect": "Deny", "Action": ["workspace:*:*"],
             "Resource": [format!("workspace:*:*:appGroup:{ag}")]}
        ]),
    )
    .await;
    attach(&app, &u.id, &p).await;
    for (m, body) in [
        ("GET", None),
        ("PATCH", Some(json!({"description": "pwned"}))),
        ("DELETE", None),
    ] {
        let r = app
            .call_as(
                u.key(),
                m,
                &format!("/v1/{{p}}/app-groups/{}", encode_all(&ag)),
                body,
            )
            .await;
        assert!(denied(&r), "{m}: {} {}", r.status, r.text);
    }
    // A batch that names it among others is refused whole.
    let r = app
        .call_as(
            u.key(),
            "POST",
            "/v1/{p}/app-groups/batch-delete",
            Some(json!({"ids": ["no-such-ag", ag]})),
        )
        .await;
    assert!(denied(&r), "{}", r.text);
    assert!(
        r.text.contains(&ag),
        "the 403 names the refused app group: {}",
        r.text
    );
    assert_eq!(
        app.get(&format!("/v1/{{p}}/app-groups/{ag}")).await.status,
        200
    );
}

#[tokio::test]
async fn query_and_body_naming_different_groups_are_refused() {
    let s = scene().await;
    let (app, u) = (&s.app, &s.u);
    let policy_body = |id: &str| {
        json!({"server_group_id": id, "enable": true,
               "scaling_policy_by_session": {"session_usage_threshold": 50, "shrink_after_session_idle_minutes": 30},
               "max_scaling_amount": 5, "single_expansion_count": 1})
    };
    // PUT with the allowed group in the query and the denied one in the body.
    let r = app
        .call_as(
            u.key(),
            "PUT",
            &format!("/v1/{{p}}/scaling-policy?server_group_id={}", s.open),
            Some(policy_body(&s.by_urn)),
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert_eq!(r.body["error_code"], "WKS.00211102", "{}", r.text);
    // The denied group's policy is untouched.
    let p = app
        .get(&format!(
            "/v1/{{p}}/scaling-policy?server_group_id={}",
            s.by_urn
        ))
        .await;
    assert_eq!(p.body["enable"], false, "{}", p.text);
    // Server creation likewise.
    let r = app
        .call_as(
            u.key(),
            "POST",
            &format!(
                "/v1/{{p}}/app-servers/actions/create?server_group_id={}",
                s.open
            ),
            Some(app.app_servers_body(&s.by_tag, 1)),
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.text);
    // Without the query, the body's group is the one authorized: refused.
    let r = app
        .call_as(
            u.key(),
            "POST",
            "/v1/{p}/app-servers/actions/create",
            Some(app.app_servers_body(&s.by_tag, 1)),
        )
        .await;
    assert!(denied(&r), "{}", r.text);
    // Encoded duplicate query keys: refused before anything is read or changed.
    for (m, path) in [
        ("GET", "/v1/{p}/scaling-policy"),
        ("DELETE", "/v1/{p}/scaling-policy"),
        ("GET", "/openwks/v1/{p}/scaling-preview"),
        ("GET", "/openwks/v1/{p}/scaling-activities"),
    ] {
        for q in [
            format!(
                "server%5Fgroup%5Fid={}&server_group_id={}",
                s.by_urn, s.open
            ),
            format!("server_group_id={}&server_group_id={}", s.open, s.by_urn),
        ] {
            let r = app.call_as(u.key(), m, &format!("{path}?{q}"), None).await;
            assert_eq!(r.status, 400, "{m} {path}?{q}: {}", r.text);
            assert_eq!(r.body["error_code"], "WKS.00211117", "{}", r.text);
        }
    }
    // The same key once, and the same value in query and body: fine.
    let r = app
        .call_as(
            u.key(),
            "PUT",
            &format!("/v1/{{p}}/scaling-policy?server_group_id={}", s.open),
            Some(policy_body(&s.open)),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    // A JSON body with the key twice has no single reading: refused.
    let body = format!(
        r#"{{"server_group_id":"{}","server_group_id":"{}","enable":false}}"#,
        s.open, s.by_urn
    );
    let hs = app.signed_headers(
        "PUT",
        &app.path("/v1/{p}/scaling-policy"),
        body.as_bytes(),
        u.key().0,
        u.key().1,
        &app.sdk_date(),
    );
    let r = app
        .send_raw(
            "PUT",
            &app.path("/v1/{p}/scaling-policy"),
            body.into_bytes(),
            hs,
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert_eq!(r.body["error_code"], "WKS.00211116", "{}", r.text);
}

#[tokio::test]
async fn batch_routes_authorize_every_group_they_name() {
    let s = scene().await;
    let (app, u) = (&s.app, &s.u);
    let tags = |id: String| async move {
        app.get(&format!("/v1/{{p}}/server-group/{id}/tags"))
            .await
            .body["tags"]
            .clone()
    };
    let before_open = tags(s.open.clone()).await;
    // Batch-create over an open and a denied group: refused whole, naming the denied one.
    let r = app
        .call_as(
            u.key(),
            "POST",
            "/v1/{p}/server-group/tags/batch-create",
            Some(json!({"items": [
                {"server_group_id": s.open, "tags": [{"key": "k", "value": "v"}]},
                {"server_group_id": s.by_urn, "tags": [{"key": "k", "value": "v"}]}
            ]})),
        )
        .await;
    assert!(denied(&r), "{}", r.text);
    assert!(r.text.contains(&s.by_urn), "{}", r.text);
    assert_eq!(
        tags(s.open.clone()).await,
        before_open,
        "nothing of the batch was written"
    );
    // Removing the tag the Deny depends on would unlock the group: refused.
    let r = app
        .call_as(
            u.key(),
            "DELETE",
            "/v1/{p}/server-group/tags/batch-delete",
            Some(json!({"items": [
                {"server_group_id": s.by_tag, "tags": [{"key": "secret"}]}
            ]})),
        )
        .await;
    assert!(denied(&r), "{}", r.text);
    assert_eq!(
        tags(s.by_tag.clone()).await,
        json!([{"key": "secret", "value": "yes"}])
    );
    // A batch of allowed groups only goes through.
    let r = app
        .call_as(
            u.key(),
            "POST",
            "/v1/{p}/server-group/tags/batch-create",
            Some(json!({"items": [
                {"server_group_id": s.open, "tags": [{"key": "k", "value": "v"}]}
            ]})),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
}

#[tokio::test]
async fn a_narrow_iam_right_does_not_reach_the_administrator() {
    let app = TestApp::new().await;
    let admin = "user1";
    let other = user(&app, "someone").await;
    let u = user(&app, "helpdesk").await;
    let p = policy(
        &app,
        "helpdesk",
        json!([{"Effect": "Allow", "Action": [
            "iam:credentials:create", "iam:credentials:update", "iam:credentials:delete",
            "iam:users:update", "iam:users:delete",
            "iam:credentials:createCredentialV5", "iam:credentials:updateCredentialV5",
            "iam:credentials:deleteCredentialV5", "iam:users:updateUserV5", "iam:users:deleteUserV5"
        ]}]),
    )
    .await;
    attach(&app, &u.id, &p).await;
    let attempts: Vec<(&str, String, Option<Value>)> = vec![
        (
            "POST",
            format!("/openwks/v1/iam/users/{admin}/access-keys"),
            Some(json!({})),
        ),
        (
            "PATCH",
            format!("/openwks/v1/iam/users/{admin}"),
            Some(json!({"password": "taken-Over-1"})),
        ),
        (
            "PATCH",
            format!("/openwks/v1/iam/users/{admin}/access-keys/AKTEST0000000000001"),
            Some(json!({"status": "inactive"})),
        ),
        (
            "DELETE",
            format!("/openwks/v1/iam/users/{admin}/access-keys/AKTEST0000000000001"),
            None,
        ),
        (
            "POST",
            format!("/v5/users/{admin}/access-keys"),
            Some(json!({})),
        ),
        (
            "PUT",
            format!("/v5/users/{admin}/access-keys/AKTEST0000000000001"),
            Some(json!({"status": "inactive"})),
        ),
        (
            "PUT",
            format!("/v5/users/{admin}"),
            Some(json!({"user": {"enabled": false}})),
        ),
        ("DELETE", format!("/v5/users/{admin}"), None),
        // Encoded, the administrator is still the administrator.
        (
            "POST",
            format!("/openwks/v1/iam/users/{}/access-keys", encode_all(admin)),
            Some(json!({})),
        ),
    ];
    for (m, path, body) in attempts {
        let r = app.call_as(u.key(), m, &path, body).await;
        assert!(denied(&r), "{m} {path}: {} {}", r.status, r.text);
        assert!(r.text.contains("administrator"), "{}", r.text);
    }
    // The administrator's key still works, its password too.
    assert_eq!(app.get("/v1/{p}/app-server-groups").await.status, 200);
    let keys = app
        .get(&format!("/openwks/v1/iam/users/{admin}/access-keys"))
        .await;
    assert_eq!(keys.body["count"], 1, "{}", keys.text);
    // The same right works on another user.
    let r = app
        .call_as(
            u.key(),
            "POST",
            &format!("/openwks/v1/iam/users/{}/access-keys", other.id),
            Some(json!({})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    // Each refusal is in the trail.
    let trail = app
        .get("/openwks/v1/audit-events?result=denied&user=helpdesk&limit=100")
        .await;
    assert_eq!(trail.body["count"], 9, "{}", trail.text);
}

#[tokio::test]
async fn tag_lists_and_validation_answers_tell_only_what_the_caller_may_get() {
    let s = scene().await;
    let (app, u) = (&s.app, &s.u);
    let mut hidden = app.group_body("hidden-name");
    hidden["tags"] = json!([{"key": "secret", "value": "yes"}, {"key": "project", "value": "x"}]);
    app.create_group(hidden).await;
    let r = app
        .call_as(
            u.key(),
            "POST",
            "/v1/{p}/server-group/tags/batch-create",
            Some(json!({"items": [{"server_group_id": s.open, "tags": [{"key": "env", "value": "dev"}]}]})),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    let mine = app
        .call_as(u.key(), "GET", "/v1/{p}/server-group/tags", None)
        .await;
    assert_eq!(mine.status, 200, "{}", mine.text);
    assert_eq!(
        mine.body["tags"],
        json!([{"key": "env", "values": ["dev"]}]),
        "only the tags of groups the caller may get"
    );
    let all = app.get("/v1/{p}/server-group/tags").await;
    let keys: Vec<&str> = all.body["tags"]
        .as_array()
        .expect("tags")
        .iter()
        .filter_map(|t| t["key"].as_str())
        .collect();
    assert!(
        keys.contains(&"secret") && keys.contains(&"project"),
        "{}",
        all.text
    );
    // Validation: a hidden name is not reported as a duplicate to the attacker.
    let v = |name: &'static str| async move {
        app.call_as(
            u.key(),
            "POST",
            "/v1/{p}/app-server-groups/rules/validate",
            Some(json!({"name": name})),
        )
        .await
        .body
        .clone()
    };
    assert_eq!(v("hidden-name").await["result"], true);
    assert_eq!(v("deny-by-urn").await["result"], true);
    assert_eq!(v("open-sg").await["validate_rule"], "duplicate");
    let admin = app
        .post(
            "/v1/{p}/app-server-groups/rules/validate",
            json!({"name": "hidden-name"}),
        )
        .await;
    assert_eq!(admin.body["validate_rule"], "duplicate", "{}", admin.text);
}

/// A small deterministic generator (the seed is printed with any failure).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    /// Each unreserved character encoded with probability 1/2, in upper or lower hex.
    fn encode(&mut self, s: &str) -> String {
        s.chars()
            .map(|c| {
                if (c.is_ascii_alphanumeric() || "-._~".contains(c))
                    && self.next().is_multiple_of(2)
                {
                    if self.next().is_multiple_of(2) {
                        format!("%{:02X}", c as u32)
                    } else {
                        format!("%{:02x}", c as u32)
                    }
                } else {
                    c.to_string()
                }
            })
            .collect()
    }
}

/// For every route that takes a server or app group from its path or query, and random
/// encodings of every character of its path segments and query: the decision is the one of
/// the plain request, and the resource refused is the decoded id's.
#[tokio::test]
async fn random_encodings_change_neither_the_decision_nor_the_resource() {
    use openwks_server::route::{Res, Src};
    use openwks_server::routes::ROUTES;
    let s = scene().await;
    let (app, u) = (&s.app, &s.u);
    let ag = app
        .post(
            "/v1/{p}/app-groups",
            json!({"name": "prop-ag", "app_server_group_id": s.by_urn, "authorization_type": "APP_GROUP"}),
        )
        .await;
    let ag = ag.body["id"].as_str().expect("app group").to_string();
    let deny_ag = policy(
        app,
        "deny-ag",
        json!([{"Effect": "Deny", "Action": ["workspace:*:*"],
                "Resource": [format!("workspace:*:*:appGroup:{ag}")]}]),
    )
    .await;
    attach(app, &u.id, &deny_ag).await;
    let seed = 0x5eed_0014_u64;
    let mut rng = Lcg(seed);
    let mut checked = 0;
    for r in ROUTES {
        let (id, src) = match r.resource {
            Res::ServerGroup(src @ (Src::InPath(_) | Src::InQuery(_))) => (&s.by_urn, src),
            Res::AppGroup(src @ Src::InPath(_)) => (&ag, src),
            _ => continue,
        };
        let path = r
            .path
            .replace("{project_id}", PID)
            .replace("{server_group_id}", id)
            .replace("{app_group_id}", id)
            .replace("{app_id}", "app-1");
        let (path, query) = match src {
            Src::InQuery(k) => (path, format!("{k}={id}")),
            _ => (path, String::new()),
        };
        let method = r.method.as_str();
        let body = (method != "GET" && method != "DELETE").then(|| json!({}));
        let plain = app
            .call_as(u.key(), method, &format!("{path}?{query}"), body.clone())
            .await;
        assert!(denied(&plain), "{r:?}: {}", plain.text);
        let kind = if matches!(r.resource, Res::AppGroup(_)) {
            "appGroup"
        } else {
            "serverGroup"
        };
        let urn = format!("workspace:cn-north-4:{PID}:{kind}:{id}");
        assert!(plain.text.contains(&urn), "{r:?}: {}", plain.text);
        for _ in 0..6 {
            let enc_path: Vec<String> = path.split('/').map(|seg| rng.encode(seg)).collect();
            let enc_query = query
                .split_once('=')
                .map(|(k, v)| format!("{}={}", rng.encode(k), rng.encode(v)))
                .unwrap_or_default();
            let pq = format!("{}?{enc_query}", enc_path.join("/"));
            let r2 = app.call_as(u.key(), method, &pq, body.clone()).await;
            assert_eq!(
                (
                    r2.status,
                    r2.body["error_code"].clone(),
                    r2.body["error"]["code"].clone()
                ),
                (
                    plain.status,
                    plain.body["error_code"].clone(),
                    plain.body["error"]["code"].clone()
                ),
                "seed {seed:#x}: {method} {pq}: {}",
                r2.text
            );
            assert!(r2.text.contains(&urn), "seed {seed:#x}: {pq}: {}", r2.text);
            checked += 1;
        }
    }
    assert!(checked >= 100, "{checked} encoded requests");
}

/// Control characters (a line break, an escape, a bell, DEL, C1) in names, descriptions and
/// command lines are refused with 400 on every backend, and nothing is written.
#[tokio::test]
async fn control_characters_in_free_text_are_refused_and_nothing_is_written() {
    let app = TestApp::new().await;
    let sg = app.create_group(app.group_body("ctl-sg")).await;
    let ag = app
        .post(
            "/v1/{p}/app-groups",
            json!({"name": "ctl-ag", "app_server_group_id": sg}),
        )
        .await;
    assert_eq!(ag.status, 200, "{}", ag.text);
    let ag = ag.body["id"].as_str().expect("id").to_string();
    for bad in [
        "two\nlines",
        "esc\u{1b}[31m",
        "bell\u{7}",
        "del\u{7f}",
        "c1\u{85}",
    ] {
        let mut body = app.group_body("ctl-new");
        body["description"] = json!(bad);
        let r = app.post("/v1/{p}/app-server-groups", body).await;
        assert_eq!(r.status, 400, "{bad:?}: {}", r.text);
        assert!(r.msg().contains("control characters"), "{}", r.text);
        let r = app
            .patch(
                &format!("/v1/{{p}}/app-server-groups/{sg}"),
                json!({"description": bad}),
            )
            .await;
        assert_eq!(r.status, 400, "{bad:?}: {}", r.text);
        let r = app
            .patch(
                &format!("/v1/{{p}}/app-groups/{ag}"),
                json!({"description": bad}),
            )
            .await;
        assert_eq!(r.status, 400, "{bad:?}: {}", r.text);
        let app_item = json!({"name": "Notepad", "execute_path": "C:\\notepad.exe",
            "command_param": format!("/A {bad}"), "source_type": 1});
        let r = app
            .post(
                &format!("/v1/{{p}}/app-groups/{ag}/apps"),
                json!({"items": [app_item]}),
            )
            .await;
        assert_eq!(r.status, 400, "{bad:?}: {}", r.text);
        let app_item =
            json!({"name": format!("N{bad}"), "execute_path": "C:\\notepad.exe", "source_type": 1});
        let r = app
            .post(
                &format!("/v1/{{p}}/app-groups/{ag}/apps"),
                json!({"items": [app_item]}),
            )
            .await;
        assert_eq!(r.status, 400, "{bad:?}: {}", r.text);
    }
    let list = app.get("/v1/{p}/app-server-groups").await;
    assert_eq!(list.body["count"], 1, "{}", list.text);
    let shown = app.get(&format!("/v1/{{p}}/app-server-groups/{sg}")).await;
    assert!(
        !shown.text.contains("\\u001b") && !shown.text.contains("\\n"),
        "{}",
        shown.text
    );
    let apps = app.get(&format!("/v1/{{p}}/app-groups/{ag}/apps")).await;
    assert_eq!(apps.body["count"], 0, "{}", apps.text);
}

/// The launch's preconditions are checked in the launch's own write, not before it: the
/// store's launch itself refuses a user whose authorization was revoked, an app that was
/// disabled and an app group that was unbound, whatever a handler read earlier.
#[tokio::test]
async fn the_launch_write_checks_its_own_preconditions() {
    use openwks_core::session::LaunchSpec;
    let app = TestApp::new().await;
    let people = crate::sessions::users("write-", 3);
    let (sg, ag, app_id) =
        crate::sessions::setup(&app, "pre-sg", json!({"max_session": 10}), 1, &people).await;
    let store = app.state.store.clone();
    let args = |user: &str| openwks_store::LaunchArgs {
        project_id: PID.to_string(),
        spec: LaunchSpec::new(
            Some(user.to_string()),
            Some(ag.clone()),
            Some(app_id.clone()),
            None,
            None,
            false,
        )
        .expect("spec"),
        session_id: format!("s-{user}"),
        connection_id: format!("c-{user}"),
        now: app.state.timestamp(),
        catalogue: app.state.catalogue.clone(),
    };
    // Authorized: the write launches.
    assert!(store.launch(args(&people[0])).await.is_ok());
    // Revoked (acknowledged), then launched straight at the store: refused there.
    let r = app
        .post(
            "/v1/{p}/app-groups/actions/batch-delete-authorization",
            json!({"app_group_ids": [ag], "accounts": [{"account": people[1], "account_type": "USER"}]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let e = store.launch(args(&people[1])).await.expect_err("revoked");
    assert_eq!(e.code, Reason::LaunchNotAuthorized, "{}", e.message);
    // Disabled app: refused, the authorized user included.
    let r = app
        .post(
            &format!("/v1/{{p}}/app-groups/{ag}/apps/actions/disable"),
            json!({"ids": [app_id]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let e = store.launch(args(&people[2])).await.expect_err("disabled");
    assert_eq!(e.code, Reason::AppDisabled, "{}", e.message);
    let r = app
        .post(
            &format!("/v1/{{p}}/app-groups/{ag}/apps/actions/enable"),
            json!({"ids": [app_id]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    // Unbound: refused.
    let r = app
        .post(
            &format!("/v1/{{p}}/app-groups/actions/disassociate-app-group?server_group_id={sg}"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let e = store.launch(args(&people[2])).await.expect_err("unbound");
    assert_eq!(e.code, Reason::AppGroupUnbound, "{}", e.message);
}
