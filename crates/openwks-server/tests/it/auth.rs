//! AK/SK signatures, tokens, project scoping.

use openwks_api::signer::{ClientRequest, KeyPair};
use serde_json::json;

use crate::harness::{assert_error, TestApp, AK, PASSWORD, PID, SK};

#[tokio::test]
async fn a_signed_request_is_accepted() {
    let app = TestApp::new().await;
    let r = app.get("/v1/{p}/app-server-groups").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["count"], 0);
    assert!(r.request_id().is_some());
}

#[tokio::test]
async fn unknown_key_wrong_signature_and_missing_auth_are_401() {
    let app = TestApp::new().await;
    let p = app.path("/v1/{p}/app-server-groups");
    let date = app.sdk_date();
    // Unknown AK.
    let hs = app.signed_headers("GET", &p, b"", "AKNOSUCHKEY", SK, &date);
    let r = app.send_raw("GET", &p, vec![], hs).await;
    assert_error(&r, 401, "APIGW.0301");
    assert!(r.msg().contains("is not a valid key"), "{}", r.text);
    // A disabled key gets the same answer as an unknown one.
    let u = app
        .post(
            "/openwks/v1/iam/users",
            json!({"name": "disabled-key-user", "password": "pass-word-1"}),
        )
        .await;
    let uid = u.body["id"].as_str().expect("user").to_string();
    let k = app
        .post(
            &format!("/openwks/v1/iam/users/{uid}/access-keys"),
            json!({}),
        )
        .await;
    let (ak2, sk2) = (
        k.body["access_key"].as_str().expect("ak").to_string(),
        k.body["secret_key"].as_str().expect("sk").to_string(),
    );
    let d = app
        .patch(
            &format!("/openwks/v1/iam/users/{uid}/access-keys/{ak2}"),
            json!({"status": "inactive"}),
        )
        .await;
    assert_eq!(d.status, 200, "{}", d.text);
    let hs = app.signed_headers("GET", &p, b"", &ak2, &sk2, &date);
    let r2 = app.send_raw("GET", &p, vec![], hs).await;
    assert_error(&r2, 401, "APIGW.0301");
    assert_eq!(
        r2.msg().replace(&ak2, "AK"),
        r.msg().replace("AKNOSUCHKEY", "AK"),
        "an unknown and a disabled key are told apart by nothing"
    );
    // Wrong SK: the signature does not verify.
    let hs = app.signed_headers("GET", &p, b"", AK, "wrong-secret", &date);
    let r = app.send_raw("GET", &p, vec![], hs).await;
    assert_error(&r, 401, "APIGW.0301");
    assert!(r.msg().contains("verify aksk signature fail"), "{}", r.text);
    // No Authorization, no token.
    let r = app.send_raw("GET", &p, vec![], vec![]).await;
    assert_error(&r, 401, "APIGW.0301");
}

#[tokio::test]
async fn malformed_header_missing_date_and_skew_are_401() {
    let app = TestApp::new().await;
    let p = app.path("/v1/{p}/app-server-groups");
    let r = app
        .send_raw(
            "GET",
            &p,
            vec![],
            vec![("authorization".into(), "SDK-HMAC-SHA256 garbage".into())],
        )
        .await;
    assert_error(&r, 401, "APIGW.0301");
    assert!(r.msg().contains("form"), "{}", r.text);
    // X-Sdk-Date not signed and not sent.
    let mut hs = app.signed_headers("GET", &p, b"", AK, SK, &app.sdk_date());
    hs.retain(|(n, _)| n != "x-sdk-date");
    for (n, v) in hs.iter_mut() {
        if n == "authorization" {
            *v = v.replace("x-sdk-date", "");
        }
    }
    let r = app.send_raw("GET", &p, vec![], hs).await;
    assert_error(&r, 401, "APIGW.0301");
    // Skewed by 20 minutes.
    let old = (chrono::Utc::now() - chrono::Duration::minutes(20))
        .format("%Y%m%dT%H%M%SZ")
        .to_string();
    let hs = app.signed_headers("GET", &p, b"", AK, SK, &old);
    let r = app.send_raw("GET", &p, vec![], hs).await;
    assert_error(&r, 401, "APIGW.0301");
    assert!(
        r.msg().contains("away from the server's clock"),
        "{}",
        r.text
    );
    // Within 14 minutes: accepted.
    let near = (chrono::Utc::now() - chrono::Duration::minutes(14))
        .format("%Y%m%dT%H%M%SZ")
        .to_string();
    let hs = app.signed_headers("GET", &p, b"", AK, SK, &near);
    assert_eq!(app.send_raw("GET", &p, vec![], hs).await.status, 200);
}

