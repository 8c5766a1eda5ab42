"""The 18 server-group operations (9 groups, 6 tags, 3 scaling policy) through the official
`huaweicloudsdkworkspaceapp`, with their error codes."""

import itertools

import pytest
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkworkspaceapp.v1 import (
    BatchCreateServerGroupTagsReq, BatchCreateServerGroupTagsRequest, BatchDeleteServerGroupTagsReq,
    BatchDeleteServerGroupTagsRequest, CreateOrUpdateScalingPolicyReq, CreateOrUpdateScalingPolicyRequest,
    CreateResourceTagReq, CreateServerGroupReq, CreateServerGroupRequest, CreateServerGroupTagsRequest,
    DeleteResourceTagReq, DeleteScalingPolicyRequest, DeleteServerGroupsRequest, DeleteServerGroupTagsRequest,
    IpVirtual, ListServerGroupsRequest, ListServerGroupTagRequest, ListTenantServerGroupsRequest,
    RoutePolicyDetail, ScalingPolicyBySession, ServerGroupTagsInfo, ShowScalingPolicyRequest,
    ShowServerGroupRequest, ShowServerGroupRestrictRequest, ShowServerGroupStateRequest,
    ShowServerGroupTagRequest, TmsTag, UpdateServerGroupReq, UpdateServerGroupRequest,
    ValidateServerGroupRequest, ValidateSeverGroupReq,
)

WIN2019 = "6f4d1f2a-2019-4b6e-9c0d-000000000001"
UBUNTU = "c1b2e3d4-2204-4c5d-8e9f-000000000005"
PRODUCT = "workspace.appstream.general.xlarge.2"
_names = itertools.count()


def body(network, name=None, **kw):
    vpc_id, subnet_id = network
    args = dict(name="sdk-%d" % next(_names) if name is None else name, image_id=WIN2019, image_type="public", os_type="Windows",
                product_id=PRODUCT, vpc_id=vpc_id, subnet_id=subnet_id, system_disk_type="SAS", system_disk_size=80)
    args.update(kw)
    return CreateServerGroupReq(**args)


def create(wks, network, **kw):
    return wks.create_server_group(CreateServerGroupRequest(body=body(network, **kw)))


def error_of(fn):
    with pytest.raises(ClientRequestException) as e:
        fn()
    assert e.value.request_id, "X-Request-Id must reach the SDK"
    return e.value


def test_create_show_update_delete_round_trip(wks, network):
    created = create(wks, network, description="CAD", route_policy=RoutePolicyDetail(max_session=8, cpu_threshold=80),
                     ip_virtual=IpVirtual(enable=False), tags=[TmsTag(key="team", value="cad")])
    assert created.status_code == 200
    assert created.app_type == "COMMON_APP"
    assert created.product_info.product_id == PRODUCT
    assert created.create_time.tzinfo is not None, "a UTC time with Z parses into an aware datetime"
    shown = wks.show_server_group(ShowServerGroupRequest(server_group_id=created.id))
    assert shown.name == created.name
    assert shown.route_policy.max_session == 8 and shown.route_policy.cpu_threshold == 80
    assert shown.image_min_disk == 40
    assert shown.flavors[0].id == "s6.xlarge.2"
    assert shown.tags[0].key == "team"
    assert shown.ip_virtual.enable is False
    upd = wks.update_server_group(UpdateServerGroupRequest(
        server_group_id=created.id, body=UpdateServerGroupReq(description="changed", server_group_status=False)))
    assert upd.status_code == 200
    shown2 = wks.show_server_group(ShowServerGroupRequest(server_group_id=created.id))
    assert shown2.description == "changed" and shown2.server_group_status is False and shown2.name == created.name
    assert shown2.update_time >= shown.update_time
    assert wks.delete_server_groups(DeleteServerGroupsRequest(server_group_id=created.id)).status_code == 200
    e = error_of(lambda: wks.show_server_group(ShowServerGroupRequest(server_group_id=created.id)))
    assert (e.status_code, e.error_code) == (404, "WKS.00211902")
    # Deleting a group that is already gone succeeds, like the vendor's.
    assert wks.delete_server_groups(DeleteServerGroupsRequest(server_group_id=created.id)).status_code == 200


def test_seed_example_name_with_spaces_is_refused_because_the_table_wins(wks, network):
    e = error_of(lambda: create(wks, network, name="APIExplore Test Application Server Group"))
    assert (e.status_code, e.error_code) == (400, "WKS.00211105")
    assert "spaces" in e.error_msg


