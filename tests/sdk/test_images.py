"""Images through the official `huaweicloudsdkworkspaceapp` and `huaweicloudsdkims` (issue #17):
the app warehouse, an image server that installs a warehouse app, the private image made from
it, a server group on that image whose published app a user launches, and the teardown."""

import pytest
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkcore.http.formdata import FormFile
from huaweicloudsdkims.v2 import GlanceDeleteImageRequest, ListImagesRequest
from huaweicloudsdkworkspaceapp.v1 import (
    AddAppGroupAuthorizationRequest, AccountInfo, AppGroupAuthorizeReq, AttachImageServerAppRequest,
    AttachServerAppReq, AuthorizeObsReq, AuthorizeObsRequest, BatchDeleteImageServerReq,
    BatchDeleteImageServerRequest, BatchDeleteImageSubJobsRequest, BatchDeleteSubJobsReq,
    BatchDeleteWarehouseAppReq, BatchDeleteWarehouseAppRequest, BindAppWarehouseBucketRequest, BucketNameReq,
    CountImageSubJobsRequest, CreateAppGroupReq, CreateAppGroupRequest, CreateAppServerReq,
    CreateAppServersRequest, CreateBucketOrAclRequest, CreateImageServerReq, CreateImageServerRequest,
    CreateServerGroupReq, CreateServerGroupRequest, CreateServerImageReq, CreateWarehouseAppReq,
    CreateWarehouseAppRequest, DeleteWarehouseAppRequest, ImageAccountInfo, ImageRef,
    ListImageJobsRequest, ListImageServersRequest, ListImageSubJobsRequest, ListLatestAttachedServerAppRequest,
    ListWarehouseAppsRequest, PublishApp, PublishAppReq, PublishAppRequest, RecreateServerImageRequest,
    ShowAppWarehouseBucketRequest, ShowImageJobRequest, ShowImageServerRequest, ShowPublishableAppRequest,
    ShowServerRequest, UpdateImageServerReq, UpdateImageServerRequest, UpdateWarehouseAppReq,
    UpdateWarehouseAppRequest, UploadWarehouseAppIconRequest, UploadWarehouseAppIconRequestBody, Volume,
)

from conftest import finish_due_jobs, openwks_call

PRODUCT = "workspace.appstream.general.xlarge.2"
WIN2019 = "6f4d1f2a-2019-4b6e-9c0d-000000000001"
PNG_1X1 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="


def package(name, path, version="1.0"):
    return CreateWarehouseAppReq(app_name=name, app_category="PRODUCTIVITY_AND_COLLABORATION", os_type="Windows",
                                 version_id=version, version_name=version, appfile_store_path=path,
                                 app_file_size=2048, app_description="from the SDK")


