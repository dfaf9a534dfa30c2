/** Access tokens for an agent: fetched with client credentials (a secret or a private key),
 * cached, refreshed before they expire, one request in flight however many callers wait. */
import { type CryptoKey, type JWK, type KeyObject } from 'jose';
import { type HttpOptions } from './http.js';
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
/** Caching, refresh and single-flight, shared by the two ways of authenticating. */
declare abstract class CachingTokenProvider implements TokenProvider {
    protected readonly opts: TokenProviderOptions;
    protected readonly tokenUrl: string;
    private cached;
    private inFlight;
    protected constructor(opts: TokenProviderOptions);
    /** The client authentication for one token request: headers and form fields. */
    protected abstract authenticate(): Promise<{
        headers: Record<string, string>;
        form: Record<string, string>;
    }>;
    getToken(): Promise<string>;
    /** Drops the cached token, e.g. after the API refused it; the next call fetches a new one. */
    invalidate(): void;
    private fetchToken;
}
/** Options of a provider that authenticates with a client secret. */
export interface ClientCredentialsOptions extends TokenProviderOptions {
    /** The credential's secret (`sk_…`), shown once when it was created. */
    clientSecret: string;
}
/** Tokens for an agent with a `client_secret` credential (HTTP Basic, RFC 6749 §2.3.1). */
export declare class ClientCredentialsTokenProvider extends CachingTokenProvider {
    #private;
    constructor(opts: ClientCredentialsOptions);
    protected authenticate(): Promise<{
        headers: {
            Authorization: string;
        };
        form: {};
    }>;
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
export declare class PrivateKeyJwtTokenProvider extends CachingTokenProvider {
    #private;
    constructor(opts: PrivateKeyJwtOptions);
    protected authenticate(): Promise<{
        headers: {};
        form: {
            client_id: string;
            client_assertion_type: string;
            client_assertion: string;
        };
    }>;
}
export {};
