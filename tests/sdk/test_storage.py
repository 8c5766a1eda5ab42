"""Storage through the official `huaweicloudsdkworkspaceapp` (issue #19): a WKS storage on an SFS
file system, a user's personal folder and a shared folder, the access policies, the mounts a
session of that user gets on a USER group and on a SHARE group, a file written and read in the
session, and the refusals of deletes while folders are in use."""

import pytest
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkworkspaceapp.v1 import (
    AccountInfo, AddAppGroupAuthorizationRequest, AppGroupAuthorizeReq, AssignShareFolderReq,
    AssignUserFolderReq, Assignment, Attachment, BatchDeletePersistentStorageReq,
    BatchDeletePersistentStorageRequest, CreateAppGroupReq, CreateAppGroupRequest, CreateAppServerReq,
    CreateAppServersRequest, CreateOrUpdateStoragePolicyStatementReq,
    CreateOrUpdateStoragePolicyStatementRequest, CreatePersistentStorageReq, CreatePersistentStorageRequest,
    CreateServerGroupReq, CreateServerGroupRequest, CreateShareFolderReq, CreateShareFolderRequest,
    DeletePersistentStorageRequest, DeleteStorageClaimReq, DeleteStorageClaimRequest,
    DeleteUserStorageAttachmentReq, DeleteUserStorageAttachmentRequest, ListPersistentStorageRequest,
    ListSfs3StorageRequest, ListShareFolderRequest, ListStorageAssignmentRequest,
    ListStoragePolicyStatementRequest, PublishApp, PublishAppReq, PublishAppRequest, Storage,
    UpdateServerGroupReq, UpdateServerGroupRequest, UpdateShareFolderAssignmentRequest,
    UpdateUserFolderAssignmentRequest, UserAssignment, Volume,
)

from conftest import finish_due_jobs, openwks_call

PRODUCT = "workspace.appstream.general.xlarge.2"
WIN2019 = "6f4d1f2a-2019-4b6e-9c0d-000000000001"


def group_with_app(wks, vpc_id, subnet_id, name, mount_policy, users):
    sg = wks.create_server_group(CreateServerGroupRequest(body=CreateServerGroupReq(
        name=name, image_id=WIN2019, image_type="public", os_type="Windows", product_id=PRODUCT,
        vpc_id=vpc_id, subnet_id=subnet_id, system_disk_type="SAS", system_disk_size=80))).id
    # The SDK's create body has no storage_mount_policy: set it as Terraform does, by an update.
    wks.update_server_group(UpdateServerGroupRequest(server_group_id=sg, body=UpdateServerGroupReq(
        storage_mount_policy=mount_policy)))
    wks.create_app_servers(CreateAppServersRequest(body=CreateAppServerReq(
        type="createApps", server_group_id=sg, subscription_num=1, product_id=PRODUCT,
        root_volume=Volume(type="SAS", size=80), vpc_id=vpc_id, subnet_id=subnet_id)))
    finish_due_jobs(wks)
    ag = wks.create_app_group(CreateAppGroupRequest(body=CreateAppGroupReq(name=name, app_server_group_id=sg))).id
    app = wks.publish_app(PublishAppRequest(app_group_id=ag, body=PublishAppReq(items=[
        PublishApp(name="Notepad", execute_path="C:\\Windows\\notepad.exe", source_type=1)]))).items[0].id
    wks.add_app_group_authorization(AddAppGroupAuthorizationRequest(body=AppGroupAuthorizeReq(
        app_group_ids=[ag], accounts=[AccountInfo(account=u, account_type="USER") for u in users])))
    return ag, app


