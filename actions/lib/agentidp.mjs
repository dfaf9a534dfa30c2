// Shared by the actions: get the workflow's OIDC identity token from GitHub for the AgentIdP
// server's audience, exchange it at POST /oidc/token, and call the API; every refusal becomes
// an error message that says what to fix and links to the trust-policy documentation.
import * as core from '@actions/core';

export const POLICY_DOCS = 'https://github.com/sentryagent/agentidp/blob/main/docs/guides/federation.md';

/** The API base URL from the `api-url` input, without a trailing slash. */
export function apiUrl() {
  const url = core.getInput('api-url', { required: true }).replace(/\/+$/, '');
  if (!/^https?:\/\//.test(url)) throw new Error(`api-url must be an http(s) URL, not ${JSON.stringify(url)}`);
  return url;
}

/** A JSON request; a non-2xx answer throws an Error with the server's code and message. */
export async function call(url, init = {}) {
  let response;
  try {
    response = await fetch(url, { ...init, headers: { 'Content-Type': 'application/json', ...(init.headers || {}) } });
  } catch (error) {
    throw new Error(`AgentIdP at ${new URL(url).origin} cannot be reached: ${error.cause?.message || error.message}`);
  }
  const text = await response.text();
  let body = {};
  try { body = JSON.parse(text); } catch { /* not JSON */ }
  if (!response.ok) {
    const error = new Error(`${body.message || text || response.statusText} (${body.code || response.status})`);
    error.code = body.code;
    error.details = body.details;
    throw error;
  }
  return body;
}

/**
 * The access token of `agentId` (any agent a trust policy admits this workflow for, when
 * null): GitHub's identity token for the audience, exchanged at the server.
 */
export async function exchange(base, { agentId, scope, audience, tokenAudience }) {
  let idToken;
  try {
    idToken = await core.getIDToken(tokenAudience || base);
  } catch (error) {
    throw new Error(`GitHub did not issue an OIDC token: ${error.message}. The job needs \`permissions: id-token: write\`.`);
  }
  core.setSecret(idToken);
  try {
    return await call(`${base}/oidc/token`, {
      method: 'POST',
      body: JSON.stringify({ token: idToken, ...(agentId && { agentId }), ...(scope && { scope }), ...(audience && { audience }) }),
    });
  } catch (error) {
    if (error.code === 'TRUST_POLICY_MISMATCH') {
      const claims = (error.details?.claims || []).join(', ') || 'unknown';
      throw new Error(`AgentIdP refused this workflow's identity: no trust policy admits it (claims that did not match: ${claims}). ` +
        `Check the trust policy's repository, branch, events and audience: ${POLICY_DOCS}`);
    }
    throw new Error(`AgentIdP refused the token exchange: ${error.message}. See ${POLICY_DOCS}`);
  }
}
