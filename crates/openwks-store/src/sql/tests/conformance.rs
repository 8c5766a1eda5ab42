//! The store's conformance suite: every method of every resource trait, called through the
//! traits on the engine of this pass (SQLite, and PostgreSQL on the PostgreSQL pass), with what
//! it must answer. `every_store_method_is_exercised_here` reads `lib.rs` and this file: a new
//! trait method without a call here fails it.

use std::collections::HashSet;
use std::sync::Arc;

use openwks_core::app::{App, Icon};
use openwks_core::app_group::AppGroup;
use openwks_core::authorization::{Account, UserGroup};
use openwks_core::catalogue::Catalogue;
use openwks_core::compute::{AppInfo, CreateServers};
use openwks_core::ecs::EcsServerGroup;
use openwks_core::hotspot::{HotspotConfig, UserRef};
use openwks_core::iam_model::{AuditEvent, AuditFilter, IamGroup, IamPolicy, IamUser, Principal};
use openwks_core::identity::Bootstrap;
use openwks_core::image::{ImageJob, ImageServer, PrivateImage, WarehouseApp};
use openwks_core::network::{Subnet, Vpc};
use openwks_core::policy::{PolicyGroup, PolicyTemplate};
use openwks_core::schedule::{
    Cycle, Run, RunItem, RunStatus, Schedule, ScheduleInput, ScheduleTask, TaskType,
};
use openwks_core::session::{ConnectionFilter, LaunchSpec, SessionFilter, SessionState};
use openwks_core::time::Timestamp;
use openwks_core::validate::Tag;
use serde_json::json;

use super::super::SqliteStore;
use super::{group, setup, setup_sqlite};
use crate::prelude::*;
use crate::{
    AppFilter, AppGroupFilter, AppServerFilter, AuthorizationFilter, Change, CreateImageServerArgs,
    CreateServersArgs, Deleted, ImageJobFilter, KeyStatus, LaunchArgs, MailFilter, PowerAction,
    ScalingActivity, ScheduleTaskFilter, ServerGroupFilter, WarehouseAppFilter,
};

/// A domain value from its stored JSON form.
fn from<T: serde::de::DeserializeOwned>(v: serde_json::Value) -> T {
    serde_json::from_value(v).expect("a valid document")
}

fn now() -> Timestamp {
    Timestamp::from_ms(chrono::Utc::now().timestamp_millis())
}

fn user_account(name: &str) -> Account {
    from(
        json!({"account": name, "account_type": "USER", "account_id": "", "domain": "",
        "email": format!("{name}@example.com"), "telephone_number": "", "platform_type": ""}),
    )
}

/// A create of two servers (s6.xlarge.2, Windows Server 2019) on `subnet`, in ECS group
/// `group` if any, with fresh ids.
fn create_args(pid: &str, subnet: &Subnet, name: &str, group: Option<&str>) -> CreateServersArgs {
    CreateServersArgs {
        project_id: pid.to_string(),
        request: CreateServers {
            name: name.into(),
            flavor_id: "s6.xlarge.2".into(),
            vcpus: 4,
            memory_mb: 8192,
            gpus: 0,
            image_id: "6f4d1f2a-2019-4b6e-9c0d-000000000001".into(),
            availability_zone: None,
            count: 2,
            group: group.map(str::to_string),
            vpc_id: subnet.vpc_id.clone(),
            subnet_id: subnet.id.clone(),
            root_volume_type: "SAS".into(),
            root_volume_size: 80,
        },
        server_ids: vec![
            uuid::Uuid::new_v4().to_string(),
            uuid::Uuid::new_v4().to_string(),
        ],
        job_id: uuid::Uuid::new_v4().to_string(),
        now: now(),
        subnet_cidr: subnet.cidr.clone(),
        max_members: 16,
        weigher: openwks_sched::Weigher::Spread,
        app: None,
    }
}

/// Create app servers (2) in a new server group and finish their job: `(group id, server ids)`.
async fn group_with_servers(
    store: &SqliteStore,
    cat: &Catalogue,
    b: &Bootstrap,
    name: &str,
) -> (String, Vec<String>) {
    let pid = &b.project.id;
    let g = group(store, cat, b, name, None).await;
    let sg = store.create_server_group(g, 100).await.expect("group");
    let subnet = store
        .list_subnets(pid.to_string(), None, None, 1)
        .await
        .expect("subnets")[0]
        .clone();
    let mut args = create_args(pid, &subnet, name, None);
    args.request.image_id = sg.group.image_id.clone();
    args.app = Some(AppInfo {
        server_group_id: sg.group.id.clone(),
        maintain_status: false,
        scaling_auto_create: true,
        description: String::new(),
        ou_name: String::new(),
        config_version: 1,
        product_id: sg.group.product_id.clone(),
        os_type: "Windows".into(),
        drain: None,
        agent_version: "23.12.0.1005".into(),
        agent_upgrade: None,
    });
    let (job, servers) = store.create_app_servers(args).await.expect("app servers");
    assert_eq!(job.status, "RUNNING");
    let done = store
        .finish_job(pid.to_string(), job.id, now())
        .await
        .expect("finish");
    assert_eq!(done.expect("job").status, "SUCCESS");
    (sg.group.id, servers.into_iter().map(|s| s.id).collect())
}

#[tokio::test]
async fn identity_and_cluster() {
    let (_d, store, cat, b) = setup().await;
    // Bootstrap again: what is there stays.
    let again = store.bootstrap(super::wanted(), &cat).await.expect("again");
    assert_eq!(again.project.id, b.project.id);
    assert!(store
        .access_keys()
        .await
        .expect("keys")
        .iter()
        .any(|k| k.access_key == "AK"));
    assert_eq!(
        store
            .user("u1".to_string())
            .await
            .expect("user")
            .expect("u1")
            .name,
        "admin"
    );
    assert!(store
        .user_by_name("acc".to_string(), "admin".to_string())
        .await
        .expect("by name")
        .is_some());
    assert!(store
        .user_by_name("acc".to_string(), "nobody".to_string())
        .await
        .expect("by name")
        .is_none());
    let projects = store
        .projects(b.project.account_id.clone(), None)
        .await
        .expect("projects");
    assert_eq!(projects.len(), 1);
    let named = store
        .projects(b.project.account_id.clone(), Some("nope".to_string()))
        .await
        .expect("named");
    assert!(named.is_empty());
    assert!(store
        .project(b.project.id)
        .await
        .expect("project")
        .is_some());
    let first = store
        .setting_or_init("k".to_string(), "one".into())
        .await
        .expect("init");
    let second = store
        .setting_or_init("k".to_string(), "two".into())
        .await
        .expect("kept");
    assert_eq!((first.as_str(), second.as_str()), ("one", "one"));
    assert_eq!(store.shared(), crate::testing::database_url().is_some());
    let t = now();
    assert!(store
        .try_lease("duty".to_string(), "a".to_string(), t, 10_000)
        .await
        .expect("lease"));
    assert!(!store
        .try_lease("duty".to_string(), "b".to_string(), t, 10_000)
        .await
        .expect("held"));
    store
        .release_lease("duty".to_string(), "a".to_string())
        .await
        .expect("release");
    assert!(store
        .try_lease("duty".to_string(), "b".to_string(), t, 10_000)
        .await
        .expect("free"));
    let n1 = store.next_counter("c".to_string()).await.expect("counter");
    assert_eq!(
        store.next_counter("c".to_string()).await.expect("counter"),
        n1 + 1
    );
    let g0 = store.iam_generation().await.expect("generation");
    let u: IamUser = from(
        json!({"id": "iu-gen", "name": "gen", "account_id": b.project.account_id,
        "is_admin": false, "enabled": true, "created_at": ""}),
    );
    store.create_iam_user(u, "h".into()).await.expect("user");
    assert!(store.iam_generation().await.expect("generation") > g0);
}

#[tokio::test]
async fn network() {
    let (_d, store, _cat, b) = setup().await;
    let pid = &b.project.id;
    let vpc: Vpc = from(
        json!({"id": "vpc-c", "project_id": pid, "name": "c", "cidr": "10.0.0.0/16",
        "description": "", "enterprise_project_id": "0", "created_at": ""}),
    );
    store.create_vpc(vpc).await.expect("vpc");
    assert!(store
        .vpc(pid.to_string(), "vpc-c".to_string())
        .await
        .expect("vpc")
        .is_some());
    assert!(store
        .vpc("other".to_string(), "vpc-c".to_string())
        .await
        .expect("vpc")
        .is_none());
    assert_eq!(
        store
            .list_vpcs(pid.to_string(), Some("vpc-c".to_string()), None, 10)
            .await
            .expect("list")
            .len(),
        1
    );
    let all = store
        .list_vpcs(pid.to_string(), None, None, 10)
        .await
        .expect("all");
    let after = store
        .list_vpcs(pid.to_string(), None, Some(all[0].id.clone()), 10)
        .await
        .expect("after");
    assert_eq!(after.len(), all.len() - 1);
    let subnet = |vpc_id: &str| -> Subnet {
        from(
            json!({"id": "sn-c", "project_id": pid, "vpc_id": vpc_id, "name": "c",
            "cidr": "10.0.1.0/24", "gateway_ip": "10.0.1.1", "description": "", "dhcp_enable": true,
            "primary_dns": "", "secondary_dns": "", "availability_zone": "", "created_at": ""}),
        )
    };
    assert!(store.create_subnet(subnet("no-such-vpc")).await.is_err());
    store.create_subnet(subnet("vpc-c")).await.expect("subnet");
    assert!(store
        .subnet(pid.to_string(), "sn-c".to_string())
        .await
        .expect("subnet")
        .is_some());
    let in_vpc = store
        .list_subnets(pid.to_string(), Some("vpc-c".to_string()), None, 10)
        .await
        .expect("subnets");
    assert_eq!(in_vpc.len(), 1);
    // Updates: a VPC's new CIDR must hold its subnets; a subnet is found only in its VPC.
    let v = store
        .update_vpc(
            pid.to_string(),
            "vpc-c".into(),
            Box::new(|v: &mut Vpc| {
                v.description = "wider".into();
                v.cidr = "10.0.0.0/8".into();
                Ok(())
            }),
        )
        .await
        .expect("wider");
    assert_eq!(
        (v.cidr.as_str(), v.description.as_str()),
        ("10.0.0.0/8", "wider")
    );
    assert!(store
        .update_vpc(
            pid.to_string(),
            "vpc-c".into(),
            Box::new(|v: &mut Vpc| {
                v.cidr = "192.168.0.0/16".into();
                Ok(())
            }),
        )
        .await
        .is_err());
    let s = store
        .update_subnet(
            pid.to_string(),
            "vpc-c".into(),
            "sn-c".into(),
            Box::new(|s: &mut Subnet| {
                s.name = "renamed".into();
                Ok(())
            }),
        )
        .await
        .expect("subnet");
    assert_eq!(s.name, "renamed");
    assert!(store
        .update_subnet(
            pid.to_string(),
            "other-vpc".into(),
            "sn-c".into(),
            Box::new(|_: &mut Subnet| Ok(())),
        )
        .await
        .is_err());
    // A VPC with subnets is in use.
    assert!(store
        .delete_vpc(pid.to_string(), "vpc-c".to_string())
        .await
        .is_err());
    assert_eq!(
        store
            .delete_subnet(
                pid.to_string(),
                Some("vpc-c".to_string()),
                "sn-c".to_string()
            )
            .await
            .expect("del"),
        Deleted::Yes
    );
    assert_eq!(
        store
            .delete_vpc(pid.to_string(), "vpc-c".to_string())
            .await
            .expect("del"),
        Deleted::Yes
    );
    assert_eq!(
        store
            .delete_vpc(pid.to_string(), "vpc-c".to_string())
            .await
            .expect("again"),
        Deleted::NotFound
    );
}

