/** One HTTP exchange with AgentIdP: JSON in and out, errors mapped, 429 and 5xx retried with
 * backoff that honours `Retry-After`. Shared by the token provider and the API client. */

import { AgentIdPError } from './errors.js';
import { VERSION } from './version.js';

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

const USER_AGENT = `agentidp-node/${VERSION}`;

/** Sends `req`, retrying as `opts` allow; resolves to the parsed JSON body (`undefined` for 204). */
export async function send<T>(req: HttpRequest, opts: HttpOptions = {}): Promise<T> {
  const retries = opts.retries ?? 3;
  const base = opts.baseDelayMs ?? 200;
  const maxDelay = opts.maxDelayMs ?? 30_000;
  const doFetch = opts.fetch ?? fetch;
  const headers: Record<string, string> = { Accept: 'application/json', 'User-Agent': USER_AGENT, ...opts.headers, ...req.headers };
  let body: string | undefined;
  if (req.form) {
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(req.form).toString();
  } else if (req.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(req.json);
  }
  for (let attempt = 0; ; attempt++) {
    let response: Response;
    try {
      response = await doFetch(req.url, { method: req.method, headers, body, signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000) });
    } catch (cause) {
      if (req.idempotent && attempt < retries) {
        await sleep(backoff(attempt, base, maxDelay));
        continue;
      }
      throw new AgentIdPError('network_error', `${req.method} ${req.url} failed: ${(cause as Error).message}`, 0, {}, { cause });
    }
    if (response.ok) {
      if (response.status === 204) return undefined as T;
      const text = await response.text();
      return (text ? JSON.parse(text) : undefined) as T;
    }
    const parsed = await response.text().then(
      (text) => { try { return JSON.parse(text) as unknown; } catch { return text; } },
      () => undefined,
    );
    const error = AgentIdPError.fromResponse(response.status, parsed, `${req.method} ${new URL(req.url).pathname}: HTTP ${response.status}`);
    const retryable = response.status === 429 || (response.status >= 500 && req.idempotent);
    if (!retryable || attempt >= retries) throw error;
    const wait = retryAfterMs(response.headers.get('Retry-After')) ?? backoff(attempt, base, maxDelay);
    if (wait > maxDelay) throw error;
    await sleep(wait);
  }
}

/** `Retry-After` as milliseconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function retryAfterMs(value: string | null): number | undefined {
  if (value === null) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** Exponential backoff with full jitter, so a fleet of agents does not retry in step. */
function backoff(attempt: number, base: number, max: number): number {
  return Math.min(max, Math.random() * base * 2 ** attempt + base / 2);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** HTTP Basic client authentication; both halves are form-urlencoded first (RFC 6749 §2.3.1). */
export function basicAuth(clientId: string, clientSecret: string): string {
  const enc = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${enc(clientId)}:${enc(clientSecret)}`).toString('base64')}`;
}
