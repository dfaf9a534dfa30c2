/** `AgentIdPClient`: a typed client for every endpoint of AgentIdP's REST and OAuth APIs. */

import { AgentIdPError } from './errors.js';
import { basicAuth, send, type HttpOptions, type HttpRequest } from './http.js';
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
export class Paginator<T> implements AsyncIterable<T> {
  constructor(private readonly fetchPage: (cursor?: string) => Promise<Page<T>>) {}

  /** Every page in turn. */
  async *pages(): AsyncGenerator<Page<T>> {
    let cursor: string | undefined;
    do {
      const page = await this.fetchPage(cursor);
      yield page;
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    for await (const page of this.pages()) yield* page.data;
  }

  /** Every item of every page, in one array. */
  async toArray(): Promise<T[]> {
    const all: T[] = [];
    for await (const item of this) all.push(item);
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
} as const;

type Query = Record<string, string | number | boolean | undefined | null>;

/** A client of one AgentIdP server; safe to share across concurrent calls. */
export class AgentIdPClient {
  readonly baseUrl: string;
  readonly #opts: AgentIdPClientOptions;

  constructor(opts: AgentIdPClientOptions) {
    if (!opts.baseUrl) throw new TypeError('baseUrl is required');
    this.baseUrl = opts.baseUrl.replace(/\/$/, '');
    this.#opts = { ...opts };
  }

  // ---- agents

  /** Agents of the caller's tenant, optionally filtered; iterates every page. */
  listAgents(query: Omit<T.ListAgentsQuery, 'cursor'> = {}): Paginator<T.Agent> {
    return this.#paginate<T.Agent>('/v1/agents', query);
  }
  /** Registers an agent. */
  createAgent(body: T.CreateAgentRequest): Promise<T.Agent> {
    return this.#call('POST', '/v1/agents', { json: body });
  }
  getAgent(agentId: string): Promise<T.Agent> {
    return this.#call('GET', `/v1/agents/${seg(agentId)}`);
  }
  /** Changes the given fields (JSON merge patch), including `status`. */
  updateAgent(agentId: string, body: T.UpdateAgentRequest): Promise<T.Agent> {
    return this.#call('PATCH', `/v1/agents/${seg(agentId)}`, { json: body });
  }
  /** Decommissions an agent: its credentials stop working and its tokens are refused. */
  deleteAgent(agentId: string): Promise<void> {
    return this.#call('DELETE', `/v1/agents/${seg(agentId)}`);
  }

  // ---- credentials

  listCredentials(agentId: string): Promise<T.Credential[]> {
    return this.#call('GET', `/v1/agents/${seg(agentId)}/credentials`);
  }
  /** A new secret (returned this once, as `clientSecret`) or a registered public key. */
  createCredential(agentId: string, body: T.CreateCredentialRequest = {}): Promise<T.IssuedCredential> {
    return this.#call('POST', `/v1/agents/${seg(agentId)}/credentials`, { json: body });
  }
  /** Replaces a credential's secret or key; the old one keeps working for `gracePeriodSeconds`. */
  rotateCredential(agentId: string, credentialId: string, body: T.RotateCredentialRequest = {}): Promise<T.IssuedCredential> {
    return this.#call('POST', `/v1/agents/${seg(agentId)}/credentials/${seg(credentialId)}/rotate`, { json: body });
  }
  revokeCredential(agentId: string, credentialId: string): Promise<void> {
    return this.#call('DELETE', `/v1/agents/${seg(agentId)}/credentials/${seg(credentialId)}`);
  }

  // ---- audit

  /** Audit events, newest first; iterates every page. */
  listAuditEvents(query: Omit<T.ListAuditEventsQuery, 'cursor'> = {}): Paginator<T.AuditEvent> {
    return this.#paginate<T.AuditEvent>('/v1/audit/events', query);
  }
  getAuditEvent(eventId: string): Promise<T.AuditEvent> {
    return this.#call('GET', `/v1/audit/events/${seg(eventId)}`);
  }

  // ---- marketplace (public)

  /** Published agents of every tenant matching the query; iterates every page. */
  searchMarketplace(query: Omit<T.SearchMarketplaceQuery, 'cursor'> = {}): Paginator<T.MarketplaceAgent> {
    return this.#paginate<T.MarketplaceAgent>('/v1/marketplace/agents', query, false);
  }
  getMarketplaceAgent(agentId: string): Promise<T.MarketplaceAgentPage> {
    return this.#call('GET', `/v1/marketplace/agents/${seg(agentId)}`, { auth: false });
  }

  // ---- workload federation trust policies

  listTrustPolicies(query: Omit<T.ListTrustPoliciesQuery, 'cursor'> = {}): Paginator<T.TrustPolicy> {
    return this.#paginate<T.TrustPolicy>('/v1/oidc/trust-policies', query);
  }
  createTrustPolicy(body: T.CreateTrustPolicyRequest): Promise<T.TrustPolicy> {
    return this.#call('POST', '/v1/oidc/trust-policies', { json: body });
  }
  getTrustPolicy(policyId: string): Promise<T.TrustPolicy> {
    return this.#call('GET', `/v1/oidc/trust-policies/${seg(policyId)}`);
  }
  updateTrustPolicy(policyId: string, body: T.UpdateTrustPolicyRequest): Promise<T.TrustPolicy> {
    return this.#call('PATCH', `/v1/oidc/trust-policies/${seg(policyId)}`, { json: body });
  }
  deleteTrustPolicy(policyId: string): Promise<void> {
    return this.#call('DELETE', `/v1/oidc/trust-policies/${seg(policyId)}`);
  }

  // ---- tenants and billing

  /** Creates a tenant and its admin agent (public; the secret is in this response only). */
  signUp(body: T.SignUpRequest): Promise<T.TenantCreated> {
    return this.#call('POST', '/v1/tenants', { json: body, auth: false });
  }
  /** The tenant's usage this month against its plan's limits. */
  getUsage(): Promise<T.Usage> {
    return this.#call('GET', '/v1/billing/usage');
  }
  /** A Stripe Checkout session to upgrade the tenant; the same key returns the same session. */
  createCheckout(idempotencyKey?: string): Promise<T.CheckoutSession> {
    return this.#call('POST', '/v1/billing/checkout', { headers: idempotencyKey ? { 'Idempotency-Key': idempotencyKey } : {}, idempotent: !!idempotencyKey });
  }

  // ---- OAuth

  /** A raw token request (any grant; client authentication in `form` or `auth`). Agents use a
   * token provider instead, which caches. */
  token(form: T.TokenRequest, auth?: ClientSecretAuth): Promise<TokenResponse> {
    return this.#call('POST', '/oauth2/token', { form: compact(form), auth: false, basic: auth, idempotent: true });
  }
  /** Exchanges a workload's identity token (e.g. GitHub Actions OIDC) for an access token. */
  exchangeWorkloadToken(body: T.WorkloadTokenRequest): Promise<TokenResponse> {
    return this.#call('POST', '/oidc/token', { json: body, auth: false });
  }
  /** RFC 7662: whether `token` is active, as the authenticated client may see. */
  introspect(token: string, auth: ClientSecretAuth): Promise<T.Introspection> {
    return this.#call('POST', '/oauth2/introspect', { form: { token }, auth: false, basic: auth, idempotent: true });
  }
  /** RFC 7009: revokes `token` (the agent's own, or one acting for it). */
  revoke(token: string, auth: ClientSecretAuth): Promise<void> {
    return this.#call('POST', '/oauth2/revoke', { form: { token }, auth: false, basic: auth, idempotent: true });
  }

  // ---- discovery and identity documents (public)

  getServerMetadata(): Promise<T.ServerMetadata> {
    return this.#call('GET', '/.well-known/oauth-authorization-server', { auth: false });
  }
  getJwks(): Promise<{ keys: Record<string, unknown>[] }> {
    return this.#call('GET', '/.well-known/jwks.json', { auth: false });
  }
  getServerDid(): Promise<Record<string, unknown>> {
    return this.#call('GET', '/.well-known/did.json', { auth: false });
  }
  getAgentDid(agentId: string): Promise<Record<string, unknown>> {
    return this.#call('GET', `/agents/${seg(agentId)}/did.json`, { auth: false });
  }
  /** The agent's A2A agent card, signed by the server. */
  getAgentCard(agentId: string): Promise<Record<string, unknown>> {
    return this.#call('GET', `/agents/${seg(agentId)}/agent-card.json`, { auth: false });
  }
  health(): Promise<T.Health> {
    return this.#call('GET', '/health', { auth: false });
  }
  healthDetailed(): Promise<T.DetailedHealth> {
    return this.#call('GET', '/health/detailed', { auth: false });
  }

  // ---- plumbing

  #paginate<I>(path: string, query: Query, auth = true): Paginator<I> {
    return new Paginator<I>((cursor) => this.#call('GET', path + queryString({ ...query, cursor }), { auth }));
  }

  async #call<R>(
    method: HttpRequest['method'],
    path: string,
    extra: { json?: unknown; form?: Record<string, string>; headers?: Record<string, string>; auth?: boolean; basic?: ClientSecretAuth; idempotent?: boolean } = {},
  ): Promise<R> {
    const request = (headers: Record<string, string>): Promise<R> =>
      send<R>({
        method, url: this.baseUrl + path, json: extra.json, form: extra.form,
        headers: { ...extra.headers, ...headers },
        idempotent: extra.idempotent ?? (method === 'GET' || method === 'DELETE'),
      }, this.#opts);
    if (extra.basic) return request({ Authorization: basicAuth(extra.basic.clientId, extra.basic.clientSecret) });
    if (extra.auth === false) return request({});
    const provider = this.#opts.tokenProvider;
    const bearer = provider ? await provider.getToken() : this.#opts.token;
    if (!bearer) throw new AgentIdPError('no_credentials', 'this call needs a tokenProvider or a token', 0);
    try {
      return await request({ Authorization: `Bearer ${bearer}` });
    } catch (error) {
      // A token revoked or expired early: fetch a fresh one once.
      const invalidate = (provider as { invalidate?: () => void } | undefined)?.invalidate;
      if (!(error instanceof AgentIdPError) || error.status !== 401 || !provider || !invalidate) throw error;
      invalidate.call(provider);
      return request({ Authorization: `Bearer ${await provider.getToken()}` });
    }
  }
}

function seg(value: string): string {
  return encodeURIComponent(value);
}

function queryString(query: Query): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null) params.set(k, String(v));
  const text = params.toString();
  return text ? `?${text}` : '';
}

function compact(form: object): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(form)) if (v !== undefined && v !== null) out[k] = String(v);
  return out;
}