#[tokio::test]
async fn server_groups_and_tags() {
    let (_d, store, cat, b) = setup().await;
    let pid = &b.project.id;
    let g = group(&store, &cat, &b, "conf-sg", None).await;
    let id = g.id.clone();
    store.create_server_group(g, 100).await.expect("create");
    assert!(store
        .server_group_name_taken(pid.to_string(), "conf-sg".to_string())
        .await
        .expect("taken"));
    assert!(!store
        .server_group_name_taken(pid.to_string(), "free".to_string())
        .await
        .expect("free"));
    let f = ServerGroupFilter {
        name_contains: Some("conf".into()),
        ..ServerGroupFilter::default()
    };
    let (n, page) = store
        .list_server_groups(pid.to_string(), f, 0, 10)
        .await
        .expect("list");
    assert_eq!((n, page.len()), (1, 1));
    let v = store
        .update_server_group(
            pid.to_string(),
            id.clone(),
            Box::new(|g, _, _| {
                g.description = "changed".into();
                Ok(())
            }),
        )
        .await
        .expect("update");
    assert_eq!(v.group.description, "changed");
    store
        .update_server_group_tags(
            pid.to_string(),
            vec![(
                id.clone(),
                Box::new(|tags: &mut Vec<Tag>| {
                    tags.push(Tag {
                        key: "team".into(),
                        value: "cad".into(),
                    });
                    Ok(())
                }),
            )],
        )
        .await
        .expect("tags");
    let keys = store
        .server_group_tag_keys(pid.to_string())
        .await
        .expect("keys");
    assert_eq!(keys, vec![("team".to_string(), vec!["cad".to_string()])]);
    let shown = store
        .server_group(pid.to_string(), id.clone())
        .await
        .expect("show")
        .expect("group");
    assert_eq!(shown.group.tags.len(), 1);
    assert_eq!(
        store
            .delete_server_group(pid.to_string(), id.clone())
            .await
            .expect("del"),
        Deleted::Yes
    );
    assert!(store
        .server_group(pid.to_string(), id)
        .await
        .expect("show")
        .is_none());
}

#[tokio::test]
async fn app_groups_apps_and_authorizations() {
    let (_d, store, cat, b) = setup().await;
    let pid = &b.project.id;
    let g = group(&store, &cat, &b, "conf-apps", None).await;
    let sg = g.id.clone();
    store.create_server_group(g, 100).await.expect("sg");
    let ag: AppGroup = from(
        json!({"id": "900000000000000001", "project_id": pid, "name": "conf-ag",
        "app_server_group_id": sg, "description": "", "authorization_type": "APP_GROUP",
        "app_type": "COMMON_APP", "create_at": ""}),
    );
    let view = store.create_app_group(ag).await.expect("app group");
    let agid = view.group.id.clone();
    assert!(store
        .app_group(pid.to_string(), agid.clone())
        .await
        .expect("show")
        .is_some());
    assert!(store
        .app_group_name_taken(pid.to_string(), "conf-ag".to_string())
        .await
        .expect("taken"));
    let (n, _) = store
        .list_app_groups(pid.to_string(), AppGroupFilter::default(), 0, 10)
        .await
        .expect("list");
    assert_eq!(n, 1);
    let v = store
        .update_app_group(
            pid.to_string(),
            agid.clone(),
            Box::new(|g, _| {
                g.description = "d".into();
                Ok(())
            }),
        )
        .await
        .expect("update");
    assert_eq!(v.group.description, "d");
    // Apps, one with an icon.
    let app: App = from(
        json!({"id": "a1", "project_id": pid, "app_group_id": agid, "name": "Notepad",
        "version": "", "command_param": "", "execute_path": "C:\\notepad.exe", "work_path": "",
        "icon_path": "", "icon_index": 0, "description": "", "state": "NORMAL", "publish_at": "",
        "source_type": 1, "publisher": "", "icon_id": "i1", "external_icon_url": "",
        "source_image_ids": [], "sandbox_enable": false, "is_pre_boot": false,
        "pre_launch_policy": 0, "extended_info": {}}),
    );
    let icon = Icon {
        id: "i1".into(),
        content_type: "image/png".into(),
        data: vec![1, 2, 3],
    };
    let published = store
        .publish_apps(pid.to_string(), agid.clone(), vec![(app, Some(icon))])
        .await
        .expect("publish");
    assert_eq!(published.len(), 1);
    assert_eq!(
        store
            .icon("i1".to_string())
            .await
            .expect("icon")
            .expect("i1")
            .data,
        vec![1, 2, 3]
    );
    assert!(store
        .app(pid.to_string(), agid.clone(), "a1".to_string())
        .await
        .expect("app")
        .is_some());
    let (n, _) = store
        .list_apps(pid.to_string(), agid.clone(), AppFilter::default(), 0, 10)
        .await
        .expect("apps");
    assert_eq!(n, 1);
    assert_eq!(
        store
            .app_names(pid.to_string(), agid.clone())
            .await
            .expect("names"),
        vec!["Notepad"]
    );
    let updated = store
        .update_apps(
            pid.to_string(),
            agid.clone(),
            vec!["a1".into()],
            Box::new(|a: &mut App| {
                a.state = "FORBIDDEN".into();
                Ok(None)
            }),
        )
        .await
        .expect("update apps");
    assert_eq!(updated[0].state, "FORBIDDEN");
    // Authorizations and their mails.
    let t = now();
    let added = store
        .add_authorizations(
            pid.to_string(),
            vec![agid.clone()],
            vec![user_account("ann")],
            t,
        )
        .await
        .expect("authorize");
    assert_eq!(added, 1);
    let f = AuthorizationFilter {
        app_group_id: Some(agid.clone()),
        ..AuthorizationFilter::default()
    };
    let (n, auths) = store
        .list_authorizations(pid.to_string(), f, 0, 10)
        .await
        .expect("list");
    assert_eq!(n, 1);
    let (direct, _) = store
        .access_facts(pid.to_string(), agid.clone(), "ann".to_string())
        .await
        .expect("facts");
    assert_eq!(direct.len(), 1);
    let (mails, records) = store
        .list_mail_records(pid.to_string(), MailFilter::default(), 0, 10)
        .await
        .expect("mails");
    assert!(mails >= 1, "{records:?}");
    let resent = store
        .resend_mails(pid.to_string(), vec![records[0].id.clone()], t)
        .await
        .expect("resend");
    assert_eq!(resent, 1);
    let sent = store
        .send_authorization_mails(pid.to_string(), vec![auths[0].authorization.id.clone()], t)
        .await
        .expect("send");
    assert_eq!(sent, 1);
    let removed = store
        .remove_authorizations(
            pid.to_string(),
            vec![agid.clone()],
            vec![user_account("ann")],
            t,
        )
        .await
        .expect("revoke");
    assert_eq!(removed, 1);
    // User groups.
    let ug: UserGroup = from(json!({"id": "ug1", "project_id": pid, "name": "designers",
        "description": "", "members": ["bob"], "member_count": 1, "create_at": ""}));
    store.create_user_group(ug).await.expect("user group");
    assert_eq!(
        store
            .user_group(pid.to_string(), "ug1".to_string())
            .await
            .expect("ug")
            .expect("ug1")
            .member_count,
        1
    );
    let (n, _) = store
        .list_user_groups(pid.to_string(), 0, 10)
        .await
        .expect("list");
    assert_eq!(n, 1);
    let g = store
        .change_user_group_members(
            pid.to_string(),
            "ug1".to_string(),
            vec!["cat".into()],
            Change::Add,
        )
        .await
        .expect("add");
    assert_eq!(g.member_count, 2);
    let g = store
        .change_user_group_members(
            pid.to_string(),
            "ug1".to_string(),
            vec!["bob".into()],
            Change::Remove,
        )
        .await
        .expect("remove");
    assert_eq!(g.member_count, 1);
    assert_eq!(
        store
            .delete_user_group(pid.to_string(), "ug1".to_string())
            .await
            .expect("del"),
        Deleted::Yes
    );
    // Unpublish, unbind, delete.
    let gone = store
        .unpublish_apps(pid.to_string(), agid.clone(), vec!["a1".into()])
        .await
        .expect("unpublish");
    assert_eq!(gone, 1);
    assert_eq!(
        store
            .disassociate_app_groups(pid.to_string(), sg)
            .await
            .expect("unbind"),
        1
    );
    assert!(store
        .app_group(pid.to_string(), agid.clone())
        .await
        .expect("ag")
        .expect("ag")
        .group
        .app_server_group_id
        .is_none());
    assert_eq!(
        store
            .delete_app_groups(pid.to_string(), vec![agid.clone(), "x".into()])
            .await
            .expect("del"),
        1
    );
}

