"""Wire types of the AgentIdP API, generated from docs/openapi.json by
scripts/generate_models.py. Do not edit."""

from __future__ import annotations

from typing import Any, TypedDict, Union

__all__ = ['Actor', 'AdminCredentials', 'AgentList', 'AgentResponse', 'AgentSkill', 'Audience', 'CheckoutSession', 'Checks', 'CreateAgentRequest', 'CreateCredentialRequest', 'CreateTrustPolicyRequest', 'CredentialResponse', 'CredentialWithSecret', 'DayUsage', 'DependencyHealth', 'DetailedHealth', 'ErrorBody', 'EventList', 'EventResponse', 'Health', 'IntrospectionResponse', 'IssuedCredential', 'MarketplaceAgent', 'MarketplaceAgentPage', 'MarketplaceList', 'MeteredResponse', 'OAuthErrorBody', 'RotateCredentialRequest', 'ServerMetadata', 'SignUpRequest', 'TenantCreated', 'TokenForm', 'TokenParam', 'TokenResponse', 'TrustPolicy', 'TrustPolicyList', 'UpdateAgentRequest', 'UpdateTrustPolicyRequest', 'UsageResponse', 'WebhookAck', 'WorkloadTokenRequest']


class _ActorRequired(TypedDict):
    sub: str
    """The acting agent's id."""


class Actor(_ActorRequired, total=False):
    """The `act` claim of a delegated token (RFC 8693 §4.1): the agent acting for the token's subject and, nested, the actors before it (most recent first)."""

    act: dict[str, Any] | None
    """The actor that acted before it, when the subject token was itself delegated."""


class AdminCredentials(TypedDict):
    """A new tenant's administrator agent and its one-time credentials."""

    agentId: str
    """The admin agent."""
    clientId: str
    """Its OAuth client id (the agent id)."""
    clientSecret: str
    """Shown once; store it now."""
    credentialId: str
    """Its credential."""
    scopes: list[str]
    """Its management scopes."""


class _AgentListRequired(TypedDict):
    data: list[AgentResponse]
    """The agents of this page."""


class AgentList(_AgentListRequired, total=False):
    """One page of agents."""

    nextCursor: str | None
    """Pass as `cursor` to get the next page; `null` on the last page."""


class _AgentResponseRequired(TypedDict):
    agentId: str
    """Agent id; also its OAuth `client_id`."""
    agentType: str
    """Lower-case type token."""
    allowedScopes: list[str]
    """Scopes it may request in tokens."""
    capabilities: list[str]
    """Capability tokens."""
    createdAt: str
    """Creation time."""
    deploymentEnv: str
    """`development`, `staging` or `production`."""
    description: str
    """Free text."""
    email: str
    """Contact address, unique within the tenant."""
    isPublic: bool
    """Listed in the public marketplace."""
    metadata: dict[str, Any]
    """Free-form JSON object."""
    name: str
    """Display name."""
    owner: str
    """Responsible team or person."""
    status: str
    """`active`, `suspended`, `revoked` or `decommissioned`."""
    tenantId: str
    """The tenant it belongs to."""
    updatedAt: str
    """Last change."""
    version: str
    """Semantic version."""


class AgentResponse(_AgentResponseRequired, total=False):
    """An agent as the API shows it."""

    allowedActors: list[str]
    """Agents that may act for it by delegation."""
    documentationUrl: str | None
    """Its documentation."""
    endpointUrl: str | None
    """Where the agent serves A2A requests."""
    iconUrl: str | None
    """Its icon."""
    lastAuthAt: str | None
    """Last successful authentication."""
    skills: list[AgentSkill]
    """Its skills."""


class _AgentSkillRequired(TypedDict):
    description: str
    """What it does (1–1024 characters)."""
    id: str
    """Unique among the agent's skills (1–128 characters)."""
    name: str
    """Display name (1–128 characters)."""
    tags: list[str]
    """Keywords, 1 to 20 (A2A requires at least one)."""


