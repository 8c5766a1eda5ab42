"""What real clients found (issue 15), through the official SDKs: v1 job states, app-type rules on
update, standby storage policy, partial IP match, ECS list offset 0 and CJK names, image switches,
the vendor's definition bounds, task_status. One test per finding; the HTTP side is
crates/openwks-server/tests/it/client_findings.rs."""

import itertools

import pytest
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkecs.v2 import (
    CreateServerGroupOption, CreateServerGroupRequest as EcsCreateServerGroupRequest,
    CreateServerGroupRequestBody, DeleteServerGroupRequest as EcsDeleteServerGroupRequest, ListServersDetailsRequest,
)
from huaweicloudsdkworkspaceapp.v1 import (
    CreateAppGroupReq, CreateAppGroupRequest, CreateAppServerReq, CreateAppServersRequest, CreateServerGroupReq,
    CreateServerGroupRequest, ListServersRequest, RoutePolicy, ShowJobDetailRequest, ShowJobRequest,
    ShowServerGroupRequest, ShowServerRequest, UpdateServerGroupReq, UpdateServerGroupRequest, Volume,
)

WIN2019 = "6f4d1f2a-2019-4b6e-9c0d-000000000001"
WIN2022 = "6f4d1f2a-2022-4b6e-9c0d-000000000002"
GOLD = "0fd6c925-6349-49d6-8788-48263b129854"
PRODUCT = "workspace.appstream.general.xlarge.2"
_names = itertools.count()

from conftest import finish_due_jobs


def group(wks, network, **kw):
    vpc_id, subnet_id = network
    args = dict(name="sdk-cf-%d" % next(_names), image_id=WIN2019, image_type="public", os_type="Windows",
                product_id=PRODUCT, vpc_id=vpc_id, subnet_id=subnet_id, system_disk_type="SAS", system_disk_size=80)
    args.update(kw)
    return wks.create_server_group(CreateServerGroupRequest(body=CreateServerGroupReq(**args)))


def refused(fn):
    with pytest.raises(ClientRequestException) as e:
        fn()
    return e.value.status_code, e.value.error_code


def servers(wks, network, sg, n):
    vpc_id, subnet_id = network
    r = wks.create_app_servers(CreateAppServersRequest(body=CreateAppServerReq(
        type="createApps", server_group_id=sg, subscription_num=n, product_id=PRODUCT,
        root_volume=Volume(type="SAS", size=80), vpc_id=vpc_id, subnet_id=subnet_id)))
    finish_due_jobs(wks)
    j = wks.show_job_detail(ShowJobDetailRequest(job_id=r.job_id))
    assert j.status != "RUNNING", j
    return r.job_id, [s.job_resource_info.resource_id for s in j.sub_jobs]


def test_v1_show_job_speaks_job_detail(wks, network):
    sg = group(wks, network)
    job_id, ids = servers(wks, network, sg.id, 1)
    job = wks.show_job(ShowJobRequest(job_id=job_id)).job
    # JobDetail: job_type is the fixed 1; job_status 0 failed, 1 success, 2 processing.
    assert (job.job_type, job.job_status) == (1, 1)
    assert job.end_time
    sub = job.sub_jobs[0]
    assert (sub.job_type, sub.job_status) == (2, 1)
    assert sub.entities[0].resource_id == ids[0]
    shown = wks.show_server(ShowServerRequest(server_id=ids[0]))
    assert sub.entities[0].resource_name == shown.name
    # The server's last job, in the vendor's enums; an idle server's task_status is "null".
    assert (shown.job_id, shown.job_type, shown.job_status) == (job_id, "CREATE_SERVER", "SUCCESS")
    assert shown.job_time and shown.task_status == "null"
    # What a real registered server has, from the simulation.
    assert shown.sid.startswith("S-1-5-21-") and shown.domain and "Windows" in shown.os_version


