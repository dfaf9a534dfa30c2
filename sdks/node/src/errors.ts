/** Errors every part of the SDK raises: one class, with the server's code, status and details. */

/** What a failed call to AgentIdP (or a refused token) reports. */
export class AgentIdPError extends Error {
  /** Machine-readable code: the REST `code` (e.g. `AGENT_NOT_FOUND`), the OAuth `error`
   * (e.g. `invalid_client`), a verifier code (e.g. `expired`) or `network_error`. */
  readonly code: string;
  /** HTTP status of the response, or the one a refused token should get (401, 403); 0 when no
   * response arrived. */
  readonly status: number;
  /** Structured context from the server (`details`), `{}` when there is none. */
  readonly details: Record<string, unknown>;

  constructor(code: string, message: string, status: number, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AgentIdPError';
    this.code = code;
    this.status = status;
    this.details = details;
  }

  /** Builds the error a non-2xx response describes: a REST `{code, message, details}` body or an
   * OAuth `{error, error_description}` body; anything else keeps the status and the text. */
  static fromResponse(status: number, body: unknown, fallback: string): AgentIdPError {
    if (body && typeof body === 'object') {
      const b = body as Record<string, unknown>;
      if (typeof b.code === 'string') {
        const details = b.details && typeof b.details === 'object' ? (b.details as Record<string, unknown>) : {};
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
  constructor(code: VerificationErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, code === 'insufficient_scope' ? 403 : code === 'jwks_unavailable' ? 503 : 401, {}, options);
    this.name = 'TokenVerificationError';
  }
}

/** Why a token was refused (the same codes in every AgentIdP SDK). */
export type VerificationErrorCode =
  | 'malformed'
  | 'invalid_type'
  | 'algorithm_rejected'
  | 'unknown_key'
  | 'invalid_signature'
  | 'expired'
  | 'not_yet_valid'
  | 'invalid_issuer'
  | 'invalid_audience'
  | 'insufficient_scope'
  | 'jwks_unavailable';
