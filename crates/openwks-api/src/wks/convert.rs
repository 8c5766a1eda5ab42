//! DTO ⇄ domain conversions. Requests become `openwks_core` specs field for field (no rules
//! here: the rules run in core); domain values become responses, destructured without `..`
//! so that a new domain field forces a decision here.

use openwks_core::app::{App as CoreApp, PublishSpec, UpdateAppSpec};
use openwks_core::app_group::{
    AppGroup as CoreAppGroup, AppGroupView, CreateAppGroupSpec, UpdateAppGroupSpec,
};
use openwks_core::catalogue::{Catalogue, Product};
use openwks_core::server_group::{
    CreateSpec, RoutePolicy, RoutePolicySpec, ScalingPolicy as CoreScaling, ScalingPolicySpec,
    ServerGroup as CoreGroup, ServerGroupView, UpdateSpec,
};

use super::app::{App, AppExtendedInfo, PublishApp, UpdateAppReq};
use super::app_group::{
    AppGroup, CreateAppGroupReq, ShowAppGroupDetailResponse, UpdateAppGroupReq,
};
use super::server_group::{
    CreateOrUpdateScalingPolicyReq, CreateServerGroupReq, Flavor, IpVirtualOut, RoutePolicyDetail,
    ScalingPolicy, ScalingPolicyByResource, ScalingPolicyBySession, ServerGroup, ServerGroupDto,
    ServerProductInfo, ShowServerGroupResponse, TmsTagOut, UpdateServerGroupReq,
};

fn route_spec(r: RoutePolicyDetail) -> RoutePolicySpec {
    let RoutePolicyDetail {
        max_session,
        cpu_threshold,
        gpu_threshold,
        mem_threshold,
        strategy,
    } = r;
    RoutePolicySpec {
        max_session,
        cpu_threshold,
        gpu_threshold,
        mem_threshold,
        strategy,
    }
}

impl From<CreateServerGroupReq> for CreateSpec {
    fn from(r: CreateServerGroupReq) -> Self {
        let CreateServerGroupReq {
            name,
            image_id,
            image_product_id,
            image_type,
            os_type,
            description,
            route_policy,
            product_id,
            flavor_id,
            vpc_id,
            subnet_id,
            system_disk_type,
            system_disk_size,
            ou_name,
            cluster_id,
            availability_zone,
            ip_virtual,
            is_vdi,
            app_type,
            extra_session_type,
            extra_session_size,
            tags,
            enterprise_project_id,
            primary_server_group_id,
            server_group_status,
            storage_mount_policy,
        } = r;
        CreateSpec {
            name,
            image_id,
            image_product_id,
            image_type,
            os_type,
            description,
            route_policy: route_policy.map(route_spec),
            product_id,
            flavor_id,
            vpc_id,
            subnet_id,
            system_disk_type,
            system_disk_size,
            ou_name,
            cluster_id,
            availability_zone,
            ip_virtual: ip_virtual.map(|i| i.enable),
            is_vdi,
            app_type,
            extra_session_type,
            extra_session_size,
            tags: tags.map(|ts| ts.into_iter().map(|t| (t.key, t.value)).collect()),
            enterprise_project_id,
            primary_server_group_id,
            server_group_status,
            storage_mount_policy,
        }
    }
}

impl From<UpdateServerGroupReq> for UpdateSpec {
    fn from(r: UpdateServerGroupReq) -> Self {
        let UpdateServerGroupReq {
            name,
            description,
            route_policy,
            storage_mount_policy,
            image_id,
            image_product_id,
            image_type,
            system_disk_type,
            system_disk_size,
            ou_name,
            app_type,
            server_group_status,
            ip_virtual,
        } = r;
        UpdateSpec {
            name,
            description,
            route_policy: route_policy.map(route_spec),
            storage_mount_policy,
            image_id,
            image_product_id,
            image_type,
            system_disk_type,
            system_disk_size,
            ou_name,
            app_type,
            server_group_status,
            ip_virtual_sent: ip_virtual.is_some(),
        }
    }
}

impl From<CreateOrUpdateScalingPolicyReq> for ScalingPolicySpec {
    fn from(r: CreateOrUpdateScalingPolicyReq) -> Self {
        let CreateOrUpdateScalingPolicyReq {
            server_group_id: _,
            enable,
            max_scaling_amount,
            single_expansion_count,
            scaling_policy_by_session,
            scaling_policy_by_resource,
        } = r;
        ScalingPolicySpec {
            enable,
            max_scaling_amount,
            single_expansion_count,
            by_session: scaling_policy_by_session.map(|s| {
                (
                    s.session_usage_threshold,
                    s.shrink_after_session_idle_minutes,
                )
            }),
            by_resource: scaling_policy_by_resource.map(|r| {
                (
                    r.cpu_usage_threshold,
                    r.mem_usage_threshold,
                    r.gpu_usage_threshold,
                )
            }),
        }
    }
}

