"""AgentIdP SDK for Python: API clients, cached tokens for agents, offline token verification."""

__version__ = "0.1.0"

from ._http import RetryPolicy  # noqa: E402
from .client import AgentIdPClient, AsyncAgentIdPClient  # noqa: E402
from .errors import AgentIdPError, TokenVerificationError  # noqa: E402
from .guard import bearer_token, refusal  # noqa: E402
from .token_provider import ClientCredentialsTokenProvider, PrivateKeyJwtTokenProvider, TokenProvider, jwk_thumbprint  # noqa: E402
from .verifier import TokenVerifier, VerifiedToken  # noqa: E402

__all__ = [
    "AgentIdPClient",
    "AgentIdPError",
    "AsyncAgentIdPClient",
    "ClientCredentialsTokenProvider",
    "PrivateKeyJwtTokenProvider",
    "RetryPolicy",
    "TokenProvider",
    "TokenVerificationError",
    "TokenVerifier",
    "VerifiedToken",
    "__version__",
    "bearer_token",
    "jwk_thumbprint",
    "refusal",
]
