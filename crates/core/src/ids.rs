//! Identifiers and time as the engine sees them: plain numbers handed in by the caller.
//!
//! The core never makes up an id or reads a clock. Instance ids come from the runtime with
//! the start command; every other key (element instances, jobs, user tasks, incidents) is
//! drawn from a counter inside the instance state, so replaying a journal reproduces them.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Milliseconds since the Unix epoch, supplied with every command.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Timestamp(pub i64);

impl Timestamp {
    pub fn plus_millis(self, millis: u64) -> Timestamp {
        Timestamp(
            self.0
                .saturating_add(i64::try_from(millis).unwrap_or(i64::MAX)),
        )
    }
}

/// A process instance, unique within one store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct InstanceId(pub u64);

impl fmt::Display for InstanceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A key unique within one instance: element instances, jobs, user tasks and incidents.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Key(pub u64);

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A key made unique across a store by its instance: how users name a job, task or
/// incident. Written `INSTANCE-KEY` (`12-5`), which is URL- and shell-safe.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GlobalKey {
    pub instance: InstanceId,
    pub key: Key,
}

impl fmt::Display for GlobalKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.instance.0, self.key.0)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a key: keys look like 12-5 (instance, then key within it)")]
pub struct KeyParseError(pub String);

impl FromStr for GlobalKey {
    type Err = KeyParseError;

    fn from_str(s: &str) -> Result<GlobalKey, KeyParseError> {
        let err = || KeyParseError(s.to_string());
        let (instance, key) = s.split_once('-').ok_or_else(err)?;
        Ok(GlobalKey {
            instance: InstanceId(instance.parse().map_err(|_| err())?),
            key: Key(key.parse().map_err(|_| err())?),
        })
    }
}

/// An element instance anywhere: its instance and its key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ElementRef {
    pub instance: InstanceId,
    pub element: Key,
}

/// The call activity that started an instance: the parent instance and its element.
pub type ParentRef = ElementRef;
