//! Identity-policy evaluation (issue 6's target: at most 5 µs per request with 20 attached
//! policies of 10 statements each). The policies are realistic: tag and enterprise-project
//! conditions, wildcard actions and resource URNs; none of them grants the request until the
//! last statement of the last policy (the worst case: every statement is evaluated), and one
//! variant ends in a Deny.
//! Run: `cargo bench -p openwks-core --bench iam`.

use std::collections::HashMap;
use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use openwks_core::iam::{evaluate, PolicyDocument, RequestContext};
use serde_json::json;

fn policies(last: &str) -> Vec<PolicyDocument> {
    (0..20)
        .map(|p| {
            let statements: Vec<serde_json::Value> = (0..10)
                .map(|s| {
                    if p == 19 && s == 9 {
                        return json!({"Effect": last, "Action": ["workspace:serverGroup:*"],
                            "Resource": ["workspace:*:*:serverGroup:*"],
                            "Condition": {"StringEquals": {"g:ResourceTag/team": ["cad"]},
                                          "StringLike": {"g:EnterpriseProjectId": ["ep-*"]}}});
                    }
                    json!({"Effect": "Allow",
                        "Action": [format!("workspace:appGroup:op{s}"), format!("ecs:cloudServers:op{p}*")],
                        "Resource": [format!("workspace:*:*:appGroup:ag-{p}-{s}-*")],
                        "Condition": {"StringEquals": {"g:ResourceTag/team": [format!("team-{p}-{s}")]},
                                      "ForAllValues:StringEquals": {"g:TagKeys": ["team", "env"]}}})
                })
                .collect();
            PolicyDocument::from_value(&json!({"Version": "5.0", "Statement": statements}))
                .unwrap_or_else(|e| panic!("bench policy: {e}"))
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let values: HashMap<String, Vec<String>> = [
        ("g:resourcetag/team", vec!["cad".to_string()]),
        ("g:resourcetag/env", vec!["prod".to_string()]),
        ("g:enterpriseprojectid", vec!["ep-42".to_string()]),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let resource = "workspace:cn-north-4:be0c4a1d2e3f40516273849a5b6c7d8e:serverGroup:5f0c8e5e-1f0b-4a5e-9c1e-1b2c3d4e5f60";
    let mut g = c.benchmark_group("iam_evaluate_20x10");
    g.measurement_time(Duration::from_secs(5));
    for last in ["Allow", "Deny"] {
        let ps = policies(last);
        g.bench_function(format!("last_statement_{}", last.to_lowercase()), |b| {
            b.iter(|| {
                let ctx = RequestContext {
                    action: black_box("workspace:serverGroup:update"),
                    resource: black_box(resource),
                    values: &values,
                };
                black_box(evaluate(&ps, &ctx))
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
