//! The audit trail: who did what, when, where and why, as a hash chain.
//!
//! Every externally caused action (a deploy, a cancel, a job completed by a worker, a
//! token created, a request refused with 401 or 403, …) becomes one [`AuditEntry`]. A
//! store appends it as an [`AuditRecord`]: numbered (`seq`, 1, 2, … without gaps) and
//! sealed with `hash = SHA-256(previous hash ‖ canonical content)` ([`seal`]), so each
//! record vouches for every one before it. Backends only store and return records
//! column by column; the hashing and the checking ([`verify`]) live here, once, so every
//! backend chains the same way and SQL never takes part in it.
//!
//! What [`verify`] detects without a key: any edited column of any record (the record is
//! named), a deleted record (the one after the gap is named; a deleted last record is
//! caught by the chain head a backend keeps next to the chain, updated in the same
//! transaction), a record inserted or moved (its `seq` or its hash no longer fits). What
//! it cannot detect: someone able to write the database who recomputes every hash after
//! a change, and the head with them. Signed checkpoints ([`Checkpoint`]) close that gap for
//! everything before the last checkpoint: forging it would need the private key.

use std::collections::BTreeMap;
use std::fmt;

use baton_core::{InstanceId, Timestamp};
use ed25519_dalek::{Signature, Signer as _, SigningKey, Verifier as _, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

/// The hash the first record chains to.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The action of a signed checkpoint record.
pub const CHECKPOINT_ACTION: &str = "audit.checkpoint";

/// Tags the canonical content, so a future format can be told apart.
const CONTENT_VERSION: &str = "baton-audit/1";
/// Tags what a checkpoint signs.
const CHECKPOINT_VERSION: &str = "baton-audit-checkpoint/1";

/// Whether the action happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Committed, in the same transaction as this record.
    Done,
    /// Refused (401, 403, a rejected command) or rolled back (a failed commit): nothing
    /// of it happened.
    Refused,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Done => "done",
            Outcome::Refused => "refused",
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who acted: an API token (`kind` `token`, with its id, role and tenant), the local
/// operating system user of the embedded CLI (`local`), a caller whose token was not
/// accepted (`anonymous`), or Baton itself doing what its configuration asks (`system`,
/// e.g. the scheduled prune of `[retention]`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Actor {
    pub kind: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
}

impl Actor {
    /// The operating system user running the embedded CLI.
    pub fn local(name: impl Into<String>) -> Actor {
        Actor {
            kind: "local".into(),
            name: name.into(),
            id: None,
            role: None,
            tenant: None,
        }
    }

    /// An API token; a token without a name is named by its id.
    pub fn token(id: &str, name: Option<&str>, role: &str, tenant: &str) -> Actor {
        Actor {
            kind: "token".into(),
            name: name.unwrap_or(id).to_string(),
            id: Some(id.to_string()),
            role: Some(role.to_string()),
            tenant: Some(tenant.to_string()),
        }
    }

    /// Baton itself, acting on its configuration: `name` says which part (`retention`).
    pub fn system(name: impl Into<String>) -> Actor {
        Actor {
            kind: "system".into(),
            name: name.into(),
            id: None,
            role: None,
            tenant: None,
        }
    }

    /// A caller without an accepted token; `token_id` when it sent a well-formed one.
    pub fn anonymous(token_id: Option<&str>) -> Actor {
        Actor {
            kind: "anonymous".into(),
            name: token_id.map_or_else(|| "anonymous".to_string(), str::to_string),
            id: token_id.map(str::to_string),
            role: None,
            tenant: None,
        }
    }
}

/// An action to record, before it has its place in the chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEntry {
    /// When, in milliseconds since the epoch. The runtime stamps it with its clock when it
    /// records the entry.
    pub at: Timestamp,
    pub actor: Actor,
    /// Dotted, `resource.verb`: `instance.cancel`, `deployment.create`, `job.complete`,
    /// `auth.failed`, …
    pub action: String,
    /// The instance acted on, when there is one.
    pub instance: Option<InstanceId>,
    /// Other targets and facts: a job or task key, a process id, a token id, the HTTP
    /// status of a refusal, a checkpoint's signature.
    pub detail: BTreeMap<String, String>,
    /// SHA-256 (hex) of the request's payload, when it had one.
    pub payload_digest: Option<String>,
    /// Why, as the caller said.
    pub reason: Option<String>,
    pub outcome: Outcome,
    /// The node that served it (the host name, or `[server] node` of `baton.toml`).
    pub node: String,
    /// The client's address, for API calls.
    pub client: Option<String>,
}

