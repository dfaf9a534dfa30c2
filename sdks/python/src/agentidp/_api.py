"""Every call of the AgentIdP API as a :class:`Request`, written once for the blocking and the
asyncio clients, which only differ in how they send them."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from ._http import Request, basic_auth

TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"

#: Which client method calls each operation of docs/openapi.json (checked by the tests).
OPERATIONS = {
    "list_agents": "list_agents", "create_agent": "create_agent", "get_agent": "get_agent",
    "update_agent": "update_agent", "delete_agent": "delete_agent",
    "list_credentials": "list_credentials", "create_credential": "create_credential",
    "rotate_credential": "rotate_credential", "revoke_credential": "revoke_credential",
    "list_events": "list_audit_events", "get_event": "get_audit_event",
    "search_agents": "search_marketplace", "get_marketplace_agent": "get_marketplace_agent",
    "list_policies": "list_trust_policies", "create_policy": "create_trust_policy", "get_policy": "get_trust_policy",
    "update_policy": "update_trust_policy", "delete_policy": "delete_trust_policy",
    "usage": "get_usage", "checkout": "create_checkout", "sign_up": "sign_up",
    "token": "token", "workload_token": "exchange_workload_token", "introspect": "introspect", "revoke": "revoke",
    "metadata": "get_server_metadata", "jwks": "get_jwks", "server_did": "get_server_did",
    "agent_did": "get_agent_did", "agent_card": "get_agent_card", "health": "health", "health_detailed": "health_detailed",
}


def seg(value: str) -> str:
    """A path segment, escaped."""
    return quote(str(value), safe="")


def with_query(path: str, query: dict[str, Any], cursor: str | None) -> str:
    params = {k: v for k, v in {**query, "cursor": cursor}.items() if v is not None}
    return f"{path}?{urlencode(params)}" if params else path


def get(path: str, *, bearer: bool = True) -> Request:
    return Request("GET", path, idempotent=True, bearer=bearer)


def post(path: str, body: Any = None, *, bearer: bool = True, headers: dict[str, str] | None = None, idempotent: bool = False) -> Request:
    return Request("POST", path, json=body if body is not None else {}, headers=headers or {}, bearer=bearer, idempotent=idempotent)


def patch(path: str, body: Any) -> Request:
    return Request("PATCH", path, json=body)


def delete(path: str) -> Request:
    return Request("DELETE", path, idempotent=True)


def oauth_form(path: str, form: dict[str, Any], client: tuple[str, str] | None) -> Request:
    """A form-encoded OAuth call, with HTTP Basic client authentication when ``client`` is given."""
    headers = {"Authorization": basic_auth(*client)} if client else {}
    clean = {k: str(v) for k, v in form.items() if v is not None}
    return Request("POST", path, form=clean, headers=headers, bearer=False, idempotent=True)


def list_agents(query: dict[str, Any], cursor: str | None) -> Request:
    return get(with_query("/v1/agents", query, cursor))


def list_events(query: dict[str, Any], cursor: str | None) -> Request:
    return get(with_query("/v1/audit/events", query, cursor))


def search_marketplace(query: dict[str, Any], cursor: str | None) -> Request:
    return get(with_query("/v1/marketplace/agents", query, cursor), bearer=False)


def list_policies(query: dict[str, Any], cursor: str | None) -> Request:
    return get(with_query("/v1/oidc/trust-policies", query, cursor))
