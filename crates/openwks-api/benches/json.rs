//! JSON (de)serialization of the largest server-group DTOs: the show response (38 fields with
//! the product info) out, the create request in, and a 100-item list page out.
//! Run: `cargo bench -p openwks-api --bench json`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use openwks_api::wks::convert;
use openwks_api::wks::server_group::{CreateServerGroupReq, ListResponse};
use openwks_core::catalogue::Catalogue;
use openwks_core::fixtures;
use openwks_core::server_group::{RoutePolicySpec, ServerGroupView};

fn view(cat: &Catalogue) -> ServerGroupView {
    let mut spec = fixtures::create_spec("sg-demo");
    spec.route_policy = Some(RoutePolicySpec {
        max_session: Some(10),
        cpu_threshold: Some(80),
        mem_threshold: Some(80),
        gpu_threshold: None,
        strategy: None,
    });
    spec.tags = Some(vec![(Some("team".into()), Some("cad".into()))]);
    fixtures::view(cat, spec).unwrap_or_else(|e| panic!("sample is valid: {e}"))
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
