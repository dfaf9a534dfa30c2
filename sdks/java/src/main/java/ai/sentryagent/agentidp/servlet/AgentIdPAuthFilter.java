package ai.sentryagent.agentidp.servlet;

import ai.sentryagent.agentidp.AgentIdPException;
import ai.sentryagent.agentidp.TokenVerificationException;
import ai.sentryagent.agentidp.TokenVerifier;
import ai.sentryagent.agentidp.VerifiedToken;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@code jakarta.servlet} filter that admits only requests whose bearer token verifies and carries
 * the required scopes, and puts the {@link VerifiedToken} in the request attribute {@link #ATTRIBUTE}.
 * Refusals get 401/403 with a {@code WWW-Authenticate} challenge (RFC 6750 §3) and a JSON body.
 */
public final class AgentIdPAuthFilter implements Filter {
  /** The request attribute holding the verified token. */
  public static final String ATTRIBUTE = VerifiedToken.class.getName();

  private static final Pattern BEARER = Pattern.compile("^(?i:bearer) +([A-Za-z0-9\\-._~+/]+=*) *$");
  private static final String NO_TOKEN = "the request has no bearer token";

  private final TokenVerifier verifier;
  private final List<String> scopes;

  /**
   * A filter requiring {@code scopes} on every request it sees.
   *
   * @param verifier the verifier, shared by every request
   * @param scopes the scopes every token must carry here
   */
  public AgentIdPAuthFilter(TokenVerifier verifier, String... scopes) {
    this.verifier = verifier;
    this.scopes = List.of(scopes);
  }

  /**
   * The bearer token of a request.
   *
   * @param request the request
   * @return the token
   * @throws TokenVerificationException ({@code malformed}) when there is none
   */
  public static String bearerToken(HttpServletRequest request) {
    String header = request.getHeader("Authorization");
    Matcher m = header == null ? null : BEARER.matcher(header);
    if (m == null || !m.matches()) {
      throw new TokenVerificationException("malformed", NO_TOKEN, null);
    }
    return m.group(1);
  }

  /**
   * The token this filter verified for a request.
   *
   * @param request the request
   * @return the verified token, or null when the filter did not run
   */
  public static VerifiedToken verifiedToken(ServletRequest request) {
    return (VerifiedToken) request.getAttribute(ATTRIBUTE);
  }

  @Override
  public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain) throws IOException, ServletException {
    HttpServletRequest request = (HttpServletRequest) req;
    HttpServletResponse response = (HttpServletResponse) res;
    VerifiedToken token;
    try {
      token = verifier.verify(bearerToken(request), scopes.toArray(String[]::new));
    } catch (AgentIdPException e) {
      refuse(response, e, scopes);
      return;
    }
    request.setAttribute(ATTRIBUTE, token);
    chain.doFilter(req, res);
  }

  /**
   * Answers a refused request: the status, a {@code WWW-Authenticate} challenge and a JSON body.
   *
   * @param response the response to write
   * @param e why the token was refused
   * @param scopes the scopes the resource requires
   * @throws IOException when the response cannot be written
   */
  public static void refuse(HttpServletResponse response, AgentIdPException e, List<String> scopes) throws IOException {
    String clean = e.getMessage().replace("\"", "").replace("\\", "");
    String challenge = "Bearer";
    if ("insufficient_scope".equals(e.code())) {
      challenge += ", error=\"insufficient_scope\", error_description=\"" + clean + "\"";
      if (!scopes.isEmpty()) {
        challenge += ", scope=\"" + String.join(" ", scopes) + "\"";
      }
    } else if (e.status() == 401 && !NO_TOKEN.equals(e.getMessage())) {
      challenge += ", error=\"invalid_token\", error_description=\"" + clean + "\"";
    }
    if (e.status() == 401 || e.status() == 403) {
      response.setHeader("WWW-Authenticate", challenge);
    }
    response.setStatus(e.status());
    response.setContentType("application/json");
    response.setCharacterEncoding(StandardCharsets.UTF_8.name());
    JsonStringEncoder json = JsonStringEncoder.getInstance();
    response.getWriter().write("{\"code\":\"" + new String(json.quoteAsString(e.code())) + "\",\"message\":\""
        + new String(json.quoteAsString(e.getMessage())) + "\"}");
  }
}
