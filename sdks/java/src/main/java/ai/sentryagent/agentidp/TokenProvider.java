package ai.sentryagent.agentidp;

/** Anything that hands out a current bearer token; {@link AgentIdPClient} takes one. */
public interface TokenProvider {
  /**
   * A token valid for at least the refresh margin.
   *
   * @return the access token
   */
  String getToken();

  /** Drops a cached token, e.g. after the API refused it; the next call fetches a new one. */
  default void invalidate() {}
}
