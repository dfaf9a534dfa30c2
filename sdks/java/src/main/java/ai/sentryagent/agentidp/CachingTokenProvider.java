package ai.sentryagent.agentidp;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Caching, refresh and single-flight shared by the client-credentials providers: a token is
 * replaced once less than min(lifetime / 5, 60 s) of it is left, and callers that arrive while a
 * request is out wait for that one request.
 */
public abstract class CachingTokenProvider implements TokenProvider {
  private final Http http;
  private final String clientId;
  private final List<String> scopes;
  private final String audience;
  private final Duration refreshMargin;
  private String token;
  private long refreshAtNanos;

  /**
   * Shared settings.
   *
   * @param options the server, agent and what to ask for
   */
  protected CachingTokenProvider(Options options) {
    if (options.baseUrl == null || options.clientId == null) {
      throw new IllegalArgumentException("baseUrl and clientId are required");
    }
    this.http = new Http(options.baseUrl, options.httpClient, options.retry, options.timeout);
    this.clientId = options.clientId;
    this.scopes = List.copyOf(options.scopes);
    this.audience = options.audience;
    this.refreshMargin = options.refreshMargin;
  }

  /**
   * The client authentication of one token request.
   *
   * @param headers where to put headers (e.g. {@code Authorization})
   * @param form where to put form fields (e.g. {@code client_assertion})
   */
  protected abstract void authenticate(Map<String, String> headers, Map<String, String> form);

  /**
   * The agent's id, its OAuth {@code client_id}.
   *
   * @return the client id
   */
  public String clientId() {
    return clientId;
  }

  /**
   * The token endpoint these requests go to.
   *
   * @return its URL
   */
  protected String tokenEndpoint() {
    return http.base() + "/oauth2/token";
  }

  @Override
  public synchronized String getToken() {
    if (token != null && System.nanoTime() - refreshAtNanos < 0) {
      return token;
    }
    Map<String, String> headers = new LinkedHashMap<>();
    Map<String, String> form = new LinkedHashMap<>();
    form.put("grant_type", "client_credentials");
    authenticate(headers, form);
    if (!scopes.isEmpty()) {
      form.put("scope", String.join(" ", scopes));
    }
    if (audience != null) {
      form.put("resource", audience);
    }
    long started = System.nanoTime();
    // A token request changes nothing on the server, so a 5xx may be retried too.
    JsonNode answer = http.send(Http.Call.form("/oauth2/token", form, headers));
    Duration lifetime = Duration.ofSeconds(answer.path("expires_in").asLong());
    Duration margin = refreshMargin != null ? refreshMargin : min(lifetime.dividedBy(5), Duration.ofSeconds(60));
    token = answer.path("access_token").asText();
    refreshAtNanos = started + lifetime.minus(margin).toNanos();
    return token;
  }

  @Override
  public synchronized void invalidate() {
    token = null;
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  /** What both providers take; {@code baseUrl} and {@code clientId} are required. */
  public static final class Options {
    String baseUrl;
    String clientId;
    List<String> scopes = List.of();
    String audience;
    Duration refreshMargin;
    RetryPolicy retry = RetryPolicy.DEFAULT;
    Duration timeout = Duration.ofSeconds(30);
    HttpClient httpClient = HttpClient.newHttpClient();

    /**
     * The server and the agent.
     *
     * @param baseUrl the server, e.g. {@code https://idp.example.com} (its issuer)
     * @param clientId the agent id
     * @return new options
     */
    public static Options of(String baseUrl, String clientId) {
      Options o = new Options();
      o.baseUrl = baseUrl;
      o.clientId = clientId;
      return o;
    }

    /**
     * Scopes to ask for; none = every scope the agent is allowed.
     *
     * @param scopes the scopes
     * @return these options
     */
    public Options scopes(String... scopes) {
      this.scopes = List.of(scopes);
      return this;
    }

    /**
     * The resource the token is for (RFC 8707), which becomes its {@code aud}.
     *
     * @param audience the resource URI
     * @return these options
     */
    public Options audience(String audience) {
      this.audience = audience;
      return this;
    }

    /**
     * Refresh this long before expiry (default min(lifetime / 5, 60 s)).
     *
     * @param margin the margin
     * @return these options
     */
    public Options refreshMargin(Duration margin) {
      this.refreshMargin = margin;
      return this;
    }

    /**
     * The retry policy (default {@link RetryPolicy#DEFAULT}).
     *
     * @param retry the policy
     * @return these options
     */
    public Options retry(RetryPolicy retry) {
      this.retry = retry;
      return this;
    }

    /**
     * The HTTP client (default: a new one).
     *
     * @param client the client
     * @return these options
     */
    public Options httpClient(HttpClient client) {
      this.httpClient = client;
      return this;
    }
  }
}
