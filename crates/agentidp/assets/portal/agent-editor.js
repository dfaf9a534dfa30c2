// The dashboard's agent editors: publishing in the marketplace, the agent card's fields and
// skills, and public-key credentials pasted as JWKs. Loaded after dashboard.js, whose `state`,
// `loadCredentials` and `showAgent` it uses.
'use strict';

/** JWK members that only a private key has (RFC 7517 §9.2, RFC 7518 §6). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
let skillSeq = 0;
let keyTarget = null;

function marketplaceOn() {
  return document.getElementById('signed-in').dataset.marketplace === 'true';
}

function agentPath(suffix = '') {
  return '/v1/agents/' + state.selected.agentId + suffix;
}

/** Fills the listing and card editors for `agent`. */
async function renderEditors(agent) {
  for (const id of ['listing-error', 'card-error']) hideError(id);
  document.getElementById('card-saved').hidden = true;
  document.getElementById('card-description').value = agent.description || '';
  document.getElementById('card-capabilities').value = agent.capabilities.join(', ');
  document.getElementById('card-endpoint').value = agent.endpointUrl || '';
  document.getElementById('card-docs').value = agent.documentationUrl || '';
  document.getElementById('card-icon').value = agent.iconUrl || '';
  document.getElementById('skills-list').replaceChildren(...agent.skills.map(skillFieldset));
  await renderListing(agent);
}

/** The listing's state in words, and whether its signed card can be served. */
async function renderListing(agent) {
  const on = marketplaceOn();
  const live = agent.status === 'active';
  const status = document.getElementById('listing-status');
  const link = document.getElementById('listing-link');
  document.getElementById('listing-off').hidden = on;
  document.getElementById('publish').hidden = agent.isPublic || agent.status === 'decommissioned';
  document.getElementById('unpublish').hidden = !agent.isPublic;
  link.hidden = !(on && agent.isPublic && live);
  link.href = '/marketplace/agents/' + agent.agentId;
  if (!agent.isPublic) {
    status.textContent = 'Not published: only your organisation sees this agent.';
    return;
  }
  if (!live) {
    status.textContent = 'Published, but not listed while the agent is ' + agent.status + '.';
    return;
  }
  status.textContent = 'Published: listed in the marketplace with its DID.';
  if (!on) return;
  // The server decides whether the card is complete; its answer names what is missing.
  const card = await fetch('/agents/' + agent.agentId + '/agent-card.json');
  if (card.ok) {
    status.textContent = 'Published: listed in the marketplace with its DID and a signed agent card.';
  } else {
    const body = await card.json().catch(() => ({}));
    status.textContent = 'Published without an agent card: ' + (body.message || 'the card is not available') + '.';
  }
}

/** One skill's fields; ids are unique on the page so every label points at its control. */
function skillFieldset(skill = {}) {
  const n = ++skillSeq;
  const fieldset = h('fieldset', { class: 'skill', 'data-skill': String(n) }, h('legend', {}, 'Skill'));
  const field = (key, label, control) => {
    control.id = 'skill-' + n + '-' + key;
    control.dataset.field = key;
    fieldset.append(h('label', { htmlFor: control.id }, label), control);
  };
  field('id', 'Skill ID', h('input', { value: skill.id || '', placeholder: 'forecast' }));
  field('name', 'Skill name', h('input', { value: skill.name || '' }));
  field('description', 'Skill description', h('textarea', { rows: 2, value: skill.description || '' }));
  field('tags', 'Tags (comma-separated)', h('input', { value: (skill.tags || []).join(', ') }));
  field('examples', 'Examples (one per line)', h('textarea', { rows: 2, value: (skill.examples || []).join('\n') }));
  fieldset.append(h('button', { type: 'button', class: 'danger', 'data-remove-skill': String(n), 'aria-label': 'Remove this skill' }, 'Remove skill'));
  return fieldset;
}

function list(text, separator) {
  return text.split(separator).map((v) => v.trim()).filter(Boolean);
}

/** The skills as the API takes them; rows left entirely blank are dropped. */
function collectSkills() {
  return [...document.querySelectorAll('#skills-list .skill')].map((fieldset) => {
    const value = (key) => fieldset.querySelector('[data-field="' + key + '"]').value;
    return {
      id: value('id').trim(), name: value('name').trim(), description: value('description').trim(),
      tags: list(value('tags'), ','), examples: list(value('examples'), '\n'),
    };
  }).filter((s) => s.id || s.name || s.description || s.tags.length || s.examples.length);
}

