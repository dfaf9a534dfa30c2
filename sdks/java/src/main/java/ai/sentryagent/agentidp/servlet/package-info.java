/** Protecting a {@code jakarta.servlet} application with AgentIdP tokens. */
package ai.sentryagent.agentidp.servlet;
