package ai.sentryagent.agentidp;

import ai.sentryagent.agentidp.Models.AgentResponse;
import ai.sentryagent.agentidp.Models.CheckoutSession;
import ai.sentryagent.agentidp.Models.CreateAgentRequest;
import ai.sentryagent.agentidp.Models.CreateCredentialRequest;
import ai.sentryagent.agentidp.Models.CreateTrustPolicyRequest;
import ai.sentryagent.agentidp.Models.CredentialResponse;
import ai.sentryagent.agentidp.Models.DetailedHealth;
import ai.sentryagent.agentidp.Models.EventResponse;
import ai.sentryagent.agentidp.Models.Health;
import ai.sentryagent.agentidp.Models.IntrospectionResponse;
import ai.sentryagent.agentidp.Models.IssuedCredential;
import ai.sentryagent.agentidp.Models.MarketplaceAgent;
import ai.sentryagent.agentidp.Models.MarketplaceAgentPage;
import ai.sentryagent.agentidp.Models.RotateCredentialRequest;
import ai.sentryagent.agentidp.Models.ServerMetadata;
import ai.sentryagent.agentidp.Models.SignUpRequest;
import ai.sentryagent.agentidp.Models.TenantCreated;
import ai.sentryagent.agentidp.Models.TokenResponse;
import ai.sentryagent.agentidp.Models.TrustPolicy;
import ai.sentryagent.agentidp.Models.UpdateAgentRequest;
import ai.sentryagent.agentidp.Models.UpdateTrustPolicyRequest;
import ai.sentryagent.agentidp.Models.UsageResponse;
import ai.sentryagent.agentidp.Models.WorkloadTokenRequest;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A typed client for every endpoint of AgentIdP's REST and OAuth APIs, safe for concurrent use.
 * Management calls take a bearer token from the {@link TokenProvider} (a 401 makes it fetch a
 * fresh one and the call is retried once); public endpoints need none. List methods return a
 * {@link Paged} that fetches pages as it is iterated. Every failure is an {@link AgentIdPException}.
 */
public final class AgentIdPClient {
  /** Which method calls each operation of docs/openapi.json (checked by the tests). */
  public static final Map<String, String> OPERATIONS = Map.ofEntries(
      Map.entry("list_agents", "listAgents"), Map.entry("create_agent", "createAgent"), Map.entry("get_agent", "getAgent"),
      Map.entry("update_agent", "updateAgent"), Map.entry("delete_agent", "deleteAgent"),
      Map.entry("list_credentials", "listCredentials"), Map.entry("create_credential", "createCredential"),
      Map.entry("rotate_credential", "rotateCredential"), Map.entry("revoke_credential", "revokeCredential"),
      Map.entry("list_events", "listAuditEvents"), Map.entry("get_event", "getAuditEvent"),
      Map.entry("search_agents", "searchMarketplace"), Map.entry("get_marketplace_agent", "getMarketplaceAgent"),
      Map.entry("list_policies", "listTrustPolicies"), Map.entry("create_policy", "createTrustPolicy"),
      Map.entry("get_policy", "getTrustPolicy"), Map.entry("update_policy", "updateTrustPolicy"), Map.entry("delete_policy", "deleteTrustPolicy"),
      Map.entry("usage", "getUsage"), Map.entry("checkout", "createCheckout"), Map.entry("sign_up", "signUp"),
      Map.entry("token", "token"), Map.entry("workload_token", "exchangeWorkloadToken"), Map.entry("introspect", "introspect"),
      Map.entry("revoke", "revoke"), Map.entry("metadata", "getServerMetadata"), Map.entry("jwks", "getJwks"),
      Map.entry("server_did", "getServerDid"), Map.entry("agent_did", "getAgentDid"), Map.entry("agent_card", "getAgentCard"),
      Map.entry("health", "health"), Map.entry("health_detailed", "healthDetailed"));

  private static final TypeReference<Map<String, Object>> DOCUMENT = new TypeReference<>() {};

  private final Http http;
  private final TokenProvider tokens;

