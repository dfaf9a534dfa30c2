"""A local OIDC issuer and its workloads for load/bench-exchange.sh.

    python3 load/exchange.py serve PORT KEY_FILE
        generates an Ed25519 key (KEY_FILE, PEM) and serves, on 127.0.0.1:PORT, the discovery
        document and JWK set of the issuer http://127.0.0.1:PORT until killed.
    python3 load/exchange.py setup BASE ADMIN_ID ADMIN_SECRET ISSUER AGENTS OUT_DIR
        registers AGENTS agents with a secret (OUT_DIR/basic.txt: one Authorization header
        each) and AGENTS workload agents, each with a trust policy for ISSUER pinning its own
        repository id (OUT_DIR/workloads.txt: agent id and repository id).
    python3 load/exchange.py mint ISSUER KEY_FILE COUNT OUT_DIR
        signs COUNT GitHub-shaped identity tokens, each with a fresh jti, cycling over the
        workloads, and writes the /oidc/token bodies to OUT_DIR/exchange.txt.
"""

import base64
import json
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

AUDIENCE = "https://idp.bench.example"


def serve(port, key_file):
    key = Ed25519PrivateKey.generate()
    with open(key_file, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    issuer = f"http://127.0.0.1:{port}"
    documents = {
        "/.well-known/openid-configuration": {"issuer": issuer, "jwks_uri": f"{issuer}/jwks"},
        "/jwks": {"keys": [{"kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig", "kid": "bench",
                            "x": base64.urlsafe_b64encode(raw).rstrip(b"=").decode()}]},
    }

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            body = json.dumps(documents.get(self.path.split("?")[0], {})).encode()
            self.send_response(200 if self.path.split("?")[0] in documents else 404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    ThreadingHTTPServer(("127.0.0.1", int(port)), Handler).serve_forever()


def setup(base, admin_id, admin_secret, issuer, agents, out):
    s = requests.Session()
    token = s.post(f"{base}/oauth2/token", data={"grant_type": "client_credentials"},
                   auth=(admin_id, admin_secret), timeout=30).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    # The admin of a tenant created before the federation scopes existed would need them granted;
    # a fresh server's admin holds them.

    def secret_agent(i):
        r = s.post(f"{base}/v1/agents", headers=headers, timeout=30, json={
            "email": f"basic-{i}@bench.example", "name": f"basic {i}", "agentType": "worker", "version": "1.0.0",
            "owner": "bench", "deploymentEnv": "production", "allowedScopes": ["deploy:write"]})
        agent = r.json()["agentId"]
        secret = s.post(f"{base}/v1/agents/{agent}/credentials", headers=headers, timeout=30).json()["clientSecret"]
        return "Basic " + base64.b64encode(f"{agent}:{secret}".encode()).decode()

    def workload(i):
        r = s.post(f"{base}/v1/agents", headers=headers, timeout=30, json={
            "email": f"workload-{i}@bench.example", "name": f"workload {i}", "agentType": "worker",
            "version": "1.0.0", "owner": "bench", "deploymentEnv": "production", "allowedScopes": ["deploy:write"]})
        agent = r.json()["agentId"]
        p = s.post(f"{base}/v1/oidc/trust-policies", headers=headers, timeout=30, json={
            "agentId": agent, "issuer": issuer, "audience": AUDIENCE,
            "claims": {"repository_id": str(100000 + i), "ref": "refs/heads/main"}})
        if p.status_code != 201:
            raise SystemExit(f"creating a trust policy failed: {p.status_code} {p.text}")
        return f"{agent} {100000 + i}"

    with ThreadPoolExecutor(8) as pool:
        basic = list(pool.map(secret_agent, range(agents)))
        workloads = list(pool.map(workload, range(agents)))
    with open(f"{out}/basic.txt", "w") as f:
        f.write("\n".join(basic) + "\n")
    with open(f"{out}/workloads.txt", "w") as f:
        f.write("\n".join(workloads) + "\n")


def mint(issuer, key_file, count, out):
    with open(key_file, "rb") as f:
        key = serialization.load_pem_private_key(f.read(), password=None)
    workloads = [line.split() for line in open(f"{out}/workloads.txt") if line.strip()]
    now = int(time.time())
    with open(f"{out}/exchange.txt", "w") as f:
        for n in range(count):
            agent, repo = workloads[n % len(workloads)]
            claims = {"iss": issuer, "aud": AUDIENCE, "sub": f"repo:bench/r{repo}:ref:refs/heads/main",
                      "repository": f"bench/r{repo}", "repository_id": repo, "ref": "refs/heads/main",
                      "event_name": "push", "workflow": "bench", "run_id": str(n),
                      "iat": now, "nbf": now, "exp": now + 900, "jti": str(uuid.uuid4())}
            token = jwt.encode(claims, key, algorithm="EdDSA", headers={"kid": "bench"})
            f.write(json.dumps({"token": token, "agentId": agent}) + "\n")


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    if command == "serve":
        serve(*args)
    elif command == "setup":
        setup(args[0], args[1], args[2], args[3], int(args[4]), args[5])
    elif command == "mint":
        mint(args[0], args[1], int(args[2]), args[3])
    else:
        raise SystemExit(__doc__)
