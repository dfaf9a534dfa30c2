//! `agentidp-proto`: the JSON types of the AgentIdP API, written once and shared by the server
//! (which derives its OpenAPI schemas from them with the `openapi` feature) and the Rust SDK.
//!
//! Request types are what a client sends and the server parses before validating; response
//! types are what the server writes and a client reads. Response types ignore unknown fields
//! and string enums keep values they do not know ([`AgentStatus::Other`]), so an older client
//! keeps working against a newer server.

mod agents;
mod audit;
mod claims;
mod credentials;
mod error;
mod federation;
mod health;
mod ids;
mod marketplace;
mod oauth;
mod secret;
mod tenants;
pub mod time;
mod wire_enum;

pub use agents::{
    Agent, AgentFilter, AgentList, AgentSkill, AgentStatus, AgentUpdate, DeploymentEnv, NewAgent,
};
pub use audit::{AuditEvent, EventFilter, EventList, Outcome};
pub use claims::{AccessClaims, Actor, Audience};
pub use credentials::{
    Credential, CredentialType, CredentialWithSecret, IssuedCredential, NewCredential,
    RotateOptions,
};
pub use error::{ErrorBody, OAuthErrorBody};
pub use federation::{
    NewTrustPolicy, TrustPolicy, TrustPolicyFilter, TrustPolicyList, TrustPolicyUpdate,
    WorkloadTokenRequest,
};
pub use health::{Checks, DependencyHealth, DetailedHealth, Health};
pub use ids::{AgentId, CredentialId, EventId, TenantId, TrustPolicyId};
pub use marketplace::{MarketplaceAgent, MarketplaceAgentPage, MarketplaceFilter, MarketplaceList};
pub use oauth::{Introspection, ServerMetadata, TokenParam, TokenRequest, TokenResponse};
pub use tenants::{
    CheckoutSession, DayUsage, Metered, SignUpRequest, TenantAdmin, TenantCreated, Usage,
    WebhookAck,
};

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used, reason = "tests fail loudly")]
    use super::*;
    use secrecy::ExposeSecret as _;
    use serde_json::json;

    #[test]
    fn an_unknown_enum_value_is_kept_when_read_and_refused_when_parsed() {
        let status: AgentStatus = serde_json::from_value(json!("archived")).unwrap();
        assert_eq!(status, AgentStatus::Other("archived".to_owned()));
        assert_eq!(serde_json::to_value(&status).unwrap(), json!("archived"));
        assert!("archived".parse::<AgentStatus>().is_err());
        assert_eq!("active".parse::<AgentStatus>(), Ok(AgentStatus::Active));
    }

    #[test]
    fn a_secret_is_written_in_clear_on_the_wire_and_redacted_in_debug() {
        let body: TokenResponse = serde_json::from_value(json!({
            "access_token": "eyJ.secret", "token_type": "Bearer", "expires_in": 60, "scope": "a"
        }))
        .unwrap();
        assert_eq!(body.access_token.expose_secret(), "eyJ.secret");
        assert!(!format!("{body:?}").contains("eyJ.secret"));
        assert_eq!(
            serde_json::to_value(&body).unwrap()["access_token"],
            "eyJ.secret"
        );
    }

    #[test]
    fn times_outside_the_years_0000_to_9999_are_refused() {
        assert!(time::parse_rfc3339("9999-12-31T23:00:00Z").is_some());
        assert!(time::parse_rfc3339("9999-12-31T23:00:00-05:00").is_none());
        let err =
            serde_json::from_value::<NewCredential>(json!({"expiresAt": "tomorrow"})).unwrap_err();
        assert!(err.to_string().contains(time::EXPECTED), "{err}");
    }

    #[test]
    fn an_optional_request_field_left_unset_is_not_sent() {
        let body = NewAgent::new(
            "a@example.com",
            "A",
            "bot",
            "1.0.0",
            "me",
            DeploymentEnv::Staging,
        );
        let value = serde_json::to_value(&body).unwrap();
        assert_eq!(
            value,
            json!({"email": "a@example.com", "name": "A", "agentType": "bot", "version": "1.0.0",
                   "owner": "me", "deploymentEnv": "staging"})
        );
        assert!(AgentUpdate::default().is_empty());
    }
}
