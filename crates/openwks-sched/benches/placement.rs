//! Placing 10,000 servers in anti-affinity groups of 16 onto 10,000 hosts (issue 4's target:
//! ≥ 50,000 placements per second). Run: `cargo bench -p openwks-sched --bench placement`.

use std::collections::HashSet;
use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use openwks_sched::{Demand, Fleet, Host, HostIdx, Weigher};

fn fleet(n: usize) -> Fleet {
    Fleet::new(
        (0..n)
            .map(|i| Host {
                id: format!("host-{i}"),
                az: (i % 3) as u16,
                vcpus: 64,
                memory_mb: 256 * 1024,
                gpus: 0,
                used_vcpus: 0,
                used_memory_mb: 0,
                used_gpus: 0,
                down: false,
            })
            .collect(),
    )
}

fn bench(c: &mut Criterion) {
    let d = Demand {
        vcpus: 4,
        memory_mb: 8 * 1024,
        gpus: 0,
        az: None,
    };
    let mut g = c.benchmark_group("placement");
    g.throughput(Throughput::Elements(10_000));
    g.measurement_time(Duration::from_secs(10));
    for (name, w) in [
        (
            "10k_servers_groups_of_16_on_10k_hosts_spread",
            Weigher::Spread,
        ),
        ("10k_servers_groups_of_16_on_10k_hosts_pack", Weigher::Pack),
    ] {
        let base = fleet(10_000);
        g.bench_function(name, |b| {
            b.iter_batched(
                || base.clone(),
                |mut f| {
                    let mut placed = 0u32;
                    for _group in 0..625 {
                        let mut members: HashSet<HostIdx> = HashSet::new();
                        for _ in 0..16 {
                            let h = f.place(&d, &members, w).unwrap_or(u32::MAX);
                            members.insert(h);
                            placed += 1;
                        }
                    }
                    black_box(placed)
                },
                criterion::BatchSize::LargeInput,
            )
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
