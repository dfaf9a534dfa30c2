package ai.sentryagent.agentidp;

import com.nimbusds.jwt.JWTClaimsSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A token that passed every check of a {@link TokenVerifier}, with its claims.
 *
 * @param claims the token's claims
 */
public record VerifiedToken(JWTClaimsSet claims) {
  /**
   * The agent the token is about ({@code sub}).
   *
   * @return the agent id
   */
  public String agentId() {
    return claims.getSubject();
  }

  /**
   * The agent's tenant.
   *
   * @return the tenant id
   */
  public String tenantId() {
    return (String) claims.getClaim("tenant_id");
  }

  /**
   * The granted scopes.
   *
   * @return the scopes, in the token's order
   */
  public List<String> scopes() {
    Object scope = claims.getClaim("scope");
    return scope instanceof String s && !s.isBlank() ? Arrays.asList(s.trim().split(" +")) : List.of();
  }

  /**
   * Whether {@code scope} was granted.
   *
   * @param scope a scope
   * @return whether the token carries it
   */
  public boolean hasScope(String scope) {
    return scopes().contains(scope);
  }

  /**
   * The agent acting for the subject of a delegated token (RFC 8693 {@code act}).
   *
   * @return its id, or null for a direct token
   */
  public String actor() {
    List<String> chain = delegationChain();
    return chain.isEmpty() ? null : chain.get(0);
  }

  /**
   * Every actor of a delegated token, current first.
   *
   * @return the chain, empty for a direct token
   */
  public List<String> delegationChain() {
    List<String> chain = new ArrayList<>();
    Object act = claims.getClaim("act");
    while (act instanceof Map<?, ?> link && link.get("sub") instanceof String sub) {
      chain.add(sub);
      act = link.get("act");
    }
    return chain;
  }
}
