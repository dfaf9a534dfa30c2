// The portal and dashboard in headless Chromium: every page renders under its CSP with no
// console error, the wizard's snippet really gets a token, the dashboard manages credentials,
// edits and publishes agents, and shows the audit log, the marketplace finds published agents
// and shows their DID and signed card, and errors read clearly. Run through tests/e2e/run.sh.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import { chromium } from 'playwright-core';
import { TokenVerifier } from '@sentryagent/agentidp';

const { BASE, ADMIN_ID, ADMIN_SECRET, SCREENSHOT_DIR, CHROMIUM, SDK_PYTHON, SDK_JAVA_CP } = process.env;
const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../..');

/** How each SDK's wizard snippet is run, as its README says: [radio label, file name, run]. */
const SNIPPET_RUNNERS = [
  // The Node.js SDK resolves from this suite's node_modules, installed from sdks/node.
  ['Node.js SDK', 'token.mjs', (dir, file, env) => {
    writeFileSync(join(here, 'wizard-snippet.mjs'), readFileSync(join(dir, file)));
    try {
      return execFileSync(process.execPath, [join(here, 'wizard-snippet.mjs')], { env });
    } finally {
      rmSync(join(here, 'wizard-snippet.mjs'), { force: true });
    }
  }],
  ['Python SDK', 'get_token.py', (dir, file, env) => execFileSync(SDK_PYTHON, [join(dir, file)], { env })],
  ['Go SDK', 'main.go', (dir, file, env) => {
    writeFileSync(join(dir, 'go.mod'), 'module wizardsnippet\n\ngo 1.23\n\nrequire github.com/sentryagent/agentidp/sdks/go v0.1.0\n\n' +
      `replace github.com/sentryagent/agentidp/sdks/go => ${join(root, 'sdks/go')}\n`);
    execFileSync('go', ['mod', 'tidy'], { cwd: dir, env, stdio: 'ignore' });
    return execFileSync('go', ['run', '.'], { cwd: dir, env });
  }],
  // Java's single-file launch compiles and runs Token.java against the SDK jar and its dependencies.
  ['Java SDK', 'Token.java', (dir, file, env) => execFileSync('java', ['-cp', SDK_JAVA_CP, join(dir, file)], { cwd: dir, env })],
];
let browser;
const wizardAgent = {};

before(async () => {
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
});
after(async () => { await browser?.close(); });

/** A page whose console errors (CSP violations included) are collected. */
async function openPage(viewport = { width: 1280, height: 900 }) {
  const context = await browser.newContext({ viewport, permissions: ['clipboard-read', 'clipboard-write'] });
  const page = await context.newPage();
  page.errors = [];
  page.on('console', (m) => { if (m.type() === 'error') page.errors.push(m.text()); });
  page.on('pageerror', (e) => page.errors.push(e.message));
  return page;
}

async function shot(page, name) {
  await page.screenshot({ path: `${SCREENSHOT_DIR}/${name}.png`, fullPage: true });
}

