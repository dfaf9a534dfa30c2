"""Test harness: a real agentidp (binary from AGENTIDP_BIN, SQLite in a temp dir) per test module,
and a local HTTP stand-in for the conformance cases."""

from __future__ import annotations

import json
import os
import pathlib
import re
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from agentidp import AgentIdPClient, ClientCredentialsTokenProvider

CASES = json.loads((pathlib.Path(__file__).parents[2] / "conformance" / "cases.json").read_text())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    base_url: str
    admin_id: str
    admin_secret: str
    process: subprocess.Popen[bytes]

    def admin(self) -> AgentIdPClient:
        tokens = ClientCredentialsTokenProvider(self.base_url, self.admin_id, self.admin_secret)
        return AgentIdPClient(self.base_url, token_provider=tokens)


def start_server(**env: str) -> tuple[Server, Callable[[], None]]:
    binary = os.environ.get("AGENTIDP_BIN")
    if not binary:
        pytest.fail("set AGENTIDP_BIN to the agentidp binary (cargo build --bin agentidp)")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    workdir = tempfile.TemporaryDirectory(prefix="agentidp-python-sdk-")
    log = open(pathlib.Path(workdir.name) / "server.log", "wb+")  # noqa: SIM115 - closed by stop()
    process = subprocess.Popen(
        [binary, "serve"], cwd=workdir.name, stdout=log, stderr=subprocess.STDOUT,
        env={**os.environ, "BIND_ADDR": f"127.0.0.1:{port}", "PUBLIC_URL": base, "RUST_LOG": "warn", **env},
    )
    text = ""
    for _ in range(300):
        log.seek(0)
        text = log.read().decode(errors="replace")
        if re.search(r"^client_secret:", text, re.M) or process.poll() is not None:
            break
        time.sleep(0.05)
    found_id = re.search(r"^client_id:\s*(\S+)", text, re.M)
    found_secret = re.search(r"^client_secret:\s*(\S+)", text, re.M)
    if not found_id or not found_secret:
        process.kill()
        pytest.fail(f"agentidp did not start:\n{text}")
    for _ in range(100):
        try:
            if httpx.get(f"{base}/health").is_success:
                break
        except httpx.HTTPError:
            time.sleep(0.05)

    def stop() -> None:
        process.kill()
        process.wait()
        log.close()
        workdir.cleanup()

    return Server(base, found_id.group(1), found_secret.group(1), process), stop


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    srv, stop = start_server(MARKETPLACE_ENABLED="true", SIGNUP_ENABLED="true")
    yield srv
    stop()


def agent_body(**extra: Any) -> dict[str, Any]:
    """A valid registration with a unique e-mail."""
    return {
        "email": f"bot-{uuid.uuid4().hex}@example.com", "name": "Weather bot", "agentType": "retrieval",
        "version": "1.0.0", "owner": "weather-team", "deploymentEnv": "production",
        "allowedScopes": ["weather:read", "weather:write"], **extra,
    }


@dataclass
class StandIn:
    """A local HTTP server answering each request with ``handler(index, path, body)``."""

    handler: Callable[[int, str, str], tuple[int, dict[str, str], Any, float]]
    requests: list[dict[str, Any]] = field(default_factory=list)

    def __enter__(self) -> StandIn:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode()
                index = len(outer.requests)
                outer.requests.append({"path": self.path, "headers": dict(self.headers), "body": body, "at": time.monotonic()})
                status, headers, payload, delay = outer.handler(index, self.path, body)
                time.sleep(delay)
                data = b"" if payload is None else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _answer

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