/// The wire form of a scaling policy.
pub fn scaling_policy(p: &CoreScaling) -> ScalingPolicy {
    let CoreScaling {
        enable,
        max_scaling_amount,
        single_expansion_count,
        session_usage_threshold,
        shrink_after_session_idle_minutes,
        cpu_usage_threshold,
        mem_usage_threshold,
        gpu_usage_threshold,
    } = p.clone();
    ScalingPolicy {
        enable: Some(enable),
        max_scaling_amount: Some(max_scaling_amount),
        single_expansion_count: Some(single_expansion_count),
        scaling_policy_by_session: Some(ScalingPolicyBySession {
            session_usage_threshold,
            shrink_after_session_idle_minutes: Some(shrink_after_session_idle_minutes),
        }),
        scaling_policy_by_resource: Some(ScalingPolicyByResource {
            cpu_usage_threshold,
            mem_usage_threshold,
            gpu_usage_threshold,
        }),
    }
}

/// `ServerProductInfo` of a catalogue product.
pub fn product_info(cat: &Catalogue, p: &Product) -> ServerProductInfo {
    let Product {
        product_id,
        flavor_id,
        type_,
        architecture,
        cpu,
        memory_mb,
        is_gpu,
        gpu_desc,
        support_gpu_type,
        system_disk_type,
        system_disk_size,
        descriptions,
        sessions,
        charge_mode,
        package_type,
        status,
        series_type: _,
    } = p.clone();
    ServerProductInfo {
        cond_operation_az: cat.cond_operation_az(&product_id),
        product_id,
        flavor_id,
        type_,
        architecture,
        cpu: cpu.to_string(),
        cpu_desc: format!("{cpu} vCPUs | {} GB memory", memory_mb / 1024),
        memory: memory_mb.to_string(),
        is_gpu,
        system_disk_type,
        system_disk_size: system_disk_size.to_string(),
        gpu_desc,
        descriptions,
        charge_mode,
        contain_data_disk: false,
        resource_type: "hws.resource.type.workspace.appstream".into(),
        cloud_service_type: "hws.service.type.vdi".into(),
        volume_product_type: "workspace".into(),
        sessions,
        status,
        sub_product_list: Vec::new(),
        domain_ids: Vec::new(),
        package_type,
        expire_time: None,
        support_gpu_type,
    }
}

fn route_out(r: &RoutePolicy) -> RoutePolicyDetail {
    let RoutePolicy {
        max_session,
        cpu_threshold,
        gpu_threshold,
        mem_threshold,
        strategy,
    } = r.clone();
    RoutePolicyDetail {
        max_session,
        cpu_threshold,
        gpu_threshold,
        mem_threshold,
        strategy,
    }
}

/// The `ServerGroup` (create response, list item) of a view.
pub fn server_group(cat: &Catalogue, v: &ServerGroupView) -> ServerGroup {
    let ServerGroupView {
        group,
        secondary_ids,
        subnet_name,
        app_group_count,
        app_server_count,
    } = v.clone();
    let CoreGroup {
        id,
        project_id: _,
        name,
        description,
        image_id,
        image_type: _,
        image_product_id: _,
        os_type,
        product_id,
        flavor_id: _,
        vpc_id: _,
        subnet_id,
        system_disk_type,
        system_disk_size,
        ou_name,
        cluster_id: _,
        availability_zone,
        ip_virtual: _,
        is_vdi,
        app_type,
        extra_session_type,
        extra_session_size,
        enterprise_project_id,
        primary_server_group_id,
        server_group_status,
        storage_mount_policy,
        route_policy: _,
        scaling_policy: scaling,
        tags,
        create_time,
        update_time,
        config_version: _,
        routing_epoch: _,
        ecs_group_id: _,
    } = group;
    let product_info = cat
        .product(&product_id)
        .map(|p| product_info(cat, p))
        .unwrap_or_default();
    let image_name = cat
        .image(&image_id)
        .map(|i| i.name.clone())
        .unwrap_or_default();
    ServerGroup {
        base: ServerGroupDto {
            id,
            name,
            description,
            image_id,
            os_type,
            product_id,
            subnet_id,
            system_disk_type,
            system_disk_size,
            is_vdi,
            extra_session_type,
            extra_session_size,
            app_type,
            create_time,
            update_time,
            storage_mount_policy,
            enterprise_project_id,
            primary_server_group_ids: primary_server_group_id.into_iter().collect(),
            secondary_server_group_ids: secondary_ids,
            server_group_status,
            site_type: "CENTER".into(),
            site_id: availability_zone,
            app_group_count,
        },
        app_server_flavor_count: app_server_count,
        app_server_count,
        image_name,
        product_info,
        subnet_name,
        scaling_policy: scaling_policy(&scaling),
        tags: tags
            .into_iter()
            .map(|t| TmsTagOut {
                key: t.key,
                value: t.value,
            })
            .collect(),
        ou_name,
    }
}