#[tokio::test]
async fn compute_and_ecs_groups() {
    let (_d, store, cat, b) = setup().await;
    let pid = &b.project.id;
    store.load_hosts(cat.hosts()).await.expect("hosts");
    let eg: EcsServerGroup = from(json!({"id": "eg1", "project_id": pid, "name": "aa",
        "policies": ["anti-affinity"], "metadata": {}, "created_at": ""}));
    store.create_ecs_group(eg, 10).await.expect("ecs group");
    assert_eq!(
        store.ecs_group_count(pid.to_string()).await.expect("count"),
        1
    );
    let (page, more) = store
        .list_ecs_groups(pid.to_string(), None, 10)
        .await
        .expect("list");
    assert_eq!((page.len(), more), (1, false));
    let subnet = store
        .list_subnets(pid.to_string(), None, None, 1)
        .await
        .expect("subnets")[0]
        .clone();
    let mut args = create_args(pid, &subnet, "vm", Some("eg1"));
    args.server_ids = vec!["vm-1".into(), "vm-2".into()];
    args.job_id = "job-1".into();
    let (job, servers) = store.create_servers(args).await.expect("create");
    let hosts: HashSet<_> = servers.iter().map(|s| s.host_id.clone()).collect();
    assert_eq!(hosts.len(), 2, "anti-affinity: one member per host");
    assert!(store
        .running_jobs()
        .await
        .expect("running")
        .iter()
        .any(|j| j.id == job.id));
    store
        .finish_job(pid.to_string(), "job-1".to_string(), now())
        .await
        .expect("finish");
    assert_eq!(
        store
            .job(pid.to_string(), "job-1".to_string())
            .await
            .expect("job")
            .expect("job")
            .status,
        "SUCCESS"
    );
    assert_eq!(
        store
            .server(pid.to_string(), "vm-1".to_string())
            .await
            .expect("server")
            .expect("vm")
            .status,
        "ACTIVE"
    );
    let (n, _) = store
        .list_servers(pid.to_string(), 0, 10)
        .await
        .expect("list");
    assert_eq!(n, 2);
    let usage = store.host_usage().await.expect("usage");
    assert_eq!(usage.values().map(|(_, s)| s.len()).sum::<usize>(), 2);
    let (_, members) = store
        .ecs_group(pid.to_string(), "eg1".to_string())
        .await
        .expect("group")
        .expect("eg1");
    assert_eq!(members.len(), 2);
    // Membership: a running server cannot join; a stopped one can.
    let out = store
        .change_ecs_members(
            pid.to_string(),
            "eg1".to_string(),
            vec!["vm-1".into()],
            Change::Remove,
        )
        .await
        .expect("remove");
    assert!(out[0].is_none(), "{out:?}");
    let refused = store
        .change_ecs_members(
            pid.to_string(),
            "eg1".to_string(),
            vec!["vm-1".into()],
            Change::Add,
        )
        .await
        .expect("add");
    assert!(refused[0].is_some(), "a running ECS joined");
    let stop = store
        .power_servers(
            pid.to_string(),
            vec!["vm-1".into()],
            PowerAction::Stop,
            "job-2".into(),
            now(),
        )
        .await
        .expect("stop");
    store
        .finish_job(pid.to_string(), stop.id, now())
        .await
        .expect("finish");
    let joined = store
        .change_ecs_members(
            pid.to_string(),
            "eg1".to_string(),
            vec!["vm-1".into()],
            Change::Add,
        )
        .await
        .expect("add");
    assert!(joined[0].is_none(), "{joined:?}");
    let del = store
        .delete_servers(
            pid.to_string(),
            vec!["vm-1".into(), "vm-2".into()],
            "job-3".into(),
            now(),
        )
        .await
        .expect("delete");
    store
        .finish_job(pid.to_string(), del.id, now())
        .await
        .expect("finish");
    assert!(store
        .server(pid.to_string(), "vm-1".to_string())
        .await
        .expect("server")
        .is_none());
    assert_eq!(
        store
            .delete_ecs_group(pid.to_string(), "eg1".to_string())
            .await
            .expect("del"),
        Deleted::Yes
    );
    // App servers: maintenance, states, rebuild, reconfigure, migrate, sub-jobs.
    let (sg, ids) = group_with_servers(&store, &cat, &b, "conf-app-servers").await;
    let f = AppServerFilter {
        server_group_id: Some(sg.clone()),
        ..AppServerFilter::default()
    };
    let (n, _) = store
        .list_app_servers(pid.to_string(), f, 0, 10)
        .await
        .expect("list");
    assert_eq!(n, 2);
    let s = store
        .update_app_server(
            pid.to_string(),
            ids[0].clone(),
            Box::new(|s| {
                if let Some(a) = s.app.as_mut() {
                    a.maintain_status = true;
                }
                Ok(())
            }),
        )
        .await
        .expect("maintain");
    assert!(s.app.expect("app").maintain_status);
    let s = store
        .update_server(
            pid.to_string(),
            ids[0].clone(),
            Box::new(|s| {
                s.description = "ecs side".into();
                Ok(())
            }),
        )
        .await
        .expect("ecs update");
    assert_eq!(s.description, "ecs side");
    assert!(store
        .update_server(pid.to_string(), "nope".into(), Box::new(|_| Ok(())))
        .await
        .is_err());
    assert!(store
        .drained_app_servers()
        .await
        .expect("drained")
        .is_empty());
    let drain = openwks_core::compute::Drain {
        owner: "ops".into(),
        reason: "kernel \"drain\":{ patch".into(),
        since: "2026-01-01T00:00:00Z".into(),
        until: "2026-01-01T01:00:00Z".into(),
        until_ms: 1_767_229_200_000,
    };
    let d = drain.clone();
    store
        .update_app_server(
            pid.to_string(),
            ids[1].clone(),
            Box::new(move |s| {
                if let Some(a) = s.app.as_mut() {
                    a.drain = Some(d);
                }
                Ok(())
            }),
        )
        .await
        .expect("drain");
    // A name that spells a drain is not one.
    store
        .update_app_server(
            pid.to_string(),
            ids[0].clone(),
            Box::new(|s| {
                s.name = "x\"drain\":{y".into();
                Ok(())
            }),
        )
        .await
        .expect("rename");
    let drained = store.drained_app_servers().await.expect("drained");
    assert_eq!(drained.len(), 1, "{drained:?}");
    assert_eq!(drained[0].id, ids[1]);
    assert_eq!(
        drained[0].app.as_ref().and_then(|a| a.drain.clone()),
        Some(drain)
    );
    let states = store
        .server_group_states(pid.to_string(), sg)
        .await
        .expect("states");
    assert_eq!(states.values().sum::<i64>(), 2, "{states:?}");
    let j = store
        .rebuild_app_servers(
            pid.to_string(),
            vec![ids[1].clone()],
            None,
            "job-4".into(),
            now(),
        )
        .await
        .expect("rebuild");
    store
        .finish_job(pid.to_string(), j.id, now())
        .await
        .expect("finish");
    let j = store
        .reconfigure_app_servers(
            pid.to_string(),
            vec![ids[1].clone()],
            "rejoinDomain",
            "job-5".into(),
            now(),
        )
        .await
        .expect("reconfigure");
    store
        .finish_job(pid.to_string(), j.id, now())
        .await
        .expect("finish");
    let here = store
        .server(pid.to_string(), ids[1].clone())
        .await
        .expect("server")
        .expect("s");
    let az = here.availability_zone.clone();
    let elsewhere = cat
        .hosts()
        .into_iter()
        .find(|h| h.availability_zone == az && Some(&h.id) != here.host_id.as_ref())
        .expect("another host in the zone");
    let j = store
        .migrate_app_servers(
            pid.to_string(),
            vec![ids[1].clone()],
            elsewhere.id.clone(),
            "job-6".into(),
            now(),
        )
        .await
        .expect("migrate");
    store
        .finish_job(pid.to_string(), j.id, now())
        .await
        .expect("finish");
    assert_eq!(
        store
            .server(pid.to_string(), ids[1].clone())
            .await
            .expect("server")
            .expect("s")
            .host_id,
        Some(elsewhere.id)
    );
    let subs = store.sub_jobs(pid.to_string()).await.expect("sub jobs");
    assert!(subs.len() >= 5, "{}", subs.len());
    let first = subs[0].1.job_id.clone();
    assert_eq!(
        store
            .delete_sub_jobs(pid.to_string(), vec![first])
            .await
            .expect("del"),
        1
    );
}

#[tokio::test]
async fn access_agent_upgrades() {
    let (_d, store, cat, b) = setup().await;
    let pid = &b.project.id;
    store.load_hosts(cat.hosts()).await.expect("hosts");
    let (_sg, ids) = group_with_servers(&store, &cat, &b, "agents-sg").await;
    let server = |id: String| {
        let store = store.clone();
        let pid = pid.to_string();
        async move {
            store
                .server(pid, id)
                .await
                .expect("read")
                .and_then(|s| s.app)
                .expect("app server")
        }
    };
    assert_eq!(server(ids[0].clone()).await.agent_version, "23.12.0.1005");
    let job = store
        .upgrade_access_agents(
            pid.to_string(),
            vec![ids[0].clone()],
            "24.6.0.1010".into(),
            "job-up".into(),
            now(),
        )
        .await
        .expect("upgrade");
    assert_eq!(
        (job.job_type.as_str(), job.status.as_str()),
        ("upgradeAccessAgent", "RUNNING")
    );
    assert!(server(ids[0].clone()).await.upgrading());
    let again = store
        .upgrade_access_agents(
            pid.to_string(),
            vec![ids[1].clone(), ids[0].clone()],
            "24.6.0.1010".into(),
            "job-up2".into(),
            now(),
        )
        .await;
    assert!(again.is_err(), "one upgrading: all or nothing");
    assert!(
        server(ids[1].clone()).await.agent_upgrade.is_none(),
        "nothing written for the other"
    );
    store
        .finish_job(pid.to_string(), "job-up".into(), now())
        .await
        .expect("finish");
    let a = server(ids[0].clone()).await;
    assert_eq!(a.agent_version, "24.6.0.1010");
    assert!(!a.upgrading());
    assert_eq!(
        a.agent_upgrade.map(|u| (u.from, u.status)),
        Some(("23.12.0.1005".into(), "SUCCESS".into()))
    );
    let same = store
        .upgrade_access_agents(
            pid.to_string(),
            vec![ids[0].clone()],
            "24.6.0.1010".into(),
            "job-up3".into(),
            now(),
        )
        .await;
    assert!(same.is_err(), "already on that version");
}

#[tokio::test]
async fn hosts_down_and_up() {
    let (_d, store, cat, b) = setup().await;
    let pid = &b.project.id;
    store.load_hosts(cat.hosts()).await.expect("hosts");
    let (sg, ids) = group_with_servers(&store, &cat, &b, "hosts-sg").await;
    let s0 = store
        .server(pid.to_string(), ids[0].clone())
        .await
        .expect("read")
        .expect("s0");
    let host = s0.host_id.clone().expect("placed");
    assert_eq!(
        store
            .set_host_down("no-such-host".to_string(), Some("x".into()), now())
            .await
            .expect("unknown"),
        None
    );
    let failed = store
        .set_host_down(host.clone(), Some("power".into()), now())
        .await
        .expect("down")
        .expect("a host");
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].id, ids[0]);
    let s0 = store
        .server(pid.to_string(), ids[0].clone())
        .await
        .expect("read")
        .expect("s0");
    assert_eq!(s0.status, "ERROR");
    assert!(s0.fault.as_deref().is_some_and(|f| f
        .starts_with(openwks_core::compute::HOST_DOWN_FAULT)
        && f.contains("power")));
    let down = store.down_hosts().await.expect("down hosts");
    assert_eq!(down.get(&host).map(|d| d.reason.as_str()), Some("power"));
    let f = store.failed_app_servers().await.expect("failed");
    assert_eq!(f.len(), 1);
    assert_eq!(
        (
            &f[0].server_group_id,
            &f[0].server_id,
            &f[0].host_id,
            f[0].auto_created
        ),
        (&sg, &ids[0], &host, true)
    );
    // Again: nothing more goes to ERROR.
    let again = store
        .set_host_down(host.clone(), Some("still".into()), now())
        .await
        .expect("again")
        .expect("a host");
    assert!(again.is_empty());
    // Up: placeable again; the server stays in ERROR.
    let up = store.set_host_down(host, None, now()).await.expect("up");
    assert_eq!(up, Some(Vec::new()));
    assert!(store.down_hosts().await.expect("down").is_empty());
    let s0 = store
        .server(pid.to_string(), ids[0].clone())
        .await
        .expect("read")
        .expect("s0");
    assert_eq!(s0.status, "ERROR");
}

