//! OAuth scopes: syntax per RFC 6749 §3.3 and the management scopes this server enforces.

use std::collections::BTreeSet;
use std::fmt;

use super::DomainError;

/// The management scopes that guard the `/v1` API.
pub const MANAGEMENT_SCOPES: [&str; 9] = [
    "agents:read",
    "agents:write",
    "credentials:read",
    "credentials:write",
    "tokens:revoke",
    "audit:read",
    "federation:read",
    "federation:write",
    "billing:write",
];

/// One scope token: printable ASCII without space, quote or backslash, at most 128 chars.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Scope(String);

impl Scope {
    /// Parses one scope token.
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        let valid = !s.is_empty()
            && s.len() <= 128
            && s.bytes()
                .all(|b| b == 0x21 || (0x23..=0x5B).contains(&b) || (0x5D..=0x7E).contains(&b));
        if valid {
            Ok(Self(s.to_owned()))
        } else {
            Err(DomainError::InvalidScope(s.to_owned()))
        }
    }

    /// The scope's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether this is one of the server's own management scopes.
    pub fn is_management(&self) -> bool {
        MANAGEMENT_SCOPES.contains(&self.0.as_str())
    }
}

/// An ordered set of scopes; rendered space-separated as in the `scope` claim.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScopeSet(BTreeSet<Scope>);

impl ScopeSet {
    /// Parses a space-delimited scope string (empty string → empty set).
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        s.split(' ')
            .filter(|t| !t.is_empty())
            .map(Scope::parse)
            .collect::<Result<BTreeSet<_>, _>>()
            .map(Self)
    }

    /// Parses a list of scope strings, as the JSON API sends them.
    pub fn from_list<S: AsRef<str>>(items: &[S]) -> Result<Self, DomainError> {
        if items.len() > 64 {
            return Err(DomainError::Validation {
                field: "allowedScopes",
                message: "at most 64 scopes".into(),
            });
        }
        items
            .iter()
            .map(|s| Scope::parse(s.as_ref()))
            .collect::<Result<BTreeSet<_>, _>>()
            .map(Self)
    }

    /// Every management scope: what a tenant administrator holds.
    pub fn all_management() -> Self {
        Self(
            MANAGEMENT_SCOPES
                .iter()
                .map(|s| Scope((*s).to_owned()))
                .collect(),
        )
    }

    /// Whether the set holds the scope named `name`.
    pub fn contains(&self, name: &str) -> bool {
        self.0.iter().any(|s| s.0 == name)
    }

    /// Whether every scope of `self` is also in `other`.
    pub fn is_subset(&self, other: &ScopeSet) -> bool {
        self.0.is_subset(&other.0)
    }

    /// The scopes in both sets.
    pub fn intersection(&self, other: &ScopeSet) -> ScopeSet {
        Self(self.0.intersection(&other.0).cloned().collect())
    }

    /// Scopes of `self` that are not in `other`.
    pub fn missing_from<'a>(&'a self, other: &'a ScopeSet) -> impl Iterator<Item = &'a Scope> {
        self.0.difference(&other.0)
    }

    /// Iterates the scopes in order.
    pub fn iter(&self) -> impl Iterator<Item = &Scope> {
        self.0.iter()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The scopes as owned strings, for JSON responses.
    pub fn to_vec(&self) -> Vec<String> {
        self.0.iter().map(|s| s.0.clone()).collect()
    }
}

impl fmt::Display for ScopeSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, s) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            f.write_str(&s.0)?;
        }
        Ok(())
    }
}
