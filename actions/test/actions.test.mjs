// The two actions, run as GitHub runs them (`node dist/index.mjs` with INPUT_* variables and a
// GITHUB_OUTPUT file) against a real agentidp binary, with GitHub's ID-token endpoint and OIDC
// issuer stood in by a local server speaking their wire format. Run through actions/run.sh.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(dirname(fileURLToPath(import.meta.url)));
const BIN = process.env.AGENTIDP_BIN;
const { publicKey, privateKey } = generateKeyPairSync('ed25519');
const REQUEST_TOKEN = 'actions-request-token';
// What the stand-in issues: GitHub's claims for this repository, changed by a test.
const workflow = { repository: 'acme/api', repository_id: '123456', ref: 'refs/heads/main', event_name: 'push' };
let issuer;
let idp;
let server;
let admin;

const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** GitHub's OIDC issuer and its ID-token request endpoint, in one local server. */
function startIssuer() {
  const handler = (req, res) => {
    const url = new URL(req.url, issuer);
    const json = (status, body) => { res.writeHead(status, { 'Content-Type': 'application/json' }); res.end(JSON.stringify(body)); };
    if (url.pathname === '/.well-known/openid-configuration') return json(200, { issuer, jwks_uri: `${issuer}/jwks` });
    if (url.pathname === '/jwks') return json(200, { keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'gh1', alg: 'EdDSA', use: 'sig' }] });
    if (url.pathname === '/token') {
      if (req.headers.authorization !== `Bearer ${REQUEST_TOKEN}`) return json(401, { message: 'bad request token' });
      const now = Math.floor(Date.now() / 1000);
      const claims = { iss: issuer, aud: url.searchParams.get('audience'), sub: `repo:${workflow.repository}:ref:${workflow.ref}`,
        ...workflow, workflow: 'deploy', run_id: '1', iat: now, nbf: now, exp: now + 300, jti: randomUUID() };
      const input = `${b64({ alg: 'EdDSA', kid: 'gh1', typ: 'JWT' })}.${b64(claims)}`;
      return json(200, { value: `${input}.${sign(null, Buffer.from(input), privateKey).toString('base64url')}` });
    }
    return json(404, {});
  };
  return new Promise((resolve) => {
    const s = createServer(handler).listen(0, '127.0.0.1', () => { issuer = `http://127.0.0.1:${s.address().port}`; resolve(s); });
  });
}

function freePort() {
  return new Promise((resolve) => { const s = createServer().listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); }); });
}

async function api(method, path, body, token = admin) {
  const r = await fetch(idp + path, { method, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: body && JSON.stringify(body) });
  const json = r.status === 204 ? null : await r.json();
  assert.ok(r.ok, `${method} ${path}: ${r.status} ${JSON.stringify(json)}`);
  return json;
}

/** Runs an action as the runner does (asynchronously: it calls the stand-in in this process). */
async function runAction(name, inputs, env = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'gh-'));
  const output = join(dir, 'output');
  writeFileSync(output, '');
  const vars = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v]));
  const child = spawn(process.execPath, [join(HERE, name, 'dist', 'index.mjs')], {
    env: { PATH: process.env.PATH, GITHUB_OUTPUT: output, GITHUB_REPOSITORY: 'acme/api',
      ACTIONS_ID_TOKEN_REQUEST_URL: `${issuer}/token?api-version=2.0`, ACTIONS_ID_TOKEN_REQUEST_TOKEN: REQUEST_TOKEN, ...vars, ...env },
  });
  let stdout = '';
  child.stdout.on('data', (d) => { stdout += d; });
  const status = await new Promise((resolve) => child.on('close', resolve));
  const r = { status, stdout };
  const outputs = {};
  for (const m of readFileSync(output, 'utf8').matchAll(/^([\w-]+)<<(\S+)\n([\s\S]*?)\n\2$/gm)) outputs[m[1]] = m[3];
  return { status: r.status, stdout: r.stdout, outputs };
}

