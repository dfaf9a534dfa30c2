"""private_key_jwt (RFC 7523) against a running agentidp, driven by authlib, an OAuth client
library written elsewhere: an agent with an Ed25519, a P-256 and an RSA key gets tokens through
authlib's PrivateKeyJWT client authentication, and the server refuses a replayed assertion, an
expired one, one for another audience, an HS256 one keyed with the public key, and a JWK with
private members.

Environment: BASE (server URL), ADMIN_ID and ADMIN_SECRET (the bootstrap admin's credentials).
"""

import json
import os
import sys
import time
import uuid

import requests
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7523 import PrivateKeyJWT, private_key_jwt_sign
from joserfc import jwt
from joserfc.jwk import ECKey, OctKey, OKPKey, RSAKey

BASE = os.environ["BASE"]
TOKEN_ENDPOINT = f"{BASE}/oauth2/token"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


class PrivateKeyJWT60(PrivateKeyJWT):
    """authlib's PrivateKeyJWT with 60-second assertions: its default lifetime, an hour, is
    beyond the 5 minutes the server accepts."""

    def sign(self, auth, token_endpoint):
        return private_key_jwt_sign(
            auth.client_secret,
            client_id=auth.client_id,
            token_endpoint=token_endpoint,
            claims=self.claims,
            header=self.headers,
            alg=self.alg,
            expires_in=60,
        )


def admin_token():
    r = requests.post(
        TOKEN_ENDPOINT,
        data={"grant_type": "client_credentials"},
        auth=(os.environ["ADMIN_ID"], os.environ["ADMIN_SECRET"]),
        timeout=10,
    )
    r.raise_for_status()
    return r.json()["access_token"]


def new_agent(token, name):
    body = {
        "email": f"{name}-{uuid.uuid4().hex[:8]}@example.com",
        "name": name,
        "agentType": "worker",
        "version": "1.0.0",
        "owner": "interop",
        "deploymentEnv": "development",
        "allowedScopes": ["weather:read"],
    }
    r = requests.post(f"{BASE}/v1/agents", json=body, headers=bearer(token), timeout=10)
    r.raise_for_status()
    return r.json()["agentId"]


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def register(token, agent, public_jwk):
    return requests.post(
        f"{BASE}/v1/agents/{agent}/credentials",
        json={"type": "public_key", "jwk": public_jwk},
        headers=bearer(token),
        timeout=10,
    )


def post_assertion(assertion):
    return requests.post(
        TOKEN_ENDPOINT,
        data={
            "grant_type": "client_credentials",
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": assertion,
        },
        timeout=10,
    )


def text(assertion):
    return assertion.decode() if isinstance(assertion, bytes) else assertion


def expect_refused(response, what):
    body = response.json()
    if response.status_code != 401 or body.get("error") != "invalid_client":
        sys.exit(f"{what}: expected 401 invalid_client, got {response.status_code} {body}")
    print(f"refused as expected: {what} ({body.get('error_description')})")


def main():
    token = admin_token()
    # EdDSA is the name RFC 8037 gave Ed25519 signatures, Ed25519 the one RFC 9864 gives them.
    keys = [
        ("EdDSA", OKPKey.generate_key("Ed25519")),
        ("Ed25519", OKPKey.generate_key("Ed25519")),
        ("ES256", ECKey.generate_key("P-256")),
        ("RS256", RSAKey.generate_key(2048)),
    ]
    for alg, private_jwk in keys:
        public_jwk = private_jwk.as_dict(private=False)
        agent = new_agent(token, f"authlib-{alg.lower()}")
        created = register(token, agent, public_jwk)
        if created.status_code != 201:
            sys.exit(f"{alg}: registering the public key failed: {created.status_code} {created.text}")
        if created.json()["kid"] != private_jwk.thumbprint():
            sys.exit(f"{alg}: kid {created.json()['kid']} is not the RFC 7638 thumbprint")
        session = OAuth2Session(
            client_id=agent,
            client_secret=private_jwk,
            token_endpoint_auth_method=PrivateKeyJWT60(TOKEN_ENDPOINT, alg=alg),
        )
        issued = session.fetch_token(TOKEN_ENDPOINT, grant_type="client_credentials")
        if issued.get("token_type") != "Bearer" or "weather:read" not in issued.get("scope", ""):
            sys.exit(f"{alg}: unexpected token response {issued}")
        print(f"{alg}: token issued through authlib's PrivateKeyJWT")

        once = text(private_key_jwt_sign(private_jwk, agent, TOKEN_ENDPOINT, alg=alg, expires_in=60))
        if post_assertion(once).status_code != 200:
            sys.exit(f"{alg}: a fresh assertion was refused")
        expect_refused(post_assertion(once), f"{alg} replayed assertion")
        now = int(time.time())
        expired = text(private_key_jwt_sign(
            private_jwk, agent, TOKEN_ENDPOINT, alg=alg,
            claims={"iat": now - 600, "exp": now - 300},
        ))
        expect_refused(post_assertion(expired), f"{alg} expired assertion")
        elsewhere = text(private_key_jwt_sign(
            private_jwk, agent, "https://elsewhere.example/token", alg=alg, expires_in=60
        ))
        expect_refused(post_assertion(elsewhere), f"{alg} assertion for another audience")

    agent = new_agent(token, "authlib-hs256")
    ed = OKPKey.generate_key("Ed25519")
    register(token, agent, ed.as_dict(private=False)).raise_for_status()
    now = int(time.time())
    claims = {"iss": agent, "sub": agent, "aud": TOKEN_ENDPOINT, "exp": now + 60,
              "jti": uuid.uuid4().hex}
    public_text = json.dumps(ed.as_dict(private=False))
    hs256 = jwt.encode({"alg": "HS256"}, claims, OctKey.import_key(public_text))
    expect_refused(post_assertion(hs256), "HS256 assertion keyed with the public key")

    leaked = register(token, agent, ed.as_dict(private=True))
    if leaked.status_code != 400 or "private member" not in leaked.json().get("message", ""):
        sys.exit(f"a JWK with private members was not refused: {leaked.status_code} {leaked.text}")
    print("refused as expected: a JWK with private members")
    print("private_key_jwt with authlib: ok")


if __name__ == "__main__":
    main()
