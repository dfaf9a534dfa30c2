"""Framework-free pieces of protecting a service: the bearer token of a request and the RFC 6750
§3 answer to a refused one. The FastAPI and Flask integrations are built on these."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Protocol

from .errors import AgentIdPError, TokenVerificationError

__all__ = ["bearer_token", "refusal"]

_BEARER = re.compile(r"^Bearer +([A-Za-z0-9\-._~+/]+=*) *$", re.IGNORECASE)
_NO_TOKEN = "the request has no bearer token"


class Headers(Protocol):
    """Request headers of any framework: a mapping with ``get``."""

    def get(self, key: str, /) -> str | None: ...


def bearer_token(headers: Headers) -> str:
    """The bearer token of a request's headers; raises ``TokenVerificationError`` (``malformed``)."""
    value = headers.get("authorization") or headers.get("Authorization") or ""
    match = _BEARER.match(value)
    if not match:
        raise TokenVerificationError("malformed", _NO_TOKEN)
    return match.group(1)


def refusal(error: AgentIdPError, scopes: Sequence[str] = ()) -> tuple[int, dict[str, str], dict[str, Any]]:
    """The status, headers (``WWW-Authenticate``) and JSON body to answer a refused request with."""

    def quote(text: str) -> str:
        return text.replace('"', "").replace("\\", "")

    challenge = "Bearer"
    if error.code == "insufficient_scope":
        challenge += f', error="insufficient_scope", error_description="{quote(error.message)}"'
        if scopes:
            challenge += f', scope="{" ".join(scopes)}"'
    elif error.status == 401 and error.message != _NO_TOKEN:
        challenge += f', error="invalid_token", error_description="{quote(error.message)}"'
    headers = {} if error.status == 503 else {"WWW-Authenticate": challenge}
    return error.status, headers, {"code": error.code, "message": error.message}