async function signIn(page, id = ADMIN_ID, secret = ADMIN_SECRET) {
  await page.getByLabel('Client ID').fill(id);
  await page.getByLabel('Client secret').fill(secret);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Opens the dashboard (signing in unless the tab already is) and the agent named `name`. */
async function openAgent(page, name, { signedIn = false } = {}) {
  await page.goto(BASE + '/dashboard');
  if (!signedIn) await signIn(page);
  await page.getByRole('table', { name: 'Agents' }).waitFor();
  await page.getByLabel('Search').fill(name.toLowerCase());
  await page.getByRole('button', { name }).click();
  await page.getByRole('heading', { name: 'Agent: ' + name }).waitFor();
}

test('every page renders with a strict CSP and no console error', async () => {
  const page = await openPage();
  for (const [path, name, heading] of [
    ['/', 'home', 'Identity for AI agents'], ['/pricing', 'pricing', 'Pricing'], ['/sdks', 'sdks', 'SDKs and tools'],
    ['/get-started', 'get-started', 'Get started'], ['/dashboard', 'dashboard-signed-out', 'Dashboard'],
    ['/marketplace', 'marketplace-empty', 'Marketplace'],
  ]) {
    const response = await page.goto(BASE + path);
    assert.equal(response.status(), 200, path);
    const csp = response.headers()['content-security-policy'];
    assert.match(csp, /script-src 'self'/, path);
    assert.doesNotMatch(csp, /unsafe-inline/, path);
    await page.getByRole('heading', { level: 1, name: heading }).waitFor();
    await shot(page, name);
  }
  await page.goto(BASE + '/pricing');
  assert.equal(await page.locator('[data-limit="agents"]').textContent(), '25 agents');
  assert.equal(await page.locator('[data-limit="tokens"]').textContent(), '10000 tokens per month');

  const docs = await page.goto(BASE + '/api-explorer');
  assert.ok(page.url().endsWith('/api-docs/'), page.url());
  assert.doesNotMatch(docs.headers()['content-security-policy'], /unsafe-inline/);
  await page.getByRole('button', { name: /Authorize/ }).waitFor();
  await shot(page, 'api-explorer');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('the wizard signs in, creates an agent and a credential, and its snippet gets a token', async () => {
  const page = await openPage();
  await page.goto(BASE + '/get-started');
  await signIn(page, ADMIN_ID, 'sk_live_wrong');
  await page.getByText('Wrong client ID or secret.').waitFor();
  await signIn(page);

  await page.getByLabel('Name', { exact: true }).fill('Portal weather bot');
  assert.equal(await page.getByLabel(/E-mail/).inputValue(), 'portal-weather-bot@agents.example.com');
  await page.getByRole('button', { name: 'Create agent' }).click();
  await page.locator('#agent-created').waitFor();
  const agentId = (await page.locator('#agent-id').textContent()).trim();
  assert.match(agentId, /^[0-9a-f-]{36}$/);
  await shot(page, 'wizard-2-agent');
  await page.getByRole('button', { name: 'Next: generate a credential' }).click();

  await page.getByRole('button', { name: 'Generate credential' }).click();
  await page.locator('#credential-created').waitFor();
  const secret = (await page.locator('#credential-secret').textContent()).trim();
  assert.match(secret, /^sk_live_[0-9a-f]{64}$/);
  assert.equal((await page.locator('#credential-client-id').textContent()).trim(), agentId);
  await page.locator('[data-copy="credential-secret"]').click();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), secret);
  await shot(page, 'wizard-3-credential');
  await page.getByRole('button', { name: 'I have stored the secret' }).click();
  assert.equal(await page.locator('#credential-secret').textContent(), '', 'the secret is not kept on the page');
  assert.ok(!(await page.content()).includes(secret), 'the secret is rendered only once');

  const snippet = await page.locator('#snippet').textContent();
  assert.ok(snippet.includes(agentId) && snippet.includes(BASE), snippet);
  await shot(page, 'wizard-4-snippet');
  const answer = JSON.parse(execFileSync('bash', ['-c', snippet], { env: { ...process.env, AGENT_SECRET: secret } }));
  assert.equal(answer.token_type, 'Bearer');
  assert.equal(answer.scope, 'weather:read');

  // Each SDK's snippet, saved and run as the page says, gets a token for the agent.
  for (const [label, file, run] of SNIPPET_RUNNERS) {
    await page.getByLabel(label).check();
    const code = await page.locator('#snippet').textContent();
    assert.ok(code.includes(agentId) && code.includes(BASE), code);
    assert.match(await page.locator('#snippet-how').textContent(), new RegExp(`save this as ${file.replace('.', '\\.')}`));
    const dir = mkdtempSync(join(tmpdir(), 'wizard-snippet-'));
    writeFileSync(join(dir, file), code);
    try {
      const token = run(dir, file, { ...process.env, AGENT_SECRET: secret }).toString().trim().split('\n').pop();
      const verified = await new TokenVerifier({ issuer: BASE, audience: BASE }).verify(token, { requiredScopes: ['weather:read'] });
      assert.equal(verified.agentId, agentId, `${label}: the token is the wizard agent's`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  await shot(page, 'wizard-4-snippet-java');

  await page.getByLabel('Rust SDK').check();
  assert.match(await page.locator('#snippet').textContent(), /TokenProvider::new/);
  await page.getByLabel('sentryagent CLI').check();
  assert.match(await page.locator('#snippet').textContent(), /sentryagent issue-token --agent-id/);

  const storage = await page.evaluate(() => ({ local: localStorage.length, session: sessionStorage.getItem('agentidp.session') }));
  assert.equal(storage.local, 0, 'nothing in localStorage');
  assert.ok(JSON.parse(storage.session).token, 'the token lives in sessionStorage');
  assert.deepEqual(page.errors.filter((e) => !e.includes('401')), []);
  Object.assign(wizardAgent, { agentId });
  await page.context().close();
});

test('the dashboard finds the agent, creates, rotates and revokes credentials, and shows the audit log', async () => {
  const page = await openPage();
  page.on('dialog', (d) => d.accept());
  await openAgent(page, 'Portal weather bot');
  const credentials = page.getByRole('table', { name: 'Credentials of this agent' });
  // The heading shows before the agent's credentials have loaded: wait for a credential row.
  await credentials.locator('tbody tr code').first().waitFor();
  assert.equal(await credentials.locator('tbody tr').count(), 1);

  await page.getByRole('button', { name: 'New credential' }).click();
  await page.locator('#new-secret').waitFor();
  assert.match(await page.locator('#new-client-secret').textContent(), /^sk_live_/);
  await page.getByRole('button', { name: 'Done' }).click();
  assert.equal(await page.locator('#new-client-secret').textContent(), '');
  await credentials.locator('tbody tr').nth(1).waitFor();

  await credentials.getByRole('button', { name: /^Rotate credential/ }).first().click();
  await page.locator('#new-secret:not([hidden])').waitFor();
  await shot(page, 'dashboard-agent');
  await credentials.getByRole('button', { name: /^Revoke credential/ }).first().click();
  await credentials.locator('td.status-revoked').first().waitFor();

  await page.getByRole('tab', { name: 'Audit log' }).click();
  await page.getByLabel('Action').fill('credential.revoked');
  await page.getByRole('button', { name: 'Apply' }).last().click();
  const audit = page.getByRole('table', { name: /Audit events/ });
  await audit.locator('tbody tr td', { hasText: 'credential.revoked' }).first().waitFor();
  await shot(page, 'dashboard-audit');
  await page.getByLabel('Action').fill('no.such.action');
  await page.getByRole('button', { name: 'Apply' }).last().click();
  await page.getByText(/action must be one of/).waitFor();

  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(BASE + '/');
  assert.equal(await page.evaluate(() => sessionStorage.length), 0, 'signed out');
  await page.context().close();
});

/** A client assertion (RFC 7523) for `agentId`, signed with an Ed25519 private key. */
function assertion(agentId, privateKey) {
  const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const input = b64({ alg: 'EdDSA', typ: 'JWT' }) + '.' +
    b64({ iss: agentId, sub: agentId, aud: BASE + '/oauth2/token', iat: now, exp: now + 120, jti: randomUUID() });
  return input + '.' + sign(null, Buffer.from(input), privateKey).toString('base64url');
}

test('an owner edits the card, adds a public key and publishes; the marketplace finds the agent, its DID and signed card', async () => {
  const page = await openPage();
  page.on('dialog', (d) => d.accept());
  await openAgent(page, 'Portal weather bot');
  await page.getByText('Not published: only your organisation sees this agent.').waitFor();
  const agentId = wizardAgent.agentId;

  await page.getByLabel('Description', { exact: true }).fill('Seven-day forecasts for any city');
  await page.getByLabel('Capabilities (comma-separated)').fill('weather:read, weather:forecast');
  await page.getByLabel('A2A endpoint URL (https)').fill('http://weather.example.com/a2a');
  await page.getByRole('button', { name: 'Add skill' }).click();
  const skill = page.locator('#skills-list .skill').first();
  await skill.getByLabel('Skill ID').fill('forecast');
  await skill.getByLabel('Skill name').fill('Forecast');
  await skill.getByLabel('Skill description').fill('A seven-day forecast for a city');
  await skill.getByLabel('Tags (comma-separated)').fill('meteorology, forecast');
  await skill.getByLabel('Examples (one per line)').fill('Will it rain in Oslo tomorrow?\nThe weekend in Lyon');
  await page.getByRole('button', { name: 'Save card' }).click();
  await page.locator('#card-error:not([hidden])').waitFor();
  assert.match(await page.locator('#card-error').textContent(), /https/, 'a plain-http endpoint is refused by the server');
  await page.getByLabel('A2A endpoint URL (https)').fill('https://weather.example.com/a2a');
  await page.getByRole('button', { name: 'Save card' }).click();
  await page.locator('#card-saved:not([hidden])').waitFor();
  const saved = await page.evaluate(async (id) => {
    const { token } = JSON.parse(sessionStorage.getItem('agentidp.session'));
    return (await fetch('/v1/agents/' + id, { headers: { Authorization: 'Bearer ' + token } })).json();
  }, agentId);
  assert.equal(saved.endpointUrl, 'https://weather.example.com/a2a');
  assert.deepEqual(saved.skills, [{ id: 'forecast', name: 'Forecast', description: 'A seven-day forecast for a city',
    tags: ['meteorology', 'forecast'], examples: ['Will it rain in Oslo tomorrow?', 'The weekend in Lyon'] }]);

  // A private JWK never leaves the browser; the public one becomes a credential that signs in.
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  await page.getByRole('button', { name: 'Add public key' }).click();
  await page.getByLabel(/^Public key/).fill(JSON.stringify(privateKey.export({ format: 'jwk' })));
  await page.getByRole('button', { name: 'Add key' }).click();
  await page.getByText(/holds private key material \("d"\)/).waitFor();
  await page.getByLabel(/^Public key/).fill('{"kty": "OKP",');
  await page.getByRole('button', { name: 'Add key' }).click();
  await page.getByText(/^The key is not valid JSON/).waitFor();
  await page.getByLabel(/^Public key/).fill(JSON.stringify(publicKey.export({ format: 'jwk' })));
  await page.getByRole('button', { name: 'Add key' }).click();
  const credentials = page.getByRole('table', { name: 'Credentials of this agent' });
  const keyRow = credentials.locator('tr', { hasText: 'public key' });
  await keyRow.waitFor();
  const kid = (await keyRow.locator('code[title]').textContent()).trim();
  assert.match(kid, /^[A-Za-z0-9_-]{43}$/, 'the key id is an RFC 7638 thumbprint');
  const token = await fetch(BASE + '/oauth2/token', { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials',
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion(agentId, privateKey) }) });
  assert.equal(token.status, 200, 'the pasted key signs client assertions');

  await page.getByRole('button', { name: 'Publish in the marketplace' }).click();
  await page.getByText('Published: listed in the marketplace with its DID and a signed agent card.').waitFor();
  await shot(page, 'dashboard-publish');

  await page.goto(BASE + '/marketplace');
  await page.getByLabel('Search').fill('forecast cit');
  await page.getByLabel('Capability').fill('weather:forecast');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.waitForURL(/\/marketplace\?q=forecast\+cit&capability=weather%3Aforecast/);
  const listing = page.getByRole('list', { name: 'Agents' });
  await listing.getByRole('link', { name: 'Portal weather bot' }).waitFor();
  assert.equal(await listing.getByRole('listitem').filter({ has: page.locator('article') }).count(), 1);
  await shot(page, 'marketplace-search');
  await page.getByLabel('Capability').fill('weather:nothing');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByText('No public agent matches.').waitFor();

  await page.goto(BASE + '/marketplace?q=forecast');
  await page.getByRole('link', { name: 'Portal weather bot' }).click();
  await page.getByRole('heading', { level: 1, name: 'Portal weather bot' }).waitFor();
  const did = (await page.locator('#did').textContent()).trim();
  assert.equal(did, 'did:web:' + new URL(BASE).host.replace(':', '%3A') + ':agents:' + agentId);
  await page.getByRole('button', { name: 'Copy the DID', exact: true }).click();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), did);
  await page.getByRole('button', { name: 'Copy the agent card' }).click();
  const copied = JSON.parse(await page.evaluate(() => navigator.clipboard.readText()));
  const served = await (await fetch(BASE + '/agents/' + agentId + '/agent-card.json')).json();
  assert.deepEqual(copied, served, 'the copied card is the served, signed one');
  assert.ok(served.signatures[0].protected && served.signatures[0].signature);
  const didDocument = JSON.parse(await page.locator('#did-document').textContent());
  assert.deepEqual(didDocument.verificationMethod.map((m) => m.id), [did + '#' + kid], 'the pasted key is in the DID document');
  assert.match(await page.locator('#call-a2a').textContent(), /https:\/\/weather\.example\.com\/a2a/);
  await shot(page, 'marketplace-agent');

  await openAgent(page, 'Portal weather bot', { signedIn: true });
  await page.getByRole('button', { name: 'Unpublish' }).click();
  await page.getByText('Not published: only your organisation sees this agent.').waitFor();
  const gone = await page.goto(BASE + '/marketplace/agents/' + agentId);
  assert.equal(gone.status(), 404);
  await page.getByRole('heading', { name: 'Not in the marketplace' }).waitFor();
  assert.deepEqual(page.errors.filter((e) => !/\b(400|404)\b/.test(e)), []);
  await page.context().close();
});

