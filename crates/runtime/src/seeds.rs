//! Seeds for Camunda's `random number()` and `uuid()`. The core draws no entropy
//! (`baton_core::execute_seeded` takes a seed with each command), so the runtime hands
//! every command a fresh one; the journal records the values the expressions drew, and
//! replay reads them back instead of drawing again.
//!
//! One generator per runtime, seeded once by the operating system, gives the seeds: a
//! system call per command would cost more than most commands' FEEL. Runtimes started
//! apart (several engines on one store, or one after a restart) draw from unrelated
//! streams.

use baton_feel::Random;

/// 128 bits from the operating system. Should it fail (it practically never does), the
/// bits are made of the clock and the process id instead: they still differ from one
/// start to the next, which is all FEEL's random values need.
pub fn os_seed() -> u128 {
    let mut bytes = [0u8; 16];
    if getrandom::fill(&mut bytes).is_ok() {
        return u128::from_le_bytes(bytes);
    }
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    nanos ^ (u128::from(std::process::id()) << 96)
}

/// Where a runtime's commands get their seeds.
#[derive(Debug)]
pub(crate) struct Seeds(Random);

impl Seeds {
    pub(crate) fn from_os() -> Seeds {
        Seeds(Random::new(os_seed()))
    }

    /// The seed for the next command.
    pub(crate) fn next(&mut self) -> u128 {
        self.0.next_u128()
    }
}
