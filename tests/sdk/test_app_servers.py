"""App servers and WKS jobs through the official `huaweicloudsdkworkspaceapp`: the job is RUNNING
at once, then SUCCESS, and names each server at sub_jobs[i].job_resource_info.resource_id (what
the vendor's Terraform provider reads); the servers of a server group spread over hosts."""

import time

import pytest
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkworkspaceapp.v1 import (
    BatchChangeMaintainServerReq, BatchChangeServerMaintainModeRequest, BatchRebootServerRequest, BatchStartServerReq,
    BatchStartServerRequest, BatchStopServerRequest, ServerHaltReq,
    BatchDeleteServerReq, BatchDeleteServerRequest, CreateAppServerReq, CreateAppServersRequest, CreateServerGroupReq,
    CreateServerGroupRequest, DeleteServerGroupsRequest, DeleteServerRequest, ListServersRequest, ShowJobDetailRequest,
    ShowJobRequest, ShowServerGroupRequest, ShowServerGroupStateRequest, ShowServerRequest, UpdateServerReq,
    UpdateServerRequest, Volume,
)

from conftest import finish_due_jobs


def wait(wks, job_id):
    """The job, finished: the due jobs are run by the server at once (no polling)."""
    finish_due_jobs(wks)
    j = wks.show_job_detail(ShowJobDetailRequest(job_id=job_id))
    assert j.status != "RUNNING", j
    return j


def test_app_server_life_cycle(wks, network):
    vpc_id, subnet_id = network
    sg = wks.create_server_group(CreateServerGroupRequest(body=CreateServerGroupReq(
        name="sdk-app-servers", image_id="6f4d1f2a-2019-4b6e-9c0d-000000000001", image_type="public", os_type="Windows",
        product_id="workspace.appstream.general.xlarge.2", vpc_id=vpc_id, subnet_id=subnet_id,
        system_disk_type="SAS", system_disk_size=80)))
    r = wks.create_app_servers(CreateAppServersRequest(body=CreateAppServerReq(
        type="createApps", server_group_id=sg.id, subscription_num=2, product_id="workspace.appstream.general.xlarge.2",
        root_volume=Volume(type="SAS", size=80), vpc_id=vpc_id, subnet_id=subnet_id)))
    assert r.job_id
    job = wait(wks, r.job_id)
    assert job.status == "SUCCESS" and job.job_type == "CREATE_SERVER" and job.sub_jobs_total == 2
    ids = [s.job_resource_info.resource_id for s in job.sub_jobs]
    assert wks.show_job(ShowJobRequest(job_id=r.job_id)).job is not None
    hosts = {wks.show_server(ShowServerRequest(server_id=i)).host_id for i in ids}
    assert len(hosts) == 2
    shown = wks.show_server(ShowServerRequest(server_id=ids[0]))
    assert shown.status == "REGISTERED" and shown.vm_status == "ACTIVE" and shown.server_group_name == "sdk-app-servers"
    assert wks.list_servers(ListServersRequest(server_group_id=sg.id)).count == 2
    assert wks.show_server_group(ShowServerGroupRequest(server_group_id=sg.id)).app_server_count == 2
    wks.batch_stop_server(BatchStopServerRequest(body=ServerHaltReq(items=ids, type="SOFT")))
    finish_due_jobs(wks)
    assert wks.show_server_group_state(ShowServerGroupStateRequest(server_group_id=sg.id)).aps_status["STOPPED"] == 2
    wks.batch_start_server(BatchStartServerRequest(body=BatchStartServerReq(items=ids)))
    finish_due_jobs(wks)
    assert wks.show_server_group_state(ShowServerGroupStateRequest(server_group_id=sg.id)).aps_status["REGISTERED"] == 2
    wks.batch_reboot_server(BatchRebootServerRequest(body=ServerHaltReq(items=[ids[1]], type="HARD")))
    wks.batch_change_server_maintain_mode(BatchChangeServerMaintainModeRequest(body=BatchChangeMaintainServerReq(items=[ids[1]], maintain_status=True)))
    wks.update_server(UpdateServerRequest(server_id=ids[1], body=UpdateServerReq(maintain_status=False)))
    wks.update_server(UpdateServerRequest(server_id=ids[0], body=UpdateServerReq(maintain_status=True)))
    # Maintenance is maintain_status; the server stays REGISTERED (what the provider waits for).
    assert wks.show_server_group_state(ShowServerGroupStateRequest(server_group_id=sg.id)).aps_status.get("MAINTAINING", 0) == 0
    maintained = wks.list_servers(ListServersRequest(server_group_id=sg.id, maintain_status=True)).items
    assert [(s.id, s.status, s.maintain_status) for s in maintained] == [(ids[0], "REGISTERED", True)]
    with pytest.raises(ClientRequestException) as e:
        wks.delete_server_groups(DeleteServerGroupsRequest(server_group_id=sg.id))
    assert (e.value.status_code, e.value.error_code) == (409, "WKS.00211122")
    d = wks.delete_server(DeleteServerRequest(server_id=ids[0]))
    assert wait(wks, d.job_id).status == "SUCCESS"
    b = wks.batch_delete_server(BatchDeleteServerRequest(body=BatchDeleteServerReq(items=[ids[1]])))
    assert wait(wks, b.job_id).status == "SUCCESS"
    assert wks.list_servers(ListServersRequest(server_group_id=sg.id)).count == 0
    assert wks.delete_server_groups(DeleteServerGroupsRequest(server_group_id=sg.id)).status_code == 200