test('a phone-sized screen and a server that cannot be reached are handled', async () => {
  const page = await openPage({ width: 390, height: 844 });
  await page.goto(BASE + '/dashboard');
  await signIn(page);
  await page.getByRole('table', { name: 'Agents' }).waitFor();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `no horizontal scrolling of the page (${overflow}px)`);
  await shot(page, 'dashboard-mobile');

  await page.goto(BASE + '/get-started');
  await page.evaluate(() => sessionStorage.clear());
  await page.reload();
  await page.route('**/oauth2/token', (route) => route.abort('connectionrefused'));
  await signIn(page);
  await page.getByText('The server cannot be reached.', { exact: false }).waitFor();
  await shot(page, 'error-server-down');
  await page.context().close();
});

test('a new tenant signs up in the wizard, hits its agent limit, and sees it in the usage tab', async () => {
  const page = await openPage();
  await page.goto(BASE + '/get-started');
  const tenant = 'e2e-' + Date.now().toString(36);
  await page.getByLabel(/Organisation name/).fill(tenant);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.locator('#signed-up').waitFor();
  const secret = (await page.locator('#admin-secret').textContent()).trim();
  assert.match(secret, /^sk_live_/);
  await shot(page, 'wizard-1-signed-up');
  await page.getByRole('button', { name: 'I have stored the secret: continue' }).click();
  await page.getByRole('heading', { name: '2. Create an agent' }).waitFor();
  assert.ok(!(await page.content()).includes(secret), 'the admin secret is gone from the page');

  // Fill the tenant up to its 25 agents (the admin is the first), then ask for one more.
  const created = await page.evaluate(async () => {
    const { token } = JSON.parse(sessionStorage.getItem('agentidp.session'));
    let ok = 0;
    for (let i = 0; i < 24; i++) {
      const r = await fetch('/v1/agents', { method: 'POST', headers: { Authorization: 'Bearer ' + token, 'Content-Type': 'application/json' },
        body: JSON.stringify({ email: `filler-${i}@example.com`, name: `filler ${i}`, agentType: 'custom', version: '1.0.0', owner: 'e2e', deploymentEnv: 'development' }) });
      if (r.status === 201) ok++;
    }
    return ok;
  });
  assert.equal(created, 24);
  await page.getByLabel('Name', { exact: true }).fill('One too many');
  await page.getByRole('button', { name: 'Create agent' }).click();
  await page.getByText(/^Plan limit reached:/).waitFor();
  await shot(page, 'error-limit-reached');

  await page.goto(BASE + '/dashboard');
  await page.getByRole('tab', { name: 'Usage' }).click();
  await page.getByText('25 of 25 agents: limit reached').waitFor();
  assert.match(await page.locator('#usage-tokens-text').textContent(), /^1 of 10000 tokens/);
  await shot(page, 'dashboard-usage');
  assert.deepEqual(page.errors.filter((e) => !e.includes('403')), []);
  await page.context().close();
});

