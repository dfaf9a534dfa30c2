package ai.sentryagent.agentidp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The wire types are generated from docs/openapi.json and every operation has a client method. */
class ModelsTest {
  private static final Path SPEC = Path.of("../../docs/openapi.json");
  private static final Path MODELS = Path.of("src/main/java/ai/sentryagent/agentidp/Models.java");
  /** Operations a client has no business calling, and why. */
  private static final Map<String, String> NOT_IN_THE_CLIENT = Map.of("metrics", "Prometheus scrapes it", "webhook", "only Stripe calls it, signed");

  @Test
  void modelsJavaIsWhatTheGeneratorWritesFromTheOpenApiDocument() throws Exception {
    String rendered = ModelsGenerator.render(SPEC);
    if (System.getenv("UPDATE_MODELS") != null) {
      Files.writeString(MODELS, rendered);
    }
    assertEquals(rendered, Files.readString(MODELS), "Models.java is stale: run UPDATE_MODELS=1 mvn test -Dtest=ModelsTest");
  }

  @Test
  void everyOperationOfTheApiHasAClientMethod() throws Exception {
    JsonNode spec = new ObjectMapper().readTree(SPEC.toFile());
    Set<String> ids = new HashSet<>();
    spec.path("paths").forEach(methods -> methods.forEach(op -> {
      if (op.has("operationId")) {
        ids.add(op.get("operationId").asText());
      }
    }));
    Set<String> methods = new HashSet<>();
    for (Method m : AgentIdPClient.class.getMethods()) {
      methods.add(m.getName());
    }
    for (String id : ids) {
      if (NOT_IN_THE_CLIENT.containsKey(id)) {
        continue;
      }
      String method = AgentIdPClient.OPERATIONS.get(id);
      assertTrue(method != null, "operation " + id + " has no client method: add one and list it in OPERATIONS");
      assertTrue(methods.contains(method), "OPERATIONS names " + method + ", which the client lacks");
    }
    assertTrue(ids.containsAll(AgentIdPClient.OPERATIONS.keySet()), "OPERATIONS names operations the API no longer has");
  }

  @Test
  void theSdkVersionFollowsTheServerVersion() throws Exception {
    Matcher server = Pattern.compile("(?m)^version = \"([^\"]+)\"").matcher(Files.readString(Path.of("../../Cargo.toml")));
    assertTrue(server.find());
    assertEquals(server.group(1), Http.VERSION);
    assertTrue(Files.readString(Path.of("pom.xml")).contains("<version>" + server.group(1) + "</version>"));
  }
}