before(async () => {
  server = await startIssuer();
  const port = await freePort();
  idp = `http://127.0.0.1:${port}`;
  const dir = mkdtempSync(join(tmpdir(), 'agentidp-'));
  const child = spawn(BIN, ['serve'], { cwd: dir, env: { ...process.env, BIND_ADDR: `127.0.0.1:${port}`, PUBLIC_URL: idp,
    FEDERATION_INSECURE_ISSUERS: issuer, RUST_LOG: 'warn' } });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  server.child = child;
  for (let i = 0; i < 100 && !/client_secret:/.test(out); i++) await new Promise((r) => setTimeout(r, 100));
  const [, id] = out.match(/^client_id:\s*(\S+)/m);
  const [, secret] = out.match(/^client_secret:\s*(\S+)/m);
  const r = await fetch(`${idp}/oauth2/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials' }),
    headers: { Authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}` } });
  admin = (await r.json()).access_token;
});

after(() => {
  server?.child?.kill('SIGKILL');
  server?.closeAllConnections();
  server?.close();
});

async function agentWithPolicy(name, allowedScopes) {
  const agent = await api('POST', '/v1/agents', { email: `${name}@example.com`, name, agentType: 'ci', version: '1.0.0',
    owner: 'acme', deploymentEnv: 'production', allowedScopes });
  // What the GitHub shorthand pins, for the stand-in issuer.
  await api('POST', '/v1/oidc/trust-policies', { issuer, audience: idp, agentId: agent.agentId,
    claims: { repository: 'acme/api', repository_id: '123456', ref: 'refs/heads/main', event_name: 'push' } });
  return agent.agentId;
}

test('issue-token outputs a masked access token of the agent and when it expires', async () => {
  const agent = await agentWithPolicy('deployer', ['deploy:write']);
  const r = await runAction('issue-token', { 'api-url': `${idp}/`, 'agent-id': agent });
  assert.equal(r.status, 0, r.stdout);
  const token = r.outputs['access-token'];
  assert.ok(token && token.split('.').length === 3, JSON.stringify(r.outputs));
  assert.ok(r.stdout.includes(`::add-mask::${token}`), 'the token is masked');
  assert.ok(Date.parse(r.outputs['expires-at']) > Date.now());
  const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url'));
  assert.equal(claims.sub, agent);
  assert.equal(claims.scope, 'deploy:write');
  assert.equal(claims.federated.repository, 'acme/api');
});

test('issue-token fails with the claims that did not match and a link to the trust-policy docs', async () => {
  const agent = await agentWithPolicy('deployer-2', ['deploy:write']);
  workflow.event_name = 'pull_request';
  try {
    const r = await runAction('issue-token', { 'api-url': idp, 'agent-id': agent });
    assert.equal(r.status, 1);
    assert.match(r.stdout, /::error::AgentIdP refused this workflow's identity: no trust policy admits it \(claims that did not match: event_name\)/);
    assert.match(r.stdout, /docs\/guides\/federation\.md/);
    assert.deepEqual(r.outputs, {});
  } finally {
    workflow.event_name = 'push';
  }
  const noPermission = await runAction('issue-token', { 'api-url': idp, 'agent-id': agent }, { ACTIONS_ID_TOKEN_REQUEST_URL: '' });
  assert.equal(noPermission.status, 1);
  assert.match(noPermission.stdout, /permissions: id-token: write/);
});

test('register-agent registers an agent and outputs the same id when run again', async () => {
  const registrar = await agentWithPolicy('registrar', ['agents:read', 'agents:write']);
  const inputs = { 'api-url': idp, 'agent-name': 'Nightly report bot', 'agent-description': 'Writes the nightly report',
    scopes: 'reports:write, reports:read', 'registrar-agent-id': registrar };
  const first = await runAction('register-agent', inputs);
  assert.equal(first.status, 0, first.stdout);
  const id = first.outputs['agent-id'];
  const agent = await api('GET', `/v1/agents/${id}`);
  assert.equal(agent.name, 'Nightly report bot');
  assert.equal(agent.owner, 'acme/api');
  assert.deepEqual(agent.allowedScopes, ['reports:read', 'reports:write']);
  const again = await runAction('register-agent', inputs);
  assert.equal(again.status, 0, again.stdout);
  assert.equal(again.outputs['agent-id'], id);
  assert.match(again.stdout, /registered before/);
});