#[tokio::test]
async fn a_body_changed_after_signing_is_401_and_writes_nothing() {
    let app = TestApp::new().await;
    let p = app.path("/v1/{p}/app-server-groups");
    let body = serde_json::to_vec(&app.group_body("signed-name")).expect("json");
    let hs = app.signed_headers("POST", &p, &body, AK, SK, &app.sdk_date());
    let tampered = serde_json::to_vec(&app.group_body("other-name")).expect("json");
    let r = app.send_raw("POST", &p, tampered, hs).await;
    assert_error(&r, 401, "APIGW.0301");
    assert_eq!(app.get("/v1/{p}/app-server-groups").await.body["count"], 0);
}

#[tokio::test]
async fn another_projects_path_is_403_and_template_path_uses_the_default_project() {
    let app = TestApp::new().await;
    let r = app
        .get("/v1/ffffffffffffffffffffffffffffffff/app-server-groups")
        .await;
    assert_error(&r, 403, "WKS.00081102");
    // The SDK built without a project id sends the literal template and no X-Project-Id.
    let p = "/v1/%7Bproject_id%7D/app-server-groups";
    let hs: Vec<(String, String)> = openwks_api::signer::sign_request(
        KeyPair {
            access_key: AK,
            secret_key: SK,
        },
        &app.sdk_date(),
        ClientRequest {
            method: "GET",
            raw_path: p,
            raw_query: "",
            headers: &[("Content-Type", "application/json"), ("Host", &app.host)],
            body: b"",
        },
    );
    let r = app.send_raw("GET", p, vec![], hs).await;
    assert_eq!(r.status, 200, "{}", r.text);
    // X-Project-Id naming another project than the path: refused.
    let p = app.path("/v1/{p}/app-server-groups");
    let hs = openwks_api::signer::sign_request(
        KeyPair {
            access_key: AK,
            secret_key: SK,
        },
        &app.sdk_date(),
        ClientRequest {
            method: "GET",
            raw_path: &p,
            raw_query: "",
            headers: &[
                ("Host", &app.host),
                ("X-Project-Id", "ffffffffffffffffffffffffffffffff"),
            ],
            body: b"",
        },
    );
    assert_error(
        &app.send_raw("GET", &p, vec![], hs).await,
        403,
        "WKS.00081102",
    );
}

#[tokio::test]
async fn projects_by_region_name_resolve_for_the_sdk_region_mode() {
    let app = TestApp::new().await;
    let r = app.get("/v3/projects?name=cn-north-4").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["projects"].as_array().map(Vec::len), Some(1));
    assert_eq!(r.body["projects"][0]["id"], PID);
    assert_eq!(
        app.get("/v3/projects?name=eu-west-0").await.body["projects"],
        json!([])
    );
}

fn token_body(password: &str) -> serde_json::Value {
    json!({"auth": {
        "identity": {"methods": ["password"], "password": {"user": {"name": "admin", "password": password, "domain": {"name": "acme"}}}},
        "scope": {"project": {"id": PID}}
    }})
}

