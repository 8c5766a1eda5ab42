//! VPC v1: VPCs and subnets, with the shapes the official `huaweicloudsdkvpc` v2 client uses.
//! A subnet belongs to one VPC; a server group's subnet must belong to its VPC.

use axum::extract::{Extension, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use bytes::Bytes;
use openwks_api::vpc::{
    CreateSubnetRequestBody, CreateVpcRequestBody, ListSubnetsResponse, ListVpcsResponse,
    Subnet as WSubnet, SubnetEnvelope, UpdateSubnetRequestBody, UpdateVpcRequestBody, Vpc as WVpc,
    VpcEnvelope,
};
use openwks_core::error::Reason;
use openwks_core::network::{check_subnet, check_vpc, Subnet, Vpc};
use openwks_core::validate::check_range;
use openwks_core::Error;

use crate::error::{deleted_or_not_found, ApiResult};
use crate::middleware::Ctx;
use crate::request::{json_body, Query, P};
use crate::wks::empty_ok;
use crate::AppState;

fn vpc_out(v: Vpc) -> WVpc {
    let Vpc {
        id,
        project_id,
        name,
        cidr,
        description,
        enterprise_project_id,
        created_at,
    } = v;
    WVpc {
        id,
        name,
        cidr,
        description,
        routes: Vec::new(),
        status: "OK".into(),
        enterprise_project_id,
        tenant_id: project_id,
        updated_at: created_at.clone(),
        created_at,
    }
}

fn subnet_out(s: Subnet) -> WSubnet {
    let Subnet {
        id,
        project_id,
        vpc_id,
        name,
        cidr,
        gateway_ip,
        description,
        dhcp_enable,
        primary_dns,
        secondary_dns,
        availability_zone,
        created_at,
    } = s;
    WSubnet {
        neutron_network_id: id.clone(),
        neutron_subnet_id: id.clone(),
        id,
        name,
        description,
        cidr,
        gateway_ip,
        ipv6_enable: false,
        dhcp_enable,
        dns_list: [primary_dns.clone(), secondary_dns.clone()]
            .into_iter()
            .filter(|d| !d.is_empty())
            .collect(),
        primary_dns,
        secondary_dns,
        availability_zone,
        vpc_id,
        status: "ACTIVE".into(),
        scope: "center".into(),
        tenant_id: project_id,
        updated_at: created_at.clone(),
        created_at,
    }
}

fn limit(q: &Query) -> Result<i64, Error> {
    check_range("limit", q.i64("limit")?.unwrap_or(2000), 1, 2000).map_err(|mut e| {
        e.code = Reason::InvalidQuery;
        e
    })
}

/// `create_vpc`: `POST /v1/{project_id}/vpcs`.
pub async fn create_vpc(
    State(st): State<AppState>,
    P(project_id): P<String>,
    _ctx: Extension<Ctx>,
    body: Bytes,
) -> ApiResult<Response> {
    let req: CreateVpcRequestBody = json_body(&body)?;
    let o = req.vpc.ok_or_else(|| Error::missing("vpc"))?;
    let name = o.name.unwrap_or_default();
    let cidr = o.cidr.unwrap_or_else(|| "192.168.0.0/16".into());
    check_vpc(&name, &cidr)?;
    let vpc = Vpc {
        id: st.new_uuid(),
        project_id,
        name,
        cidr,
        description: o.description.unwrap_or_default(),
        enterprise_project_id: o
            .enterprise_project_id
            .filter(|e| !e.is_empty())
            .unwrap_or_else(|| "0".into()),
        created_at: st.now(),
    };
    let vpc = st.store.create_vpc(vpc).await?;
    Ok(Json(VpcEnvelope { vpc: vpc_out(vpc) }).into_response())
}

/// `list_vpcs`: `GET /v1/{project_id}/vpcs?limit&marker&id`.
pub async fn list_vpcs(
    State(st): State<AppState>,
    P(project_id): P<String>,
    q: Query,
) -> ApiResult<Response> {
    let vpcs = st
        .store
        .list_vpcs(project_id, q.string("id"), q.string("marker"), limit(&q)?)
        .await?;
    Ok(Json(ListVpcsResponse {
        vpcs: vpcs.into_iter().map(vpc_out).collect(),
    })
    .into_response())
}

/// `show_vpc`: `GET /v1/{project_id}/vpcs/{vpc_id}`.
pub async fn show_vpc(
    State(st): State<AppState>,
    P((project_id, id)): P<(String, String)>,
) -> ApiResult<Response> {
    let v = st
        .store
        .vpc(project_id, id.clone())
        .await?
        .ok_or_else(|| Error::not_found("VPC", &id))?;
    Ok(Json(VpcEnvelope { vpc: vpc_out(v) }).into_response())
}

/// `update_vpc`: `PUT /v1/{project_id}/vpcs/{vpc_id}` `{"vpc": {name?, description?, cidr?}}`
/// → `{"vpc"}`: a new CIDR must still hold every subnet of the VPC (`409` otherwise).
pub async fn update_vpc(
    State(st): State<AppState>,
    P((project_id, id)): P<(String, String)>,
    body: Bytes,
) -> ApiResult<Response> {
    let req: UpdateVpcRequestBody = json_body(&body)?;
    let o = req.vpc.ok_or_else(|| Error::missing("vpc"))?;
    if let Some(d) = &o.description {
        check_description("vpc.description", d)?;
    }
    let v = st
        .store
        .update_vpc(
            project_id,
            id,
            Box::new(move |v: &mut Vpc| {
                if let Some(n) = o.name {
                    v.name = n;
                }
                if let Some(c) = o.cidr {
                    v.cidr = c;
                }
                check_vpc(&v.name, &v.cidr)?;
                if let Some(d) = o.description {
                    v.description = d;
                }
                Ok(())
            }),
        )
        .await?;
    Ok(Json(VpcEnvelope { vpc: vpc_out(v) }).into_response())
}

/// Descriptions: at most 255 characters, no `<`, `>` or control character (VPC's rule).
fn check_description(field: &str, d: &str) -> Result<(), Error> {
    if d.chars().count() > 255 || d.contains(['<', '>']) || d.chars().any(char::is_control) {
        return Err(Error::invalid(
            Reason::InvalidParameter,
            format!(
                "{field} must be at most 255 characters, without '<', '>' or control characters"
            ),
        ));
    }
    Ok(())
}

/// `update_subnet`: `PUT /v1/{project_id}/vpcs/{vpc_id}/subnets/{subnet_id}` `{"subnet":
/// {name, description?, dhcp_enable?, primary_dns?, secondary_dns?}}` → `{"subnet": {id,
/// status}}`. The CIDR and gateway cannot change.
pub async fn update_subnet(
    State(st): State<AppState>,
    P((project_id, vpc_id, id)): P<(String, String, String)>,
    body: Bytes,
) -> ApiResult<Response> {
    let req: UpdateSubnetRequestBody = json_body(&body)?;
    let o = req.subnet.ok_or_else(|| Error::missing("subnet"))?;
    let name = o.name.ok_or_else(|| Error::missing("subnet.name"))?;
    if let Some(d) = &o.description {
        check_description("subnet.description", d)?;
    }
    for (k, dns) in [
        ("subnet.primary_dns", &o.primary_dns),
        ("subnet.secondary_dns", &o.secondary_dns),
    ] {
        if let Some(d) = dns.as_deref().filter(|d| !d.is_empty()) {
            if d.parse::<std::net::Ipv4Addr>().is_err() {
                return Err(Error::invalid(
                    Reason::InvalidNetwork,
                    format!("{k} {d:?} is not an IPv4 address"),
                )
                .into());
            }
        }
    }
    let vpc = st
        .store
        .vpc(project_id.clone(), vpc_id.clone())
        .await?
        .ok_or_else(|| Error::not_found("VPC", &vpc_id))?;
    let s = st
        .store
        .update_subnet(
            project_id,
            vpc_id,
            id,
            Box::new(move |s: &mut Subnet| {
                check_subnet(&name, &s.cidr, &s.gateway_ip, &vpc)?;
                s.name = name;
                if let Some(d) = o.description {
                    s.description = d;
                }
                if let Some(d) = o.dhcp_enable {
                    s.dhcp_enable = d;
                }
                if let Some(d) = o.primary_dns {
                    s.primary_dns = d;
                }
                if let Some(d) = o.secondary_dns {
                    s.secondary_dns = d;
                }
                Ok(())
            }),
        )
        .await?;
    Ok(Json(serde_json::json!({"subnet": {"id": s.id, "status": "ACTIVE"}})).into_response())
}

/// `delete_vpc`: `DELETE /v1/{project_id}/vpcs/{vpc_id}` (refused while it has subnets).
pub async fn delete_vpc(
    State(st): State<AppState>,
    P((project_id, id)): P<(String, String)>,
) -> ApiResult<Response> {
    deleted_or_not_found(
        st.store.delete_vpc(project_id, id.clone()).await?,
        "VPC",
        &id,
    )
}

/// `create_subnet`: `POST /v1/{project_id}/subnets`.
pub async fn create_subnet(
    State(st): State<AppState>,
    P(project_id): P<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let req: CreateSubnetRequestBody = json_body(&body)?;
    let o = req.subnet.ok_or_else(|| Error::missing("subnet"))?;
    let vpc_id = o
        .vpc_id
        .filter(|v| !v.is_empty())
        .ok_or_else(|| Error::missing("subnet.vpc_id"))?;
    let vpc = st
        .store
        .vpc(project_id.clone(), vpc_id.clone())
        .await?
        .ok_or_else(|| {
            Error::invalid(
                Reason::InvalidNetwork,
                format!("VPC {vpc_id} does not exist"),
            )
        })?;
    let name = o.name.unwrap_or_default();
    let cidr = o.cidr.ok_or_else(|| Error::missing("subnet.cidr"))?;
    let gateway_ip = o
        .gateway_ip
        .ok_or_else(|| Error::missing("subnet.gateway_ip"))?;
    check_subnet(&name, &cidr, &gateway_ip, &vpc)?;
    if let Some(az) = o.availability_zone.as_deref().filter(|a| !a.is_empty()) {
        if st.catalogue.az(az).is_none() {
            return Err(Error::invalid(
                Reason::InvalidAz,
                format!("availability zone {az} does not exist"),
            )
            .into());
        }
    }
    let subnet = Subnet {
        id: st.new_uuid(),
        project_id,
        vpc_id,
        name,
        cidr,
        gateway_ip,
        description: o.description.unwrap_or_default(),
        dhcp_enable: o.dhcp_enable.unwrap_or(true),
        primary_dns: o.primary_dns.unwrap_or_default(),
        secondary_dns: o.secondary_dns.unwrap_or_default(),
        availability_zone: o.availability_zone.unwrap_or_default(),
        created_at: st.now(),
    };
    let s = st.store.create_subnet(subnet).await?;
    Ok(Json(SubnetEnvelope {
        subnet: subnet_out(s),
    })
    .into_response())
}

/// `list_subnets`: `GET /v1/{project_id}/subnets?limit&marker&vpc_id`.
pub async fn list_subnets(
    State(st): State<AppState>,
    P(project_id): P<String>,
    q: Query,
) -> ApiResult<Response> {
    let subnets = st
        .store
        .list_subnets(
            project_id,
            q.string("vpc_id"),
            q.string("marker"),
            limit(&q)?,
        )
        .await?;
    Ok(Json(ListSubnetsResponse {
        subnets: subnets.into_iter().map(subnet_out).collect(),
    })
    .into_response())
}

/// `show_subnet`: `GET /v1/{project_id}/subnets/{subnet_id}`.
pub async fn show_subnet(
    State(st): State<AppState>,
    P((project_id, id)): P<(String, String)>,
) -> ApiResult<Response> {
    let s = st
        .store
        .subnet(project_id, id.clone())
        .await?
        .ok_or_else(|| Error::not_found("subnet", &id))?;
    Ok(Json(SubnetEnvelope {
        subnet: subnet_out(s),
    })
    .into_response())
}

/// `delete_subnet`: `DELETE /v1/{project_id}/vpcs/{vpc_id}/subnets/{subnet_id}` (the SDK's
/// path) or `DELETE /v1/{project_id}/subnets/{subnet_id}`.
pub async fn delete_subnet(
    State(st): State<AppState>,
    P((project_id, vpc_id, id)): P<(String, String, String)>,
) -> ApiResult<Response> {
    deleted_or_not_found(
        st.store
            .delete_subnet(project_id, Some(vpc_id), id.clone())
            .await?,
        "subnet",
        &id,
    )
}

/// `DELETE /v1/{project_id}/subnets/{subnet_id}`.
pub async fn delete_subnet_short(
    State(st): State<AppState>,
    P((project_id, id)): P<(String, String)>,
) -> ApiResult<Response> {
    match st.store.delete_subnet(project_id, None, id.clone()).await? {
        openwks_store::Deleted::Yes => Ok(empty_ok()),
        openwks_store::Deleted::NotFound => Err(Error::not_found("subnet", &id).into()),
    }
}
