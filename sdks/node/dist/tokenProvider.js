/** Access tokens for an agent: fetched with client credentials (a secret or a private key),
 * cached, refreshed before they expire, one request in flight however many callers wait. */
import { SignJWT, calculateJwkThumbprint, exportJWK, importJWK } from 'jose';
import { randomUUID } from 'node:crypto';
import { basicAuth, send } from './http.js';
/** Caching, refresh and single-flight, shared by the two ways of authenticating. */
class CachingTokenProvider {
    opts;
    tokenUrl;
    cached;
    inFlight;
    constructor(opts) {
        if (!opts.baseUrl)
            throw new TypeError('baseUrl is required');
        if (!opts.clientId)
            throw new TypeError('clientId is required');
        // A copy: the providers drop the secret or key from it, and the caller's object stays theirs.
        this.opts = { ...opts };
        this.tokenUrl = new URL('/oauth2/token', opts.baseUrl).toString();
    }
    async getToken() {
        const cached = this.cached;
        if (cached && Date.now() < cached.refreshAt)
            return cached.token;
        // Every caller that arrives while a request is out waits for that one request.
        this.inFlight ??= this.fetchToken().finally(() => { this.inFlight = undefined; });
        return this.inFlight;
    }
    /** Drops the cached token, e.g. after the API refused it; the next call fetches a new one. */
    invalidate() {
        this.cached = undefined;
    }
    async fetchToken() {
        const auth = await this.authenticate();
        const form = { grant_type: 'client_credentials', ...auth.form };
        if (this.opts.scopes?.length)
            form.scope = this.opts.scopes.join(' ');
        if (this.opts.audience)
            form.resource = this.opts.audience;
        const started = Date.now();
        // A token request changes nothing on the server, so it is safe to retry on 5xx too.
        const response = await send({ method: 'POST', url: this.tokenUrl, headers: auth.headers, form, idempotent: true }, this.opts);
        const lifetimeMs = response.expires_in * 1000;
        const margin = this.opts.refreshMarginMs ?? Math.min(lifetimeMs / 5, 60_000);
        this.cached = { token: response.access_token, refreshAt: started + lifetimeMs - margin };
        return response.access_token;
    }
}
/** Tokens for an agent with a `client_secret` credential (HTTP Basic, RFC 6749 §2.3.1). */
export class ClientCredentialsTokenProvider extends CachingTokenProvider {
    #basic;
    constructor(opts) {
        super(opts);
        if (!opts.clientSecret)
            throw new TypeError('clientSecret is required');
        this.#basic = basicAuth(opts.clientId, opts.clientSecret);
        delete this.opts.clientSecret;
    }
    async authenticate() {
        return { headers: { Authorization: this.#basic }, form: {} };
    }
}
/** Tokens for an agent with a `public_key` credential: each request carries a fresh client
 * assertion signed by its private key, so no secret ever leaves the agent. */
export class PrivateKeyJwtTokenProvider extends CachingTokenProvider {
    #key;
    #kid;
    #alg;
    constructor(opts) {
        super(opts);
        const jwk = isJwk(opts.privateKey) ? opts.privateKey : undefined;
        const alg = opts.algorithm ?? jwk?.alg;
        if (!alg)
            throw new TypeError('algorithm is required unless the private JWK carries alg');
        this.#alg = alg;
        this.#key = jwk ? importJWK(jwk, alg) : Promise.resolve(opts.privateKey);
        this.#kid = opts.keyId
            ? Promise.resolve(opts.keyId)
            : (jwk ? Promise.resolve(jwk) : exportJWK(opts.privateKey)).then((k) => calculateJwkThumbprint(k));
        // Reported on first use, not as an unhandled rejection now.
        this.#kid.catch(() => undefined);
        this.#key.catch(() => undefined);
        delete this.opts.privateKey;
    }
    async authenticate() {
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
function isJwk(key) {
    return typeof key === 'object' && key !== null && 'kty' in key;
}
