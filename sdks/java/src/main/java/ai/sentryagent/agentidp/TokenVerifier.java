package ai.sentryagent.agentidp;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKMatcher;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.BadJWSException;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.BadJWTException;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import com.nimbusds.jwt.proc.ExpiredJWTException;
import java.net.MalformedURLException;
import java.net.URI;
import java.text.ParseException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * Verifies AgentIdP access tokens (RFC 9068) offline against the issuer's JWKS, on Nimbus JOSE+JWT:
 * the algorithm pinned to the key (RS256, ES256, EdDSA; never {@code none} or HS*), {@code typ}
 * {@code at+jwt}, issuer, audience, {@code exp}/{@code nbf} with leeway, and scopes. The JWKS is
 * cached for {@code jwksMaxAge} and fetched again on an unknown {@code kid} at most once per
 * {@code jwksCooldown}. One per service, safe for concurrent use.
 */
public final class TokenVerifier {
  private static final Set<JWSAlgorithm> ALGORITHMS = Keys.ALGORITHMS;

  private final JWKSource<SecurityContext> keys;
  private final DefaultJWTProcessor<SecurityContext> processor;
  private final List<String> requiredScopes;

  private TokenVerifier(Builder b) throws MalformedURLException {
    String jwksUrl = b.jwksUrl != null ? b.jwksUrl : b.issuer.replaceAll("/+$", "") + "/.well-known/jwks.json";
    JWKSourceBuilder<SecurityContext> source = JWKSourceBuilder.<SecurityContext>create(URI.create(jwksUrl).toURL())
        .cache(b.jwksMaxAge.toMillis(), 5_000)
        .retrying(false)
        .refreshAheadCache(false);
    source = b.jwksCooldown.isZero() ? source.rateLimited(false) : source.rateLimited(b.jwksCooldown.toMillis());
    this.keys = source.build();
    this.processor = new DefaultJWTProcessor<>();
    processor.setJWSTypeVerifier(new DefaultJOSEObjectTypeVerifier<>(new JOSEObjectType("at+jwt"), new JOSEObjectType("application/at+jwt")));
    processor.setJWSKeySelector(Keys.selector(keys));
    processor.setJWSVerifierFactory(new Keys.VerifierFactory());
    DefaultJWTClaimsVerifier<SecurityContext> claims = new DefaultJWTClaimsVerifier<>(
        b.audience, new JWTClaimsSet.Builder().issuer(b.issuer).build(), Set.of("exp", "iat", "sub", "jti"));
    claims.setMaxClockSkew((int) b.leeway.toSeconds());
    processor.setJWTClaimsSetVerifier(claims);
    this.requiredScopes = List.copyOf(b.requiredScopes);
  }

  /**
   * Starts configuring a verifier.
   *
   * @param issuer the server's issuer URL (its base URL)
   * @param audience this service's identifier; tokens requested without a resource carry the issuer
   * @return a builder
   */
  public static Builder builder(String issuer, String audience) {
    return new Builder(issuer, audience);
  }

  /**
   * Verifies {@code token} and returns its claims.
   *
   * @param token the bearer token
   * @param scopes scopes required on top of the verifier's own
   * @return the verified token
   * @throws TokenVerificationException when it is refused, with the reason as its code
   */
  public VerifiedToken verify(String token, String... scopes) {
    SignedJWT jwt;
    try {
      JWT parsed = JWTParser.parse(token);
      if (!(parsed instanceof SignedJWT signed)) {
        throw new TokenVerificationException("algorithm_rejected", "an unsigned or encrypted token is not accepted", null);
      }
      jwt = signed;
    } catch (ParseException e) {
      throw new TokenVerificationException("malformed", "the token is not a JWT", e);
    }
    JWSHeader header = jwt.getHeader();
    if (!ALGORITHMS.contains(header.getAlgorithm())) {
      throw new TokenVerificationException("algorithm_rejected", "the algorithm " + header.getAlgorithm() + " is not accepted", null);
    }
    JWTClaimsSet claims;
    try {
      claims = processor.process(jwt, null);
    } catch (ExpiredJWTException e) {
      throw new TokenVerificationException("expired", "the token has expired", e);
    } catch (BadJWSException e) {
      throw new TokenVerificationException("invalid_signature", "the token signature does not verify", e);
    } catch (BadJWTException e) {
      throw claimRefusal(e);
    } catch (BadJOSEException e) {
      throw joseRefusal(header, e);
    } catch (KeySourceException e) {
      throw keyRefusal(header, e);
    } catch (com.nimbusds.jose.JOSEException e) {
      throw new TokenVerificationException("malformed", e.getMessage(), e);
    }
    VerifiedToken verified = new VerifiedToken(claims);
    List<String> missing = new ArrayList<>();
    for (Collection<String> wanted : List.of(requiredScopes, List.of(scopes))) {
      for (String scope : wanted) {
        if (!verified.hasScope(scope)) {
          missing.add(scope);
        }
      }
    }
    if (!missing.isEmpty()) {
      throw new TokenVerificationException("insufficient_scope", "the token lacks the scope " + String.join(" ", missing), null);
    }
    return verified;
  }