impl AuditEntry {
    /// An action that happened (`Outcome::Done`), stamped later.
    pub fn new(actor: Actor, action: impl Into<String>, node: impl Into<String>) -> AuditEntry {
        AuditEntry {
            at: Timestamp(0),
            actor,
            action: action.into(),
            instance: None,
            detail: BTreeMap::new(),
            payload_digest: None,
            reason: None,
            outcome: Outcome::Done,
            node: node.into(),
            client: None,
        }
    }

    pub fn with_instance(mut self, instance: InstanceId) -> AuditEntry {
        self.instance = Some(instance);
        self
    }

    pub fn with_reason(mut self, reason: Option<String>) -> AuditEntry {
        self.reason = reason.filter(|r| !r.is_empty());
        self
    }

    pub fn with_detail(mut self, name: &str, value: impl ToString) -> AuditEntry {
        self.detail.insert(name.to_string(), value.to_string());
        self
    }

    pub fn refused(mut self) -> AuditEntry {
        self.outcome = Outcome::Refused;
        self
    }
}

/// A record as stored, column by column: exactly what the hash covers (besides the
/// previous record's hash). `actor` and `detail` are JSON text, kept byte for byte.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditRecord {
    pub seq: u64,
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub instance: Option<u64>,
    pub detail: String,
    pub payload_digest: Option<String>,
    pub reason: Option<String>,
    pub outcome: String,
    pub node: String,
    pub client: Option<String>,
    pub hash: String,
}

impl AuditRecord {
    /// The record as users and tools see it (`baton audit list --json`, `GET /v1/audit`):
    /// `actor` and `detail` as objects.
    pub fn to_json(&self) -> serde_json::Value {
        let object = |text: &str| {
            serde_json::from_str::<serde_json::Value>(text)
                .unwrap_or_else(|_| serde_json::Value::String(text.to_string()))
        };
        serde_json::json!({
            "seq": self.seq,
            "at": self.at,
            "actor": object(&self.actor),
            "action": self.action,
            "instance": self.instance,
            "detail": object(&self.detail),
            "payload_digest": self.payload_digest,
            "reason": self.reason,
            "outcome": self.outcome,
            "node": self.node,
            "client": self.client,
            "hash": self.hash,
        })
    }

    /// The actor's name, read from its JSON (empty when the JSON is broken).
    pub fn actor_name(&self) -> String {
        serde_json::from_str::<Actor>(&self.actor)
            .map(|a| a.name)
            .unwrap_or_default()
    }
}

/// The last record of a chain: its number and hash. Backends keep it next to the chain,
/// updated in the same transaction as each append, so a deleted last record shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditHead {
    pub seq: u64,
    pub hash: String,
}

/// Which records to list, in chain order.
#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    /// At or after this time.
    pub since: Option<Timestamp>,
    /// Whose actor has this name.
    pub actor: Option<String>,
    /// This action, or the actions under it (`instance` matches `instance.cancel`).
    pub action: Option<String>,
    pub instance: Option<InstanceId>,
    /// After this `seq` (a page's cursor).
    pub after: Option<u64>,
    pub limit: Option<u32>,
}

impl AuditFilter {
    /// Whether `action` is the filter's action or one under it.
    pub fn action_matches(wanted: &str, action: &str) -> bool {
        action == wanted
            || action
                .strip_prefix(wanted)
                .is_some_and(|rest| rest.starts_with('.'))
    }

    /// The SQL `LIKE` pattern (escaped with `\\`) of the actions under the filter's
    /// action (`instance` → `instance.%`), so that backends match what
    /// [`AuditFilter::action_matches`] does; LIKE's wildcards in the name are escaped.
    pub fn actions_under_like(&self) -> Option<String> {
        self.action.as_ref().map(|a| {
            let escaped = a
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            format!("{escaped}.%")
        })
    }
}

