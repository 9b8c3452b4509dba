//! Tenant ids: the name of the partition every resource and token belongs to.
//!
//! They are short and plain (1 to 64 of `A-Z a-z 0-9 _ -`) because they appear in URLs,
//! log lines, SQL parameters and file names, where anything else would need escaping.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::Error;

/// The tenant of a server without tenants in mind, and of `--insecure-dev` requests.
pub const DEFAULT_TENANT: &str = "default";

const MAX_LEN: usize = 64;

/// A validated tenant id. Ids compare exactly: `Acme` and `acme` are two tenants.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TenantId(String);

impl TenantId {
    pub fn new(id: impl Into<String>) -> Result<TenantId, Error> {
        let id = id.into();
        let reason = if id.is_empty() {
            Some("it is empty")
        } else if id.len() > MAX_LEN {
            Some("it is longer than 64 characters")
        } else if !id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            Some("it contains a character other than a letter, digit, '_' or '-'")
        } else {
            None
        };
        match reason {
            Some(reason) => Err(Error::InvalidTenant { id, reason }),
            None => Ok(TenantId(id)),
        }
    }

    pub fn default_tenant() -> TenantId {
        TenantId(DEFAULT_TENANT.to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TenantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for TenantId {
    type Err = Error;

    fn from_str(text: &str) -> Result<TenantId, Error> {
        TenantId::new(text)
    }
}

impl TryFrom<String> for TenantId {
    type Error = Error;

    fn try_from(text: String) -> Result<TenantId, Error> {
        TenantId::new(text)
    }
}

impl From<TenantId> for String {
    fn from(id: TenantId) -> String {
        id.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expect: Result<(), &str>) {
        let got = input
            .parse::<TenantId>()
            .map(|_| ())
            .map_err(|e| e.to_string());
        assert_eq!(got, expect.map_err(String::from), "{input:?}");
    }

    #[test]
    fn tenant_ids_are_short_and_plain() {
        check("acme", Ok(()));
        check("Team_7-eu", Ok(()));
        check(&"a".repeat(64), Ok(()));
        check(
            "",
            Err(
                "invalid tenant id '': it is empty; a tenant id is 1 to 64 letters, digits, '_' or '-'",
            ),
        );
        check(
            "acme corp",
            Err(
                "invalid tenant id 'acme corp': it contains a character other than a letter, digit, '_' or '-'; a tenant id is 1 to 64 letters, digits, '_' or '-'",
            ),
        );
        check(
            "acme/eu",
            Err(
                "invalid tenant id 'acme/eu': it contains a character other than a letter, digit, '_' or '-'; a tenant id is 1 to 64 letters, digits, '_' or '-'",
            ),
        );
        check(
            "ünïcode",
            Err(
                "invalid tenant id 'ünïcode': it contains a character other than a letter, digit, '_' or '-'; a tenant id is 1 to 64 letters, digits, '_' or '-'",
            ),
        );
        assert!("a".repeat(65).parse::<TenantId>().is_err());
    }

    #[test]
    fn serde_validates_too() {
        let ok: TenantId = serde_json::from_str("\"acme\"").expect("valid");
        assert_eq!(ok.as_str(), "acme");
        assert!(serde_json::from_str::<TenantId>("\"a b\"").is_err());
        assert_eq!(serde_json::to_string(&ok).expect("serializes"), "\"acme\"");
    }
}
