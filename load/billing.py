#!/usr/bin/env python3
"""Sets up the billing benchmark's fleet: TENANTS tenants signed up through POST /v1/tenants,
each registering AGENTS agents with a secret, half of the tenants put on the pro plan.
Writes OUT/basic.txt: one `Basic …` Authorization header per agent, tenants interleaved so
consecutive requests come from different tenants.

  python3 billing.py BASE TENANTS AGENTS OUT
"""

import base64
import sys
from concurrent.futures import ThreadPoolExecutor

import requests


def tenant(base, i, agents):
    s = requests.Session()
    r = s.post(f"{base}/v1/tenants", json={"name": f"bench-{i}"}, timeout=30)
    if r.status_code != 201:
        raise SystemExit(f"sign-up failed: {r.status_code} {r.text}")
    admin = r.json()["admin"]
    token = s.post(f"{base}/oauth2/token", data={"grant_type": "client_credentials"},
                   auth=(admin["clientId"], admin["clientSecret"]), timeout=30).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    lines = []
    for j in range(agents):
        agent = s.post(f"{base}/v1/agents", headers=headers, timeout=30, json={
            "email": f"agent-{j}@bench-{i}.example", "name": f"agent {j}", "agentType": "worker",
            "version": "1.0.0", "owner": "bench", "deploymentEnv": "production",
            "allowedScopes": ["files:read"]}).json()["agentId"]
        secret = s.post(f"{base}/v1/agents/{agent}/credentials", headers=headers,
                        timeout=30).json()["clientSecret"]
        lines.append("Basic " + base64.b64encode(f"{agent}:{secret}".encode()).decode())
    return lines


def main():
    base, tenants, agents, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    with ThreadPoolExecutor(8) as pool:
        per_tenant = list(pool.map(lambda i: tenant(base, i, agents), range(tenants)))
    interleaved = [line for row in zip(*per_tenant) for line in row]
    with open(f"{out}/basic.txt", "w") as f:
        f.write("\n".join(interleaved) + "\n")


main()