/// Places `entry` after the record whose hash is `previous` (or [`GENESIS`]) as record
/// `seq`.
pub fn seal(entry: &AuditEntry, seq: u64, previous: &str) -> AuditRecord {
    let detail = serde_json::to_string(&entry.detail).unwrap_or_else(|_| "{}".into());
    let actor = serde_json::to_string(&entry.actor).unwrap_or_else(|_| "{}".into());
    let mut record = AuditRecord {
        seq,
        at: entry.at.0,
        actor,
        action: entry.action.clone(),
        instance: entry.instance.map(|i| i.0),
        detail,
        payload_digest: entry.payload_digest.clone(),
        reason: entry.reason.clone(),
        outcome: entry.outcome.as_str().to_string(),
        node: entry.node.clone(),
        client: entry.client.clone(),
        hash: String::new(),
    };
    record.hash = chain_hash(previous, &record);
    record
}

/// Seals `entries` one after the other behind `head` (none: an empty chain), returning
/// the records and the new head.
pub fn seal_all(entries: &[AuditEntry], head: Option<&AuditHead>) -> (Vec<AuditRecord>, AuditHead) {
    let mut head = head.cloned().unwrap_or(AuditHead {
        seq: 0,
        hash: GENESIS.to_string(),
    });
    let mut records = Vec::with_capacity(entries.len());
    for entry in entries {
        let record = seal(entry, head.seq + 1, &head.hash);
        head = AuditHead {
            seq: record.seq,
            hash: record.hash.clone(),
        };
        records.push(record);
    }
    (records, head)
}

/// `SHA-256(previous ‖ "\n" ‖ canonical content)`, hex. The canonical content is a JSON
/// array of every column but the hash, in a fixed order: no field can move into another
/// unnoticed, and JSON's escaping keeps text unambiguous.
pub fn chain_hash(previous: &str, record: &AuditRecord) -> String {
    let content = serde_json::json!([
        CONTENT_VERSION,
        record.seq,
        record.at,
        record.actor,
        record.action,
        record.instance,
        record.detail,
        record.payload_digest,
        record.reason,
        record.outcome,
        record.node,
        record.client,
    ]);
    let mut hasher = Sha256::new();
    hasher.update(previous.as_bytes());
    hasher.update(b"\n");
    hasher.update(content.to_string().as_bytes());
    hex(&hasher.finalize())
}

/// SHA-256 of a payload, hex: an entry's `payload_digest`.
pub fn digest(payload: &[u8]) -> String {
    hex(&Sha256::digest(payload))
}

/// What [`verify`] found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Verdict {
    pub ok: bool,
    pub records: u64,
    /// The first record that does not fit: an edited one itself, the one after a gap,
    /// the missing one after the last when the tail was cut.
    pub first_bad: Option<u64>,
    /// What is wrong, in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
    /// Checkpoints whose signature and signed head were checked (with a public key).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checkpoints: Option<u64>,
}

/// Checks a whole chain, in `seq` order, against the head kept with it and, given a
/// public key, its signed checkpoints. Stops at the first bad record.
pub fn verify(
    records: &[AuditRecord],
    head: Option<&AuditHead>,
    key: Option<&VerifyingKey>,
) -> Verdict {
    let count = records.len() as u64;
    let bad = |seq: Option<u64>, problem: String| Verdict {
        ok: false,
        records: count,
        first_bad: seq,
        problem: Some(problem),
        checkpoints: None,
    };
    let mut previous = GENESIS.to_string();
    // The computed hash of each record, by position (seq - 1), for checkpoints.
    let mut hashes: Vec<String> = Vec::with_capacity(records.len());
    let mut checkpoints = 0u64;
    for (index, record) in records.iter().enumerate() {
        let expected = index as u64 + 1;
        if record.seq != expected {
            let problem = if record.seq > expected {
                format!(
                    "record {expected} is missing (the chain goes on at {})",
                    record.seq
                )
            } else {
                format!(
                    "record {} is out of place (expected {expected})",
                    record.seq
                )
            };
            return bad(Some(record.seq), problem);
        }
        let computed = chain_hash(&previous, record);
        if computed != record.hash {
            return bad(
                Some(record.seq),
                format!(
                    "record {} was changed: its content does not match its hash",
                    record.seq
                ),
            );
        }
        if let Some(key) = key
            && record.action == CHECKPOINT_ACTION
        {
            if let Err(problem) = check_checkpoint(record, &hashes, key) {
                return bad(Some(record.seq), problem);
            }
            checkpoints += 1;
        }
        hashes.push(computed.clone());
        previous = computed;
    }
    let last = count;
    match head {
        None if count > 0 => {
            return bad(
                None,
                "the chain head is missing: the chain cannot be checked for a cut tail".into(),
            );
        }
        None => {}
        Some(head) if head.seq > last => {
            return bad(
                Some(last + 1),
                format!(
                    "records {} to {} are missing from the end",
                    last + 1,
                    head.seq
                ),
            );
        }
        Some(head) if head.seq < last => {
            return bad(
                Some(head.seq + 1),
                format!(
                    "records after {} were added behind the chain head",
                    head.seq
                ),
            );
        }
        Some(head) if head.seq > 0 && head.hash != previous => {
            return bad(
                Some(head.seq),
                format!("record {} does not match the chain head", head.seq),
            );
        }
        Some(_) => {}
    }
    if key.is_some() && checkpoints == 0 {
        return bad(
            None,
            "no checkpoint signed with this key: nothing to check it against".into(),
        );
    }
    Verdict {
        ok: true,
        records: count,
        first_bad: None,
        problem: None,
        checkpoints: key.map(|_| checkpoints),
    }
}

