"""The runnable examples, run as a user would against a real agentidp: the agent example calls
each protected-service example (FastAPI, Flask) with its token."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from agentidp import ClientCredentialsTokenProvider
from conftest import Server, agent_body, free_port

EXAMPLES = pathlib.Path(__file__).parents[1] / "examples"


@pytest.fixture(scope="module")
def agents(server: Server) -> dict[str, tuple[str, str]]:
    admin = server.admin()
    made = {}
    for name, scopes in (("reader", ["weather:read"]), ("writer", ["weather:write"])):
        agent = admin.create_agent(agent_body(allowedScopes=scopes))
        made[name] = (agent["agentId"], admin.create_credential(agent["agentId"])["clientSecret"])
    return made


@pytest.fixture(params=["fastapi_app.py", "flask_app.py"])
def service(request: pytest.FixtureRequest, server: Server) -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "AGENTIDP_URL": server.base_url, "PORT": str(port)}
    process = subprocess.Popen([sys.executable, str(EXAMPLES / request.param)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/forecast"
    try:
        for _ in range(200):
            try:
                httpx.get(url)
                break
            except httpx.HTTPError:
                time.sleep(0.05)
        yield url
    finally:
        process.kill()
        process.wait()


def test_the_agent_examples_token_is_accepted_and_others_are_refused(server: Server, agents: dict[str, tuple[str, str]], service: str) -> None:
    reader_id, reader_secret = agents["reader"]
    env = {**os.environ, "AGENTIDP_URL": server.base_url, "AGENT_ID": reader_id, "AGENT_SECRET": reader_secret, "SERVICE_URL": service}
    out = subprocess.run([sys.executable, str(EXAMPLES / "agent.py")], env=env, capture_output=True, text=True, check=True).stdout
    assert out.startswith("200 ")
    assert json.loads(out[4:])["for"] == reader_id

    anonymous = httpx.get(service)
    assert (anonymous.status_code, anonymous.headers["www-authenticate"]) == (401, "Bearer")
    garbage = httpx.get(service, headers={"Authorization": "Bearer not.a.jwt"})
    assert garbage.status_code == 401
    assert garbage.headers["www-authenticate"].startswith('Bearer, error="invalid_token"')

    writer = ClientCredentialsTokenProvider(server.base_url, *agents["writer"])
    forbidden = httpx.get(service, headers={"Authorization": f"Bearer {writer.get_token()}"})
    assert forbidden.status_code == 403
    assert 'error="insufficient_scope"' in forbidden.headers["www-authenticate"]
    assert 'scope="weather:read"' in forbidden.headers["www-authenticate"]
    body = forbidden.json()
    assert body.get("code", body.get("detail", {}).get("code")) == "insufficient_scope"
