package ai.sentryagent.agentidp;

import java.time.Duration;

/**
 * How failed requests are retried: {@code retries} after the first attempt, backoff doubling from
 * {@code baseDelay} with full jitter, and giving up rather than waiting beyond {@code maxDelay}.
 * A 429 is always retried (the server refused it before doing anything); a 5xx or a network
 * error only for idempotent calls.
 *
 * @param retries retries after the first attempt
 * @param baseDelay the first backoff
 * @param maxDelay the longest wait, backoff or {@code Retry-After}, before giving up instead
 */
public record RetryPolicy(int retries, Duration baseDelay, Duration maxDelay) {
  /** Three retries from 200 ms, never waiting more than 30 s. */
  public static final RetryPolicy DEFAULT = new RetryPolicy(3, Duration.ofMillis(200), Duration.ofSeconds(30));
}