@pytest.mark.parametrize("kw,code", [
    (dict(name=""), "WKS.00211105"),
    (dict(name="x" * 65), "WKS.00211105"),
    (dict(image_id=None), "WKS.00211104"),
    (dict(image_type="PUBLIC"), "WKS.00211106"),
    (dict(os_type="Other"), "WKS.00211106"),  # only Windows is supported (the seed)
    (dict(system_disk_size=20), "WKS.00211113"),
    (dict(product_id="no-such-product"), "WKS.00211110"),
    (dict(availability_zone="nowhere-1a"), "WKS.00211112"),
    (dict(vpc_id="no-such-vpc"), "WKS.00211111"),
    (dict(image_id=UBUNTU, os_type="Linux", ip_virtual=IpVirtual(enable=True)), "WKS.00211106"),
    (dict(route_policy=RoutePolicyDetail(max_session=1025)), "WKS.00211107"),
    (dict(route_policy=RoutePolicyDetail(mem_threshold=101)), "WKS.00211107"),
    (dict(tags=[TmsTag(key="k%d" % i) for i in range(21)]), "WKS.00211108"),
    (dict(tags=[TmsTag(key="a"), TmsTag(key="a")]), "WKS.00211108"),
    (dict(primary_server_group_id="no-such-group"), "WKS.00211115"),
    (dict(image_type="gold", image_id="0fd6c925-6349-49d6-8788-48263b129854"), "WKS.00211104"),
])
def test_create_rules_answer_their_codes(wks, network, kw, code):
    e = error_of(lambda: create(wks, network, **kw))
    assert (e.status_code, e.error_code) == (400, code), e.error_msg


def test_thresholds_of_zero_mean_not_set(wks, network):
    g = create(wks, network, route_policy=RoutePolicyDetail(max_session=2, cpu_threshold=0, mem_threshold=0))
    shown = wks.show_server_group(ShowServerGroupRequest(server_group_id=g.id))
    assert shown.route_policy.max_session == 2 and shown.route_policy.cpu_threshold is None


def test_lists_validate_restrict_state(wks, network):
    g = create(wks, network, name="sdk-listed-Alpha", app_type="SESSION_DESKTOP_APP")
    lst = wks.list_server_groups(ListServerGroupsRequest(server_group_name="LISTED-alpha", limit=5))
    assert lst.count == 1 and lst.items[0].id == g.id and lst.items[0].app_type == "SESSION_DESKTOP_APP"
    assert wks.list_server_groups(ListServerGroupsRequest(app_type="SESSION_DESKTOP_APP")).count >= 1
    tenant = wks.list_tenant_server_groups(ListTenantServerGroupsRequest(sever_group_name="listed-alpha"))
    assert tenant.count == 1 and tenant.items[0].id == g.id
    e = error_of(lambda: wks.list_server_groups(ListServerGroupsRequest(limit=101)))
    assert (e.status_code, e.error_code) == (400, "WKS.00211117")
    v = wks.validate_server_group(ValidateServerGroupRequest(body=ValidateSeverGroupReq(name="sdk-listed-Alpha")))
    assert v.result is False and v.validate_rule == "duplicate"
    v = wks.validate_server_group(ValidateServerGroupRequest(body=ValidateSeverGroupReq(name="a b")))
    assert v.result is False and v.validate_rule == "naming"
    assert wks.validate_server_group(ValidateServerGroupRequest(body=ValidateSeverGroupReq(name="sdk-free-name"))).result is True
    r = wks.show_server_group_restrict(ShowServerGroupRestrictRequest())
    assert r.max_session == 1024 and r.max_group_count >= 1
    st = wks.show_server_group_state(ShowServerGroupStateRequest(server_group_id=g.id))
    assert st.aps_status["REGISTERED"] == 0


def test_standby_group_and_delete_refusal(wks, network):
    primary = create(wks, network)
    standby = create(wks, network, primary_server_group_id=primary.id)
    shown = wks.show_server_group(ShowServerGroupRequest(server_group_id=primary.id))
    assert shown.secondary_server_group_ids == [standby.id]
    assert wks.list_server_groups(ListServerGroupsRequest(is_secondary_server_group="true", limit=100)).count >= 1
    e = error_of(lambda: wks.delete_server_groups(DeleteServerGroupsRequest(server_group_id=primary.id)))
    assert (e.status_code, e.error_code) == (409, "WKS.00211120")
    e = error_of(lambda: wks.update_server_group(UpdateServerGroupRequest(
        server_group_id=standby.id, body=UpdateServerGroupReq(app_type="SESSION_DESKTOP_APP"))))
    assert (e.status_code, e.error_code) == (400, "WKS.00211115")


