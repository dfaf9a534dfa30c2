// Generated from docs/openapi.json by ModelsGenerator (src/test). Do not edit.
package ai.sentryagent.agentidp;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

/** The wire types of the AgentIdP API, one record per schema of its OpenAPI document. */
public final class Models {
  private Models() {}

  /**
   * Builds a record from its JSON fields by name: handy for requests with many optional fields.
   *
   * @param fields the JSON fields, e.g. {@code Map.of("name", "Weather bot")}
   * @param type the record type
   * @param <T> the record type
   * @return the record
   */
  public static <T> T from(Map<String, ?> fields, Class<T> type) {
    return Json.MAPPER.convertValue(fields, type);
  }

  /**
   * The {@code act} claim of a delegated token (RFC 8693 §4.1): the agent acting for the token's subject and, nested, the actors before it (most recent first).
   *
   * @param act The actor that acted before it, when the subject token was itself delegated.
   * @param sub The acting agent's id.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Actor(
      @JsonProperty("act") Map<String, Object> act,
      @JsonProperty("sub") String sub) {}

  /**
   * A new tenant's administrator agent and its one-time credentials.
   *
   * @param agentId The admin agent.
   * @param clientId Its OAuth client id (the agent id).
   * @param clientSecret Shown once; store it now.
   * @param credentialId Its credential.
   * @param scopes Its management scopes.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record AdminCredentials(
      @JsonProperty("agentId") String agentId,
      @JsonProperty("clientId") String clientId,
      @JsonProperty("clientSecret") String clientSecret,
      @JsonProperty("credentialId") String credentialId,
      @JsonProperty("scopes") List<String> scopes) {}

  /**
   * One page of agents.
   *
   * @param data The agents of this page.
   * @param nextCursor Pass as {@code cursor} to get the next page; {@code null} on the last page.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record AgentList(
      @JsonProperty("data") List<AgentResponse> data,
      @JsonProperty("nextCursor") String nextCursor) {}

  /**
   * An agent as the API shows it.
   *
   * @param agentId Agent id; also its OAuth {@code client_id}.
   * @param agentType Lower-case type token.
   * @param allowedActors Agents that may act for it by delegation.
   * @param allowedScopes Scopes it may request in tokens.
   * @param capabilities Capability tokens.
   * @param createdAt Creation time.
   * @param deploymentEnv {@code development}, {@code staging} or {@code production}.
   * @param description Free text.
   * @param documentationUrl Its documentation.
   * @param email Contact address, unique within the tenant.
   * @param endpointUrl Where the agent serves A2A requests.
   * @param iconUrl Its icon.
   * @param isPublic Listed in the public marketplace.
   * @param lastAuthAt Last successful authentication.
   * @param metadata Free-form JSON object.
   * @param name Display name.
   * @param owner Responsible team or person.
   * @param skills Its skills.
   * @param status {@code active}, {@code suspended}, {@code revoked} or {@code decommissioned}.
   * @param tenantId The tenant it belongs to.
   * @param updatedAt Last change.
   * @param version Semantic version.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record AgentResponse(
      @JsonProperty("agentId") String agentId,
      @JsonProperty("agentType") String agentType,
      @JsonProperty("allowedActors") List<String> allowedActors,
      @JsonProperty("allowedScopes") List<String> allowedScopes,
      @JsonProperty("capabilities") List<String> capabilities,
      @JsonProperty("createdAt") String createdAt,
      @JsonProperty("deploymentEnv") String deploymentEnv,
      @JsonProperty("description") String description,
      @JsonProperty("documentationUrl") String documentationUrl,
      @JsonProperty("email") String email,
      @JsonProperty("endpointUrl") String endpointUrl,
      @JsonProperty("iconUrl") String iconUrl,
      @JsonProperty("isPublic") Boolean isPublic,
      @JsonProperty("lastAuthAt") String lastAuthAt,
      @JsonProperty("metadata") Map<String, Object> metadata,
      @JsonProperty("name") String name,
      @JsonProperty("owner") String owner,
      @JsonProperty("skills") List<AgentSkill> skills,
      @JsonProperty("status") String status,
      @JsonProperty("tenantId") String tenantId,
      @JsonProperty("updatedAt") String updatedAt,
      @JsonProperty("version") String version) {}

  /**
   * A skill an agent offers, as its A2A agent card lists it.
   *
   * @param description What it does (1–1024 characters).
   * @param examples Example requests, at most 10.
   * @param id Unique among the agent's skills (1–128 characters).
   * @param name Display name (1–128 characters).
   * @param tags Keywords, 1 to 20 (A2A requires at least one).
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record AgentSkill(
      @JsonProperty("description") String description,
      @JsonProperty("examples") List<String> examples,
      @JsonProperty("id") String id,
      @JsonProperty("name") String name,
      @JsonProperty("tags") List<String> tags) {}

  /**
   * Answer of {@code POST /v1/billing/checkout}.
   *
   * @param checkoutUrl Stripe's hosted payment page: send the user there.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record CheckoutSession(
      @JsonProperty("checkoutUrl") String checkoutUrl) {}

  /**
   * The dependencies checked.
   *
   * @param database The database.
   * @param opa opa.
   * @param redis redis.
   * @param vault vault.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Checks(
      @JsonProperty("database") DependencyHealth database,
      @JsonProperty("opa") DependencyHealth opa,
      @JsonProperty("redis") DependencyHealth redis,
      @JsonProperty("vault") DependencyHealth vault) {}

  /**
   * Body of {@code POST /v1/agents}.
   *
   * @param agentType Lower-case type token, e.g. {@code retrieval}.
   * @param allowedActors Agents of the tenant that may act for this one (RFC 8693 delegation), at most 32.
   * @param allowedScopes Scopes the agent may request in tokens.
   * @param capabilities Capability tokens matching {@code ^[a-z0-9][a-z0-9._:-]*$} (at most 50).
   * @param deploymentEnv {@code development}, {@code staging} or {@code production}.
   * @param description Free text (up to 1024 characters).
   * @param documentationUrl Its documentation (https).
   * @param email Contact address, unique within the tenant; immutable.
   * @param endpointUrl Where the agent serves A2A requests (https); its agent card's interface.
   * @param iconUrl Its icon (https).
   * @param isPublic List the agent in the public marketplace.
   * @param metadata JSON object, at most 8 KiB.
   * @param name Display name (1–128 characters).
   * @param owner Responsible team or person.
   * @param skills Its skills (at most 50), as its agent card lists them.
   * @param version Semantic version.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record CreateAgentRequest(
      @JsonProperty("agentType") String agentType,
      @JsonProperty("allowedActors") List<String> allowedActors,
      @JsonProperty("allowedScopes") List<String> allowedScopes,
      @JsonProperty("capabilities") List<String> capabilities,
      @JsonProperty("deploymentEnv") String deploymentEnv,
      @JsonProperty("description") String description,
      @JsonProperty("documentationUrl") String documentationUrl,
      @JsonProperty("email") String email,
      @JsonProperty("endpointUrl") String endpointUrl,
      @JsonProperty("iconUrl") String iconUrl,
      @JsonProperty("isPublic") Boolean isPublic,
      @JsonProperty("metadata") Map<String, Object> metadata,
      @JsonProperty("name") String name,
      @JsonProperty("owner") String owner,
      @JsonProperty("skills") List<AgentSkill> skills,
      @JsonProperty("version") String version) {}

  /**
   * Body of {@code POST …/credentials} (optional).
   *
   * @param expiresAt When the secret or key stops working (RFC 3339, future); omitted = never.
   * @param jwk With {@code public_key}: the public JWK (RSA of 2048 bits or more, EC P-256 or Ed25519); a JWK with private members is refused.
   * @param type {@code client_secret} (the default) or {@code public_key}.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record CreateCredentialRequest(
      @JsonProperty("expiresAt") String expiresAt,
      @JsonProperty("jwk") Map<String, Object> jwk,
      @JsonProperty("type") String type) {}

  /**
   * Body of {@code POST /v1/oidc/trust-policies}: a policy for any OIDC issuer, or, with {@code "provider": "github"}, the GitHub Actions shorthand ({@code repository}, {@code branch}, …).
   *
   * @param agentId The agent a matching workload acts as.
   * @param audience The audience the workload's token must carry ({@code aud}); required unless {@code provider} is set, which defaults it to this server's issuer URL.
   * @param branch GitHub: the branch (pins {@code ref}); a final {@code *} matches a prefix.
   * @param claims Other claims, each pinned to a string or a list of alternatives; a value ending in {@code *} matches as a prefix.
   * @param description What the policy is for.
   * @param environment GitHub: the deployment environment.
   * @param events GitHub: the events allowed (pins {@code event_name}), e.g. {@code ["push"]}.
   * @param issuer The issuer ({@code iss}), an https URL; implied by {@code provider}.
   * @param maxTokenTtlSeconds Longest lifetime of an exchanged token, 1–3600 s (default: the server's token lifetime).
   * @param provider {@code github} for the GitHub Actions shorthand; omitted for any other issuer.
   * @param repository GitHub: {@code owner/repo}.
   * @param repositoryId GitHub: the repository's numeric id (recommended: a re-created repository of the same name has another).
   * @param repositoryOwnerId GitHub: the owner's numeric id.
   * @param scopes Scopes an exchanged token may hold, within the agent's allowed scopes (default: all of them).
   * @param subject The exact subject ({@code sub}).
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record CreateTrustPolicyRequest(
      @JsonProperty("agentId") String agentId,
      @JsonProperty("audience") String audience,
      @JsonProperty("branch") String branch,
      @JsonProperty("claims") Map<String, Object> claims,
      @JsonProperty("description") String description,
      @JsonProperty("environment") String environment,
      @JsonProperty("events") List<String> events,
      @JsonProperty("issuer") String issuer,
      @JsonProperty("maxTokenTtlSeconds") Long maxTokenTtlSeconds,
      @JsonProperty("provider") String provider,
      @JsonProperty("repository") String repository,
      @JsonProperty("repositoryId") String repositoryId,
      @JsonProperty("repositoryOwnerId") String repositoryOwnerId,
      @JsonProperty("scopes") List<String> scopes,
      @JsonProperty("subject") String subject) {}

  /**
   * A credential as the API shows it (never its secret or digest).
   *
   * @param agentId The agent, which is also the OAuth {@code client_id}.
   * @param createdAt Creation time.
   * @param credentialId Credential id.
   * @param expiresAt When the secret stops working, if ever.
   * @param jwk A {@code public_key} credential's public JWK (with {@code kid}, {@code alg} and {@code use}).
   * @param kid A {@code public_key} credential's key id: its RFC 7638 thumbprint.
   * @param lastUsedAt Last successful use.
   * @param previousSecretExpiresAt Until when the secret replaced by the last rotation still works.
   * @param revokedAt Revocation time.
   * @param rotatedAt Last rotation.
   * @param status {@code active} or {@code revoked}.
   * @param type {@code client_secret} or {@code public_key}.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record CredentialResponse(
      @JsonProperty("agentId") String agentId,
      @JsonProperty("createdAt") String createdAt,
      @JsonProperty("credentialId") String credentialId,
      @JsonProperty("expiresAt") String expiresAt,
      @JsonProperty("jwk") Map<String, Object> jwk,
      @JsonProperty("kid") String kid,
      @JsonProperty("lastUsedAt") String lastUsedAt,
      @JsonProperty("previousSecretExpiresAt") String previousSecretExpiresAt,
      @JsonProperty("revokedAt") String revokedAt,
      @JsonProperty("rotatedAt") String rotatedAt,
      @JsonProperty("status") String status,
      @JsonProperty("type") String type) {}

  /**
   * A credential with its secret: returned once, by creation and rotation only.
   *
   * @param agentId The agent, which is also the OAuth {@code client_id}.
   * @param clientId The OAuth client id (the agent id).
   * @param clientSecret The client secret. Store it now: it is never shown again.
   * @param createdAt Creation time.
   * @param credentialId Credential id.
   * @param expiresAt When the secret stops working, if ever.
   * @param jwk A {@code public_key} credential's public JWK (with {@code kid}, {@code alg} and {@code use}).
   * @param kid A {@code public_key} credential's key id: its RFC 7638 thumbprint.
   * @param lastUsedAt Last successful use.
   * @param previousSecretExpiresAt Until when the secret replaced by the last rotation still works.
   * @param revokedAt Revocation time.
   * @param rotatedAt Last rotation.
   * @param status {@code active} or {@code revoked}.
   * @param type {@code client_secret} or {@code public_key}.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record CredentialWithSecret(
      @JsonProperty("agentId") String agentId,
      @JsonProperty("clientId") String clientId,
      @JsonProperty("clientSecret") String clientSecret,
      @JsonProperty("createdAt") String createdAt,
      @JsonProperty("credentialId") String credentialId,
      @JsonProperty("expiresAt") String expiresAt,
      @JsonProperty("jwk") Map<String, Object> jwk,
      @JsonProperty("kid") String kid,
      @JsonProperty("lastUsedAt") String lastUsedAt,
      @JsonProperty("previousSecretExpiresAt") String previousSecretExpiresAt,
      @JsonProperty("revokedAt") String revokedAt,
      @JsonProperty("rotatedAt") String rotatedAt,
      @JsonProperty("status") String status,
      @JsonProperty("type") String type) {}

  /**
   * One UTC day's usage.
   *
   * @param activeAgents Live agents when sampled (hourly; the day's last sample stands).
   * @param apiCalls Authenticated API calls.
   * @param date The day, {@code YYYY-MM-DD}.
   * @param tokensIssued Access tokens issued.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record DayUsage(
      @JsonProperty("activeAgents") Long activeAgents,
      @JsonProperty("apiCalls") Long apiCalls,
      @JsonProperty("date") String date,
      @JsonProperty("tokensIssued") Long tokensIssued) {}

  /**
   * One dependency's state.
   *
   * @param backend {@code sqlite} or {@code postgres} for the database; {@code redis}, {@code vault} or {@code opa} for the others.
   * @param error Why the dependency is not healthy.
   * @param latencyMs Round-trip time in milliseconds (the timeout when unreachable).
   * @param status {@code healthy}, {@code degraded} (slower than 1000 ms, or Redis bypassed) or {@code unreachable}.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record DependencyHealth(
      @JsonProperty("backend") String backend,
      @JsonProperty("error") String error,
      @JsonProperty("latencyMs") Long latencyMs,
      @JsonProperty("status") String status) {}

  /**
   * Detailed health.
   *
   * @param checks Each dependency.
   * @param status {@code healthy} (200), {@code degraded} (207: slow or a non-critical dependency down) or {@code unhealthy} (503: the database is unreachable).
   * @param version Server version.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record DetailedHealth(
      @JsonProperty("checks") Checks checks,
      @JsonProperty("status") String status,
      @JsonProperty("version") String version) {}

  /**
   * The body of every REST error.
   *
   * @param code Machine-readable code, e.g. {@code AGENT_NOT_FOUND}.
   * @param details Structured context (the offending field, a limit…); {@code {}} when there is none.
   * @param message Human-readable explanation.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record ErrorBody(
      @JsonProperty("code") String code,
      @JsonProperty("details") Map<String, Object> details,
      @JsonProperty("message") String message) {}

  /**
   * One page of events.
   *
   * @param data The events of this page, newest first.
   * @param nextCursor Pass as {@code cursor} to get the next page; {@code null} on the last page.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record EventList(
      @JsonProperty("data") List<EventResponse> data,
      @JsonProperty("nextCursor") String nextCursor) {}

  /**
   * An audit event as the API shows it.
   *
   * @param action What happened, e.g. {@code agent.created}.
   * @param actor Who acted: an agent id, {@code system}, {@code operator}, {@code signup}, or the presented client id.
   * @param agentId The agent acted upon.
   * @param eventId Event id.
   * @param hash SHA-256 (hex) over {@code prevHash} and this event's canonical encoding; with an audit chain key, {@code hmac-sha256:&lt;key id&gt;:&lt;hex&gt;}, the HMAC-SHA-256 of the same under that key.
   * @param ip The caller's IP address.
   * @param metadata Action-specific details.
   * @param outcome {@code success} or {@code failure}.
   * @param prevHash The previous event's {@code hash} (64 zeros before the first event).
   * @param seq Position in the tenant's hash chain.
   * @param tenantId The tenant whose chain it belongs to.
   * @param timestamp When it happened (RFC 3339, UTC).
   * @param userAgent The caller's user agent.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record EventResponse(
      @JsonProperty("action") String action,
      @JsonProperty("actor") String actor,
      @JsonProperty("agentId") String agentId,
      @JsonProperty("eventId") String eventId,
      @JsonProperty("hash") String hash,
      @JsonProperty("ip") String ip,
      @JsonProperty("metadata") Map<String, Object> metadata,
      @JsonProperty("outcome") String outcome,
      @JsonProperty("prevHash") String prevHash,
      @JsonProperty("seq") Long seq,
      @JsonProperty("tenantId") String tenantId,
      @JsonProperty("timestamp") String timestamp,
      @JsonProperty("userAgent") String userAgent) {}

  /**
   * Liveness answer.
   *
   * @param status Always {@code ok} while the process serves HTTP.
   * @param version Server version.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Health(
      @JsonProperty("status") String status,
      @JsonProperty("version") String version) {}

  /**
   * RFC 7662 response; an inactive token shows only {@code {"active": false}}.
   *
   * @param act act.
   * @param active Whether the token is valid right now.
   * @param aud aud.
   * @param clientId The client it was issued to.
   * @param exp Expiry (seconds since the epoch).
   * @param iat Issued-at (seconds since the epoch).
   * @param iss Its issuer.
   * @param jti Token id.
   * @param nbf Not-before (seconds since the epoch).
   * @param scope Granted scopes, space separated.
   * @param sub Its subject (the agent id).
   * @param tenantId The agent's tenant.
   * @param tokenType {@code Bearer}.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record IntrospectionResponse(
      @JsonProperty("act") Actor act,
      @JsonProperty("active") Boolean active,
      @JsonProperty("aud") Object aud,
      @JsonProperty("client_id") String clientId,
      @JsonProperty("exp") Long exp,
      @JsonProperty("iat") Long iat,
      @JsonProperty("iss") String iss,
      @JsonProperty("jti") String jti,
      @JsonProperty("nbf") Long nbf,
      @JsonProperty("scope") String scope,
      @JsonProperty("sub") String sub,
      @JsonProperty("tenant_id") String tenantId,
      @JsonProperty("token_type") String tokenType) {}

  /**
   * What creating or rotating a credential returns: a secret credential with its new secret (shown this once), or a public-key credential.
   *
   * @param agentId The agent, which is also the OAuth {@code client_id}.
   * @param clientId The OAuth client id (the agent id).
   * @param clientSecret The client secret. Store it now: it is never shown again.
   * @param createdAt Creation time.
   * @param credentialId Credential id.
   * @param expiresAt When the secret stops working, if ever.
   * @param jwk A {@code public_key} credential's public JWK (with {@code kid}, {@code alg} and {@code use}).
   * @param kid A {@code public_key} credential's key id: its RFC 7638 thumbprint.
   * @param lastUsedAt Last successful use.
   * @param previousSecretExpiresAt Until when the secret replaced by the last rotation still works.
   * @param revokedAt Revocation time.
   * @param rotatedAt Last rotation.
   * @param status {@code active} or {@code revoked}.
   * @param type {@code client_secret} or {@code public_key}.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record IssuedCredential(
      @JsonProperty("agentId") String agentId,
      @JsonProperty("clientId") String clientId,
      @JsonProperty("clientSecret") String clientSecret,
      @JsonProperty("createdAt") String createdAt,
      @JsonProperty("credentialId") String credentialId,
      @JsonProperty("expiresAt") String expiresAt,
      @JsonProperty("jwk") Map<String, Object> jwk,
      @JsonProperty("kid") String kid,
      @JsonProperty("lastUsedAt") String lastUsedAt,
      @JsonProperty("previousSecretExpiresAt") String previousSecretExpiresAt,
      @JsonProperty("revokedAt") String revokedAt,
      @JsonProperty("rotatedAt") String rotatedAt,
      @JsonProperty("status") String status,
      @JsonProperty("type") String type) {}

  /**
   * A public agent as the marketplace shows it: no e-mail, owner, scopes, credentials or metadata.
   *
   * @param agentCardUrl Where its signed agent card is served, when it has one.
   * @param agentId Agent id.
   * @param agentType Lower-case type token.
   * @param capabilities Capability tokens (the scopes its agent card offers).
   * @param createdAt When it was registered.
   * @param description Free text.
   * @param did Its DID ({@code did:web}).
   * @param didDocumentUrl Where its DID document is served.
   * @param documentationUrl Its documentation.
   * @param endpointUrl Where it serves A2A requests.
   * @param iconUrl Its icon.
   * @param name Display name.
   * @param publisher The name of the tenant that publishes it.
   * @param skills Its skills.
   * @param updatedAt Its last change.
   * @param version Semantic version.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record MarketplaceAgent(
      @JsonProperty("agentCardUrl") String agentCardUrl,
      @JsonProperty("agentId") String agentId,
      @JsonProperty("agentType") String agentType,
      @JsonProperty("capabilities") List<String> capabilities,
      @JsonProperty("createdAt") String createdAt,
      @JsonProperty("description") String description,
      @JsonProperty("did") String did,
      @JsonProperty("didDocumentUrl") String didDocumentUrl,
      @JsonProperty("documentationUrl") String documentationUrl,
      @JsonProperty("endpointUrl") String endpointUrl,
      @JsonProperty("iconUrl") String iconUrl,
      @JsonProperty("name") String name,
      @JsonProperty("publisher") String publisher,
      @JsonProperty("skills") List<AgentSkill> skills,
      @JsonProperty("updatedAt") String updatedAt,
      @JsonProperty("version") String version) {}

  /**
   * One agent's marketplace page: its public view, DID document and signed agent card.
   *
   * @param agentCard Its A2A agent card with this server's signature, as served at {@code agentCardUrl}; {@code null} while it lacks an endpoint, a skill or a capability.
   * @param agentCardUrl Where its signed agent card is served, when it has one.
   * @param agentId Agent id.
   * @param agentType Lower-case type token.
   * @param capabilities Capability tokens (the scopes its agent card offers).
   * @param createdAt When it was registered.
   * @param description Free text.
   * @param did Its DID ({@code did:web}).
   * @param didDocument Its DID document (W3C DID Core), as served at {@code didDocumentUrl}.
   * @param didDocumentUrl Where its DID document is served.
   * @param documentationUrl Its documentation.
   * @param endpointUrl Where it serves A2A requests.
   * @param iconUrl Its icon.
   * @param name Display name.
   * @param publisher The name of the tenant that publishes it.
   * @param skills Its skills.
   * @param updatedAt Its last change.
   * @param version Semantic version.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record MarketplaceAgentPage(
      @JsonProperty("agentCard") Map<String, Object> agentCard,
      @JsonProperty("agentCardUrl") String agentCardUrl,
      @JsonProperty("agentId") String agentId,
      @JsonProperty("agentType") String agentType,
      @JsonProperty("capabilities") List<String> capabilities,
      @JsonProperty("createdAt") String createdAt,
      @JsonProperty("description") String description,
      @JsonProperty("did") String did,
      @JsonProperty("didDocument") Map<String, Object> didDocument,
      @JsonProperty("didDocumentUrl") String didDocumentUrl,
      @JsonProperty("documentationUrl") String documentationUrl,
      @JsonProperty("endpointUrl") String endpointUrl,
      @JsonProperty("iconUrl") String iconUrl,
      @JsonProperty("name") String name,
      @JsonProperty("publisher") String publisher,
      @JsonProperty("skills") List<AgentSkill> skills,
      @JsonProperty("updatedAt") String updatedAt,
      @JsonProperty("version") String version) {}

  /**
   * One page of marketplace agents.
   *
   * @param data The agents of this page, in registration order.
   * @param nextCursor Pass as {@code cursor} to get the next page; {@code null} on the last page.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record MarketplaceList(
      @JsonProperty("data") List<MarketplaceAgent> data,
      @JsonProperty("nextCursor") String nextCursor) {}

  /**
   * One metric against its limit.
   *
   * @param limit The limit; {@code null} when there is none.
   * @param used How much is used.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record MeteredResponse(
      @JsonProperty("limit") Long limit,
      @JsonProperty("used") Long used) {}

  /**
   * The body of an OAuth error (RFC 6749 §5.2).
   *
   * @param error {@code invalid_request}, {@code invalid_client}, {@code unauthorized_client}, {@code unsupported_grant_type}, {@code invalid_scope}, {@code invalid_target}, {@code quota_exceeded}, {@code too_many_requests}, {@code temporarily_unavailable} or {@code server_error}.
   * @param errorDescription Human-readable explanation.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record OAuthErrorBody(
      @JsonProperty("error") String error,
      @JsonProperty("error_description") String errorDescription) {}

  /**
   * Body of {@code POST …/rotate} (optional).
   *
   * @param expiresAt Expiry of the new secret (RFC 3339, future); omitted = never.
   * @param gracePeriodSeconds Seconds the old secret or key keeps working (0–604800, default 0).
   * @param jwk For a {@code public_key} credential (required there): the new public JWK.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record RotateCredentialRequest(
      @JsonProperty("expiresAt") String expiresAt,
      @JsonProperty("gracePeriodSeconds") Long gracePeriodSeconds,
      @JsonProperty("jwk") Map<String, Object> jwk) {}

  /**
   * RFC 8414 authorization-server metadata.
   *
   * @param grantTypesSupported {@code client_credentials}.
   * @param introspectionEndpoint RFC 7662 endpoint.
   * @param introspectionEndpointAuthMethodsSupported Client authentication methods at the introspection endpoint.
   * @param issuer The issuer every token carries in {@code iss}.
   * @param jwksUri Where the signing keys are published.
   * @param responseTypesSupported Empty: this server has no authorization endpoint (no redirect-based flows).
   * @param revocationEndpoint RFC 7009 endpoint.
   * @param revocationEndpointAuthMethodsSupported Client authentication methods at the revocation endpoint.
   * @param scopesSupported The management scopes the server knows.
   * @param serviceDocumentation Human-readable API documentation.
   * @param tokenEndpoint Where to request tokens.
   * @param tokenEndpointAuthMethodsSupported Client authentication methods at the token endpoint.
   * @param tokenEndpointAuthSigningAlgValuesSupported Algorithms accepted for {@code private_key_jwt} client assertions.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record ServerMetadata(
      @JsonProperty("grant_types_supported") List<String> grantTypesSupported,
      @JsonProperty("introspection_endpoint") String introspectionEndpoint,
      @JsonProperty("introspection_endpoint_auth_methods_supported") List<String> introspectionEndpointAuthMethodsSupported,
      @JsonProperty("issuer") String issuer,
      @JsonProperty("jwks_uri") String jwksUri,
      @JsonProperty("response_types_supported") List<String> responseTypesSupported,
      @JsonProperty("revocation_endpoint") String revocationEndpoint,
      @JsonProperty("revocation_endpoint_auth_methods_supported") List<String> revocationEndpointAuthMethodsSupported,
      @JsonProperty("scopes_supported") List<String> scopesSupported,
      @JsonProperty("service_documentation") String serviceDocumentation,
      @JsonProperty("token_endpoint") String tokenEndpoint,
      @JsonProperty("token_endpoint_auth_methods_supported") List<String> tokenEndpointAuthMethodsSupported,
      @JsonProperty("token_endpoint_auth_signing_alg_values_supported") List<String> tokenEndpointAuthSigningAlgValuesSupported) {}

  /**
   * Body of {@code POST /v1/tenants}.
   *
   * @param name Unique tenant name: 3–63 characters of a-z, 0-9 and '-'.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record SignUpRequest(
      @JsonProperty("name") String name) {}

  /**
   * A new tenant with its administrator.
   *
   * @param admin The administrator agent and its secret (shown once).
   * @param createdAt Creation time.
   * @param name Tenant name.
   * @param plan {@code free} or {@code pro}.
   * @param tenantId Tenant id.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record TenantCreated(
      @JsonProperty("admin") AdminCredentials admin,
      @JsonProperty("createdAt") String createdAt,
      @JsonProperty("name") String name,
      @JsonProperty("plan") String plan,
      @JsonProperty("tenantId") String tenantId) {}

  /**
   * Parameters of {@code POST /oauth2/token} (form-encoded).
   *
   * @param actorToken Delegation: the acting agent's own access token from this server.
   * @param actorTokenType Delegation: {@code urn:ietf:params:oauth:token-type:access_token}.
   * @param audience Target audience; same as {@code resource}.
   * @param clientAssertion private_key_jwt: a JWT signed by the client's registered key (RFC 7523 §2.2): {@code iss} = {@code sub} = the client id, {@code aud} = the token endpoint or issuer, {@code exp} at most 5 minutes ahead, a {@code jti} used once.
   * @param clientAssertionType private_key_jwt: {@code urn:ietf:params:oauth:client-assertion-type:jwt-bearer}.
   * @param clientId client_secret_post: the client id.
   * @param clientSecret client_secret_post: the client secret.
   * @param expiresIn Delegation: the lifetime wanted, in seconds (an extension of RFC 8693); a lifetime beyond the subject or actor token's remaining life is refused. Default: as long as both allow, at most the server's token lifetime.
   * @param grantType {@code client_credentials}, or {@code urn:ietf:params:oauth:grant-type:token-exchange} (RFC 8693).
   * @param requestedTokenType Token exchange: {@code urn:ietf:params:oauth:token-type:access_token} if given.
   * @param resource Target resource (RFC 8707): an absolute URI without a fragment; becomes the {@code aud} claim.
   * @param scope Space-separated subset of the agent's allowed scopes; default all of them.
   * @param subjectToken Token exchange (RFC 8693): the workload's identity token.
   * @param subjectTokenType Token exchange: {@code urn:ietf:params:oauth:token-type:id_token} or {@code …:jwt} for a workload's identity token; {@code …:access_token} for delegation (a token of this server).
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record TokenForm(
      @JsonProperty("actor_token") String actorToken,
      @JsonProperty("actor_token_type") String actorTokenType,
      @JsonProperty("audience") String audience,
      @JsonProperty("client_assertion") String clientAssertion,
      @JsonProperty("client_assertion_type") String clientAssertionType,
      @JsonProperty("client_id") String clientId,
      @JsonProperty("client_secret") String clientSecret,
      @JsonProperty("expires_in") Long expiresIn,
      @JsonProperty("grant_type") String grantType,
      @JsonProperty("requested_token_type") String requestedTokenType,
      @JsonProperty("resource") String resource,
      @JsonProperty("scope") String scope,
      @JsonProperty("subject_token") String subjectToken,
      @JsonProperty("subject_token_type") String subjectTokenType) {}

  /**
   * Parameters of introspection and revocation (form-encoded).
   *
   * @param clientId client_secret_post: the caller's client id.
   * @param clientSecret client_secret_post: the caller's client secret.
   * @param token The token to inspect or revoke.
   * @param tokenTypeHint Ignored hint ({@code access_token}).
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record TokenParam(
      @JsonProperty("client_id") String clientId,
      @JsonProperty("client_secret") String clientSecret,
      @JsonProperty("token") String token,
      @JsonProperty("token_type_hint") String tokenTypeHint) {}

  /**
   * A successful token response (RFC 6749 §5.1).
   *
   * @param accessToken The JWT access token (RFC 9068).
   * @param expiresIn Lifetime in seconds.
   * @param issuedTokenType Token exchange (RFC 8693): {@code urn:ietf:params:oauth:token-type:access_token}.
   * @param scope Granted scopes, space separated.
   * @param tokenType Always {@code Bearer}.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record TokenResponse(
      @JsonProperty("access_token") String accessToken,
      @JsonProperty("expires_in") Long expiresIn,
      @JsonProperty("issued_token_type") String issuedTokenType,
      @JsonProperty("scope") String scope,
      @JsonProperty("token_type") String tokenType) {}

  /**
   * A trust policy.
   *
   * @param agentId The agent a matching workload acts as.
   * @param audience The audience.
   * @param claims The pinned claims.
   * @param createdAt When it was created.
   * @param description What it is for.
   * @param issuer The issuer.
   * @param maxTokenTtlSeconds Longest lifetime of an exchanged token, in seconds.
   * @param policyId Its id.
   * @param scopes Scopes an exchanged token may hold.
   * @param subject The exact subject, if pinned.
   * @param tenantId Its tenant.
   * @param updatedAt Its last change.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record TrustPolicy(
      @JsonProperty("agentId") String agentId,
      @JsonProperty("audience") String audience,
      @JsonProperty("claims") Map<String, Object> claims,
      @JsonProperty("createdAt") String createdAt,
      @JsonProperty("description") String description,
      @JsonProperty("issuer") String issuer,
      @JsonProperty("maxTokenTtlSeconds") Long maxTokenTtlSeconds,
      @JsonProperty("policyId") String policyId,
      @JsonProperty("scopes") List<String> scopes,
      @JsonProperty("subject") String subject,
      @JsonProperty("tenantId") String tenantId,
      @JsonProperty("updatedAt") String updatedAt) {}

  /**
   * One page of trust policies.
   *
   * @param data The policies of this page, oldest first.
   * @param nextCursor Pass as {@code cursor} for the next page; {@code null} on the last page.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record TrustPolicyList(
      @JsonProperty("data") List<TrustPolicy> data,
      @JsonProperty("nextCursor") String nextCursor) {}

  /**
   * Body of {@code PATCH /v1/agents/{agentId}}: every field optional; {@code id}, {@code email}, {@code tenantId}, {@code createdAt}, {@code updatedAt} and {@code lastAuthAt} are immutable and rejected by name.
   *
   * @param agentType New type token.
   * @param allowedActors Replaces the agents that may act for this one; {@code []} allows none.
   * @param allowedScopes Replaces the allowed scopes.
   * @param capabilities Replaces the capabilities.
   * @param deploymentEnv New environment.
   * @param description New description.
   * @param documentationUrl New documentation URL; {@code ""} removes it.
   * @param endpointUrl New A2A endpoint (https); {@code ""} removes it.
   * @param iconUrl New icon URL; {@code ""} removes it.
   * @param isPublic Lists or unlists the agent in the marketplace.
   * @param metadata Replaces the metadata object.
   * @param name New display name.
   * @param owner New owner.
   * @param skills Replaces the skills.
   * @param status {@code active}, {@code suspended} or {@code revoked} (terminal; revokes every credential).
   * @param version New semantic version.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record UpdateAgentRequest(
      @JsonProperty("agentType") String agentType,
      @JsonProperty("allowedActors") List<String> allowedActors,
      @JsonProperty("allowedScopes") List<String> allowedScopes,
      @JsonProperty("capabilities") List<String> capabilities,
      @JsonProperty("deploymentEnv") String deploymentEnv,
      @JsonProperty("description") String description,
      @JsonProperty("documentationUrl") String documentationUrl,
      @JsonProperty("endpointUrl") String endpointUrl,
      @JsonProperty("iconUrl") String iconUrl,
      @JsonProperty("isPublic") Boolean isPublic,
      @JsonProperty("metadata") Map<String, Object> metadata,
      @JsonProperty("name") String name,
      @JsonProperty("owner") String owner,
      @JsonProperty("skills") List<AgentSkill> skills,
      @JsonProperty("status") String status,
      @JsonProperty("version") String version) {}

  /**
   * Body of {@code PATCH /v1/oidc/trust-policies/{policyId}}: each field replaces the stored one.
   *
   * @param audience New audience.
   * @param claims New pinned claims (replace the old ones).
   * @param description New description.
   * @param maxTokenTtlSeconds New longest token lifetime.
   * @param scopes New scopes.
   * @param subject New exact subject; {@code ""} removes it.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record UpdateTrustPolicyRequest(
      @JsonProperty("audience") String audience,
      @JsonProperty("claims") Map<String, Object> claims,
      @JsonProperty("description") String description,
      @JsonProperty("maxTokenTtlSeconds") Long maxTokenTtlSeconds,
      @JsonProperty("scopes") List<String> scopes,
      @JsonProperty("subject") String subject) {}

  /**
   * A tenant's usage this month.
   *
   * @param agents Live (not decommissioned) agents.
   * @param apiCalls apiCalls.
   * @param billingEnabled Whether the plan's limits are enforced ({@code BILLING_ENABLED}); otherwise the limits shown are the server's own.
   * @param days This month's usage per day.
   * @param month The month counted, {@code YYYY-MM} (UTC).
   * @param plan {@code free} or {@code pro}: the plan whose limits apply when billing is enabled.
   * @param subscriptionStatus The Stripe subscription's status ({@code active}, {@code past_due}, {@code canceled}…), if any.
   * @param tokens Access tokens issued this month (other nodes' counts arrive within 5 s).
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record UsageResponse(
      @JsonProperty("agents") MeteredResponse agents,
      @JsonProperty("apiCalls") MeteredResponse apiCalls,
      @JsonProperty("billingEnabled") Boolean billingEnabled,
      @JsonProperty("days") List<DayUsage> days,
      @JsonProperty("month") String month,
      @JsonProperty("plan") String plan,
      @JsonProperty("subscriptionStatus") String subscriptionStatus,
      @JsonProperty("tokens") MeteredResponse tokens) {}

  /**
   * Answer of {@code POST /v1/billing/webhook}.
   *
   * @param duplicate {@code true} when the event had been delivered before (nothing changed).
   * @param received Always {@code true}: the event was verified and is recorded.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record WebhookAck(
      @JsonProperty("duplicate") Boolean duplicate,
      @JsonProperty("received") Boolean received) {}

  /**
   * Body of {@code POST /oidc/token}: a workload's identity token to exchange for an agent's access token (the same exchange as RFC 8693 at {@code /oauth2/token}).
   *
   * @param agentId The agent to act as; needed only when policies of several agents admit the token.
   * @param audience The audience of the access token (an absolute URI); default this server.
   * @param scope Space-separated scopes wanted; default all the policy grants.
   * @param token The identity token the workload's platform issued it (a JWT).
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record WorkloadTokenRequest(
      @JsonProperty("agentId") String agentId,
      @JsonProperty("audience") String audience,
      @JsonProperty("scope") String scope,
      @JsonProperty("token") String token) {}
}
