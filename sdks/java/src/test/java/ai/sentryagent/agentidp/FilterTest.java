package ai.sentryagent.agentidp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.sentryagent.agentidp.CachingTokenProvider.Options;
import ai.sentryagent.agentidp.servlet.AgentIdPAuthFilter;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.Test;

/** The servlet filter in a real servlet container (Jetty) in front of a real agentidp. */
class FilterTest {
  /** The protected resource: it answers with the caller the filter verified. */
  static final class Forecast extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
      response.getWriter().write("sunny for " + AgentIdPAuthFilter.verifiedToken(request).agentId());
    }
  }

  @Test
  void theFilterAdmitsTokensWithTheScopeAndRefusesOthersPerRfc6750() throws Exception {
    try (Server idp = Server.start(Map.of())) {
      AgentIdPClient admin = idp.admin();
      String reader = admin.createAgent(Server.agentBody("weather-team", List.of("weather:read"))).agentId();
      String readerSecret = admin.createCredential(reader, null).clientSecret();
      String writer = admin.createAgent(Server.agentBody("weather-team", List.of("weather:write"))).agentId();
      String writerSecret = admin.createCredential(writer, null).clientSecret();

      org.eclipse.jetty.server.Server jetty = new org.eclipse.jetty.server.Server();
      ServerConnector connector = new ServerConnector(jetty);
      connector.setHost("127.0.0.1");
      jetty.addConnector(connector);
      ServletContextHandler context = new ServletContextHandler();
      TokenVerifier verifier = TokenVerifier.builder(idp.baseUrl, idp.baseUrl).build();
      context.addFilter(new FilterHolder(new AgentIdPAuthFilter(verifier, "weather:read")), "/*", EnumSet.of(DispatcherType.REQUEST));
      context.addServlet(new ServletHolder(new Forecast()), "/forecast");
      jetty.setHandler(context);
      jetty.start();
      try {
        String url = "http://127.0.0.1:" + connector.getLocalPort() + "/forecast";
        String readerToken = new ClientCredentialsTokenProvider(Options.of(idp.baseUrl, reader), readerSecret).getToken();
        String writerToken = new ClientCredentialsTokenProvider(Options.of(idp.baseUrl, writer), writerSecret).getToken();

        HttpResponse<String> ok = get(url, "Bearer " + readerToken);
        assertEquals(200, ok.statusCode());
        assertEquals("sunny for " + reader, ok.body());

        HttpResponse<String> anonymous = get(url, null);
        assertEquals(401, anonymous.statusCode());
        assertEquals("Bearer", anonymous.headers().firstValue("WWW-Authenticate").orElse(""));

        HttpResponse<String> garbage = get(url, "Bearer not.a.jwt");
        assertEquals(401, garbage.statusCode());
        assertTrue(garbage.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer, error=\"invalid_token\""));

        HttpResponse<String> forbidden = get(url, "Bearer " + writerToken);
        assertEquals(403, forbidden.statusCode());
        String challenge = forbidden.headers().firstValue("WWW-Authenticate").orElse("");
        assertTrue(challenge.contains("error=\"insufficient_scope\"") && challenge.contains("scope=\"weather:read\""), challenge);
        assertTrue(forbidden.body().contains("\"code\":\"insufficient_scope\""), forbidden.body());
      } finally {
        jetty.stop();
      }
    }
  }

  private static HttpResponse<String> get(String url, String authorization) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url));
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
  }
}