class AgentSkill(_AgentSkillRequired, total=False):
    """A skill an agent offers, as its A2A agent card lists it."""

    examples: list[str]
    """Example requests, at most 10."""


Audience = Union["str", "list[str]"]
"""The `aud` claim: one audience or several."""


class CheckoutSession(TypedDict):
    """Answer of `POST /v1/billing/checkout`."""

    checkoutUrl: str
    """Stripe's hosted payment page: send the user there."""


class _ChecksRequired(TypedDict):
    database: DependencyHealth
    """The database."""


class Checks(_ChecksRequired, total=False):
    """The dependencies checked."""

    opa: DependencyHealth | None
    """"""
    redis: DependencyHealth | None
    """"""
    vault: DependencyHealth | None
    """"""


class _CreateAgentRequestRequired(TypedDict):
    agentType: str
    """Lower-case type token, e.g. `retrieval`."""
    deploymentEnv: str
    """`development`, `staging` or `production`."""
    email: str
    """Contact address, unique within the tenant; immutable."""
    name: str
    """Display name (1–128 characters)."""
    owner: str
    """Responsible team or person."""
    version: str
    """Semantic version."""


class CreateAgentRequest(_CreateAgentRequestRequired, total=False):
    """Body of `POST /v1/agents`."""

    allowedActors: list[str]
    """Agents of the tenant that may act for this one (RFC 8693 delegation), at most 32."""
    allowedScopes: list[str]
    """Scopes the agent may request in tokens."""
    capabilities: list[str]
    """Capability tokens matching `^[a-z0-9][a-z0-9._:-]*$` (at most 50)."""
    description: str
    """Free text (up to 1024 characters)."""
    documentationUrl: str | None
    """Its documentation (https)."""
    endpointUrl: str | None
    """Where the agent serves A2A requests (https); its agent card's interface."""
    iconUrl: str | None
    """Its icon (https)."""
    isPublic: bool
    """List the agent in the public marketplace."""
    metadata: dict[str, Any]
    """JSON object, at most 8 KiB."""
    skills: list[AgentSkill]
    """Its skills (at most 50), as its agent card lists them."""


class CreateCredentialRequest(TypedDict, total=False):
    """Body of `POST …/credentials` (optional)."""

    expiresAt: str | None
    """When the secret or key stops working (RFC 3339, future); omitted = never."""
    jwk: dict[str, Any] | None
    """With `public_key`: the public JWK (RSA of 2048 bits or more, EC P-256 or Ed25519); a JWK with private members is refused."""
    type: str | None
    """`client_secret` (the default) or `public_key`."""


class _CreateTrustPolicyRequestRequired(TypedDict):
    agentId: str
    """The agent a matching workload acts as."""


class CreateTrustPolicyRequest(_CreateTrustPolicyRequestRequired, total=False):
    """Body of `POST /v1/oidc/trust-policies`: a policy for any OIDC issuer, or, with `"provider": "github"`, the GitHub Actions shorthand (`repository`, `branch`, …)."""

    audience: str | None
    """The audience the workload's token must carry (`aud`); required unless `provider` is set, which defaults it to this server's issuer URL."""
    branch: str | None
    """GitHub: the branch (pins `ref`); a final `*` matches a prefix."""
    claims: dict[str, Any] | None
    """Other claims, each pinned to a string or a list of alternatives; a value ending in `*` matches as a prefix."""
    description: str | None
    """What the policy is for."""
    environment: str | None
    """GitHub: the deployment environment."""
    events: list[str] | None
    """GitHub: the events allowed (pins `event_name`), e.g. `["push"]`."""
    issuer: str | None
    """The issuer (`iss`), an https URL; implied by `provider`."""
    maxTokenTtlSeconds: int | None
    """Longest lifetime of an exchanged token, 1–3600 s (default: the server's token lifetime)."""
    provider: str | None
    """`github` for the GitHub Actions shorthand; omitted for any other issuer."""
    repository: str | None
    """GitHub: `owner/repo`."""
    repositoryId: str | None
    """GitHub: the repository's numeric id (recommended: a re-created repository of the same name has another)."""
    repositoryOwnerId: str | None
    """GitHub: the owner's numeric id."""
    scopes: list[str] | None
    """Scopes an exchanged token may hold, within the agent's allowed scopes (default: all of them)."""
    subject: str | None
    """The exact subject (`sub`)."""


