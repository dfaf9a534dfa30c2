/** Access tokens for an agent: fetched with client credentials (a secret or a private key),
 * cached, refreshed before they expire, one request in flight however many callers wait. */

import { SignJWT, calculateJwkThumbprint, exportJWK, importJWK, type CryptoKey, type JWK, type KeyObject } from 'jose';
import { randomUUID } from 'node:crypto';
import { basicAuth, send, type HttpOptions } from './http.js';
import type { components } from './openapi.js';

/** A successful token response (RFC 6749 §5.1). */
export type TokenResponse = components['schemas']['TokenResponse'];

/** Anything that hands out a current bearer token; the API client takes one. */
export interface TokenProvider {
  /** A token valid for at least the refresh margin. */
  getToken(): Promise<string>;
}

/** What both client-credentials providers take. */
export interface TokenProviderOptions extends HttpOptions {
  /** The server's base URL, e.g. `https://idp.example.com` (its issuer). */
  baseUrl: string;
  /** The agent's id, which is its OAuth `client_id`. */
  clientId: string;
  /** Scopes to ask for; omitted = every scope the agent is allowed. */
  scopes?: string[];
  /** The resource the token is for (RFC 8707), which becomes its `aud`; omitted = the issuer. */
  audience?: string;
  /** Refresh this long before expiry; default min(lifetime / 5, 60 s). */
  refreshMarginMs?: number;
}

interface Cached {
  token: string;
  refreshAt: number;
}

/** Caching, refresh and single-flight, shared by the two ways of authenticating. */
abstract class CachingTokenProvider implements TokenProvider {
  protected readonly opts: TokenProviderOptions;
  protected readonly tokenUrl: string;
  private cached: Cached | undefined;
  private inFlight: Promise<string> | undefined;

  protected constructor(opts: TokenProviderOptions) {
    if (!opts.baseUrl) throw new TypeError('baseUrl is required');
    if (!opts.clientId) throw new TypeError('clientId is required');
    // A copy: the providers drop the secret or key from it, and the caller's object stays theirs.
    this.opts = { ...opts };
    this.tokenUrl = new URL('/oauth2/token', opts.baseUrl).toString();
  }

  /** The client authentication for one token request: headers and form fields. */
  protected abstract authenticate(): Promise<{ headers: Record<string, string>; form: Record<string, string> }>;

  async getToken(): Promise<string> {
    const cached = this.cached;
    if (cached && Date.now() < cached.refreshAt) return cached.token;
    // Every caller that arrives while a request is out waits for that one request.
    this.inFlight ??= this.fetchToken().finally(() => { this.inFlight = undefined; });
    return this.inFlight;
  }

  /** Drops the cached token, e.g. after the API refused it; the next call fetches a new one. */
  invalidate(): void {
    this.cached = undefined;
  }

  private async fetchToken(): Promise<string> {
    const auth = await this.authenticate();
    const form: Record<string, string> = { grant_type: 'client_credentials', ...auth.form };
    if (this.opts.scopes?.length) form.scope = this.opts.scopes.join(' ');
    if (this.opts.audience) form.resource = this.opts.audience;
    const started = Date.now();
    // A token request changes nothing on the server, so it is safe to retry on 5xx too.
    const response = await send<TokenResponse>({ method: 'POST', url: this.tokenUrl, headers: auth.headers, form, idempotent: true }, this.opts);
    const lifetimeMs = response.expires_in * 1000;
    const margin = this.opts.refreshMarginMs ?? Math.min(lifetimeMs / 5, 60_000);
    this.cached = { token: response.access_token, refreshAt: started + lifetimeMs - margin };
    return response.access_token;
  }
}

/** Options of a provider that authenticates with a client secret. */
export interface ClientCredentialsOptions extends TokenProviderOptions {
  /** The credential's secret (`sk_…`), shown once when it was created. */
  clientSecret: string;
}

/** Tokens for an agent with a `client_secret` credential (HTTP Basic, RFC 6749 §2.3.1). */
export class ClientCredentialsTokenProvider extends CachingTokenProvider {
  readonly #basic: string;

  constructor(opts: ClientCredentialsOptions) {
    super(opts);
    if (!opts.clientSecret) throw new TypeError('clientSecret is required');
    this.#basic = basicAuth(opts.clientId, opts.clientSecret);
    delete (this.opts as Partial<ClientCredentialsOptions>).clientSecret;
  }

  protected async authenticate() {
    return { headers: { Authorization: this.#basic }, form: {} };
  }
}

/** Options of a provider that authenticates with a private key (RFC 7523 `private_key_jwt`). */
export interface PrivateKeyJwtOptions extends TokenProviderOptions {
  /** The private key whose public half is the agent's `public_key` credential: a private JWK
   * (with `kid` and `alg`), a `CryptoKey` or a `KeyObject`. */
  privateKey: JWK | CryptoKey | KeyObject;
  /** The credential's `kid` as the server shows it; default: the key's RFC 7638 thumbprint,
   * which is the `kid` AgentIdP gives every registered key. */
  keyId?: string;
  /** `RS256`, `ES256` or `EdDSA` (default: the JWK's `alg`). */
  algorithm?: string;
}

/** Tokens for an agent with a `public_key` credential: each request carries a fresh client
 * assertion signed by its private key, so no secret ever leaves the agent. */
export class PrivateKeyJwtTokenProvider extends CachingTokenProvider {
  readonly #key: Promise<CryptoKey | KeyObject | Uint8Array>;
  readonly #kid: Promise<string>;
  readonly #alg: string;

  constructor(opts: PrivateKeyJwtOptions) {
    super(opts);
    const jwk = isJwk(opts.privateKey) ? opts.privateKey : undefined;
    const alg = opts.algorithm ?? jwk?.alg;
    if (!alg) throw new TypeError('algorithm is required unless the private JWK carries alg');
    this.#alg = alg;
    this.#key = jwk ? importJWK(jwk, alg) : Promise.resolve(opts.privateKey as CryptoKey | KeyObject);
    this.#kid = opts.keyId
      ? Promise.resolve(opts.keyId)
      : (jwk ? Promise.resolve(jwk) : exportJWK(opts.privateKey as CryptoKey | KeyObject)).then((k) => calculateJwkThumbprint(k));
    // Reported on first use, not as an unhandled rejection now.
    this.#kid.catch(() => undefined);
    this.#key.catch(() => undefined);
    delete (this.opts as Partial<PrivateKeyJwtOptions>).privateKey;
  }

  protected async authenticate() {
    const now = Math.floor(Date.now() / 1000);
    const assertion = await new SignJWT({ jti: randomUUID() })
      .setProtectedHeader({ alg: this.#alg, typ: 'JWT', kid: await this.#kid })
      .setIssuer(this.opts.clientId)
      .setSubject(this.opts.clientId)
      .setAudience(this.tokenUrl)
      .setIssuedAt(now)
      .setExpirationTime(now + 60)
      .sign(await this.#key);
    return {
      headers: {},
      form: {
        client_id: this.opts.clientId,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: assertion,
      },
    };
  }
}

function isJwk(key: unknown): key is JWK {
  return typeof key === 'object' && key !== null && 'kty' in key;
}
