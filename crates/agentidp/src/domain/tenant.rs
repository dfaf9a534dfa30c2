//! Tenants: the accounts that own agents.

use super::ids::TenantId;
use super::time::Timestamp;
use super::{DomainError, DomainResult};

/// A tenant (developer account or organisation).
#[derive(Debug, Clone)]
pub struct Tenant {
    /// Identifier.
    pub id: TenantId,
    /// Unique slug-like name.
    pub name: String,
    /// `free` or `pro`.
    pub plan: String,
    /// Creation time.
    pub created_at: Timestamp,
}

/// Parses a tenant name: 3–63 characters of `[a-z0-9-]`, starting with a letter or digit.
pub fn parse_tenant_name(s: &str) -> DomainResult<String> {
    let ok = (3..=63).contains(&s.len())
        && s.bytes()
            .next()
            .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if ok {
        Ok(s.to_owned())
    } else {
        Err(DomainError::Validation {
            field: "name",
            message:
                "must be 3 to 63 characters of a-z, 0-9 and '-', starting with a letter or digit"
                    .into(),
        })
    }
}

/// What bootstrapping or signing up returns: the tenant and its admin's one-time secret.
#[derive(Debug)]
pub struct TenantAdmin {
    /// The tenant.
    pub tenant: Tenant,
    /// The admin agent (its id is the client id).
    pub admin: super::agent::Agent,
    /// The new credential's id.
    pub credential_id: super::ids::CredentialId,
    /// The client secret, shown once.
    pub secret: super::credential::ClientSecret,
}
