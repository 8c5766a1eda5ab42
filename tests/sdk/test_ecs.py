"""ECS server groups (anti-affinity only) and limits through the official `huaweicloudsdkecs` v2."""

import pytest
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkecs.v2 import (
    AddServerGroupMemberRequest, AddServerGroupMemberRequestBody, BatchAddServerGroupMemberReq,
    BatchAddServerGroupMemberRequest, BatchDeleteServerGroupMemberReq, BatchDeleteServerGroupMemberRequest,
    CreateServerGroupOption, CreateServerGroupRequest, CreateServerGroupRequestBody, DeleteServerGroupMemberRequest,
    DeleteServerGroupMemberRequestBody, DeleteServerGroupRequest, ListServerGroupsRequest, ServerGroupMember,
    ShowServerGroupRequest, ShowServerLimitsRequest,
)

GHOST = "0b1c2d3e-0000-4000-8000-000000000000"


def create(ecs, name, policies=("anti-affinity",)):
    return ecs.create_server_group(CreateServerGroupRequest(body=CreateServerGroupRequestBody(
        server_group=CreateServerGroupOption(name=name, policies=list(policies)))))


def test_seed_example_round_trip(ecs):
    g = create(ecs, "test").server_group
    assert g.policies == ["anti-affinity"] and g.members == [] and g.metadata == {}
    assert ecs.show_server_group(ShowServerGroupRequest(server_group_id=g.id)).server_group.name == "test"
    listed = ecs.list_server_groups(ListServerGroupsRequest(limit=1000))
    assert g.id in [x.id for x in listed.server_groups]
    assert ecs.delete_server_group(DeleteServerGroupRequest(server_group_id=g.id)).status_code == 204
    with pytest.raises(ClientRequestException) as e:
        ecs.show_server_group(ShowServerGroupRequest(server_group_id=g.id))
    assert (e.value.status_code, e.value.error_code) == (404, "Ecs.0313")


@pytest.mark.parametrize("name,policies", [("t", ["affinity"]), ("t", ["soft-anti-affinity"]), ("", ["anti-affinity"]), ("n" * 256, ["anti-affinity"])])
def test_only_anti_affinity_and_valid_names(ecs, name, policies):
    with pytest.raises(ClientRequestException) as e:
        create(ecs, name, policies)
    assert (e.value.status_code, e.value.error_code) == (400, "Ecs.0005"), e.value.error_msg


def test_members_of_unknown_ecss_and_limits(ecs):
    g = create(ecs, "members").server_group
    with pytest.raises(ClientRequestException) as e:
        ecs.add_server_group_member(AddServerGroupMemberRequest(server_group_id=g.id, body=AddServerGroupMemberRequestBody(
            add_member=ServerGroupMember(instance_uuid=GHOST))))
    assert (e.value.status_code, e.value.error_code) == (404, "Ecs.0114")
    with pytest.raises(ClientRequestException) as e:
        ecs.delete_server_group_member(DeleteServerGroupMemberRequest(server_group_id=g.id, body=DeleteServerGroupMemberRequestBody(
            remove_member=ServerGroupMember(instance_uuid=GHOST))))
    assert (e.value.status_code, e.value.error_code) == (404, "Ecs.0114")
    r = ecs.batch_add_server_group_member(BatchAddServerGroupMemberRequest(server_group_id=g.id, body=BatchAddServerGroupMemberReq(server_ids=[GHOST])))
    assert r.status == "failed" and r.servers[0].server_id == GHOST
    r = ecs.batch_delete_server_group_member(BatchDeleteServerGroupMemberRequest(server_group_id=g.id, body=BatchDeleteServerGroupMemberReq(server_ids=[GHOST])))
    assert r.status == "failed"
    limits = ecs.show_server_limits(ShowServerLimitsRequest()).absolute
    assert limits.max_server_groups == 10 and limits.max_server_group_members == 16
    assert limits.total_server_groups_used >= 1
