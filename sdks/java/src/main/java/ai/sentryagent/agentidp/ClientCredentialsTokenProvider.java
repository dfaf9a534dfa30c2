package ai.sentryagent.agentidp;

import java.util.Map;

/** Tokens for an agent with a {@code client_secret} credential (HTTP Basic, RFC 6749 §2.3.1). */
public final class ClientCredentialsTokenProvider extends CachingTokenProvider {
  private final String basic;

  /**
   * A caching provider for the agent {@code options.clientId}.
   *
   * @param options the server, agent and what to ask for
   * @param clientSecret the credential's secret ({@code sk_…}), shown once when it was created
   */
  public ClientCredentialsTokenProvider(Options options, String clientSecret) {
    super(options);
    if (clientSecret == null || clientSecret.isEmpty()) {
      throw new IllegalArgumentException("the client secret is required");
    }
    this.basic = Http.basic(options.clientId, clientSecret);
  }

  @Override
  protected void authenticate(Map<String, String> headers, Map<String, String> form) {
    headers.put("Authorization", basic);
  }

  @Override
  public String toString() {
    return "ClientCredentialsTokenProvider[" + clientId() + "]";
  }
}