  /**
   * A client of the server at {@code baseUrl}.
   *
   * @param baseUrl the server, e.g. {@code https://idp.example.com}
   * @param tokens where bearer tokens come from, or null for the public endpoints only
   */
  public AgentIdPClient(String baseUrl, TokenProvider tokens) {
    this(baseUrl, tokens, HttpClient.newHttpClient(), RetryPolicy.DEFAULT);
  }

  /**
   * A client with its own HTTP client and retry policy.
   *
   * @param baseUrl the server
   * @param tokens where bearer tokens come from, or null
   * @param httpClient the HTTP client
   * @param retry the retry policy
   */
  public AgentIdPClient(String baseUrl, TokenProvider tokens, HttpClient httpClient, RetryPolicy retry) {
    this.http = new Http(baseUrl, httpClient, retry, Duration.ofSeconds(30));
    this.tokens = tokens;
  }

  private JsonNode call(Http.Call c) {
    if (!c.bearer()) {
      return http.send(c);
    }
    if (tokens == null) {
      throw new AgentIdPException("no_credentials", "this call needs a TokenProvider", 0, Map.of(), null);
    }
    try {
      return http.send(c.withHeader("Authorization", "Bearer " + tokens.getToken()));
    } catch (AgentIdPException e) {
      if (e.status() != 401) {
        throw e;
      }
      tokens.invalidate(); // revoked or expired early: one fresh token, one retry
      return http.send(c.withHeader("Authorization", "Bearer " + tokens.getToken()));
    }
  }

  private <T> T as(JsonNode node, Class<T> type) {
    return Json.MAPPER.convertValue(node, type);
  }

  private <T> Paged<T> paged(String path, Map<String, String> query, Class<T> type, boolean bearer) {
    return new Paged<>(cursor -> {
      Map<String, String> q = new LinkedHashMap<>(query);
      if (cursor != null) {
        q.put("cursor", cursor);
      }
      Http.Call get = Http.Call.get(q.isEmpty() ? path : path + "?" + Http.encodeForm(q));
      return call(bearer ? get : get.publicCall());
    }, type);
  }

  private static String seg(String s) {
    return Http.segment(s);
  }

  /**
   * Agents of the caller's tenant.
   *
   * @param query filters (status, agentType, owner, deploymentEnv, capability) and page size (limit)
   * @return the agents, fetched a page at a time
   */
  public Paged<AgentResponse> listAgents(Map<String, String> query) {
    return paged("/v1/agents", query, AgentResponse.class, true);
  }

  /**
   * Registers an agent.
   *
   * @param body the registration
   * @return the agent
   */
  public AgentResponse createAgent(CreateAgentRequest body) {
    return as(call(Http.Call.json("POST", "/v1/agents", body)), AgentResponse.class);
  }

  /**
   * Reads an agent.
   *
   * @param agentId the agent id
   * @return the agent
   */
  public AgentResponse getAgent(String agentId) {
    return as(call(Http.Call.get("/v1/agents/" + seg(agentId))), AgentResponse.class);
  }

  /**
   * Changes the given fields of an agent, including its status.
   *
   * @param agentId the agent id
   * @param body the fields to change (null ones are left alone)
   * @return the agent
   */
  public AgentResponse updateAgent(String agentId, UpdateAgentRequest body) {
    return as(call(Http.Call.json("PATCH", "/v1/agents/" + seg(agentId), body)), AgentResponse.class);
  }

  /**
   * Decommissions an agent: its credentials stop working and its tokens are refused.
   *
   * @param agentId the agent id
   */
  public void deleteAgent(String agentId) {
    call(Http.Call.delete("/v1/agents/" + seg(agentId)));
  }

  /**
   * An agent's credentials, oldest first.
   *
   * @param agentId the agent id
   * @return the credentials
   */
  public List<CredentialResponse> listCredentials(String agentId) {
    return Json.MAPPER.convertValue(call(Http.Call.get("/v1/agents/" + seg(agentId) + "/credentials")), new TypeReference<List<CredentialResponse>>() {});
  }

  /**
   * Issues a secret (in {@code clientSecret}, shown this once) or registers a public key.
   *
   * @param agentId the agent id
   * @param body the kind of credential, or null for a secret
   * @return the credential
   */
  public IssuedCredential createCredential(String agentId, CreateCredentialRequest body) {
    return as(call(Http.Call.json("POST", "/v1/agents/" + seg(agentId) + "/credentials", body)), IssuedCredential.class);
  }

