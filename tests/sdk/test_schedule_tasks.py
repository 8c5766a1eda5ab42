"""Schedule tasks through the official `huaweicloudsdkworkspaceapp` (issue #18): the nine
operations, on a server whose clock the test moves (`--time-control`) and whose scaling
controller runs only when the test asks (`/_admin/scaling/round`), so the task's run is a step
of the test, not a wait.

The SDK's `CreateScheduleTaskReq` model carries only the schedule fields (its generator dropped
`task_name`, `task_type`, `target_infos` and the rest of the vendor's `allOf`), so the create's
body is given as a dict, which the SDK sends as it is; `UpdateScheduleTaskReq` has every field."""

import datetime
import tempfile

import pytest
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkworkspaceapp.v1 import (
    BatchDeleteScheduleTaskReq, BatchDeleteScheduleTaskRequest, CreateAppServerReq, CreateAppServersRequest,
    CreateScheduleTaskRequest, CreateServerGroupReq, CreateServerGroupRequest, DeleteScheduleTaskRequest,
    ListFutureExecutionsReq, ListFutureExecutionsRequest, ListScheduleTasksRequest, ListTaskExecuteDetailRequest,
    ListTaskExecuteHistoryRequest, ScheduleTaskPolicy, ShowScheduleTaskRequest, ShowServerRequest,
    UpdateScheduleTaskReq, UpdateScheduleTaskRequest, Volume,
)
from huaweicloudsdkvpc.v2 import ListSubnetsRequest

from conftest import Server, finish_due_jobs, openwks_call, vpc_client, wks_client

PRODUCT = "workspace.appstream.general.xlarge.2"


@pytest.fixture
def timed():
    """A server on a movable clock, its controller run by hand."""
    with tempfile.TemporaryDirectory() as d:
        s = Server(d, {"OPENWKS_TIME_CONTROL": "true", "OPENWKS_SCALING_INTERVAL": "0"})
        yield s
        s.stop()


def advance(url, ms):
    status, body = openwks_call(url, "POST", "/openwks/v1/_admin/clock", {"advance_ms": ms})
    assert status == 200, body


def controller_round(url):
    status, body = openwks_call(url, "POST", "/openwks/v1/_admin/scaling/round", {})
    assert status == 200, body


