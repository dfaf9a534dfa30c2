// Any server, no framework: `verifyRequest` checks the bearer token of a request. The same call
// guards an MCP server's HTTP transport before it hands the request to the MCP SDK.
//   AGENTIDP_URL=http://127.0.0.1:3000 PORT=8080 node examples/plain-http.mjs
import { createServer } from 'node:http';
import { TokenVerifier, refusal, verifyRequest } from '@sentryagent/agentidp';

const issuer = process.env.AGENTIDP_URL;
const verifier = new TokenVerifier({ issuer, audience: process.env.AUDIENCE ?? issuer });
const server = createServer(async (req, res) => {
  try {
    const token = await verifyRequest(verifier, req, { scopes: ['weather:read'] });
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ forecast: 'sunny', for: token.agentId, actor: token.actor ?? null }));
  } catch (error) {
    const r = refusal(error, { scopes: ['weather:read'] });
    res.writeHead(r.status, { 'Content-Type': 'application/json', ...r.headers });
    res.end(JSON.stringify(r.body));
  }
});
server.listen(Number(process.env.PORT ?? 8080), '127.0.0.1', () => console.log(`listening on ${server.address().port}`));
