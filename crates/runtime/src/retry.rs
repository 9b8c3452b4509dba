//! Retry policy: exponential backoff with jitter. The jitter (the only randomness in job
//! handling) lives here, outside the deterministic core, and reaches the core as the
//! `retry_backoff_ms` of a fail command.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};

use crate::config::RetryConfig;

/// The backoff before attempt number `failed_attempts + 1`: `initial × 2^(failed − 1)`,
/// capped, then scaled by a random factor in [0.8, 1.2) so retrying workers spread out.
pub fn backoff_ms(config: &RetryConfig, failed_attempts: u32) -> u64 {
    let exponent = failed_attempts.saturating_sub(1).min(30);
    let base = config
        .initial_backoff_ms
        .saturating_mul(1u64 << exponent)
        .min(config.max_backoff_ms);
    let jitter = 0.8 + 0.4 * random_unit();
    (base as f64 * jitter) as u64
}

/// A random number in [0, 1) from the standard library's randomly keyed hasher: plenty for
/// jitter, and not worth a dependency.
fn random_unit() -> f64 {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(0);
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_exponentially_within_jitter_and_cap() {
        let config = RetryConfig {
            initial_backoff_ms: 1_000,
            max_backoff_ms: 10_000,
        };
        for (failed, base) in [
            (1, 1_000.0),
            (2, 2_000.0),
            (3, 4_000.0),
            (4, 8_000.0),
            (5, 10_000.0),
            (40, 10_000.0),
        ] {
            let got = backoff_ms(&config, failed) as f64;
            assert!(
                got >= base * 0.8 && got < base * 1.2,
                "attempt {failed}: {got} not within 20% of {base}"
            );
        }
    }
}
