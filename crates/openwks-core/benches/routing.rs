//! Routing decisions (issue 5's target: ≥ 1,000,000 decisions per second with 10,000 servers
//! and 1,000,000 live sessions, cost growing at most logarithmically with the servers).
//! A decision is `assign` (choose a server and count the session); the bench releases one
//! session per decision too, so the live count stays at 100 per server.
//! Run: `cargo bench -p openwks-core --bench routing`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use openwks_core::routing::{Candidate, Policy, Router, Strategy};

fn router(servers: u64, strategy: Strategy) -> (Router, Vec<String>) {
    let mut r = Router::new(Policy {
        enabled: true,
        max_session: 200,
        cpu_threshold: None,
        mem_threshold: None,
        gpu_threshold: None,
        gpus: 0,
        strategy,
    });
    let ids: Vec<String> = (0..servers).map(|i| format!("server-{i:06}")).collect();
    for (i, id) in ids.iter().enumerate() {
        r.set(Candidate {
            id: id.clone(),
            order: i as u64,
            vm_status: "ACTIVE".into(),
            maintain: false,
            drained: false,
            upgrading: false,
            sessions: 100,
        });
    }
    (r, ids)
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("routing");
    g.throughput(Throughput::Elements(1));
    g.measurement_time(Duration::from_secs(5));
    for strategy in [Strategy::BreadthFirst, Strategy::DepthFirst] {
        for servers in [1_000u64, 10_000, 100_000] {
            let (mut r, ids) = router(servers, strategy);
            let mut k = 0usize;
            g.bench_with_input(
                BenchmarkId::new(format!("{strategy:?}"), servers),
                &servers,
                |b, _| {
                    b.iter(|| {
                        let got = r.assign();
                        // One session ends elsewhere: the live count stays constant.
                        k = (k + 7919) % ids.len();
                        r.adjust(&ids[k], -1);
                        black_box(got)
                    })
                },
            );
        }
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