class _CredentialResponseRequired(TypedDict):
    agentId: str
    """The agent, which is also the OAuth `client_id`."""
    createdAt: str
    """Creation time."""
    credentialId: str
    """Credential id."""
    status: str
    """`active` or `revoked`."""
    type: str
    """`client_secret` or `public_key`."""


class CredentialResponse(_CredentialResponseRequired, total=False):
    """A credential as the API shows it (never its secret or digest)."""

    expiresAt: str | None
    """When the secret stops working, if ever."""
    jwk: dict[str, Any] | None
    """A `public_key` credential's public JWK (with `kid`, `alg` and `use`)."""
    kid: str | None
    """A `public_key` credential's key id: its RFC 7638 thumbprint."""
    lastUsedAt: str | None
    """Last successful use."""
    previousSecretExpiresAt: str | None
    """Until when the secret replaced by the last rotation still works."""
    revokedAt: str | None
    """Revocation time."""
    rotatedAt: str | None
    """Last rotation."""


class _CredentialWithSecretRequired(TypedDict):
    agentId: str
    """The agent, which is also the OAuth `client_id`."""
    clientId: str
    """The OAuth client id (the agent id)."""
    clientSecret: str
    """The client secret. Store it now: it is never shown again."""
    createdAt: str
    """Creation time."""
    credentialId: str
    """Credential id."""
    status: str
    """`active` or `revoked`."""
    type: str
    """`client_secret` or `public_key`."""


class CredentialWithSecret(_CredentialWithSecretRequired, total=False):
    """A credential with its secret: returned once, by creation and rotation only."""

    expiresAt: str | None
    """When the secret stops working, if ever."""
    jwk: dict[str, Any] | None
    """A `public_key` credential's public JWK (with `kid`, `alg` and `use`)."""
    kid: str | None
    """A `public_key` credential's key id: its RFC 7638 thumbprint."""
    lastUsedAt: str | None
    """Last successful use."""
    previousSecretExpiresAt: str | None
    """Until when the secret replaced by the last rotation still works."""
    revokedAt: str | None
    """Revocation time."""
    rotatedAt: str | None
    """Last rotation."""


class DayUsage(TypedDict):
    """One UTC day's usage."""

    activeAgents: int
    """Live agents when sampled (hourly; the day's last sample stands)."""
    apiCalls: int
    """Authenticated API calls."""
    date: str
    """The day, `YYYY-MM-DD`."""
    tokensIssued: int
    """Access tokens issued."""


class _DependencyHealthRequired(TypedDict):
    backend: str
    """`sqlite` or `postgres` for the database; `redis`, `vault` or `opa` for the others."""
    latencyMs: int
    """Round-trip time in milliseconds (the timeout when unreachable)."""
    status: str
    """`healthy`, `degraded` (slower than 1000 ms, or Redis bypassed) or `unreachable`."""


class DependencyHealth(_DependencyHealthRequired, total=False):
    """One dependency's state."""

    error: str | None
    """Why the dependency is not healthy."""


class DetailedHealth(TypedDict):
    """Detailed health."""

    checks: Checks
    """Each dependency."""
    status: str
    """`healthy` (200), `degraded` (207: slow or a non-critical dependency down) or `unhealthy` (503: the database is unreachable)."""
    version: str
    """Server version."""


class ErrorBody(TypedDict):
    """The body of every REST error."""

    code: str
    """Machine-readable code, e.g. `AGENT_NOT_FOUND`."""
    details: dict[str, Any]
    """Structured context (the offending field, a limit…); `{}` when there is none."""
    message: str
    """Human-readable explanation."""


