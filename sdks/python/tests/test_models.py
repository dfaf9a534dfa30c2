"""The SDK's wire types are generated from docs/openapi.json and must be current, and every
operation of the API has a method on both clients: a change in the API fails these tests."""

from __future__ import annotations

import json
import pathlib
import re
import subprocess
import sys

from agentidp import AgentIdPClient, AsyncAgentIdPClient
from agentidp._api import OPERATIONS

ROOT = pathlib.Path(__file__).parents[1]
SPEC = json.loads((ROOT.parents[1] / "docs" / "openapi.json").read_text())
#: Operations a client has no business calling, and why.
NOT_IN_THE_CLIENT = {"metrics": "Prometheus scrapes it", "webhook": "only Stripe calls it, signed"}


def test_models_py_is_what_the_generator_writes_from_docs_openapi_json() -> None:
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "generate_models.py"), "--check"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_every_operation_of_the_api_has_a_method_on_both_clients() -> None:
    ids = [op["operationId"] for methods in SPEC["paths"].values() for op in methods.values() if "operationId" in op]
    for op in ids:
        if op in NOT_IN_THE_CLIENT:
            continue
        assert op in OPERATIONS, f"operation {op} has no client method: add one and list it in OPERATIONS"
        for client in (AgentIdPClient, AsyncAgentIdPClient):
            assert callable(getattr(client, OPERATIONS[op], None)), f"{client.__name__} lacks {OPERATIONS[op]}"
    assert set(OPERATIONS) <= set(ids), "OPERATIONS names operations the API no longer has"


def test_the_sdk_version_follows_the_server_version() -> None:
    import tomllib  # Python 3.11+: here only, so the other tests still run on 3.10

    import agentidp

    cargo = (ROOT.parents[1] / "Cargo.toml").read_text()
    server = re.search(r'^version = "([^"]+)"', cargo, re.M)
    assert server is not None
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert agentidp.__version__ == project["version"] == server.group(1)
