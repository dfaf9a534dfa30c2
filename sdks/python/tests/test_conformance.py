"""The shared conformance cases (sdks/conformance/cases.json), run by this SDK, blocking and async."""

from __future__ import annotations

import asyncio
import base64
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from agentidp import AgentIdPError, ClientCredentialsTokenProvider, RetryPolicy, TokenVerificationError, TokenVerifier
from conftest import CASES, Server, StandIn, agent_body

VERIFIER = CASES["verifier"]
OPTIONS = VERIFIER["options"]
VALID_ES256 = next(c["token"] for c in VERIFIER["cases"] if c["id"] == "valid-es256")


def jwks_stand_in() -> StandIn:
    # The first set once, then the rotated one: a key published after the verifier's first
    # fetch is found by its refetch on an unknown kid.
    return StandIn(lambda n, _p, _b: (200, {}, VERIFIER["jwks"] if n == 0 else VERIFIER["rotatedJwks"], 0))


def verifier_for(url: str, cooldown: float = 0) -> TokenVerifier:
    return TokenVerifier(OPTIONS["issuer"], OPTIONS["audience"], required_scopes=OPTIONS["requiredScopes"],
                         leeway=OPTIONS["leewaySeconds"], jwks_url=f"{url}/jwks.json", jwks_cooldown=cooldown)


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("case", VERIFIER["cases"], ids=lambda c: c["id"])
def test_the_verifier_reaches_each_conformance_verdict(case: dict[str, Any], mode: str) -> None:
    with jwks_stand_in() as jwks:
        verifier = verifier_for(jwks.url)

        def verify(token: str) -> Any:
            return verifier.verify(token) if mode == "sync" else asyncio.run(verifier.verify_async(token))

        if case["id"] in ("key-rotated", "unknown-kid"):
            verify(VALID_ES256)
        expect = case["expect"]
        if expect["ok"]:
            verified = verify(case["token"])
            assert verified.agent_id == expect["sub"]
            if "scopes" in expect:
                assert list(verified.scopes) == expect["scopes"]
            if "actor" in expect:
                assert verified.actor == expect["actor"]
            if "delegationChain" in expect:
                assert verified.delegation_chain == expect["delegationChain"]
        else:
            with pytest.raises(TokenVerificationError) as refused:
                verify(case["token"])
            assert refused.value.code == expect["error"], refused.value.message
            assert refused.value.status == (403 if expect["error"] == "insufficient_scope" else 401)
        if case["id"] in ("key-rotated", "unknown-kid"):
            assert len(jwks.requests) == 2, "one refetch on the unknown kid"


def test_unknown_kids_do_not_refetch_the_jwks_within_the_cooldown() -> None:
    forged = next(c["token"] for c in VERIFIER["cases"] if c["id"] == "unknown-kid")
    with jwks_stand_in() as jwks:
        verifier = verifier_for(jwks.url, cooldown=30)
        verifier.verify(VALID_ES256)
        for _ in range(20):
            with pytest.raises(TokenVerificationError, match="kid"):
                verifier.verify(forged)
        assert len(jwks.requests) == 1


def test_an_unreachable_jwks_is_jwks_unavailable_with_status_503() -> None:
    verifier = TokenVerifier(OPTIONS["issuer"], OPTIONS["audience"], jwks_url="http://127.0.0.1:9/jwks.json")
    with pytest.raises(TokenVerificationError) as refused:
        verifier.verify(VALID_ES256)
    assert (refused.value.code, refused.value.status) == ("jwks_unavailable", 503)


PROVIDER = CASES["tokenProvider"]


def scripted(case: dict[str, Any]) -> StandIn:
    def answer(n: int, _path: str, _body: str) -> tuple[int, dict[str, str], Any, float]:
        r = case["responses"][min(n, len(case["responses"]) - 1)]
        return r["status"], r.get("headers", {}), r["body"], r.get("delayMs", 0) / 1000

    return StandIn(answer)


def run_provider(provider: ClientCredentialsTokenProvider, case: dict[str, Any], mode: str) -> list[str]:
    calls = case["calls"]
    if mode == "async":
        async def go() -> list[str]:
            if case.get("concurrent"):
                return list(await asyncio.gather(*(provider.get_token_async() for _ in range(calls))))
            tokens = []
            for i in range(calls):
                if i and case.get("pauseMs"):
                    await asyncio.sleep(case["pauseMs"] / 1000)
                tokens.append(await provider.get_token_async())
            return tokens

        return asyncio.run(go())
    if case.get("concurrent"):
        with ThreadPoolExecutor(calls) as pool:
            return list(pool.map(lambda _: provider.get_token(), range(calls)))
    tokens = []
    for i in range(calls):
        if i and case.get("pauseMs"):
            time.sleep(case["pauseMs"] / 1000)
        tokens.append(provider.get_token())
    return tokens


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("case", PROVIDER["cases"], ids=lambda c: c["id"])
def test_the_token_provider_behaves_as_each_conformance_case_says(case: dict[str, Any], mode: str) -> None:
    with scripted(case) as endpoint:
        provider = ClientCredentialsTokenProvider(endpoint.url, PROVIDER["clientId"], PROVIDER["clientSecret"], retry=RetryPolicy(base_delay=0.05))
        started = time.monotonic()
        expect = case["expect"]
        if "error" in expect:
            with pytest.raises(AgentIdPError) as failed:
                run_provider(provider, case, mode)
            assert (failed.value.status, failed.value.code) == (expect["error"]["status"], expect["error"]["code"])
        else:
            assert run_provider(provider, case, mode) == expect["tokens"]
        assert len(endpoint.requests) == expect["requests"]
        if "minElapsedMs" in expect:
            assert time.monotonic() - started >= expect["minElapsedMs"] / 1000, "Retry-After was honoured"
        basic = base64.b64encode(f"{PROVIDER['clientId']}:{PROVIDER['clientSecret']}".encode()).decode()
        assert endpoint.requests[0]["headers"]["Authorization"] == f"Basic {basic}"
        assert "grant_type=client_credentials" in endpoint.requests[0]["body"]


@pytest.mark.parametrize("case", CASES["client"]["cases"], ids=lambda c: c["id"])
def test_the_client_behaves_as_each_conformance_case_says(case: dict[str, Any], server: Server) -> None:
    admin = server.admin()
    if case["id"] == "pagination":
        owner = f"paging-{time.time_ns()}"
        created = {admin.create_agent(agent_body(owner=owner))["agentId"] for _ in range(case["create"])}
        seen = [a["agentId"] for a in admin.list_agents(owner=owner, limit=case["pageSize"])]
        assert sorted(seen) == sorted(created)
        return
    calls = {
        "getAgent": lambda: admin.get_agent(case["agentId"]),
        "createAgent": lambda: admin.create_agent(case["body"]),
        "token": lambda: admin.token({"grant_type": "client_credentials"}, (server.admin_id, "sk_wrong")),
    }
    with pytest.raises(AgentIdPError) as failed:
        calls[case["call"]]()
    assert (failed.value.status, failed.value.code) == (case["expect"]["status"], case["expect"]["code"])
    assert failed.value.message
    assert isinstance(failed.value.details, dict)
