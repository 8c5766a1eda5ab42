"""Authentication and persistence as an SDK user sees them: wrong keys are refused, the
region mode resolves the project through /v3/projects, tokens work, state survives restarts."""

import json
import tempfile
import urllib.request

import pytest
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkworkspaceapp.v1 import (
    CreateServerGroupReq, CreateServerGroupRequest, ListServerGroupsRequest, ShowServerGroupRequest,
    WorkspaceAppClient,
)
from huaweicloudsdkworkspaceapp.v1.region.workspaceapp_region import WorkspaceAppRegion
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkvpc.v2 import ListSubnetsRequest

from conftest import ADMIN_PASSWORD, AK, PROJECT_ID, SK, Server, credentials, vpc_client, wks_client


def test_wrong_secret_key_is_401(server):
    bad = wks_client(server.url, credentials(sk="not-the-secret"))
    with pytest.raises(ClientRequestException) as e:
        bad.list_server_groups(ListServerGroupsRequest())
    assert (e.value.status_code, e.value.error_code) == (401, "APIGW.0301")
    assert e.value.request_id


def test_unknown_access_key_is_401(server):
    bad = wks_client(server.url, credentials(ak="AKUNKNOWN0000000000"))
    with pytest.raises(ClientRequestException) as e:
        bad.list_server_groups(ListServerGroupsRequest())
    assert (e.value.status_code, e.value.error_code) == (401, "APIGW.0301")


def test_sdk_without_project_id_uses_the_default_project(server):
    c = wks_client(server.url, BasicCredentials(AK, SK))
    assert c.list_server_groups(ListServerGroupsRequest()).status_code == 200


def test_region_mode_resolves_the_project_through_v3_projects(server, monkeypatch):
    monkeypatch.setenv("HUAWEICLOUD_SDK_REGION_WORKSPACEAPP_CN_NORTH_4", server.url)
    creds = BasicCredentials(AK, SK).with_iam_endpoint(server.url)
    c = WorkspaceAppClient.new_builder().with_credentials(creds).with_region(WorkspaceAppRegion.value_of("cn-north-4")).build()
    assert c.list_server_groups(ListServerGroupsRequest()).status_code == 200
    assert creds.project_id == PROJECT_ID


def test_token_from_v3_auth_tokens_is_accepted(server, wks):
    req = urllib.request.Request(server.url + "/v3/auth/tokens", method="POST", data=json.dumps({"auth": {
        "identity": {"methods": ["password"], "password": {"user": {"name": "admin", "password": ADMIN_PASSWORD, "domain": {"name": "openwks"}}}},
        "scope": {"project": {"name": "cn-north-4"}}}}).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req) as r:
        assert r.status == 201
        token = r.headers["X-Subject-Token"]
    # The SDK has no token credential; its documented workaround adds the header to a signed call.
    resp = wks.list_server_groups_invoker(ListServerGroupsRequest()).add_header("X-Auth-Token", token).invoke()
    assert resp.status_code == 200
    # An unsigned request with only the token works too.
    plain = urllib.request.Request(server.url + "/v1/%s/app-server-groups" % PROJECT_ID, headers={"X-Auth-Token": token})
    with urllib.request.urlopen(plain) as r:
        assert r.status == 200


def test_state_survives_restart_and_kill():
    with tempfile.TemporaryDirectory() as d:
        s = Server(d)
        try:
            sn = vpc_client(s.url).list_subnets(ListSubnetsRequest()).subnets[0]
            g = wks_client(s.url).create_server_group(CreateServerGroupRequest(body=CreateServerGroupReq(
                name="persisted", image_id="6f4d1f2a-2019-4b6e-9c0d-000000000001", image_type="public", os_type="Windows",
                product_id="workspace.appstream.general.xlarge.2", vpc_id=sn.vpc_id, subnet_id=sn.id,
                system_disk_type="SAS", system_disk_size=80)))
        finally:
            s.stop(kill=True)
        s2 = Server(d)
        try:
            shown = wks_client(s2.url).show_server_group(ShowServerGroupRequest(server_group_id=g.id))
            assert shown.name == "persisted" and shown.create_time == g.create_time
        finally:
            s2.stop()
