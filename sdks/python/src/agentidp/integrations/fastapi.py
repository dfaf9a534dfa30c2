"""FastAPI dependency (and Starlette helper) that admits only requests with a valid AgentIdP
token: ``Depends(RequireToken(verifier, scopes=["weather:read"]))`` returns the VerifiedToken."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import HTTPException
from starlette.requests import Request

from ..errors import TokenVerificationError
from ..guard import bearer_token, refusal
from ..verifier import TokenVerifier, VerifiedToken

__all__ = ["RequireToken", "verify_request"]


async def verify_request(verifier: TokenVerifier, request: Request, scopes: Sequence[str] = ()) -> VerifiedToken:
    """Verifies the bearer token of a Starlette/FastAPI request without blocking the event loop;
    raises ``TokenVerificationError``."""
    return await verifier.verify_async(bearer_token(request.headers), scopes)


class RequireToken:
    """A dependency: the request's verified token, or a 401/403 with a ``WWW-Authenticate``
    challenge (RFC 6750 §3) and a ``{"detail": {"code", "message"}}`` body."""

    def __init__(self, verifier: TokenVerifier, scopes: Sequence[str] = ()) -> None:
        self.verifier = verifier
        self.scopes = tuple(scopes)

    async def __call__(self, request: Request) -> VerifiedToken:
        try:
            token = await verify_request(self.verifier, request, self.scopes)
        except TokenVerificationError as error:
            status, headers, body = refusal(error, self.scopes)
            raise HTTPException(status_code=status, detail=body, headers=headers) from error
        request.state.agentidp = token
        return token
