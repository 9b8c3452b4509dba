//! Randomness for Camunda's `random number()` and `uuid()`, supplied by whoever
//! evaluates.
//!
//! FEEL evaluation stays deterministic: the evaluator draws no entropy of its own. A
//! caller that wants these functions to work hands the evaluation a [`Random`] through
//! [`Scope::random`](crate::Scope::random), a generator it seeded, so the same seed gives
//! the same values. The engine seeds one per command from the operating system and
//! journals the results, never the seed: replay reads the values back instead of drawing
//! them again. Without a generator both functions are null with a
//! [`WarningKind::NoRandom`](crate::WarningKind::NoRandom) warning, as `now()` is
//! without a clock.
//!
//! The generator is xoshiro256++ (Blackman and Vigna): small, fast, with a period of
//! 2^256 − 1. It is not cryptographic, and nothing FEEL computes needs it to be.

use std::cell::Cell;

/// A deterministic stream of random bits. It hands out values through `&self` because
/// a [`Scope`](crate::Scope) is only ever borrowed shared during an evaluation: two calls
/// of `random number()` in one expression still get different values.
#[derive(Debug)]
pub struct Random {
    state: Cell<[u64; 4]>,
}

impl Random {
    /// A generator whose values are a function of `seed` alone.
    pub fn new(seed: u128) -> Random {
        // SplitMix64 spreads the seed over the state, as xoshiro's authors advise. Its
        // output is a bijection of its counter, so no two consecutive words are both
        // zero and the state is never the all-zero one xoshiro can't leave.
        let mut low = seed as u64;
        let mut high = (seed >> 64) as u64;
        Random {
            state: Cell::new([
                split_mix(&mut low),
                split_mix(&mut low),
                split_mix(&mut high),
                split_mix(&mut high),
            ]),
        }
    }

    /// The next 64 random bits.
    pub fn next_u64(&self) -> u64 {
        let mut s = self.state.get();
        let result = s[0].wrapping_add(s[3]).rotate_left(23).wrapping_add(s[0]);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        self.state.set(s);
        result
    }

    /// The next 128 random bits (a seed for another generator, or a UUID).
    pub fn next_u128(&self) -> u128 {
        (u128::from(self.next_u64()) << 64) | u128::from(self.next_u64())
    }

    /// A number of `digits` decimal places drawn uniformly from [0, 10^digits): the
    /// digits of a fraction in [0, 1). Rejection keeps it exactly uniform.
    pub(crate) fn below_power_of_ten(&self, digits: u32) -> u64 {
        let bound = 10u64.pow(digits.min(19));
        // The smallest run of low bits that covers `bound`, so that few draws are refused.
        let spare = (bound - 1).leading_zeros();
        loop {
            let candidate = self.next_u64() >> spare;
            if candidate < bound {
                return candidate;
            }
        }
    }
}

fn split_mix(counter: &mut u64) -> u64 {
    *counter = counter.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *counter;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A version 4 (random) UUID in its 36-character text form, from 128 random bits.
pub(crate) fn uuid_v4(bits: u128) -> String {
    // Version 4 in the high nibble of the seventh byte; variant 10 in the ninth.
    let bits = (bits & !(0xf << 76) & !(0x3 << 62)) | (0x4 << 76) | (0x2 << 62);
    let hex = format!("{bits:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_stream_and_another_seed_another() {
        let (a, b, c) = (Random::new(7), Random::new(7), Random::new(8));
        let draw = |r: &Random| (0..4).map(|_| r.next_u64()).collect::<Vec<_>>();
        let first = draw(&a);
        assert_eq!(first, draw(&b));
        assert_ne!(first, draw(&c));
        assert_ne!(first[0], first[1], "successive values differ");
    }

    #[test]
    fn the_seed_s_high_half_matters() {
        assert_ne!(
            Random::new(1).next_u64(),
            Random::new(1 | 1 << 64).next_u64()
        );
    }

    #[test]
    fn decimal_digits_stay_below_their_bound() {
        let random = Random::new(42);
        for _ in 0..1000 {
            assert!(random.below_power_of_ten(16) < 10u64.pow(16));
            assert!(random.below_power_of_ten(1) < 10);
        }
    }

    #[test]
    fn uuids_carry_version_4_and_the_rfc_variant() {
        let text = uuid_v4(u128::MAX);
        assert_eq!(text, "ffffffff-ffff-4fff-bfff-ffffffffffff");
        let text = uuid_v4(0);
        assert_eq!(text, "00000000-0000-4000-8000-000000000000");
    }
}
