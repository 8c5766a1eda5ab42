"""Hotspot session migration through the official `huaweicloudsdkworkspaceapp` (issue #18): the
five configuration operations, then a server left hot by a lowered `max_session` sheds a
session to a new server at the controller's next round (run by hand here)."""

import pytest
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkworkspaceapp.v1 import (
    CreateAppServerReq, CreateAppServersRequest, CreateHotspotSessionConfigReq, CreateHotspotSessionConfigRequest,
    ListHotspotSessionConfigRequest, ListNonMigrationUsersRequest, ListServersRequest, RoutePolicyDetail,
    UpdateHotspotSessionConfigReq, UpdateHotspotSessionConfigRequest, UpdateNonMigrationUsersReq,
    UpdateNonMigrationUsersRequest, UpdateServerGroupReq, UpdateServerGroupRequest, UserInfo, Volume,
)

from conftest import finish_due_jobs, openwks_call
from test_sessions import launched  # noqa: F401  (the fixture: 2 servers, ann and cat on one, ben on the other)


def test_configuration_and_a_migration(wks, network, server, launched):  # noqa: F811
    sg, _ag, _app, _sessions = launched
    vpc_id, subnet_id = network

    c = wks.create_hotspot_session_config(CreateHotspotSessionConfigRequest(body=CreateHotspotSessionConfigReq(
        hotspot_exit_session_num=3, hotspot_session_migration_enable=False,
        non_migrate_users=[UserInfo(user_id="id-ben", user_name="ben")])))
    assert c.id and c.hotspot_exit_session_num == 3
    with pytest.raises(ClientRequestException) as e:
        wks.create_hotspot_session_config(CreateHotspotSessionConfigRequest(body=CreateHotspotSessionConfigReq(
            hotspot_exit_session_num=1, hotspot_session_migration_enable=True)))
    assert (e.value.status_code, e.value.error_code) == (409, "WKS.00211103")
    items = wks.list_hotspot_session_config(ListHotspotSessionConfigRequest()).items
    assert [(i.id, i.hotspot_session_migration_enable) for i in items] == [(c.id, False)]
    wks.update_non_migration_users(UpdateNonMigrationUsersRequest(config_id=c.id, body=UpdateNonMigrationUsersReq(
        update_type="ADD", non_migrate_users=[UserInfo(user_id="id-dan", user_name="dan")])))
    users = wks.list_non_migration_users(ListNonMigrationUsersRequest(config_id=c.id))
    assert users.total_count == 2
    assert [u.user_name for u in wks.list_non_migration_users(
        ListNonMigrationUsersRequest(config_id=c.id, user_name="da")).non_migrate_users] == ["dan"]
    u = wks.update_hotspot_session_config(UpdateHotspotSessionConfigRequest(
        config_id=c.id, body=UpdateHotspotSessionConfigReq(hotspot_session_migration_enable=True)))
    assert u.hotspot_session_migration_enable is True

    # A third server, then one session a server: the server with two is hot and sheds its newest.
    wks.create_app_servers(CreateAppServersRequest(body=CreateAppServerReq(
        type="createApps", server_group_id=sg, subscription_num=1, product_id="workspace.appstream.general.xlarge.2",
        root_volume=Volume(type="SAS", size=80), vpc_id=vpc_id, subnet_id=subnet_id)))
    finish_due_jobs(wks)
    wks.update_server_group(UpdateServerGroupRequest(server_group_id=sg, body=UpdateServerGroupReq(
        route_policy=RoutePolicyDetail(max_session=1))))
    status, body = openwks_call(server.url, "POST", "/openwks/v1/_admin/scaling/round", {})
    assert status == 200, body
    counts = sorted(s.session_count for s in wks.list_servers(ListServersRequest(server_group_id=sg)).items)
    assert counts == [1, 1, 1], counts
