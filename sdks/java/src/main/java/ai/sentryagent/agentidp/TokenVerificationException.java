package ai.sentryagent.agentidp;

import java.util.Map;

/**
 * A token the {@link TokenVerifier} refused. Its {@link #code()} is one of the codes every AgentIdP
 * SDK shares ({@code malformed}, {@code invalid_type}, {@code algorithm_rejected}, {@code
 * unknown_key}, {@code invalid_signature}, {@code expired}, {@code not_yet_valid}, {@code
 * invalid_issuer}, {@code invalid_audience}, {@code insufficient_scope}, {@code jwks_unavailable});
 * its {@link #status()} is what to answer with: 401, 403 for a missing scope, 503 when the keys
 * cannot be fetched.
 */
public final class TokenVerificationException extends AgentIdPException {
  private static final long serialVersionUID = 1L;

  /**
   * A refusal.
   *
   * @param code the refusal code
   * @param message why
   * @param cause what the JOSE library reported, or null
   */
  public TokenVerificationException(String code, String message, Throwable cause) {
    super(code, message, statusOf(code), Map.of(), cause);
  }

  private static int statusOf(String code) {
    return switch (code) {
      case "insufficient_scope" -> 403;
      case "jwks_unavailable" -> 503;
      default -> 401;
    };
  }
}
