"""TokenVerifier.verify against calling PyJWT's jwt.decode directly on the same token with the
same checks, for RS256, ES256 and EdDSA, in one process (one core): alternating rounds, median of
each. The JWKS is served by a local HTTP server and fetched once, as in production.

    python bench/verify.py [rounds=7] [seconds-per-round=1]
"""

from __future__ import annotations

import json
import pathlib
import statistics
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt

from agentidp import TokenVerifier

CASES = json.loads((pathlib.Path(__file__).parents[2] / "conformance" / "cases.json").read_text())["verifier"]
OPTIONS = CASES["options"]
ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 else 7
ROUND_SECONDS = float(sys.argv[2]) if len(sys.argv) > 2 else 1.0


class Jwks(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = json.dumps(CASES["jwks"]).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


def rate(fn: Callable[[], Any]) -> float:
    """Verifications per second of ``fn`` over about ROUND_SECONDS."""
    n = 0
    start = time.perf_counter()
    while time.perf_counter() - start < ROUND_SECONDS:
        for _ in range(50):
            fn()
        n += 50
    return n / (time.perf_counter() - start)


def main() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Jwks)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    verifier = TokenVerifier(OPTIONS["issuer"], OPTIONS["audience"], jwks_url=f"http://127.0.0.1:{server.server_address[1]}/jwks.json")
    print("| algorithm | PyJWT jwt.decode (verifications/s) | TokenVerifier.verify | ratio |")
    print("|---|---:|---:|---:|")
    for alg, kid, case in (("RS256", "rs-1", "valid-rs256"), ("ES256", "es-1", "valid-es256"), ("EdDSA", "ed-1", "valid-eddsa")):
        token = next(c["token"] for c in CASES["cases"] if c["id"] == case)
        key = jwt.PyJWK(next(k for k in CASES["jwks"]["keys"] if k["kid"] == kid)).key
        options = {"require": ["exp", "iat", "sub", "jti"]}

        def direct(token: str = token, key: Any = key, alg: str = alg) -> Any:
            return jwt.decode(token, key, algorithms=[alg], audience=OPTIONS["audience"], issuer=OPTIONS["issuer"], leeway=30, options=options)

        def ours(token: str = token) -> Any:
            return verifier.verify(token, OPTIONS["requiredScopes"])

        rate(direct), rate(ours)  # warm-up, and the one JWKS fetch
        a, b = [], []
        for _ in range(ROUNDS):
            a.append(rate(direct))
            b.append(rate(ours))
        ma, mb = statistics.median(a), statistics.median(b)
        print(f"| {alg} | {ma:.0f} | {mb:.0f} | {100 * mb / ma:.0f} % |")
    server.shutdown()


if __name__ == "__main__":
    main()
