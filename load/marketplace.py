"""Seeds a marketplace for load/bench-marketplace.sh and writes the search mix.

    python3 load/marketplace.py BASE TENANTS PUBLIC_PER_TENANT PRIVATE_PER_TENANT OUT_FILE

Signs up TENANTS tenants (the server runs with SIGNUP_ENABLED=true) and registers through the
API, in parallel, PUBLIC_PER_TENANT public agents with a complete A2A card and
PRIVATE_PER_TENANT private ones in each. Names, descriptions and skills are drawn from a
vocabulary of 2,000 words with Zipf-like frequencies (a few words are in a third of the agents,
most in a handful), capabilities from 300 tokens. OUT_FILE gets 5,000 search paths: one or
two words (one of them a prefix a third of the time) and a capability, drawn with the same
frequencies, so common words are searched most often. Prints the registrations' latency
percentiles: what listing an agent (its full-text index entry) costs a writer.
"""

import random
import sys
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

import requests

BASE, TENANTS, PUBLIC, PRIVATE, OUT = sys.argv[1], *map(int, sys.argv[2:5]), sys.argv[5]
rng = random.Random(7)
SYLLABLES = ["ka", "lo", "mi", "ne", "su", "ta", "ri", "po", "ve", "zu", "an", "el", "or", "is", "um"]
VOCAB = sorted({"".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))) for _ in range(3000)})[:2000]
rng.shuffle(VOCAB)
WEIGHTS = [1 / (i + 1) for i in range(len(VOCAB))]
DOMAINS = ["weather", "text", "code", "data", "image", "audio", "search", "finance", "health", "travel"]
CAPABILITIES = [f"{d}:{rng.choice(VOCAB)}" for d in DOMAINS for _ in range(30)]


def words(n, r):
    return " ".join(r.choices(VOCAB, WEIGHTS, k=n))


def agent(tenant, i, public):
    r = random.Random(tenant * 100_003 + i)
    body = {
        "email": f"a{i}@t{tenant}.example", "name": words(2, r).title(), "description": words(12, r),
        "agentType": "worker", "version": "1.0.0", "owner": "bench", "deploymentEnv": "production",
        "isPublic": public, "capabilities": sorted(set(r.sample(CAPABILITIES, r.randint(1, 3)))),
    }
    if public:
        body["endpointUrl"] = f"https://t{tenant}.example/agents/{i}"
        body["skills"] = [{"id": f"s{k}", "name": words(2, r), "description": words(8, r),
                           "tags": words(2, r).split()} for k in range(r.randint(1, 3))]
    return body


LATENCIES = []


def seed_tenant(t):
    s = requests.Session()
    r = s.post(f"{BASE}/v1/tenants", json={"name": f"publisher-{t:04d}"}, timeout=30)
    r.raise_for_status()
    admin = r.json()["admin"]
    token = s.post(f"{BASE}/oauth2/token", data={"grant_type": "client_credentials"},
                   auth=(admin["clientId"], admin["clientSecret"]), timeout=30).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    for i in range(PUBLIC + PRIVATE):
        start = time.perf_counter()
        r = s.post(f"{BASE}/v1/agents", json=agent(t, i, i < PUBLIC), headers=headers, timeout=30)
        LATENCIES.append(time.perf_counter() - start)
        if r.status_code != 201:
            raise SystemExit(f"registering an agent failed: {r.status_code} {r.text}")


def main():
    with ThreadPoolExecutor(8) as pool:
        for n, _ in enumerate(pool.map(seed_tenant, range(TENANTS)), 1):
            if n % 100 == 0:
                print(f"  {n} tenants seeded", file=sys.stderr)
    ms = sorted(1000 * x for x in LATENCIES)
    print(f"registrations: {len(ms)}, p50 {ms[len(ms) // 2]:.1f} ms, p99 {ms[len(ms) * 99 // 100]:.1f} ms, "
          f"max {ms[-1]:.1f} ms (8 in parallel)", file=sys.stderr)
    with open(OUT, "w") as out:
        for _ in range(5000):
            terms = rng.choices(VOCAB, WEIGHTS, k=rng.randint(1, 2))
            if rng.random() < 1 / 3:
                terms[-1] = terms[-1][: max(2, len(terms[-1]) - 2)]
            query = {"q": " ".join(terms), "capability": rng.choice(CAPABILITIES)}
            out.write(f"/v1/marketplace/agents?{urllib.parse.urlencode(query)}\n")


main()
