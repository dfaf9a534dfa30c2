//! Workload federation: trust policies (`/v1/oidc/trust-policies`), which let workloads of an
//! OIDC issuer (GitHub Actions, GitLab CI, Kubernetes) act as an agent without a secret.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use secrecy::SecretString;

use crate::{AgentId, TenantId, TrustPolicyId};

/// Body of `POST /oidc/token`: a workload's identity token to exchange for an agent's access
/// token (the same exchange as RFC 8693 at `/oauth2/token`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WorkloadTokenRequest {
    /// The identity token the workload's platform issued it (a JWT).
    #[serde(serialize_with = "crate::secret::expose")]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub token: SecretString,
    /// The agent to act as; needed only when policies of several agents admit the token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<uuid::Uuid>))]
    pub agent_id: Option<AgentId>,
    /// Space-separated scopes wanted; default all the policy grants.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// The audience of the access token (an absolute URI); default this server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audience: Option<String>,
}

/// Body of `POST /v1/oidc/trust-policies`: a policy for any OIDC issuer, or, with
/// `"provider": "github"`, the GitHub Actions shorthand (`repository`, `branch`, …).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = CreateTrustPolicyRequest))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewTrustPolicy {
    /// The agent a matching workload acts as.
    #[cfg_attr(feature = "openapi", schema(value_type = uuid::Uuid))]
    pub agent_id: AgentId,
    /// `github` for the GitHub Actions shorthand; omitted for any other issuer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// The issuer (`iss`), an https URL; implied by `provider`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// The audience the workload's token must carry (`aud`); required unless `provider` is
    /// set, which defaults it to this server's issuer URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audience: Option<String>,
    /// The exact subject (`sub`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// Other claims, each pinned to a string or a list of alternatives; a value ending in
    /// `*` matches as a prefix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub claims: Option<Map<String, Value>>,
    /// GitHub: `owner/repo`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
    /// GitHub: the branch (pins `ref`); a final `*` matches a prefix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branch: Option<String>,
    /// GitHub: the deployment environment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    /// GitHub: the repository's numeric id (recommended: a re-created repository of the same
    /// name has another).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository_id: Option<String>,
    /// GitHub: the owner's numeric id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository_owner_id: Option<String>,
    /// GitHub: the events allowed (pins `event_name`), e.g. `["push"]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub events: Option<Vec<String>>,
    /// Scopes an exchanged token may hold, within the agent's allowed scopes (default: all of
    /// them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Vec<String>>,
    /// Longest lifetime of an exchanged token, 1–3600 s (default: the server's token
    /// lifetime).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_token_ttl_seconds: Option<u32>,
    /// What the policy is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// Body of `PATCH /v1/oidc/trust-policies/{policyId}`: each field replaces the stored one.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = UpdateTrustPolicyRequest))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TrustPolicyUpdate {
    /// New audience.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audience: Option<String>,
    /// New exact subject; `""` removes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// New pinned claims (replace the old ones).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub claims: Option<Map<String, Value>>,
    /// New scopes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Vec<String>>,
    /// New longest token lifetime.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_token_ttl_seconds: Option<u32>,
    /// New description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A trust policy.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct TrustPolicy {
    /// Its id.
    #[cfg_attr(feature = "openapi", schema(value_type = uuid::Uuid))]
    pub policy_id: TrustPolicyId,
    /// Its tenant.
    #[cfg_attr(feature = "openapi", schema(value_type = uuid::Uuid))]
    pub tenant_id: TenantId,
    /// The agent a matching workload acts as.
    #[cfg_attr(feature = "openapi", schema(value_type = uuid::Uuid))]
    pub agent_id: AgentId,
    /// The issuer.
    pub issuer: String,
    /// The audience.
    pub audience: String,
    /// The exact subject, if pinned.
    #[serde(default)]
    pub subject: Option<String>,
    /// The pinned claims.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub claims: Map<String, Value>,
    /// Scopes an exchanged token may hold.
    pub scopes: Vec<String>,
    /// Longest lifetime of an exchanged token, in seconds.
    pub max_token_ttl_seconds: u32,
    /// What it is for.
    #[serde(default)]
    pub description: String,
    /// When it was created.
    #[serde(with = "crate::time::millis")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: DateTime<Utc>,
    /// Its last change.
    #[serde(with = "crate::time::millis")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub updated_at: DateTime<Utc>,
}

/// One page of trust policies.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct TrustPolicyList {
    /// The policies of this page, oldest first.
    pub data: Vec<TrustPolicy>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// Paging of `GET /v1/oidc/trust-policies`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TrustPolicyFilter {
    /// Only the policies of this agent.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(value_type = Option<uuid::Uuid>))]
    pub agent_id: Option<AgentId>,
    /// Page size, 1–100 (default 20).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// The `nextCursor` of the previous page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}
