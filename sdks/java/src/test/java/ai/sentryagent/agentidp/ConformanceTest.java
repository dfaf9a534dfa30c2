package ai.sentryagent.agentidp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** The shared conformance cases (sdks/conformance/cases.json), run by this SDK. */
class ConformanceTest {
  private static final JsonNode VERIFIER = Server.CASES.get("verifier");
  private static final JsonNode OPTIONS = VERIFIER.get("options");
  private static Server server;

  @BeforeAll
  static void start() throws Exception {
    server = Server.start(Map.of());
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
  }

  private static Stream<JsonNode> cases(JsonNode node) {
    return StreamSupport.stream(node.get("cases").spliterator(), false);
  }

  private static String token(String id) {
    return cases(VERIFIER).filter(c -> c.get("id").asText().equals(id)).findFirst().orElseThrow().get("token").asText();
  }

  /** Serves the first key set once, then the rotated one. */
  private static StandIn jwks() throws Exception {
    return new StandIn((n, exchange) -> StandIn.reply(exchange, 200, (n == 0 ? VERIFIER.get("jwks") : VERIFIER.get("rotatedJwks")).toString()));
  }

  private static TokenVerifier verifier(StandIn jwks, Duration cooldown) {
    List<String> required = new ArrayList<>();
    OPTIONS.get("requiredScopes").forEach(s -> required.add(s.asText()));
    return TokenVerifier.builder(OPTIONS.get("issuer").asText(), OPTIONS.get("audience").asText())
        .requiredScopes(required.toArray(String[]::new))
        .leeway(Duration.ofSeconds(OPTIONS.get("leewaySeconds").asLong()))
        .jwksUrl(jwks.url() + "/jwks.json").jwksCooldown(cooldown).build();
  }

  @TestFactory
  Stream<DynamicTest> theVerifierReachesEachConformanceVerdict() {
    return cases(VERIFIER).map(c -> DynamicTest.dynamicTest(c.get("id").asText() + ": " + c.get("description").asText(), () -> {
      try (StandIn jwks = jwks()) {
        TokenVerifier verifier = verifier(jwks, Duration.ZERO);
        String id = c.get("id").asText();
        if (id.equals("key-rotated") || id.equals("unknown-kid")) {
          verifier.verify(token("valid-es256"));
        }
        JsonNode expect = c.get("expect");
        if (expect.get("ok").asBoolean()) {
          VerifiedToken verified = verifier.verify(c.get("token").asText());
          assertEquals(expect.get("sub").asText(), verified.agentId());
          if (expect.has("scopes")) {
            assertEquals(strings(expect.get("scopes")), verified.scopes());
          }
          if (expect.has("actor")) {
            assertEquals(expect.get("actor").asText(), verified.actor());
          }
          if (expect.has("delegationChain")) {
            assertEquals(strings(expect.get("delegationChain")), verified.delegationChain());
          }
        } else {
          TokenVerificationException refused = assertThrows(TokenVerificationException.class, () -> verifier.verify(c.get("token").asText()));
          assertEquals(expect.get("error").asText(), refused.code(), refused.getMessage());
          assertEquals(expect.get("error").asText().equals("insufficient_scope") ? 403 : 401, refused.status());
        }
        if (id.equals("key-rotated") || id.equals("unknown-kid")) {
          assertEquals(2, jwks.requests.size(), "one fetch, then one refetch on the unknown kid");
        }
      }
    }));
  }

  @Test
  void unknownKidsDoNotRefetchTheJwksWithinTheCooldown() throws Exception {
    try (StandIn jwks = jwks()) {
      TokenVerifier verifier = verifier(jwks, Duration.ofSeconds(30));
      verifier.verify(token("valid-es256"));
      for (int i = 0; i < 20; i++) {
        assertThrows(TokenVerificationException.class, () -> verifier.verify(token("unknown-kid")));
      }
      assertTrue(jwks.requests.size() <= 2, jwks.requests.size() + " fetches for 20 unknown kids");
    }
  }

  @Test
  void anUnreachableJwksIsJwksUnavailableWith503() {
    TokenVerifier verifier = TokenVerifier.builder(OPTIONS.get("issuer").asText(), OPTIONS.get("audience").asText())
        .jwksUrl("http://127.0.0.1:9/jwks.json").build();
    TokenVerificationException refused = assertThrows(TokenVerificationException.class, () -> verifier.verify(token("valid-es256")));
    assertEquals("jwks_unavailable", refused.code());
    assertEquals(503, refused.status());
  }

