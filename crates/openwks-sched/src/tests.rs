//! Scheduler tests, including randomized property tests against a naive reference.

use std::collections::{HashMap, HashSet};

use rand::{Rng, SeedableRng};

use super::*;

fn host(i: usize, az: u16, vcpus: u32, mem: u64, gpus: u32) -> Host {
    Host {
        id: format!("h{i}"),
        az,
        vcpus,
        memory_mb: mem,
        gpus,
        used_vcpus: 0,
        used_memory_mb: 0,
        used_gpus: 0,
        down: false,
    }
}

fn demand(vcpus: u32, mem: u64) -> Demand {
    Demand {
        vcpus,
        memory_mb: mem,
        gpus: 0,
        az: None,
    }
}

#[test]
fn spread_picks_the_emptiest_host_and_pack_the_fullest_that_fits() {
    let mut f = Fleet::new(vec![
        host(0, 0, 8, 32_000, 0),
        host(1, 0, 16, 64_000, 0),
        host(2, 0, 4, 16_000, 0),
    ]);
    assert_eq!(
        f.place(&demand(4, 8_000), &HashSet::new(), Weigher::Spread),
        Ok(1)
    );
    let mut g = f.clone();
    assert_eq!(
        g.place(&demand(4, 8_000), &HashSet::new(), Weigher::Pack),
        Ok(2)
    );
    assert_eq!(f.hosts()[1].used_vcpus, 4);
}

#[test]
fn anti_affinity_excludes_the_groups_hosts_and_explains_failure() {
    let mut f = Fleet::new((0..3).map(|i| host(i, 0, 8, 32_000, 0)).collect());
    let picked = f
        .place_many(&demand(2, 4_000), 3, &HashSet::new(), Weigher::Spread, true)
        .expect("3 hosts");
    let distinct: HashSet<_> = picked.iter().collect();
    assert_eq!(distinct.len(), 3);
    let avoid: HashSet<HostIdx> = picked.into_iter().collect();
    let err = f
        .place(&demand(2, 4_000), &avoid, Weigher::Spread)
        .expect_err("4th member");
    assert_eq!(err.anti_affinity, 3);
    assert!(err.to_string().contains("3 already run a member"));
}

#[test]
fn a_failed_multi_create_releases_what_it_claimed() {
    let mut f = Fleet::new((0..2).map(|i| host(i, 0, 8, 32_000, 0)).collect());
    let before = f.hosts().to_vec();
    assert!(f
        .place_many(&demand(2, 4_000), 3, &HashSet::new(), Weigher::Spread, true)
        .is_err());
    assert_eq!(f.hosts(), &before[..]);
}

#[test]
fn az_memory_and_gpu_filters() {
    let mut f = Fleet::new(vec![
        host(0, 0, 64, 8_000, 0),
        host(1, 1, 64, 256_000, 0),
        host(2, 1, 64, 256_000, 2),
    ]);
    let d = Demand {
        vcpus: 8,
        memory_mb: 64_000,
        gpus: 1,
        az: Some(1),
    };
    assert_eq!(f.place(&d, &HashSet::new(), Weigher::Spread), Ok(2));
    let err = f
        .place(
            &Demand { az: Some(0), ..d },
            &HashSet::new(),
            Weigher::Spread,
        )
        .expect_err("az 0 lacks");
    assert_eq!((err.wrong_az, err.memory), (2, 1));
    let err = f
        .place(&Demand { gpus: 2, ..d }, &HashSet::new(), Weigher::Spread)
        .expect_err("gpus");
    assert_eq!(err.gpus, 2);
}

/// Property: random fleets, groups and demands; every placement respects capacity and
/// anti-affinity, and a placement fails only when a naive full scan finds no host either.
#[test]
fn randomized_placements_never_break_capacity_or_anti_affinity() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    for round in 0..50 {
        let n = rng.random_range(1..40);
        let hosts: Vec<Host> = (0..n)
            .map(|i| {
                host(
                    i,
                    rng.random_range(0..3),
                    rng.random_range(4..64),
                    rng.random_range(8_000..128_000),
                    rng.random_range(0..3),
                )
            })
            .collect();
        let mut f = Fleet::new(hosts);
        let mut groups: HashMap<u32, HashSet<HostIdx>> = HashMap::new();
        for _ in 0..200 {
            let g = rng.random_range(0..5u32);
            let d = Demand {
                vcpus: rng.random_range(1..16),
                memory_mb: rng.random_range(1_000..32_000),
                gpus: if rng.random_bool(0.1) { 1 } else { 0 },
                az: if rng.random_bool(0.3) {
                    Some(rng.random_range(0..3))
                } else {
                    None
                },
            };
            let avoid = groups.entry(g).or_default().clone();
            let w = if rng.random_bool(0.5) {
                Weigher::Spread
            } else {
                Weigher::Pack
            };
            let naive_ok = f.hosts().iter().enumerate().any(|(i, h)| {
                !avoid.contains(&(i as u32)) && h.fits(&d) && d.az.is_none_or(|a| a == h.az)
            });
            match f.place(&d, &avoid, w) {
                Ok(i) => {
                    assert!(naive_ok, "round {round}");
                    assert!(!avoid.contains(&i), "anti-affinity broken in round {round}");
                    let h = &f.hosts()[i as usize];
                    assert!(
                        h.used_vcpus <= h.vcpus
                            && h.used_memory_mb <= h.memory_mb
                            && h.used_gpus <= h.gpus
                    );
                    assert!(d.az.is_none_or(|a| a == h.az));
                    groups.entry(g).or_default().insert(i);
                }
                Err(e) => assert!(
                    !naive_ok,
                    "round {round}: the scheduler missed a valid host: {e}"
                ),
            }
        }
    }
}

#[test]
fn a_down_host_takes_nothing_and_is_named_in_the_refusal() {
    let mut f = Fleet::new(vec![host(0, 0, 8, 16_384, 0), host(1, 0, 8, 16_384, 0)]);
    f.set_down(1, true);
    let none = HashSet::new();
    let d = demand(4, 8192);
    assert_eq!(f.place(&d, &none, Weigher::Spread), Ok(0));
    assert_eq!(f.place(&d, &none, Weigher::Spread), Ok(0));
    let e = f
        .place(&d, &none, Weigher::Spread)
        .expect_err("full but for the down host");
    assert_eq!((e.down, e.vcpus), (1, 1));
    assert!(e.to_string().ends_with(", 1 are down"), "{e}");
    f.set_down(1, false);
    assert_eq!(f.place(&d, &none, Weigher::Spread), Ok(1));
}
