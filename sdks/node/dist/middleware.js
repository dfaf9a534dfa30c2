/** Protecting a service with AgentIdP tokens: a framework-free `verifyRequest`, an Express
 * middleware and a Fastify hook, all answering refusals per RFC 6750 §3. */
import { AgentIdPError, TokenVerificationError } from './errors.js';
/** The bearer token of `req`, or a `TokenVerificationError` (`malformed`) when there is none. */
export function bearerToken(req) {
    const raw = req.headers instanceof Headers ? req.headers.get('authorization') : req.headers.authorization;
    const header = Array.isArray(raw) ? raw[0] : raw;
    const match = header ? /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header) : null;
    if (!match?.[1])
        throw new TokenVerificationError('malformed', 'the request has no bearer token');
    return match[1];
}
/** Verifies the bearer token of any request: use it from a plain `http` server, an MCP server's
 * transport, a Fetch handler… Throws `TokenVerificationError` when it is refused. */
export function verifyRequest(verifier, req, options = {}) {
    let token;
    try {
        token = bearerToken(req);
    }
    catch (error) {
        return Promise.reject(error);
    }
    return verifier.verify(token, { requiredScopes: options.scopes });
}
/** The status, `WWW-Authenticate` header and JSON body to answer a refused request with. */
export function refusal(error, options = {}) {
    if (!(error instanceof AgentIdPError)) {
        return { status: 500, headers: {}, body: { code: 'internal_error', message: 'token verification failed' } };
    }
    const quote = (s) => s.replace(/["\\]/g, '');
    let challenge = 'Bearer';
    if (error.code === 'insufficient_scope') {
        challenge += `, error="insufficient_scope", error_description="${quote(error.message)}"`;
        if (options.scopes?.length)
            challenge += `, scope="${options.scopes.join(' ')}"`;
    }
    else if (error.status === 401 && error.message !== 'the request has no bearer token') {
        challenge += `, error="invalid_token", error_description="${quote(error.message)}"`;
    }
    const headers = error.status === 503 ? {} : { 'WWW-Authenticate': challenge };
    return { status: error.status, headers, body: { code: error.code, message: error.message } };
}
/** Express middleware: puts the verified token on `req.agentidp` (and `res.locals.agentidp`), or
 * answers 401/403 with a `WWW-Authenticate` challenge. */
export function expressMiddleware(verifier, options = {}) {
    return (req, res, next) => {
        verifyRequest(verifier, req, options).then((token) => {
            req.agentidp = token;
            if (res.locals)
                res.locals.agentidp = token;
            next();
        }, (error) => {
            if (!(error instanceof AgentIdPError))
                return next(error);
            const r = refusal(error, options);
            res.status(r.status).set(r.headers).json(r.body);
        });
    };
}
/** A Fastify `onRequest`/`preHandler` hook: sets `request.agentidp`, or replies 401/403. Declare
 * the property first: `app.decorateRequest('agentidp', null)`. */
export function fastifyHook(verifier, options = {}) {
    return async (request, reply) => {
        try {
            request.agentidp = await verifyRequest(verifier, request, options);
        }
        catch (error) {
            if (!(error instanceof AgentIdPError))
                throw error;
            const r = refusal(error, options);
            await reply.code(r.status).headers(r.headers).send(r.body);
        }
    };
}
