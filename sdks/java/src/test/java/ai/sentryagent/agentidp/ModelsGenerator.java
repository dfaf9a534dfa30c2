package ai.sentryagent.agentidp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Renders {@code Models.java}, a record per schema of docs/openapi.json, so that a change in the
 * API changes the SDK: {@link ModelsTest} fails until it is regenerated ({@code UPDATE_MODELS=1
 * mvn test -Dtest=ModelsTest}). A generator of our own because openapi-generator brings a large
 * template engine and its own HTTP client to what is a few records.
 */
final class ModelsGenerator {
  private final JsonNode schemas;

  ModelsGenerator(JsonNode spec) {
    this.schemas = spec.path("components").path("schemas");
  }

  static String render(Path openapi) throws IOException {
    return new ModelsGenerator(new ObjectMapper().readTree(openapi.toFile())).render();
  }

  String render() {
    StringBuilder out = new StringBuilder();
    out.append("// Generated from docs/openapi.json by ModelsGenerator (src/test). Do not edit.\n")
        .append("package ai.sentryagent.agentidp;\n\n")
        .append("import com.fasterxml.jackson.annotation.JsonIgnoreProperties;\n")
        .append("import com.fasterxml.jackson.annotation.JsonInclude;\n")
        .append("import com.fasterxml.jackson.annotation.JsonProperty;\n")
        .append("import java.util.List;\n")
        .append("import java.util.Map;\n\n")
        .append("/** The wire types of the AgentIdP API, one record per schema of its OpenAPI document. */\n")
        .append("public final class Models {\n  private Models() {}\n\n")
        .append("  /**\n   * Builds a record from its JSON fields by name: handy for requests with many optional fields.\n   *\n")
        .append("   * @param fields the JSON fields, e.g. {@code Map.of(\"name\", \"Weather bot\")}\n")
        .append("   * @param type the record type\n   * @param <T> the record type\n   * @return the record\n   */\n")
        .append("  public static <T> T from(Map<String, ?> fields, Class<T> type) {\n    return Json.MAPPER.convertValue(fields, type);\n  }\n");
    Set<String> names = new TreeSet<>();
    schemas.properties().forEach(e -> names.add(e.getKey()));
    for (String name : names) {
      JsonNode schema = schemas.get(name);
      if (scalarUnion(schema)) {
        continue; // a string-or-array value has no record: it is an Object where it is used
      }
      Map<String, JsonNode> props = new TreeMap<>();
      Set<String> required = new TreeSet<>();
      flatten(schema, props, required);
      out.append("\n  /**\n   * ").append(sentence(schema.path("description").asText(name))).append("\n   *\n");
      List<String> components = new ArrayList<>();
      for (Map.Entry<String, JsonNode> p : props.entrySet()) {
        String field = javaName(p.getKey());
        out.append("   * @param ").append(field).append(' ').append(sentence(p.getValue().path("description").asText(p.getKey()))).append('\n');
        components.add("@JsonProperty(\"" + p.getKey() + "\") " + javaType(p.getValue()) + " " + field);
      }
      out.append("   */\n  @JsonInclude(JsonInclude.Include.NON_NULL)\n  @JsonIgnoreProperties(ignoreUnknown = true)\n");
      out.append("  public record ").append(name).append("(\n      ").append(String.join(",\n      ", components)).append(") {}\n");
    }
    return out.append("}\n").toString();
  }

  private boolean scalarUnion(JsonNode schema) {
    if (!schema.has("oneOf")) {
      return false;
    }
    for (JsonNode member : schema.get("oneOf")) {
      JsonNode m = resolve(member);
      if (m.has("properties") || m.has("allOf")) {
        return false;
      }
    }
    return true;
  }

  private JsonNode resolve(JsonNode node) {
    return node.has("$ref") ? schemas.get(refName(node.get("$ref").asText())) : node;
  }

  private void flatten(JsonNode schema, Map<String, JsonNode> props, Set<String> required) {
    for (JsonNode part : schema.path("allOf")) {
      flatten(resolve(part), props, required);
    }
    for (JsonNode member : schema.path("oneOf")) {
      flatten(resolve(member), props, new TreeSet<>());
    }
    schema.path("properties").properties().forEach(e -> props.put(e.getKey(), e.getValue()));
    schema.path("required").forEach(r -> required.add(r.asText()));
  }

  private String javaType(JsonNode s) {
    if (s.has("$ref")) {
      String ref = refName(s.get("$ref").asText());
      return scalarUnion(schemas.get(ref)) ? "Object" : ref;
    }
    for (JsonNode o : s.path("oneOf")) {
      if (o.has("$ref")) {
        return javaType(o);
      }
    }
    List<String> types = new ArrayList<>();
    if (s.path("type").isArray()) {
      s.get("type").forEach(t -> types.add(t.asText()));
    } else {
      types.add(s.path("type").asText("object"));
    }
    for (String t : types) {
      switch (t) {
        case "string": return "String";
        case "integer": return "Long";
        case "number": return "Double";
        case "boolean": return "Boolean";
        case "array": return "List<" + javaType(s.path("items")) + ">";
        case "object": return "Map<String, Object>";
        default: break;
      }
    }
    return "Object";
  }

  private static String refName(String ref) {
    return ref.substring(ref.lastIndexOf('/') + 1);
  }

  /** A camelCase Java name for a JSON name (snake_case ones included). */
  private static String javaName(String json) {
    StringBuilder out = new StringBuilder();
    boolean upper = false;
    for (char c : json.toCharArray()) {
      if (c == '_') {
        upper = true;
      } else {
        out.append(upper ? Character.toUpperCase(c) : c);
        upper = false;
      }
    }
    return out.toString();
  }

  private static String sentence(String text) {
    String s = String.join(" ", text.trim().split("\\s+")).replace("*/", "*&#47;").replace("<", "&lt;").replace(">", "&gt;").replace("&lt;", "&lt;");
    s = s.replaceAll("`([^`]*)`", "{@code $1}");
    return s.endsWith(".") ? s : s + ".";
  }

  static Map<String, Set<String>> schemaProperties(JsonNode spec) {
    ModelsGenerator g = new ModelsGenerator(spec);
    Map<String, Set<String>> out = new LinkedHashMap<>();
    g.schemas.properties().stream().map(Map.Entry::getKey).forEach(name -> {
      Map<String, JsonNode> props = new TreeMap<>();
      g.flatten(g.schemas.get(name), props, new TreeSet<>());
      out.put(name, props.keySet());
    });
    return out;
  }
}
