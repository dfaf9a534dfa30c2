"""A service protected by AgentIdP tokens, with FastAPI: only tokens for this audience that carry
weather:read reach the handler.

    AGENTIDP_URL=http://127.0.0.1:3000 PORT=8080 python examples/fastapi_app.py
"""

import os

import uvicorn
from fastapi import Depends, FastAPI

from agentidp import TokenVerifier, VerifiedToken
from agentidp.integrations.fastapi import RequireToken

issuer = os.environ["AGENTIDP_URL"]
# Tokens requested without a `resource` are for the issuer; name your service's URL otherwise.
verifier = TokenVerifier(issuer, os.environ.get("AUDIENCE", issuer))
app = FastAPI()


@app.get("/forecast")
async def forecast(token: VerifiedToken = Depends(RequireToken(verifier, scopes=["weather:read"]))) -> dict:
    return {"forecast": "sunny", "for": token.agent_id, "scopes": list(token.scopes)}


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(os.environ.get("PORT", "8080")), log_level="warning")
