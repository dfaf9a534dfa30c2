// The dashboard: agents (search, filters, detail with credentials), the audit log and usage;
// the Usage tab's own code is in usage.js;
// the agent editors (marketplace listing, card, public keys) are in agent-editor.js.
'use strict';

const state = { agents: [], selected: null, auditCursor: null };

function when(iso) {
  return iso ? iso.replace('T', ' ').replace(/\.\d+/, '').replace('Z', '') : '-';
}

function statusCell(status) {
  return h('td', { class: 'status-' + status }, status);
}

function showSignedIn(signedIn) {
  document.getElementById('signed-out').hidden = signedIn;
  document.getElementById('signed-in').hidden = !signedIn;
  updateSignOut();
  if (signedIn) loadAgents();
}

async function loadAgents() {
  hideError('agents-error');
  const params = new URLSearchParams({ limit: '100' });
  const status = document.getElementById('agent-status').value;
  const env = document.getElementById('agent-env-filter').value;
  if (status) params.set('status', status);
  if (env) params.set('deploymentEnv', env);
  try {
    const all = [];
    let cursor = null;
    do {
      if (cursor) params.set('cursor', cursor);
      const page = await api('GET', '/v1/agents?' + params);
      all.push(...page.data);
      cursor = page.nextCursor;
    } while (cursor && all.length < 1000);
    state.agents = all;
    renderAgents();
  } catch (error) {
    showError('agents-error', error);
    if (!Session.get()) showSignedIn(false);
  }
}

function renderAgents() {
  const needle = document.getElementById('agent-search').value.trim().toLowerCase();
  const rows = state.agents
    .filter((a) => !needle || [a.name, a.email, a.agentId].some((v) => v.toLowerCase().includes(needle)))
    .map((a) => h('tr', {},
      h('td', {}, h('button', { type: 'button', class: 'link', 'data-agent': a.agentId }, a.name)),
      h('td', {}, h('code', {}, a.agentId)),
      h('td', {}, a.agentType),
      h('td', {}, a.deploymentEnv),
      statusCell(a.status)));
  const body = document.querySelector('#agents tbody');
  body.replaceChildren(...rows);
  if (rows.length === 0) body.append(h('tr', {}, h('td', { colSpan: 5 }, 'No agents match.')));
}

