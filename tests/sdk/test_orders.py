"""`create_order` through the official `huaweicloudsdkworkspaceapp` (issue #17): a period order of
app servers, paid at once (openwks bills nothing), whose servers appear in their group."""

import pytest
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkworkspaceapp.v1 import (
    CreateOrderReq, CreateOrderRequest, CreateServerGroupReq, CreateServerGroupRequest, CreateServices,
    ListServersRequest, Resource, Volume,
)

from conftest import finish_due_jobs

PRODUCT = "workspace.appstream.general.xlarge.2"


def test_an_order_creates_its_servers(wks, network):
    vpc_id, subnet_id = network
    sg = wks.create_server_group(CreateServerGroupRequest(body=CreateServerGroupReq(
        name="sdk-order", image_id="6f4d1f2a-2019-4b6e-9c0d-000000000001", image_type="public", os_type="Windows",
        product_id=PRODUCT, vpc_id=vpc_id, subnet_id=subnet_id, system_disk_type="SAS", system_disk_size=80))).id
    services = CreateServices(server_group_id=sg, product_id=PRODUCT, root_volume=Volume(type="SAS", size=80),
                              vpc_id=vpc_id, subnet_id=subnet_id)
    with pytest.raises(ClientRequestException) as e:
        wks.create_order(CreateOrderRequest(body=CreateOrderReq(type="createApps", resources=[
            Resource(create_services=services, subscription_num=101)])))
    assert (e.value.status_code, e.value.error_code) == (400, "WKS.00211107")
    order = wks.create_order(CreateOrderRequest(body=CreateOrderReq(type="createApps", resources=[
        Resource(create_services=services, subscription_num=2, period_type=2, period_num=1, is_auto_renew=0)])))
    assert order.order_id.startswith("CS")
    finish_due_jobs(wks)
    servers = wks.list_servers(ListServersRequest(server_group_id=sg)).items
    assert len(servers) == 2 and all(s.status == "REGISTERED" for s in servers)
