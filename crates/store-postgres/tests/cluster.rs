//! Cluster membership and partition leases on a real PostgreSQL (`BATON_TEST_PG_URL`;
//! skipped with a loud notice without it): nodes share the partitions fairly, a node that
//! stops beating loses them to the others after its lease, and one that wakes up later
//! finds them gone and can never commit again (fencing).

use std::collections::BTreeSet;
use std::time::Duration;

use baton_core::{Event, InstanceId, Timestamp};
use baton_store::{Append, Error, JournalStore as _, RowChanges};
use baton_store_postgres::PgStore;
use baton_store_postgres::cluster::{self, Node, NodeState, PARTITIONS};

mod support;

use support::Schemas;

fn partitions(node: &Node) -> BTreeSet<u32> {
    node.held().keys().copied().collect()
}

/// Two nodes on one schema, beaten until they split the partitions: the first takes all
/// while alone, hands back half once it sees the second, which then claims them.
fn two_balanced_nodes(store: &baton_store_postgres::PgStore, lease: Duration) -> (Node, Node) {
    let mut a = Node::join(store, "127.0.0.1:1", lease).expect("join a");
    assert_eq!(a.beat().expect("beat").claimed.len(), PARTITIONS as usize);
    let mut b = Node::join(store, "127.0.0.1:2", lease).expect("join b");
    assert!(b.beat().expect("beat").held.is_empty(), "all are a's yet");
    let handed_back = a.beat().expect("beat");
    assert_eq!(handed_back.live_nodes, 2);
    assert_eq!(handed_back.lost.len(), PARTITIONS as usize / 2);
    let claimed = b.beat().expect("beat");
    assert_eq!(claimed.claimed, handed_back.lost);
    (a, b)
}

#[test]
fn two_nodes_split_the_partitions_and_status_shows_them() {
    let Some(schemas) = Schemas::for_test("two_nodes_split_the_partitions_and_status_shows_them")
    else {
        return;
    };
    let store = schemas.store();
    let (a, b) = two_balanced_nodes(&store, cluster::DEFAULT_LEASE);
    let (pa, pb) = (partitions(&a), partitions(&b));
    assert_eq!(pa.len(), 16);
    assert_eq!(pb.len(), 16);
    assert!(pa.is_disjoint(&pb));
    let nodes = cluster::status(&store).expect("status");
    let seen: Vec<_> = nodes
        .iter()
        .map(|n| (n.id.as_str(), n.address.as_str(), n.state, n.partitions))
        .collect();
    assert_eq!(
        seen,
        [
            (a.id(), "127.0.0.1:1", NodeState::Live, 16),
            (b.id(), "127.0.0.1:2", NodeState::Live, 16)
        ]
    );
}

#[test]
fn a_silent_node_loses_its_partitions_to_the_others_after_its_lease() {
    let Some(schemas) =
        Schemas::for_test("a_silent_node_loses_its_partitions_to_the_others_after_its_lease")
    else {
        return;
    };
    let store = schemas.store();
    let lease = Duration::from_millis(600);
    let (mut a, mut b) = two_balanced_nodes(&store, lease);
    let a_had = a.held().clone();
    // a stops beating (frozen, or killed); b goes on.
    std::thread::sleep(lease + Duration::from_millis(300));
    let took_over = b.beat().expect("beat");
    assert_eq!(took_over.live_nodes, 1);
    assert_eq!(took_over.held.len(), PARTITIONS as usize);
    for (partition, epoch) in &a_had {
        assert!(
            took_over.held[partition] > *epoch,
            "partition {partition} is claimed at a new epoch"
        );
    }
    let nodes = cluster::status(&store).expect("status");
    let a_status = nodes.iter().find(|n| n.id == a.id()).expect("a listed");
    assert_eq!((a_status.state, a_status.partitions), (NodeState::Dead, 0));
    // a wakes up: its leases are gone, and it claims none of b's.
    let woke = a.beat().expect("beat");
    assert_eq!(
        woke.lost.iter().copied().collect::<BTreeSet<_>>(),
        a_had.keys().copied().collect()
    );
    assert!(woke.held.is_empty());
}

