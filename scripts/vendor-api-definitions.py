#!/usr/bin/env python3
"""Copy the vendor's OpenAPI fragments of every operation openwks serves into
crates/openwks-server/tests/vendor/<product>/<Operation>.json, for the schema conformance test
(crates/openwks-server/tests/it/conformance.rs).

Source: the crates `huawei-cloud-api-definitions-WorkspaceApp` and `-ECS` (MIT, generated from
the vendor's API Explorer), taken from the local cargo registry; if they are not there, a
throwaway cargo project fetches them. An operation is copied when its method and path (path
parameters compared by position, not name) are a row of the route table
(crates/openwks-server/src/routes.rs). Descriptions are dropped (they are long Chinese prose
the test does not read); everything else is kept as published.

Run it again after a crate update: `python3 scripts/vendor-api-definitions.py`."""

import glob
import json
import os
import re
import subprocess
import sys
import tempfile

CRATES = {"WorkspaceApp": "0.1.20261016", "ECS": "0.1.20261024"}
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "crates/openwks-server/tests/vendor")


def crate_dir(product, version):
    pattern = os.path.expanduser(
        "~/.cargo/registry/src/*/huawei-cloud-api-definitions-%s-%s/src" % (product, version))
    found = glob.glob(pattern)
    if found:
        return found[0]
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "Cargo.toml"), "w") as f:
            f.write('[package]\nname = "fetch-defs"\nversion = "0.0.0"\nedition = "2021"\n[dependencies]\n')
            for p, v in CRATES.items():
                f.write('huawei-cloud-api-definitions-%s = "=%s"\n' % (p, v))
        os.makedirs(os.path.join(tmp, "src"))
        with open(os.path.join(tmp, "src/main.rs"), "w") as f:
            f.write("fn main() {}\n")
        subprocess.run(["cargo", "fetch", "--manifest-path", os.path.join(tmp, "Cargo.toml")], check=True)
    return glob.glob(pattern)[0]


def shape(path):
    return re.sub(r"\{[^}]+\}", "{}", path.rstrip("/"))


def routes():
    text = open(os.path.join(ROOT, "crates/openwks-server/src/routes.rs")).read()
    return {(m.lower(), shape(p)) for m, p in re.findall(r'^\s*(GET|POST|PUT|PATCH|DELETE) "([^"]+)"', text, re.M)}


def strip(v):
    if isinstance(v, dict):
        return {k: strip(x) for k, x in v.items() if k not in ("description", "summary")}
    if isinstance(v, list):
        return [strip(x) for x in v]
    return v


def main():
    served = routes()
    total = 0
    for product, version in CRATES.items():
        src = crate_dir(product, version)
        out = os.path.join(OUT, product)
        os.makedirs(out, exist_ok=True)
        for old in glob.glob(os.path.join(out, "*.json")):
            os.remove(old)
        for f in sorted(glob.glob(os.path.join(src, "*.json"))):
            d = json.load(open(f))
            keep = False
            for path, methods in (d.get("paths") or {}).items():
                for method in methods:
                    if (method.lower(), shape(path)) in served:
                        keep = True
            if not keep:
                continue
            slim = {k: strip(d[k]) for k in ("name", "method", "paths", "definitions", "parameters") if k in d}
            slim["source"] = "huawei-cloud-api-definitions-%s %s (MIT)" % (product, version)
            with open(os.path.join(out, os.path.basename(f)), "w") as w:
                json.dump(slim, w, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
                w.write("\n")
            total += 1
    print("vendored %d operation definitions into %s" % (total, os.path.relpath(OUT, ROOT)), file=sys.stderr)


if __name__ == "__main__":
    main()
