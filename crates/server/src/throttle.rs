//! Failed authentication attempts, limited per client address.
//!
//! Every address has a bucket of [`Limits::burst`] attempts that refills at
//! [`Limits::per_second`]; each refused token (a 401) takes one. While an address's bucket
//! is empty its requests are answered 429 before any token is looked up, so a flood of bad
//! tokens costs neither store reads nor a log line per request: the refusals are logged
//! once per [`Limits::log_every`] with their count. Successful requests take nothing.
//!
//! One exception keeps the clients that share an address with a failing one (behind one
//! NAT, say) working: a token that authenticated lately ([`Recent`]) is still looked up
//! and served. Only a real token gets into that set, so random ones never cost a lookup.
//!
//! The table is bounded ([`Limits::addresses`]): to make room it forgets the buckets that
//! refilled (they know nothing a new bucket would not), then the fullest ones. IPv6
//! clients are counted per /64, the block one host usually holds, so cycling through its
//! own addresses does not give a host a fresh bucket.
//!
//! Time comes in as an argument, so the tests need no clock.

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// How many failures an address may have, how fast it earns them back, and how much is
/// remembered.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub burst: u32,
    pub per_second: u32,
    pub log_every: Duration,
    pub addresses: usize,
}

impl Default for Limits {
    /// Ten failures at once, then two a second: far more than a person mistyping or a
    /// misconfigured worker (which stops at its first 401) needs.
    fn default() -> Limits {
        Limits {
            burst: 10,
            per_second: 2,
            log_every: Duration::from_secs(10),
            addresses: 4096,
        }
    }
}

/// What to do with a request from an address, decided before authenticating it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Authenticate it.
    Allow,
    /// Answer 429 with this `Retry-After`; when `log` is set, log that this many requests
    /// were refused since the last such line.
    Refuse {
        retry_after: Duration,
        log: Option<u32>,
    },
}

#[derive(Clone, Copy, Debug)]
struct Bucket {
    /// Attempts left, fractional while refilling.
    left: f64,
    at: Instant,
    /// Refusals not logged yet.
    refused: u32,
    logged_at: Option<Instant>,
}

#[derive(Debug)]
pub struct Throttle {
    limits: Limits,
    buckets: HashMap<IpAddr, Bucket>,
}

impl Throttle {
    pub fn new(limits: Limits) -> Throttle {
        Throttle {
            limits,
            buckets: HashMap::new(),
        }
    }

    /// Whether a request from `client` may try to authenticate at `now`.
    pub fn check(&mut self, client: IpAddr, now: Instant) -> Verdict {
        let limits = self.limits;
        let Some(bucket) = self.buckets.get_mut(&block(client)) else {
            return Verdict::Allow;
        };
        refill(bucket, &limits, now);
        if bucket.left >= 1.0 {
            return Verdict::Allow;
        }
        bucket.refused = bucket.refused.saturating_add(1);
        let due = bucket
            .logged_at
            .is_none_or(|at| now.duration_since(at) >= limits.log_every);
        let log = due.then(|| {
            bucket.logged_at = Some(now);
            std::mem::take(&mut bucket.refused)
        });
        let wait = (1.0 - bucket.left) / f64::from(limits.per_second.max(1));
        Verdict::Refuse {
            retry_after: Duration::from_secs(wait.ceil().max(1.0) as u64),
            log,
        }
    }

    /// Records a failed authentication from `client` at `now`.
    pub fn failed(&mut self, client: IpAddr, now: Instant) {
        let limits = self.limits;
        let key = block(client);
        if !self.buckets.contains_key(&key) {
            self.make_room(now);
        }
        let bucket = self.buckets.entry(key).or_insert(Bucket {
            left: f64::from(limits.burst),
            at: now,
            refused: 0,
            logged_at: None,
        });
        refill(bucket, &limits, now);
        bucket.left = (bucket.left - 1.0).max(0.0);
    }

    /// Addresses remembered now.
    pub fn len(&self) -> usize {
        self.buckets.len()
    }

    pub fn is_empty(&self) -> bool {
        self.buckets.is_empty()
    }

    fn make_room(&mut self, now: Instant) {
        if self.buckets.len() < self.limits.addresses {
            return;
        }
        let limits = self.limits;
        let full = f64::from(limits.burst);
        self.buckets.retain(|_, bucket| {
            refill(bucket, &limits, now);
            bucket.left < full
        });
        while self.buckets.len() >= limits.addresses.max(1) {
            let fullest = self
                .buckets
                .iter()
                .max_by(|a, b| a.1.left.total_cmp(&b.1.left))
                .map(|(address, _)| *address);
            match fullest {
                Some(address) => self.buckets.remove(&address),
                None => break,
            };
        }
    }
}

/// Hashes of the tokens that authenticated in the last [`Recent::KEEP`], at most
/// [`Recent::CAPACITY`] of them (the oldest go first).
#[derive(Debug, Default)]
pub struct Recent {
    seen: HashMap<String, Instant>,
}

impl Recent {
    pub const KEEP: Duration = Duration::from_secs(600);
    pub const CAPACITY: usize = 1024;

    /// Whether the token with this hash authenticated lately.
    pub fn vouches(&self, hash: &str, now: Instant) -> bool {
        self.seen
            .get(hash)
            .is_some_and(|at| now.saturating_duration_since(*at) < Recent::KEEP)
    }

