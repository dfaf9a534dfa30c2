"""DID documents of a running agentidp (MARKETPLACE_ENABLED=true) checked with pydid, a DID
library written elsewhere: the server's and a public agent's documents deserialize strictly,
their ids map to the URLs they were fetched from by the did:web rules, and the agent's
verification method is the key it registered.

Environment: BASE (server URL, also its PUBLIC_URL), ADMIN_ID and ADMIN_SECRET.
"""

import os
import sys
import uuid
from urllib.parse import unquote

import pydid
import requests
from joserfc.jwk import OKPKey

BASE = os.environ["BASE"]


def did_web_url(did):
    """The URL a did:web resolver fetches (did:web method specification, §3.2.1)."""
    assert did.startswith("did:web:"), did
    parts = did[len("did:web:"):].split(":")
    host = unquote(parts[0])
    path = "/".join(parts[1:])
    return f"http://{host}/{path}/did.json" if path else f"http://{host}/.well-known/did.json"


def fetch(url):
    r = requests.get(url, timeout=10)
    if r.status_code != 200:
        sys.exit(f"GET {url}: {r.status_code} {r.text}")
    if not r.headers.get("content-type", "").startswith("application/did+json"):
        sys.exit(f"GET {url}: content type {r.headers.get('content-type')}")
    return r.json()


def check(url, raw):
    doc = pydid.deserialize_document(raw, strict=True)
    if did_web_url(str(doc.id)) != url:
        sys.exit(f"{doc.id} resolves to {did_web_url(str(doc.id))}, but was served at {url}")
    return doc


def main():
    token = requests.post(f"{BASE}/oauth2/token", data={"grant_type": "client_credentials"},
                          auth=(os.environ["ADMIN_ID"], os.environ["ADMIN_SECRET"]),
                          timeout=10).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    server_url = f"{BASE}/.well-known/did.json"
    server = check(server_url, fetch(server_url))
    print(f"server DID document: {server.id}, {len(server.verification_method)} key(s)")

    body = {"email": f"did-{uuid.uuid4().hex[:8]}@example.com", "name": "DID agent",
            "agentType": "worker", "version": "1.0.0", "owner": "interop",
            "deploymentEnv": "production", "isPublic": True}
    agent = requests.post(f"{BASE}/v1/agents", json=body, headers=headers, timeout=10).json()["agentId"]
    key = OKPKey.generate_key("Ed25519")
    r = requests.post(f"{BASE}/v1/agents/{agent}/credentials", headers=headers, timeout=10,
                      json={"type": "public_key", "jwk": key.as_dict(private=False)})
    r.raise_for_status()
    agent_url = f"{BASE}/agents/{agent}/did.json"
    doc = check(agent_url, fetch(agent_url))
    if str(doc.controller[0] if isinstance(doc.controller, list) else doc.controller) != str(server.id):
        sys.exit(f"agent DID controller {doc.controller} is not the server's DID {server.id}")
    method = doc.verification_method[0]
    if method.public_key_jwk["x"] != key.as_dict(private=False)["x"]:
        sys.exit("the agent's verification method is not its registered key")
    if str(doc.authentication[0]) != str(method.id):
        sys.exit("the agent's key is not an authentication method")
    print(f"agent DID document: {doc.id}, services {[s.type for s in doc.service]}")
    print("DID documents with pydid: ok")


if __name__ == "__main__":
    main()