/// A snapshot of this pass's engine loads into SQLite, and SQLite's back into this pass's
/// engine (on the PostgreSQL pass: PostgreSQL → SQLite → PostgreSQL), with servers, a down
/// host and the serial order intact; a store with resources and a malformed file are refused.
#[tokio::test]
async fn snapshots_round_trip_across_engines() {
    let (_d, store, cat, b) = setup().await;
    let pid = &b.project.id;
    store.load_hosts(cat.hosts()).await.expect("hosts");
    let (sg, ids) = group_with_servers(&store, &cat, &b, "snap-sg").await;
    let host = store
        .server(pid.to_string(), ids[0].clone())
        .await
        .expect("read")
        .and_then(|s| s.host_id)
        .expect("placed");
    store
        .set_host_down(host.clone(), Some("snap".into()), now())
        .await
        .expect("down");
    let snap = store.export_snapshot(now()).await.expect("export");
    assert_eq!(snap.tables["servers"].rows.len(), 2);
    assert_eq!(snap.tables["host_states"].rows.len(), 1);
    assert!(
        !snap.tables.contains_key("settings"),
        "process settings stay"
    );
    let e = store
        .load_snapshot(snap.clone())
        .await
        .expect_err("a store with resources");
    assert_eq!(e.kind, openwks_core::ErrorKind::Conflict, "{e}");

    let (_d2, sqlite, _, _) = setup_sqlite().await;
    sqlite.load_hosts(cat.hosts()).await.expect("hosts");
    let (loaded, boot) = sqlite.load_snapshot(snap.clone()).await.expect("load");
    assert_eq!((loaded["servers"], loaded["server_groups"]), (2, 1));
    assert_eq!(boot.project.id, *pid);
    let s0 = sqlite
        .server(pid.to_string(), ids[0].clone())
        .await
        .expect("read")
        .expect("loaded");
    assert_eq!(s0.status, "ERROR", "the down host's server");
    assert!(sqlite.down_hosts().await.expect("down").contains_key(&host));
    let view = sqlite
        .server_group(pid.to_string(), sg)
        .await
        .expect("read")
        .expect("group");
    assert_eq!(view.app_server_count, 2);

    // And back into this pass's engine, where new rows go after the loaded ones.
    let back = sqlite.export_snapshot(now()).await.expect("export back");
    let (_d3, third, _, _) = setup().await;
    third.load_hosts(cat.hosts()).await.expect("hosts");
    third.load_snapshot(back).await.expect("load back");
    assert!(third
        .server(pid.to_string(), ids[1].clone())
        .await
        .expect("read")
        .is_some());
    let g2 = group(&third, &cat, &b, "after-load", None).await;
    third
        .create_server_group(g2, 100)
        .await
        .expect("a new group");
    let (_, page) = third
        .list_server_groups(pid.to_string(), ServerGroupFilter::default(), 0, 10)
        .await
        .expect("list");
    let names: Vec<&str> = page.iter().map(|v| v.group.name.as_str()).collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(
        names.contains(&"snap-sg") && names.contains(&"after-load"),
        "{names:?}"
    );

    let mut bad = snap.clone();
    bad.format = "something".into();
    let (_d4, empty, _, _) = setup().await;
    let e = empty.load_snapshot(bad).await.expect_err("format");
    assert_eq!(e.kind, openwks_core::ErrorKind::Invalid, "{e}");
    let mut bad = snap;
    if let Some(t) = bad.tables.get_mut("servers") {
        t.rows[0].pop();
    }
    let e = empty.load_snapshot(bad).await.expect_err("short row");
    assert!(e.message.contains("servers row 0"), "{e}");
}

/// `use_id_source`: a store given a seeded source mints the same ids for the same writes (here
/// an authorization and its mail), another source other ids.
#[tokio::test]
async fn a_seeded_id_source_mints_the_same_ids() {
    use openwks_core::ids::IdSource;
    let mut minted = Vec::new();
    for seed in [5, 5, 6] {
        let (_d, store, cat, b) = setup().await;
        let pid = &b.project.id;
        store
            .use_id_source(Arc::new(IdSource::seeded(seed, 1)))
            .await
            .expect("ids");
        let sg = store
            .create_server_group(group(&store, &cat, &b, "ids-sg", None).await, 100)
            .await
            .expect("group");
        let ag: AppGroup = from(json!({"id": "ag-ids", "project_id": pid, "name": "ids",
            "app_server_group_id": sg.group.id, "app_type": "COMMON_APP", "description": "",
            "authorization_type": "APP_GROUP", "create_at": ""}));
        store.create_app_group(ag).await.expect("app group");
        store
            .add_authorizations(
                pid.to_string(),
                vec!["ag-ids".into()],
                vec![user_account("ida")],
                now(),
            )
            .await
            .expect("authorize");
        let (_, page) = store
            .list_authorizations(pid.to_string(), AuthorizationFilter::default(), 0, 10)
            .await
            .expect("list");
        minted.push(page[0].authorization.id.clone());
    }
    assert_eq!(minted[0], minted[1], "same seed");
    assert_ne!(minted[0], minted[2], "another seed");
}

#[tokio::test]
async fn sessions_and_scaling() {
    let (_d, store, cat, b) = setup().await;
    let pid = &b.project.id;
    store.load_hosts(cat.hosts()).await.expect("hosts");
    let (sg, ids) = group_with_servers(&store, &cat, &b, "conf-sessions").await;
    let ag: AppGroup = from(
        json!({"id": "900000000000000002", "project_id": pid, "name": "conf-s",
        "app_server_group_id": sg, "description": "", "authorization_type": "APP_GROUP",
        "app_type": "COMMON_APP", "create_at": ""}),
    );
    let agid = store.create_app_group(ag).await.expect("ag").group.id;
    let app: App = from(
        json!({"id": "a2", "project_id": pid, "app_group_id": agid, "name": "Calc",
        "version": "", "command_param": "", "execute_path": "C:\\calc.exe", "work_path": "",
        "icon_path": "", "icon_index": 0, "description": "", "state": "NORMAL", "publish_at": "",
        "source_type": 1, "publisher": "", "icon_id": null, "external_icon_url": "",
        "source_image_ids": [], "sandbox_enable": false, "is_pre_boot": false,
        "pre_launch_policy": 0, "extended_info": {}}),
    );
    store
        .publish_apps(pid.to_string(), agid.clone(), vec![(app, None)])
        .await
        .expect("publish");
    store
        .add_authorizations(
            pid.to_string(),
            vec![agid.clone()],
            vec![user_account("ann"), user_account("ben")],
            now(),
        )
        .await
        .expect("authorize");
    let spec = |user: &str| {
        LaunchSpec::new(
            Some(user.into()),
            Some(agid.clone()),
            Some("a2".into()),
            Some("10.0.0.9".into()),
            None,
            false,
        )
        .expect("spec")
    };
    let target = store
        .launch_target(pid.to_string(), spec("ann"))
        .await
        .expect("target");
    assert_eq!(target.primary_server_group_id, sg);
    assert!(
        store
            .launch_target(pid.to_string(), spec("eve"))
            .await
            .is_err(),
        "not authorized"
    );
    let launch = |user: &str| LaunchArgs {
        project_id: pid.clone(),
        spec: spec(user),
        session_id: uuid::Uuid::new_v4().simple().to_string(),
        connection_id: uuid::Uuid::new_v4().simple().to_string(),
        now: now(),
        catalogue: Arc::new(cat.clone()),
    };
    let ann = store.launch(launch("ann")).await.expect("launch").session;
    let again = store.launch(launch("ann")).await.expect("again");
    assert!(again.reused);
    assert_eq!(
        ann.disconnect_timeout_ms, None,
        "no policy group: the default"
    );
    // A policy group for everyone: the next session keeps its disconnect timeout, resolved in
    // the launch's write.
    let mut everyone = policy_group(pid, "pg-everyone", "everyone", 1);
    everyone.targets = vec![openwks_core::policy::Target {
        target_type: openwks_core::policy::TargetType::All,
        target_id: openwks_core::policy::ALL_TARGETS_ID.into(),
        target_name: "All-Targets".into(),
    }];
    everyone.policies = json!({"session": {"sbc": {"sbc_automatic_disconnection_options":
        {"auto_logout_options": {"sbc_logout_waiting_time": 120}}}}});
    store
        .create_policy_group(everyone)
        .await
        .expect("policy group");
    let ben = store.launch(launch("ben")).await.expect("launch").session;
    assert_eq!(ben.disconnect_timeout_ms, Some(120 * 60_000));
    // The same policy, read for the launch route's answer, with who set the field.
    let e = store
        .effective_policy(pid.to_string(), spec("ben"))
        .await
        .expect("effective");
    let wait = "session.sbc.sbc_automatic_disconnection_options.auto_logout_options.sbc_logout_waiting_time";
    assert_eq!(
        e.policies["session"]["sbc"]["sbc_automatic_disconnection_options"]["auto_logout_options"]
            ["sbc_logout_waiting_time"],
        120
    );
    assert_eq!(e.sources[wait].policy_group_name, "everyone");
    assert!(
        store
            .effective_policy(pid.to_string(), spec("eve"))
            .await
            .is_err(),
        "a launch's refusals apply"
    );
    // A migration that routing would send back to the same server is refused and changes
    // nothing; with that server in maintenance, the session moves.
    let back = store.migrate_session(launch("ann"), ann.id.clone()).await;
    assert!(back.is_err(), "{back:?}");
    let kept = store
        .session(pid.to_string(), ann.id.clone())
        .await
        .expect("session")
        .expect("ann");
    assert!(
        kept.is_live() && kept.server_id == ann.server_id,
        "{kept:?}"
    );
    let maintain = |on: bool| -> crate::ServerUpdate {
        Box::new(move |s| {
            if let Some(a) = s.app.as_mut() {
                a.maintain_status = on;
            }
            Ok(())
        })
    };
    store
        .update_app_server(pid.to_string(), ann.server_id.clone(), maintain(true))
        .await
        .expect("maintain");
    let moved = store
        .migrate_session(launch("ann"), ann.id.clone())
        .await
        .expect("moved")
        .session;
    assert_ne!(moved.server_id, ann.server_id);
    let old = store
        .session(pid.to_string(), ann.id.clone())
        .await
        .expect("session")
        .expect("old");
    assert_eq!(old.state, SessionState::SignedOut);
    assert!(
        store
            .migrate_session(launch("ann"), ann.id.clone())
            .await
            .is_err(),
        "an ended session does not move"
    );
    store
        .update_app_server(pid.to_string(), ann.server_id.clone(), maintain(false))
        .await
        .expect("out of maintenance");
    let ann = moved;
    let decisions = store
        .explain_routing(pid.to_string(), sg.clone(), Arc::new(cat.clone()))
        .await
        .expect("explain");
    assert_eq!(decisions[0].server_group_id, sg);
    assert!(store
        .session(pid.to_string(), ann.id.clone())
        .await
        .expect("session")
        .is_some());
    let counts = store
        .live_session_counts(ids.clone())
        .await
        .expect("counts");
    assert_eq!(counts.values().sum::<u32>(), 2);
    assert_eq!(
        store
            .live_sessions_by_server()
            .await
            .expect("by server")
            .iter()
            .map(|r| r.2)
            .sum::<u64>(),
        2
    );
    let d = store
        .disconnect_session(pid.to_string(), ann.id.clone(), now())
        .await
        .expect("disconnect");
    assert_eq!(d.state, SessionState::Disconnected);
    let e = store
        .end_session(pid.to_string(), ann.id, now())
        .await
        .expect("end");
    assert_eq!(e.state, SessionState::SignedOut);
    store
        .logoff_sessions(pid.to_string(), vec![ben.id.clone()], 60, now())
        .await
        .expect("logoff later");
    assert_eq!(store.expire_sessions(now()).await.expect("expire"), 0);
    assert_eq!(
        store
            .expire_sessions(now().plus_ms(61_000))
            .await
            .expect("expire"),
        1
    );
    let (n, _) = store
        .list_sessions(pid.to_string(), SessionFilter::default(), 0, 10)
        .await
        .expect("list");
    assert_eq!(n, 3, "ann's first session, the one it moved to, ben's");
    let (n, _) = store
        .app_connections(pid.to_string(), ConnectionFilter::default(), 0, 10)
        .await
        .expect("connections");
    assert_eq!(n, 4, "three launches and a migration");
    store
        .save_export(pid.to_string(), "x1".into(), "{}".into())
        .await
        .expect("export");
    assert_eq!(
        store
            .export(pid.to_string(), "x1".to_string())
            .await
            .expect("export")
            .as_deref(),
        Some("{}")
    );
    // Scaling: enable it, read the inputs, release an idle server, log the activity.
    store
        .update_server_group(
            pid.to_string(),
            sg.clone(),
            Box::new(|g, _, _| {
                g.scaling_policy.enable = true;
                g.scaling_policy.max_scaling_amount = 10;
                g.scaling_policy.single_expansion_count = 1;
                g.scaling_policy.shrink_after_session_idle_minutes = 5;
                Ok(())
            }),
        )
        .await
        .expect("enable scaling");
    assert!(store
        .scaling_groups()
        .await
        .expect("groups")
        .contains(&(pid.clone(), sg.clone())));
    let inputs = store
        .scaling_inputs(pid.to_string(), sg.clone(), Arc::new(cat.clone()))
        .await
        .expect("inputs")
        .expect("group");
    assert_eq!(inputs.servers.len(), 2);
    let released = store
        .scale_in(
            pid.to_string(),
            sg.clone(),
            vec![ids[0].clone()],
            "job-in".into(),
            now(),
        )
        .await
        .expect("scale in")
        .expect("idle server released");
    assert_eq!(released.1, vec![ids[0].clone()]);
    let activity: ScalingActivity = from(
        json!({"id": "act1", "project_id": pid, "server_group_id": sg,
        "action": "scale_in", "server_ids": [ids[0]], "reason": "idle", "job_id": "job-in",
        "time": now().wire(), "sessions": 0, "servers": 2, "auto_created": 2}),
    );
    store
        .record_scaling_activity(activity)
        .await
        .expect("record");
    let log = store
        .scaling_activities(pid.to_string(), sg, 10)
        .await
        .expect("log");
    assert_eq!(log.len(), 1);
}

