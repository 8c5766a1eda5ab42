//! Signature verification of a request as the SDK signs it (sdk-surface.md §4.3): the cost
//! every authenticated request pays. Run: `cargo bench -p openwks-server --bench auth`.

use std::hint::black_box;

use axum::http::{HeaderMap, HeaderName, HeaderValue};
use criterion::{criterion_group, criterion_main, Criterion};
use openwks_api::signer::{sign_request, ClientRequest, KeyPair};
use openwks_core::identity::AccessKey;
use openwks_server::auth::sdk_hmac::{verify, Signed};

fn bench(c: &mut Criterion) {
    let key = AccessKey {
        access_key: "AKBENCH000000000001".into(),
        secret_key: "SKbench0000000000000000000000000000000001".into(),
        user_id: "u".into(),
        account_id: "a".into(),
        status: "active".into(),
    };
    let now = chrono::Utc::now();
    let date = now.format("%Y%m%dT%H%M%SZ").to_string();
    let body = br#"{"name": "sg-demo", "image_id": "6f4d1f2a-2019-4b6e-9c0d-000000000001", "image_type": "public", "os_type": "Windows", "route_policy": {"max_session": 10, "cpu_threshold": 80, "mem_threshold": 80}, "product_id": "workspace.appstream.general.xlarge.2", "vpc_id": "vpc-0001", "subnet_id": "subnet-0001", "system_disk_type": "SAS", "system_disk_size": 80, "ip_virtual": {"enable": false}, "is_vdi": false, "app_type": "COMMON_APP"}"#;
    let path = "/v1/0123456789abcdef0123456789abcdef/app-server-groups";
    let ua = "huaweicloud-usdk-python/3.0; os/Linux python/3.11.7 impl/CPython; app/782a4f60-7969-4a0c-8764-c871c2dfeebd";
    for (name, method, query, body) in [
        ("verify_post_425b", "POST", "", &body[..]),
        (
            "verify_get_query",
            "GET",
            "limit=10&offset=0&server_group_name=sg%20demo",
            &b""[..],
        ),
    ] {
        let signed = sign_request(
            KeyPair {
                access_key: &key.access_key,
                secret_key: &key.secret_key,
            },
            &date,
            ClientRequest {
                method,
                raw_path: path,
                raw_query: query,
                headers: &[
                    ("Content-Type", "application/json"),
                    ("Host", "127.0.0.1:8080"),
                    ("User-Agent", ua),
                    ("X-Project-Id", "0123456789abcdef0123456789abcdef"),
                ],
                body,
            },
        );
        let mut headers = HeaderMap::new();
        for (k, v) in &signed {
            if let (Ok(k), Ok(v)) = (
                HeaderName::from_bytes(k.as_bytes()),
                HeaderValue::from_str(v),
            ) {
                headers.insert(k, v);
            }
        }
        c.bench_function(name, |b| {
            b.iter(|| {
                let req = Signed {
                    method,
                    raw_path: path,
                    raw_query: query,
                    headers: &headers,
                    body,
                };
                black_box(verify(black_box(&req), |_| Some(key.clone()), now, 900)).is_ok()
            })
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
