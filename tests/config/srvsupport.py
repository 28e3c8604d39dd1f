"""What the server-builder tests share (imported as ``config.srvsupport``): a self-signed certificate, a host with bearertokenauth."""

from __future__ import annotations

import datetime
import ipaddress
import logging
import os
import socket
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pyotelcol.extensions.bearertokenauth import create_factory as bearer_factory

from pyotelcol.component import ID, Component, Kind
from pyotelcol.config import decode
from pyotelcol.testing import NopHost, make_settings

TOKEN = "builder-token-5d1e"
LOGGER = logging.getLogger("tests.config.servers")


def write_cert(directory: Path, cn: str) -> Path:
    """A self-signed certificate for 127.0.0.1/localhost as ``server.crt``/``server.key`` (replaced
    atomically, as a certificate manager does); returns the certificate's path."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    for suffix, data in ((".crt", cert.public_bytes(serialization.Encoding.PEM)), (".key", key_pem)):
        tmp = directory / f".server{suffix}.tmp"
        tmp.write_bytes(data)
        os.replace(tmp, directory / f"server{suffix}")
    return directory / "server.crt"


@asynccontextmanager
async def bearer_host() -> AsyncIterator[NopHost]:
    """A host with a started ``bearertokenauth`` extension that accepts ``Bearer TOKEN``."""
    factory = bearer_factory()
    default = factory.create_default_config()
    cfg = decode(type(default), {"token": TOKEN}, default)
    ext: Component = factory.create(make_settings("bearertokenauth", Kind.EXTENSION), cfg)
    host = NopHost({ID.parse("bearertokenauth"): ext})
    await ext.start(host)
    try:
        yield host
    finally:
        await ext.shutdown()


def server_config(config_type: type[Any], raw: dict[str, Any]) -> Any:
    """A server config decoded like a component's section."""
    return decode(config_type, raw, config_type())


@contextmanager
def taken_port() -> Iterator[int]:
    """A loopback port some other socket listens on for the duration."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        yield int(taken.getsockname()[1])
