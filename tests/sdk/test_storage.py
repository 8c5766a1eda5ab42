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


def test_cloud_storage_transfer_list_and_profile_reset(wks, network, server):
    """The issue's workflow on the cloud-storage family: a cloud storage, two users' personal
    folders, ann's session writes a file and her profile, she shares the file, bob takes it,
    the file is listed in bob's folder, ann's profile is reset, and everything is deleted."""
    from huaweicloudsdkworkspaceapp.v1 import (
        BatchDeleteCloudStorageReq, BatchDeleteCloudStorageRequest, ChangeClusterReq, ChangeClusterRequest,
        CreateCloudStorageReq, CreateCloudStorageRequest, CreateUserAssignmentInfo, CreateUserFolderAssignmentRequest,
        CreateUserFolderReq, DeleteCloudStorageAttachmentReq, DeleteCloudStorageAttachmentRequest,
        DeleteCloudStorageRequest, ListCloudStorageAssignmentRequest, ListCloudStorageRequest,
        ListFoldersAndFilesRequest, ListProjectConfigsRequest, ProjectConfigClusterGroupIdEntity,
        ResetUserProfileReq, ResetUserProfileRequest, ShowProjectConfigRequest, TransferFilePreReq,
        TransferFilePreRequest, TransferFileReq, TransferFileRequest, UpdateCloudUserFolderAssignmentRequest,
        UpdateUserAssignmentInfo, UpdateUserFolderReq,
    )
    vpc_id, subnet_id = network
    configs = wks.list_project_configs(ListProjectConfigsRequest()).items
    assert [(c.project_config_id, c.is_relevance) for c in configs] == [
        ("default_project_config", False), ("standby_project_config", False)]
    wks.create_cloud_storage(CreateCloudStorageRequest(body=CreateCloudStorageReq(project_config_cluster_group_id_list=[
        ProjectConfigClusterGroupIdEntity(project_config_id=c.project_config_id, cluster_group_id=c.cluster_group_id)
        for c in configs])))
    storages = wks.list_cloud_storage(ListCloudStorageRequest()).items
    cs, standby = storages[0].id, storages[1].id
    assert wks.show_project_config(ShowProjectConfigRequest(cloud_storage_id=cs)).project_config.is_relevance

    made = wks.create_user_folder_assignment(CreateUserFolderAssignmentRequest(storage_id=cs, body=CreateUserFolderReq(
        items=[CreateUserAssignmentInfo(attach_id="u-ann", attach_name="ann", file_system_quota=1 << 20,
                                        roam_action_get=True, roam_action_put=True),
               CreateUserAssignmentInfo(attach_id="u-bob", attach_name="bob", file_system_quota=1 << 20,
                                        roam_action_put=True)])))
    assert [(i.attach, i.is_success, i.folder_name) for i in made.items] == [
        ("ann", True, "u-ann"), ("bob", True, "u-bob")]
    ann_folder, bob_folder = made.items[0].id, made.items[1].id
    wks.update_cloud_user_folder_assignment(UpdateCloudUserFolderAssignmentRequest(
        storage_id=cs, cloud_assignment_id=bob_folder,
        body=UpdateUserFolderReq(update_user_assignment_info=UpdateUserAssignmentInfo(roam_action_get=True))))

    # Ann's session mounts her folder; she writes a report and her profile there.
    ag, app = group_with_app(wks, vpc_id, subnet_id, "sdk-cloud", "USER", ["ann"])
    status, launched = openwks_call(server.url, "POST", "/openwks/v1/{p}/app-launches",
                                    {"user_name": "ann", "app_group_id": ag, "app_id": app})
    assert status == 200, launched
    assert [m["storage_claim_id"] for m in launched["mounts"]] == [ann_folder]
    files = f"/openwks/v1/{{p}}/app-launches/{launched['session_id']}/files/{ann_folder}"
    # (No spaces in these paths: the suite's raw signed call encodes a query's space as '+'.)
    for path in ("Documents/q3.txt", "UserProfile/AppData/settings.ini"):
        status, body = openwks_call(server.url, "PUT", files + "?path=" + path, "content")
        assert status == 201, body

    # Ann shares the report; bob takes it; it is listed in bob's folder.
    shared = wks.transfer_file(TransferFileRequest(body=TransferFileReq(
        transfer_type=0, user_name="ann", file_url="Documents/q3.txt")))
    assert len(shared.file_acc_code) == 6
    pre = wks.transfer_file_pre(TransferFilePreRequest(body=TransferFilePreReq(
        user_name="bob", file_name="q3.txt", file_code=shared.file_code, file_acc_code=shared.file_acc_code,
        file_system_name=shared.file_system_name)))
    assert (pre.target_file_url, pre.folder_name) == ("q3.txt", "u-bob")
    with pytest.raises(ClientRequestException) as e:
        wks.transfer_file(TransferFileRequest(body=TransferFileReq(
            transfer_type=1, user_name="bob", file_code=shared.file_code, file_acc_code="WRONG1",
            file_system_name=shared.file_system_name)))
    assert e.value.status_code == 404
    wks.transfer_file(TransferFileRequest(body=TransferFileReq(
        transfer_type=1, user_name="bob", file_code=shared.file_code, file_acc_code=shared.file_acc_code,
        file_system_name=shared.file_system_name, target_file_url=pre.target_file_url)))
    listed = wks.list_folders_and_files(ListFoldersAndFilesRequest(user_name="bob", folder_url="/"))
    assert [(f.file_name, f.size, f.content_type) for f in listed.files] == [("q3.txt", len('"content"'), ".txt")]
    usage = wks.list_cloud_storage_assignment(ListCloudStorageAssignmentRequest(
        storage_id=cs, claim_mode="USER", attach_names=["bob"], capacity_filter="true"))
    assert (usage.count, usage.items[0].used_quota) == (1, len('"content"'))

    # Ann's profile is reset: emptied for real, her other files kept.
    wks.reset_user_profile(ResetUserProfileRequest(body=ResetUserProfileReq(cloud_storage_assignment_id=ann_folder)))
    profile = wks.list_folders_and_files(ListFoldersAndFilesRequest(user_name="ann", folder_url="UserProfile"))
    assert (profile.files, profile.folders) == ([], [])
    kept = wks.list_folders_and_files(ListFoldersAndFilesRequest(user_name="ann", folder_url="Documents"))
    assert [f.file_name for f in kept.files] == ["Documents/q3.txt"]

    # Bob's folder moves to the standby cluster group; then everything goes.
    moved = wks.change_cluster(ChangeClusterRequest(storage_id=cs, body=ChangeClusterReq(
        cloud_storage_assignment_ids=[bob_folder], target_cluster_group_id="standby_cluster_group",
        target_project_config_id="standby_project_config")))
    assert moved.items[0].attach_id == "u-bob"
    with pytest.raises(ClientRequestException) as e:
        wks.delete_cloud_storage(DeleteCloudStorageRequest(storage_id=cs))
    assert (e.value.status_code, e.value.error_code) == (400, "WKS.00211124")
    wks.delete_cloud_storage_attachment(DeleteCloudStorageAttachmentRequest(
        storage_id=cs, body=DeleteCloudStorageAttachmentReq(items=["u-ann"])))
    wks.delete_cloud_storage_attachment(DeleteCloudStorageAttachmentRequest(
        storage_id=standby, body=DeleteCloudStorageAttachmentReq(items=["u-bob"])))
    wks.delete_cloud_storage(DeleteCloudStorageRequest(storage_id=cs))
    wks.batch_delete_cloud_storage(BatchDeleteCloudStorageRequest(body=BatchDeleteCloudStorageReq(items=[standby])))
    assert wks.list_cloud_storage(ListCloudStorageRequest()).count == 0