class _EventListRequired(TypedDict):
    data: list[EventResponse]
    """The events of this page, newest first."""


class EventList(_EventListRequired, total=False):
    """One page of events."""

    nextCursor: str | None
    """Pass as `cursor` to get the next page; `null` on the last page."""


class _EventResponseRequired(TypedDict):
    action: str
    """What happened, e.g. `agent.created`."""
    actor: str
    """Who acted: an agent id, `system`, `operator`, `signup`, or the presented client id."""
    eventId: str
    """Event id."""
    hash: str
    """SHA-256 (hex) over `prevHash` and this event's canonical encoding; with an audit chain key, `hmac-sha256:<key id>:<hex>`, the HMAC-SHA-256 of the same under that key."""
    metadata: dict[str, Any]
    """Action-specific details."""
    outcome: str
    """`success` or `failure`."""
    prevHash: str
    """The previous event's `hash` (64 zeros before the first event)."""
    seq: int
    """Position in the tenant's hash chain."""
    tenantId: str
    """The tenant whose chain it belongs to."""
    timestamp: str
    """When it happened (RFC 3339, UTC)."""


class EventResponse(_EventResponseRequired, total=False):
    """An audit event as the API shows it."""

    agentId: str | None
    """The agent acted upon."""
    ip: str | None
    """The caller's IP address."""
    userAgent: str | None
    """The caller's user agent."""


class Health(TypedDict):
    """Liveness answer."""

    status: str
    """Always `ok` while the process serves HTTP."""
    version: str
    """Server version."""


class _IntrospectionResponseRequired(TypedDict):
    active: bool
    """Whether the token is valid right now."""


class IntrospectionResponse(_IntrospectionResponseRequired, total=False):
    """RFC 7662 response; an inactive token shows only `{"active": false}`."""

    act: Actor | None
    """"""
    aud: Audience | None
    """"""
    client_id: str | None
    """The client it was issued to."""
    exp: int | None
    """Expiry (seconds since the epoch)."""
    iat: int | None
    """Issued-at (seconds since the epoch)."""
    iss: str | None
    """Its issuer."""
    jti: str | None
    """Token id."""
    nbf: int | None
    """Not-before (seconds since the epoch)."""
    scope: str | None
    """Granted scopes, space separated."""
    sub: str | None
    """Its subject (the agent id)."""
    tenant_id: str | None
    """The agent's tenant."""
    token_type: str | None
    """`Bearer`."""


IssuedCredential = Union["CredentialWithSecret", "CredentialResponse"]
"""What creating or rotating a credential returns: a secret credential with its new secret (shown this once), or a public-key credential."""


class _MarketplaceAgentRequired(TypedDict):
    agentId: str
    """Agent id."""
    agentType: str
    """Lower-case type token."""
    capabilities: list[str]
    """Capability tokens (the scopes its agent card offers)."""
    createdAt: str
    """When it was registered."""
    description: str
    """Free text."""
    did: str
    """Its DID (`did:web`)."""
    didDocumentUrl: str
    """Where its DID document is served."""
    name: str
    """Display name."""
    publisher: str
    """The name of the tenant that publishes it."""
    updatedAt: str
    """Its last change."""
    version: str
    """Semantic version."""


class MarketplaceAgent(_MarketplaceAgentRequired, total=False):
    """A public agent as the marketplace shows it: no e-mail, owner, scopes, credentials or metadata."""

    agentCardUrl: str | None
    """Where its signed agent card is served, when it has one."""
    documentationUrl: str | None
    """Its documentation."""
    endpointUrl: str | None
    """Where it serves A2A requests."""
    iconUrl: str | None
    """Its icon."""
    skills: list[AgentSkill]
    """Its skills."""


