//! Time for the runtime. The core never reads a clock; the runtime reads this one, which
//! tests replace to run backoffs and (later) timers instantly.

use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use baton_core::Timestamp;

pub trait Clock: Send + Sync {
    fn now(&self) -> Timestamp;
    /// Blocks until `until` (a fake clock just moves there).
    fn sleep_until(&self, until: Timestamp);
}

#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        let millis = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis());
        Timestamp(i64::try_from(millis).unwrap_or(i64::MAX))
    }

    fn sleep_until(&self, until: Timestamp) {
        let now = self.now();
        if until > now {
            std::thread::sleep(Duration::from_millis((until.0 - now.0) as u64));
        }
    }
}

/// A clock that only moves when told to (or when slept on).
#[derive(Debug)]
pub struct FakeClock(Mutex<Timestamp>);

impl FakeClock {
    pub fn new(start: Timestamp) -> FakeClock {
        FakeClock(Mutex::new(start))
    }

    pub fn advance(&self, millis: u64) {
        let mut now = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *now = now.plus_millis(millis);
    }
}

impl Clock for FakeClock {
    fn now(&self) -> Timestamp {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn sleep_until(&self, until: Timestamp) {
        let mut now = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if until > *now {
            *now = until;
        }
    }
}