def test_the_warehouse(wks, tmp_path):
    app = wks.create_warehouse_app(CreateWarehouseAppRequest(body=package("editor", "/pkg/editor.exe")))
    assert (app.verify_status, app.app_file_size) == ("VERIFY_PASS", "2048")
    bad = wks.create_warehouse_app(CreateWarehouseAppRequest(body=package("script", "/pkg/run.sh")))
    # The wire says VERIFY_FAIL (the definitions' pattern); the SDK's VerifyStatusEnum spells the
    # member's value "Verify_FAIL", and that is what it hands back.
    assert bad.verify_status == "Verify_FAIL" and "run.sh" in bad.verify_comment
    with pytest.raises(ClientRequestException) as e:
        wks.create_warehouse_app(CreateWarehouseAppRequest(body=package("editor", "/pkg/other.exe")))
    assert (e.value.status_code, e.value.error_code) == (409, "WKS.00211119")
    found = wks.list_warehouse_apps(ListWarehouseAppsRequest(app_id=app.app_id))
    assert found.count == 1 and found.items[0].id == app.id
    assert wks.list_warehouse_apps(ListWarehouseAppsRequest(verify_status="VERIFY_FAIL")).items[0].id == bad.id
    wks.update_warehouse_app(UpdateWarehouseAppRequest(id=app.app_id, body=UpdateWarehouseAppReq(
        app_description="renamed", version_name="1.0-sdk")))
    again = wks.list_warehouse_apps(ListWarehouseAppsRequest(app_id=app.id)).items[0]
    assert (again.app_description, again.version_name) == ("renamed", "1.0-sdk")

    f = tmp_path / "icon.png"
    import base64
    f.write_bytes(base64.b64decode(PNG_1X1))
    icon = wks.upload_warehouse_app_icon(UploadWarehouseAppIconRequest(
        body=UploadWarehouseAppIconRequestBody(data=FormFile(str(f), "image/png"))))
    import urllib.request
    with urllib.request.urlopen(icon.appicon_store_path) as r:
        assert r.read() == f.read_bytes()

    with pytest.raises(ClientRequestException) as e:
        wks.show_app_warehouse_bucket(ShowAppWarehouseBucketRequest())
    assert e.value.status_code == 404
    wks.create_bucket_or_acl(CreateBucketOrAclRequest())
    b = wks.show_app_warehouse_bucket(ShowAppWarehouseBucketRequest())
    assert b.bucket_name.startswith("wks-app-") and b.is_user_create_bucket is False
    wks.bind_app_warehouse_bucket(BindAppWarehouseBucketRequest(body=BucketNameReq(bucket_name="sdk-apps")))
    assert wks.show_app_warehouse_bucket(ShowAppWarehouseBucketRequest()).bucket_name == "sdk-apps"
    creds = wks.authorize_obs(AuthorizeObsRequest(body=AuthorizeObsReq(app_file_name="setup.msi")))
    assert creds.bucket_name == "sdk-apps" and creds.directory.endswith("/setup.msi") and creds.ak and creds.sk
    with pytest.raises(ClientRequestException) as e:
        wks.authorize_obs(AuthorizeObsRequest(body=AuthorizeObsReq(app_file_name="notes.txt")))
    assert e.value.status_code == 400

    wks.delete_warehouse_app(DeleteWarehouseAppRequest(id=bad.id))
    wks.delete_warehouse_app(DeleteWarehouseAppRequest(id=bad.id))  # gone: still 200, as the vendor's
    wks.batch_delete_warehouse_app(BatchDeleteWarehouseAppRequest(body=BatchDeleteWarehouseAppReq(ids=[app.id])))
    assert wks.list_warehouse_apps(ListWarehouseAppsRequest()).count == 0


