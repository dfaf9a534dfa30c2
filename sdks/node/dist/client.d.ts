/** `AgentIdPClient`: a typed client for every endpoint of AgentIdP's REST and OAuth APIs. */
import { type HttpOptions } from './http.js';
import type { TokenProvider, TokenResponse } from './tokenProvider.js';
import type * as T from './types.js';
/** How the client authenticates its management calls. */
export interface AgentIdPClientOptions extends HttpOptions {
    /** The server's base URL, e.g. `https://idp.example.com`. */
    baseUrl: string;
    /** Where bearer tokens come from (refreshed as needed); or give a fixed `token`. */
    tokenProvider?: TokenProvider;
    /** A fixed bearer token, for short scripts. */
    token?: string;
}
/** An OAuth client's id and secret, for the endpoints that authenticate the client itself. */
export interface ClientSecretAuth {
    clientId: string;
    clientSecret: string;
}
/** One page of a list, as the API returns it. */
export interface Page<T> {
    data: T[];
    nextCursor?: string | null;
}
/** The items of a list, fetched a page at a time as they are iterated (`for await`). */
export declare class Paginator<T> implements AsyncIterable<T> {
    private readonly fetchPage;
    constructor(fetchPage: (cursor?: string) => Promise<Page<T>>);
    /** Every page in turn. */
    pages(): AsyncGenerator<Page<T>>;
    [Symbol.asyncIterator](): AsyncGenerator<T>;
    /** Every item of every page, in one array. */
    toArray(): Promise<T[]>;
}
/** Which client method calls each operation of `docs/openapi.json` (checked by the tests). */
export declare const OPERATIONS: {
    readonly list_agents: "listAgents";
    readonly create_agent: "createAgent";
    readonly get_agent: "getAgent";
    readonly update_agent: "updateAgent";
    readonly delete_agent: "deleteAgent";
    readonly list_credentials: "listCredentials";
    readonly create_credential: "createCredential";
    readonly rotate_credential: "rotateCredential";
    readonly revoke_credential: "revokeCredential";
    readonly list_events: "listAuditEvents";
    readonly get_event: "getAuditEvent";
    readonly search_agents: "searchMarketplace";
    readonly get_marketplace_agent: "getMarketplaceAgent";
    readonly list_policies: "listTrustPolicies";
    readonly create_policy: "createTrustPolicy";
    readonly get_policy: "getTrustPolicy";
    readonly update_policy: "updateTrustPolicy";
    readonly delete_policy: "deleteTrustPolicy";
    readonly usage: "getUsage";
    readonly checkout: "createCheckout";
    readonly sign_up: "signUp";
    readonly token: "token";
    readonly workload_token: "exchangeWorkloadToken";
    readonly introspect: "introspect";
    readonly revoke: "revoke";
    readonly metadata: "getServerMetadata";
    readonly jwks: "getJwks";
    readonly server_did: "getServerDid";
    readonly agent_did: "getAgentDid";
    readonly agent_card: "getAgentCard";
    readonly health: "health";
    readonly health_detailed: "healthDetailed";
};
/** A client of one AgentIdP server; safe to share across concurrent calls. */
export declare class AgentIdPClient {
    #private;
    readonly baseUrl: string;
    constructor(opts: AgentIdPClientOptions);
    /** Agents of the caller's tenant, optionally filtered; iterates every page. */
    listAgents(query?: Omit<T.ListAgentsQuery, 'cursor'>): Paginator<T.Agent>;
    /** Registers an agent. */
    createAgent(body: T.CreateAgentRequest): Promise<T.Agent>;
    getAgent(agentId: string): Promise<T.Agent>;
    /** Changes the given fields (JSON merge patch), including `status`. */
    updateAgent(agentId: string, body: T.UpdateAgentRequest): Promise<T.Agent>;
    /** Decommissions an agent: its credentials stop working and its tokens are refused. */
    deleteAgent(agentId: string): Promise<void>;
    listCredentials(agentId: string): Promise<T.Credential[]>;
    /** A new secret (returned this once, as `clientSecret`) or a registered public key. */
    createCredential(agentId: string, body?: T.CreateCredentialRequest): Promise<T.IssuedCredential>;
    /** Replaces a credential's secret or key; the old one keeps working for `gracePeriodSeconds`. */
    rotateCredential(agentId: string, credentialId: string, body?: T.RotateCredentialRequest): Promise<T.IssuedCredential>;
    revokeCredential(agentId: string, credentialId: string): Promise<void>;
    /** Audit events, newest first; iterates every page. */
    listAuditEvents(query?: Omit<T.ListAuditEventsQuery, 'cursor'>): Paginator<T.AuditEvent>;
    getAuditEvent(eventId: string): Promise<T.AuditEvent>;
    /** Published agents of every tenant matching the query; iterates every page. */
    searchMarketplace(query?: Omit<T.SearchMarketplaceQuery, 'cursor'>): Paginator<T.MarketplaceAgent>;
    getMarketplaceAgent(agentId: string): Promise<T.MarketplaceAgentPage>;
    listTrustPolicies(query?: Omit<T.ListTrustPoliciesQuery, 'cursor'>): Paginator<T.TrustPolicy>;
    createTrustPolicy(body: T.CreateTrustPolicyRequest): Promise<T.TrustPolicy>;
    getTrustPolicy(policyId: string): Promise<T.TrustPolicy>;
    updateTrustPolicy(policyId: string, body: T.UpdateTrustPolicyRequest): Promise<T.TrustPolicy>;
    deleteTrustPolicy(policyId: string): Promise<void>;
    /** Creates a tenant and its admin agent (public; the secret is in this response only). */
    signUp(body: T.SignUpRequest): Promise<T.TenantCreated>;
    /** The tenant's usage this month against its plan's limits. */
    getUsage(): Promise<T.Usage>;
    /** A Stripe Checkout session to upgrade the tenant; the same key returns the same session. */
    createCheckout(idempotencyKey?: string): Promise<T.CheckoutSession>;
    /** A raw token request (any grant; client authentication in `form` or `auth`). Agents use a
     * token provider instead, which caches. */
    token(form: T.TokenRequest, auth?: ClientSecretAuth): Promise<TokenResponse>;
    /** Exchanges a workload's identity token (e.g. GitHub Actions OIDC) for an access token. */
    exchangeWorkloadToken(body: T.WorkloadTokenRequest): Promise<TokenResponse>;
    /** RFC 7662: whether `token` is active, as the authenticated client may see. */
    introspect(token: string, auth: ClientSecretAuth): Promise<T.Introspection>;
    /** RFC 7009: revokes `token` (the agent's own, or one acting for it). */
    revoke(token: string, auth: ClientSecretAuth): Promise<void>;
    getServerMetadata(): Promise<T.ServerMetadata>;
    getJwks(): Promise<{
        keys: Record<string, unknown>[];
    }>;
    getServerDid(): Promise<Record<string, unknown>>;
    getAgentDid(agentId: string): Promise<Record<string, unknown>>;
    /** The agent's A2A agent card, signed by the server. */
    getAgentCard(agentId: string): Promise<Record<string, unknown>>;
    health(): Promise<T.Health>;
    healthDetailed(): Promise<T.DetailedHealth>;
}
