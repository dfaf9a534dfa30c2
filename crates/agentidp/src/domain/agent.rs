//! The agent record and the parsed, always-valid values it is made of.

use serde_json::{Map, Value};

use super::ids::{AgentId, TenantId};
use super::scope::ScopeSet;
use super::time::Timestamp;
use super::{DomainError, DomainResult};

/// The scope that administers a tenant: some active agent must always hold it, or the tenant
/// could not register, restore or manage any agent again.
pub const ADMIN_SCOPE: &str = "agents:write";

/// Whether an agent with this status and these scopes is one of the tenant's administrators in the sense of [`ADMIN_SCOPE`].
pub fn administers(status: AgentStatus, scopes: &ScopeSet) -> bool {
    status == AgentStatus::Active && scopes.contains(ADMIN_SCOPE)
}

fn invalid(field: &'static str, message: impl Into<String>) -> DomainError {
    DomainError::Validation {
        field,
        message: message.into(),
    }
}

/// Bounded free text (a name, an owner, a description) checked for length and control chars.
fn text(field: &'static str, s: String, min: usize, max: usize) -> DomainResult<String> {
    let n = s.chars().count();
    if n < min || n > max {
        return Err(invalid(field, format!("must be {min} to {max} characters")));
    }
    if s.chars().any(super::is_forbidden_control) {
        return Err(invalid(field, "must not contain control characters"));
    }
    if min > 0 && s.trim().is_empty() {
        return Err(invalid(field, "must not be blank"));
    }
    Ok(s)
}

/// Lower-case identifier-like token: `[a-z0-9]` then `[a-z0-9._:-]`.
fn token(field: &'static str, s: &str, max: usize) -> DomainResult<()> {
    let mut bytes = s.bytes();
    let first_ok = bytes
        .next()
        .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    let rest_ok =
        bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._:-".contains(&b));
    if !first_ok || !rest_ok || s.len() > max {
        return Err(invalid(
            field,
            format!("must match ^[a-z0-9][a-z0-9._:-]*$ and be at most {max} characters"),
        ));
    }
    Ok(())
}

