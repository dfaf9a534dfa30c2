package agentidp

import (
	"context"
	"iter"
	"net/http"
	"net/url"
)

// Operations says which Client method calls each operation of docs/openapi.json (checked by
// the tests, so a new operation without a method fails them).
var Operations = map[string]string{
	"list_agents": "ListAgents", "create_agent": "CreateAgent", "get_agent": "GetAgent", "update_agent": "UpdateAgent", "delete_agent": "DeleteAgent",
	"list_credentials": "ListCredentials", "create_credential": "CreateCredential", "rotate_credential": "RotateCredential", "revoke_credential": "RevokeCredential",
	"list_events": "ListAuditEvents", "get_event": "GetAuditEvent",
	"search_agents": "SearchMarketplace", "get_marketplace_agent": "GetMarketplaceAgent",
	"list_policies": "ListTrustPolicies", "create_policy": "CreateTrustPolicy", "get_policy": "GetTrustPolicy", "update_policy": "UpdateTrustPolicy", "delete_policy": "DeleteTrustPolicy",
	"usage": "GetUsage", "checkout": "CreateCheckout", "sign_up": "SignUp",
	"token": "Token", "workload_token": "ExchangeWorkloadToken", "introspect": "Introspect", "revoke": "Revoke",
	"metadata": "GetServerMetadata", "jwks": "GetJWKS", "server_did": "GetServerDID", "agent_did": "GetAgentDID", "agent_card": "GetAgentCard",
	"health": "Health", "health_detailed": "HealthDetailed",
}

// ListAgents iterates the agents of the caller's tenant; query filters (status, agentType,
// owner, deploymentEnv, capability) and sets the page size (limit).
func (c *Client) ListAgents(ctx context.Context, query url.Values) iter.Seq2[AgentResponse, error] {
	return paginate[AgentResponse](ctx, c, "/v1/agents", query, true)
}

// CreateAgent registers an agent.
func (c *Client) CreateAgent(ctx context.Context, body CreateAgentRequest) (*AgentResponse, error) {
	return into[AgentResponse](ctx, c, post("/v1/agents", body))
}

// GetAgent reads one agent.
func (c *Client) GetAgent(ctx context.Context, agentID string) (*AgentResponse, error) {
	return into[AgentResponse](ctx, c, get("/v1/agents/"+seg(agentID)))
}

// UpdateAgent changes the given fields, including status.
func (c *Client) UpdateAgent(ctx context.Context, agentID string, body UpdateAgentRequest) (*AgentResponse, error) {
	return into[AgentResponse](ctx, c, patch("/v1/agents/"+seg(agentID), body))
}

// DeleteAgent decommissions an agent: its credentials stop working and its tokens are refused.
func (c *Client) DeleteAgent(ctx context.Context, agentID string) error {
	return c.call(ctx, del("/v1/agents/"+seg(agentID)), nil)
}

// ListCredentials lists an agent's credentials, oldest first.
func (c *Client) ListCredentials(ctx context.Context, agentID string) ([]CredentialResponse, error) {
	var out []CredentialResponse
	return out, c.call(ctx, get("/v1/agents/"+seg(agentID)+"/credentials"), &out)
}

// CreateCredential issues a secret (in ClientSecret, shown this once) or registers a public key.
func (c *Client) CreateCredential(ctx context.Context, agentID string, body CreateCredentialRequest) (*IssuedCredential, error) {
	return into[IssuedCredential](ctx, c, post("/v1/agents/"+seg(agentID)+"/credentials", body))
}

// RotateCredential replaces a credential's secret or key; the old one works for the grace period.
func (c *Client) RotateCredential(ctx context.Context, agentID, credentialID string, body RotateCredentialRequest) (*IssuedCredential, error) {
	return into[IssuedCredential](ctx, c, post("/v1/agents/"+seg(agentID)+"/credentials/"+seg(credentialID)+"/rotate", body))
}

// RevokeCredential revokes a credential at once.
func (c *Client) RevokeCredential(ctx context.Context, agentID, credentialID string) error {
	return c.call(ctx, del("/v1/agents/"+seg(agentID)+"/credentials/"+seg(credentialID)), nil)
}

// ListAuditEvents iterates audit events, newest first (filters: agentId, actor, action,
// outcome, from, to; limit).
func (c *Client) ListAuditEvents(ctx context.Context, query url.Values) iter.Seq2[EventResponse, error] {
	return paginate[EventResponse](ctx, c, "/v1/audit/events", query, true)
}

// GetAuditEvent reads one audit event.
func (c *Client) GetAuditEvent(ctx context.Context, eventID string) (*EventResponse, error) {
	return into[EventResponse](ctx, c, get("/v1/audit/events/"+seg(eventID)))
}

// SearchMarketplace iterates the published agents of every tenant (q, capability, publisher, limit).
func (c *Client) SearchMarketplace(ctx context.Context, query url.Values) iter.Seq2[MarketplaceAgent, error] {
	return paginate[MarketplaceAgent](ctx, c, "/v1/marketplace/agents", query, false)
}

// GetMarketplaceAgent reads a published agent's page: public view, DID document, signed card.
func (c *Client) GetMarketplaceAgent(ctx context.Context, agentID string) (*MarketplaceAgentPage, error) {
	return into[MarketplaceAgentPage](ctx, c, public(get("/v1/marketplace/agents/"+seg(agentID))))
}

// ListTrustPolicies iterates workload-federation trust policies (agentId, limit).
func (c *Client) ListTrustPolicies(ctx context.Context, query url.Values) iter.Seq2[TrustPolicy, error] {
	return paginate[TrustPolicy](ctx, c, "/v1/oidc/trust-policies", query, true)
}

