"""The 8 app-group operations through the official `huaweicloudsdkworkspaceapp`."""

import pytest
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkworkspaceapp.v1 import (
    BatchDeleteAppGroupRequest, CheckAppGroupReq, CheckAppGroupRequest, CreateAppGroupReq, CreateAppGroupRequest,
    CreateServerGroupReq, CreateServerGroupRequest, DeleteAppGroupReq, DeleteAppGroupRequest,
    DeleteServerGroupsRequest, DisassociateAppGroupRequest, ListAppGroupRequest, ShowAppGroupDetailRequest,
    ShowServerGroupRequest, UpdateAppGroupReq, UpdateAppGroupRequest,
)


def server_group(wks, network, name, app_type="COMMON_APP"):
    vpc_id, subnet_id = network
    return wks.create_server_group(CreateServerGroupRequest(body=CreateServerGroupReq(
        name=name, image_id="6f4d1f2a-2019-4b6e-9c0d-000000000001", image_type="public", os_type="Windows",
        product_id="workspace.appstream.general.xlarge.2", vpc_id=vpc_id, subnet_id=subnet_id,
        system_disk_type="SAS", system_disk_size=80, app_type=app_type)))


def err(fn):
    with pytest.raises(ClientRequestException) as e:
        fn()
    return e.value


def test_app_group_round_trip(wks, network):
    sg = server_group(wks, network, "sdk-ag-sg")
    ag = wks.create_app_group(CreateAppGroupRequest(body=CreateAppGroupReq(
        name="sdk-ag", app_server_group_id=sg.id, description="Open test for APIs.")))
    assert ag.id.isdigit() and ag.authorization_type == "APP_GROUP" and ag.app_type == "COMMON_APP"
    assert ag.app_server_group_name == "sdk-ag-sg" and ag.app_count == 0
    assert ag.create_at is not None
    shown = wks.show_app_group_detail(ShowAppGroupDetailRequest(app_group_id=ag.id))
    assert shown.name == "sdk-ag" and shown.app_server_group_id == sg.id
    assert wks.show_server_group(ShowServerGroupRequest(server_group_id=sg.id)).app_group_count == 1
    upd = wks.update_app_group(UpdateAppGroupRequest(app_group_id=ag.id, body=UpdateAppGroupReq(description="changed")))
    assert upd.description == "changed" and upd.name == "sdk-ag"
    listed = wks.list_app_group(ListAppGroupRequest(app_server_group_id=sg.id))
    assert listed.count == 1 and listed.items[0].id == ag.id
    e = err(lambda: wks.delete_server_groups(DeleteServerGroupsRequest(server_group_id=sg.id)))
    assert (e.status_code, e.error_code) == (409, "WKS.00211121")
    assert wks.disassociate_app_group(DisassociateAppGroupRequest(server_group_id=sg.id)).status_code == 200
    assert wks.show_server_group(ShowServerGroupRequest(server_group_id=sg.id)).app_group_count == 0
    assert wks.delete_app_group(DeleteAppGroupRequest(app_group_id=ag.id)).status_code == 200
    e = err(lambda: wks.show_app_group_detail(ShowAppGroupDetailRequest(app_group_id=ag.id)))
    assert (e.status_code, e.error_code) == (404, "WKS.00211902")


def test_seed_example_name_with_spaces_is_refused_because_the_table_wins(wks):
    e = err(lambda: wks.create_app_group(CreateAppGroupRequest(body=CreateAppGroupReq(
        name="Open Test for the API for Creating an Application Group", app_server_group_id="",
        description="Open test for APIs."))))
    assert (e.status_code, e.error_code) == (400, "WKS.00211105")


@pytest.mark.parametrize("kw,status,code", [
    (dict(name="sdk-ag-x", authorization_type="APP"), 400, "WKS.00131106"),
    (dict(name="sdk-ag-x", app_server_group_id="no-such-group"), 400, "WKS.00131107"),
    (dict(name="sdk-ag-x", app_type="DESKTOP"), 400, "WKS.00211106"),
    (dict(name="x" * 65), 400, "WKS.00211105"),
])
def test_app_group_rules(wks, kw, status, code):
    e = err(lambda: wks.create_app_group(CreateAppGroupRequest(body=CreateAppGroupReq(**kw))))
    assert (e.status_code, e.error_code) == (status, code), e.error_msg


def test_check_batch_delete_and_shared_desktop(wks, network):
    desk = server_group(wks, network, "sdk-desk", app_type="SESSION_DESKTOP_APP")
    a = wks.create_app_group(CreateAppGroupRequest(body=CreateAppGroupReq(name="sdk-desk-ag", app_server_group_id=desk.id)))
    assert a.app_type == "SESSION_DESKTOP_APP"
    e = err(lambda: wks.create_app_group(CreateAppGroupRequest(body=CreateAppGroupReq(name="sdk-desk-ag2", app_server_group_id=desk.id))))
    assert (e.status_code, e.error_code) == (400, "WKS.00131105")
    e = err(lambda: wks.create_app_group(CreateAppGroupRequest(body=CreateAppGroupReq(name="sdk-desk-ag"))))
    assert (e.status_code, e.error_code) == (409, "WKS.00131109")
    c = wks.check_app_group(CheckAppGroupRequest(body=CheckAppGroupReq(name="sdk-desk-ag")))
    assert c.result is False and c.validate_rule == "duplicate"
    assert wks.check_app_group(CheckAppGroupRequest(body=CheckAppGroupReq(name="sdk-unused"))).result is True
    b = wks.create_app_group(CreateAppGroupRequest(body=CreateAppGroupReq(name="sdk-batch-b")))
    r = wks.batch_delete_app_group(BatchDeleteAppGroupRequest(body=DeleteAppGroupReq(ids=[a.id, b.id, "123"])))
    assert r.status_code == 200
    names = {g.name for g in wks.list_app_group(ListAppGroupRequest(limit=100)).items}
    assert "sdk-desk-ag" not in names and "sdk-batch-b" not in names
