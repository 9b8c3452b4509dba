//! Who may do what in `baton serve`: API tokens, roles, permissions and tenants.
//!
//! A request carries a bearer [`token`] (`baton_…`); the server hashes it
//! ([`hash_secret`]), looks the hash up in the store and gets the token's role and tenant,
//! which make a [`Principal`]. Each endpoint then asks for one [`Permission`]
//! ([`Principal::require`]), and every resource it touches must belong to the
//! principal's tenant ([`Principal::sees`]); one of another tenant is treated as absent
//! (404, not 403), so a token never learns what other tenants have.
//!
//! The grants are one table, [`role::permission_table_markdown`] renders it into
//! `docs/auth.md`, and a test keeps the two equal.
//!
//! This crate does no IO besides reading the operating system's random numbers: storing
//! tokens is `baton_store::TokenStore`'s job, so the store does not depend on this crate
//! (it keeps role and tenant as text) and this crate does not depend on the store.

pub mod role;
pub mod tenant;
pub mod token;

pub use role::{Permission, Role};
pub use tenant::TenantId;
pub use token::{Token, hash_secret, token_id};

/// What can go wrong checking who a caller is and what they may do.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("unknown role '{0}'; valid roles: {roles}", roles = Role::names())]
    UnknownRole(String),
    #[error("unknown permission '{0}'")]
    UnknownPermission(String),
    #[error(
        "invalid tenant id '{id}': {reason}; a tenant id is 1 to 64 lowercase letters, digits, \
         '_' or '-'"
    )]
    InvalidTenant { id: String, reason: String },
    #[error(
        "malformed token: expected '{prefix}' followed by {len} base64url characters",
        prefix = token::PREFIX,
        len = token::SECRET_CHARS
    )]
    MalformedToken,
    /// No token, or one the store does not know (never issued, or revoked).
    #[error("missing, unknown or revoked token")]
    Unauthenticated,
    #[error("the role {role} does not allow {permission}")]
    Forbidden { role: Role, permission: Permission },
    #[error("the operating system's random number generator failed: {0}")]
    Random(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The caller of a request, as its token says: which token, what it may do, and the one
/// tenant whose resources it sees.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    pub token_id: String,
    /// The token's name (`baton token create --name`), for the audit trail.
    pub token_name: Option<String>,
    pub role: Role,
    pub tenant: TenantId,
}

impl Principal {
    /// The principal of every request to a server started with `--insecure-dev`: an
    /// admin of the default tenant, so a local server works without creating a token.
    pub fn insecure_dev() -> Principal {
        Principal {
            token_id: "insecure-dev".into(),
            token_name: Some("insecure-dev".into()),
            role: Role::Admin,
            tenant: TenantId::default_tenant(),
        }
    }

    pub fn can(&self, permission: Permission) -> bool {
        self.role.allows(permission)
    }

    /// `Ok` when the role grants `permission`, else [`Error::Forbidden`] (403).
    pub fn require(&self, permission: Permission) -> Result<()> {
        if self.can(permission) {
            Ok(())
        } else {
            Err(Error::Forbidden {
                role: self.role,
                permission,
            })
        }
    }

    /// Whether a resource of `tenant` exists for this principal. Callers answer 404 when
    /// it does not, exactly as for an unknown id, so existence does not leak across
    /// tenants.
    pub fn sees(&self, tenant: &str) -> bool {
        self.tenant.as_str() == tenant
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(role: Role, tenant: &str) -> Principal {
        Principal {
            token_id: "abcdefgh".into(),
            token_name: None,
            role,
            tenant: tenant.parse().expect("valid tenant"),
        }
    }

    #[test]
    fn require_follows_the_role() {
        let worker = principal(Role::Worker, "acme");
        assert!(worker.require(Permission::ActivateJobs).is_ok());
        let denied = worker
            .require(Permission::Deploy)
            .expect_err("workers do not deploy");
        assert_eq!(denied.to_string(), "the role worker does not allow deploy");
    }

    #[test]
    fn a_principal_sees_only_its_own_tenant() {
        let admin = principal(Role::Admin, "acme");
        assert!(admin.sees("acme"));
        assert!(!admin.sees("globex"));
        assert!(!admin.sees("ACME"), "no other spelling of the id sees it");
    }

    #[test]
    fn insecure_dev_is_an_admin_of_the_default_tenant() {
        let dev = Principal::insecure_dev();
        assert_eq!(dev.role, Role::Admin);
        assert_eq!(dev.tenant.as_str(), tenant::DEFAULT_TENANT);
    }
}