class _MarketplaceAgentPageRequired(TypedDict):
    agentId: str
    """Agent id."""
    agentType: str
    """Lower-case type token."""
    capabilities: list[str]
    """Capability tokens (the scopes its agent card offers)."""
    createdAt: str
    """When it was registered."""
    description: str
    """Free text."""
    did: str
    """Its DID (`did:web`)."""
    didDocument: dict[str, Any]
    """Its DID document (W3C DID Core), as served at `didDocumentUrl`."""
    didDocumentUrl: str
    """Where its DID document is served."""
    name: str
    """Display name."""
    publisher: str
    """The name of the tenant that publishes it."""
    updatedAt: str
    """Its last change."""
    version: str
    """Semantic version."""


class MarketplaceAgentPage(_MarketplaceAgentPageRequired, total=False):
    """One agent's marketplace page: its public view, DID document and signed agent card."""

    agentCard: dict[str, Any] | None
    """Its A2A agent card with this server's signature, as served at `agentCardUrl`; `null` while it lacks an endpoint, a skill or a capability."""
    agentCardUrl: str | None
    """Where its signed agent card is served, when it has one."""
    documentationUrl: str | None
    """Its documentation."""
    endpointUrl: str | None
    """Where it serves A2A requests."""
    iconUrl: str | None
    """Its icon."""
    skills: list[AgentSkill]
    """Its skills."""


class _MarketplaceListRequired(TypedDict):
    data: list[MarketplaceAgent]
    """The agents of this page, in registration order."""


class MarketplaceList(_MarketplaceListRequired, total=False):
    """One page of marketplace agents."""

    nextCursor: str | None
    """Pass as `cursor` to get the next page; `null` on the last page."""


class _MeteredResponseRequired(TypedDict):
    used: int
    """How much is used."""


class MeteredResponse(_MeteredResponseRequired, total=False):
    """One metric against its limit."""

    limit: int | None
    """The limit; `null` when there is none."""


class OAuthErrorBody(TypedDict):
    """The body of an OAuth error (RFC 6749 §5.2)."""

    error: str
    """`invalid_request`, `invalid_client`, `unauthorized_client`, `unsupported_grant_type`, `invalid_scope`, `invalid_target`, `quota_exceeded`, `too_many_requests`, `temporarily_unavailable` or `server_error`."""
    error_description: str
    """Human-readable explanation."""


class RotateCredentialRequest(TypedDict, total=False):
    """Body of `POST …/rotate` (optional)."""

    expiresAt: str | None
    """Expiry of the new secret (RFC 3339, future); omitted = never."""
    gracePeriodSeconds: int
    """Seconds the old secret or key keeps working (0–604800, default 0)."""
    jwk: dict[str, Any] | None
    """For a `public_key` credential (required there): the new public JWK."""


class _ServerMetadataRequired(TypedDict):
    grant_types_supported: list[str]
    """`client_credentials`."""
    introspection_endpoint: str
    """RFC 7662 endpoint."""
    introspection_endpoint_auth_methods_supported: list[str]
    """Client authentication methods at the introspection endpoint."""
    issuer: str
    """The issuer every token carries in `iss`."""
    jwks_uri: str
    """Where the signing keys are published."""
    response_types_supported: list[str]
    """Empty: this server has no authorization endpoint (no redirect-based flows)."""
    revocation_endpoint: str
    """RFC 7009 endpoint."""
    revocation_endpoint_auth_methods_supported: list[str]
    """Client authentication methods at the revocation endpoint."""
    scopes_supported: list[str]
    """The management scopes the server knows."""
    service_documentation: str
    """Human-readable API documentation."""
    token_endpoint: str
    """Where to request tokens."""
    token_endpoint_auth_methods_supported: list[str]
    """Client authentication methods at the token endpoint."""


class ServerMetadata(_ServerMetadataRequired, total=False):
    """RFC 8414 authorization-server metadata."""

    token_endpoint_auth_signing_alg_values_supported: list[str]
    """Algorithms accepted for `private_key_jwt` client assertions."""


