"""Flask decorator that admits only requests with a valid AgentIdP token and puts it on
``flask.g.agentidp``: ``@require_token(verifier, scopes=["weather:read"])``."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from flask import g, jsonify, request

from ..errors import TokenVerificationError
from ..guard import bearer_token, refusal
from ..verifier import TokenVerifier

__all__ = ["require_token"]

View = TypeVar("View", bound=Callable[..., Any])


def require_token(verifier: TokenVerifier, scopes: Sequence[str] = ()) -> Callable[[View], View]:
    """Wraps a view: a refused token gets 401/403 with a ``WWW-Authenticate`` challenge (RFC 6750
    §3) and a ``{"code", "message"}`` body; an accepted one is ``g.agentidp``."""

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            try:
                g.agentidp = verifier.verify(bearer_token(request.headers), scopes)
            except TokenVerificationError as error:
                status, headers, body = refusal(error, scopes)
                response = jsonify(body)
                response.status_code = status
                response.headers.update(headers)
                return response
            return view(*args, **kwargs)

        return guarded  # type: ignore[return-value]

    return decorate