#[tokio::test]
async fn iam_and_audit() {
    let (_d, store, _cat, b) = setup().await;
    let acc = &b.project.account_id;
    let u: IamUser = from(json!({"id": "iu1", "name": "dev", "account_id": acc,
        "is_admin": false, "enabled": true, "created_at": ""}));
    store.create_iam_user(u, "hash".into()).await.expect("user");
    assert!(store
        .iam_user(acc.to_string(), "iu1".to_string())
        .await
        .expect("user")
        .is_some());
    assert!(store
        .iam_users(acc.to_string())
        .await
        .expect("users")
        .iter()
        .any(|u| u.id == "iu1"));
    let off = store
        .update_iam_user(acc.to_string(), "iu1".to_string(), Some(false), None)
        .await
        .expect("disable");
    assert!(!off.enabled);
    let k = store
        .create_iam_key(
            acc.to_string(),
            "iu1".to_string(),
            "AK-IU1".into(),
            "SK".into(),
            now(),
        )
        .await
        .expect("key");
    assert_eq!(
        store
            .iam_keys(acc.to_string(), "iu1".to_string())
            .await
            .expect("keys")
            .len(),
        1
    );
    let k2 = store
        .set_iam_key_status(
            acc.to_string(),
            "iu1".to_string(),
            k.access_key,
            KeyStatus::Inactive,
        )
        .await
        .expect("status");
    assert_eq!(k2.status, "inactive");
    let p: IamPolicy = from(json!({"id": "ip1", "account_id": acc, "name": "read",
        "description": "", "document": "{\"Version\":\"5.0\",\"Statement\":[]}", "created_at": ""}));
    store.create_iam_policy(p).await.expect("policy");
    assert!(store
        .iam_policy(acc.to_string(), "ip1".to_string())
        .await
        .expect("policy")
        .is_some());
    assert_eq!(
        store
            .iam_policies(acc.to_string())
            .await
            .expect("policies")
            .len(),
        1
    );
    let g: IamGroup = from(json!({"id": "ig1", "account_id": acc, "name": "devs",
        "description": "", "members": [], "created_at": ""}));
    store.create_iam_group(g).await.expect("group");
    assert!(store
        .iam_group(acc.to_string(), "ig1".to_string())
        .await
        .expect("group")
        .is_some());
    assert_eq!(
        store
            .iam_groups(acc.to_string())
            .await
            .expect("groups")
            .len(),
        1
    );
    let g = store
        .set_iam_member(
            acc.to_string(),
            "ig1".to_string(),
            "iu1".to_string(),
            Change::Add,
        )
        .await
        .expect("member");
    assert_eq!(g.members, vec!["iu1"]);
    store
        .set_iam_attachment(
            acc.to_string(),
            "ip1".to_string(),
            Principal::Group,
            "ig1".to_string(),
            Change::Add,
        )
        .await
        .expect("attach");
    assert_eq!(
        store
            .iam_policy_attachments(acc.to_string(), "ip1".to_string())
            .await
            .expect("n"),
        1
    );
    assert_eq!(
        store
            .iam_attached(acc.to_string(), Principal::Group, "ig1".to_string())
            .await
            .expect("attached")
            .len(),
        1
    );
    assert_eq!(
        store
            .iam_effective_policies(acc.to_string(), "iu1".to_string())
            .await
            .expect("effective")
            .len(),
        1
    );
    // Attached: the policy cannot go.
    assert!(store
        .delete_iam_policy(acc.to_string(), "ip1".to_string())
        .await
        .is_err());
    store
        .set_iam_attachment(
            acc.to_string(),
            "ip1".to_string(),
            Principal::Group,
            "ig1".to_string(),
            Change::Remove,
        )
        .await
        .expect("detach");
    store
        .set_iam_member(
            acc.to_string(),
            "ig1".to_string(),
            "iu1".to_string(),
            Change::Remove,
        )
        .await
        .expect("leave");
    assert_eq!(
        store
            .delete_iam_policy(acc.to_string(), "ip1".to_string())
            .await
            .expect("del"),
        Deleted::Yes
    );
    assert_eq!(
        store
            .delete_iam_group(acc.to_string(), "ig1".to_string())
            .await
            .expect("del"),
        Deleted::Yes
    );
    assert_eq!(
        store
            .delete_iam_key(acc.to_string(), "iu1".to_string(), "AK-IU1".to_string())
            .await
            .expect("del"),
        Deleted::Yes
    );
    assert_eq!(
        store
            .delete_iam_user(acc.to_string(), "iu1".to_string())
            .await
            .expect("del"),
        Deleted::Yes
    );
    // Audit.
    let event = |id: &str, ms: i64| -> AuditEvent {
        from(
            json!({"id": id, "time": Timestamp::from_ms(ms).wire(), "time_ms": ms,
            "account_id": acc, "user_id": "u1", "user_name": "admin", "action": "iam:users:create",
            "resource": "*", "method": "POST", "path": "/openwks/v1/iam/users", "status": 201,
            "result": "allow", "reason": "", "request_id": id}),
        )
    };
    store
        .append_audit(event("e1", 1_000))
        .await
        .expect("append");
    store
        .append_audit(event("e2", 2_000))
        .await
        .expect("append");
    let (n, _) = store
        .audit_events(acc.to_string(), AuditFilter::default(), 0, 10)
        .await
        .expect("events");
    assert_eq!(n, 2);
    assert_eq!(store.prune_audit(1_500).await.expect("prune"), 1);
}

/// A task of `pid` named `name`, due at `next_ms`.
fn schedule_task(pid: &str, id: &str, name: &str, next_ms: Option<i64>) -> ScheduleTask {
    let at = chrono::DateTime::from_timestamp_millis(1_780_000_000_000).expect("time");
    let schedule = Schedule::parse(
        &ScheduleInput {
            scheduled_type: Some("DAY".into()),
            day_interval: Some(1),
            scheduled_time: Some("03:00:00".into()),
            ..ScheduleInput::default()
        },
        at,
    )
    .expect("schedule");
    ScheduleTask {
        id: id.into(),
        project_id: pid.into(),
        task_name: name.into(),
        task_type: TaskType::RestartServer,
        schedule,
        description: String::new(),
        is_enable: true,
        enforcement_enable: false,
        targets: Vec::new(),
        next_ms,
        create_time: "2026-01-01T00:00:00.000Z".into(),
        update_time: "2026-01-01T00:00:00.000Z".into(),
    }
}

