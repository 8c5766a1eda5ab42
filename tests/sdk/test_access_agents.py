"""Access agents through the official `huaweicloudsdkworkspaceapp` (issue #17): the six
operations, an upgrade job followed to its end, and the record it leaves."""

import pytest
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkworkspaceapp.v1 import (
    BatchUpgradeHdaVersionReq, BatchUpgradeHdaVersionRequest, CreateAppServerReq, CreateAppServersRequest,
    CreateServerGroupReq, CreateServerGroupRequest, ListAccessAgentLatestVersionRequest,
    ListServerHdaDetailsRequest, ListServerHdaUpgradeRecordsRequest, ShowAccessAgentLatestVersionRequest,
    ShowHdaUpgradeFlagRequest, ShowJobDetailRequest, Volume,
)

from conftest import finish_due_jobs

PRODUCT = "workspace.appstream.general.xlarge.2"


def test_access_agent_upgrade(wks, network):
    vpc_id, subnet_id = network
    sg = wks.create_server_group(CreateServerGroupRequest(body=CreateServerGroupReq(
        name="sdk-agents", image_id="6f4d1f2a-2019-4b6e-9c0d-000000000001", image_type="public", os_type="Windows",
        product_id=PRODUCT, vpc_id=vpc_id, subnet_id=subnet_id, system_disk_type="SAS", system_disk_size=80))).id
    wks.create_app_servers(CreateAppServersRequest(body=CreateAppServerReq(
        type="createApps", server_group_id=sg, subscription_num=2, product_id=PRODUCT,
        root_volume=Volume(type="SAS", size=80), vpc_id=vpc_id, subnet_id=subnet_id)))
    finish_due_jobs(wks)

    latest = wks.show_access_agent_latest_version(ShowAccessAgentLatestVersionRequest()).latest_version
    items = wks.list_access_agent_latest_version(ListAccessAgentLatestVersionRequest()).items
    assert [(i.hda_type, i.latest_version) for i in items] == [("SBC", latest)]
    assert wks.show_hda_upgrade_flag(ShowHdaUpgradeFlagRequest()).upgrade_flag == 1
    details = wks.list_server_hda_details(ListServerHdaDetailsRequest(server_group_id=sg))
    assert details.count == 2
    assert all(d.current_version != latest and d.server_group_name == "sdk-agents" for d in details.items)
    ids = [d.server_id for d in details.items]

    with pytest.raises(ClientRequestException) as e:
        wks.batch_upgrade_hda_version(BatchUpgradeHdaVersionRequest(body=BatchUpgradeHdaVersionReq(items=[])))
    assert (e.value.status_code, e.value.error_code) == (400, "WKS.00211107")
    job = wks.batch_upgrade_hda_version(BatchUpgradeHdaVersionRequest(body=BatchUpgradeHdaVersionReq(items=ids))).job_id
    finish_due_jobs(wks)
    j = wks.show_job_detail(ShowJobDetailRequest(job_id=job))
    assert (j.job_type, j.status) == ("UPGRADE_ACCESS_AGENT", "SUCCESS")
    assert all(d.current_version == latest for d in wks.list_server_hda_details(
        ListServerHdaDetailsRequest(server_group_id=sg)).items)
    assert wks.show_hda_upgrade_flag(ShowHdaUpgradeFlagRequest()).upgrade_flag == 0
    records = wks.list_server_hda_upgrade_records(ListServerHdaUpgradeRecordsRequest())
    assert records.count == 2
    assert {(r.server_id, r.target_version, r.upgrade_status) for r in records.items} == {
        (i, latest, "SUCCESS") for i in ids}
