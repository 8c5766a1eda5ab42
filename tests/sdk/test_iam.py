"""IAM users through the official SDK: an IAM user's own AK/SK in the SDK's BasicCredentials,
scoped by identity policies on resource tags and enterprise projects (docs/authorization.md).
Users, keys and policies are made by the administrator through the openwks IAM routes."""

import pytest
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkworkspaceapp.v1 import (
    CreateServerGroupReq, CreateServerGroupRequest, ListServerGroupsRequest, ShowServerGroupRequest, TmsTag,
    UpdateServerGroupReq, UpdateServerGroupRequest,
)

from conftest import credentials, openwks_call, wks_client


def iam_user(server, name, statements):
    status, user = openwks_call(server.url, "POST", "/openwks/v1/iam/users", {"name": name})
    assert status == 201, user
    status, key = openwks_call(server.url, "POST", "/openwks/v1/iam/users/%s/access-keys" % user["id"], {})
    assert status == 201, key
    status, pol = openwks_call(server.url, "POST", "/openwks/v1/iam/policies",
                               {"name": name + "-policy", "document": {"Version": "5.0", "Statement": statements}})
    assert status == 201, pol
    status, _ = openwks_call(server.url, "PUT", "/openwks/v1/iam/users/%s/policies/%s" % (user["id"], pol["id"]), {})
    assert status == 204
    return wks_client(server.url, credentials(key["access_key"], key["secret_key"]))


@pytest.fixture
def groups(wks, network):
    vpc_id, subnet_id = network
    made = {}
    for name, team, ep in (("sdk-iam-cad", "cad", "6d3f2a1b-0c4e-4b5a-9f87-1e2d3c4b5a62"), ("sdk-iam-ops", "ops", "0")):
        made[team] = wks.create_server_group(CreateServerGroupRequest(body=CreateServerGroupReq(
            name=name, image_id="6f4d1f2a-2019-4b6e-9c0d-000000000001", image_type="public", os_type="Windows",
            product_id="workspace.appstream.general.xlarge.2", vpc_id=vpc_id, subnet_id=subnet_id,
            system_disk_type="SAS", system_disk_size=80, enterprise_project_id=ep,
            tags=[TmsTag(key="team", value=team)]))).id
    return made


def test_a_tag_scoped_user_sees_and_changes_only_its_groups(server, groups):
    cad = iam_user(server, "sdk-cad", [
        {"Effect": "Allow", "Action": ["workspace:serverGroup:get", "workspace:serverGroup:update"],
         "Resource": ["workspace:*:*:serverGroup:*"], "Condition": {"StringEquals": {"g:ResourceTag/team": ["cad"]}}},
        {"Effect": "Allow", "Action": ["workspace:serverGroup:list", "ims:images:list"]},
    ])
    listed = cad.list_server_groups(ListServerGroupsRequest())
    assert [g.id for g in listed.items] == [groups["cad"]] and listed.count == 1
    assert cad.show_server_group(ShowServerGroupRequest(server_group_id=groups["cad"])).name == "sdk-iam-cad"
    cad.update_server_group(UpdateServerGroupRequest(server_group_id=groups["cad"],
                                                     body=UpdateServerGroupReq(description="by sdk-cad")))
    with pytest.raises(ClientRequestException) as e:
        cad.show_server_group(ShowServerGroupRequest(server_group_id=groups["ops"]))
    assert (e.value.status_code, e.value.error_code) == (403, "WKS.00081104")
    assert "workspace:serverGroup:get" in e.value.error_msg
    with pytest.raises(ClientRequestException) as e:
        cad.update_server_group(UpdateServerGroupRequest(server_group_id=groups["ops"],
                                                         body=UpdateServerGroupReq(description="no")))
    assert e.value.status_code == 403


def test_an_enterprise_project_scoped_user_and_an_explicit_deny(server, groups):
    ep = iam_user(server, "sdk-ep", [
        {"Effect": "Allow", "Action": ["workspace:serverGroup:*"],
         "Condition": {"StringEquals": {"g:EnterpriseProjectId": ["6d3f2a1b-0c4e-4b5a-9f87-1e2d3c4b5a62"]}}},
        {"Effect": "Allow", "Action": ["workspace:serverGroup:list"]},
        {"Effect": "Deny", "Action": ["workspace:serverGroup:delete"]},
    ])
    assert [g.id for g in ep.list_server_groups(ListServerGroupsRequest()).items] == [groups["cad"]]
    with pytest.raises(ClientRequestException) as e:
        ep.show_server_group(ShowServerGroupRequest(server_group_id=groups["ops"]))
    assert e.value.status_code == 403
    status, body = openwks_call(server.url, "GET", "/openwks/v1/audit-events?user=sdk-ep&result=denied")
    assert status == 200 and body["count"] == 1 and body["items"][0]["action"] == "workspace:serverGroup:get"


def test_temporary_keys_with_the_sdks_security_token(server, groups):
    status, body = openwks_call(server.url, "POST", "/v3.0/OS-CREDENTIAL/securitytokens",
                                {"auth": {"identity": {"methods": ["token"], "token": {"duration_seconds": 900}}}})
    assert status == 201, body
    c = body["credential"]
    creds = credentials(c["access"], c["secret"]).with_security_token(c["securitytoken"])
    temp = wks_client(server.url, creds)
    assert temp.list_server_groups(ListServerGroupsRequest()).count >= 2
    wrong = wks_client(server.url, credentials(c["access"], c["secret"]).with_security_token(c["securitytoken"] + "x"))
    with pytest.raises(ClientRequestException) as e:
        wrong.list_server_groups(ListServerGroupsRequest())
    assert e.value.status_code == 401
