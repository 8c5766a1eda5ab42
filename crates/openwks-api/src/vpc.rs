//! VPC v1 wire types, as the official `huaweicloudsdkvpc` v2 client sends and reads them
//! (`/v1/{project_id}/vpcs`, `/v1/{project_id}/subnets`).

use serde::{Deserialize, Serialize};

/// `CreateVpcOption`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CreateVpcOption {
    pub name: Option<String>,
    pub cidr: Option<String>,
    pub description: Option<String>,
    pub enterprise_project_id: Option<String>,
}

/// `CreateVpcRequestBody`: `{"vpc": {...}}`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CreateVpcRequestBody {
    pub vpc: Option<CreateVpcOption>,
}

/// `Vpc`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Vpc {
    pub id: String,
    pub name: String,
    pub cidr: String,
    pub description: String,
    pub routes: Vec<serde_json::Value>,
    pub status: String,
    pub enterprise_project_id: String,
    pub tenant_id: String,
    pub created_at: String,
    pub updated_at: String,
}

/// `{"vpc": Vpc}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VpcEnvelope {
    pub vpc: Vpc,
}

/// `{"vpcs": [Vpc]}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ListVpcsResponse {
    pub vpcs: Vec<Vpc>,
}

/// `CreateSubnetOption`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CreateSubnetOption {
    pub name: Option<String>,
    pub description: Option<String>,
    pub cidr: Option<String>,
    pub vpc_id: Option<String>,
    pub gateway_ip: Option<String>,
    pub dhcp_enable: Option<bool>,
    pub primary_dns: Option<String>,
    pub secondary_dns: Option<String>,
    pub availability_zone: Option<String>,
}

/// `CreateSubnetRequestBody`: `{"subnet": {...}}`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CreateSubnetRequestBody {
    pub subnet: Option<CreateSubnetOption>,
}

/// `Subnet`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Subnet {
    pub id: String,
    pub name: String,
    pub description: String,
    pub cidr: String,
    pub gateway_ip: String,
    pub ipv6_enable: bool,
    pub dhcp_enable: bool,
    pub primary_dns: String,
    pub secondary_dns: String,
    #[serde(rename = "dnsList")]
    pub dns_list: Vec<String>,
    pub availability_zone: String,
    pub vpc_id: String,
    pub status: String,
    pub neutron_network_id: String,
    pub neutron_subnet_id: String,
    pub scope: String,
    pub tenant_id: String,
    pub created_at: String,
    pub updated_at: String,
}

/// `{"subnet": Subnet}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SubnetEnvelope {
    pub subnet: Subnet,
}

/// `{"subnets": [Subnet]}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ListSubnetsResponse {
    pub subnets: Vec<Subnet>,
}

/// `UpdateVpcOption`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct UpdateVpcOption {
    pub name: Option<String>,
    pub description: Option<String>,
    pub cidr: Option<String>,
}

/// `UpdateVpcRequestBody`: `{"vpc": {...}}`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct UpdateVpcRequestBody {
    pub vpc: Option<UpdateVpcOption>,
}

/// `UpdateSubnetOption`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct UpdateSubnetOption {
    pub name: Option<String>,
    pub description: Option<String>,
    pub dhcp_enable: Option<bool>,
    pub primary_dns: Option<String>,
    pub secondary_dns: Option<String>,
}

/// `UpdateSubnetRequestBody`: `{"subnet": {...}}`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct UpdateSubnetRequestBody {
    pub subnet: Option<UpdateSubnetOption>,
}
