"""The 6 authorization and mail operations through the official `huaweicloudsdkworkspaceapp`, and
the openwks user directory they rely on."""

import pytest
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkworkspaceapp.v1 import (
    AccountInfo, AddAppGroupAuthorizationRequest, AppGroupAuthorizeReq, BatchDeleteAppGroupAuthorizationRequest,
    CreateAppGroupReq, CreateAppGroupRequest, DeleteAppGroupRequest, ListAppGroupAuthorizationRequest,
    ListAuthorizationMailRecordRequest, ResendAuthorizationMailReq, ResendAuthorizedMailReq,
    SendAuthorizationMailRequest, SendAuthorizedMailRequest, AuthorizationMail,
)


def test_authorize_list_deauthorize(wks):
    ag = wks.create_app_group(CreateAppGroupRequest(body=CreateAppGroupReq(name="sdk-authz")))
    body = AppGroupAuthorizeReq(app_group_ids=[ag.id], accounts=[
        AccountInfo(account="sdk-alice", account_type="USER", email="alice@example.com", platform_type="LOCAL"),
        AccountInfo(account="sdk-bob", account_type="USER")])
    assert wks.add_app_group_authorization(AddAppGroupAuthorizationRequest(body=body)).status_code == 200
    assert wks.add_app_group_authorization(AddAppGroupAuthorizationRequest(body=body)).status_code == 200
    listed = wks.list_app_group_authorization(ListAppGroupAuthorizationRequest(app_group_id=ag.id))
    assert listed.count == 2
    a = next(x for x in listed.authorizations if x.account == "sdk-alice")
    assert a.app_group_name == "sdk-authz" and a.account_type == "USER" and a.platform_type == "LOCAL"
    assert a.authorization_type == "APP_GROUP" and a.create_at is not None
    r = wks.batch_delete_app_group_authorization(BatchDeleteAppGroupAuthorizationRequest(body=AppGroupAuthorizeReq(
        app_group_ids=[ag.id], accounts=[AccountInfo(account="sdk-bob", account_type="USER")])))
    assert r.status_code == 200
    assert wks.list_app_group_authorization(ListAppGroupAuthorizationRequest(app_group_id=ag.id)).count == 1
    with pytest.raises(ClientRequestException) as e:
        wks.add_app_group_authorization(AddAppGroupAuthorizationRequest(body=AppGroupAuthorizeReq(
            app_group_ids=["404404"], accounts=[AccountInfo(account="x", account_type="USER")])))
    assert (e.value.status_code, e.value.error_code) == (404, "WKS.00211902")
    with pytest.raises(ClientRequestException) as e:
        wks.add_app_group_authorization(AddAppGroupAuthorizationRequest(body=AppGroupAuthorizeReq(
            app_group_ids=[ag.id], accounts=[AccountInfo(account="x", account_type="ROLE")])))
    assert (e.value.status_code, e.value.error_code) == (400, "WKS.00211106")
    wks.delete_app_group(DeleteAppGroupRequest(app_group_id=ag.id))
    assert wks.list_app_group_authorization(ListAppGroupAuthorizationRequest(app_group_id=ag.id)).count == 0


def test_mail_records_and_resends(wks):
    ag = wks.create_app_group(CreateAppGroupRequest(body=CreateAppGroupReq(name="sdk-mails")))
    wks.add_app_group_authorization(AddAppGroupAuthorizationRequest(body=AppGroupAuthorizeReq(
        app_group_ids=[ag.id], accounts=[AccountInfo(account="sdk-mail-user", account_type="USER", email="m@example.com")])))
    recs = wks.list_authorization_mail_record(ListAuthorizationMailRecordRequest(app_group_id=ag.id))
    assert recs.count == 1 and recs.records[0].mail_send_result == "SUCCESS"
    assert recs.records[0].send_at is not None
    r = wks.send_authorization_mail(SendAuthorizationMailRequest(body=ResendAuthorizationMailReq(
        records=[AuthorizationMail(id=recs.records[0].id)])))
    assert r.status_code == 200
    auth = wks.list_app_group_authorization(ListAppGroupAuthorizationRequest(app_group_id=ag.id)).authorizations[0]
    assert wks.send_authorized_mail(SendAuthorizedMailRequest(body=ResendAuthorizedMailReq(records=[auth.id]))).status_code == 200
    assert wks.list_authorization_mail_record(ListAuthorizationMailRecordRequest(app_group_id=ag.id)).count == 3


def test_an_unknown_local_user_group_cannot_be_authorized(wks):
    """The directory itself is an openwks extension (HTTP tests cover it); through the SDK, a
    LOCAL user group that does not exist there is refused."""
    ag = wks.create_app_group(CreateAppGroupRequest(body=CreateAppGroupReq(name="sdk-dir")))
    # Unknown LOCAL user group: refused until it exists in the directory.
    with pytest.raises(ClientRequestException) as e:
        wks.add_app_group_authorization(AddAppGroupAuthorizationRequest(body=AppGroupAuthorizeReq(
            app_group_ids=[ag.id], accounts=[AccountInfo(account="sdk-team", account_type="USER_GROUP")])))
    assert e.value.status_code == 400