    /// Records that the token with this hash authenticated at `now`.
    pub fn saw(&mut self, hash: &str, now: Instant) {
        if !self.seen.contains_key(hash) && self.seen.len() >= Recent::CAPACITY {
            self.seen
                .retain(|_, at| now.saturating_duration_since(*at) < Recent::KEEP);
            while self.seen.len() >= Recent::CAPACITY {
                let oldest = self
                    .seen
                    .iter()
                    .min_by_key(|(_, at)| **at)
                    .map(|(hash, _)| hash.clone());
                match oldest {
                    Some(hash) => self.seen.remove(&hash),
                    None => break,
                };
            }
        }
        self.seen.insert(hash.to_string(), now);
    }

    pub fn len(&self) -> usize {
        self.seen.len()
    }

    pub fn is_empty(&self) -> bool {
        self.seen.is_empty()
    }
}

fn refill(bucket: &mut Bucket, limits: &Limits, now: Instant) {
    let earned =
        now.saturating_duration_since(bucket.at).as_secs_f64() * f64::from(limits.per_second);
    bucket.left = (bucket.left + earned).min(f64::from(limits.burst));
    bucket.at = now;
}

/// The unit an address is counted in: itself for IPv4, its /64 for IPv6 (an IPv4 address
/// mapped into IPv6 counts as itself).
fn block(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(_) => address,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6((u128::from(v6) & !u128::from(u64::MAX)).into()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: Limits = Limits {
        burst: 3,
        per_second: 1,
        log_every: Duration::from_secs(10),
        addresses: 4,
    };

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("an address")
    }

    fn seconds(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    #[test]
    fn an_address_may_fail_a_burst_then_waits_for_its_bucket_to_refill() {
        let mut throttle = Throttle::new(LIMITS);
        let t0 = Instant::now();
        let a = ip("192.0.2.1");
        for _ in 0..3 {
            assert_eq!(throttle.check(a, t0), Verdict::Allow);
            throttle.failed(a, t0);
        }
        assert_eq!(
            throttle.check(a, t0),
            Verdict::Refuse {
                retry_after: seconds(1),
                log: Some(1)
            }
        );
        assert_eq!(
            throttle.check(ip("192.0.2.2"), t0),
            Verdict::Allow,
            "other addresses are not affected"
        );
        assert_eq!(
            throttle.check(a, t0 + seconds(1)),
            Verdict::Allow,
            "one attempt earned back after a second"
        );
    }

    #[test]
    fn refusals_are_logged_once_per_interval_with_their_count() {
        let mut throttle = Throttle::new(LIMITS);
        let t0 = Instant::now();
        let a = ip("192.0.2.1");
        for _ in 0..3 {
            throttle.failed(a, t0);
        }
        let logs = |throttle: &mut Throttle, at: Instant| match throttle.check(a, at) {
            Verdict::Refuse { log, .. } => log,
            Verdict::Allow => panic!("refused while the bucket is empty"),
        };
        assert_eq!(logs(&mut throttle, t0), Some(1));
        for _ in 0..50 {
            assert_eq!(logs(&mut throttle, t0), None, "no line per request");
        }
        // Ten seconds later the bucket would have refilled: keep it empty.
        let later = t0 + seconds(10);
        for _ in 0..10 {
            throttle.failed(a, later);
        }
        assert_eq!(
            logs(&mut throttle, later),
            Some(51),
            "the refusals since the last line"
        );
    }

    #[test]
    fn the_table_stays_bounded_and_forgets_the_least_useful_buckets_first() {
        let mut throttle = Throttle::new(LIMITS);
        let t0 = Instant::now();
        let blocked = ip("198.51.100.7");
        for _ in 0..3 {
            throttle.failed(blocked, t0);
        }
        for i in 0..1000u32 {
            throttle.failed(IpAddr::V4(i.into()), t0);
            assert!(throttle.len() <= LIMITS.addresses, "{}", throttle.len());
        }
        assert!(
            matches!(throttle.check(blocked, t0), Verdict::Refuse { .. }),
            "an exhausted bucket outlives the ones with attempts left"
        );
    }

    #[test]
    fn recent_tokens_are_vouched_for_a_while_and_the_set_stays_bounded() {
        let mut recent = Recent::default();
        let t0 = Instant::now();
        recent.saw("good", t0);
        assert!(recent.vouches("good", t0 + seconds(599)));
        assert!(!recent.vouches("good", t0 + seconds(600)), "only lately");
        assert!(!recent.vouches("random", t0));
        for i in 0..3 * Recent::CAPACITY {
            recent.saw(&i.to_string(), t0 + seconds(1));
            assert!(recent.len() <= Recent::CAPACITY);
        }
        assert!(
            !recent.vouches("good", t0 + seconds(1)),
            "the oldest went first"
        );
    }

    #[test]
    fn ipv6_hosts_are_counted_per_64_and_mapped_ipv4_as_itself() {
        let mut throttle = Throttle::new(LIMITS);
        let t0 = Instant::now();
        for host in ["2001:db8::1", "2001:db8::2", "2001:db8::ffff:1"] {
            throttle.failed(ip(host), t0);
        }
        assert!(matches!(
            throttle.check(ip("2001:db8::99"), t0),
            Verdict::Refuse { .. }
        ));
        assert_eq!(throttle.check(ip("2001:db8:0:1::1"), t0), Verdict::Allow);
        for _ in 0..3 {
            throttle.failed(ip("::ffff:192.0.2.9"), t0);
        }
        assert!(matches!(
            throttle.check(ip("192.0.2.9"), t0),
            Verdict::Refuse { .. }
        ));
    }
}