/// A syntactically valid e-mail address, stored lower-cased (unique per tenant).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// Parses `local@domain` with a dotted domain, at most 254 characters.
    pub fn parse(s: &str) -> DomainResult<Self> {
        let s = s.trim().to_ascii_lowercase();
        let ok = s.len() <= 254
            && s.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && local.len() <= 64
                    && !local.starts_with('.')
                    && !local.ends_with('.')
                    && !local.contains("..")
                    && local
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+/=?^_`{|}~.-".contains(&b))
                    && domain.contains('.')
                    && domain.split('.').all(|label| {
                        !label.is_empty()
                            && label.len() <= 63
                            && !label.starts_with('-')
                            && !label.ends_with('-')
                            && label
                                .bytes()
                                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                    })
            });
        if ok {
            Ok(Self(s))
        } else {
            Err(invalid("email", "must be a valid e-mail address"))
        }
    }

    /// The address text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An agent's display name (1–128 characters).
pub fn parse_name(s: String) -> DomainResult<String> {
    text("name", s, 1, 128)
}

/// A free-text description (up to 1024 characters).
pub fn parse_description(s: String) -> DomainResult<String> {
    text("description", s, 0, 1024)
}

/// The owner: a team, person or system responsible for the agent (1–128 characters).
pub fn parse_owner(s: String) -> DomainResult<String> {
    text("owner", s, 1, 128)
}

/// The agent type, a lower-case token such as `orchestrator` or `retrieval`.
pub fn parse_agent_type(s: String) -> DomainResult<String> {
    token("agentType", &s, 64)?;
    Ok(s)
}

/// A semantic version (semver 2.0), stored in its canonical form.
pub fn parse_version(s: &str) -> DomainResult<String> {
    semver::Version::parse(s)
        .map(|v| v.to_string())
        .map_err(|e| {
            invalid(
                "version",
                format!("must be a semantic version such as 1.2.3 ({e})"),
            )
        })
}

/// At most 50 distinct capability tokens, each like `search:web` (1–64 characters).
pub fn parse_capabilities(items: Vec<String>) -> DomainResult<Vec<String>> {
    if items.len() > 50 {
        return Err(invalid("capabilities", "at most 50 capabilities"));
    }
    let mut out: Vec<String> = Vec::with_capacity(items.len());
    for c in items {
        token("capabilities", &c, 64)?;
        if !out.contains(&c) {
            out.push(c);
        }
    }
    Ok(out)
}

/// Maximum serialized size of an agent's metadata object.
pub const METADATA_MAX_BYTES: usize = 8 * 1024;

/// A JSON object of at most [`METADATA_MAX_BYTES`] bytes and nesting depth 8.
pub fn parse_metadata(value: Value) -> DomainResult<Map<String, Value>> {
    fn depth(v: &Value) -> usize {
        match v {
            Value::Array(a) => 1 + a.iter().map(depth).max().unwrap_or(0),
            Value::Object(o) => 1 + o.values().map(depth).max().unwrap_or(0),
            _ => 0,
        }
    }
    let Value::Object(map) = value else {
        return Err(invalid("metadata", "must be a JSON object"));
    };
    let size = serde_json::to_vec(&map)
        .map(|v| v.len())
        .unwrap_or(usize::MAX);
    if size > METADATA_MAX_BYTES {
        return Err(invalid(
            "metadata",
            format!("must be at most {METADATA_MAX_BYTES} bytes as JSON"),
        ));
    }
    if depth(&Value::Object(map.clone())) > 8 {
        return Err(invalid("metadata", "must be nested at most 8 levels deep"));
    }
    Ok(map)
}

macro_rules! string_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($(#[$vdoc])* $variant),+ }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The wire and storage spelling.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// Parses the wire spelling; `field` names the input in the error.
            pub fn parse(field: &'static str, s: &str) -> DomainResult<Self> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err(invalid(field, format!(
                        "must be one of: {}",
                        [$($text),+].join(", ")
                    ))),
                }
            }
        }
    };
}

string_enum!(
    /// Where the agent runs.
    DeploymentEnv {
        /// Development.
        Development = "development",
        /// Staging.
        Staging = "staging",
        /// Production.
        Production = "production",
    }
);

string_enum!(
    /// Lifecycle state; only `active` agents authenticate.
    AgentStatus {
        /// May authenticate and get tokens.
        Active = "active",
        /// Temporarily blocked; may be reactivated.
        Suspended = "suspended",
        /// Permanently blocked; credentials revoked; the record stays visible.
        Revoked = "revoked",
        /// Deleted through the API; kept only for the audit trail.
        Decommissioned = "decommissioned",
    }
);

impl AgentStatus {
    /// Checks a PATCH status change: active ⇄ suspended, either → revoked; nothing leaves
    /// revoked or decommissioned, and decommissioning is only done by DELETE.
    pub fn transition(self, to: AgentStatus) -> DomainResult<AgentStatus> {
        use AgentStatus::{Active, Decommissioned, Revoked, Suspended};
        match (self, to) {
            (a, b) if a == b && a != Decommissioned && a != Revoked => Ok(to),
            (Active | Suspended, Active | Suspended | Revoked) => Ok(to),
            _ => Err(DomainError::InvalidStatusTransition {
                from: self.as_str(),
                to: to.as_str(),
            }),
        }
    }
}

/// A registered agent as stored.
#[derive(Debug, Clone)]
pub struct Agent {
    /// Identifier and OAuth client id.
    pub id: AgentId,
    /// Owning tenant.
    pub tenant_id: TenantId,
    /// Unique (per tenant) contact address.
    pub email: String,
    /// Display name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Agent type token.
    pub agent_type: String,
    /// Semantic version.
    pub version: String,
    /// Capability tokens.
    pub capabilities: Vec<String>,
    /// Responsible owner.
    pub owner: String,
    /// Deployment environment.
    pub deployment_env: DeploymentEnv,
    /// Lifecycle state.
    pub status: AgentStatus,
    /// Listed in the public marketplace.
    pub is_public: bool,
    /// Free-form JSON object.
    pub metadata: Map<String, Value>,
    /// Scopes this agent may request.
    pub allowed_scopes: ScopeSet,
    /// Agents that may act for it (delegation).
    pub allowed_actors: super::delegation::AllowedActors,
    /// Creation time.
    pub created_at: Timestamp,
    /// Last modification time.
    pub updated_at: Timestamp,
    /// Last successful client authentication.
    pub last_auth_at: Option<Timestamp>,
    /// What its A2A agent card publishes.
    pub card: super::card::CardFields,
}

/// A validated request to register an agent.
#[derive(Debug, Clone)]
pub struct NewAgent {
    /// Contact address.
    pub email: Email,
    /// Display name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Agent type token.
    pub agent_type: String,
    /// Semantic version.
    pub version: String,
    /// Capability tokens.
    pub capabilities: Vec<String>,
    /// Responsible owner.
    pub owner: String,
    /// Deployment environment.
    pub deployment_env: DeploymentEnv,
    /// Marketplace listing.
    pub is_public: bool,
    /// Free-form JSON object.
    pub metadata: Map<String, Value>,
    /// Scopes the agent may request.
    pub allowed_scopes: ScopeSet,
    /// Agents that may act for it.
    pub allowed_actors: super::delegation::AllowedActors,
    /// Agent card fields.
    pub card: super::card::CardFields,
}

/// A validated partial update; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct AgentPatch {
    /// New display name.
    pub name: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// New agent type.
    pub agent_type: Option<String>,
    /// New version.
    pub version: Option<String>,
    /// New capability list (replaces the old one).
    pub capabilities: Option<Vec<String>>,
    /// New owner.
    pub owner: Option<String>,
    /// New deployment environment.
    pub deployment_env: Option<DeploymentEnv>,
    /// New status.
    pub status: Option<AgentStatus>,
    /// New marketplace listing flag.
    pub is_public: Option<bool>,
    /// New metadata (replaces the old object).
    pub metadata: Option<Map<String, Value>>,
    /// New allowed scopes (replaces the old set).
    pub allowed_scopes: Option<ScopeSet>,
    /// New allowed actors (replaces the old list).
    pub allowed_actors: Option<super::delegation::AllowedActors>,
    /// Changes to the agent card fields.
    pub card: super::card::CardPatch,
}

/// Fields that a PATCH may never name.
pub const IMMUTABLE_FIELDS: [&str; 6] = [
    "id",
    "tenantId",
    "email",
    "createdAt",
    "updatedAt",
    "lastAuthAt",
];

/// Filters and page position for listing agents.
#[derive(Debug, Clone, Default)]
pub struct AgentFilter {
    /// Only agents in this state.
    pub status: Option<AgentStatus>,
    /// Only agents of this type.
    pub agent_type: Option<String>,
    /// Only agents with this owner.
    pub owner: Option<String>,
    /// Only agents in this environment.
    pub deployment_env: Option<DeploymentEnv>,
    /// Only agents that declare this capability.
    pub capability: Option<String>,
}

impl AgentFilter {
    /// Checks the free-text filters.
    pub fn validate(&self) -> DomainResult<()> {
        super::check_filter_text("agentType", self.agent_type.as_deref())?;
        super::check_filter_text("owner", self.owner.as_deref())?;
        super::check_filter_text("capability", self.capability.as_deref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_lower_cased_and_checked() {
        assert_eq!(
            Email::parse(" Bot@Example.COM ").map(|e| e.0).ok(),
            Some("bot@example.com".into())
        );
        for bad in [
            "",
            "a",
            "a@b",
            "@b.com",
            "a@.com",
            "a..b@c.com",
            "a@b..com",
            "a b@c.com",
            "a@-b.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn status_lifecycle_forbids_leaving_terminal_states() {
        use AgentStatus::*;
        assert!(Active.transition(Suspended).is_ok());
        assert!(Suspended.transition(Active).is_ok());
        assert!(Active.transition(Revoked).is_ok());
        assert!(Revoked.transition(Active).is_err());
        assert!(Active.transition(Decommissioned).is_err());
        assert!(Decommissioned.transition(Decommissioned).is_err());
    }

    #[test]
    fn capabilities_follow_the_token_pattern_and_dedupe() {
        assert_eq!(
            parse_capabilities(vec![
                "search:web".into(),
                "search:web".into(),
                "code.exec".into()
            ])
            .ok(),
            Some(vec!["search:web".into(), "code.exec".into()])
        );
        assert!(parse_capabilities(vec!["Search".into()]).is_err());
        assert!(parse_capabilities(vec!["".into()]).is_err());
    }

    #[test]
    fn metadata_must_be_a_small_object() {
        assert!(parse_metadata(serde_json::json!([1])).is_err());
        assert!(parse_metadata(serde_json::json!({"k": "x".repeat(METADATA_MAX_BYTES)})).is_err());
        assert!(parse_metadata(serde_json::json!({"team": "search"})).is_ok());
    }
}