#[tokio::test]
async fn schedule_tasks_and_runs() {
    let (_d, store, _cat, b) = setup().await;
    let pid = &b.project.id;
    let a = store
        .create_schedule_task(schedule_task(pid, "st-a", "nightly-restart", Some(1_000)))
        .await
        .expect("a");
    store
        .create_schedule_task(schedule_task(pid, "st-b", "weekly", Some(5_000)))
        .await
        .expect("b");
    store
        .create_schedule_task(schedule_task(pid, "st-c", "off", None))
        .await
        .expect("c");
    let other = store
        .schedule_task("another-project".into(), a.id.clone())
        .await
        .expect("read");
    assert!(other.is_none(), "tasks are per project");
    assert_eq!(
        store
            .schedule_task(pid.to_string(), a.id.clone())
            .await
            .expect("read"),
        Some(a.clone())
    );
    let (n, page) = store
        .list_schedule_tasks(pid.to_string(), ScheduleTaskFilter::default(), 0, 2)
        .await
        .expect("list");
    assert_eq!(n, 3);
    let names: Vec<&str> = page.iter().map(|t| t.task_name.as_str()).collect();
    assert_eq!(names, ["off", "weekly"], "newest first");
    let f = ScheduleTaskFilter {
        name_contains: Some("RESTART".into()),
        task_type: Some(TaskType::RestartServer),
    };
    let (n, _) = store
        .list_schedule_tasks(pid.to_string(), f, 0, 10)
        .await
        .expect("filtered");
    assert_eq!(n, 1);
    let f = ScheduleTaskFilter {
        task_type: Some(TaskType::StopServer),
        ..ScheduleTaskFilter::default()
    };
    let (n, _) = store
        .list_schedule_tasks(pid.to_string(), f, 0, 10)
        .await
        .expect("by type");
    assert_eq!(n, 0);

    // Due: the tasks whose next run has come, earliest first.
    let due = store.due_schedule_tasks(5_000).await.expect("due");
    let ids: Vec<&str> = due.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(ids, ["st-a", "st-b"]);
    assert_eq!(store.due_schedule_tasks(999).await.expect("due").len(), 0);

    // A claim moves the task on and records the run, once.
    let run = Run {
        id: "run-1".into(),
        project_id: pid.to_string(),
        task_id: a.id.clone(),
        task_type: TaskType::RestartServer,
        cycle: Cycle::Day,
        time_zone: "Asia/Shanghai".into(),
        begin_time: "2026-01-01T03:00:00.000Z".into(),
        items: Vec::new(),
    };
    assert!(store
        .claim_schedule_run(1_000, Some(90_000), run.clone())
        .await
        .expect("claim"));
    let mut second = run.clone();
    second.id = "run-2".into();
    assert!(
        !store
            .claim_schedule_run(1_000, Some(90_000), second)
            .await
            .expect("claimed again"),
        "an occurrence is claimed once"
    );
    let moved = store
        .schedule_task(pid.to_string(), a.id.clone())
        .await
        .expect("read")
        .expect("a");
    assert_eq!(moved.next_ms, Some(90_000));
    let mut done = run.clone();
    done.items.push(RunItem {
        id: "item-1".into(),
        server_id: "srv".into(),
        server_name: "APS-1".into(),
        job_id: None,
        status: RunStatus::Success,
        result_code: String::new(),
        result_message: "restarted".into(),
        begin_time: run.begin_time.clone(),
        end_time: run.begin_time.clone(),
    });
    store
        .update_schedule_run(done.clone())
        .await
        .expect("update run");
    assert_eq!(
        store
            .schedule_run(pid.to_string(), "run-1".into())
            .await
            .expect("run"),
        Some(done.clone())
    );
    let (n, runs) = store
        .schedule_runs(pid.to_string(), a.id.clone(), 0, 10)
        .await
        .expect("runs");
    assert_eq!((n, runs), (1, vec![done]));

    // Update, then delete with the runs.
    let t = store
        .update_schedule_task(
            pid.to_string(),
            a.id.clone(),
            Box::new(|t| {
                t.is_enable = false;
                t.next_ms = None;
                Ok(())
            }),
        )
        .await
        .expect("update");
    assert!(!t.is_enable);
    assert!(store
        .due_schedule_tasks(i64::MAX)
        .await
        .expect("due")
        .iter()
        .all(|t| t.id != "st-a"));
    let missing = store
        .update_schedule_task(pid.to_string(), "nope".into(), Box::new(|_| Ok(())))
        .await;
    assert!(missing.is_err());
    let n = store
        .delete_schedule_tasks(pid.to_string(), vec![a.id.clone(), "nope".into()])
        .await
        .expect("delete");
    assert_eq!(n, 1);
    assert!(store
        .schedule_run(pid.to_string(), "run-1".into())
        .await
        .expect("run")
        .is_none());
}

#[tokio::test]
async fn hotspot_configs() {
    let (_d, store, _cat, b) = setup().await;
    let pid = &b.project.id;
    let config = HotspotConfig {
        id: "hs-1".into(),
        project_id: pid.to_string(),
        enabled: false,
        exit_session_num: 2,
        non_migrate_users: vec![UserRef {
            user_id: "u1".into(),
            user_name: "alice".into(),
        }],
    };
    store
        .create_hotspot_config(config.clone())
        .await
        .expect("create");
    let mut second = config.clone();
    second.id = "hs-2".into();
    assert!(
        store.create_hotspot_config(second).await.is_err(),
        "one per project"
    );
    assert_eq!(
        store
            .hotspot_configs(pid.to_string(), 0, 10)
            .await
            .expect("list"),
        (1, vec![config.clone()])
    );
    assert_eq!(
        store
            .hotspot_config(pid.to_string(), "hs-1".into())
            .await
            .expect("read"),
        Some(config.clone())
    );
    assert!(store
        .hotspot_config("another".into(), "hs-1".into())
        .await
        .expect("read")
        .is_none());
    assert!(store
        .enabled_hotspot_configs()
        .await
        .expect("enabled")
        .is_empty());
    let on = store
        .update_hotspot_config(
            pid.to_string(),
            "hs-1".into(),
            Box::new(|c| {
                c.enabled = true;
                Ok(())
            }),
        )
        .await
        .expect("enable");
    assert!(on.enabled);
    assert_eq!(
        store.enabled_hotspot_configs().await.expect("enabled"),
        vec![on]
    );
    assert!(store
        .update_hotspot_config(pid.to_string(), "nope".into(), Box::new(|_| Ok(())))
        .await
        .is_err());
}

fn policy_group(pid: &str, id: &str, name: &str, priority: u32) -> PolicyGroup {
    PolicyGroup {
        id: id.into(),
        project_id: pid.into(),
        name: name.into(),
        description: String::new(),
        priority,
        targets: Vec::new(),
        policies: json!({"audio": {"audio_redirection_enable": false}}),
        create_time: String::new(),
        update_time: String::new(),
    }
}

#[tokio::test]
async fn policy_groups_and_templates() {
    let (_d, store, _cat, b) = setup().await;
    let pid = &b.project.id;
    let g1 = store
        .create_policy_group(policy_group(pid, "pg-1", "office", 5))
        .await
        .expect("g1");
    store
        .create_policy_group(policy_group(pid, "pg-2", "labs", 1))
        .await
        .expect("g2");
    let dup = store
        .create_policy_group(policy_group(pid, "pg-3", "office", 2))
        .await;
    assert!(dup.is_err(), "names are unique: {dup:?}");
    let (n, total, page) = store
        .list_policy_groups(pid.to_string(), None, 0, 10)
        .await
        .expect("list");
    assert_eq!((n, total), (2, 2));
    let names: Vec<&str> = page.iter().map(|g| g.name.as_str()).collect();
    assert_eq!(names, ["labs", "office"], "by priority");
    let (n, total, _) = store
        .list_policy_groups(pid.to_string(), Some("OFF".into()), 0, 10)
        .await
        .expect("filtered");
    assert_eq!((n, total), (1, 2));
    assert_eq!(
        store
            .policy_group(pid.to_string(), "pg-1".into())
            .await
            .expect("read"),
        Some(g1)
    );
    let renamed = store
        .update_policy_group(
            pid.to_string(),
            "pg-1".into(),
            Box::new(|g| {
                g.name = "office_2".into();
                g.priority = 9;
                Ok(())
            }),
        )
        .await
        .expect("update");
    assert_eq!((renamed.name.as_str(), renamed.priority), ("office_2", 9));
    let clash = store
        .update_policy_group(
            pid.to_string(),
            "pg-1".into(),
            Box::new(|g| {
                g.name = "labs".into();
                Ok(())
            }),
        )
        .await;
    assert!(clash.is_err(), "{clash:?}");
    assert_eq!(
        store
            .delete_policy_group(pid.to_string(), "pg-1".into())
            .await
            .expect("delete"),
        Deleted::Yes
    );
    assert_eq!(
        store
            .delete_policy_group(pid.to_string(), "pg-1".into())
            .await
            .expect("again"),
        Deleted::NotFound
    );

    let t = PolicyTemplate {
        id: "pt-1".into(),
        project_id: pid.to_string(),
        name: "办公 模板".into(),
        description: "d".into(),
        policies: json!({}),
        create_time: String::new(),
        update_time: String::new(),
    };
    store
        .create_policy_template(t.clone())
        .await
        .expect("template");
    assert!(
        store.create_policy_template(t.clone()).await.is_err(),
        "names are unique"
    );
    let u = store
        .update_policy_template(
            pid.to_string(),
            "pt-1".into(),
            Box::new(|t| {
                t.description = "e".into();
                Ok(())
            }),
        )
        .await
        .expect("update");
    assert_eq!(u.description, "e");
    assert_eq!(
        store
            .list_policy_templates(pid.to_string(), Some("模板".into()), 0, 10)
            .await
            .expect("list"),
        (1, vec![u])
    );
    assert_eq!(
        store
            .delete_policy_template(pid.to_string(), "pt-1".into())
            .await
            .expect("delete"),
        Deleted::Yes
    );
}

fn warehouse_app(pid: &str, id: &str, name: &str, version: &str) -> WarehouseApp {
    from(
        json!({"id": id, "app_id": format!("app-{id}"), "project_id": pid, "app_name": name,
        "app_category": "OTHER", "os_type": "Windows", "version_id": version,
        "version_name": version, "appfile_store_path": "/x/setup.exe", "app_file_size": 1,
        "app_description": "", "appicon_store_path": "", "app_icon": "",
        "app_extended_info": null, "create_time": "", "modify_time": "", "verify_time": "",
        "verify_status": "VERIFY_PASS", "verify_comment": ""}),
    )
}

