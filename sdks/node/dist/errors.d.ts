/** Errors every part of the SDK raises: one class, with the server's code, status and details. */
/** What a failed call to AgentIdP (or a refused token) reports. */
export declare class AgentIdPError extends Error {
    /** Machine-readable code: the REST `code` (e.g. `AGENT_NOT_FOUND`), the OAuth `error`
     * (e.g. `invalid_client`), a verifier code (e.g. `expired`) or `network_error`. */
    readonly code: string;
    /** HTTP status of the response, or the one a refused token should get (401, 403); 0 when no
     * response arrived. */
    readonly status: number;
    /** Structured context from the server (`details`), `{}` when there is none. */
    readonly details: Record<string, unknown>;
    constructor(code: string, message: string, status: number, details?: Record<string, unknown>, options?: {
        cause?: unknown;
    });
    /** Builds the error a non-2xx response describes: a REST `{code, message, details}` body or an
     * OAuth `{error, error_description}` body; anything else keeps the status and the text. */
    static fromResponse(status: number, body: unknown, fallback: string): AgentIdPError;
}
/** A token the verifier refused; `code` is one of the conformance file's verifier errors and
 * `status` the HTTP status to answer with (401, or 403 for `insufficient_scope`). */
export declare class TokenVerificationError extends AgentIdPError {
    constructor(code: VerificationErrorCode, message: string, options?: {
        cause?: unknown;
    });
}
/** Why a token was refused (the same codes in every AgentIdP SDK). */
export type VerificationErrorCode = 'malformed' | 'invalid_type' | 'algorithm_rejected' | 'unknown_key' | 'invalid_signature' | 'expired' | 'not_yet_valid' | 'invalid_issuer' | 'invalid_audience' | 'insufficient_scope' | 'jwks_unavailable';
