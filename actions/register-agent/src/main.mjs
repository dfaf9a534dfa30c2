// actions/register-agent: registers an AgentIdP agent from a workflow, acting as a registrar
// agent that a trust policy lets this workflow become (it needs `agents:write`); a re-run
// finds the agent it registered before by its e-mail and outputs the same id.
import * as core from '@actions/core';

import { apiUrl, call, exchange } from '../../lib/agentidp.mjs';

/** A default e-mail for the agent, unique per repository and name. */
function defaultEmail(name) {
  const slug = (text) => text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'agent';
  const [owner = 'github', repo = 'repo'] = (process.env.GITHUB_REPOSITORY || '').split('/');
  return `${slug(name)}.${slug(repo)}@${slug(owner)}.actions.invalid`;
}

/** The id of the agent registered with `email`, looked for page by page. */
async function findByEmail(base, headers, email) {
  let cursor = null;
  for (let page = 0; page < 50; page++) {
    const query = new URLSearchParams({ limit: '100', ...(cursor && { cursor }) });
    const list = await call(`${base}/v1/agents?${query}`, { headers });
    const found = list.data.find((a) => a.email === email);
    if (found) return found.agentId;
    cursor = list.nextCursor;
    if (!cursor) return null;
  }
  return null;
}

async function run() {
  const base = apiUrl();
  const name = core.getInput('agent-name', { required: true });
  const email = core.getInput('agent-email') || defaultEmail(name);
  const scopes = core.getInput('scopes').split(/[\s,]+/).filter(Boolean);
  const token = await exchange(base, {
    agentId: core.getInput('registrar-agent-id'),
    scope: 'agents:write agents:read',
    tokenAudience: core.getInput('oidc-audience'),
  });
  core.setSecret(token.access_token);
  const headers = { Authorization: `Bearer ${token.access_token}` };
  const body = {
    email,
    name,
    description: core.getInput('agent-description'),
    agentType: core.getInput('agent-type') || 'ci',
    version: core.getInput('agent-version') || '1.0.0',
    owner: process.env.GITHUB_REPOSITORY || 'github-actions',
    deploymentEnv: core.getInput('environment') || 'production',
    allowedScopes: scopes,
  };
  let agentId;
  try {
    agentId = (await call(`${base}/v1/agents`, { method: 'POST', headers, body: JSON.stringify(body) })).agentId;
    core.info(`Registered agent ${name} (${agentId}).`);
  } catch (error) {
    if (error.code !== 'AGENT_EMAIL_CONFLICT') throw new Error(`Registering the agent failed: ${error.message}`);
    agentId = await findByEmail(base, headers, email);
    if (!agentId) throw new Error(`An agent with e-mail ${email} exists but cannot be found: ${error.message}`);
    core.info(`Agent ${name} was registered before (${agentId}).`);
  }
  core.setOutput('agent-id', agentId);
}

run().catch((error) => core.setFailed(error.message));
