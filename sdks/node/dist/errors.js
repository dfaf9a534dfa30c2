/** Errors every part of the SDK raises: one class, with the server's code, status and details. */
/** What a failed call to AgentIdP (or a refused token) reports. */
export class AgentIdPError extends Error {
    /** Machine-readable code: the REST `code` (e.g. `AGENT_NOT_FOUND`), the OAuth `error`
     * (e.g. `invalid_client`), a verifier code (e.g. `expired`) or `network_error`. */
    code;
    /** HTTP status of the response, or the one a refused token should get (401, 403); 0 when no
     * response arrived. */
    status;
    /** Structured context from the server (`details`), `{}` when there is none. */
    details;
    constructor(code, message, status, details = {}, options) {
        super(message, options);
        this.name = 'AgentIdPError';
        this.code = code;
        this.status = status;
        this.details = details;
    }
    /** Builds the error a non-2xx response describes: a REST `{code, message, details}` body or an
     * OAuth `{error, error_description}` body; anything else keeps the status and the text. */
    static fromResponse(status, body, fallback) {
        if (body && typeof body === 'object') {
            const b = body;
            if (typeof b.code === 'string') {
                const details = b.details && typeof b.details === 'object' ? b.details : {};
                return new AgentIdPError(b.code, String(b.message ?? fallback), status, details);
            }
            if (typeof b.error === 'string') {
                return new AgentIdPError(b.error, String(b.error_description ?? fallback), status);
            }
        }
        return new AgentIdPError(`http_${status}`, fallback, status);
    }
}
/** A token the verifier refused; `code` is one of the conformance file's verifier errors and
 * `status` the HTTP status to answer with (401, or 403 for `insufficient_scope`). */
export class TokenVerificationError extends AgentIdPError {
    constructor(code, message, options) {
        super(code, message, code === 'insufficient_scope' ? 403 : code === 'jwks_unavailable' ? 503 : 401, {}, options);
        this.name = 'TokenVerificationError';
    }
}