def test_storage_folders_and_a_sessions_mounts(wks, network, server):
    vpc_id, subnet_id = network
    with pytest.raises(ClientRequestException) as e:
        wks.create_persistent_storage(CreatePersistentStorageRequest(body=CreatePersistentStorageReq(
            name="bad", storage_metadata=Storage(storage_class="obs", storage_handle="fs"))))
    assert (e.value.status_code, e.value.error_code) == (400, "WKS.00211106")
    st = wks.create_persistent_storage(CreatePersistentStorageRequest(body=CreatePersistentStorageReq(
        name="sdk storage", storage_metadata=Storage(storage_class="sfs", storage_handle="sdk-fs"))))
    assert len(st.id) == 18 and st.storage_metadata.storage_handle == "sdk-fs"
    assert st.user_claim_count == 0
    assert [f.name for f in wks.list_sfs3_storage(ListSfs3StorageRequest(name="sdk")).items] == ["sdk-fs"]

    policies = wks.list_storage_policy_statement(ListStoragePolicyStatementRequest())
    assert [p.policy_statement_id for p in policies.items] == ["DEFAULT_1", "DEFAULT_2", "DEFAULT_3", "DEFAULT_4"]
    own = wks.create_or_update_storage_policy_statement(CreateOrUpdateStoragePolicyStatementRequest(
        body=CreateOrUpdateStoragePolicyStatementReq(actions=[], roam_actions=["GetObject"])))
    assert (own.policy_statement_id, own.roam_actions) == ("CUSTOM_1", ["GetObject"])

    # Ann's personal folder; a shared folder for ann and (read only) bob.
    wks.update_user_folder_assignment(UpdateUserFolderAssignmentRequest(storage_id=st.id, body=AssignUserFolderReq(
        items=[UserAssignment(attach="ann", policy_statement_id="DEFAULT_1")])))
    share = wks.create_share_folder(CreateShareFolderRequest(storage_id=st.id, body=CreateShareFolderReq(
        folder_name="reports")))
    assert (share.folder_path, share.claim_mode) == ("shares/reports/", "SHARE")
    wks.update_share_folder_assignment(UpdateShareFolderAssignmentRequest(storage_id=st.id, body=AssignShareFolderReq(
        storage_claim_id=share.storage_claim_id, add_items=[
            Assignment(attach="ann", attach_type="USER", policy_statement_id="DEFAULT_1"),
            Assignment(attach="bob", attach_type="USER", policy_statement_id="CUSTOM_1")])))
    mine = wks.list_storage_assignment(ListStorageAssignmentRequest(storage_id=st.id, claim_mode="USER"))
    assert [(a.attachment.attach, a.folder_path, a.policy_statement.policy_statement_id) for a in mine.items] == [
        ("ann", "users/ann/", "DEFAULT_1")]
    shared = wks.list_share_folder(ListShareFolderRequest(storage_id=st.id))
    assert shared.items[0].count == {"USER": 2, "USER_GROUP": 0}
    listed = wks.list_persistent_storage(ListPersistentStorageRequest(storage_id=st.id)).items[0]
    assert (listed.user_claim_count, listed.share_claim_count) == (1, 1)

    # Sessions: on a USER group ann gets her personal folder, on a SHARE group the shared one.
    ag_user, app_user = group_with_app(wks, vpc_id, subnet_id, "sdk-st-user", "USER", ["ann", "bob"])
    ag_share, app_share = group_with_app(wks, vpc_id, subnet_id, "sdk-st-share", "SHARE", ["ann", "bob"])
    status, on_user = openwks_call(server.url, "POST", "/openwks/v1/{p}/app-launches",
                                   {"user_name": "ann", "app_group_id": ag_user, "app_id": app_user})
    assert status == 200, on_user
    assert [m["folder_path"] for m in on_user["mounts"]] == ["users/ann/"]
    status, on_share = openwks_call(server.url, "POST", "/openwks/v1/{p}/app-launches",
                                    {"user_name": "ann", "app_group_id": ag_share, "app_id": app_share})
    assert status == 200, on_share
    assert [m["folder_path"] for m in on_share["mounts"]] == ["shares/reports/"]

    # A file in ann's folder, written and listed from the session; bob may only read the share.
    home = on_user["mounts"][0]["storage_claim_id"]
    files = f"/openwks/v1/{{p}}/app-launches/{on_user['session_id']}/files/{home}"
    status, body = openwks_call(server.url, "PUT", files + "?path=docs/q3.txt", "q3 numbers")
    assert status == 201, body
    status, body = openwks_call(server.url, "GET", files + "?path=docs")
    assert status == 200 and [e["name"] for e in body["entries"]] == ["q3.txt"], body
    status, body = openwks_call(server.url, "PUT", files + "?path=../bob/x.txt", "x")
    assert (status, body["error_code"]) == (400, "WKS.00211102"), body
    status, on_bob = openwks_call(server.url, "POST", "/openwks/v1/{p}/app-launches",
                                  {"user_name": "bob", "app_group_id": ag_share, "app_id": app_share})
    assert status == 200, on_bob
    status, body = openwks_call(
        server.url, "PUT",
        f"/openwks/v1/{{p}}/app-launches/{on_bob['session_id']}/files/{share.storage_claim_id}?path=x.txt", "x")
    assert (status, body["error_code"]) == (403, "WKS.00211125"), body

    # In use: refused with the reason; emptied, everything goes.
    for call in (lambda: wks.delete_persistent_storage(DeletePersistentStorageRequest(storage_id=st.id)),
                 lambda: wks.delete_storage_claim(DeleteStorageClaimRequest(storage_id=st.id, body=DeleteStorageClaimReq(
                     items=[share.storage_claim_id])))):
        with pytest.raises(ClientRequestException) as e:
            call()
        assert (e.value.status_code, e.value.error_code) == (400, "WKS.00211124")
    wks.update_share_folder_assignment(UpdateShareFolderAssignmentRequest(storage_id=st.id, body=AssignShareFolderReq(
        storage_claim_id=share.storage_claim_id,
        del_items=[Attachment(attach="ann", attach_type="USER"), Attachment(attach="bob", attach_type="USER")])))
    wks.delete_storage_claim(DeleteStorageClaimRequest(storage_id=st.id, body=DeleteStorageClaimReq(
        items=[share.storage_claim_id])))
    wks.delete_user_storage_attachment(DeleteUserStorageAttachmentRequest(
        storage_id=st.id, body=DeleteUserStorageAttachmentReq(items=["ann"])))
    wks.batch_delete_persistent_storage(BatchDeletePersistentStorageRequest(body=BatchDeletePersistentStorageReq(
        items=[st.id])))
    assert wks.list_persistent_storage(ListPersistentStorageRequest()).count == 0
