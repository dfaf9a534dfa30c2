/** Offline verification of AgentIdP access tokens (RFC 9068) against the issuer's JWKS, on
 * `jose`: the algorithm pinned to the key, issuer, audience, lifetime and scopes checked. */
import { createRemoteJWKSet, customFetch, errors, jwtVerify, } from 'jose';
import { TokenVerificationError } from './errors.js';
/** A token that passed every check. */
export class VerifiedToken {
    claims;
    /** The granted scopes. */
    scopes;
    constructor(claims) {
        this.claims = claims;
        this.scopes = claims.scope ? claims.scope.split(' ').filter(Boolean) : [];
    }
    /** The agent the token is about (`sub`). */
    get agentId() { return this.claims.sub; }
    /** The agent's tenant. */
    get tenantId() { return this.claims.tenant_id; }
    /** The agent acting for the subject of a delegated token, if any. */
    get actor() { return this.claims.act?.sub; }
    /** Every actor of a delegated token, current first; empty for a direct token. */
    get delegationChain() {
        const chain = [];
        for (let a = this.claims.act; a; a = a.act)
            chain.push(a.sub);
        return chain;
    }
    /** Whether `scope` was granted. */
    hasScope(scope) { return this.scopes.includes(scope); }
}
const DEFAULT_ALGORITHMS = ['RS256', 'ES256', 'EdDSA'];
const SYMMETRIC = /^(HS|none$)/i;
/** Verifies access tokens offline; one instance per service, shared by every request. */
export class TokenVerifier {
    #opts;
    #jwks;
    #algorithms;
    /** Imported keys by kid and algorithm, so a verification skips jose's JWKS search; emptied
     * whenever the JWKS is fetched again, so a withdrawn key stops verifying. */
    #keys = new Map();
    constructor(opts) {
        if (!opts.issuer)
            throw new TypeError('issuer is required');
        if (!opts.audience)
            throw new TypeError('audience is required');
        this.#algorithms = opts.algorithms ?? DEFAULT_ALGORITHMS;
        if (this.#algorithms.some((a) => SYMMETRIC.test(a)))
            throw new TypeError('only asymmetric algorithms can be verified against a JWKS');
        this.#opts = { ...opts };
        const url = new URL(opts.jwksUrl ?? `${opts.issuer.replace(/\/$/, '')}/.well-known/jwks.json`);
        this.#jwks = createRemoteJWKSet(url, {
            cooldownDuration: opts.jwksCooldownMs ?? 30_000,
            cacheMaxAge: opts.jwksMaxAgeMs ?? 3_600_000,
            timeoutDuration: opts.timeoutMs ?? 5_000,
            [customFetch]: (url, init) => {
                this.#keys.clear();
                return (opts.fetch ?? fetch)(url, init);
            },
        });
    }
    /** Verifies `token` and returns its claims; throws {@link TokenVerificationError} with the
     * reason otherwise. `requiredScopes` adds to the verifier's own. */
    async verify(token, options = {}) {
        let payload;
        try {
            ({ payload } = await jwtVerify(token, this.#key, {
                issuer: this.#opts.issuer,
                audience: this.#opts.audience,
                algorithms: this.#algorithms,
                typ: 'at+jwt',
                clockTolerance: this.#opts.leewaySeconds ?? 30,
                requiredClaims: ['exp', 'iat', 'sub', 'jti'],
            }));
        }
        catch (error) {
            throw this.#refusal(error, token);
        }
        const verified = new VerifiedToken(payload);
        const missing = [...(this.#opts.requiredScopes ?? []), ...(options.requiredScopes ?? [])].filter((s) => !verified.hasScope(s));
        if (missing.length)
            throw new TokenVerificationError('insufficient_scope', `the token lacks the scope ${missing.join(' ')}`);
        return verified;
    }
    /** The key for a token's header: from the cache while the JWKS is fresh, else from jose's
     * remote set (which fetches when stale or, past the cooldown, on an unknown kid). */
    #key = async (header) => {
        const id = `${header.kid ?? ''} ${header.alg}`;
        const hit = this.#keys.get(id);
        if (hit && this.#jwks.fresh)
            return hit;
        const key = await this.#jwks(header);
        this.#keys.set(id, key);
        return key;
    };
    /** Maps what jose threw to the shared refusal codes. */
    #refusal(error, token) {
        const refuse = (code, message) => new TokenVerificationError(code, message, { cause: error });
        if (error instanceof errors.JWTExpired)
            return refuse('expired', 'the token has expired');
        if (error instanceof errors.JWTClaimValidationFailed) {
            if (error.reason === 'missing')
                return refuse('malformed', `the token has no ${error.claim} claim`);
            const byClaim = { iss: 'invalid_issuer', aud: 'invalid_audience', nbf: 'not_yet_valid', typ: 'invalid_type' };
            return refuse(byClaim[error.claim] ?? 'malformed', error.message);
        }
        if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported)
            return refuse('algorithm_rejected', error.message);
        if (error instanceof errors.JWSSignatureVerificationFailed)
            return refuse('invalid_signature', 'the token signature does not verify');
        if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
            // A published kid with another algorithm is an algorithm confusion attempt, not a new key.
            const kid = headerKid(token);
            const known = this.#jwks.jwks()?.keys.some((k) => k.kid === kid);
            return known ? refuse('algorithm_rejected', `key ${kid} does not sign with the token's algorithm`) : refuse('unknown_key', `no published key has kid ${kid}`);
        }
        if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid || error instanceof TypeError) {
            return refuse('jwks_unavailable', `the issuer's keys could not be fetched: ${error.message}`);
        }
        if (error instanceof errors.JOSEError)
            return refuse('malformed', error.message);
        return refuse('jwks_unavailable', `the issuer's keys could not be fetched: ${error.message}`);
    }
}
function headerKid(token) {
    try {
        const header = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString());
        return typeof header.kid === 'string' ? header.kid : undefined;
    }
    catch {
        return undefined;
    }
}
