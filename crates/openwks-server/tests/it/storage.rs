//! Storage (issue 19): WKS storages on real directories, personal and shared folders with
//! their members and access policies, the mounts a session gets by its group's
//! `storage_mount_policy`, file operations checked against the policy, and paths that never
//! leave their folder.

use serde_json::{json, Value};

use crate::harness::{assert_error, Resp, TestApp, AK, SK};
use crate::sessions::{app_group_for, launch};

async fn create_storage(app: &TestApp, name: &str, handle: &str) -> String {
    let r = app
        .post(
            "/v1/{p}/persistent-storages",
            json!({"name": name, "storage_metadata": {"storage_class": "sfs", "storage_handle": handle}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["id"].as_str().expect("id").to_string()
}

/// A raw file call on a session's mount (the body is the file).
async fn file(
    app: &TestApp,
    method: &str,
    session: &str,
    claim: &str,
    query: &str,
    body: &[u8],
) -> Resp {
    let pq = app.path(&format!(
        "/openwks/v1/{{p}}/app-launches/{session}/files/{claim}?{query}"
    ));
    let hs = app.signed_headers(method, &pq, body, AK, SK, &app.sdk_date());
    app.send_raw(method, &pq, body.to_vec(), hs).await
}

async fn list_files(app: &TestApp, q: &str) -> Resp {
    app.get(&format!(
        "/v1/{{p}}/cloud-storages/actions/list-folder-files?user_name=ann&{q}"
    ))
    .await
}

fn mount<'a>(launch: &'a Value, folder: &str) -> &'a Value {
    launch["mounts"]
        .as_array()
        .expect("mounts")
        .iter()
        .find(|m| m["folder_path"] == folder)
        .unwrap_or_else(|| panic!("no mount of {folder} in {launch}"))
}

#[tokio::test]
async fn storages_folders_and_the_mounts_a_session_gets() {
    let app = TestApp::new().await;
    // Refusals: the vendor's rules of the create body.
    for (body, code) in [
        (
            json!({"storage_metadata": {"storage_class": "sfs", "storage_handle": "fs"}}),
            "WKS.00211104",
        ),
        (
            json!({"name": "   ", "storage_metadata": {"storage_class": "sfs", "storage_handle": "fs"}}),
            "WKS.00211105",
        ),
        (
            json!({"name": "a\tb", "storage_metadata": {"storage_class": "sfs", "storage_handle": "fs"}}),
            "WKS.00211105",
        ),
        (
            json!({"name": "s", "storage_metadata": {"storage_class": "obs", "storage_handle": "fs"}}),
            "WKS.00211106",
        ),
        (
            json!({"name": "s", "storage_metadata": {"storage_class": "sfs", "storage_handle": "../etc"}}),
            "WKS.00211102",
        ),
        (json!({"name": "s"}), "WKS.00211104"),
    ] {
        assert_error(
            &app.post("/v1/{p}/persistent-storages", body).await,
            400,
            code,
        );
    }
    let sid = create_storage(&app, "user files", "sfs-tmp").await;
    assert_eq!(
        sid.len(),
        18,
        "18 digits, as the vendor's Terraform provider expects"
    );
    assert!(sid.chars().all(|c| c.is_ascii_digit()));
    let r = app
        .post(
            "/v1/{p}/persistent-storages",
            json!({"name": "again", "storage_metadata": {"storage_class": "sfs", "storage_handle": "sfs-tmp"}}),
        )
        .await;
    assert_error(&r, 409, "WKS.00211103");
    let r = app
        .get(&format!("/v1/{{p}}/persistent-storages?storage_id={sid}"))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["count"], 1);
    let item = &r.body["items"][0];
    assert_eq!(item["name"], "user files");
    assert_eq!(item["storage_metadata"]["storage_handle"], "sfs-tmp");
    assert_eq!(
        item["storage_metadata"]["export_location"],
        "https://sfs-tmp.sfs3.cn-north-4.myhuaweicloud.com:443"
    );
    // The file system is a real directory, listed by list_sfs3_storage.
    let fs_dir = app
        .dir
        .path()
        .join("storage")
        .join(crate::harness::PID)
        .join("sfs-tmp");
    assert!(fs_dir.is_dir());
    let r = app
        .get("/v1/persistent-storages/actions/list-sfs-storages?name=tmp")
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["items"][0]["name"], "sfs-tmp", "{}", r.text);

    // Policies: the four built-in ones and the project's own.
    let r = app
        .get("/v1/{p}/storages-policy/actions/list-statements")
        .await;
    assert_eq!(r.body["count"], 4, "{}", r.text);
    assert_eq!(
        r.body["items"][3],
        json!({"policy_statement_id": "DEFAULT_4", "actions": [], "roam_actions": ["GetObject"]})
    );
    for (body, code) in [
        (
            json!({"actions": ["PutObject"], "roam_actions": ["GetObject"]}),
            "WKS.00211102",
        ),
        (json!({"actions": [], "roam_actions": []}), "WKS.00211104"),
        (
            json!({"actions": ["Read"], "roam_actions": ["GetObject"]}),
            "WKS.00211106",
        ),
        (json!({"actions": ["GetObject"]}), "WKS.00211104"),
    ] {
        assert_error(
            &app.put("/v1/{p}/storages-policy/actions/create-statements", body)
                .await,
            400,
            code,
        );
    }
    let r = app
        .put(
            "/v1/{p}/storages-policy/actions/create-statements",
            json!({"actions": ["GetObject"], "roam_actions": ["GetObject", "DeleteObject", "PutObject"]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.body,
        json!({"policy_statement_id": "CUSTOM_1", "actions": ["GetObject"], "roam_actions": ["PutObject", "DeleteObject", "GetObject"]})
    );

    // Personal folders for ann (full access) and bob (list only from the client).
    let assign = format!("/v1/{{p}}/persistent-storages/{sid}/actions/assign-folder");
    assert_error(
        &app.post(
            &assign,
            json!({"items": [{"attach": "ann", "policy_statement_id": "NOPE"}]}),
        )
        .await,
        400,
        "WKS.00211102",
    );
    assert_error(
        &app.post(
            &assign,
            json!({"items": [{"attach": "../x", "policy_statement_id": "DEFAULT_1"}]}),
        )
        .await,
        400,
        "WKS.00211102",
    );
    assert_error(
        &app.post(
            "/v1/{p}/persistent-storages/123456789012345678/actions/assign-folder",
            json!({"items": [{"attach": "ann", "policy_statement_id": "DEFAULT_1"}]}),
        )
        .await,
        404,
        "WKS.00211902",
    );
    let r = app
        .post(
            &assign,
            json!({"items": [
            {"attach": "ann", "policy_statement_id": "DEFAULT_1", "attach_type": "USER"},
            {"attach": "bob", "policy_statement_id": "DEFAULT_4"}]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(fs_dir.join("users/ann").is_dir() && fs_dir.join("users/bob").is_dir());
    let r = app
        .get(&format!("/v1/{{p}}/persistent-storages/actions/list-attachments?storage_id={sid}&claim_mode=USER"))
        .await;
    assert_eq!(r.body["count"], 2, "{}", r.text);
    assert_eq!(
        r.body["items"][0]["attachment"],
        json!({"attach": "ann", "attach_type": "USER"})
    );
    assert_eq!(r.body["items"][0]["folder_path"], "users/ann/");
    assert_eq!(
        r.body["items"][1]["policy_statement"]["policy_statement_id"],
        "DEFAULT_4"
    );
    assert_error(
        &app.get(&format!("/v1/{{p}}/persistent-storages/actions/list-attachments?storage_id={sid}&claim_mode=SHARE")).await,
        400,
        "WKS.00211104",
    );

    // A shared folder: bob by name, ann through the user group "editors".
    let r = app
        .post(
            &format!("/v1/{{p}}/persistent-storages/{sid}/actions/create-share-folder"),
            json!({"folder_name": "video"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["folder_path"], "shares/video/");
    assert_eq!(r.body["claim_mode"], "SHARE");
    let claim = r.body["storage_claim_id"]
        .as_str()
        .expect("claim")
        .to_string();
    assert_error(
        &app.post(
            &format!("/v1/{{p}}/persistent-storages/{sid}/actions/create-share-folder"),
            json!({"folder_name": "video"}),
        )
        .await,
        409,
        "WKS.00211119",
    );
    assert_error(
        &app.post(
            &format!("/v1/{{p}}/persistent-storages/{sid}/actions/create-share-folder"),
            json!({"folder_name": "a/b"}),
        )
        .await,
        400,
        "WKS.00211105",
    );
    let members = format!("/v1/{{p}}/persistent-storages/{sid}/actions/assign-share-folder");
    assert_error(
        &app.post(&members, json!({"storage_claim_id": claim, "add_items": [{"attach": "nobody-group", "attach_type": "USER_GROUP", "policy_statement_id": "DEFAULT_1"}]})).await,
        400,
        "WKS.00211102",
    );
    let r = app
        .post(
            "/openwks/v1/{p}/user-groups",
            json!({"name": "editors", "members": ["ann"]}),
        )
        .await;
    assert!(r.status == 200 || r.status == 201, "{}", r.text);
    let r = app
        .post(
            &members,
            json!({"storage_claim_id": claim, "add_items": [
            {"attach": "editors", "attach_type": "USER_GROUP", "policy_statement_id": "DEFAULT_2"},
            {"attach": "bob", "attach_type": "USER", "policy_statement_id": "CUSTOM_1"}]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = app
        .get(&format!(
            "/v1/{{p}}/persistent-storages/actions/list-share-folders?storage_id={sid}"
        ))
        .await;
    assert_eq!(
        r.body["items"][0]["count"],
        json!({"USER": 1, "USER_GROUP": 1}),
        "{}",
        r.text
    );

    // Deletes refused while in use: the storage (folders), the shared folder (members).
    assert_error(
        &app.delete(&format!("/v1/{{p}}/persistent-storages/{sid}"))
            .await,
        400,
        "WKS.00211124",
    );
    assert_error(
        &app.post(
            &format!("/v1/{{p}}/persistent-storages/{sid}/actions/delete-storage-claim"),
            json!({"items": [claim]}),
        )
        .await,
        400,
        "WKS.00211124",
    );

    // Sessions: ann on a USER group gets her personal folder; on a SHARE group the shared
    // one; bob on the SHARE group gets it with his own policy.
    let team = vec!["ann".to_string(), "bob".to_string()];
    let mut users_body = app.group_body("st-user");
    users_body["storage_mount_policy"] = json!("USER");
    let sg_user = app.create_group(users_body).await;
    app.app_servers(&sg_user, 1).await;
    let (ag_user, app_user) = app_group_for(&app, &sg_user, "ag-st-user", &team).await;
    let mut share_body = app.group_body("st-share");
    share_body["storage_mount_policy"] = json!("SHARE");
    let sg_share = app.create_group(share_body).await;
    app.app_servers(&sg_share, 1).await;
    let (ag_share, app_share) = app_group_for(&app, &sg_share, "ag-st-share", &team).await;

    let ann_user = launch(&app, "ann", &ag_user, &app_user).await;
    assert_eq!(ann_user.status, 200, "{}", ann_user.text);
    assert_eq!(
        ann_user.body["mounts"].as_array().map(Vec::len),
        Some(1),
        "{}",
        ann_user.text
    );
    let home = mount(&ann_user.body, "users/ann/");
    assert_eq!(home["claim_mode"], "USER");
    assert_eq!(home["mount_point"], "/mnt/sfs-tmp/personal");
    let ann_share = launch(&app, "ann", &ag_share, &app_share).await;
    assert_eq!(ann_share.status, 200, "{}", ann_share.text);
    assert_eq!(
        ann_share.body["mounts"].as_array().map(Vec::len),
        Some(1),
        "{}",
        ann_share.text
    );
    let video = mount(&ann_share.body, "shares/video/");
    assert_eq!(video["attach_type"], "USER_GROUP");
    assert_eq!(video["policy_statement_id"], "DEFAULT_2");
    let bob_share = launch(&app, "bob", &ag_share, &app_share).await;
    assert_eq!(
        mount(&bob_share.body, "shares/video/")["policy_statement_id"],
        "CUSTOM_1"
    );

    // Files: ann writes in her folder; what the policy forbids is refused.
    let s_home = ann_user.body["session_id"].as_str().expect("session");
    let home_claim = home["storage_claim_id"].as_str().expect("claim");
    let r = file(
        &app,
        "PUT",
        s_home,
        home_claim,
        "path=docs/report.txt",
        b"quarterly",
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(
        std::fs::read(fs_dir.join("users/ann/docs/report.txt")).expect("on disk"),
        b"quarterly"
    );
    let r = file(&app, "GET", s_home, home_claim, "path=docs/report.txt", b"").await;
    assert_eq!((r.status, r.text.as_str()), (200, "quarterly"));
    let r = file(&app, "GET", s_home, home_claim, "path=docs", b"").await;
    assert_eq!(r.body["entries"][0]["name"], "report.txt", "{}", r.text);
    // DEFAULT_2: from the client, download only.
    let s_share = ann_share.body["session_id"].as_str().expect("session");
    let video_claim = video["storage_claim_id"].as_str().expect("claim");
    let r = file(
        &app,
        "PUT",
        s_share,
        video_claim,
        "path=cut.mp4&access=client",
        b"v",
    )
    .await;
    assert_error(&r, 403, "WKS.00211125");
    let r = file(&app, "PUT", s_share, video_claim, "path=cut.mp4", b"v1").await;
    assert_eq!(r.status, 201, "{}", r.text);
    let r = file(
        &app,
        "GET",
        s_share,
        video_claim,
        "path=cut.mp4&access=client",
        b"",
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    // A mount the session does not have: the personal folder on the SHARE group.
    assert_error(
        &file(&app, "GET", s_share, home_claim, "path=", b"").await,
        404,
        "WKS.00211902",
    );

    // Paths never leave the folder: parent parts, absolute paths, backslashes, encoded
    // separators, and links planted on the host.
    for q in [
        "path=../bob/x",
        "path=docs/../../bob/x",
        "path=%2E%2E%2Fbob%2Fx",
        "path=..%2F..%2F..%2Fetc%2Fpasswd",
        "path=//etc/passwd",
        "path=docs%5C..%5Cx",
        "path=a%00b",
    ] {
        let r = file(&app, "PUT", s_home, home_claim, q, b"evil").await;
        assert_eq!(r.status, 400, "{q}: {}", r.text);
    }
    assert!(!fs_dir.join("users/bob/x").exists());
    let outside = app.dir.path().join("outside.txt");
    std::fs::write(&outside, b"host secret").expect("write");
    std::os::unix::fs::symlink(&outside, fs_dir.join("users/ann/link")).expect("link");
    std::os::unix::fs::symlink(app.dir.path(), fs_dir.join("users/ann/up")).expect("link");
    for q in ["path=link", "path=up/outside.txt"] {
        assert_eq!(
            file(&app, "GET", s_home, home_claim, q, b"").await.status,
            400,
            "{q}"
        );
        assert_eq!(
            file(&app, "PUT", s_home, home_claim, q, b"x").await.status,
            400,
            "{q}"
        );
    }
    assert_eq!(std::fs::read(&outside).expect("read"), b"host secret");
    // An encoded separator in the mount's id names no mount.
    let r = file(&app, "GET", s_home, "..%2F..%2Fusers", "path=", b"").await;
    assert_eq!(r.status, 404, "{}", r.text);

    // Deleting a user's folder deletes its files for good; a new folder starts empty.
    let r = app
        .post(
            &format!("/v1/{{p}}/persistent-storages/{sid}/actions/delete-user-attachment"),
            json!({"items": ["ann", "zed"]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(!fs_dir.join("users/ann").exists());
    assert!(std::fs::read_dir(fs_dir.join(".deleted"))
        .expect("bin")
        .next()
        .is_none());
    let r = app
        .post(
            &assign,
            json!({"items": [{"attach": "ann", "policy_statement_id": "DEFAULT_1"}]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(!fs_dir.join("users/ann/docs").exists());

    // Members removed, the shared folder goes; folders gone, the storage goes (its files stay).
    let r = app
        .post(&members, json!({"storage_claim_id": claim, "del_items": [
            {"attach": "editors", "attach_type": "USER_GROUP"}, {"attach": "bob", "attach_type": "USER"}]}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = app
        .post(
            &format!("/v1/{{p}}/persistent-storages/{sid}/actions/delete-storage-claim"),
            json!({"items": [claim]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(!fs_dir.join("shares/video").exists());
    let r = app
        .post(
            &format!("/v1/{{p}}/persistent-storages/{sid}/actions/delete-user-attachment"),
            json!({"items": ["ann", "bob"]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = app
        .post(
            "/v1/{p}/persistent-storages/actions/batch-delete",
            json!({"items": [sid, "123456789012345678"]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        app.delete(&format!("/v1/{{p}}/persistent-storages/{sid}"))
            .await
            .status,
        200,
        "gone: 200"
    );
    assert!(fs_dir.is_dir(), "the file system stays");
}

#[tokio::test]
async fn storage_routes_need_their_iam_actions() {
    let app = TestApp::new().await;
    let sid = create_storage(&app, "s", "fs-iam").await;
    let nobody = crate::iam::user(&app, "storage-nobody").await;
    for (method, path, body) in [
        ("GET", "/v1/{p}/persistent-storages".to_string(), None),
        (
            "DELETE",
            format!("/v1/{{p}}/persistent-storages/{sid}"),
            None,
        ),
        (
            "POST",
            format!("/v1/{{p}}/persistent-storages/{sid}/actions/assign-folder"),
            Some(json!({"items": [{"attach": "eve", "policy_statement_id": "DEFAULT_1"}]})),
        ),
        (
            "GET",
            "/v1/persistent-storages/actions/list-sfs-storages".to_string(),
            None,
        ),
        (
            "PUT",
            "/v1/{p}/storages-policy/actions/create-statements".to_string(),
            Some(json!({"roam_actions": ["GetObject"]})),
        ),
    ] {
        let r = app.call_as(nobody.key(), method, &path, body).await;
        assert!(crate::iam::denied(&r), "{method} {path}: {}", r.text);
    }
    assert_eq!(
        app.get("/v1/{p}/persistent-storages").await.body["count"],
        1
    );
}

#[tokio::test]
async fn cloud_storages_folders_files_transfers_and_profiles() {
    let app = TestApp::new().await;
    let r = app
        .get("/v1/{p}/cloud-storages/actions/list-project-configs")
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["count"], 2);
    assert_eq!(
        r.body["items"][0]["project_config_id"],
        "default_project_config"
    );
    assert_eq!(r.body["items"][0]["is_relevance"], false);
    for (body, code) in [
        (json!({}), "WKS.00211104"),
        (
            json!({"project_config_cluster_group_id_list": []}),
            "WKS.00211107",
        ),
        (
            json!({"project_config_cluster_group_id_list": [{"project_config_id": "nope", "cluster_group_id": "default_cluster_group"}]}),
            "WKS.00211102",
        ),
        (
            json!({"project_config_cluster_group_id_list": [{"project_config_id": "default_project_config", "cluster_group_id": "other"}]}),
            "WKS.00211102",
        ),
    ] {
        assert_error(&app.post("/v1/{p}/cloud-storages", body).await, 400, code);
    }
    let both = json!({"project_config_cluster_group_id_list": [
        {"project_config_id": "default_project_config", "cluster_group_id": "default_cluster_group"},
        {"project_config_id": "standby_project_config", "cluster_group_id": "standby_cluster_group"}]});
    let r = app.post("/v1/{p}/cloud-storages", both.clone()).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_error(
        &app.post("/v1/{p}/cloud-storages", both).await,
        409,
        "WKS.00211103",
    );
    let r = app.get("/v1/{p}/cloud-storages").await;
    assert_eq!(r.body["count"], 2, "{}", r.text);
    let cs = r.body["items"][0]["id"].as_str().expect("id").to_string();
    let standby = r.body["items"][1]["id"].as_str().expect("id").to_string();
    let r = app
        .get(&format!(
            "/v1/{{p}}/cloud-storages/actions/project-config/{cs}"
        ))
        .await;
    assert_eq!(r.body["project_config"]["is_relevance"], true, "{}", r.text);

    // Personal folders: ann may share (roam get), bob may receive (roam put), 40 bytes each.
    let r = app
        .post(&format!("/v1/{{p}}/cloud-storages/{cs}/actions/create-folder"), json!({"items": [
            {"attach_id": "u-ann", "attach_name": "ann", "file_system_quota": 40, "roam_action_get": true, "roam_action_put": true},
            {"attach_id": "u-bob", "attach_name": "bob", "file_system_quota": 40, "roam_action_put": true}]}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["items"][0]["is_success"], true);
    assert_eq!(r.body["items"][0]["folder_name"], "u-ann");
    let ann_folder = r.body["items"][0]["id"].as_str().expect("id").to_string();
    let bob_folder = r.body["items"][1]["id"].as_str().expect("id").to_string();
    let fs_dir = app
        .dir
        .path()
        .join("storage")
        .join(crate::harness::PID)
        .join(format!("wks-cloud-{cs}"));
    assert!(fs_dir.join("users/u-ann").is_dir());

    // Ann's files (put as the administrator would find them) and her profile.
    std::fs::create_dir_all(fs_dir.join("users/u-ann/My Files/backup")).expect("dirs");
    std::fs::write(fs_dir.join("users/u-ann/My Files/a.txt"), b"0123456789").expect("write");
    std::fs::write(fs_dir.join("users/u-ann/My Files/b.pptx"), b"01234").expect("write");
    std::fs::create_dir_all(fs_dir.join("users/u-ann/UserProfile/AppData")).expect("dirs");
    std::fs::write(
        fs_dir.join("users/u-ann/UserProfile/AppData/settings.ini"),
        b"x=1",
    )
    .expect("write");
    let r = list_files(&app, "folder_url=My%20Files/").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.body["files"],
        json!([
        {"file_name": "My Files/a.txt", "size": 10, "content_type": ".txt"},
        {"file_name": "My Files/b.pptx", "size": 5, "content_type": ".pptx"}])
    );
    assert_eq!(r.body["folders"][0]["prefix"], "My Files/backup");
    assert_eq!(r.body["prefix"], "/My Files");
    let r = list_files(&app, "folder_url=My%20Files&limit=1").await;
    assert_eq!(r.body["next_marker"], "My Files/a.txt", "{}", r.text);
    let r = list_files(&app, "folder_url=My%20Files&marker=My%20Files/a.txt").await;
    assert_eq!(
        r.body["files"][0]["file_name"], "My Files/b.pptx",
        "{}",
        r.text
    );
    for q in [
        "folder_url=..%2Fu-bob",
        "folder_url=My%20Files%5C..%5C..",
        "folder_url=a%3Ab",
        "folder_url=",
    ] {
        assert_eq!(list_files(&app, q).await.status, 400, "{q}");
    }
    assert_error(
        &list_files(&app, "folder_url=nothing-here").await,
        404,
        "WKS.00211902",
    );

    // Transfer: ann shares a.txt; bob sees where it would land and takes it; codes checked.
    let r = app
        .post(
            "/v1/{p}/cloud-storages/actions/transfer-file",
            json!({"transfer_type": 0, "user_name": "ann", "file_url": "My Files/a.txt"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let (code, acc, fsn) = (
        r.body["file_code"].as_str().expect("code").to_string(),
        r.body["file_acc_code"].as_str().expect("acc").to_string(),
        r.body["file_system_name"].as_str().expect("fs").to_string(),
    );
    assert_eq!(acc.len(), 6);
    let r = app
        .post(
            "/v1/{p}/cloud-storages/actions/transfer-file",
            json!({"transfer_type": 0, "user_name": "bob", "file_url": "x.txt"}),
        )
        .await;
    assert_error(&r, 403, "WKS.00211125");
    let wrong = app
        .post("/v1/{p}/cloud-storages/actions/pre-transfer-file", json!({"user_name": "bob", "file_code": code, "file_acc_code": "WRONG1", "file_system_name": fsn}))
        .await;
    assert_error(&wrong, 404, "WKS.00211902");
    std::fs::write(fs_dir.join("users/u-bob/a.txt"), b"old").expect("write");
    let pre = app
        .post("/v1/{p}/cloud-storages/actions/pre-transfer-file", json!({"user_name": "bob", "file_name": "a.txt", "file_code": code, "file_acc_code": acc, "file_system_name": fsn}))
        .await;
    assert_eq!(pre.status, 200, "{}", pre.text);
    assert_eq!(pre.body["target_file_url"], "a (1).txt");
    assert_eq!(pre.body["folder_name"], "u-bob");
    let take = json!({"transfer_type": 1, "user_name": "bob", "file_code": code, "file_acc_code": acc,
                      "file_system_name": fsn, "target_file_url": pre.body["target_file_url"]});
    let r = app
        .post("/v1/{p}/cloud-storages/actions/transfer-file", take.clone())
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        std::fs::read(fs_dir.join("users/u-bob/a (1).txt")).expect("taken"),
        b"0123456789"
    );
    assert_error(
        &app.post("/v1/{p}/cloud-storages/actions/transfer-file", take)
            .await,
        409,
        "WKS.00211103",
    );
    // Over bob's quota (40 bytes): refused whole, nothing written.
    std::fs::write(fs_dir.join("users/u-ann/My Files/big.bin"), vec![7u8; 30]).expect("write");
    let r = app
        .post(
            "/v1/{p}/cloud-storages/actions/transfer-file",
            json!({"transfer_type": 0, "user_name": "ann", "file_url": "My Files/big.bin"}),
        )
        .await;
    let r = app
        .post("/v1/{p}/cloud-storages/actions/transfer-file", json!({"transfer_type": 1, "user_name": "bob",
            "file_code": r.body["file_code"], "file_acc_code": r.body["file_acc_code"], "file_system_name": fsn}))
        .await;
    assert_error(&r, 400, "WKS.00211126");
    assert!(!fs_dir.join("users/u-bob/big.bin").exists());
    assert!(
        std::fs::read_dir(fs_dir.join(".openwks-partial"))
            .map(|d| d.count())
            .unwrap_or(0)
            == 0
    );

    // Folder lists with what each holds; quotas and switches change; a quota below use is refused.
    let r = app
        .get(&format!("/v1/{{p}}/cloud-storages/actions/list-folders?storage_id={cs}&claim_mode=USER&capacity_filter=true&attach_names=bob"))
        .await;
    assert_eq!(r.body["count"], 1, "{}", r.text);
    assert_eq!(r.body["items"][0]["used_quota"], 13);
    let upd = format!("/v1/{{p}}/cloud-storages/{cs}/actions/update-folder/{bob_folder}");
    assert_error(
        &app.patch(
            &upd,
            json!({"update_user_assignment_info": {"file_system_quota": 5}}),
        )
        .await,
        400,
        "WKS.00211126",
    );
    let r = app
        .patch(
            &upd,
            json!({"update_user_assignment_info": {"file_system_quota": 100, "action_get": true}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);

    // The profile reset empties UserProfile, for real; the rest stays.
    let r = app
        .post(
            "/v1/{p}/cloud-storages/actions/reset-userprofile",
            json!({"cloud_storage_assignment_id": ann_folder}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(fs_dir.join("users/u-ann/UserProfile").is_dir());
    assert_eq!(
        std::fs::read_dir(fs_dir.join("users/u-ann/UserProfile"))
            .expect("dir")
            .count(),
        0
    );
    assert!(fs_dir.join("users/u-ann/My Files/a.txt").exists());
    assert_error(
        &app.post(
            "/v1/{p}/cloud-storages/actions/reset-userprofile",
            json!({"cloud_storage_assignment_id": ann_folder, "ori_name": "../u-bob"}),
        )
        .await,
        400,
        "WKS.00211102",
    );

    // Change of cluster: ann's folder and files move to the standby configuration.
    let r = app
        .post(&format!("/v1/{{p}}/cloud-storages/{cs}/actions/change-cluster"), json!({
            "cloud_storage_assignment_ids": [ann_folder], "target_cluster_group_id": "standby_cluster_group",
            "target_project_config_id": "standby_project_config"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["items"][0]["attach_id"], "u-ann");
    let standby_dir = fs_dir.with_file_name(format!("wks-cloud-{standby}"));
    assert!(standby_dir.join("users/u-ann/My Files/a.txt").exists());
    assert!(!fs_dir.join("users/u-ann").exists());

    // Deletes: in use refused; folders deleted with their files; then the storages.
    assert_error(
        &app.delete(&format!("/v1/{{p}}/cloud-storages/{cs}")).await,
        400,
        "WKS.00211124",
    );
    let r = app
        .post(
            &format!("/v1/{{p}}/cloud-storages/{cs}/actions/delete-folder"),
            json!({"items": ["u-bob"]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(!fs_dir.join("users/u-bob").exists());
    let r = app
        .post(
            &format!("/v1/{{p}}/cloud-storages/{standby}/actions/delete-folder"),
            json!({"items": ["u-ann"]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = app
        .post(
            "/v1/{p}/cloud-storages/actions/batch-delete-cloud-storages",
            json!({"items": [cs, standby]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(app.get("/v1/{p}/cloud-storages").await.body["count"], 0);
}

#[tokio::test]
async fn a_cloud_folder_is_mounted_with_its_switches_and_quota() {
    let app = TestApp::new().await;
    let r = app
        .post("/v1/{p}/cloud-storages", json!({"project_config_cluster_group_id_list": [
            {"project_config_id": "default_project_config", "cluster_group_id": "default_cluster_group"}]}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let cs = app.get("/v1/{p}/cloud-storages").await.body["items"][0]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let r = app
        .post(&format!("/v1/{{p}}/cloud-storages/{cs}/actions/create-folder"), json!({"items": [
            {"attach_id": "u-cy", "attach_name": "cy", "file_system_quota": 8, "roam_action_put": true, "roam_action_get": true}]}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let mut body = app.group_body("cloud-mount");
    body["storage_mount_policy"] = json!("USER");
    let sg = app.create_group(body).await;
    app.app_servers(&sg, 1).await;
    let (ag, app_id) = app_group_for(&app, &sg, "ag-cloud-mount", &["cy".to_string()]).await;
    let l = launch(&app, "cy", &ag, &app_id).await;
    assert_eq!(l.status, 200, "{}", l.text);
    let m = mount(&l.body, "users/u-cy/");
    assert_eq!(
        (m["quota"].as_i64(), m["actions"].as_array().map(Vec::len)),
        (Some(8), Some(0)),
        "{m}"
    );
    let (s, claim) = (
        l.body["session_id"].as_str().expect("s"),
        m["storage_claim_id"].as_str().expect("c"),
    );
    assert_eq!(
        file(&app, "PUT", s, claim, "path=a.txt", b"1234")
            .await
            .status,
        201
    );
    assert_error(
        &file(&app, "PUT", s, claim, "path=b.txt", b"12345").await,
        400,
        "WKS.00211126",
    );
    assert_error(
        &file(&app, "GET", s, claim, "path=a.txt&access=client", b"").await,
        403,
        "WKS.00211125",
    );

    // An upload cut midway (the client goes away after part of its body) leaves no file and
    // no partial file anywhere.
    use tokio::io::AsyncWriteExt;
    let pq = app.path(&format!(
        "/openwks/v1/{{p}}/app-launches/{s}/files/{claim}?path=cut.txt"
    ));
    let whole = [b'z'; 4];
    let hs = app.signed_headers("PUT", &pq, &whole, AK, SK, &app.sdk_date());
    let mut req = format!(
        "PUT {pq} HTTP/1.1\r\nHost: {}\r\nContent-Length: 4\r\n",
        app.host
    );
    for (k, v) in &hs {
        if !k.eq_ignore_ascii_case("host") && !k.eq_ignore_ascii_case("content-length") {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
    }
    req.push_str("\r\nzz");
    let mut conn = tokio::net::TcpStream::connect(&app.host)
        .await
        .expect("connect");
    conn.write_all(req.as_bytes()).await.expect("send");
    conn.shutdown().await.expect("cut");
    drop(conn);
    // Another connection is answered; the cut one wrote nothing.
    assert_eq!(file(&app, "GET", s, claim, "path=", b"").await.status, 200);
    let fs_dir = app
        .dir
        .path()
        .join("storage")
        .join(crate::harness::PID)
        .join(format!("wks-cloud-{cs}"));
    assert!(!fs_dir.join("users/u-cy/cut.txt").exists());
    let partial = std::fs::read_dir(fs_dir.join(".openwks-partial"))
        .map(|d| d.count())
        .unwrap_or(0);
    assert_eq!(partial, 0, "no partial file");
    // The same upload whole lands.
    assert_eq!(
        file(&app, "PUT", s, claim, "path=cut.txt", &whole)
            .await
            .status,
        201
    );
    assert_eq!(
        std::fs::read(fs_dir.join("users/u-cy/cut.txt")).expect("file"),
        whole
    );
}
