"""One HTTP exchange with AgentIdP, sync or async: JSON in and out, errors mapped, 429 and 5xx
retried with backoff that honours ``Retry-After``."""

from __future__ import annotations

import asyncio
import base64
import email.utils
import random
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote_plus

import httpx

from . import __version__
from .errors import AgentIdPError

USER_AGENT = f"agentidp-python/{__version__}"


@dataclass(frozen=True)
class RetryPolicy:
    """How failed requests are retried: ``retries`` after the first attempt, backoff doubling from
    ``base_delay`` with full jitter, and giving up instead of waiting longer than ``max_delay``."""

    retries: int = 3
    base_delay: float = 0.2
    max_delay: float = 30.0


@dataclass
class Request:
    """A request as the SDK builds it. ``idempotent`` allows retrying a 5xx; a 429 is always
    retried because the server refused it before doing anything."""

    method: str
    path: str
    json: Any = None
    form: dict[str, str] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    idempotent: bool = False
    bearer: bool = True
    """Whether the call needs the client's bearer token (management calls do)."""


def basic_auth(client_id: str, client_secret: str) -> str:
    """HTTP Basic client authentication; both halves form-urlencoded first (RFC 6749 §2.3.1)."""
    raw = f"{quote_plus(client_id)}:{quote_plus(client_secret)}".encode()
    return "Basic " + base64.b64encode(raw).decode()


def retry_after(value: str | None) -> float | None:
    """``Retry-After`` in seconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3)."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _backoff(attempt: int, policy: RetryPolicy) -> float:
    # Full jitter, so a fleet of agents does not retry in step.
    return min(policy.max_delay, random.random() * policy.base_delay * 2.0**attempt + policy.base_delay / 2)


def _build(req: Request) -> dict[str, Any]:
    headers = {"Accept": "application/json", "User-Agent": USER_AGENT, **req.headers}
    kwargs: dict[str, Any] = {"headers": headers}
    if req.form is not None:
        kwargs["data"] = req.form
    elif req.json is not None:
        kwargs["json"] = req.json
    return kwargs


def _outcome(req: Request, response: httpx.Response, attempt: int, policy: RetryPolicy) -> tuple[Any, float | None]:
    """The parsed body of a success, or how long to wait before retrying; raises when done."""
    if response.is_success:
        return (response.json() if response.content else None), None
    try:
        body: Any = response.json()
    except ValueError:
        body = response.text
    error = AgentIdPError.from_response(response.status_code, body, f"{req.method} {req.path}: HTTP {response.status_code}")
    retryable = response.status_code == 429 or (response.status_code >= 500 and req.idempotent)
    if not retryable or attempt >= policy.retries:
        raise error
    wait = retry_after(response.headers.get("Retry-After"))
    wait = _backoff(attempt, policy) if wait is None else wait
    if wait > policy.max_delay:
        raise error
    return None, wait


def _network_error(req: Request, exc: Exception) -> AgentIdPError:
    return AgentIdPError("network_error", f"{req.method} {req.path} failed: {exc}", 0)


def send(client: httpx.Client, req: Request, policy: RetryPolicy) -> Any:
    """Sends ``req`` with ``client``, retrying as ``policy`` allows; returns the parsed JSON body."""
    attempt = 0
    while True:
        try:
            response = client.request(req.method, req.path, **_build(req))
        except httpx.TransportError as exc:
            if not req.idempotent or attempt >= policy.retries:
                raise _network_error(req, exc) from exc
            time.sleep(_backoff(attempt, policy))
            attempt += 1
            continue
        body, wait = _outcome(req, response, attempt, policy)
        if wait is None:
            return body
        time.sleep(wait)
        attempt += 1


async def asend(client: httpx.AsyncClient, req: Request, policy: RetryPolicy) -> Any:
    """``send`` for asyncio."""
    attempt = 0
    while True:
        try:
            response = await client.request(req.method, req.path, **_build(req))
        except httpx.TransportError as exc:
            if not req.idempotent or attempt >= policy.retries:
                raise _network_error(req, exc) from exc
            await asyncio.sleep(_backoff(attempt, policy))
            attempt += 1
            continue
        body, wait = _outcome(req, response, attempt, policy)
        if wait is None:
            return body
        await asyncio.sleep(wait)
        attempt += 1
