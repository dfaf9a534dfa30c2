package ai.sentryagent.agentidp;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;

/**
 * What a failed call to AgentIdP, or a refused token, reports: the SDK contract's
 * {@code AgentIdPError}, named as Java names exceptions.
 */
public class AgentIdPException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** The machine-readable code. */
  private final String code;
  /** The HTTP status, 0 when no response arrived. */
  private final int status;
  private final transient Map<String, Object> details;

  /**
   * An error with everything the server said.
   *
   * @param code the REST {@code code}, the OAuth {@code error}, a verifier code or {@code network_error}
   * @param message a human-readable explanation
   * @param status the HTTP status, 0 when no response arrived
   * @param details the server's structured context, empty when there is none
   * @param cause the underlying exception, or null
   */
  public AgentIdPException(String code, String message, int status, Map<String, Object> details, Throwable cause) {
    super(message, cause);
    this.code = code;
    this.status = status;
    this.details = details == null ? Map.of() : Map.copyOf(details);
  }

  /**
   * The machine-readable code, e.g. {@code AGENT_NOT_FOUND}, {@code invalid_client} or {@code expired}.
   *
   * @return the code
   */
  public String code() {
    return code;
  }

  /**
   * The HTTP status of the response, or the one to answer a refused token with.
   *
   * @return the status, 0 when no response arrived
   */
  public int status() {
    return status;
  }

  /**
   * The server's structured context (the offending field, a limit…).
   *
   * @return the details, empty when there are none
   */
  public Map<String, Object> details() {
    return details;
  }

  /**
   * Builds the error a non-2xx response describes: a REST {@code {code, message, details}} body or
   * an OAuth {@code {error, error_description}} body; anything else keeps the status.
   */
  static AgentIdPException fromResponse(int status, JsonNode body, String fallback) {
    if (body != null && body.hasNonNull("code")) {
      Map<String, Object> details = body.has("details") ? Json.toMap(body.get("details")) : Map.of();
      return new AgentIdPException(body.get("code").asText(), body.path("message").asText(fallback), status, details, null);
    }
    if (body != null && body.hasNonNull("error")) {
      return new AgentIdPException(body.get("error").asText(), body.path("error_description").asText(fallback), status, Map.of(), null);
    }
    return new AgentIdPException("http_" + status, fallback, status, Map.of(), null);
  }
}
