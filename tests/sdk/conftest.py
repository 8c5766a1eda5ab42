"""Fixtures: start `openwks serve` on a free port with a temporary data dir, and build the
official SDK clients against it. The binary comes from $OPENWKS_BIN (test.sh sets it)."""

import json
import os
import subprocess
import tempfile
import threading

import pytest
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkecs.v2 import EcsClient
from huaweicloudsdkims.v2 import ImsClient
from huaweicloudsdkvpc.v2 import ListSubnetsRequest, VpcClient
from huaweicloudsdkworkspaceapp.v1 import WorkspaceAppClient

PROJECT_ID = "5f3c0a2b9d8e4f6a8b7c6d5e4f3a2b1c"
AK = "AKSDKSUITE000000001"
SK = "SKsdksuite0000000000000000000000000000001"
ADMIN_PASSWORD = "Sdk-Suite-Passw0rd"


class Server:
    """One running `openwks serve`."""

    def __init__(self, data_dir, extra_env=None):
        self.data_dir = data_dir
        env = dict(os.environ)
        env.update({
            "OPENWKS_PROJECT_ID": PROJECT_ID,
            "OPENWKS_ACCESS_KEY": AK,
            "OPENWKS_SECRET_KEY": SK,
            "OPENWKS_ADMIN_PASSWORD": ADMIN_PASSWORD,
            "OPENWKS_LOG": "warn",
            "OPENWKS_BOOT_DELAY_MS": "0",
        })
        pg = os.environ.get("OPENWKS_TEST_DATABASE_URL")
        if pg:
            # The PostgreSQL pass: each server its own schema (named after its data dir).
            run = "".join(c for c in os.environ.get("OPENWKS_TEST_RUN", "") if c.isalnum())
            tail = "".join(c.lower() if c.isalnum() else "_" for c in str(data_dir))[-40:]
            env.update({
                "OPENWKS_DATABASE_URL": pg,
                "OPENWKS_DATABASE_SCHEMA": "t_%s_%s" % (run[:12].lower(), tail),
                "OPENWKS_DATABASE_POOL": "4",
            })
        env.update(extra_env or {})
        binary = os.environ.get("OPENWKS_BIN", "target/debug/openwks")
        self.proc = subprocess.Popen(
            [binary, "serve", "--listen", "127.0.0.1:0", "--data-dir", data_dir],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
        self.lines = []
        self.url = None
        for line in self.proc.stdout:
            line = line.rstrip("\n")
            self.lines.append(line)
            if line.startswith("openwks listening on "):
                self.url = line[len("openwks listening on "):]
            if line.startswith("credentials:"):
                break
        if self.url is None:
            raise RuntimeError("openwks did not start: %r" % self.lines)
        threading.Thread(target=lambda: [None for _ in self.proc.stdout], daemon=True).start()

    def stop(self, kill=False):
        if kill:
            self.proc.kill()
        else:
            self.proc.terminate()
        self.proc.wait(timeout=10)


def credentials(ak=AK, sk=SK, project_id=PROJECT_ID):
    return BasicCredentials(ak, sk, project_id)


def wks_client(url, creds=None):
    return WorkspaceAppClient.new_builder().with_credentials(creds or credentials()).with_endpoints([url]).build()


def vpc_client(url):
    return VpcClient.new_builder().with_credentials(credentials()).with_endpoints([url]).build()


def ecs_client(url):
    return EcsClient.new_builder().with_credentials(credentials()).with_endpoints([url]).build()


def ims_client(url):
    return ImsClient.new_builder().with_credentials(credentials()).with_endpoints([url]).build()


@pytest.fixture
def server():
    with tempfile.TemporaryDirectory() as d:
        s = Server(d)
        yield s
        s.stop()


@pytest.fixture
def wks(server):
    return wks_client(server.url)


@pytest.fixture
def vpc(server):
    return vpc_client(server.url)


@pytest.fixture
def ecs(server):
    return ecs_client(server.url)


@pytest.fixture
def ims(server):
    return ims_client(server.url)


@pytest.fixture
def network(vpc):
    sn = vpc.list_subnets(ListSubnetsRequest()).subnets[0]
    return sn.vpc_id, sn.id


def openwks_call(url, method, path, body=None):
    """Call an openwks extension route (no SDK method exists for it), signed with the SDK's own
    signer. Returns (status, parsed JSON body)."""
    import urllib.error
    import urllib.parse
    import urllib.request

    from huaweicloudsdkcore.sdk_request import SdkRequest
    from huaweicloudsdkcore.signer.signer import Signer

    u = urllib.parse.urlparse(url)
    path = path.replace("{p}", PROJECT_ID)
    path, _, query = path.partition("?")
    params = urllib.parse.parse_qsl(query)
    data = json.dumps(body) if body is not None else ""
    req = SdkRequest(method=method, schema=u.scheme, host=u.netloc, resource_path=path, uri=path,
                     query_params=params, header_params={"Content-Type": "application/json"}, body=data)
    req = Signer(credentials()).sign(req)
    target = url + path + ("?" + urllib.parse.urlencode(params) if params else "")
    r = urllib.request.Request(target, data=req.body or None, method=method, headers=req.header_params)
    try:
        with urllib.request.urlopen(r) as resp:
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def finish_due_jobs(client):
    """Finish, now, every job whose (zero, in this suite) boot delay has passed: the
    administrator's `POST /openwks/v1/_admin/jobs/run-due`. What a test calls after an operation
    that starts a job, instead of polling the job with sleeps. `client` is any SDK client of the
    server (its endpoint is used)."""
    status, body = openwks_call(client._endpoints[0], "POST", "/openwks/v1/_admin/jobs/run-due", {})
    assert status == 200, body
    return body["finished"]
