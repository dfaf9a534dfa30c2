package ai.sentryagent.agentidp;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;

/** One HTTP exchange with AgentIdP: JSON in and out, errors mapped, 429 and 5xx retried. */
final class Http {
  /** The SDK's version, which follows the server's. */
  static final String VERSION = "0.1.0";

  private static final String USER_AGENT = "agentidp-java/" + VERSION;

  /** A request as the SDK builds it; {@code body} is JSON or a form, per {@code contentType}. */
  record Call(String method, String path, String body, String contentType, Map<String, String> headers, boolean idempotent, boolean bearer) {
    static Call get(String path) {
      return new Call("GET", path, null, null, Map.of(), true, true);
    }

    static Call json(String method, String path, Object body) {
      return new Call(method, path, Json.write(body == null ? Map.of() : body), "application/json", Map.of(), "DELETE".equals(method), true);
    }

    static Call delete(String path) {
      return new Call("DELETE", path, null, null, Map.of(), true, true);
    }

    static Call form(String path, Map<String, String> form, Map<String, String> headers) {
      return new Call("POST", path, encodeForm(form), "application/x-www-form-urlencoded", headers, true, false);
    }

    Call publicCall() {
      return new Call(method, path, body, contentType, headers, idempotent, false);
    }

    Call withHeader(String name, String value) {
      Map<String, String> all = new LinkedHashMap<>(headers);
      all.put(name, value);
      return new Call(method, path, body, contentType, all, idempotent, bearer);
    }

    Call idempotentCall() {
      return new Call(method, path, body, contentType, headers, true, bearer);
    }
  }

  private final String base;
  private final HttpClient client;
  private final RetryPolicy policy;
  private final Duration timeout;

  Http(String base, HttpClient client, RetryPolicy policy, Duration timeout) {
    this.base = base.replaceAll("/+$", "");
    this.client = client;
    this.policy = policy;
    this.timeout = timeout;
  }

  String base() {
    return base;
  }

  /** Sends {@code call}, retrying as the policy allows; returns the JSON answer (null for none). */
  JsonNode send(Call call) {
    for (int attempt = 0; ; attempt++) {
      HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + call.path()))
          .timeout(timeout)
          .header("Accept", "application/json")
          .header("User-Agent", USER_AGENT);
      call.headers().forEach(request::header);
      if (call.body() != null) {
        request.header("Content-Type", call.contentType());
        request.method(call.method(), HttpRequest.BodyPublishers.ofString(call.body()));
      } else {
        request.method(call.method(), HttpRequest.BodyPublishers.noBody());
      }
      HttpResponse<String> response;
      try {
        response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
      } catch (IOException e) {
        if (call.idempotent() && attempt < policy.retries()) {
          sleep(backoff(attempt));
          continue;
        }
        throw new AgentIdPException("network_error", call.method() + " " + call.path() + " failed: " + e.getMessage(), 0, Map.of(), e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AgentIdPException("network_error", "interrupted", 0, Map.of(), e);
      }
      JsonNode body = parse(response.body());
      int status = response.statusCode();
      if (status < 300) {
        return body;
      }
      AgentIdPException error = AgentIdPException.fromResponse(status, body, call.method() + " " + call.path() + ": HTTP " + status);
      boolean retryable = status == 429 || (status >= 500 && call.idempotent());
      if (!retryable || attempt >= policy.retries()) {
        throw error;
      }
      final int tried = attempt;
      Duration wait = retryAfter(response.headers().firstValue("Retry-After")).orElseGet(() -> backoff(tried));
      if (wait.compareTo(policy.maxDelay()) > 0) {
        throw error;
      }
      sleep(wait);
    }
  }

  private static JsonNode parse(String text) {
    if (text == null || text.isBlank()) {
      return null;
    }
    try {
      return Json.MAPPER.readTree(text);
    } catch (IOException e) {
      return null;
    }
  }

  /** Exponential backoff with full jitter, so a fleet of agents does not retry in step. */
  private Duration backoff(int attempt) {
    long base = policy.baseDelay().toMillis();
    long millis = base / 2 + (long) (ThreadLocalRandom.current().nextDouble() * base * (1L << attempt));
    return Duration.ofMillis(Math.min(millis, policy.maxDelay().toMillis()));
  }

  /** {@code Retry-After}: delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
  static Optional<Duration> retryAfter(Optional<String> header) {
    if (header.isEmpty()) {
      return Optional.empty();
    }
    String value = header.get().trim();
    try {
      return Optional.of(Duration.ofSeconds(Long.parseLong(value)));
    } catch (NumberFormatException notSeconds) {
      try {
        ZonedDateTime at = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME);
        Duration left = Duration.between(ZonedDateTime.now(at.getZone()), at);
        return Optional.of(left.isNegative() ? Duration.ZERO : left);
      } catch (RuntimeException notADate) {
        return Optional.empty();
      }
    }
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AgentIdPException("network_error", "interrupted while waiting to retry", 0, Map.of(), e);
    }
  }

  static String encodeForm(Map<String, String> form) {
    return form.entrySet().stream()
        .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
        .collect(Collectors.joining("&"));
  }

  /** HTTP Basic client authentication; both halves form-urlencoded first (RFC 6749 §2.3.1). */
  static String basic(String clientId, String secret) {
    String raw = URLEncoder.encode(clientId, StandardCharsets.UTF_8) + ":" + URLEncoder.encode(secret, StandardCharsets.UTF_8);
    return "Basic " + Base64.getEncoder().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
  }

  static String segment(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
