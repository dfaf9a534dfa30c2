#!/usr/bin/env python3
"""Verifies AgentIdP access tokens with an independent JWT library (PyJWT + cryptography).

Usage: BASE=http://127.0.0.1:3000 ADMIN_ID=... ADMIN_SECRET=... python3 verify_with_pyjwt.py
Checks, against the published JWKS only: signature, typ=at+jwt, alg pinned to the key,
issuer, audience and the RFC 9068 claims; and that tampered and alg=none tokens are refused.
"""

import base64
import json
import os
import sys
import urllib.parse
import urllib.request

import jwt
from jwt import PyJWK

BASE = os.environ.get("BASE", "http://127.0.0.1:3000").rstrip("/")
ADMIN_ID = os.environ["ADMIN_ID"]
ADMIN_SECRET = os.environ["ADMIN_SECRET"]
REQUIRED = ["iss", "sub", "aud", "exp", "iat", "jti", "client_id", "scope", "tenant_id"]

passed = 0


def check(condition, message):
    global passed
    if not condition:
        print(f"interop: FAILED: {message}", file=sys.stderr)
        print(f"interop: {passed} passed, 1 failed")
        sys.exit(1)
    passed += 1


def get_json(path):
    with urllib.request.urlopen(BASE + path, timeout=10) as r:
        return json.load(r)


def token():
    body = urllib.parse.urlencode({"grant_type": "client_credentials"}).encode()
    basic = base64.b64encode(f"{ADMIN_ID}:{ADMIN_SECRET}".encode()).decode()
    request = urllib.request.Request(
        BASE + "/oauth2/token",
        data=body,
        headers={"Authorization": f"Basic {basic}", "Content-Type": "application/x-www-form-urlencoded"},
    )
    with urllib.request.urlopen(request, timeout=10) as r:
        return json.load(r)["access_token"]


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


jwks = get_json("/.well-known/jwks.json")
access_token = token()
header = jwt.get_unverified_header(access_token)
check(header.get("typ") == "at+jwt", f"typ is at+jwt (got {header.get('typ')})")
matching = [k for k in jwks["keys"] if k.get("kid") == header.get("kid")]
check(len(matching) == 1, "the token's kid is published in the JWKS")
jwk = PyJWK(matching[0])
check(header["alg"] == matching[0]["alg"], "the header alg equals the key's alg")

claims = jwt.decode(
    access_token,
    key=jwk.key,
    algorithms=[matching[0]["alg"]],
    audience=BASE,
    issuer=BASE,
    options={"require": REQUIRED},
)
check(all(c in claims for c in REQUIRED), "every RFC 9068 claim is present")
check(claims["sub"] == ADMIN_ID and claims["client_id"] == ADMIN_ID, "sub and client_id name the client")

head, payload, signature = access_token.split(".")
forged_claims = dict(claims, scope="everything")
forged = ".".join([head, b64(json.dumps(forged_claims).encode()), signature])
try:
    jwt.decode(forged, key=jwk.key, algorithms=[matching[0]["alg"]], audience=BASE, issuer=BASE)
    check(False, "a tampered payload must not verify")
except jwt.InvalidSignatureError:
    check(True, "")

none_header = b64(json.dumps({"alg": "none", "typ": "at+jwt", "kid": header["kid"]}).encode())
unsigned = f"{none_header}.{payload}."
try:
    jwt.decode(unsigned, key=jwk.key, algorithms=[matching[0]["alg"]], audience=BASE, issuer=BASE)
    check(False, "an alg=none token must not verify")
except jwt.InvalidTokenError:
    check(True, "")

print(f"interop: verified a {header['alg']} token from {BASE} with PyJWT {jwt.__version__}")
print(f"interop: {passed} passed, 0 failed")
