"""A service protected by AgentIdP tokens, with Flask.

    AGENTIDP_URL=http://127.0.0.1:3000 PORT=8080 python examples/flask_app.py
"""

import os

from flask import Flask, g

from agentidp import TokenVerifier
from agentidp.integrations.flask import require_token

issuer = os.environ["AGENTIDP_URL"]
verifier = TokenVerifier(issuer, os.environ.get("AUDIENCE", issuer))
app = Flask(__name__)


@app.get("/forecast")
@require_token(verifier, scopes=["weather:read"])
def forecast() -> dict:
    return {"forecast": "sunny", "for": g.agentidp.agent_id, "scopes": list(g.agentidp.scopes)}


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(os.environ.get("PORT", "8080")))
