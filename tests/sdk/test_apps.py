"""The 13 published-app operations through the official `huaweicloudsdkworkspaceapp`, including the
SDK's own multipart icon upload (signed with UNSIGNED-PAYLOAD)."""

import base64
import urllib.request

import pytest
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkcore.http.formdata import FormFile
from huaweicloudsdkworkspaceapp.v1 import (
    BatchDisableAppRequest, BatchEnableAppRequest, BatchUpdateAppReq, CheckPublishAppReq, CheckPublishAppRequest,
    CreateAppGroupReq, CreateAppGroupRequest, CreateServerGroupReq, CreateServerGroupRequest, DeleteAppIconRequest,
    ListPublishedAppRequest, PublishApp, PublishAppReq, PublishAppRequest, ShowAppDetailRequest,
    ShowPublishableAppRequest, UnpublishAppReq, UnpublishAppRequest, UpdateAppReq, UpdateAppRequest,
    UpdatePreBootPolicyReq, UpdatePreBootPolicyRequest, UpdateRawIconReq, UploadAppIconRawRequest,
    UploadAppIconRequest, UploadAppIconRequestBody,
)

PNG_1X1 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="


@pytest.fixture
def group(wks, network):
    vpc_id, subnet_id = network
    sg = wks.create_server_group(CreateServerGroupRequest(body=CreateServerGroupReq(
        name="sdk-apps-sg", image_id="6f4d1f2a-2019-4b6e-9c0d-000000000001", image_type="public", os_type="Windows",
        product_id="workspace.appstream.general.xlarge.2", vpc_id=vpc_id, subnet_id=subnet_id,
        system_disk_type="SAS", system_disk_size=80)))
    return wks.create_app_group(CreateAppGroupRequest(body=CreateAppGroupReq(name="sdk-apps", app_server_group_id=sg.id))).id


def test_publish_show_update_enable_disable_preboot_unpublish(wks, group):
    r = wks.publish_app(PublishAppRequest(app_group_id=group, body=PublishAppReq(items=[
        PublishApp(name="Notepad", execute_path="C:\\\\Windows\\\\notepad.exe", source_type=1, version="10.0"),
        PublishApp(name="Paint", execute_path="C:\\\\Windows\\\\mspaint.exe", source_type=1)])))
    assert r.count == 2 and r.items[0].state == "NORMAL" and r.items[0].tenant_id
    app_id = r.items[0].id
    assert wks.list_published_app(ListPublishedAppRequest(app_group_id=group)).count == 2
    assert wks.list_published_app(ListPublishedAppRequest(app_group_id=group, name="pAiNt")).count == 1
    shown = wks.show_app_detail(ShowAppDetailRequest(app_group_id=group, app_id=app_id))
    assert shown.name == "Notepad" and shown.publish_at is not None
    upd = wks.update_app(UpdateAppRequest(app_group_id=group, app_id=app_id, body=UpdateAppReq(description="edit")))
    assert upd.description == "edit" and upd.name == "Notepad"
    wks.batch_disable_app(BatchDisableAppRequest(app_group_id=group, body=BatchUpdateAppReq(ids=[app_id])))
    assert wks.show_app_detail(ShowAppDetailRequest(app_group_id=group, app_id=app_id)).state == "FORBIDDEN"
    wks.batch_enable_app(BatchEnableAppRequest(app_group_id=group, body=BatchUpdateAppReq(ids=[app_id])))
    assert wks.show_app_detail(ShowAppDetailRequest(app_group_id=group, app_id=app_id)).state == "NORMAL"
    wks.update_pre_boot_policy(UpdatePreBootPolicyRequest(app_group_id=group, body=UpdatePreBootPolicyReq(
        ids=[app_id], is_pre_boot=True, pre_launch_policy=1)))
    assert wks.show_app_detail(ShowAppDetailRequest(app_group_id=group, app_id=app_id)).is_pre_boot is True
    c = wks.check_publish_app(CheckPublishAppRequest(app_group_id=group, body=CheckPublishAppReq(name="Notepad")))
    assert c.result is False and c.validate_rule == "duplicate"
    with pytest.raises(ClientRequestException) as e:
        wks.publish_app(PublishAppRequest(app_group_id=group, body=PublishAppReq(items=[
            PublishApp(name="Notepad", execute_path="x", source_type=1)])))
    assert (e.value.status_code, e.value.error_code) == (409, "WKS.00131111")
    with pytest.raises(ClientRequestException) as e:
        wks.publish_app(PublishAppRequest(app_group_id=group, body=PublishAppReq(items=[
            PublishApp(name="Bad", execute_path="x", source_type=9)])))
    assert (e.value.status_code, e.value.error_code) == (400, "WKS.00211107")
    assert wks.unpublish_app(UnpublishAppRequest(app_group_id=group, body=UnpublishAppReq(ids=[app_id]))).status_code == 200
    assert wks.unpublish_app(UnpublishAppRequest(app_group_id=group, body=UnpublishAppReq(ids=[app_id]))).status_code == 200
    assert wks.list_published_app(ListPublishedAppRequest(app_group_id=group)).count == 1


def test_icons_raw_and_multipart(wks, group, tmp_path):
    app = wks.publish_app(PublishAppRequest(app_group_id=group, body=PublishAppReq(items=[
        PublishApp(name="Iconic", execute_path="x.exe", source_type=1)]))).items[0]
    raw = wks.upload_app_icon_raw(UploadAppIconRawRequest(app_group_id=group, app_id=app.id,
                                                           body=UpdateRawIconReq(icon_content=PNG_1X1)))
    assert "/openwks/v1/icons/" in raw.icon_url
    with urllib.request.urlopen(raw.icon_url) as r:
        assert r.status == 200 and r.headers["Content-Type"] == "image/png"
    f = tmp_path / "icon.png"
    f.write_bytes(base64.b64decode(PNG_1X1))
    up = wks.upload_app_icon(UploadAppIconRequest(app_group_id=group, app_id=app.id,
                                                  body=UploadAppIconRequestBody(data=FormFile(str(f), "image/png"))))
    assert up.icon_url and up.icon_url != raw.icon_url
    with urllib.request.urlopen(up.icon_url) as r:
        assert r.read() == f.read_bytes()
    with pytest.raises(ClientRequestException) as e:
        wks.upload_app_icon_raw(UploadAppIconRawRequest(app_group_id=group, app_id=app.id,
                                                        body=UpdateRawIconReq(icon_content="bm90IGFuIGltYWdl")))
    assert (e.value.status_code, e.value.error_code) == (400, "WKS.00131110")
    assert wks.delete_app_icon(DeleteAppIconRequest(app_group_id=group, app_id=app.id)).status_code == 200
    assert wks.show_app_detail(ShowAppDetailRequest(app_group_id=group, app_id=app.id)).icon_url == ""


def test_publishable_apps_of_the_image(wks, group):
    r = wks.show_publishable_app(ShowPublishableAppRequest(app_group_id=group))
    assert r.group_images == ["6f4d1f2a-2019-4b6e-9c0d-000000000001"]
    assert {a.name for a in r.items} == {"Notepad", "Paint", "Calculator"}
    assert all(a.source_image_ids == r.group_images for a in r.items)
