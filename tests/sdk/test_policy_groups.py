"""Policy groups and templates through the official `huaweicloudsdkworkspaceapp` (issue #18): the
thirteen operations, the vendor's model read back into the SDK's own `Policies` classes, and a
launch that gets the effective policy with the group that set each field."""

import pytest
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkworkspaceapp.v1 import (
    CreatePolicyGroupReq, CreatePolicyGroupRequest, CreatePolicyTemplateReq, CreatePolicyTemplateRequest,
    DeletePolicyGroupRequest, DeletePolicyTemplateRequest, ListPolicyGroupDetailInfoRequest, ListPolicyGroupRequest,
    ListPolicyOfPolicyGroupRequest, ListPolicyTemplateRequest, ListTargetsOfPolicyGroupRequest, PolicyGroupForCreate,
    PolicyGroupForUpdate, PolicyTemplate, ShowOriginalPolicyInfoRequest, ShowPolicyGroupRequest, Target,
    UpdatePolicyGroupReq, UpdatePolicyGroupRequest, UpdatePolicyTemplateReq, UpdatePolicyTemplateRequest,
)

from conftest import openwks_call
from test_sessions import launched  # noqa: F401  (2 servers; ann, ben and cat launched)


def test_policy_groups_templates_and_a_sessions_effective_policy(wks, server, launched):  # noqa: F811
    _sg, ag, app, _sessions = launched
    original = wks.show_original_policy_info(ShowOriginalPolicyInfoRequest()).policies
    assert original.session.sbc.sbc_automatic_disconnection == "AUTO_DISCONNECT"
    assert original.audio.audio_redirection_enable is True

    g = wks.create_policy_group(CreatePolicyGroupRequest(body=CreatePolicyGroupReq(policy_group=PolicyGroupForCreate(
        policy_group_name="sdk_office", priority=2, description="office",
        targets=[Target(target_id=ag, target_name="sdk-sessions", target_type="APPGROUP")],
        policies={"session": {"sbc": {"sbc_automatic_disconnection": "AUTO_LOCK"}},
                  "audio": {"audio_redirection_enable": False}}))))
    assert g.id
    with pytest.raises(ClientRequestException) as e:
        wks.create_policy_group(CreatePolicyGroupRequest(body=CreatePolicyGroupReq(policy_group=PolicyGroupForCreate(
            policy_group_name="sdk_bad", policies={"audio": {"audio_redirection_enable": "maybe"}}))))
    assert (e.value.status_code, e.value.error_code) == (400, "WKS.00211102")

    shown = wks.show_policy_group(ShowPolicyGroupRequest(policy_group_id=g.id)).policy_group
    assert (shown.name, shown.priority) == ("sdk_office", 2)
    assert shown.policies.session.sbc.sbc_automatic_disconnection == "AUTO_LOCK"
    assert [(t.target_type, t.target_id) for t in shown.targets] == [("APPGROUP", ag)]
    listed = wks.list_policy_group(ListPolicyGroupRequest(policy_group_name="office"))
    assert (listed.count, listed.total_count, listed.items[0].id) == (1, 1, g.id)
    assert wks.list_policy_group_detail_info(ListPolicyGroupDetailInfoRequest()).count == 1
    section = wks.list_policy_of_policy_group(ListPolicyOfPolicyGroupRequest(policy_group_id=g.id, policy_type="audio"))
    assert section.policies.audio.audio_redirection_enable is False and section.policies.session is None
    assert wks.list_targets_of_policy_group(ListTargetsOfPolicyGroupRequest(
        policy_group_id=g.id, target_type="USER")).targets == []
    wks.update_policy_group(UpdatePolicyGroupRequest(policy_group_id=g.id, body=UpdatePolicyGroupReq(
        policy_group=PolicyGroupForUpdate(policy_group_name="sdk_office_2", description="renamed"))))

    # A launch of the app group gets the group's fields, and says which group set them.
    status, body = openwks_call(server.url, "POST", "/openwks/v1/{p}/app-launches",
                                {"user_name": "dan", "app_group_id": ag, "app_id": app, "dry_run": True})
    # dan is not authorized: the dry run is refused like the launch would be.
    assert status == 403, body
    status, body = openwks_call(server.url, "POST", "/openwks/v1/{p}/app-launches",
                                {"user_name": "ann", "app_group_id": ag, "app_id": app, "explain": True})
    assert status == 200, body
    assert body["policies"]["session"]["sbc"]["sbc_automatic_disconnection"] == "AUTO_LOCK"
    who = body["policy_sources"]["session.sbc.sbc_automatic_disconnection"]
    assert (who["policy_group_id"], who["policy_group_name"], who["target_type"]) == (g.id, "sdk_office_2", "APPGROUP")
    assert body["policy_sources"]["display.display_level"]["policy_group_name"] == "default"

    t = wks.create_policy_template(CreatePolicyTemplateRequest(body=CreatePolicyTemplateReq(policy_group=PolicyTemplate(
        policy_group_name="sdk template", description="t", policies={"audio": {"audio_redirection_enable": True}}))))
    templates = wks.list_policy_template(ListPolicyTemplateRequest())
    assert templates.count == 1 and templates.items[0].name == "sdk template"
    wks.update_policy_template(UpdatePolicyTemplateRequest(policy_template_id=t.id, body=UpdatePolicyTemplateReq(
        policy_group=PolicyTemplate(policy_group_name="sdk template 2", policies={}))))
    wks.delete_policy_template(DeletePolicyTemplateRequest(policy_template_id=t.id))
    wks.delete_policy_group(DeletePolicyGroupRequest(policy_group_id=g.id))
    with pytest.raises(ClientRequestException) as e:
        wks.show_policy_group(ShowPolicyGroupRequest(policy_group_id=g.id))
    assert (e.value.status_code, e.value.error_code) == (404, "WKS.00211902")