/// A signed checkpoint record: its signature is good for `key`, and the head it signed
/// is the chain's as computed now (so nothing before it was rewritten).
fn check_checkpoint(
    record: &AuditRecord,
    hashes: &[String],
    key: &VerifyingKey,
) -> Result<(), String> {
    let detail: BTreeMap<String, String> = serde_json::from_str(&record.detail)
        .map_err(|e| format!("checkpoint {} is unreadable: {e}", record.seq))?;
    let field = |name: &str| {
        detail
            .get(name)
            .ok_or_else(|| format!("checkpoint {} has no {name}", record.seq))
    };
    let signed = Checkpoint {
        seq: field("signed_seq")?
            .parse()
            .map_err(|_| format!("checkpoint {}: signed_seq is no number", record.seq))?,
        hash: field("signed_hash")?.clone(),
    };
    if *field("public_key")? != public_key_hex(key) {
        return Err(format!(
            "checkpoint {} was signed with another key",
            record.seq
        ));
    }
    let signature = unhex::<64>(field("signature")?)
        .map(|bytes| Signature::from_bytes(&bytes))
        .ok_or_else(|| format!("checkpoint {}: the signature is malformed", record.seq))?;
    key.verify(signed.message().as_bytes(), &signature)
        .map_err(|_| format!("checkpoint {}: the signature does not match", record.seq))?;
    let actual = match signed.seq {
        0 => Some(GENESIS),
        seq => hashes.get(seq as usize - 1).map(String::as_str),
    };
    if actual != Some(signed.hash.as_str()) {
        return Err(format!(
            "the chain up to record {} is not the one checkpoint {} signed",
            signed.seq, record.seq
        ));
    }
    Ok(())
}

/// A chain head to sign.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    pub seq: u64,
    pub hash: String,
}

impl Checkpoint {
    /// What the key signs.
    fn message(&self) -> String {
        format!("{CHECKPOINT_VERSION}\n{}\n{}", self.seq, self.hash)
    }

    /// The entry recording this checkpoint signed with `key`, to append to the chain.
    pub fn entry(&self, key: &SigningKey, actor: Actor, node: &str) -> AuditEntry {
        let signature = key.sign(self.message().as_bytes());
        AuditEntry::new(actor, CHECKPOINT_ACTION, node)
            .with_detail("signed_seq", self.seq)
            .with_detail("signed_hash", &self.hash)
            .with_detail("public_key", public_key_hex(&key.verifying_key()))
            .with_detail("signature", hex(&signature.to_bytes()))
    }
}

/// Why a key file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("expected {expected} hex digits for an Ed25519 {what} key")]
    Malformed { what: &'static str, expected: usize },
    #[error("not a valid Ed25519 public key")]
    Invalid,
}

/// A private key from its file's text (64 hex digits, the 32-byte seed).
pub fn signing_key(text: &str) -> Result<SigningKey, KeyError> {
    unhex::<32>(text.trim())
        .map(|seed| SigningKey::from_bytes(&seed))
        .ok_or(KeyError::Malformed {
            what: "private",
            expected: 64,
        })
}

/// A public key from its file's text (64 hex digits).
pub fn verifying_key(text: &str) -> Result<VerifyingKey, KeyError> {
    let bytes = unhex::<32>(text.trim()).ok_or(KeyError::Malformed {
        what: "public",
        expected: 64,
    })?;
    VerifyingKey::from_bytes(&bytes).map_err(|_| KeyError::Invalid)
}