/** A server with billing on, its Stripe API stood in by a local server speaking Stripe's
 *  wire format for `POST /v1/checkout/sessions` (form-encoded in, a session out). */
async function billingServer() {
  const checkouts = [];
  const stripe = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      checkouts.push({ path: req.url, auth: req.headers.authorization, key: req.headers['idempotency-key'], form: new URLSearchParams(body) });
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ id: 'cs_test_e2e', object: 'checkout.session', url: 'https://checkout.stripe.com/c/pay/cs_test_e2e' }));
    });
  });
  await new Promise((r) => stripe.listen(0, '127.0.0.1', r));
  const port = await new Promise((r) => { const t = createServer().listen(0, '127.0.0.1', () => { const p = t.address().port; t.close(() => r(p)); }); });
  const dir = mkdtempSync(join(tmpdir(), 'agentidp-e2e-billing-'));
  const base = `http://127.0.0.1:${port}`;
  const child = spawn(process.env.AGENTIDP_BIN, ['serve'], { cwd: dir, env: { ...process.env, BIND_ADDR: `127.0.0.1:${port}`,
    PUBLIC_URL: base, RUST_LOG: 'warn', BILLING_ENABLED: 'true', FREE_MAX_API_CALLS_PER_DAY: '1000',
    STRIPE_SECRET_KEY: 'sk_test_e2e', STRIPE_PRICE_ID: 'price_e2e_pro', STRIPE_API_BASE: `http://127.0.0.1:${stripe.address().port}` } });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  for (let i = 0; i < 150 && !/client_secret:/.test(out); i++) await new Promise((r) => setTimeout(r, 100));
  const [, id] = out.match(/^client_id:\s*(\S+)/m);
  const [, secret] = out.match(/^client_secret:\s*(\S+)/m);
  const stop = () => { child.kill('SIGKILL'); stripe.close(); };
  return { base, id, secret, database: join(dir, 'data', 'agentidp.db'), checkouts, stop };
}

