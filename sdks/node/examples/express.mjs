// A service protected by AgentIdP tokens, with Express: only tokens for this audience that carry
// weather:read reach the handler.
//   AGENTIDP_URL=http://127.0.0.1:3000 PORT=8080 node examples/express.mjs
import express from 'express';
import { TokenVerifier, expressMiddleware } from '@sentryagent/agentidp';

const issuer = process.env.AGENTIDP_URL;
// Tokens requested without a `resource` are for the issuer; name your service's URL otherwise.
const verifier = new TokenVerifier({ issuer, audience: process.env.AUDIENCE ?? issuer });
const app = express();
app.get('/forecast', expressMiddleware(verifier, { scopes: ['weather:read'] }), (req, res) => {
  res.json({ forecast: 'sunny', for: req.agentidp.agentId, scopes: req.agentidp.scopes });
});
const server = app.listen(Number(process.env.PORT ?? 8080), '127.0.0.1', () => console.log(`listening on ${server.address().port}`));
