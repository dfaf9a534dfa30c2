"""``AgentIdPClient`` (blocking) and ``AsyncAgentIdPClient`` (asyncio): typed clients for every
endpoint of AgentIdP's REST and OAuth APIs. Both send the requests built in ``_api``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any, cast

import httpx

from . import _api as api
from ._api import seg
from ._http import Request, RetryPolicy, asend, send
from .errors import AgentIdPError
from .models import (
    AgentResponse, CheckoutSession, CreateAgentRequest, CreateCredentialRequest, CreateTrustPolicyRequest,
    CredentialResponse, DetailedHealth, EventResponse, Health, IntrospectionResponse, IssuedCredential,
    MarketplaceAgent, MarketplaceAgentPage, RotateCredentialRequest, ServerMetadata, TenantCreated,
    TokenResponse, TrustPolicy, UpdateAgentRequest, UpdateTrustPolicyRequest, UsageResponse, WorkloadTokenRequest,
)
from .token_provider import TokenProvider

__all__ = ["AgentIdPClient", "AsyncAgentIdPClient"]

Json = Any


class _Base:
    def __init__(self, base_url: str, *, token_provider: TokenProvider | None, token: str | None, retry: RetryPolicy | None) -> None:
        if not base_url:
            raise ValueError("base_url is required")
        self.base_url = base_url.rstrip("/")
        self._provider = token_provider
        self._token = token
        self._retry = retry or RetryPolicy()

    def _no_credentials(self) -> AgentIdPError:
        return AgentIdPError("no_credentials", "this call needs a token_provider or a token", 0)

    @staticmethod
    def _authorized(req: Request, token: str) -> Request:
        req.headers = {**req.headers, "Authorization": f"Bearer {token}"}
        return req


class AgentIdPClient(_Base):
    """A blocking client of one AgentIdP server, safe to share between threads.

    Management calls take a bearer token from ``token_provider`` (a 401 makes it fetch a fresh one
    and the call is retried once) or use the fixed ``token``; public endpoints need neither. List
    methods return iterators that fetch pages as they go.
    """

    def __init__(self, base_url: str, *, token_provider: TokenProvider | None = None, token: str | None = None,
                 retry: RetryPolicy | None = None, timeout: float = 30.0) -> None:
        super().__init__(base_url, token_provider=token_provider, token=token, retry=retry)
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout)

    def __enter__(self) -> AgentIdPClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Closes the connection pool."""
        self._http.close()

    def _run(self, req: Request) -> Json:
        if not req.bearer:
            return send(self._http, req, self._retry)
        provider = self._provider
        token = provider.get_token() if provider else self._token
        if not token:
            raise self._no_credentials()
        try:
            return send(self._http, self._authorized(req, token), self._retry)
        except AgentIdPError as error:
            invalidate = getattr(provider, "invalidate", None)
            if error.status != 401 or provider is None or invalidate is None:
                raise
            invalidate()  # revoked or expired early: one fresh token, one retry
            return send(self._http, self._authorized(req, provider.get_token()), self._retry)

    def _paginate(self, build: Callable[[dict[str, Any], str | None], Request], query: dict[str, Any]) -> Iterator[Any]:
        cursor: str | None = None
        while True:
            page = self._run(build(query, cursor))
            yield from page["data"]
            cursor = page.get("nextCursor")
            if not cursor:
                return

    # ---- agents
    def list_agents(self, **filters: Any) -> Iterator[AgentResponse]:
        """Agents of the caller's tenant (filters: status, agentType, owner, deploymentEnv, capability, limit)."""
        return self._paginate(api.list_agents, filters)

    def create_agent(self, body: CreateAgentRequest) -> AgentResponse:
        """Registers an agent."""
        return cast(AgentResponse, self._run(api.post("/v1/agents", body)))

    def get_agent(self, agent_id: str) -> AgentResponse:
        return cast(AgentResponse, self._run(api.get(f"/v1/agents/{seg(agent_id)}")))

    def update_agent(self, agent_id: str, body: UpdateAgentRequest) -> AgentResponse:
        """Changes the given fields, including ``status``."""
        return cast(AgentResponse, self._run(api.patch(f"/v1/agents/{seg(agent_id)}", body)))

    def delete_agent(self, agent_id: str) -> None:
        """Decommissions an agent: its credentials stop working and its tokens are refused."""
        self._run(api.delete(f"/v1/agents/{seg(agent_id)}"))

    # ---- credentials
    def list_credentials(self, agent_id: str) -> list[CredentialResponse]:
        return cast("list[CredentialResponse]", self._run(api.get(f"/v1/agents/{seg(agent_id)}/credentials")))

    def create_credential(self, agent_id: str, body: CreateCredentialRequest | None = None) -> IssuedCredential:
        """A new secret (returned this once, as ``clientSecret``) or a registered public key."""
        return cast(IssuedCredential, self._run(api.post(f"/v1/agents/{seg(agent_id)}/credentials", body)))

    def rotate_credential(self, agent_id: str, credential_id: str, body: RotateCredentialRequest | None = None) -> IssuedCredential:
        """Replaces a credential's secret or key; the old one works for ``gracePeriodSeconds``."""
        path = f"/v1/agents/{seg(agent_id)}/credentials/{seg(credential_id)}/rotate"
        return cast(IssuedCredential, self._run(api.post(path, body)))

    def revoke_credential(self, agent_id: str, credential_id: str) -> None:
        self._run(api.delete(f"/v1/agents/{seg(agent_id)}/credentials/{seg(credential_id)}"))

    # ---- audit
    def list_audit_events(self, **filters: Any) -> Iterator[EventResponse]:
        """Audit events, newest first (filters: agentId, actor, action, outcome, from, to, limit)."""
        return self._paginate(api.list_events, filters)

    def get_audit_event(self, event_id: str) -> EventResponse:
        return cast(EventResponse, self._run(api.get(f"/v1/audit/events/{seg(event_id)}")))

    # ---- marketplace (public)
    def search_marketplace(self, **query: Any) -> Iterator[MarketplaceAgent]:
        """Published agents of every tenant (query: q, capability, publisher, limit)."""
        return self._paginate(api.search_marketplace, query)

    def get_marketplace_agent(self, agent_id: str) -> MarketplaceAgentPage:
        return cast(MarketplaceAgentPage, self._run(api.get(f"/v1/marketplace/agents/{seg(agent_id)}", bearer=False)))

    # ---- workload federation
    def list_trust_policies(self, **filters: Any) -> Iterator[TrustPolicy]:
        return self._paginate(api.list_policies, filters)

    def create_trust_policy(self, body: CreateTrustPolicyRequest) -> TrustPolicy:
        return cast(TrustPolicy, self._run(api.post("/v1/oidc/trust-policies", body)))

    def get_trust_policy(self, policy_id: str) -> TrustPolicy:
        return cast(TrustPolicy, self._run(api.get(f"/v1/oidc/trust-policies/{seg(policy_id)}")))

    def update_trust_policy(self, policy_id: str, body: UpdateTrustPolicyRequest) -> TrustPolicy:
        return cast(TrustPolicy, self._run(api.patch(f"/v1/oidc/trust-policies/{seg(policy_id)}", body)))

    def delete_trust_policy(self, policy_id: str) -> None:
        self._run(api.delete(f"/v1/oidc/trust-policies/{seg(policy_id)}"))

    def exchange_workload_token(self, body: WorkloadTokenRequest) -> TokenResponse:
        """Exchanges a workload's identity token (e.g. GitHub Actions OIDC) for an access token."""
        return cast(TokenResponse, self._run(api.post("/oidc/token", body, bearer=False)))

    # ---- tenants and billing
    def sign_up(self, name: str) -> TenantCreated:
        """Creates a tenant and its admin agent (public; the secret is in this response only)."""
        return cast(TenantCreated, self._run(api.post("/v1/tenants", {"name": name}, bearer=False)))

    def get_usage(self) -> UsageResponse:
        """The tenant's usage this month against its plan's limits."""
        return cast(UsageResponse, self._run(api.get("/v1/billing/usage")))

    def create_checkout(self, idempotency_key: str | None = None) -> CheckoutSession:
        """A Stripe Checkout session to upgrade the tenant; the same key returns the same session."""
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        return cast(CheckoutSession, self._run(api.post("/v1/billing/checkout", None, headers=headers, idempotent=bool(idempotency_key))))

    # ---- OAuth
    def token(self, form: dict[str, Any], client: tuple[str, str] | None = None) -> TokenResponse:
        """A raw token request (any grant; ``client`` = (id, secret) for HTTP Basic). Agents use a
        token provider instead, which caches."""
        return cast(TokenResponse, self._run(api.oauth_form("/oauth2/token", form, client)))

    def introspect(self, token: str, client: tuple[str, str]) -> IntrospectionResponse:
        """RFC 7662: whether ``token`` is active, as the authenticated client may see."""
        return cast(IntrospectionResponse, self._run(api.oauth_form("/oauth2/introspect", {"token": token}, client)))

    def revoke(self, token: str, client: tuple[str, str]) -> None:
        """RFC 7009: revokes ``token`` (the client's own, or one acting for it)."""
        self._run(api.oauth_form("/oauth2/revoke", {"token": token}, client))

    # ---- discovery and identity documents (public)
    def get_server_metadata(self) -> ServerMetadata:
        return cast(ServerMetadata, self._run(api.get("/.well-known/oauth-authorization-server", bearer=False)))

    def get_jwks(self) -> dict[str, Any]:
        return cast("dict[str, Any]", self._run(api.get("/.well-known/jwks.json", bearer=False)))

    def get_server_did(self) -> dict[str, Any]:
        return cast("dict[str, Any]", self._run(api.get("/.well-known/did.json", bearer=False)))

    def get_agent_did(self, agent_id: str) -> dict[str, Any]:
        return cast("dict[str, Any]", self._run(api.get(f"/agents/{seg(agent_id)}/did.json", bearer=False)))

    def get_agent_card(self, agent_id: str) -> dict[str, Any]:
        """The agent's A2A agent card, signed by the server."""
        return cast("dict[str, Any]", self._run(api.get(f"/agents/{seg(agent_id)}/agent-card.json", bearer=False)))

    def health(self) -> Health:
        return cast(Health, self._run(api.get("/health", bearer=False)))

    def health_detailed(self) -> DetailedHealth:
        return cast(DetailedHealth, self._run(api.get("/health/detailed", bearer=False)))