/** Writes earlier days of this month into the usage table, as the nodes' flushes would have. */
function seedMonth(database, tenant) {
  const now = new Date();
  const days = [];
  for (let day = 1; day < now.getUTCDate(); day++) {
    const date = `${now.toISOString().slice(0, 8)}${String(day).padStart(2, '0')}`;
    days.push([date, 200 + ((day * 137) % 700), 20 + ((day * 53) % 90)]);
  }
  execFileSync('python3', ['-c', `
import json, sqlite3, sys, uuid
db = sqlite3.connect(sys.argv[1], timeout=10)
tenant = uuid.UUID(sys.argv[2]).bytes
for date, calls, tokens in json.loads(sys.argv[3]):
    for metric, count in (("api_calls", calls), ("tokens_issued", tokens), ("active_agents", 3)):
        db.execute("INSERT OR REPLACE INTO usage_events (tenant_id, date, metric, count) VALUES (?, ?, ?, ?)", (tenant, date, metric, count))
db.commit()
`, database, tenant, JSON.stringify(days)]);
}

test('with billing on, the usage tab shows the plan, limits and the month, and upgrades through Stripe Checkout', async () => {
  const server = await billingServer();
  try {
    const page = await openPage();
    await page.goto(server.base + '/dashboard');
    await signIn(page, server.id, server.secret);
    await page.getByRole('table', { name: 'Agents' }).waitFor();
    const tenant = await page.evaluate(() => JSON.parse(atob(JSON.parse(sessionStorage.getItem('agentidp.session')).token.split('.')[1])).tenant_id);
    seedMonth(server.database, tenant);
    await page.getByRole('tab', { name: 'Usage' }).click();
    await page.getByText('Subscription: none.').waitFor();
    assert.equal(await page.locator('#usage-plan').textContent(), 'free');
    assert.match(await page.locator('#usage-calls-text').textContent(), /^\d+ of 1000 API calls today/);
    assert.match(await page.locator('#usage-agents-text').textContent(), /^1 of 10 agents/);
    const bars = await page.locator('#usage-chart rect.calls').count();
    assert.ok(bars >= 28, `one API-call bar per day of the month (${bars})`);
    await shot(page, 'dashboard-usage-billing');

    await page.route('https://checkout.stripe.com/**', (route) => route.fulfill({ contentType: 'text/html', body: '<h1>Stripe Checkout</h1>' }));
    await page.getByRole('button', { name: 'Upgrade to Pro' }).click();
    await page.waitForURL('https://checkout.stripe.com/c/pay/cs_test_e2e');
    assert.equal(server.checkouts.length, 1);
    const [{ path, auth, key, form }] = server.checkouts;
    assert.equal(path, '/v1/checkout/sessions');
    assert.equal(auth, 'Bearer sk_test_e2e');
    assert.ok(key, 'an Idempotency-Key is sent');
    assert.equal(form.get('mode'), 'subscription');
    assert.equal(form.get('line_items[0][price]'), 'price_e2e_pro');
    assert.equal(form.get('client_reference_id'), tenant);
    assert.equal(form.get('subscription_data[metadata][tenant_id]'), tenant);
    assert.deepEqual(page.errors, []);
    await page.context().close();
  } finally {
    server.stop();
  }
});