  private static TokenVerificationException claimRefusal(BadJWTException e) {
    String message = e.getMessage();
    String code;
    if (message.contains("missing required")) {
      code = "malformed";
    } else if (message.contains("before use time")) {
      code = "not_yet_valid";
    } else if (message.contains("aud claim")) {
      code = "invalid_audience";
    } else if (message.contains("iss claim")) {
      code = "invalid_issuer";
    } else {
      code = "malformed";
    }
    return new TokenVerificationException(code, message, e);
  }

  private TokenVerificationException joseRefusal(JWSHeader header, BadJOSEException e) {
    if (e.getMessage().contains("typ")) {
      return new TokenVerificationException("invalid_type", "the token's typ is not at+jwt", e);
    }
    if (e.getMessage().contains("no matching key")) {
      return keyRefusal(header, e);
    }
    return new TokenVerificationException("malformed", e.getMessage(), e);
  }

  /** An unknown kid, a kid of another algorithm (confusion), or keys that cannot be fetched. */
  private TokenVerificationException keyRefusal(JWSHeader header, Exception cause) {
    List<JWK> all;
    try {
      all = keys.get(new JWKSelector(new JWKMatcher.Builder().build()), null);
    } catch (KeySourceException unavailable) {
      return new TokenVerificationException("jwks_unavailable", "the issuer's keys could not be fetched", unavailable);
    }
    if (all.isEmpty()) {
      return new TokenVerificationException("jwks_unavailable", "the issuer's keys could not be fetched", cause);
    }
    boolean known = all.stream().anyMatch(k -> header.getKeyID() != null && header.getKeyID().equals(k.getKeyID()));
    return known
        ? new TokenVerificationException("algorithm_rejected", "key " + header.getKeyID() + " does not sign with " + header.getAlgorithm(), cause)
        : new TokenVerificationException("unknown_key", "no published key has kid " + header.getKeyID(), cause);
  }

  /** Settings of a {@link TokenVerifier}. */
  public static final class Builder {
    private final String issuer;
    private final String audience;
    private List<String> requiredScopes = List.of();
    private String jwksUrl;
    private Duration leeway = Duration.ofSeconds(30);
    private Duration jwksCooldown = Duration.ofSeconds(30);
    private Duration jwksMaxAge = Duration.ofHours(1);

    private Builder(String issuer, String audience) {
      if (issuer == null || audience == null) {
        throw new IllegalArgumentException("issuer and audience are required");
      }
      this.issuer = issuer;
      this.audience = audience;
    }

    /**
     * Scopes every token must carry.
     *
     * @param scopes the scopes
     * @return this builder
     */
    public Builder requiredScopes(String... scopes) {
      this.requiredScopes = List.of(scopes);
      return this;
    }

    /**
     * Where the keys are (default {@code <issuer>/.well-known/jwks.json}).
     *
     * @param url the JWKS URL
     * @return this builder
     */
    public Builder jwksUrl(String url) {
      this.jwksUrl = url;
      return this;
    }

    /**
     * Clock skew tolerated on {@code exp} and {@code nbf} (default 30 s).
     *
     * @param leeway the tolerance
     * @return this builder
     */
    public Builder leeway(Duration leeway) {
      this.leeway = leeway;
      return this;
    }

    /**
     * Least time between two fetches caused by unknown kids (default 30 s; zero = none).
     *
     * @param cooldown the interval
     * @return this builder
     */
    public Builder jwksCooldown(Duration cooldown) {
      this.jwksCooldown = cooldown;
      return this;
    }

    /**
     * How long fetched keys are used before they are fetched again (default 1 h).
     *
     * @param maxAge the lifetime of the cache
     * @return this builder
     */
    public Builder jwksMaxAge(Duration maxAge) {
      this.jwksMaxAge = maxAge;
      return this;
    }

    /**
     * The verifier.
     *
     * @return a verifier with these settings
     */
    public TokenVerifier build() {
      try {
        return new TokenVerifier(this);
      } catch (MalformedURLException e) {
        throw new IllegalArgumentException("the JWKS URL is not a URL", e);
      }
    }
  }
}
