//! Images (issue #17): the app warehouse, image servers and their jobs, and the private image
//! made from one — used by a server group whose published app a user launches.

use serde_json::{json, Value};

use crate::harness::{assert_error, TestApp, PRODUCT, WIN2019};
use crate::sessions::{app_group_for, launch};

const WH: &str = "/v1/{p}/app-warehouse";

fn package(name: &str, version: &str, path: &str) -> Value {
    json!({"app_name": name, "app_category": "PRODUCTIVITY_AND_COLLABORATION",
           "os_type": "Windows", "version_id": version, "version_name": version,
           "appfile_store_path": path, "app_file_size": 366, "app_description": "an editor"})
}

/// A warehouse app, created and checked; its record.
async fn warehouse_app(app: &TestApp, body: Value) -> Value {
    let r = app.post(&format!("{WH}/apps"), body).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body
}

fn image_server_body(app: &TestApp, name: &str, image: &str, apps: &[&str]) -> Value {
    json!({"name": name, "product_id": PRODUCT, "flavor_id": "s6.xlarge.2",
           "vpc_id": app.vpc_id, "subnet_id": app.subnet_id,
           "root_volume": {"type": "SAS", "size": 80},
           "image_ref": {"id": image, "image_type": "public"},
           "authorize_accounts": [{"account": "builder", "account_type": "USER"}],
           "attach_apps": apps})
}

async fn job(app: &TestApp, id: &str) -> Value {
    let j = app.get(&format!("/v1/{{p}}/image-server-jobs/{id}")).await;
    assert_eq!(j.status, 200, "{}", j.text);
    j.body
}

