"""The route table's list of SDK operations (crates/openwks-server/src/wks/operations.rs) is the
official SDK's, as scripts/sdk-operations.py generates it from the installed SDK."""

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_operations_rs_is_generated_from_the_installed_sdk():
    r = subprocess.run([sys.executable, os.path.join(ROOT, "scripts/sdk-operations.py"), "--check"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "174 operations" in r.stdout
