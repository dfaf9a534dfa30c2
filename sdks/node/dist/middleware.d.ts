/** Protecting a service with AgentIdP tokens: a framework-free `verifyRequest`, an Express
 * middleware and a Fastify hook, all answering refusals per RFC 6750 §3. */
import type { TokenVerifier, VerifiedToken } from './verifier.js';
/** Anything with request headers: Node's `IncomingMessage`, Express, Fastify or a Fetch `Request`. */
export type RequestLike = {
    headers: Headers;
} | {
    headers: Record<string, string | string[] | undefined>;
};
/** Per-route requirements. */
export interface GuardOptions {
    /** Scopes the token must carry on this route. */
    scopes?: string[];
}
/** The bearer token of `req`, or a `TokenVerificationError` (`malformed`) when there is none. */
export declare function bearerToken(req: RequestLike): string;
/** Verifies the bearer token of any request: use it from a plain `http` server, an MCP server's
 * transport, a Fetch handler… Throws `TokenVerificationError` when it is refused. */
export declare function verifyRequest(verifier: TokenVerifier, req: RequestLike, options?: GuardOptions): Promise<VerifiedToken>;
/** The status, `WWW-Authenticate` header and JSON body to answer a refused request with. */
export declare function refusal(error: unknown, options?: GuardOptions): {
    status: number;
    headers: Record<string, string>;
    body: {
        code: string;
        message: string;
    };
};
/** Minimal shapes of Express's request, response and `next`, so the SDK does not depend on it. */
interface ExpressRequest {
    headers: Record<string, string | string[] | undefined>;
    agentidp?: VerifiedToken;
}
interface ExpressResponse {
    status(code: number): ExpressResponse;
    set(headers: Record<string, string>): ExpressResponse;
    json(body: unknown): unknown;
    locals?: Record<string, unknown>;
}
/** Express middleware: puts the verified token on `req.agentidp` (and `res.locals.agentidp`), or
 * answers 401/403 with a `WWW-Authenticate` challenge. */
export declare function expressMiddleware(verifier: TokenVerifier, options?: GuardOptions): (req: ExpressRequest, res: ExpressResponse, next: (err?: unknown) => void) => void;
/** Minimal shapes of Fastify's request and reply. */
interface FastifyRequest {
    headers: Record<string, string | string[] | undefined>;
    agentidp?: VerifiedToken;
}
interface FastifyReply {
    code(status: number): FastifyReply;
    headers(values: Record<string, string>): FastifyReply;
    send(body: unknown): unknown;
}
/** A Fastify `onRequest`/`preHandler` hook: sets `request.agentidp`, or replies 401/403. Declare
 * the property first: `app.decorateRequest('agentidp', null)`. */
export declare function fastifyHook(verifier: TokenVerifier, options?: GuardOptions): (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
export {};
