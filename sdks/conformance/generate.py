"""Writes cases.json: the scenarios every AgentIdP SDK's tests run, with signed test vectors.

The verifier cases carry real tokens signed by throw-away keys whose public halves are in the
file, so every SDK checks the same bytes. Valid tokens expire in 2100; regenerate with
`python3 sdks/conformance/generate.py` (needs `pyjwt[crypto]`) when a case is added.
"""

import base64
import hashlib
import hmac
import json
import pathlib

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm

ISSUER = "https://idp.conformance.test"
AUDIENCE = "https://api.conformance.test"
LATER = 4102444800  # 2100-01-01
IAT = 1767225600  # 2026-01-01


def public_jwk(private, kid, alg, algorithm):
    jwk = json.loads(algorithm.to_jwk(private.public_key()))
    jwk.update({"kid": kid, "alg": alg, "use": "sig"})
    return jwk


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def claims(**overrides):
    base = {
        "iss": ISSUER,
        "sub": "6f1c2a9e-3b7d-4c1e-9a55-0d2f8e4b7c10",
        "aud": AUDIENCE,
        "exp": LATER,
        "iat": IAT,
        "nbf": IAT,
        "jti": "d3b07384-d113-4ec6-a2c4-1b2e0c6f7a11",
        "client_id": "6f1c2a9e-3b7d-4c1e-9a55-0d2f8e4b7c10",
        "scope": "weather:read weather:write",
        "tenant_id": "0b8e6f3c-1d2a-4e5f-8a9b-7c6d5e4f3a21",
    }
    for key, value in overrides.items():
        if value is None:
            base.pop(key, None)
        else:
            base[key] = value
    return base


