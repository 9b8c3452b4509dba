//! Counting checks and printing one line per check, as the acceptance scripts do.

use std::fmt;

/// Why a check failed, in words for the person reading the output.
#[derive(Debug)]
pub struct Fail(pub String);

impl<E: std::error::Error> From<E> for Fail {
    fn from(e: E) -> Fail {
        Fail(e.to_string())
    }
}

/// Fails with a message built like `format!`.
macro_rules! fail {
    ($($arg:tt)*) => {
        return Err($crate::report::Fail(format!($($arg)*)))
    };
}
pub(crate) use fail;

/// The outcome of one check.
pub type Outcome = Result<(), Fail>;

/// The checks run so far. Each is printed as it is recorded, so a slow or stuck run still
/// shows how far it got.
#[derive(Debug, Default)]
pub struct Report {
    passed: usize,
    failed: usize,
}

impl Report {
    pub fn record(&mut self, name: &str, outcome: Outcome) {
        match outcome {
            Ok(()) => {
                self.passed += 1;
                println!("ok    {name}");
            }
            Err(Fail(why)) => {
                self.failed += 1;
                println!("FAIL  {name}");
                // Long page texts would bury the rest of the output.
                let why: String = why.split_whitespace().collect::<Vec<_>>().join(" ");
                let cut: String = why.chars().take(1500).collect();
                println!("      {cut}");
            }
        }
    }

    pub fn failed(&self) -> usize {
        self.failed
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} passed, {} failed", self.passed, self.failed)
    }
}
