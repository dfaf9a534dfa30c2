/** Offline verification of AgentIdP access tokens (RFC 9068) against the issuer's JWKS, on
 * `jose`: the algorithm pinned to the key, issuer, audience, lifetime and scopes checked. */

import {
  createRemoteJWKSet, customFetch, errors, jwtVerify, type CryptoKey, type JWTHeaderParameters, type JWTPayload, type RemoteJWKSet,
} from 'jose';
import { TokenVerificationError, type VerificationErrorCode } from './errors.js';

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
export class VerifiedToken {
  /** The granted scopes. */
  readonly scopes: readonly string[];

  constructor(readonly claims: AccessTokenClaims) {
    this.scopes = claims.scope ? claims.scope.split(' ').filter(Boolean) : [];
  }

  /** The agent the token is about (`sub`). */
  get agentId(): string { return this.claims.sub; }
  /** The agent's tenant. */
  get tenantId(): string { return this.claims.tenant_id; }
  /** The agent acting for the subject of a delegated token, if any. */
  get actor(): string | undefined { return this.claims.act?.sub; }
  /** Every actor of a delegated token, current first; empty for a direct token. */
  get delegationChain(): string[] {
    const chain: string[] = [];
    for (let a = this.claims.act; a; a = a.act) chain.push(a.sub);
    return chain;
  }
  /** Whether `scope` was granted. */
  hasScope(scope: string): boolean { return this.scopes.includes(scope); }
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

const DEFAULT_ALGORITHMS = ['RS256', 'ES256', 'EdDSA'];
const SYMMETRIC = /^(HS|none$)/i;

/** Verifies access tokens offline; one instance per service, shared by every request. */
export class TokenVerifier {
  readonly #opts: TokenVerifierOptions;
  readonly #jwks: RemoteJWKSet;
  readonly #algorithms: string[];
  /** Imported keys by kid and algorithm, so a verification skips jose's JWKS search; emptied
   * whenever the JWKS is fetched again, so a withdrawn key stops verifying. */
  readonly #keys = new Map<string, CryptoKey>();

  constructor(opts: TokenVerifierOptions) {
    if (!opts.issuer) throw new TypeError('issuer is required');
    if (!opts.audience) throw new TypeError('audience is required');
    this.#algorithms = opts.algorithms ?? DEFAULT_ALGORITHMS;
    if (this.#algorithms.some((a) => SYMMETRIC.test(a))) throw new TypeError('only asymmetric algorithms can be verified against a JWKS');
    this.#opts = { ...opts };
    const url = new URL(opts.jwksUrl ?? `${opts.issuer.replace(/\/$/, '')}/.well-known/jwks.json`);
    this.#jwks = createRemoteJWKSet(url, {
      cooldownDuration: opts.jwksCooldownMs ?? 30_000,
      cacheMaxAge: opts.jwksMaxAgeMs ?? 3_600_000,
      timeoutDuration: opts.timeoutMs ?? 5_000,
      [customFetch]: (url: string, init: RequestInit) => {
        this.#keys.clear();
        return (opts.fetch ?? fetch)(url, init);
      },
    });
  }

  /** Verifies `token` and returns its claims; throws {@link TokenVerificationError} with the
   * reason otherwise. `requiredScopes` adds to the verifier's own. */
  async verify(token: string, options: { requiredScopes?: string[] } = {}): Promise<VerifiedToken> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.#key, {
        issuer: this.#opts.issuer,
        audience: this.#opts.audience,
        algorithms: this.#algorithms,
        typ: 'at+jwt',
        clockTolerance: this.#opts.leewaySeconds ?? 30,
        requiredClaims: ['exp', 'iat', 'sub', 'jti'],
      }));
    } catch (error) {
      throw this.#refusal(error, token);
    }
    const verified = new VerifiedToken(payload as AccessTokenClaims);
    const missing = [...(this.#opts.requiredScopes ?? []), ...(options.requiredScopes ?? [])].filter((s) => !verified.hasScope(s));
    if (missing.length) throw new TokenVerificationError('insufficient_scope', `the token lacks the scope ${missing.join(' ')}`);
    return verified;
  }

  /** The key for a token's header: from the cache while the JWKS is fresh, else from jose's
   * remote set (which fetches when stale or, past the cooldown, on an unknown kid). */
  #key = async (header: JWTHeaderParameters): Promise<CryptoKey> => {
    const id = `${header.kid ?? ''} ${header.alg}`;
    const hit = this.#keys.get(id);
    if (hit && this.#jwks.fresh) return hit;
    const key = await this.#jwks(header);
    this.#keys.set(id, key);
    return key;
  };

  /** Maps what jose threw to the shared refusal codes. */
  #refusal(error: unknown, token: string): TokenVerificationError {
    const refuse = (code: VerificationErrorCode, message: string) => new TokenVerificationError(code, message, { cause: error });
    if (error instanceof errors.JWTExpired) return refuse('expired', 'the token has expired');
    if (error instanceof errors.JWTClaimValidationFailed) {
      if (error.reason === 'missing') return refuse('malformed', `the token has no ${error.claim} claim`);
      const byClaim: Record<string, VerificationErrorCode> = { iss: 'invalid_issuer', aud: 'invalid_audience', nbf: 'not_yet_valid', typ: 'invalid_type' };
      return refuse(byClaim[error.claim] ?? 'malformed', error.message);
    }
    if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) return refuse('algorithm_rejected', error.message);
    if (error instanceof errors.JWSSignatureVerificationFailed) return refuse('invalid_signature', 'the token signature does not verify');
    if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
      // A published kid with another algorithm is an algorithm confusion attempt, not a new key.
      const kid = headerKid(token);
      const known = this.#jwks.jwks()?.keys.some((k) => k.kid === kid);
      return known ? refuse('algorithm_rejected', `key ${kid} does not sign with the token's algorithm`) : refuse('unknown_key', `no published key has kid ${kid}`);
    }
    if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid || error instanceof TypeError) {
      return refuse('jwks_unavailable', `the issuer's keys could not be fetched: ${(error as Error).message}`);
    }
    if (error instanceof errors.JOSEError) return refuse('malformed', error.message);
    return refuse('jwks_unavailable', `the issuer's keys could not be fetched: ${(error as Error).message}`);
  }
}

function headerKid(token: string): string | undefined {
  try {
    const header = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString()) as { kid?: unknown };
    return typeof header.kid === 'string' ? header.kid : undefined;
  } catch {
    return undefined;
  }
}
