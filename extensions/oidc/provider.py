"""One OIDC provider: discovery, its key set, and token verification (Go's go-oidc ``Provider``,
``RemoteKeySet`` and ``IDTokenVerifier``).

Discovery runs once at start. Keys are not fetched then: as in go-oidc, the first token (and
later any token no cached key verifies, e.g. one signed with a new ``kid`` after rotation) fetches
the JWKS again. Concurrent fetches are coalesced into one request; there is no other rate limit
(go-oidc has none either).
"""

from __future__ import annotations

import asyncio
import json
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import aiohttp
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from . import jose
from .config import ProviderConfig

#: Go's http.Client timeout for discovery and key requests
HTTP_TIMEOUT_S = 5.0
#: go-oidc's clock-skew allowance for ``nbf`` (there is none for ``exp``)
NBF_LEEWAY_S = 300.0


class CAFileError(ValueError):
    """``issuer_ca_path`` cannot be used; Go reports it without the provider prefix."""


class VerifyError(Exception):
    """Token verification failed; the text is go-oidc's."""


def go_time(seconds: float) -> str:
    """A Unix time as Go prints ``time.Time`` (UTC)."""
    moment = datetime.fromtimestamp(seconds, UTC)
    text = moment.strftime("%Y-%m-%d %H:%M:%S")
    if moment.microsecond:
        text += f".{moment.microsecond:06d}".rstrip("0")
    return text + " +0000 UTC"


def _go_request_error(url: str, exc: BaseException) -> str:
    """Go's ``Get "<url>": <cause>`` for a request that got no answer."""
    if isinstance(exc, aiohttp.ClientConnectorError) and isinstance(exc.os_error, ConnectionRefusedError):
        cause = f"dial tcp {exc.host}:{exc.port}: connect: connection refused"
    elif isinstance(exc, TimeoutError | aiohttp.ServerTimeoutError):
        cause = "context deadline exceeded (Client.Timeout exceeded while awaiting headers)"
    else:
        cause = str(exc) or type(exc).__name__
    return f'Get "{url}": {cause}'


def _go_http_status(status: int, reason: str | None) -> str:
    return f"{status} {reason}" if reason else str(status)


def load_issuer_ca(path: str) -> ssl.SSLContext | None:
    """Go's getIssuerCACertFromPath: only the first PEM certificate of the file is trusted (and
    then only it: the system roots are not added)."""
    if not path:
        return None
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except OSError as exc:
        text = exc.strerror or str(exc)
        raise CAFileError(f'could not read the CA file "{path}": open {path}: {text[:1].lower()}{text[1:]}') from None
    if not raw:
        raise CAFileError(f'could not read the CA file "{path}": empty file')
    start = raw.find(b"-----BEGIN ")
    end = raw.find(b"-----END ", start + 1) if start >= 0 else -1
    end = raw.find(b"-----", end + 9) if end >= 0 else -1
    try:
        if start < 0 or end < 0:
            raise ValueError("no PEM block")
        cert = x509.load_pem_x509_certificate(raw[start : end + 5])
    except ValueError:
        raise CAFileError(f'cannot decode the contents of the CA file "{path}"') from None
    return ssl.create_default_context(cadata=cert.public_bytes(Encoding.PEM).decode("ascii"))


@dataclass(frozen=True)
class _Claims:
    issuer: str
    subject: str
    audience: tuple[str, ...]
    expiry: float | None
    not_before: float | None


