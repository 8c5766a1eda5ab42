//! Sample values for tests, benchmarks and the baseline server: a default network and a valid
//! server group built by the real create rules, so that every user of a "typical group" gets
//! the same one.

use crate::catalogue::Catalogue;
use crate::network::{Subnet, Vpc};
use crate::server_group::{CreateContext, CreateSpec, ServerGroupView};
use crate::Result;

/// A VPC `vpc1` (192.168.0.0/16) with subnet `sub1` (192.168.0.0/24, DHCP on) in project `p`.
pub fn network() -> (Vpc, Subnet) {
    let vpc = Vpc {
        id: "vpc1".into(),
        project_id: "p".into(),
        name: "vpc-default".into(),
        cidr: "192.168.0.0/16".into(),
        description: String::new(),
        enterprise_project_id: "0".into(),
        created_at: String::new(),
    };
    let subnet = Subnet {
        id: "sub1".into(),
        project_id: "p".into(),
        vpc_id: "vpc1".into(),
        name: "subnet-default".into(),
        cidr: "192.168.0.0/24".into(),
        gateway_ip: "192.168.0.1".into(),
        description: String::new(),
        dhcp_enable: true,
        primary_dns: String::new(),
        secondary_dns: String::new(),
        availability_zone: String::new(),
        created_at: String::new(),
    };
    (vpc, subnet)
}

/// A minimal valid create request on [`network`]: Windows Server 2019, the xlarge.2 product.
pub fn create_spec(name: &str) -> CreateSpec {
    CreateSpec {
        name: Some(name.into()),
        image_id: Some("6f4d1f2a-2019-4b6e-9c0d-000000000001".into()),
        image_type: Some("public".into()),
        os_type: Some("Windows".into()),
        product_id: Some("workspace.appstream.general.xlarge.2".into()),
        vpc_id: Some("vpc1".into()),
        subnet_id: Some("sub1".into()),
        system_disk_type: Some("SAS".into()),
        system_disk_size: Some(80),
        ..CreateSpec::default()
    }
}

/// Validate `spec` on [`network`] and wrap the group in a view (no standbys, no counts).
pub fn view(cat: &Catalogue, spec: CreateSpec) -> Result<ServerGroupView> {
    let (vpc, subnet) = network();
    let ctx = CreateContext {
        catalogue: cat,
        vpc: Some(&vpc),
        subnet: Some(&subnet),
        id: "6f4d1f2a-0000-4b6e-9c0d-000000000001".into(),
        project_id: "p".into(),
        now: crate::time::now_rfc3339(),
        az_pick: 0,
    };
    let group = spec.validate(&ctx)?;
    Ok(ServerGroupView {
        group,
        secondary_ids: vec![],
        subnet_name: subnet.name,
        app_group_count: 0,
        app_server_count: 0,
    })
}