class AsyncAgentIdPClient(_Base):
    """The asyncio twin of :class:`AgentIdPClient`: the same methods, awaited; list methods return
    async iterators (``async for``)."""

    def __init__(self, base_url: str, *, token_provider: TokenProvider | None = None, token: str | None = None,
                 retry: RetryPolicy | None = None, timeout: float = 30.0) -> None:
        super().__init__(base_url, token_provider=token_provider, token=token, retry=retry)
        self._http = httpx.AsyncClient(base_url=self.base_url, timeout=timeout)

    async def __aenter__(self) -> AsyncAgentIdPClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Closes the connection pool."""
        await self._http.aclose()

    async def _run(self, req: Request) -> Json:
        if not req.bearer:
            return await asend(self._http, req, self._retry)
        provider = self._provider
        token = await provider.get_token_async() if provider else self._token
        if not token:
            raise self._no_credentials()
        try:
            return await asend(self._http, self._authorized(req, token), self._retry)
        except AgentIdPError as error:
            invalidate = getattr(provider, "invalidate", None)
            if error.status != 401 or provider is None or invalidate is None:
                raise
            invalidate()
            return await asend(self._http, self._authorized(req, await provider.get_token_async()), self._retry)

    async def _paginate(self, build: Callable[[dict[str, Any], str | None], Request], query: dict[str, Any]) -> AsyncIterator[Any]:
        cursor: str | None = None
        while True:
            page = await self._run(build(query, cursor))
            for item in page["data"]:
                yield item
            cursor = page.get("nextCursor")
            if not cursor:
                return

    # ---- agents
    def list_agents(self, **filters: Any) -> AsyncIterator[AgentResponse]:
        """Agents of the caller's tenant (filters: status, agentType, owner, deploymentEnv, capability, limit)."""
        return self._paginate(api.list_agents, filters)

    async def create_agent(self, body: CreateAgentRequest) -> AgentResponse:
        """Registers an agent."""
        return cast(AgentResponse, await self._run(api.post("/v1/agents", body)))

    async def get_agent(self, agent_id: str) -> AgentResponse:
        return cast(AgentResponse, await self._run(api.get(f"/v1/agents/{seg(agent_id)}")))

    async def update_agent(self, agent_id: str, body: UpdateAgentRequest) -> AgentResponse:
        """Changes the given fields, including ``status``."""
        return cast(AgentResponse, await self._run(api.patch(f"/v1/agents/{seg(agent_id)}", body)))

    async def delete_agent(self, agent_id: str) -> None:
        """Decommissions an agent: its credentials stop working and its tokens are refused."""
        await self._run(api.delete(f"/v1/agents/{seg(agent_id)}"))

    # ---- credentials
    async def list_credentials(self, agent_id: str) -> list[CredentialResponse]:
        return cast("list[CredentialResponse]", await self._run(api.get(f"/v1/agents/{seg(agent_id)}/credentials")))

    async def create_credential(self, agent_id: str, body: CreateCredentialRequest | None = None) -> IssuedCredential:
        """A new secret (returned this once, as ``clientSecret``) or a registered public key."""
        return cast(IssuedCredential, await self._run(api.post(f"/v1/agents/{seg(agent_id)}/credentials", body)))

    async def rotate_credential(self, agent_id: str, credential_id: str, body: RotateCredentialRequest | None = None) -> IssuedCredential:
        """Replaces a credential's secret or key; the old one works for ``gracePeriodSeconds``."""
        path = f"/v1/agents/{seg(agent_id)}/credentials/{seg(credential_id)}/rotate"
        return cast(IssuedCredential, await self._run(api.post(path, body)))

    async def revoke_credential(self, agent_id: str, credential_id: str) -> None:
        await self._run(api.delete(f"/v1/agents/{seg(agent_id)}/credentials/{seg(credential_id)}"))

    # ---- audit
    def list_audit_events(self, **filters: Any) -> AsyncIterator[EventResponse]:
        """Audit events, newest first (filters: agentId, actor, action, outcome, from, to, limit)."""
        return self._paginate(api.list_events, filters)

    async def get_audit_event(self, event_id: str) -> EventResponse:
        return cast(EventResponse, await self._run(api.get(f"/v1/audit/events/{seg(event_id)}")))

    # ---- marketplace (public)
    def search_marketplace(self, **query: Any) -> AsyncIterator[MarketplaceAgent]:
        """Published agents of every tenant (query: q, capability, publisher, limit)."""
        return self._paginate(api.search_marketplace, query)

    async def get_marketplace_agent(self, agent_id: str) -> MarketplaceAgentPage:
        return cast(MarketplaceAgentPage, await self._run(api.get(f"/v1/marketplace/agents/{seg(agent_id)}", bearer=False)))

    # ---- workload federation
    def list_trust_policies(self, **filters: Any) -> AsyncIterator[TrustPolicy]:
        return self._paginate(api.list_policies, filters)

    async def create_trust_policy(self, body: CreateTrustPolicyRequest) -> TrustPolicy:
        return cast(TrustPolicy, await self._run(api.post("/v1/oidc/trust-policies", body)))

    async def get_trust_policy(self, policy_id: str) -> TrustPolicy:
        return cast(TrustPolicy, await self._run(api.get(f"/v1/oidc/trust-policies/{seg(policy_id)}")))

    async def update_trust_policy(self, policy_id: str, body: UpdateTrustPolicyRequest) -> TrustPolicy:
        return cast(TrustPolicy, await self._run(api.patch(f"/v1/oidc/trust-policies/{seg(policy_id)}", body)))

    async def delete_trust_policy(self, policy_id: str) -> None:
        await self._run(api.delete(f"/v1/oidc/trust-policies/{seg(policy_id)}"))

    async def exchange_workload_token(self, body: WorkloadTokenRequest) -> TokenResponse:
        """Exchanges a workload's identity token (e.g. GitHub Actions OIDC) for an access token."""
        return cast(TokenResponse, await self._run(api.post("/oidc/token", body, bearer=False)))

    # ---- tenants and billing
    async def sign_up(self, name: str) -> TenantCreated:
        """Creates a tenant and its admin agent (public; the secret is in this response only)."""
        return cast(TenantCreated, await self._run(api.post("/v1/tenants", {"name": name}, bearer=False)))

    async def get_usage(self) -> UsageResponse:
        """The tenant's usage this month against its plan's limits."""
        return cast(UsageResponse, await self._run(api.get("/v1/billing/usage")))

    async def create_checkout(self, idempotency_key: str | None = None) -> CheckoutSession:
        """A Stripe Checkout session to upgrade the tenant; the same key returns the same session."""
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        return cast(CheckoutSession, await self._run(api.post("/v1/billing/checkout", None, headers=headers, idempotent=bool(idempotency_key))))

    # ---- OAuth
    async def token(self, form: dict[str, Any], client: tuple[str, str] | None = None) -> TokenResponse:
        """A raw token request (any grant; ``client`` = (id, secret) for HTTP Basic). Agents use a
        token provider instead, which caches."""
        return cast(TokenResponse, await self._run(api.oauth_form("/oauth2/token", form, client)))

    async def introspect(self, token: str, client: tuple[str, str]) -> IntrospectionResponse:
        """RFC 7662: whether ``token`` is active, as the authenticated client may see."""
        return cast(IntrospectionResponse, await self._run(api.oauth_form("/oauth2/introspect", {"token": token}, client)))

    async def revoke(self, token: str, client: tuple[str, str]) -> None:
        """RFC 7009: revokes ``token`` (the client's own, or one acting for it)."""
        await self._run(api.oauth_form("/oauth2/revoke", {"token": token}, client))

    # ---- discovery and identity documents (public)
    async def get_server_metadata(self) -> ServerMetadata:
        return cast(ServerMetadata, await self._run(api.get("/.well-known/oauth-authorization-server", bearer=False)))

    async def get_jwks(self) -> dict[str, Any]:
        return cast("dict[str, Any]", await self._run(api.get("/.well-known/jwks.json", bearer=False)))

    async def get_server_did(self) -> dict[str, Any]:
        return cast("dict[str, Any]", await self._run(api.get("/.well-known/did.json", bearer=False)))

    async def get_agent_did(self, agent_id: str) -> dict[str, Any]:
        return cast("dict[str, Any]", await self._run(api.get(f"/agents/{seg(agent_id)}/did.json", bearer=False)))

    async def get_agent_card(self, agent_id: str) -> dict[str, Any]:
        """The agent's A2A agent card, signed by the server."""
        return cast("dict[str, Any]", await self._run(api.get(f"/agents/{seg(agent_id)}/agent-card.json", bearer=False)))

    async def health(self) -> Health:
        return cast(Health, await self._run(api.get("/health", bearer=False)))

    async def health_detailed(self) -> DetailedHealth:
        return cast(DetailedHealth, await self._run(api.get("/health/detailed", bearer=False)))