def test_duplicate_name_is_409(wks, network):
    g = create(wks, network)
    e = error_of(lambda: create(wks, network, name=g.name))
    assert (e.status_code, e.error_code) == (409, "WKS.00211119")


def test_tag_operations(wks, network):
    a = create(wks, network)
    b = create(wks, network)
    r = wks.create_server_group_tags(CreateServerGroupTagsRequest(
        server_group_id=a.id, body=CreateResourceTagReq(tags=[TmsTag(key="sdk-team", value="cad")])))
    assert r.status_code == 204
    shown = wks.show_server_group_tag(ShowServerGroupTagRequest(server_group_id=a.id))
    assert [(t.key, t.value) for t in shown.tags] == [("sdk-team", "cad")]
    assert shown.sys_tags[0].key == "_sys_enterprise_project_id"
    r = wks.batch_create_server_group_tags(BatchCreateServerGroupTagsRequest(body=BatchCreateServerGroupTagsReq(items=[
        ServerGroupTagsInfo(server_group_id=a.id, tags=[TmsTag(key="sdk-tier", value="1")]),
        ServerGroupTagsInfo(server_group_id=b.id, tags=[TmsTag(key="sdk-team", value="gis")]),
    ])))
    assert r.status_code == 204
    keys = {t.key: sorted(t.values) for t in wks.list_server_group_tag(ListServerGroupTagRequest()).tags}
    assert keys["sdk-team"] == ["cad", "gis"] and keys["sdk-tier"] == ["1"]
    r = wks.batch_delete_server_group_tags(BatchDeleteServerGroupTagsRequest(body=BatchDeleteServerGroupTagsReq(items=[
        ServerGroupTagsInfo(server_group_id=a.id, tags=[TmsTag(key="sdk-tier")])])))
    assert r.status_code == 204
    r = wks.delete_server_group_tags(DeleteServerGroupTagsRequest(
        server_group_id=b.id, body=DeleteResourceTagReq(tags=[TmsTag(key="sdk-team"), TmsTag(key="never-there")])))
    assert r.status_code == 204
    assert wks.show_server_group_tag(ShowServerGroupTagRequest(server_group_id=b.id)).tags == []
    e = error_of(lambda: wks.create_server_group_tags(CreateServerGroupTagsRequest(
        server_group_id=a.id, body=CreateResourceTagReq(tags=[TmsTag(key=" lead")]))))
    assert (e.status_code, e.error_code) == (400, "WKS.00211108")
    e = error_of(lambda: wks.show_server_group_tag(ShowServerGroupTagRequest(server_group_id="missing")))
    assert (e.status_code, e.error_code) == (404, "WKS.00211902")


def test_scaling_policy_operations(wks, network):
    g = create(wks, network)
    default = wks.show_scaling_policy(ShowScalingPolicyRequest(server_group_id=g.id))
    assert default.enable is False
    put = wks.create_or_update_scaling_policy(CreateOrUpdateScalingPolicyRequest(body=CreateOrUpdateScalingPolicyReq(
        server_group_id=g.id, enable=True, max_scaling_amount=5, single_expansion_count=2,
        scaling_policy_by_session=ScalingPolicyBySession(session_usage_threshold=70, shrink_after_session_idle_minutes=30))))
    assert put.max_scaling_amount == 5
    shown = wks.show_scaling_policy(ShowScalingPolicyRequest(server_group_id=g.id))
    assert shown.enable is True and shown.scaling_policy_by_session.session_usage_threshold == 70
    assert wks.delete_scaling_policy(DeleteScalingPolicyRequest(server_group_id=g.id)).status_code == 200
    assert wks.show_scaling_policy(ShowScalingPolicyRequest(server_group_id=g.id)).enable is False
    e = error_of(lambda: wks.create_or_update_scaling_policy(CreateOrUpdateScalingPolicyRequest(
        body=CreateOrUpdateScalingPolicyReq(server_group_id=g.id, max_scaling_amount=5, single_expansion_count=11,
                                            scaling_policy_by_session=ScalingPolicyBySession(shrink_after_session_idle_minutes=30)))))
    assert (e.status_code, e.error_code) == (400, "WKS.00211107")
