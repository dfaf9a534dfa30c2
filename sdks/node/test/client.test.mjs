// Every AgentIdPClient method against a real agentidp, and both token providers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPair, exportJWK } from 'jose';
import {
  AgentIdPClient, AgentIdPError, ClientCredentialsTokenProvider, PrivateKeyJwtTokenProvider, TokenVerifier,
} from '../dist/index.js';
import { agentBody, standIn, startServer } from './harness.mjs';

let server;
let admin;
before(async () => {
  server = await startServer({ MARKETPLACE_ENABLED: 'true', SIGNUP_ENABLED: 'true' });
  admin = new AgentIdPClient({ baseUrl: server.baseUrl, tokenProvider: new ClientCredentialsTokenProvider({ baseUrl: server.baseUrl, clientId: server.adminId, clientSecret: server.adminSecret }) });
});
after(() => server.stop());

/** A fresh agent with a secret. */
async function newAgent(extra = {}) {
  const agent = await admin.createAgent(agentBody(extra));
  const credential = await admin.createCredential(agent.agentId);
  return { agent, credential, secret: credential.clientSecret };
}

test('agents are created, read, listed with filters, updated and decommissioned', async () => {
  const { agent } = await newAgent({ owner: 'crud-team', capabilities: ['weather:forecast'] });
  assert.equal((await admin.getAgent(agent.agentId)).name, 'Weather bot');
  const listed = await admin.listAgents({ owner: 'crud-team', capability: 'weather:forecast' }).toArray();
  assert.deepEqual(listed.map((a) => a.agentId), [agent.agentId]);
  const updated = await admin.updateAgent(agent.agentId, { name: 'Forecast bot', status: 'suspended' });
  assert.equal(updated.name, 'Forecast bot');
  assert.equal(updated.status, 'suspended');
  await admin.deleteAgent(agent.agentId);
  assert.equal((await admin.getAgent(agent.agentId)).status, 'decommissioned');
});

test('credentials are created, listed, rotated with a grace period and revoked', async () => {
  const { agent, credential, secret } = await newAgent();
  assert.match(secret, /^sk_/);
  const rotated = await admin.rotateCredential(agent.agentId, credential.credentialId, { gracePeriodSeconds: 60 });
  assert.notEqual(rotated.clientSecret, secret);
  const both = await admin.listCredentials(agent.agentId);
  assert.equal(both.length, 1);
  await admin.revokeCredential(agent.agentId, credential.credentialId);
  assert.equal((await admin.listCredentials(agent.agentId))[0].status, 'revoked');
  await assert.rejects(admin.token({ grant_type: 'client_credentials' }, { clientId: agent.agentId, clientSecret: rotated.clientSecret }), { code: 'invalid_client', status: 401 });
});

test('an agent gets a token that the verifier accepts, the server introspects and then revokes', async () => {
  const { agent, secret } = await newAgent();
  const tokens = new ClientCredentialsTokenProvider({ baseUrl: server.baseUrl, clientId: agent.agentId, clientSecret: secret, scopes: ['weather:read'] });
  const token = await tokens.getToken();
  const verifier = new TokenVerifier({ issuer: server.baseUrl, audience: server.baseUrl });
  const verified = await verifier.verify(token, { requiredScopes: ['weather:read'] });
  assert.equal(verified.agentId, agent.agentId);
  assert.deepEqual([...verified.scopes], ['weather:read']);
  await assert.rejects(verifier.verify(token, { requiredScopes: ['weather:write'] }), { code: 'insufficient_scope', status: 403 });
  const auth = { clientId: agent.agentId, clientSecret: secret };
  const active = await admin.introspect(token, auth);
  assert.equal(active.active, true);
  assert.equal(active.sub, agent.agentId);
  await admin.revoke(token, auth);
  assert.deepEqual(await admin.introspect(token, auth), { active: false });
});

test('a token for a resource carries it as its audience', async () => {
  const { agent, secret } = await newAgent();
  const tokens = new ClientCredentialsTokenProvider({ baseUrl: server.baseUrl, clientId: agent.agentId, clientSecret: secret, audience: 'https://weather.example' });
  const verifier = new TokenVerifier({ issuer: server.baseUrl, audience: 'https://weather.example' });
  assert.equal((await verifier.verify(await tokens.getToken())).claims.aud, 'https://weather.example');
  const elsewhere = new TokenVerifier({ issuer: server.baseUrl, audience: server.baseUrl });
  await assert.rejects(elsewhere.verify(await tokens.getToken()), { code: 'invalid_audience' });
});

test('an agent with a public key gets tokens with private_key_jwt', async () => {
  const agent = await admin.createAgent(agentBody());
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: 'agent-key-1', alg: 'ES256', use: 'sig' };
  const credential = await admin.createCredential(agent.agentId, { type: 'public_key', jwk });
  assert.equal(credential.type, 'public_key');
  // The server names the key by its RFC 7638 thumbprint, which is the provider's default kid.
  const tokens = new PrivateKeyJwtTokenProvider({ baseUrl: server.baseUrl, clientId: agent.agentId, privateKey: { ...(await exportJWK(privateKey)), alg: 'ES256' } });
  const verified = await new TokenVerifier({ issuer: server.baseUrl, audience: server.baseUrl }).verify(await tokens.getToken());
  assert.equal(verified.agentId, agent.agentId);
});

