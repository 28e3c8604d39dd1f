"""A small OpenID Connect provider for the oidc extension's tests.

No real identity provider (Keycloak, Dex, ...) can run here, so this is a test double of the
parts the extension talks to: an aiohttp app on 127.0.0.1 serving the discovery document
(``/.well-known/openid-configuration``) and the JWK set (``/jwks``) of keys the test generates
with ``cryptography``. Tokens are signed with PyJWT. The app runs on its own thread and loop so
synchronous tests (SDK exporters, a collector subprocess) and asyncio tests can both use it.
"""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import json
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import NameOID

AUDIENCE = "otel-collector"

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey


@dataclass
class SigningKey:
    kid: str
    alg: str
    private: PrivateKey

    def jwk(self) -> dict[str, Any]:
        public = self.private.public_key()
        if isinstance(public, rsa.RSAPublicKey):
            text = jwt.algorithms.RSAAlgorithm.to_jwk(public)
        elif isinstance(public, ec.EllipticCurvePublicKey):
            text = jwt.algorithms.ECAlgorithm.to_jwk(public)
        else:
            text = jwt.algorithms.OKPAlgorithm.to_jwk(public)
        doc: dict[str, Any] = json.loads(text)
        doc.update(kid=self.kid, alg=self.alg, use="sig")
        return doc


def new_key(kid: str, alg: str = "RS256") -> SigningKey:
    private: PrivateKey
    if alg.startswith(("RS", "PS")):
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    elif alg == "ES256":
        private = ec.generate_private_key(ec.SECP256R1())
    elif alg == "ES384":
        private = ec.generate_private_key(ec.SECP384R1())
    else:
        private = ed25519.Ed25519PrivateKey.generate()
    return SigningKey(kid, alg, private)


@dataclass
class Issuer:
    """The running provider: ``url`` is the issuer; ``keys`` what /jwks publishes now."""

    url: str = ""
    keys: list[SigningKey] = field(default_factory=list)
    algorithms: list[str] = field(default_factory=lambda: ["RS256"])
    jwks_requests: int = 0
    #: when set, /jwks answers this (status, body) instead of the keys
    jwks_answer: tuple[int, str] | None = None

    def sign(self, key: SigningKey | None = None, *, ttl: float = 300, **claims: Any) -> str:
        """A token from ``key`` (the first published key by default): iss, aud, sub, exp set
        to valid values unless given (``None`` leaves a claim out)."""
        key = key or self.keys[0]
        now = time.time()
        payload: dict[str, Any] = {"iss": self.url, "aud": AUDIENCE, "sub": "user-1", "iat": int(now)}
        payload["exp"] = int(now + ttl)
        payload.update(claims)
        payload = {k: v for k, v in payload.items() if v is not None}
        return jwt.encode(payload, key.private, algorithm=key.alg, headers={"kid": key.kid})


def _app(issuer: Issuer) -> web.Application:
    async def discovery(_: web.Request) -> web.Response:
        return web.json_response(
            {
                "issuer": issuer.url,
                "jwks_uri": issuer.url + "/jwks",
                "id_token_signing_alg_values_supported": issuer.algorithms,
                "subject_types_supported": ["public"],
            }
        )

    async def jwks(_: web.Request) -> web.Response:
        issuer.jwks_requests += 1
        if issuer.jwks_answer is not None:
            status, body = issuer.jwks_answer
            return web.Response(status=status, text=body, content_type="application/json")
        return web.json_response({"keys": [k.jwk() for k in issuer.keys]})

    app = web.Application()
    app.router.add_get("/.well-known/openid-configuration", discovery)
    app.router.add_get("/jwks", jwks)
    return app


def self_signed(tmp: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test-oidc-issuer")])
    now = datetime.datetime.now(datetime.UTC)

    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp / "issuer.crt", tmp / "issuer.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


class _Server:
    def __init__(self, issuer: Issuer, tls: ssl.SSLContext | None) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.runner = web.AppRunner(_app(issuer))
        asyncio.run_coroutine_threadsafe(self.runner.setup(), self.loop).result(10)
        site = web.TCPSite(self.runner, "127.0.0.1", 0, ssl_context=tls)
        asyncio.run_coroutine_threadsafe(site.start(), self.loop).result(10)
        server = site._server
        assert server is not None
        port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        issuer.url = f"{'https' if tls else 'http'}://127.0.0.1:{port}"

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


def start_issuer(tls: ssl.SSLContext | None = None) -> tuple[Issuer, _Server]:
    issuer = Issuer(keys=[new_key("key-1")])
    return issuer, _Server(issuer, tls)


@contextmanager
def running_issuer() -> Iterator[Issuer]:
    found, server = start_issuer()
    try:
        yield found
    finally:
        server.close()