def test_reinstall_change_image_migrate_vnc_and_sub_jobs(wks, network):
    from huaweicloudsdkworkspaceapp.v1 import (
        BatchDeleteAppSubJobsRequest, BatchDeleteSubJobsReq, BatchMigrateHostsServerRequest, BatchMigrateServerReq,
        BatchReinstallServerReq, BatchReinstallServerRequest, ChangeServerImageReq, ChangeServerImageRequest,
        CountSubJobsRequest, ListSubJobsRequest, ReinstallServerReq, ReinstallServerRequest, ShowServerVncRequest,
    )
    vpc_id, subnet_id = network
    sg = wks.create_server_group(CreateServerGroupRequest(body=CreateServerGroupReq(
        name="sdk-rebuild", image_id="6f4d1f2a-2019-4b6e-9c0d-000000000001", image_type="public", os_type="Windows",
        product_id="workspace.appstream.general.xlarge.2", vpc_id=vpc_id, subnet_id=subnet_id,
        system_disk_type="SAS", system_disk_size=80)))
    r = wks.create_app_servers(CreateAppServersRequest(body=CreateAppServerReq(
        type="createApps", server_group_id=sg.id, subscription_num=2, product_id="workspace.appstream.general.xlarge.2",
        root_volume=Volume(type="SAS", size=80), vpc_id=vpc_id, subnet_id=subnet_id)))
    ids = [s.job_resource_info.resource_id for s in wait(wks, r.job_id).sub_jobs]

    # Change image: the server records the new image; a Linux image on a Windows group is refused.
    c = wks.change_server_image(ChangeServerImageRequest(server_id=ids[0], body=ChangeServerImageReq(
        image_id="6f4d1f2a-2022-4b6e-9c0d-000000000002", image_type="public", os_type="Windows")))
    job = wait(wks, c.job_id)
    assert (job.status, job.job_type) == ("SUCCESS", "CHANGE_SERVER_IMAGE")
    assert wks.show_server(ShowServerRequest(server_id=ids[0])).image_id == "6f4d1f2a-2022-4b6e-9c0d-000000000002"
    with pytest.raises(ClientRequestException) as e:
        wks.change_server_image(ChangeServerImageRequest(server_id=ids[0], body=ChangeServerImageReq(
            image_id="a6ea73e0-9f4b-11ec-b909-0242ac120002", image_type="public", os_type="Windows")))
    assert e.value.status_code == 400

    # Reinstall takes the group's image back.
    rr = wks.reinstall_server(ReinstallServerRequest(server_id=ids[0], body=ReinstallServerReq()))
    assert wait(wks, rr.job_id).status == "SUCCESS"
    assert wks.show_server(ShowServerRequest(server_id=ids[0])).image_id == "6f4d1f2a-2019-4b6e-9c0d-000000000001"
    br = wks.batch_reinstall_server(BatchReinstallServerRequest(body=BatchReinstallServerReq(server_ids=ids)))
    assert sorted(i.server_id for i in br.items) == sorted(ids) and all(i.job_id for i in br.items)
    for i in br.items:
        assert wait(wks, i.job_id).status == "SUCCESS"

    # Migrating onto the other member's host would break anti-affinity: refused, nothing moves.
    h0 = wks.show_server(ShowServerRequest(server_id=ids[0])).host_id
    h1 = wks.show_server(ShowServerRequest(server_id=ids[1])).host_id
    with pytest.raises(ClientRequestException) as e:
        wks.batch_migrate_hosts_server(BatchMigrateHostsServerRequest(body=BatchMigrateServerReq(
            server_ids=[ids[0]], host_id=h1)))
    assert (e.value.status_code, e.value.error_code) == (400, "WKS.00211102")
    assert wks.show_server(ShowServerRequest(server_id=ids[0])).host_id == h0

    vnc = wks.show_server_vnc(ShowServerVncRequest(server_id=ids[0]))
    assert vnc.protocol == "vnc" and ids[0] in vnc.url

    # job_type is required by the vendor's ListSubJobs definition (not by CountSubJobs).
    with pytest.raises(ClientRequestException) as e:
        wks.list_sub_jobs(ListSubJobsRequest(job_id=r.job_id))
    assert (e.value.status_code, e.value.error_code) == (400, "WKS.00211104")
    subs = wks.list_sub_jobs(ListSubJobsRequest(job_type="CREATE_SERVER", job_id=r.job_id))
    assert subs.count == 2 and {s.job_resource_info.resource_id for s in subs.items} == set(ids)
    assert wks.count_sub_jobs(CountSubJobsRequest(job_id=r.job_id)).count == 2
    wks.batch_delete_app_sub_jobs(BatchDeleteAppSubJobsRequest(body=BatchDeleteSubJobsReq(items=[subs.items[0].id])))
    assert wks.count_sub_jobs(CountSubJobsRequest(job_id=r.job_id)).count == 1

    finish_due_jobs(wks)
    for i in ids:
        assert wks.show_server(ShowServerRequest(server_id=i)).vm_status == "ACTIVE"
    b = wks.batch_delete_server(BatchDeleteServerRequest(body=BatchDeleteServerReq(items=ids)))
    assert wait(wks, b.job_id).status == "SUCCESS"
    wks.delete_server_groups(DeleteServerGroupsRequest(server_group_id=sg.id))