test('a delegated token names its actor, and the verifier returns the chain', async () => {
  const actor = await newAgent();
  const subject = await newAgent({ allowedActors: [actor.agent.agentId] });
  const own = (a) => admin.token({ grant_type: 'client_credentials' }, { clientId: a.agent.agentId, clientSecret: a.secret });
  const exchanged = await admin.token({
    grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
    subject_token: (await own(subject)).access_token, subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
    actor_token: (await own(actor)).access_token, actor_token_type: 'urn:ietf:params:oauth:token-type:access_token',
  }, { clientId: actor.agent.agentId, clientSecret: actor.secret });
  const verified = await new TokenVerifier({ issuer: server.baseUrl, audience: server.baseUrl }).verify(exchanged.access_token);
  assert.equal(verified.agentId, subject.agent.agentId);
  assert.equal(verified.actor, actor.agent.agentId);
  assert.deepEqual(verified.delegationChain, [actor.agent.agentId]);
});

test('audit events are listed page by page and read one by one', async () => {
  const { agent } = await newAgent();
  const events = await admin.listAuditEvents({ agentId: agent.agentId, limit: 1 }).toArray();
  assert.ok(events.length >= 2, 'agent.created and credential.created');
  const one = await admin.getAuditEvent(events[0].eventId);
  assert.equal(one.eventId, events[0].eventId);
});

test('public agents are found in the marketplace without a token', async () => {
  const { agent } = await newAgent({ isPublic: true, description: 'Forecasts for sailors', capabilities: ['weather:forecast'] });
  const anonymous = new AgentIdPClient({ baseUrl: server.baseUrl });
  const found = await anonymous.searchMarketplace({ q: 'sailors' }).toArray();
  assert.deepEqual(found.map((a) => a.agentId), [agent.agentId]);
  assert.equal((await anonymous.getMarketplaceAgent(agent.agentId)).agentId, agent.agentId);
});

test('trust policies are created, read, listed, updated and deleted', async () => {
  const { agent } = await newAgent();
  const policy = await admin.createTrustPolicy({ agentId: agent.agentId, provider: 'github', repository: 'acme/weather', branch: 'main' });
  assert.equal((await admin.getTrustPolicy(policy.policyId)).claims.repository, 'acme/weather');
  assert.deepEqual((await admin.listTrustPolicies({ agentId: agent.agentId }).toArray()).map((p) => p.policyId), [policy.policyId]);
  assert.equal((await admin.updateTrustPolicy(policy.policyId, { description: 'release builds' })).description, 'release builds');
  await admin.deleteTrustPolicy(policy.policyId);
  await assert.rejects(admin.getTrustPolicy(policy.policyId), { status: 404 });
  // A workload token the server cannot verify is refused with the OAuth error mapped.
  await assert.rejects(admin.exchangeWorkloadToken({ token: 'not-a-jwt', agentId: agent.agentId }), (e) => e instanceof AgentIdPError && e.status === 400);
});

test('usage, checkout refusal without billing, and sign-up', async () => {
  const usage = await admin.getUsage();
  assert.match(usage.month, /^\d{4}-\d{2}$/);
  await assert.rejects(admin.createCheckout('k-1'), { status: 409, code: 'BILLING_DISABLED' });
  const anonymous = new AgentIdPClient({ baseUrl: server.baseUrl });
  const tenant = await anonymous.signUp({ name: `acme-${Date.now()}` });
  assert.match(tenant.admin.clientSecret, /^sk_/);
});

test('checkout returns the Stripe session URL when billing is on', async () => {
  const stripe = await standIn(() => ({ status: 200, body: { id: 'cs_test_1', object: 'checkout.session', url: 'https://checkout.stripe.com/c/pay/cs_test_1' } }));
  const billing = await startServer({ BILLING_ENABLED: 'true', STRIPE_SECRET_KEY: 'sk_test_1', STRIPE_PRICE_ID: 'price_1', STRIPE_API_BASE: stripe.url });
  try {
    const client = new AgentIdPClient({ baseUrl: billing.baseUrl, tokenProvider: new ClientCredentialsTokenProvider({ baseUrl: billing.baseUrl, clientId: billing.adminId, clientSecret: billing.adminSecret }) });
    assert.equal((await client.createCheckout('upgrade-1')).checkoutUrl, 'https://checkout.stripe.com/c/pay/cs_test_1');
    assert.equal(stripe.requests[0].url, '/v1/checkout/sessions');
  } finally {
    billing.stop();
    await stripe.close();
  }
});

test('discovery documents, identity documents and health are read without a token', async () => {
  const { agent } = await newAgent({ isPublic: true });
  const anonymous = new AgentIdPClient({ baseUrl: server.baseUrl });
  assert.equal((await anonymous.getServerMetadata()).issuer, server.baseUrl);
  assert.ok((await anonymous.getJwks()).keys.length >= 1);
  assert.match((await anonymous.getServerDid()).id, /^did:web:/);
  assert.match((await anonymous.getAgentDid(agent.agentId)).id, /^did:web:/);
  await assert.rejects(anonymous.getAgentCard(agent.agentId), { status: 404 });
  assert.equal((await anonymous.health()).status, 'ok');
  assert.ok((await anonymous.healthDetailed()).status);
});

test('a management call without a token provider or token fails before any request', async () => {
  await assert.rejects(new AgentIdPClient({ baseUrl: server.baseUrl }).getUsage(), { code: 'no_credentials' });
});

test('a revoked bearer token is replaced by the provider and the call retried once', async () => {
  const { agent, secret } = await newAgent({ allowedScopes: ['agents:read'] });
  const tokens = new ClientCredentialsTokenProvider({ baseUrl: server.baseUrl, clientId: agent.agentId, clientSecret: secret });
  const client = new AgentIdPClient({ baseUrl: server.baseUrl, tokenProvider: tokens });
  await admin.revoke(await tokens.getToken(), { clientId: agent.agentId, clientSecret: secret });
  const revoked = await tokens.getToken();
  assert.match((await client.getUsage()).month, /^\d{4}-\d{2}$/);
  assert.notEqual(await tokens.getToken(), revoked, 'the provider fetched a fresh token');
});
