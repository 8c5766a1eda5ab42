//! Published apps: publish, list, show, update, enable/disable, unpublish, pre-boot policy,
//! icons (raw and multipart, served back), publishable apps, and the app-aware access check.

use serde_json::json;

use crate::harness::{assert_error, TestApp, AK, SK};

pub(crate) const PNG_1X1: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

async fn setup(app: &TestApp) -> (String, String) {
    let sg = app.create_group(app.group_body("sg-apps")).await;
    let r = app
        .post(
            "/v1/{p}/app-groups",
            json!({"name": "ag-apps", "app_server_group_id": sg}),
        )
        .await;
    (sg, r.body["id"].as_str().expect("id").to_string())
}

fn notepad(name: &str) -> serde_json::Value {
    json!({"name": name, "execute_path": "C:\\Windows\\System32\\notepad.exe", "source_type": 1, "version": "10.0"})
}

#[tokio::test]
async fn publish_list_show_update_state_unpublish() {
    let app = TestApp::new().await;
    let (_, ag) = setup(&app).await;
    let base = format!("/v1/{{p}}/app-groups/{ag}/apps");
    let r = app
        .post(
            &base,
            json!({"items": [notepad("Notepad"), notepad("Paint App")]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["count"], 2);
    let a = r.body["items"][0].clone();
    for f in [
        "id",
        "name",
        "version",
        "command_param",
        "execute_path",
        "work_path",
        "icon_path",
        "icon_index",
        "description",
        "app_group_id",
        "state",
        "tenant_id",
        "publish_at",
        "source_type",
        "publisher",
        "icon_url",
        "publishable",
        "sandbox_enable",
        "is_pre_boot",
        "pre_launch_policy",
        "app_extended_info",
    ] {
        assert!(a.get(f).is_some(), "App lacks {f}");
    }
    assert_eq!(a["state"], "NORMAL");
    let id = a["id"].as_str().expect("id").to_string();
    assert_eq!(
        app.get(&format!("/v1/{{p}}/app-groups/{ag}")).await.body["app_count"],
        2
    );
    assert_eq!(app.get(&base).await.body["count"], 2);
    assert_eq!(
        app.get(&format!("{base}?name=paint")).await.body["count"],
        1
    );
    assert_error(
        &app.post(&base, json!({"items": [notepad("Notepad")]}))
            .await,
        409,
        "WKS.00131111",
    );
    assert_error(
        &app.post(&base, json!({"items": [notepad("X"), notepad("X")]}))
            .await,
        409,
        "WKS.00131111",
    );
    let u = app
        .patch(
            &format!("{base}/{id}"),
            json!({"description": "edit text", "version": "11"}),
        )
        .await;
    assert_eq!(
        (
            u.status,
            u.body["description"].as_str(),
            u.body["name"].as_str()
        ),
        (200, Some("edit text"), Some("Notepad")),
        "{}",
        u.text
    );
    assert_eq!(
        app.post(&format!("{base}/actions/disable"), json!({"ids": [id]}))
            .await
            .status,
        200
    );
    assert_eq!(
        app.get(&format!("{base}/{id}")).await.body["state"],
        "FORBIDDEN"
    );
    assert_eq!(
        app.get(&format!("{base}?state=FORBIDDEN")).await.body["count"],
        1
    );
    assert_eq!(
        app.post(&format!("{base}/actions/enable"), json!({"ids": [id]}))
            .await
            .status,
        200
    );
    assert_eq!(
        app.get(&format!("{base}/{id}")).await.body["state"],
        "NORMAL"
    );
    assert_error(
        &app.post(
            &format!("{base}/actions/enable"),
            json!({"ids": [id, "nope"]}),
        )
        .await,
        404,
        "WKS.00211902",
    );
    let p = app
        .post(
            &format!("{base}/pre-boot-policy"),
            json!({"ids": [id], "is_pre_boot": true, "pre_launch_policy": 1}),
        )
        .await;
    assert_eq!(p.status, 200, "{}", p.text);
    let s = app.get(&format!("{base}/{id}")).await;
    assert_eq!(
        (
            s.body["is_pre_boot"].as_bool(),
            s.body["pre_launch_policy"].as_i64()
        ),
        (Some(true), Some(1))
    );
    let c = |n: &str| json!({"name": n});
    assert_eq!(
        app.post(&format!("{base}/actions/check"), c("Notepad"))
            .await
            .body,
        json!({"result": false, "validate_rule": "duplicate"})
    );
    assert_eq!(
        app.post(&format!("{base}/actions/check"), c("   "))
            .await
            .body,
        json!({"result": false, "validate_rule": "naming"})
    );
    assert_eq!(
        app.post(&format!("{base}/actions/check"), c("Word"))
            .await
            .body,
        json!({"result": true})
    );
    let un = json!({"ids": [id, "already-gone"]});
    assert_eq!(
        app.post(&format!("{base}/batch-unpublish"), un.clone())
            .await
            .status,
        200
    );
    assert_eq!(
        app.post(&format!("{base}/batch-unpublish"), un)
            .await
            .status,
        200,
        "repeat succeeds"
    );
    assert_error(&app.get(&format!("{base}/{id}")).await, 404, "WKS.00211902");
    assert_eq!(
        app.get(&format!("/v1/{{p}}/app-groups/{ag}")).await.body["app_count"],
        1
    );
    assert_error(
        &app.get("/v1/{p}/app-groups/404404/apps").await,
        404,
        "WKS.00211902",
    );
}

#[tokio::test]
async fn publish_rules() {
    let app = TestApp::new().await;
    let (_, ag) = setup(&app).await;
    let base = format!("/v1/{{p}}/app-groups/{ag}/apps");
    let mut no_path = notepad("x");
    no_path.as_object_mut().map(|o| o.remove("execute_path"));
    let mut bad_source = notepad("x");
    bad_source["source_type"] = json!(4);
    let twenty_one: Vec<_> = (0..21).map(|i| notepad(&format!("a{i}"))).collect();
    for (body, code) in [
        (json!({"items": []}), "WKS.00211107"),
        (json!({"items": twenty_one}), "WKS.00211107"),
        (json!({}), "WKS.00211104"),
        (json!({"items": [no_path]}), "WKS.00211104"),
        (json!({"items": [bad_source]}), "WKS.00211107"),
        (json!({"items": [notepad("   ")]}), "WKS.00211105"),
        (json!({"items": [notepad(&"n".repeat(65))]}), "WKS.00211105"),
        (
            json!({"items": [{"name": "i", "execute_path": "x", "source_type": 1, "icon_uri": "bm90IGFuIGltYWdl"}]}),
            "WKS.00131110",
        ),
    ] {
        assert_error(&app.post(&base, body).await, 400, code);
    }
    assert_eq!(app.get(&base).await.body["count"], 0, "all or nothing");
    let bad_update = app
        .patch(&format!("{base}/nope"), json!({"state": "NORMAL"}))
        .await;
    assert_error(&bad_update, 404, "WKS.00211902");
}

#[tokio::test]
async fn icons_raw_multipart_served_and_deleted() {
    let app = TestApp::new().await;
    let (_, ag) = setup(&app).await;
    let base = format!("/v1/{{p}}/app-groups/{ag}/apps");
    let r = app.post(&base, json!({"items": [{"name": "With Icon", "execute_path": "x.exe", "source_type": 1, "icon_uri": format!("data:image/png;base64,{PNG_1X1}")}]})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let id = r.body["items"][0]["id"].as_str().expect("id").to_string();
    let url = r.body["items"][0]["icon_url"]
        .as_str()
        .expect("icon_url")
        .to_string();
    assert!(url.contains("/openwks/v1/icons/"), "{url}");
    let path = url
        .split_once(&app.host)
        .map(|(_, p)| p.to_string())
        .expect("served by this server");
    let icon = app.send_raw("GET", &path, vec![], vec![]).await;
    assert_eq!(icon.status, 200, "icons are served without authentication");
    assert_eq!(
        icon.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("image/png")
    );
    // Raw PUT replaces it.
    let put = app
        .put(
            &format!("{base}/{id}/raw-icon"),
            json!({"icon_content": PNG_1X1}),
        )
        .await;
    assert_eq!(put.status, 200, "{}", put.text);
    assert_ne!(put.body["icon_url"].as_str(), Some(url.as_str()));
    assert_eq!(
        app.send_raw("GET", &path, vec![], vec![]).await.status,
        404,
        "the old icon is gone"
    );
    assert_error(
        &app.put(
            &format!("{base}/{id}/raw-icon"),
            json!({"icon_content": "!!"}),
        )
        .await,
        400,
        "WKS.00131110",
    );
    assert_error(
        &app.put(&format!("{base}/{id}/raw-icon"), json!({})).await,
        400,
        "WKS.00211104",
    );
    // Multipart upload, signed with UNSIGNED-PAYLOAD as the SDK does.
    let up = upload_icon(&app, &format!("{base}/{id}/icon")).await;
    assert_eq!(up.status, 200, "{}", up.text);
    // A JSON body where multipart is expected: the vendor's JSON error shape.
    let r = app
        .post(&format!("{base}/{id}/icon"), json!({"data": "x"}))
        .await;
    crate::harness::assert_error(&r, 415, "WKS.00000415");
    assert!(r.msg().contains("multipart"), "{}", r.text);
    let new_url = up.body["icon_url"].as_str().expect("url").to_string();
    let new_path = new_url
        .split_once(&app.host)
        .map(|(_, p)| p.to_string())
        .expect("path");
    assert_eq!(
        app.send_raw("GET", &new_path, vec![], vec![]).await.status,
        200
    );
    assert_eq!(app.delete(&format!("{base}/{id}/icon")).await.status, 200);
    assert_eq!(
        app.delete(&format!("{base}/{id}/icon")).await.status,
        200,
        "twice is fine"
    );
    assert_eq!(app.get(&format!("{base}/{id}")).await.body["icon_url"], "");
    assert_eq!(
        app.send_raw("GET", &new_path, vec![], vec![]).await.status,
        404
    );
}

fn base64_decode(s: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(s)
        .expect("base64")
}

#[tokio::test]
async fn publishable_apps_come_from_the_server_groups_image() {
    let app = TestApp::new().await;
    let (_, ag) = setup(&app).await;
    let r = app
        .get(&format!("/v1/{{p}}/app-groups/{ag}/publishable-app"))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.body["group_images"],
        json!(["6f4d1f2a-2019-4b6e-9c0d-000000000001"])
    );
    let names: Vec<_> = r.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["name"].clone())
        .collect();
    assert_eq!(
        names,
        vec![json!("Notepad"), json!("Paint"), json!("Calculator")]
    );
    assert!(r.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .all(|i| i["publishable"] == true));
    app.post(
        &format!("/v1/{{p}}/app-groups/{ag}/apps"),
        json!({"items": [notepad("Notepad")]}),
    )
    .await;
    let r = app
        .get(&format!("/v1/{{p}}/app-groups/{ag}/publishable-app"))
        .await;
    assert_eq!(
        r.body["items"][0]["publishable"], false,
        "already published"
    );
    let unbound = app
        .post("/v1/{p}/app-groups", json!({"name": "unbound"}))
        .await;
    let ub = unbound.body["id"].as_str().expect("id");
    let r = app
        .get(&format!("/v1/{{p}}/app-groups/{ub}/publishable-app"))
        .await;
    assert_eq!(
        (r.body["count"].as_i64(), r.body["group_images"].clone()),
        (Some(0), json!([]))
    );
}

#[tokio::test]
async fn a_user_may_open_a_normal_app_of_a_group_it_is_authorized_on() {
    let app = TestApp::new().await;
    let (_, ag) = setup(&app).await;
    let r = app
        .post(
            &format!("/v1/{{p}}/app-groups/{ag}/apps"),
            json!({"items": [notepad("Notepad")]}),
        )
        .await;
    let id = r.body["items"][0]["id"].as_str().expect("id").to_string();
    let check = |u: &str| {
        format!("/openwks/v1/{{p}}/app-groups/{ag}/access-check?user_name={u}&app_id={id}")
    };
    let no = app.get(&check("alice")).await;
    assert_eq!(no.body["authorized"], false);
    assert!(no.body["reason"]
        .as_str()
        .is_some_and(|r| r.contains("not authorized")));
    app.post(
        "/v1/{p}/app-groups/authorizations",
        json!({"app_group_ids": [ag], "accounts": [{"account": "alice", "account_type": "USER"}]}),
    )
    .await;
    assert_eq!(app.get(&check("alice")).await.body["authorized"], true);
    app.post(
        &format!("/v1/{{p}}/app-groups/{ag}/apps/actions/disable"),
        json!({"ids": [id]}),
    )
    .await;
    let off = app.get(&check("alice")).await;
    assert_eq!(
        off.body["authorized"], false,
        "a FORBIDDEN app cannot be opened"
    );
    assert!(off.body["reason"]
        .as_str()
        .is_some_and(|r| r.contains("FORBIDDEN")));
    assert_error(
        &app.get(&format!(
            "/openwks/v1/{{p}}/app-groups/{ag}/access-check?user_name=alice&app_id=nope"
        ))
        .await,
        404,
        "WKS.00211902",
    );
}

#[tokio::test]
async fn deleting_an_app_group_removes_its_apps_and_icons() {
    let app = TestApp::new().await;
    let (_, ag) = setup(&app).await;
    let r = app.post(&format!("/v1/{{p}}/app-groups/{ag}/apps"), json!({"items": [{"name": "I", "execute_path": "x", "source_type": 1, "icon_uri": PNG_1X1}]})).await;
    let url = r.body["items"][0]["icon_url"]
        .as_str()
        .expect("url")
        .to_string();
    let path = url
        .split_once(&app.host)
        .map(|(_, p)| p.to_string())
        .expect("path");
    assert_eq!(
        app.delete(&format!("/v1/{{p}}/app-groups/{ag}"))
            .await
            .status,
        200
    );
    assert_eq!(app.send_raw("GET", &path, vec![], vec![]).await.status, 404);
}

/// `upload_app_icon` to `path` (`{p}` allowed): a PNG as `multipart/form-data`, signed with
/// `UNSIGNED-PAYLOAD` as the SDK signs uploads.
pub(crate) async fn upload_icon(app: &TestApp, path: &str) -> crate::harness::Resp {
    let boundary = "openwksboundary";
    let png = base64_decode(PNG_1X1);
    let mut body = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"data\"; filename=\"i.png\"\r\nContent-Type: image/png\r\n\r\n").into_bytes();
    body.extend_from_slice(&png);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let mp = app.path(path);
    let ct = format!("multipart/form-data; boundary={boundary}");
    let hs = openwks_api::signer::sign_request(
        openwks_api::signer::KeyPair {
            access_key: AK,
            secret_key: SK,
        },
        &app.sdk_date(),
        openwks_api::signer::ClientRequest {
            method: "POST",
            raw_path: &mp,
            raw_query: "",
            headers: &[
                ("Content-Type", &ct),
                ("Host", &app.host),
                ("X-Sdk-Content-Sha256", "UNSIGNED-PAYLOAD"),
            ],
            body: &body,
        },
    );
    app.send_raw("POST", &mp, body, hs).await
}
