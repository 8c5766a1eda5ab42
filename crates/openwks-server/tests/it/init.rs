//! Init files (`serve --init FILE`): applied through the route table as the administrator,
//! they create what is missing by name; applied again they create nothing; an item the API
//! refuses fails with that item's line and the API's code.

use serde_json::json;

use crate::harness::TestApp;
use openwks_server::init;

const FILE: &str = r#"# a fleet for a CI job
policies:
  - name: operator
    document:
      Version: "5.0"
      Statement:
        - Effect: Allow
          Action: ["workspace:*:*"]
users:
  - name: ci
    access_keys:
      - access_key: CIACCESSKEY000000001
        secret_key: CiSecretKey0000000000000000000000000001
    policies: [operator]
user_groups:
  - name: finance
    members: [alice]
server_groups:
  - name: init-sg
    servers: 2
app_groups:
  - name: init-ag
    server_group: init-sg
    apps:
      - name: Notepad
        execute_path: C:\Windows\notepad.exe
        source_type: 1
    authorizations:
      - account: alice
        account_type: USER
"#;

#[tokio::test]
async fn an_init_file_builds_the_fleet_once_and_its_key_signs() {
    let app = TestApp::new().await;
    let parsed = init::parse(FILE).expect("parses");
    let applied = init::apply(&app.state, &parsed).await.expect("applies");
    assert_eq!(
        applied.created,
        vec![
            "policy operator",
            "user ci",
            "access key CIACCESSKEY000000001 of ci",
            "user group finance",
            "server group init-sg",
            "servers init-sg +2",
            "app group init-ag",
            "apps init-ag +1",
        ],
    );
    // What the file declares is there, with the defaults filled in.
    let groups = app.get("/v1/{p}/app-server-groups?name=init-sg").await;
    let sg = &groups.body["items"][0];
    assert_eq!(sg["name"], "init-sg", "{}", groups.text);
    assert_eq!(sg["os_type"], "Windows");
    assert_eq!(sg["image_id"], crate::harness::WIN2019);
    let sg_id = sg["id"].as_str().expect("id").to_string();
    app.run_jobs().await;
    let servers = app
        .get(&format!("/v1/{{p}}/app-servers?server_group_id={sg_id}"))
        .await;
    assert_eq!(servers.body["count"], 2, "{}", servers.text);
    let ags = app.get("/v1/{p}/app-groups").await;
    let ag = &ags.body["items"][0];
    assert_eq!(
        (&ag["name"], &ag["app_server_group_id"], &ag["app_count"]),
        (&json!("init-ag"), &json!(sg_id), &json!(1)),
        "{}",
        ags.text
    );
    let ag_id = ag["id"].as_str().expect("id");
    let auths = app
        .get(&format!(
            "/v1/{{p}}/app-groups/actions/list-authorizations?app_group_id={ag_id}"
        ))
        .await;
    assert_eq!(auths.body["authorizations"][0]["account"], "alice");

    // The declared key signs; its policy allows Workspace and not IAM.
    let ci = (
        "CIACCESSKEY000000001",
        "CiSecretKey0000000000000000000000000001",
    );
    let r = app
        .call_as(ci, "GET", "/v1/{p}/app-server-groups", None)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = app.call_as(ci, "GET", "/openwks/v1/iam/users", None).await;
    assert_eq!(r.status, 403, "{}", r.text);

    // Again (a restart): nothing new.
    let again = init::apply(&app.state, &parsed).await.expect("again");
    assert_eq!(again.created, Vec::<String>::new());
    assert_eq!(
        again.existing, 5,
        "policy, user, user group, server group, app group"
    );
    let count = app.get("/v1/{p}/app-server-groups").await;
    assert_eq!(count.body["count"], 1, "{}", count.text);
}

#[tokio::test]
async fn an_item_the_api_refuses_fails_with_its_line() {
    let app = TestApp::new().await;
    let text = "server_groups:\n  - name: fine\n  - name: bad\n    product_id: no.such.product\n";
    let parsed = init::parse(text).expect("parses");
    let e = init::apply(&app.state, &parsed).await.expect_err("refused");
    assert_eq!(e.line, Some(3), "{e}");
    assert!(
        e.message.contains("server group bad: 400 WKS."),
        "the API's status and code: {e}"
    );
    // A reference to nothing.
    let text = "app_groups:\n  - name: ag\n    server_group: missing\n";
    let e = init::apply(&app.state, &init::parse(text).expect("parses"))
        .await
        .expect_err("no such group");
    assert_eq!(e.line, Some(2), "{e}");
    assert!(e.message.contains("no server group named missing"), "{e}");
    // A key another user holds already.
    let text = "users:\n  - name: a\n    access_keys:\n      - {access_key: AKTEST0000000000001, secret_key: SKtest0000000000000000000000000000000001}\n";
    let e = init::apply(&app.state, &init::parse(text).expect("parses"))
        .await
        .expect_err("taken key");
    assert_eq!(e.line, Some(2), "{e}");
    assert!(e.message.contains("409"), "{e}");
}