#[tokio::test]
async fn warehouse_image_servers_and_private_images() {
    let (_d, store, cat, b) = setup().await;
    let pid = &b.project.id;
    store.load_hosts(cat.hosts()).await.expect("hosts");
    // The warehouse: name and version unique, found by either id.
    store
        .create_warehouse_app(warehouse_app(pid, "w1", "office", "1"))
        .await
        .expect("app");
    assert!(store
        .create_warehouse_app(warehouse_app(pid, "w2", "office", "1"))
        .await
        .is_err());
    store
        .create_warehouse_app(warehouse_app(pid, "w2", "office", "2"))
        .await
        .expect("another version");
    let by = |app_id: &str| WarehouseAppFilter {
        app_id: Some(app_id.into()),
        ..WarehouseAppFilter::default()
    };
    let (n, found) = store
        .list_warehouse_apps(pid.to_string(), by("app-w2"), 0, 10)
        .await
        .expect("list");
    assert_eq!((n, found[0].id.as_str()), (1, "w2"));
    let renamed = store
        .update_warehouse_app(
            pid.to_string(),
            "app-w1".into(),
            Box::new(|a: &mut WarehouseApp| {
                a.app_name = "word".into();
                Ok(())
            }),
        )
        .await
        .expect("update");
    assert_eq!(renamed.app_name, "word");
    assert_eq!(
        store
            .delete_warehouse_apps(pid.to_string(), vec!["w2".into(), "nope".into()])
            .await
            .expect("delete"),
        1
    );
    assert!(store
        .warehouse_bucket(pid.to_string())
        .await
        .expect("bucket")
        .is_none());
    for name in ["first", "second"] {
        store
            .put_warehouse_bucket(from(json!({"id": name, "project_id": pid,
                "bucket_name": name, "is_user_create_bucket": true, "update_time": ""})))
            .await
            .expect("bind");
    }
    assert_eq!(
        store
            .warehouse_bucket(pid.to_string())
            .await
            .expect("bucket")
            .map(|b| b.bucket_name),
        Some("second".into())
    );
    store
        .put_icon(
            pid.to_string(),
            Icon {
                id: "wh-icon".into(),
                content_type: "image/png".into(),
                data: vec![1, 2, 3],
            },
        )
        .await
        .expect("icon");
    assert!(store.icon("wh-icon".into()).await.expect("icon").is_some());

    // An image server: group, app group, authorization, server and job in one write.
    let g = group(&store, &cat, &b, "img-srv", None).await;
    let ag: AppGroup = from(
        json!({"id": "900000000000000077", "project_id": pid, "name": "img-srv",
        "app_server_group_id": g.id, "description": "", "authorization_type": "APP_GROUP",
        "app_type": "COMMON_APP", "create_at": ""}),
    );
    let subnet = store
        .list_subnets(pid.to_string(), None, None, 1)
        .await
        .expect("subnets")[0]
        .clone();
    let mut servers = create_args(pid, &subnet, "img-srv", None);
    servers.request.count = 1;
    servers.server_ids.truncate(1);
    servers.app = Some(AppInfo {
        server_group_id: g.id.clone(),
        maintain_status: false,
        scaling_auto_create: false,
        description: String::new(),
        ou_name: String::new(),
        config_version: 1,
        product_id: g.product_id.clone(),
        os_type: "Windows".into(),
        drain: None,
        agent_version: "23.12.0.1005".into(),
        agent_upgrade: None,
    });
    let server: ImageServer = from(json!({"id": "is1", "project_id": pid, "name": "img-srv",
        "description": "", "image_ref": {"id": g.image_id, "image_type": "public",
        "spce_code": "", "product_id": ""}, "server_group_id": g.id, "app_group_id": ag.id,
        "server_id": "", "image_id": "", "status": "CREATING", "authorize_accounts": [],
        "attached_apps": [], "os_type": "Windows", "enterprise_project_id": "0",
        "create_time": "", "update_time": ""}));
    let server_job = servers.job_id.clone();
    let job = ImageJob::one(
        "ij1",
        pid,
        "CREATE_SERVER",
        ("is1", "img-srv"),
        "t",
        &server_job,
    );
    let args = CreateImageServerArgs {
        server,
        server_group: g.clone(),
        app_group: ag,
        accounts: vec![user_account("admin1")],
        servers,
        job,
        max_server_groups: 100,
    };
    // A name another group has: nothing of it is kept.
    let mut taken = args.clone();
    let other = group(&store, &cat, &b, "img-taken", None).await;
    store.create_server_group(other, 100).await.expect("other");
    taken.server_group.name = "img-taken".into();
    assert!(store.create_image_server(taken).await.is_err());
    assert!(store
        .image_server(pid.to_string(), "is1".into())
        .await
        .expect("read")
        .is_none());
    store.create_image_server(args).await.expect("image server");
    let s = store
        .image_server(pid.to_string(), "is1".into())
        .await
        .expect("read")
        .expect("there");
    assert_eq!(s.status, "CREATING");
    assert!(!s.server_id.is_empty());
    // The server's job finishing settles the image job in the same write.
    store
        .finish_job(pid.to_string(), server_job, now())
        .await
        .expect("finish");
    let j = store
        .image_job(pid.to_string(), "ij1".into())
        .await
        .expect("job")
        .expect("there");
    assert_eq!(j.status, "SUCCESS");
    let s = store
        .update_image_server(
            pid.to_string(),
            "is1".into(),
            Box::new(|s: &mut ImageServer| {
                s.description = "golden".into();
                Ok(())
            }),
        )
        .await
        .expect("update");
    assert_eq!(
        (s.status.as_str(), s.description.as_str()),
        ("ACTIVE", "golden")
    );
    let (n, listed) = store
        .list_image_servers(pid.to_string(), Some("img".into()), None, None, 0, 10)
        .await
        .expect("list");
    assert_eq!((n, listed[0].id.as_str()), (1, "is1"));

    // An image from it: saving, then active; the image server BUILT.
    let base = cat.image(&g.image_id).expect("base").clone();
    let image = PrivateImage {
        image: s.image_from(&base, "img-1", "golden"),
        project_id: pid.to_string(),
        status: "saving".into(),
        description: String::new(),
        enterprise_project_id: "0".into(),
        image_server_id: "is1".into(),
        created_at: String::new(),
        updated_at: String::new(),
    };
    store
        .create_server_image(
            "is1".into(),
            image.clone(),
            "ij2".into(),
            "cj2".into(),
            now(),
        )
        .await
        .expect("image");
    assert!(
        store
            .create_server_image("is1".into(), image, "ij3".into(), "cj3".into(), now())
            .await
            .is_err(),
        "one image at a time"
    );
    assert!(matches!(
        store.delete_private_image(pid.to_string(), "img-1".into()).await,
        Err(e) if e.code == openwks_core::error::Reason::InUse
    ));
    store
        .finish_job(pid.to_string(), "cj2".into(), now())
        .await
        .expect("finish");
    let images = store.private_images(pid.to_string()).await.expect("images");
    assert_eq!(images[0].status, "active");
    let (n, jobs) = store
        .list_image_jobs(pid.to_string(), ImageJobFilter::default(), 0, 10)
        .await
        .expect("jobs");
    assert_eq!((n, jobs[0].id.as_str()), (2, "ij2"), "newest first");

    // Deleting it (recursively) removes its groups once the server is gone.
    let del = store
        .delete_image_servers(
            pid.to_string(),
            vec!["is1".into(), "gone".into()],
            true,
            "ij4".into(),
            "cj4".into(),
            now(),
        )
        .await
        .expect("delete");
    assert_eq!(del.sub_jobs.len(), 1, "a missing image server is skipped");
    store
        .finish_job(pid.to_string(), "cj4".into(), now())
        .await
        .expect("finish");
    assert!(store
        .image_server(pid.to_string(), "is1".into())
        .await
        .expect("read")
        .is_none());
    assert!(store
        .server_group(pid.to_string(), g.id.clone())
        .await
        .expect("read")
        .is_none());
    assert_eq!(
        store
            .delete_private_image(pid.to_string(), "img-1".into())
            .await
            .expect("delete"),
        Deleted::Yes
    );
    // Sub-jobs: finished ones go; a job left without any goes too.
    let mut failed = ImageJob::one("ij5", pid, "CREATE_SERVER", ("x", "x"), "t", "");
    failed.settle(Err(("WKS.1", "no host")), "t");
    store.put_image_job(failed).await.expect("put");
    assert!(store
        .delete_image_sub_jobs(pid.to_string(), vec!["nope".into()])
        .await
        .is_err());
    assert_eq!(
        store
            .delete_image_sub_jobs(pid.to_string(), vec!["ij5-1".into()])
            .await
            .expect("delete"),
        1
    );
    assert!(store
        .image_job(pid.to_string(), "ij5".into())
        .await
        .expect("read")
        .is_none());
}

