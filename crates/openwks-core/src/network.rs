//! VPCs and subnets (the VPC v1 API), as far as server groups need them.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Reason, Result};

/// A VPC.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Vpc {
    /// UUID.
    pub id: String,
    /// Owning project.
    pub project_id: String,
    /// Name, 0–64 characters.
    pub name: String,
    /// IPv4 CIDR.
    pub cidr: String,
    /// Description.
    pub description: String,
    /// Enterprise project.
    pub enterprise_project_id: String,
    /// Creation time.
    pub created_at: String,
}

/// A subnet of a VPC.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Subnet {
    /// UUID.
    pub id: String,
    /// Owning project.
    pub project_id: String,
    /// The VPC it belongs to.
    pub vpc_id: String,
    /// Name, 1–64 characters.
    pub name: String,
    /// IPv4 CIDR inside the VPC's.
    pub cidr: String,
    /// Gateway inside the CIDR.
    pub gateway_ip: String,
    /// Description.
    pub description: String,
    /// DHCP on (virtual IPs need it).
    pub dhcp_enable: bool,
    /// Primary DNS.
    pub primary_dns: String,
    /// Secondary DNS.
    pub secondary_dns: String,
    /// AZ, may be empty.
    pub availability_zone: String,
    /// Creation time.
    pub created_at: String,
}

/// Parse `a.b.c.d/n` into (address, prefix).
pub fn parse_cidr(s: &str) -> Option<(u32, u8)> {
    let (ip, len) = s.split_once('/')?;
    let len: u8 = len.parse().ok()?;
    if len > 32 {
        return None;
    }
    let ip: std::net::Ipv4Addr = ip.parse().ok()?;
    let ip = u32::from(ip);
    let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
    if ip & !mask != 0 {
        return None;
    }
    Some((ip, len))
}

fn mask(len: u8) -> u32 {
    if len == 0 {
        0
    } else {
        u32::MAX << (32 - len)
    }
}

/// Validate a VPC name (0–64 characters of letters, digits, `_`, `-`, `.`) and CIDR.
pub fn check_vpc(name: &str, cidr: &str) -> Result<()> {
    if name.chars().count() > 64
        || !name
            .chars()
            .all(|c| c.is_alphanumeric() || "_-.".contains(c))
    {
        return Err(Error::invalid(
            Reason::InvalidName,
            "vpc.name must be 0 to 64 letters, digits, '_', '-' or '.'",
        ));
    }
    if parse_cidr(cidr).is_none() {
        return Err(Error::invalid(
            Reason::InvalidNetwork,
            format!("vpc.cidr {cidr:?} is not a valid IPv4 CIDR"),
        ));
    }
    Ok(())
}

/// Validate a subnet against its VPC: name 1–64, CIDR inside the VPC's, gateway inside the CIDR.
pub fn check_subnet(name: &str, cidr: &str, gateway_ip: &str, vpc: &Vpc) -> Result<()> {
    let n = name.chars().count();
    if n == 0
        || n > 64
        || !name
            .chars()
            .all(|c| c.is_alphanumeric() || "_-.".contains(c))
    {
        return Err(Error::invalid(
            Reason::InvalidName,
            "subnet.name must be 1 to 64 letters, digits, '_', '-' or '.'",
        ));
    }
    let (sip, slen) = parse_cidr(cidr).ok_or_else(|| {
        Error::invalid(
            Reason::InvalidNetwork,
            format!("subnet.cidr {cidr:?} is not a valid IPv4 CIDR"),
        )
    })?;
    let (vip, vlen) = parse_cidr(&vpc.cidr)
        .ok_or_else(|| Error::internal(format!("vpc {} has a bad cidr", vpc.id)))?;
    if slen < vlen || (sip & mask(vlen)) != vip {
        return Err(Error::invalid(
            Reason::InvalidNetwork,
            format!("subnet.cidr {cidr} is not inside the VPC's {}", vpc.cidr),
        ));
    }
    let gw: std::net::Ipv4Addr = gateway_ip.parse().map_err(|_| {
        Error::invalid(
            Reason::InvalidNetwork,
            format!("subnet.gateway_ip {gateway_ip:?} is not an IPv4 address"),
        )
    })?;
    if (u32::from(gw) & mask(slen)) != sip {
        return Err(Error::invalid(
            Reason::InvalidNetwork,
            format!("subnet.gateway_ip {gw} is not inside {cidr}"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vpc() -> Vpc {
        Vpc {
            id: "v".into(),
            project_id: "p".into(),
            name: "v".into(),
            cidr: "192.168.0.0/16".into(),
            description: String::new(),
            enterprise_project_id: "0".into(),
            created_at: String::new(),
        }
    }

    #[test]
    fn subnet_must_sit_inside_its_vpc() {
        assert!(check_subnet("s", "192.168.1.0/24", "192.168.1.1", &vpc()).is_ok());
        assert!(check_subnet("s", "10.0.0.0/24", "10.0.0.1", &vpc()).is_err());
        assert!(check_subnet("s", "192.168.1.0/24", "192.168.2.1", &vpc()).is_err());
        assert!(check_subnet("s", "192.168.1.1/24", "192.168.1.1", &vpc()).is_err());
        assert!(check_subnet("", "192.168.1.0/24", "192.168.1.1", &vpc()).is_err());
        assert!(check_vpc("v", "10.0.0.0/8").is_ok());
        assert!(check_vpc("v", "10.0.0.0/33").is_err());
    }
}