def test_updating_app_type_keeps_the_app_group_rules(wks, network):
    sg = group(wks, network)
    wks.create_app_group(CreateAppGroupRequest(body=CreateAppGroupReq(name="sdk-cf-ag1", app_server_group_id=sg.id)))
    assert refused(lambda: wks.update_server_group(UpdateServerGroupRequest(
        server_group_id=sg.id, body=UpdateServerGroupReq(app_type="SESSION_DESKTOP_APP")))) == (400, "WKS.00131108")
    wks.create_app_group(CreateAppGroupRequest(body=CreateAppGroupReq(name="sdk-cf-ag2", app_server_group_id=sg.id)))
    assert refused(lambda: wks.update_server_group(UpdateServerGroupRequest(
        server_group_id=sg.id, body=UpdateServerGroupReq(app_type="SESSION_DESKTOP_APP")))) == (400, "WKS.00131105")
    assert wks.show_server_group(ShowServerGroupRequest(server_group_id=sg.id)).app_type == "COMMON_APP"


def test_a_standby_without_storage_mount_policy_inherits_it(wks, network):
    # The SDK's CreateServerGroupReq has no storage_mount_policy: the primary gets it as the
    # Terraform provider sets it, with an update after the create.
    primary = group(wks, network)
    wks.update_server_group(UpdateServerGroupRequest(server_group_id=primary.id,
                                                     body=UpdateServerGroupReq(storage_mount_policy="USER")))
    standby = group(wks, network, primary_server_group_id=primary.id)
    assert standby.storage_mount_policy == "USER"
    assert wks.show_server_group(ShowServerGroupRequest(server_group_id=standby.id)).storage_mount_policy == "USER"


def test_maintenance_keeps_the_server_registered_and_ip_matches_partly(wks, network):
    from huaweicloudsdkworkspaceapp.v1 import BatchChangeMaintainServerReq, BatchChangeServerMaintainModeRequest
    sg = group(wks, network)
    _, ids = servers(wks, network, sg.id, 2)
    wks.batch_change_server_maintain_mode(BatchChangeServerMaintainModeRequest(
        body=BatchChangeMaintainServerReq(items=[ids[0]], maintain_status=True)))
    shown = wks.show_server(ShowServerRequest(server_id=ids[0]))
    assert (shown.status, shown.maintain_status) == ("REGISTERED", True)
    ip = shown.host_address[0].addr
    prefix = ip.rsplit(".", 1)[0] + "."
    assert wks.list_servers(ListServersRequest(server_group_id=sg.id, ip_addr=prefix)).count == 2
    assert wks.list_servers(ListServersRequest(server_group_id=sg.id, ip_addr=ip)).count == 1


def test_ecs_offset_zero_and_names_of_255_characters(ecs):
    assert ecs.list_servers_details(ListServersDetailsRequest(offset=0, limit=10)).count is not None
    g = ecs.create_server_group(EcsCreateServerGroupRequest(body=CreateServerGroupRequestBody(
        server_group=CreateServerGroupOption(name="组" * 86, policies=["anti-affinity"])))).server_group
    assert g.name == "组" * 86
    ecs.delete_server_group(EcsDeleteServerGroupRequest(server_group_id=g.id))


def test_a_public_image_drops_the_marketplace_product(wks, network):
    sg = group(wks, network, image_id=GOLD, image_type="gold", image_product_id="00301-2019002-0--0",
               system_disk_size=100)
    # The SDK's create response has no image_product_id; its show response has.
    assert wks.show_server_group(ShowServerGroupRequest(server_group_id=sg.id)).image_product_id == "00301-2019002-0--0"
    wks.update_server_group(UpdateServerGroupRequest(server_group_id=sg.id, body=UpdateServerGroupReq(
        image_id=WIN2022, image_type="public")))
    assert wks.show_server_group(ShowServerGroupRequest(server_group_id=sg.id)).image_product_id in ("", None)


def test_the_vendors_definitions_bound_what_the_seed_leaves_open(wks, network):
    assert refused(lambda: group(wks, network, extra_session_size=0)) == (400, "WKS.00211107")
    assert refused(lambda: group(wks, network, os_type="Linux")) == (400, "WKS.00211106")
    assert refused(lambda: group(wks, network, enterprise_project_id="abc")) == (400, "WKS.00211102")
    paid = group(wks, network, extra_session_type="CPU", extra_session_size=80)
    assert paid.extra_session_size == 80
    assert refused(lambda: wks.update_server_group(UpdateServerGroupRequest(
        server_group_id=paid.id, body=UpdateServerGroupReq(route_policy=RoutePolicy(max_session=101))))) \
        == (400, "WKS.00211107")