  @TestFactory
  Stream<DynamicTest> theTokenProviderBehavesAsEachConformanceCaseSays() {
    JsonNode p = Server.CASES.get("tokenProvider");
    return cases(p).map(c -> DynamicTest.dynamicTest(c.get("id").asText() + ": " + c.get("description").asText(), () -> {
      JsonNode responses = c.get("responses");
      try (StandIn endpoint = new StandIn((n, exchange) -> {
        JsonNode r = responses.get(Math.min(n, responses.size() - 1));
        if (r.has("delayMs")) {
          try {
            Thread.sleep(r.get("delayMs").asLong());
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
        r.path("headers").properties().forEach(h -> exchange.getResponseHeaders().set(h.getKey(), h.getValue().asText()));
        StandIn.reply(exchange, r.get("status").asInt(), r.get("body").toString());
      })) {
        ClientCredentialsTokenProvider provider = new ClientCredentialsTokenProvider(
            CachingTokenProvider.Options.of(endpoint.url(), p.get("clientId").asText())
                .retry(new RetryPolicy(3, Duration.ofMillis(50), Duration.ofSeconds(30))),
            p.get("clientSecret").asText());
        long started = System.nanoTime();
        int calls = c.get("calls").asInt();
        List<String> tokens = new ArrayList<>();
        AgentIdPException failure = null;
        try {
          if (c.path("concurrent").asBoolean()) {
            ExecutorService pool = Executors.newFixedThreadPool(calls);
            List<Callable<String>> tasks = new ArrayList<>();
            for (int i = 0; i < calls; i++) {
              tasks.add(provider::getToken);
            }
            for (Future<String> f : pool.invokeAll(tasks)) {
              tokens.add(f.get());
            }
            pool.shutdown();
          } else {
            for (int i = 0; i < calls; i++) {
              if (i > 0) {
                Thread.sleep(c.path("pauseMs").asLong());
              }
              tokens.add(provider.getToken());
            }
          }
        } catch (AgentIdPException e) {
          failure = e;
        }
        JsonNode expect = c.get("expect");
        assertEquals(expect.get("requests").asInt(), endpoint.requests.size(), "token requests");
        if (expect.has("error")) {
          assertNotNull(failure, "the provider failed");
          assertEquals(expect.get("error").get("status").asInt(), failure.status());
          assertEquals(expect.get("error").get("code").asText(), failure.code());
        } else {
          assertEquals(strings(expect.get("tokens")), tokens);
        }
        assertTrue(Duration.ofNanos(System.nanoTime() - started).toMillis() >= expect.path("minElapsedMs").asLong(), "Retry-After was honoured");
        String basic = "Basic " + Base64.getEncoder().encodeToString((p.get("clientId").asText() + ":" + p.get("clientSecret").asText()).getBytes(StandardCharsets.UTF_8));
        assertEquals(basic, endpoint.requests.get(0).authorization());
        assertTrue(endpoint.requests.get(0).body().contains("grant_type=client_credentials"));
      }
    }));
  }

  @TestFactory
  Stream<DynamicTest> theClientBehavesAsEachConformanceCaseSays() {
    return cases(Server.CASES.get("client")).map(c -> DynamicTest.dynamicTest(c.get("id").asText() + ": " + c.get("description").asText(), () -> {
      AgentIdPClient admin = server.admin();
      if (c.get("id").asText().equals("pagination")) {
        String owner = "paging-" + System.nanoTime();
        Set<String> created = new HashSet<>();
        for (int i = 0; i < c.get("create").asInt(); i++) {
          created.add(admin.createAgent(Server.agentBody(owner, List.of("weather:read"))).agentId());
        }
        List<String> seen = admin.listAgents(Map.of("owner", owner, "limit", c.get("pageSize").asText())).stream().map(Models.AgentResponse::agentId).toList();
        assertEquals(created, new HashSet<>(seen));
        assertEquals(created.size(), seen.size());
        return;
      }
      AgentIdPException failed = assertThrows(AgentIdPException.class, () -> {
        switch (c.get("call").asText()) {
          case "getAgent" -> admin.getAgent(c.get("agentId").asText());
          case "createAgent" -> admin.createAgent(Json.MAPPER.treeToValue(c.get("body"), Models.CreateAgentRequest.class));
          default -> admin.token(Map.of("grant_type", "client_credentials"), server.adminId, "sk_wrong");
        }
      });
      assertEquals(c.get("expect").get("status").asInt(), failed.status());
      assertEquals(c.get("expect").get("code").asText(), failed.code());
      assertFalse(failed.getMessage().isEmpty());
      assertNotNull(failed.details());
    }));
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(s -> out.add(s.asText()));
    return out;
  }
}
