// Billing against a real agentidp (BILLING_ENABLED): webhooks signed by Stripe's own library
// (`stripe.webhooks.generateTestHeaderString`) are accepted, tampered, expired and unsigned
// ones refused, a duplicate changes nothing, an `updated` arriving after `deleted` does not
// revive the plan; checkout is created through stripe-mock, Stripe's official mock, which
// checks the request against Stripe's OpenAPI specification. Run through tests/billing/run.sh.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Stripe from 'stripe';

const BIN = process.env.AGENTIDP_BIN;
const STRIPE_MOCK = process.env.STRIPE_MOCK_BIN;
const SECRET = 'whsec_billing_tests';
const stripe = new Stripe('sk_test_123');
const children = [];
let idp;
let admin;
let tenant;

function freePort() {
  return new Promise((resolve) => { const s = createServer().listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); }); });
}

async function waitFor(url) {
  for (let i = 0; i < 150; i++) {
    try { await fetch(url); return; } catch { await new Promise((r) => setTimeout(r, 100)); }
  }
  throw new Error(`${url} never answered`);
}

async function api(method, path, token = admin) {
  const r = await fetch(idp + path, { method, headers: { Authorization: `Bearer ${token}` } });
  return { status: r.status, body: await r.json() };
}

before(async () => {
  const mockPort = await freePort();
  const mock = spawn(STRIPE_MOCK, ['-http-addr', `127.0.0.1:${mockPort}`], { stdio: 'ignore' });
  children.push(mock);
  await waitFor(`http://127.0.0.1:${mockPort}/v1/customers`);
  const port = await freePort();
  idp = `http://127.0.0.1:${port}`;
  const child = spawn(BIN, ['serve'], { cwd: mkdtempSync(join(tmpdir(), 'agentidp-billing-')), env: { ...process.env,
    BIND_ADDR: `127.0.0.1:${port}`, PUBLIC_URL: idp, RUST_LOG: 'warn', BILLING_ENABLED: 'true',
    STRIPE_WEBHOOK_SECRET: SECRET, STRIPE_SECRET_KEY: 'sk_test_123', STRIPE_PRICE_ID: 'price_1Pro',
    STRIPE_API_BASE: `http://127.0.0.1:${mockPort}` } });
  children.push(child);
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  for (let i = 0; i < 150 && !/client_secret:/.test(out); i++) await new Promise((r) => setTimeout(r, 100));
  const [, id] = out.match(/^client_id:\s*(\S+)/m);
  const [, secret] = out.match(/^client_secret:\s*(\S+)/m);
  const r = await fetch(`${idp}/oauth2/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials' }),
    headers: { Authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}` } });
  admin = (await r.json()).access_token;
  tenant = JSON.parse(Buffer.from(admin.split('.')[1], 'base64url')).tenant_id;
});

after(() => { for (const c of children) c.kill('SIGKILL'); });

/** Delivers `event` as Stripe does, signed by Stripe's library unless `header` says otherwise. */
async function deliver(event, { header, payload } = {}) {
  const body = payload ?? JSON.stringify(event, null, 2);
  const signature = header === undefined ? stripe.webhooks.generateTestHeaderString({ payload: body, secret: SECRET }) : header;
  const headers = { 'Content-Type': 'application/json' };
  if (signature !== null) headers['Stripe-Signature'] = signature;
  const r = await fetch(`${idp}/v1/billing/webhook`, { method: 'POST', headers, body });
  return { status: r.status, body: await r.json() };
}

const now = () => Math.floor(Date.now() / 1000);
const event = (id, type, created, object) => ({ id, object: 'event', api_version: '2025-01-27.acacia', type, created, data: { object } });
const subscription = (status) => ({ id: 'sub_1', object: 'subscription', customer: 'cus_1', status, metadata: { tenant_id: tenant } });
const plan = async () => { const { body } = await api('GET', '/v1/billing/usage'); return [body.plan, body.subscriptionStatus]; };

test('checkout creates a Stripe Checkout Session through stripe-mock', async () => {
  const r = await fetch(`${idp}/v1/billing/checkout`, { method: 'POST', headers: { Authorization: `Bearer ${admin}`, 'Idempotency-Key': 'upgrade-1' } });
  const body = await r.json();
  assert.equal(r.status, 200, JSON.stringify(body));
  assert.match(body.checkoutUrl, /^https:\/\//);
});

test('a webhook signed by Stripe\'s library is applied once', async () => {
  const created = event('evt_sub_created', 'customer.subscription.created', now() - 60, subscription('active'));
  const first = await deliver(created);
  assert.deepEqual(first, { status: 200, body: { received: true, duplicate: false } });
  assert.deepEqual(await plan(), ['pro', 'active']);
  const again = await deliver(created);
  assert.deepEqual(again.body, { received: true, duplicate: true });
});

test('tampered, expired, unsigned and wrongly keyed webhooks are refused and change nothing', async () => {
  const body = JSON.stringify(event('evt_bad', 'customer.subscription.deleted', now(), subscription('canceled')));
  const signed = stripe.webhooks.generateTestHeaderString({ payload: body, secret: SECRET });
  const refusals = [
    { payload: body.replace('canceled', 'active'), header: signed },
    { payload: body, header: stripe.webhooks.generateTestHeaderString({ payload: body, secret: SECRET, timestamp: now() - 301 }) },
    { payload: body, header: null },
    { payload: body, header: stripe.webhooks.generateTestHeaderString({ payload: body, secret: 'whsec_someone_else' }) },
  ];
  for (const refusal of refusals) {
    const r = await deliver(null, refusal);
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.equal(r.body.code, 'INVALID_SIGNATURE');
  }
  assert.deepEqual(await plan(), ['pro', 'active']);
});

test('an updated event arriving after deleted does not revive the plan', async () => {
  const t = now();
  await deliver(event('evt_sub_deleted', 'customer.subscription.deleted', t - 10, subscription('canceled')));
  assert.deepEqual(await plan(), ['free', 'canceled']);
  const late = await deliver(event('evt_sub_updated', 'customer.subscription.updated', t - 20, subscription('active')));
  assert.equal(late.status, 200);
  assert.deepEqual(await plan(), ['free', 'canceled']);
});
