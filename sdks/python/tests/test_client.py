"""Every method of both clients against a real agentidp, and both token providers. Each scenario
is written once and run with the blocking and the asyncio client."""

from __future__ import annotations

import asyncio
import inspect
import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm

from agentidp import (
    AgentIdPClient, AgentIdPError, AsyncAgentIdPClient, ClientCredentialsTokenProvider, PrivateKeyJwtTokenProvider,
    TokenVerificationError, TokenVerifier,
)
from conftest import Server, StandIn, agent_body, start_server


async def done(value: Any) -> Any:
    """The value of a call of either client: awaited if it is a coroutine, collected if a page iterator."""
    if inspect.isawaitable(value):
        return await value
    if hasattr(value, "__aiter__"):
        return [item async for item in value]
    if inspect.isgenerator(value):
        return list(value)
    return value


def both(scenario: Callable[..., Any]) -> Callable[..., None]:
    """Runs ``scenario(client, server)`` with a blocking and with an asyncio admin client."""

    @pytest.mark.parametrize("mode", ["sync", "async"])
    def test(server: Server, mode: str) -> None:
        async def go() -> None:
            tokens = ClientCredentialsTokenProvider(server.base_url, server.admin_id, server.admin_secret)
            if mode == "sync":
                with AgentIdPClient(server.base_url, token_provider=tokens) as client:
                    await scenario(client, server)
            else:
                async with AsyncAgentIdPClient(server.base_url, token_provider=tokens) as client:
                    await scenario(client, server)

        asyncio.run(go())

    test.__name__ = scenario.__name__
    test.__doc__ = scenario.__doc__
    return test


async def new_agent(client: Any, **extra: Any) -> tuple[dict[str, Any], str]:
    agent = await done(client.create_agent(agent_body(**extra)))
    credential = await done(client.create_credential(agent["agentId"]))
    return agent, credential["clientSecret"]


@both
async def test_agents_are_created_read_listed_updated_and_decommissioned(client: Any, server: Server) -> None:
    owner = f"crud-{time.time_ns()}"
    agent, _ = await new_agent(client, owner=owner, capabilities=["weather:forecast"])
    assert (await done(client.get_agent(agent["agentId"])))["name"] == "Weather bot"
    listed = await done(client.list_agents(owner=owner, capability="weather:forecast"))
    assert [a["agentId"] for a in listed] == [agent["agentId"]]
    updated = await done(client.update_agent(agent["agentId"], {"name": "Forecast bot", "status": "suspended"}))
    assert (updated["name"], updated["status"]) == ("Forecast bot", "suspended")
    await done(client.delete_agent(agent["agentId"]))
    assert (await done(client.get_agent(agent["agentId"])))["status"] == "decommissioned"


@both
async def test_credentials_are_created_listed_rotated_and_revoked(client: Any, server: Server) -> None:
    agent, secret = await new_agent(client)
    credential_id = (await done(client.list_credentials(agent["agentId"])))[0]["credentialId"]
    rotated = await done(client.rotate_credential(agent["agentId"], credential_id, {"gracePeriodSeconds": 60}))
    assert rotated["clientSecret"] != secret
    await done(client.revoke_credential(agent["agentId"], credential_id))
    assert (await done(client.list_credentials(agent["agentId"])))[0]["status"] == "revoked"
    with pytest.raises(AgentIdPError) as refused:
        await done(client.token({"grant_type": "client_credentials"}, (agent["agentId"], rotated["clientSecret"])))
    assert (refused.value.status, refused.value.code) == (401, "invalid_client")


@both
async def test_a_token_is_verified_introspected_and_revoked(client: Any, server: Server) -> None:
    agent, secret = await new_agent(client)
    tokens = ClientCredentialsTokenProvider(server.base_url, agent["agentId"], secret, scopes=["weather:read"])
    token = await tokens.get_token_async()
    verifier = TokenVerifier(server.base_url, server.base_url)
    verified = await verifier.verify_async(token, ["weather:read"])
    assert (verified.agent_id, verified.scopes) == (agent["agentId"], ("weather:read",))
    with pytest.raises(TokenVerificationError, match="weather:write"):
        verifier.verify(token, ["weather:write"])
    auth = (agent["agentId"], secret)
    active = await done(client.introspect(token, auth))
    assert (active["active"], active["sub"]) == (True, agent["agentId"])
    await done(client.revoke(token, auth))
    assert await done(client.introspect(token, auth)) == {"active": False}


@both
async def test_a_delegated_token_names_its_actor_chain(client: Any, server: Server) -> None:
    actor, actor_secret = await new_agent(client)
    subject, subject_secret = await new_agent(client, allowedActors=[actor["agentId"]])

    async def own(agent_id: str, secret: str) -> str:
        return str((await done(client.token({"grant_type": "client_credentials"}, (agent_id, secret))))["access_token"])

    exchanged = await done(client.token({
        "grant_type": "urn:ietf:params:oauth:grant-type:token-exchange",
        "subject_token": await own(subject["agentId"], subject_secret),
        "subject_token_type": "urn:ietf:params:oauth:token-type:access_token",
        "actor_token": await own(actor["agentId"], actor_secret),
        "actor_token_type": "urn:ietf:params:oauth:token-type:access_token",
    }, (actor["agentId"], actor_secret)))
    verified = TokenVerifier(server.base_url, server.base_url).verify(exchanged["access_token"])
    assert (verified.agent_id, verified.actor, verified.delegation_chain) == (subject["agentId"], actor["agentId"], [actor["agentId"]])