/// A new key pair from 32 random bytes the caller drew: the private key's and the public
/// key's file text.
pub fn key_pair(seed: [u8; 32]) -> (String, String) {
    let key = SigningKey::from_bytes(&seed);
    (hex(&seed), public_key_hex(&key.verifying_key()))
}

fn public_key_hex(key: &VerifyingKey) -> String {
    hex(key.as_bytes())
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        text.push(DIGITS[usize::from(byte >> 4)] as char);
        text.push(DIGITS[usize::from(byte & 0xf)] as char);
    }
    text
}

fn unhex<const N: usize>(text: &str) -> Option<[u8; N]> {
    if text.len() != N * 2 || !text.is_ascii() {
        return None;
    }
    let mut bytes = [0u8; N];
    for (index, byte) in bytes.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[index * 2..index * 2 + 2], 16).ok()?;
    }
    Some(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(count: u64) -> Vec<AuditEntry> {
        (0..count)
            .map(|n| {
                AuditEntry::new(Actor::local("ana"), "instance.cancel", "node-1")
                    .with_instance(InstanceId(n))
                    .with_reason(Some(format!("reason {n}")))
            })
            .collect()
    }

    #[test]
    fn an_untouched_chain_verifies_and_its_head_is_the_last_record() {
        let (records, head) = seal_all(&entries(3), None);
        assert_eq!(head.seq, 3);
        assert_eq!(head.hash, records[2].hash);
        let verdict = verify(&records, Some(&head), None);
        assert!(verdict.ok, "{verdict:?}");
        assert_eq!(verdict.records, 3);
    }

    #[test]
    fn an_edited_reason_names_its_record() {
        let (mut records, head) = seal_all(&entries(4), None);
        records[1].reason = Some("forged".into());
        let verdict = verify(&records, Some(&head), None);
        assert_eq!((verdict.ok, verdict.first_bad), (false, Some(2)));
    }

    #[test]
    fn a_deleted_last_record_shows_against_the_head() {
        let (mut records, head) = seal_all(&entries(4), None);
        records.pop();
        let verdict = verify(&records, Some(&head), None);
        assert_eq!((verdict.ok, verdict.first_bad), (false, Some(4)));
    }

    #[test]
    fn checkpoints_verify_with_their_key_and_a_rewritten_chain_does_not() {
        let key = SigningKey::from_bytes(&[7; 32]);
        let (records, head) = seal_all(&entries(3), None);
        let checkpoint = Checkpoint {
            seq: head.seq,
            hash: head.hash.clone(),
        }
        .entry(&key, Actor::local("ana"), "node-1");
        let (more, head) = seal_all(&[checkpoint], Some(&head));
        let all: Vec<_> = records.iter().chain(&more).cloned().collect();
        let verdict = verify(&all, Some(&head), Some(&key.verifying_key()));
        assert!(verdict.ok, "{verdict:?}");
        assert_eq!(verdict.checkpoints, Some(1));

        // Whoever can write the database rewrites record 2 and recomputes every hash and
        // the head: the plain check cannot tell, the signed checkpoint can.
        let mut forged: Vec<AuditEntry> = entries(3);
        forged[1].reason = Some("forged".into());
        let (mut rewritten, rewritten_head) = seal_all(&forged, None);
        let (tail, rewritten_head) = {
            let mut record = more[0].clone();
            record.seq = rewritten_head.seq + 1;
            record.hash = chain_hash(&rewritten_head.hash, &record);
            let head = AuditHead {
                seq: record.seq,
                hash: record.hash.clone(),
            };
            (record, head)
        };
        rewritten.push(tail);
        assert!(verify(&rewritten, Some(&rewritten_head), None).ok);
        let verdict = verify(
            &rewritten,
            Some(&rewritten_head),
            Some(&key.verifying_key()),
        );
        assert_eq!(
            (verdict.ok, verdict.first_bad),
            (false, Some(4)),
            "{verdict:?}"
        );

        let other = SigningKey::from_bytes(&[9; 32]);
        let verdict = verify(&all, Some(&head), Some(&other.verifying_key()));
        assert!(!verdict.ok, "{verdict:?}");
    }

    #[test]
    fn keys_round_trip_through_their_file_text() {
        let (private, public) = key_pair([3; 32]);
        let key = signing_key(&private).expect("private key");
        assert_eq!(
            verifying_key(&public).expect("public key"),
            key.verifying_key()
        );
        assert!(signing_key("abc").is_err());
    }
}