def go_json_kind(value: Any) -> str:
    """The JSON type name Go's decoder uses in ``cannot unmarshal <kind> into ...``."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _unmarshal_error(text: str) -> VerifyError:
    return VerifyError(f"oidc: failed to unmarshal claims: {text}")


def _time_claim(payload: dict[str, Any], name: str) -> float | None:
    """go-oidc's jsonTime: a JSON number, or a string holding one (Go's json.Number takes both)."""
    value = payload.get(name)
    if value is None:
        return None
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            quoted = json.dumps(json.dumps(value))
            raise _unmarshal_error(f"json: invalid number literal, trying to unmarshal {quoted} into Number") from None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _unmarshal_error(
            f"json: cannot unmarshal {go_json_kind(value)} into Go struct field idToken.{name} of type json.Number"
        )
    return float(value)


def _string_claim(payload: dict[str, Any], name: str) -> str:
    value = payload.get(name, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _unmarshal_error(
            f"json: cannot unmarshal {go_json_kind(value)} into Go struct field idToken.{name} of type string"
        )
    return value


def _claims(payload: dict[str, Any]) -> _Claims:
    aud = payload.get("aud")
    if aud is None:
        audience: tuple[str, ...] = ()
    elif isinstance(aud, str):
        audience = (aud,)
    elif isinstance(aud, list) and all(isinstance(a, str) for a in aud):
        audience = tuple(aud)
    elif isinstance(aud, list):
        odd = next(a for a in aud if not isinstance(a, str))
        raise _unmarshal_error(
            f"json: cannot unmarshal {go_json_kind(odd)} into Go struct field idToken.aud of type string"
        )
    else:
        raise _unmarshal_error(
            f"json: cannot unmarshal {go_json_kind(aud)} into Go struct field idToken.aud of type []string"
        )
    for name in ("nonce", "at_hash"):
        _string_claim(payload, name)
    _time_claim(payload, "iat")
    return _Claims(
        issuer=_string_claim(payload, "iss"),
        subject=_string_claim(payload, "sub"),
        audience=audience,
        expiry=_time_claim(payload, "exp"),
        not_before=_time_claim(payload, "nbf"),
    )


def decode_payload(payload: bytes) -> dict[str, Any]:
    try:
        doc = json.loads(payload)
    except ValueError as exc:
        raise VerifyError(f"oidc: failed to unmarshal claims: {exc}") from None
    if not isinstance(doc, dict):
        raise _unmarshal_error(f"json: cannot unmarshal {go_json_kind(doc)} into Go value of type oidc.idToken")
    return doc


class StaticKeys:
    """go-oidc's StaticKeySet (``public_keys_file``): every key is tried, whatever the ``kid``."""

    def __init__(self, keys: list[jose.Key]) -> None:
        self.keys = keys

    async def close(self) -> None:
        return None


class RemoteKeys:
    """go-oidc's RemoteKeySet: cached keys, re-fetched when none verifies the token."""

    def __init__(self, session: aiohttp.ClientSession, jwks_url: str) -> None:
        self.keys: list[jose.Key] = []
        self._session = session
        self._url = jwks_url
        self._inflight: asyncio.Task[list[jose.Key]] | None = None

    async def refreshed(self) -> list[jose.Key]:
        if self._inflight is None:
            self._inflight = asyncio.create_task(self._fetch())
            self._inflight.add_done_callback(self._done)
        # shield: a cancelled request must not cancel the fetch others wait on
        return await asyncio.shield(self._inflight)

    def _done(self, task: asyncio.Task[list[jose.Key]]) -> None:
        if self._inflight is task:
            self._inflight = None
        if not task.cancelled() and task.exception() is None:
            self.keys = task.result()

    async def _fetch(self) -> list[jose.Key]:
        try:
            async with self._session.get(self._url, headers={"Cache-Control": "no-cache"}) as resp:
                body = await resp.read()
                status, reason = resp.status, resp.reason
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise VerifyError(f"fetching keys oidc: get keys failed {_go_request_error(self._url, exc)}") from None
        if status != 200:
            text = body.decode("utf-8", "replace")
            raise VerifyError(f"fetching keys oidc: get keys failed: {_go_http_status(status, reason)} {text}")
        try:
            return jose.parse_jwks(body)
        except jose.JoseError as exc:
            raise VerifyError(
                f"fetching keys oidc: failed to decode keys: {exc} {body.decode('utf-8', 'replace')}"
            ) from None

    async def close(self) -> None:
        task, self._inflight = self._inflight, None
        if task is not None and not task.done():
            task.cancel()
        await self._session.close()


def _verified(jws: jose.JWS, keys: list[jose.Key]) -> bool:
    """RemoteKeySet's check: the keys with the token's ``kid`` (all keys when it has none)."""
    return any(jose.verify(jws, k.public) for k in keys if not jws.kid or k.kid == jws.kid)


