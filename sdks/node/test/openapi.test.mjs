// The SDK's wire types are generated from docs/openapi.json and must be current, and every
// operation of the API has a client method: a change in the API fails these tests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AgentIdPClient, OPERATIONS, VERSION } from '../dist/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const spec = JSON.parse(readFileSync(join(root, '../../docs/openapi.json'), 'utf8'));
/** Operations a client has no business calling, and why. */
const NOT_IN_THE_CLIENT = {
  metrics: 'Prometheus scrapes it',
  webhook: 'only Stripe calls it, signed',
};

test('src/openapi.ts is what openapi-typescript generates from docs/openapi.json', () => {
  const out = join(mkdtempSync(join(tmpdir(), 'openapi-ts-')), 'openapi.ts');
  execFileSync(join(root, 'node_modules/.bin/openapi-typescript'), ['../../docs/openapi.json', '-o', out], { cwd: root, stdio: 'ignore' });
  execFileSync(process.execPath, [join(root, 'scripts/banner.mjs'), out]);
  assert.ok(readFileSync(out, 'utf8') === readFileSync(join(root, 'src/openapi.ts'), 'utf8'), 'src/openapi.ts is stale: run `npm run generate` and `npm run build`');
});

test('every operation of the API has a client method', () => {
  const ids = Object.values(spec.paths).flatMap((methods) => Object.values(methods).map((op) => op.operationId)).filter(Boolean);
  for (const id of ids) {
    if (id in NOT_IN_THE_CLIENT) continue;
    const method = OPERATIONS[id];
    assert.ok(method, `operation ${id} has no client method: add one and list it in OPERATIONS`);
    assert.equal(typeof AgentIdPClient.prototype[method], 'function', `OPERATIONS names ${method}, which the client lacks`);
  }
  for (const id of Object.keys(OPERATIONS)) assert.ok(ids.includes(id), `OPERATIONS names ${id}, which the API no longer has`);
});

test('the SDK version follows the server version', () => {
  const server = readFileSync(join(root, '../../Cargo.toml'), 'utf8').match(/^version = "([^"]+)"/m)[1];
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  assert.equal(pkg.version, server);
  assert.equal(VERSION, server);
});
