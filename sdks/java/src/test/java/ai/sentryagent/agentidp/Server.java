package ai.sentryagent.agentidp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A real agentidp (binary from AGENTIDP_BIN, SQLite in a temporary directory) for a test class. */
final class Server implements AutoCloseable {
  static final JsonNode CASES = readCases();
  private static final AtomicLong SEQ = new AtomicLong();

  final String baseUrl;
  final String adminId;
  final String adminSecret;
  private final Process process;
  private final Path dir;

  private Server(String baseUrl, String adminId, String adminSecret, Process process, Path dir) {
    this.baseUrl = baseUrl;
    this.adminId = adminId;
    this.adminSecret = adminSecret;
    this.process = process;
    this.dir = dir;
  }

  static Server start(Map<String, String> env) throws Exception {
    String bin = System.getenv("AGENTIDP_BIN");
    if (bin == null) {
      throw new IllegalStateException("set AGENTIDP_BIN to the agentidp binary (cargo build --bin agentidp)");
    }
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    String base = "http://127.0.0.1:" + port;
    Path dir = Files.createTempDirectory("agentidp-java-sdk-");
    ProcessBuilder pb = new ProcessBuilder(bin, "serve").directory(dir.toFile()).redirectErrorStream(true);
    pb.environment().putAll(Map.of("BIND_ADDR", "127.0.0.1:" + port, "PUBLIC_URL", base, "RUST_LOG", "warn"));
    pb.environment().putAll(env);
    Process process = pb.start();
    BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    String id = null;
    String secret = null;
    Pattern line = Pattern.compile("^client_(id|secret):\\s*(\\S+)");
    for (String l; secret == null && (l = out.readLine()) != null; ) {
      Matcher m = line.matcher(l);
      if (m.find()) {
        if (m.group(1).equals("id")) {
          id = m.group(2);
        } else {
          secret = m.group(2);
        }
      }
    }
    if (secret == null) {
      process.destroyForcibly();
      throw new IllegalStateException("agentidp did not print its admin credentials");
    }
    Thread drain = new Thread(() -> out.lines().forEach(l -> {}));
    drain.setDaemon(true);
    drain.start();
    HttpClient http = HttpClient.newHttpClient();
    for (int i = 0; i < 100; i++) {
      try {
        if (http.send(HttpRequest.newBuilder(URI.create(base + "/health")).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          break;
        }
      } catch (IOException notYet) {
        Thread.sleep(50);
      }
    }
    return new Server(base, id, secret, process, dir);
  }

  AgentIdPClient admin() {
    return new AgentIdPClient(baseUrl, new ClientCredentialsTokenProvider(CachingTokenProvider.Options.of(baseUrl, adminId), adminSecret));
  }

  /** A valid registration with a unique e-mail. */
  static Models.CreateAgentRequest agentBody(String owner, java.util.List<String> scopes) {
    return new Models.CreateAgentRequest("retrieval", null, scopes, null, "production", null, null,
        "bot-" + System.nanoTime() + "-" + SEQ.incrementAndGet() + "@example.com", null, null, null, null, "Weather bot", owner, null, "1.0.0");
  }

  @Override
  public void close() throws IOException {
    process.destroyForcibly();
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private static JsonNode readCases() {
    try {
      return new ObjectMapper().readTree(Path.of("../conformance/cases.json").toFile());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