#[tokio::test]
async fn tokens_authenticate_expire_and_survive_restart() {
    let app = TestApp::new().await;
    let r = app
        .send_raw(
            "POST",
            "/v3/auth/tokens",
            serde_json::to_vec(&token_body(PASSWORD)).expect("json"),
            vec![],
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let token = r.subject_token();
    assert_eq!(r.body["token"]["project"]["id"], PID);
    assert!(r.body["token"]["expires_at"]
        .as_str()
        .is_some_and(|s| s.ends_with('Z')));
    let p = app.path("/v1/{p}/app-server-groups");
    let ok = app
        .send_raw(
            "GET",
            &p,
            vec![],
            vec![("x-auth-token".into(), token.clone())],
        )
        .await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    // Tampered token.
    let bad = app
        .send_raw(
            "GET",
            &p,
            vec![],
            vec![("x-auth-token".into(), format!("{token}0"))],
        )
        .await;
    assert_error(&bad, 401, "APIGW.0307");
    // Wrong password.
    let r = app
        .send_raw(
            "POST",
            "/v3/auth/tokens",
            serde_json::to_vec(&token_body("nope")).expect("json"),
            vec![],
        )
        .await;
    assert_error(&r, 401, "APIGW.0301");
    // A restart keeps the token valid (its key lives in the store).
    let app = app.restart().await;
    let ok = app
        .send_raw("GET", &p, vec![], vec![("x-auth-token".into(), token)])
        .await;
    assert_eq!(ok.status, 200, "{}", ok.text);
}

#[tokio::test]
async fn expired_tokens_are_refused() {
    let dir = std::sync::Arc::new(tempfile::tempdir().expect("dir"));
    let settings = openwks_server::Settings {
        token_ttl_secs: 0,
        ..Default::default()
    };
    let app = TestApp::with(dir, settings).await;
    let r = app
        .send_raw(
            "POST",
            "/v3/auth/tokens",
            serde_json::to_vec(&token_body(PASSWORD)).expect("json"),
            vec![],
        )
        .await;
    let token = r.subject_token();
    let p = app.path("/v1/{p}/app-server-groups");
    let r = app
        .send_raw("GET", &p, vec![], vec![("x-auth-token".into(), token)])
        .await;
    assert_error(&r, 401, "APIGW.0307");
    assert!(r.msg().contains("expired"), "{}", r.text);
}

/// A signature must cover `host` (else a request signed for one server replays on another)
/// and `x-sdk-date`.
#[tokio::test]
async fn a_signature_without_host_is_refused() {
    let app = TestApp::new().await;
    let p = app.path("/v1/{p}/app-server-groups");
    let hs = openwks_api::signer::sign_request(
        KeyPair {
            access_key: AK,
            secret_key: SK,
        },
        &app.sdk_date(),
        ClientRequest {
            method: "GET",
            raw_path: &p,
            raw_query: "",
            headers: &[("Content-Type", "application/json"), ("X-Project-Id", PID)],
            body: b"",
        },
    );
    let r = app.send_raw("GET", &p, vec![], hs).await;
    assert_error(&r, 401, "APIGW.0301");
    assert!(
        r.msg().contains("host must be a signed header"),
        "{}",
        r.text
    );
}

/// The server reads one clock ([`openwks_server::Settings::clock`]) for everything: the
/// signature's skew window, token expiry and the times it writes. A virtual clock two days
/// ahead of the wall is the server's now: requests signed at that time pass, resources are
/// stamped with it, and a token expires when that clock passes its lifetime — no sleeping.
#[tokio::test]
async fn the_server_reads_one_clock() {
    use openwks_core::clock::VirtualClock;
    let start = chrono::Utc::now().timestamp_millis() + 2 * 86_400_000;
    let clock = std::sync::Arc::new(VirtualClock::at(start));
    let app = TestApp::with(
        std::sync::Arc::new(tempfile::tempdir().expect("dir")),
        openwks_server::Settings {
            clock: clock.clone(),
            token_ttl_secs: 3600,
            ..TestApp::settings()
        },
    )
    .await;
    // Signed with the virtual time (the harness signs on the server's clock): accepted.
    let id = app.create_group(app.group_body("clock-sg")).await;
    let g = app.get(&format!("/v1/{{p}}/app-server-groups/{id}")).await;
    let created = g.body["create_time"]
        .as_str()
        .expect("create_time")
        .to_string();
    assert_eq!(created, openwks_core::time::format_ms(start), "{}", g.text);
    // A request signed on the wall clock is two days off the server's: refused.
    let p = app.path("/v1/{p}/app-server-groups");
    let wall = chrono::Utc::now().format("%Y%m%dT%H%M%SZ").to_string();
    let hs = app.signed_headers("GET", &p, b"", AK, SK, &wall);
    let r = app.send_raw("GET", &p, vec![], hs).await;
    assert_eq!(r.status, 401, "{}", r.text);
    // A token lives for its TTL on the same clock.
    let r = app
        .send_raw(
            "POST",
            "/v3/auth/tokens",
            serde_json::to_vec(&token_body(PASSWORD)).expect("json"),
            vec![],
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let token = r.subject_token();
    let with_token = |t: String| app.send_raw("GET", &p, vec![], vec![("x-auth-token".into(), t)]);
    assert_eq!(with_token(token.clone()).await.status, 200);
    clock.advance(3_599_000);
    assert_eq!(with_token(token.clone()).await.status, 200);
    clock.advance(1_000);
    let r = with_token(token).await;
    assert_error(&r, 401, "APIGW.0307");
    assert!(r.msg().contains("expired"), "{}", r.text);
}