def test_image_server_to_a_launched_app(wks, ims, network, server):
    """The issue's workflow: image server -> attach a warehouse app -> create the image -> a server
    group on that private image -> the app published from it -> a user launches it."""
    vpc_id, subnet_id = network
    office = wks.create_warehouse_app(CreateWarehouseAppRequest(body=package("office", "/pkg/office.msi")))

    # The image server, built with the app attached; its job names it.
    job = wks.create_image_server(CreateImageServerRequest(body=CreateImageServerReq(
        name="sdk-builder", product_id=PRODUCT, flavor_id="s6.xlarge.2", vpc_id=vpc_id, subnet_id=subnet_id,
        root_volume=Volume(type="SAS", size=80), image_ref=ImageRef(id=WIN2019, image_type="public"),
        authorize_accounts=[ImageAccountInfo(account="builder", account_type="USER")]))).job_id
    finish_due_jobs(wks)
    j = wks.show_image_job(ShowImageJobRequest(job_id=job))
    assert (j.job_type, j.status) == ("CREATE_SERVER", "SUCCESS"), j
    server_id = j.sub_jobs[0].job_resource_info.resource_id
    s = wks.show_image_server(ShowImageServerRequest(server_id=server_id))
    assert s.status == "ACTIVE" and s.name == "sdk-builder"
    assert s.authorize_accounts[0].account == "builder"
    assert wks.list_image_servers(ListImageServersRequest(server_name="sdk-")).count == 1
    wks.update_image_server(UpdateImageServerRequest(server_id=server_id, body=UpdateImageServerReq(
        description="golden builder")))
    attached = wks.attach_image_server_app(AttachImageServerAppRequest(server_id=server_id, body=AttachServerAppReq(
        items=[office.id])))
    assert attached.uri.startswith("file:///")
    latest = wks.list_latest_attached_server_app(ListLatestAttachedServerAppRequest(server_id=server_id))
    assert [(a.id, a.app_id) for a in latest.items] == [(office.id, office.app_id)]

    # The private image: in IMS, with the installed app publishable.
    job = wks.recreate_server_image(RecreateServerImageRequest(server_id=server_id, body=CreateServerImageReq(
        name="Office golden", description="made by the SDK test"))).job_id
    finish_due_jobs(wks)
    j = wks.show_image_job(ShowImageJobRequest(job_id=job))
    assert (j.job_type, j.status) == ("CREATE_SERVER_IMAGE", "SUCCESS")
    image = j.sub_jobs[0].job_resource_info.resource_id
    assert wks.show_image_server(ShowImageServerRequest(server_id=server_id)).status == "BUILT"
    imgs = ims.list_images(ListImagesRequest(imagetype="private", id=image)).images
    assert [(i.name, i.status, i.os_type) for i in imgs] == [("Office golden", "active", "Windows")]
    jobs = wks.list_image_jobs(ListImageJobsRequest(job_type="CREATE_SERVER_IMAGE"))
    assert jobs.count == 1 and jobs.items[0].sub_jobs_total == 1
    subs = wks.list_image_sub_jobs(ListImageSubJobsRequest(job_type="", job_id=job))
    assert subs.count == 1 and subs.items[0].job_resource_info.resource_name == "Office golden"
    assert wks.count_image_sub_jobs(CountImageSubJobsRequest(status="SUCCESS")).count == 2

    # A group on it: the installed app is publishable, published, and opened by a user.
    sg = wks.create_server_group(CreateServerGroupRequest(body=CreateServerGroupReq(
        name="sdk-golden", image_id=image, image_type="private", os_type="Windows", product_id=PRODUCT,
        vpc_id=vpc_id, subnet_id=subnet_id, system_disk_type="SAS", system_disk_size=80))).id
    wks.create_app_servers(CreateAppServersRequest(body=CreateAppServerReq(
        type="createApps", server_group_id=sg, subscription_num=1, product_id=PRODUCT,
        root_volume=Volume(type="SAS", size=80), vpc_id=vpc_id, subnet_id=subnet_id)))
    finish_due_jobs(wks)
    ag = wks.create_app_group(CreateAppGroupRequest(body=CreateAppGroupReq(name="sdk-golden",
                                                                           app_server_group_id=sg))).id
    publishable = {a.name: a for a in wks.show_publishable_app(ShowPublishableAppRequest(app_group_id=ag)).items}
    assert "office" in publishable, list(publishable)
    app = wks.publish_app(PublishAppRequest(app_group_id=ag, body=PublishAppReq(items=[
        PublishApp(name="office", execute_path=publishable["office"].execute_path, source_type=1)]))).items[0].id
    wks.add_app_group_authorization(AddAppGroupAuthorizationRequest(body=AppGroupAuthorizeReq(
        app_group_ids=[ag], accounts=[AccountInfo(account="ann", account_type="USER")])))
    status, body = openwks_call(server.url, "POST", "/openwks/v1/{p}/app-launches",
                                {"user_name": "ann", "app_group_id": ag, "app_id": app})
    assert status == 200, body
    on = wks.show_server(ShowServerRequest(server_id=body["server_id"]))
    assert on.image_id == image

    # Teardown: the image server and its groups; the image stays while the group uses it.
    job = wks.batch_delete_image_server(BatchDeleteImageServerRequest(body=BatchDeleteImageServerReq(
        items=[server_id], recursive=True))).job_id
    finish_due_jobs(wks)
    assert wks.show_image_job(ShowImageJobRequest(job_id=job)).status == "SUCCESS"
    with pytest.raises(ClientRequestException) as e:
        wks.show_image_server(ShowImageServerRequest(server_id=server_id))
    assert e.value.status_code == 404
    wks.batch_delete_image_sub_jobs(BatchDeleteImageSubJobsRequest(body=BatchDeleteSubJobsReq(items=[f"{job}-1"])))
    with pytest.raises(ClientRequestException) as e:
        ims.glance_delete_image(GlanceDeleteImageRequest(image_id=image))
    assert e.value.status_code == 409
