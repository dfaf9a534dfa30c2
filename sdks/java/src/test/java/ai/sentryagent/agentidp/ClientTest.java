package ai.sentryagent.agentidp;

import static ai.sentryagent.agentidp.Models.from;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.sentryagent.agentidp.CachingTokenProvider.Options;
import ai.sentryagent.agentidp.Models.AgentResponse;
import ai.sentryagent.agentidp.Models.CreateAgentRequest;
import ai.sentryagent.agentidp.Models.CreateCredentialRequest;
import ai.sentryagent.agentidp.Models.CreateTrustPolicyRequest;
import ai.sentryagent.agentidp.Models.IssuedCredential;
import ai.sentryagent.agentidp.Models.RotateCredentialRequest;
import ai.sentryagent.agentidp.Models.TrustPolicy;
import ai.sentryagent.agentidp.Models.UpdateAgentRequest;
import ai.sentryagent.agentidp.Models.UpdateTrustPolicyRequest;
import ai.sentryagent.agentidp.Models.WorkloadTokenRequest;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every AgentIdPClient method against a real agentidp, and both token providers. */
class ClientTest {
  private static Server server;
  private static AgentIdPClient admin;

  @BeforeAll
  static void start() throws Exception {
    server = Server.start(Map.of("MARKETPLACE_ENABLED", "true", "SIGNUP_ENABLED", "true"));
    admin = server.admin();
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
  }

  private record Registered(AgentResponse agent, String secret) {}

  private static Registered newAgent(Map<String, Object> extra) {
    Map<String, Object> body = new java.util.HashMap<>(Json.MAPPER.convertValue(Server.agentBody("weather-team", List.of("weather:read", "weather:write")), Json.MAP));
    body.putAll(extra);
    AgentResponse agent = admin.createAgent(from(body, CreateAgentRequest.class));
    return new Registered(agent, admin.createCredential(agent.agentId(), null).clientSecret());
  }

  private static TokenVerifier verifier(String audience) {
    return TokenVerifier.builder(server.baseUrl, audience).build();
  }

  @Test
  void agentsAreCreatedReadListedUpdatedAndDecommissioned() {
    String owner = "crud-" + System.nanoTime();
    AgentResponse agent = newAgent(Map.of("owner", owner, "capabilities", List.of("weather:forecast"))).agent();
    assertEquals("Weather bot", admin.getAgent(agent.agentId()).name());
    assertEquals(List.of(agent.agentId()), admin.listAgents(Map.of("owner", owner, "capability", "weather:forecast")).stream().map(AgentResponse::agentId).toList());
    AgentResponse updated = admin.updateAgent(agent.agentId(), from(Map.of("name", "Forecast bot", "status", "suspended"), UpdateAgentRequest.class));
    assertEquals("Forecast bot", updated.name());
    assertEquals("suspended", updated.status());
    admin.deleteAgent(agent.agentId());
    assertEquals("decommissioned", admin.getAgent(agent.agentId()).status());
  }

  @Test
  void credentialsAreListedRotatedAndRevoked() {
    Registered r = newAgent(Map.of());
    String credentialId = admin.listCredentials(r.agent().agentId()).get(0).credentialId();
    IssuedCredential rotated = admin.rotateCredential(r.agent().agentId(), credentialId, from(Map.of("gracePeriodSeconds", 60), RotateCredentialRequest.class));
    assertNotEquals(r.secret(), rotated.clientSecret());
    admin.revokeCredential(r.agent().agentId(), credentialId);
    assertEquals("revoked", admin.listCredentials(r.agent().agentId()).get(0).status());
    AgentIdPException refused = assertThrows(AgentIdPException.class,
        () -> admin.token(Map.of("grant_type", "client_credentials"), r.agent().agentId(), rotated.clientSecret()));
    assertEquals("invalid_client", refused.code());
    assertEquals(401, refused.status());
  }

