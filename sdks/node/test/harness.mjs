// Test harness: a real agentidp server (binary from AGENTIDP_BIN, SQLite in a temp dir, port 0
// equivalent), and small local HTTP stand-ins for the conformance cases.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
/** The shared conformance cases of every AgentIdP SDK. */
export const cases = JSON.parse(readFileSync(join(here, '../../conformance/cases.json'), 'utf8'));

function freePort() {
  return new Promise((resolve) => {
    const s = createNetServer().listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

/** Starts `agentidp serve` on its embedded defaults; resolves to its URL and admin credentials. */
export async function startServer(env = {}) {
  const bin = process.env.AGENTIDP_BIN;
  if (!bin) throw new Error('set AGENTIDP_BIN to the agentidp binary (cargo build --bin agentidp)');
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const dir = mkdtempSync(join(tmpdir(), 'agentidp-node-sdk-'));
  const child = spawn(bin, ['serve'], { cwd: dir, env: { ...process.env, BIND_ADDR: `127.0.0.1:${port}`, PUBLIC_URL: baseUrl, RUST_LOG: 'warn', ...env } });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { out += d; });
  for (let i = 0; i < 300 && !/^client_secret:/m.test(out); i++) {
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const id = out.match(/^client_id:\s*(\S+)/m)?.[1];
  const secret = out.match(/^client_secret:\s*(\S+)/m)?.[1];
  if (!id || !secret) { child.kill('SIGKILL'); throw new Error(`agentidp did not start:\n${out}`); }
  for (let i = 0; i < 100; i++) {
    try { if ((await fetch(`${baseUrl}/health`)).ok) break; } catch { await new Promise((r) => setTimeout(r, 50)); }
  }
  return {
    baseUrl, adminId: id, adminSecret: secret,
    stop() { child.kill('SIGKILL'); rmSync(dir, { recursive: true, force: true }); },
  };
}

/** A local HTTP server answering each request with `handler(req, body, n)` → {status, headers, body}. */
export async function standIn(handler) {
  let n = 0;
  const requests = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', async () => {
      requests.push({ method: req.method, url: req.url, headers: req.headers, body, at: Date.now() });
      const r = await handler(req, body, n++);
      if (r.delayMs) await new Promise((ok) => setTimeout(ok, r.delayMs));
      res.writeHead(r.status, { 'Content-Type': 'application/json', ...r.headers });
      res.end(r.body === undefined ? '' : JSON.stringify(r.body));
    });
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  return { url: `http://127.0.0.1:${server.address().port}`, requests, close: () => new Promise((ok) => server.close(ok)) };
}

/** A unique e-mail for an agent. */
export const email = (tag = 'bot') => `${tag}-${Date.now()}-${Math.random().toString(16).slice(2)}@example.com`;

/** A valid agent registration body. */
export function agentBody(extra = {}) {
  return { email: email(), name: 'Weather bot', agentType: 'retrieval', version: '1.0.0', owner: 'weather-team', deploymentEnv: 'production', allowedScopes: ['weather:read', 'weather:write'], ...extra };
}
