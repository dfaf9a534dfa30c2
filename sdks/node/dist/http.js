/** One HTTP exchange with AgentIdP: JSON in and out, errors mapped, 429 and 5xx retried with
 * backoff that honours `Retry-After`. Shared by the token provider and the API client. */
import { AgentIdPError } from './errors.js';
import { VERSION } from './version.js';
const USER_AGENT = `agentidp-node/${VERSION}`;
/** Sends `req`, retrying as `opts` allow; resolves to the parsed JSON body (`undefined` for 204). */
export async function send(req, opts = {}) {
    const retries = opts.retries ?? 3;
    const base = opts.baseDelayMs ?? 200;
    const maxDelay = opts.maxDelayMs ?? 30_000;
    const doFetch = opts.fetch ?? fetch;
    const headers = { Accept: 'application/json', 'User-Agent': USER_AGENT, ...opts.headers, ...req.headers };
    let body;
    if (req.form) {
        headers['Content-Type'] = 'application/x-www-form-urlencoded';
        body = new URLSearchParams(req.form).toString();
    }
    else if (req.json !== undefined) {
        headers['Content-Type'] = 'application/json';
        body = JSON.stringify(req.json);
    }
    for (let attempt = 0;; attempt++) {
        let response;
        try {
            response = await doFetch(req.url, { method: req.method, headers, body, signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000) });
        }
        catch (cause) {
            if (req.idempotent && attempt < retries) {
                await sleep(backoff(attempt, base, maxDelay));
                continue;
            }
            throw new AgentIdPError('network_error', `${req.method} ${req.url} failed: ${cause.message}`, 0, {}, { cause });
        }
        if (response.ok) {
            if (response.status === 204)
                return undefined;
            const text = await response.text();
            return (text ? JSON.parse(text) : undefined);
        }
        const parsed = await response.text().then((text) => { try {
            return JSON.parse(text);
        }
        catch {
            return text;
        } }, () => undefined);
        const error = AgentIdPError.fromResponse(response.status, parsed, `${req.method} ${new URL(req.url).pathname}: HTTP ${response.status}`);
        const retryable = response.status === 429 || (response.status >= 500 && req.idempotent);
        if (!retryable || attempt >= retries)
            throw error;
        const wait = retryAfterMs(response.headers.get('Retry-After')) ?? backoff(attempt, base, maxDelay);
        if (wait > maxDelay)
            throw error;
        await sleep(wait);
    }
}
/** `Retry-After` as milliseconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function retryAfterMs(value) {
    if (value === null)
        return undefined;
    if (/^\d+$/.test(value.trim()))
        return Number(value.trim()) * 1000;
    const at = Date.parse(value);
    return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}
/** Exponential backoff with full jitter, so a fleet of agents does not retry in step. */
function backoff(attempt, base, max) {
    return Math.min(max, Math.random() * base * 2 ** attempt + base / 2);
}
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
/** HTTP Basic client authentication; both halves are form-urlencoded first (RFC 6749 §2.3.1). */
export function basicAuth(clientId, clientSecret) {
    const enc = (s) => encodeURIComponent(s).replace(/%20/g, '+');
    return `Basic ${Buffer.from(`${enc(clientId)}:${enc(clientSecret)}`).toString('base64')}`;
}
