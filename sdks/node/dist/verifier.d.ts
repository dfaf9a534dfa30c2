/** Offline verification of AgentIdP access tokens (RFC 9068) against the issuer's JWKS, on
 * `jose`: the algorithm pinned to the key, issuer, audience, lifetime and scopes checked. */
import { type JWTPayload } from 'jose';
/** The chain of agents acting for a token's subject (RFC 8693 §4.1), current actor first. */
export interface ActorClaim {
    sub: string;
    act?: ActorClaim;
}
/** The claims of an AgentIdP access token. */
export interface AccessTokenClaims extends JWTPayload {
    iss: string;
    sub: string;
    aud: string | string[];
    exp: number;
    iat: number;
    jti: string;
    /** The OAuth client: the agent itself, or the current actor of a delegated token. */
    client_id: string;
    /** Granted scopes, space separated. */
    scope: string;
    tenant_id: string;
    /** For a delegated token: who acts for `sub`. */
    act?: ActorClaim;
    /** For a token exchanged for a workload identity: who the workload is. */
    federated?: Record<string, unknown>;
}
/** A token that passed every check. */
export declare class VerifiedToken {
    readonly claims: AccessTokenClaims;
    /** The granted scopes. */
    readonly scopes: readonly string[];
    constructor(claims: AccessTokenClaims);
    /** The agent the token is about (`sub`). */
    get agentId(): string;
    /** The agent's tenant. */
    get tenantId(): string;
    /** The agent acting for the subject of a delegated token, if any. */
    get actor(): string | undefined;
    /** Every actor of a delegated token, current first; empty for a direct token. */
    get delegationChain(): string[];
    /** Whether `scope` was granted. */
    hasScope(scope: string): boolean;
}
/** How a verifier checks tokens. */
export interface TokenVerifierOptions {
    /** The server's issuer URL (its base URL); tokens from any other issuer are refused. */
    issuer: string;
    /** This service's identifier: tokens whose `aud` does not name it are refused. Tokens requested
     * without a `resource` carry the issuer as audience. */
    audience: string;
    /** Scopes every token must carry (more can be required per call). */
    requiredScopes?: string[];
    /** Where the keys are; default `<issuer>/.well-known/jwks.json`. */
    jwksUrl?: string;
    /** Accepted algorithms; default RS256, ES256 and EdDSA. HS* and `none` are never accepted. */
    algorithms?: string[];
    /** Clock skew tolerated on `exp` and `nbf`, in seconds (default 30). */
    leewaySeconds?: number;
    /** Least time between two JWKS fetches caused by unknown `kid`s (default 30 000 ms), so forged
     * kids cannot flood the issuer. */
    jwksCooldownMs?: number;
    /** Longest time a fetched JWKS is used before it is fetched again (default 3 600 000 ms). */
    jwksMaxAgeMs?: number;
    /** Timeout of one JWKS fetch (default 5 000 ms). */
    timeoutMs?: number;
    /** The `fetch` to use (default: the global one). */
    fetch?: typeof fetch;
}
/** Verifies access tokens offline; one instance per service, shared by every request. */
export declare class TokenVerifier {
    #private;
    constructor(opts: TokenVerifierOptions);
    /** Verifies `token` and returns its claims; throws {@link TokenVerificationError} with the
     * reason otherwise. `requiredScopes` adds to the verifier's own. */
    verify(token: string, options?: {
        requiredScopes?: string[];
    }): Promise<VerifiedToken>;
}