def test_metric_data(wks, network):
    import datetime
    from huaweicloudsdkworkspaceapp.v1 import ListServerMetricDataRequest, ShowServerMetricDataRequest
    vpc_id, subnet_id = network
    sg = wks.create_server_group(CreateServerGroupRequest(body=CreateServerGroupReq(
        name="sdk-metrics", image_id="6f4d1f2a-2019-4b6e-9c0d-000000000001", image_type="public", os_type="Windows",
        product_id="workspace.appstream.general.xlarge.2", vpc_id=vpc_id, subnet_id=subnet_id,
        system_disk_type="SAS", system_disk_size=80)))
    r = wks.create_app_servers(CreateAppServersRequest(body=CreateAppServerReq(
        type="createApps", server_group_id=sg.id, subscription_num=1, product_id="workspace.appstream.general.xlarge.2",
        root_volume=Volume(type="SAS", size=80), vpc_id=vpc_id, subnet_id=subnet_id)))
    sid = wait(wks, r.job_id).sub_jobs[0].job_resource_info.resource_id
    # Naive datetimes: the SDK sends isoformat() without an offset; openwks reads UTC.
    now = datetime.datetime.utcnow()
    m = wks.show_server_metric_data(ShowServerMetricDataRequest(
        server_id=sid, start_time=now - datetime.timedelta(hours=1), end_time=now + datetime.timedelta(minutes=10)))
    assert 1 <= len(m.cpu_info) <= 3 and 0 <= m.cpu_info[0].average < 10
    assert m.memory_info and m.network_vm_connections
    one = wks.show_server_metric_data(ShowServerMetricDataRequest(
        server_id=sid, start_time=now - datetime.timedelta(hours=1), end_time=now, metric_name="mem_util"))
    assert one.memory_info and one.cpu_info is None
    ms = int(time.time() * 1000)
    lst = wks.list_server_metric_data(ListServerMetricDataRequest(
        server_id=sid, namespace="SYS.ECS", metric_name="cpu_util", _from=str(ms - 3_600_000), to=str(ms + 600_000),
        period=300, filter="average"))
    pts = lst.server_metrics[0].datapoints
    assert lst.server_metrics[0].dimension_value == sid and pts and pts[0].unit == "%" and pts[0].average is not None
    with pytest.raises(ClientRequestException) as e:
        wks.list_server_metric_data(ListServerMetricDataRequest(
            server_id=sid, namespace="SYS.ECS", metric_name="cpu_util", _from=str(ms), to=str(ms - 1),
            period=300, filter="average"))
    assert (e.value.status_code, e.value.error_code) == (400, "WKS.00211102")
    b = wks.batch_delete_server(BatchDeleteServerRequest(body=BatchDeleteServerReq(items=[sid])))
    assert wait(wks, b.job_id).status == "SUCCESS"
    wks.delete_server_groups(DeleteServerGroupsRequest(server_group_id=sg.id))


