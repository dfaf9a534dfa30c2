"""An agent: gets a cached, auto-refreshed token and calls a protected service with it.

    AGENTIDP_URL=http://127.0.0.1:3000 AGENT_ID=… AGENT_SECRET=… \
    SERVICE_URL=http://127.0.0.1:8080/forecast python examples/agent.py
"""

import os

import httpx

from agentidp import ClientCredentialsTokenProvider

tokens = ClientCredentialsTokenProvider(
    os.environ["AGENTIDP_URL"], os.environ["AGENT_ID"], os.environ["AGENT_SECRET"], scopes=["weather:read"]
)
token = tokens.get_token()  # cached until shortly before it expires
if "SERVICE_URL" in os.environ:
    response = httpx.get(os.environ["SERVICE_URL"], headers={"Authorization": f"Bearer {token}"})
    print(response.status_code, response.text)
else:
    print(token)
