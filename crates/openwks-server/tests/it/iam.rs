//! IAM users, keys, groups and identity policies; the action matrix over every route; Deny
//! over Allow; each condition key; list filtering; the audit trail.

use std::collections::BTreeMap;
use std::sync::Arc;

use openwks_core::clock::VirtualClock;

use openwks_server::routes::ROUTES;
use serde_json::{json, Value};

use crate::harness::{assert_error, Resp, TestApp, PID};

pub(crate) struct Who {
    pub(crate) id: String,
    ak: String,
    sk: String,
}

impl Who {
    pub(crate) fn key(&self) -> (&str, &str) {
        (&self.ak, &self.sk)
    }
}

pub(crate) async fn user(app: &TestApp, name: &str) -> Who {
    let u = app
        .post(
            "/openwks/v1/iam/users",
            json!({"name": name, "password": "pass-word-1"}),
        )
        .await;
    assert_eq!(u.status, 201, "{}", u.text);
    let id = u.body["id"].as_str().expect("id").to_string();
    let k = app
        .post(
            &format!("/openwks/v1/iam/users/{id}/access-keys"),
            json!({}),
        )
        .await;
    assert_eq!(k.status, 201, "{}", k.text);
    Who {
        id,
        ak: k.body["access_key"].as_str().expect("ak").to_string(),
        sk: k.body["secret_key"].as_str().expect("sk").to_string(),
    }
}

pub(crate) async fn policy(app: &TestApp, name: &str, statements: Value) -> String {
    let p = app
        .post(
            "/openwks/v1/iam/policies",
            json!({"name": name, "document": {"Version": "5.0", "Statement": statements}}),
        )
        .await;
    assert_eq!(p.status, 201, "{}", p.text);
    p.body["id"].as_str().expect("id").to_string()
}