// CreateTrustPolicy says which workloads of an OIDC issuer may act as an agent.
func (c *Client) CreateTrustPolicy(ctx context.Context, body CreateTrustPolicyRequest) (*TrustPolicy, error) {
	return into[TrustPolicy](ctx, c, post("/v1/oidc/trust-policies", body))
}

// GetTrustPolicy reads one trust policy.
func (c *Client) GetTrustPolicy(ctx context.Context, policyID string) (*TrustPolicy, error) {
	return into[TrustPolicy](ctx, c, get("/v1/oidc/trust-policies/"+seg(policyID)))
}

// UpdateTrustPolicy changes the given fields of a trust policy.
func (c *Client) UpdateTrustPolicy(ctx context.Context, policyID string, body UpdateTrustPolicyRequest) (*TrustPolicy, error) {
	return into[TrustPolicy](ctx, c, patch("/v1/oidc/trust-policies/"+seg(policyID), body))
}

// DeleteTrustPolicy deletes a trust policy.
func (c *Client) DeleteTrustPolicy(ctx context.Context, policyID string) error {
	return c.call(ctx, del("/v1/oidc/trust-policies/"+seg(policyID)), nil)
}

// ExchangeWorkloadToken exchanges a workload's identity token (e.g. GitHub Actions OIDC) for
// an access token.
func (c *Client) ExchangeWorkloadToken(ctx context.Context, body WorkloadTokenRequest) (*TokenResponse, error) {
	return into[TokenResponse](ctx, c, public(post("/oidc/token", body)))
}

// SignUp creates a tenant and its admin agent (public; the secret is in this answer only).
func (c *Client) SignUp(ctx context.Context, name string) (*TenantCreated, error) {
	return into[TenantCreated](ctx, c, public(post("/v1/tenants", SignUpRequest{Name: name})))
}

// GetUsage reads the tenant's usage this month against its plan's limits.
func (c *Client) GetUsage(ctx context.Context) (*UsageResponse, error) {
	return into[UsageResponse](ctx, c, get("/v1/billing/usage"))
}

// CreateCheckout starts a Stripe Checkout to upgrade the tenant; the same idempotency key
// returns the same session.
func (c *Client) CreateCheckout(ctx context.Context, idempotencyKey string) (*CheckoutSession, error) {
	r := post("/v1/billing/checkout", nil)
	if idempotencyKey != "" {
		r.header, r.idempotent = http.Header{"Idempotency-Key": {idempotencyKey}}, true
	}
	return into[CheckoutSession](ctx, c, r)
}

// ClientSecret authenticates the OAuth client itself (HTTP Basic) on the OAuth endpoints.
type ClientSecret struct{ ID, Secret string }

func oauthForm(path string, form url.Values, auth *ClientSecret) request {
	r := request{method: http.MethodPost, path: path, form: form, idempotent: true}
	if auth != nil {
		r.header = http.Header{"Authorization": {basicAuth(auth.ID, auth.Secret)}}
	}
	return r
}

// Token is a raw token request (any grant, e.g. RFC 8693 delegation); agents use a token
// source instead, which caches.
func (c *Client) Token(ctx context.Context, form url.Values, auth *ClientSecret) (*TokenResponse, error) {
	return into[TokenResponse](ctx, c, oauthForm("/oauth2/token", form, auth))
}

// Introspect asks whether token is active (RFC 7662), as the authenticated client may see.
func (c *Client) Introspect(ctx context.Context, token string, auth ClientSecret) (*IntrospectionResponse, error) {
	return into[IntrospectionResponse](ctx, c, oauthForm("/oauth2/introspect", url.Values{"token": {token}}, &auth))
}

// Revoke revokes token (RFC 7009): the client's own, or one acting for it.
func (c *Client) Revoke(ctx context.Context, token string, auth ClientSecret) error {
	return c.call(ctx, oauthForm("/oauth2/revoke", url.Values{"token": {token}}, &auth), nil)
}

// GetServerMetadata reads the OAuth authorization server metadata (RFC 8414).
func (c *Client) GetServerMetadata(ctx context.Context) (*ServerMetadata, error) {
	return into[ServerMetadata](ctx, c, public(get("/.well-known/oauth-authorization-server")))
}

// GetJWKS reads the token-signing keys.
func (c *Client) GetJWKS(ctx context.Context) (map[string]any, error) {
	return document(ctx, c, "/.well-known/jwks.json")
}

// GetServerDID reads the server's did:web document.
func (c *Client) GetServerDID(ctx context.Context) (map[string]any, error) {
	return document(ctx, c, "/.well-known/did.json")
}

// GetAgentDID reads a public agent's did:web document.
func (c *Client) GetAgentDID(ctx context.Context, agentID string) (map[string]any, error) {
	return document(ctx, c, "/agents/"+seg(agentID)+"/did.json")
}

// GetAgentCard reads a public agent's A2A agent card, signed by the server.
func (c *Client) GetAgentCard(ctx context.Context, agentID string) (map[string]any, error) {
	return document(ctx, c, "/agents/"+seg(agentID)+"/agent-card.json")
}

// Health is the liveness check.
func (c *Client) Health(ctx context.Context) (*Health, error) {
	return into[Health](ctx, c, public(get("/health")))
}

// HealthDetailed checks every dependency.
func (c *Client) HealthDetailed(ctx context.Context) (*DetailedHealth, error) {
	return into[DetailedHealth](ctx, c, public(get("/health/detailed")))
}

func into[T any](ctx context.Context, c *Client, r request) (*T, error) {
	var out T
	if err := c.call(ctx, r, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

func document(ctx context.Context, c *Client, path string) (map[string]any, error) {
	var out map[string]any
	return out, c.call(ctx, public(get(path)), &out)
}