  @Test
  void aTokenIsVerifiedIntrospectedAndRevoked() {
    Registered r = newAgent(Map.of());
    String token = new ClientCredentialsTokenProvider(Options.of(server.baseUrl, r.agent().agentId()).scopes("weather:read"), r.secret()).getToken();
    VerifiedToken verified = verifier(server.baseUrl).verify(token, "weather:read");
    assertEquals(r.agent().agentId(), verified.agentId());
    assertEquals(List.of("weather:read"), verified.scopes());
    assertEquals("insufficient_scope", assertThrows(TokenVerificationException.class, () -> verifier(server.baseUrl).verify(token, "weather:write")).code());
    Models.IntrospectionResponse active = admin.introspect(token, r.agent().agentId(), r.secret());
    assertTrue(active.active());
    assertEquals(server.baseUrl, active.aud());
    admin.revoke(token, r.agent().agentId(), r.secret());
    assertFalse(admin.introspect(token, r.agent().agentId(), r.secret()).active());
  }

  @Test
  void aTokenForAResourceCarriesItAsAudience() {
    Registered r = newAgent(Map.of());
    String token = new ClientCredentialsTokenProvider(Options.of(server.baseUrl, r.agent().agentId()).audience("https://weather.example"), r.secret()).getToken();
    verifier("https://weather.example").verify(token);
    assertEquals("invalid_audience", assertThrows(TokenVerificationException.class, () -> verifier(server.baseUrl).verify(token)).code());
  }

  @Test
  void anAgentWithAPublicKeyGetsTokensWithPrivateKeyJwt() throws Exception {
    AgentResponse agent = newAgent(Map.of()).agent();
    ECKey key = new ECKeyGenerator(Curve.P_256).generate();
    Map<String, Object> jwk = key.toPublicJWK().toJSONObject();
    IssuedCredential credential = admin.createCredential(agent.agentId(), from(Map.of("type", "public_key", "jwk", jwk), CreateCredentialRequest.class));
    PrivateKeyJwtTokenProvider tokens = new PrivateKeyJwtTokenProvider(Options.of(server.baseUrl, agent.agentId()), key);
    assertEquals(credential.kid(), tokens.keyId(), "the assertions name the key by the kid the server gave it");
    assertEquals(agent.agentId(), verifier(server.baseUrl).verify(tokens.getToken()).agentId());
  }

  @Test
  void aDelegatedTokenNamesItsActorChain() {
    Registered actor = newAgent(Map.of());
    Registered subject = newAgent(Map.of("allowedActors", List.of(actor.agent().agentId())));
    String subjectToken = admin.token(Map.of("grant_type", "client_credentials"), subject.agent().agentId(), subject.secret()).accessToken();
    String actorToken = admin.token(Map.of("grant_type", "client_credentials"), actor.agent().agentId(), actor.secret()).accessToken();
    String exchanged = admin.token(Map.of(
        "grant_type", "urn:ietf:params:oauth:grant-type:token-exchange",
        "subject_token", subjectToken, "subject_token_type", "urn:ietf:params:oauth:token-type:access_token",
        "actor_token", actorToken, "actor_token_type", "urn:ietf:params:oauth:token-type:access_token"),
        actor.agent().agentId(), actor.secret()).accessToken();
    VerifiedToken verified = verifier(server.baseUrl).verify(exchanged);
    assertEquals(subject.agent().agentId(), verified.agentId());
    assertEquals(actor.agent().agentId(), verified.actor());
    assertEquals(List.of(actor.agent().agentId()), verified.delegationChain());
  }

  @Test
  void auditEventsAreListedPageByPageAndRead() {
    AgentResponse agent = newAgent(Map.of()).agent();
    List<Models.EventResponse> events = admin.listAuditEvents(Map.of("agentId", agent.agentId(), "limit", "1")).stream().toList();
    assertTrue(events.size() >= 2, "agent.created and credential.created");
    assertEquals(events.get(0).eventId(), admin.getAuditEvent(events.get(0).eventId()).eventId());
  }

