// The runnable examples, run as a user would against a real agentidp: the agent example calls
// each protected-service example (Express, Fastify, plain http) with its token.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { AgentIdPClient, ClientCredentialsTokenProvider } from '../dist/index.js';
import { agentBody, startServer } from './harness.mjs';

const examples = join(dirname(fileURLToPath(import.meta.url)), '../examples');
let server;
let reader;
let writer;
before(async () => {
  server = await startServer();
  const admin = new AgentIdPClient({ baseUrl: server.baseUrl, tokenProvider: new ClientCredentialsTokenProvider({ baseUrl: server.baseUrl, clientId: server.adminId, clientSecret: server.adminSecret }) });
  const make = async (scopes) => {
    const agent = await admin.createAgent(agentBody({ allowedScopes: scopes }));
    return { id: agent.agentId, secret: (await admin.createCredential(agent.agentId)).clientSecret };
  };
  reader = await make(['weather:read']);
  writer = await make(['weather:write']);
});
after(() => server.stop());

/** Starts a service example on a free port; resolves to its URL and a stop function. */
async function service(file) {
  const child = spawn(process.execPath, [join(examples, file)], { env: { ...process.env, AGENTIDP_URL: server.baseUrl, PORT: '0' } });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { out += d; });
  for (let i = 0; i < 200 && !/listening on \d+/.test(out); i++) await new Promise((r) => setTimeout(r, 25));
  const port = out.match(/listening on (\d+)/)?.[1];
  if (!port) { child.kill(); throw new Error(`${file} did not start:\n${out}`); }
  return { url: `http://127.0.0.1:${port}/forecast`, stop: () => child.kill() };
}

const agentExample = (who, serviceUrl) => promisify(execFile)(process.execPath, [join(examples, 'agent.mjs')], {
  env: { ...process.env, AGENTIDP_URL: server.baseUrl, AGENT_ID: who.id, AGENT_SECRET: who.secret, SERVICE_URL: serviceUrl },
});

for (const file of ['express.mjs', 'fastify.mjs', 'plain-http.mjs']) {
  test(`${file}: the agent example's token is accepted, no token gets 401 and a token without the scope 403`, async () => {
    const svc = await service(file);
    try {
      const { stdout } = await agentExample(reader, svc.url);
      assert.match(stdout, /^200 /);
      assert.equal(JSON.parse(stdout.slice(4)).for, reader.id);

      const anonymous = await fetch(svc.url);
      assert.equal(anonymous.status, 401);
      assert.equal(anonymous.headers.get('www-authenticate'), 'Bearer');

      const garbage = await fetch(svc.url, { headers: { Authorization: 'Bearer not.a.jwt' } });
      assert.equal(garbage.status, 401);
      assert.match(garbage.headers.get('www-authenticate'), /^Bearer, error="invalid_token"/);

      const tokens = new ClientCredentialsTokenProvider({ baseUrl: server.baseUrl, clientId: writer.id, clientSecret: writer.secret });
      const forbidden = await fetch(svc.url, { headers: { Authorization: `Bearer ${await tokens.getToken()}` } });
      assert.equal(forbidden.status, 403);
      assert.match(forbidden.headers.get('www-authenticate'), /error="insufficient_scope".*scope="weather:read"/);
      assert.equal((await forbidden.json()).code, 'insufficient_scope');
    } finally {
      svc.stop();
    }
  });
}
