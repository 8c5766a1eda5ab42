//! What a real server has and the simulation derives from its id, the same on every replica
//! and every read: its Windows SID, its NIC's MAC (OpenStack's `fa:16:3e` prefix) and port id,
//! its system disk's volume id and its security group's id.

use sha2::{Digest, Sha256};

/// The derived identity of one server.
pub(crate) struct Identity {
    /// `S-1-5-21-…` (the machine SID of a registered Windows server).
    pub sid: String,
    /// `fa:16:3e:xx:xx:xx`.
    pub mac: String,
    /// The NIC's port (a UUID).
    pub port_id: String,
    /// The system disk (a UUID).
    pub volume_id: String,
    /// The `default` security group of its VPC (a UUID, the same for every server of a VPC).
    pub security_group_id: String,
}

fn uuid_from(h: &[u8]) -> String {
    let x = hex::encode(&h[..16]);
    format!(
        "{}-{}-4{}-8{}-{}",
        &x[0..8],
        &x[8..12],
        &x[13..16],
        &x[17..20],
        &x[20..32]
    )
}

/// The identity of server `server_id` in VPC `vpc_id`.
pub(crate) fn identity(server_id: &str, vpc_id: &str) -> Identity {
    let h = Sha256::digest(server_id.as_bytes());
    let word = |i: usize| u32::from_be_bytes([h[i], h[i + 1], h[i + 2], h[i + 3]]);
    let port = Sha256::digest(format!("port:{server_id}").as_bytes());
    let volume = Sha256::digest(format!("volume:{server_id}").as_bytes());
    let group = Sha256::digest(format!("security-group:{vpc_id}").as_bytes());
    Identity {
        sid: format!(
            "S-1-5-21-{}-{}-{}-{}",
            word(0),
            word(4),
            word(8),
            1000 + (word(12) % 100_000)
        ),
        mac: format!("fa:16:3e:{:02x}:{:02x}:{:02x}", h[16], h[17], h[18]),
        port_id: uuid_from(&port),
        volume_id: uuid_from(&volume),
        security_group_id: uuid_from(&group),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_identity_is_stable_and_differs_between_servers() {
        let a = super::identity("s-1", "vpc-1");
        let b = super::identity("s-2", "vpc-1");
        assert_eq!(a.sid, super::identity("s-1", "vpc-1").sid);
        assert_ne!((a.mac.clone(), a.port_id.clone()), (b.mac, b.port_id));
        assert_eq!(
            a.security_group_id, b.security_group_id,
            "one default group per VPC"
        );
        assert!(a.sid.starts_with("S-1-5-21-") && a.mac.starts_with("fa:16:3e:"));
        assert_eq!(a.volume_id.len(), 36);
    }
}