#[tokio::test]
async fn storages_folders_members_and_policies() {
    use openwks_core::storage::{
        PersistentStorage, PolicyStatement, StorageAssignment, StorageClaim,
    };
    let (_d, store, _cat, b) = setup().await;
    let pid = &b.project.id;
    let st = |id: &str, handle: &str| PersistentStorage {
        id: id.into(),
        project_id: pid.clone(),
        name: format!("storage {id}"),
        storage_class: "sfs".into(),
        storage_handle: handle.into(),
        create_time: "2026-01-01T00:00:00Z".into(),
    };
    store
        .create_persistent_storage(st("1", "fs1"))
        .await
        .expect("create");
    let e = store
        .create_persistent_storage(st("2", "fs1"))
        .await
        .expect_err("one storage a file system");
    assert_eq!(e.kind, openwks_core::ErrorKind::Conflict);
    store
        .create_persistent_storage(st("2", "fs2"))
        .await
        .expect("create 2");
    let (n, page) = store
        .list_persistent_storages(pid.to_string(), None, Some("storage 2".into()), 0, 10)
        .await
        .expect("list");
    assert_eq!((n, page[0].storage.id.as_str()), (1, "2"));
    // Personal folders: claimed once, re-assigning changes the policy only.
    let uf = |who: &str, policy: &str, claim: &str| crate::UserFolder {
        attach: who.into(),
        policy_statement_id: policy.into(),
        new_claim_id: claim.into(),
    };
    let claims = store
        .assign_user_folders(
            pid.to_string(),
            "1".into(),
            vec![uf("ann", "DEFAULT_1", "c1"), uf("bob", "DEFAULT_2", "c2")],
            now(),
        )
        .await
        .expect("assign");
    assert_eq!(claims[0].folder_path, "users/ann/");
    let again = store
        .assign_user_folders(
            pid.to_string(),
            "1".into(),
            vec![uf("ann", "DEFAULT_4", "c9")],
            now(),
        )
        .await
        .expect("assign again");
    assert_eq!(again[0].id, "c1");
    // Shared folders and their members, by name and through a user group.
    let share = StorageClaim {
        id: "s1".into(),
        project_id: pid.clone(),
        storage_id: "1".into(),
        claim_mode: "SHARE".into(),
        folder_path: "shares/video/".into(),
        create_time: "t".into(),
    };
    store
        .create_share_folder(share.clone())
        .await
        .expect("share");
    assert!(store
        .create_share_folder(StorageClaim {
            id: "s2".into(),
            ..share.clone()
        })
        .await
        .is_err());
    let ug: UserGroup = from(json!({"id": "ug-st", "project_id": pid, "name": "editors",
        "description": "", "members": ["ann"], "member_count": 1, "create_at": ""}));
    store.create_user_group(ug).await.expect("user group");
    let member = |attach: &str, kind: &str, policy: &str| StorageAssignment {
        claim_id: "s1".into(),
        storage_id: "1".into(),
        project_id: pid.clone(),
        attach: attach.into(),
        attach_type: kind.into(),
        policy_statement_id: policy.into(),
    };
    store
        .change_share_members(
            pid.to_string(),
            "1".into(),
            "s1".into(),
            vec![
                member("editors", "USER_GROUP", "DEFAULT_3"),
                member("bob", "USER", "DEFAULT_1"),
            ],
            vec![],
        )
        .await
        .expect("members");
    let ms = store
        .storage_memberships(pid.to_string(), "ann".into())
        .await
        .expect("ann's");
    let mut got: Vec<(String, String, String)> = ms
        .iter()
        .map(|m| {
            (
                m.claim.folder_path.clone(),
                m.assignment.attach_type.clone(),
                m.assignment.policy_statement_id.clone(),
            )
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        vec![
            (
                "shares/video/".to_string(),
                "USER_GROUP".to_string(),
                "DEFAULT_3".to_string()
            ),
            (
                "users/ann/".to_string(),
                "USER".to_string(),
                "DEFAULT_4".to_string()
            ),
        ]
    );
    let listed = store
        .storage_claims(pid.to_string(), "1".into(), Some("SHARE".into()))
        .await
        .expect("claims");
    assert_eq!((listed.len(), listed[0].1.len()), (1, 2));
    // In use: neither the storage nor the shared folder goes, and nothing of a batch does.
    let e = store
        .delete_persistent_storages(pid.to_string(), vec!["2".into(), "1".into()])
        .await
        .expect_err("in use");
    assert_eq!(e.code, openwks_core::error::Reason::StorageInUse);
    assert!(store
        .persistent_storage(pid.to_string(), "2".into())
        .await
        .expect("read")
        .is_some());
    let e = store
        .delete_storage_claims(pid.to_string(), "1".into(), vec!["s1".into()])
        .await
        .expect_err("members");
    assert_eq!(e.code, openwks_core::error::Reason::StorageInUse);
    store
        .change_share_members(
            pid.to_string(),
            "1".into(),
            "s1".into(),
            vec![],
            vec![
                ("editors".into(), "USER_GROUP".into()),
                ("bob".into(), "USER".into()),
            ],
        )
        .await
        .expect("remove members");
    let gone = store
        .delete_storage_claims(
            pid.to_string(),
            "1".into(),
            vec!["s1".into(), "nope".into()],
        )
        .await
        .expect("delete");
    assert_eq!(gone.len(), 1);
    let gone = store
        .delete_user_folders(
            pid.to_string(),
            "1".into(),
            vec!["ann".into(), "bob".into(), "zed".into()],
        )
        .await
        .expect("delete");
    assert_eq!(gone.len(), 2);
    assert_eq!(
        store
            .delete_persistent_storages(pid.to_string(), vec!["1".into(), "2".into(), "3".into()])
            .await
            .expect("delete"),
        2
    );
    // Policies: the four built-in ones, then the project's own.
    assert_eq!(
        store
            .storage_policies(pid.to_string())
            .await
            .expect("policies")
            .len(),
        4
    );
    let own = PolicyStatement {
        policy_statement_id: "CUSTOM_1".into(),
        actions: vec![],
        roam_actions: vec!["GetObject".into()],
    };
    store
        .put_storage_policy(pid.to_string(), own.clone())
        .await
        .expect("put");
    store
        .put_storage_policy(pid.to_string(), own.clone())
        .await
        .expect("put again");
    let all = store
        .storage_policies(pid.to_string())
        .await
        .expect("policies");
    assert_eq!(all.len(), 5);
    assert_eq!(all[4], own);

    // Cloud storages and their personal folders.
    use openwks_core::storage::{CloudFolder, CloudStorage};
    let cs = |id: &str, config: &str| CloudStorage {
        id: id.into(),
        project_id: pid.clone(),
        name: format!("cloud {id}"),
        project_config_id: config.into(),
        cluster_group_id: "g".into(),
        create_time: "t".into(),
    };
    store
        .create_cloud_storages(vec![cs("10", "a"), cs("11", "b")])
        .await
        .expect("cloud");
    let e = store
        .create_cloud_storages(vec![cs("12", "c"), cs("13", "a")])
        .await
        .expect_err("a is taken");
    assert_eq!(e.kind, openwks_core::ErrorKind::Conflict);
    assert!(
        store
            .cloud_storage(pid.to_string(), "12".into())
            .await
            .expect("read")
            .is_none(),
        "all or none"
    );
    let folder = |id: &str, storage: &str, user: &str| CloudFolder {
        id: id.into(),
        project_id: pid.clone(),
        storage_id: storage.into(),
        attach_id: format!("id-{user}"),
        attach_name: user.into(),
        quota: Some(100),
        action_get: true,
        action_put: false,
        roam_action_get: true,
        roam_action_put: true,
        create_time: "t".into(),
    };
    store
        .put_cloud_folders(
            pid.to_string(),
            "10".into(),
            vec![folder("f1", "10", "ann")],
        )
        .await
        .expect("folder");
    let again = store
        .put_cloud_folders(
            pid.to_string(),
            "10".into(),
            vec![CloudFolder {
                quota: Some(5),
                ..folder("f9", "10", "ann")
            }],
        )
        .await
        .expect("again");
    assert_eq!((again[0].id.as_str(), again[0].quota), ("f1", Some(5)));
    let f = store
        .update_cloud_folder(
            pid.to_string(),
            "10".into(),
            "f1".into(),
            Box::new(|f: &mut CloudFolder| {
                f.action_put = true;
                Ok(())
            }),
        )
        .await
        .expect("update");
    assert!(f.action_put);
    let (n, views) = store
        .list_cloud_storages(pid.to_string(), None, None, 0, 10)
        .await
        .expect("list");
    assert_eq!((n, views[0].user_claim_count), (2, 1));
    let ms = store
        .storage_memberships(pid.to_string(), "ann".into())
        .await
        .expect("ann's");
    assert!(
        ms.iter().any(|m| m.claim.id == "f1" && m.own.is_some()),
        "{ms:?}"
    );
    assert_eq!(
        store
            .cloud_folders_of(pid.to_string(), "ann".into())
            .await
            .expect("of")
            .len(),
        1
    );
    let (_, on) = store
        .cloud_folder(pid.to_string(), "f1".into())
        .await
        .expect("read")
        .expect("f1");
    assert_eq!(on.id, "10");
    let e = store
        .delete_cloud_storages(pid.to_string(), vec!["11".into(), "10".into()])
        .await
        .expect_err("in use");
    assert_eq!(e.code, openwks_core::error::Reason::StorageInUse);
    let moved = store
        .move_cloud_folders(pid.to_string(), "10".into(), vec!["f1".into()], "11".into())
        .await
        .expect("move");
    assert_eq!(moved[0].storage_id, "11");
    assert_eq!(
        store
            .cloud_folders(pid.to_string(), "11".into())
            .await
            .expect("folders")
            .len(),
        1
    );
    let gone = store
        .delete_cloud_folders(
            pid.to_string(),
            "11".into(),
            vec!["id-ann".into(), "id-zed".into()],
        )
        .await
        .expect("delete");
    assert_eq!(gone.len(), 1);
    assert_eq!(
        store
            .delete_cloud_storages(pid.to_string(), vec!["10".into(), "11".into()])
            .await
            .expect("delete"),
        2
    );
}

#[tokio::test]
async fn admin_reset() {
    let (_d, store, cat, b) = setup().await;
    let pid = &b.project.id;
    store.load_hosts(cat.hosts()).await.expect("hosts");
    let default_subnet = store
        .list_subnets(pid.to_string(), None, None, 10)
        .await
        .expect("subnets")[0]
        .clone();
    let (sg, _) = group_with_servers(&store, &cat, &b, "conf-reset").await;
    let vpc: Vpc = from(
        json!({"id": "vpc-r", "project_id": pid, "name": "r", "cidr": "10.9.0.0/16",
        "description": "", "enterprise_project_id": "0", "created_at": ""}),
    );
    store.create_vpc(vpc).await.expect("vpc");
    let u: IamUser = from(
        json!({"id": "iu-r", "name": "stays", "account_id": b.project.account_id,
        "is_admin": false, "enabled": true, "created_at": ""}),
    );
    store.create_iam_user(u, "h".into()).await.expect("user");
    let removed = store.reset(&cat, now()).await.expect("reset");
    assert_eq!(removed["server_groups"], 1, "{removed:?}");
    assert_eq!(removed["servers"], 2, "{removed:?}");
    assert_eq!(removed["vpcs"], 1, "{removed:?}");
    assert!(store
        .server_group(pid.to_string(), sg.clone())
        .await
        .expect("show")
        .is_none());
    let (n, _) = store
        .list_servers(pid.to_string(), 0, 10)
        .await
        .expect("servers");
    assert_eq!(n, 0);
    let (n, page) = store
        .list_server_groups(pid.to_string(), ServerGroupFilter::default(), 0, 10)
        .await
        .expect("groups");
    assert_eq!((n, page.len()), (0, 0));
    let usage = store.host_usage().await.expect("usage");
    assert!(
        usage
            .values()
            .all(|(used, servers)| *used == (0, 0, 0) && servers.is_empty()),
        "the fleet is empty again: {usage:?}"
    );
    // The identity and the default network stay, with their ids.
    assert!(store
        .iam_user(b.project.account_id.clone(), "iu-r".to_string())
        .await
        .expect("user")
        .is_some());
    assert!(store
        .access_keys()
        .await
        .expect("keys")
        .iter()
        .any(|k| k.access_key == "AK"));
    let subnets = store
        .list_subnets(pid.to_string(), None, None, 10)
        .await
        .expect("subnets");
    assert_eq!(subnets.len(), 1);
    assert_eq!(subnets[0].id, default_subnet.id);
    // Names are free again, and the fleet places a new group's servers.
    let (again, ids) = group_with_servers(&store, &cat, &b, "conf-reset").await;
    assert_ne!(again, sg);
    assert_eq!(ids.len(), 2);
    // A deleted default network comes back.
    store.reset(&cat, now()).await.expect("reset");
    store
        .delete_subnet(pid.to_string(), None, default_subnet.id)
        .await
        .expect("delete subnet");
    assert!(store
        .list_subnets(pid.to_string(), None, None, 10)
        .await
        .expect("subnets")
        .is_empty());
    store.reset(&cat, now()).await.expect("reset");
    assert_eq!(
        store
            .list_subnets(pid.to_string(), None, None, 10)
            .await
            .expect("subnets")
            .len(),
        1
    );
}

/// Every method of every resource trait of `lib.rs` is called in this file.
#[test]
fn every_store_method_is_exercised_here() {
    let lib = include_str!("../../lib.rs");
    let here = include_str!("conformance.rs");
    let mut methods = Vec::new();
    let mut in_trait = false;
    for line in lib.lines() {
        if line.starts_with("pub trait ") && line.contains(": Send + Sync {") {
            in_trait = true;
        } else if line == "}" {
            in_trait = false;
        } else if in_trait {
            let t = line.trim_start();
            let t = t.strip_prefix("async ").unwrap_or(t);
            if let Some(rest) = t.strip_prefix("fn ") {
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                methods.push(name);
            }
        }
    }
    assert!(
        methods.len() >= 120,
        "found {} trait methods",
        methods.len()
    );
    let missing: Vec<&String> = methods
        .iter()
        .filter(|m| !here.contains(&format!(".{m}(")))
        .collect();
    assert!(
        missing.is_empty(),
        "store methods no conformance test calls: {missing:?}"
    );
}