class Provider:
    """A configured provider, ready to verify tokens (Go's providerContainer)."""

    def __init__(
        self,
        cfg: ProviderConfig,
        issuer: str,
        algorithms: tuple[str, ...],
        keys: StaticKeys | RemoteKeys,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.cfg = cfg
        self.issuer = issuer
        self.algorithms = algorithms or ("RS256",)  # go-oidc's mandatory default
        self.keys = keys
        self._now = now

    async def close(self) -> None:
        await self.keys.close()

    async def _verify_signature(self, jws: jose.JWS) -> bytes:
        keys = self.keys
        if isinstance(keys, StaticKeys):
            if any(jose.verify(jws, key.public) for key in keys.keys):
                return jws.payload
            raise VerifyError("failed to verify signature: no public keys able to verify jwt")
        if _verified(jws, keys.keys):
            return jws.payload
        try:
            fresh = await keys.refreshed()
        except VerifyError as exc:
            raise VerifyError(f"failed to verify signature: {exc}") from None
        if _verified(jws, fresh):
            return jws.payload
        raise VerifyError("failed to verify signature: failed to verify id token signature")

    async def verify(self, raw: str) -> dict[str, Any]:
        """go-oidc's IDTokenVerifier.Verify; the token's claims when it passes."""
        try:
            jws = jose.parse_compact(raw, self.algorithms)
        except jose.JoseError as exc:
            raise VerifyError(f"oidc: malformed jwt: {exc}") from None
        payload = decode_payload(await self._verify_signature(jws))
        claims = _claims(payload)
        cfg = self.cfg
        if not cfg.ignore_issuer and claims.issuer != self.issuer:
            google = self.issuer == "https://accounts.google.com" and claims.issuer == "accounts.google.com"
            if not google:
                raise VerifyError(
                    f"oidc: id token issued by a different provider, expected {json.dumps(self.issuer)} "
                    f"got {json.dumps(claims.issuer)}"
                )
        if not cfg.ignore_audience:
            if not cfg.audience:
                raise VerifyError(
                    "oidc: invalid configuration, clientID must be provided or SkipClientIDCheck must be set"
                )
            if cfg.audience not in claims.audience:
                shown = "[" + " ".join(json.dumps(a) for a in claims.audience) + "]"
                raise VerifyError(f"oidc: expected audience {json.dumps(cfg.audience)} got {shown}")
        now = self._now()
        # A token without exp has Go's zero time as expiry: always expired.
        if claims.expiry is None:
            raise VerifyError("oidc: token is expired (Token Expiry: 0001-01-01 00:00:00 +0000 UTC)")
        if claims.expiry < now:
            raise VerifyError(f"oidc: token is expired (Token Expiry: {go_time(claims.expiry)})")
        if claims.not_before is not None and now + NBF_LEEWAY_S < claims.not_before:
            raise VerifyError(
                f"oidc: current time {go_time(now)} before the nbf (not before) time: {go_time(claims.not_before)}"
            )
        return payload


async def discover(cfg: ProviderConfig) -> Provider:
    """go-oidc's NewProvider: ``<issuer>/.well-known/openid-configuration`` → issuer check,
    ``jwks_uri`` and the supported signing algorithms."""
    ssl_context = load_issuer_ca(cfg.issuer_ca_path)
    connector = aiohttp.TCPConnector(ssl=ssl_context if ssl_context is not None else True)
    session = aiohttp.ClientSession(
        connector=connector, timeout=aiohttp.ClientTimeout(total=HTTP_TIMEOUT_S), trust_env=True
    )
    try:
        doc = await _discovery_document(session, cfg.issuer_url)
    except BaseException:
        await session.close()
        raise
    algorithms = doc.get("id_token_signing_alg_values_supported") or []
    supported = tuple(a for a in algorithms if isinstance(a, str) and a in jose.ALL_ALGS)
    jwks_uri = doc.get("jwks_uri", "")
    return Provider(cfg, cfg.issuer_url, supported, RemoteKeys(session, jwks_uri if isinstance(jwks_uri, str) else ""))


async def _discovery_document(session: aiohttp.ClientSession, issuer: str) -> dict[str, Any]:
    url = issuer.rstrip("/") + "/.well-known/openid-configuration"
    try:
        async with session.get(url) as resp:
            body = await resp.read()
            status, reason = resp.status, resp.reason
            content_type = resp.headers.get("Content-Type", "")
    except (aiohttp.ClientError, TimeoutError, OSError, ValueError) as exc:
        raise ValueError(_go_request_error(url, exc)) from None
    text = body.decode("utf-8", "replace")
    if status != 200:
        raise ValueError(f"{_go_http_status(status, reason)}: {text}")
    try:
        doc = json.loads(body)
        if not isinstance(doc, dict):
            raise ValueError("not a JSON object")
    except ValueError as exc:
        raise ValueError(
            f"oidc: failed to decode provider discovery object: expected Content-Type = application/json, "
            f'got "{content_type}": {exc}'
        ) from None
    discovered = doc.get("issuer", "")
    if discovered != issuer:
        raise ValueError(
            f"oidc: issuer URL provided to client ({json.dumps(issuer)}) did not match the issuer URL returned "
            f"by provider ({json.dumps(discovered if isinstance(discovered, str) else str(discovered))})"
        )
    return doc
