"""The 10 session operations through the official `huaweicloudsdkworkspaceapp`. Sessions are made
by the openwks launch route (signed with the SDK's signer: the SDK has no launch operation); the
administrator then watches and logs users off with the SDK."""


import pytest
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkworkspaceapp.v1 import (
    AccountInfo, AddAppGroupAuthorizationRequest, AppGroupAuthorizeReq, CreateAppGroupReq, CreateAppGroupRequest,
    CreateAppServerReq, CreateAppServersRequest, CreateServerGroupReq, CreateServerGroupRequest,
    ExportAppConnectionRequest, ExportSessionsReq, ExportSessionsRequest, ExportUserConnectionRequest,
    ListAppConnectionReq, ListAppConnectionRequest, ListServersRequest, ListSessionByUserNameRequest,
    ListSessionsRequest, ListSessionTypeRequest, ListUserConnectionReq, ListUserConnectionRequest,
    LogoffUserSessionReq, LogoffUserSessionRequest, PublishApp, PublishAppReq, PublishAppRequest,
    QuerySessionTypesReq, RoutePolicyDetail, ShowJobDetailRequest, ShowSessionTypesRequest, Volume,
)

from conftest import openwks_call, finish_due_jobs

BEGIN, END = "2000-01-01T00:00:00.000Z", "2100-01-01T00:00:00.000Z"


@pytest.fixture
def launched(wks, network, server):
    """A group of 2 servers x 2 sessions, three users launched; returns (sg, ag, app, sessions)."""
    vpc_id, subnet_id = network
    sg = wks.create_server_group(CreateServerGroupRequest(body=CreateServerGroupReq(
        name="sdk-sessions", image_id="6f4d1f2a-2019-4b6e-9c0d-000000000001", image_type="public", os_type="Windows",
        product_id="workspace.appstream.general.xlarge.2", vpc_id=vpc_id, subnet_id=subnet_id,
        system_disk_type="SAS", system_disk_size=80, route_policy=RoutePolicyDetail(max_session=2)))).id
    job = wks.create_app_servers(CreateAppServersRequest(body=CreateAppServerReq(
        type="createApps", server_group_id=sg, subscription_num=2, product_id="workspace.appstream.general.xlarge.2",
        root_volume=Volume(type="SAS", size=80), vpc_id=vpc_id, subnet_id=subnet_id))).job_id
    finish_due_jobs(wks)
    assert wks.show_job_detail(ShowJobDetailRequest(job_id=job)).status == "SUCCESS"
    ag = wks.create_app_group(CreateAppGroupRequest(body=CreateAppGroupReq(name="sdk-sessions", app_server_group_id=sg))).id
    app = wks.publish_app(PublishAppRequest(app_group_id=ag, body=PublishAppReq(items=[
        PublishApp(name="Notepad", execute_path="C:\\\\notepad.exe", source_type=1)]))).items[0].id
    wks.add_app_group_authorization(AddAppGroupAuthorizationRequest(body=AppGroupAuthorizeReq(
        app_group_ids=[ag], accounts=[AccountInfo(account=u, account_type="USER") for u in ("ann", "ben", "cat")])))
    sessions = {}
    for u in ("ann", "ben", "cat"):
        status, body = openwks_call(server.url, "POST", "/openwks/v1/{p}/app-launches",
                                    {"user_name": u, "app_group_id": ag, "app_id": app, "client_ip": "198.51.100.4"})
        assert status == 200, body
        sessions[u] = body["session_id"]
    status, body = openwks_call(server.url, "POST", "/openwks/v1/{p}/app-launches",
                                {"user_name": "eve", "app_group_id": ag, "app_id": app})
    assert (status, body["error_code"]) == (403, "WKS.00131112")
    return sg, ag, app, sessions


def test_list_sessions_with_filters_and_the_time_window(wks, launched):
    sg, _, _, sessions = launched
    r = wks.list_sessions(ListSessionsRequest(query_begin_time=BEGIN, query_end_time=END, limit=100))
    assert r.count == 3
    s = next(i for i in r.items if i.login_user == "ann")
    assert s.id == sessions["ann"] and s.session_state == "Active" and s.app_server_group_id == sg
    assert s.app_name == "Notepad" and s.vm_ip and s.machine_name and s.primary_server_group_id == sg
    assert s.start_time is not None and s.end_time is None
    assert wks.list_sessions(ListSessionsRequest(query_begin_time=BEGIN, query_end_time=END, user_name="ben")).count == 1
    assert wks.list_sessions(ListSessionsRequest(query_begin_time=BEGIN, query_end_time=END,
                                                 app_server_group_id=sg, session_state="Active,Disconnected")).count == 3
    assert wks.list_sessions(ListSessionsRequest(query_begin_time=BEGIN, query_end_time=END, is_success="false")).count == 0
    assert wks.list_sessions(ListSessionsRequest(query_begin_time=BEGIN, query_end_time="2000-01-02T00:00:00.000Z")).count == 0
    with pytest.raises(ClientRequestException) as e:
        wks.list_sessions(ListSessionsRequest())
    assert (e.value.status_code, e.value.error_code) == (400, "WKS.00211104")
    with pytest.raises(ClientRequestException) as e:
        wks.list_sessions(ListSessionsRequest(query_begin_time=BEGIN, query_end_time=END, session_state="Asleep"))
    assert e.value.status_code == 400
    # The servers count their sessions (breadth-first: 2 and 1).
    counts = sorted(s.session_count for s in wks.list_servers(ListServersRequest(server_group_id=sg)).items)
    assert counts == [1, 2]


