// A service protected by AgentIdP tokens, with Fastify.
//   AGENTIDP_URL=http://127.0.0.1:3000 PORT=8080 node examples/fastify.mjs
import Fastify from 'fastify';
import { TokenVerifier, fastifyHook } from '@sentryagent/agentidp';

const issuer = process.env.AGENTIDP_URL;
const verifier = new TokenVerifier({ issuer, audience: process.env.AUDIENCE ?? issuer });
const app = Fastify();
app.decorateRequest('agentidp', null);
app.get('/forecast', { onRequest: fastifyHook(verifier, { scopes: ['weather:read'] }) }, async (request) => ({
  forecast: 'sunny', for: request.agentidp.agentId, scopes: request.agentidp.scopes,
}));
await app.listen({ port: Number(process.env.PORT ?? 8080), host: '127.0.0.1' });
console.log(`listening on ${app.server.address().port}`);