def test_a_schedule_task_from_creation_to_its_run(timed):
    wks = wks_client(timed.url)
    sn = vpc_client(timed.url).list_subnets(ListSubnetsRequest()).subnets[0]
    sg = wks.create_server_group(CreateServerGroupRequest(body=CreateServerGroupReq(
        name="sdk-sched", image_id="6f4d1f2a-2019-4b6e-9c0d-000000000001", image_type="public", os_type="Windows",
        product_id=PRODUCT, vpc_id=sn.vpc_id, subnet_id=sn.id, system_disk_type="SAS", system_disk_size=80)))
    wks.create_app_servers(CreateAppServersRequest(body=CreateAppServerReq(
        type="createApps", server_group_id=sg.id, subscription_num=1, product_id=PRODUCT,
        root_volume=Volume(type="SAS", size=80), vpc_id=sn.vpc_id, subnet_id=sn.id)))
    finish_due_jobs(wks)

    # Refused in the vendor's words.
    with pytest.raises(ClientRequestException) as e:
        wks.create_schedule_task(CreateScheduleTaskRequest(body={
            "task_name": "bad name", "task_type": "STOP_SERVER", "scheduled_type": "DAY", "day_interval": 1,
            "scheduled_time": "22:00:00", "target_infos": [{"target_type": "SERVER_GROUP", "target_id": sg.id}]}))
    assert (e.value.status_code, e.value.error_code) == (400, "WKS.00211102")

    # Every day, six minutes from now (UTC): stop the group's servers. (The clock moves by less
    # than the signature's 15-minute window: the SDK signs with the wall clock.)
    at = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=6)).strftime("%H:%M:00")
    t = wks.create_schedule_task(CreateScheduleTaskRequest(body={
        "task_name": "nightly-stop", "task_type": "STOP_SERVER", "scheduled_type": "DAY", "day_interval": 1,
        "scheduled_time": at, "time_zone": "UTC", "description": "stop at night",
        "target_infos": [{"target_type": "SERVER_GROUP", "target_id": sg.id}]}))
    assert t.id and t.task_name == "nightly-stop" and t.is_enable is True
    assert t.next_execution_time.endswith(" " + at)
    shown = wks.show_schedule_task(ShowScheduleTaskRequest(task_id=t.id))
    assert [(x.target_type, x.target_id, x.target_name) for x in shown.target_infos] == [
        ("SERVER_GROUP", sg.id, "sdk-sched")]
    listed = wks.list_schedule_tasks(ListScheduleTasksRequest(task_type="STOP_SERVER"))
    assert listed.count == 1 and listed.items[0].id == t.id
    assert wks.list_schedule_tasks(ListScheduleTasksRequest(task_name="nothing-like-it")).count == 0

    u = wks.update_schedule_task(UpdateScheduleTaskRequest(task_id=t.id, body=UpdateScheduleTaskReq(
        description="stop at night, sessions or not", schedule_task_policy=ScheduleTaskPolicy(enforcement_enable=True))))
    assert u.description == "stop at night, sessions or not" and u.next_execution_time == t.next_execution_time

    fut = wks.list_future_executions(ListFutureExecutionsRequest(body=ListFutureExecutionsReq(
        scheduled_type="WEEK", week_list="1", scheduled_time="09:00:00", time_zone="Europe/London")))
    assert fut.time_zone == "Europe/London" and len(fut.future_executions) == 5
    assert all(x.endswith(" 09:00:00") for x in fut.future_executions)

    # Move past that time and let the controller run: the server is stopped, and the run is
    # in the history with the server's part in its detail.
    assert wks.list_task_execute_history(ListTaskExecuteHistoryRequest(task_id=t.id)).count == 0
    advance(timed.url, 10 * 60 * 1000)
    controller_round(timed.url)
    finish_due_jobs(wks)
    h = wks.list_task_execute_history(ListTaskExecuteHistoryRequest(task_id=t.id))
    assert h.count == 1
    run = h.items[0]
    assert (run.total_count, run.success_count, run.failed_count) == (1, 1, 0)
    d = wks.list_task_execute_detail(ListTaskExecuteDetailRequest(execute_history_id=run.id))
    assert d.count == 1
    server = d.items[0].server_id
    assert wks.show_server(ShowServerRequest(server_id=server)).status == "STOPPED"
    # A second round at the same time runs nothing more.
    controller_round(timed.url)
    assert wks.list_task_execute_history(ListTaskExecuteHistoryRequest(task_id=t.id)).count == 1

    # Delete: one by id, the rest in a batch; a missing one is a 404.
    other = wks.create_schedule_task(CreateScheduleTaskRequest(body={
        "task_name": "start-again", "task_type": "START_SERVER", "scheduled_type": "WEEK", "week_list": "2",
        "scheduled_time": "07:00:00", "target_infos": [{"target_type": "SERVER", "target_id": server}]}))
    wks.delete_schedule_task(DeleteScheduleTaskRequest(task_id=t.id))
    with pytest.raises(ClientRequestException) as e:
        wks.show_schedule_task(ShowScheduleTaskRequest(task_id=t.id))
    assert (e.value.status_code, e.value.error_code) == (404, "WKS.00211902")
    with pytest.raises(ClientRequestException) as e:
        wks.batch_delete_schedule_task(BatchDeleteScheduleTaskRequest(body=BatchDeleteScheduleTaskReq(
            items=[other.id, "no-such-task"])))
    assert e.value.status_code == 404
    wks.batch_delete_schedule_task(BatchDeleteScheduleTaskRequest(body=BatchDeleteScheduleTaskReq(items=[other.id])))
    assert wks.list_schedule_tasks(ListScheduleTasksRequest()).count == 0