def test_rejoin_domain_and_update_tsvi(wks, network):
    from huaweicloudsdkworkspaceapp.v1 import (
        BatchRejoinDomainReq, BatchRejoinDomainRequest, BatchUpdateTsviRequest, UpdateServerGroupReq,
        UpdateServerGroupRequest, UpdateTsvi, UpdateTsviReq,
    )
    vpc_id, subnet_id = network
    sg = wks.create_server_group(CreateServerGroupRequest(body=CreateServerGroupReq(
        name="sdk-rejoin", image_id="6f4d1f2a-2019-4b6e-9c0d-000000000001", image_type="public", os_type="Windows",
        product_id="workspace.appstream.general.xlarge.2", vpc_id=vpc_id, subnet_id=subnet_id,
        system_disk_type="SAS", system_disk_size=80)))
    r = wks.create_app_servers(CreateAppServersRequest(body=CreateAppServerReq(
        type="createApps", server_group_id=sg.id, subscription_num=1, product_id="workspace.appstream.general.xlarge.2",
        root_volume=Volume(type="SAS", size=80), vpc_id=vpc_id, subnet_id=subnet_id)))
    sid = wait(wks, r.job_id).sub_jobs[0].job_resource_info.resource_id
    wks.update_server_group(UpdateServerGroupRequest(server_group_id=sg.id, body=UpdateServerGroupReq(ou_name="OU=sdk")))
    assert wks.show_server(ShowServerRequest(server_id=sid)).ou_name != "OU=sdk"
    j = wks.batch_rejoin_domain(BatchRejoinDomainRequest(body=BatchRejoinDomainReq(items=[sid])))
    done = wait(wks, j.job_id)
    assert (done.status, done.job_type) == ("SUCCESS", "REJOIN_DOMAIN")
    assert wks.show_server(ShowServerRequest(server_id=sid)).ou_name == "OU=sdk"
    t = wks.batch_update_tsvi(BatchUpdateTsviRequest(body=UpdateTsviReq(items=[UpdateTsvi(id=sid, enable=False)])))
    assert wait(wks, t.job_id).job_type == "UPDATE_SERVER_TSVI"
    with pytest.raises(ClientRequestException) as e:
        wks.batch_rejoin_domain(BatchRejoinDomainRequest(body=BatchRejoinDomainReq(items=[])))
    assert (e.value.status_code, e.value.error_code) == (400, "WKS.00211107")
    b = wks.batch_delete_server(BatchDeleteServerRequest(body=BatchDeleteServerReq(items=[sid])))
    assert wait(wks, b.job_id).status == "SUCCESS"
    wks.delete_server_groups(DeleteServerGroupsRequest(server_group_id=sg.id))
