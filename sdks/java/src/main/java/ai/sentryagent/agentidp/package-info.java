/**
 * The AgentIdP SDK for Java: {@link ai.sentryagent.agentidp.AgentIdPClient} for every endpoint,
 * {@link ai.sentryagent.agentidp.ClientCredentialsTokenProvider} and {@link
 * ai.sentryagent.agentidp.PrivateKeyJwtTokenProvider} for an agent's cached tokens, and {@link
 * ai.sentryagent.agentidp.TokenVerifier} for offline verification in a service.
 */
package ai.sentryagent.agentidp;
