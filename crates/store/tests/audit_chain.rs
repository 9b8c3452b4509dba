//! The audit chain against random tampering: every edit, deletion, insertion and reorder
//! of records is detected (an edited record is named itself, a deletion by the record
//! after the gap), and an untouched chain always verifies.

use baton_core::{InstanceId, Timestamp};
use baton_store::audit::{self, Actor, AuditEntry, AuditHead, AuditRecord};
use proptest::prelude::*;

fn entry(n: u64, reason: Option<String>) -> AuditEntry {
    let mut entry = AuditEntry::new(
        Actor::token(&format!("t{}", n % 3), Some("ops"), "operator", "default"),
        ["instance.cancel", "job.complete", "deployment.create"][(n % 3) as usize],
        "node-1",
    )
    .with_reason(reason)
    .with_detail("key", n);
    entry.at = Timestamp(1_700_000_000_000 + n as i64);
    if n.is_multiple_of(2) {
        entry = entry.with_instance(InstanceId(n));
    }
    entry
}

fn chain(reasons: &[Option<String>]) -> (Vec<AuditRecord>, AuditHead) {
    let entries: Vec<_> = reasons
        .iter()
        .enumerate()
        .map(|(n, reason)| entry(n as u64, reason.clone()))
        .collect();
    audit::seal_all(&entries, None)
}

/// Changes one column of a record to something else.
fn edit(record: &mut AuditRecord, column: usize) {
    let other = |text: &str| format!("{text}x");
    match column {
        0 => record.at += 1,
        1 => record.actor = record.actor.replace("ops", "eve"),
        2 => record.action = other(&record.action),
        3 => record.instance = Some(record.instance.map_or(7, |i| i + 1)),
        4 => record.detail = record.detail.replace('}', ",\"x\":\"1\"}"),
        5 => record.payload_digest = Some(other(record.payload_digest.as_deref().unwrap_or(""))),
        6 => record.reason = Some(other(record.reason.as_deref().unwrap_or(""))),
        7 => record.outcome = "refused".into(),
        8 => record.node = other(&record.node),
        9 => record.client = Some(other(record.client.as_deref().unwrap_or(""))),
        _ => record.hash = audit::digest(record.hash.as_bytes()),
    }
}

fn reasons() -> impl Strategy<Value = Vec<Option<String>>> {
    prop::collection::vec(prop::option::of("[a-z ]{0,12}"), 1..24)
}

proptest! {
    #[test]
    fn an_untouched_chain_always_verifies(reasons in reasons()) {
        let (records, head) = chain(&reasons);
        let verdict = audit::verify(&records, Some(&head), None);
        prop_assert!(verdict.ok, "{:?}", verdict);
        prop_assert_eq!(verdict.records, reasons.len() as u64);
    }

    #[test]
    fn an_edited_record_is_named(reasons in reasons(), at in any::<prop::sample::Index>(), column in 0usize..11) {
        let (mut records, head) = chain(&reasons);
        let index = at.index(records.len());
        edit(&mut records[index], column);
        let verdict = audit::verify(&records, Some(&head), None);
        prop_assert!(!verdict.ok);
        prop_assert_eq!(verdict.first_bad, Some(index as u64 + 1));
    }

    #[test]
    fn a_deleted_record_is_detected_by_the_one_after_it(reasons in reasons(), at in any::<prop::sample::Index>()) {
        let (mut records, head) = chain(&reasons);
        let index = at.index(records.len());
        records.remove(index);
        let verdict = audit::verify(&records, Some(&head), None);
        prop_assert!(!verdict.ok);
        // The record after the gap; after a cut tail, the first one missing.
        prop_assert_eq!(verdict.first_bad, Some(index as u64 + 2).filter(|_| index < records.len()).or(Some(index as u64 + 1)));
    }

    #[test]
    fn an_inserted_record_is_detected(reasons in reasons(), at in any::<prop::sample::Index>(), renumber in any::<bool>()) {
        let (mut records, head) = chain(&reasons);
        let index = at.index(records.len() + 1);
        // A plausible record: a copy of a neighbour, given the seq of its place, with the
        // hash it would have there (the chain up to it is public).
        let mut forged = records[index.min(records.len() - 1)].clone();
        forged.seq = index as u64 + 1;
        forged.reason = Some("forged".into());
        let previous = if index == 0 { audit::GENESIS.to_string() } else { records[index - 1].hash.clone() };
        forged.hash = audit::chain_hash(&previous, &forged);
        records.insert(index, forged);
        if renumber {
            for (n, record) in records.iter_mut().enumerate() {
                record.seq = n as u64 + 1;
            }
        }
        let verdict = audit::verify(&records, Some(&head), None);
        prop_assert!(!verdict.ok, "{:?}", verdict);
    }

    #[test]
    fn reordered_records_are_detected(reasons in prop::collection::vec(prop::option::of("[a-z]{0,6}"), 2..24), a in any::<prop::sample::Index>(), b in any::<prop::sample::Index>(), keep_seq in any::<bool>()) {
        let (mut records, head) = chain(&reasons);
        let (a, b) = (a.index(records.len()), b.index(records.len()));
        prop_assume!(a != b);
        records.swap(a, b);
        if keep_seq {
            // Contents swapped under the numbers they had: the chain still counts 1, 2, …
            let (sa, sb) = (records[a].seq, records[b].seq);
            records[a].seq = sb;
            records[b].seq = sa;
        }
        let verdict = audit::verify(&records, Some(&head), None);
        prop_assert!(!verdict.ok);
        // Moved contents fail their hash where they landed; moved numbers read as a gap
        // at the first one out of place.
        let expected = if keep_seq { a.min(b) } else { a.max(b) } as u64 + 1;
        prop_assert_eq!(verdict.first_bad, Some(expected));
    }
}
