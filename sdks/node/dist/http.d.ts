/** One HTTP exchange with AgentIdP: JSON in and out, errors mapped, 429 and 5xx retried with
 * backoff that honours `Retry-After`. Shared by the token provider and the API client. */
/** How failed requests are retried. */
export interface RetryOptions {
    /** Retries after the first attempt (default 3). */
    retries?: number;
    /** First backoff in milliseconds, doubled each retry with full jitter (default 200). */
    baseDelayMs?: number;
    /** Longest wait, backoff or `Retry-After`, before giving up instead (default 30 000). */
    maxDelayMs?: number;
}
/** A request as the SDK builds it. */
export interface HttpRequest {
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
    url: string;
    headers?: Record<string, string>;
    /** A JSON body, or form parameters when `form` is set. */
    json?: unknown;
    form?: Record<string, string>;
    /** Whether a 5xx may be retried: true for reads and idempotent writes. 429 is always retried:
     * the server refused it before doing anything. */
    idempotent: boolean;
}
/** Transport settings shared by every request of a client. */
export interface HttpOptions extends RetryOptions {
    /** Per-attempt timeout in milliseconds (default 30 000). */
    timeoutMs?: number;
    /** The `fetch` to use (default: the global one); tests and proxies swap it. */
    fetch?: typeof fetch;
    /** Extra headers on every request, e.g. a `User-Agent` suffix. */
    headers?: Record<string, string>;
}
/** Sends `req`, retrying as `opts` allow; resolves to the parsed JSON body (`undefined` for 204). */
export declare function send<T>(req: HttpRequest, opts?: HttpOptions): Promise<T>;
/** `Retry-After` as milliseconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export declare function retryAfterMs(value: string | null): number | undefined;
/** HTTP Basic client authentication; both halves are form-urlencoded first (RFC 6749 §2.3.1). */
export declare function basicAuth(clientId: string, clientSecret: string): string;