def test_sessions_by_user_connections_and_exports(wks, launched):
    _, ag, _, sessions = launched
    mine = wks.list_session_by_user_name(ListSessionByUserNameRequest(user_name="cat")).session_info_list
    assert [s.id for s in mine] == [sessions["cat"]] and mine[0].app_group_id == ag
    apps = wks.list_app_connection(ListAppConnectionRequest(body=ListAppConnectionReq(app_group_id=ag), limit=100))
    assert apps.count == 3 and {a.user_name for a in apps.items} == {"ann", "ben", "cat"}
    assert apps.items[0].app_name == "Notepad" and apps.items[0].brokering_time
    assert wks.list_app_connection(ListAppConnectionRequest(body=ListAppConnectionReq(user_name="ann"))).count == 1
    logins = wks.list_user_connection(ListUserConnectionRequest(body=ListUserConnectionReq(user_name="ben")))
    assert logins.count == 1 and logins.items[0].id == sessions["ben"]
    for task in (
        wks.export_sessions(ExportSessionsRequest(body=ExportSessionsReq(user_name="ann"))).task_id,
        wks.export_app_connection(ExportAppConnectionRequest(body=ListAppConnectionReq(user_name="ann"))).task_id,
        wks.export_user_connection(ExportUserConnectionRequest(body=ListUserConnectionReq(user_name="ann"))).task_id,
    ):
        assert task
    with pytest.raises(ClientRequestException) as e:
        wks.export_sessions(ExportSessionsRequest(body=ExportSessionsReq(query_begin_time=BEGIN)))
    assert e.value.status_code == 400


def test_session_types(wks):
    types = wks.list_session_type(ListSessionTypeRequest()).session_types
    assert {t.session_type for t in types} == {"GPU", "CPU"}
    gpu = wks.show_session_types(ShowSessionTypesRequest(body=QuerySessionTypesReq(session_type="GPU"))).session_types
    assert len(gpu) == 1 and gpu[0].resource_spec_code == "workspace.appstreamsession.premium"


def test_logoff_frees_the_slot(wks, launched, server):
    _, ag, app, sessions = launched
    with pytest.raises(ClientRequestException) as e:
        wks.logoff_user_session(LogoffUserSessionRequest(body=LogoffUserSessionReq(
            session_ids=[sessions["ann"], "nope"], delay_time=0, message_type=0)))
    assert (e.value.status_code, e.value.error_code) == (404, "WKS.00211902")
    # Full (3 of 4 slots, then dan takes the last); a fifth user is refused.
    status, _ = openwks_call(server.url, "POST", "/openwks/v1/{p}/app-launches", {"user_name": "ann", "app_group_id": ag, "app_id": app})
    assert status == 200
    wks.add_app_group_authorization(AddAppGroupAuthorizationRequest(body=AppGroupAuthorizeReq(
        app_group_ids=[ag], accounts=[AccountInfo(account=u, account_type="USER") for u in ("dan", "fay")])))
    assert openwks_call(server.url, "POST", "/openwks/v1/{p}/app-launches", {"user_name": "dan", "app_group_id": ag, "app_id": app})[0] == 200
    status, body = openwks_call(server.url, "POST", "/openwks/v1/{p}/app-launches", {"user_name": "fay", "app_group_id": ag, "app_id": app})
    assert (status, body["error_code"]) == (503, "WKS.00131114")
    wks.logoff_user_session(LogoffUserSessionRequest(body=LogoffUserSessionReq(
        session_ids=[sessions["ann"]], delay_time=0, message_type=1, message="maintenance", title="Bye")))
    left = wks.list_sessions(ListSessionsRequest(query_begin_time=BEGIN, query_end_time=END, user_name="ann")).items
    assert left[0].session_state == "SignedOut" and left[0].end_time is not None
    assert openwks_call(server.url, "POST", "/openwks/v1/{p}/app-launches", {"user_name": "fay", "app_group_id": ag, "app_id": app})[0] == 200