@both
async def test_audit_events_are_listed_page_by_page_and_read(client: Any, server: Server) -> None:
    agent, _ = await new_agent(client)
    events = await done(client.list_audit_events(agentId=agent["agentId"], limit=1))
    assert len(events) >= 2, "agent.created and credential.created"
    assert (await done(client.get_audit_event(events[0]["eventId"])))["eventId"] == events[0]["eventId"]


@both
async def test_public_agents_and_their_documents_are_read_without_a_token(client: Any, server: Server) -> None:
    word = f"sailors{time.time_ns()}"
    agent, _ = await new_agent(client, isPublic=True, description=f"Forecasts for {word}")
    anonymous = type(client)(server.base_url)
    found = await done(anonymous.search_marketplace(q=word))
    assert [a["agentId"] for a in found] == [agent["agentId"]]
    assert (await done(anonymous.get_marketplace_agent(agent["agentId"])))["agentId"] == agent["agentId"]
    assert (await done(anonymous.get_server_metadata()))["issuer"] == server.base_url
    assert len((await done(anonymous.get_jwks()))["keys"]) >= 1
    assert (await done(anonymous.get_server_did()))["id"].startswith("did:web:")
    assert (await done(anonymous.get_agent_did(agent["agentId"])))["id"].startswith("did:web:")
    with pytest.raises(AgentIdPError) as no_card:
        await done(anonymous.get_agent_card(agent["agentId"]))
    assert no_card.value.status == 404, "no card until it has an endpoint and a skill"
    assert (await done(anonymous.health()))["status"] == "ok"
    assert "status" in await done(anonymous.health_detailed())
    with pytest.raises(AgentIdPError) as no_credentials:
        await done(anonymous.get_usage())
    assert no_credentials.value.code == "no_credentials"


@both
async def test_trust_policies_are_managed_and_a_bad_workload_token_is_refused(client: Any, server: Server) -> None:
    agent, _ = await new_agent(client)
    policy = await done(client.create_trust_policy({"agentId": agent["agentId"], "provider": "github", "repository": "acme/weather", "branch": "main"}))
    assert (await done(client.get_trust_policy(policy["policyId"])))["claims"]["repository"] == "acme/weather"
    assert [p["policyId"] for p in await done(client.list_trust_policies(agentId=agent["agentId"]))] == [policy["policyId"]]
    assert (await done(client.update_trust_policy(policy["policyId"], {"description": "release builds"})))["description"] == "release builds"
    await done(client.delete_trust_policy(policy["policyId"]))
    with pytest.raises(AgentIdPError) as gone:
        await done(client.get_trust_policy(policy["policyId"]))
    assert gone.value.status == 404
    with pytest.raises(AgentIdPError) as refused:
        await done(client.exchange_workload_token({"token": "not-a-jwt", "agentId": agent["agentId"]}))
    assert refused.value.status == 400


@both
async def test_usage_checkout_refusal_and_sign_up(client: Any, server: Server) -> None:
    assert len((await done(client.get_usage()))["month"]) == 7
    with pytest.raises(AgentIdPError) as refused:
        await done(client.create_checkout("upgrade-1"))
    assert (refused.value.status, refused.value.code) == (409, "BILLING_DISABLED")
    tenant = await done(type(client)(server.base_url).sign_up(f"acme-{time.time_ns()}"))
    assert tenant["admin"]["clientSecret"].startswith("sk_")


def test_checkout_returns_the_stripe_session_url_when_billing_is_on() -> None:
    session = {"id": "cs_test_1", "object": "checkout.session", "url": "https://checkout.stripe.com/c/pay/cs_test_1"}
    with StandIn(lambda _n, _p, _b: (200, {}, session, 0)) as stripe:
        billing, stop = start_server(BILLING_ENABLED="true", STRIPE_SECRET_KEY="sk_test_1", STRIPE_PRICE_ID="price_1", STRIPE_API_BASE=stripe.url)
        try:
            assert billing.admin().create_checkout("upgrade-1")["checkoutUrl"] == session["url"]
            assert stripe.requests[0]["path"] == "/v1/checkout/sessions"
        finally:
            stop()


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_an_agent_with_a_public_key_gets_tokens_with_private_key_jwt(server: Server, mode: str) -> None:
    admin = server.admin()
    agent = admin.create_agent(agent_body())
    key = ec.generate_private_key(ec.SECP256R1())
    jwk = {**json.loads(ECAlgorithm.to_jwk(key.public_key())), "alg": "ES256", "use": "sig"}
    credential = admin.create_credential(agent["agentId"], {"type": "public_key", "jwk": jwk})
    tokens = PrivateKeyJwtTokenProvider(server.base_url, agent["agentId"], key, algorithm="ES256")
    assert tokens.key_id == credential["kid"], "the default kid is the RFC 7638 thumbprint the server gives the key"
    token = tokens.get_token() if mode == "sync" else asyncio.run(tokens.get_token_async())
    assert TokenVerifier(server.base_url, server.base_url).verify(token).agent_id == agent["agentId"]


def test_a_revoked_bearer_token_is_replaced_by_the_provider_and_the_call_retried(server: Server) -> None:
    admin = server.admin()
    agent = admin.create_agent(agent_body(allowedScopes=["agents:read"]))
    secret = admin.create_credential(agent["agentId"])["clientSecret"]
    tokens = ClientCredentialsTokenProvider(server.base_url, agent["agentId"], secret)
    revoked = tokens.get_token()
    admin.revoke(revoked, (agent["agentId"], secret))
    assert len(AgentIdPClient(server.base_url, token_provider=tokens).get_usage()["month"]) == 7
    assert tokens.get_token() != revoked