  @Test
  void publicAgentsAndDocumentsAreReadWithoutAToken() {
    String word = "sailors" + System.nanoTime();
    AgentResponse agent = newAgent(Map.of("isPublic", true, "description", "Forecasts for " + word)).agent();
    AgentIdPClient anonymous = new AgentIdPClient(server.baseUrl, null);
    assertEquals(List.of(agent.agentId()), anonymous.searchMarketplace(Map.of("q", word)).stream().map(Models.MarketplaceAgent::agentId).toList());
    assertEquals(agent.agentId(), anonymous.getMarketplaceAgent(agent.agentId()).agentId());
    assertEquals(server.baseUrl, anonymous.getServerMetadata().issuer());
    assertFalse(((List<?>) anonymous.getJwks().get("keys")).isEmpty());
    assertTrue(((String) anonymous.getServerDid().get("id")).startsWith("did:web:"));
    assertTrue(((String) anonymous.getAgentDid(agent.agentId()).get("id")).startsWith("did:web:"));
    assertEquals(404, assertThrows(AgentIdPException.class, () -> anonymous.getAgentCard(agent.agentId())).status());
    assertEquals("ok", anonymous.health().status());
    anonymous.healthDetailed();
    assertEquals("no_credentials", assertThrows(AgentIdPException.class, anonymous::getUsage).code());
  }

  @Test
  void trustPoliciesAreManagedAndABadWorkloadTokenIsRefused() {
    AgentResponse agent = newAgent(Map.of()).agent();
    TrustPolicy policy = admin.createTrustPolicy(from(Map.of("agentId", agent.agentId(), "provider", "github", "repository", "acme/weather", "branch", "main"), CreateTrustPolicyRequest.class));
    assertEquals("acme/weather", admin.getTrustPolicy(policy.policyId()).claims().get("repository"));
    assertEquals(List.of(policy.policyId()), admin.listTrustPolicies(Map.of("agentId", agent.agentId())).stream().map(TrustPolicy::policyId).toList());
    assertEquals("release builds", admin.updateTrustPolicy(policy.policyId(), from(Map.of("description", "release builds"), UpdateTrustPolicyRequest.class)).description());
    admin.deleteTrustPolicy(policy.policyId());
    assertEquals(404, assertThrows(AgentIdPException.class, () -> admin.getTrustPolicy(policy.policyId())).status());
    assertEquals(400, assertThrows(AgentIdPException.class,
        () -> admin.exchangeWorkloadToken(from(Map.of("token", "not-a-jwt", "agentId", agent.agentId()), WorkloadTokenRequest.class))).status());
  }

  @Test
  void usageCheckoutRefusalAndSignUp() {
    assertEquals(7, admin.getUsage().month().length());
    AgentIdPException refused = assertThrows(AgentIdPException.class, () -> admin.createCheckout("upgrade-1"));
    assertEquals("BILLING_DISABLED", refused.code());
    assertEquals(409, refused.status());
    assertTrue(new AgentIdPClient(server.baseUrl, null).signUp("acme-" + System.nanoTime()).admin().clientSecret().startsWith("sk_"));
  }

  @Test
  void checkoutReturnsTheStripeSessionUrlWhenBillingIsOn() throws Exception {
    try (StandIn stripe = new StandIn((n, exchange) -> StandIn.reply(exchange, 200, "{\"id\":\"cs_test_1\",\"object\":\"checkout.session\",\"url\":\"https://checkout.stripe.com/c/pay/cs_test_1\"}"));
         Server billing = Server.start(Map.of("BILLING_ENABLED", "true", "STRIPE_SECRET_KEY", "sk_test_1", "STRIPE_PRICE_ID", "price_1", "STRIPE_API_BASE", stripe.url()))) {
      assertEquals("https://checkout.stripe.com/c/pay/cs_test_1", billing.admin().createCheckout("upgrade-1").checkoutUrl());
      assertEquals("/v1/checkout/sessions", stripe.requests.get(0).path());
    }
  }

  @Test
  void aRevokedBearerTokenIsReplacedAndTheCallRetried() {
    Registered r = newAgent(Map.of("allowedScopes", List.of("agents:read")));
    ClientCredentialsTokenProvider tokens = new ClientCredentialsTokenProvider(Options.of(server.baseUrl, r.agent().agentId()), r.secret());
    String revoked = tokens.getToken();
    admin.revoke(revoked, r.agent().agentId(), r.secret());
    assertEquals(7, new AgentIdPClient(server.baseUrl, tokens).getUsage().month().length());
    assertNotEquals(revoked, tokens.getToken());
  }
}
