#!/usr/bin/env python3
"""Generate crates/openwks-server/src/wks/operations.rs: every operation of the official
WorkspaceApp SDK (`huaweicloudsdkworkspaceapp`, the version pinned in tests/sdk/requirements.txt),
as `(sdk method, HTTP method, path)`, read from the client's `_<op>_http_info` methods.

Run with the SDK suite's venv (tests/sdk/run.sh creates it):
    .venv-sdk/bin/python scripts/sdk-operations.py            # rewrite the file (then cargo fmt)
    .venv-sdk/bin/python scripts/sdk-operations.py --check    # exit 1 if the file is out of date
tests/sdk/test_operations_list.py runs the check in ./test.sh."""

import importlib.metadata
import inspect
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.path.join(ROOT, "crates/openwks-server/src/wks/operations.rs")


def operations():
    from huaweicloudsdkworkspaceapp.v1.workspaceapp_client import WorkspaceAppClient

    ops = []
    for name, fn in inspect.getmembers(WorkspaceAppClient):
        m = re.fullmatch(r"_(\w+)_http_info", name)
        if not m:
            continue
        src = inspect.getsource(fn)
        method = re.search(r'"method":\s*"(\w+)"', src).group(1)
        path = re.search(r'"resource_path":\s*"([^"]+)"', src).group(1)
        ops.append((m.group(1), method, path))
    ops.sort(key=lambda o: (o[2], o[1], o[0]))
    return ops


def committed():
    text = open(TARGET).read()
    return re.findall(r'\(\s*"(\w+)",\s*"(\w+)",\s*"([^"]+)",?\s*\)', text)


def render(ops):
    version = importlib.metadata.version("huaweicloudsdkworkspaceapp")
    rows = "\n".join('    ("%s", "%s", "%s"),' % o for o in ops)
    return (
        "//! Every operation of the official WorkspaceApp SDK (`huaweicloudsdkworkspaceapp` %s,\n"
        "//! `WorkspaceAppClient`): `(sdk method, HTTP method, path)`. Generated from the SDK's\n"
        "//! `_<op>_http_info` methods by `scripts/sdk-operations.py`; `docs/compatibility.md` says\n"
        "//! which are implemented.\n\n"
        "/// The %d operations.\n"
        "pub const OPERATIONS: &[(&str, &str, &str)] = &[\n%s\n];\n" % (version, len(ops), rows)
    )


def main():
    ops = operations()
    if "--check" in sys.argv:
        have = committed()
        if have != [tuple(o) for o in ops]:
            missing = sorted(set(map(tuple, ops)) - set(have))
            extra = sorted(set(have) - set(map(tuple, ops)))
            print("operations.rs is out of date with the SDK: missing %s, extra %s, order %s"
                  % (missing, extra, "differs" if not missing and not extra else "-"))
            sys.exit(1)
        print("operations.rs matches the SDK's %d operations" % len(ops))
        return
    with open(TARGET, "w") as f:
        f.write(render(ops))
    print("wrote %s (%d operations); run cargo fmt" % (os.path.relpath(TARGET, ROOT), len(ops)))


if __name__ == "__main__":
    main()
