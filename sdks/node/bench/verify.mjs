// TokenVerifier.verify against calling jose's jwtVerify directly on the same token with the same
// checks, for RS256, ES256 and EdDSA, in one process (one core): alternating rounds, median of
// each. The JWKS is served by a local HTTP server and fetched once, as in production.
//   npm run build && node bench/verify.mjs [rounds=7] [ms-per-round=1000]
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { importJWK, jwtVerify } from 'jose';
import { TokenVerifier } from '../dist/index.js';

const cases = JSON.parse(readFileSync(new URL('../../conformance/cases.json', import.meta.url), 'utf8'));
const { options, jwks } = cases.verifier;
const rounds = Number(process.argv[2] ?? 7);
const roundMs = Number(process.argv[3] ?? 1000);

const server = createServer((_req, res) => { res.writeHead(200, { 'Content-Type': 'application/json' }); res.end(JSON.stringify(jwks)); });
await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
const verifier = new TokenVerifier({ issuer: options.issuer, audience: options.audience, jwksUrl: `http://127.0.0.1:${server.address().port}/jwks.json` });

/** Verifications per second of `fn` over about `roundMs`. */
async function rate(fn) {
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < roundMs) {
    for (let i = 0; i < 100; i++) await fn();
    n += 100;
  }
  return n / ((performance.now() - start) / 1000);
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

console.log('| algorithm | jose jwtVerify (verifications/s) | TokenVerifier.verify | ratio |');
console.log('|---|---:|---:|---:|');
for (const [alg, kid, id] of [['RS256', 'rs-1', 'valid-rs256'], ['ES256', 'es-1', 'valid-es256'], ['EdDSA', 'ed-1', 'valid-eddsa']]) {
  const token = cases.verifier.cases.find((c) => c.id === id).token;
  const key = await importJWK(jwks.keys.find((k) => k.kid === kid), alg);
  const direct = () => jwtVerify(token, key, {
    issuer: options.issuer, audience: options.audience, algorithms: [alg], typ: 'at+jwt', clockTolerance: 30, requiredClaims: ['exp', 'iat', 'sub', 'jti'],
  });
  const ours = () => verifier.verify(token, { requiredScopes: options.requiredScopes });
  await rate(direct); await rate(ours); // warm-up: JIT, key import, JWKS fetch
  const a = [];
  const b = [];
  for (let r = 0; r < rounds; r++) { a.push(await rate(direct)); b.push(await rate(ours)); }
  const [ma, mb] = [median(a), median(b)];
  console.log(`| ${alg} | ${Math.round(ma)} | ${Math.round(mb)} | ${(100 * mb / ma).toFixed(0)} % |`);
}
server.close();
