"""Prepares load/bench-assertions.sh: registers AGENTS agents with a client secret, AGENTS with
an Ed25519 public key and AGENTS with a P-256 public key on a running server (an agent
authenticates one way), and writes the requests wrk replays:

  basic.txt   one `Authorization: Basic …` value per agent (client_secret_basic);
  EdDSA.txt   COUNT token-request bodies with fresh Ed25519 client assertions, round-robin
  ES256.txt   over the agents; each assertion has its own jti and 5 minutes of life.

  python3 load/assertions.py BASE ADMIN_ID ADMIN_SECRET AGENTS COUNT OUT_DIR [--reuse]

With --reuse the agents listed in OUT_DIR/agents.json are kept and only new assertions are
written (a fresh batch per round, as assertions are single use).
"""

import base64
import json
import os
import sys
import time
import uuid
from urllib.parse import quote

import jwt
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def public_jwk(private):
    public = private.public_key()
    if isinstance(private, ed25519.Ed25519PrivateKey):
        raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return {"kty": "OKP", "crv": "Ed25519", "x": b64(raw)}
    numbers = public.public_numbers()
    return {"kty": "EC", "crv": "P-256", "x": b64(numbers.x.to_bytes(32, "big")),
            "y": b64(numbers.y.to_bytes(32, "big"))}


def pem(private):
    return private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                 serialization.NoEncryption()).decode()


def setup(base, admin_id, admin_secret, count):
    session = requests.Session()
    token = session.post(f"{base}/oauth2/token", data={"grant_type": "client_credentials"},
                         auth=(admin_id, admin_secret), timeout=30).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}

    def new_agent(n):
        body = {"email": f"bench-{n}-{uuid.uuid4().hex[:6]}@example.com", "name": f"bench {n}",
                "agentType": "worker", "version": "1.0.0", "owner": "bench",
                "deploymentEnv": "production", "allowedScopes": ["weather:read"]}
        r = session.post(f"{base}/v1/agents", json=body, headers=headers, timeout=30)
        r.raise_for_status()
        return r.json()["agentId"]

    def credential(agent, body):
        r = session.post(f"{base}/v1/agents/{agent}/credentials", headers=headers, json=body,
                         timeout=30)
        r.raise_for_status()
        return r.json()

    agents = {"basic": [], "EdDSA": [], "ES256": []}
    for n in range(count):
        agent = new_agent(n)
        agents["basic"].append({"id": agent, "secret": credential(agent, {})["clientSecret"]})
        for alg, key in (("EdDSA", ed25519.Ed25519PrivateKey.generate()),
                         ("ES256", ec.generate_private_key(ec.SECP256R1()))):
            agent = new_agent(n)
            credential(agent, {"type": "public_key", "jwk": public_jwk(key)})
            agents[alg].append({"id": agent, "key": pem(key)})
    return agents


def main():
    base, admin_id, admin_secret, count, bodies, out = sys.argv[1:7]
    reuse = "--reuse" in sys.argv[7:]
    os.makedirs(out, exist_ok=True)
    state = os.path.join(out, "agents.json")
    if reuse:
        with open(state) as f:
            agents = json.load(f)
    else:
        agents = setup(base, admin_id, admin_secret, int(count))
        with open(state, "w") as f:
            json.dump(agents, f)
        with open(os.path.join(out, "basic.txt"), "w") as f:
            for a in agents["basic"]:
                f.write("Basic " + base64.b64encode(f"{a['id']}:{a['secret']}".encode()).decode() + "\n")
    audience = f"{base}/oauth2/token"
    now = int(time.time())
    for alg in ("EdDSA", "ES256"):
        keyed = agents[alg]
        private_keys = [serialization.load_pem_private_key(a["key"].encode(), None) for a in keyed]
        with open(os.path.join(out, f"{alg}.txt"), "w") as f:
            for n in range(int(bodies)):
                a = keyed[n % len(keyed)]
                claims = {"iss": a["id"], "sub": a["id"], "aud": audience, "iat": now,
                          "exp": now + 300, "jti": uuid.uuid4().hex}
                assertion = jwt.encode(claims, private_keys[n % len(keyed)], algorithm=alg)
                f.write(f"grant_type=client_credentials&client_assertion_type={quote(ASSERTION_TYPE, safe='')}"
                        f"&client_assertion={assertion}\n")


if __name__ == "__main__":
    main()
