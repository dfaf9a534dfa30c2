// The shared conformance cases (sdks/conformance/cases.json), run by this SDK.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { AgentIdPClient, AgentIdPError, ClientCredentialsTokenProvider, TokenVerifier } from '../dist/index.js';
import { agentBody, cases, standIn, startServer } from './harness.mjs';

describe('verifier conformance', () => {
  const { options, jwks, rotatedJwks } = cases.verifier;
  for (const c of cases.verifier.cases) {
    test(`${c.id}: ${c.description}`, async () => {
      // The JWKS stand-in serves the first set once, then the rotated one: a key published
      // after the verifier's first fetch is found by its refetch on an unknown kid.
      const jwksServer = await standIn((_req, _body, n) => ({ status: 200, body: n === 0 ? jwks : rotatedJwks }));
      try {
        const verifier = new TokenVerifier({ issuer: options.issuer, audience: options.audience, requiredScopes: options.requiredScopes,
          leewaySeconds: options.leewaySeconds, jwksUrl: `${jwksServer.url}/jwks.json`, jwksCooldownMs: 0 });
        if (c.id === 'key-rotated' || c.id === 'unknown-kid') {
          await verifier.verify(cases.verifier.cases.find((v) => v.id === 'valid-es256').token);
        }
        if (c.expect.ok) {
          const verified = await verifier.verify(c.token);
          assert.equal(verified.agentId, c.expect.sub);
          if (c.expect.scopes) assert.deepEqual([...verified.scopes], c.expect.scopes);
          if (c.expect.actor) assert.equal(verified.actor, c.expect.actor);
          if (c.expect.delegationChain) assert.deepEqual(verified.delegationChain, c.expect.delegationChain);
          if (c.id === 'key-rotated') assert.equal(jwksServer.requests.length, 2, 'one refetch found the new key');
        } else {
          await assert.rejects(verifier.verify(c.token), (e) => {
            assert.equal(e.code, c.expect.error, e.message);
            assert.equal(e.status, c.expect.error === 'insufficient_scope' ? 403 : 401);
            return true;
          });
          if (c.id === 'unknown-kid') assert.equal(jwksServer.requests.length, 2, 'an unknown kid causes one refetch');
        }
      } finally {
        await jwksServer.close();
      }
    });
  }

  test('the JWKS is not refetched for unknown kids within the cooldown', async () => {
    const jwksServer = await standIn(() => ({ status: 200, body: jwks }));
    const verifier = new TokenVerifier({ issuer: options.issuer, audience: options.audience, jwksUrl: `${jwksServer.url}/jwks.json` });
    const forged = cases.verifier.cases.find((v) => v.id === 'unknown-kid').token;
    await verifier.verify(cases.verifier.cases.find((v) => v.id === 'valid-es256').token);
    for (let i = 0; i < 20; i++) await assert.rejects(verifier.verify(forged), { code: 'unknown_key' });
    assert.equal(jwksServer.requests.length, 1);
    await jwksServer.close();
  });

  test('an unreachable JWKS is reported as jwks_unavailable (503), not as a bad token', async () => {
    const verifier = new TokenVerifier({ issuer: options.issuer, audience: options.audience, jwksUrl: 'http://127.0.0.1:9/jwks.json' });
    await assert.rejects(verifier.verify(cases.verifier.cases.find((v) => v.id === 'valid-es256').token), { code: 'jwks_unavailable', status: 503 });
  });
});

describe('token provider conformance', () => {
  const { clientId, clientSecret } = cases.tokenProvider;
  for (const c of cases.tokenProvider.cases) {
    test(`${c.id}: ${c.description}`, async () => {
      const server = await standIn((_req, _body, n) => {
        const r = c.responses[Math.min(n, c.responses.length - 1)];
        return { status: r.status, headers: r.headers, body: r.body, delayMs: r.delayMs };
      });
      try {
        const provider = new ClientCredentialsTokenProvider({ baseUrl: server.url, clientId, clientSecret, baseDelayMs: 50 });
        const started = Date.now();
        let tokens;
        let failure;
        try {
          if (c.concurrent) {
            tokens = await Promise.all(Array.from({ length: c.calls }, () => provider.getToken()));
          } else {
            tokens = [];
            for (let i = 0; i < c.calls; i++) {
              if (i > 0 && c.pauseMs) await new Promise((r) => setTimeout(r, c.pauseMs));
              tokens.push(await provider.getToken());
            }
          }
        } catch (e) {
          failure = e;
        }
        assert.equal(server.requests.length, c.expect.requests);
        if (c.expect.error) {
          assert.ok(failure instanceof AgentIdPError, `expected an AgentIdPError, got ${failure}`);
          assert.equal(failure.status, c.expect.error.status);
          assert.equal(failure.code, c.expect.error.code);
        } else {
          assert.equal(failure, undefined);
          assert.deepEqual(tokens, c.expect.tokens);
        }
        if (c.expect.minElapsedMs) assert.ok(Date.now() - started >= c.expect.minElapsedMs, 'Retry-After was honoured');
        const auth = server.requests[0].headers.authorization;
        assert.equal(auth, `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`);
        assert.match(server.requests[0].body, /grant_type=client_credentials/);
      } finally {
        await server.close();
      }
    });
  }
});

describe('client conformance (against a real server)', () => {
  let server;
  let client;
  before(async () => {
    server = await startServer();
    client = new AgentIdPClient({ baseUrl: server.baseUrl, tokenProvider: new ClientCredentialsTokenProvider({ baseUrl: server.baseUrl, clientId: server.adminId, clientSecret: server.adminSecret }) });
  });
  after(() => server.stop());

  for (const c of cases.client.cases) {
    test(`${c.id}: ${c.description}`, async () => {
      if (c.id === 'pagination') {
        const created = [];
        for (let i = 0; i < c.create; i++) created.push((await client.createAgent(agentBody({ owner: 'paging-team' }))).agentId);
        const pages = [];
        for await (const page of client.listAgents({ owner: 'paging-team', limit: c.pageSize }).pages()) pages.push(page.data.length);
        const seen = (await client.listAgents({ owner: 'paging-team', limit: c.pageSize }).toArray()).map((a) => a.agentId);
        assert.deepEqual([...seen].sort(), [...created].sort());
        assert.deepEqual(pages, [2, 2, 1]);
        return;
      }
      const call = {
        getAgent: () => client.getAgent(c.agentId),
        createAgent: () => client.createAgent(c.body),
        token: () => client.token({ grant_type: 'client_credentials' }, { clientId: server.adminId, clientSecret: 'sk_wrong' }),
      }[c.call];
      await assert.rejects(call(), (e) => {
        assert.ok(e instanceof AgentIdPError);
        assert.equal(e.status, c.expect.status);
        assert.equal(e.code, c.expect.code);
        assert.ok(e.message.length > 0);
        assert.equal(typeof e.details, 'object');
        return true;
      });
    });
  }
});
