"""ECS servers created into an anti-affinity group through the official `huaweicloudsdkecs` v2:
every member lands on a different host, or the job fails with a clear capacity error."""


import pytest
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkvpc.v2 import (
    UpdateSubnetOption, UpdateSubnetRequest, UpdateSubnetRequestBody, UpdateVpcOption, UpdateVpcRequest,
    UpdateVpcRequestBody,
)

from huaweicloudsdkecs.v2 import (
    UpdateServerOption, UpdateServerRequest, UpdateServerRequestBody,
    BatchStartServersOption, BatchStartServersRequest, BatchStartServersRequestBody, BatchStopServersOption,
    BatchStopServersRequest, BatchStopServersRequestBody,
    CreatePostPaidServersRequest, CreatePostPaidServersRequestBody, CreateServerGroupOption, CreateServerGroupRequest,
    CreateServerGroupRequestBody, DeleteServersRequest, DeleteServersRequestBody, ListFlavorsRequest,
    ListServersDetailsRequest, PostPaidServer, PostPaidServerNic, PostPaidServerRootVolume, PostPaidServerSchedulerHints,
    ServerId, ShowJobRequest, ShowServerGroupRequest, ShowServerRequest,
)

from conftest import finish_due_jobs


def wait(ecs, job_id):
    """The job, finished: the due jobs are run by the server at once (no polling)."""
    finish_due_jobs(ecs)
    job = ecs.show_job(ShowJobRequest(job_id=job_id))
    assert job.status != "RUNNING", job
    return job


def server(network, name, flavor, count, group=None, az=None):
    vpc_id, subnet_id = network
    return PostPaidServer(
        name=name, image_ref="6f4d1f2a-2019-4b6e-9c0d-000000000001", flavor_ref=flavor, vpcid=vpc_id,
        nics=[PostPaidServerNic(subnet_id=subnet_id)], root_volume=PostPaidServerRootVolume(volumetype="SAS", size=80),
        count=count, availability_zone=az,
        osscheduler_hints=PostPaidServerSchedulerHints(group=group) if group else None)


def test_members_of_an_anti_affinity_group_land_on_different_hosts(ecs, network):
    g = ecs.create_server_group(CreateServerGroupRequest(body=CreateServerGroupRequestBody(
        server_group=CreateServerGroupOption(name="sdk-aa", policies=["anti-affinity"])))).server_group
    r = ecs.create_post_paid_servers(CreatePostPaidServersRequest(body=CreatePostPaidServersRequestBody(
        server=server(network, "sdk-aa", "s6.xlarge.2", 3, group=g.id))))
    assert len(r.server_ids) == 3
    job = wait(ecs, r.job_id)
    assert job.status == "SUCCESS" and job.entities.sub_jobs_total == 3
    hosts = set()
    for sid in r.server_ids:
        s = ecs.show_server(ShowServerRequest(server_id=sid)).server
        assert s.status == "ACTIVE"
        hosts.add(s.host_id)
    assert len(hosts) == 3
    assert sorted(ecs.show_server_group(ShowServerGroupRequest(server_group_id=g.id)).server_group.members) == sorted(r.server_ids)
    stop = ecs.batch_stop_servers(BatchStopServersRequest(body=BatchStopServersRequestBody(
        os_stop=BatchStopServersOption(servers=[ServerId(id=r.server_ids[1])], type="SOFT"))))
    assert wait(ecs, stop.job_id).status == "SUCCESS"
    assert ecs.show_server(ShowServerRequest(server_id=r.server_ids[1])).server.status == "SHUTOFF"
    start = ecs.batch_start_servers(BatchStartServersRequest(body=BatchStartServersRequestBody(
        os_start=BatchStartServersOption(servers=[ServerId(id=r.server_ids[1])]))))
    assert wait(ecs, start.job_id).status == "SUCCESS"
    listed = ecs.list_servers_details(ListServersDetailsRequest(limit=100))
    assert listed.count >= 3
    d = ecs.delete_servers(DeleteServersRequest(body=DeleteServersRequestBody(servers=[ServerId(id=r.server_ids[0])])))
    assert wait(ecs, d.job_id).status == "SUCCESS"


def test_no_capacity_is_a_clear_failure(ecs, network):
    r = ecs.create_post_paid_servers(CreatePostPaidServersRequest(body=CreatePostPaidServersRequestBody(
        server=server(network, "sdk-gpu", "g7.2xlarge.8", 1, az="cn-north-4a"))))
    job = wait(ecs, r.job_id)
    assert job.status == "FAIL" and job.error_code == "Ecs.0319"
    assert "No valid host" in job.fail_reason
    s = ecs.show_server(ShowServerRequest(server_id=r.server_ids[0])).server
    assert s.status == "ERROR"
    assert any(f.id == "g7.2xlarge.8" for f in ecs.list_flavors(ListFlavorsRequest()).flavors)


