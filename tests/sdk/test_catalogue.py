"""The catalogue the create call validates against, through the official SDKs: products, AZs,
volume types, quota, tenant profile (WorkspaceApp), VPCs and subnets (VPC), images (IMS)."""

import pytest
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkims.v2 import GlanceShowImageRequest, ListImagesRequest
from huaweicloudsdkvpc.v2 import (
    CreateSubnetOption, CreateSubnetRequest, CreateSubnetRequestBody, CreateVpcOption, CreateVpcRequest,
    CreateVpcRequestBody, DeleteSubnetRequest, DeleteVpcRequest, ListSubnetsRequest, ListVpcsRequest,
    ShowSubnetRequest, ShowVpcRequest,
)
from huaweicloudsdkworkspaceapp.v1 import (
    InitializeTenantReq, InitializeTenantRequest, ListConfigInfoReq, ListCorpConfigInfoRequest,
    CheckQuotaRequest, ListAvailabilityZoneRequest, ListAzRequest, ListProductRequest, ListTenantProfileRequest,
    ListVolumeTypeRequest,
)

from conftest import PROJECT_ID

GPU = "workspace.appstream.gpu.2xlarge.8.a40"


def test_products_and_filters(wks):
    all_ = wks.list_product(ListProductRequest())
    ids = {p.product_id for p in all_.products}
    assert {"workspace.appstream.general.xlarge.2", "workspace.appstream.general.2xlarge.4",
            "workspace.x86.general.xlarge2", GPU} <= ids
    gpu = wks.list_product(ListProductRequest(product_id=GPU)).products[0]
    assert gpu.is_gpu is True and gpu.support_gpu_type == "A40" and gpu.sessions == 4
    in_a = wks.list_product(ListProductRequest(availability_zone="cn-north-4a"))
    assert GPU not in {p.product_id for p in in_a.products}
    with pytest.raises(ClientRequestException) as e:
        wks.list_product(ListProductRequest(availability_zone="nowhere"))
    assert e.value.error_code == "WKS.00211112"


def test_zones_volume_types_quota_profile(wks):
    z = wks.list_availability_zone(ListAvailabilityZoneRequest())
    assert z.total_count == 3 and z.availability_zones[0].availability_zone == "cn-north-4a"
    assert z.availability_zones[0].default_availability_zone is True
    s = wks.list_az(ListAzRequest())
    assert s.default_type == "CENTER" and len(s.azs["CENTER"]) == 3
    vt = [v.volume_type for v in wks.list_volume_type(ListVolumeTypeRequest()).volume_types]
    assert vt == ["ESSD", "SSD", "GPSSD", "SAS", "SATA"]
    q = wks.check_quota(CheckQuotaRequest(product_id=GPU, subscription_num=2, disk_size=100, disk_num=1))
    assert q.is_enough is True
    assert any(r.type == "GPU_INSTANCES" and r.need == 2 for r in q.quota_remainder)
    assert wks.check_quota(CheckQuotaRequest(product_id=GPU, subscription_num=51, disk_size=100, disk_num=1)).is_enough is False
    t = wks.list_tenant_profile(ListTenantProfileRequest())
    assert t.project_id == PROJECT_ID and t.project_name == "cn-north-4"


def test_vpcs_and_subnets(vpc):
    assert len(vpc.list_vpcs(ListVpcsRequest()).vpcs) >= 1
    v = vpc.create_vpc(CreateVpcRequest(body=CreateVpcRequestBody(vpc=CreateVpcOption(name="sdk-vpc", cidr="10.8.0.0/16")))).vpc
    assert v.cidr == "10.8.0.0/16" and v.status == "OK"
    assert vpc.show_vpc(ShowVpcRequest(vpc_id=v.id)).vpc.name == "sdk-vpc"
    s = vpc.create_subnet(CreateSubnetRequest(body=CreateSubnetRequestBody(subnet=CreateSubnetOption(
        name="sdk-subnet", cidr="10.8.1.0/24", gateway_ip="10.8.1.1", vpc_id=v.id)))).subnet
    assert s.vpc_id == v.id
    assert vpc.show_subnet(ShowSubnetRequest(subnet_id=s.id)).subnet.cidr == "10.8.1.0/24"
    assert [x.id for x in vpc.list_subnets(ListSubnetsRequest(vpc_id=v.id)).subnets] == [s.id]
    with pytest.raises(ClientRequestException) as e:
        vpc.create_subnet(CreateSubnetRequest(body=CreateSubnetRequestBody(subnet=CreateSubnetOption(
            name="outside", cidr="172.16.0.0/24", gateway_ip="172.16.0.1", vpc_id=v.id))))
    assert (e.value.status_code, e.value.error_code) == (400, "WKS.00211111")
    with pytest.raises(ClientRequestException) as e:
        vpc.delete_vpc(DeleteVpcRequest(vpc_id=v.id))
    assert (e.value.status_code, e.value.error_code) == (409, "WKS.00211123")
    assert vpc.delete_subnet(DeleteSubnetRequest(vpc_id=v.id, subnet_id=s.id)).status_code == 204
    assert vpc.delete_vpc(DeleteVpcRequest(vpc_id=v.id)).status_code == 204


def test_images(ims):
    imgs = ims.list_images(ListImagesRequest(imagetype="gold", os_type="Windows")).images
    assert len(imgs) == 2 and all(i.os_type == "Windows" for i in imgs)
    market = ims.list_images(ListImagesRequest(imagetype="market")).images
    assert market[0].productcode == "00301-2019002-0--0"
    assert len(ims.list_images(ListImagesRequest(min_disk=60)).images) == 2
    one = ims.glance_show_image(GlanceShowImageRequest(image_id=imgs[0].id))
    assert one.id == imgs[0].id and one.min_disk == imgs[0].min_disk
    with pytest.raises(ClientRequestException) as e:
        ims.glance_show_image(GlanceShowImageRequest(image_id="missing"))
    assert e.value.status_code == 404


def test_tenant_activation_and_enterprise_configuration(wks):
    r = wks.initialize_tenant(InitializeTenantRequest(body=InitializeTenantReq(service_status="active")))
    assert r.service_status == "active" and r.project_id
    with pytest.raises(ClientRequestException) as e:
        wks.initialize_tenant(InitializeTenantRequest(body=InitializeTenantReq(service_status="inactive")))
    assert (e.value.status_code, e.value.error_code) == (400, "WKS.00211102")
    infos = wks.list_corp_config_info(ListCorpConfigInfoRequest(body=ListConfigInfoReq(
        items=["region", "unknown-key", "max_session"]))).config_infos
    assert [(i.config_key, i.config_value) for i in infos] == [("region", "cn-north-4"), ("max_session", "1024")]