async function saveCard(button) {
  hideError('card-error');
  document.getElementById('card-saved').hidden = true;
  const value = (id) => document.getElementById(id).value.trim();
  const update = {
    description: value('card-description'),
    capabilities: list(value('card-capabilities'), ','),
    endpointUrl: value('card-endpoint'),
    documentationUrl: value('card-docs'),
    iconUrl: value('card-icon'),
    skills: collectSkills(),
  };
  try {
    state.selected = await busy(button, () => api('PATCH', agentPath(), update));
    renderAgentFields(state.selected);
    await renderEditors(state.selected);
    document.getElementById('card-saved').hidden = false;
  } catch (error) {
    showError('card-error', error);
  }
}

async function setPublic(button, isPublic) {
  hideError('listing-error');
  try {
    state.selected = await busy(button, () => api('PATCH', agentPath(), { isPublic }));
    renderAgentFields(state.selected);
    await renderListing(state.selected);
  } catch (error) {
    showError('listing-error', error);
  }
}

/** Opens the key form: a new credential, or the replacement key of `credentialId`. */
function openKeyForm(credentialId) {
  keyTarget = credentialId || null;
  hideError('key-error');
  document.getElementById('key-form-h').textContent = keyTarget ? 'Replace the key of credential ' + keyTarget : 'Add a public key';
  document.getElementById('key-submit').textContent = keyTarget ? 'Replace key' : 'Add key';
  document.getElementById('key-form').hidden = false;
  document.getElementById('key-jwk').focus();
}

function closeKeyForm() {
  keyTarget = null;
  document.getElementById('key-jwk').value = '';
  document.getElementById('key-expires').value = '';
  document.getElementById('key-form').hidden = true;
}

/** The pasted JWK, or an Error saying in words why it cannot be sent. */
function parseJwk(text) {
  let jwk;
  try {
    jwk = JSON.parse(text);
  } catch (error) {
    throw new Error('The key is not valid JSON: ' + error.message);
  }
  if (jwk === null || typeof jwk !== 'object' || Array.isArray(jwk)) throw new Error('Paste one JWK: a JSON object with "kty".');
  if (Array.isArray(jwk.keys)) throw new Error('This is a key set: paste one of its keys.');
  const secret = PRIVATE_MEMBERS.filter((m) => m in jwk);
  // A private key never leaves the browser, even though the server would refuse it too.
  if (secret.length) throw new Error('This JWK holds private key material ("' + secret.join('", "') + '"): paste the public key only. Nothing was sent.');
  return jwk;
}

async function submitKey(button) {
  hideError('key-error');
  const body = {};
  try {
    body.jwk = parseJwk(document.getElementById('key-jwk').value);
  } catch (error) {
    const el = document.getElementById('key-error');
    el.textContent = error.message;
    el.hidden = false;
    return;
  }
  const expires = document.getElementById('key-expires').value;
  if (expires) body.expiresAt = expires + ':00Z';
  try {
    if (keyTarget) {
      await busy(button, () => api('POST', agentPath('/credentials/' + keyTarget + '/rotate'), body));
    } else {
      await busy(button, () => api('POST', agentPath('/credentials'), { type: 'public_key', ...body }));
    }
    closeKeyForm();
    await loadCredentials();
  } catch (error) {
    showError('key-error', error);
  }
}

document.addEventListener('DOMContentLoaded', () => {
  document.getElementById('card-form').addEventListener('submit', (event) => {
    event.preventDefault();
    saveCard(event.submitter);
  });
  document.getElementById('add-skill').addEventListener('click', () => {
    const fieldset = skillFieldset();
    document.getElementById('skills-list').append(fieldset);
    fieldset.querySelector('input').focus();
  });
  document.getElementById('publish').addEventListener('click', (event) => setPublic(event.target, true));
  document.getElementById('unpublish').addEventListener('click', (event) => {
    if (window.confirm('Unpublish this agent? Its marketplace page, DID document and card disappear at once.')) setPublic(event.target, false);
  });
  document.getElementById('add-key').addEventListener('click', () => openKeyForm(null));
  document.getElementById('key-cancel').addEventListener('click', closeKeyForm);
  document.getElementById('key-form').addEventListener('submit', (event) => {
    event.preventDefault();
    submitKey(event.submitter);
  });
  document.addEventListener('click', (event) => {
    const remove = event.target.closest('[data-remove-skill]');
    if (remove) remove.closest('.skill').remove();
    const replace = event.target.closest('[data-replace-key]');
    if (replace) openKeyForm(replace.dataset.replaceKey);
  });
});