def test_add_member_needs_a_stopped_ecs_and_keeps_the_policy_and_reboot(ecs, network):
    from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
    from huaweicloudsdkecs.v2 import (
        AddServerGroupMemberRequest, AddServerGroupMemberRequestBody, BatchRebootServersRequest,
        BatchRebootServersRequestBody, BatchRebootSeversOption, ServerGroupMember,
    )
    g = ecs.create_server_group(CreateServerGroupRequest(body=CreateServerGroupRequestBody(
        server_group=CreateServerGroupOption(name="sdk-add", policies=["anti-affinity"])))).server_group
    members = ecs.create_post_paid_servers(CreatePostPaidServersRequest(body=CreatePostPaidServersRequestBody(
        server=server(network, "sdk-add-m", "s6.xlarge.2", 2, group=g.id, az="cn-north-4a"))))
    assert wait(ecs, members.job_id).status == "SUCCESS"
    loner = ecs.create_post_paid_servers(CreatePostPaidServersRequest(body=CreatePostPaidServersRequestBody(
        server=server(network, "sdk-add-x", "s6.xlarge.2", 1, az="cn-north-4a"))))
    assert wait(ecs, loner.job_id).status == "SUCCESS"
    x = loner.server_ids[0]
    add = AddServerGroupMemberRequest(server_group_id=g.id, body=AddServerGroupMemberRequestBody(
        add_member=ServerGroupMember(instance_uuid=x)))
    # A running ECS cannot join.
    with pytest.raises(ClientRequestException) as e:
        ecs.add_server_group_member(add)
    assert (e.value.status_code, e.value.error_code) == (400, "Ecs.0100")
    stop = ecs.batch_stop_servers(BatchStopServersRequest(body=BatchStopServersRequestBody(
        os_stop=BatchStopServersOption(servers=[ServerId(id=x)], type="HARD"))))
    assert wait(ecs, stop.job_id).status == "SUCCESS"
    ecs.add_server_group_member(add)
    member_hosts = {ecs.show_server(ShowServerRequest(server_id=m)).server.host_id for m in members.server_ids}
    assert ecs.show_server(ShowServerRequest(server_id=x)).server.host_id not in member_hosts
    assert x in ecs.show_server_group(ShowServerGroupRequest(server_group_id=g.id)).server_group.members
    reboot = ecs.batch_reboot_servers(BatchRebootServersRequest(body=BatchRebootServersRequestBody(
        reboot=BatchRebootSeversOption(servers=[ServerId(id=m) for m in members.server_ids], type="SOFT"))))
    assert wait(ecs, reboot.job_id).status == "SUCCESS"
    assert all(ecs.show_server(ShowServerRequest(server_id=m)).server.status == "ACTIVE" for m in members.server_ids)
    d = ecs.delete_servers(DeleteServersRequest(body=DeleteServersRequestBody(
        servers=[ServerId(id=s) for s in members.server_ids + [x]])))
    assert wait(ecs, d.job_id).status == "SUCCESS"


def test_update_server_and_the_network_updates_terraform_sends(ecs, vpc, network):
    r = ecs.create_post_paid_servers(CreatePostPaidServersRequest(body=CreatePostPaidServersRequestBody(
        server=server(network, "sdk-upd", "s6.xlarge.2", 1))))
    wait(ecs, r.job_id)
    sid = r.server_ids[0]
    u = ecs.update_server(UpdateServerRequest(server_id=sid, body=UpdateServerRequestBody(server=UpdateServerOption(
        name="sdk-upd-2", description="from the SDK", hostname="sdk-upd-2"))))
    assert (u.server.name, u.server.description) == ("sdk-upd-2", "from the SDK")
    shown = ecs.show_server(ShowServerRequest(server_id=sid)).server
    assert (shown.name, shown.description) == ("sdk-upd-2", "from the SDK")
    with pytest.raises(ClientRequestException) as e:
        ecs.update_server(UpdateServerRequest(server_id=sid, body=UpdateServerRequestBody(
            server=UpdateServerOption(description="<script>"))))
    assert (e.value.status_code, e.value.error_code) == (400, "Ecs.0005")

    vpc_id, subnet_id = network
    v = vpc.update_vpc(UpdateVpcRequest(vpc_id=vpc_id, body=UpdateVpcRequestBody(vpc=UpdateVpcOption(
        name="sdk-vpc", description="edited by the SDK"))))
    assert (v.vpc.name, v.vpc.description) == ("sdk-vpc", "edited by the SDK")
    s = vpc.update_subnet(UpdateSubnetRequest(vpc_id=vpc_id, subnet_id=subnet_id, body=UpdateSubnetRequestBody(
        subnet=UpdateSubnetOption(name="sdk-subnet", description="edited"))))
    assert (s.subnet.id, s.subnet.status) == (subnet_id, "ACTIVE")
