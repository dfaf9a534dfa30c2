"""Offline verification of AgentIdP access tokens (RFC 9068) against the issuer's JWKS, on
PyJWT: the algorithm pinned to the key, issuer, audience, lifetime and scopes checked."""

from __future__ import annotations

import asyncio
import base64
import json
import threading
import time
from collections.abc import Iterable, Sequence
from typing import Any

import httpx
import jwt

from ._http import USER_AGENT
from .errors import TokenVerificationError, VerificationErrorCode

__all__ = ["TokenVerifier", "VerifiedToken"]

DEFAULT_ALGORITHMS = ("RS256", "ES256", "EdDSA")


class VerifiedToken:
    """A token that passed every check, with its claims."""

    __slots__ = ("claims", "scopes")

    def __init__(self, claims: dict[str, Any]) -> None:
        self.claims = claims
        #: The granted scopes.
        self.scopes: tuple[str, ...] = tuple(str(claims.get("scope", "")).split())

    def __repr__(self) -> str:
        return f"VerifiedToken(agent_id={self.agent_id!r}, scopes={self.scopes!r})"

    @property
    def agent_id(self) -> str:
        """The agent the token is about (``sub``)."""
        return str(self.claims["sub"])

    @property
    def tenant_id(self) -> str | None:
        """The agent's tenant."""
        return self.claims.get("tenant_id")

    @property
    def actor(self) -> str | None:
        """The agent acting for the subject of a delegated token (RFC 8693 ``act``), if any."""
        act = self.claims.get("act")
        return act.get("sub") if isinstance(act, dict) else None

    @property
    def delegation_chain(self) -> list[str]:
        """Every actor of a delegated token, current first; empty for a direct token."""
        chain: list[str] = []
        act = self.claims.get("act")
        while isinstance(act, dict) and "sub" in act:
            chain.append(act["sub"])
            act = act.get("act")
        return chain

    def has_scope(self, scope: str) -> bool:
        """Whether ``scope`` was granted."""
        return scope in self.scopes


_ERRORS: list[tuple[type[Exception], VerificationErrorCode]] = [
    (jwt.ExpiredSignatureError, "expired"),
    (jwt.ImmatureSignatureError, "not_yet_valid"),
    (jwt.InvalidAudienceError, "invalid_audience"),
    (jwt.InvalidIssuerError, "invalid_issuer"),
    (jwt.InvalidAlgorithmError, "algorithm_rejected"),
    (jwt.InvalidSignatureError, "invalid_signature"),
]


def _refuse(code: VerificationErrorCode, message: str) -> TokenVerificationError:
    return TokenVerificationError(code, message)


def _header(token: str) -> dict[str, Any]:
    try:
        head = token.split(".", 1)[0]
        header = json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
    except (ValueError, UnicodeDecodeError) as exc:
        raise _refuse("malformed", "the token is not a JWS") from exc
    if not isinstance(header, dict) or token.count(".") != 2:
        raise _refuse("malformed", "the token is not a JWS")
    return header