class SignUpRequest(TypedDict):
    """Body of `POST /v1/tenants`."""

    name: str
    """Unique tenant name: 3–63 characters of a-z, 0-9 and '-'."""


class TenantCreated(TypedDict):
    """A new tenant with its administrator."""

    admin: AdminCredentials
    """The administrator agent and its secret (shown once)."""
    createdAt: str
    """Creation time."""
    name: str
    """Tenant name."""
    plan: str
    """`free` or `pro`."""
    tenantId: str
    """Tenant id."""


class TokenForm(TypedDict, total=False):
    """Parameters of `POST /oauth2/token` (form-encoded)."""

    actor_token: str | None
    """Delegation: the acting agent's own access token from this server."""
    actor_token_type: str | None
    """Delegation: `urn:ietf:params:oauth:token-type:access_token`."""
    audience: str | None
    """Target audience; same as `resource`."""
    client_assertion: str | None
    """private_key_jwt: a JWT signed by the client's registered key (RFC 7523 §2.2): `iss` = `sub` = the client id, `aud` = the token endpoint or issuer, `exp` at most 5 minutes ahead, a `jti` used once."""
    client_assertion_type: str | None
    """private_key_jwt: `urn:ietf:params:oauth:client-assertion-type:jwt-bearer`."""
    client_id: str | None
    """client_secret_post: the client id."""
    client_secret: str | None
    """client_secret_post: the client secret."""
    expires_in: int | None
    """Delegation: the lifetime wanted, in seconds (an extension of RFC 8693); a lifetime beyond the subject or actor token's remaining life is refused. Default: as long as both allow, at most the server's token lifetime."""
    grant_type: str | None
    """`client_credentials`, or `urn:ietf:params:oauth:grant-type:token-exchange` (RFC 8693)."""
    requested_token_type: str | None
    """Token exchange: `urn:ietf:params:oauth:token-type:access_token` if given."""
    resource: str | None
    """Target resource (RFC 8707): an absolute URI without a fragment; becomes the `aud` claim."""
    scope: str | None
    """Space-separated subset of the agent's allowed scopes; default all of them."""
    subject_token: str | None
    """Token exchange (RFC 8693): the workload's identity token."""
    subject_token_type: str | None
    """Token exchange: `urn:ietf:params:oauth:token-type:id_token` or `…:jwt` for a workload's identity token; `…:access_token` for delegation (a token of this server)."""


class TokenParam(TypedDict, total=False):
    """Parameters of introspection and revocation (form-encoded)."""

    client_id: str | None
    """client_secret_post: the caller's client id."""
    client_secret: str | None
    """client_secret_post: the caller's client secret."""
    token: str | None
    """The token to inspect or revoke."""
    token_type_hint: str | None
    """Ignored hint (`access_token`)."""


class _TokenResponseRequired(TypedDict):
    access_token: str
    """The JWT access token (RFC 9068)."""
    expires_in: int
    """Lifetime in seconds."""
    scope: str
    """Granted scopes, space separated."""
    token_type: str
    """Always `Bearer`."""


class TokenResponse(_TokenResponseRequired, total=False):
    """A successful token response (RFC 6749 §5.1)."""

    issued_token_type: str | None
    """Token exchange (RFC 8693): `urn:ietf:params:oauth:token-type:access_token`."""


class _TrustPolicyRequired(TypedDict):
    agentId: str
    """The agent a matching workload acts as."""
    audience: str
    """The audience."""
    claims: dict[str, Any]
    """The pinned claims."""
    createdAt: str
    """When it was created."""
    issuer: str
    """The issuer."""
    maxTokenTtlSeconds: int
    """Longest lifetime of an exchanged token, in seconds."""
    policyId: str
    """Its id."""
    scopes: list[str]
    """Scopes an exchanged token may hold."""
    tenantId: str
    """Its tenant."""
    updatedAt: str
    """Its last change."""


class TrustPolicy(_TrustPolicyRequired, total=False):
    """A trust policy."""

    description: str
    """What it is for."""
    subject: str | None
    """The exact subject, if pinned."""


