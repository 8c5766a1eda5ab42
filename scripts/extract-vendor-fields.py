#!/usr/bin/env python3
"""Extract the field sets (and numeric/length constraints) of the vendor models openwks serves
from the OpenAPI fragments in the crates.io package `huawei-cloud-api-definitions-WorkspaceApp`,
into crates/openwks-api/tests/fixtures/vendor-fields.json (committed; the DTO tests read it).

Run after `cargo fetch` has the package in the registry, e.g.:
    cargo info huawei-cloud-api-definitions-WorkspaceApp >/dev/null   # downloads it
    python3 scripts/extract-vendor-fields.py
"""
import glob
import json
import os
import sys

# (fixture name, definition file, definition name or "<op>:response")
MODELS = [
    ("CreateServerGroupReq", "CreateServerGroup", "CreateServerGroupReq"),
    ("ServerGroup", "CreateServerGroup", "ServerGroup"),
    ("RoutePolicyDetail", "CreateServerGroup", "RoutePolicyDetail"),
    ("IpVirtual", "CreateServerGroup", "IpVirtual"),
    ("TmsTag", "CreateServerGroup", "TmsTag"),
    ("ServerProductInfo", "CreateServerGroup", "ServerProductInfo"),
    ("ScalingPolicy", "CreateServerGroup", "ScalingPolicy"),
    ("ScalingPolicyBySession", "CreateServerGroup", "ScalingPolicyBySession"),
    ("ScalingPolicyByResource", "CreateServerGroup", "ScalingPolicyByResource"),
    ("UpdateServerGroupReq", "UpdateServerGroup", "UpdateServerGroupReq"),
    ("ServerGroupDto", "ListTenantServerGroups", "ServerGroupDto"),
    ("CreateOrUpdateScalingPolicyReq", "CreateOrUpdateScalingPolicy", "CreateOrUpdateScalingPolicyReq"),
    ("ProductDetailInfo", "ListProduct", "ProductDetailInfo"),
    ("AvailabilityZoneInfo", "ListAvailabilityZone", "AvailabilityZoneInfo"),
    ("VolumeTypeInfo", "ListVolumeType", "VolumeTypeInfo"),
    ("QuotaRemainderData", "CheckQuota", "QuotaRemainderData"),
    ("ListTenantProfileResponse", "ListTenantProfile", ":response"),
    ("CheckQuotaResponse", "CheckQuota", ":response"),
    ("ListProductResponse", "ListProduct", ":response"),
    ("ListAvailabilityZoneResponse", "ListAvailabilityZone", ":response"),
    ("CreateAppGroupReq", "CreateAppGroup", "CreateAppGroupReq"),
    ("AppGroup", "CreateAppGroup", "AppGroup"),
    ("UpdateAppGroupReq", "UpdateAppGroup", "UpdateAppGroupReq"),
    ("DeleteAppGroupReq", "BatchDeleteAppGroup", "DeleteAppGroupReq"),
    ("AppGroupAuthorizeReq", "AddAppGroupAuthorization", "AppGroupAuthorizeReq"),
    ("AccountInfo", "AddAppGroupAuthorization", "AccountInfo"),
    ("Authorization", "ListAppGroupAuthorization", "Authorization"),
    ("PublishApp", "PublishApp", "PublishApp"),
    ("App", "PublishApp", "App"),
    ("UpdateAppReq", "UpdateApp", "UpdateAppReq"),
]
KEEP = ("minimum", "maximum", "minLength", "maxLength", "maxItems", "minItems", "pattern")


def find_src():
    pat = os.path.expanduser("~/.cargo/registry/src/*/huawei-cloud-api-definitions-WorkspaceApp-*/src")
    found = sorted(glob.glob(pat))
    if not found:
        sys.exit("huawei-cloud-api-definitions-WorkspaceApp is not in the cargo registry; run `cargo info` on it first")
    return found[-1]


def resolve(defs, schema):
    """Properties of a schema, following $ref and allOf."""
    if "$ref" in schema:
        return resolve(defs, defs[schema["$ref"].split("/")[-1]])
    props = {}
    for part in schema.get("allOf", []):
        props.update(resolve(defs, part))
    props.update(schema.get("properties", {}))
    return props


def json_type(defs, prop):
    if "$ref" in prop:
        target = defs[prop["$ref"].split("/")[-1]]
        return target.get("type", "object") if "enum" in target or target.get("type") != "object" else "object"
    return prop.get("type", "object")


def main():
    src = find_src()
    out = {"_generated_by": "scripts/extract-vendor-fields.py from " + os.path.basename(os.path.dirname(src))}
    for name, op, model in MODELS:
        spec = json.load(open(os.path.join(src, op + ".json")))
        defs = spec["definitions"]
        if model == ":response":
            (method_map,) = spec["paths"].values()
            (operation,) = method_map.values()
            schema = operation["responses"]["200"]["schema"]
        else:
            schema = defs[model]
        props = resolve(defs, schema)
        out[name] = {
            k: dict({"type": json_type(defs, v)}, **{c: v[c] for c in KEEP if c in v}) for k, v in sorted(props.items())
        }
    dst = os.path.join(os.path.dirname(__file__), "..", "crates", "openwks-api", "tests", "fixtures", "vendor-fields.json")
    with open(dst, "w") as f:
        json.dump(out, f, indent=1, ensure_ascii=False, sort_keys=True)
        f.write("\n")
    print("wrote", os.path.normpath(dst))


if __name__ == "__main__":
    main()
