#!/usr/bin/env python3
"""Delegation (RFC 8693 with an actor token) checked with PyJWT: an orchestrator lets a
worker act for it (allowedActors); the worker exchanges the orchestrator's token, with its
own as actor_token, for a token carrying `act`, which verifies with PyJWT against the
published JWKS (nested when delegated twice); an unlisted actor, a widened scope and a longer
lifetime are refused as RFC 8693 §2.2.2 says.

Usage: BASE=... ADMIN_ID=... ADMIN_SECRET=... python3 delegation_with_pyjwt.py
"""

import os
import sys
import uuid

import jwt
import requests
from jwt import PyJWK

BASE = os.environ["BASE"].rstrip("/")
EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
ACCESS_TOKEN = "urn:ietf:params:oauth:token-type:access_token"
TARGET = "https://tools.interop.example"
passed = 0


def check(condition, message):
    global passed
    if not condition:
        print(f"delegation interop: FAILED: {message}", file=sys.stderr)
        sys.exit(1)
    passed += 1


def main():
    s = requests.Session()

    def token(client_id, secret, **extra):
        r = s.post(f"{BASE}/oauth2/token", data={"grant_type": "client_credentials", **extra},
                   auth=(client_id, secret), timeout=10)
        check(r.status_code == 200, f"client credentials: {r.status_code} {r.text}")
        return r.json()["access_token"]

    admin = {"Authorization": f"Bearer {token(os.environ['ADMIN_ID'], os.environ['ADMIN_SECRET'])}"}

    def agent(name, **fields):
        body = {"email": f"{name}-{uuid.uuid4().hex[:8]}@interop.example", "name": name,
                "agentType": "worker", "version": "1.0.0", "owner": "interop",
                "deploymentEnv": "production", "allowedScopes": ["files:read", "files:write"], **fields}
        r = s.post(f"{BASE}/v1/agents", headers=admin, json=body, timeout=10)
        check(r.status_code == 201, f"agent: {r.status_code} {r.text}")
        agent_id = r.json()["agentId"]
        cred = s.post(f"{BASE}/v1/agents/{agent_id}/credentials", headers=admin, timeout=10).json()
        return agent_id, cred["clientSecret"]

    worker = agent("worker")
    reviewer = agent("reviewer")
    stranger = agent("stranger")
    orchestrator = agent("orchestrator", allowedActors=[worker[0], reviewer[0]])

    jwks = s.get(f"{BASE}/.well-known/jwks.json", timeout=10).json()
    metadata = s.get(f"{BASE}/.well-known/oauth-authorization-server", timeout=10).json()

    def verify(access_token, audience):
        kid = jwt.get_unverified_header(access_token)["kid"]
        key = next(k for k in jwks["keys"] if k["kid"] == kid)
        return jwt.decode(access_token, PyJWK(key).key, algorithms=[key["alg"]],
                          audience=audience, issuer=metadata["issuer"])

    def delegate(subject_token, actor_token, **extra):
        return s.post(f"{BASE}/oauth2/token", timeout=10, data={
            "grant_type": EXCHANGE, "subject_token": subject_token, "subject_token_type": ACCESS_TOKEN,
            "actor_token": actor_token, "actor_token_type": ACCESS_TOKEN, **extra})

    subject = token(*orchestrator, scope="files:read")
    worker_token = token(*worker)
    r = delegate(subject, worker_token, audience=TARGET)
    check(r.status_code == 200, f"delegation: {r.status_code} {r.text}")
    check(r.json()["issued_token_type"] == ACCESS_TOKEN, "issued_token_type")
    claims = verify(r.json()["access_token"], TARGET)
    check(claims["sub"] == orchestrator[0] and claims["act"] == {"sub": worker[0]},
          f"sub and act: {claims}")
    check(claims["scope"] == "files:read" and claims["exp"] <= verify(subject, metadata["issuer"])["exp"],
          f"scope and lifetime within the subject token's: {claims}")

    # Delegated again, by the reviewer, from a token the worker got for this server.
    once = delegate(subject, worker_token).json()["access_token"]
    twice = delegate(once, token(*reviewer))
    check(twice.status_code == 200, f"second delegation: {twice.status_code} {twice.text}")
    nested = verify(twice.json()["access_token"], metadata["issuer"])["act"]
    check(nested == {"sub": reviewer[0], "act": {"sub": worker[0]}}, f"nested act: {nested}")

    for label, response, error in [
        ("an unlisted actor", delegate(subject, token(*stranger)), "invalid_request"),
        ("a widened scope", delegate(subject, worker_token, scope="files:write"), "invalid_scope"),
        ("a longer lifetime", delegate(subject, worker_token, expires_in="86400"), "invalid_request"),
    ]:
        check(response.status_code == 400 and response.json()["error"] == error,
              f"{label} is refused with {error}: {response.status_code} {response.text}")
    print(f"delegation interop: {passed} passed, 0 failed")


main()