#[tokio::test]
async fn the_warehouse_keeps_verified_packages_and_a_bucket() {
    let app = TestApp::new().await;
    let editor = warehouse_app(&app, package("notepad-plus", "8.6", "/28fd/notepad++.exe")).await;
    assert_eq!(editor["verify_status"], "VERIFY_PASS", "{editor}");
    assert_eq!(
        editor["app_file_size"], "366",
        "a string in the vendor's model"
    );
    assert_ne!(editor["id"], editor["app_id"]);
    let script = warehouse_app(&app, package("tool", "1", "/28fd/install.sh")).await;
    assert_eq!(script["verify_status"], "VERIFY_FAIL");
    assert!(script["verify_comment"]
        .as_str()
        .is_some_and(|c| c.contains("install.sh")));

    // Every rule of the request schema, and a name and version taken.
    let mut no_name = package("x", "1", "/a.exe");
    no_name.as_object_mut().expect("object").remove("app_name");
    for (body, status, code) in [
        (no_name, 400, "WKS.00211104"),
        (package("bad name", "1", "/a.exe"), 400, "WKS.00211105"),
        (package("ok", "1 2", "/a.exe"), 400, "WKS.00211102"),
        (
            json!({"app_name": "ok", "app_category": "GAMES", "os_type": "Windows",
                   "version_id": "1", "version_name": "1", "appfile_store_path": "/a.exe"}),
            400,
            "WKS.00211106",
        ),
        (
            json!({"app_name": "ok", "app_category": "GAME", "os_type": "Windows",
                   "version_id": "1", "version_name": "1", "appfile_store_path": "/a.exe",
                   "app_file_size": 0}),
            400,
            "WKS.00211107",
        ),
        (
            package("notepad-plus", "8.6", "/b.exe"),
            409,
            "WKS.00211119",
        ),
    ] {
        assert_error(&app.post(&format!("{WH}/apps"), body).await, status, code);
    }

    // Listed by either id, by verification, by category, by part of the name.
    let app_id = editor["app_id"].as_str().expect("app_id");
    let id = editor["id"].as_str().expect("id");
    for q in [
        format!("app_id={app_id}"),
        format!("app_id={id}"),
        "verify_status=VERIFY_PASS".to_string(),
        "app_name=notepad".to_string(),
        "app_category=PRODUCTIVITY_AND_COLLABORATION&verify_status=VERIFY_PASS".to_string(),
    ] {
        let l = app.get(&format!("{WH}/apps?{q}")).await;
        assert_eq!(l.status, 200, "{}", l.text);
        assert_eq!(l.body["count"], 1, "{q}: {}", l.text);
        assert_eq!(l.body["items"][0]["id"], id, "{q}");
    }
    assert_eq!(app.get(&format!("{WH}/apps")).await.body["count"], 2);
    assert_error(
        &app.get(&format!("{WH}/apps?verify_status=DONE")).await,
        400,
        "WKS.00211106",
    );

    // Updated through the application id (what Terraform keeps); deleted twice.
    let r = app
        .patch(
            &format!("{WH}/apps/{app_id}"),
            json!({"app_name": "notepad-pp", "app_description": "renamed"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let l = app.get(&format!("{WH}/apps?app_id={app_id}")).await;
    assert_eq!(l.body["items"][0]["app_name"], "notepad-pp");
    assert_eq!(l.body["items"][0]["app_description"], "renamed");
    assert_error(
        &app.patch(&format!("{WH}/apps/nope"), json!({"app_name": "x"}))
            .await,
        404,
        "WKS.00211902",
    );
    let tool = script["id"].as_str().expect("id");
    assert_eq!(app.delete(&format!("{WH}/apps/{tool}")).await.status, 200);
    assert_eq!(app.delete(&format!("{WH}/apps/{tool}")).await.status, 200);
    assert_error(
        &app.post(&format!("{WH}/actions/batch-delete"), json!({"ids": []}))
            .await,
        400,
        "WKS.00211107",
    );

    // The bucket: none, then the default one, then the user's own.
    assert_error(&app.get(&format!("{WH}/bucket")).await, 404, "WKS.00211902");
    let r = app
        .post(&format!("{WH}/bucket-and-acl/create"), json!({}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let b = app.get(&format!("{WH}/bucket")).await;
    assert_eq!(
        b.body["bucket_name"],
        format!("wks-app-{}", crate::harness::PID)
    );
    assert_eq!(b.body["is_user_create_bucket"], false);
    for bad in ["ab", "My-Bucket", "a..b", "-ab"] {
        assert_error(
            &app.post(&format!("{WH}/bucket"), json!({"bucket_name": bad}))
                .await,
            400,
            "WKS.00211102",
        );
    }
    let r = app
        .post(&format!("{WH}/bucket"), json!({"bucket_name": "my-apps"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let b = app.get(&format!("{WH}/bucket")).await;
    assert_eq!(
        (&b.body["bucket_name"], &b.body["is_user_create_bucket"]),
        (&json!("my-apps"), &json!(true))
    );

    // Upload credentials for one installer, into a fresh directory of that bucket.
    for bad in ["notes.txt", "   .exe", "a/b.exe"] {
        assert_error(
            &app.post(
                &format!("{WH}/action/authorize"),
                json!({"app_file_name": bad}),
            )
            .await,
            400,
            "WKS.00211102",
        );
    }
    let a = app
        .post(
            &format!("{WH}/action/authorize"),
            json!({"app_file_name": "setup.msi"}),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(a.body["bucket_name"], "my-apps");
    let dir = a.body["directory"].as_str().expect("directory");
    assert!(
        dir.starts_with("app_warehouse/") && dir.ends_with("/setup.msi"),
        "{dir}"
    );
    assert_eq!(
        a.body["policy"]["statement"]["action"],
        json!(["obs:object:PutObject"])
    );
    let again = app
        .post(
            &format!("{WH}/action/authorize"),
            json!({"app_file_name": "setup.msi"}),
        )
        .await;
    assert_ne!(
        again.body["ak"], a.body["ak"],
        "fresh credentials each time"
    );
    assert_ne!(again.body["directory"], a.body["directory"]);

    // An icon, served back where the answer says.
    let up = crate::apps::upload_icon(&app, &format!("{WH}/apps/icon")).await;
    assert_eq!(up.status, 200, "{}", up.text);
    let url = up.body["appicon_store_path"].as_str().expect("path");
    let path = url
        .split_once(&app.host)
        .map(|(_, p)| p)
        .expect("served here");
    let icon = app.send_raw("GET", path, vec![], vec![]).await;
    assert_eq!(icon.status, 200);
}

#[tokio::test]
async fn an_image_server_makes_a_private_image_a_group_runs_and_a_user_launches() {
    // Jobs take a minute of a clock the test moves: each running state is seen.
    let (clock, app) = TestApp::with_minute_jobs().await;
    let editor = warehouse_app(&app, package("editor", "2", "/x/editor.exe")).await;
    let editor_id = editor["id"].as_str().expect("id").to_string();
    let failed = warehouse_app(&app, package("broken", "1", "/x/broken.sh")).await;
    let linux = warehouse_app(
        &app,
        json!({"app_name": "vim", "app_category": "OTHER", "os_type": "Linux",
               "version_id": "9", "version_name": "9", "appfile_store_path": "/x/vim.zip"}),
    )
    .await;

    // Refused before anything is made.
    for (apps, status, code) in [
        (
            vec![failed["id"].as_str().expect("id")],
            400,
            "WKS.00211102",
        ),
        (vec![linux["id"].as_str().expect("id")], 400, "WKS.00211102"),
        (vec!["no-such-app"], 404, "WKS.00211902"),
    ] {
        assert_error(
            &app.post(
                "/v1/{p}/image-servers",
                image_server_body(&app, "builder", WIN2019, &apps),
            )
            .await,
            status,
            code,
        );
    }
    let mut two = image_server_body(&app, "builder", WIN2019, &[]);
    two["authorize_accounts"] = json!([{"account": "a", "account_type": "USER"},
                                       {"account": "b", "account_type": "USER"}]);
    assert_error(
        &app.post("/v1/{p}/image-servers", two).await,
        400,
        "WKS.00211107",
    );
    assert_error(
        &app.post(
            "/v1/{p}/image-servers",
            image_server_body(&app, "builder", "no-such-image", &[]),
        )
        .await,
        400,
        "WKS.00211109",
    );
    assert_eq!(app.get("/v1/{p}/image-servers").await.body["count"], 0);
    assert_eq!(app.get("/v1/{p}/app-server-groups").await.body["count"], 0);

    // Made: the job runs while the server boots, then names the image server.
    let r = app
        .post(
            "/v1/{p}/image-servers",
            image_server_body(&app, "builder", WIN2019, &[&editor_id]),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let create = r.body["job_id"].as_str().expect("job").to_string();
    let j = job(&app, &create).await;
    assert_eq!(
        (&j["job_type"], &j["status"]),
        (&json!("CREATE_SERVER"), &json!("RUNNING"))
    );
    assert!(j.get("end_time").is_none(), "{j}");
    let server_id = j["sub_jobs"][0]["job_resource_info"]["resource_id"]
        .as_str()
        .expect("image server")
        .to_string();
    let s = app
        .get(&format!("/v1/{{p}}/image-servers/{server_id}"))
        .await;
    assert_eq!(s.body["status"], "CREATING", "{}", s.text);
    assert_error(
        &app.post(
            "/v1/{p}/image-servers",
            image_server_body(&app, "builder", WIN2019, &[]),
        )
        .await,
        409,
        "WKS.00211119",
    );
    clock.advance(60_000);
    app.run_jobs().await;
    let j = job(&app, &create).await;
    assert_eq!(j["status"], "SUCCESS", "{j}");
    assert_eq!(j["sub_jobs"][0]["status"], "SUCCESS");
    let s = app
        .get(&format!("/v1/{{p}}/image-servers/{server_id}"))
        .await
        .body;
    assert_eq!(s["status"], "ACTIVE", "{s}");
    let s_builder = s.clone();
    assert_eq!(s["image_ref"]["id"], WIN2019);
    assert_eq!(s["authorize_accounts"][0]["account"], "builder");
    assert_eq!(s["instance_id"], s["server_id"]);
    // Its server group, app group (the builder authorized) and running server are real.
    let sg = s["server_group_id"].as_str().expect("group").to_string();
    let ag = s["app_group_id"].as_str().expect("app group").to_string();
    let g = app.get(&format!("/v1/{{p}}/app-server-groups/{sg}")).await;
    assert_eq!(g.body["name"], "builder", "{}", g.text);
    let auths = app
        .get(&format!(
            "/v1/{{p}}/app-groups/actions/list-authorizations?app_group_id={ag}"
        ))
        .await;
    assert_eq!(
        auths.body["authorizations"][0]["account"], "builder",
        "{}",
        auths.text
    );
    let srv = app
        .get(&format!(
            "/v1/{{p}}/app-servers/{}",
            s["server_id"].as_str().expect("id")
        ))
        .await;
    assert_eq!(srv.body["status"], "REGISTERED", "{}", srv.text);
    let attached = app
        .get(&format!(
            "/v1/{{p}}/image-servers/{server_id}/actions/latest-attached-app"
        ))
        .await;
    assert_eq!(
        attached.body,
        json!({"items": [{"id": editor_id, "app_id": editor["app_id"]}]})
    );

    // Lists, renames, attaches again (the latest replaces the earlier).
    let l = app.get("/v1/{p}/image-servers?server_name=build").await;
    assert_eq!(l.body["count"], 1, "{}", l.text);
    assert_eq!(
        app.get("/v1/{p}/image-servers?server_id=nope").await.body["count"],
        0
    );
    let r = app
        .patch(
            &format!("/v1/{{p}}/image-servers/{server_id}"),
            json!({"description": "golden image builder"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_error(
        &app.patch(&format!("/v1/{{p}}/image-servers/{server_id}"), json!({}))
            .await,
        400,
        "WKS.0001",
    );
    let office = warehouse_app(&app, package("office", "16", "/x/office.msi")).await;
    let r = app
        .post(
            &format!("/v1/{{p}}/image-servers/{server_id}/actions/attach-app"),
            json!({"items": [editor_id, office["app_id"]]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.body["uri"]
        .as_str()
        .is_some_and(|u| u.starts_with("file:///C:/")));

    // The image: saving while its job runs (no group may use it yet), then active.
    for bad in [" lead", "trail ", "a/b"] {
        assert_error(
            &app.post(
                &format!("/v1/{{p}}/image-servers/{server_id}/actions/recreate-image"),
                json!({"name": bad}),
            )
            .await,
            400,
            "WKS.00211105",
        );
    }
    let r = app
        .post(
            &format!("/v1/{{p}}/image-servers/{server_id}/actions/recreate-image"),
            json!({"name": "Office 16 golden", "description": "with editor and office"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let build = r.body["job_id"].as_str().expect("job").to_string();
    let j = job(&app, &build).await;
    assert_eq!(
        (&j["job_type"], &j["status"]),
        (&json!("CREATE_SERVER_IMAGE"), &json!("RUNNING"))
    );
    let image = j["sub_jobs"][0]["job_resource_info"]["resource_id"]
        .as_str()
        .expect("image")
        .to_string();
    assert_eq!(
        app.get(&format!("/v1/{{p}}/image-servers/{server_id}"))
            .await
            .body["status"],
        "BUILDING"
    );
    let ims = app.get(&format!("/v2/cloudimages?id={image}")).await;
    assert_eq!(ims.body["images"][0]["status"], "saving", "{}", ims.text);
    let mut on_image = app.group_body("golden-sg");
    on_image["image_id"] = json!(image);
    on_image["image_type"] = json!("private");
    assert_error(
        &app.post("/v1/{p}/app-server-groups", on_image.clone())
            .await,
        400,
        "WKS.00211109",
    );
    assert_error(
        &app.post(
            &format!("/v1/{{p}}/image-servers/{server_id}/actions/recreate-image"),
            json!({"name": "again"}),
        )
        .await,
        409,
        "WKS.00211103",
    );
    clock.advance(60_000);
    app.run_jobs().await;
    assert_eq!(job(&app, &build).await["status"], "SUCCESS");
    let s = app
        .get(&format!("/v1/{{p}}/image-servers/{server_id}"))
        .await
        .body;
    assert_eq!(
        (&s["status"], &s["image_id"]),
        (&json!("BUILT"), &json!(image))
    );
    let ims = app
        .get(&format!("/v2/cloudimages?__imagetype=private&id={image}"))
        .await;
    let i = &ims.body["images"][0];
    assert_eq!(
        (&i["status"], &i["name"], &i["__os_type"], &i["min_disk"]),
        (
            &json!("active"),
            &json!("Office 16 golden"),
            &json!("Windows"),
            &json!(40)
        ),
        "{}",
        ims.text
    );
    assert_eq!(
        app.get(&format!("/v2/images/{image}")).await.body["id"],
        image
    );

    // A group runs it: its published app opens on a server built from it.
    let sg2 = app.create_group(on_image).await;
    let g = app
        .get(&format!("/v1/{{p}}/app-server-groups/{sg2}"))
        .await
        .body;
    assert_eq!(
        (&g["image_id"], &g["image_type"]),
        (&json!(image), &json!("private"))
    );
    assert_eq!(g["image_min_disk"], 40, "the base image's");
    let r = app
        .post(
            "/v1/{p}/app-servers/actions/create",
            app.app_servers_body(&sg2, 1),
        )
        .await;
    clock.advance(60_000);
    let done = app.wait_job(r.body["job_id"].as_str().expect("job")).await;
    assert_eq!(done["status"], "SUCCESS", "{done}");
    let (ag2, _) = app_group_for(&app, &sg2, "golden-ag", &["alice".to_string()]).await;
    let publishable = app
        .get(&format!("/v1/{{p}}/app-groups/{ag2}/publishable-app"))
        .await;
    let names: Vec<&str> = publishable.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|a| a["name"].as_str())
        .collect();
    assert!(
        names.contains(&"office") && names.contains(&"editor"),
        "the installed apps are publishable: {}",
        publishable.text
    );
    let office_app = publishable.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|a| a["name"] == "office")
        .expect("office")
        .clone();
    assert_eq!(
        office_app["execute_path"],
        "C:\\Program Files\\office\\office.exe"
    );
    let r = app
        .post(
            &format!("/v1/{{p}}/app-groups/{ag2}/apps"),
            json!({"items": [{"name": "office", "execute_path": office_app["execute_path"], "source_type": 1}]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let office_id = r.body["items"][0]["id"].as_str().expect("app").to_string();
    let s = launch(&app, "alice", &ag2, &office_id).await;
    assert_eq!(s.status, 200, "{}", s.text);
    let on = app
        .get(&format!(
            "/v1/{{p}}/app-servers/{}",
            s.body["server_id"].as_str().expect("server")
        ))
        .await;
    assert_eq!(on.body["image_id"], image, "{}", on.text);
    // Rolled out to a server built from the base image: change-image takes the private one.
    let builder_server = s_builder["server_id"].as_str().expect("server").to_string();
    let r = app
        .post(
            &format!("/v1/{{p}}/app-servers/{builder_server}/actions/change-image"),
            json!({"image_id": image, "image_type": "private", "os_type": "Windows"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    clock.advance(60_000);
    let done = app.wait_job(r.body["job_id"].as_str().expect("job")).await;
    assert_eq!(done["status"], "SUCCESS", "{done}");
    assert_eq!(
        app.get(&format!("/v1/{{p}}/app-servers/{builder_server}"))
            .await
            .body["image_id"],
        image
    );

    // An image a group uses cannot go; a public image never.
    assert_error(
        &app.delete(&format!("/v2/images/{image}")).await,
        409,
        "WKS.00211123",
    );
    assert_error(
        &app.delete(&format!("/v2/images/{WIN2019}")).await,
        403,
        "WKS.00081102",
    );

    // Jobs and sub-jobs: listed, counted, filtered; a running one cannot be removed.
    let l = app.get("/v1/{p}/image-server-jobs?job_type=").await;
    assert_eq!(l.body["count"], 2, "{}", l.text);
    assert_eq!(l.body["items"][0]["id"], build, "newest first");
    assert_eq!(l.body["items"][0]["sub_jobs_total"], 1);
    assert_error(
        &app.get("/v1/{p}/image-server-jobs").await,
        400,
        "WKS.00211104",
    );
    assert_error(
        &app.get("/v1/{p}/image-server-jobs?job_type=BUILD").await,
        400,
        "WKS.00211106",
    );
    let l = app
        .get("/v1/{p}/image-server-jobs?job_type=CREATE_SERVER&status=SUCCESS")
        .await;
    assert_eq!(l.body["count"], 1);
    let subs = app
        .get(&format!(
            "/v1/{{p}}/image-server-sub-jobs?job_type=&job_id={create}"
        ))
        .await;
    assert_eq!(subs.body["count"], 1, "{}", subs.text);
    assert_eq!(subs.body["items"][0]["job_id"], create);
    assert_eq!(
        app.get("/v1/{p}/image-server-sub-jobs/actions/count?status=SUCCESS")
            .await
            .body["count"],
        2
    );

    // Deleted with its groups: the job runs while the server is torn down.
    let r = app
        .patch(
            "/v1/{p}/image-servers/actions/batch-delete",
            json!({"items": [server_id], "recursive": true}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let del = r.body["job_id"].as_str().expect("job").to_string();
    assert_eq!(
        app.get(&format!("/v1/{{p}}/image-servers/{server_id}"))
            .await
            .body["status"],
        "DELETING"
    );
    let sub = format!("{del}-1");
    assert_error(
        &app.patch(
            "/v1/{p}/image-server-sub-jobs/actions/batch-delete",
            json!({"items": [sub]}),
        )
        .await,
        409,
        "WKS.00211103",
    );
    clock.advance(60_000);
    app.run_jobs().await;
    assert_eq!(job(&app, &del).await["status"], "SUCCESS");
    assert_error(
        &app.get(&format!("/v1/{{p}}/image-servers/{server_id}"))
            .await,
        404,
        "WKS.00211902",
    );
    assert_error(
        &app.get(&format!("/v1/{{p}}/app-server-groups/{sg}")).await,
        404,
        "WKS.00211902",
    );
    assert_error(
        &app.get(&format!("/v1/{{p}}/app-groups/{ag}")).await,
        404,
        "WKS.00211902",
    );
    // The image outlives its image server; the group on it keeps running.
    assert_eq!(app.get(&format!("/v2/images/{image}")).await.status, 200);
    let r = app
        .patch(
            "/v1/{p}/image-server-sub-jobs/actions/batch-delete",
            json!({"items": [sub]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_error(
        &app.get(&format!("/v1/{{p}}/image-server-jobs/{del}")).await,
        404,
        "WKS.00211902",
    );
    // Deleting what is gone succeeds, as the vendor's does.
    let r = app
        .patch(
            "/v1/{p}/image-servers/actions/batch-delete",
            json!({"items": [server_id]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        job(&app, r.body["job_id"].as_str().expect("job")).await["status"],
        "SUCCESS"
    );
}

/// A base image deleted since the image server was made, and a server with no host to go
/// to: each fails its job with the reason, and leaves nothing half-made.
#[tokio::test]
async fn failures_fail_the_job_with_the_reason_and_leave_nothing() {
    let app = TestApp::new().await;
    // A private image to build from, made by a first image server.
    let r = app
        .post(
            "/v1/{p}/image-servers",
            image_server_body(&app, "first", WIN2019, &[]),
        )
        .await;
    let first = job(&app, r.body["job_id"].as_str().expect("job")).await;
    app.run_jobs().await;
    let first_id = first["sub_jobs"][0]["job_resource_info"]["resource_id"]
        .as_str()
        .expect("id")
        .to_string();
    let r = app
        .post(
            &format!("/v1/{{p}}/image-servers/{first_id}/actions/recreate-image"),
            json!({"name": "base"}),
        )
        .await;
    app.run_jobs().await;
    let base = job(&app, r.body["job_id"].as_str().expect("job")).await["sub_jobs"][0]
        ["job_resource_info"]["resource_id"]
        .as_str()
        .expect("image")
        .to_string();
    let mut body = image_server_body(&app, "second", &base, &[]);
    body["image_ref"]["image_type"] = json!("private");
    let r = app.post("/v1/{p}/image-servers", body).await;
    assert_eq!(r.status, 200, "{}", r.text);
    app.run_jobs().await;
    let second = job(&app, r.body["job_id"].as_str().expect("job")).await;
    assert_eq!(second["status"], "SUCCESS", "{second}");
    let second_id = second["sub_jobs"][0]["job_resource_info"]["resource_id"]
        .as_str()
        .expect("id")
        .to_string();
    let s = app
        .get(&format!("/v1/{{p}}/image-servers/{second_id}"))
        .await
        .body;
    // Its group moves to a public image; then the base image can go.
    let sg = s["server_group_id"].as_str().expect("group");
    let r = app
        .patch(
            &format!("/v1/{{p}}/app-server-groups/{sg}"),
            json!({"image_id": WIN2019, "image_type": "public"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(app.delete(&format!("/v2/images/{base}")).await.status, 204);
    assert_eq!(
        app.get(&format!("/v2/cloudimages?id={base}")).await.body["images"],
        json!([])
    );
    assert_error(
        &app.delete(&format!("/v2/images/{base}")).await,
        404,
        "WKS.00211902",
    );
    let r = app
        .post(
            &format!("/v1/{{p}}/image-servers/{second_id}/actions/recreate-image"),
            json!({"name": "from-second"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let j = job(&app, r.body["job_id"].as_str().expect("job")).await;
    assert_eq!(j["status"], "FAILED", "{j}");
    let why = &j["sub_jobs"][0]["job_execute_info"];
    assert_eq!(why["error_code"], "WKS.00211109");
    assert!(
        why["error_message"]
            .as_str()
            .is_some_and(|m| m.contains(&base)),
        "{why}"
    );
    let images = app.get("/v2/cloudimages?__imagetype=private").await;
    assert_eq!(
        images.body["images"].as_array().map(Vec::len),
        Some(0),
        "{}",
        images.text
    );
    assert_eq!(
        app.get(&format!("/v1/{{p}}/image-servers/{second_id}"))
            .await
            .body["status"],
        "ACTIVE",
        "the image server is left as it was"
    );

    // No host: every host of the zone failed.
    let hosts = app.get("/openwks/v1/hosts").await;
    for h in hosts.body["hosts"].as_array().expect("hosts") {
        let id = h["id"].as_str().expect("id");
        let r = app
            .post(&format!("/openwks/v1/_admin/hosts/{id}/fail"), json!({}))
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
    }
    let groups_before = app.get("/v1/{p}/app-server-groups").await.body["count"].clone();
    let r = app
        .post(
            "/v1/{p}/image-servers",
            image_server_body(&app, "nowhere", WIN2019, &[]),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let j = job(&app, r.body["job_id"].as_str().expect("job")).await;
    assert_eq!(j["status"], "FAILED", "{j}");
    let why = &j["sub_jobs"][0]["job_execute_info"];
    assert_eq!(why["error_code"], "WKS.00131114", "{j}");
    assert!(why["error_message"].as_str().is_some_and(|m| !m.is_empty()));
    assert_eq!(
        j["sub_jobs"][0]["job_resource_info"]["resource_name"],
        "nowhere"
    );
    assert_eq!(
        app.get("/v1/{p}/image-servers?server_name=nowhere")
            .await
            .body["count"],
        0
    );
    assert_eq!(
        app.get("/v1/{p}/app-server-groups").await.body["count"],
        groups_before,
        "no group of it stays"
    );
    assert_eq!(
        app.get("/v1/{p}/app-groups?name=nowhere").await.body["count"],
        0
    );
    // The name is free again.
    assert_eq!(
        app.post(
            "/v1/{p}/app-server-groups/rules/validate",
            json!({"name": "nowhere"})
        )
        .await
        .status,
        200
    );
}