  /**
   * Replaces a credential's secret or key; the old one works for the grace period.
   *
   * @param agentId the agent id
   * @param credentialId the credential id
   * @param body the grace period and, for a key, the new JWK; or null
   * @return the credential
   */
  public IssuedCredential rotateCredential(String agentId, String credentialId, RotateCredentialRequest body) {
    return as(call(Http.Call.json("POST", "/v1/agents/" + seg(agentId) + "/credentials/" + seg(credentialId) + "/rotate", body)), IssuedCredential.class);
  }

  /**
   * Revokes a credential at once.
   *
   * @param agentId the agent id
   * @param credentialId the credential id
   */
  public void revokeCredential(String agentId, String credentialId) {
    call(Http.Call.delete("/v1/agents/" + seg(agentId) + "/credentials/" + seg(credentialId)));
  }

  /**
   * Audit events, newest first.
   *
   * @param query filters (agentId, actor, action, outcome, from, to) and page size (limit)
   * @return the events, fetched a page at a time
   */
  public Paged<EventResponse> listAuditEvents(Map<String, String> query) {
    return paged("/v1/audit/events", query, EventResponse.class, true);
  }

  /**
   * Reads an audit event.
   *
   * @param eventId the event id
   * @return the event
   */
  public EventResponse getAuditEvent(String eventId) {
    return as(call(Http.Call.get("/v1/audit/events/" + seg(eventId))), EventResponse.class);
  }

  /**
   * Searches the published agents of every tenant (no token needed).
   *
   * @param query q, capability, publisher, limit
   * @return the agents, fetched a page at a time
   */
  public Paged<MarketplaceAgent> searchMarketplace(Map<String, String> query) {
    return paged("/v1/marketplace/agents", query, MarketplaceAgent.class, false);
  }

  /**
   * A published agent's page: public view, DID document and signed card.
   *
   * @param agentId the agent id
   * @return its page
   */
  public MarketplaceAgentPage getMarketplaceAgent(String agentId) {
    return as(call(Http.Call.get("/v1/marketplace/agents/" + seg(agentId)).publicCall()), MarketplaceAgentPage.class);
  }

  /**
   * Workload-federation trust policies.
   *
   * @param query agentId and page size (limit)
   * @return the policies, fetched a page at a time
   */
  public Paged<TrustPolicy> listTrustPolicies(Map<String, String> query) {
    return paged("/v1/oidc/trust-policies", query, TrustPolicy.class, true);
  }

  /**
   * Says which workloads of an OIDC issuer may act as an agent.
   *
   * @param body the policy
   * @return the policy
   */
  public TrustPolicy createTrustPolicy(CreateTrustPolicyRequest body) {
    return as(call(Http.Call.json("POST", "/v1/oidc/trust-policies", body)), TrustPolicy.class);
  }

  /**
   * Reads a trust policy.
   *
   * @param policyId the policy id
   * @return the policy
   */
  public TrustPolicy getTrustPolicy(String policyId) {
    return as(call(Http.Call.get("/v1/oidc/trust-policies/" + seg(policyId))), TrustPolicy.class);
  }

  /**
   * Changes the given fields of a trust policy.
   *
   * @param policyId the policy id
   * @param body the fields to change
   * @return the policy
   */
  public TrustPolicy updateTrustPolicy(String policyId, UpdateTrustPolicyRequest body) {
    return as(call(Http.Call.json("PATCH", "/v1/oidc/trust-policies/" + seg(policyId), body)), TrustPolicy.class);
  }

  /**
   * Deletes a trust policy.
   *
   * @param policyId the policy id
   */
  public void deleteTrustPolicy(String policyId) {
    call(Http.Call.delete("/v1/oidc/trust-policies/" + seg(policyId)));
  }

  /**
   * Exchanges a workload's identity token (e.g. GitHub Actions OIDC) for an access token.
   *
   * @param body the identity token and what to ask for
   * @return the access token
   */
  public TokenResponse exchangeWorkloadToken(WorkloadTokenRequest body) {
    return as(call(Http.Call.json("POST", "/oidc/token", body).publicCall()), TokenResponse.class);
  }

