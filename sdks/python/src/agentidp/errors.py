"""Errors every part of the SDK raises: one class, with the server's code, status and details."""

from __future__ import annotations

from typing import Any, Literal

__all__ = ["AgentIdPError", "TokenVerificationError", "VerificationErrorCode"]


class AgentIdPError(Exception):
    """A failed call to AgentIdP, or a refused token.

    ``code`` is the REST ``code`` (e.g. ``AGENT_NOT_FOUND``), the OAuth ``error`` (e.g.
    ``invalid_client``), a verifier code (e.g. ``expired``) or ``network_error``; ``status`` the
    HTTP status (0 when no response arrived); ``details`` the server's structured context.
    """

    def __init__(self, code: str, message: str, status: int, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.details: dict[str, Any] = details or {}

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, status={self.status}, message={self.message!r})"

    @classmethod
    def from_response(cls, status: int, body: Any, fallback: str) -> AgentIdPError:
        """The error a non-2xx response describes: a REST ``{code, message, details}`` body or an
        OAuth ``{error, error_description}`` body; anything else keeps the status."""
        if isinstance(body, dict):
            if isinstance(body.get("code"), str):
                details = body.get("details")
                return cls(body["code"], str(body.get("message", fallback)), status, details if isinstance(details, dict) else {})
            if isinstance(body.get("error"), str):
                return cls(body["error"], str(body.get("error_description", fallback)), status)
        return cls(f"http_{status}", fallback, status)


VerificationErrorCode = Literal[
    "malformed",
    "invalid_type",
    "algorithm_rejected",
    "unknown_key",
    "invalid_signature",
    "expired",
    "not_yet_valid",
    "invalid_issuer",
    "invalid_audience",
    "insufficient_scope",
    "jwks_unavailable",
]

_STATUS = {"insufficient_scope": 403, "jwks_unavailable": 503}


class TokenVerificationError(AgentIdPError):
    """A token the verifier refused; ``status`` is what to answer with (401, 403 for
    ``insufficient_scope``, 503 for ``jwks_unavailable``)."""

    def __init__(self, code: VerificationErrorCode, message: str) -> None:
        super().__init__(code, message, _STATUS.get(code, 401))
