package ai.sentryagent.agentidp;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * TokenVerifier.verify against Nimbus's JWT processor called directly on the same token with the
 * same checks and the keys in memory, per algorithm: a timed loop after warm-up, alternating
 * rounds, median. Run with {@code mvn -q test -Dtest=VerifyBenchmarkTest -Dbench=true}.
 */
@EnabledIfSystemProperty(named = "bench", matches = "true")
class VerifyBenchmarkTest {
  private static final JsonNode VERIFIER = Server.CASES.get("verifier");

  @Test
  void verifyThroughputIsCloseToNimbusDirectly() throws Exception {
    JsonNode options = VERIFIER.get("options");
    String issuer = options.get("issuer").asText();
    String audience = options.get("audience").asText();
    DefaultJWTProcessor<SecurityContext> direct = new DefaultJWTProcessor<>();
    direct.setJWSTypeVerifier(new DefaultJOSEObjectTypeVerifier<>(new JOSEObjectType("at+jwt")));
    direct.setJWSKeySelector(Keys.selector(new ImmutableJWKSet<>(JWKSet.parse(VERIFIER.get("jwks").toString()))));
    direct.setJWSVerifierFactory(new Keys.VerifierFactory());
    DefaultJWTClaimsVerifier<SecurityContext> claims =
        new DefaultJWTClaimsVerifier<>(audience, new JWTClaimsSet.Builder().issuer(issuer).build(), Set.of("exp", "iat", "sub", "jti"));
    claims.setMaxClockSkew(30);
    direct.setJWTClaimsSetVerifier(claims);
    try (StandIn jwks = new StandIn((n, exchange) -> StandIn.reply(exchange, 200, VERIFIER.get("jwks").toString()))) {
      TokenVerifier ours = TokenVerifier.builder(issuer, audience).jwksUrl(jwks.url()).build();
      System.out.println("| algorithm | Nimbus directly (verifications/s) | TokenVerifier.verify | ratio |");
      System.out.println("|---|---:|---:|---:|");
      for (String[] c : new String[][] {{"RS256", "valid-rs256"}, {"ES256", "valid-es256"}, {"EdDSA", "valid-eddsa"}}) {
        String token = null;
        for (JsonNode v : VERIFIER.get("cases")) {
          if (v.get("id").asText().equals(c[1])) {
            token = v.get("token").asText();
          }
        }
        String t = token;
        Callable<Object> a = () -> direct.process(SignedJWT.parse(t), null);
        Callable<Object> b = () -> ours.verify(t, "weather:read");
        rate(a, Duration.ofSeconds(2));
        rate(b, Duration.ofSeconds(2));
        List<Double> ra = new ArrayList<>();
        List<Double> rb = new ArrayList<>();
        for (int round = 0; round < 9; round++) {
          ra.add(rate(a, Duration.ofMillis(700)));
          rb.add(rate(b, Duration.ofMillis(700)));
        }
        double ma = median(ra);
        double mb = median(rb);
        System.out.printf("| %s | %.0f | %.0f | %.0f %% |%n", c[0], ma, mb, 100 * mb / ma);
      }
    }
  }

  private static double rate(Callable<Object> verify, Duration length) throws Exception {
    long n = 0;
    long start = System.nanoTime();
    long end = start + length.toNanos();
    while (System.nanoTime() < end) {
      for (int i = 0; i < 50; i++) {
        verify.call();
      }
      n += 50;
    }
    return n / ((System.nanoTime() - start) / 1e9);
  }

  private static double median(List<Double> xs) {
    List<Double> sorted = new ArrayList<>(xs);
    Collections.sort(sorted);
    return sorted.get(sorted.size() / 2);
  }
}