  /**
   * Creates a tenant and its admin agent (public; the secret is in this answer only).
   *
   * @param name the tenant's name
   * @return the tenant and its admin's credentials
   */
  public TenantCreated signUp(String name) {
    return as(call(Http.Call.json("POST", "/v1/tenants", new SignUpRequest(name)).publicCall()), TenantCreated.class);
  }

  /**
   * The tenant's usage this month against its plan's limits.
   *
   * @return the usage
   */
  public UsageResponse getUsage() {
    return as(call(Http.Call.get("/v1/billing/usage")), UsageResponse.class);
  }

  /**
   * Starts a Stripe Checkout to upgrade the tenant.
   *
   * @param idempotencyKey the same key returns the same session; or null
   * @return the checkout session
   */
  public CheckoutSession createCheckout(String idempotencyKey) {
    Http.Call c = Http.Call.json("POST", "/v1/billing/checkout", null);
    if (idempotencyKey != null) {
      c = c.withHeader("Idempotency-Key", idempotencyKey).idempotentCall();
    }
    return as(call(c), CheckoutSession.class);
  }

  /**
   * A raw token request (any grant, e.g. RFC 8693 delegation); agents use a token provider, which caches.
   *
   * @param form the form parameters
   * @param clientId the client to authenticate with HTTP Basic, or null
   * @param clientSecret its secret, or null
   * @return the token
   */
  public TokenResponse token(Map<String, String> form, String clientId, String clientSecret) {
    Map<String, String> headers = clientId == null ? Map.of() : Map.of("Authorization", Http.basic(clientId, clientSecret));
    return as(call(Http.Call.form("/oauth2/token", form, headers)), TokenResponse.class);
  }

  /**
   * Whether {@code token} is active (RFC 7662), as the authenticated client may see.
   *
   * @param token the token
   * @param clientId the client asking
   * @param clientSecret its secret
   * @return the introspection
   */
  public IntrospectionResponse introspect(String token, String clientId, String clientSecret) {
    return as(call(Http.Call.form("/oauth2/introspect", Map.of("token", token), Map.of("Authorization", Http.basic(clientId, clientSecret)))), IntrospectionResponse.class);
  }

  /**
   * Revokes {@code token} (RFC 7009): the client's own, or one acting for it.
   *
   * @param token the token
   * @param clientId the client asking
   * @param clientSecret its secret
   */
  public void revoke(String token, String clientId, String clientSecret) {
    call(Http.Call.form("/oauth2/revoke", Map.of("token", token), Map.of("Authorization", Http.basic(clientId, clientSecret))));
  }

  /**
   * The OAuth authorization server metadata (RFC 8414).
   *
   * @return the metadata
   */
  public ServerMetadata getServerMetadata() {
    return as(call(Http.Call.get("/.well-known/oauth-authorization-server").publicCall()), ServerMetadata.class);
  }

  /**
   * The token-signing keys.
   *
   * @return the JWK Set
   */
  public Map<String, Object> getJwks() {
    return document("/.well-known/jwks.json");
  }

  /**
   * The server's did:web document.
   *
   * @return the DID document
   */
  public Map<String, Object> getServerDid() {
    return document("/.well-known/did.json");
  }

  /**
   * A public agent's did:web document.
   *
   * @param agentId the agent id
   * @return the DID document
   */
  public Map<String, Object> getAgentDid(String agentId) {
    return document("/agents/" + seg(agentId) + "/did.json");
  }

  /**
   * A public agent's A2A agent card, signed by the server.
   *
   * @param agentId the agent id
   * @return the card
   */
  public Map<String, Object> getAgentCard(String agentId) {
    return document("/agents/" + seg(agentId) + "/agent-card.json");
  }

  /**
   * The liveness check.
   *
   * @return the health
   */
  public Health health() {
    return as(call(Http.Call.get("/health").publicCall()), Health.class);
  }

  /**
   * Every dependency's health.
   *
   * @return the detailed health
   */
  public DetailedHealth healthDetailed() {
    return as(call(Http.Call.get("/health/detailed").publicCall()), DetailedHealth.class);
  }

  private Map<String, Object> document(String path) {
    return Json.MAPPER.convertValue(call(Http.Call.get(path).publicCall()), DOCUMENT);
  }
}