/** The detail view's read-only fields. */
function renderAgentFields(agent) {
  const fields = [
    ['Name', agent.name], ['Agent ID', agent.agentId], ['E-mail', agent.email], ['Type', agent.agentType],
    ['Version', agent.version], ['Owner', agent.owner], ['Environment', agent.deploymentEnv],
    ['Status', agent.status], ['Allowed scopes', agent.allowedScopes.join(' ') || '-'],
    ['Capabilities', agent.capabilities.join(', ') || '-'], ['Published', agent.isPublic ? 'yes' : 'no'],
    ['Created', when(agent.createdAt)], ['Last authenticated', when(agent.lastAuthAt)],
  ];
  document.getElementById('agent-fields').replaceChildren(...fields.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
  document.getElementById('agent-detail-h').textContent = 'Agent: ' + agent.name;
}

async function showAgent(id) {
  hideError('credentials-error');
  document.getElementById('new-secret').hidden = true;
  document.getElementById('new-client-secret').textContent = '';
  try {
    const agent = await api('GET', '/v1/agents/' + id);
    state.selected = agent;
    renderAgentFields(agent);
    const live = agent.status !== 'decommissioned' && agent.status !== 'revoked';
    document.getElementById('create-credential').hidden = !live;
    document.getElementById('add-key').hidden = !live;
    closeKeyForm();
    document.getElementById('agent-detail').hidden = false;
    await loadCredentials();
    await renderEditors(agent);
    document.getElementById('agent-detail-h').setAttribute('tabindex', '-1');
    document.getElementById('agent-detail-h').focus();
  } catch (error) {
    showError('agents-error', error);
  }
}

async function loadCredentials() {
  const agent = state.selected;
  const credentials = await api('GET', '/v1/agents/' + agent.agentId + '/credentials');
  const rows = credentials.map((c) => {
    const actions = h('td', {});
    const key = c.type === 'public_key';
    if (c.status === 'active') {
      const replace = key
        ? h('button', { type: 'button', 'data-replace-key': c.credentialId, 'aria-label': 'Replace the key of credential ' + c.credentialId }, 'Replace key')
        : h('button', { type: 'button', 'data-rotate': c.credentialId, 'aria-label': 'Rotate credential ' + c.credentialId }, 'Rotate');
      actions.append(replace, ' ',
        h('button', { type: 'button', class: 'danger', 'data-revoke': c.credentialId, 'aria-label': 'Revoke credential ' + c.credentialId }, 'Revoke'));
    }
    const type = key ? h('td', {}, 'public key ', h('code', { title: 'Key ID (RFC 7638 thumbprint)' }, c.kid)) : h('td', {}, 'secret');
    return h('tr', {}, h('td', {}, h('code', {}, c.credentialId)), type, statusCell(c.status), h('td', {}, when(c.createdAt)),
      h('td', {}, when(c.lastUsedAt)), actions);
  });
  const body = document.querySelector('#credentials tbody');
  body.replaceChildren(...rows);
  if (rows.length === 0) body.append(h('tr', {}, h('td', { colSpan: 6 }, 'No credentials yet.')));
}

function revealSecret(credential) {
  document.getElementById('new-client-id').textContent = credential.clientId;
  document.getElementById('new-client-secret').textContent = credential.clientSecret;
  document.getElementById('new-secret').hidden = false;
}

async function credentialAction(button, work) {
  hideError('credentials-error');
  try {
    await busy(button, work);
    await loadCredentials();
  } catch (error) {
    showError('credentials-error', error);
  }
}

async function loadAudit(append) {
  hideError('audit-error');
  const params = new URLSearchParams({ limit: '50' });
  const value = (id) => document.getElementById(id).value.trim();
  if (value('audit-action')) params.set('action', value('audit-action'));
  if (value('audit-outcome')) params.set('outcome', value('audit-outcome'));
  if (value('audit-agent')) params.set('agentId', value('audit-agent'));
  if (value('audit-from')) params.set('from', value('audit-from') + ':00Z');
  if (value('audit-to')) params.set('to', value('audit-to') + ':59Z');
  if (append && state.auditCursor) params.set('cursor', state.auditCursor);
  try {
    const page = await api('GET', '/v1/audit/events?' + params);
    const rows = page.data.map((e) => h('tr', {}, h('td', {}, when(e.timestamp)), h('td', {}, e.action),
      h('td', { class: e.outcome === 'success' ? 'status-active' : 'status-revoked' }, e.outcome),
      h('td', {}, h('code', {}, e.actor)), h('td', {}, e.agentId ? h('code', {}, e.agentId) : '-')));
    const body = document.querySelector('#audit tbody');
    if (append) body.append(...rows); else body.replaceChildren(...rows);
    if (!append && rows.length === 0) body.append(h('tr', {}, h('td', { colSpan: 5 }, 'No events match.')));
    state.auditCursor = page.nextCursor;
    document.getElementById('audit-more').hidden = !page.nextCursor;
  } catch (error) {
    showError('audit-error', error);
  }
}

const TABS = ['agents', 'audit', 'usage'];

function selectTab(name) {
  for (const tab of TABS) {
    const selected = tab === name;
    const button = document.getElementById('tab-' + tab);
    button.setAttribute('aria-selected', String(selected));
    button.tabIndex = selected ? 0 : -1;
    document.getElementById('panel-' + tab).hidden = !selected;
  }
  if (name === 'audit') loadAudit(false);
  if (name === 'usage') loadUsage();
}

document.addEventListener('DOMContentLoaded', () => {
  showSignedIn(Boolean(Session.get()));

  document.getElementById('sign-in').addEventListener('submit', async (event) => {
    event.preventDefault();
    hideError('sign-in-error');
    const id = document.getElementById('client-id').value.trim();
    const secret = document.getElementById('client-secret');
    try {
      await busy(event.submitter, () => Session.signIn(id, secret.value.trim()));
      secret.value = '';
      showSignedIn(true);
    } catch (error) {
      showError('sign-in-error', error);
    }
  });

  document.getElementById('agent-filters').addEventListener('submit', (event) => { event.preventDefault(); loadAgents(); });
  document.getElementById('agent-search').addEventListener('input', renderAgents);
  document.getElementById('audit-filters').addEventListener('submit', (event) => { event.preventDefault(); loadAudit(false); });
  document.getElementById('audit-more').addEventListener('click', () => loadAudit(true));
  document.getElementById('tab-agents').addEventListener('click', () => selectTab('agents'));
  for (const tab of TABS) document.getElementById('tab-' + tab).addEventListener('click', () => selectTab(tab));
  document.querySelector('.tabs').addEventListener('keydown', (event) => {
    if (event.key !== 'ArrowLeft' && event.key !== 'ArrowRight') return;
    const current = TABS.findIndex((t) => document.getElementById('tab-' + t).getAttribute('aria-selected') === 'true');
    const next = TABS[(current + (event.key === 'ArrowRight' ? 1 : TABS.length - 1)) % TABS.length];
    selectTab(next);
    document.getElementById('tab-' + next).focus();
  });

  document.getElementById('secret-done').addEventListener('click', () => {
    document.getElementById('new-client-secret').textContent = '';
    document.getElementById('new-secret').hidden = true;
  });

  document.getElementById('create-credential').addEventListener('click', (event) => credentialAction(event.target, async () => {
    revealSecret(await api('POST', '/v1/agents/' + state.selected.agentId + '/credentials'));
  }));

  document.addEventListener('click', (event) => {
    const open = event.target.closest('[data-agent]');
    if (open) { showAgent(open.dataset.agent); return; }
    const rotate = event.target.closest('[data-rotate]');
    if (rotate) {
      if (!window.confirm('Rotate this credential? Its current secret stops working at once.')) return;
      credentialAction(rotate, async () => {
        revealSecret(await api('POST', '/v1/agents/' + state.selected.agentId + '/credentials/' + rotate.dataset.rotate + '/rotate'));
      });
      return;
    }
    const revoke = event.target.closest('[data-revoke]');
    if (revoke) {
      if (!window.confirm('Revoke this credential? It stops working at once; this cannot be undone.')) return;
      credentialAction(revoke, () => api('DELETE', '/v1/agents/' + state.selected.agentId + '/credentials/' + revoke.dataset.revoke));
    }
  });
});
