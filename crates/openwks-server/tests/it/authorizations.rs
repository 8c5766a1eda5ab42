//! Authorizations, mails, the user directory and the access check.

use serde_json::json;

use crate::harness::{assert_error, TestApp};

async fn ag(app: &TestApp, name: &str) -> String {
    let r = app.post("/v1/{p}/app-groups", json!({"name": name})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["id"].as_str().expect("id").to_string()
}

fn user(name: &str) -> serde_json::Value {
    json!({"account": name, "account_type": "USER", "email": format!("{name}@example.com")})
}

#[tokio::test]
async fn authorizing_is_idempotent_listed_and_removable() {
    let app = TestApp::new().await;
    let a = ag(&app, "ag-a").await;
    let b = ag(&app, "ag-b").await;
    let body = json!({"app_group_ids": [a, b], "accounts": [user("alice"), {"account": "bob", "account_type": "USER"}]});
    assert_eq!(
        app.post("/v1/{p}/app-groups/authorizations", body.clone())
            .await
            .status,
        200
    );
    assert_eq!(
        app.post("/v1/{p}/app-groups/authorizations", body)
            .await
            .status,
        200,
        "twice is fine"
    );
    let l = app
        .get("/v1/{p}/app-groups/actions/list-authorizations")
        .await;
    assert_eq!(l.status, 200, "{}", l.text);
    assert_eq!(
        l.body["count"], 4,
        "authorizing twice is one authorization: {}",
        l.text
    );
    let first = &l.body["authorizations"][0];
    for f in [
        "id",
        "account_id",
        "account",
        "app_id",
        "app_name",
        "app_group_id",
        "app_group_name",
        "authorization_type",
        "account_type",
        "platform_type",
        "domain",
        "create_at",
    ] {
        assert!(first.get(f).is_some(), "Authorization lacks {f}");
    }
    assert_eq!(first["platform_type"], "LOCAL");
    let only_a = app
        .get(&format!(
            "/v1/{{p}}/app-groups/actions/list-authorizations?app_group_id={a}&account=alice"
        ))
        .await;
    assert_eq!(only_a.body["count"], 1);
    assert_eq!(only_a.body["authorizations"][0]["app_group_name"], "ag-a");
    let del = json!({"app_group_ids": [a], "accounts": [user("alice"), user("nobody")]});
    assert_eq!(
        app.post(
            "/v1/{p}/app-groups/actions/batch-delete-authorization",
            del.clone()
        )
        .await
        .status,
        200
    );
    assert_eq!(
        app.post("/v1/{p}/app-groups/actions/batch-delete-authorization", del)
            .await
            .status,
        200,
        "repeat succeeds"
    );
    assert_eq!(
        app.get("/v1/{p}/app-groups/actions/list-authorizations")
            .await
            .body["count"],
        3
    );
    // Deleting an app group removes its authorizations.
    assert_eq!(
        app.delete(&format!("/v1/{{p}}/app-groups/{b}"))
            .await
            .status,
        200
    );
    assert_eq!(
        app.get("/v1/{p}/app-groups/actions/list-authorizations")
            .await
            .body["count"],
        1
    );
}

#[tokio::test]
async fn authorization_rules_are_all_or_nothing() {
    let app = TestApp::new().await;
    let a = ag(&app, "ag-a").await;
    for (body, status, code) in [
        (json!({"accounts": [user("x")]}), 400, "WKS.00211104"),
        (json!({"app_group_ids": [a]}), 400, "WKS.00211104"),
        (
            json!({"app_group_ids": [], "accounts": [user("x")]}),
            400,
            "WKS.00211107",
        ),
        (
            json!({"app_group_ids": [a], "accounts": [{"account": "x", "account_type": "ROLE"}]}),
            400,
            "WKS.00211106",
        ),
        (
            json!({"app_group_ids": [a], "accounts": [{"account": "x", "account_type": "USER", "platform_type": "LDAP"}]}),
            400,
            "WKS.00211106",
        ),
        (
            json!({"app_group_ids": [a], "accounts": [{"account_type": "USER"}]}),
            400,
            "WKS.00211104",
        ),
        (
            json!({"app_group_ids": [a], "accounts": [{"account": "ghost-group", "account_type": "USER_GROUP"}]}),
            400,
            "WKS.00211102",
        ),
        (
            json!({"app_group_ids": [a, "404404"], "accounts": [user("x")]}),
            404,
            "WKS.00211902",
        ),
    ] {
        assert_error(
            &app.post("/v1/{p}/app-groups/authorizations", body).await,
            status,
            code,
        );
    }
    assert_eq!(
        app.get("/v1/{p}/app-groups/actions/list-authorizations")
            .await
            .body["count"],
        0,
        "nothing was written"
    );
    assert_error(
        &app.get("/v1/{p}/app-groups/actions/list-authorizations?account_type=X")
            .await,
        400,
        "WKS.00211106",
    );
}

#[tokio::test]
async fn user_groups_and_the_access_check() {
    let app = TestApp::new().await;
    let a = ag(&app, "cad-apps").await;
    let g = app
        .post(
            "/openwks/v1/{p}/user-groups",
            json!({"name": "cad-team", "members": ["bob"]}),
        )
        .await;
    assert_eq!(g.status, 201, "{}", g.text);
    let gid = g.body["id"].as_str().expect("id").to_string();
    assert_eq!(g.body["members"], json!(["bob"]));
    assert_error(
        &app.post("/openwks/v1/{p}/user-groups", json!({"name": "cad-team"}))
            .await,
        409,
        "WKS.00211103",
    );
    assert_error(
        &app.post("/openwks/v1/{p}/user-groups", json!({"name": "bad name"}))
            .await,
        400,
        "WKS.00211105",
    );
    let check = |u: &str| format!("/openwks/v1/{{p}}/app-groups/{a}/access-check?user_name={u}");
    assert_eq!(app.get(&check("alice")).await.body["authorized"], false);
    let auth = json!({"app_group_ids": [a], "accounts": [user("alice"), {"account": "cad-team", "account_type": "USER_GROUP"}]});
    assert_eq!(
        app.post("/v1/{p}/app-groups/authorizations", auth)
            .await
            .status,
        200
    );
    assert_eq!(
        app.get(&check("alice")).await.body["authorized"],
        true,
        "direct"
    );
    assert_eq!(
        app.get(&check("bob")).await.body["authorized"],
        true,
        "through cad-team"
    );
    assert_eq!(app.get(&check("carol")).await.body["authorized"], false);
    let m = app
        .post(
            &format!("/openwks/v1/{{p}}/user-groups/{gid}/members"),
            json!({"users": ["carol", "carol", "dave"]}),
        )
        .await;
    assert_eq!(
        m.body["members"],
        json!(["bob", "carol", "dave"]),
        "{}",
        m.text
    );
    assert_eq!(app.get(&check("carol")).await.body["authorized"], true);
    let m = app
        .call(
            "DELETE",
            &format!("/openwks/v1/{{p}}/user-groups/{gid}/members"),
            Some(json!({"users": ["bob", "zed"]})),
        )
        .await;
    assert_eq!(m.body["members"], json!(["carol", "dave"]));
    assert_eq!(app.get(&check("bob")).await.body["authorized"], false);
    assert_eq!(
        app.get("/openwks/v1/{p}/user-groups").await.body["count"],
        1
    );
    // Deleting the group removes its authorization.
    assert_eq!(
        app.delete(&format!("/openwks/v1/{{p}}/user-groups/{gid}"))
            .await
            .status,
        204
    );
    assert_eq!(app.get(&check("carol")).await.body["authorized"], false);
    assert_eq!(
        app.get("/v1/{p}/app-groups/actions/list-authorizations")
            .await
            .body["count"],
        1
    );
    assert_error(
        &app.delete(&format!("/openwks/v1/{{p}}/user-groups/{gid}"))
            .await,
        404,
        "WKS.00211902",
    );
    assert_error(
        &app.get("/openwks/v1/{p}/app-groups/404404/access-check?user_name=x")
            .await,
        404,
        "WKS.00211902",
    );
    assert_error(
        &app.get(&format!("/openwks/v1/{{p}}/app-groups/{a}/access-check"))
            .await,
        400,
        "WKS.00211104",
    );
    assert_error(
        &app.get("/openwks/v1/ffffffffffffffffffffffffffffffff/user-groups")
            .await,
        403,
        "WKS.00081102",
    );
}

#[tokio::test]
async fn mails_are_recorded_listed_and_resent() {
    let app = TestApp::new().await;
    let a = ag(&app, "mail-apps").await;
    let auth = json!({"app_group_ids": [a], "accounts": [user("alice"), {"account": "noaddr", "account_type": "USER"}]});
    assert_eq!(
        app.post("/v1/{p}/app-groups/authorizations", auth)
            .await
            .status,
        200
    );
    let m = app.get("/v1/{p}/mails").await;
    assert_eq!(m.body["count"], 2, "{}", m.text);
    let failed = app.get("/v1/{p}/mails?mail_send_result=FAIL").await;
    assert_eq!(failed.body["records"][0]["account"], "noaddr");
    let ok = app.get("/v1/{p}/mails?account=alice").await;
    assert_eq!(
        ok.body["records"][0]["mail_send_type"],
        "ADD_GROUP_AUTHORIZATION"
    );
    assert_eq!(ok.body["records"][0]["app_group_name"], "mail-apps");
    let rid = ok.body["records"][0]["id"]
        .as_str()
        .expect("id")
        .to_string();
    assert_eq!(
        app.post(
            "/v1/{p}/mails/actions/send",
            json!({"records": [{"id": rid}]})
        )
        .await
        .status,
        200
    );
    assert_eq!(
        app.get("/v1/{p}/mails?mail_send_type=RESEND").await.body["count"],
        1
    );
    let auths = app
        .get("/v1/{p}/app-groups/actions/list-authorizations?account=alice")
        .await;
    let aid = auths.body["authorizations"][0]["id"]
        .as_str()
        .expect("id")
        .to_string();
    assert_eq!(
        app.post(
            "/v1/{p}/mails/actions/send-by-authorization",
            json!({"records": [aid]})
        )
        .await
        .status,
        200
    );
    assert_eq!(
        app.get("/v1/{p}/mails?account=alice").await.body["count"],
        3
    );
    assert_error(
        &app.post(
            "/v1/{p}/mails/actions/send",
            json!({"records": [{"id": "nope"}]}),
        )
        .await,
        404,
        "WKS.00211902",
    );
    assert_error(
        &app.post(
            "/v1/{p}/mails/actions/send-by-authorization",
            json!({"records": []}),
        )
        .await,
        400,
        "WKS.00211107",
    );
}

/// A large user group answers its first 1,000 members and counts them all; its members can
/// still open the group's apps.
#[tokio::test]
async fn large_user_groups_stay_bounded() {
    let app = TestApp::new().await;
    let g = app
        .post("/openwks/v1/{p}/user-groups", json!({"name": "everyone"}))
        .await;
    assert_eq!(g.status, 201, "{}", g.text);
    assert_eq!(g.body["member_count"], 0);
    let gid = g.body["id"].as_str().expect("id").to_string();
    let mut last = serde_json::Value::Null;
    for batch in 0..11 {
        let users: Vec<String> = (0..100)
            .map(|i| format!("user{:05}", batch * 100 + i))
            .collect();
        let r = app
            .post(
                &format!("/openwks/v1/{{p}}/user-groups/{gid}/members"),
                json!({"users": users}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        last = r.body;
    }
    assert_eq!(last["member_count"], 1100);
    assert_eq!(last["members"].as_array().map(Vec::len), Some(1000));
    assert_eq!(last["members"][0], "user00000");
    // Adding members again changes nothing; removing counts down (and a non-member is fine).
    let again: Vec<String> = (0..100).map(|i| format!("user{i:05}")).collect();
    let members = format!("/openwks/v1/{{p}}/user-groups/{gid}/members");
    let r = app.post(&members, json!({"users": again})).await;
    assert_eq!(r.body["member_count"], 1100);
    let gone: Vec<String> = (0..99)
        .map(|i| format!("user{i:05}"))
        .chain(["nobody".to_string()])
        .collect();
    let r = app
        .call("DELETE", &members, Some(json!({"users": gone})))
        .await;
    assert_eq!(r.body["member_count"], 1001, "{}", r.text);
    assert_eq!(r.body["members"][0], "user00099");
    let a = ag(&app, "for-everyone").await;
    let auth = json!({"app_group_ids": [a], "accounts": [{"account": "everyone", "account_type": "USER_GROUP"}]});
    assert_eq!(
        app.post("/v1/{p}/app-groups/authorizations", auth)
            .await
            .status,
        200
    );
    let check = app
        .get(&format!(
            "/openwks/v1/{{p}}/app-groups/{a}/access-check?user_name=user01099"
        ))
        .await;
    assert_eq!(check.body["authorized"], true, "{}", check.text);
}
