//! The API's request and response types: the `agentidp-proto` wire types the server itself
//! reads and writes, so the SDK and the server cannot disagree on a field.

pub use agentidp_proto::{
    AccessClaims, Agent, AgentFilter, AgentId, AgentList, AgentSkill, AgentStatus, AgentUpdate,
    Audience, AuditEvent, Checks, Credential, CredentialId, CredentialType, CredentialWithSecret,
    DependencyHealth, DeploymentEnv, DetailedHealth, ErrorBody, EventFilter, EventId, EventList,
    Health, Introspection, IssuedCredential, Metered, NewAgent, NewCredential, OAuthErrorBody,
    Outcome, RotateOptions, ServerMetadata, SignUpRequest, TenantAdmin, TenantCreated, TenantId,
    TokenParam, TokenRequest, TokenResponse, Usage,
};
