//! Cross-check of the wire DTOs against the vendor's own OpenAPI fragments (package
//! `huawei-cloud-api-definitions-WorkspaceApp`, extracted into `fixtures/vendor-fields.json` by
//! `scripts/extract-vendor-fields.py`): every DTO has exactly the vendor's fields (extras are
//! listed and explained), accepts the vendor's types, and our ranges are the vendor's.

use std::collections::BTreeSet;

use openwks_api::wks::app::*;
use openwks_api::wks::app_group::*;
use openwks_api::wks::authorization::*;
use openwks_api::wks::catalogue::*;
use openwks_api::wks::server_group::*;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Map, Value};

fn vendor() -> Value {
    serde_json::from_str(include_str!("fixtures/vendor-fields.json")).expect("fixture parses")
}

fn vendor_fields(model: &str) -> BTreeSet<String> {
    vendor()[model]
        .as_object()
        .unwrap_or_else(|| panic!("no {model} in fixture"))
        .keys()
        .cloned()
        .collect()
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object().expect("object").keys().cloned().collect()
}

/// A value of the vendor's type for each vendor property.
fn sample(model: &str) -> Value {
    let mut m = Map::new();
    for (k, spec) in vendor()[model].as_object().expect("model").iter() {
        let v = match spec["type"].as_str() {
            Some("integer") => json!(spec["minimum"].as_i64().unwrap_or(1)),
            Some("boolean") => json!(true),
            Some("array") => json!([]),
            Some("string") => json!("x"),
            _ => json!({}),
        };
        m.insert(k.clone(), v);
    }
    Value::Object(m)
}

/// A request DTO accepts every vendor property with the vendor's type, and has no field the
/// vendor does not have except `extras`.
fn request_matches<T: DeserializeOwned + Serialize + Default>(model: &str, extras: &[&str]) {
    let parsed: T = serde_json::from_value(sample(model))
        .unwrap_or_else(|e| panic!("{model}: vendor types rejected: {e}"));
    let ours = keys(&serde_json::to_value(&parsed).expect("serializes"));
    let mut want = vendor_fields(model);
    want.extend(extras.iter().map(|s| (*s).to_string()));
    assert_eq!(ours, want, "{model}: field sets differ");
}

fn response_matches(model: &str, ours: &Value, extras: &[&str]) {
    let mut want = vendor_fields(model);
    want.extend(extras.iter().map(|s| (*s).to_string()));
    assert_eq!(keys(ours), want, "{model}: field sets differ");
}

#[test]
fn request_dtos_have_the_vendor_fields() {
    // Accepted at create as well as by PATCH (the Terraform provider sends it by PATCH).
    request_matches::<CreateServerGroupReq>("CreateServerGroupReq", &["storage_mount_policy"]);
    // Present so that sending it is refused clearly (create-time only).
    request_matches::<UpdateServerGroupReq>("UpdateServerGroupReq", &["ip_virtual"]);
    request_matches::<CreateOrUpdateScalingPolicyReq>("CreateOrUpdateScalingPolicyReq", &[]);
    request_matches::<RoutePolicyDetail>("RoutePolicyDetail", &[]);
    request_matches::<TmsTag>("TmsTag", &[]);
    request_matches::<IpVirtual>("IpVirtual", &[]);
    request_matches::<ScalingPolicyBySession>("ScalingPolicyBySession", &[]);
    request_matches::<ScalingPolicyByResource>("ScalingPolicyByResource", &[]);
    request_matches::<CreateAppGroupReq>("CreateAppGroupReq", &[]);
    request_matches::<UpdateAppGroupReq>("UpdateAppGroupReq", &[]);
    request_matches::<DeleteAppGroupReq>("DeleteAppGroupReq", &[]);
    request_matches::<AppGroupAuthorizeReq>("AppGroupAuthorizeReq", &[]);
    request_matches::<AccountInfo>("AccountInfo", &[]);
    // The SDK (3.1.219) has three fields the OpenAPI fragment does not yet: we follow the SDK.
    request_matches::<PublishApp>(
        "PublishApp",
        &["app_extended_info", "is_pre_boot", "pre_launch_policy"],
    );
    request_matches::<UpdateAppReq>("UpdateAppReq", &["app_extended_info"]);
}

fn product() -> ServerProductInfo {
    ServerProductInfo {
        expire_time: Some("2030-01-01T00:00:00Z".into()),
        ..ServerProductInfo::default()
    }
}

fn group() -> ServerGroup {
    ServerGroup {
        base: ServerGroupDto {
            id: "i".into(),
            name: "n".into(),
            description: String::new(),
            image_id: String::new(),
            os_type: "Windows".into(),
            product_id: String::new(),
            subnet_id: String::new(),
            system_disk_type: "SAS".into(),
            system_disk_size: 80,
            is_vdi: false,
            extra_session_type: Some("CPU".into()),
            extra_session_size: Some(1),
            app_type: "COMMON_APP".into(),
            create_time: String::new(),
            update_time: String::new(),
            storage_mount_policy: "ANY".into(),
            enterprise_project_id: "0".into(),
            primary_server_group_ids: vec![],
            secondary_server_group_ids: vec![],
            server_group_status: true,
            site_type: "CENTER".into(),
            site_id: String::new(),
            app_group_count: 0,
        },
        app_server_flavor_count: 0,
        app_server_count: 0,
        image_name: String::new(),
        product_info: product(),
        subnet_name: String::new(),
        scaling_policy: ScalingPolicy::default(),
        tags: vec![],
        ou_name: String::new(),
    }
}

