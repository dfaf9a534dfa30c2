/** Protecting a service with AgentIdP tokens: a framework-free `verifyRequest`, an Express
 * middleware and a Fastify hook, all answering refusals per RFC 6750 §3. */

import { AgentIdPError, TokenVerificationError } from './errors.js';
import type { TokenVerifier, VerifiedToken } from './verifier.js';

/** Anything with request headers: Node's `IncomingMessage`, Express, Fastify or a Fetch `Request`. */
export type RequestLike =
  | { headers: Headers }
  | { headers: Record<string, string | string[] | undefined> };

/** Per-route requirements. */
export interface GuardOptions {
  /** Scopes the token must carry on this route. */
  scopes?: string[];
}

/** The bearer token of `req`, or a `TokenVerificationError` (`malformed`) when there is none. */
export function bearerToken(req: RequestLike): string {
  const raw = req.headers instanceof Headers ? req.headers.get('authorization') : req.headers.authorization;
  const header = Array.isArray(raw) ? raw[0] : raw;
  const match = header ? /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header) : null;
  if (!match?.[1]) throw new TokenVerificationError('malformed', 'the request has no bearer token');
  return match[1];
}

/** Verifies the bearer token of any request: use it from a plain `http` server, an MCP server's
 * transport, a Fetch handler… Throws `TokenVerificationError` when it is refused. */
export function verifyRequest(verifier: TokenVerifier, req: RequestLike, options: GuardOptions = {}): Promise<VerifiedToken> {
  let token: string;
  try {
    token = bearerToken(req);
  } catch (error) {
    return Promise.reject(error);
  }
  return verifier.verify(token, { requiredScopes: options.scopes });
}

/** The status, `WWW-Authenticate` header and JSON body to answer a refused request with. */
export function refusal(error: unknown, options: GuardOptions = {}): { status: number; headers: Record<string, string>; body: { code: string; message: string } } {
  if (!(error instanceof AgentIdPError)) {
    return { status: 500, headers: {}, body: { code: 'internal_error', message: 'token verification failed' } };
  }
  const quote = (s: string) => s.replace(/["\\]/g, '');
  let challenge = 'Bearer';
  if (error.code === 'insufficient_scope') {
    challenge += `, error="insufficient_scope", error_description="${quote(error.message)}"`;
    if (options.scopes?.length) challenge += `, scope="${options.scopes.join(' ')}"`;
  } else if (error.status === 401 && error.message !== 'the request has no bearer token') {
    challenge += `, error="invalid_token", error_description="${quote(error.message)}"`;
  }
  const headers: Record<string, string> = error.status === 503 ? {} : { 'WWW-Authenticate': challenge };
  return { status: error.status, headers, body: { code: error.code, message: error.message } };
}

/** Minimal shapes of Express's request, response and `next`, so the SDK does not depend on it. */
interface ExpressRequest { headers: Record<string, string | string[] | undefined>; agentidp?: VerifiedToken }
interface ExpressResponse { status(code: number): ExpressResponse; set(headers: Record<string, string>): ExpressResponse; json(body: unknown): unknown; locals?: Record<string, unknown> }

/** Express middleware: puts the verified token on `req.agentidp` (and `res.locals.agentidp`), or
 * answers 401/403 with a `WWW-Authenticate` challenge. */
export function expressMiddleware(verifier: TokenVerifier, options: GuardOptions = {}) {
  return (req: ExpressRequest, res: ExpressResponse, next: (err?: unknown) => void): void => {
    verifyRequest(verifier, req, options).then(
      (token) => {
        req.agentidp = token;
        if (res.locals) res.locals.agentidp = token;
        next();
      },
      (error: unknown) => {
        if (!(error instanceof AgentIdPError)) return next(error);
        const r = refusal(error, options);
        res.status(r.status).set(r.headers).json(r.body);
      },
    );
  };
}

/** Minimal shapes of Fastify's request and reply. */
interface FastifyRequest { headers: Record<string, string | string[] | undefined>; agentidp?: VerifiedToken }
interface FastifyReply { code(status: number): FastifyReply; headers(values: Record<string, string>): FastifyReply; send(body: unknown): unknown }

/** A Fastify `onRequest`/`preHandler` hook: sets `request.agentidp`, or replies 401/403. Declare
 * the property first: `app.decorateRequest('agentidp', null)`. */
export function fastifyHook(verifier: TokenVerifier, options: GuardOptions = {}) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    try {
      request.agentidp = await verifyRequest(verifier, request, options);
    } catch (error) {
      if (!(error instanceof AgentIdPError)) throw error;
      const r = refusal(error, options);
      await reply.code(r.status).headers(r.headers).send(r.body);
    }
  };
}
