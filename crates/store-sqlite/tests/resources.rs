//! Named resources under contention: whatever the claims and the order holders come and
//! go in, no resource is ever over its capacity, and every holder eventually gets what it
//! asked for when each claim fits its resource (taking is all or nothing, so nobody sits
//! on part of a claim while waiting for the rest). Two processes on one file never both
//! take an exclusive resource.

use std::collections::BTreeMap;

use baton_core::Timestamp;
use baton_store::{Claim, ResourceStore};
use baton_store_sqlite::{Durability, SqliteStore};
use proptest::prelude::*;

const CAPACITIES: [(&str, u32); 3] = [("deploy-env", 1), ("gpu", 3), ("db", 2)];

/// A job: the units it needs of each resource (by index into CAPACITIES), each at most
/// that resource's capacity.
fn job() -> impl Strategy<Value = Vec<(usize, u32)>> {
    prop::collection::vec((0..CAPACITIES.len(), 1u32..=3), 1..=3).prop_map(|wants| {
        let mut merged: BTreeMap<usize, u32> = BTreeMap::new();
        for (resource, units) in wants {
            merged.insert(resource, units.min(CAPACITIES[resource].1));
        }
        merged.into_iter().collect()
    })
}

fn claims(wants: &[(usize, u32)]) -> Vec<Claim> {
    wants
        .iter()
        .map(|&(resource, units)| Claim {
            resource: CAPACITIES[resource].0.to_string(),
            units,
            capacity: CAPACITIES[resource].1,
        })
        .collect()
}

fn held(store: &SqliteStore, now: Timestamp) -> Vec<u32> {
    CAPACITIES
        .iter()
        .map(|(name, _)| {
            store
                .holders(name, now)
                .expect("holders")
                .iter()
                .map(|h| h.units)
                .sum()
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn contention_never_exceeds_capacity_and_everyone_gets_a_turn(
        jobs in prop::collection::vec(job(), 1..12),
        choices in prop::collection::vec(any::<u16>(), 200),
    ) {
        let mut store = SqliteStore::in_memory().expect("store");
        let (now, until) = (Timestamp(0), Timestamp(1_000_000));
        let mut waiting: Vec<usize> = (0..jobs.len()).collect();
        let mut running: Vec<usize> = Vec::new();
        let mut done = 0;
        let mut steps = 0;
        // Each step, a waiting job tries to take its claims or a running one finishes,
        // as the random choices say; once the choices run out, finish running jobs first.
        while done < jobs.len() {
            steps += 1;
            prop_assert!(steps < 10_000, "no progress: {} waiting, {} running", waiting.len(), running.len());
            let choice = usize::from(choices.get(steps).copied().unwrap_or(0));
            let finish = !running.is_empty() && (waiting.is_empty() || choice % 2 == 1 || steps >= choices.len());
            if finish {
                let job = running.remove(choice % running.len());
                store.release(&format!("job-{job}")).expect("release");
                done += 1;
            } else {
                let at = choice % waiting.len();
                let job = waiting[at];
                if store.try_acquire(&format!("job-{job}"), &claims(&jobs[job]), now, until).expect("acquire") {
                    waiting.remove(at);
                    running.push(job);
                } else {
                    // Refused only when something is held: with nothing held, a claim that
                    // fits its resources is always granted.
                    prop_assert!(!running.is_empty(), "job {job} refused with nothing held");
                }
            }
            for (units, (name, capacity)) in held(&store, now).into_iter().zip(CAPACITIES) {
                prop_assert!(units <= capacity, "{name}: {units} held of {capacity}");
            }
        }
        prop_assert_eq!(held(&store, now), vec![0, 0, 0]);
    }
}

/// Two processes (two connections to one file) racing for one exclusive resource: each
/// round, exactly one of them gets it.
#[test]
fn two_connections_never_both_take_an_exclusive_resource() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("store.db");
    drop(SqliteStore::open(&path, Durability::Relaxed).expect("create"));
    let exclusive = vec![Claim {
        resource: "deploy-env".into(),
        units: 1,
        capacity: 1,
    }];
    let barrier = std::sync::Barrier::new(2);
    let winners: Vec<Vec<bool>> = std::thread::scope(|scope| {
        let racers: Vec<_> = ["a", "b"]
            .into_iter()
            .map(|holder| {
                let (path, exclusive, barrier) = (&path, &exclusive, &barrier);
                scope.spawn(move || {
                    let mut store = SqliteStore::open(path, Durability::Relaxed).expect("open");
                    (0..50)
                        .map(|round| {
                            barrier.wait();
                            let won = store
                                .try_acquire(
                                    holder,
                                    exclusive,
                                    Timestamp(round),
                                    Timestamp(1 << 40),
                                )
                                .expect("acquire");
                            barrier.wait();
                            if won {
                                store.release(holder).expect("release");
                            }
                            barrier.wait();
                            won
                        })
                        .collect()
                })
            })
            .collect();
        racers
            .into_iter()
            .map(|r| r.join().expect("racer"))
            .collect()
    });
    for (round, (a, b)) in winners[0].iter().zip(&winners[1]).enumerate() {
        assert!(a != b, "round {round}: a {a} b {b}");
    }
}
