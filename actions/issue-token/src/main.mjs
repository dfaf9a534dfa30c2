// actions/issue-token: exchanges this workflow's GitHub OIDC identity token for an access
// token of an AgentIdP agent, as a trust policy allows, without any stored secret.
import * as core from '@actions/core';

import { apiUrl, exchange } from '../../lib/agentidp.mjs';

async function run() {
  const base = apiUrl();
  const token = await exchange(base, {
    agentId: core.getInput('agent-id', { required: true }),
    scope: core.getInput('scope'),
    audience: core.getInput('audience'),
    tokenAudience: core.getInput('oidc-audience'),
  });
  core.setSecret(token.access_token);
  core.setOutput('access-token', token.access_token);
  core.setOutput('expires-at', new Date(Date.now() + token.expires_in * 1000).toISOString());
  core.info(`Got an access token for agent ${core.getInput('agent-id')} (scope: ${token.scope || 'none'}, ${token.expires_in} s).`);
}

run().catch((error) => core.setFailed(error.message));
