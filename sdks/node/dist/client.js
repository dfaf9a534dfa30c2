/** `AgentIdPClient`: a typed client for every endpoint of AgentIdP's REST and OAuth APIs. */
import { AgentIdPError } from './errors.js';
import { basicAuth, send } from './http.js';
/** The items of a list, fetched a page at a time as they are iterated (`for await`). */
export class Paginator {
    fetchPage;
    constructor(fetchPage) {
        this.fetchPage = fetchPage;
    }
    /** Every page in turn. */
    async *pages() {
        let cursor;
        do {
            const page = await this.fetchPage(cursor);
            yield page;
            cursor = page.nextCursor ?? undefined;
        } while (cursor);
    }
    async *[Symbol.asyncIterator]() {
        for await (const page of this.pages())
            yield* page.data;
    }
    /** Every item of every page, in one array. */
    async toArray() {
        const all = [];
        for await (const item of this)
            all.push(item);
        return all;
    }
}
/** Which client method calls each operation of `docs/openapi.json` (checked by the tests). */
export const OPERATIONS = {
    list_agents: 'listAgents', create_agent: 'createAgent', get_agent: 'getAgent', update_agent: 'updateAgent', delete_agent: 'deleteAgent',
    list_credentials: 'listCredentials', create_credential: 'createCredential', rotate_credential: 'rotateCredential', revoke_credential: 'revokeCredential',
    list_events: 'listAuditEvents', get_event: 'getAuditEvent',
    search_agents: 'searchMarketplace', get_marketplace_agent: 'getMarketplaceAgent',
    list_policies: 'listTrustPolicies', create_policy: 'createTrustPolicy', get_policy: 'getTrustPolicy', update_policy: 'updateTrustPolicy', delete_policy: 'deleteTrustPolicy',
    usage: 'getUsage', checkout: 'createCheckout', sign_up: 'signUp',
    token: 'token', workload_token: 'exchangeWorkloadToken', introspect: 'introspect', revoke: 'revoke',
    metadata: 'getServerMetadata', jwks: 'getJwks', server_did: 'getServerDid', agent_did: 'getAgentDid', agent_card: 'getAgentCard',
    health: 'health', health_detailed: 'healthDetailed',
};
/** A client of one AgentIdP server; safe to share across concurrent calls. */
export class AgentIdPClient {
    baseUrl;
    #opts;
    constructor(opts) {
        if (!opts.baseUrl)
            throw new TypeError('baseUrl is required');
        this.baseUrl = opts.baseUrl.replace(/\/$/, '');
        this.#opts = { ...opts };
    }
    // ---- agents
    /** Agents of the caller's tenant, optionally filtered; iterates every page. */
    listAgents(query = {}) {
        return this.#paginate('/v1/agents', query);
    }
    /** Registers an agent. */
    createAgent(body) {
        return this.#call('POST', '/v1/agents', { json: body });
    }
    getAgent(agentId) {
        return this.#call('GET', `/v1/agents/${seg(agentId)}`);
    }
    /** Changes the given fields (JSON merge patch), including `status`. */
    updateAgent(agentId, body) {
        return this.#call('PATCH', `/v1/agents/${seg(agentId)}`, { json: body });
    }
    /** Decommissions an agent: its credentials stop working and its tokens are refused. */
    deleteAgent(agentId) {
        return this.#call('DELETE', `/v1/agents/${seg(agentId)}`);
    }
    // ---- credentials
    listCredentials(agentId) {
        return this.#call('GET', `/v1/agents/${seg(agentId)}/credentials`);
    }
    /** A new secret (returned this once, as `clientSecret`) or a registered public key. */
    createCredential(agentId, body = {}) {
        return this.#call('POST', `/v1/agents/${seg(agentId)}/credentials`, { json: body });
    }
    /** Replaces a credential's secret or key; the old one keeps working for `gracePeriodSeconds`. */
    rotateCredential(agentId, credentialId, body = {}) {
        return this.#call('POST', `/v1/agents/${seg(agentId)}/credentials/${seg(credentialId)}/rotate`, { json: body });
    }
    revokeCredential(agentId, credentialId) {
        return this.#call('DELETE', `/v1/agents/${seg(agentId)}/credentials/${seg(credentialId)}`);
    }
    // ---- audit
    /** Audit events, newest first; iterates every page. */
    listAuditEvents(query = {}) {
        return this.#paginate('/v1/audit/events', query);
    }
    getAuditEvent(eventId) {
        return this.#call('GET', `/v1/audit/events/${seg(eventId)}`);
    }
    // ---- marketplace (public)
    /** Published agents of every tenant matching the query; iterates every page. */
    searchMarketplace(query = {}) {
        return this.#paginate('/v1/marketplace/agents', query, false);
    }
    getMarketplaceAgent(agentId) {
        return this.#call('GET', `/v1/marketplace/agents/${seg(agentId)}`, { auth: false });
    }
    // ---- workload federation trust policies
    listTrustPolicies(query = {}) {
        return this.#paginate('/v1/oidc/trust-policies', query);
    }
    createTrustPolicy(body) {
        return this.#call('POST', '/v1/oidc/trust-policies', { json: body });
    }
    getTrustPolicy(policyId) {
        return this.#call('GET', `/v1/oidc/trust-policies/${seg(policyId)}`);
    }
    updateTrustPolicy(policyId, body) {
        return this.#call('PATCH', `/v1/oidc/trust-policies/${seg(policyId)}`, { json: body });
    }
    deleteTrustPolicy(policyId) {
        return this.#call('DELETE', `/v1/oidc/trust-policies/${seg(policyId)}`);
    }
    // ---- tenants and billing
    /** Creates a tenant and its admin agent (public; the secret is in this response only). */
    signUp(body) {
        return this.#call('POST', '/v1/tenants', { json: body, auth: false });
    }
    /** The tenant's usage this month against its plan's limits. */
    getUsage() {
        return this.#call('GET', '/v1/billing/usage');
    }
    /** A Stripe Checkout session to upgrade the tenant; the same key returns the same session. */
    createCheckout(idempotencyKey) {
        return this.#call('POST', '/v1/billing/checkout', { headers: idempotencyKey ? { 'Idempotency-Key': idempotencyKey } : {}, idempotent: !!idempotencyKey });
    }
    // ---- OAuth
    /** A raw token request (any grant; client authentication in `form` or `auth`). Agents use a
     * token provider instead, which caches. */
    token(form, auth) {
        return this.#call('POST', '/oauth2/token', { form: compact(form), auth: false, basic: auth, idempotent: true });
    }
    /** Exchanges a workload's identity token (e.g. GitHub Actions OIDC) for an access token. */
    exchangeWorkloadToken(body) {
        return this.#call('POST', '/oidc/token', { json: body, auth: false });
    }
    /** RFC 7662: whether `token` is active, as the authenticated client may see. */
    introspect(token, auth) {
        return this.#call('POST', '/oauth2/introspect', { form: { token }, auth: false, basic: auth, idempotent: true });
    }
    /** RFC 7009: revokes `token` (the agent's own, or one acting for it). */
    revoke(token, auth) {
        return this.#call('POST', '/oauth2/revoke', { form: { token }, auth: false, basic: auth, idempotent: true });
    }
    // ---- discovery and identity documents (public)
    getServerMetadata() {
        return this.#call('GET', '/.well-known/oauth-authorization-server', { auth: false });
    }
    getJwks() {
        return this.#call('GET', '/.well-known/jwks.json', { auth: false });
    }
    getServerDid() {
        return this.#call('GET', '/.well-known/did.json', { auth: false });
    }
    getAgentDid(agentId) {
        return this.#call('GET', `/agents/${seg(agentId)}/did.json`, { auth: false });
    }
    /** The agent's A2A agent card, signed by the server. */
    getAgentCard(agentId) {
        return this.#call('GET', `/agents/${seg(agentId)}/agent-card.json`, { auth: false });
    }
    health() {
        return this.#call('GET', '/health', { auth: false });
    }
    healthDetailed() {
        return this.#call('GET', '/health/detailed', { auth: false });
    }
    // ---- plumbing
    #paginate(path, query, auth = true) {
        return new Paginator((cursor) => this.#call('GET', path + queryString({ ...query, cursor }), { auth }));
    }
    async #call(method, path, extra = {}) {
        const request = (headers) => send({
            method, url: this.baseUrl + path, json: extra.json, form: extra.form,
            headers: { ...extra.headers, ...headers },
            idempotent: extra.idempotent ?? (method === 'GET' || method === 'DELETE'),
        }, this.#opts);
        if (extra.basic)
            return request({ Authorization: basicAuth(extra.basic.clientId, extra.basic.clientSecret) });
        if (extra.auth === false)
            return request({});
        const provider = this.#opts.tokenProvider;
        const bearer = provider ? await provider.getToken() : this.#opts.token;
        if (!bearer)
            throw new AgentIdPError('no_credentials', 'this call needs a tokenProvider or a token', 0);
        try {
            return await request({ Authorization: `Bearer ${bearer}` });
        }
        catch (error) {
            // A token revoked or expired early: fetch a fresh one once.
            const invalidate = provider?.invalidate;
            if (!(error instanceof AgentIdPError) || error.status !== 401 || !provider || !invalidate)
                throw error;
            invalidate.call(provider);
            return request({ Authorization: `Bearer ${await provider.getToken()}` });
        }
    }
}
function seg(value) {
    return encodeURIComponent(value);
}
function queryString(query) {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query))
        if (v !== undefined && v !== null)
            params.set(k, String(v));
    const text = params.toString();
    return text ? `?${text}` : '';
}
function compact(form) {
    const out = {};
    for (const [k, v] of Object.entries(form))
        if (v !== undefined && v !== null)
            out[k] = String(v);
    return out;
}