class _TrustPolicyListRequired(TypedDict):
    data: list[TrustPolicy]
    """The policies of this page, oldest first."""


class TrustPolicyList(_TrustPolicyListRequired, total=False):
    """One page of trust policies."""

    nextCursor: str | None
    """Pass as `cursor` for the next page; `null` on the last page."""


class UpdateAgentRequest(TypedDict, total=False):
    """Body of `PATCH /v1/agents/{agentId}`: every field optional; `id`, `email`, `tenantId`, `createdAt`, `updatedAt` and `lastAuthAt` are immutable and rejected by name."""

    agentType: str | None
    """New type token."""
    allowedActors: list[str] | None
    """Replaces the agents that may act for this one; `[]` allows none."""
    allowedScopes: list[str] | None
    """Replaces the allowed scopes."""
    capabilities: list[str] | None
    """Replaces the capabilities."""
    deploymentEnv: str | None
    """New environment."""
    description: str | None
    """New description."""
    documentationUrl: str | None
    """New documentation URL; `""` removes it."""
    endpointUrl: str | None
    """New A2A endpoint (https); `""` removes it."""
    iconUrl: str | None
    """New icon URL; `""` removes it."""
    isPublic: bool | None
    """Lists or unlists the agent in the marketplace."""
    metadata: dict[str, Any] | None
    """Replaces the metadata object."""
    name: str | None
    """New display name."""
    owner: str | None
    """New owner."""
    skills: list[AgentSkill] | None
    """Replaces the skills."""
    status: str | None
    """`active`, `suspended` or `revoked` (terminal; revokes every credential)."""
    version: str | None
    """New semantic version."""


class UpdateTrustPolicyRequest(TypedDict, total=False):
    """Body of `PATCH /v1/oidc/trust-policies/{policyId}`: each field replaces the stored one."""

    audience: str | None
    """New audience."""
    claims: dict[str, Any] | None
    """New pinned claims (replace the old ones)."""
    description: str | None
    """New description."""
    maxTokenTtlSeconds: int | None
    """New longest token lifetime."""
    scopes: list[str] | None
    """New scopes."""
    subject: str | None
    """New exact subject; `""` removes it."""


class _UsageResponseRequired(TypedDict):
    agents: MeteredResponse
    """Live (not decommissioned) agents."""
    month: str
    """The month counted, `YYYY-MM` (UTC)."""
    plan: str
    """`free` or `pro`: the plan whose limits apply when billing is enabled."""
    tokens: MeteredResponse
    """Access tokens issued this month (other nodes' counts arrive within 5 s)."""


class UsageResponse(_UsageResponseRequired, total=False):
    """A tenant's usage this month."""

    apiCalls: MeteredResponse | None
    """"""
    billingEnabled: bool
    """Whether the plan's limits are enforced (`BILLING_ENABLED`); otherwise the limits shown are the server's own."""
    days: list[DayUsage]
    """This month's usage per day."""
    subscriptionStatus: str | None
    """The Stripe subscription's status (`active`, `past_due`, `canceled`…), if any."""


class WebhookAck(TypedDict):
    """Answer of `POST /v1/billing/webhook`."""

    duplicate: bool
    """`true` when the event had been delivered before (nothing changed)."""
    received: bool
    """Always `true`: the event was verified and is recorded."""


class _WorkloadTokenRequestRequired(TypedDict):
    token: str
    """The identity token the workload's platform issued it (a JWT)."""


class WorkloadTokenRequest(_WorkloadTokenRequestRequired, total=False):
    """Body of `POST /oidc/token`: a workload's identity token to exchange for an agent's access token (the same exchange as RFC 8693 at `/oauth2/token`)."""

    agentId: str | None
    """The agent to act as; needed only when policies of several agents admit the token."""
    audience: str | None
    """The audience of the access token (an absolute URI); default this server."""
    scope: str | None
    """Space-separated scopes wanted; default all the policy grants."""