#[test]
fn response_dtos_have_the_vendor_fields() {
    response_matches(
        "ServerGroup",
        &serde_json::to_value(group()).expect("json"),
        &[],
    );
    response_matches(
        "ServerGroupDto",
        &serde_json::to_value(ServerGroupDto::from(group())).expect("json"),
        &[],
    );
    response_matches(
        "ServerProductInfo",
        &serde_json::to_value(product()).expect("json"),
        &[],
    );
    let pdi = ProductDetailInfo {
        info: product(),
        series_type: "s6".into(),
    };
    response_matches(
        "ProductDetailInfo",
        &serde_json::to_value(&pdi).expect("json"),
        &[],
    );
    let sp = ScalingPolicy {
        enable: Some(true),
        max_scaling_amount: Some(1),
        single_expansion_count: Some(1),
        scaling_policy_by_session: Some(ScalingPolicyBySession::default()),
        scaling_policy_by_resource: Some(ScalingPolicyByResource::default()),
    };
    response_matches(
        "ScalingPolicy",
        &serde_json::to_value(&sp).expect("json"),
        &[],
    );
    let az = AvailabilityZoneInfo {
        availability_zone: "a".into(),
        display_name: "A".into(),
        i18n: Default::default(),
        sold_out: SoldOutInfo::default(),
        product_ids: vec![],
        visible: true,
        default_availability_zone: true,
    };
    response_matches(
        "AvailabilityZoneInfo",
        &serde_json::to_value(&az).expect("json"),
        &[],
    );
    let la = ListAvailabilityZoneResponse {
        availability_zones: vec![],
        total_count: 0,
    };
    response_matches(
        "ListAvailabilityZoneResponse",
        &serde_json::to_value(&la).expect("json"),
        &[],
    );
    let vt = VolumeTypeInfo {
        resource_spec_code: String::new(),
        volume_type: "SAS".into(),
        volume_product_type: String::new(),
        resource_type: String::new(),
        cloud_service_type: String::new(),
        name: vec![],
        volume_type_extra_specs: VolumeTypeExtraSpecs {
            availability_zone: String::new(),
            sold_out_availability_zone: String::new(),
        },
    };
    response_matches(
        "VolumeTypeInfo",
        &serde_json::to_value(&vt).expect("json"),
        &[],
    );
    let q = QuotaRemainderData {
        type_: "CORES".into(),
        remainder: 1,
        need: 1,
    };
    response_matches(
        "QuotaRemainderData",
        &serde_json::to_value(&q).expect("json"),
        &[],
    );
    let cq = CheckQuotaResponse {
        is_enough: true,
        quota_remainder: vec![q],
    };
    response_matches(
        "CheckQuotaResponse",
        &serde_json::to_value(&cq).expect("json"),
        &[],
    );
    let lp = ListProductResponse {
        availability_zone: String::new(),
        os_type: String::new(),
        products: vec![],
    };
    response_matches(
        "ListProductResponse",
        &serde_json::to_value(&lp).expect("json"),
        &[],
    );
    let tp = ListTenantProfileResponse {
        project_id: String::new(),
        project_name: String::new(),
        tenant_domain_id: String::new(),
        service_status: String::new(),
        open_with_ad: false,
        tenant_domain_name: String::new(),
        create_time: String::new(),
    };
    response_matches(
        "ListTenantProfileResponse",
        &serde_json::to_value(&tp).expect("json"),
        &[],
    );
}

#[test]
fn our_ranges_are_the_vendors() {
    use openwks_core::server_group::{DISK_MAX, DISK_MIN};
    let v = vendor();
    let c = &v["CreateServerGroupReq"];
    assert_eq!(c["system_disk_size"]["minimum"], DISK_MIN);
    assert_eq!(c["system_disk_size"]["maximum"], DISK_MAX);
    assert_eq!(c["name"]["maxLength"], 64);
    assert_eq!(
        c["tags"]["maxItems"],
        openwks_core::validate::MAX_TAGS as i64
    );
    assert_eq!(c["extra_session_size"]["minimum"], 1);
    assert_eq!(c["description"]["maxLength"], 255);
    let r = &v["RoutePolicyDetail"];
    assert_eq!(
        (
            r["max_session"]["minimum"].as_i64(),
            r["max_session"]["maximum"].as_i64()
        ),
        (Some(1), Some(1024))
    );
    for t in ["cpu_threshold", "mem_threshold", "gpu_threshold"] {
        assert_eq!(
            (r[t]["minimum"].as_i64(), r[t]["maximum"].as_i64()),
            (Some(1), Some(100)),
            "{t}"
        );
    }
    // The vendor's tag-key pattern reserves the `_sys_` prefix; ours does too.
    assert!(v["TmsTag"]["key"]["pattern"]
        .as_str()
        .is_some_and(|p| p.contains("(?!_sys_)")));
    assert!(openwks_core::validate::check_tag(Some("_sys_x"), None).is_err());
}
