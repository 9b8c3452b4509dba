//! Tenant ids: the name of the partition every resource and token belongs to.
//!
//! They are short and plain (1 to 64 of `a-z 0-9 _ -`) because they appear in URLs,
//! log lines, SQL parameters and file names, where anything else would need escaping.
//!
//! They are lowercase because each tenant's store is a file named after its id, and on a
//! case-insensitive file system (macOS, Windows) `Acme.db` and `acme.db` are one file:
//! two tenants differing only in case would share a store. Rather than fold case
//! silently, an id with capitals is refused, when a token is created and when one is
//! read: `baton token create --tenant Acme` says to use `acme`, and a token stored with
//! `Acme` before this rule no longer authenticates (401, naming the reason), because
//! folding it to `acme` could hand it another tenant's store, or an empty one in place
//! of its own. Its tenant's store file is ignored with a warning at startup; renaming
//! it to the lowercase id and creating new tokens moves that tenant over.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::Error;

/// The tenant of a server without tenants in mind, and of `--insecure-dev` requests.
pub const DEFAULT_TENANT: &str = "default";

const MAX_LEN: usize = 64;

/// A validated tenant id: lowercase, so equal ids are exactly the ones a file system
/// could confuse.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TenantId(String);

impl TenantId {
    pub fn new(id: impl Into<String>) -> Result<TenantId, Error> {
        let id = id.into();
        let plain = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'-';
        let reason = if id.is_empty() {
            Some("it is empty".to_string())
        } else if id.len() > MAX_LEN {
            Some("it is longer than 64 characters".to_string())
        } else if !id.bytes().all(plain) {
            Some("it contains a character other than a letter, digit, '_' or '-'".to_string())
        } else if id.bytes().any(|b| b.is_ascii_uppercase()) {
            Some(format!(
                "it contains capitals; tenant ids are lowercase (use '{}')",
                id.to_ascii_lowercase()
            ))
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
        check("team_7-eu", Ok(()));
        check(&"a".repeat(64), Ok(()));
        check(
            "",
            Err(
                "invalid tenant id '': it is empty; a tenant id is 1 to 64 lowercase letters, digits, '_' or '-'",
            ),
        );
        check(
            "acme corp",
            Err(
                "invalid tenant id 'acme corp': it contains a character other than a letter, digit, '_' or '-'; a tenant id is 1 to 64 lowercase letters, digits, '_' or '-'",
            ),
        );
        check(
            "acme/eu",
            Err(
                "invalid tenant id 'acme/eu': it contains a character other than a letter, digit, '_' or '-'; a tenant id is 1 to 64 lowercase letters, digits, '_' or '-'",
            ),
        );
        check(
            "ünïcode",
            Err(
                "invalid tenant id 'ünïcode': it contains a character other than a letter, digit, '_' or '-'; a tenant id is 1 to 64 lowercase letters, digits, '_' or '-'",
            ),
        );
        assert!("a".repeat(65).parse::<TenantId>().is_err());
    }

    #[test]
    fn ids_differing_only_in_case_cannot_both_exist() {
        check(
            "Acme",
            Err(
                "invalid tenant id 'Acme': it contains capitals; tenant ids are lowercase (use 'acme'); a tenant id is 1 to 64 lowercase letters, digits, '_' or '-'",
            ),
        );
        assert!("ACME".parse::<TenantId>().is_err());
        assert!(serde_json::from_str::<TenantId>("\"Team_7\"").is_err());
    }

    #[test]
    fn serde_validates_too() {
        let ok: TenantId = serde_json::from_str("\"acme\"").expect("valid");
        assert_eq!(ok.as_str(), "acme");
        assert!(serde_json::from_str::<TenantId>("\"a b\"").is_err());
        assert_eq!(serde_json::to_string(&ok).expect("serializes"), "\"acme\"");
    }
}
