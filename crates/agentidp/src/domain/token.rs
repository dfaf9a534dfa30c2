//! Access-token claims (RFC 9068) and the authenticated caller they describe.

use super::ids::{AgentId, TenantId};
use super::scope::ScopeSet;
use super::time::Timestamp;

/// The claims and audience of an access token are wire types, shared with the SDK.
pub use agentidp_proto::{AccessClaims, Actor, Audience};

/// Longest target resource accepted.
const RESOURCE_MAX_BYTES: usize = 256;

/// A target resource (RFC 8707 §2): an absolute URI without a fragment, which becomes a
/// token's `aud`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource(String);

impl Resource {
    /// Parses a `resource` (or `audience`) parameter; `Err` holds why it is not a valid one.
    pub fn parse(s: &str) -> Result<Self, &'static str> {
        if s.is_empty() || s.len() > RESOURCE_MAX_BYTES {
            return Err("a target resource is 1 to 256 characters");
        }
        if !s.bytes().all(is_uri_char) {
            return Err("a target resource may hold only the characters of a URI (RFC 3986)");
        }
        let (scheme, rest) = s
            .split_once(':')
            .ok_or("a target resource must be an absolute URI, e.g. https://api.example.com")?;
        let scheme_ok = scheme
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphabetic())
            && scheme
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b));
        if !scheme_ok || rest.is_empty() {
            return Err("a target resource must be an absolute URI, e.g. https://api.example.com");
        }
        if s.contains('#') {
            return Err("a target resource must not have a fragment (RFC 8707 §2)");
        }
        Ok(Self(s.to_owned()))
    }

    /// The URI as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Whether `b` may appear in a URI: unreserved, reserved or `%` (RFC 3986 §2).
fn is_uri_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~:/?#[]@!$&'()*+,;=%".contains(&b)
}

/// An authenticated caller of the management API.
#[derive(Debug, Clone)]
pub struct Principal {
    /// The caller's tenant; every query it makes is scoped to it.
    pub tenant_id: TenantId,
    /// The calling agent.
    pub agent_id: AgentId,
    /// What it may do.
    pub scopes: ScopeSet,
    /// Where the request came from (for the audit log).
    pub meta: super::audit::RequestMeta,
    /// For a delegated token: the agent acting for this caller and the actors before it,
    /// recorded in every audit event the request causes.
    pub act: Option<Actor>,
}

impl Principal {
    /// The caller's agent id as an audit actor.
    pub fn actor(&self) -> String {
        self.agent_id.to_string()
    }

    /// An audit event of `action` by this caller at `at`, in its tenant's chain, with its
    /// request's metadata and, for a delegated token, who acted for the caller (`act`).
    pub fn event(&self, action: super::audit::Action, at: Timestamp) -> super::audit::NewEvent {
        let event =
            super::audit::NewEvent::new(self.tenant_id, self.actor(), action, &self.meta, at);
        match &self.act {
            Some(act) => event.with("act", serde_json::to_value(act).unwrap_or_default()),
            None => event,
        }
    }
}

/// A freshly signed access token.
#[derive(Debug)]
pub struct IssuedToken {
    /// The compact JWS.
    pub access_token: String,
    /// Lifetime in seconds.
    pub expires_in: i64,
    /// Granted scopes.
    pub scope: ScopeSet,
    /// The algorithm it was signed with.
    pub algorithm: super::keys::Algorithm,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_resource_is_an_absolute_uri_without_a_fragment() {
        for ok in [
            "https://api.example.com",
            "https://a.example/x?y=1",
            "urn:example:weather",
        ] {
            assert_eq!(
                Resource::parse(ok).map(|r| r.as_str().to_owned()),
                Ok(ok.to_owned())
            );
        }
        for bad in [
            "",
            "weather-api",
            "/relative",
            "https://a.example/#frag",
            "1http://x",
            "https:",
            "http://a b",
        ] {
            assert!(Resource::parse(bad).is_err(), "{bad:?}");
        }
        assert!(Resource::parse(&format!("https://{}", "a".repeat(300))).is_err());
    }
}