class TokenVerifier:
    """Verifies access tokens offline; one instance per service, shared by every request and
    thread. ``verify`` blocks on the rare JWKS fetch; ``verify_async`` awaits it.

    ``audience`` is this service's identifier: tokens asked for without a ``resource`` carry the
    issuer. The JWKS is fetched on first use, kept ``jwks_max_age`` seconds (3600), and fetched
    again on an unknown ``kid`` at most once per ``jwks_cooldown`` seconds (30), so forged kids
    cannot flood the issuer. ``leeway`` (30 s) is the clock skew tolerated on ``exp``/``nbf``.
    """

    def __init__(
        self,
        issuer: str,
        audience: str,
        *,
        required_scopes: Iterable[str] = (),
        jwks_url: str | None = None,
        algorithms: Sequence[str] = DEFAULT_ALGORITHMS,
        leeway: float = 30,
        jwks_cooldown: float = 30,
        jwks_max_age: float = 3600,
        timeout: float = 5,
    ) -> None:
        if not issuer or not audience:
            raise ValueError("issuer and audience are required")
        if any(a.upper().startswith("HS") or a.lower() == "none" for a in algorithms):
            raise ValueError("only asymmetric algorithms can be verified against a JWKS")
        self.issuer = issuer
        self.audience = audience
        self.required_scopes = tuple(required_scopes)
        self.jwks_url = jwks_url or issuer.rstrip("/") + "/.well-known/jwks.json"
        self._algorithms = frozenset(algorithms)
        self._leeway = leeway
        self._cooldown = jwks_cooldown
        self._max_age = jwks_max_age
        self._timeout = timeout
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at: float | None = None
        self._lock = threading.Lock()
        self._alock: asyncio.Lock | None = None
        self._options = {"require": ["exp", "iat", "sub", "jti"]}
        self._headers: dict[str, dict[str, Any]] = {}

    # ---- verification

    def verify(self, token: str, required_scopes: Iterable[str] = ()) -> VerifiedToken:
        """Verifies ``token`` and returns its claims; raises :class:`TokenVerificationError`."""
        header = self._check_header(token)
        if self._needs_fetch(header):
            with self._lock:
                if self._needs_fetch(header):  # another thread may have fetched meanwhile
                    self._install(self._fetch_sync())
        return self._decode(token, header, self._key(header), required_scopes)

    async def verify_async(self, token: str, required_scopes: Iterable[str] = ()) -> VerifiedToken:
        """``verify`` for asyncio: the JWKS fetch does not block the event loop."""
        header = self._check_header(token)
        if self._needs_fetch(header):
            if self._alock is None:
                self._alock = asyncio.Lock()
            async with self._alock:
                if self._needs_fetch(header):
                    self._install(await self._fetch_async())
        return self._decode(token, header, self._key(header), required_scopes)

    def _check_header(self, token: str) -> dict[str, Any]:
        # Every token signed by one key has the same header segment, so checking it once per
        # segment saves a base64 and JSON decode per verification. Bounded against forged headers.
        segment = token.partition(".")[0]
        header = self._headers.get(segment)
        if header is not None and token.count(".") == 2:
            return header
        header = _header(token)
        typ = header.get("typ")
        if typ not in ("at+jwt", "application/at+jwt"):
            raise _refuse("invalid_type", f"the token's typ is {typ!r}, not at+jwt")
        if header.get("alg") not in self._algorithms:
            raise _refuse("algorithm_rejected", f"the algorithm {header.get('alg')!r} is not accepted")
        if len(self._headers) >= 64:
            self._headers.clear()
        self._headers[segment] = header
        return header

    def _key(self, header: dict[str, Any]) -> jwt.PyJWK:
        """The published key the token names, which must sign with the token's algorithm."""
        kid = header.get("kid")
        key = self._keys.get(kid) if isinstance(kid, str) else None
        if key is None:
            if self._fetched_at is None:
                raise _refuse("jwks_unavailable", "the issuer's keys could not be fetched")
            raise _refuse("unknown_key", f"no published key has kid {kid!r}")
        if key.algorithm_name != header["alg"]:
            raise _refuse("algorithm_rejected", f"key {kid} does not sign with {header['alg']}")
        return key

    def _decode(self, token: str, header: dict[str, Any], key: jwt.PyJWK, required: Iterable[str]) -> VerifiedToken:
        try:
            claims = jwt.decode(
                token, key.key, algorithms=[header["alg"]], audience=self.audience, issuer=self.issuer,
                leeway=self._leeway, options=self._options,  # type: ignore[arg-type]
            )
        except jwt.MissingRequiredClaimError as exc:
            raise _refuse("malformed", str(exc)) from exc
        except jwt.InvalidTokenError as exc:
            code: VerificationErrorCode = next((c for cls, c in _ERRORS if isinstance(exc, cls)), "malformed")
            raise _refuse(code, str(exc) or code) from exc
        verified = VerifiedToken(claims)
        missing = [s for s in (*self.required_scopes, *required) if not verified.has_scope(s)]
        if missing:
            raise _refuse("insufficient_scope", f"the token lacks the scope {' '.join(missing)}")
        return verified

    # ---- the JWKS cache

    def _needs_fetch(self, header: dict[str, Any]) -> bool:
        now = time.monotonic()
        if self._fetched_at is None or now - self._fetched_at >= self._max_age:
            return True
        return header.get("kid") not in self._keys and now - self._fetched_at >= self._cooldown

    def _install(self, jwks: Any) -> None:
        """Replaces the keys by those of ``jwks``; a failed fetch (``None``) keeps the old ones."""
        if jwks is None:
            if self._fetched_at is not None:
                # Stale keys beat none: retry after the cooldown, not on every request.
                self._fetched_at = time.monotonic() - self._max_age + self._cooldown
            return
        keys: dict[str, jwt.PyJWK] = {}
        for jwk in jwks.get("keys", []) if isinstance(jwks, dict) else []:
            if not isinstance(jwk, dict) or jwk.get("use", "sig") != "sig" or not isinstance(jwk.get("kid"), str):
                continue
            try:
                key = jwt.PyJWK(jwk)
            except jwt.PyJWTError:
                continue  # a key type this verifier cannot use
            if key.algorithm_name in self._algorithms:
                keys[jwk["kid"]] = key
        self._keys = keys
        self._fetched_at = time.monotonic()

    def _fetch_sync(self) -> Any:
        try:
            response = httpx.get(self.jwks_url, timeout=self._timeout, headers={"User-Agent": USER_AGENT})
            response.raise_for_status()
            return response.json()
        except (httpx.HTTPError, ValueError):
            return None

    async def _fetch_async(self) -> Any:
        try:
            async with httpx.AsyncClient(timeout=self._timeout) as client:
                response = await client.get(self.jwks_url, headers={"User-Agent": USER_AGENT})
                response.raise_for_status()
                return response.json()
        except (httpx.HTTPError, ValueError):
            return None
