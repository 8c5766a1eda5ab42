#!/usr/bin/env python3
"""Regenerate crates/openwks-core/data/policy-schema.json: the vendor's `Policies` definition and
every definition it references, from huawei-cloud-api-definitions-WorkspaceApp (MIT), as the
policy groups' validation and defaults read it. Usage: scripts/policy-schema.py <crate src dir>."""
import json
import pathlib
import sys

src = pathlib.Path(sys.argv[1])
defs = {}
for op in ["CreatePolicyGroup", "ShowOriginalPolicyInfo", "UpdatePolicyGroup", "CreatePolicyTemplate"]:
    d = json.loads((src / f"{op}.json").read_text())
    dd = d["definitions"] if not isinstance(d["definitions"], str) else json.loads(d["definitions"])
    defs.update(dd)

want, seen = ["Policies"], {}
while want:
    name = want.pop()
    if name in seen:
        continue
    seen[name] = defs[name]
    def walk(v):
        if isinstance(v, dict):
            r = v.get("$ref")
            if r:
                want.append(r.rsplit("/", 1)[1])
            for x in v.values():
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)
    walk(defs[name])

def strip(v):
    """Keep what validation and defaults need."""
    if isinstance(v, dict):
        keep = {"type", "properties", "items", "enum", "minimum", "maximum", "minLength",
                "maxLength", "default", "$ref", "maxItems", "minItems", "pattern"}
        out = {}
        for k, x in v.items():
            if k == "properties":
                out[k] = {p: strip(s) for p, s in x.items()}
            elif k in keep:
                out[k] = strip(x)
        return out
    if isinstance(v, list):
        return [strip(x) for x in v]
    return v

out = {k: strip(v) for k, v in sorted(seen.items())}
pathlib.Path(__file__).resolve().parent.parent.joinpath(
    "crates/openwks-core/data/policy-schema.json").write_text(json.dumps(out, ensure_ascii=False, indent=1, sort_keys=True) + "\n")
print(len(out), "definitions")
