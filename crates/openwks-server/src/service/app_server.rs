//! App servers: creating servers in a server group, by people (`create_app_servers`) and by
//! the scaling controller (`scaling_auto_create`), as one job.

use openwks_core::compute::{AppInfo, CreateServersSpec, Job, Server};
use openwks_core::error::Reason;
use openwks_core::{Error, Result};
use openwks_store::CreateServersArgs;

use crate::jobs::{finish_later, new_id};
use crate::AppState;

/// What [`create`] needs besides the group.
pub struct NewServers {
    pub product_id: String,
    pub vpc_id: String,
    pub subnet_id: String,
    pub root_type: Option<String>,
    pub root_size: Option<i64>,
    pub az: String,
    pub count: i64,
    pub ou_name: Option<String>,
    pub scaling_auto_create: bool,
}

impl NewServers {
    /// `count` servers as the group itself is configured (its product, network and zone):
    /// what the scaling controller creates.
    pub fn like_group(
        g: &openwks_core::server_group::ServerGroup,
        count: i64,
        scaling_auto_create: bool,
    ) -> Self {
        Self {
            product_id: g.product_id.clone(),
            vpc_id: g.vpc_id.clone(),
            subnet_id: g.subnet_id.clone(),
            root_type: None,
            root_size: None,
            az: g.availability_zone.clone(),
            count,
            ou_name: None,
            scaling_auto_create,
        }
    }
}

/// The store's arguments for creating servers in server group `sg`.
pub(crate) async fn create_args(
    st: &AppState,
    project_id: &str,
    sg: &openwks_core::server_group::ServerGroup,
    n: NewServers,
) -> Result<CreateServersArgs> {
    let product = st.catalogue.product(&n.product_id).ok_or_else(|| {
        Error::invalid(
            Reason::InvalidProduct,
            format!("product {} does not exist", n.product_id),
        )
    })?;
    let subnet_id = n.subnet_id;
    let vpc_id = n.vpc_id;
    let subnet = st
        .store
        .subnet(project_id.to_string(), subnet_id.clone())
        .await?
        .ok_or_else(|| {
            Error::invalid(
                Reason::InvalidNetwork,
                format!("subnet {subnet_id} does not exist"),
            )
        })?;
    if subnet.vpc_id != vpc_id {
        return Err(Error::invalid(
            Reason::InvalidNetwork,
            format!("subnet {subnet_id} does not belong to VPC {vpc_id}"),
        ));
    }
    let spec = CreateServersSpec {
        name: Some(format!("{}-{}", sg.name, &new_id(st)[..6])),
        image_ref: Some(sg.image_id.clone()),
        flavor_ref: Some(product.flavor_id.clone()),
        vpcid: Some(vpc_id),
        subnet_id: Some(subnet_id),
        root_volume_type: n.root_type.or(Some(sg.system_disk_type.clone())),
        root_volume_size: n.root_size.or(Some(sg.system_disk_size)),
        availability_zone: Some(n.az),
        count: Some(n.count),
        group: None,
    };
    let cat = st.catalogue_for(project_id, &[&sg.image_id]).await?;
    let request = spec.validate(&cat).map_err(|mut e| {
        e.code = Reason::InvalidParameter;
        e
    })?;
    let job_id = new_id(st);
    let args = CreateServersArgs {
        project_id: project_id.to_string(),
        server_ids: (0..request.count).map(|_| new_id(st)).collect(),
        request,
        job_id: job_id.clone(),
        now: st.timestamp(),
        subnet_cidr: subnet.cidr,
        max_members: i64::MAX,
        weigher: st.settings.weigher,
        app: Some(AppInfo {
            server_group_id: sg.id.clone(),
            maintain_status: false,
            scaling_auto_create: n.scaling_auto_create,
            description: String::new(),
            ou_name: n.ou_name.unwrap_or_else(|| sg.ou_name.clone()),
            config_version: sg.config_version,
            product_id: n.product_id,
            os_type: sg.os_type.clone(),
            drain: None,
            agent_version: st.catalogue.access_agent.shipped_version.clone(),
            agent_upgrade: None,
        }),
    };
    Ok(args)
}

/// Create `n.count` servers in server group `sg` as one job; the job finishes (the servers
/// boot) in the background. The job and the servers as created.
pub async fn create(
    st: &AppState,
    project_id: &str,
    sg: &openwks_core::server_group::ServerGroup,
    n: NewServers,
) -> Result<(Job, Vec<Server>)> {
    let args = create_args(st, project_id, sg, n).await?;
    let (job, servers) = st.store.create_app_servers(args).await?;
    if job.status == "RUNNING" {
        finish_later(st, project_id.to_string(), job.id.clone());
    }
    Ok((job, servers))
}
