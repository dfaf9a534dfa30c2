/** AgentIdP SDK for Node.js: an API client, cached tokens for agents, offline verification. */
export { AgentIdPError, TokenVerificationError, type VerificationErrorCode } from './errors.js';
export { retryAfterMs, type HttpOptions, type RetryOptions } from './http.js';
export { ClientCredentialsTokenProvider, PrivateKeyJwtTokenProvider, type ClientCredentialsOptions, type PrivateKeyJwtOptions, type TokenProvider, type TokenProviderOptions, type TokenResponse, } from './tokenProvider.js';
export { TokenVerifier, VerifiedToken, type AccessTokenClaims, type ActorClaim, type TokenVerifierOptions } from './verifier.js';
export { AgentIdPClient, OPERATIONS, Paginator, type AgentIdPClientOptions, type ClientSecretAuth, type Page } from './client.js';
export { bearerToken, expressMiddleware, fastifyHook, refusal, verifyRequest, type GuardOptions, type RequestLike } from './middleware.js';
export type * from './types.js';
export { VERSION } from './version.js';
