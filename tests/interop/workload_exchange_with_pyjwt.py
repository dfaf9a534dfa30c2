#!/usr/bin/env python3
"""A workload exchanges a GitHub-shaped identity token for an agent's access token, from a
local OIDC issuer this script serves on ISSUER_PORT (the server trusts it over http through
FEDERATION_INSECURE_ISSUERS), and the access token verifies with PyJWT against the server's
JWKS, carrying who the workload is.

Usage: BASE=... ADMIN_ID=... ADMIN_SECRET=... ISSUER_PORT=... python3 workload_exchange_with_pyjwt.py
Both exchange forms are used: POST /oidc/token and the RFC 8693 grant at /oauth2/token; a
replayed and a mismatching identity token are refused.
"""

import base64
import json
import os
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt import PyJWK

BASE = os.environ["BASE"].rstrip("/")
ISSUER = f"http://127.0.0.1:{os.environ['ISSUER_PORT']}"
AUDIENCE = "https://idp.interop.example"
KEY = Ed25519PrivateKey.generate()
RAW = KEY.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
DOCUMENTS = {
    "/.well-known/openid-configuration": {"issuer": ISSUER, "jwks_uri": f"{ISSUER}/jwks"},
    "/jwks": {"keys": [{"kty": "OKP", "crv": "Ed25519", "kid": "interop",
                        "x": base64.urlsafe_b64encode(RAW).rstrip(b"=").decode()}]},
}
passed = 0


def check(condition, message):
    global passed
    if not condition:
        print(f"exchange interop: FAILED: {message}", file=sys.stderr)
        sys.exit(1)
    passed += 1


class Issuer(BaseHTTPRequestHandler):
    def do_GET(self):
        doc = DOCUMENTS.get(self.path)
        body = json.dumps(doc or {}).encode()
        self.send_response(200 if doc else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def identity_token(**overrides):
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "repo:acme/api:ref:refs/heads/main",
              "repository": "acme/api", "repository_id": "4242", "ref": "refs/heads/main",
              "event_name": "push", "workflow": "release", "run_id": "77",
              "iat": now, "exp": now + 300, "jti": str(uuid.uuid4())}
    claims.update(overrides)
    return jwt.encode(claims, KEY, algorithm="EdDSA", headers={"kid": "interop"})


def main():
    server = ThreadingHTTPServer(("127.0.0.1", int(os.environ["ISSUER_PORT"])), Issuer)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    s = requests.Session()
    admin = s.post(f"{BASE}/oauth2/token", data={"grant_type": "client_credentials"},
                   auth=(os.environ["ADMIN_ID"], os.environ["ADMIN_SECRET"]), timeout=10).json()
    headers = {"Authorization": f"Bearer {admin['access_token']}"}
    agent = s.post(f"{BASE}/v1/agents", headers=headers, timeout=10, json={
        "email": f"release-{uuid.uuid4().hex[:8]}@interop.example", "name": "Release bot", "agentType": "worker",
        "version": "1.0.0", "owner": "interop", "deploymentEnv": "production",
        "allowedScopes": ["release:write"]}).json()["agentId"]
    policy = s.post(f"{BASE}/v1/oidc/trust-policies", headers=headers, timeout=10, json={
        "agentId": agent, "issuer": ISSUER, "audience": AUDIENCE,
        "claims": {"repository_id": "4242", "ref": "refs/heads/main", "event_name": "push"}})
    check(policy.status_code == 201, f"trust policy: {policy.status_code} {policy.text}")

    jwks = s.get(f"{BASE}/.well-known/jwks.json", timeout=10).json()
    metadata = s.get(f"{BASE}/.well-known/oauth-authorization-server", timeout=10).json()
    check("urn:ietf:params:oauth:grant-type:token-exchange" in metadata["grant_types_supported"],
          "the metadata lists the token-exchange grant")

    def verify(access_token):
        kid = jwt.get_unverified_header(access_token)["kid"]
        key = next(k for k in jwks["keys"] if k["kid"] == kid)
        return jwt.decode(access_token, PyJWK(key).key, algorithms=[key["alg"]],
                          audience=metadata["issuer"], issuer=metadata["issuer"])

    token = identity_token()
    r = s.post(f"{BASE}/oidc/token", json={"token": token}, timeout=10)
    check(r.status_code == 200, f"/oidc/token: {r.status_code} {r.text}")
    body = r.json()
    check(body["issued_token_type"] == "urn:ietf:params:oauth:token-type:access_token", "issued_token_type")
    claims = verify(body["access_token"])
    check(claims["sub"] == agent and claims["scope"] == "release:write", f"claims {claims}")
    check(claims["federated"]["iss"] == ISSUER and claims["federated"]["run_id"] == "77",
          f"federated claim {claims.get('federated')}")

    replay = s.post(f"{BASE}/oidc/token", json={"token": token}, timeout=10)
    check(replay.status_code == 400 and replay.json()["code"] == "INVALID_SUBJECT_TOKEN", "a replay is refused")

    form = {"grant_type": "urn:ietf:params:oauth:grant-type:token-exchange",
            "subject_token_type": "urn:ietf:params:oauth:token-type:id_token",
            "subject_token": identity_token(), "client_id": agent}
    r = s.post(f"{BASE}/oauth2/token", data=form, timeout=10)
    check(r.status_code == 200, f"RFC 8693 grant: {r.status_code} {r.text}")
    check(verify(r.json()["access_token"])["sub"] == agent, "the RFC 8693 token verifies")

    form["subject_token"] = identity_token(event_name="pull_request")
    r = s.post(f"{BASE}/oauth2/token", data=form, timeout=10)
    check(r.status_code == 400 and r.json()["error"] == "invalid_request", f"a pull request is refused: {r.text}")
    mismatch = s.post(f"{BASE}/oidc/token", json={"token": identity_token(repository_id="1")}, timeout=10)
    check(mismatch.status_code == 403 and mismatch.json()["details"]["claims"] == ["repository_id"],
          f"a mismatch names the claim: {mismatch.text}")
    print(f"exchange interop: {passed} passed, 0 failed")


main()