def main() -> None:
    rs = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    es = ec.generate_private_key(ec.SECP256R1())
    ed = ed25519.Ed25519PrivateKey.generate()
    es2 = ec.generate_private_key(ec.SECP256R1())
    keys = {
        "rs-1": (rs, "RS256", RSAAlgorithm),
        "es-1": (es, "ES256", ECAlgorithm),
        "ed-1": (ed, "EdDSA", OKPAlgorithm),
        "es-2": (es2, "ES256", ECAlgorithm),
    }
    jwks = [public_jwk(k, kid, alg, a) for kid, (k, alg, a) in keys.items() if kid != "es-2"]
    rotated = jwks + [public_jwk(es2, "es-2", "ES256", ECAlgorithm)]

    def sign(signer, body=None, typ="at+jwt", kid=None):
        key, alg, _ = keys[signer]
        head = {"kid": kid or signer, "typ": typ}
        return jwt.encode(body or claims(), key, algorithm=alg, headers=head)

    def unsigned(header, body):
        return f"{b64(json.dumps(header).encode())}.{b64(json.dumps(body).encode())}."

    # The classic confusion attack: the RSA public key, as PEM, used as an HMAC secret.
    rs_public_pem = rs.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    hs_header = b64(json.dumps({"alg": "HS256", "kid": "rs-1", "typ": "at+jwt"}).encode())
    hs_body = b64(json.dumps(claims()).encode())
    hs_sig = b64(hmac.new(rs_public_pem, f"{hs_header}.{hs_body}".encode(), hashlib.sha256).digest())
    valid = sign("es-1")
    head, body, sig = valid.split(".")
    tampered_body = b64(json.dumps(claims(scope="admin")).encode())

    def ok(id, token, description, **expect):
        return {"id": id, "description": description, "token": token, "expect": {"ok": True, **expect}}

    def refused(id, token, description, error, **extra):
        return {"id": id, "description": description, "token": token, "expect": {"ok": False, "error": error}, **extra}

    subject = claims()["sub"]
    verifier = [
        ok("valid-rs256", sign("rs-1"), "An RS256 token from a published key is accepted.", sub=subject, scopes=["weather:read", "weather:write"]),
        ok("valid-es256", valid, "An ES256 token from a published key is accepted.", sub=subject, scopes=["weather:read", "weather:write"]),
        ok("valid-eddsa", sign("ed-1"), "An EdDSA (Ed25519) token from a published key is accepted.", sub=subject, scopes=["weather:read", "weather:write"]),
        ok("audience-in-array", sign("es-1", claims(aud=["https://other.test", AUDIENCE])), "An audience array that contains ours is accepted.", sub=subject),
        ok("delegated", sign("es-1", claims(client_id="a1a1a1a1-0000-4000-8000-000000000001", act={"sub": "a1a1a1a1-0000-4000-8000-000000000001", "act": {"sub": "b2b2b2b2-0000-4000-8000-000000000002"}})),
           "A delegated token is accepted and its actor chain returned, current actor first.", sub=subject,
           actor="a1a1a1a1-0000-4000-8000-000000000001", delegationChain=["a1a1a1a1-0000-4000-8000-000000000001", "b2b2b2b2-0000-4000-8000-000000000002"]),
        ok("key-rotated", sign("es-2"), "A token from a key published after the verifier's first fetch is accepted after one refetch (the JWKS server serves rotatedJwks from its second request on).", sub=subject),
        refused("expired", sign("es-1", claims(exp=IAT + 300)), "A token past its exp (beyond the 30 s leeway) is refused.", "expired"),
        refused("not-yet-valid", sign("es-1", claims(nbf=LATER - 60)), "A token whose nbf is in the future is refused.", "not_yet_valid"),
        refused("wrong-audience", sign("es-1", claims(aud="https://other.test")), "A token for another audience is refused.", "invalid_audience"),
        refused("wrong-issuer", sign("es-1", claims(iss="https://evil.test")), "A token from another issuer is refused.", "invalid_issuer"),
        refused("alg-none", unsigned({"alg": "none", "kid": "es-1", "typ": "at+jwt"}, claims()), "An unsigned token (alg none) is refused.", "algorithm_rejected"),
        refused("hs256-with-public-key", f"{hs_header}.{hs_body}.{hs_sig}", "An HS256 token MACed with the RSA public key (algorithm confusion) is refused.", "algorithm_rejected"),
        refused("alg-not-the-keys", sign("rs-1", kid="es-1"), "An RS256 token naming an ES256 key's kid is refused: the algorithm is pinned to the key.", "algorithm_rejected"),
        refused("unknown-kid", sign("es-1", kid="nobody"), "A token naming a kid that is not published, even after one refetch, is refused.", "unknown_key"),
        refused("missing-scope", sign("es-1", claims(scope="weather:write")), "A token without a required scope is refused with 403 semantics.", "insufficient_scope"),
        refused("bad-signature", f"{head}.{tampered_body}.{sig}", "A token whose payload was changed after signing is refused.", "invalid_signature"),
        refused("wrong-typ", sign("es-1", typ="JWT"), "A JWT that is not an access token (typ other than at+jwt) is refused.", "invalid_type"),
        refused("missing-exp", sign("es-1", claims(exp=None)), "A token without exp is refused.", "malformed"),
        refused("malformed", "not-a-jwt", "Something that is not a JWS compact serialisation is refused.", "malformed"),
    ]

    token = lambda n: {"access_token": f"token-{n}", "token_type": "Bearer", "expires_in": 300, "scope": "weather:read"}
    oauth_error = lambda code, text: {"error": code, "error_description": text}
    provider = [
        {"id": "caches-token", "description": "Two calls within the token's lifetime make one token request and return the same token.",
         "responses": [{"status": 200, "body": token(1)}], "calls": 2, "expect": {"requests": 1, "tokens": ["token-1", "token-1"]}},
        {"id": "refreshes-before-expiry", "description": "A token is refreshed once less than min(lifetime/5, 60 s) of it is left: with expires_in 1 the second call (after 1 s) fetches again.",
         "responses": [{"status": 200, "body": {**token(1), "expires_in": 1}}, {"status": 200, "body": token(2)}], "calls": 2, "pauseMs": 1000,
         "expect": {"requests": 2, "tokens": ["token-1", "token-2"]}},
        {"id": "single-flight", "description": "Ten concurrent calls on an empty cache make one token request.",
         "responses": [{"status": 200, "body": token(1), "delayMs": 200}], "calls": 10, "concurrent": True, "expect": {"requests": 1, "tokens": ["token-1"] * 10}},
        {"id": "retries-429-with-retry-after", "description": "A 429 with Retry-After: 1 is retried no sooner than 1 s later.",
         "responses": [{"status": 429, "headers": {"Retry-After": "1"}, "body": oauth_error("too_many_requests", "slow down")}, {"status": 200, "body": token(1)}],
         "calls": 1, "expect": {"requests": 2, "tokens": ["token-1"], "minElapsedMs": 1000}},
        {"id": "retries-5xx-with-backoff", "description": "A 503 then a 500 are retried with backoff, then the token is returned.",
         "responses": [{"status": 503, "body": oauth_error("temporarily_unavailable", "try later")}, {"status": 500, "body": oauth_error("server_error", "oops")}, {"status": 200, "body": token(1)}],
         "calls": 1, "expect": {"requests": 3, "tokens": ["token-1"]}},
        {"id": "gives-up-after-retries", "description": "Persistent 503s fail with the server's error after the retry budget (3 retries: 4 requests).",
         "responses": [{"status": 503, "body": oauth_error("temporarily_unavailable", "try later")}] * 4,
         "calls": 1, "expect": {"requests": 4, "error": {"status": 503, "code": "temporarily_unavailable"}}},
        {"id": "invalid-client-not-retried", "description": "A 401 invalid_client fails at once with the OAuth error as code.",
         "responses": [{"status": 401, "body": oauth_error("invalid_client", "client authentication failed")}],
         "calls": 1, "expect": {"requests": 1, "error": {"status": 401, "code": "invalid_client"}}},
    ]

    client = [
        {"id": "pagination", "description": "Listing agents with a page size of 2 iterates every page: 5 created agents are all seen, each once.",
         "create": 5, "pageSize": 2},
        {"id": "not-found", "description": "Getting an agent that does not exist fails with the REST error body mapped.",
         "call": "getAgent", "agentId": "00000000-0000-4000-8000-000000000000", "expect": {"status": 404, "code": "AGENT_NOT_FOUND"}},
        {"id": "validation-details", "description": "A refused body fails with status 400 and the server's details object.",
         "call": "createAgent", "body": {"email": "not-an-email", "name": "x", "agentType": "retrieval", "version": "1.0.0", "owner": "t", "deploymentEnv": "production"},
         "expect": {"status": 400, "code": "VALIDATION_ERROR"}},
        {"id": "oauth-error", "description": "A token request with a wrong secret fails with the OAuth error as code.",
         "call": "token", "expect": {"status": 401, "code": "invalid_client"}},
    ]

    out = {
        "description": "Scenarios every AgentIdP SDK's tests run; see README.md next to this file.",
        "verifier": {
            "options": {"issuer": ISSUER, "audience": AUDIENCE, "requiredScopes": ["weather:read"], "leewaySeconds": 30},
            "jwks": {"keys": jwks},
            "rotatedJwks": {"keys": rotated},
            "errors": ["malformed", "invalid_type", "algorithm_rejected", "unknown_key", "invalid_signature", "expired",
                       "not_yet_valid", "invalid_issuer", "invalid_audience", "insufficient_scope", "jwks_unavailable"],
            "cases": verifier,
        },
        "tokenProvider": {"clientId": "6f1c2a9e-3b7d-4c1e-9a55-0d2f8e4b7c10", "clientSecret": "sk_conformance", "cases": provider},
        "client": {"cases": client},
    }
    path = pathlib.Path(__file__).with_name("cases.json")
    path.write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
