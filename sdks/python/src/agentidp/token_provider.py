"""Access tokens for an agent: fetched with client credentials (a secret or a private key),
cached, refreshed before they expire, one request in flight however many callers wait.

Each provider serves threads (``get_token``) and asyncio tasks (``get_token_async``) alike."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import httpx
import jwt
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm

from ._http import Request, RetryPolicy, asend, basic_auth, send

__all__ = ["ClientCredentialsTokenProvider", "PrivateKeyJwtTokenProvider", "TokenProvider"]

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


@runtime_checkable
class TokenProvider(Protocol):
    """Anything that hands out a current bearer token; the API clients take one."""

    def get_token(self) -> str: ...

    async def get_token_async(self) -> str: ...


@dataclass(frozen=True)
class _Cached:
    token: str
    refresh_at: float  # time.monotonic()


class _CachingTokenProvider:
    """Caching, refresh and single-flight, shared by the two ways of authenticating."""

    def __init__(
        self,
        base_url: str,
        client_id: str,
        *,
        scopes: list[str] | None = None,
        audience: str | None = None,
        refresh_margin: float | None = None,
        retry: RetryPolicy | None = None,
        timeout: float = 30.0,
    ) -> None:
        if not base_url:
            raise ValueError("base_url is required")
        if not client_id:
            raise ValueError("client_id is required")
        self.base_url = base_url.rstrip("/")
        self.client_id = client_id
        self.token_url = f"{self.base_url}/oauth2/token"
        self._scopes = scopes
        self._audience = audience
        self._margin = refresh_margin
        self._retry = retry or RetryPolicy()
        self._timeout = timeout
        self._cached: _Cached | None = None
        self._lock = threading.Lock()
        self._alock: asyncio.Lock | None = None
        self._http: httpx.Client | None = None
        self._ahttp: httpx.AsyncClient | None = None

    def _auth(self) -> tuple[dict[str, str], dict[str, str]]:
        """The client authentication of one token request: headers and form fields."""
        raise NotImplementedError

    def _fresh(self) -> str | None:
        cached = self._cached
        return cached.token if cached and time.monotonic() < cached.refresh_at else None

    def _request(self) -> Request:
        headers, form = self._auth()
        form = {"grant_type": "client_credentials", **form}
        if self._scopes:
            form["scope"] = " ".join(self._scopes)
        if self._audience:
            form["resource"] = self._audience
        # A token request changes nothing on the server, so a 5xx may be retried too.
        return Request("POST", "/oauth2/token", form=form, headers=headers, idempotent=True)

    def _store(self, body: dict[str, Any], started: float) -> str:
        lifetime = float(body["expires_in"])
        margin = self._margin if self._margin is not None else min(lifetime / 5, 60.0)
        self._cached = _Cached(body["access_token"], started + lifetime - margin)
        return str(body["access_token"])

    def get_token(self) -> str:
        """A token valid for at least the refresh margin (blocking)."""
        token = self._fresh()
        if token:
            return token
        with self._lock:
            # Whoever held the lock before us may have fetched one already.
            token = self._fresh()
            if token:
                return token
            if self._http is None:
                self._http = httpx.Client(base_url=self.base_url, timeout=self._timeout)
            started = time.monotonic()
            return self._store(send(self._http, self._request(), self._retry), started)

    async def get_token_async(self) -> str:
        """A token valid for at least the refresh margin (asyncio)."""
        token = self._fresh()
        if token:
            return token
        if self._alock is None:
            self._alock = asyncio.Lock()
        async with self._alock:
            token = self._fresh()
            if token:
                return token
            if self._ahttp is None:
                self._ahttp = httpx.AsyncClient(base_url=self.base_url, timeout=self._timeout)
            started = time.monotonic()
            return self._store(await asend(self._ahttp, self._request(), self._retry), started)

    def invalidate(self) -> None:
        """Drops the cached token, e.g. after the API refused it; the next call fetches anew."""
        self._cached = None

    def close(self) -> None:
        """Closes the blocking HTTP client."""
        if self._http is not None:
            self._http.close()

    async def aclose(self) -> None:
        """Closes both HTTP clients."""
        self.close()
        if self._ahttp is not None:
            await self._ahttp.aclose()


class ClientCredentialsTokenProvider(_CachingTokenProvider):
    """Tokens for an agent with a ``client_secret`` credential (HTTP Basic, RFC 6749 §2.3.1)."""

    def __init__(self, base_url: str, client_id: str, client_secret: str, **options: Any) -> None:
        super().__init__(base_url, client_id, **options)
        if not client_secret:
            raise ValueError("client_secret is required")
        self.__basic = basic_auth(client_id, client_secret)

    def _auth(self) -> tuple[dict[str, str], dict[str, str]]:
        return {"Authorization": self.__basic}, {}

    def __repr__(self) -> str:
        return f"ClientCredentialsTokenProvider(base_url={self.base_url!r}, client_id={self.client_id!r})"


_ALGORITHMS = {"RS256": RSAAlgorithm(RSAAlgorithm.SHA256), "ES256": ECAlgorithm(ECAlgorithm.SHA256), "EdDSA": OKPAlgorithm()}
_THUMBPRINT_MEMBERS = {"RSA": ("e", "kty", "n"), "EC": ("crv", "kty", "x", "y"), "OKP": ("crv", "kty", "x")}


def jwk_thumbprint(jwk: dict[str, Any]) -> str:
    """The RFC 7638 SHA-256 thumbprint of a JWK: the ``kid`` AgentIdP gives a registered key."""
    members = _THUMBPRINT_MEMBERS.get(jwk.get("kty", ""))
    if members is None:
        raise ValueError(f"unsupported key type {jwk.get('kty')!r}")
    canonical = json.dumps({m: jwk[m] for m in members}, separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).rstrip(b"=").decode()


class PrivateKeyJwtTokenProvider(_CachingTokenProvider):
    """Tokens for an agent with a ``public_key`` credential (RFC 7523 ``private_key_jwt``): each
    request carries a fresh client assertion signed by the private key, so no secret leaves it.

    ``private_key`` is a PEM (str or bytes), a private JWK (dict) or a ``cryptography`` key;
    ``algorithm`` is ``RS256``, ``ES256`` or ``EdDSA`` (default: the JWK's ``alg``); ``key_id``
    defaults to the key's RFC 7638 thumbprint, which is the ``kid`` AgentIdP gives it.
    """

    def __init__(
        self,
        base_url: str,
        client_id: str,
        private_key: Any,
        *,
        algorithm: str | None = None,
        key_id: str | None = None,
        **options: Any,
    ) -> None:
        super().__init__(base_url, client_id, **options)
        if isinstance(private_key, dict):
            algorithm = algorithm or private_key.get("alg")
            key = jwt.PyJWK(private_key, algorithm).key
        elif isinstance(private_key, (str, bytes)):
            if algorithm not in _ALGORITHMS:
                raise ValueError("algorithm must be RS256, ES256 or EdDSA")
            key = _ALGORITHMS[algorithm].prepare_key(private_key)
        else:
            key = private_key
        if algorithm not in _ALGORITHMS:
            raise ValueError("algorithm must be RS256, ES256 or EdDSA")
        self.__key = key
        self._algorithm = algorithm
        public = json.loads(_ALGORITHMS[algorithm].to_jwk(key.public_key()))
        self.key_id = key_id or jwk_thumbprint(public)

    def _auth(self) -> tuple[dict[str, str], dict[str, str]]:
        now = int(time.time())
        claims = {"iss": self.client_id, "sub": self.client_id, "aud": self.token_url, "iat": now, "exp": now + 60, "jti": str(uuid.uuid4())}
        assertion = jwt.encode(claims, self.__key, algorithm=self._algorithm, headers={"kid": self.key_id, "typ": "JWT"})
        return {}, {"client_id": self.client_id, "client_assertion_type": ASSERTION_TYPE, "client_assertion": assertion}

    def __repr__(self) -> str:
        return f"PrivateKeyJwtTokenProvider(base_url={self.base_url!r}, client_id={self.client_id!r}, key_id={self.key_id!r})"