/// The `ShowServerGroupResponse` of a view.
pub fn show_server_group(
    cat: &Catalogue,
    v: &ServerGroupView,
    project_name: &str,
) -> ShowServerGroupResponse {
    let g = &v.group;
    ShowServerGroupResponse {
        group: server_group(cat, v),
        flavors: vec![Flavor {
            id: g.flavor_id.clone(),
            links: Vec::new(),
        }],
        project_name: project_name.to_string(),
        image_min_disk: cat.image(&g.image_id).map_or(0, |i| i.min_disk),
        route_policy: route_out(&g.route_policy),
        image_product_id: g.image_product_id.clone(),
        image_type: g.image_type.clone(),
        ip_virtual: IpVirtualOut {
            enable: g.ip_virtual,
        },
    }
}

impl From<CreateAppGroupReq> for CreateAppGroupSpec {
    fn from(r: CreateAppGroupReq) -> Self {
        let CreateAppGroupReq {
            name,
            app_server_group_id,
            description,
            authorization_type,
            app_type,
        } = r;
        CreateAppGroupSpec {
            name,
            app_server_group_id,
            description,
            authorization_type,
            app_type,
        }
    }
}

impl From<UpdateAppGroupReq> for UpdateAppGroupSpec {
    fn from(r: UpdateAppGroupReq) -> Self {
        let UpdateAppGroupReq {
            name,
            app_server_group_id,
            description,
        } = r;
        UpdateAppGroupSpec {
            name,
            app_server_group_id,
            description,
        }
    }
}

/// The wire `AppGroup` of a view.
pub fn app_group(v: &AppGroupView) -> AppGroup {
    let AppGroupView {
        group,
        app_server_group_name,
        app_server_group_description: _,
        app_count,
    } = v.clone();
    let CoreAppGroup {
        id,
        project_id,
        name,
        app_server_group_id,
        description,
        authorization_type,
        app_type,
        create_at,
    } = group;
    AppGroup {
        id,
        name,
        app_server_group_id: app_server_group_id.unwrap_or_default(),
        app_server_group_name,
        description,
        authorization_type,
        tenant_id: project_id,
        app_type,
        create_at,
        app_count,
    }
}

/// `ShowAppGroupDetailResponse` of a view.
pub fn show_app_group(v: &AppGroupView) -> ShowAppGroupDetailResponse {
    ShowAppGroupDetailResponse {
        group: app_group(v),
        app_server_group_description: v.app_server_group_description.clone(),
    }
}

impl From<PublishApp> for PublishSpec {
    fn from(r: PublishApp) -> Self {
        let PublishApp {
            name,
            version,
            command_param,
            icon_uri,
            execute_path,
            work_path,
            icon_path,
            icon_index,
            description,
            source_type,
            publisher,
            source_image_ids,
            sandbox_enable,
            app_extended_info,
            is_pre_boot,
            pre_launch_policy,
        } = r;
        PublishSpec {
            name,
            version,
            command_param,
            icon_uri,
            execute_path,
            work_path,
            icon_path,
            icon_index,
            description,
            source_type,
            publisher,
            source_image_ids,
            sandbox_enable,
            extended_info: app_extended_info.and_then(|e| e.extended_info),
            is_pre_boot,
            pre_launch_policy,
        }
    }
}

impl From<UpdateAppReq> for UpdateAppSpec {
    fn from(r: UpdateAppReq) -> Self {
        let UpdateAppReq {
            name,
            version,
            execute_path,
            work_path,
            description,
            command_param,
            state,
            sandbox_enable,
            app_extended_info,
        } = r;
        UpdateAppSpec {
            name,
            version,
            execute_path,
            work_path,
            description,
            command_param,
            state,
            sandbox_enable,
            extended_info: app_extended_info.and_then(|e| e.extended_info),
        }
    }
}

/// The wire `App`; `icon_base` is the URL prefix icons are served under
/// (`http://host/openwks/v1/icons`).
pub fn app(a: &CoreApp, icon_base: &str) -> App {
    let CoreApp {
        id,
        project_id,
        app_group_id,
        name,
        version,
        command_param,
        execute_path,
        work_path,
        icon_path,
        icon_index,
        description,
        state,
        publish_at,
        source_type,
        publisher,
        icon_id,
        external_icon_url,
        source_image_ids: _,
        sandbox_enable,
        is_pre_boot,
        pre_launch_policy,
        extended_info,
    } = a.clone();
    App {
        icon_url: icon_id.map_or(external_icon_url, |i| format!("{icon_base}/{i}")),
        id,
        name,
        version,
        command_param,
        execute_path,
        work_path,
        icon_path,
        icon_index,
        description,
        app_group_id,
        state,
        tenant_id: project_id,
        publish_at,
        source_type,
        publisher,
        publishable: true,
        sandbox_enable,
        is_pre_boot,
        pre_launch_policy,
        app_extended_info: AppExtendedInfo {
            extended_info: Some(extended_info),
        },
    }
}
