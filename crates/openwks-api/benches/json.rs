//! JSON (de)serialization of the largest server-group DTOs: the show response (38 fields with
//! the product info) out, the create request in, and a 100-item list page out.
//! Run: `cargo bench -p openwks-api --bench json`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use openwks_api::wks::convert;
use openwks_api::wks::server_group::{CreateServerGroupReq, ListResponse};
use openwks_core::catalogue::Catalogue;
use openwks_core::network::{Subnet, Vpc};
use openwks_core::server_group::{CreateContext, CreateSpec, ServerGroupView};

fn view(cat: &Catalogue) -> ServerGroupView {
    let body = br#"{"name": "sg-demo", "image_id": "6f4d1f2a-2019-4b6e-9c0d-000000000001", "image_type": "public", "os_type": "Windows", "route_policy": {"max_session": 10, "cpu_threshold": 80, "mem_threshold": 80}, "product_id": "workspace.appstream.general.xlarge.2", "vpc_id": "v", "subnet_id": "s", "system_disk_type": "SAS", "system_disk_size": 80, "tags": [{"key": "team", "value": "cad"}]}"#;
    let req: CreateServerGroupReq = serde_json::from_slice(body).unwrap_or_default();
    let vpc = Vpc {
        id: "v".into(),
        project_id: "p".into(),
        name: "v".into(),
        cidr: "10.0.0.0/16".into(),
        description: String::new(),
        enterprise_project_id: "0".into(),
        created_at: String::new(),
    };
    let subnet = Subnet {
        id: "s".into(),
        project_id: "p".into(),
        vpc_id: "v".into(),
        name: "s".into(),
        cidr: "10.0.0.0/24".into(),
        gateway_ip: "10.0.0.1".into(),
        description: String::new(),
        dhcp_enable: true,
        primary_dns: String::new(),
        secondary_dns: String::new(),
        availability_zone: String::new(),
        created_at: String::new(),
    };
    let ctx = CreateContext {
        catalogue: cat,
        vpc: Some(&vpc),
        subnet: Some(&subnet),
        id: "6f4d1f2a-0000-4b6e-9c0d-000000000001".into(),
        project_id: "p".into(),
        now: openwks_core::time::now_rfc3339(),
        az_pick: 0,
    };
    let group = CreateSpec::from(req)
        .validate(&ctx)
        .unwrap_or_else(|e| panic!("sample is valid: {e}"));
    ServerGroupView {
        group,
        secondary_ids: vec![],
        subnet_name: "s".into(),
        app_group_count: 0,
        app_server_count: 0,
    }
}

fn bench(c: &mut Criterion) {
    let cat = Catalogue::default_for("cn-north-4").unwrap_or_else(|e| panic!("{e}"));
    let v = view(&cat);
    let show = convert::show_server_group(&cat, &v, "cn-north-4");
    let show_json = serde_json::to_vec(&show).unwrap_or_default();
    c.bench_function("show_response_serialize", |b| {
        b.iter(|| serde_json::to_vec(black_box(&show)).map(|v| v.len()))
    });
    c.bench_function("show_response_render_and_serialize", |b| {
        b.iter(|| {
            serde_json::to_vec(&convert::show_server_group(
                &cat,
                black_box(&v),
                "cn-north-4",
            ))
            .map(|v| v.len())
        })
    });
    c.bench_function("show_response_deserialize", |b| {
        b.iter(|| serde_json::from_slice::<serde_json::Value>(black_box(&show_json)).is_ok())
    });
    let create = br#"{"name": "sg-demo", "image_id": "6f4d1f2a-2019-4b6e-9c0d-000000000001", "image_type": "public", "os_type": "Windows", "route_policy": {"max_session": 10, "cpu_threshold": 80, "mem_threshold": 80}, "product_id": "workspace.appstream.general.xlarge.2", "flavor_id": "s6.xlarge.2", "vpc_id": "vpc-0001", "subnet_id": "subnet-0001", "system_disk_type": "SAS", "system_disk_size": 80, "ip_virtual": {"enable": false}, "is_vdi": false, "app_type": "COMMON_APP", "tags": [{"key": "team", "value": "cad"}]}"#;
    c.bench_function("create_request_deserialize", |b| {
        b.iter(|| serde_json::from_slice::<CreateServerGroupReq>(black_box(create)).is_ok())
    });
    let page = ListResponse {
        count: 10_000,
        items: (0..100)
            .map(|_| convert::server_group(&cat, &v))
            .collect::<Vec<_>>(),
    };
    c.bench_function("list_page_100_serialize", |b| {
        b.iter(|| serde_json::to_vec(black_box(&page)).map(|v| v.len()))
    });
    println!(
        "show response: {} bytes; list page of 100: {} bytes",
        show_json.len(),
        serde_json::to_vec(&page).map(|v| v.len()).unwrap_or(0)
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
