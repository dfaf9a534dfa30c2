// An agent: gets a cached, auto-refreshed token and calls a protected service with it.
//   AGENTIDP_URL=http://127.0.0.1:3000 AGENT_ID=… AGENT_SECRET=… SERVICE_URL=http://127.0.0.1:8080/forecast node examples/agent.mjs
import { ClientCredentialsTokenProvider } from '@sentryagent/agentidp';

const tokens = new ClientCredentialsTokenProvider({
  baseUrl: process.env.AGENTIDP_URL,
  clientId: process.env.AGENT_ID,
  clientSecret: process.env.AGENT_SECRET,
  scopes: ['weather:read'],
});
const token = await tokens.getToken(); // cached until shortly before it expires
if (process.env.SERVICE_URL) {
  const response = await fetch(process.env.SERVICE_URL, { headers: { Authorization: `Bearer ${token}` } });
  console.log(response.status, await response.text());
} else {
  console.log(token);
}
