"""A2A agent cards of a running agentidp (MARKETPLACE_ENABLED=true) checked with the A2A
reference SDK (PyPI a2a-sdk): a public agent's card parses strictly into the SDK's AgentCard
(ParseDict, unknown fields refused), passes its required-field check, and its signature
verifies with the SDK's verifier against /.well-known/jwks.json; a changed card does not.

Environment: BASE (server URL, also its PUBLIC_URL), ADMIN_ID and ADMIN_SECRET.
"""

import copy
import os
import sys
import uuid

import requests
from a2a.types import AgentCard
from a2a.utils.proto_utils import validate_proto_required_fields
from a2a.utils.signing import InvalidSignaturesError, create_signature_verifier
from google.protobuf.json_format import ParseDict
from jwt import PyJWK

BASE = os.environ["BASE"]


def main():
    token = requests.post(f"{BASE}/oauth2/token", data={"grant_type": "client_credentials"},
                          auth=(os.environ["ADMIN_ID"], os.environ["ADMIN_SECRET"]),
                          timeout=10).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    body = {
        "email": f"card-{uuid.uuid4().hex[:8]}@example.com", "name": "Météo agent",
        "description": "Forecasts for any city", "agentType": "worker", "version": "2.1.0",
        "owner": "interop", "deploymentEnv": "production", "isPublic": True,
        "capabilities": ["weather:forecast"],
        "endpointUrl": "https://meteo.example.com/a2a",
        "documentationUrl": "https://meteo.example.com/docs",
        "skills": [{"id": "forecast", "name": "Forecast", "description": "A 7-day forecast",
                    "tags": ["weather", "forecast"], "examples": ["Weather in Paris?"]}],
    }
    r = requests.post(f"{BASE}/v1/agents", json=body, headers=headers, timeout=10)
    if r.status_code != 201:
        sys.exit(f"registering the agent failed: {r.status_code} {r.text}")
    agent = r.json()["agentId"]

    raw = requests.get(f"{BASE}/agents/{agent}/agent-card.json", timeout=10)
    if raw.status_code != 200:
        sys.exit(f"GET agent-card.json: {raw.status_code} {raw.text}")
    card_json = raw.json()
    card = ParseDict(card_json, AgentCard())
    validate_proto_required_fields(card)
    print(f"card parses strictly: {card.name} {card.version}, {len(card.skills)} skill(s), "
          f"token URL {card.security_schemes['agentidp'].oauth2_security_scheme.flows.client_credentials.token_url}")

    jwks_url = f"{BASE}/.well-known/jwks.json"
    jwks = requests.get(jwks_url, timeout=10).json()

    def key_provider(kid, jku):
        if jku != jwks_url:
            raise ValueError(f"unexpected jku {jku}")
        for jwk in jwks["keys"]:
            if jwk["kid"] == kid:
                return PyJWK(jwk)
        raise ValueError(f"no key {kid} in the JWKS")

    verify = create_signature_verifier(key_provider, ["RS256", "ES256", "EdDSA"])
    verify(card)
    print("signature verifies with the A2A SDK's verifier")

    tampered = ParseDict(copy.deepcopy(card_json), AgentCard())
    tampered.version = "9.9.9"
    try:
        verify(tampered)
    except InvalidSignaturesError:
        print("a changed card does not verify")
    else:
        sys.exit("a changed card verified")
    print("agent cards with a2a-sdk: ok")


if __name__ == "__main__":
    main()