pub(crate) async fn attach(app: &TestApp, user: &str, policy: &str) {
    let r = app
        .put(
            &format!("/openwks/v1/iam/users/{user}/policies/{policy}"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
}

pub(crate) async fn detach(app: &TestApp, user: &str, policy: &str) {
    let r = app
        .delete(&format!("/openwks/v1/iam/users/{user}/policies/{policy}"))
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
}

pub(crate) fn denied(r: &Resp) -> bool {
    r.status == 403
        && (r.body["error_code"] == "WKS.00081104" || r.body["error"]["code"] == "WKS.00081104")
}

pub(crate) fn message(r: &Resp) -> String {
    r.body["error_msg"]
        .as_str()
        .or(r.body["error"]["message"].as_str())
        .unwrap_or("")
        .to_string()
}

fn concrete(path: &str) -> String {
    path.split('/')
        .map(|seg| {
            if seg == "{project_id}" {
                PID.to_string()
            } else if seg.starts_with('{') {
                "x0".to_string()
            } else {
                seg.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// For every action of the table: a user allowed exactly that action (and its dependencies)
/// gets past authorization on each of its routes; a user allowed everything but denied that
/// action gets 403 naming it.
#[tokio::test]
async fn every_route_obeys_its_action() {
    let app = TestApp::new().await;
    let yes = user(&app, "matrix-yes").await;
    let no = user(&app, "matrix-no").await;
    let mut by_action: BTreeMap<&str, Vec<&openwks_server::route::Route>> = BTreeMap::new();
    for r in ROUTES.iter().filter(|r| !r.public) {
        by_action.entry(r.action).or_default().push(r);
    }
    assert!(by_action.len() > 100, "{} actions", by_action.len());
    for (n, (action, rules)) in by_action.iter().enumerate() {
        let mut allow: Vec<&str> = vec![action];
        allow.extend(rules.iter().flat_map(|r| r.deps.iter().copied()));
        let p_yes = policy(
            &app,
            &format!("yes-{n}"),
            json!([{"Effect": "Allow", "Action": allow}]),
        )
        .await;
        let p_no = policy(
            &app,
            &format!("no-{n}"),
            json!([{"Effect": "Allow", "Action": "*"}, {"Effect": "Deny", "Action": [action]}]),
        )
        .await;
        attach(&app, &yes.id, &p_yes).await;
        attach(&app, &no.id, &p_no).await;
        for r in rules {
            let path = concrete(r.path);
            let method = r.method.as_str();
            let body = (method != "GET" && method != "DELETE").then(|| json!({}));
            let ok = app.call_as(yes.key(), method, &path, body.clone()).await;
            assert!(
                !denied(&ok),
                "{} {} with {action}: {}",
                method,
                r.path,
                ok.text
            );
            let refused = app.call_as(no.key(), method, &path, body).await;
            if r.open {
                // Needs no permission (temporary keys of the caller itself).
                assert!(!denied(&refused), "{} {}: {}", method, r.path, refused.text);
                continue;
            }
            assert!(
                denied(&refused),
                "{} {} without {action}: {}",
                method,
                r.path,
                refused.text
            );
            assert!(message(&refused).contains(action), "{}", refused.text);
        }
        detach(&app, &yes.id, &p_yes).await;
        detach(&app, &no.id, &p_no).await;
    }
    // A route of an operation openwks does not implement: only the administrator reaches 501.
    let r = app
        .call_as(yes.key(), "GET", "/v1/{p}/persistent-storages", None)
        .await;
    assert!(denied(&r), "{}", r.text);
}

#[tokio::test]
async fn dependencies_and_aliases() {
    let app = TestApp::new().await;
    let u = user(&app, "dep-user").await;
    let only = policy(
        &app,
        "create-only",
        json!([{"Effect": "Allow", "Action": ["workspace:serverGroup:create"]}]),
    )
    .await;
    attach(&app, &u.id, &only).await;
    let body = app.group_body("dep-sg");
    let r = app
        .call_as(
            u.key(),
            "POST",
            "/v1/{p}/app-server-groups",
            Some(body.clone()),
        )
        .await;
    assert!(denied(&r), "{}", r.text);
    assert!(
        message(&r).contains("ims:images:list (a dependency of workspace:serverGroup:create)"),
        "{}",
        r.text
    );
    let deps = policy(&app, "deps", json!([{"Effect": "Allow", "Action": ["ims:images:list", "vpc:ports:get", "vpc:subnets:get"]}])).await;
    attach(&app, &u.id, &deps).await;
    let r = app
        .call_as(u.key(), "POST", "/v1/{p}/app-server-groups", Some(body))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    // The ECS seed's alias: ecs:cloudServers:create grants createServerGroup.
    let alias = policy(
        &app,
        "ecs-create",
        json!([{"Effect": "Allow", "Action": "ecs:cloudServers:create"}]),
    )
    .await;
    attach(&app, &u.id, &alias).await;
    let r = app
        .call_as(
            u.key(),
            "POST",
            "/v1/{p}/cloudservers/os-server-groups",
            Some(json!({"server_group": {"name": "via-alias", "policies": ["anti-affinity"]}})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
}

#[tokio::test]
async fn deny_beats_allow_conditions_scope_and_lists_hide_the_rest() {
    let app = TestApp::new().await;
    let mut cad = app.group_body("cad-sg");
    cad["tags"] = json!([{"key": "team", "value": "cad"}]);
    cad["enterprise_project_id"] = json!("6d3f2a1b-0c4e-4b5a-9f87-1e2d3c4b5a61");
    let cad = app.create_group(cad).await;
    let mut ops = app.group_body("ops-sg");
    ops["tags"] = json!([{"key": "team", "value": "ops"}]);
    let ops = app.create_group(ops).await;
    let u = user(&app, "cad-viewer").await;
    let p = policy(
        &app,
        "cad-team",
        json!([
            {"Effect": "Allow", "Action": ["workspace:serverGroup:get", "workspace:serverGroup:update", "workspace:serverGroup:delete", "ims:images:list"],
             "Resource": ["workspace:*:*:serverGroup:*"], "Condition": {"StringEquals": {"g:ResourceTag/team": ["cad"]}}},
            {"Effect": "Allow", "Action": ["workspace:serverGroup:list", "ims:images:list"]},
            {"Effect": "Deny", "Action": ["workspace:serverGroup:delete"]}
        ]),
    )
    .await;
    attach(&app, &u.id, &p).await;
    let sg = |id: &str| format!("/v1/{{p}}/app-server-groups/{id}");
    // g:ResourceTag: cad allowed, ops refused.
    assert_eq!(
        app.call_as(u.key(), "GET", &sg(&cad), None).await.status,
        200
    );
    let r = app.call_as(u.key(), "GET", &sg(&ops), None).await;
    assert!(
        denied(&r) && message(&r).contains("workspace:serverGroup:get"),
        "{}",
        r.text
    );
    assert_eq!(
        app.call_as(
            u.key(),
            "PATCH",
            &sg(&cad),
            Some(json!({"description": "ok"}))
        )
        .await
        .status,
        200
    );
    // Deny beats the Allow of the first statement.
    let r = app.call_as(u.key(), "DELETE", &sg(&cad), None).await;
    assert!(denied(&r) && message(&r).contains("denies"), "{}", r.text);
    // Lists show only what the user may get, and count only that.
    let l = app
        .call_as(u.key(), "GET", "/v1/{p}/app-server-groups", None)
        .await;
    assert_eq!(l.status, 200, "{}", l.text);
    assert_eq!(l.body["count"], 1);
    assert_eq!(l.body["items"][0]["id"], cad.as_str());
    assert_eq!(app.get("/v1/{p}/app-server-groups").await.body["count"], 2);

    // g:EnterpriseProjectId: a second policy scoped to ep-1 (cad is in ep-1, ops in 0).
    let u2 = user(&app, "ep-viewer").await;
    let ep = policy(
        &app,
        "ep-1",
        json!([{"Effect": "Allow", "Action": "workspace:serverGroup:get",
        "Condition": {"StringEquals": {"g:EnterpriseProjectId": "6d3f2a1b-0c4e-4b5a-9f87-1e2d3c4b5a61"}}}]),
    )
    .await;
    attach(&app, &u2.id, &ep).await;
    assert_eq!(
        app.call_as(u2.key(), "GET", &sg(&cad), None).await.status,
        200
    );
    assert!(denied(&app.call_as(u2.key(), "GET", &sg(&ops), None).await));

    // g:RequestTag and g:TagKeys on create.
    let u3 = user(&app, "creator").await;
    let c = policy(&app, "create-cad", json!([
        {"Effect": "Allow", "Action": ["workspace:serverGroup:create"],
         "Condition": {"StringEquals": {"g:RequestTag/team": "cad"}, "ForAllValues:StringEquals": {"g:TagKeys": ["team"]}}},
        {"Effect": "Allow", "Action": ["ims:images:list", "vpc:ports:get", "vpc:subnets:get"]}
    ])).await;
    attach(&app, &u3.id, &c).await;
    let with_tags = |name: &str, tags: Value| {
        let mut b = app.group_body(name);
        b["tags"] = tags;
        b
    };
    let r = app
        .call_as(
            u3.key(),
            "POST",
            "/v1/{p}/app-server-groups",
            Some(with_tags(
                "made-cad",
                json!([{"key": "team", "value": "cad"}]),
            )),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = app
        .call_as(
            u3.key(),
            "POST",
            "/v1/{p}/app-server-groups",
            Some(with_tags(
                "made-ops",
                json!([{"key": "team", "value": "ops"}]),
            )),
        )
        .await;
    assert!(denied(&r), "{}", r.text);
    let r = app
        .call_as(
            u3.key(),
            "POST",
            "/v1/{p}/app-server-groups",
            Some(with_tags(
                "made-extra",
                json!([{"key": "team", "value": "cad"}, {"key": "owner", "value": "me"}]),
            )),
        )
        .await;
    assert!(
        denied(&r),
        "an extra tag key breaks ForAllValues: {}",
        r.text
    );
    let r = app
        .call_as(
            u3.key(),
            "POST",
            "/v1/{p}/app-server-groups",
            Some(app.group_body("made-none")),
        )
        .await;
    assert!(denied(&r), "no tag: {}", r.text);

    // The audit trail: denied requests and writes, filterable.
    let a = app
        .get("/openwks/v1/audit-events?user=creator&result=denied&limit=100")
        .await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(a.body["count"], 3, "{}", a.text);
    assert!(a.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .all(|e| e["action"] == "workspace:serverGroup:create"));
    let w = app
        .get("/openwks/v1/audit-events?user=creator&result=allowed")
        .await;
    assert_eq!(w.body["count"], 1);
    assert_eq!(w.body["items"][0]["status"], 200);
    let d = app
        .get(&format!(
            "/openwks/v1/audit-events?action=workspace:serverGroup:delete&resource={cad}"
        ))
        .await;
    assert_eq!(d.body["count"], 1, "{}", d.text);
    assert_eq!(d.body["items"][0]["user_name"], "cad-viewer");
    // Administrator writes are audited too.
    let admin = app
        .get("/openwks/v1/audit-events?user=admin&action=iam:users:create")
        .await;
    assert_eq!(admin.body["count"], 3, "{}", admin.text);
    assert!(denied(
        &app.call_as(u.key(), "GET", "/openwks/v1/audit-events", None)
            .await
    ));
}

#[tokio::test]
async fn users_keys_groups_and_policy_administration() {
    let app = TestApp::new().await;
    let u = user(&app, "alice").await;
    assert_error(
        &app.post("/openwks/v1/iam/users", json!({"name": "alice"}))
            .await,
        409,
        "WKS.00211103",
    );
    assert_error(
        &app.post("/openwks/v1/iam/users", json!({"name": "bad name"}))
            .await,
        400,
        "WKS.00211105",
    );
    assert_error(
        &app.post(
            "/openwks/v1/iam/users",
            json!({"name": "shorty", "password": "short"}),
        )
        .await,
        400,
        "WKS.00211102",
    );
    let list = app.get("/openwks/v1/iam/users").await;
    assert_eq!(list.body["count"], 2, "admin and alice: {}", list.text);
    // No policy: authenticated, but nothing is allowed.
    let r = app
        .call_as(u.key(), "GET", "/v1/{p}/app-server-groups", None)
        .await;
    assert!(
        denied(&r) && message(&r).contains("workspace:serverGroup:list"),
        "{}",
        r.text
    );
    // Keys: listed without secrets; an inactive key and a disabled user cannot authenticate.
    let keys = app
        .get(&format!("/openwks/v1/iam/users/{}/access-keys", u.id))
        .await;
    assert_eq!(keys.body["count"], 1);
    assert!(keys.body["access_keys"][0].get("secret_key").is_none());
    let k = format!("/openwks/v1/iam/users/{}/access-keys/{}", u.id, u.ak);
    assert_eq!(
        app.patch(&k, json!({"status": "inactive"})).await.status,
        200
    );
    assert_eq!(
        app.call_as(u.key(), "GET", "/v1/{p}/app-server-groups", None)
            .await
            .status,
        401
    );
    assert_error(
        &app.patch(&k, json!({"status": "paused"})).await,
        400,
        "WKS.00211106",
    );
    assert_eq!(app.patch(&k, json!({"status": "active"})).await.status, 200);
    let me = format!("/openwks/v1/iam/users/{}", u.id);
    assert_eq!(
        app.patch(&me, json!({"enabled": false})).await.body["enabled"],
        false
    );
    assert_eq!(
        app.call_as(u.key(), "GET", "/v1/{p}/app-server-groups", None)
            .await
            .status,
        401
    );
    assert_eq!(app.patch(&me, json!({"enabled": true})).await.status, 200);
    assert_error(
        &app.patch("/openwks/v1/iam/users/user1", json!({"enabled": false}))
            .await,
        409,
        "WKS.00211103",
    );
    // Policies: grammar errors named; attach through a group; delete refused while attached.
    let bad = app
        .post("/openwks/v1/iam/policies", json!({"name": "bad", "document": {"Version": "5.0", "Statement": [{"Effect": "Allow", "Action": "*", "Condition": {"StringSoundsLike": {"a": "b"}}}]}}))
        .await;
    assert_error(&bad, 400, "WKS.00081103");
    assert!(bad.msg().contains("StringSoundsLike"));
    let p = policy(
        &app,
        "reader",
        json!([{"Effect": "Allow", "Action": "workspace:serverGroup:list"}]),
    )
    .await;
    let g = app
        .post("/openwks/v1/iam/groups", json!({"name": "readers"}))
        .await;
    assert_eq!(g.status, 201, "{}", g.text);
    let gid = g.body["id"].as_str().expect("id").to_string();
    let put = app
        .put(
            &format!("/openwks/v1/iam/groups/{gid}/users/{}", u.id),
            json!({}),
        )
        .await;
    assert_eq!(put.body["members"], json!([u.id]));
    assert_eq!(
        app.put(
            &format!("/openwks/v1/iam/groups/{gid}/policies/{p}"),
            json!({})
        )
        .await
        .status,
        204
    );
    assert_eq!(
        app.call_as(u.key(), "GET", "/v1/{p}/app-server-groups", None)
            .await
            .status,
        200
    );
    assert_error(
        &app.delete(&format!("/openwks/v1/iam/policies/{p}")).await,
        409,
        "WKS.00211123",
    );
    // Leaving the group takes the permission away at once.
    assert_eq!(
        app.delete(&format!("/openwks/v1/iam/groups/{gid}/users/{}", u.id))
            .await
            .status,
        200
    );
    assert!(denied(
        &app.call_as(u.key(), "GET", "/v1/{p}/app-server-groups", None)
            .await
    ));
    assert_eq!(
        app.delete(&format!("/openwks/v1/iam/groups/{gid}/policies/{p}"))
            .await
            .status,
        204
    );
    assert_eq!(
        app.delete(&format!("/openwks/v1/iam/policies/{p}"))
            .await
            .status,
        204
    );
    assert_error(
        &app.delete(&format!("/openwks/v1/iam/policies/{p}")).await,
        404,
        "WKS.00211902",
    );
    // Deleting the user revokes its keys.
    assert_eq!(app.delete(&me).await.status, 204);
    assert_eq!(
        app.call_as(u.key(), "GET", "/v1/{p}/app-server-groups", None)
            .await
            .status,
        401
    );
    assert_error(
        &app.delete("/openwks/v1/iam/users/user1").await,
        409,
        "WKS.00211103",
    );
}

async fn get_with(app: &TestApp, token: &str, path: &str) -> Resp {
    let p = app.path(path);
    app.send_raw(
        "GET",
        &p,
        vec![],
        vec![("x-auth-token".into(), token.to_string())],
    )
    .await
}

/// An IAM user's password gets a token; the token carries the user's rights, no more; a
/// disabled user gets none.
#[tokio::test]
async fn iam_users_get_tokens_with_their_own_rights() {
    let app = TestApp::new().await;
    let u = user(&app, "token-user").await;
    let p = policy(
        &app,
        "lister",
        json!([{"Effect": "Allow", "Action": "workspace:serverGroup:list"}]),
    )
    .await;
    attach(&app, &u.id, &p).await;
    let body = |password: &str| {
        serde_json::to_vec(&json!({"auth": {
            "identity": {"methods": ["password"], "password": {"user": {"name": "token-user", "password": password, "domain": {"name": "acme"}}}},
            "scope": {"project": {"id": PID}}}}))
        .expect("json")
    };
    let r = app
        .send_raw("POST", "/v3/auth/tokens", body("pass-word-1"), vec![])
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let token = r.subject_token();
    assert_eq!(
        get_with(&app, &token, "/v1/{p}/app-server-groups")
            .await
            .status,
        200
    );
    assert!(denied(&get_with(&app, &token, "/v1/{p}/app-groups").await));
    assert_eq!(
        app.send_raw("POST", "/v3/auth/tokens", body("wrong-password"), vec![])
            .await
            .status,
        401
    );
    let r = app
        .patch(
            &format!("/openwks/v1/iam/users/{}", u.id),
            json!({"enabled": false}),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        app.send_raw("POST", "/v3/auth/tokens", body("pass-word-1"), vec![])
            .await
            .status,
        401
    );
    assert_eq!(
        get_with(&app, &token, "/v1/{p}/app-server-groups")
            .await
            .status,
        401
    );
}

/// The vendor's IAM v5 shapes over the same directory.
#[tokio::test]
async fn iam_v5_users_keys_policies_and_groups() {
    let app = TestApp::new().await;
    let u = app
        .post("/v5/users", json!({"name": "v5-user", "enabled": true}))
        .await;
    assert_eq!(u.status, 201, "{}", u.text);
    let uid = u.body["user"]["user_id"].as_str().expect("id").to_string();
    assert_eq!(u.body["user"]["is_root_user"], false);
    assert!(u.body["user"]["urn"]
        .as_str()
        .is_some_and(|s| s.ends_with(":user:v5-user")));
    assert_error(
        &app.post("/v5/users", json!({"name": "no-enabled"})).await,
        400,
        "WKS.00211104",
    );
    let k = app
        .post(&format!("/v5/users/{uid}/access-keys"), json!({}))
        .await;
    assert_eq!(k.status, 201, "{}", k.text);
    let key = (
        k.body["access_key"]["access_key_id"]
            .as_str()
            .expect("ak")
            .to_string(),
        k.body["access_key"]["secret_access_key"]
            .as_str()
            .expect("sk")
            .to_string(),
    );
    let doc = json!({"Version": "5.0", "Statement": [{"Effect": "Allow", "Action": ["workspace:appGroup:list"]}]});
    let p = app
        .post(
            "/v5/policies",
            json!({"policy_name": "v5-lister", "policy_document": doc.to_string()}),
        )
        .await;
    assert_eq!(p.status, 201, "{}", p.text);
    let pid = p.body["policy"]["policy_id"]
        .as_str()
        .expect("id")
        .to_string();
    assert_eq!(p.body["policy"]["policy_type"], "custom");
    assert_error(
        &app.post(
            "/v5/policies",
            json!({"policy_name": "bad", "policy_document": "{\"Version\": \"1\"}"}),
        )
        .await,
        400,
        "WKS.00081103",
    );
    let as_user = |path: &'static str| app.call_as((&key.0, &key.1), "GET", path, None);
    assert!(denied(&as_user("/v1/{p}/app-groups").await));
    // Through a group.
    let g = app
        .post("/v5/groups", json!({"group_name": "v5-group"}))
        .await;
    assert_eq!(g.status, 201, "{}", g.text);
    let gid = g.body["group"]["group_id"]
        .as_str()
        .expect("id")
        .to_string();
    assert_eq!(
        app.post(
            &format!("/v5/groups/{gid}/add-user"),
            json!({"user_id": uid})
        )
        .await
        .status,
        204
    );
    assert_eq!(
        app.post(
            &format!("/v5/policies/{pid}/attach-group"),
            json!({"group_id": gid})
        )
        .await
        .status,
        204
    );
    assert_eq!(as_user("/v1/{p}/app-groups").await.status, 200);
    assert_eq!(
        app.get(&format!("/v5/policies/{pid}")).await.body["policy"]["attachment_count"],
        1
    );
    assert_eq!(
        app.post(
            &format!("/v5/groups/{gid}/remove-user"),
            json!({"user_id": uid})
        )
        .await
        .status,
        204
    );
    assert!(denied(&as_user("/v1/{p}/app-groups").await));
    // Directly.
    assert_eq!(
        app.post(
            &format!("/v5/policies/{pid}/attach-user"),
            json!({"user_id": uid})
        )
        .await
        .status,
        204
    );
    assert_eq!(as_user("/v1/{p}/app-groups").await.status, 200);
    assert_eq!(
        app.get(&format!("/v5/policies/{pid}")).await.body["policy"]["attachment_count"],
        2
    );
    let keys = app.get(&format!("/v5/users/{uid}/access-keys")).await;
    assert_eq!(keys.body["access_keys"][0]["status"], "active");
    assert!(keys.body["access_keys"][0]
        .get("secret_access_key")
        .is_none());
    let kpath = format!("/v5/users/{uid}/access-keys/{}", key.0);
    assert_eq!(
        app.put(&kpath, json!({"status": "inactive"})).await.status,
        200
    );
    assert_eq!(as_user("/v1/{p}/app-groups").await.status, 401);
    assert_eq!(
        app.put(&kpath, json!({"status": "active"})).await.status,
        200
    );
    assert_eq!(
        app.put(&format!("/v5/users/{uid}"), json!({"enabled": false}))
            .await
            .body["user"]["enabled"],
        false
    );
    assert_eq!(as_user("/v1/{p}/app-groups").await.status, 401);
    let list = app.get("/v5/users").await;
    assert_eq!(list.body["page_info"]["current_count"], 2, "{}", list.text);
    assert_eq!(
        app.get("/v5/policies").await.body["policies"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    assert_error(
        &app.delete(&format!("/v5/policies/{pid}")).await,
        409,
        "WKS.00211123",
    );
    assert_eq!(
        app.post(
            &format!("/v5/policies/{pid}/detach-user"),
            json!({"user_id": uid})
        )
        .await
        .status,
        204
    );
    assert_eq!(
        app.post(
            &format!("/v5/policies/{pid}/detach-group"),
            json!({"group_id": gid})
        )
        .await
        .status,
        204
    );
    assert_eq!(app.delete(&format!("/v5/policies/{pid}")).await.status, 204);
    assert_eq!(app.delete(&kpath).await.status, 204);
    assert_eq!(app.delete(&format!("/v5/users/{uid}")).await.status, 204);
    assert_error(
        &app.get(&format!("/v5/users/{uid}")).await,
        404,
        "WKS.00211902",
    );
}

/// A GET signed with temporary keys and their security token (a signed header).
async fn temp_get(app: &TestApp, key: (&str, &str), path: &str, security_token: &str) -> Resp {
    temp_call(app, key, "GET", path, security_token, b"").await
}

/// A call signed with temporary keys and their security token (a signed header).
async fn temp_call(
    app: &TestApp,
    (ak, sk): (&str, &str),
    method: &str,
    path: &str,
    security_token: &str,
    body: &[u8],
) -> Resp {
    let pq = app.path(path);
    let date = app.sdk_date();
    let hs = openwks_api::signer::sign_request(
        openwks_api::signer::KeyPair {
            access_key: ak,
            secret_key: sk,
        },
        &date,
        openwks_api::signer::ClientRequest {
            method,
            raw_path: &pq,
            raw_query: "",
            headers: &[
                ("Content-Type", "application/json"),
                ("Host", &app.host),
                ("X-Security-Token", security_token),
            ],
            body,
        },
    );
    app.send_raw(method, &pq, body.to_vec(), hs).await
}

/// Temporary keys: a password-only user gets a token, trades it for a temporary AK/SK and
/// security token, and signs with them (the token in a signed `X-Security-Token`, as the SDK
/// sends it); the keys carry the user's rights, and stop with a wrong token or a disabled user.
#[tokio::test]
async fn temporary_keys_carry_the_users_rights() {
    let app = TestApp::new().await;
    let u = app
        .post(
            "/openwks/v1/iam/users",
            json!({"name": "temp-user", "password": "pass-word-1"}),
        )
        .await;
    assert_eq!(u.status, 201, "{}", u.text);
    let uid = u.body["id"].as_str().expect("id").to_string();
    let p = policy(
        &app,
        "temp-lister",
        json!([{"Effect": "Allow", "Action": "workspace:serverGroup:list"}]),
    )
    .await;
    attach(&app, &uid, &p).await;
    let login = serde_json::to_vec(&json!({"auth": {
        "identity": {"methods": ["password"], "password": {"user": {"name": "temp-user", "password": "pass-word-1", "domain": {"name": "acme"}}}},
        "scope": {"project": {"id": PID}}}}))
    .expect("json");
    let r = app.send_raw("POST", "/v3/auth/tokens", login, vec![]).await;
    assert_eq!(
        r.status, 201,
        "a user without keys gets a token: {}",
        r.text
    );
    let token = r.subject_token();
    let sts = |body: Value| {
        app.send_raw(
            "POST",
            "/v3.0/OS-CREDENTIAL/securitytokens",
            serde_json::to_vec(&body).expect("json"),
            vec![
                ("x-auth-token".into(), token.clone()),
                ("content-type".into(), "application/json".into()),
            ],
        )
    };
    let bad = sts(
        json!({"auth": {"identity": {"methods": ["token"], "token": {"duration_seconds": 60}}}}),
    )
    .await;
    assert_error(&bad, 400, "WKS.00211107");
    let c = sts(json!({"auth": {"identity": {"methods": ["token"], "token": {"duration_seconds": "3600"}}}})).await;
    assert_eq!(c.status, 201, "{}", c.text);
    let cred = &c.body["credential"];
    let (ak, sk, st) = (
        cred["access"].as_str().expect("ak").to_string(),
        cred["secret"].as_str().expect("sk").to_string(),
        cred["securitytoken"].as_str().expect("token").to_string(),
    );
    assert!(cred["expires_at"]
        .as_str()
        .is_some_and(|e| e.ends_with('Z')));
    assert_eq!(
        temp_get(&app, (&ak, &sk), "/v1/{p}/app-server-groups", &st)
            .await
            .status,
        200
    );
    assert!(denied(
        &temp_get(&app, (&ak, &sk), "/v1/{p}/app-groups", &st).await
    ));
    // Temporary keys cannot mint the next temporary keys (they would never expire).
    let again = temp_call(
        &app,
        (&ak, &sk),
        "POST",
        "/v3.0/OS-CREDENTIAL/securitytokens",
        &st,
        br#"{"auth": {"identity": {"methods": ["token"], "token": {"duration_seconds": 900}}}}"#,
    )
    .await;
    assert_error(&again, 403, "WKS.00081102");
    assert!(again.msg().contains("temporary"), "{}", again.text);
    let forged = format!("{}x", st);
    assert_eq!(
        temp_get(&app, (&ak, &sk), "/v1/{p}/app-server-groups", &forged)
            .await
            .status,
        401
    );
    let r = app
        .patch(
            &format!("/openwks/v1/iam/users/{uid}"),
            json!({"enabled": false}),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        temp_get(&app, (&ak, &sk), "/v1/{p}/app-server-groups", &st)
            .await
            .status,
        401
    );
}

fn password_login(name: &str, password: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({"auth": {
        "identity": {"methods": ["password"], "password": {"user": {"name": name, "password": password, "domain": {"name": "acme"}}}},
        "scope": {"project": {"id": PID}}}}))
    .expect("json")
}

/// Passwords are stored as Argon2id; a token issued before a password change stops working,
/// one issued after works.
#[tokio::test]
async fn a_password_change_ends_the_tokens_issued_before_it() {
    let app = TestApp::new().await;
    let u = user(&app, "rotating").await;
    let p = policy(&app, "all", json!([{"Effect": "Allow", "Action": ["*"]}])).await;
    attach(&app, &u.id, &p).await;
    let r = app
        .send_raw(
            "POST",
            "/v3/auth/tokens",
            password_login("rotating", "pass-word-1"),
            vec![],
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let old = r.subject_token();
    assert_eq!(
        get_with(&app, &old, "/v1/{p}/app-server-groups")
            .await
            .status,
        200
    );
    let stored = app
        .state
        .store
        .user(u.id.clone())
        .await
        .expect("store")
        .expect("user");
    assert!(
        stored.password_hash.starts_with("$argon2id$"),
        "{}",
        stored.password_hash
    );
    let r = app
        .patch(
            &format!("/openwks/v1/iam/users/{}", u.id),
            json!({"password": "pass-word-2"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = get_with(&app, &old, "/v1/{p}/app-server-groups").await;
    assert_eq!(r.status, 401, "{}", r.text);
    assert!(r.msg().contains("password has changed"), "{}", r.text);
    let r = app
        .send_raw(
            "POST",
            "/v3/auth/tokens",
            password_login("rotating", "pass-word-1"),
            vec![],
        )
        .await;
    assert_eq!(r.status, 401, "the old password: {}", r.text);
    let r = app
        .send_raw(
            "POST",
            "/v3/auth/tokens",
            password_login("rotating", "pass-word-2"),
            vec![],
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let new = r.subject_token();
    assert_eq!(
        get_with(&app, &new, "/v1/{p}/app-server-groups")
            .await
            .status,
        200
    );
    // Re-enabling or other changes that keep the password keep the token.
    let r = app
        .patch(
            &format!("/openwks/v1/iam/users/{}", u.id),
            json!({"enabled": true}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        get_with(&app, &new, "/v1/{p}/app-server-groups")
            .await
            .status,
        200
    );
}

/// Five wrong passwords within 15 minutes lock the user name for 15 minutes (429 with
/// Retry-After; the right password is refused too); an unknown name is counted the same way;
/// the lock ends with the time, on the one clock.
#[tokio::test]
async fn failed_passwords_lock_the_name_for_a_while() {
    let clock = Arc::new(VirtualClock::at(chrono::Utc::now().timestamp_millis()));
    let app = TestApp::with(
        Arc::new(tempfile::tempdir().expect("tempdir")),
        openwks_server::Settings {
            clock: clock.clone(),
            ..TestApp::settings()
        },
    )
    .await;
    user(&app, "guessed").await;
    for name in ["guessed", "nobody-at-all"] {
        for i in 0..5 {
            let r = app
                .send_raw(
                    "POST",
                    "/v3/auth/tokens",
                    password_login(name, &format!("guess-{i}-x")),
                    vec![],
                )
                .await;
            assert_eq!(r.status, 401, "{name} try {i}: {}", r.text);
        }
        let r = app
            .send_raw(
                "POST",
                "/v3/auth/tokens",
                password_login(name, "pass-word-1"),
                vec![],
            )
            .await;
        assert_error(&r, 429, "APIGW.0308");
        assert_eq!(
            r.headers.get("retry-after").and_then(|v| v.to_str().ok()),
            Some("900"),
            "{}",
            r.text
        );
    }
    // Another user is not affected.
    user(&app, "bystander").await;
    let r = app
        .send_raw(
            "POST",
            "/v3/auth/tokens",
            password_login("bystander", "pass-word-1"),
            vec![],
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    clock.advance(15 * 60 * 1000);
    let r = app
        .send_raw(
            "POST",
            "/v3/auth/tokens",
            password_login("guessed", "pass-word-1"),
            vec![],
        )
        .await;
    assert_eq!(r.status, 201, "after the lock: {}", r.text);
}

/// A salted SHA-256 hash left by an earlier version still signs the user in, and is replaced
/// by Argon2id on that sign-in.
#[tokio::test]
async fn a_legacy_password_hash_is_upgraded_on_sign_in() {
    use sha2::Digest;
    let app = TestApp::new().await;
    let u = user(&app, "legacy").await;
    let salt = "00112233445566778899aabbccddeeff";
    let mut h = sha2::Sha256::new();
    h.update(salt.as_bytes());
    h.update(b"old-pass-word");
    let legacy = format!("sha256${salt}${}", hex::encode(h.finalize()));
    let stored = app
        .state
        .store
        .user(u.id.clone())
        .await
        .expect("store")
        .expect("user");
    app.state
        .store
        .update_iam_user(stored.account_id, u.id.clone(), None, Some(legacy.clone()))
        .await
        .expect("legacy hash");
    let r = app
        .send_raw(
            "POST",
            "/v3/auth/tokens",
            password_login("legacy", "old-pass-word"),
            vec![],
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let token = r.subject_token();
    let now = app
        .state
        .store
        .user(u.id)
        .await
        .expect("store")
        .expect("user");
    assert!(
        now.password_hash.starts_with("$argon2id$"),
        "{}",
        now.password_hash
    );
    assert_eq!(
        get_with(&app, &token, "/v1/{p}/app-server-groups")
            .await
            .status,
        403
    );
    let r = app
        .send_raw(
            "POST",
            "/v3/auth/tokens",
            password_login("legacy", "old-pass-word"),
            vec![],
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
}

/// `POST /openwks/v1/iam/users/{id}/access-keys` with a key pair the administrator brings (an
/// init file's): kept as given and signing at once; a malformed pair, half a pair or a key
/// that exists is refused.
#[tokio::test]
async fn an_administrator_brings_a_known_key_pair() {
    let app = TestApp::new().await;
    let who = user(&app, "known-key").await;
    let path = format!("/openwks/v1/iam/users/{}/access-keys", who.id);
    let (ak, sk) = (
        "KNOWNKEY000000000001",
        "KnownSecret00000000000000000000000000001",
    );
    let r = app
        .post(&path, json!({"access_key": ak, "secret_key": sk}))
        .await;
    assert_eq!(
        (r.status, &r.body["access_key"]),
        (201, &json!(ak)),
        "{}",
        r.text
    );
    let signed = app
        .call_as((ak, sk), "GET", "/openwks/v1/iam/users", None)
        .await;
    assert_eq!(
        signed.status, 403,
        "signs (and has no policy): {}",
        signed.text
    );
    for (body, code) in [
        (
            json!({"access_key": "lower0000000000000001", "secret_key": sk}),
            400,
        ),
        (json!({"access_key": "SHORT", "secret_key": sk}), 400),
        (
            json!({"access_key": "KNOWNKEY000000000002", "secret_key": "short"}),
            400,
        ),
        (json!({"access_key": "KNOWNKEY000000000002"}), 400),
        (json!({"secret_key": sk}), 400),
        (json!({"access_key": ak, "secret_key": sk}), 409),
        (
            json!({"access_key": "KNOWNKEY000000000002", "secret_key": sk, "x": 1}),
            400,
        ),
    ] {
        let r = app.post(&path, body.clone()).await;
        assert_eq!(r.status, code, "{body}: {}", r.text);
    }
}