#[test]
fn a_node_leaving_hands_its_partitions_back_at_once() {
    let Some(schemas) = Schemas::for_test("a_node_leaving_hands_its_partitions_back_at_once")
    else {
        return;
    };
    let store = schemas.store();
    let (a, mut b) = two_balanced_nodes(&store, cluster::DEFAULT_LEASE);
    let a_id = a.id().to_string();
    a.leave().expect("leave");
    // Without waiting for a's 10 s lease.
    assert_eq!(b.beat().expect("beat").held.len(), PARTITIONS as usize);
    let nodes = cluster::status(&store).expect("status");
    assert!(nodes.iter().all(|n| n.id != a_id), "a's row is gone");
}

#[test]
fn instances_hash_into_partitions_by_id() {
    assert_eq!(cluster::partition_of(0), 0);
    assert_eq!(cluster::partition_of(33), 1);
    assert_eq!(cluster::partition_of(u64::from(PARTITIONS) * 7 + 5), 5);
}

/// A journal entry at `seq` of `instance` (what it says does not matter here).
fn append(instance: u64, seq: u64) -> Append {
    let event = Event::InstanceCreated {
        instance: InstanceId(instance),
        process_id: "p".into(),
        version: 1,
        parent: None,
        trace: None,
    };
    Append {
        instance: InstanceId(instance),
        first_seq: seq,
        at: Timestamp(1),
        events_json: serde_json::to_string(&[event]).expect("json"),
        rows: RowChanges::default(),
    }
}

fn journal_length(store: &PgStore, instance: u64) -> usize {
    store.journal(InstanceId(instance)).expect("journal").len()
}

/// Two nodes, each with its store on one database. The first loses its lease while
/// frozen: the other claims its partitions, and from then on none of the first one's
/// commits writes anything, even for the instances of partitions nobody else wrote yet.
#[test]
fn a_node_that_lost_its_lease_can_never_commit_again() {
    let Some(schemas) = Schemas::for_test("a_node_that_lost_its_lease_can_never_commit_again")
    else {
        return;
    };
    let mut store_a = schemas.store();
    let mut store_b =
        PgStore::connect_schema(&schemas.url, store_a.schema()).expect("second connection");
    let lease = Duration::from_millis(600);
    let mut a = Node::join(&store_a, "127.0.0.1:1", lease).expect("join a");
    a.beat().expect("beat");
    store_a.set_fence(Some(a.fence()));
    // Instances 1 and 34 share partition 1; 2 is in partition 2. a holds all.
    store_a
        .commit(&[append(1, 0), append(34, 0), append(2, 0)], &[])
        .expect("the owner commits");

    // a is frozen past its lease; b joins and takes every partition over.
    std::thread::sleep(lease + Duration::from_millis(300));
    let mut b = Node::join(&store_b, "127.0.0.1:2", lease).expect("join b");
    assert_eq!(b.beat().expect("beat").held.len(), PARTITIONS as usize);
    store_b.set_fence(Some(b.fence()));

    // a wakes up and, not having beaten yet, still believes it holds partition 1 at its
    // old epoch: the commit is refused as a whole, the instance of partition 2 included.
    let refused = store_a
        .commit(&[append(1, 1), append(2, 1)], &[])
        .expect_err("fenced");
    match refused {
        Error::Fenced { instances } => {
            assert_eq!(instances, [InstanceId(1), InstanceId(2)]);
        }
        other => panic!("expected Fenced, got {other}"),
    }
    assert_eq!(
        (journal_length(&store_b, 1), journal_length(&store_b, 2)),
        (1, 1),
        "nothing of the refused batch was written"
    );
    // After its next beat it knows it holds nothing, and still cannot write.
    assert!(a.beat().expect("beat").held.is_empty());
    assert!(matches!(
        store_a.commit(&[append(34, 1)], &[]),
        Err(Error::Fenced { .. })
    ));
    // The new owner writes on from where the journal is.
    store_b
        .commit(&[append(1, 1), append(34, 1)], &[])
        .expect("the new owner commits");
    assert_eq!(journal_length(&store_b, 34), 2);
}

/// A store without a fence (every CLI command, SQLite's behaviour) writes whatever the
/// leases say.
#[test]
fn a_store_without_a_fence_commits_as_before() {
    let Some(schemas) = Schemas::for_test("a_store_without_a_fence_commits_as_before") else {
        return;
    };
    let mut store = schemas.store();
    let mut other = Node::join(&store, "127.0.0.1:1", cluster::DEFAULT_LEASE).expect("join");
    assert_eq!(other.beat().expect("beat").held.len(), PARTITIONS as usize);
    store
        .commit(&[append(5, 0)], &[])
        .expect("no fence, no check");
    assert_eq!(journal_length(&store, 5), 1);
}
