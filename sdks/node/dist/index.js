/** AgentIdP SDK for Node.js: an API client, cached tokens for agents, offline verification. */
export { AgentIdPError, TokenVerificationError } from './errors.js';
export { retryAfterMs } from './http.js';
export { ClientCredentialsTokenProvider, PrivateKeyJwtTokenProvider, } from './tokenProvider.js';
export { TokenVerifier, VerifiedToken } from './verifier.js';
export { AgentIdPClient, OPERATIONS, Paginator } from './client.js';
export { bearerToken, expressMiddleware, fastifyHook, refusal, verifyRequest } from './middleware.js';
export { VERSION } from './version.js';
