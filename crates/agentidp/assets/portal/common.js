// Shared by the portal's pages: the session (an access token kept in sessionStorage, never
// localStorage), API calls with clear error messages, copy buttons and safe DOM building.
'use strict';

const SESSION_KEY = 'agentidp.session';

class ApiError extends Error {
  constructor(status, code, message, retryAfter) {
    super(message);
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

const Session = {
  get() {
    const raw = sessionStorage.getItem(SESSION_KEY);
    if (!raw) return null;
    try {
      const s = JSON.parse(raw);
      if (Date.now() < s.expiresAt - 10000) return s;
    } catch (_) { /* corrupted: treated as signed out */ }
    sessionStorage.removeItem(SESSION_KEY);
    return null;
  },
  async signIn(clientId, clientSecret) {
    const body = new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret });
    const response = await send('/oauth2/token', { method: 'POST', body });
    const token = await response.json();
    const session = { token: token.access_token, scope: token.scope, clientId, expiresAt: Date.now() + token.expires_in * 1000 };
    sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
    return session;
  },
  signOut() {
    sessionStorage.removeItem(SESSION_KEY);
  },
};

/** fetch, with network failures and error answers turned into ApiError. */
async function send(path, init) {
  let response;
  try {
    response = await fetch(path, init);
  } catch (_) {
    throw new ApiError(0, 'SERVER_UNREACHABLE', 'The server cannot be reached. Check that it is running and try again.');
  }
  if (response.ok) return response;
  let body = {};
  try { body = await response.json(); } catch (_) { /* not JSON */ }
  const retry = Number(response.headers.get('Retry-After')) || null;
  throw new ApiError(response.status, body.code || body.error || 'HTTP_' + response.status,
    body.message || body.error_description || response.statusText, retry);
}

/** A call to the API as the signed-in admin; JSON in and out. */
async function api(method, path, body) {
  const session = Session.get();
  if (!session) throw new ApiError(401, 'NOT_SIGNED_IN', 'Your session has ended. Sign in again.');
  const init = { method, headers: { Authorization: 'Bearer ' + session.token } };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const response = await send(path, init);
  return response.status === 204 ? null : response.json();
}

/** The sentence a person sees for an error. */
function describe(error) {
  if (!(error instanceof ApiError)) return 'Something went wrong: ' + error.message;
  if (error.code === 'invalid_client') return 'Wrong client ID or secret.';
  if (error.code === 'FREE_TIER_LIMIT_EXCEEDED' || error.code === 'PLAN_LIMIT_EXCEEDED') {
    return 'Plan limit reached: ' + error.message + ' Upgrade in the Usage tab, or wait for the limit to reset.';
  }
  if (error.status === 429) {
    return 'Limit reached: too many requests' + (error.retryAfter ? '; try again in ' + error.retryAfter + ' s.' : '.');
  }
  if (error.code === 'QUOTA_EXCEEDED' || error.code === 'quota_exceeded' || error.code === 'AGENT_LIMIT_REACHED') {
    return 'Plan limit reached: ' + error.message;
  }
  if (error.status === 0) return error.message;
  return error.message + ' (' + error.code + ')';
}

function showError(id, error) {
  const el = document.getElementById(id);
  el.textContent = describe(error);
  el.hidden = false;
  if (error instanceof ApiError && error.status === 401 && error.code !== 'invalid_client') {
    Session.signOut();
    updateSignOut();
  }
}

function hideError(id) {
  const el = document.getElementById(id);
  el.hidden = true;
  el.textContent = '';
}

/** Builds an element; children are nodes or text (never parsed as HTML). */
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') el.className = v;
    else if (k.startsWith('data-') || k.startsWith('aria-') || k === 'type' || k === 'id') el.setAttribute(k, v);
    else el[k] = v;
  }
  for (const c of children) el.append(c instanceof Node ? c : document.createTextNode(String(c ?? '')));
  return el;
}

/** Runs `work` with `button` disabled, so a double click does not act twice. */
async function busy(button, work) {
  button.disabled = true;
  try { return await work(); } finally { button.disabled = false; }
}

function updateSignOut() {
  const button = document.getElementById('sign-out');
  if (button) button.hidden = !Session.get();
}

document.addEventListener('click', (event) => {
  const copy = event.target.closest('[data-copy]');
  if (copy) {
    const text = document.getElementById(copy.dataset.copy).textContent;
    const label = copy.dataset.label || copy.textContent;
    copy.dataset.label = label;
    navigator.clipboard.writeText(text).then(
      () => { copy.textContent = 'Copied'; setTimeout(() => { copy.textContent = label; }, 1500); },
      () => { copy.textContent = 'Select and copy manually'; });
  }
  if (event.target.id === 'sign-out') {
    Session.signOut();
    window.location.assign('/');
  }
});

document.addEventListener('DOMContentLoaded', updateSignOut);
